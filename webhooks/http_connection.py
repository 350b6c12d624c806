"""One kept-alive HTTP/1.1 connection: a request written in one send, the answer read
within a deadline, its body up to a cap.

A worker posting a batch spends most of its time per delivery here, so this reads the
answer straight from the socket into one buffer, where the standard library's client
builds a file object and an email parser for each response (twice the CPU for the
small answers receivers give). What it reads is only ever judged, never trusted: the
status and headers of a receiver's answer, and up to a cap of its body for the log.
Addresses are not its concern: webhooks.safe_http checks them and hands it a socket.
"""

from __future__ import annotations

import http.client
import re
import select
import socket
import time
from dataclasses import dataclass

# As the standard library's client: beyond these an answer is not one we read.
MAX_HEAD_BYTES = 64 * 1024
MAX_HEADERS = 100
MAX_CHUNK_LINE_BYTES = 1024
_READ_SIZE = 64 * 1024

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_LINE_END = re.compile(rb"\r?\n")
_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([1-9][0-9][0-9])(?: [^\r\n]*)?")
_HEX = re.compile(rb"[0-9A-Fa-f]+")


class InvalidResponseError(http.client.HTTPException):
    """The receiver answered something that is not HTTP/1.x."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # a header sent more than once has its values joined, as HTTP allows
    body: bytes  # up to the cap, or what arrived before the deadline
    reusable: bool  # the body was read to its end and the receiver keeps the connection open


class HttpConnection:
    """A socket to a receiver and what was read from it ahead of use."""

    __slots__ = ("_buffer", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = b""

    def close(self) -> None:
        self.sock.close()

    def dropped(self) -> bool:
        """Whether an idle connection was closed by the receiver, or sent something nobody
        asked for: either way it cannot carry another request."""
        if self._buffer or (hasattr(self.sock, "pending") and self.sock.pending()):
            return True
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        return bool(poller.poll(0))

    def exchange(self, request: bytes, deadline: float, max_body: int) -> Response:
        """Send the request and read the answer. Raises (OSError, HTTPException) when no
        answer came; a body cut short (the cap, the deadline, a broken connection) only
        makes the connection unusable for another request."""
        self._limit(deadline)
        self.sock.sendall(request)
        while True:
            version, status, headers = self._read_head(deadline)
            # Interim answers (100 Continue, 103 Early Hints) come before the real one.
            if not 100 <= status < 200 or status == 101:
                break
        fields = {name.lower(): value for name, value in headers.items()}
        keep_alive = version == 1 and "close" not in _tokens(fields.get("connection", ""))
        # The status already decided the outcome: from here on, a broken body (the cap, the
        # deadline, a lost connection) only shortens the excerpt and retires the connection.
        if status in (101, 204, 304):
            body, complete = b"", status != 101
        elif "transfer-encoding" in fields:
            # Anything but chunked as the last coding runs until the receiver closes.
            chunked = _tokens(fields["transfer-encoding"])[-1:] == ["chunked"]
            body, complete = self._read_chunked(deadline, max_body) if chunked else self._read_rest(deadline, max_body)
        elif "content-length" in fields:
            try:
                length = _content_length(fields["content-length"])
            except InvalidResponseError:
                body, complete = b"", False
            else:
                body, complete = self._read_length(length, deadline, max_body)
        else:
            body, complete = self._read_rest(deadline, max_body)
        return Response(status, headers, body, reusable=complete and keep_alive)

    def _limit(self, deadline: float) -> None:
        """What is left of the overall deadline, as the socket's timeout for its next step."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self.sock.settimeout(remaining)

    def _receive(self, deadline: float) -> bytes:
        self._limit(deadline)
        return self.sock.recv(_READ_SIZE)

    def _read_head(self, deadline: float) -> tuple[int, int, dict[str, str]]:
        """The status line and the headers: (minor version, status, headers)."""
        while (end := _head_end(self._buffer)) is None:
            if len(self._buffer) > MAX_HEAD_BYTES:
                raise InvalidResponseError("the answer's headers are too long")
            received = self._receive(deadline)
            if not received:
                if not self._buffer:
                    raise http.client.RemoteDisconnected("closed without an answer")
                raise InvalidResponseError("the answer ended within its headers")
            self._buffer += received
        head, self._buffer = self._buffer[: end[0]], self._buffer[end[1] :]
        status_line, *lines = head.split(b"\r\n")
        if b"\n" in status_line or any(b"\n" in line for line in lines):
            status_line, *lines = _LINE_END.split(head)  # some lines end in a bare line feed
        matched = _STATUS_LINE.fullmatch(status_line)
        if matched is None:
            raise InvalidResponseError("the answer's status line is not HTTP/1.x")
        if len(lines) > MAX_HEADERS:
            raise InvalidResponseError(f"the answer has more than {MAX_HEADERS} headers")
        headers: dict[str, str] = {}
        names: dict[str, str] = {}
        last = None
        for line in lines:
            text = line.decode("latin-1")
            if text[:1] in (" ", "\t") and last is not None:
                headers[last] += " " + text.strip()  # an old-style folded line continues the header before
                continue
            name, colon, value = text.partition(":")
            name = name.strip()
            if not colon or not name:
                continue  # not a header; read past it, as lenient clients do
            last = names.setdefault(name.lower(), name)
            value = value.strip()
            headers[last] = f"{headers[last]}, {value}" if last in headers else value
        return int(matched.group(1)), int(matched.group(2)), headers

    def _take(self, size: int) -> bytes:
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken

    def _read_length(self, length: int, deadline: float, max_body: int) -> tuple[bytes, bool]:
        """A body of ``length`` bytes (its first ``max_body``), and whether it was read whole."""
        wanted = min(length, max_body)
        try:
            while len(self._buffer) < wanted:
                received = self._receive(deadline)
                if not received:
                    break
                self._buffer += received
        except OSError:
            pass
        complete = len(self._buffer) >= length
        return self._take(wanted), complete

    def _read_rest(self, deadline: float, max_body: int) -> tuple[bytes, bool]:
        """A body that ends when the receiver closes: never followed by another answer."""
        try:
            while len(self._buffer) < max_body and (received := self._receive(deadline)):
                self._buffer += received
        except OSError:
            pass
        return self._take(max_body), False

    def _read_line(self, deadline: float) -> bytes:
        while (end := _LINE_END.search(self._buffer)) is None:
            if len(self._buffer) > MAX_CHUNK_LINE_BYTES:
                raise InvalidResponseError("a chunk's size line is too long")
            received = self._receive(deadline)
            if not received:
                raise InvalidResponseError("the answer ended within a chunk")
            self._buffer += received
        line, self._buffer = self._buffer[: end.start()], self._buffer[end.end() :]
        return line

    def _read_chunked(self, deadline: float, max_body: int) -> tuple[bytes, bool]:
        body = b""
        try:
            while True:
                size_text = self._read_line(deadline).split(b";", 1)[0].strip()
                if _HEX.fullmatch(size_text) is None:
                    raise InvalidResponseError("a chunk's size is not a number")
                size = int(size_text, 16)
                if size == 0:
                    while self._read_line(deadline):
                        pass  # trailer fields, up to the blank line that ends the answer
                    return body, True
                if len(body) + size > max_body:
                    return body + self._read_length(max_body - len(body), deadline, max_body)[0], False
                chunk, complete = self._read_length(size, deadline, max_body)
                body += chunk
                if not complete:
                    return body, False
                if self._read_line(deadline):
                    raise InvalidResponseError("a chunk is longer than its size")
        except (OSError, http.client.HTTPException):
            return body, False


def _head_end(buffer: bytes) -> tuple[int, int] | None:
    """Where the blank line after the headers starts and ends, if it has arrived."""
    end = buffer.find(b"\r\n\r\n")  # as nearly every server ends its lines: no regex needed
    if end >= 0 and b"\n\n" not in buffer[:end]:
        return end, end + 4
    matched = _HEAD_END.search(buffer)  # lines ended by a bare line feed, which HTTP tolerates
    return (matched.start(), matched.end()) if matched else None


def _tokens(value: str) -> list[str]:
    return [token.strip().lower() for token in value.split(",") if token.strip()]


def _content_length(value: str) -> int:
    # "5, 5" (a header repeated with one value) is allowed; differing values are not.
    if value.isdigit():
        return int(value)
    values = {part.strip() for part in value.split(",")}
    if len(values) != 1 or not (length := values.pop()).isdigit():
        raise InvalidResponseError("the answer's Content-Length is not one number")
    return int(length)
