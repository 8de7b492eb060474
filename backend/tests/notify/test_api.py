"""The dashboard's view of notification targets: service names only, and a test button each."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from app.core.config import NotifyTargetConfig, Settings
from app.core.db import make_engine, make_sessionmaker
from app.models import AuditRecord
from tests.notify.receivers import HttpReceiver, SmtpReceiver


@pytest.fixture
def settings(settings: Settings, receiver: HttpReceiver, smtp: SmtpReceiver) -> Settings:
    settings.notify_urls = [
        NotifyTargetConfig(url=smtp.apprise_url, events=["fill", "daily_summary"]),
    ]
    settings.alert_webhook_url = receiver.url
    return settings


async def test_targets_are_listed_by_service_name_never_by_url(
    client: httpx.AsyncClient, auth_headers: dict[str, str], settings: Settings
) -> None:
    response = await client.get("/api/notifications", headers=auth_headers)
    assert response.status_code == 200, response.text
    targets = response.json()
    assert [(t["index"], t["service"]) for t in targets] == [(0, "E-Mail"), (1, "JSON")]
    assert targets[0]["events"] == ["fill", "daily_summary"]
    assert "kill_switch" in targets[1]["events"]
    assert "127.0.0.1" not in response.text and "example.com" not in response.text


async def test_a_test_message_goes_to_the_one_target_and_is_audited(
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    receiver: HttpReceiver,
    smtp: SmtpReceiver,
    settings: Settings,
) -> None:
    response = await client.post("/api/notifications/1/test", headers=auth_headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"index": 1, "service": "JSON", "delivered": True}
    assert (await receiver.next())["title"] == "Test message"
    assert smtp.mails.empty()

    receiver.fail = 1
    failed = await client.post("/api/notifications/1/test", headers=auth_headers)
    assert failed.json()["delivered"] is False

    engine = make_engine(settings.database_url)
    async with make_sessionmaker(engine)() as session:
        rows = list(
            await session.scalars(select(AuditRecord).where(AuditRecord.action == "notify_test"))
        )
    await engine.dispose()
    assert [(r.actor, r.after["delivered"]) for r in rows] == [("admin", True), ("admin", False)]


async def test_an_unknown_target_is_a_clear_404(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.post("/api/notifications/7/test", headers=auth_headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "target_not_found"
    assert (
        await client.post("/api/notifications/-1/test", headers=auth_headers)
    ).status_code == 422
