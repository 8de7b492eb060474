"""Exchange sessions from exchange-calendars (holidays, half days), loaded once per process."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import exchange_calendars


class MarketCalendar:
    """Regular-session questions the risk rules ask, for one exchange (XNYS by default)."""

    def __init__(self, name: str = "XNYS") -> None:
        self.name = name

    @functools.cached_property
    def _calendar(self) -> exchange_calendars.ExchangeCalendar:
        import exchange_calendars  # pandas-heavy: only loaded when hours are actually checked

        return exchange_calendars.get_calendar(self.name)

    def is_open(self, moment: datetime) -> bool:
        """True inside a regular session (a naive datetime is rejected: its zone is unknown)."""
        calendar = self._calendar
        utc = _utc(moment)
        first, last = calendar.first_minute.to_pydatetime(), calendar.last_minute.to_pydatetime()
        if not first <= utc <= last:
            raise ValueError(
                f"{moment.isoformat()} is outside the {self.name} calendar "
                f"({first.date()} to {last.date()})"
            )
        return bool(calendar.is_open_on_minute(utc))

    def session_days_back(self, moment: datetime, count: int) -> date:
        """First day of the last count sessions up to and including moment's session."""
        local_day = _utc(moment).astimezone(self._calendar.tz).date()
        latest = self._calendar.date_to_session(local_day.isoformat(), direction="previous")
        first: date = self._calendar.sessions_window(latest, -count)[0].date()
        return first

    def last_close(self, moment: datetime) -> datetime:
        """When the latest session that closed at or before `moment` closed (half days too)."""
        calendar = self._calendar
        utc = _utc(moment)
        local_day = utc.astimezone(calendar.tz).date()
        session = calendar.date_to_session(local_day.isoformat(), direction="previous")
        close: datetime = calendar.session_close(session).to_pydatetime()
        if close > utc:
            close = calendar.session_close(calendar.previous_session(session)).to_pydatetime()
        return close


@functools.cache
def calendar(name: str = "XNYS") -> MarketCalendar:
    """Shared calendar instance (building one takes a fraction of a second)."""
    return MarketCalendar(name)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no timezone; pass an aware datetime")
    return moment.astimezone(UTC)
