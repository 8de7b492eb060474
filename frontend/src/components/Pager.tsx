/** Where a page sits in its list, with buttons to the previous and next page. */
import type { Paging } from "../hooks/usePaging";

export interface PagerProps {
  paging: Pick<Paging<string>, "offset" | "limit" | "goTo">;
  /** Rows matching the filters, over all pages. */
  total: number;
  /** Rows on screen. */
  shown: number;
  /** Where the rows on screen start, as the API said: until the next page arrives it differs from the URL's. */
  shownOffset?: number;
  /** What the list is, for the buttons' accessible names. */
  label: string;
  /** Button texts; newest-first lists say "Newer" and "Older". */
  previous?: string;
  next?: string;
}

export function Pager({ paging: { offset, limit, goTo }, total, shown, shownOffset = offset, label, previous = "Previous", next = "Next" }: PagerProps) {
  return (
    <div className="pager" role="group" aria-label={`Pages of ${label}`}>
      <span className="muted" data-testid="pager-range">
        {shown === 0 ? "0" : `${shownOffset + 1}–${shownOffset + shown}`} of {total}
      </span>
      <button type="button" className="btn small" disabled={offset === 0} onClick={() => goTo(Math.max(0, offset - limit))}>
        {previous}
      </button>
      <button type="button" className="btn small" disabled={offset + limit >= total} onClick={() => goTo(offset + limit)}>
        {next}
      </button>
    </div>
  );
}
