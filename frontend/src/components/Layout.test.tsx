import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { DataSource } from "../api/types";
import { loadSession } from "../auth/session";
import { anAccount } from "../test/fixtures";
import { installFakeApi } from "../test/fakeApi";
import { renderApp } from "../test/render";
import { Layout } from "./Layout";

function backend(source: DataSource = "simulated") {
  const fake = installFakeApi();
  fake.on("GET /api/account", {
    body: anAccount({ market_open: false, data_source: source }),
  });
  return fake;
}

describe("Layout", () => {
  it("shows the data source unmistakably and the market state", async () => {
    backend("alpaca_live");
    renderApp(<Layout />);
    expect(await screen.findByTestId("data-source")).toHaveTextContent("Alpaca LIVE");
    expect(screen.getByTestId("market-state")).toHaveTextContent("Market closed");
  });

  it("connects with the login token and shows when the live link drops and returns", async () => {
    backend();
    const { sockets } = renderApp(<Layout />);
    await screen.findByTestId("data-source");
    const socket = sockets.last();
    expect(socket?.token).toBe("test-token");
    act(() => socket?.serverConnect());
    expect(screen.getByTestId("live-status")).toHaveTextContent("Live");
    act(() => {
      socket?.serverDrop();
      socket?.io.fire("reconnect_attempt", 3);
    });
    expect(screen.getByTestId("live-status")).toHaveTextContent("Live link down · retry 3");
    act(() => socket?.serverConnect());
    expect(screen.getByTestId("live-status")).toHaveTextContent(/^Live$/);
  });

  it("logs out: forgets the token and closes the socket", async () => {
    backend();
    const { sockets } = renderApp(<Layout />);
    await screen.findByTestId("data-source");
    await userEvent.click(screen.getByRole("button", { name: "Log out" }));
    expect(loadSession()).toBeNull();
    expect(sockets.last()?.disconnects).toBe(1);
  });
});
