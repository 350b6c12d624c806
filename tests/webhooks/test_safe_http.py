"""The outgoing webhook client against a real receiver on 127.0.0.1.

Nothing here may reach any other address: an autouse guard intercepts every socket
connect that is not to 127.0.0.1, records it and refuses it, so tests can also prove
where a connection *would* have gone.
"""

import base64
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webhooks import safe_http
from webhooks.safe_http import (
    HttpOutcome,
    Target,
    UnsafeTargetError,
    connection_pool,
    post_json,
    validate_target_url,
)

# A public address, used only where DNS is faked; the connect guard stops any attempt.
PUBLIC_ADDRESS = "93.184.215.14"
real_getaddrinfo = socket.getaddrinfo


class ReceiverHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

    def log_message(self, format, *args):
        pass

    def setup(self):
        super().setup()
        self.server.connections.append(self.connection)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append(
            {"path": self.path, "headers": dict(self.headers), "body": body, "client": self.client_address}
        )
        getattr(self, "reply_" + self.path.strip("/").split("/")[0], self.reply_ok)()

    do_GET = do_POST

    def send_body(self, status, body, **headers):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def reply_ok(self):
        self.send_body(200, b"ok", X_Receiver="yes")

    def reply_cookie(self):
        self.send_body(200, b"ok", Set_Cookie="session=abc; Path=/")

    def reply_redirect(self):
        self.send_body(302, b"", Location="/landing")

    def reply_stall(self):
        self.server.release.wait(10)
        self.send_body(200, b"late")

    def reply_trickle(self):
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            for _ in range(100000):
                if self.server.release.is_set():
                    return
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.02)
        except OSError:
            pass

    def reply_chunked(self):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"5;note=x\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n")

    def reply_until_close(self):
        # No length: the body runs until the receiver hangs up.
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it")
        self.close_connection = True

    def reply_continue(self):
        self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 5\r\n\r\nlater")

    def reply_repeated(self):
        self.wfile.write(
            b"HTTP/1.1 200 OK\r\nX-Tag: a\r\nx-tag: b\r\nX-Folded: one\r\n two\r\nContent-Length: 0\r\n\r\n"
        )

    def reply_bye(self):
        self.send_body(200, b"bye", Connection="close")
        self.close_connection = True

    def reply_garbage(self):
        self.wfile.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        self.close_connection = True

    def reply_hang_up(self):
        self.close_connection = True

    def reply_huge(self):
        self.send_response(200)
        self.send_header("Content-Length", str(1024**3))
        self.end_headers()
        chunk = b"a" * 1024 + b"b" * (64 * 1024 - 1024)
        try:
            while self.server.bytes_sent < 1024**3 and not self.server.release.is_set():
                self.wfile.write(chunk)
                self.server.bytes_sent += len(chunk)
        except OSError:
            pass
        finally:
            self.server.huge_done.set()


class Receiver:
    def __init__(self, tls_context=None):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), ReceiverHandler)
        self.server.daemon_threads = True
        self.server.received = []
        self.server.connections = []
        self.server.release = threading.Event()
        self.server.huge_done = threading.Event()
        self.server.bytes_sent = 0
        if tls_context is not None:
            self.server.socket = tls_context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def received(self):
        return self.server.received

    @property
    def connections(self):
        return self.server.connections

    def url(self, path="/ok", host="127.0.0.1", scheme="http"):
        return f"{scheme}://{host}:{self.port}{path}"

    def stop(self):
        self.server.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def connect_attempts(monkeypatch):
    """Every connect to an address other than 127.0.0.1, stopped before it leaves the machine."""
    attempts = []
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        if sock.family == socket.AF_INET and address[0] == "127.0.0.1":
            return real_connect(sock, address)
        attempts.append(address[:2])
        raise ConnectionRefusedError(111, "blocked by the test guard")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    return attempts


