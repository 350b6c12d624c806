"""A real HTTP receiver on 127.0.0.1 for webhook tests.

It records every request (and every TCP connection, so a test can tell "refused
before connecting" from "connected and got an error") and answers with whatever the
test's ``respond`` function returns.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    # Seconds to wait before answering (a hanging receiver uses a long one).
    delay: float = 0.0


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


Respond = Callable[[ReceivedRequest], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self) -> tuple[Any, Any]:
        request = super().get_request()
        with self.receiver.lock:
            self.receiver.connections += 1
        return request


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = ReceivedRequest(self.command, self.path, dict(self.headers.items()), body, time.monotonic())
        receiver = self.server.receiver
        with receiver.lock:
            receiver.requests.append(request)
            respond = receiver.respond
        reply = respond(request)
        if reply.delay and receiver.stopping.wait(reply.delay):
            return
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up (a timeout test)


class Receiver:
    def __init__(self, respond: Respond | None = None) -> None:
        self.lock = threading.Lock()
        self.requests: list[ReceivedRequest] = []
        self.connections = 0
        self.respond: Respond = respond or (lambda request: Reply())
        self.stopping = threading.Event()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def received(self) -> list[ReceivedRequest]:
        with self.lock:
            return list(self.requests)

    def wait_for(
        self, count: int, timeout: float = 20.0, where: Callable[[ReceivedRequest], bool] | None = None
    ) -> list[ReceivedRequest]:
        """Block until at least ``count`` (matching) requests arrived; fail the test after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            matching = [r for r in self.received() if where is None or where(r)]
            if len(matching) >= count:
                return matching
            if time.monotonic() > deadline:
                raise AssertionError(f"receiver got {len(matching)} of {count} expected requests in {timeout}s")
            time.sleep(0.05)
