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

/** An entry and (when closed) an exit marker per round trip: longs enter with a buy, shorts with a sell. */
export function tradeMarkers(trades: BacktestTrade[]): TradeMarker[] {
  const markers: TradeMarker[] = [];
  for (const t of trades) {
    const entrySide = t.side === "long" ? "buy" : "sell";
    const exitSide = t.side === "long" ? "sell" : "buy";
    markers.push({ time: toSeconds(t.entry_time), side: entrySide, text: `${entrySide === "buy" ? "B" : "S"} ${t.size}@${t.entry_price.toFixed(2)}` });
    if (t.exit_time && t.exit_price != null) {
      markers.push({ time: toSeconds(t.exit_time), side: exitSide, text: `${exitSide === "buy" ? "B" : "S"} ${t.exit_price.toFixed(2)}` });
    }
  }
  return markers.filter((m) => Number.isFinite(m.time)).sort((a, b) => a.time - b.time);
}