@pytest.fixture
def fake_dns(monkeypatch):
    """Maps test hostnames to answers; each answer is a list of addresses, or a callable giving one."""
    answers = {}
    lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        answer = answers[host]() if callable(answers[host]) else answers[host]
        return [info for address in answer for info in real_getaddrinfo(address, port, *args, **kwargs)]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    answers["lookups"] = lookups
    return answers


@pytest.fixture
def private_allowed(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0


@pytest.fixture
def private_refused(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0


def post(url, body=b'{"hello": "world"}', **headers) -> HttpOutcome:
    return post_json(url, body, {"Content-Type": "application/json", **headers})


# Allowed deliveries


def test_loopback_receiver_gets_the_post_when_private_networks_are_allowed(receiver, private_allowed):
    outcome = post(receiver.url(), b'{"a": 1}', X_Custom="yes")

    assert outcome.error is None
    assert outcome.status_code == 200
    assert outcome.body_excerpt == "ok"
    assert outcome.headers["X-Receiver"] == "yes"
    assert outcome.duration_ms >= 0
    [request] = receiver.received
    assert request["body"] == b'{"a": 1}'
    assert request["headers"]["X_Custom"] == "yes"
    assert request["headers"]["Host"] == f"127.0.0.1:{receiver.port}"
    assert request["headers"]["User-Agent"] == "CRM-Webhooks/1.0"


def test_hostname_is_sent_as_host_header_while_connecting_to_its_checked_address(receiver, private_allowed, fake_dns):
    fake_dns["receiver.test"] = ["127.0.0.1"]

    outcome = post(receiver.url(host="receiver.test"))

    assert outcome.status_code == 200
    assert receiver.received[0]["headers"]["Host"] == f"receiver.test:{receiver.port}"


def test_connection_is_kept_alive_between_deliveries(receiver, private_allowed):
    first = post(receiver.url())
    second = post(receiver.url())

    assert (first.status_code, second.status_code) == (200, 200)
    assert receiver.received[0]["client"] == receiver.received[1]["client"]


def test_cookies_set_by_a_receiver_are_not_sent_back(receiver, private_allowed):
    post(receiver.url("/cookie"))
    post(receiver.url("/ok"))

    assert "Cookie" not in receiver.received[1]["headers"]


def test_each_process_gets_its_own_connections(monkeypatch):
    parent = connection_pool()
    assert connection_pool() is parent

    monkeypatch.setattr("os.getpid", lambda: -1)  # as after a fork: pooled sockets must not be shared
    assert connection_pool() is not parent


def test_a_chunked_answer_is_read_whole_and_its_connection_kept(receiver, private_allowed):
    outcome = post(receiver.url("/chunked"))
    post(receiver.url())

    assert outcome.status_code == 200 and outcome.body_excerpt == "hello, world"
    assert receiver.received[0]["client"] == receiver.received[1]["client"]


def test_an_answer_without_length_is_read_until_the_receiver_closes(receiver, private_allowed):
    outcome = post(receiver.url("/until_close"))
    second = post(receiver.url())

    assert (outcome.status_code, outcome.body_excerpt) == (200, "all of it")
    assert second.status_code == 200
    assert receiver.received[0]["client"] != receiver.received[1]["client"]


def test_an_interim_100_continue_is_skipped_for_the_real_answer(receiver, private_allowed):
    outcome = post(receiver.url("/continue"))

    assert (outcome.status_code, outcome.body_excerpt) == (202, "later")


def test_repeated_and_folded_headers_are_joined(receiver, private_allowed):
    outcome = post(receiver.url("/repeated"))

    assert outcome.headers["X-Tag"] == "a, b"
    assert outcome.headers["X-Folded"] == "one two"


def test_a_receiver_that_closes_after_answering_gets_a_new_connection_next_time(receiver, private_allowed):
    assert post(receiver.url("/bye")).body_excerpt == "bye"
    assert post(receiver.url()).status_code == 200
    assert receiver.received[0]["client"] != receiver.received[1]["client"]


def test_an_idle_connection_the_receiver_closed_is_not_reused(receiver, private_allowed):
    assert post(receiver.url()).status_code == 200
    # The receiver drops every kept-alive connection (as one restarting would).
    for connection in list(receiver.connections):
        connection.shutdown(socket.SHUT_RDWR)
    time.sleep(0.1)

    assert post(receiver.url()).status_code == 200
    assert len(receiver.received) == 2


def test_an_answer_that_is_not_http_is_reported(receiver, private_allowed):
    outcome = post(receiver.url("/garbage"))

    assert outcome.status_code is None
    assert outcome.error == "invalid answer: the answer's status line is not HTTP/1.x"


def test_a_receiver_hanging_up_without_answering_is_reported(receiver, private_allowed):
    outcome = post(receiver.url("/hang_up"))

    assert outcome.status_code is None
    assert outcome.error == "connection reset by peer"


def test_urls_with_credentials_and_unencoded_characters_are_sent_as_http_needs(receiver, private_allowed):
    url = f"http://user:p%40ss@127.0.0.1:{receiver.port}/hooks/ünïcode?q=a b".replace(" ", "%20")

    assert post(url).status_code == 200

    [request] = receiver.received
    assert request["path"] == "/hooks/%C3%BCn%C3%AFcode?q=a%20b"
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"user:p@ss").decode()
    assert request["headers"]["Host"] == f"127.0.0.1:{receiver.port}"


def test_a_target_checks_its_address_once_for_all_its_posts(receiver, private_allowed, fake_dns):
    fake_dns["receiver.test"] = ["127.0.0.1"]
    target = Target(receiver.url(host="receiver.test"))

    outcomes = [target.post(b"{}", {"Content-Type": "application/json"}) for _ in range(3)]

    assert [outcome.status_code for outcome in outcomes] == [200, 200, 200]
    assert fake_dns["lookups"] == ["receiver.test"]
    assert len({request["client"] for request in receiver.received}) == 1


def test_a_header_that_would_split_the_request_is_refused(receiver, private_allowed):
    outcome = post(receiver.url(), X_Injected="yes\r\nX-Evil: 1")

    assert outcome.status_code is None
    assert outcome.error == "request failed: invalid header 'X_Injected'"
    assert receiver.received == []


# Refused addresses


def test_loopback_is_refused_without_connecting_when_private_networks_are_off(receiver, private_refused):
    outcome = post(receiver.url())

    assert outcome.status_code is None
    assert outcome.error == "refused address 127.0.0.1 (loopback)"
    assert receiver.received == []


def test_localhost_is_refused_when_private_networks_are_off(receiver, private_refused):
    outcome = post(receiver.url(host="localhost"))

    assert outcome.error.startswith("refused address ")
    assert "(loopback)" in outcome.error
    assert receiver.received == []


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://[::ffff:169.254.169.254]/"],
)
def test_link_local_metadata_address_is_refused_even_when_private_networks_are_allowed(
    url, private_allowed, connect_attempts
):
    outcome = post(url)

    assert outcome.status_code is None
    assert outcome.error.endswith("(link-local)")
    assert connect_attempts == []


