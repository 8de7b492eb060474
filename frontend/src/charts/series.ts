/** Turns API points into chart data: UTC seconds, ascending, one value per time. */
import type { BacktestTrade, Candle, EquityPoint } from "../api/types";

export interface LinePoint {
  time: number;
  value: number;
}

export interface CandlePoint {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface TradeMarker {
  time: number;
  side: "buy" | "sell";
  text: string;
}

export function toSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/** Sorts by time and keeps the last value of each second (the chart rejects duplicates). */
function ascendingUnique<T extends { time: number }>(points: T[]): T[] {
  const byTime = new Map<number, T>();
  for (const point of points) if (Number.isFinite(point.time)) byTime.set(point.time, point);
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}

export function equitySeries(points: Pick<EquityPoint, "time" | "equity">[]): LinePoint[] {
  return ascendingUnique(points.map((p) => ({ time: toSeconds(p.time), value: p.equity })));
}

export function candleSeries(bars: Candle[]): CandlePoint[] {
  return ascendingUnique(
    bars.map((b) => ({ time: toSeconds(b.time), open: b.open, high: b.high, low: b.low, close: b.close })),
  );
}

export function tradeMarkers(trades: BacktestTrade[]): TradeMarker[] {
  return trades
    .map((t) => ({ time: toSeconds(t.time), side: t.side, text: `${t.side === "buy" ? "B" : "S"} ${t.qty}@${t.price.toFixed(2)}` }))
    .filter((m) => Number.isFinite(m.time))
    .sort((a, b) => a.time - b.time);
}
