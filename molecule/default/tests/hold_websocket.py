"""Holds one Socket.IO WebSocket open through nginx until the server side closes it.

Usage: hold_websocket.py URL TOKEN; prints "connected" once open, "closed" when it ends.
"""

import sys

import socketio

client = socketio.Client(reconnection=False)
client.connect(
    sys.argv[1], socketio_path="/ws/socket.io", transports=["websocket"], auth={"token": sys.argv[2]}, wait_timeout=10
)
print("connected", flush=True)
client.wait()
print("closed", flush=True)
