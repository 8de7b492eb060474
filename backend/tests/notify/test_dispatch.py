"""Delivery to real local receivers: e-mail and JSON, throttled storms, retries, bounded queues."""

from __future__ import annotations

import pytest

from app.core.config import NotifyTargetConfig
from app.core.metrics import REGISTRY
from app.notify.catalog import Notice
from app.notify.dispatch import Dispatcher, DispatchOptions
from tests.notify.receivers import HttpReceiver, SmtpReceiver, body_of, http_receiver
from tests.support.polling import wait_for

DASHBOARD = "https://bot.example.com"


def count(service: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "trading_bot_notifications_total", {"service": service, "outcome": outcome}
    )
    return value or 0.0


async def _now(value: bool) -> bool:
    return value


def notice(n: int = 1, event: str = "fill") -> Notice:
    return Notice(event, f"Bought {n} SIMA (entry)", f"Bought {n} SIMA at $100.00, fees $0.00")


async def test_an_email_arrives_with_title_body_and_dashboard_link(smtp: SmtpReceiver) -> None:
    target = NotifyTargetConfig(url=smtp.apprise_url)
    dispatcher = Dispatcher([target], DispatchOptions(), DASHBOARD)
    assert [t.service for t in dispatcher.targets] == ["E-Mail"]
    dispatcher.notify(notice(3))
    mail = await smtp.next()
    await dispatcher.close()
    assert mail["Subject"] == "Bought 3 SIMA (entry)"
    assert mail["To"] == "trader@example.com"
    text = body_of(mail)
    assert "Bought 3 SIMA at $100.00, fees $0.00" in text
    assert f"{DASHBOARD}/orders" in text


async def test_each_target_gets_only_the_events_it_asked_for(
    receiver: HttpReceiver, smtp: SmtpReceiver
) -> None:
    configs = [
        NotifyTargetConfig(url=receiver.apprise_url, events=["kill_switch"]),
        NotifyTargetConfig(url=smtp.apprise_url, events=["fill"]),
    ]
    dispatcher = Dispatcher(configs, DispatchOptions(), DASHBOARD)
    dispatcher.notify(notice(1))
    dispatcher.notify(Notice("kill_switch", "Kill switch pulled", "pulled by admin"))
    assert (await receiver.next())["title"] == "Kill switch pulled"
    assert (await smtp.next())["Subject"] == "Bought 1 SIMA (entry)"
    await dispatcher.close()
    assert receiver.bodies.empty() and smtp.mails.empty()


async def test_a_storm_is_throttled_and_the_rest_folded_into_one(receiver: HttpReceiver) -> None:
    options = DispatchOptions(per_minute=2, window_seconds=1.0)
    dispatcher = Dispatcher([NotifyTargetConfig(url=receiver.apprise_url)], options, DASHBOARD)
    folded_before = count("JSON", "folded")
    for n in range(1, 8):
        dispatcher.notify(notice(n))
    first, second, third = [await receiver.next() for _ in range(3)]
    await dispatcher.close()

    assert [first["title"], second["title"]] == ["Bought 1 SIMA (entry)", "Bought 2 SIMA (entry)"]
    assert third["title"] == "5 notifications"
    assert [line for line in third["message"].splitlines() if line.startswith("- ")] == [
        f"- Bought {n} SIMA (entry)" for n in range(3, 8)
    ]
    assert receiver.bodies.empty()
    assert count("JSON", "folded") - folded_before == 5


async def test_a_failing_service_is_retried_with_backoff_then_counted(
    receiver: HttpReceiver,
) -> None:
    receiver.fail = 2
    options = DispatchOptions(retries=3, backoff_seconds=0.05)
    dispatcher = Dispatcher([NotifyTargetConfig(url=receiver.apprise_url)], options, DASHBOARD)
    retried, sent = count("JSON", "retried"), count("JSON", "sent")
    dispatcher.notify(notice())
    body = await receiver.next()
    assert body["title"] == "Bought 1 SIMA (entry)"
    assert receiver.requests == 3
    await wait_for(lambda: _now(count("JSON", "sent") - sent == 1), what="counted as sent")
    assert count("JSON", "retried") - retried == 2

    receiver.fail = 10
    failed = count("JSON", "failed")
    dispatcher.notify(notice(2))
    await dispatcher.close(within=5)
    assert receiver.requests == 3 + 4
    assert count("JSON", "failed") - failed == 1


async def test_a_hanging_service_delays_neither_the_caller_nor_another_target(
    smtp: SmtpReceiver,
) -> None:
    async with http_receiver() as hanging:
        hanging.hold.clear()
        configs = [
            NotifyTargetConfig(url=f"{hanging.apprise_url}?rto=60"),  # Apprise waits that long
            NotifyTargetConfig(url=smtp.apprise_url),
        ]
        dispatcher = Dispatcher(configs, DispatchOptions(timeout_seconds=60), DASHBOARD)
        for n in range(1, 6):
            dispatcher.notify(notice(n))  # returns at once although the first target hangs
        subjects = [(await smtp.next())["Subject"] for _ in range(5)]
        assert subjects == [f"Bought {n} SIMA (entry)" for n in range(1, 6)]
        assert hanging.requests == 1 and hanging.bodies.empty()
        await dispatcher.close(within=0)


async def test_a_full_queue_drops_the_oldest_notice(receiver: HttpReceiver) -> None:
    receiver.hold.clear()
    options = DispatchOptions(queue_size=2)
    dispatcher = Dispatcher([NotifyTargetConfig(url=receiver.apprise_url)], options, DASHBOARD)
    dropped = count("JSON", "dropped")
    dispatcher.notify(notice(1))
    await wait_for(lambda: _now(receiver.requests == 1), what="the first notice in flight")
    for n in (2, 3, 4):
        dispatcher.notify(notice(n))
    assert count("JSON", "dropped") - dropped == 1
    receiver.hold.set()
    titles = [(await receiver.next())["title"] for _ in range(3)]
    assert titles == ["Bought 1 SIMA (entry)", "Bought 3 SIMA (entry)", "Bought 4 SIMA (entry)"]
    await dispatcher.close()


async def test_a_test_message_says_whether_it_arrived(receiver: HttpReceiver) -> None:
    dispatcher = Dispatcher(
        [NotifyTargetConfig(url=receiver.apprise_url)], DispatchOptions(), DASHBOARD
    )
    assert await dispatcher.test(0)
    assert (await receiver.next())["title"] == "Test message"
    receiver.fail = 1
    assert not await dispatcher.test(0)
    await dispatcher.close()


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (NotifyTargetConfig(url="nonsense://x"), "NOTIFY_URLS item 0 is not a URL Apprise"),
        (
            NotifyTargetConfig(url="json://127.0.0.1/hook", events=["fills"]),
            "NOTIFY_URLS item 0: unknown event 'fills'",
        ),
    ],
)
def test_a_bad_target_is_refused_naming_it_without_the_url(
    config: NotifyTargetConfig, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem) as error:
        Dispatcher([config], DispatchOptions(), DASHBOARD)
    assert config.url not in str(error.value)


def test_an_unknown_event_cannot_become_a_notice() -> None:
    with pytest.raises(ValueError, match="unknown notification event 'fils'"):
        Notice("fils", "x", "y")
