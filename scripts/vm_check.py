"""The real-VM check (`make test-vm`): a Debian VM made with debootstrap, booted by QEMU, reached
over SSH as a sudo user the way a VPS provider hands one out, deployed with a production-like
inventory (vault, firewall on, stand-in archives), checked, rebooted, re-deployed, torn down.
Prints a figure for every slow step. Stdlib only: it runs before any venv exists, too."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger("vm_check")
REPO = Path(__file__).resolve().parent.parent
UNITS = ("trading-db", "trading-redis", "trading-backend", "trading-frontend")
PUBLIC_PORTS = {22, 3000, 8000}
GUEST_PACKAGES = (
    "systemd,systemd-sysv,dbus,udev,kmod,linux-image-amd64,openssh-server,python3,sudo,"
    "ca-certificates,iproute2,procps,curl"
)
STANDINS = {
    "postgres": "postgres_image",
    "redis": "redis_image",
    "python": "backend_python_image",
    "node": "frontend_node_image",
    "nginx": "frontend_nginx_image",
}


class VmCheckError(Exception):
    """One check of the VM failed; the message says which and what was seen."""


@dataclass
class Figures:
    """Seconds per step, printed as they come and summed up at the end."""

    steps: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def timed(self, what: str) -> Iterator[None]:
        logger.info("%s ...", what)
        start = time.monotonic()
        yield
        took = time.monotonic() - start
        self.steps.append((what, took))
        logger.info("%s: %.0f s", what, took)

    def report(self) -> str:
        return "\n".join(f"  {seconds:7.0f} s  {what}" for what, seconds in self.steps)


# --- pure pieces (unit-tested) -------------------------------------------------------------


def qemu_command(
    *, kernel: Path, initrd: Path, disk: Path, console: Path, forwards: dict[int, int],
    memory_mb: int, cpus: int, kvm: bool,
) -> list[str]:  # fmt: skip
    """The QEMU command line of the environment notes: KVM when usable, else multi-threaded TCG."""
    accel = ["-accel", "kvm", "-cpu", "host"] if kvm else [
        "-accel", "tcg,thread=multi,tb-size=512", "-cpu", "max",
    ]  # fmt: skip
    hostfwd = ",".join(f"hostfwd=tcp:127.0.0.1:{host}-:{guest}" for host, guest in forwards.items())
    return [
        "qemu-system-x86_64", "-machine", "q35", *accel, "-m", str(memory_mb), "-smp", str(cpus),
        "-nodefaults", "-display", "none", "-kernel", str(kernel), "-initrd", str(initrd),
        "-append", "root=/dev/vda rw console=ttyS0 net.ifnames=0",
        "-drive", f"file={disk},if=virtio,format=qcow2,cache=unsafe",
        "-netdev", f"user,id=n0,{hostfwd}", "-device", "virtio-net-pci,netdev=n0",
        "-device", "virtio-rng-pci", "-serial", f"file:{console}",
    ]  # fmt: skip


def kvm_usable() -> bool:
    """/dev/kvm can be there and still fail (nested hosts whose CPU model KVM cannot set up):
    a paused QEMU that is still alive after a few seconds says it works."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    probe = ["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host", "-machine", "q35", "-m", "128",
             "-display", "none", "-nodefaults", "-S", "-monitor", "none"]  # fmt: skip
    try:
        subprocess.run(probe, capture_output=True, timeout=5, check=False)
    except subprocess.TimeoutExpired:
        return True  # still running: KVM set the VM up
    return False


def recap_changed(output: str) -> dict[str, int]:
    """`changed=` per host from ansible-playbook's PLAY RECAP."""
    clean = re.sub(r"\x1b\[[0-9;]*m", "", output)
    recap = clean.rsplit("PLAY RECAP", 1)
    if len(recap) != 2:
        raise VmCheckError("no PLAY RECAP in the playbook's output")
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\S+)\s*:.*?\bchanged=(\d+)", recap[1], re.M)}


def public_listeners(ss_output: str) -> set[int]:
    """TCP ports `ss -Hltnp` shows listening on a non-loopback address."""
    ports = set()
    for line in ss_output.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        address, _, port = fields[3].rpartition(":")
        if address.strip("[]") not in {"127.0.0.1", "::1"} and not address.startswith("127."):
            ports.add(int(port))
    return ports


