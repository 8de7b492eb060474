"""Builds the stand-ins and both app images, then runs db, redis, backend and frontend on one
Docker network the way the deployment does; the tests talk to them on 127.0.0.1 only."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from dockercli import build, docker, published_port, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from render_nginx_site import render

REPO = Path(__file__).resolve().parents[2]
STANDINS = ("python", "node", "nginx", "postgres", "redis")
BACKEND_IMAGE = "trading-bot-images-test/backend:latest"
FRONTEND_IMAGE = "trading-bot-images-test/frontend:latest"
PREFIX = f"tb-images-{secrets.token_hex(3)}"
DB_USER = "trading_bot_user"
DB_NAME = "trading_bot"
ADMIN_USERNAME = "admin"
SIZE_REPORT: list[str] = []


@dataclass(frozen=True)
class Secrets:
    """Fresh values per run: none of them may ever appear in an image layer."""

    db_password: str
    redis_password: str
    token_secret: str
    admin_password: str
    admin_password_hash: str
    dotenv_value: str

    def values(self) -> dict[str, str]:
        return dict(vars(self))


@dataclass(frozen=True)
class Stack:
    network: str
    db: str
    redis: str
    backend: str
    frontend: str
    backend_url: str
    frontend_url: str
    frontend_ip: str
    redis_password: str


def _token() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture(scope="session")
def standins() -> dict[str, str]:
    """Tags of the stand-in bases, built (or found current) by images/build.sh."""
    done = subprocess.run(
        [str(REPO / "images" / "build.sh"), *STANDINS], capture_output=True, text=True
    )
    assert done.returncode == 0, f"images/build.sh failed:\n{done.stderr[-4000:]}"
    return dict(zip(STANDINS, done.stdout.split(), strict=True))


def context_with_dotenv(src: Path, dest: Path, value: str) -> Path:
    """A copy of a build context holding a developer's `.env`, which must stay out of the image."""
    skip = shutil.ignore_patterns("node_modules", "dist", ".venv", "__pycache__", "*.egg-info")
    shutil.copytree(src, dest, ignore=skip)
    (dest / ".env").write_text(f"TOKEN_SECRET={value}\nVITE_API_URL={value}\n")
    return dest


@pytest.fixture(scope="session")
def dotenv_value() -> str:
    return _token()


@pytest.fixture(scope="session")
def backend_image(
    standins: dict[str, str], dotenv_value: str, tmp_path_factory: pytest.TempPathFactory
) -> str:
    context = context_with_dotenv(
        REPO / "backend", tmp_path_factory.mktemp("ctx") / "backend", dotenv_value
    )
    build(str(context), BACKEND_IMAGE, PYTHON_IMAGE=standins["python"], **lock_arg())
    return BACKEND_IMAGE


def lock_arg() -> dict[str, str]:
    """The build argument the deployment passes: the sha256 of the lock it read."""
    digest = hashlib.sha256((REPO / "backend" / "requirements.lock").read_bytes()).hexdigest()
    return {"REQUIREMENTS_LOCK_SHA256": digest}


@pytest.fixture(scope="session")
def frontend_image(
    standins: dict[str, str], dotenv_value: str, tmp_path_factory: pytest.TempPathFactory
) -> str:
    context = context_with_dotenv(
        REPO / "frontend", tmp_path_factory.mktemp("ctx") / "frontend", dotenv_value
    )
    build(str(context), FRONTEND_IMAGE, NODE_IMAGE=standins["node"], NGINX_IMAGE=standins["nginx"])
    return FRONTEND_IMAGE


@pytest.fixture(scope="session")
def test_secrets(backend_image: str, dotenv_value: str) -> Secrets:
    admin_password = _token()
    password_hash = docker(
        "run", "--rm", "-i", backend_image, "python3", "-m", "app.cli", "hash-password", "--stdin",
        stdin=admin_password + "\n",
    )  # fmt: skip
    assert password_hash.startswith("$argon2"), password_hash
    return Secrets(_token(), _token(), _token(), admin_password, password_hash, dotenv_value)