def test_ipv4_mapped_loopback_is_refused(receiver, private_refused, connect_attempts):
    outcome = post(receiver.url(host="[::ffff:127.0.0.1]"))

    assert outcome.error.startswith("refused address ::ffff:")
    assert outcome.error.endswith(" = 127.0.0.1 (loopback)")
    assert receiver.received == []
    assert connect_attempts == []


def test_unspecified_address_is_refused_even_when_private_networks_are_allowed(receiver, private_allowed):
    # On Linux a connect to 0.0.0.0 lands on the local machine.
    outcome = post(receiver.url(host="0.0.0.0"))

    assert outcome.error == "refused address 0.0.0.0 (unspecified)"
    assert receiver.received == []


def test_every_resolved_address_is_checked_not_only_the_first(private_refused, fake_dns, connect_attempts):
    fake_dns["mixed.test"] = [PUBLIC_ADDRESS, "10.0.0.5"]

    outcome = post("http://mixed.test/hook")

    assert outcome.error == "refused address 10.0.0.5 (private)"
    assert connect_attempts == []


def test_connection_goes_to_the_checked_address_even_if_dns_changes_its_answer(
    receiver, private_refused, fake_dns, connect_attempts
):
    answers = iter([[PUBLIC_ADDRESS], ["127.0.0.1"], ["127.0.0.1"]])
    fake_dns["rebind.test"] = lambda: next(answers)

    outcome = post(receiver.url(host="rebind.test"))

    assert fake_dns["lookups"] == ["rebind.test"]
    assert connect_attempts == [(PUBLIC_ADDRESS, receiver.port)]
    assert outcome.error == "connection refused"
    assert receiver.received == []


