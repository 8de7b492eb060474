"""Realised P&L from the stored fills (FIFO lots) and CSV exports of what the bot recorded."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.api.deps import SessionDep
from app.api.routes.backtests import JobId, JobsDep
from app.api.validation import invalid
from app.core.errors import ApiError
from app.research import pnl
from app.research.records import columns_of, equity_rows, latest_marks, load_fills, to_csv
from app.schemas.analytics import ClosedTradeOut, PnlGroupOut, PnlReportOut, PnlStatsOut
from app.schemas.errors import error_responses

router = APIRouter(tags=["analytics"])

Since = Annotated[datetime | None, Query(description="ISO time; trades that closed from then")]
Until = Annotated[datetime | None, Query(description="ISO time; trades that closed before then")]
_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


def _window(since: datetime | None, until: datetime | None) -> None:
    if since is not None and until is not None and since >= until:
        raise invalid("until", "must be later than since")


async def _trades(
    session: SessionDep, since: datetime | None, until: datetime | None
) -> tuple[list[pnl.ClosedTrade], list[pnl.OpenLot]]:
    _window(since, until)
    trades, lots = pnl.closed_trades(await load_fills(session, until))
    if since is not None:
        trades = [t for t in trades if t.exit_time >= since]
    return trades, lots


def _stats_out(stats: pnl.Stats) -> PnlStatsOut:
    return PnlStatsOut.model_validate(
        {k: (float(v) if v is not None else None) for k, v in asdict(stats).items()}
    )


def csv_response(text: str, filename: str) -> Response:
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/analytics/pnl", responses=error_responses(401, 422))
async def pnl_report(
    session: SessionDep,
    group_by: Annotated[pnl.GroupBy, Query(description="how trades are grouped")] = "symbol",
    since: Since = None,
    until: Until = None,
) -> PnlReportOut:
    """Count, win rate, profit factor, average win/loss, fees, realised/unrealised P&L, drawdown."""
    trades, lots = await _trades(session, since, until)
    marks = await latest_marks(session)
    open_pnl = sum((p for _, p in pnl.unrealized(lots, marks)), pnl.ZERO)
    return PnlReportOut(
        group_by=group_by,
        total=_stats_out(pnl.stats(trades, open_pnl)),
        groups=[
            PnlGroupOut(key=key, stats=_stats_out(stats))
            for key, stats in pnl.grouped(trades, group_by, lots, marks).items()
        ],
    )


@router.get("/analytics/trades", responses=error_responses(401, 422))
async def closed_trades(
    session: SessionDep, since: Since = None, until: Until = None
) -> list[ClosedTradeOut]:
    """Closed trades (FIFO lots), oldest exit first."""
    trades, _ = await _trades(session, since, until)
    return [ClosedTradeOut.model_validate(asdict(t)) for t in trades]


@router.get("/exports/{kind}.csv", responses={**_CSV, **error_responses(401, 422)})
async def export_csv(
    kind: Literal["fills", "trades", "equity"],
    session: SessionDep,
    since: Since = None,
    until: Until = None,
) -> Response:
    """`fills`, `trades` (closed, FIFO) or `equity` as CSV."""
    if kind == "trades":
        trades, _ = await _trades(session, since, until)
        return csv_response(to_csv(trades, columns_of(pnl.ClosedTrade)), "trades.csv")
    _window(since, until)
    if kind == "fills":
        fills = [f for f in await load_fills(session, until) if since is None or f.time >= since]
        return csv_response(to_csv(fills, columns_of(pnl.Fill)), "fills.csv")
    rows = await equity_rows(session, since, until)
    points = [{"time": r.time, "equity": r.equity, "cash": r.cash} for r in rows]
    return csv_response(to_csv(points, ["time", "equity", "cash"]), "equity.csv")


@router.get(
    "/exports/backtests/{job_id}/trades.csv", responses={**_CSV, **error_responses(401, 404, 422)}
)
async def export_backtest_trades(job_id: JobId, jobs: JobsDep) -> Response:
    """A finished backtest's trades as CSV."""
    job = await jobs.get(job_id)
    if job is None or job.result is None:
        raise ApiError(404, "backtest_not_found", f"job_id: no finished backtest {job_id}.")
    trades = job.result.trades
    return csv_response(to_csv(trades, list(trades[0]) if trades else ["symbol"]), "trades.csv")
