"""A webhook receiver for the verify step: appends each POSTed JSON body as one line to FILE."""

import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

port, sink = int(sys.argv[1]), Path(sys.argv[2])


class Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with sink.open("ab") as lines:
            lines.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(204)
        self.end_headers()


HTTPServer(("0.0.0.0", port), Sink).serve_forever()
