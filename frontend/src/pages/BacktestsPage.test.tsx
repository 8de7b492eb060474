import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSchemas } from "../api/schemas";
import { apiError, installFakeApi } from "../test/fakeApi";
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
  title: "SMA crossover",
  description: null,
  params_schema: { type: "object", properties: { fast: { type: "integer", minimum: 2, default: 10, title: "Fast" } } },
};
const BacktestConfig = {
  type: "object",
  properties: {
    cash: { type: "number", exclusiveMinimum: 0, default: 10000, title: "Cash" },
    allow_short: { type: "boolean", default: false, title: "Allow Short" },
    risk: { $ref: "#/components/schemas/RiskSettings" },
  },
};
const trade = {
  symbol: "SIMA",
  side: "long",
  size: 10,
  entry_time: "2025-01-02T00:00:00Z",
  entry_price: 100,
  exit_time: "2025-01-03T00:00:00Z",
  exit_price: 110,
  exit_reason: "signal",
  pnl: 100,
};
const result = {
  metrics: { total_return: 0.1234, trades: 1, sharpe: 1.23456 },
  trades: [trade],
  equity_curve: [
    { time: "2025-01-02T00:00:00Z", equity: 1000 },
    { time: "2025-01-03T00:00:00Z", equity: 1100 },
  ],
  report: "Total return 12.34%",
  bars: {
    SIMA: [
      { time: "2025-01-02T00:00:00Z", open: 99, high: 101, low: 98, close: 100 },
      { time: "2025-01-03T00:00:00Z", open: 108, high: 111, low: 107, close: 110 },
      { time: "2025-01-04T00:00:00Z", open: 110, high: 112, low: 109, close: 111 },
    ],
  },
};

function backend() {
  const fake = installFakeApi();
  fake.on("GET /api/strategies", { body: [sma] });
  fake.on("GET /api/openapi.json", { body: { components: { schemas: { BacktestConfig } } } });
  fake.on("GET /api/history/coverage", { body: [] });
  return fake;
}

afterEach(resetSchemas);

