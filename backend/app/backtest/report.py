"""Reports of a backtest: a plain-text table (the CLI, the jobs, the strategy check) and a
self-contained HTML report (equity curve, drawdown and trade markers as inline SVG)."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from app.backtest.metrics import format_metric
from app.backtest.result import BacktestResult

_WIDTH, _EQUITY_HEIGHT, _DRAWDOWN_HEIGHT, _PAD = 960, 320, 120, 48
_MAX_POINTS = 2000


def table(result: BacktestResult, shown_trades: int = 20) -> str:
    """A readable summary: metrics, then the latest trades."""
    lines = [f"{result.strategy} {result.params} on {', '.join(result.symbols)}", ""]
    for name, value in result.metrics.items():
        lines.append(f"  {name:<24}{format_metric(name, value)}")
    trades = result.trades[-shown_trades:]
    lines += [
        "",
        f"trades ({len(result.trades)}, latest {len(trades)}):",
        f"  {'symbol':<8}{'side':<6}{'size':>8}  {'entry':<20}{'price':>11}  "
        f"{'exit':<20}{'price':>11}{'pnl':>12}",
    ]
    for trade in trades:
        exit_time = trade.exit_time.isoformat()[:19] if trade.exit_time else "open"
        exit_price = f"{trade.exit_price:.4f}" if trade.exit_price is not None else "-"
        lines.append(
            f"  {trade.symbol:<8}{'long' if trade.direction > 0 else 'short':<6}"
            f"{trade.qty:>8g}  {trade.entry_time.isoformat()[:19]:<20}{trade.entry_price:>11.4f}  "
            f"{exit_time:<20}{exit_price:>11}{trade.pnl:>12.2f}"
        )
    if result.rejected:
        lines.append(
            f"\n{len(result.rejected)} signals rejected by the risk chain, e.g. "
            f"{result.rejected[0].reason}"
        )
    return "\n".join(lines)


def write_report(result: BacktestResult, path: Path) -> None:
    """Write the report to path (parent directories must exist)."""
    path.write_text(render(result), encoding="utf-8")


def render(result: BacktestResult) -> str:
    """The report page as one string: no external scripts, styles or fonts."""
    title = f"{result.strategy} on {', '.join(result.symbols)}"
    metrics = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(format_metric(name, value))}</td></tr>"
        for name, value in result.metrics.items()
    )
    trades = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(cell))}</td>"
            for cell in (
                t.symbol,
                "long" if t.direction > 0 else "short",
                f"{t.qty:g}",
                t.entry_time.isoformat()[:19],
                f"{t.entry_price:.4f}",
                t.exit_time.isoformat()[:19] if t.exit_time else "open",
                f"{t.exit_price:.4f}" if t.exit_price is not None else "-",
                t.exit_reason or "-",
                f"{t.pnl:.2f}",
            )
        )
        + "</tr>"
        for t in result.trades
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:24px;color:#222}}
table{{border-collapse:collapse;font-size:13px}} td,th{{padding:3px 10px;text-align:right;
border-bottom:1px solid #eee}} th{{text-align:left}}
svg{{background:#fafafa;border:1px solid #ddd;display:block;margin:8px 0 24px}}
.trades{{max-height:420px;overflow:auto}}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Parameters: {html.escape(str(result.params))}</p>
<h2>Equity</h2>{_equity_svg(result)}
<h2>Drawdown</h2>{_drawdown_svg(result)}
<h2>Metrics</h2><table>{metrics}</table>
<h2>Trades ({len(result.trades)})</h2><div class="trades"><table>
<tr><th>symbol</th><th>side</th><th>size</th><th>entry</th><th>price</th><th>exit</th>
<th>price</th><th>reason</th><th>pnl</th></tr>{trades}</table></div>
</body></html>
"""


def _sampled(count: int) -> NDArray[np.intp]:
    if count <= _MAX_POINTS:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, _MAX_POINTS).astype(np.intp))


def _scale(values: NDArray[np.float64], height: int) -> tuple[NDArray[np.float64], float, float]:
    low, high = float(np.min(values)), float(np.max(values))
    span = high - low or 1.0
    return height - _PAD / 2 - (values - low) / span * (height - _PAD), low, high


def _x(index: NDArray[np.intp] | int, count: int) -> NDArray[np.float64] | float:
    return _PAD + np.asarray(index) / max(count - 1, 1) * (_WIDTH - 2 * _PAD)


def _polyline(xs: NDArray[np.float64], ys: NDArray[np.float64], style: str) -> str:
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    return f'<polyline points="{points}" {style}/>'


def _equity_svg(result: BacktestResult) -> str:
    count = result.equity.size
    index = _sampled(count)
    ys, low, high = _scale(result.equity[index], _EQUITY_HEIGHT)
    line = _polyline(
        np.asarray(_x(index, count)), ys, 'fill="none" stroke="#1f6feb" stroke-width="1.5"'
    )
    markers = []
    span = high - low or 1.0
    for trade in result.trades:
        for bar, kind in ((trade.entry_bar, "entry"), (trade.exit_bar, "exit")):
            if bar is None:
                continue
            x = float(_x(bar, count))
            y = (
                _EQUITY_HEIGHT
                - _PAD / 2
                - (result.equity[bar] - low) / span * (_EQUITY_HEIGHT - _PAD)
            )
            color = "#1a7f37" if (kind == "entry") == (trade.direction > 0) else "#cf222e"
            shape = (
                f"{x:.1f},{y - 6:.1f} {x - 4:.1f},{y + 2:.1f} {x + 4:.1f},{y + 2:.1f}"
                if kind == "entry"
                else f"{x:.1f},{y + 6:.1f} {x - 4:.1f},{y - 2:.1f} {x + 4:.1f},{y - 2:.1f}"
            )
            markers.append(
                f'<polygon class="{kind}" points="{shape}" fill="{color}">'
                f"<title>{kind} {html.escape(trade.symbol)}</title></polygon>"
            )
    labels = (
        f'<text x="4" y="{_PAD / 2 + 4}" font-size="11">{high:,.0f}</text>'
        f'<text x="4" y="{_EQUITY_HEIGHT - _PAD / 2}" font-size="11">{low:,.0f}</text>'
    )
    return (
        f'<svg width="{_WIDTH}" height="{_EQUITY_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_EQUITY_HEIGHT}">{labels}{line}{"".join(markers)}</svg>'
    )


def _drawdown_svg(result: BacktestResult) -> str:
    count = result.equity.size
    index = _sampled(count)
    depth = result.drawdown()[index]
    deepest = float(depth.max()) or 1.0
    ys = _PAD / 4 + depth / deepest * (_DRAWDOWN_HEIGHT - _PAD / 2)
    xs = np.asarray(_x(index, count))
    area = _polyline(
        np.concatenate(([xs[0]], xs, [xs[-1]])),
        np.concatenate(([_PAD / 4], ys, [_PAD / 4])),
        'fill="#f8d7da" stroke="#cf222e" stroke-width="1"',
    )
    label = f'<text x="4" y="{_DRAWDOWN_HEIGHT - 8}" font-size="11">-{deepest:.1%}</text>'
    return (
        f'<svg width="{_WIDTH}" height="{_DRAWDOWN_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_DRAWDOWN_HEIGHT}">{label}{area}</svg>'
    )