def test_a_kept_alive_connection_does_not_skip_the_check(receiver, settings, private_allowed, fake_dns):
    fake_dns["receiver.test"] = ["127.0.0.1"]
    assert post(receiver.url(host="receiver.test")).status_code == 200

    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    outcome = post(receiver.url(host="receiver.test"))

    assert outcome.error == "refused address 127.0.0.1 (loopback)"
    assert len(receiver.received) == 1


# Response handling


def test_redirect_is_returned_as_is_and_not_followed(receiver, private_allowed):
    outcome = post(receiver.url("/redirect"))

    assert outcome.status_code == 302
    assert outcome.headers["Location"] == "/landing"
    assert [request["path"] for request in receiver.received] == ["/redirect"]


def test_stalled_receiver_gives_a_timeout_error_quickly(receiver, settings, private_allowed):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    started = time.monotonic()

    outcome = post(receiver.url("/stall"))

    assert outcome.status_code is None
    assert outcome.error == "timeout after 0.3s"
    assert time.monotonic() - started < 5  # far below what a missing timeout would take


def test_trickling_body_is_cut_at_the_timeout(receiver, settings, private_allowed):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    started = time.monotonic()

    outcome = post(receiver.url("/trickle"))

    assert outcome.status_code == 200
    assert 0 < len(outcome.body_excerpt) < 100
    assert set(outcome.body_excerpt) == {"x"}
    assert time.monotonic() - started < 5  # far below what a missing timeout would take


def test_huge_body_is_cut_and_not_downloaded(receiver, private_allowed):
    started = time.monotonic()

    outcome = post(receiver.url("/huge"))

    assert outcome.status_code == 200
    assert outcome.body_excerpt == "a" * 1024
    assert time.monotonic() - started < 5  # the receiver would send a gigabyte
    # The receiver stops as soon as we hang up; only socket buffers hold more than our cap.
    assert receiver.server.huge_done.wait(5)
    assert receiver.server.bytes_sent < 64 * 1024**2


def test_closed_port_gives_connection_refused(private_allowed):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    outcome = post(f"http://127.0.0.1:{port}/")

    assert outcome.status_code is None
    assert outcome.error == "connection refused"


def test_unresolvable_host_is_reported(private_allowed, fake_dns):
    fake_dns["nowhere.test"] = []

    assert post("http://nowhere.test/").error == "could not resolve host nowhere.test"


@pytest.mark.parametrize("url", ["ftp://example.com/", "not a url", "http:///no-host", "http://example.com:99999/"])
def test_invalid_urls_are_reported_not_raised(url, private_allowed, connect_attempts):
    outcome = post(url)

    assert outcome.status_code is None
    assert outcome.error.startswith("invalid URL")
    assert connect_attempts == []


