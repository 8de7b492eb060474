import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ClosedTrade, PnlStats } from "../api/types";
import { apiError, installFakeApi } from "../test/fakeApi";
import { anInstance } from "../test/fixtures";
import { renderApp } from "../test/render";
import AnalyticsPage, { cumulative, dayStart } from "./AnalyticsPage";

vi.mock("../charts/TimeChart", () => ({
  default: (props: { label: string; line?: unknown[] }) => <div role="img" aria-label={props.label}>{`${props.line?.length ?? 0} points`}</div>,
}));

const stats = (over: Partial<PnlStats> = {}): PnlStats => ({
  trades: 2,
  wins: 1,
  losses: 1,
  win_rate: 0.5,
  profit_factor: 3,
  average_win: 30,
  average_loss: -10,
  fees: 1.5,
  realized_pnl: 20,
  unrealized_pnl: 4,
  max_drawdown: 10,
  ...over,
});
const trade = (exit_time: string, pnl: number): ClosedTrade => ({
  symbol: "AAPL",
  instance_id: 1,
  side: "long",
  qty: 1,
  entry_time: "2026-01-05T15:00:00Z",
  entry_price: 100,
  exit_time,
  exit_price: 100 + pnl,
  fees: 0,
  pnl,
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("AnalyticsPage", () => {
  it("sums P&L in exit order and turns a day into its UTC start", () => {
    expect(cumulative([trade("2026-01-07T15:00:00Z", -10), trade("2026-01-06T15:00:00Z", 30)]).map((p) => p.equity)).toEqual([30, 20]);
    expect(dayStart("2026-02-01")).toBe("2026-02-01T00:00:00Z");
    expect(dayStart("")).toBeUndefined();
  });

  it("shows totals and the breakdown, regroups on request, and exports a CSV with the token", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/analytics/pnl", ({ url }) => ({
      body: { group_by: url.searchParams.get("group_by"), total: stats(), groups: [{ key: url.searchParams.get("group_by") === "week" ? "2026-W02" : "AAPL", stats: stats() }] },
    }));
    const asked: (string | null)[] = [];
    fake.on("GET /api/analytics/trades", ({ url }) => {
      asked.push(url.searchParams.get("since"));
      return { body: [trade("2026-01-06T15:00:00Z", 30), trade("2026-01-07T15:00:00Z", -10)] };
    });
    fake.on("GET /api/exports/trades.csv", { body: "symbol\nAAPL\n" });
    const created = vi.fn(() => "blob:x");
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }));
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
    renderApp(<AnalyticsPage />);
    expect(await screen.findByTestId("pnl-AAPL")).toHaveTextContent("+$20.00");
    expect(screen.getByTestId("pnl-totals")).toHaveTextContent("50.0%");
    expect(await screen.findByRole("img", { name: "Cumulative realised P&L" })).toHaveTextContent("2 points");

    await userEvent.selectOptions(screen.getByLabelText("Group by"), "week");
    expect(await screen.findByTestId("pnl-2026-W02")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Closed from"), "2026-01-01");
    await waitFor(() => expect(asked).toContain("2026-01-01T00:00:00Z"));
    expect(screen.getByTestId("location")).toHaveTextContent("/?group_by=week&since=2026-01-01");

    await userEvent.click(screen.getByRole("button", { name: "Closed trades CSV" }));
    await waitFor(() => expect(clicked).toHaveBeenCalledOnce());
    expect(created).toHaveBeenCalledOnce();
    const exported = fake.calls.find((c) => c.path === "/api/exports/trades.csv");
    expect(exported?.headers.Authorization).toBe("Bearer test-token");
  });

  it("opens a shared link on its grouping and period; a grouping the API has not got falls back to symbols", async () => {
    const fake = installFakeApi();
    const grouped: (string | null)[] = [];
    fake.on("GET /api/analytics/pnl", ({ url }) => {
      grouped.push(url.searchParams.get("group_by"));
      return { body: { group_by: url.searchParams.get("group_by"), total: stats(), groups: [] } };
    });
    fake.on("GET /api/analytics/trades", { body: [] });
    const view = renderApp(<AnalyticsPage />, { route: "/?group_by=month&until=2026-02-01" });
    expect(await screen.findByText("No trades in this period.")).toBeInTheDocument();
    expect(grouped).toEqual(["month"]);
    expect(screen.getByLabelText("Closed before")).toHaveValue("2026-02-01");
    view.unmount();
    renderApp(<AnalyticsPage />, { route: "/?group_by=planet" });
    await waitFor(() => expect(grouped.at(-1)).toBe("symbol"));
    expect(screen.getByLabelText("Group by")).toHaveValue("symbol");
  });

  it("replays a live day of an instance and shows where it differs; a day without bars shows the API's error", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/analytics/pnl", { body: { group_by: "symbol", total: stats(), groups: [] } });
    fake.on("GET /api/analytics/trades", { body: [] });
    fake.on("GET /api/strategies/instances", { body: [anInstance({ id: 7, name: "aapl-fast" })] });
    const outcome = (status: string, qty: number | null, price: number | null, reason: string | null = null) => ({ status, qty, price, reason });
    fake.on("GET /api/strategies/instances/7/replay", ({ url }) =>
      url.searchParams.get("day") === "2026-03-10"
        ? {
            body: {
              instance_id: 7,
              day: "2026-03-10",
              timeframe: "1Min",
              bars: 7,
              warmup_bars: 5,
              warmup_needed: 5,
              agree: false,
              rows: [
                { time: "2026-03-10T14:31:00Z", side: "buy", live: outcome("filled", 10, 100.1), backtest: outcome("filled", 10, 100.05), differences: ["fill price live 100.1000, backtest 100.0500"] },
                { time: "2026-03-10T14:34:00Z", side: "sell", live: outcome("rejected", null, null, "market closed"), backtest: outcome("filled", 10, 119.94), differences: ["live rejected (market closed), backtest filled"] },
              ],
            },
          }
        : apiError(422, "validation_error", "Invalid request", [{ field: "day", message: "the cache holds no 1Min bars of AAPL that day" }]),
    );
    renderApp(<AnalyticsPage />);
    expect(await screen.findByRole("option", { name: /aapl-fast/ })).toBeInTheDocument();
    const day = screen.getByLabelText("Day");
    await userEvent.clear(day);
    await userEvent.type(day, "2026-03-10");
    await userEvent.click(screen.getByRole("button", { name: "Replay day" }));
    expect(await screen.findByTestId("replay-summary")).toHaveTextContent("Live and backtest differ on 2 signals");
    expect(screen.getByTestId("replay-14:34-sell")).toHaveTextContent("rejected (market closed)");
    expect(screen.getByTestId("replay-14:31-buy")).toHaveTextContent("fill price live 100.1000, backtest 100.0500");

    await userEvent.clear(day);
    await userEvent.type(day, "2026-03-11");
    await userEvent.click(screen.getByRole("button", { name: "Replay day" }));
    expect(await screen.findByText("the cache holds no 1Min bars of AAPL that day")).toBeInTheDocument();
    expect(screen.queryByTestId("replay-summary")).not.toBeInTheDocument();
  });
});
