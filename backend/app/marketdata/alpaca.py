"""Alpaca bars through alpaca-py: StockHistoricalDataClient for warm-up, StockDataStream live.

The live stream carries one-minute bars only (Alpaca's "b" messages, sent once a minute has
closed); any other timeframe is folded from them (`app.marketdata.aggregate`).
The SDK's stream loop reconnects by itself with exponential backoff and jitter; bars that
closed while it was disconnected are not replayed, so after each resubscription the missed
minutes are read from the historical API (`app.marketdata.backfill`) before live bars resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from alpaca.data.enums import Adjustment, DataFeed
from alpaca.data.historical.stock import StockHistoricalDataClient
from alpaca.data.live.stock import StockDataStream
from alpaca.data.requests import StockBarsRequest
from alpaca.data.timeframe import TimeFrame, TimeFrameUnit
from pydantic import BaseModel, ConfigDict, Field

from app.brokers.alpaca_http import call_sdk, tune_sdk_client
from app.brokers.health import CallHealth
from app.brokers.retry import RetryPolicy, with_retry
from app.domain import Bar
from app.marketdata.aggregate import aggregated
from app.marketdata.backfill import MinuteGaps
from app.marketdata.base import MarketData, MarketDataError, parse_timeframe

logger = logging.getLogger(__name__)

_UNITS = {"Min": TimeFrameUnit.Minute, "Hour": TimeFrameUnit.Hour, "Day": TimeFrameUnit.Day}


class AlpacaDataConfig(BaseModel):
    """Where and how to read Alpaca market data; None URLs mean Alpaca's own."""

    model_config = ConfigDict(frozen=True)

    api_key: str = Field(min_length=1)
    secret_key: str = Field(min_length=1)
    feed: str = Field("iex", pattern="^(iex|sip)$")
    data_url: str | None = None  # REST, e.g. https://data.alpaca.markets
    stream_url: str | None = None  # WebSocket, e.g. wss://stream.data.alpaca.markets/v2/iex
    request_timeout: float = Field(10.0, gt=0)
    retry: RetryPolicy = RetryPolicy()
    timeframe: str = "1Min"  # the stream's minute bars are aggregated to this


def sdk_timeframe(text: str) -> TimeFrame:
    """alpaca-py's TimeFrame for an Alpaca-style timeframe string such as "5Min"."""
    parse_timeframe(text)  # validates, with a clear message
    amount = int("".join(c for c in text if c.isdigit()))
    unit = text.lstrip("0123456789")
    return TimeFrame(amount, _UNITS[unit])


_SUBSCRIBED = object()  # the stream's marker: the server confirmed the subscription
_FINAL = ("auth failed", "insufficient subscription")  # 402, 409: retrying cannot help


class _ReportingStream(StockDataStream):
    """The SDK's stream, which logs and retries every refusal forever: here a refusal that
    retrying cannot cure (402 auth failed, 409 insufficient subscription) stops it with one
    clear error, and the one-connection limit (406) is reported once, then waited out. It
    also tells when the server confirmed a subscription (from then on bars come live: the
    moment to backfill) and can be told to reconnect."""

    failure: str | None = None
    _limit_reported = False
    on_subscribed: Callable[[], None] | None = None

    async def _dispatch(self, msg: dict[str, Any]) -> None:
        if msg.get("T") == "subscription" and self.on_subscribed is not None:
            self.on_subscribed()  # from here on, every bar comes live
        await super()._dispatch(msg)

    async def reconnect(self) -> None:
        """Close the connection; the SDK's loop connects and subscribes again."""
        socket = self._ws
        if socket is not None:
            await socket.close()

    async def _auth(self) -> None:
        try:
            await super()._auth()
        except ValueError as exc:
            message = str(exc)
            if any(final in message for final in _FINAL):
                self.failure = message
                self._should_run = False
            elif "connection limit" in message and not self._limit_reported:
                self._limit_reported = True
                logger.error(
                    "Alpaca refused a second market data connection (%s): the plan allows one "
                    "per key; is another bot or notebook using these keys? Retrying.",
                    message,
                )
            raise


