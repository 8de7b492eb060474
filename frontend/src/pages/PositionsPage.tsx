/** Open positions, live, each closable after a confirmation. */
import { useState } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { Position } from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ErrorMessage } from "../components/ErrorMessage";
import { LiveMoneyWarning } from "../components/LiveMoneyWarning";
import { Loading } from "../components/Loading";
import { fmtMoney, fmtPct, fmtQty, fmtSignedMoney, trend } from "../format";
import { unrealized, usePositions } from "../hooks/usePositions";
import { asApiError } from "../hooks/useResource";

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

  const list = positions.data;
  const total = (list ?? []).reduce((sum, p) => sum + unrealized(p), 0);
  return (
    <div className="page">
      <h1>Positions</h1>
      <ErrorMessage error={positions.error} onRetry={positions.reload} />
      {!list && positions.loading && <Loading />}
      {list && (
        <section className="card">
          <div className="table-wrap">
            <table aria-label="Open positions">
              <thead>
                <tr>
                  <th>Symbol</th>
                  <th className="num">Qty</th>
                  <th className="num">Avg entry</th>
                  <th className="num">Price</th>
                  <th className="num">Market value</th>
                  <th className="num">Unrealized P&L</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((p) => {
                  const pl = unrealized(p);
                  const cost = Math.abs(p.avg_entry_price * p.qty);
                  return (
                    <tr key={p.symbol} data-testid={`position-${p.symbol}`}>
                      <td>
                        <strong>{p.symbol}</strong> {p.qty < 0 && <span className="pill side-sell">short</span>}
                      </td>
                      <td className="num">{fmtQty(p.qty)}</td>
                      <td className="num">{fmtMoney(p.avg_entry_price)}</td>
                      <td className="num">{fmtMoney(p.market_price)}</td>
                      <td className="num">{fmtMoney(p.market_value ?? p.qty * p.market_price)}</td>
                      <td className={`num ${trend(pl)}`}>
                        {fmtSignedMoney(pl)} <span className="hint">{cost ? fmtPct(pl / cost) : ""}</span>
                      </td>
                      <td className="num">
                        <button type="button" className="btn small" onClick={() => askClose(p)}>
                          Close
                        </button>
                        {closeError?.symbol === p.symbol && <ErrorMessage error={closeError.error} />}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
              {list.length > 0 && (
                <tfoot>
                  <tr>
                    <td colSpan={5}>Total unrealized</td>
                    <td className={`num ${trend(total)}`}>{fmtSignedMoney(total)}</td>
                    <td />
                  </tr>
                </tfoot>
              )}
            </table>
          </div>
          {list.length === 0 && <p className="empty">No open positions.</p>}
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
