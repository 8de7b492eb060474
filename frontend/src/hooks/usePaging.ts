/** A list's page and filters live in the URL, so back/forward, a reload and a shared link keep them. */
import { useSearchParams } from "react-router-dom";

/** Every paged route of the API refuses a page larger than this. */
export const MAX_LIMIT = 500;

export interface Paging<F extends string> {
  offset: number;
  limit: number;
  /** The filters named by the page, as written in the URL ("" when absent). */
  filters: Record<F, string>;
  /** Sets one filter in place (typing makes no history entries) and returns to the first page. */
  setFilter: (key: F, value: string) => void;
  /** Moves to another page as a new history entry, so Back returns to this one. */
  goTo: (offset: number) => void;
  /** The rows of this page out of a list the API sends whole. */
  slice: <T>(rows: T[]) => T[];
}

/** A whole number from the URL, at most `max`; anything else falls back. */
function count(text: string | null, fallback: number, min: number, max: number): number {
  const value = text === null || text.trim() === "" ? NaN : Number(text);
  return Number.isInteger(value) && value >= min ? Math.min(value, max) : fallback;
}

export function usePaging<F extends string = never>({ pageSize, filters = [] }: { pageSize: number; filters?: readonly F[] }): Paging<F> {
  const [params, setParams] = useSearchParams();
  const offset = count(params.get("offset"), 0, 0, 1_000_000);
  const limit = count(params.get("limit"), pageSize, 1, MAX_LIMIT);
  const values = Object.fromEntries(filters.map((key) => [key, params.get(key) ?? ""])) as Record<F, string>;

  function setFilter(key: F, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete("offset");
    setParams(next, { replace: true });
  }

  function goTo(target: number) {
    const next = new URLSearchParams(params);
    if (target > 0) next.set("offset", String(target));
    else next.delete("offset");
    setParams(next);
  }

  return { offset, limit, filters: values, setFilter, goTo, slice: (rows) => rows.slice(offset, offset + limit) };
}