class AlpacaMarketData(MarketData):
    """`MarketData` on Alpaca's historical REST API and live stock data stream."""

    source = "alpaca"

    def __init__(self, config: AlpacaDataConfig, health: CallHealth | None = None) -> None:
        self._config = config
        self.health = health or CallHealth()  # the broker's, when both reach the same account
        self._client = StockHistoricalDataClient(
            config.api_key, config.secret_key, url_override=config.data_url
        )
        tune_sdk_client(self._client, config.request_timeout)
        self._live: _ReportingStream | None = None

    async def resubscribe(self) -> None:
        if self._live is not None:
            logger.warning("resubscribing to the Alpaca data stream")
            await self._live.reconnect()

    async def history(
        self, symbol: str, timeframe: str, start: datetime, end: datetime
    ) -> list[Bar]:
        request = StockBarsRequest(
            symbol_or_symbols=symbol,
            timeframe=sdk_timeframe(timeframe),
            start=start,
            end=end,
            feed=DataFeed(self._config.feed),
            adjustment=Adjustment.RAW,
        )
        barset: Any = await with_retry(
            lambda: call_sdk(self._client.get_stock_bars, request),
            self._config.retry,
            what=f"bars of {symbol}",
            health=self.health,
        )
        bars = [_bar(symbol, b) for b in barset.data.get(symbol, [])]
        return [b for b in bars if b.time < end]  # Alpaca's end is inclusive; ours is not

    def stream(self, symbols: Sequence[str]) -> AsyncIterator[Bar]:
        """Closed bars of the configured timeframe, folded from the stream's minute bars."""
        return aggregated(self._minutes(symbols), self._config.timeframe)

    async def _minutes(self, symbols: Sequence[str]) -> AsyncIterator[Bar]:
        if not symbols:
            raise ValueError("stream needs at least one symbol")
        queue: asyncio.Queue[Bar | object | None] = asyncio.Queue()
        gaps = MinuteGaps(symbols, since=datetime.now(UTC))

        async def on_bar(raw: Any) -> None:
            queue.put_nowait(_bar(raw.symbol, raw))

        async def minutes(symbol: str, start: datetime, end: datetime) -> list[Bar]:
            return await self.history(symbol, "1Min", start, end)

        stream = _ReportingStream(
            self._config.api_key,
            self._config.secret_key,
            feed=DataFeed(self._config.feed),
            url_override=self._config.stream_url,
        )
        stream.subscribe_bars(on_bar, *symbols)
        stream.on_subscribed = lambda: queue.put_nowait(_SUBSCRIBED)
        self._live = stream
        # run() would start a second event loop; the SDK's own coroutine (with its
        # reconnect-with-backoff loop) runs on ours instead.
        task = asyncio.create_task(stream._run_forever(), name="alpaca-bars")
        task.add_done_callback(lambda _: queue.put_nowait(None))
        first = True
        try:
            while (item := await queue.get()) is not None:
                if item is _SUBSCRIBED:
                    if not first:  # a reconnect: what closed meanwhile, then live again
                        for missed in await gaps.missed(minutes, datetime.now(UTC)):
                            yield missed
                    first = False
                elif isinstance(item, Bar) and gaps.fresh(item):
                    yield item
            if stream.failure is not None:
                raise MarketDataError(
                    f"the Alpaca data stream refused us: {stream.failure} (check the API keys "
                    f"and that the {self._config.feed} feed is in the data subscription)"
                )
            raise MarketDataError(
                "the Alpaca data stream stopped (is the feed covered by the subscription?)"
            )
        finally:
            if self._live is stream:
                self._live = None
            await stream.stop_ws()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await stream.close()


def _bar(symbol: str, raw: Any) -> Bar:
    return Bar(
        symbol=symbol,
        time=raw.timestamp,
        open=float(raw.open),
        high=float(raw.high),
        low=float(raw.low),
        close=float(raw.close),
        volume=float(raw.volume),
    )
