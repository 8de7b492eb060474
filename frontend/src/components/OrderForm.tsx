/** The manual order ticket: fill in, review in a confirmation, send; API errors land on their fields. */
import { useState, type FormEvent } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { Order, OrderForm as OrderBody, OrderType, Side, TimeInForce } from "../api/types";
import { fmtMoney, fmtQty } from "../format";
import { asApiError } from "../hooks/useResource";
import { ConfirmDialog } from "./ConfirmDialog";
import { ErrorMessage } from "./ErrorMessage";
import { Field } from "./Field";
import { LiveMoneyWarning } from "./LiveMoneyWarning";

interface Draft {
  symbol: string;
  side: Side;
  qty: string;
  type: OrderType;
  limit_price: string;
  stop_price: string;
  time_in_force: TimeInForce;
}

const EMPTY: Draft = { symbol: "", side: "buy", qty: "", type: "market", limit_price: "", stop_price: "", time_in_force: "day" };

export const needsLimit = (type: OrderType) => type === "limit" || type === "stop_limit";
export const needsStop = (type: OrderType) => type === "stop" || type === "stop_limit";

function num(value: string): number | null {
  const trimmed = value.trim();
  return trimmed === "" ? null : Number(trimmed);
}

/** The request body for a draft: only the prices its type uses, a fresh id so a retry never doubles it. */
export function orderBody(draft: Draft, clientOrderId: string): OrderBody {
  return {
    client_order_id: clientOrderId,
    symbol: draft.symbol.trim().toUpperCase(),
    side: draft.side,
    qty: num(draft.qty) ?? 0,
    type: draft.type,
    time_in_force: draft.time_in_force,
    limit_price: needsLimit(draft.type) ? num(draft.limit_price) : null,
    stop_price: needsStop(draft.type) ? num(draft.stop_price) : null,
  };
}

/** Mistakes worth catching before the round trip; the API remains the judge of everything else. */
export function localErrors(draft: Draft): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!draft.symbol.trim()) errors.symbol = "Enter a symbol, e.g. AAPL";
  const qty = num(draft.qty);
  if (qty === null || !Number.isFinite(qty) || qty <= 0) errors.qty = "Quantity must be a number above 0";
  if (needsLimit(draft.type) && !(Number(num(draft.limit_price)) > 0)) errors.limit_price = "Limit orders need a limit price above 0";
  if (needsStop(draft.type) && !(Number(num(draft.stop_price)) > 0)) errors.stop_price = "Stop orders need a stop price above 0";
  return errors;
}

export function OrderForm({ onPlaced }: { onPlaced: (order: Order) => void }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [review, setReview] = useState<OrderBody | null>(null);
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [placed, setPlaced] = useState<Order | null>(null);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setPlaced(null);
    const errors = localErrors(draft);
    setFieldErrors(errors);
    if (Object.keys(errors).length === 0) setReview(orderBody(draft, crypto.randomUUID()));
  }

  async function send(body: OrderBody) {
    setBusy(true);
    try {
      const order = await api.placeOrder(body);
      setReview(null);
      setDraft((d) => ({ ...EMPTY, side: d.side, type: d.type }));
      setPlaced(order);
      onPlaced(order);
    } catch (err) {
      const apiError = asApiError(err);
      setReview(null);
      const fields = apiError.fieldErrors();
      setFieldErrors(fields);
      setError(Object.keys(fields).some((f) => f in EMPTY) ? null : apiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="ticket-title">
      <h2 id="ticket-title">Manual order</h2>
      <div className="form-grid">
        <Field id="order-symbol" label="Symbol" error={fieldErrors.symbol}>
          {(aria) => (
            <input {...aria} value={draft.symbol} onChange={(e) => set("symbol", e.target.value)} autoComplete="off" placeholder="AAPL" />
          )}
        </Field>
        <Field id="order-side" label="Side" error={fieldErrors.side}>
          {(aria) => (
            <select {...aria} value={draft.side} onChange={(e) => set("side", e.target.value as Side)}>
              <option value="buy">Buy</option>
              <option value="sell">Sell</option>
            </select>
          )}
        </Field>
        <Field id="order-qty" label="Quantity" error={fieldErrors.qty}>
          {(aria) => <input {...aria} inputMode="decimal" value={draft.qty} onChange={(e) => set("qty", e.target.value)} />}
        </Field>
        <Field id="order-type" label="Type" error={fieldErrors.type}>
          {(aria) => (
            <select {...aria} value={draft.type} onChange={(e) => set("type", e.target.value as OrderType)}>
              <option value="market">Market</option>
              <option value="limit">Limit</option>
              <option value="stop">Stop</option>
              <option value="stop_limit">Stop limit</option>
            </select>
          )}
        </Field>
        {needsLimit(draft.type) && (
          <Field id="order-limit" label="Limit price" error={fieldErrors.limit_price}>
            {(aria) => (
              <input {...aria} inputMode="decimal" value={draft.limit_price} onChange={(e) => set("limit_price", e.target.value)} />
            )}
          </Field>
        )}
        {needsStop(draft.type) && (
          <Field id="order-stop" label="Stop price" error={fieldErrors.stop_price}>
            {(aria) => (
              <input {...aria} inputMode="decimal" value={draft.stop_price} onChange={(e) => set("stop_price", e.target.value)} />
            )}
          </Field>
        )}
        <Field id="order-tif" label="Time in force" error={fieldErrors.time_in_force}>
          {(aria) => (
            <select {...aria} value={draft.time_in_force} onChange={(e) => set("time_in_force", e.target.value as TimeInForce)}>
              <option value="day">Day</option>
              <option value="gtc">Good till canceled</option>
            </select>
          )}
        </Field>
      </div>
      <ErrorMessage error={error} />
      {placed && (
        <p className="notice ok" role="status">
          Order {placed.id} sent: {placed.side} {fmtQty(placed.qty)} {placed.symbol} ({placed.status}).
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className={`btn ${draft.side}`}>
          Review {draft.side} order…
        </button>
      </div>
      {review && (
        <ConfirmDialog
          title="Send this order?"
          confirmLabel={`Send ${review.side} order`}
          busy={busy}
          onCancel={() => setReview(null)}
          onConfirm={() => send(review)}
        >
          <LiveMoneyWarning />
          <p data-testid="order-summary">
            <strong>{review.side.toUpperCase()}</strong> {fmtQty(review.qty)} {review.symbol} · {review.type.replace("_", " ")}
            {review.limit_price != null && ` · limit ${fmtMoney(review.limit_price)}`}
            {review.stop_price != null && ` · stop ${fmtMoney(review.stop_price)}`} · {review.time_in_force.toUpperCase()}
          </p>
        </ConfirmDialog>
      )}
    </form>
  );
}
