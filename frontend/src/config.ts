/** Endpoints baked in at build time (VITE_API_URL, VITE_WS_URL), with the nginx defaults. */

function trimSlash(value: string): string {
  return value.endsWith("/") ? value.slice(0, -1) : value;
}

export const API_URL = trimSlash(import.meta.env.VITE_API_URL || "/api");

const WS_URL = trimSlash(import.meta.env.VITE_WS_URL || "/ws");

/** Socket.IO needs an origin (undefined = this page's) and an engine path: "/ws" -> "/ws/socket.io". */
export function socketTarget(wsUrl: string = WS_URL): { origin: string | undefined; path: string } {
  if (/^(https?|wss?):\/\//.test(wsUrl)) {
    const url = new URL(wsUrl);
    const origin = `${url.protocol.replace(/^ws/, "http")}//${url.host}`;
    return { origin, path: `${trimSlash(url.pathname)}/socket.io` };
  }
  return { origin: undefined, path: `${trimSlash(wsUrl)}/socket.io` };
}