def firewall_accepts(ruleset: str) -> set[int]:
    """TCP ports the deployment's nftables table accepts; fails unless its input policy is drop.
    (Docker's own tables, for published ports and its networks, are not the host firewall.)"""
    table = re.search(r"^table inet trading_bot_filter \{\n(.*?)^\}", ruleset, re.M | re.S)
    if not table:
        raise VmCheckError(f"no table inet trading_bot_filter in the ruleset:\n{ruleset}")
    if not re.search(r"type filter hook input priority \S+; policy drop;", table[1]):
        raise VmCheckError(f"the input chain does not drop by default:\n{table[1]}")
    ports: set[int] = set()
    for match in re.finditer(r"tcp dport (\{[^}]*\}|\d+) .*accept", table[1]):
        ports |= {int(p) for p in re.findall(r"\d+", match[1])}
    return ports


def inventory(*, ssh_port: int, key: Path, cache: Path, tags: dict[str, str], swap_mb: int) -> dict[str, object]:
    """A production-like inventory for the VM: the production group_vars' choices (firewall on,
    placeholders refused), the stand-in bases as archives, SSH as the provider's sudo user."""
    host = {
        "ansible_host": "127.0.0.1", "ansible_port": ssh_port, "ansible_user": "deploy",
        "ansible_ssh_private_key_file": str(key), "ansible_python_interpreter": "/usr/bin/python3",
        "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
    }  # fmt: skip
    group = {
        "firewall_enabled": True,
        "preflight_refuse_placeholders": True,
        "backup_dir": "/var/backups/trading-bot",
        "docker_engine_swap_file_mb": swap_mb,
        "docker_engine_image_archives": [
            {"src": str(cache / f"{name}.tar"), "images": [tags[name]]} for name in STANDINS
        ],
        **{variable: tags[name] for name, variable in STANDINS.items()},
    }
    return {"all": {"vars": group, "children": {"trading_bot": {"hosts": {"vm": host}}}}}


# --- the VM ---------------------------------------------------------------------------------


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    logger.debug("$ %s", shlex.join(command))
    return subprocess.run(command, check=True, text=True, **kwargs)  # type: ignore[call-overload]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_base_image(cache: Path, suite: str, key: Path, size_gb: int) -> Path:
    """ext4 image of a debootstrapped Debian with SSH, networkd and the host's CAs (cached)."""
    image = cache / f"{suite}.ext4"
    if image.exists():
        return image
    root = Path(tempfile.mkdtemp(prefix="vm-root-", dir=cache))
    try:
        run(["debootstrap", "--variant=minbase", f"--include={GUEST_PACKAGES}", suite, str(root)],
            stdout=subprocess.DEVNULL)  # fmt: skip
        (root / "etc/hostname").write_text("trading-vm\n")
        (root / "etc/hosts").write_text("127.0.0.1 localhost\n127.0.1.1 trading-vm\n")
        (root / "etc/fstab").write_text("/dev/vda / ext4 defaults 0 1\n")
        (root / "etc/systemd/network/50-dhcp.network").write_text("[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n")
        (root / "etc/resolv.conf").unlink(missing_ok=True)
        (root / "etc/resolv.conf").write_text("nameserver 10.0.2.3\n")
        shutil.copy("/etc/ssl/certs/ca-certificates.crt",
                    root / "usr/local/share/ca-certificates/host-bundle.crt")  # fmt: skip
        chroot = ["chroot", str(root)]
        run([*chroot, "update-ca-certificates"], stdout=subprocess.DEVNULL)
        run([*chroot, "systemctl", "enable", "systemd-networkd", "ssh"])
        run([*chroot, "ssh-keygen", "-A"])
        # The provider's account: a non-root user with passwordless sudo and the controller's key.
        run(
            [
                *chroot,
                "useradd",
                "--create-home",
                "--shell",
                "/bin/bash",
                "--groups",
                "sudo",
                "deploy",
            ]
        )
        (root / "etc/sudoers.d/deploy").write_text("deploy ALL=(ALL) NOPASSWD:ALL\n")
        (root / "etc/sudoers.d/deploy").chmod(0o440)
        ssh_dir = root / "home/deploy/.ssh"
        ssh_dir.mkdir(mode=0o700)
        (ssh_dir / "authorized_keys").write_text(key.with_suffix(".pub").read_text())
        run([*chroot, "chown", "-R", "deploy:deploy", "/home/deploy/.ssh"])
        for pattern, name in (("vmlinuz-*", "vmlinuz"), ("initrd.img-*", "initrd.img")):
            found = sorted((root / "boot").glob(pattern))
            if not found:
                raise VmCheckError(f"no /boot/{pattern} in the debootstrapped tree")
            shutil.copy(found[-1], cache / f"{suite}-{name}")
        part = image.with_suffix(".part")
        run(["mkfs.ext4", "-q", "-F", "-d", str(root), str(part), f"{size_gb}G"])
        part.rename(image)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return image


