/** Routes: /login is public, everything else sits in the signed-in shell; pages load on demand. */
import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router-dom";
import { RequireAuth } from "./auth/RequireAuth";
import { Loading } from "./components/Loading";

const pages = {
  "/": () => import("./pages/OverviewPage"),
  "/positions": () => import("./pages/PositionsPage"),
  "/orders": () => import("./pages/OrdersPage"),
  "/signals": () => import("./pages/SignalsPage"),
  "/strategies": () => import("./pages/StrategiesPage"),
  "/risk": () => import("./pages/RiskPage"),
  "/backtests": () => import("./pages/BacktestsPage"),
  "/research": () => import("./pages/ResearchPage"),
  "/analytics": () => import("./pages/AnalyticsPage"),
  "/audit": () => import("./pages/AuditPage"),
  "/settings": () => import("./pages/SettingsPage"),
};
const loadShell = () => import("./Shell");

/** A signed-in reload fetches the shell and the page it shows together, not one after the other. */
export function preloadFor(path: string, signedIn: boolean): void {
  if (!signedIn) return;
  void loadShell();
  void pages[path as keyof typeof pages]?.();
}

const LoginPage = lazy(() => import("./pages/LoginPage"));
const Shell = lazy(loadShell);
const OverviewPage = lazy(pages["/"]);
const PositionsPage = lazy(pages["/positions"]);
const OrdersPage = lazy(pages["/orders"]);
const SignalsPage = lazy(pages["/signals"]);
const StrategiesPage = lazy(pages["/strategies"]);
const RiskPage = lazy(pages["/risk"]);
const BacktestsPage = lazy(pages["/backtests"]);
const ResearchPage = lazy(pages["/research"]);
const AnalyticsPage = lazy(pages["/analytics"]);
const AuditPage = lazy(pages["/audit"]);
const SettingsPage = lazy(pages["/settings"]);
const NotFoundPage = lazy(() => import("./pages/NotFoundPage"));

export function App() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route
          element={
            <RequireAuth>
              <Shell />
            </RequireAuth>
          }
        >
          <Route index element={<OverviewPage />} />
          <Route path="positions" element={<PositionsPage />} />
          <Route path="orders" element={<OrdersPage />} />
          <Route path="signals" element={<SignalsPage />} />
          <Route path="strategies" element={<StrategiesPage />} />
          <Route path="risk" element={<RiskPage />} />
          <Route path="backtests" element={<BacktestsPage />} />
          <Route path="research" element={<ResearchPage />} />
          <Route path="analytics" element={<AnalyticsPage />} />
          <Route path="audit" element={<AuditPage />} />
          <Route path="settings" element={<SettingsPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
