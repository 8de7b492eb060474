/** Number and time formatting shared by every view. */

const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 2 });
const signedMoney = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  maximumFractionDigits: 2,
  signDisplay: "exceptZero",
});
const pct = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 2, signDisplay: "exceptZero" });
const qtyFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 6 });

export const fmtMoney = (value: number | null | undefined) => (value == null ? "—" : money.format(value));
export const fmtSignedMoney = (value: number | null | undefined) => (value == null ? "—" : signedMoney.format(value));
export const fmtPct = (value: number | null | undefined) => (value == null || !Number.isFinite(value) ? "—" : pct.format(value));
export const fmtQty = (value: number | null | undefined) => (value == null ? "—" : qtyFmt.format(value));

export function fmtTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString("en-US", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

export function fmtDate(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleDateString("en-US", { month: "short", day: "numeric", year: "numeric" });
}

/** CSS class for a signed amount: up, down or flat. */
export function trend(value: number | null | undefined): string {
  if (value == null || value === 0) return "flat";
  return value > 0 ? "up" : "down";
}
