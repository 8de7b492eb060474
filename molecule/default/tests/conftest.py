"""Shared helpers for the verify step: HTTP and docker calls made from inside the target."""

import json
import os
import shlex
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import yaml

SCENARIO = Path(__file__).resolve().parent.parent
UNITS = ["trading-db", "trading-redis", "trading-backend", "trading-frontend"]
# Seconds each injected fault took to recover from, printed at the end of the run.
RECOVERY = {}
# Seconds each playbook run from the tests took, printed at the end of the run: they are most of it.
PLAYBOOK_RUNS = []


def pytest_terminal_summary(terminalreporter):
    if RECOVERY:
        terminalreporter.section("recovery after faults")
        for fault, seconds in RECOVERY.items():
            terminalreporter.write_line(f"{seconds:6.1f} s  {fault}")
    if PLAYBOOK_RUNS:
        terminalreporter.section("playbook runs")
        for seconds, command in PLAYBOOK_RUNS:
            terminalreporter.write_line(f"{seconds:6.1f} s  {command}")
        terminalreporter.write_line(f"{sum(seconds for seconds, _ in PLAYBOOK_RUNS):6.1f} s  in all")


def http(host, method, url, body=None, token=None, curl_options=()):
    """(status, body text) of one request made by curl inside the target; status 0: no answer."""
    command = ["curl", "-sS", "-o", "/dev/stdout", "-w", "\\n%{http_code}", "-X", method, *curl_options]
    if body is not None:
        command += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
    if token is not None:
        command += ["-H", f"Authorization: Bearer {token}"]
    result = host.run(" ".join(_quote(part) for part in [*command, url]))
    if result.rc != 0:
        return 0, result.stderr
    text, _, status = result.stdout.rpartition("\n")
    return int(status), text


def _quote(word):
    return "'" + word.replace("'", "'\\''") + "'"


def psql(host, sql):
    """Output of one SQL statement run by psql inside trading-db (credentials from its env)."""
    script = 'exec psql -v ON_ERROR_STOP=1 -tA -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "$1"'
    return host.run(f"docker exec trading-db sh -c {shlex.quote(script)} sh {shlex.quote(sql)}")


def place_limit_order(host, token, prefix):
    """One manual buy limit order far under the market (it rests), through nginx: the created row."""
    body = {
        "symbol": "AAPL",
        "side": "buy",
        "qty": 1,
        "type": "limit",
        "limit_price": 1.0,
        "client_order_id": f"{prefix}-{uuid.uuid4().hex[:12]}",
    }
    status, text = http(host, "POST", "http://127.0.0.1:3000/api/orders", body, token)
    assert status == 201, text
    return json.loads(text)


def wait_until(check, timeout, what, seen=None):
    """Polls check() until it returns truthy; fails naming what did not happen in time (and what
    seen() last reports)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {timeout} s" + (f"; last seen: {seen()}" if seen else ""))
        time.sleep(0.5)


def container_health(host, name):
    result = host.run(f"docker inspect -f '{{{{.State.Health.Status}}}}' {name}")
    return result.stdout.strip() if result.rc == 0 else "missing"


def all_healthy(host):
    return all(container_health(host, name) == "healthy" for name in UNITS)


@pytest.fixture(scope="session")
def vault():
    """The scenario's test vault, decrypted with its committed test password."""
    path = SCENARIO / "host_vars" / "trading-bot-molecule" / "vault.yml"
    plain = subprocess.run(
        ["ansible-vault", "view", "--vault-password-file", str(SCENARIO / "vault-password"), str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return yaml.safe_load(plain)


@pytest.fixture(scope="module")
def token(host, vault):
    status, text = http(
        host,
        "POST",
        "http://127.0.0.1:3000/api/auth/login",
        {"username": "admin", "password": vault["molecule_admin_password"]},
    )
    assert status == 200, text
    return json.loads(text)["access_token"]


def run_playbook(playbook, *extra):
    """Runs a playbook of the repository against the Molecule inventory, from the controller."""
    root = SCENARIO.parent.parent
    inventory = Path(os.environ["MOLECULE_INVENTORY_FILE"]).parent
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(root / "ansible.cfg"),
        "ANSIBLE_ROLES_PATH": str(root / "roles"),
        "ANSIBLE_VAULT_PASSWORD_FILE": str(SCENARIO / "vault-password"),
    }
    start = time.monotonic()
    result = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), str(root / playbook), *extra],
        env=env,
        capture_output=True,
        text=True,
        cwd=root,
    )
    PLAYBOOK_RUNS.append((time.monotonic() - start, " ".join([playbook, *extra])))
    return result
