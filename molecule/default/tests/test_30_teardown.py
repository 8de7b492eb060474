"""Teardown with purge leaves nothing behind, and a new site.yml run starts from nothing."""

from conftest import UNITS, http, run_playbook


def test_teardown_with_purge_leaves_no_container_volume_or_unit(host):
    result = run_playbook("playbooks/teardown.yml", "-e", "purge=true")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert host.run_expect([0], "docker ps -aq").stdout.strip() == ""
    assert host.run_expect([0], "docker volume ls -q").stdout.strip() == ""
    assert host.run_expect([0], "docker network ls -q -f name=^trading-net$").stdout.strip() == ""
    assert host.run_expect([0], "docker image ls -q 'trading-bot/*'").stdout.strip() == ""
    for unit in UNITS:
        assert not host.file(f"/etc/systemd/system/{unit}.service").exists
        assert host.run(f"systemctl cat {unit}").rc != 0
    assert not host.file("/etc/trading-bot/backend.env").exists
    assert not host.file("/var/lib/trading-bot/releases.json").exists


def test_site_yml_after_teardown_starts_from_nothing(host):
    result = run_playbook("site.yml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    status, text = http(host, "GET", "http://127.0.0.1:3000/api/health")
    assert status == 200, text