describe("backtestBody", () => {
  const base = { strategy: "s", params: { fast: 3 }, config: { cash: 1000 }, symbol: "sima", bars: 500, timeframe: "5Min" };
  it("asks the simulated market in JSON", () => {
    expect(backtestBody({ ...base, file: null })).toEqual({
      strategy: "s",
      params: { fast: 3 },
      config: { cash: 1000 },
      data: { source: "simulated", symbol: "SIMA", bars: 500, timeframe: "5Min" },
    });
  });
  it("sends a CSV as multipart with params and config as JSON text", () => {
    const file = new File(["time,open\n"], "bars.csv", { type: "text/csv" });
    const form = backtestBody({ ...base, symbol: "", file }) as FormData;
    expect(form.get("params")).toBe('{"fast":3}');
    expect(form.get("config")).toBe('{"cash":1000}');
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

  it("runs on the simulated market, polls until done, and shows metrics, curve and report", async () => {
    const fake = backend();
    fake.on("POST /api/backtests", { status: 202, body: { id: "ab".repeat(16), status: "queued" } });
    let polls = 0;
    fake.on(`GET /api/backtests/${"ab".repeat(16)}`, () => {
      polls += 1;
      return { body: polls < 2 ? { id: "ab".repeat(16), status: "running" } : { id: "ab".repeat(16), status: "done", result } };
    });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    renderApp(<BacktestsPage />);
    expect(await screen.findByLabelText("Cash")).toHaveValue(10000);
    expect(screen.queryByLabelText("risk")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Run backtest" }));
    expect(await screen.findByTestId("backtest-status")).toHaveTextContent("queued");
    await vi.advanceTimersByTimeAsync(1000);
    await waitFor(() => expect(polls).toBe(1));
    expect(screen.getByTestId("backtest-status")).toHaveTextContent("running");
    await vi.advanceTimersByTimeAsync(1000);
    expect(await screen.findByTestId("backtest-metrics")).toHaveTextContent("Total return12.34%");
    expect(screen.getByTestId("backtest-metrics")).toHaveTextContent("Sharpe1.23");
    expect(await screen.findByRole("img", { name: "Backtest equity" })).toHaveTextContent("2 points");
    expect(screen.getByRole("img", { name: "Price candles with trade markers" })).toHaveTextContent("0 points, 3 candles, 2 markers");
    expect(screen.getByText("Total return 12.34%")).toBeInTheDocument();
    expect(fake.calls.find((c) => c.method === "POST")?.body).toEqual({
      strategy: "sma_crossover",
      params: { fast: 10 },
      config: { cash: 10000, allow_short: false },
      data: { source: "simulated", symbol: "SIMA", bars: 2000, timeframe: "1Min" },
    });
  });

  it("charts the candles the API sends for an uploaded CSV, marking only that symbol's trades", async () => {
    const fake = backend();
    const uploaded = {
      ...result,
      trades: [{ ...trade, symbol: "XYZ" }, trade],
      bars: { XYZ: [{ time: "2025-01-02T00:00:00Z", open: 5, high: 6, low: 4, close: 5.5 }, { time: "2025-01-03T00:00:00Z", open: 5.5, high: 7, low: 5, close: 6 }] },
    };
    fake.on("POST /api/backtests", { status: 202, body: { id: "cd".repeat(16), status: "done", result: uploaded } });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    renderApp(<BacktestsPage />);
    await user.selectOptions(await screen.findByLabelText("Bars from"), "csv");
    const csv = "timestamp,open,high,low,close,volume\n2025-01-02,5,6,4,5.5,1\n";
    await user.upload(screen.getByLabelText("CSV file"), new File([csv], "bars.csv", { type: "text/csv" }));
    await user.click(screen.getByRole("button", { name: "Run backtest" }));
    expect(await screen.findByRole("img", { name: "Price candles with trade markers" })).toHaveTextContent("0 points, 2 candles, 2 markers");
    expect(fake.calls.find((c) => c.method === "POST")?.body).toBeInstanceOf(FormData);
  });

  it("puts the API's parameter and file errors next to those inputs", async () => {
    const fake = backend();
    fake.on(
      "POST /api/backtests",
      apiError(422, "validation_error", "Invalid", [
        { field: "params.fast", message: "Input should be less than or equal to 500" },
        { field: "data.symbol", message: "unknown symbol" },
      ]),
    );
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    renderApp(<BacktestsPage />);
    await user.click(await screen.findByRole("button", { name: "Run backtest" }));
    expect(await screen.findByText("Input should be less than or equal to 500")).toBeInTheDocument();
    expect(screen.getByLabelText("Fast")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Symbol")).toHaveAccessibleDescription("unknown symbol");
  });

  it("fetches history, then backtests the range picked from the cache's coverage", async () => {
    const fake = backend();
    const held = { symbol: "AAPL", timeframe: "1Day", adjustment: "all", bars: 2609, ranges: [["2016-01-01T00:00:00Z", "2026-01-01T00:00:00Z"]], sources: ["alpaca"] };
    let fetched = false;
    fake.on("GET /api/history/coverage", () => ({ body: fetched ? [held] : [] }));
    fake.on("POST /api/history/fetch", () => {
      fetched = true;
      return { body: { source: "alpaca", requested: 1, stored: 2609 } };
    });
    fake.on("POST /api/backtests", { status: 202, body: { id: "ef".repeat(16), status: "queued" } });
    fake.on(`GET /api/backtests/${"ef".repeat(16)}`, { body: { id: "ef".repeat(16), status: "running" } });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    renderApp(<BacktestsPage />);
    const symbols = await screen.findByLabelText("Symbols");
    await user.clear(symbols);
    await user.type(symbols, "aapl");
    await user.click(screen.getByRole("button", { name: "Fetch history" }));
    expect(await screen.findByTestId("history-fetched")).toHaveTextContent("Stored 2609 bars from alpaca (1 request).");
    await user.click(await screen.findByRole("button", { name: "Backtest AAPL" }));
    expect(screen.getByLabelText("Bars from")).toHaveValue("history");
    await user.click(screen.getByRole("button", { name: "Run backtest" }));
    await screen.findByTestId("backtest-status");
    expect(fake.calls.find((c) => c.path === "/api/history/fetch")?.body).toMatchObject({ symbols: ["AAPL"], timeframe: "1Day" });
    expect((fake.calls.find((c) => c.path === "/api/backtests")?.body as { data: unknown }).data).toEqual({
      source: "history",
      symbols: ["AAPL"],
      start: "2016-01-01",
      end: "2026-01-01",
      timeframe: "1Day",
      adjustment: "all",
    });
  });
});
