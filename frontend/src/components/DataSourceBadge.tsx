/** Says unmistakably where orders go: the simulator, Alpaca paper, or real money. */
import type { DataSource } from "../api/types";

const LABELS: Record<DataSource, string> = {
  simulated: "SIMULATED",
  alpaca_paper: "Alpaca PAPER",
  alpaca_live: "Alpaca LIVE",
};

export function DataSourceBadge({ source }: { source: DataSource | undefined }) {
  if (!source) return null;
  return (
    <span className={`badge source-${source}`} title="Where market data and orders come from" data-testid="data-source">
      {LABELS[source] ?? source}
    </span>
  );
}
