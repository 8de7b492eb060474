"""Each trading event the engine publishes becomes the expected message at a real receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.sim import SimBroker, SimBrokerConfig
from app.core.config import NotifyTargetConfig, Settings
from app.core.events import SafePublisher
from app.domain import OrderRequest, OrderStatus, Side
from app.engine.orders import OrderManager, OrderOrigin
from app.notify.room import Notifications
from tests.engine.conftest import RecordingPublisher, flat
from tests.engine.test_orders import next_update, subscribe
from tests.notify.receivers import HttpReceiver


@pytest.fixture
async def notifications(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    receiver: HttpReceiver,
) -> AsyncIterator[Notifications]:
    configured = settings.model_copy(
        update={
            "notify_urls": [NotifyTargetConfig(url=receiver.apprise_url)],
            "dashboard_url": "https://bot.example.com",
        }
    )
    room = Notifications(configured, sessions)
    yield room
    await room.close()


async def trade(orders: OrderManager, sim: SimBroker, side: Side, price: float, bar: int) -> None:
    """Place a market order and follow the exchange's updates until it filled at `price`."""
    updates = await subscribe(sim)
    request = OrderRequest(client_order_id=f"c-{bar}", symbol="SIMA", side=side, qty=10)
    await orders.place(request, OrderOrigin("manual"))
    sim.on_bar(flat(bar, price))
    while (update := await next_update(updates)).order.status is not OrderStatus.FILLED:
        await orders.apply_updates([update])
    await orders.apply_updates([update])


async def test_entry_exit_and_rejection_messages(
    notifications: Notifications,
    sessions: async_sessionmaker[AsyncSession],
    receiver: HttpReceiver,
) -> None:
    sim = SimBroker(SimBrokerConfig(slippage_bps=0, commission_per_share=0.02))
    sim.on_bar(flat(0, 100.0))
    live = RecordingPublisher()
    events = SafePublisher(notifications.publisher(live))
    orders = OrderManager(sim, sessions, events)

    await trade(orders, sim, Side.BUY, 101.0, 1)
    entry = await receiver.next()
    assert entry["title"] == "Bought 10 SIMA (entry)"
    assert entry["message"] == (
        "Bought 10 SIMA at $101.00, fees $0.20\nhttps://bot.example.com/orders"
    )

    await trade(orders, sim, Side.SELL, 105.0, 2)
    exit_ = await receiver.next()
    assert exit_["title"] == "Sold 10 SIMA (exit)"
    assert exit_["message"].startswith("Sold 10 SIMA at $105.00, fees $0.20; realised P&L +$39.80")

    big = OrderRequest(client_order_id="c-big", symbol="SIMA", side=Side.BUY, qty=1_000_000)
    await orders.place(big, OrderOrigin("manual"))
    rejected = await receiver.next()
    assert rejected["title"] == "Order rejected: buy 1000000 SIMA"
    assert "buying power" in rejected["message"]
    assert rejected["type"] == "warning"

    await events.flush()
    assert len(live.of("fill")) == 2  # the dashboard still sees every event
    assert receiver.bodies.empty()  # order updates other than rejections make no message
