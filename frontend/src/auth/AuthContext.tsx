/** Who is signed in: holds the token, logs in and out, and ends the session on 401 or expiry. */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { setToken, setUnauthorizedHandler } from "../api/client";
import { api } from "../api/endpoints";
import { loadSession, saveSession, sessionFromToken, type Session } from "./session";

export type LogoutReason = "user" | "expired";

interface AuthValue {
  session: Session | null;
  /** Why the last session ended, shown on the login page. */
  endedBecause: LogoutReason | null;
  login: (username: string, password: string, otp?: string) => Promise<void>;
  logout: (reason?: LogoutReason) => void;
}

const AuthContext = createContext<AuthValue | null>(null);

function initialSession(): Session | null {
  const session = loadSession();
  setToken(session?.token ?? null);
  return session;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(initialSession);
  const [endedBecause, setEndedBecause] = useState<LogoutReason | null>(null);

  const logout = useCallback((reason: LogoutReason = "user") => {
    setToken(null);
    saveSession(null);
    setSession(null);
    setEndedBecause(reason);
  }, []);

  const login = useCallback(async (username: string, password: string, otp?: string) => {
    const next = sessionFromToken(await api.login(username, password, otp));
    setToken(next.token);
    saveSession(next);
    setEndedBecause(null);
    setSession(next);
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => logout("expired"));
    return () => setUnauthorizedHandler(null);
  }, [logout]);

  useEffect(() => {
    if (!session) return;
    const timer = window.setTimeout(() => logout("expired"), Math.max(0, session.expiresAt - Date.now()));
    return () => window.clearTimeout(timer);
  }, [session, logout]);

  const value = useMemo(() => ({ session, endedBecause, login, logout }), [session, endedBecause, login, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth must be used inside <AuthProvider>");
  return value;
}
