import { afterEach, describe, expect, it, vi } from "vitest";
import { apiError, installFakeApi } from "../test/fakeApi";
import { buildUrl, request, setToken, setUnauthorizedHandler } from "./client";
import { ApiError, fieldErrorsOf } from "./errors";

afterEach(() => {
  setToken(null);
  setUnauthorizedHandler(null);
});

describe("request", () => {
  it("sends JSON with the bearer token and returns the parsed body", async () => {
    const fake = installFakeApi();
    fake.on("POST /api/orders", ({ body }) => ({ status: 201, body: { id: "o1", echo: body } }));
    setToken("abc");
    const order = { symbol: "AAPL", side: "buy", qty: 2 };
    const result = await request<{ id: string; echo: unknown }>("/orders", { method: "POST", body: order });
    expect(result).toEqual({ id: "o1", echo: order });
    expect(fake.calls[0]?.headers.Authorization).toBe("Bearer abc");
    expect(fake.calls[0]?.headers["Content-Type"]).toBe("application/json");
  });

  it("turns the API's error shape into an ApiError with its message and code", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/risk", apiError(409, "engine_running", "Stop the engine first"));
    const error = await request("/risk").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe("Stop the engine first");
    expect((error as ApiError).code).toBe("engine_running");
    expect((error as ApiError).status).toBe(409);
  });

  it("reads Retry-After on 429", async () => {
    const fake = installFakeApi();
    fake.on("POST /api/auth/login", {
      status: 429,
      body: { error: { code: "too_many_attempts", message: "Too many failed logins" } },
      headers: { "Retry-After": "30" },
    });
    const body = { username: "admin", password: "wrong" };
    const error = (await request("/auth/login", { method: "POST", body }).catch((e: unknown) => e)) as ApiError;
    expect(error.retryAfter).toBe(30);
  });

  it("reports an unreachable server as a network error, not a crash", async () => {
    const fake = installFakeApi();
    fake.failNetwork(true);
    const error = (await request("/account").catch((e: unknown) => e)) as ApiError;
    expect(error.isNetwork).toBe(true);
    expect(error.message).toMatch(/cannot reach the server/i);
  });

  it("ends the session on 401 only when a token was sent", async () => {
    const fake = installFakeApi();
    fake.on("GET /api/account", apiError(401, "unauthorized", "Token expired"));
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    await request("/account").catch(() => undefined);
    expect(handler).not.toHaveBeenCalled();
    setToken("old");
    await request("/account").catch(() => undefined);
    expect(handler).toHaveBeenCalledOnce();
  });

  it("survives a non-JSON error body", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" })));
    const error = (await request("/health").catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(502);
    expect(error.message).toBe("502 Bad Gateway");
  });
});

describe("buildUrl", () => {
  it("drops empty query values", () => {
    expect(buildUrl("/orders", { status: "open", symbol: "", limit: 50, offset: undefined })).toBe(
      "/api/orders?status=open&limit=50",
    );
  });
});

describe("fieldErrorsOf", () => {
  it("reads a list naming each field", () => {
    expect(fieldErrorsOf([{ field: "qty", message: "must be > 0" }])).toEqual({ qty: "must be > 0" });
  });
  it("reads FastAPI-style loc paths", () => {
    expect(fieldErrorsOf([{ loc: ["body", "limit_price"], msg: "required for limit orders" }])).toEqual({
      limit_price: "required for limit orders",
    });
  });
  it("reads a nested {errors} object and a flat mapping", () => {
    expect(fieldErrorsOf({ errors: [{ field: "symbol", message: "unknown symbol" }] })).toEqual({ symbol: "unknown symbol" });
    expect(fieldErrorsOf({ max_position_pct: "must be at most 1" })).toEqual({ max_position_pct: "must be at most 1" });
  });
});
