/** A Socket.IO client double: tests play the server by emitting events into it. */
import type { Socket } from "socket.io-client";

type Fn = (...args: unknown[]) => void;

class Emitter {
  private handlers = new Map<string, Fn[]>();
  on(name: string, fn: Fn) {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), fn]);
    return this;
  }
  removeAllListeners() {
    this.handlers.clear();
    return this;
  }
  fire(name: string, ...args: unknown[]) {
    for (const fn of this.handlers.get(name) ?? []) fn(...args);
  }
}

export class FakeSocket extends Emitter {
  readonly io = new Emitter();
  connected = false;
  disconnects = 0;
  constructor(readonly token: string) {
    super();
  }
  connect() {
    return this;
  }
  disconnect() {
    this.disconnects += 1;
    return this;
  }
  /** Test side: the server accepted the connection. */
  serverConnect() {
    this.connected = true;
    this.fire("connect");
  }
  serverDrop(reason = "transport close") {
    this.connected = false;
    this.fire("disconnect", reason);
  }
  serverEmit(name: string, payload: unknown) {
    this.fire(name, payload);
  }
}

export function fakeSocketFactory() {
  const sockets: FakeSocket[] = [];
  const factory = (token: string) => {
    const socket = new FakeSocket(token);
    sockets.push(socket);
    return socket as unknown as Socket;
  };
  return { factory, sockets, last: () => sockets[sockets.length - 1] };
}
