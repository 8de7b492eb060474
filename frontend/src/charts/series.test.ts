import { describe, expect, it } from "vitest";
import { candleSeries, equitySeries, tradeMarkers } from "./series";

describe("chart series", () => {
  it("sorts points and keeps one per second, as the chart requires", () => {
    expect(
      equitySeries([
        { time: "2026-01-01T00:00:02Z", equity: 3 },
        { time: "2026-01-01T00:00:01Z", equity: 1 },
        { time: "2026-01-01T00:00:01.500Z", equity: 2 },
      ]),
    ).toEqual([
      { time: 1767225601, value: 2 },
      { time: 1767225602, value: 3 },
    ]);
  });

  it("drops bars with unreadable times", () => {
    expect(candleSeries([{ time: "garbage", open: 1, high: 1, low: 1, close: 1 }])).toEqual([]);
  });

  it("marks a long's entry as a buy and its exit as a sell, a short the other way round", () => {
    const markers = tradeMarkers([
      { symbol: "A", side: "short", size: 2, entry_time: "2026-01-01T00:00:03Z", entry_price: 9, exit_time: null, exit_price: null, pnl: 0 },
      { symbol: "A", side: "long", size: 5, entry_time: "2026-01-01T00:00:01Z", entry_price: 10, exit_time: "2026-01-01T00:00:02Z", exit_price: 11, pnl: 5 },
    ]);
    expect(markers.map((m) => [m.side, m.text])).toEqual([
      ["buy", "B 5@10.00"],
      ["sell", "S 11.00"],
      ["sell", "S 2@9.00"],
    ]);
  });
});
