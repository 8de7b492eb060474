"""FIFO trades and their statistics match the ledger worked by hand in fixtures.py."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D  # noqa: N817 (the ledger reads as a table)

import pytest

from app.research.pnl import Fill, closed_trades, grouped, stats, unrealized
from tests.research.fixtures import LEDGER, MARKS


def test_fifo_splits_lots_and_shares_fees() -> None:
    trades, lots = closed_trades(LEDGER)
    assert [(t.symbol, t.side, t.qty, t.entry_price, t.fees, t.pnl) for t in trades] == [
        ("AAPL", "long", D(10), D(100), D("2.00"), D("198.00")),
        ("AAPL", "long", D(2), D(110), D("0.40"), D("19.60")),
        ("AAPL", "long", D(3), D(110), D("0.60"), D("-15.60")),
        ("MSFT", "short", D(4), D(50), D(0), D(20)),
    ]
    assert [t.instance_id for t in trades] == [1, 1, 1, None]
    assert [(lot.symbol, lot.qty, lot.price) for lot in lots] == [("MSFT", D(2), D(45))]
    assert [pnl for _, pnl in unrealized(lots, MARKS)] == [D(4)]


def test_totals() -> None:
    trades, _ = closed_trades(LEDGER)
    total = stats(trades, D(4))
    assert (total.trades, total.wins, total.losses) == (4, 3, 1)
    assert total.win_rate == 0.75
    assert total.profit_factor == pytest.approx(237.6 / 15.6)
    assert (total.average_win, total.average_loss) == (D("79.20"), D("-15.60"))
    assert (total.fees, total.realized_pnl, total.unrealized_pnl) == (D("3.00"), D(222), D(4))
    assert total.max_drawdown == D("15.60")


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("instance", {"1": (3, D("202.00"), D(0)), "manual": (1, D(20), D(4))}),
        ("symbol", {"AAPL": (3, D("202.00"), D(0)), "MSFT": (1, D(20), D(4))}),
        (
            "day",
            {
                "2026-01-07": (2, D("217.60"), D(0)),
                "2026-01-14": (1, D("-15.60"), D(0)),
                "2026-02-03": (1, D(20), D(0)),
            },
        ),
        (
            "week",
            {
                "2026-W02": (2, D("217.60"), D(0)),
                "2026-W03": (1, D("-15.60"), D(0)),
                "2026-W06": (1, D(20), D(0)),
            },
        ),
        ("month", {"2026-01": (3, D("202.00"), D(0)), "2026-02": (1, D(20), D(0))}),
    ],
)
def test_grouped(by: str, expected: dict[str, tuple[int, D, D]]) -> None:
    trades, lots = closed_trades(LEDGER)
    groups = grouped(trades, by, lots, MARKS)  # type: ignore[arg-type]
    assert {k: (s.trades, s.realized_pnl, s.unrealized_pnl) for k, s in groups.items()} == expected


def test_no_trades_and_bad_fill() -> None:
    empty = stats([])
    assert (empty.trades, empty.win_rate, empty.profit_factor, empty.max_drawdown) == (
        0,
        None,
        None,
        D(0),
    )
    bad = Fill(datetime(2026, 1, 1, tzinfo=UTC), "X", "buy", D(0), D(1))
    with pytest.raises(ValueError, match="qty must be positive"):
        closed_trades([bad])
