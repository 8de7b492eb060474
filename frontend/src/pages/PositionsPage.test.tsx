import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { aPosition } from "../test/fixtures";
import { installFakeApi } from "../test/fakeApi";
import { renderApp } from "../test/render";
import { mergePosition } from "../hooks/usePositions";
import PositionsPage from "./PositionsPage";

const aapl = aPosition();

describe("mergePosition", () => {
  it("replaces, adds in symbol order, and drops a position that went flat", () => {
    const msft = { ...aapl, symbol: "MSFT" };
    expect(mergePosition([msft], aapl).map((p) => p.symbol)).toEqual(["AAPL", "MSFT"]);
    expect(mergePosition([aapl], { ...aapl, qty: 20 })[0]?.qty).toBe(20);
    expect(mergePosition([aapl, msft], { ...aapl, qty: 0 })).toEqual([msft]);
  });
});

describe("PositionsPage", () => {
  it("shows positions with P&L and follows live updates", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/positions", { body: [aapl] });
    const { sockets } = renderApp(<PositionsPage />);
    const row = await screen.findByTestId("position-AAPL");
    expect(row).toHaveTextContent("+$100.00");
    act(() => sockets.last()?.serverEmit("position", { ...aapl, market_price: 95, market_value: 950, unrealized_pl: -50 }));
    expect(screen.getByTestId("position-AAPL")).toHaveTextContent("-$50.00");
  });

  it("closes a position only after confirmation", async () => {
    const fake = installFakeApi();
    let open = [aapl];
    fake.on("GET /api/positions", () => ({ body: open }));
    fake.on("POST /api/positions/AAPL/close", () => {
      open = [];
      return { body: { id: 1, status: "new" } };
    });
    renderApp(<PositionsPage />);
    await userEvent.click(within(await screen.findByTestId("position-AAPL")).getByRole("button", { name: "Close" }));
    const dialog = screen.getByRole("dialog", { name: "Close AAPL?" });
    expect(dialog).toHaveTextContent("Sends a market order to sell 10 of 10 AAPL.");
    await userEvent.click(within(dialog).getByRole("button", { name: "Close position" }));
    await waitFor(() => expect(screen.getByText("No open positions.")).toBeInTheDocument());
    expect(fake.calls.filter((c) => c.method === "POST")).toHaveLength(1);
  });

  it("closes part of a position and refuses more than is held", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/positions", { body: [aapl] });
    let asked: string | null = "unset";
    fake.on("POST /api/positions/AAPL/close", ({ url }) => {
      asked = url.searchParams.get("qty");
      return { status: 202, body: { id: 1, status: "new" } };
    });
    renderApp(<PositionsPage />);
    await userEvent.click(within(await screen.findByTestId("position-AAPL")).getByRole("button", { name: "Close" }));
    const dialog = screen.getByRole("dialog", { name: "Close AAPL?" });
    const qty = within(dialog).getByLabelText("Quantity to close");
    await userEvent.clear(qty);
    await userEvent.type(qty, "11");
    expect(within(dialog).getByRole("button", { name: "Close position" })).toBeDisabled();
    await userEvent.clear(qty);
    await userEvent.type(qty, "4");
    await userEvent.click(within(dialog).getByRole("button", { name: "Close position" }));
    await waitFor(() => expect(asked).toBe("4"));
  });
});
