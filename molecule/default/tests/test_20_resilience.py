"""Failures the stack must survive: a killed backend, a restarted engine, recreated containers."""

import json

import pytest

from conftest import UNITS, all_healthy, http, place_limit_order, wait_until


def backend_serving(host):
    return http(host, "GET", "http://127.0.0.1:8000/api/health")[0] == 200


@pytest.fixture(scope="module")
def written_order(host, token):
    """An order row written through the API before anything is broken."""
    return place_limit_order(host, token, "verify")


def test_killed_backend_serves_again_within_30_s(host, written_order):
    before = host.run_expect([0], "docker inspect -f '{{.Id}}' trading-backend").stdout
    host.run_expect([0], "docker kill trading-backend")
    wait_until(lambda: backend_serving(host), 30, "the backend serving after docker kill")
    after = host.run_expect([0], "docker inspect -f '{{.Id}}' trading-backend").stdout
    assert after != before


def unit_started_at(host, unit):
    text = host.run_expect([0], f"systemctl show -p ActiveEnterTimestampMonotonic --value {unit}").stdout
    return int(text.strip())


def test_restarting_docker_brings_all_four_back_healthy_in_order(host):
    host.run_expect([0], "systemctl restart docker")
    wait_until(
        lambda: all(host.service(unit).is_running for unit in UNITS) and all_healthy(host),
        240,
        "all four units active and healthy after restarting docker",
    )
    started = {unit: unit_started_at(host, unit) for unit in UNITS}
    # A unit counts as started once its container is healthy, so the order is real readiness.
    assert started["trading-db"] < started["trading-backend"]
    assert started["trading-redis"] < started["trading-backend"]
    assert started["trading-backend"] < started["trading-frontend"]


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
