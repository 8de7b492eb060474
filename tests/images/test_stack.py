"""The four containers on one network, as deployed: health, SPA, proxy, live link, users."""

from __future__ import annotations

import ipaddress
import re
import subprocess

import httpx
import pytest
import socketio
from alembic.config import Config
from alembic.script import ScriptDirectory

from conftest import ADMIN_USERNAME, DB_NAME, DB_USER, REPO, Secrets, Stack
from dockercli import docker, wait_until


def test_backend_health_is_200_with_database_and_redis_ok(stack: Stack) -> None:
    response = httpx.get(f"{stack.backend_url}/api/health", timeout=5)
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_backend_docker_healthcheck_reports_healthy(stack: Stack) -> None:
    def healthy() -> bool:
        return docker("inspect", "-f", "{{.State.Health.Status}}", stack.backend) == "healthy"

    wait_until(healthy, 60, "the backend's Docker HEALTHCHECK", [stack.backend])


def test_spa_and_its_assets_load_through_nginx(stack: Stack) -> None:
    page = httpx.get(f"{stack.frontend_url}/", timeout=5)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    assert "connect-src 'self' ws: wss:" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    scripts = re.findall(r'src="(/assets/[^"]+\.js)"', page.text)
    assert scripts, f"no hashed script in index.html:\n{page.text}"
    script = httpx.get(f"{stack.frontend_url}{scripts[0]}", headers={"Accept-Encoding": "gzip"})
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert script.headers["content-encoding"] == "gzip"


def test_deep_link_returns_index_html_but_a_missing_asset_is_404(stack: Stack) -> None:
    index = httpx.get(f"{stack.frontend_url}/", timeout=5).text
    deep = httpx.get(f"{stack.frontend_url}/strategies/42/settings", timeout=5)
    assert deep.status_code == 200
    assert deep.text == index
    assert deep.headers["cache-control"] == "no-cache"
    assert httpx.get(f"{stack.frontend_url}/assets/missing-0000.js").status_code == 404


def test_api_health_is_proxied_by_nginx(stack: Stack) -> None:
    response = httpx.get(f"{stack.frontend_url}/api/health", timeout=5)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"
    assert "x-request-id" in response.headers  # set by the backend, so it came from there
    assert "cache-control" not in response.headers


def test_oversized_request_is_refused_by_nginx(stack: Stack) -> None:
    body = b"x" * (9 * 1024 * 1024)
    response = httpx.post(f"{stack.frontend_url}/api/auth/login", content=body, timeout=30)
    assert response.status_code == 413


def _login(stack: Stack, test_secrets: Secrets) -> str:
    response = httpx.post(
        f"{stack.frontend_url}/api/auth/login",
        json={"username": ADMIN_USERNAME, "password": test_secrets.admin_password},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def test_socketio_connects_through_nginx_over_websocket(
    stack: Stack, test_secrets: Secrets
) -> None:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        stack.frontend_url,
        socketio_path="/ws/socket.io",
        transports=["websocket"],
        auth={"token": _login(stack, test_secrets)},
        wait_timeout=10,
    )
    try:
        assert client.connected
        assert client.transport() == "websocket"
    finally:
        await client.disconnect()


async def test_socketio_without_token_is_refused(stack: Stack) -> None:
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            stack.frontend_url,
            socketio_path="/ws/socket.io",
            transports=["websocket"],
            wait_timeout=10,
        )
    assert not client.connected


@pytest.mark.parametrize("role", ["backend", "frontend"])
def test_app_containers_run_as_non_root(stack: Stack, role: str) -> None:
    container = getattr(stack, role)
    status = docker("exec", container, "cat", "/proc/1/status")
    uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
    assert uids and all(uid != "0" for uid in uids), f"{role} runs as uid {uids}"


def test_migrations_ran_to_head(stack: Stack) -> None:
    heads = ScriptDirectory.from_config(Config(str(REPO / "backend" / "alembic.ini"))).get_heads()
    current = docker(
        "exec", stack.db, "psql", "-U", DB_USER, "-d", DB_NAME, "-tAc",
        "SELECT version_num FROM alembic_version",
    )  # fmt: skip
    assert current.split() == heads


def test_dashboard_renders_in_a_browser_under_the_csp(stack: Stack) -> None:
    done = subprocess.run(
        [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
            "--dump-dom", f"{stack.frontend_url}/login",
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert 'id="password"' in done.stdout, f"the login form did not render:\n{done.stdout[:3000]}"
    violations = [line for line in done.stderr.splitlines() if "Content Security Policy" in line]
    assert not violations, "\n".join(violations)


def test_backend_trusts_forwarded_for_from_the_frontend_only(stack: Stack) -> None:
    """The login limiter counts failures per client: a forged X-Forwarded-For must not reset it."""
    redis = ["exec", stack.redis, "redis-cli", "--no-auth-warning", "-a", stack.redis_password]
    forged = "203.0.113.7"
    response = httpx.post(
        f"{stack.frontend_url}/api/auth/login",
        json={"username": ADMIN_USERNAME, "password": "not-the-password"},
        headers={"X-Forwarded-For": forged},
        timeout=10,
    )
    assert response.status_code == 401
    keys = docker(*redis, "--scan", "--pattern", "login-failures:*").split()
    try:
        assert len(keys) == 1, keys
        # login-failures:<client address>:<hash of the user name>
        client = keys[0].removeprefix("login-failures:").rsplit(":", 1)[0]
        assert client != forged, "a forged X-Forwarded-For was believed"
        assert client != stack.frontend_ip, "the backend saw nginx, not the client behind it"
        ipaddress.ip_address(client)
    finally:
        docker(*redis, "del", *keys)