@dataclass
class Vm:
    """A booted VM on a qcow2 overlay of the base image, reached on forwarded loopback ports."""

    process: subprocess.Popen[str]
    overlay: Path
    ssh_port: int
    key: Path

    def ssh(self, command: str, check: bool = True, timeout: float = 120) -> str:
        done = subprocess.run(
            ["ssh", "-i", str(self.key), "-p", str(self.ssh_port), "-o", "BatchMode=yes",
             "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
             "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR", "deploy@127.0.0.1", command],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise VmCheckError(f"`{command}` exited {done.returncode}: {done.stdout}{done.stderr}")
        return done.stdout

    def wait_for_ssh(self, timeout: float) -> None:
        wait_until(lambda: self._answers(), timeout, "SSH")

    def _answers(self) -> bool:
        try:
            self.ssh("true", timeout=15)
        except (VmCheckError, subprocess.TimeoutExpired):
            if self.process.poll() is not None:
                error = self.process.stderr.read() if self.process.stderr else ""
                raise VmCheckError(f"QEMU exited with {self.process.returncode}: {error[-2000:]}") from None
            return False
        return True

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.overlay.unlink(missing_ok=True)


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise VmCheckError(f"{what} not within {timeout:.0f} s")
        time.sleep(3)


def boot(cache: Path, suite: str, base: Path, key: Path, args: argparse.Namespace) -> Vm:
    overlay = cache / f"{suite}-overlay-{os.getpid()}.qcow2"
    run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(base), "-F", "raw", str(overlay),
         f"{args.disk_gb}G"])  # fmt: skip
    ssh_port = free_port()
    kvm = kvm_usable()
    command = qemu_command(
        kernel=cache / f"{suite}-vmlinuz", initrd=cache / f"{suite}-initrd.img", disk=overlay,
        console=cache / f"{suite}-console.log", forwards={ssh_port: 22},
        memory_mb=args.memory_mb, cpus=args.cpus, kvm=kvm,
    )  # fmt: skip
    logger.info("QEMU with %s, %d vCPU, %d MB", "KVM" if kvm else "TCG (KVM not usable here)", args.cpus,
                args.memory_mb)  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return Vm(process, overlay, ssh_port, key)


# --- the deployment and its checks ----------------------------------------------------------


def write_inventory(work: Path, vm: Vm, cache: Path, tags: dict[str, str], swap_mb: int) -> Path:
    hosts = work / "hosts.json"  # JSON is YAML: no YAML library needed here
    hosts.write_text(json.dumps(inventory(
        ssh_port=vm.ssh_port, key=vm.key, cache=cache, tags=tags, swap_mb=swap_mb
    )))  # fmt: skip
    return hosts


def write_vault(work: Path, venv_bin: Path) -> tuple[Path, Path]:
    """Random secrets in an ansible-vault file and its password file."""
    password = work / "vault-password"
    password.write_text(secrets.token_hex(24))
    admin = secrets.token_hex(8)
    hashed = run([str(venv_bin / "python"), "-m", "app.cli", "hash-password", "--stdin"],
                 input=admin + "\n", capture_output=True, cwd=REPO / "backend").stdout.strip()  # fmt: skip
    vault = work / "vault.yml"
    vault.write_text(json.dumps({
        "vault_postgres_password": secrets.token_hex(24), "vault_redis_password": secrets.token_hex(24),
        "vault_alpaca_api_key": "", "vault_alpaca_secret_key": "",
        "vault_admin_password_hash": hashed, "vault_token_secret": secrets.token_hex(32),
    }))  # fmt: skip
    run([str(venv_bin / "ansible-vault"), "encrypt", "--vault-password-file", str(password),
         str(vault)], capture_output=True)  # fmt: skip
    return vault, password


