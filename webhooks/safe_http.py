"""The one HTTP client for outgoing webhook calls.

Receivers are URLs typed by users, so every call is a potential SSRF: the host is
resolved here, every address it resolves to is judged, and the connection goes to the
exact address that was judged (so a DNS answer cannot change between check and
connect). requests-hardened supplies the session policy (no redirects, a default
timeout); its address filter is replaced because ours must also let private ranges
through in development while keeping link-local (cloud metadata) refused, and must
judge every resolved address rather than the first.
"""

import ipaddress
import os
import socket
import time
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests_hardened import Config, HTTPSession
from urllib3.util import Timeout
from urllib3.util.connection import allowed_gai_family

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


class _TargetRefused(requests.RequestException):
    # requests turns a ValueError raised while picking a connection into InvalidURL,
    # which would hide the reason; this carries it through unchanged.
    pass


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
    # urlsplit silently drops tabs and newlines that requests would keep: refuse rather
    # than validate a different URL from the one that gets called.
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


class PinnedAddressAdapter(HTTPAdapter):
    """Connects to the address that passed the check, while speaking to the original host.

    The connection pool is keyed by that address (plus the TLS hostname), so a kept-alive
    connection is only reused for a request whose own fresh resolution picked the same,
    checked address.
    """

    def build_connection_pool_key_attributes(
        self,
        request: requests.PreparedRequest,
        verify: bool | str,
        cert: str | tuple[str, str] | None = None,
    ) -> tuple[dict, dict]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        hostname, scheme = host_params["host"], host_params["scheme"]
        port = host_params["port"] or (443 if scheme == "https" else 80)
        try:
            address = resolve_checked(hostname, port)
        except UnsafeTargetError as exc:
            raise _TargetRefused(str(exc)) from exc
        if scheme == "https":
            # Without these urllib3 would send the IP as SNI and match the certificate against it.
            pool_kwargs["server_hostname"] = hostname
            pool_kwargs["assert_hostname"] = hostname
        host_params["host"] = f"[{address}]" if address.version == 6 else str(address)
        return host_params, pool_kwargs

    def add_headers(self, request: requests.PreparedRequest, **kwargs: object) -> None:
        # urllib3 would otherwise derive Host from the pinned IP.
        request.headers["Host"] = urlsplit(request.url).netloc.rpartition("@")[2]


_session: tuple[int, requests.Session] | None = None


def get_session() -> requests.Session:
    """The keep-alive session of this process (a fresh one after fork: sockets must not be shared)."""
    global _session
    if _session is None or _session[0] != os.getpid():
        config = Config(
            ip_filter_enable=False,  # replaced by PinnedAddressAdapter below
            ip_filter_allow_loopback_ips=False,
            never_redirect=True,
            default_timeout=(10, 10),
        )
        session = HTTPSession(config)
        # Environment proxies would re-resolve the host on their side, defeating the pin.
        session.trust_env = False
        # One session serves every workspace: a cookie set by one receiver must not ride along later.
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        session.mount("http://", PinnedAddressAdapter())
        session.mount("https://", PinnedAddressAdapter())
        _session = (os.getpid(), session)
    return _session[1]


def _read_bounded(response: requests.Response, deadline: float) -> bytes:
    """Up to MAX_BODY_BYTES of the body, stopping at the deadline.

    A fully read body leaves the connection reusable; anything cut short closes it,
    since unread bytes would corrupt the next exchange on that connection.
    """
    chunks: list[bytes] = []
    size = 0
    complete = False
    try:
        while size < MAX_BODY_BYTES:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            sock = getattr(response.raw.connection, "sock", None)
            if sock is not None:
                sock.settimeout(remaining)  # what is left of the overall deadline
            # read1: at most one socket read, so the timeout above really bounds it.
            chunk = response.raw.read1(min(16 * 1024, MAX_BODY_BYTES - size), decode_content=False)
            if not chunk:
                complete = True
                break
            chunks.append(chunk)
            size += len(chunk)
    except Exception:  # noqa: S110
        # The status line already decided the outcome; a broken body only shortens the excerpt.
        pass
    if complete:
        response.raw.release_conn()
    else:
        response.close()
    return b"".join(chunks)


def _describe(exc: requests.RequestException, timeout: float) -> str:
    if isinstance(exc, _TargetRefused):
        return str(exc)
    if isinstance(exc, requests.Timeout):
        return f"timeout after {timeout:g}s"
    if isinstance(exc, requests.exceptions.SSLError):
        reason = exc.args[0] if exc.args else exc
        reason = getattr(reason, "reason", reason)
        return f"TLS error: {reason}"
    if isinstance(exc, requests.ConnectionError):
        if _caused_by(exc, ConnectionRefusedError):
            return "connection refused"
        if _caused_by(exc, ConnectionResetError):
            return "connection reset by peer"
        return "connection error"
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema):
        return "invalid URL"
    return f"request failed: {exc.__class__.__name__}"


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return True
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return False


def post_json(url: str, body: bytes, headers: dict[str, str]) -> HttpOutcome:
    """POST body to url and describe what happened; never raises for network problems.

    WEBHOOK_TIMEOUT_SECONDS bounds the whole exchange (connect, waiting for the status,
    reading the body), not each socket read, so a trickling receiver cannot hold a worker.
    """
    started = time.monotonic()
    timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)

    def outcome(**kwargs: object) -> HttpOutcome:
        return HttpOutcome(duration_ms=round((time.monotonic() - started) * 1000), **kwargs)

    try:
        _split_target(url)
    except UnsafeTargetError as exc:
        return outcome(status_code=None, error=str(exc))
    try:
        prepared = requests.Request(
            "POST",
            url,
            data=body,
            # identity keeps the byte cap honest: no decompression of a tiny gzip bomb.
            headers={"User-Agent": USER_AGENT, **headers, "Accept-Encoding": "identity"},
        ).prepare()
        # Sent as prepared, past the session's merging of its own settings (cookies, which
        # its policy refuses anyway, hooks, auth, environment): a webhook needs none of
        # them, and on a busy worker that merging costs about as much as building the request.
        response = get_session().send(prepared, timeout=Timeout(total=timeout), stream=True, allow_redirects=False)
    except requests.RequestException as exc:
        return outcome(status_code=None, error=_describe(exc, timeout))
    raw_body = _read_bounded(response, deadline=started + timeout)
    return outcome(
        status_code=response.status_code,
        headers=dict(response.headers),
        body_excerpt=raw_body.decode("utf-8", errors="replace")[:EXCERPT_CHARS],
    )
