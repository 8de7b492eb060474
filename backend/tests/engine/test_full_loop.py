"""The whole loop offline: simulated bars, signals, risk, SimBroker fills, rows, live events."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx
import socketio

from app.core.events import EVENTS
from tests.conftest import login
from tests.support.polling import wait_for


async def test_fresh_install_trades_by_itself_and_streams_every_event(live_url: str) -> None:
    async with httpx.AsyncClient(base_url=live_url) as http:
        headers = await login(http)
        received: dict[str, list[Any]] = defaultdict(list)
        client = socketio.AsyncClient(reconnection=False)
        for name in EVENTS:
            client.on(name, lambda payload, name=name: received[name].append(payload))
        await client.connect(
            live_url,
            socketio_path="/ws/socket.io",
            transports=["websocket"],
            auth={"token": headers["Authorization"].removeprefix("Bearer ")},
        )
        try:
            risk = (await http.get("/api/risk", headers=headers)).json()
            one_position = {**risk, "max_open_positions": 1}  # so the second symbol is refused
            assert (await http.put("/api/risk", json=one_position, headers=headers)).is_success
            assert (await http.post("/api/engine/start", headers=headers)).is_success

            async def every_event_seen() -> bool:
                return all(received[name] for name in EVENTS) and any(
                    order["status"] == "filled" for order in received["order"]
                )

            await wait_for(every_event_seen, within=60, what=f"events, got {sorted(received)}")
        finally:
            await client.disconnect()

        # What the events announced is what the database holds.
        query = {"status": "filled"}
        filled = (await http.get("/api/orders", params=query, headers=headers)).json()
        assert filled["total"] >= 1
        order = filled["items"][-1]
        assert order["source"] == "strategy" and order["client_order_id"].startswith("tb-")
        fills = (await http.get(f"/api/orders/{order['id']}/fills", headers=headers)).json()
        assert sum(f["qty"] for f in fills) == order["filled_qty"]
        fill_ids = {f["execution_id"] for f in received["fill"]}
        assert {f["execution_id"] for f in fills} <= fill_ids

        signals = (await http.get("/api/signals", headers=headers)).json()["items"]
        assert {"ordered", "rejected"} <= {s["outcome"] for s in signals}
        rejection = received["risk_rejection"][0]
        refused = [s for s in signals if s["id"] == rejection["signal_id"]]
        assert refused and refused[0]["rejection_reason"] == rejection["reason"]
        assert (await http.get("/api/equity", headers=headers)).json()
        assert received["account"][-1]["data_source"] == "simulated"
        assert received["engine"][0]["desired"] == "running"
