/** Orders with live status, filters, paging, cancel, and the manual order ticket. */
import { useState } from "react";
import { useSearchParams } from "react-router-dom";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { Order, Page } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { OrderForm } from "../components/OrderForm";
import { fmtMoney, fmtQty, fmtTime } from "../format";
import { asApiError, useResource } from "../hooks/useResource";
import { useLiveEvent, useLiveReload } from "../live/LiveContext";

const PAGE_SIZE = 50;
const GROUPS = ["open", "closed"];

/** The backend classifies: the dashboard keeps no copy of the order states. */
export const isOpen = (order: Order) => order.is_open;

/** Applies a live order update to the page on screen; unknown orders wait for the next reload. */
export function mergeOrder(page: Page<Order>, next: Order): { page: Page<Order>; known: boolean } {
  const index = page.items.findIndex((o) => String(o.id) === String(next.id));
  if (index < 0) return { page, known: false };
  const items = [...page.items];
  items[index] = { ...items[index], ...next };
  return { page: { ...page, items }, known: true };
}

export default function OrdersPage() {
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const symbol = params.get("symbol") ?? "";
  const offset = Number(params.get("offset") ?? 0) || 0;
  const orders = useResource(() => api.orders({ status, symbol: symbol.toUpperCase(), limit: PAGE_SIZE, offset }), [status, symbol, offset]);
  const statuses = useResource(() => api.orderStatuses(), []);
  const [flash, setFlash] = useState<string | null>(null);
  const [cancelError, setCancelError] = useState<{ id: string; error: ApiError } | null>(null);
  const [canceling, setCanceling] = useState<string | null>(null);

  useLiveEvent("order", (next) => {
    const current = orders.data;
    if (!current) return;
    const { page, known } = mergeOrder(current, next);
    if (known) {
      orders.setData(page);
      setFlash(String(next.id));
    } else if (offset === 0) {
      orders.reload();
    }
  });
  useLiveReload([], orders.reload);

  function setFilter(key: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete("offset");
    setParams(next, { replace: true });
  }

  function goTo(newOffset: number) {
    const next = new URLSearchParams(params);
    if (newOffset > 0) next.set("offset", String(newOffset));
    else next.delete("offset");
    setParams(next);
  }

  async function cancel(order: Order) {
    const id = String(order.id);
    setCanceling(id);
    setCancelError(null);
    try {
      await api.cancelOrder(order.id);
      orders.reload();
    } catch (err) {
      setCancelError({ id, error: asApiError(err) });
    } finally {
      setCanceling(null);
    }
  }

  const page = orders.data;
  return (
    <div className="page">
      <h1>Orders</h1>
      <OrderForm onPlaced={() => orders.reload()} />
      <section className="card" aria-labelledby="orders-title">
        <h2 id="orders-title">Order history</h2>
        <div className="filters" role="search">
          <div>
            <label htmlFor="filter-status">Status</label>
            <select id="filter-status" value={status} onChange={(e) => setFilter("status", e.target.value)}>
              <option value="">All</option>
              {[...GROUPS, ...(statuses.data ?? []).map((s) => s.status)].map((s) => (
                <option key={s} value={s}>
                  {s.replace("_", " ")}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="filter-symbol">Symbol</label>
            <input id="filter-symbol" value={symbol} placeholder="any" onChange={(e) => setFilter("symbol", e.target.value)} />
          </div>
        </div>
        <ErrorMessage error={orders.error} onRetry={orders.reload} />
        {!page && orders.loading && <Loading />}
        {page && (
          <>
            <div className="table-wrap">
              <table aria-label="Orders">
                <thead>
                  <tr>
                    <th>Submitted</th>
                    <th>Symbol</th>
                    <th>Side</th>
                    <th>Type</th>
                    <th className="num">Qty</th>
                    <th className="num">Filled</th>
                    <th className="num">Price</th>
                    <th>Status</th>
                    <th>Source</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((o) => (
                    <tr
                      key={o.id}
                      className={flash === String(o.id) ? "flash" : undefined}
                      onAnimationEnd={() => setFlash(null)}
                      data-testid={`order-${o.id}`}
                    >
                      <td>{fmtTime(o.submitted_at ?? o.updated_at)}</td>
                      <td>
                        <strong>{o.symbol}</strong>
                      </td>
                      <td>
                        <span className={`pill side-${o.side}`}>{o.side}</span>
                      </td>
                      <td>{o.type.replace("_", " ")}</td>
                      <td className="num">{fmtQty(o.qty)}</td>
                      <td className="num">{fmtQty(o.filled_qty)}</td>
                      <td className="num">
                        {o.filled_avg_price != null
                          ? fmtMoney(o.filled_avg_price)
                          : o.limit_price != null
                            ? `lmt ${fmtMoney(o.limit_price)}`
                            : o.stop_price != null
                              ? `stp ${fmtMoney(o.stop_price)}`
                              : "mkt"}
                      </td>
                      <td>
                        <span className={`pill status-${o.status}`} data-testid="order-status" title={o.reject_reason ?? undefined}>
                          {o.status.replace("_", " ")}
                        </span>
                        {o.reject_reason && <div className="hint down">{o.reject_reason}</div>}
                      </td>
                      <td className="muted">{o.source ?? ""}</td>
                      <td className="num">
                        {isOpen(o) && (
                          <button
                            type="button"
                            className="btn small"
                            disabled={canceling === String(o.id)}
                            onClick={() => cancel(o)}
                            aria-label={`Cancel order ${o.id} (${o.side} ${o.qty} ${o.symbol})`}
                          >
                            Cancel
                          </button>
                        )}
                        {cancelError?.id === String(o.id) && <ErrorMessage error={cancelError.error} />}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {page.items.length === 0 && <p className="empty">No orders match these filters.</p>}
            <div className="pager">
              <span className="muted">
                {page.total === 0 ? "0" : `${offset + 1}–${offset + page.items.length}`} of {page.total}
              </span>
              <button type="button" className="btn small" disabled={offset === 0} onClick={() => goTo(Math.max(0, offset - PAGE_SIZE))}>
                Newer
              </button>
              <button type="button" className="btn small" disabled={offset + PAGE_SIZE >= page.total} onClick={() => goTo(offset + PAGE_SIZE)}>
                Older
              </button>
            </div>
          </>
        )}
      </section>
    </div>
  );
}
