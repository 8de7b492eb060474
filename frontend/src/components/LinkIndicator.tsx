/** The live link's state, visible on every screen. */
import { useLive } from "../live/LiveContext";

export function LinkIndicator() {
  const { status, attempts } = useLive();
  const text =
    status === "connected" ? "Live" : status === "connecting" ? "Connecting…" : `Live link down${attempts ? ` · retry ${attempts}` : ""}`;
  return (
    <span className={`link link-${status}`} role="status" aria-live="polite" data-testid="live-status">
      <span className="dot" aria-hidden="true" />
      {text}
    </span>
  );
}
