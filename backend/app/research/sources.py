"""Where history comes from: Alpaca's historical bars, or offline the simulated market."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from alpaca.data.enums import Adjustment, DataFeed
from alpaca.data.historical.stock import StockHistoricalDataClient
from alpaca.data.requests import StockBarsRequest
from alpaca.data.timeframe import TimeFrame, TimeFrameUnit

from app.core.config import Settings
from app.domain import Bar, bar_length, timeframe_parts
from app.marketdata.simulated import SimulatedMarket

logger = logging.getLogger(__name__)

AdjustmentName = Literal["all", "split", "dividend", "raw"]
_UNITS = {
    "Min": TimeFrameUnit.Minute,
    "Hour": TimeFrameUnit.Hour,
    "Day": TimeFrameUnit.Day,
    "Week": TimeFrameUnit.Week,
    "Month": TimeFrameUnit.Month,
}


class HistoryError(Exception):
    """History could not be fetched (bad credentials, a feed the plan does not include...)."""


class HistorySource(Protocol):
    name: str

    def bars(
        self,
        symbols: list[str],
        timeframe: str,
        start: datetime,
        end: datetime,
        adjustment: AdjustmentName,
    ) -> dict[str, list[Bar]]:
        """Bars with open time in [start, end), oldest first, per symbol (blocking)."""
        ...


@dataclass
class AlpacaHistory:
    """alpaca-py's StockHistoricalDataClient: it follows next_page_token and retries 429s."""

    api_key: str
    secret_key: str
    feed: Literal["iex", "sip"] = "iex"
    data_url: str | None = None
    retry_wait_seconds: float = 3.0
    name: str = "alpaca"

    def __post_init__(self) -> None:
        self._client = StockHistoricalDataClient(
            self.api_key, self.secret_key, raw_data=True, url_override=self.data_url
        )
        # Its REST base retries 429/504 (3 times, 3 s apart); the data client hides the knobs.
        self._client._retry = 5
        self._client._retry_wait = self.retry_wait_seconds  # type: ignore[assignment]

    def bars(
        self,
        symbols: list[str],
        timeframe: str,
        start: datetime,
        end: datetime,
        adjustment: AdjustmentName,
    ) -> dict[str, list[Bar]]:
        amount, unit = timeframe_parts(timeframe)
        request = StockBarsRequest(
            symbol_or_symbols=symbols,
            timeframe=TimeFrame(amount, _UNITS[unit]),
            start=start,
            end=end,
            adjustment=Adjustment(adjustment),
            feed=DataFeed(self.feed),
        )
        try:
            raw: Any = self._client.get_stock_bars(request)
        except Exception as exc:  # alpaca-py raises APIError and requests' errors
            raise HistoryError(f"Alpaca refused the bars of {', '.join(symbols)}: {exc}") from exc
        out: dict[str, list[Bar]] = {s: [] for s in symbols}
        for symbol, rows in (raw or {}).items():
            for row in rows:
                time = datetime.fromisoformat(str(row["t"]).replace("Z", "+00:00"))
                if time < end:  # Alpaca's end is inclusive; ours is not
                    out.setdefault(symbol, []).append(
                        Bar(symbol, time, row["o"], row["h"], row["l"], row["c"], row["v"])
                    )
        return out


@dataclass
class SimulatedHistory:
    """Offline: the seeded simulated market, the same bars for the same range on every machine."""

    seed: int = 42
    name: str = "simulated"

    def bars(
        self,
        symbols: list[str],
        timeframe: str,
        start: datetime,
        end: datetime,
        adjustment: AdjustmentName,
    ) -> dict[str, list[Bar]]:
        step = bar_length(timeframe)
        origin = start.astimezone(UTC)
        count = max(0, int((end - origin) / step))
        out: dict[str, list[Bar]] = {}
        for symbol in symbols:
            series = SimulatedMarket(seed=self.seed, origin=origin, interval=step).bars(symbol)
            out[symbol] = [next(series) for _ in range(count)]
        return out


def history_source(settings: Settings) -> HistorySource:
    """Alpaca when keys are set; offline, the simulated market."""
    if settings.alpaca_api_key and settings.alpaca_secret_key:
        return AlpacaHistory(
            settings.alpaca_api_key,
            settings.alpaca_secret_key,
            feed=settings.alpaca_data_feed,
            data_url=settings.alpaca_data_url,
        )
    return SimulatedHistory(seed=settings.sim_seed)
