"""A fake of Alpaca's Market Data v2 historical bars, `GET /v2/stocks/bars`, on loopback.

Built from Alpaca's documentation of the endpoint (docs.alpaca.markets, "Historical bars":
symbols, timeframe, start, end, limit up to 10,000 with next_page_token paging, adjustment
raw|split|dividend|all with raw the default, feed iex|sip|otc with sip the default, 403 when
the plan does not include SIP, 429 when rate limited) and from the reply alpaca-py's own tests
record (material/stock_bars_multisymbol.json). Daily bars: every weekday, stamped 05:00Z as
Alpaca stamps daily bars. Prices are a seeded walk with the splits and cash dividends given per
symbol, adjusted backwards from each action's date as Alpaca does. Intraday bars (1-59Min,
1-23Hour, as Alpaca's timeframe strings spell them): each weekday's regular session, 9:30 to
16:00 New York time, is a seeded minute path from the day's open to its close (its high and low
inside the day's), volume shared evenly; longer bars aggregate the minutes into buckets aligned
on the clock, each stamped with its bucket's start, as Alpaca does. Extended hours are not served.
"""

from __future__ import annotations

import base64
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from .server import KEY_ID, SECRET

Json = dict[str, Any]
FIRST_DAY = date(2014, 1, 1)
LAST_DAY = date(2026, 12, 31)
_TIMEFRAME = re.compile(r"^([1-9][0-9]*)(Min|T|Hour|H|Day|D)$")
_MINUTES = {"Min": 1, "T": 1, "Hour": 60, "H": 60}
_LIMITS = {"Min": 59, "T": 59, "Hour": 23, "H": 23, "Day": 1, "D": 1}
_NEW_YORK = ZoneInfo("America/New_York")
_SESSION_MINUTES = 390  # 9:30 to 16:00


