import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { aSignal } from "../test/fixtures";
import { installFakeApi } from "../test/fakeApi";
import { renderApp } from "../test/render";
import SignalsPage from "./SignalsPage";

const signal = aSignal();

describe("SignalsPage", () => {
  it("puts live signals on top with their reason and marks risk rejections", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/signals", { body: { items: [signal], total: 1, limit: 50, offset: 0 } });
    const { sockets } = renderApp(<SignalsPage />);
    expect(await screen.findByText("fast SMA 10 crossed above slow SMA 20")).toBeInTheDocument();
    act(() =>
      sockets.last()?.serverEmit("signal", { ...signal, id: 2, side: "sell", reason: "RSI 14 rose above 70 (78.2)" }),
    );
    const items = screen.getAllByTestId("signal");
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent("RSI 14 rose above 70 (78.2)");
    act(() => sockets.last()?.serverEmit("risk_rejection", { signal_id: 2, symbol: "AAPL", reason: "max position size reached" }));
    expect(screen.getAllByTestId("signal")[0]).toHaveTextContent("Risk: max position size reached");
    expect(screen.getAllByTestId("signal")[0]).toHaveTextContent("rejected");
  });

  it("filters by symbol on the server and ignores live signals that do not match", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/signals", ({ url }) => ({
      body: { items: url.searchParams.get("symbol") === "SIMB" ? [aSignal({ id: 5, symbol: "SIMB" })] : [signal], total: 1, limit: 50, offset: 0 },
    }));
    const { sockets } = renderApp(<SignalsPage />, { route: "/?symbol=simb" });
    await waitFor(() => expect(screen.getAllByTestId("signal")[0]).toHaveTextContent("SIMB"));
    act(() => sockets.last()?.serverEmit("signal", aSignal({ id: 6, symbol: "SIMA" })));
    expect(screen.getAllByTestId("signal")).toHaveLength(1);
  });

  it("adds live signals to the first page only; an older page stays as the API sent it", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/signals", ({ url }) => ({
      body: { items: [aSignal({ id: 40 - Number(url.searchParams.get("offset")) })], total: 60, limit: 50, offset: Number(url.searchParams.get("offset")) },
    }));
    const { sockets } = renderApp(<SignalsPage />, { route: "/?offset=50" });
    expect(await screen.findByTestId("pager-range")).toHaveTextContent("51–51 of 60");
    act(() => sockets.last()?.serverEmit("signal", aSignal({ id: 99 })));
    expect(screen.getAllByTestId("signal")).toHaveLength(1);
    await userEvent.click(screen.getByRole("button", { name: "Newer" }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(/^\/$/));
    await screen.findByText("1–1 of 60");
    act(() => sockets.last()?.serverEmit("signal", aSignal({ id: 99 })));
    expect(screen.getAllByTestId("signal")).toHaveLength(2);
    expect(screen.getByTestId("pager-range")).toHaveTextContent("1–2 of 61");
  });
});
