/** Renders a piece of the app inside the real providers, signed in unless told otherwise. */
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { AuthProvider } from "../auth/AuthContext";
import { saveSession } from "../auth/session";
import { AccountProvider } from "../live/AccountContext";
import { LiveProvider } from "../live/LiveContext";
import { fakeSocketFactory } from "./fakeSocket";

export function signIn(token = "test-token", ttlMs = 3600_000) {
  saveSession({ token, expiresAt: Date.now() + ttlMs });
}

function Where() {
  const location = useLocation();
  return <output data-testid="location">{`${location.pathname}${location.search}`}</output>;
}

export function renderApp(ui: ReactNode, { route = "/", path = "*", signedIn = true } = {}) {
  if (signedIn) signIn();
  const sockets = fakeSocketFactory();
  const utils = render(
    <MemoryRouter initialEntries={[route]}>
      <AuthProvider>
        <LiveProvider factory={sockets.factory}>
          <AccountProvider>
            <Routes>
              <Route path={path} element={ui} />
              <Route path="/login" element={<p>login page</p>} />
            </Routes>
          </AccountProvider>
          <Where />
        </LiveProvider>
      </AuthProvider>
    </MemoryRouter>,
  );
  return { ...utils, sockets };
}
