import { describe, expect, it } from "vitest";
import { backtestBody } from "../pages/BacktestsPage";
import { violations } from "./contract";

const url = (path: string) => new URL(path, "http://localhost");
const input = { strategy: "sma_crossover", params: {}, config: {}, symbol: "SIMA", bars: 2000, timeframe: "1Min", file: null };

describe("the fake API's contract check (the backend's OpenAPI document of this run)", () => {
  it("accepts the Backtests screen's default request", () => {
    expect(violations("POST", url("/api/backtests"), backtestBody(input))).toEqual([]);
  });
  it("refuses a field the API does not know, naming it", () => {
    const body = { ...(backtestBody(input) as object), data: { source: "simulated", symbol: "SIMA", colour: "red" } };
    expect(violations("POST", url("/api/backtests"), body).join()).toMatch(/colour/);
  });
  it("checks query parameters and unknown operations", () => {
    expect(violations("GET", url("/api/analytics/pnl?group_by=year"), undefined)).not.toEqual([]);
    expect(violations("GET", url("/api/analytics/pnl?group_by=week"), undefined)).toEqual([]);
    expect(violations("DELETE", url("/api/account"), undefined)).toEqual(["DELETE /api/account: no such operation in the API"]);
  });
});
