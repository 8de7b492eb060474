/** A list's page and filters live in the URL, so back/forward, a reload and a shared link keep them. */
import { useSearchParams } from "react-router-dom";

/** Every paged route of the API refuses a larger page or offset than these. */
export const MAX_LIMIT = 500;
const MAX_OFFSET = 1_000_000;

export interface UrlFilters<F extends string> {
  /** The filters named by the page, as written in the URL ("" when absent). */
  filters: Record<F, string>;
  /** Sets one filter in place (typing makes no history entries) and returns to the first page. */
  setFilter: (key: F, value: string) => void;
}

export interface Paging<F extends string> extends UrlFilters<F> {
  offset: number;
  limit: number;
  /** Moves to another page as a new history entry, so Back returns to this one. */
  goTo: (offset: number) => void;
  /** The rows of this page out of a list the API sends whole. */
  slice: <T>(rows: T[]) => T[];
}

/** A whole number from the URL, at least `min` and at most `max`; anything else falls back. */
function count(text: string | null, fallback: number, min: number, max: number): number {
  const value = text === null || text.trim() === "" ? NaN : Number(text);
  return Number.isInteger(value) && value >= min ? Math.min(value, max) : fallback;
}

/** A page's filters in the URL, for lists with or without pages. */
export function useUrlFilters<F extends string>(names: readonly F[]): UrlFilters<F> {
  const [params, setParams] = useSearchParams();
  const filters = Object.fromEntries(names.map((key) => [key, params.get(key) ?? ""])) as Record<F, string>;
  function setFilter(key: F, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete("offset");
    setParams(next, { replace: true });
  }
  return { filters, setFilter };
}

/** A list's offset and page size in the URL (`offset`, `limit`), with its filters. */
export function usePaging<F extends string = never>({ pageSize, filters = [] }: { pageSize: number; filters?: readonly F[] }): Paging<F> {
  const [params, setParams] = useSearchParams();
  const { filters: values, setFilter } = useUrlFilters(filters);
  const offset = count(params.get("offset"), 0, 0, MAX_OFFSET);
  const limit = count(params.get("limit"), pageSize, 1, MAX_LIMIT);

  function goTo(target: number) {
    const next = new URLSearchParams(params);
    if (target > 0) next.set("offset", String(target));
    else next.delete("offset");
    setParams(next);
  }

  return { offset, limit, filters: values, setFilter, goTo, slice: (rows) => rows.slice(offset, offset + limit) };
}
