import { act, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadSession } from "../auth/session";
import { anOrder } from "../test/fixtures";
import { installFakeApi } from "../test/fakeApi";
import { renderApp, signIn } from "../test/render";
import OrdersPage from "../pages/OrdersPage";

afterEach(() => {
  vi.useRealTimers();
});

describe("live link", () => {
  it("refetches what a view may have missed after the link comes back", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/orders", { body: { items: [anOrder()], total: 1, limit: 50, offset: 0 } });
    const { sockets } = renderApp(<OrdersPage />);
    await screen.findByTestId("order-7");
    const socket = sockets.last();
    act(() => socket?.serverConnect());
    const before = fake.calls.filter((c) => c.path === "/api/orders").length;
    act(() => {
      socket?.serverDrop();
      socket?.serverConnect();
    });
    await waitFor(() => expect(fake.calls.filter((c) => c.path === "/api/orders").length).toBe(before + 1));
  });

  it("asks the server again after it closed the link on purpose", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    installFakeApi();
    const { sockets } = renderApp(<p>page</p>);
    const socket = sockets.last();
    const connect = vi.spyOn(socket as NonNullable<typeof socket>, "connect");
    act(() => socket?.serverDrop("io server disconnect"));
    expect(connect).not.toHaveBeenCalled();
    await act(() => vi.advanceTimersByTimeAsync(2000));
    expect(connect).toHaveBeenCalledOnce();
  });

  it("ends the session when the token expires, and the socket with it", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    installFakeApi();
    localStorage.clear();
    signIn("short-lived", 60_000);
    const { sockets } = renderApp(<p>page</p>, { signedIn: false });
    expect(sockets.last()?.token).toBe("short-lived");
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(loadSession()).toBeNull();
    expect(sockets.last()?.disconnects).toBe(1);
  });
});
