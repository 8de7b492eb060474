import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { anAccount, anEngine } from "../test/fixtures";
import { RequireAuth } from "../auth/RequireAuth";
import { apiError, installFakeApi } from "../test/fakeApi";
import { renderApp } from "../test/render";
import OverviewPage, { pnl } from "./OverviewPage";

const account = anAccount();

function backend() {
  const fake = installFakeApi();
  fake.on("GET /api/account", { body: account });
  fake.on("GET /api/equity", { body: [] });
  fake.on("GET /api/engine", { body: anEngine() });
  fake.on("GET /api/positions", { body: [] });
  return fake;
}

describe("pnl", () => {
  it("measures today against the last close and overall against the first point", () => {
    const result = pnl(account, [
      { time: "2026-01-02T00:00:00Z", equity: 99_000, cash: 0 },
      { time: "2026-01-01T00:00:00Z", equity: 95_000, cash: 0 },
    ]);
    expect(result.today).toBe(1_000);
    expect(result.todayPct).toBeCloseTo(0.01);
    expect(result.overall).toBe(6_000);
    expect(result.overallPct).toBeCloseTo(6_000 / 95_000);
  });
  it("has no overall figure without history", () => {
    expect(pnl(account, []).overall).toBeNull();
  });
});

describe("OverviewPage", () => {
  it("shows equity and P&L and updates them from live account events", async () => {
    backend();
    const { sockets } = renderApp(<OverviewPage />);
    expect(await screen.findByTestId("equity")).toHaveTextContent("$101,000.00");
    expect(screen.getByTestId("pnl-today")).toHaveTextContent("+$1,000.00");
    act(() => {
      sockets.last()?.serverConnect();
      sockets.last()?.serverEmit("account", { ...account, equity: 99_500 });
    });
    expect(screen.getByTestId("equity")).toHaveTextContent("$99,500.00");
    expect(screen.getByTestId("pnl-today")).toHaveTextContent("-$500.00");
    expect(screen.getByTestId("pnl-today")).toHaveClass("down");
  });

  it("offers a retry when the server cannot be reached, and recovers", async () => {
    const fake = backend();
    fake.failNetwork(true);
    renderApp(<OverviewPage />);
    const section = await screen.findAllByRole("alert");
    expect(section[0]).toHaveTextContent(/cannot reach the server/i);
    fake.failNetwork(false);
    await userEvent.click(within(section[0] as HTMLElement).getByRole("button", { name: "Retry" }));
    expect(await screen.findByTestId("equity")).toHaveTextContent("$101,000.00");
  });

  it("guards the kill switch behind a typed confirmation and sends flatten", async () => {
    const fake = backend();
    fake.on("POST /api/engine/kill", {
      body: { ...anEngine(), disabled_instances: 2, canceled_orders: 3, flatten_orders: ["c1"], errors: [] },
    });
    renderApp(<OverviewPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Kill switch…" }));
    const dialog = screen.getByRole("dialog", { name: "Kill switch" });
    const confirm = within(dialog).getByRole("button", { name: "Kill now" });
    expect(confirm).toBeDisabled();
    await userEvent.type(within(dialog).getByLabelText("Type KILL to confirm"), "KILL");
    await userEvent.click(confirm);
    expect(await screen.findByText(/Engine killed: 3 open order\(s\) canceled, 2 strategy instance\(s\) disabled, 1 closing order\(s\) sent/)).toBeInTheDocument();
    expect(fake.calls.find((c) => c.path === "/api/engine/kill")?.body).toEqual({ confirm: "kill", flatten: true });
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("shows the API's reason when starting the engine is refused", async () => {
    const fake = backend();
    fake.on("POST /api/engine/start", apiError(409, "killed", "Engine was killed; reset risk first"));
    renderApp(<OverviewPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Start engine" }));
    expect(await screen.findByText("Engine was killed; reset risk first")).toBeInTheDocument();
  });

  it("sends an expired session back to login, remembering the page", async () => {
    const fake = backend();
    fake.on("GET /api/account", apiError(401, "token_expired", "Token expired"));
    renderApp(<RequireAuthWrapped />, { route: "/orders?status=open" });
    expect(await screen.findByText("login page")).toBeInTheDocument();
    expect(screen.getByTestId("location")).toHaveTextContent("/login?next=%2Forders%3Fstatus%3Dopen");
  });
});

function RequireAuthWrapped() {
  return (
    <RequireAuth>
      <OverviewPage />
    </RequireAuth>
  );
}
