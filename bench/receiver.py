"""A fast local webhook receiver that records when each POST arrived.

``python -m bench.receiver PORT``. Any ``POST /hook/<n>`` is answered 200 at once
and recorded (receipt time, path, headers, body). Since the last ``POST /_reset``:
``GET /_count`` says how many arrived, ``GET /_receipts`` lists them with the event
id and timestamp read from each body, and ``GET /_requests`` returns them whole
(path, headers, body), for replaying the very same POSTs.
"""

from __future__ import annotations

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"

_lock = threading.Lock()
_receipts: list[tuple[float, str, list[tuple[str, str]], bytes]] = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per response and no Nagle delay, so a keep-alive client never waits 40 ms.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        received = time.time()
        if self.path == "/_reset":
            with _lock:
                _receipts.clear()
        else:
            with _lock:
                _receipts.append((received, self.path, self.headers.items(), body))
        self.wfile.write(OK)

    def do_GET(self) -> None:
        with _lock:
            receipts = list(_receipts)
        if self.path == "/_count":
            body = b"%d" % len(receipts)
        elif self.path == "/_receipts":
            body = orjson.dumps([_describe(r) for r in receipts])
        elif self.path == "/_requests":
            body = orjson.dumps([{"path": p, "headers": dict(h), "body": b.decode()} for _, p, h, b in receipts])
        else:
            body = b"ok"
        self.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        )

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def _describe(receipt: tuple[float, str, list[tuple[str, str]], bytes]) -> dict[str, object]:
    received, path, headers, body = receipt
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    return {
        "received": received,
        "path": path,
        "webhookId": dict((k.lower(), v) for k, v in headers).get("webhook-id", ""),
        "eventId": payload.get("id"),
        "timestamp": payload.get("timestamp"),
    }


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main() -> None:
    port = int(sys.argv[1])
    server = Server(("127.0.0.1", port), Handler)
    print(f"receiver on 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
