"""The paper check a user runs with new keys, run here against the double (CI cannot reach
Alpaca): every step passes on a healthy account, open or closed market, and it refuses live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.cli import main
from app.paper_check import LiveEndpointRefused, PaperCheck, refuse_live

from .clients import sdk_broker, sdk_market_data
from .server import FakeAlpaca

STEPS = ["trade stream", "account", "asset", "clock", "market data", "submit", "stream", "find",
         "cancel"]  # fmt: skip


def daily(close: float) -> dict[str, object]:
    day = (datetime.now(UTC) - timedelta(days=1)).replace(hour=5, minute=0, second=0)
    stamp = day.isoformat().replace("+00:00", "Z")
    return {
        "t": stamp,
        "o": close,
        "h": close,
        "l": close,
        "c": close,
        "v": 1e6,
        "n": 1,
        "vw": close,
    }


@pytest.mark.parametrize("market_open", [True, False])
async def test_every_step_passes_against_a_healthy_paper_account(market_open: bool) -> None:
    async with FakeAlpaca(prices={"SPY": 600.0}, is_open=market_open) as fake:
        fake.bars["SPY"] = [daily(600.123)]
        broker = sdk_broker(fake)
        lines: list[str] = []
        try:
            passed = await PaperCheck(
                broker, sdk_market_data(fake), "SPY", lines.append, event_wait=10
            ).run()
        finally:
            await broker.close()
        [order] = fake.entries()
    assert passed, lines
    assert [line.split(":")[0].split("  ")[1] for line in lines] == STEPS
    assert all(line.startswith("PASS") for line in lines)
    assert order["status"] == "canceled" and order["limit_price"] == "300.06"  # on the grid
    assert (order["order_class"] == "bracket") is market_open
    if market_open:
        assert [leg["status"] for leg in order["legs"]] == ["canceled", "canceled"]


async def test_a_step_that_fails_says_so_and_stops_the_check() -> None:
    async with FakeAlpaca(prices={"SPY": 600.0}) as fake:
        fake.bars["SPY"] = [daily(600.0)]
        fake.assets["SPY"]["tradable"] = False
        broker = sdk_broker(fake)
        lines: list[str] = []
        try:
            passed = await PaperCheck(broker, sdk_market_data(fake), "SPY", lines.append).run()
        finally:
            await broker.close()
    assert not passed and lines[-1].startswith("FAIL  asset")
    assert fake.count("POST", "/v2/orders") == 0


def test_a_live_endpoint_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(LiveEndpointRefused):
        refuse_live("https://api.alpaca.markets", live_flag=False)
    refuse_live("https://paper-api.alpaca.markets", live_flag=False)
    monkeypatch.setenv("ALPACA_BASE_URL", "https://api.alpaca.markets")
    monkeypatch.setenv("ALPACA_API_KEY", "AKLIVE")
    monkeypatch.setenv("ALPACA_SECRET_KEY", "secret")
    assert main(["paper-check"]) == 2
    assert "refuses a live endpoint" in capsys.readouterr().out
