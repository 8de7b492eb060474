import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { installFakeApi } from "../test/fakeApi";
import { renderApp } from "../test/render";
import BacktestsPage, { backtestBody } from "./BacktestsPage";

// Canvas drawing is the browser's job (the end-to-end run checks it); here the chart only reports its data.
vi.mock("../charts/TimeChart", () => ({
  default: (props: { label: string; line?: unknown[]; candles?: unknown[]; markers?: unknown[] }) => (
    <div data-testid="chart" role="img" aria-label={props.label}>
      {`${props.line?.length ?? 0} points, ${props.candles?.length ?? 0} candles, ${props.markers?.length ?? 0} markers`}
    </div>
  ),
}));

const sma = {
  name: "sma_crossover",
  params_schema: { type: "object", properties: { fast: { type: "integer", minimum: 2, default: 10 } } },
};

describe("backtestBody", () => {
  it("sends JSON for a symbol and multipart with JSON params for a CSV", () => {
    expect(backtestBody({ strategy: "s", params: { fast: 3 }, cash: 1000, symbol: "aapl", file: null })).toEqual({
      strategy: "s",
      params: { fast: 3 },
      symbol: "AAPL",
      cash: 1000,
    });
    const file = new File(["time,open\n"], "bars.csv", { type: "text/csv" });
    const form = backtestBody({ strategy: "s", params: { fast: 3 }, cash: 1000, symbol: "", file }) as FormData;
    expect(form.get("params")).toBe('{"fast":3}');
    expect((form.get("file") as File).name).toBe("bars.csv");
    expect(form.has("symbol")).toBe(false);
  });
});

describe("BacktestsPage", () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs a backtest, polls until done, and shows metrics, curve and trade markers", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/strategies", { body: [sma] });
    fake.on("POST /api/backtests", { status: 202, body: { id: 3, status: "running" } });
    let polls = 0;
    fake.on("GET /api/backtests/3", () => {
      polls += 1;
      if (polls < 2) return { body: { id: 3, status: "running" } };
      return {
        body: {
          id: 3,
          status: "done",
          result: {
            metrics: { total_return: 0.1234, trades: 1, sharpe: 1.23456 },
            trades: [
              {
                symbol: "AAPL",
                side: "long",
                size: 10,
                entry_time: "2026-01-02T15:00:00Z",
                entry_price: 100,
                exit_time: "2026-01-05T15:00:00Z",
                exit_price: 110,
                exit_reason: "signal",
                pnl: 100,
              },
            ],
            equity_curve: [
              { time: "2026-01-02T00:00:00Z", equity: 1000 },
              { time: "2026-01-05T00:00:00Z", equity: 1100 },
            ],
            bars: [
              { time: "2026-01-02T15:00:00Z", open: 99, high: 101, low: 98, close: 100 },
              { time: "2026-01-05T15:00:00Z", open: 108, high: 111, low: 107, close: 110 },
            ],
          },
        },
      };
    });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    renderApp(<BacktestsPage />);
    await user.type(await screen.findByLabelText("Symbol"), "AAPL");
    await user.click(screen.getByRole("button", { name: "Run backtest" }));
    expect(await screen.findByTestId("backtest-status")).toHaveTextContent("running");
    await vi.advanceTimersByTimeAsync(1000);
    await waitFor(() => expect(polls).toBe(1));
    expect(screen.getByTestId("backtest-status")).toHaveTextContent("running");
    await vi.advanceTimersByTimeAsync(1000);
    expect(await screen.findByTestId("backtest-metrics")).toHaveTextContent("Total return12.34%");
    expect(screen.getByTestId("backtest-metrics")).toHaveTextContent("Sharpe1.23");
    expect(screen.getByTestId("backtest-status")).toHaveTextContent("done");
    expect(await screen.findByRole("img", { name: "Price candles with trade markers" })).toHaveTextContent("0 points, 2 candles, 2 markers");
    expect(screen.getByRole("img", { name: "Backtest equity" })).toHaveTextContent("2 points");
    expect(fake.calls.find((c) => c.method === "POST")?.body).toEqual({ strategy: "sma_crossover", params: { fast: 10 }, symbol: "AAPL", cash: 100000 });
  });
});
