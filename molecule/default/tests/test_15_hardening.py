"""Hardening: secrets out of container metadata, least-privilege containers and database role, and
client addresses trusted from nginx only (both spoofing cases tried from the VPS itself)."""

import json

import pytest

from conftest import UNITS, http, psql

NGINX = "http://127.0.0.1:3000"
DIRECT = "http://127.0.0.1:8000"


def inspect(host, name):
    return json.loads(host.run_expect([0], f"docker inspect {name}").stdout)[0]


def test_no_vault_value_in_any_containers_inspect_output(host, vault):
    """Every secret reaches its container as a file: `docker inspect` shows paths, never values."""
    names = host.run_expect([0], "docker ps -aq").stdout.split()
    inspected = host.run_expect([0], f"docker inspect {' '.join(names)}").stdout
    superuser = host.run_expect([0], "cat /etc/trading-bot/secrets/db/superuser_password").stdout
    secrets = {key: value for key, value in vault.items() if isinstance(value, str) and len(value) >= 8}
    secrets["generated superuser password"] = superuser
    assert len(names) >= len(UNITS)
    assert len(secrets) >= 6
    leaked = [key for key, value in secrets.items() if value in inspected]
    assert not leaked, f"these secrets are readable in docker inspect: {leaked}"


def test_secret_files_are_mounted_read_only_from_a_root_only_directory(host):
    secrets_dir = host.file("/etc/trading-bot/secrets")
    assert (secrets_dir.user, secrets_dir.mode) == ("root", 0o700)
    mounts = {mount["Destination"]: mount for mount in inspect(host, "trading-backend")["Mounts"]}
    token = mounts["/run/secrets/token_secret"]
    assert token["Source"] == "/etc/trading-bot/secrets/backend/token_secret"
    assert token["RW"] is False
    env = inspect(host, "trading-backend")["Config"]["Env"]
    assert "TOKEN_SECRET_FILE=/run/secrets/token_secret" in env
    assert not any(line.startswith(("TOKEN_SECRET=", "DATABASE_URL=", "REDIS_URL=")) for line in env)


@pytest.mark.parametrize("name", UNITS)
def test_container_runs_with_no_capabilities_read_only_and_limited(host, name):
    config = inspect(host, name)["HostConfig"]
    assert config["CapDrop"] == ["ALL"]
    assert not config["CapAdd"]
    assert "no-new-privileges" in config["SecurityOpt"]
    assert config["ReadonlyRootfs"] is True
    assert config["Privileged"] is False
    assert 0 < config["PidsLimit"] <= 1024
    assert 0 < config["Memory"] <= 512 * 1024 * 1024
    assert config["CpuShares"] > 0
    effective = host.run_expect([0], f"docker exec {name} grep CapEff /proc/1/status").stdout.split()[1]
    assert int(effective, 16) == 0
    assert host.run(f"docker exec {name} touch /written-to-root").rc != 0


@pytest.mark.parametrize("name", UNITS)
def test_container_process_is_not_root(host, name):
    assert host.run_expect([0], f"docker exec {name} id -u").stdout.strip() != "0"


def test_app_role_owns_its_database_and_nothing_more(host):
    attributes = psql(
        host, "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = 'trading_bot_user'"
    )
    assert attributes.stdout.strip() == "f|f|f", attributes.stderr
    owner = psql(host, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'trading_bot'")
    assert owner.stdout.strip() == "trading_bot_user"
    # The migrations ran as that role, so it owns every table they made.
    owners = psql(host, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
    assert owners.stdout.split() == ["trading_bot_user"]
    refused = host.run("docker exec trading-db psql -U trading_bot_user -d trading_bot -tAc 'CREATE ROLE intruder'")
    assert refused.rc != 0
    assert "permission denied" in refused.stderr


def _failed_logins(host, base, user, spoofed):
    """Statuses of wrong-password logins, each claiming another client address by X-Forwarded-For."""
    statuses = []
    for address in spoofed:
        status, _ = http(
            host, "POST", f"{base}/api/auth/login", {"username": user, "password": "wrong"},
            curl_options=("-H", f"X-Forwarded-For: {address}"),
        )  # fmt: skip
        statuses.append(status)
    return statuses


@pytest.mark.parametrize(("base", "user"), [(NGINX, "spoof-via-nginx"), (DIRECT, "spoof-direct")])
def test_rotating_forwarded_addresses_do_not_escape_the_login_limit(host, base, user):
    """From the VPS itself, through nginx and straight to the API's loopback port alike."""
    statuses = _failed_logins(host, base, user, [f"198.51.100.{n}" for n in range(1, 9)])
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429] * 3
    # The audit trail names the true client (the VPS, through Docker's gateway), not the claims.
    clients = psql(host, f"SELECT DISTINCT after->>'client' FROM audit_log WHERE entity_id = '{user}'").stdout.split()
    assert len(clients) == 1
    assert not clients[0].startswith("198.51.100.")


@pytest.mark.parametrize("base", [NGINX, DIRECT])
def test_a_forwarded_loopback_address_does_not_open_the_metrics(host, base):
    status, _ = http(host, "GET", f"{base}/api/metrics", curl_options=("-H", "X-Forwarded-For: 127.0.0.1"))
    assert status == 403


def test_metrics_answer_a_true_loopback_client(host):
    probe = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8000/api/metrics').status)"
    assert host.run_expect([0], f'docker exec trading-backend python3 -c "{probe}"').stdout.strip() == "200"


def test_api_docs_are_not_public(host):
    for path in ("/api/docs", "/api/openapi.json"):
        status, _ = http(host, "GET", f"{NGINX}{path}")
        assert status in (401, 404), path


def test_the_schema_is_served_behind_the_login(host, token):
    status, text = http(host, "GET", f"{NGINX}/api/openapi.json", token=token)
    assert status == 200
    assert "/api/orders" in json.loads(text)["paths"]
