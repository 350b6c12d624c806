"""The one HTTP client for outgoing webhook calls.

Receivers are URLs typed by users, so every call is a potential SSRF: the host is
resolved here, every address it resolves to is judged, and the connection goes to the
exact address that was judged (so a DNS answer cannot change between check and
connect). Our own filter, because it must also let private ranges through in development
while keeping link-local (cloud metadata) refused, and must judge every resolved address
rather than the first.

Posting is done by webhooks.http_connection over connections kept alive per process,
pooled by the address they were checked for. What a general HTTP library adds (sessions,
adapters, redirects, proxies, cookies) a webhook needs none of, and on a worker posting
batches it cost three times the CPU of the POST itself. What matters of it is done here:
no redirect is followed, no proxy from the environment is used, no cookie is kept,
certificates are checked against certifi's roots, and one deadline bounds the exchange.
"""

import base64
import functools
import http.client
import ipaddress
import os
import re
import socket
import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

import certifi
from django.conf import settings
from urllib3.util.connection import allowed_gai_family

from webhooks.http_connection import HttpConnection, InvalidResponseError

USER_AGENT = "CRM-Webhooks/1.0"
EXCERPT_CHARS = 1024
# Enough to see a receiver's error page, small enough that a hostile receiver
# cannot make a worker download a file.
MAX_BODY_BYTES = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Judged before the generic flags because Python counts CGNAT as neither private
# nor global, and we want one readable reason per range.
_PRIVATE_NETWORKS = {
    "private": [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")],
    "carrier-grade NAT": [ipaddress.ip_network("100.64.0.0/10")],
}
_ALLOWED_WITH_PRIVATE_NETWORKS = {"loopback", "private", "carrier-grade NAT"}
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class UnsafeTargetError(ValueError):
    """The URL may not be called: bad shape, unresolvable host or refused address."""


class MalformedTargetError(UnsafeTargetError):
    """Not a full http(s) URL at all, as opposed to a URL whose address is refused."""


@dataclass
class HttpOutcome:
    status_code: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body_excerpt: str = ""
    duration_ms: int = 0
    error: str | None = None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form reaches, so ::ffff:127.0.0.1 is judged as 127.0.0.1."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64_WELL_KNOWN or (ip in _IPV4_COMPATIBLE and int(ip) > 1):  # ::1 and :: are IPv6 proper
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal_reason(ip: IPAddress) -> str | None:
    """Why this address is not a public internet address, or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(ip)) is not None:
        return refusal_reason(embedded)
    if ip.is_link_local:
        return "link-local"
    if ip.is_loopback:
        return "loopback"
    for reason, networks in _PRIVATE_NETWORKS.items():
        if any(ip in network for network in networks):
            return reason
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_reserved or not ip.is_global or getattr(ip, "is_site_local", False):
        return "reserved"
    return None


def check_address(ip: IPAddress) -> None:
    reason = refusal_reason(ip)
    if reason is None:
        return
    if reason in _ALLOWED_WITH_PRIVATE_NETWORKS and settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        return
    shown = str(ip)
    if isinstance(ip, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(ip)) is not None:
        shown += f" = {embedded}"  # ::ffff:7f00:1 alone would hide that it is 127.0.0.1
    raise UnsafeTargetError(f"refused address {shown} ({reason})")


def resolve_checked(host: str, port: int) -> IPAddress:
    """Resolve host, refuse it if any of its addresses is refused, and return the one to connect to.

    Refusing on any bad address (not just the first) keeps the outcome independent of
    resolver ordering, which can differ between the check and a later retry.
    """
    try:
        infos = socket.getaddrinfo(host, port, family=allowed_gai_family(), type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeTargetError(f"could not resolve host {host}") from exc
    addresses = [ipaddress.ip_address(sockaddr[0]) for _family, _type, _proto, _name, sockaddr in infos]
    if not addresses:
        raise UnsafeTargetError(f"could not resolve host {host}")
    for address in addresses:
        check_address(address)
    return addresses[0]


def _split_target(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of a target URL, or UnsafeTargetError naming what is wrong."""
    # urlsplit silently drops tabs and newlines: refuse rather than validate a different
    # URL from the one that gets called.
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise MalformedTargetError("invalid URL: it contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise MalformedTargetError(f"invalid URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise MalformedTargetError("invalid URL: only http and https are allowed")
    if not parts.hostname:
        raise MalformedTargetError("invalid URL: the host is missing")
    if port == 0:
        raise MalformedTargetError("invalid URL: port 0")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def validate_target_url(url: str, *, resolve: bool = False) -> None:
    """Form/API validation of a target URL; raises UnsafeTargetError with a message for the user.

    An address written in the URL is always judged (no network needed); a hostname is
    resolved only when asked, because its DNS may legitimately not exist yet. Delivery
    checks again at send time regardless.
    """
    _scheme, host, port = _split_target(url)
    literal = address_literal(host)
    if literal is None:
        if resolve:
            resolve_checked(host, port)
        return
    check_address(literal)


def address_literal(host: str) -> IPAddress | None:
    """The address a host names by itself, in any spelling a resolver accepts, or None.

    Besides the dotted quad and IPv6, resolvers read the old inet_aton forms as IPv4:
    one number (``2852039166``), hexadecimal (``0xa9fea9fe``), octal parts
    (``0251.0376.0251.0376``) and short forms (``10.1`` is 10.0.0.1). Each is judged
    as the address it means, so no spelling gets past the check at configuration.
    """
    bare = host[:-1] if host.endswith(".") else host
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except (OSError, ValueError):
        return None


class Target:
    """A webhook URL, checked once: its shape, then every address its host resolves to.

    Every POST made through it goes to the address that was checked, whatever DNS says
    meanwhile, over a kept-alive connection to that very address when one is idle. A
    worker checks an endpoint's URL once per batch and posts the whole batch through it;
    a new batch resolves and checks again, so a receiver whose DNS now points elsewhere
    (or a setting that now refuses its address) is judged afresh before anything is sent.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.error: str | None = None
        try:
            scheme, host, port = _split_target(url)
            address = resolve_checked(host, port)
        except UnsafeTargetError as exc:
            self.error = str(exc)
            return
        parts = urlsplit(url)
        self._https = scheme == "https"
        # The connection goes to the checked address; the host name is only spoken (Host
        # header, and for TLS the server name the certificate must match).
        self._address = str(address)
        self._port = port
        self._hostname = host
        self._pool_key = (scheme, self._address, port, host if self._https else "")
        host_header = _idna(parts.netloc.rpartition("@")[2])
        head = f"POST {_request_target(parts.path, parts.query)} HTTP/1.1\r\nHost: {host_header}\r\n"
        if parts.username is not None:
            # As browsers and HTTP libraries do with credentials written in the URL.
            credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            head += f"Authorization: Basic {base64.b64encode(credentials).decode()}\r\n"
        self._head = head

    def post(self, body: bytes, headers: dict[str, str]) -> HttpOutcome:
        """POST body with these headers and describe what happened; never raises for
        network problems.

        WEBHOOK_TIMEOUT_SECONDS bounds the whole exchange (connect, sending, waiting for
        the status, reading the body), not each socket read, so a trickling receiver
        cannot hold a worker.
        """
        started = time.monotonic()
        if self.error is not None:
            return HttpOutcome(status_code=None, error=self.error)
        timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
        deadline = started + timeout
        pool = connection_pool()
        connection = pool.take(self._pool_key)
        try:
            request = self._request(body, headers)
            if connection is None:
                connection = HttpConnection(self._connect(timeout))
            response = connection.exchange(request, deadline, MAX_BODY_BYTES)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if connection is not None:
                connection.close()
            return HttpOutcome(status_code=None, error=_describe(exc, timeout), duration_ms=_ms_since(started))
        if response.reusable:
            pool.put_back(self._pool_key, connection)
        else:
            # Unread bytes would corrupt the next exchange on this connection.
            connection.close()
        return HttpOutcome(
            status_code=response.status,
            headers=response.headers,
            body_excerpt=response.body.decode("utf-8", errors="replace")[:EXCERPT_CHARS],
            duration_ms=_ms_since(started),
        )

    def _request(self, body: bytes, headers: dict[str, str]) -> bytes:
        lines = [self._head]
        for name, value in {"User-Agent": USER_AGENT, **headers}.items():
            if name not in _NAMES_SEEN:
                if not _HEADER_NAME.fullmatch(name):
                    raise ValueError(f"invalid header {name!r}")
                _NAMES_SEEN[name] = name.lower() not in _SET_BY_THE_CLIENT
            if not _NAMES_SEEN[name]:
                continue
            if "\r" in value or "\n" in value:
                raise ValueError(f"invalid header {name!r}")  # no header smuggled into the request
            lines.append(f"{name}: {value}\r\n")
        # identity keeps the byte cap honest: no decompression of a tiny gzip bomb.
        lines.append(f"Accept-Encoding: identity\r\nContent-Length: {len(body)}\r\n\r\n")
        return "".join(lines).encode("latin-1") + body

    def _connect(self, timeout: float) -> socket.socket:
        sock = socket.create_connection((self._address, self._port), timeout=timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._https:
                # The name, never the pinned address, is the server name (SNI) and what
                # the certificate must match.
                sock = tls_context().wrap_socket(sock, server_hostname=self._hostname)
        except BaseException:
            sock.close()
            raise
        return sock


# Headers the client writes itself, from the URL and the body.
_SET_BY_THE_CLIENT = frozenset({"host", "content-length", "accept-encoding", "transfer-encoding", "connection"})
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Valid header names already seen, and whether the client sends them as given (the same
# few names come with every delivery).
_NAMES_SEEN: dict[str, bool] = {}


def post_json(url: str, body: bytes, headers: dict[str, str]) -> HttpOutcome:
    """POST body to url, checked just before (see Target); never raises for network problems."""
    return Target(url).post(body, headers)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Certificates checked against Mozilla's roots (certifi), as browsers would check them."""
    return ssl.create_default_context(cafile=certifi.where())


PoolKey = tuple[str, str, int, str]


class ConnectionPool:
    """Idle kept-alive connections of one process, by the address they go to.

    Keyed by scheme, checked address, port and (for TLS) the host name the certificate
    was checked for, so a connection is only reused by a post whose own check picked
    that same address. Threads may share it (web servers send test events).
    """

    MAX_IDLE_PER_ADDRESS = 4
    MAX_ADDRESSES = 100

    def __init__(self) -> None:
        self._idle: OrderedDict[PoolKey, list[HttpConnection]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: PoolKey) -> HttpConnection | None:
        while True:
            with self._lock:
                idle = self._idle.get(key)
                if not idle:
                    return None
                connection = idle.pop()
            if not connection.dropped():
                return connection
            connection.close()

    def put_back(self, key: PoolKey, connection: HttpConnection) -> None:
        evicted: list[HttpConnection] = []
        with self._lock:
            idle = self._idle.setdefault(key, [])
            self._idle.move_to_end(key)
            idle.append(connection)
            if len(idle) > self.MAX_IDLE_PER_ADDRESS:
                evicted.append(idle.pop(0))
            while len(self._idle) > self.MAX_ADDRESSES:
                evicted.extend(self._idle.popitem(last=False)[1])
        for old in evicted:
            old.close()


_pool: tuple[int, ConnectionPool] | None = None


def connection_pool() -> ConnectionPool:
    """The kept-alive connections of this process (a fresh pool after fork: sockets must not be shared)."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (os.getpid(), ConnectionPool())
    return _pool[1]


def _request_target(path: str, query: str) -> str:
    """The path and query to send: characters HTTP does not allow raw are percent-encoded
    (what is already encoded stays as it is)."""
    return quote(path or "/", safe=_URL_SAFE) + (f"?{quote(query, safe=_URL_SAFE)}" if query else "")


# Reserved and unreserved characters, and % itself: quote() leaves them as they are.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"


def _idna(netloc: str) -> str:
    """The Host header of a host name written in any script (ASCII as DNS knows it)."""
    if netloc.isascii():
        return netloc
    host, colon, port = netloc.rpartition(":")
    if not colon or not port.isdigit():
        host, colon, port = netloc, "", ""
    return host.encode("idna").decode("ascii") + colon + port


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"timeout after {timeout:g}s"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"TLS error: {exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "connection reset by peer"
    if isinstance(exc, InvalidResponseError):
        return f"invalid answer: {exc}"
    if isinstance(exc, http.client.HTTPException):
        return "connection error"
    if isinstance(exc, OSError):
        return "connection error"
    return f"request failed: {exc}"
