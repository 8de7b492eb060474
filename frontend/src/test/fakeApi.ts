/**
 * A stand-in for the backend in component tests: routes "METHOD /path" to canned replies. Every
 * request is first checked against the backend's OpenAPI document; one the API would refuse gets
 * the API's 422 and fails the test (see setup.ts).
 */
import { vi } from "vitest";
import { violations } from "./contract";

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
  /**
   * Declares that the test sends "METHOD /path" a request the API's schema refuses, answered
   * with `reply` (the API's own 422); the test fails if the request turns out to conform.
   */
  refuses: (route: string, reply: Reply) => void;
  /** Requests that do not conform to the API's schema, with what is wrong. */
  violations: string[];
}

let active: FakeApi | null = null;

/** What the current test sent that the real API would refuse (read after each test). */
export function takeViolations(): string[] {
  const found = active?.violations ?? [];
  for (const route of refusals.keys()) found.push(`${route}: expected a request the API refuses, none was sent`);
  refusals.clear();
  active = null;
  return found;
}

const refusals = new Map<string, Reply>();

export function installFakeApi(): FakeApi {
  const routes = new Map<string, Handler>();
  const calls: FakeApi["calls"] = [];
  const refused: string[] = [];
  let offline = false;
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), "http://localhost");
    const method = (init.method ?? "GET").toUpperCase();
    const body = typeof init.body === "string" ? JSON.parse(init.body) : init.body;
    calls.push({ method, path: url.pathname, body, headers: (init.headers ?? {}) as Record<string, string> });
    if (offline) throw new TypeError("Failed to fetch");
    const problems = violations(method, url, body);
    const route = `${method} ${url.pathname}`;
    const expected = refusals.get(route);
    if (problems.length && expected) {
      refusals.delete(route);
      return new Response(JSON.stringify(expected.body ?? null), { status: expected.status ?? 422 });
    }
    if (problems.length) {
      refused.push(...problems);
      return new Response(JSON.stringify({ error: { code: "validation_error", message: problems.join("; ") } }), { status: 422 });
    }
    const handler = routes.get(route);
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
  active = {
    on: (route, handler) => routes.set(route, typeof handler === "function" ? handler : () => handler),
    calls,
    failNetwork: (value) => {
      offline = value;
    },
    refuses: (route, reply) => refusals.set(route, reply),
    violations: refused,
  };
  return active;
}

export function apiError(status: number, code: string, message: string, details?: unknown): Reply {
  return { status, body: { error: { code, message, details } } };
}
