/** A stand-in for the backend in component tests: routes "METHOD /path" to canned replies. */
import { vi } from "vitest";

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Handler = (call: { url: URL; body: unknown; init: RequestInit }) => Reply | Promise<Reply>;

export interface FakeApi {
  on: (route: string, handler: Handler | Reply) => void;
  calls: { method: string; path: string; body: unknown; headers: Record<string, string> }[];
  failNetwork: (value: boolean) => void;
}

export function installFakeApi(): FakeApi {
  const routes = new Map<string, Handler>();
  const calls: FakeApi["calls"] = [];
  let offline = false;
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), "http://localhost");
    const method = (init.method ?? "GET").toUpperCase();
    const body = typeof init.body === "string" ? JSON.parse(init.body) : init.body;
    calls.push({ method, path: url.pathname, body, headers: (init.headers ?? {}) as Record<string, string> });
    if (offline) throw new TypeError("Failed to fetch");
    const handler = routes.get(`${method} ${url.pathname}`);
    if (!handler) {
      return new Response(JSON.stringify({ error: { code: "not_found", message: `no fake for ${method} ${url.pathname}` } }), {
        status: 404,
      });
    }
    const reply = await handler({ url, body, init });
    const status = reply.status ?? 200;
    return new Response(status === 204 ? null : JSON.stringify(reply.body ?? null), {
      status,
      headers: { "Content-Type": "application/json", ...reply.headers },
    });
  });
  vi.stubGlobal("fetch", fetchMock);
  return {
    on: (route, handler) => routes.set(route, typeof handler === "function" ? handler : () => handler),
    calls,
    failNetwork: (value) => {
      offline = value;
    },
  };
}

export function apiError(status: number, code: string, message: string, details?: unknown): Reply {
  return { status, body: { error: { code, message, details } } };
}
