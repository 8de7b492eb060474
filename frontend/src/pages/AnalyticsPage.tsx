/** Realised P&L from the recorded fills (FIFO lots): totals, a breakdown, the curve, CSV exports; live vs backtest. */
import { useMemo, useState } from "react";
import { download } from "../api/client";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { ClosedTrade, PnlGroupBy, PnlReportOut, PnlStats } from "../api/types";
import { LazyChart } from "../charts/LazyChart";
import { equitySeries } from "../charts/series";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { ReplayPanel } from "../components/ReplayPanel";
import { fmtMoney, fmtSignedMoney, trend } from "../format";
import { useUrlFilters } from "../hooks/usePaging";
import { asApiError, useResource } from "../hooks/useResource";

const BY_SYMBOL: { value: PnlGroupBy; label: string } = { value: "symbol", label: "Symbol" };
const GROUPS: { value: PnlGroupBy; label: string }[] = [
  { value: "instance", label: "Strategy instance" },
  BY_SYMBOL,
  { value: "day", label: "Day" },
  { value: "week", label: "Week" },
  { value: "month", label: "Month" },
];
const EXPORTS = [
  { kind: "fills", label: "Fills" },
  { kind: "trades", label: "Closed trades" },
  { kind: "equity", label: "Equity" },
] as const;

/** A date input's day as the start of that UTC day; empty stays unset. */
export const dayStart = (day: string) => (day ? `${day}T00:00:00Z` : undefined);

/** Cumulative realised P&L after each trade, in exit order, for the chart. */
export function cumulative(trades: ClosedTrade[]): { time: string; equity: number }[] {
  let total = 0;
  return [...trades]
    .sort((a, b) => Date.parse(a.exit_time) - Date.parse(b.exit_time))
    .map((t) => ({ time: t.exit_time, equity: (total += t.pnl) }));
}

type PnlGroup = PnlReportOut["groups"][number];

const pct = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);
const money = (v: number | null) => (v === null ? "—" : fmtMoney(v));

function Totals({ stats }: { stats: PnlStats }) {
  const cells: [string, string, string?][] = [
    ["Realised P&L", fmtSignedMoney(stats.realized_pnl), trend(stats.realized_pnl)],
    ["Unrealised P&L", fmtSignedMoney(stats.unrealized_pnl), trend(stats.unrealized_pnl)],
    ["Trades", String(stats.trades)],
    ["Win rate", pct(stats.win_rate)],
    ["Profit factor", stats.profit_factor === null ? "—" : stats.profit_factor.toFixed(2)],
    ["Average win", money(stats.average_win)],
    ["Average loss", money(stats.average_loss)],
    ["Fees", fmtMoney(stats.fees)],
    ["Max drawdown", fmtMoney(stats.max_drawdown)],
  ];
  return (
    <section className="stats" aria-label="P&L totals" data-testid="pnl-totals">
      {cells.map(([label, value, tone]) => (
        <div className="stat" key={label}>
          <div className="stat-label">{label}</div>
          <div className={`stat-value small ${tone ?? ""}`}>{value}</div>
        </div>
      ))}
    </section>
  );
}

const breakdownColumns = (group: string): Column<PnlGroup>[] => [
  { key: "key", header: group, cell: (g) => g.key },
  { key: "trades", header: "Trades", align: "num", cell: (g) => g.stats.trades },
  { key: "win", header: "Win rate", align: "num", cell: (g) => pct(g.stats.win_rate) },
  { key: "pf", header: "Profit factor", align: "num", cell: (g) => (g.stats.profit_factor === null ? "—" : g.stats.profit_factor.toFixed(2)) },
  { key: "fees", header: "Fees", align: "num", cell: (g) => fmtMoney(g.stats.fees) },
  { key: "realised", header: "Realised", align: "num", className: (g) => trend(g.stats.realized_pnl), cell: (g) => fmtSignedMoney(g.stats.realized_pnl) },
  { key: "unrealised", header: "Unrealised", align: "num", className: (g) => trend(g.stats.unrealized_pnl), cell: (g) => fmtSignedMoney(g.stats.unrealized_pnl) },
  { key: "dd", header: "Max drawdown", align: "num", cell: (g) => fmtMoney(g.stats.max_drawdown) },
];

export default function AnalyticsPage() {
  const { filters, setFilter } = useUrlFilters(["group_by", "since", "until"]);
  const group = GROUPS.find((g) => g.value === filters.group_by) ?? BY_SYMBOL;
  const groupBy = group.value;
  const { since, until } = filters;
  const [exportError, setExportError] = useState<ApiError | null>(null);
  const period = { since: dayStart(since), until: dayStart(until) };
  const report = useResource(() => Promise.all([api.pnl({ group_by: groupBy, ...period }), api.closedTrades(period)]), [groupBy, since, until]);
  const [pnl, trades] = report.data ?? [];
  const instances = useResource(() => api.instances(), []);
  const curve = useMemo(() => equitySeries(cumulative(trades ?? [])), [trades]);

  async function exportCsv(kind: string) {
    setExportError(null);
    try {
      await download(`/exports/${kind}.csv`, `${kind}.csv`, period);
    } catch (err) {
      setExportError(asApiError(err));
    }
  }

  return (
    <div className="page">
      <h1>Analytics</h1>
      <div className="filters" role="search" aria-label="P&L filters">
        <div>
          <label htmlFor="pnl-group">Group by</label>
          <select id="pnl-group" value={groupBy} onChange={(e) => setFilter("group_by", e.target.value)}>
            {GROUPS.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="pnl-since">Closed from</label>
          <input id="pnl-since" type="date" value={since} onChange={(e) => setFilter("since", e.target.value)} />
        </div>
        <div>
          <label htmlFor="pnl-until">Closed before</label>
          <input id="pnl-until" type="date" value={until} onChange={(e) => setFilter("until", e.target.value)} />
        </div>
      </div>
      <ErrorMessage error={report.error} onRetry={report.reload} />
      {!report.data && report.loading && <Loading />}
      {pnl && trades && (
        <>
          <Totals stats={pnl.total} />
          <section className="card" aria-labelledby="pnl-curve">
            <h2 id="pnl-curve">Cumulative realised P&L</h2>
            {curve.length ? <LazyChart line={curve} label="Cumulative realised P&L" height={220} /> : <p className="muted">No closed trades yet.</p>}
          </section>
          <section className="card" aria-labelledby="pnl-groups">
            <h2 id="pnl-groups">By {group.label.toLowerCase()}</h2>
            <DataTable
              label="P&L breakdown"
              columns={breakdownColumns(group.label)}
              rows={pnl.groups}
              rowKey={(g) => g.key}
              rowProps={(g) => ({ "data-testid": `pnl-${g.key}` })}
              empty="No trades in this period."
            />
          </section>
        </>
      )}
      <section className="card" aria-labelledby="pnl-exports">
        <h2 id="pnl-exports">Export CSV</h2>
        <div className="form-actions">
          {EXPORTS.map(({ kind, label }) => (
            <button key={kind} type="button" className="btn" onClick={() => void exportCsv(kind)}>
              {label} CSV
            </button>
          ))}
        </div>
        <ErrorMessage error={exportError} />
      </section>
      <ReplayPanel instances={instances.data ?? []} />
    </div>
  );
}
