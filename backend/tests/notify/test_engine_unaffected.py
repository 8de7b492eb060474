"""A hanging and a failing notification target do not slow the engine: the bar-to-order path
of a run with them takes its usual time, measured against the same run without notifications."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from app.core.config import NotifyTargetConfig, Settings
from app.core.db import make_engine, make_sessionmaker
from app.engine.leader import DESIRED_KEY
from app.engine.service import EngineService
from app.notify.room import Notifications
from tests.conftest import clean_slate
from tests.engine.conftest import RecordingPublisher, falling_then_rising, scripted_venue
from tests.notify.receivers import HttpReceiver, http_receiver
from tests.support.polling import wait_for
from tests.support.services import PostgresServer, RedisServer

FAST = {
    "engine_lock_ttl_seconds": 2.0,
    "engine_poll_seconds": 0.5,
    "engine_reconcile_seconds": 1.0,
    "engine_equity_seconds": 0.5,
    "engine_window_bars": 60,
    "engine_seed_symbols": "SIMA",
}


async def run_engine(settings: Settings, notify: bool) -> tuple[list[float], set[int]]:
    """Trade a rising market bar by bar; the batch latencies and the orders that filled."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    history, live = falling_then_rising("SIMA", now - timedelta(minutes=40))
    venue, market = scripted_venue(history)
    db = make_engine(settings.database_url)
    sessions = make_sessionmaker(db)
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    published = RecordingPublisher()
    room = Notifications(settings, sessions) if notify else None
    engine = EngineService(
        settings,
        sessions,
        redis,
        room.publisher(published) if room else published,
        venue,
        alerts=room.alerts if room else None,
    )
    try:
        await redis.set(DESIRED_KEY, "running")
        await engine.start()
        await wait_for(lambda: _now(engine.trading), what="start")
        loop = engine.supervisor.loop
        assert loop is not None
        for count, bar in enumerate(live, start=1):
            market.feed.put_nowait(bar)
            await wait_for(lambda count=count: _now(loop.stats.bars >= count), what="bar taken")
        latencies = list(loop.stats.batch_latencies)
        filled = {o.id for name, o in published.events if name == "order" and o.status == "filled"}
        return latencies, filled
    finally:
        await engine.close()
        if room is not None:
            await room.close()
        await redis.aclose()
        await db.dispose()


async def test_hanging_and_failing_targets_leave_the_bar_to_order_path_as_fast(
    settings: Settings, postgres: PostgresServer, redis_server: RedisServer
) -> None:
    quiet = settings.model_copy(update=FAST)
    without, filled_without = await run_engine(quiet, notify=False)

    clean_slate(postgres, redis_server)
    async with http_receiver() as hanging, http_receiver() as failing:
        hanging.hold.clear()  # answers nothing until the test ends
        failing.fail = 10_000
        noisy = quiet.model_copy(
            update={
                "notify_urls": [
                    NotifyTargetConfig(url=f"{hanging.apprise_url}?rto=60"),
                    NotifyTargetConfig(url=failing.apprise_url),
                ],
                "notify_timeout_seconds": 60.0,
                "notify_backoff_seconds": 0.01,
            }
        )
        with_notify, filled_with = await run_engine(noisy, notify=True)
        await wait_for(lambda: _fill_attempted(hanging, failing), what="fill notices sent")
        assert hanging.bodies.empty()  # still hanging: the run finished while it held on

    assert filled_without and filled_with  # the path ran to orders and fills both times
    assert len(with_notify) == len(without)
    usual, measured = statistics.median(without), statistics.median(with_notify)
    assert measured <= 3 * usual, f"median batch {measured * 1000:.1f} ms vs {usual * 1000:.1f} ms"


async def _fill_attempted(hanging: HttpReceiver, failing: HttpReceiver) -> bool:
    return hanging.requests >= 1 and failing.requests >= 1


async def _now(value: bool) -> bool:
    return value
