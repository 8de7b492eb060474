"""The backend's access line: failed and slow requests at INFO, the rest at DEBUG only (nginx's
access log has every request with its id)."""

import logging

import httpx
import pytest

from app.core import middleware


def _access_lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "app.access" and r.levelno == level]


async def test_a_quick_success_is_logged_at_debug_only(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="app.access"):
        response = await client.get("/api/health")
    assert response.status_code == 200
    assert _access_lines(caplog, logging.INFO) == []
    assert [line.split()[:3] for line in _access_lines(caplog, logging.DEBUG)] == [
        ["GET", "/api/health", "200"]
    ]


async def test_a_failed_request_is_logged_at_info_with_its_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        response = await client.get("/api/orders", headers={"X-Request-ID": "trace-7"})
    assert response.status_code == 401
    assert response.headers["x-request-id"] == "trace-7"
    assert [line.split()[:3] for line in _access_lines(caplog, logging.INFO)] == [
        ["GET", "/api/orders", "401"]
    ]


async def test_a_slow_success_is_logged_at_info(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(middleware, "SLOW_REQUEST_SECONDS", 0.0)
    with caplog.at_level(logging.INFO, logger="app.access"):
        response = await client.get("/api/health")
    assert response.status_code == 200
    assert [line.split()[:3] for line in _access_lines(caplog, logging.INFO)] == [
        ["GET", "/api/health", "200"]
    ]
