/** The one Socket.IO link of a signed-in session: status, reconnects and event fan-out. */
import { createContext, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { io, type Socket } from "socket.io-client";
import { api } from "../api/endpoints";
import { useAuth } from "../auth/AuthContext";
import { socketTarget } from "../config";
import { LIVE_EVENTS, LiveBus, type LinkStatus, type LiveEventName, type LiveEvents } from "./events";

interface LiveValue {
  status: LinkStatus;
  /** Bumped on every (re)connect so views refetch what they may have missed. */
  generation: number;
  attempts: number;
  bus: LiveBus;
}

const LiveContext = createContext<LiveValue | null>(null);

export type SocketFactory = (token: string) => Socket;

export function defaultSocketFactory(token: string): Socket {
  const { origin, path } = socketTarget();
  const options = {
    path,
    auth: { token },
    transports: ["websocket", "polling"],
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 15000,
    randomizationFactor: 0.5,
  };
  return origin ? io(origin, options) : io(options);
}

export function LiveProvider({ children, factory = defaultSocketFactory }: { children: ReactNode; factory?: SocketFactory }) {
  const { session } = useAuth();
  const token = session?.token ?? null;
  const [bus] = useState(() => new LiveBus());
  const [status, setStatus] = useState<LinkStatus>("connecting");
  const [generation, setGeneration] = useState(0);
  const [attempts, setAttempts] = useState(0);

  useEffect(() => {
    if (!token) return;
    const socket = factory(token);
    socket.on("connect", () => {
      setStatus("connected");
      setAttempts(0);
      setGeneration((g) => g + 1);
    });
    socket.on("disconnect", (reason) => {
      setStatus("down");
      // The server closed us on purpose: socket.io will not retry by itself.
      if (reason === "io server disconnect") window.setTimeout(() => socket.connect(), 2000);
    });
    socket.on("connect_error", (error: Error) => {
      setStatus("down");
      setAttempts((n) => n + 1);
      // A refused token: let a REST call confirm it, whose 401 ends the session properly.
      if (/auth|token|credential/i.test(error.message)) api.engine().catch(() => undefined);
    });
    socket.io.on("reconnect_attempt", (n) => setAttempts(n));
    for (const name of LIVE_EVENTS) socket.on(name, (payload: unknown) => bus.emit(name, payload));
    return () => {
      socket.removeAllListeners();
      socket.io.removeAllListeners();
      socket.disconnect();
    };
  }, [token, factory, bus]);

  const value = useMemo(() => ({ status, generation, attempts, bus }), [status, generation, attempts, bus]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveValue {
  const value = useContext(LiveContext);
  if (!value) throw new Error("useLive must be used inside <LiveProvider>");
  return value;
}

/** Runs the handler for each arriving event of the given name. */
export function useLiveEvent<K extends LiveEventName>(name: K, handler: (payload: LiveEvents[K]) => void): void {
  const { bus } = useLive();
  const ref = useRef(handler);
  // Layout effect: the newest handler is in place when the commit ends, so an event that arrives
  // right after a render (before passive effects run) never sees the previous render's state.
  useLayoutEffect(() => {
    ref.current = handler;
  });
  useEffect(
    () =>
      bus.subscribe((event, payload) => {
        if (event === name) ref.current(payload as LiveEvents[K]);
      }),
    [bus, name],
  );
}

/** Calls reload when any of the events arrive (debounced) and after each reconnect. */
export function useLiveReload(names: LiveEventName[], reload: () => void, delayMs = 250): void {
  const { bus, generation } = useLive();
  const ref = useRef(reload);
  useLayoutEffect(() => {
    ref.current = reload;
  });
  const key = names.join(",");
  useEffect(() => {
    const wanted = new Set(key.split(","));
    let timer: number | undefined;
    const unsubscribe = bus.subscribe((event) => {
      if (!wanted.has(event)) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => ref.current(), delayMs);
    });
    return () => {
      unsubscribe();
      window.clearTimeout(timer);
    };
  }, [bus, key, delayMs]);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (generation > 1) ref.current();
  }, [generation]);
}