# Validation for forms and the API


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://224.0.0.1/", "multicast"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://[::]/", "unspecified"),
        ("http://240.0.0.1/", "reserved"),
        ("http://[64:ff9b::a9fe:a9fe]/", "link-local"),
        # 169.254.169.254 as resolvers also read it: one number, hex, octal parts.
        ("http://2852039166/", "link-local"),
        ("http://0xa9fea9fe/latest/meta-data", "link-local"),
        ("http://0251.0376.0251.0376/", "link-local"),
        ("http://169.254.43518/", "link-local"),
        ("http://2852039166./", "link-local"),
        ("http://0/", "unspecified"),
    ],
)
def test_validation_refuses_addresses_that_are_never_allowed(url, reason, private_allowed):
    with pytest.raises(UnsafeTargetError, match=rf"\({reason}\)"):
        validate_target_url(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8000/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://[fd00::1]/", "private"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://[::ffff:10.0.0.1]/", "private"),
        ("http://[::127.0.0.1]/", "loopback"),
        ("http://[64:ff9b::7f00:1]/", "loopback"),
        ("http://[2002:7f00:1::]/", "loopback"),
        ("http://10.1/", "private"),
        ("http://167772161/", "private"),
        ("http://127.1:8000/", "loopback"),
        ("http://0x7f.1/", "loopback"),
        ("http://017700000001/", "loopback"),
    ],
)
def test_validation_refuses_private_addresses_only_when_they_are_not_allowed(url, reason, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(UnsafeTargetError, match=rf"\({reason}\)"):
        validate_target_url(url)

    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    validate_target_url(url)


def test_validation_accepts_public_addresses(private_refused):
    validate_target_url(f"https://{PUBLIC_ADDRESS}/hook")
    validate_target_url("https://[2606:4700::1111]/hook")


def test_validation_does_not_resolve_hostnames_unless_asked(private_refused, fake_dns):
    fake_dns["later.test"] = ["127.0.0.1"]

    validate_target_url("https://later.test/hook")
    assert fake_dns["lookups"] == []

    with pytest.raises(UnsafeTargetError, match=r"refused address 127\.0\.0\.1 \(loopback\)"):
        validate_target_url("https://later.test/hook", resolve=True)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("https:///hook", "host is missing"),
        ("http://example.com:port/", "invalid URL"),
        ("http://example.com:0/", "port 0"),
        ("http://exa mple.com/", "spaces or control characters"),
        ("http://169.254.169.254\n.example.com/", "spaces or control characters"),
    ],
)
def test_validation_explains_malformed_urls(url, message, private_refused):
    with pytest.raises(UnsafeTargetError, match=message):
        validate_target_url(url)


# TLS


@pytest.fixture
def tls_files(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=receiver.test"]
        + ["-addext", "subjectAltName=DNS:receiver.test"],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_receiver(tls_files, monkeypatch):
    cert, key = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server_names = []
    context.sni_callback = lambda _sock, name, _context: server_names.append(name)
    trusting_the_test_certificate = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(safe_http, "tls_context", lambda: trusting_the_test_certificate)
    running = Receiver(tls_context=context)
    running.server_names = server_names
    yield running
    running.stop()


def test_tls_checks_the_certificate_against_the_hostname_not_the_pinned_address(
    tls_receiver, private_allowed, fake_dns
):
    fake_dns["receiver.test"] = ["127.0.0.1"]

    outcome = post(tls_receiver.url(host="receiver.test", scheme="https"))

    assert outcome.error is None
    assert outcome.status_code == 200
    assert tls_receiver.server_names == ["receiver.test"]


def test_tls_certificate_for_another_host_is_rejected(tls_receiver, private_allowed, fake_dns):
    fake_dns["impostor.test"] = ["127.0.0.1"]

    outcome = post(tls_receiver.url(host="impostor.test", scheme="https"))

    assert outcome.status_code is None
    assert outcome.error.startswith("TLS error: ")
    assert "impostor.test" in outcome.error
    assert tls_receiver.received == []
