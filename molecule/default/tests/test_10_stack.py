"""The deployed stack, read-only checks: units, containers, ports, HTTP, Socket.IO, hardening."""

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import SCENARIO, UNITS, container_health, http


@pytest.mark.parametrize("unit", UNITS)
def test_unit_enabled_and_active(host, unit):
    service = host.service(unit)
    assert service.is_enabled
    assert service.is_running


@pytest.mark.parametrize("name", UNITS)
def test_container_running_and_healthy(host, name):
    assert host.docker(name).is_running
    assert container_health(host, name) == "healthy"


def test_dashboard_port_listens_on_every_interface(host):
    assert host.socket("tcp://0.0.0.0:3000").is_listening


@pytest.mark.parametrize("port", [8000, 5432, 6379])
def test_api_and_data_ports_on_loopback_only(host, port):
    """nginx is the one way in: the API's own port answers on the server itself, nowhere else."""
    listening = [line for line in host.run("ss -Hltn").stdout.splitlines() if f":{port} " in line]
    addresses = {line.split()[3].rsplit(":", 1)[0] for line in listening}
    assert addresses == {"127.0.0.1"}


def test_backend_health(host):
    status, text = http(host, "GET", "http://127.0.0.1:8000/api/health")
    assert status == 200, text
    assert json.loads(text)["checks"] == {"database": "ok", "redis": "ok"}


def test_the_example_strategy_file_runs_read_only_beside_the_built_ins(host, token):
    _, health = http(host, "GET", "http://127.0.0.1:8000/api/health")
    assert json.loads(health)["strategy_files"] == []
    status, text = http(host, "GET", "http://127.0.0.1:8000/api/strategies", token=token)
    assert status == 200, text
    assert {"channel_breakout", "sma_crossover"} <= {s["name"] for s in json.loads(text)}
    mounts = host.run("docker inspect -f '{{json .Mounts}}' trading-backend").stdout
    [mount] = [m for m in json.loads(mounts) if m["Destination"] == "/strategies"]
    assert mount["RW"] is False
    assert host.file("/opt/trading-bot/strategies/channel_breakout.py").mode == 0o644


def test_frontend_serves_the_spa(host):
    status, text = http(host, "GET", "http://127.0.0.1:3000/")
    assert status == 200
    assert '<div id="root">' in text


def test_deep_link_serves_index(host):
    _, index = http(host, "GET", "http://127.0.0.1:3000/")
    status, text = http(host, "GET", "http://127.0.0.1:3000/orders/some/deep/link")
    assert status == 200
    assert text == index


def test_api_is_proxied_through_nginx(host):
    status, text = http(host, "GET", "http://127.0.0.1:3000/api/health")
    assert status == 200, text
    assert json.loads(text)["status"] == "ok"


def test_socketio_websocket_through_nginx_after_login(host, token):
    result = host.run(f"/opt/verify/bin/python /opt/verify/socketio_check.py http://127.0.0.1:3000 {token}")
    assert result.rc == 0, result.stdout + result.stderr
    assert "connected transport=websocket" in result.stdout


def test_socketio_refuses_a_bad_token(host):
    result = host.run("/opt/verify/bin/python /opt/verify/socketio_check.py http://127.0.0.1:3000 not-a-token")
    assert result.rc == 1, result.stdout + result.stderr


def test_login_refuses_a_wrong_password(host):
    status, _ = http(host, "POST", "http://127.0.0.1:3000/api/auth/login", {"username": "admin", "password": "wrong"})
    assert status == 401


@pytest.mark.parametrize("name", ["backend.env", "db.env"])
def test_env_files_are_root_only(host, name):
    env_file = host.file(f"/etc/trading-bot/{name}")
    assert env_file.user == "root"
    assert env_file.group == "root"
    assert env_file.mode == 0o600


def test_no_secret_in_unit_files_or_images(host, vault):
    secrets = [vault["vault_postgres_password"], vault["vault_redis_password"], vault["vault_token_secret"]]
    units = host.run_expect([0], "cat /etc/systemd/system/trading-*.service").stdout
    images = host.run_expect([0], "docker image inspect $(docker image ls -q 'trading-bot/*')").stdout
    for secret in secrets:
        assert secret not in units
        assert secret not in images


def test_migrations_at_head(host):
    result = host.run_expect([0], "docker exec trading-backend alembic current")
    assert "(head)" in result.stdout


def test_unit_journal_holds_the_container_logs(host):
    result = host.run_expect([0], "journalctl -u trading-backend --no-pager -o cat")
    assert "alembic upgrade head" in result.stdout


def test_backend_is_not_restarted_after_a_final_exit(host):
    """Bad configuration (2) or a failed migration (4) leave the unit failed, not looping."""
    shown = host.check_output("systemctl show trading-backend -p RestartPreventExitStatus")
    assert shown.split("=", 1)[1].split() == ["2", "4"]


def test_every_rendered_unit_passes_systemd_verify(host):
    """A malformed line (two settings run together) is only a warning to systemd: verify names it."""
    units = "/etc/systemd/system/*.service /etc/systemd/system/*.timer"
    listed = host.run_expect([0], f"grep -l '^# Ansible managed' {units}")
    paths = listed.stdout.split()
    assert {f"/etc/systemd/system/{unit}.service" for unit in UNITS} <= set(paths)
    complaints = {}
    for path in paths:
        result = host.run(f"systemd-analyze verify {path}")
        # Dependencies from other packages may have their own warnings: keep those about this file.
        about_it = [line for line in (result.stdout + result.stderr).splitlines() if path.rsplit("/", 1)[1] in line]
        if result.rc != 0 or about_it:
            complaints[path] = about_it or [f"exit status {result.rc}"]
    print(f"systemd-analyze verify: {len(paths)} units checked")
    assert complaints == {}


def test_release_record_names_the_dependency_lock_of_the_backend_image(host):
    built_from = Path(os.environ.get("TRADING_BOT_SRC") or SCENARIO.parent.parent)
    lock = (built_from / "backend" / "requirements.lock").read_bytes()
    newest = json.loads(host.file("/var/lib/trading-bot/releases.json").content_string)[-1]
    assert newest["backend_requirements_lock"] == hashlib.sha256(lock).hexdigest()
    label = host.check_output(
        "docker image inspect -f '{{index .Config.Labels \"trading-bot.requirements-lock.sha256\"}}' %s",
        newest["backend"],
    )
    assert label == newest["backend_requirements_lock"]


@pytest.mark.parametrize("leftover", ["/var/lib/trading-bot/build", "/var/lib/trading-bot/images"])
def test_no_build_folder_or_image_archive_is_left_on_the_host(host, leftover):
    assert not host.file(leftover).exists


def test_the_image_built_on_the_controller_was_shipped_and_not_kept_there(host):
    newest = json.loads(host.file("/var/lib/trading-bot/releases.json").content_string)[-1]
    assert host.run(f"docker image inspect {newest['frontend']}").rc == 0
    here = subprocess.run(["docker", "image", "inspect", newest["frontend"]], capture_output=True, check=False)
    assert here.returncode != 0, f"{newest['frontend']} is still in this machine's engine"
