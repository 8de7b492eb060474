"""Releases: a redeploy under load drops nothing, a broken release never serves, rollback and
retention work from the images kept on the host."""

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import SCENARIO, http, psql, run_playbook, wait_until

HISTORY = "/var/lib/trading-bot/releases.json"
STOP = "/tmp/redeploy-load.stop"
RESULT = "/tmp/redeploy-load.json"


def serving_image(host):
    return host.run_expect([0], "docker inspect -f '{{.Config.Image}}' trading-backend").stdout.strip()


def history(host):
    return json.loads(host.file(HISTORY).content_string)


def image_present(host, image):
    return host.run(f"docker image inspect {image}").rc == 0


def engine_status(host, token):
    status, text = http(host, "GET", "http://127.0.0.1:3000/api/engine", token=token)
    assert status == 200, text
    return json.loads(text)


def engine_led_by_serving_container(host, token):
    """The engine trades again, and from the container now under trading-backend."""
    container = host.run_expect([0], "docker inspect -f '{{.Config.Hostname}}' trading-backend").stdout.strip()
    engine = engine_status(host, token)
    return engine["state"] == "running" and (engine["leader"] or "").startswith(container + ":")


def candidate_gone(host):
    return (
        host.run("docker inspect trading-backend-next").rc != 0
        and not host.file("/etc/systemd/system/trading-backend-next.service").exists
    )


@pytest.fixture(scope="module")
def changed_backend_src():
    """The snapshot of backend/ with one extra file: another build context, so another release."""
    source = Path(os.environ.get("TRADING_BOT_SRC", SCENARIO.parent.parent)) / "backend"
    target = Path(tempfile.mkdtemp(prefix="backend-release-")) / "backend"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".venv", "*.egg-info", "__pycache__"))
    (target / "RELEASE_NOTE").write_text("a second release for the redeploy test\n")
    yield target
    shutil.rmtree(target.parent)


@pytest.fixture(scope="module")
def releases(host, token):
    """Images of the release the scenario converged to, recorded as the first one."""
    assert engine_status(host, token)["state"] == "running"
    entries = history(host)
    assert len(entries) == 1, entries
    assert entries[0]["backend"] == serving_image(host)
    return {"first": entries[0]}


def run_under_load(host, token, playbook, *extra):
    host.run(f"rm -f {STOP} {RESULT}")
    host.run_expect(
        [0],
        f"nohup sh -c '/opt/verify/bin/python /opt/verify/redeploy_load.py "
        f"http://127.0.0.1:3000 {token} {STOP} > {RESULT}' >/dev/null 2>&1 &",
    )
    wait_until(lambda: host.run("pgrep -f redeploy_load.py").rc == 0, 10, "the load generator running")
    result = run_playbook(playbook, *extra)
    host.run_expect([0], f"touch {STOP}")
    wait_until(
        lambda: host.file(RESULT).exists and host.file(RESULT).content_string.strip(),
        30,
        "the load generator's figures",
    )
    return result, json.loads(host.file(RESULT).content_string)


def test_a_new_release_takes_over_under_load_without_a_failed_request(host, token, releases, changed_backend_src):
    build_src = f"backend_build_src={changed_backend_src}"
    result, load = run_under_load(host, token, "playbooks/deploy.yml", "-e", build_src)
    print(f"redeploy under load: {load}")
    assert result.returncode == 0, result.stdout[-3000:]
    assert serving_image(host) != releases["first"]["backend"]
    assert load["requests"] > 0
    assert load["failed"] == 0, load["failures"]
    assert load["connected_at_end"], load
    assert candidate_gone(host)
    wait_until(lambda: engine_led_by_serving_container(host, token), 30, "the new release leading the engine")
    entries = history(host)
    assert [entry["backend"] for entry in entries] == [releases["first"]["backend"], serving_image(host)]
    releases["second"] = entries[-1]