@dataclass
class Actions:
    """Corporate actions of one symbol: split ratios and cash dividends by effective date."""

    splits: dict[date, float] = field(default_factory=dict)
    dividends: dict[date, float] = field(default_factory=dict)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _when(text: str) -> datetime:
    if len(text) == 10:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _message(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


class FakeAlpacaData:
    """Serves raw and adjusted daily bars; tests read `requests` and queue 429s."""

    def __init__(
        self,
        actions: dict[str, Actions] | None = None,
        sip_allowed: bool = False,
        page_cap: int = 10_000,
    ) -> None:
        self.actions = actions or {}
        self.page_cap = page_cap  # a page may hold fewer than `limit`; the token says so
        self.sip_allowed = sip_allowed
        self.requests: list[dict[str, str]] = []
        self._throttle = 0
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def __aenter__(self) -> FakeAlpacaData:
        app = web.Application()
        app.add_routes([web.get("/v2/stocks/bars", self._bars)])
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def throttle(self, count: int) -> None:
        """The next `count` requests answer 429, as Alpaca does past 200 requests a minute."""
        self._throttle = count

    def raw_days(self, symbol: str) -> list[tuple[date, float, float]]:
        """(day, close, volume) of every weekday, unadjusted: what traded that day."""
        rng = random.Random(symbol)
        price, out = 50.0 + rng.random() * 100, []
        day = FIRST_DAY
        while day <= LAST_DAY:
            if day.weekday() < 5:
                ratio = self.actions.get(symbol, Actions()).splits.get(day)
                if ratio:
                    price /= ratio
                price *= 1 + rng.gauss(0.0003, 0.015)
                out.append((day, round(price, 4), float(rng.randint(1_000_000, 9_000_000))))
            day += timedelta(days=1)
        return out

    def bars_of(self, symbol: str, adjustment: str) -> list[Json]:
        actions = self.actions.get(symbol, Actions())
        days = self.raw_days(symbol)
        factor, volume_factor = [1.0] * len(days), [1.0] * len(days)
        for i in range(len(days) - 1, 0, -1):  # walk back from today, compounding actions
            day = days[i][0]
            f, vf = factor[i], volume_factor[i]
            if adjustment in ("split", "all") and day in actions.splits:
                f, vf = f / actions.splits[day], vf * actions.splits[day]
            if adjustment in ("dividend", "all") and day in actions.dividends:
                f *= 1 - actions.dividends[day] / days[i - 1][1]
            factor[i - 1], volume_factor[i - 1] = f, vf
        bars = []
        for (day, close, volume), f, vf in zip(days, factor, volume_factor, strict=True):
            o, c = close * 0.995 * f, close * f
            bars.append(
                {
                    "t": _iso(datetime(day.year, day.month, day.day, 5, tzinfo=UTC)),
                    "o": round(o, 4),
                    "h": round(max(o, c) * 1.01, 4),
                    "l": round(min(o, c) * 0.99, 4),
                    "c": round(c, 4),
                    "v": round(volume * vf),
                    "n": int(volume // 100),
                    "vw": round((o + c) / 2, 6),
                }
            )
        return bars

    def intraday_of(
        self, symbol: str, adjustment: str, minutes: int, start: datetime, end: datetime
    ) -> list[Json]:
        """Bars of `minutes` each over the sessions of the days in [start, end], inclusive."""
        out: list[Json] = []
        for daily in self.bars_of(symbol, adjustment):
            day = _when(daily["t"]).date()
            if not start.date() <= day <= end.date():
                continue
            buckets: dict[datetime, list[Json]] = {}
            for bar in _session_minutes(symbol, day, daily):
                moment = _when(bar["t"])
                stamp = datetime.fromtimestamp(
                    moment.timestamp() // (minutes * 60) * (minutes * 60), UTC
                )
                buckets.setdefault(stamp, []).append(bar)
            for stamp, group in buckets.items():
                if start <= stamp <= end:
                    out.append(_aggregate(stamp, group))
        return out

    async def _bars(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.requests.append(query)
        key = request.headers.get("APCA-API-KEY-ID")
        if key != KEY_ID or request.headers.get("APCA-API-SECRET-KEY") != SECRET:
            return _message(401, "unauthorized.")
        if self._throttle > 0:
            self._throttle -= 1
            return _message(429, "too many requests.")
        feed = query.get("feed", "sip")
        if feed not in ("iex", "sip", "otc"):
            return _message(400, f"invalid feed: {feed}")
        if feed == "sip" and not self.sip_allowed:
            return _message(403, "subscription does not permit querying recent SIP data")
        adjustment = query.get("adjustment", "raw")
        if adjustment not in ("raw", "split", "dividend", "all"):
            return _message(400, f"invalid adjustment: {adjustment}")
        match = _TIMEFRAME.match(query.get("timeframe", ""))
        if not match or int(match.group(1)) > _LIMITS[match.group(2)]:
            return _message(400, f"invalid timeframe: {query.get('timeframe', '')}")
        minutes = int(match.group(1)) * _MINUTES.get(match.group(2), 0)
        symbols = [s for s in query.get("symbols", "").split(",") if s]
        if not symbols:
            return _message(400, "missing symbols")
        limit = int(query.get("limit", "1000"))
        if not 1 <= limit <= 10_000:
            return _message(400, "invalid limit: must be between 1 and 10000")
        start = _when(query.get("start", "1970-01-01"))
        end = _when(query["end"]) if "end" in query else datetime.now(UTC)
        wanted = [
            (symbol, bar)
            for symbol in sorted(symbols)
            for bar in (
                self.intraday_of(symbol, adjustment, minutes, start, end)
                if minutes
                else self.bars_of(symbol, adjustment)
            )
            # Daily bars are picked by date, end date included: the recorded reply has the
            # 2022-03-09T05:00Z bar for end=2022-03-09T00:00Z.
            if minutes or start.date() <= _when(bar["t"]).date() <= end.date()
        ]
        token = query.get("page_token")
        skip = int(base64.b64decode(token)) if token else 0
        limit = min(limit, self.page_cap)
        page = wanted[skip : skip + limit]
        grouped: dict[str, list[Json]] = {}
        for symbol, bar in page:
            grouped.setdefault(symbol, []).append(bar)
        more = skip + limit < len(wanted)
        next_token = base64.b64encode(str(skip + limit).encode()).decode() if more else None
        return web.json_response({"bars": grouped, "next_page_token": next_token})


def _session_minutes(symbol: str, day: date, daily: Json) -> list[Json]:
    """The day's regular session minute by minute: a seeded walk pinned to the day's open and
    close (a Brownian bridge), kept inside its high and low."""
    rng = random.Random(f"{symbol}{day}")
    steps = [0.0]
    for _ in range(_SESSION_MINUTES):
        steps.append(steps[-1] + rng.gauss(0.0, 1.0))
    opening, closing, high, low = daily["o"], daily["c"], daily["h"], daily["l"]
    scale = (high - low) / 8 / max(1.0, max(abs(x) for x in steps))
    path = [
        opening
        + (closing - opening) * i / _SESSION_MINUTES
        + scale * (x - steps[-1] * i / _SESSION_MINUTES)
        for i, x in enumerate(steps)
    ]
    path = [min(high, max(low, p)) for p in path]
    first = datetime(day.year, day.month, day.day, 9, 30, tzinfo=_NEW_YORK)
    volume = daily["v"] // _SESSION_MINUTES
    out = []
    for i in range(_SESSION_MINUTES):
        o, c = path[i], path[i + 1]
        out.append(
            {
                "t": _iso(first + timedelta(minutes=i)),
                "o": round(o, 4),
                "h": round(max(o, c), 4),
                "l": round(min(o, c), 4),
                "c": round(c, 4),
                "v": volume,
                "n": max(1, volume // 100),
                "vw": round((o + c) / 2, 6),
            }
        )
    return out


def _aggregate(stamp: datetime, minutes: list[Json]) -> Json:
    volume = sum(m["v"] for m in minutes)
    return {
        "t": _iso(stamp),
        "o": minutes[0]["o"],
        "h": max(m["h"] for m in minutes),
        "l": min(m["l"] for m in minutes),
        "c": minutes[-1]["c"],
        "v": volume,
        "n": sum(m["n"] for m in minutes),
        "vw": round(sum(m["vw"] * m["v"] for m in minutes) / volume, 6) if volume else 0.0,
    }
