/** Orders with live status, filters, paging, cancel, and the manual order ticket. */
import { useState } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { Order, Page } from "../api/types";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { OrderForm } from "../components/OrderForm";
import { Pager } from "../components/Pager";
import { fmtMoney, fmtQty, fmtTime } from "../format";
import { usePaging } from "../hooks/usePaging";
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

/** A filled order shows what it got, a resting one the price it waits for. */
function priceText(o: Order): string {
  if (o.filled_avg_price != null) return fmtMoney(o.filled_avg_price);
  if (o.limit_price != null) return `lmt ${fmtMoney(o.limit_price)}`;
  if (o.stop_price != null) return `stp ${fmtMoney(o.stop_price)}`;
  return "mkt";
}

const COLUMNS: Column<Order>[] = [
  { key: "submitted", header: "Submitted", cell: (o) => fmtTime(o.submitted_at ?? o.updated_at) },
  { key: "symbol", header: "Symbol", cell: (o) => <strong>{o.symbol}</strong> },
  { key: "side", header: "Side", cell: (o) => <span className={`pill side-${o.side}`}>{o.side}</span> },
  { key: "type", header: "Type", cell: (o) => o.type.replace("_", " ") },
  { key: "qty", header: "Qty", align: "num", cell: (o) => fmtQty(o.qty) },
  { key: "filled", header: "Filled", align: "num", cell: (o) => fmtQty(o.filled_qty) },
  { key: "price", header: "Price", align: "num", cell: priceText },
  {
    key: "status",
    header: "Status",
    cell: (o) => (
      <>
        <span className={`pill status-${o.status}`} data-testid="order-status" title={o.reject_reason ?? undefined}>
          {o.status.replace("_", " ")}
        </span>
        {o.reject_reason && <div className="hint down">{o.reject_reason}</div>}
      </>
    ),
  },
  { key: "source", header: "Source", className: "muted", cell: (o) => o.source ?? "" },
];

export default function OrdersPage() {
  const paging = usePaging({ pageSize: PAGE_SIZE, filters: ["status", "symbol"] });
  const { status, symbol } = paging.filters;
  const { offset, limit } = paging;
  const orders = useResource(() => api.orders({ status, symbol: symbol.toUpperCase(), limit, offset }), [status, symbol, limit, offset]);
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

  const actions: Column<Order> = {
    key: "actions",
    header: "",
    align: "num",
    cell: (o) => (
      <>
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
      </>
    ),
  };

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
            <select id="filter-status" value={status} onChange={(e) => paging.setFilter("status", e.target.value)}>
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
            <input id="filter-symbol" value={symbol} placeholder="any" onChange={(e) => paging.setFilter("symbol", e.target.value)} />
          </div>
        </div>
        <ErrorMessage error={orders.error} onRetry={orders.reload} />
        {!page && orders.loading && <Loading />}
        {page && (
          <>
            <DataTable
              label="Orders"
              columns={[...COLUMNS, actions]}
              rows={page.items}
              rowKey={(o) => o.id}
              rowProps={(o) => ({
                className: flash === String(o.id) ? "flash" : undefined,
                onAnimationEnd: () => setFlash(null),
                "data-testid": `order-${o.id}`,
              })}
              empty="No orders match these filters."
            />
            <Pager paging={paging} total={page.total} shown={page.items.length} shownOffset={page.offset} label="orders" previous="Newer" next="Older" />
          </>
        )}
      </section>
    </div>
  );
}
