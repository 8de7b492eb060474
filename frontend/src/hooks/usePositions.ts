/** Open positions kept current by live position events and refetched after fills. */
import { api } from "../api/endpoints";
import type { Position } from "../api/types";
import { useLiveEvent, useLiveReload } from "../live/LiveContext";
import { useResource, type Resource } from "./useResource";

export function unrealized(p: Position): number {
  return p.unrealized_pl ?? (p.market_price - p.avg_entry_price) * p.qty;
}

/** Applies one live position update: replace, add, or drop when flat. */
export function mergePosition(list: Position[], next: Position): Position[] {
  const rest = list.filter((p) => p.symbol !== next.symbol);
  return next.qty === 0 ? rest : [...rest, next].sort((a, b) => a.symbol.localeCompare(b.symbol));
}

export function usePositions(): Resource<Position[]> {
  const positions = useResource(() => api.positions());
  useLiveEvent("position", (next) => positions.setData((prev) => mergePosition(prev ?? [], next)));
  useLiveReload(["fill"], positions.reload);
  return positions;
}
