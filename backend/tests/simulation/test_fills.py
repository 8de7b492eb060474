"""The fill model's volume cap and time in force, on numbers worked out by hand."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from app.domain import TimeInForce
from app.simulation import FillModel, MarketConfig


def capped(share: float | None) -> FillModel:
    return FillModel(MarketConfig(max_volume_share=share))


def test_without_a_cap_an_order_fills_whole_whatever_the_volume() -> None:
    model = capped(None)
    assert model.capacity(0.0) == math.inf
    assert model.fill_qty(1234.5, 0.0) == 1234.5


@pytest.mark.parametrize(
    ("share", "volume", "remaining", "expected"),
    [
        (0.1, 1000.0, 250.0, 100.0),  # 10% of 1,000 shares
        (0.1, 1000.0, 60.0, 60.0),  # the rest is below the cap: all of it
        (0.25, 999.0, 500.0, 249.0),  # 249.75 shares: whole shares only
        (0.3, 10.0, 5.0, 3.0),  # 0.3 * 10 is 2.9999999999999996 in floating point: still 3
        (0.5, 1.0, 5.0, 0.0),  # half a share of a 1-share bar: nothing trades
        (1.0, 0.0, 5.0, 0.0),  # a bar without volume trades nothing
        (0.1, 1000.0, 0.5, 0.5),  # a fractional rest under the cap fills
    ],
)
def test_a_capped_order_takes_whole_shares_of_its_share_of_the_bar(
    share: float, volume: float, remaining: float, expected: float
) -> None:
    assert capped(share).fill_qty(remaining, volume) == expected


@pytest.mark.parametrize("share", [0.0, -0.1, 1.5])
def test_the_cap_must_be_a_share_above_zero_and_at_most_one(share: float) -> None:
    with pytest.raises(ValidationError) as caught:
        MarketConfig(max_volume_share=share)
    assert caught.value.errors()[0]["loc"] == ("max_volume_share",)


def test_a_day_order_expires_once_a_later_day_begins_and_a_gtc_order_never() -> None:
    session = date(2026, 3, 2)
    same_day = datetime(2026, 3, 2, 20, 59, tzinfo=UTC)
    next_day = datetime(2026, 3, 3, 14, 30, tzinfo=UTC)
    assert not FillModel.expired(TimeInForce.DAY, session, same_day)
    assert FillModel.expired(TimeInForce.DAY, session, next_day)
    assert not FillModel.expired(TimeInForce.GTC, session, next_day)
