import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { SearchJobOut, StrategyOut } from "../api/types";
import { installFakeApi } from "../test/fakeApi";
import { renderApp } from "../test/render";
import ResearchPage, { heatmap, numericParams } from "./ResearchPage";

vi.mock("../charts/TimeChart", () => ({
  default: (props: { label: string; line?: unknown[] }) => <div role="img" aria-label={props.label}>{`${props.line?.length ?? 0} points`}</div>,
}));

const sma: StrategyOut = {
  name: "sma_crossover",
  title: "SMA crossover",
  description: null,
  params_schema: {
    type: "object",
    properties: {
      fast: { type: "integer", minimum: 1, maximum: 500, default: 10, title: "Fast" },
      slow: { type: "integer", minimum: 2, maximum: 1000, default: 20, title: "Slow" },
    },
  },
};
const trial = (fast: number, slow: number, score: number | null) => ({ params: { fast, slow }, score, metrics: { total_return: 0.1, max_drawdown: 0.05 }, error: null });
const id = "12".repeat(16);

describe("ResearchPage", () => {
  it("starts grids and ranges around each default and keeps the best score per heatmap cell", () => {
    expect(numericParams(sma)).toEqual([
      { name: "fast", values: "5, 10, 20", low: "5", high: "30" },
      { name: "slow", values: "10, 20, 40", low: "10", high: "60" },
    ]);
    const map = heatmap([trial(5, 20, 1), trial(5, 20, 2), trial(10, 20, null)], "fast", "slow");
    expect([map.xs, map.ys, map.at(5, 20), map.at(10, 20)]).toEqual([[5, 10], [20], 2, null]);
  });

  it("runs a search, shows walk-forward and trials, and creates a disabled instance from the best set", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/strategies", { body: [sma] });
    const base = { id, created_at: "2026-12-03T09:00:00Z", request: { strategy: "sma_crossover" } };
    fake.on("POST /api/research/searches", { status: 202, body: { ...base, status: "queued", done: 0, total: 0, trials: [] } });
    const done: SearchJobOut = {
      ...(base as SearchJobOut),
      status: "done",
      done: 2,
      total: 2,
      trials: [trial(5, 20, 0.5), trial(10, 20, 1.5)],
      best: trial(10, 20, 1.5),
      walk_forward: { folds: [{ in_sample: ["2025-01-01", "2025-06-01"], out_of_sample: ["2025-06-01", "2025-08-01"], params: { fast: 10, slow: 20 }, in_score: 2, out_score: 0.4 }], equity: [["2025-06-01T00:00:00", 10000], ["2025-06-02T00:00:00", 10100]], in_score: 2, out_score: 0.4, diverges: true },
      error: null,
    };
    fake.on(`GET /api/research/searches/${id}`, { body: done });
    fake.on("POST /api/strategies/instances", ({ body }) => ({ status: 201, body: { id: 7, ...(body as object) } }));
    renderApp(<ResearchPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Start search" }));
    expect(await screen.findByTestId("search-best", {}, { timeout: 3000 })).toHaveTextContent("fast = 10, slow = 20 (score 1.500)");
    expect(screen.getByRole("alert")).toHaveTextContent("probably overfit");
    expect(screen.getByTestId("walk-forward-scores")).toHaveTextContent("In-sample 2.000 vs out-of-sample 0.400");
    expect(screen.getByRole("table", { name: "Parameter heatmap" })).toHaveTextContent("1.50");
    const started = fake.calls.find((c) => c.path === "/api/research/searches")?.body as Record<string, unknown>;
    expect(started.grid).toEqual({ fast: [5, 10, 20], slow: [10, 20, 40] });
    expect(started.walk_forward).toEqual({ folds: 3, in_sample_share: 0.75 });
    await userEvent.click(screen.getByRole("button", { name: "Create instance (disabled)" }));
    await waitFor(() => expect(screen.getByText(/Instance 7 created, disabled/)).toBeInTheDocument());
    expect(fake.calls.find((c) => c.path === "/api/strategies/instances")?.body).toEqual({ strategy: "sma_crossover", symbol: "SIMA", params: { fast: 10, slow: 20 }, enabled: false, allow_short: false });
  });

  it("searches on cached history picked from the cache's coverage, and offers the searched symbol for the instance", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/strategies", { body: [sma] });
    fake.on("GET /api/history/coverage", {
      body: [{ symbol: "AAPL", timeframe: "1Day", adjustment: "all", bars: 2609, ranges: [["2016-01-01T00:00:00Z", "2026-01-01T00:00:00Z"]], sources: ["alpaca"] }],
    });
    const base = { id, created_at: "2026-01-01T00:00:00Z", finished_at: null, error: null, best: null, walk_forward: null };
    fake.on("POST /api/research/searches", { status: 202, body: { ...base, status: "queued", done: 0, total: 0, trials: [] } });
    fake.on(`GET /api/research/searches/${id}`, { body: { ...base, status: "done", done: 1, total: 1, trials: [trial(10, 20, 1.5)], best: trial(10, 20, 1.5) } });
    renderApp(<ResearchPage />);
    await userEvent.selectOptions(await screen.findByLabelText("Bars from"), "history");
    await userEvent.selectOptions(await screen.findByLabelText("From the cache"), "AAPL 1Day all: 2016-01-01 – 2026-01-01");
    const symbols = screen.getByLabelText("Symbols");
    expect(symbols).toHaveValue("AAPL");
    await userEvent.type(symbols, ",MSFT");
    await userEvent.click(screen.getByRole("button", { name: "Start search" }));
    await waitFor(() => expect(fake.calls.some((c) => c.path === "/api/research/searches")).toBe(true));
    const started = fake.calls.find((c) => c.path === "/api/research/searches")?.body as Record<string, unknown>;
    expect(started.data).toEqual({ source: "history", symbols: ["AAPL", "MSFT"], start: "2016-01-01", end: "2026-01-01", timeframe: "1Day", adjustment: "all" });
    expect(await screen.findByLabelText("Instance symbol", {}, { timeout: 3000 })).toHaveValue("AAPL");
  });
});
