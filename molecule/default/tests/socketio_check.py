"""Connects a real Socket.IO client with the WebSocket transport only; exit 0 when connected."""

import sys

import socketio

url, token = sys.argv[1], sys.argv[2]
client = socketio.Client(reconnection=False)
try:
    client.connect(
        url,
        socketio_path="/ws/socket.io",
        transports=["websocket"],
        auth={"token": token},
        wait_timeout=10,
    )
except socketio.exceptions.ConnectionError as error:
    print(f"refused: {error}")
    sys.exit(1)
print(f"connected transport={client.transport()} sid={client.sid}")
client.disconnect()
