"""Failures the stack must survive within 30 s: each container killed, Docker restarted, the VPS
rebooted; nothing written is lost and the API answers 503, never 500, while a dependency is away."""

import json
import subprocess
import time

import pytest

from conftest import RECOVERY, UNITS, all_healthy, container_health, http, place_limit_order, wait_until

RECOVERY_SECONDS = 30


def backend_serving(host):
    return http(host, "GET", "http://127.0.0.1:8000/api/health")[0] == 200


def serving_through_nginx(host):
    return http(host, "GET", "http://127.0.0.1:3000/api/health")[0] == 200


def units_active(host):
    return all(host.service(unit).is_running for unit in UNITS)


def recovered(host):
    """Back means systemd's view too: a unit turns active once its start-up check has seen its
    container healthy, a moment after the container itself is."""
    return all_healthy(host) and units_active(host) and serving_through_nginx(host)


def unhealthy(host):
    containers = {name: state for name in UNITS if (state := container_health(host, name)) != "healthy"}
    units = {f"{unit}.service": "not active" for unit in UNITS if not host.service(unit).is_running}
    return containers | units


def time_recovery(host, fault, started):
    """Seconds from `started` until every unit is healthy and nginx serves the API; recorded for the report."""
    wait_until(lambda: recovered(host), RECOVERY_SECONDS, f"the stack healthy after {fault}", lambda: unhealthy(host))
    RECOVERY[fault] = time.monotonic() - started
    return RECOVERY[fault]


@pytest.fixture(scope="module")
def written_order(host, token):
    """An order row written through the API before anything is broken."""
    return place_limit_order(host, token, "verify")


@pytest.mark.parametrize("name", UNITS)
def test_killed_container_is_back_healthy_within_30_s(host, name, token, written_order):
    before = host.run_expect([0], f"docker inspect -f '{{{{.Id}}}}' {name}").stdout
    backend_before = host.run_expect([0], "docker inspect -f '{{.Id}}' trading-backend").stdout
    started = time.monotonic()
    host.run_expect([0], f"docker kill {name}")
    statuses = set()

    def back():
        statuses.add(http(host, "GET", "http://127.0.0.1:3000/api/orders?limit=1", token=token)[0])
        return recovered(host)

    wait_until(back, RECOVERY_SECONDS, f"the stack healthy after docker kill {name}", lambda: unhealthy(host))
    RECOVERY[f"docker kill {name}"] = time.monotonic() - started
    after = host.run_expect([0], f"docker inspect -f '{{{{.Id}}}}' {name}").stdout
    assert after != before
    if name in ("trading-db", "trading-redis"):
        # The backend rides out its dependency's restart: the same container, the engine not restarted.
        assert host.run_expect([0], "docker inspect -f '{{.Id}}' trading-backend").stdout == backend_before
    # While a dependency is away the API says so (503), nginx says the backend is (502/504): no 500.
    assert 500 not in statuses, statuses


def unit_started_at(host, unit):
    text = host.run_expect([0], f"systemctl show -p ActiveEnterTimestampMonotonic --value {unit}").stdout
    return int(text.strip())


def hold_websocket(host, token, log):
    """A Socket.IO WebSocket held open through nginx in the background, as a dashboard tab does."""
    host.run_expect(
        [0],
        f"nohup /opt/verify/bin/python /opt/verify/hold_websocket.py http://127.0.0.1:3000 {token} >{log} 2>&1 &",
    )
    held = host.file(log)
    wait_until(lambda: "connected" in held.content_string, 20, "the WebSocket held open", lambda: held.content_string)


def timed(host, command):
    started = time.monotonic()
    host.run_expect([0], command)
    return time.monotonic() - started


def test_restarting_the_frontend_with_an_open_websocket_takes_seconds(host, token):
    """nginx closes open WebSockets 5 s into a stop (worker_shutdown_timeout), not after the unit's 30 s."""
    hold_websocket(host, token, "/tmp/held-frontend.log")
    seconds = timed(host, "systemctl restart trading-frontend")
    assert "closed" in host.file("/tmp/held-frontend.log").content_string
    assert seconds < 15, f"restarting trading-frontend with an open WebSocket took {seconds:.1f} s"
    assert http(host, "GET", "http://127.0.0.1:3000/")[0] == 200


def test_restarting_docker_brings_all_four_back_healthy_in_order_within_30_s(host, token):
    hold_websocket(host, token, "/tmp/held-docker.log")
    started = time.monotonic()
    host.run_expect([0], "systemctl restart docker")
    seconds = time.monotonic() - started
    assert seconds < 25, f"restarting docker with an open WebSocket took {seconds:.1f} s"
    time_recovery(host, "systemctl restart docker", started)
    started_at = {unit: unit_started_at(host, unit) for unit in UNITS}
    # A unit counts as started once its container is healthy, so the order is real readiness.
    assert started_at["trading-db"] < started_at["trading-backend"]
    assert started_at["trading-redis"] < started_at["trading-backend"]
    assert started_at["trading-backend"] < started_at["trading-frontend"]


def test_rebooted_vps_serves_again_within_30_s(host):
    """The whole VPS restarts (its systemd shuts down and boots again): the units come back on their own."""
    started = time.monotonic()
    # The Molecule platform's container is the VPS; its inventory name is the container's name.
    subprocess.run(["docker", "restart", host.backend.host], check=True, capture_output=True, timeout=120)
    booted = time.monotonic()
    time_recovery(host, "reboot of the VPS (from its start)", booted)
    RECOVERY["reboot of the VPS (from the restart command, shutdown included)"] = time.monotonic() - started


def test_nginx_follows_a_recreated_backend_container_to_its_new_address(host, token):
    """nginx keeps its backend connections open, so the backend unit points it at each new container."""
    host.run_expect([0], "docker rm -f trading-backend")
    wait_until(lambda: backend_serving(host), 120, "the backend serving after docker rm -f")
    address = host.run_expect(
        [0], "docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' trading-backend"
    ).stdout.strip()
    upstream = host.file("/etc/trading-bot/frontend/upstream/backend-server.conf")
    # The unit rewrites it once the new container is healthy, a few seconds after it first answers.
    wait_until(
        lambda: upstream.content_string.strip() == f"server {address}:8000;",
        60,
        f"nginx's upstream naming the new container's address {address}",
        lambda: upstream.content_string,
    )
    status, text = http(host, "GET", "http://127.0.0.1:3000/api/orders?limit=1", token=token)
    assert status == 200, text


def test_written_row_survives_recreating_backend_and_db(host, token, written_order):
    host.run_expect([0], "docker rm -f trading-backend trading-db")
    wait_until(
        lambda: all_healthy(host) and backend_serving(host),
        180,
        "the stack healthy after recreating the backend and db containers",
    )
    status, text = http(host, "GET", f"http://127.0.0.1:3000/api/orders/{written_order['id']}", token=token)
    assert status == 200, text
    assert json.loads(text)["client_order_id"] == written_order["client_order_id"]
