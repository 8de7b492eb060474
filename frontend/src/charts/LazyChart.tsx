/** Keeps lightweight-charts out of the first download: the chart code arrives when a chart is shown. */
import { lazy, Suspense } from "react";
import type { TimeChartProps } from "./TimeChart";

const TimeChart = lazy(() => import("./TimeChart"));

export function LazyChart(props: TimeChartProps) {
  return (
    <Suspense fallback={<div className="chart placeholder" style={{ height: props.height ?? 260 }} aria-busy="true" />}>
      <TimeChart {...props} />
    </Suspense>
  );
}
