"""The real-VM check's pure pieces: QEMU flags, the recap, listeners and firewall parsers, the
inventory. The VM itself runs on demand (`make test-vm`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from vm_check import (
    VmCheckError,
    firewall_accepts,
    inventory,
    public_listeners,
    qemu_command,
    recap_changed,
)

RECAP = """
PLAY RECAP *********************************************************************
vm                         : ok=187  changed=0    unreachable=0    failed=0    skipped=61   rescued=0
other                      : ok=12   changed=3    unreachable=0    failed=0    skipped=0    rescued=0
"""

# `nft list ruleset` on a deployed host: Docker's table accepts its own ports, ours is the firewall.
RULESET = """table ip filter {
\tchain DOCKER {
\t\tip daddr 172.30.0.3 iifname != "br-1" oifname "br-1" tcp dport 8080 counter accept
\t}
}
table inet trading_bot_filter {
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tct state established,related accept
\t\tiif "lo" accept
\t\ttcp dport { 22, 3000, 8000 } accept
\t}
}
"""

SS = """LISTEN 0 4096 127.0.0.1:5432 0.0.0.0:* users:(("docker-proxy",pid=1,fd=4))
LISTEN 0 4096 0.0.0.0:3000 0.0.0.0:* users:(("docker-proxy",pid=2,fd=4))
LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=3,fd=3))
LISTEN 0 4096 [::]:8000 [::]:* users:(("docker-proxy",pid=4,fd=4))
LISTEN 0 4096 [::1]:6379 [::]:* users:(("docker-proxy",pid=5,fd=4))
"""


def test_qemu_uses_kvm_when_usable_and_tcg_otherwise(tmp_path: Path) -> None:
    common = dict(
        kernel=tmp_path / "k", initrd=tmp_path / "i", disk=tmp_path / "d.qcow2",
        console=tmp_path / "c.log", forwards={2222: 22}, memory_mb=2048, cpus=2,
    )  # fmt: skip
    kvm, tcg = qemu_command(**common, kvm=True), qemu_command(**common, kvm=False)
    assert kvm[kvm.index("-accel") + 1] == "kvm"
    assert tcg[tcg.index("-accel") + 1] == "tcg,thread=multi,tb-size=512"
    assert tcg[tcg.index("-cpu") + 1] == "max"
    assert "user,id=n0,hostfwd=tcp:127.0.0.1:2222-:22" in tcg


def test_recap_gives_changed_per_host() -> None:
    assert recap_changed("TASK [x]\nchanged: [vm]\n" + RECAP) == {"vm": 0, "other": 3}
    with pytest.raises(VmCheckError, match="no PLAY RECAP"):
        recap_changed("fatal: [vm]: UNREACHABLE!")


def test_public_listeners_leave_loopback_out() -> None:
    assert public_listeners(SS) == {22, 3000, 8000}


def test_firewall_reads_only_the_deployment_table() -> None:
    assert firewall_accepts(RULESET) == {22, 3000, 8000}
    with pytest.raises(VmCheckError, match="does not drop"):
        firewall_accepts(RULESET.replace("policy drop", "policy accept"))
    with pytest.raises(VmCheckError, match="no table"):
        firewall_accepts(RULESET.split("table inet")[0])


def test_inventory_is_production_like(tmp_path: Path) -> None:
    tags = {name: f"standin/{name}" for name in ("postgres", "redis", "python", "node", "nginx")}
    inv = inventory(ssh_port=2222, key=tmp_path / "key", cache=tmp_path, tags=tags, swap_mb=1024)
    group = inv["all"]["vars"]  # type: ignore[index]
    host = inv["all"]["children"]["trading_bot"]["hosts"]["vm"]  # type: ignore[index]
    assert group["firewall_enabled"] is True
    assert group["preflight_refuse_placeholders"] is True
    assert group["backend_python_image"] == "standin/python"
    assert group["docker_engine_image_archives"][0] == {
        "src": str(tmp_path / "postgres.tar"), "images": ["standin/postgres"],
    }  # fmt: skip
    assert (host["ansible_user"], host["ansible_port"]) == ("deploy", 2222)
