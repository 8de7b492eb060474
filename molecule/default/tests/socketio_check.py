"""Connects a real Socket.IO client with the WebSocket transport only; exit 0 when connected.

Usage: socketio_check.py URL TOKEN [CA_FILE]; CA_FILE is the only trust anchor for an https URL.
"""

import sys

import requests
import socketio

url, token = sys.argv[1], sys.argv[2]
session = requests.Session()
if len(sys.argv) > 3:
    session.verify = sys.argv[3]
client = socketio.Client(reconnection=False, http_session=session)
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
