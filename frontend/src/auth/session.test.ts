import { describe, expect, it } from "vitest";
import { loadSession, safeNext, saveSession, sessionFromToken } from "./session";

describe("session", () => {
  it("round-trips through localStorage and drops an expired one", () => {
    saveSession({ token: "t", expiresAt: 2_000 });
    expect(loadSession(1_000)).toEqual({ token: "t", expiresAt: 2_000 });
    expect(loadSession(2_000)).toBeNull();
  });
  it("ignores garbage in storage", () => {
    localStorage.setItem("tradingbot.session", "{not json");
    expect(loadSession()).toBeNull();
  });
  it("reads expires_at from the token response", () => {
    const session = sessionFromToken({ access_token: "x", token_type: "bearer", expires_at: "2030-01-01T00:00:00Z" });
    expect(session.expiresAt).toBe(Date.UTC(2030, 0, 1));
  });
});

describe("safeNext", () => {
  it("allows same-site paths only", () => {
    expect(safeNext("/orders?status=open")).toBe("/orders?status=open");
    expect(safeNext("//evil.example")).toBe("/");
    expect(safeNext("https://evil.example")).toBe("/");
    expect(safeNext("/login")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});
