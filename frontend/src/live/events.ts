/** Names and payloads of the server's Socket.IO events. */
import type { Account, EngineState, EquityPoint, Order, Position, SignalRow } from "../api/types";

export interface LiveEvents {
  order: Order;
  fill: { order_id: number | string; symbol: string; side: string; qty: number; price: number; filled_at?: string };
  signal: SignalRow;
  position: Position;
  equity: EquityPoint;
  account: Account;
  engine: EngineState;
  risk_rejection: { signal_id?: number; symbol: string; side?: string; reason: string; time?: string };
}

export type LiveEventName = keyof LiveEvents;

export const LIVE_EVENTS: LiveEventName[] = [
  "order",
  "fill",
  "signal",
  "position",
  "equity",
  "account",
  "engine",
  "risk_rejection",
];

export type LinkStatus = "connecting" | "connected" | "down";

type Listener = (name: LiveEventName, payload: unknown) => void;

/** A tiny fan-out so many views can listen to one socket. */
export class LiveBus {
  private listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(name: LiveEventName, payload: unknown): void {
    for (const listener of this.listeners) listener(name, payload);
  }
}
