/** The login session kept in localStorage, so a reload keeps the user signed in until expiry. */
import type { Token } from "../api/types";

const KEY = "tradingbot.session";

export interface Session {
  token: string;
  expiresAt: number; // epoch ms
}

export function loadSession(now: number = Date.now()): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.token !== "string" || typeof parsed.expiresAt !== "number") return null;
    return parsed.expiresAt > now ? { token: parsed.token, expiresAt: parsed.expiresAt } : null;
  } catch {
    return null;
  }
}

export function sessionFromToken(token: Token): Session {
  const expiresAt = Date.parse(token.expires_at);
  return { token: token.access_token, expiresAt: Number.isNaN(expiresAt) ? Date.now() + 3600_000 : expiresAt };
}

export function saveSession(session: Session | null): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
}

/** Where to go after login: only same-site paths, never back to /login itself. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/login")) return "/";
  return next;
}
