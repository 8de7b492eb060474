/** The first screen: money, today's and overall P&L, equity curve, engine controls. */
import { useMemo } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/endpoints";
import type { Account, EquityPoint, Position } from "../api/types";
import { equitySeries } from "../charts/series";
import { LazyChart } from "../charts/LazyChart";
import { DataTable, type Column } from "../components/DataTable";
import { EnginePanel } from "../components/EnginePanel";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { fmtDate, fmtMoney, fmtPct, fmtQty, fmtSignedMoney, trend } from "../format";
import { unrealized, usePositions } from "../hooks/usePositions";
import { useResource } from "../hooks/useResource";
import { useAccount } from "../live/AccountContext";
import { useLiveEvent, useLiveReload } from "../live/LiveContext";

export interface Pnl {
  today: number;
  todayPct: number;
  overall: number | null;
  overallPct: number | null;
  /** Time of the equity point "overall" is measured from. */
  since: string | null;
}

/** Today against the previous close; overall against the oldest equity point the API returned. */
export function pnl(account: Account, curve: EquityPoint[]): Pnl {
  const today = account.equity - account.last_equity;
  const first = curve.length ? [...curve].sort((a, b) => Date.parse(a.time) - Date.parse(b.time))[0] : undefined;
  const overall = first ? account.equity - first.equity : null;
  return {
    today,
    todayPct: account.last_equity ? today / account.last_equity : 0,
    overall,
    overallPct: first && first.equity ? (overall ?? 0) / first.equity : null,
    since: first?.time ?? null,
  };
}

function Stat({ label, value, sub, tone, testId }: { label: string; value: string; sub?: string; tone?: string; testId?: string }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className={`stat-value ${tone ?? ""}`} data-testid={testId}>
        {value}
      </div>
      {sub && <div className={`stat-sub ${tone ?? ""}`}>{sub}</div>}
    </div>
  );
}

const MAX_POINTS = 5000;

const SUMMARY_COLUMNS: Column<Position>[] = [
  { key: "symbol", header: "Symbol", cell: (p) => <strong>{p.symbol}</strong> },
  { key: "qty", header: "Qty", align: "num", cell: (p) => fmtQty(p.qty) },
  { key: "price", header: "Price", align: "num", cell: (p) => fmtMoney(p.market_price) },
  { key: "pnl", header: "P&L", align: "num", className: (p) => trend(unrealized(p)), cell: (p) => fmtSignedMoney(unrealized(p)) },
];

function OpenPositions() {
  const positions = usePositions();
  const list = positions.data;
  return (
    <section className="card" aria-labelledby="open-title">
      <h2 id="open-title">
        <Link to="/positions">Open positions</Link>
      </h2>
      <ErrorMessage error={positions.error} onRetry={positions.reload} />
      {list && (
        <DataTable label="Open positions summary" className="compact" columns={SUMMARY_COLUMNS} rows={list} rowKey={(p) => p.symbol} empty="Flat: no open positions." />
      )}
    </section>
  );
}

export default function OverviewPage() {
  const account = useAccount();
  const equity = useResource(() => api.equity());
  useLiveEvent("equity", (point) =>
    equity.setData((prev) => [...(prev ?? []), point].slice(-MAX_POINTS)),
  );
  useLiveReload([], equity.reload);

  const curve = equity.data;
  const line = useMemo(() => equitySeries(curve ?? []), [curve]);
  const a = account.data;
  const p = a ? pnl(a, curve ?? []) : null;

  return (
    <div className="page">
      <h1>Overview</h1>
      <ErrorMessage error={account.error} onRetry={account.reload} />
      {!a && account.loading && <Loading />}
      {a && p && (
        <section className="stats" aria-label="Account">
          <Stat label="Equity" value={fmtMoney(a.equity)} testId="equity" />
          <Stat label="P&L today" value={fmtSignedMoney(p.today)} sub={fmtPct(p.todayPct)} tone={trend(p.today)} testId="pnl-today" />
          <Stat
            label="P&L overall"
            value={fmtSignedMoney(p.overall)}
            sub={p.since ? `${fmtPct(p.overallPct)} since ${fmtDate(p.since)}` : undefined}
            tone={trend(p.overall)}
            testId="pnl-overall"
          />
          <Stat label="Cash" value={fmtMoney(a.cash)} />
          <Stat label="Buying power" value={fmtMoney(a.buying_power)} />
          <Stat label="Market" value={a.market_open ? "Open" : "Closed"} tone={a.market_open ? "up" : "flat"} />
        </section>
      )}
      <div className="grid-2">
        <section className="card wide" aria-labelledby="equity-title">
          <h2 id="equity-title">Equity curve</h2>
          <ErrorMessage error={equity.error} onRetry={equity.reload} />
          {curve && curve.length === 0 && <p className="muted">No equity recorded yet.</p>}
          {line.length > 0 && <LazyChart line={line} label="Equity over time" />}
        </section>
        <div>
          <EnginePanel />
          <OpenPositions />
        </div>
      </div>
    </div>
  );
}
