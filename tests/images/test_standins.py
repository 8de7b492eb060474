"""The stand-ins keep the contracts of the official images that the deployment relies on."""

from __future__ import annotations

import pytest

from conftest import DB_NAME, DB_USER, PREFIX, Stack
from dockercli import docker, wait_until


def _process_uids(container: str) -> list[str]:
    status = docker("exec", container, "cat", "/proc/1/status")
    return next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]


def _volume_destinations(container: str) -> list[str]:
    template = "{{range .Mounts}}{{.Type}}:{{.Destination}} {{end}}"
    return docker("inspect", "-f", template, container).split()


def test_postgres_runs_as_postgres_answers_pg_isready_and_keeps_pgdata_on_a_volume(
    stack: Stack,
) -> None:
    assert _process_uids(stack.db) == ["999"] * 4
    assert docker("exec", stack.db, "id", "-un", "999") == "postgres"
    assert "accepting connections" in docker("exec", stack.db, "pg_isready", "-h", "127.0.0.1")
    assert "volume:/var/lib/postgresql/data" in _volume_destinations(stack.db)


def _wait_for_postgres(name: str) -> None:
    wait_until(
        lambda: docker("exec", name, "pg_isready", "-h", "127.0.0.1", check=False)
        .endswith("accepting connections"),
        60, "postgres", [name],
    )  # fmt: skip


def test_postgres_data_survives_a_new_container_and_is_not_reinitialised(
    standins: dict[str, str],
) -> None:
    volume, name = f"{PREFIX}-pgdata", f"{PREFIX}-pg-volume"
    psql = ["exec", name, "psql", "-U", DB_USER, "-d", DB_NAME, "-tAc"]

    def start(password: str) -> None:
        docker(
            "run", "-d", "--name", name, "-v", f"{volume}:/var/lib/postgresql/data",
            "-e", f"POSTGRES_USER={DB_USER}", "-e", f"POSTGRES_PASSWORD={password}",
            "-e", f"POSTGRES_DB={DB_NAME}", standins["postgres"],
        )  # fmt: skip
        _wait_for_postgres(name)

    try:
        start("first-password")
        docker(*psql, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
        docker("rm", "-f", name)
        start("second-password")
        assert docker(*psql, "SELECT v FROM kept") == "still here"
        assert "initialising" not in docker("logs", name, check=False)
    finally:
        docker("rm", "-f", name, check=False)
        docker("volume", "rm", volume, check=False)


def test_redis_runs_as_non_root_with_data_in_a_volume_and_takes_server_args(
    stack: Stack,
) -> None:
    assert _process_uids(stack.redis) == ["999"] * 4
    assert "volume:/data" in _volume_destinations(stack.redis)
    cli = ["exec", stack.redis, "redis-cli"]
    assert docker(*cli, "ping").startswith("NOAUTH")
    authed = [*cli, "--no-auth-warning", "-a", stack.redis_password]
    assert docker(*authed, "ping") == "PONG"
    assert docker(*authed, "config", "get", "dir").split() == ["dir", "/data"]
    assert docker(*authed, "config", "get", "appendonly").split() == ["appendonly", "yes"]


@pytest.mark.parametrize(
    ("name", "command", "expected"),
    [
        ("python", ["python3", "-m", "venv", "/tmp/venv"], ""),
        ("node", ["node", "-p", "process.versions.node.split('.')[0]"], "22"),
        ("nginx", ["sh", "-c", "nginx -T 2>/dev/null | grep -c 'include /etc/nginx/conf.d/'"], "1"),
    ],
)
def test_toolchain_standins_provide_what_the_dockerfiles_use(
    standins: dict[str, str], name: str, command: list[str], expected: str
) -> None:
    assert docker("run", "--rm", standins[name], *command) == expected


def test_postgres_takes_its_password_from_a_file_and_runs_hardened(
    standins: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """As the deployment runs it: POSTGRES_PASSWORD_FILE, no capabilities, read-only root."""
    secrets_dir = tmp_path_factory.mktemp("pg-secrets")
    password_file = secrets_dir / "password"
    password_file.write_text("password-from-a-file")
    password_file.chmod(0o444)
    name = f"{PREFIX}-pg-file"
    try:
        docker(
            "run", "-d", "--name", name, "--user", "postgres", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges", "--read-only",
            "--tmpfs", "/tmp", "--tmpfs", "/var/run/postgresql",
            "-v", f"{password_file}:/run/secrets/password:ro",
            "-e", f"POSTGRES_USER={DB_USER}", "-e", "POSTGRES_PASSWORD_FILE=/run/secrets/password",
            "-e", f"POSTGRES_DB={DB_NAME}", standins["postgres"],
        )  # fmt: skip
        _wait_for_postgres(name)
        with_password = ["exec", "-e", "PGPASSWORD=password-from-a-file", name]
        over_tcp = [*with_password, "psql", "-h", "127.0.0.1", "-U", DB_USER, "-d", DB_NAME]
        assert docker(*over_tcp, "-tAc", "SELECT 1") == "1"
        assert "password-from-a-file" not in docker("inspect", name)
    finally:
        docker("rm", "-f", name, check=False)