def backend_env(test_secrets: Secrets, database_url: str, redis_url: str) -> list[str]:
    """`docker run` options with the backend's production settings."""
    env = {
        "ENVIRONMENT": "production",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TOKEN_SECRET": test_secrets.token_secret,
        "ADMIN_USERNAME": ADMIN_USERNAME,
        "ADMIN_PASSWORD_HASH": test_secrets.admin_password_hash,
    }
    return [option for name, value in env.items() for option in ("-e", f"{name}={value}")]


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _create_network_with_fixed_address(network: str) -> str:
    """A network on a subnet Docker picked as free, re-created with that subnet declared so the
    frontend gets a fixed address: the only one the backend trusts for proxy headers."""
    docker("network", "create", network)
    subnet = docker("network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}}", network)
    docker("network", "rm", network)
    docker("network", "create", "--subnet", subnet, network)
    return str(list(ipaddress.ip_network(subnet).hosts())[9])


@pytest.fixture(scope="session")
def nginx_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deployment's site, rendered for a backend found by its network alias."""
    site = tmp_path_factory.mktemp("nginx") / "default.conf"
    site.write_text(render(frontend_backend_server="backend:8000"))
    site.chmod(0o644)
    return site


@pytest.fixture(scope="session")
def stack(
    standins: dict[str, str],
    backend_image: str,
    frontend_image: str,
    test_secrets: Secrets,
    nginx_site: Path,
) -> Iterator[Stack]:
    names = {role: f"{PREFIX}-{role}" for role in ("db", "redis", "backend", "frontend")}
    network = PREFIX
    frontend_ip = _create_network_with_fixed_address(network)
    try:
        on_net = ["-d", "--network", network]
        docker(
            "run", *on_net, "--name", names["db"], "--network-alias", "db",
            "-e", f"POSTGRES_USER={DB_USER}", "-e", f"POSTGRES_PASSWORD={test_secrets.db_password}",
            "-e", f"POSTGRES_DB={DB_NAME}", standins["postgres"],
        )  # fmt: skip
        docker(
            "run", *on_net, "--name", names["redis"], "--network-alias", "redis",
            standins["redis"], "--requirepass", test_secrets.redis_password, "--appendonly", "yes",
        )  # fmt: skip
        database_url = f"postgresql://{DB_USER}:{test_secrets.db_password}@db:5432/{DB_NAME}"
        redis_url = f"redis://:{test_secrets.redis_password}@redis:6379/0"
        docker(
            "run", *on_net, "--name", names["backend"], "--network-alias", "backend",
            "-p", "127.0.0.1::8000", *backend_env(test_secrets, database_url, redis_url),
            "-e", f"FORWARDED_ALLOW_IPS={frontend_ip}", backend_image,
        )  # fmt: skip
        docker(
            "run", *on_net, "--name", names["frontend"], "--network-alias", "frontend",
            "--ip", frontend_ip, "-v", f"{nginx_site}:/etc/nginx/conf.d/default.conf:ro",
            "-p", "127.0.0.1::8080", frontend_image,
        )  # fmt: skip
        backend_url = f"http://127.0.0.1:{published_port(names['backend'], 8000)}"
        frontend_url = f"http://127.0.0.1:{published_port(names['frontend'], 8080)}"
        watch = [names["db"], names["redis"], names["backend"]]
        wait_until(lambda: _ok(f"{backend_url}/api/health"), 180, "backend health", watch)
        wait_until(lambda: _ok(f"{frontend_url}/"), 30, "frontend", [names["frontend"]])
        yield Stack(
            network, **names, backend_url=backend_url, frontend_url=frontend_url,
            frontend_ip=frontend_ip, redis_password=test_secrets.redis_password,
        )  # fmt: skip
    finally:
        for name in names.values():
            docker("rm", "-f", "-v", name, check=False)
        docker("network", "rm", network, check=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SIZE_REPORT:
        terminalreporter.section("image sizes")
        for line in SIZE_REPORT:
            terminalreporter.write_line(line)
