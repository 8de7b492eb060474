"""`python -m app.cli notify`: what the deployment runs when a release takes over or a backup
fails, delivered to the targets that want the event."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from tests.conftest import BACKEND_DIR
from tests.notify.receivers import HttpReceiver, SmtpReceiver


async def cli(urls: list[object], *args: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "NOTIFY_URLS": json.dumps(urls),
        "DASHBOARD_URL": "https://bot.example.com",
        "NOTIFY_RETRIES": "0",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "notify", *args,
        cwd=BACKEND_DIR, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_deploy_reaches_the_targets_that_want_it(
    receiver: HttpReceiver, smtp: SmtpReceiver
) -> None:
    urls = [
        {"url": receiver.apprise_url, "events": ["deploy"]},
        {"url": smtp.apprise_url, "events": ["fill"]},
    ]
    code, output = await cli(urls, "deploy", "Release 2026-12-03T10:00Z took over")
    assert code == 0, output
    assert "deploy: delivered to 1 of 1 targets" in output
    body = await receiver.next()
    assert body["title"] == "Deploy"
    assert body["message"] == "Release 2026-12-03T10:00Z took over\nhttps://bot.example.com/"
    assert smtp.mails.empty()


async def test_a_backup_failure_that_cannot_be_delivered_exits_non_zero(
    receiver: HttpReceiver,
) -> None:
    receiver.fail = 1
    code, output = await cli([receiver.apprise_url], "backup_failed", "The backup failed")
    assert code == 1 and "delivered to 0 of 1 targets" in output


async def test_only_deploy_and_backup_events_are_accepted() -> None:
    code, output = await cli([], "fill", "x")
    assert code == 2 and "invalid choice: 'fill'" in output
