"""A backend that cannot use its database stops at once with a line naming the problem."""

from __future__ import annotations

from conftest import DB_NAME, DB_USER, Secrets, Stack, backend_env
from dockercli import docker, logs, run_to_exit, wait_until

REDIS_URL = "redis://redis:6379/0"


def test_malformed_database_url_exits_with_configuration_error(
    backend_image: str, test_secrets: Secrets
) -> None:
    env = backend_env(test_secrets, "mysql://user:pw@db:3306/x", REDIS_URL)
    done = run_to_exit(*env, backend_image)
    assert done.returncode == 2, done.stderr
    assert "configuration error: DATABASE_URL: must be a postgresql://" in done.stderr


def test_unreachable_database_gives_up_after_the_wait(
    backend_image: str, test_secrets: Secrets
) -> None:
    env = backend_env(test_secrets, "postgresql://u:pw@db.invalid:5432/x", REDIS_URL)
    done = run_to_exit("-e", "DB_WAIT_SECONDS=3", *env, backend_image)
    assert done.returncode == 3, done.stderr
    assert "PostgreSQL at db.invalid:5432/x did not answer within 3 s" in done.stderr


def test_wrong_database_password_exits_without_retrying(
    backend_image: str, test_secrets: Secrets, stack: Stack
) -> None:
    url = f"postgresql://{DB_USER}:wrong-{test_secrets.db_password}@db:5432/{DB_NAME}"
    env = backend_env(test_secrets, url, REDIS_URL)
    done = run_to_exit("--network", stack.network, *env, backend_image, timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"PostgreSQL at db:5432/{DB_NAME} refused us" in done.stderr
    assert "password authentication failed" in done.stderr
    assert test_secrets.db_password not in done.stderr


def test_failed_migration_stops_the_container_with_its_error(
    backend_image: str, test_secrets: Secrets, stack: Stack
) -> None:
    # PostgreSQL 15 lets only a database's owner create tables in its public schema.
    password = test_secrets.db_password
    for statement in (
        f"CREATE ROLE no_ddl LOGIN PASSWORD '{password}'",
        "CREATE DATABASE no_ddl_db",
    ):
        docker("exec", stack.db, "psql", "-U", DB_USER, "-d", DB_NAME, "-c", statement)
    url = f"postgresql://no_ddl:{password}@db:5432/no_ddl_db"
    env = backend_env(test_secrets, url, REDIS_URL)
    done = run_to_exit("--network", stack.network, *env, backend_image, timeout=60)
    assert done.returncode == 4, done.stderr
    assert "permission denied for schema public" in done.stderr
    assert "migration failed (error above); not starting the server" in done.stderr


def test_docker_stop_ends_the_database_wait_cleanly(
    backend_image: str, test_secrets: Secrets
) -> None:
    env = backend_env(test_secrets, "postgresql://u:pw@db.invalid:5432/x", REDIS_URL)
    container = docker("run", "-d", "-e", "DB_WAIT_SECONDS=300", *env, backend_image)
    try:
        wait_until(lambda: "waiting up to 300 s" in logs(container), 30, "the DB wait", [container])
        docker("stop", "-t", "30", container)
        # 143 is SIGTERM handled by the entrypoint; 137 would mean docker had to SIGKILL it.
        assert docker("inspect", "-f", "{{.State.ExitCode}}", container) == "143"
    finally:
        docker("rm", "-f", container, check=False)
