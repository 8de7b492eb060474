import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Order } from "../api/types";
import { anAccount, anOrder } from "../test/fixtures";
import { apiError, installFakeApi } from "../test/fakeApi";
import { renderApp } from "../test/render";
import OrdersPage from "./OrdersPage";

const order = anOrder();

function backend(items: Order[] = [order]) {
  const fake = installFakeApi();
  fake.on("GET /api/orders", ({ url }) => ({
    body: { items: items.filter((o) => !url.searchParams.get("symbol") || o.symbol === url.searchParams.get("symbol")), total: items.length, limit: 50, offset: 0 },
  }));
  fake.on("GET /api/orders/statuses", { body: [{ status: "accepted", open: true }, { status: "filled", open: false }] });
  return fake;
}

describe("OrdersPage", () => {
  it("lists orders and updates a status live when an order event arrives", async () => {
    backend();
    const { sockets } = renderApp(<OrdersPage />);
    const row = await screen.findByTestId("order-7");
    expect(within(row).getByTestId("order-status")).toHaveTextContent("accepted");
    await screen.findByRole("option", { name: "filled" }); // the status list came from the API
    act(() => sockets.last()?.serverEmit("order", { ...order, status: "filled", is_open: false, filled_qty: 10, filled_avg_price: 149.5 }));
    expect(within(row).getByTestId("order-status")).toHaveTextContent("filled");
    expect(row).toHaveTextContent("$149.50");
    expect(within(row).queryByRole("button", { name: /cancel/i })).not.toBeInTheDocument();
  });

  it("filters by symbol through the query string", async () => {
    const fake = backend([order, anOrder({ id: 8, symbol: "MSFT" })]);
    renderApp(<OrdersPage />);
    await screen.findByTestId("order-8");
    await userEvent.type(screen.getByLabelText("Symbol", { selector: "#filter-symbol" }), "msft");
    await waitFor(() => expect(screen.queryByTestId("order-7")).not.toBeInTheDocument());
    expect(fake.calls.at(-1)?.path).toBe("/api/orders");
    expect(screen.getByTestId("location")).toHaveTextContent("symbol=msft");
  });

  it("cancels an open order and shows the API's refusal next to it", async () => {
    const fake = backend();
    fake.on("DELETE /api/orders/7", apiError(409, "not_cancelable", "Order 7 is already filled"));
    renderApp(<OrdersPage />);
    const row = await screen.findByTestId("order-7");
    await userEvent.click(within(row).getByRole("button", { name: /cancel order 7/i }));
    expect(await within(row).findByRole("alert")).toHaveTextContent("Order 7 is already filled");
  });

  it("checks the ticket locally, confirms, then sends the order with an idempotency id", async () => {
    const fake = backend([]);
    fake.on("POST /api/orders", ({ body }) => ({ status: 201, body: { ...order, ...(body as object), id: 9, status: "new" } }));
    renderApp(<OrdersPage />);
    await userEvent.type(await screen.findByLabelText("Symbol", { selector: "#order-symbol" }), "aapl");
    await userEvent.type(screen.getByLabelText("Quantity"), "5");
    await userEvent.selectOptions(screen.getByLabelText("Type"), "limit");
    await userEvent.click(screen.getByRole("button", { name: "Review buy order…" }));
    expect(screen.getByText("Limit orders need a limit price above 0")).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();

    await userEvent.type(screen.getByLabelText("Limit price"), "151.25");
    await userEvent.click(screen.getByRole("button", { name: "Review buy order…" }));
    const dialog = screen.getByRole("dialog", { name: "Send this order?" });
    expect(within(dialog).getByTestId("order-summary")).toHaveTextContent("BUY 5 AAPL · limit · limit $151.25 · DAY");
    expect(fake.calls.some((c) => c.method === "POST")).toBe(false);
    await userEvent.click(within(dialog).getByRole("button", { name: "Send buy order" }));
    expect(await screen.findByText(/Order 9 sent/)).toBeInTheDocument();
    const sent = fake.calls.find((c) => c.method === "POST")?.body as Record<string, unknown>;
    expect(sent).toMatchObject({ symbol: "AAPL", side: "buy", qty: 5, type: "limit", limit_price: 151.25, stop_price: null, time_in_force: "day" });
    expect(sent.client_order_id).toMatch(/^[A-Za-z0-9._:-]+$/);
  });

  it("warns inside the confirmation when the account is live", async () => {
    const fake = backend([]);
    fake.on("GET /api/account", { body: anAccount({ data_source: "alpaca_live" }) });
    renderApp(<OrdersPage />);
    await userEvent.type(await screen.findByLabelText("Symbol", { selector: "#order-symbol" }), "AAPL");
    await userEvent.type(screen.getByLabelText("Quantity"), "1");
    await userEvent.click(screen.getByRole("button", { name: "Review buy order…" }));
    expect(await within(screen.getByRole("dialog")).findByText("LIVE account: this order uses real money.")).toBeInTheDocument();
  });

  it("puts the API's validation message under the field it names", async () => {
    const fake = backend([]);
    fake.refuses("POST /api/orders", apiError(422, "validation_error", "Invalid request", [{ field: "qty", message: "Input should be less than or equal to 1000000" }]));
    renderApp(<OrdersPage />);
    await userEvent.type(await screen.findByLabelText("Symbol", { selector: "#order-symbol" }), "AAPL");
    await userEvent.type(screen.getByLabelText("Quantity"), "99999999");
    await userEvent.click(screen.getByRole("button", { name: "Review buy order…" }));
    await userEvent.click(screen.getByRole("button", { name: "Send buy order" }));
    expect(await screen.findByText("Input should be less than or equal to 1000000")).toBeInTheDocument();
    expect(screen.getByLabelText("Quantity")).toHaveAccessibleDescription("Input should be less than or equal to 1000000");
  });

  it("opens a shared link on its page and filter, and pages newer orders keeping the filter", async () => {
    const fake = installFakeApi();
    const asked: URLSearchParams[] = [];
    fake.on("GET /api/orders", ({ url }) => {
      asked.push(url.searchParams);
      const offset = Number(url.searchParams.get("offset"));
      return { body: { items: [anOrder({ id: 100 - offset })], total: 60, limit: 50, offset } };
    });
    fake.on("GET /api/orders/statuses", { body: [] });
    renderApp(<OrdersPage />, { route: "/?status=open&offset=50" });
    await screen.findByTestId("order-50");
    expect(Object.fromEntries(asked.at(-1) ?? [])).toMatchObject({ status: "open", offset: "50", limit: "50" });
    expect(screen.getByLabelText("Status")).toHaveValue("open");
    expect(screen.getByRole("button", { name: "Older" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Newer" }));
    await screen.findByTestId("order-100");
    expect(screen.getByTestId("location")).toHaveTextContent(/^\/\?status=open$/);
    expect(screen.getByRole("button", { name: "Newer" })).toBeDisabled();
  });
});
