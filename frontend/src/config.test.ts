import { describe, expect, it } from "vitest";
import { socketTarget } from "./config";

describe("socketTarget", () => {
  it("keeps a relative base on this page's origin with the engine path under it", () => {
    expect(socketTarget("/ws")).toEqual({ origin: undefined, path: "/ws/socket.io" });
    expect(socketTarget("/ws/")).toEqual({ origin: undefined, path: "/ws/socket.io" });
  });
  it("splits an absolute URL into origin and path, mapping ws to http", () => {
    expect(socketTarget("wss://bot.example.com/ws")).toEqual({ origin: "https://bot.example.com", path: "/ws/socket.io" });
    expect(socketTarget("http://127.0.0.1:8000/ws")).toEqual({ origin: "http://127.0.0.1:8000", path: "/ws/socket.io" });
  });
});
