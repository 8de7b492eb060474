"""Receivers on loopback for the notification tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.notify.receivers import HttpReceiver, SmtpReceiver, http_receiver, smtp_receiver


@pytest.fixture
async def receiver() -> AsyncIterator[HttpReceiver]:
    async with http_receiver() as hook:
        yield hook


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpReceiver]:
    async with smtp_receiver() as server:
        yield server
