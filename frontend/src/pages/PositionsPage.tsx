/** Open positions, live, each closable after a confirmation. */
import { useState } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { Position } from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorMessage } from "../components/ErrorMessage";
import { LiveMoneyWarning } from "../components/LiveMoneyWarning";
import { Loading } from "../components/Loading";
import { fmtMoney, fmtPct, fmtQty, fmtSignedMoney, trend } from "../format";
import { unrealized, usePositions } from "../hooks/usePositions";
import { asApiError } from "../hooks/useResource";

/** Unrealised P&L with its share of what the position cost. */
function PnlCell({ p }: { p: Position }) {
  const cost = Math.abs(p.avg_entry_price * p.qty);
  return (
    <>
      {fmtSignedMoney(unrealized(p))} <span className="hint">{cost ? fmtPct(unrealized(p) / cost) : ""}</span>
    </>
  );
}

const COLUMNS: Column<Position>[] = [
  {
    key: "symbol",
    header: "Symbol",
    cell: (p) => (
      <>
        <strong>{p.symbol}</strong> {p.qty < 0 && <span className="pill side-sell">short</span>}
      </>
    ),
  },
  { key: "qty", header: "Qty", align: "num", cell: (p) => fmtQty(p.qty) },
  { key: "entry", header: "Avg entry", align: "num", cell: (p) => fmtMoney(p.avg_entry_price) },
  { key: "price", header: "Price", align: "num", cell: (p) => fmtMoney(p.market_price) },
  { key: "value", header: "Market value", align: "num", cell: (p) => fmtMoney(p.market_value ?? p.qty * p.market_price) },
  { key: "pnl", header: "Unrealized P&L", align: "num", className: (p) => trend(unrealized(p)), cell: (p) => <PnlCell p={p} /> },
];

export default function PositionsPage() {
  const positions = usePositions();
  const [closing, setClosing] = useState<Position | null>(null);
  const [closeQty, setCloseQty] = useState("");
  const [busy, setBusy] = useState(false);
  const [closeError, setCloseError] = useState<{ symbol: string; error: ApiError } | null>(null);

  function askClose(position: Position) {
    setCloseQty(String(Math.abs(position.qty)));
    setClosing(position);
  }

  async function close(position: Position) {
    const qty = Number(closeQty);
    setBusy(true);
    setCloseError(null);
    try {
      await api.closePosition(position.symbol, qty > 0 && qty < Math.abs(position.qty) ? qty : undefined);
      setClosing(null);
      positions.reload();
    } catch (err) {
      setClosing(null);
      setCloseError({ symbol: position.symbol, error: asApiError(err) });
    } finally {
      setBusy(false);
    }
  }

  const actions: Column<Position> = {
    key: "actions",
    header: "",
    align: "num",
    cell: (p) => (
      <>
        <button type="button" className="btn small" onClick={() => askClose(p)}>
          Close
        </button>
        {closeError?.symbol === p.symbol && <ErrorMessage error={closeError.error} />}
      </>
    ),
  };

  const list = positions.data;
  const total = (list ?? []).reduce((sum, p) => sum + unrealized(p), 0);
  return (
    <div className="page">
      <h1>Positions</h1>
      <ErrorMessage error={positions.error} onRetry={positions.reload} />
      {!list && positions.loading && <Loading />}
      {list && (
        <section className="card">
          <DataTable
            label="Open positions"
            columns={[...COLUMNS, actions]}
            rows={list}
            rowKey={(p) => p.symbol}
            rowProps={(p) => ({ "data-testid": `position-${p.symbol}` })}
            empty="No open positions."
            footer={
              <tr>
                <td colSpan={5}>Total unrealized</td>
                <td className={`num ${trend(total)}`}>{fmtSignedMoney(total)}</td>
                <td />
              </tr>
            }
          />
        </section>
      )}
      {closing && (
        <ConfirmDialog
          title={`Close ${closing.symbol}?`}
          confirmLabel="Close position"
          danger
          busy={busy}
          onCancel={() => setClosing(null)}
          ready={Number(closeQty) > 0 && Number(closeQty) <= Math.abs(closing.qty)}
          onConfirm={() => close(closing)}
        >
          <LiveMoneyWarning />
          <p>
            Sends a market order to {closing.qty > 0 ? "sell" : "buy back"} {closeQty || "0"} of {fmtQty(Math.abs(closing.qty))}{" "}
            {closing.symbol}.
          </p>
          <label htmlFor="close-qty">Quantity to close</label>
          <input id="close-qty" inputMode="decimal" value={closeQty} onChange={(e) => setCloseQty(e.target.value)} />
        </ConfirmDialog>
      )}
    </div>
  );
}
