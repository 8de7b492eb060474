/** Routes: /login is public, everything else sits in the signed-in shell; pages load on demand. */
import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router-dom";
import { RequireAuth } from "./auth/RequireAuth";
import { Loading } from "./components/Loading";

const LoginPage = lazy(() => import("./pages/LoginPage"));
const Shell = lazy(() => import("./Shell"));
const OverviewPage = lazy(() => import("./pages/OverviewPage"));
const PositionsPage = lazy(() => import("./pages/PositionsPage"));
const OrdersPage = lazy(() => import("./pages/OrdersPage"));
const SignalsPage = lazy(() => import("./pages/SignalsPage"));
const StrategiesPage = lazy(() => import("./pages/StrategiesPage"));
const RiskPage = lazy(() => import("./pages/RiskPage"));
const BacktestsPage = lazy(() => import("./pages/BacktestsPage"));
const AuditPage = lazy(() => import("./pages/AuditPage"));
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
          <Route path="audit" element={<AuditPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
