"""Load during a redeploy: requests through nginx and a live Socket.IO client, until STOP exists.

Two threads ask /api/health and the authenticated /api/orders in a loop, each on a new connection
(as many independent clients would); a Socket.IO client that reconnects by itself notes each gap.
At the end one JSON line: requests, failures (first ones), disconnects, longest gap in seconds.
"""

import json
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import socketio

base, token, stop_file = sys.argv[1], sys.argv[2], Path(sys.argv[3])
counts = {"requests": 0, "failed": 0}
failures: list[str] = []
lock = threading.Lock()


def hammer(path: str, headers: dict[str, str]) -> None:
    while not stop_file.exists():
        request = urllib.request.Request(base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                ok, detail = response.status == 200, str(response.status)
        except (urllib.error.URLError, OSError) as error:
            ok, detail = False, repr(error)
        with lock:
            counts["requests"] += 1
            if not ok:
                counts["failed"] += 1
                failures.append(f"{time.strftime('%H:%M:%S')} {path}: {detail}"[:200])
        time.sleep(0.02)


gaps: list[float] = []
down_since: list[float] = []
client = socketio.Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2)


@client.event
def disconnect(*_: object) -> None:
    down_since.append(time.monotonic())


@client.event
def connect() -> None:
    if down_since:
        gaps.append(time.monotonic() - down_since.pop())


client.connect(base, socketio_path="/ws/socket.io", transports=["websocket"], auth={"token": token}, wait_timeout=10)
threads = [
    threading.Thread(target=hammer, args=("/api/health", {})),
    threading.Thread(target=hammer, args=("/api/orders?limit=1", {"Authorization": f"Bearer {token}"})),
]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
still_down = [time.monotonic() - since for since in down_since]
client.disconnect()
print(
    json.dumps(
        {
            **counts,
            "failures": failures[:10],
            "disconnects": len(gaps) + len(still_down),
            "longest_gap_s": round(max(gaps + still_down, default=0.0), 2),
            "connected_at_end": not still_down,
        }
    )
)
