/** Routes: /login is public, everything else sits in the signed-in shell; pages load on demand. */
import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router-dom";
import { RequireAuth } from "./auth/RequireAuth";
import { Loading } from "./components/Loading";

const LoginPage = lazy(() => import("./pages/LoginPage"));
const Shell = lazy(() => import("./Shell"));
const OverviewPage = lazy(() => import("./pages/OverviewPage"));
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
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
