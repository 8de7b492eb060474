/** A lightweight-charts chart of a line and/or candles with trade markers; loaded lazily. */
import { useEffect, useRef } from "react";
import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  LineSeries,
  type IChartApi,
  type ISeriesApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import type { CandlePoint, LinePoint, TradeMarker } from "./series";

export interface TimeChartProps {
  line?: LinePoint[];
  candles?: CandlePoint[];
  markers?: TradeMarker[];
  height?: number;
  label: string;
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

const ts = (t: number) => t as UTCTimestamp;

export default function TimeChart({ line, candles, markers, height = 260, label }: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const lineSeries = useRef<ISeriesApi<"Line"> | null>(null);
  const candleSeries = useRef<ISeriesApi<"Candlestick"> | null>(null);

  useEffect(() => {
    if (!host.current) return;
    const text = cssVar("--muted", "#8b949e");
    const grid = cssVar("--grid", "#21262d");
    const created = createChart(host.current, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: "transparent" }, textColor: text, fontSize: 11 },
      grid: { vertLines: { color: grid }, horzLines: { color: grid } },
      rightPriceScale: { borderColor: grid },
      timeScale: { borderColor: grid, timeVisible: true, secondsVisible: false },
      crosshair: { mode: 0 },
    });
    chart.current = created;
    return () => {
      created.remove();
      chart.current = null;
      lineSeries.current = null;
      candleSeries.current = null;
    };
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c || !line) return;
    if (!lineSeries.current) {
      lineSeries.current = c.addSeries(LineSeries, {
        color: cssVar("--accent", "#58a6ff"),
        lineWidth: 2,
        priceLineVisible: false,
      });
    }
    lineSeries.current.setData(line.map((p) => ({ time: ts(p.time), value: p.value })));
    const span = line.length ? (line[line.length - 1]?.time ?? 0) - (line[0]?.time ?? 0) : 0;
    c.applyOptions({ timeScale: { secondsVisible: span > 0 && span < 3600 } });
    c.timeScale().fitContent();
  }, [line]);

  useEffect(() => {
    const c = chart.current;
    if (!c || !candles) return;
    if (!candleSeries.current) {
      candleSeries.current = c.addSeries(CandlestickSeries, {
        upColor: cssVar("--up", "#3fb950"),
        downColor: cssVar("--down", "#f85149"),
        wickUpColor: cssVar("--up", "#3fb950"),
        wickDownColor: cssVar("--down", "#f85149"),
        borderVisible: false,
      });
    }
    const series = candleSeries.current;
    series.setData(candles.map((b) => ({ ...b, time: ts(b.time) })));
    const marks: SeriesMarker<Time>[] = (markers ?? []).map((m) => ({
      time: ts(m.time),
      position: m.side === "buy" ? "belowBar" : "aboveBar",
      shape: m.side === "buy" ? "arrowUp" : "arrowDown",
      color: m.side === "buy" ? cssVar("--up", "#3fb950") : cssVar("--down", "#f85149"),
      text: m.text,
    }));
    const plugin = createSeriesMarkers(series, marks);
    c.timeScale().fitContent();
    return () => {
      // On unmount the chart is already removed (and its plugins with it): detach only a live one.
      if (chart.current === c) plugin.detach();
    };
  }, [candles, markers]);

  return <div className="chart" ref={host} style={{ height }} role="img" aria-label={label} data-testid="chart" />;
}