def deploy(venv_bin: Path, hosts: Path, vault: Path, password: Path) -> str:
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0"}
    done = subprocess.run(
        [str(venv_bin / "ansible-playbook"), "-i", str(hosts), str(REPO / "site.yml"),
         "-e", f"@{vault}", "--vault-password-file", str(password)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    sys.stdout.write(done.stdout[-20000:])
    if done.returncode != 0:
        raise VmCheckError(f"site.yml failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout


def check_stack(vm: Vm) -> None:
    for unit in UNITS:
        state = vm.ssh(f"systemctl is-active {unit}", check=False).strip()
        if state != "active":
            raise VmCheckError(f"{unit} is {state}")
    units = " ".join(f"/etc/systemd/system/{unit}.service" for unit in UNITS)
    verify = vm.ssh(f"sudo systemd-analyze verify {units} 2>&1", check=False)
    if any(unit in verify for unit in UNITS):
        raise VmCheckError(f"systemd-analyze verify:\n{verify}")
    health = vm.ssh("curl -fsS http://127.0.0.1:8000/api/health")
    if json.loads(health).get("checks") != {"database": "ok", "redis": "ok"}:
        raise VmCheckError(f"health: {health}")
    vm.ssh("curl -fsS -o /dev/null http://127.0.0.1:3000/")
    listening = public_listeners(vm.ssh("sudo ss -Hltnp"))
    if listening != PUBLIC_PORTS:
        raise VmCheckError(f"public TCP listeners {sorted(listening)}, expected {sorted(PUBLIC_PORTS)}")
    accepted = firewall_accepts(vm.ssh("sudo nft list ruleset"))
    if accepted != PUBLIC_PORTS:
        raise VmCheckError(f"the firewall accepts {sorted(accepted)}, expected {sorted(PUBLIC_PORTS)}")


def stand_in_tags(suite: str) -> dict[str, str]:
    env = {**os.environ, "TRADING_BOT_DEBIAN_SUITE": suite}
    script = f'. "{REPO}/scripts/lib.sh"; . "{REPO}/images/lib.sh"; for n in "$@"; do standin_tag "$n"; done'
    out = run(["bash", "-c", script, "tags", *STANDINS], capture_output=True, env=env).stdout
    return dict(zip(STANDINS, out.split(), strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--suite", default="bookworm", choices=["bookworm", "trixie"])
    parser.add_argument("--memory-mb", type=int, default=6144)
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--disk-gb", type=int, default=12)
    parser.add_argument("--swap-mb", type=int, default=0, help="docker_engine_swap_file_mb")
    parser.add_argument("--cache", type=Path, required=True, help="VM images and stand-in archives")
    parser.add_argument("--venv", type=Path, default=REPO / ".venv")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s vm-check: %(message)s")
    figures, venv_bin, cache = Figures(), args.venv / "bin", args.cache
    (cache / "vm").mkdir(parents=True, exist_ok=True)
    key = cache / "vm" / "id_ed25519"
    if not key.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)])
    with figures.timed(f"debootstrap and disk image ({args.suite}, cached after the first run)"):
        base = build_base_image(cache / "vm", args.suite, key, args.disk_gb)
    vm = boot(cache / "vm", args.suite, base, key, args)
    work = Path(tempfile.mkdtemp(prefix="vm-check-"))
    try:
        with figures.timed("boot until SSH answers"):
            vm.wait_for_ssh(600)
        hosts = write_inventory(work, vm, cache / "images", stand_in_tags("bookworm"), args.swap_mb)
        vault, password = write_vault(work, venv_bin)
        with figures.timed("cold deploy (site.yml)"):
            deploy(venv_bin, hosts, vault, password)
        check_stack(vm)
        logger.info("four units active, health ok, public ports %s, firewall as expected",
                    sorted(PUBLIC_PORTS))  # fmt: skip
        with figures.timed("reboot until the stack answers again"):
            vm.ssh("sudo systemctl reboot", check=False, timeout=30)
            time.sleep(5)
            vm.wait_for_ssh(600)
            wait_until(lambda: vm.ssh("curl -fsS http://127.0.0.1:8000/api/health", check=False) != "",
                       900, "health after the reboot")  # fmt: skip
        check_stack(vm)
        with figures.timed("second run (site.yml, nothing to change)"):
            changed = recap_changed(deploy(venv_bin, hosts, vault, password))
        if changed != {"vm": 0}:
            raise VmCheckError(f"the second run changed something: {changed}")
    except VmCheckError as failure:
        logger.error("FAILED: %s", failure)
        logger.info("figures so far:\n%s", figures.report())
        return 1
    finally:
        vm.stop()
        shutil.rmtree(work, ignore_errors=True)
    logger.info("real-VM check passed; figures:\n%s", figures.report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