def test_the_new_release_carries_on_the_simulated_account(host, token):
    """The paper exchange lived in the old container: the new one's cash is what the recorded
    fills left of the starting $100,000 (asked until no fill lands between the two reads)."""
    last = {}

    def cash_agrees_with_the_fills():
        spent, fills = (
            psql(
                host,
                "SELECT coalesce(sum(CASE side WHEN 'buy' THEN qty * price "
                "ELSE -qty * price END + commission), 0), count(*) FROM fills",
            )
            .stdout.strip()
            .split("|")
        )
        status, text = http(host, "GET", "http://127.0.0.1:3000/api/account", token=token)
        assert status == 200, text
        last.update(fills=int(fills), cash=json.loads(text)["cash"], left_by_fills=100_000 - float(spent))
        return last["fills"] > 0 and abs(last["cash"] - last["left_by_fills"]) < 0.01

    wait_until(cash_agrees_with_the_fills, 60, "the account's cash agreeing with the recorded fills", seen=lambda: last)


def test_a_release_that_never_becomes_healthy_is_stopped_and_the_old_one_keeps_serving(host, releases):
    container = host.run_expect([0], "docker inspect -f '{{.Id}}' trading-backend").stdout
    env_before = host.file("/etc/trading-bot/backend.env").sha256sum
    result = run_playbook(
        "playbooks/deploy.yml",
        "-e",
        "backend_database_password=not-the-password",
        "-e",
        "backend_release_health_timeout=60",
    )
    assert result.returncode != 0
    assert "did not become healthy" in result.stdout, result.stdout[-3000:]
    assert "refused us" in result.stdout  # the candidate's own last log lines
    assert host.run_expect([0], "docker inspect -f '{{.Id}}' trading-backend").stdout == container
    assert host.file("/etc/trading-bot/backend.env").sha256sum == env_before
    assert candidate_gone(host)
    assert http(host, "GET", "http://127.0.0.1:3000/api/health")[0] == 200
    assert len(history(host)) == 2


def test_rollback_returns_to_the_previous_release_without_building(host, token, releases):
    result, load = run_under_load(host, token, "playbooks/rollback.yml")
    print(f"rollback under load: {load}")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Pack the build context" not in result.stdout
    assert serving_image(host) == releases["first"]["backend"]
    assert load["failed"] == 0, load["failures"]
    assert history(host)[-1]["backend"] == releases["first"]["backend"]
    assert len(history(host)) == 3


def test_retention_removes_the_images_of_older_releases(host, releases):
    result = run_playbook("playbooks/deploy.yml", "-e", "release_keep=1")
    assert result.returncode == 0, result.stdout[-3000:]
    assert image_present(host, releases["first"]["backend"])
    assert not image_present(host, releases["second"]["backend"])
    tag = releases["second"]["backend"].rsplit(":", 1)[1]
    refused = run_playbook("playbooks/rollback.yml", "-e", f"release_rollback_to={tag}")
    assert refused.returncode != 0
    assert "is not on the host" in refused.stdout, refused.stdout[-3000:]
    assert serving_image(host) == releases["first"]["backend"]


@pytest.mark.parametrize("setting", ["release_keep=0", "release_keep=-2"])
def test_a_retention_that_keeps_no_release_is_refused_before_any_change(host, setting):
    before = serving_image(host)
    for playbook in ("playbooks/deploy.yml", "playbooks/rollback.yml"):
        result = run_playbook(playbook, "-e", setting)
        assert result.returncode != 0, result.stdout[-3000:]
        output = " ".join(result.stdout.split())  # messages may be folded over lines
        assert "release_keep must be a whole number of at least 1" in output, output[-3000:]
        assert "changed=0" in result.stdout
    assert serving_image(host) == before


def test_rollback_names_the_kept_releases_when_the_target_is_unknown(host):
    result = run_playbook("playbooks/rollback.yml", "-e", "release_rollback_to=no-such-release")
    assert result.returncode != 0
    assert "No release named no-such-release" in result.stdout, result.stdout[-3000:]


def test_the_journal_of_the_backend_unit_holds_the_new_container_output(host):
    logs = host.run_expect([0], "journalctl -u trading-backend --since '-10min' --no-pager -o cat").stdout
    assert "alembic upgrade head" in logs
