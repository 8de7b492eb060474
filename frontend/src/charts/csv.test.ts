import { describe, expect, it } from "vitest";
import { candlesFromCsv } from "./csv";

describe("candlesFromCsv", () => {
  it("finds the columns by name in any case and order", () => {
    const csv = "Date,Volume,Close,Open,High,Low\n2025-01-02,100,10.5,10,11,9.5\n2025-01-03,100,11,10.5,11.2,10.1\n";
    expect(candlesFromCsv(csv)).toEqual([
      { time: "2025-01-02", open: 10, high: 11, low: 9.5, close: 10.5 },
      { time: "2025-01-03", open: 10.5, high: 11.2, low: 10.1, close: 11 },
    ]);
  });
  it("skips unreadable rows and gives up on a file without prices", () => {
    expect(candlesFromCsv("timestamp,open,high,low,close\nnot-a-date,1,1,1,1\n2025-01-02,1,x,1,1\n")).toEqual([]);
    expect(candlesFromCsv("a,b\n1,2\n")).toEqual([]);
  });
});
