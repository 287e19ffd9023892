"""The one outbound fetcher (badges.net): addresses, rebinding, deadline, size, redirects.

Every server here listens on loopback. Names are resolved by an injected resolver; the policy
under test is told explicitly to treat 127.0.0.1 as the "public" address where a test needs a
remote server, and everything else keeps the real rules (127.0.0.2 stays a loopback address).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from badges.net import (
    AddressPolicy,
    FetchBudget,
    FetchError,
    FetchLimits,
    OutboundFetcher,
    not_public,
)

PUBLIC = "127.0.0.1"  # the fake "public" address (AddressPolicy.treat_as_public)
INTERNAL = "127.0.0.2"  # a loopback address the policy must refuse
CLASS_NAME = re.compile(r"\w*(Error|Timeout|Exception)\b")

Respond = Callable[[str], Iterable[bytes]]


class Server:
    """A raw HTTP/1.1 server on one loopback address: records requests, counts bytes sent."""

    def __init__(self, host: str, respond: Respond, port: int = 0) -> None:
        self.respond = respond
        self.listener = socket.create_server((host, port))
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.sent = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            line, *fields = head.split(b"\r\n\r\n")[0].decode().split("\r\n")
            headers = {k.lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}
            path = line.split(" ")[1]
            self.requests.append((path, headers))
            try:
                for chunk in self.respond(path):
                    conn.sendall(chunk)
                    self.sent += len(chunk)
            except OSError:
                return

    def close(self) -> None:
        self.listener.close()


def answer(body: bytes, status: str = "200 OK", extra: str = "") -> list[bytes]:
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n"
    return [head.encode(), body]


def redirect(location: str) -> list[bytes]:
    return answer(b"", "302 Found", f"Location: {location}\r\n")


@pytest.fixture
def servers() -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(respond: Respond, host: str = PUBLIC, port: int = 0) -> Server:
        started.append(Server(host, respond, port))
        return started[-1]

    yield start
    for server in started:
        server.close()


class Resolver:
    """Answers each name from a list of answers, one per call (the last one repeats)."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        queue = self.answers[host]
        return [queue.pop(0) if len(queue) > 1 else queue[0]]


def fetcher(resolver: Resolver, **limits: Any) -> OutboundFetcher:
    policy = AddressPolicy(allow_http=True, treat_as_public=frozenset({PUBLIC}))
    return OutboundFetcher(policy, FetchLimits(**limits), resolver)


def refusal(fetch: OutboundFetcher, url: str) -> str:
    """The message of the FetchError ``fetch(url)`` raises; it names no exception class."""
    with pytest.raises(FetchError) as caught:
        fetch(url)
    message = str(caught.value)
    assert not CLASS_NAME.search(message), message
    return message


# Address forms ------------------------------------------------------------------------------

REFUSED = [
    ("127.0.0.1", "a loopback address"),
    ("10.1.2.3", "a private address"),
    ("172.16.0.1", "a private address"),
    ("192.168.1.1", "a private address"),
    ("169.254.169.254", "a link-local address"),
    ("100.64.0.1", "not a globally routable address"),
    ("192.0.2.1", "a private address"),
    ("240.0.0.1", "a reserved address"),
    ("0.0.0.0", "the unspecified address"),  # noqa: S104 (an address refused, not bound)
    ("255.255.255.255", "the broadcast address"),
    ("224.0.0.1", "a multicast address"),
    ("::1", "a loopback address"),
    ("::", "the unspecified address"),
    ("fe80::1", "a link-local address"),
    ("fc00::1", "a private address"),
    ("2001:db8::1", "a private address"),
    ("ff02::1", "a multicast address"),
    ("::ffff:127.0.0.1", "an IPv6 form of 127.0.0.1, a loopback address"),
    ("::ffff:169.254.169.254", "an IPv6 form of 169.254.169.254, a link-local address"),
    ("::127.0.0.1", "an IPv6 form of 127.0.0.1, a loopback address"),
    ("::ffff:0:127.0.0.1", "an IPv6 form of 127.0.0.1, a loopback address"),
    ("::ffff:0:10.0.0.1", "an IPv6 form of 10.0.0.1, a private address"),
    ("64:ff9b::127.0.0.1", "an IPv6 form of 127.0.0.1, a loopback address"),
    ("64:ff9b::169.254.169.254", "an IPv6 form of 169.254.169.254, a link-local address"),
    ("2002:7f00:1::1", "an IPv6 form of 127.0.0.1, a loopback address"),
    ("2002:a00:1::", "an IPv6 form of 10.0.0.1, a private address"),
    ("64:ff9b::224.0.0.1", "an IPv6 form of 224.0.0.1, a multicast address"),
    ("::ffff:0.0.0.0", "an IPv6 form of 0.0.0.0, the unspecified address"),
    ("64:ff9b:1::a00:1", "a reserved address"),
]


def test_the_refused_forms_are_counted() -> None:
    assert len(REFUSED) == 29
    assert len({address for address, _ in REFUSED}) == 29


@pytest.mark.parametrize(("address", "reason"), REFUSED)
def test_address_is_refused_before_any_connection(address: str, reason: str) -> None:
    assert not_public(ipaddress.ip_address(address)) == reason
    resolver = Resolver({"victim.example": [address]})
    with pytest.raises(FetchError, match=re.escape(reason)):
        AddressPolicy().vet("victim.example", 443, resolver)
    assert resolver.calls == ["victim.example"]


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "2606:4700::1111", "::ffff:93.184.216.34", "64:ff9b::5db8:d822"],
)
def test_public_addresses_pass_the_policy(address: str) -> None:
    """Judged only: nothing connects to these addresses."""
    assert AddressPolicy().vet("issuer.example", 443, Resolver({"issuer.example": [address]})) == [
        address
    ]


@pytest.mark.parametrize(
    "address",
    ["0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255", "::ffff:224.0.0.1"],  # noqa: S104
)
def test_allowing_private_addresses_still_refuses_multicast_and_unspecified(address: str) -> None:
    policy = AddressPolicy(allow_private=True)
    with pytest.raises(FetchError, match="refused"):
        policy.vet("x.example", 443, Resolver({"x.example": [address]}))
    assert policy.vet("y.example", 443, Resolver({"y.example": ["10.0.0.1"]})) == ["10.0.0.1"]


@pytest.mark.parametrize("host", ["127.0.0.1", "[::ffff:127.0.0.1]", "loopback.example"])
def test_a_refused_address_is_never_connected_to(servers, host: str) -> None:
    server = servers(lambda _path: answer(b"{}"))
    resolver = Resolver({"loopback.example": ["127.0.0.1"]})
    policy = AddressPolicy(allow_http=True)  # no test hook: 127.0.0.1 is loopback here
    fetch = OutboundFetcher(policy, FetchLimits(), resolver)
    message = refusal(fetch, f"http://{host}:{server.port}/did.json")
    assert "a loopback address" in message or "an IPv6 form of 127.0.0.1" in message
    assert server.accepted == 0


# DNS rebinding ------------------------------------------------------------------------------


def test_rebinding_connects_to_the_checked_address_only(servers) -> None:
    public = servers(lambda path: redirect("/doc") if path == "/start" else answer(b'{"a": 1}'))
    internal = servers(lambda _path: answer(b'{"secret": 1}'), INTERNAL, public.port)
    resolver = Resolver({"rebind.example": [PUBLIC, INTERNAL]})
    fetch = fetcher(resolver)

    # one fetch, two connections (the redirect): resolved once, both to the checked address
    assert fetch(f"http://rebind.example:{public.port}/start") == {"a": 1}
    assert resolver.calls == ["rebind.example"]
    assert [path for path, _ in public.requests] == ["/start", "/doc"]
    assert public.requests[1][1]["host"] == f"rebind.example:{public.port}"

    # the next fetch resolves again, gets the internal address, and refuses it
    message = refusal(fetch, f"http://rebind.example:{public.port}/doc")
    assert "refused rebind.example (127.0.0.2): a loopback address" in message
    assert resolver.calls == ["rebind.example", "rebind.example"]
    assert internal.accepted == 0


# Deadline and size --------------------------------------------------------------------------


def test_a_slow_drip_trips_the_total_deadline(servers) -> None:
    def drip(_path: str) -> Iterator[bytes]:
        yield b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n"
        for _ in range(100_000):
            time.sleep(0.1)
            yield b" "

    server = servers(drip)
    fetch = fetcher(Resolver({"slow.example": [PUBLIC]}), deadline_seconds=1.5)
    started = time.monotonic()
    message = refusal(fetch, f"http://slow.example:{server.port}/status/1")
    elapsed = time.monotonic() - started
    assert "no answer within 1.5 seconds in total" in message
    assert elapsed < 15, elapsed  # a per-read timeout alone would wait ~10,000 s
    assert server.sent < 100_000


def test_a_huge_body_is_cut_off_at_the_cap(servers) -> None:
    def endless(_path: str) -> Iterator[bytes]:
        yield b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"  # no length: read to the end
        for _ in range(800):
            yield b"x" * 65536  # 50 MiB in all

    server = servers(endless)
    fetch = fetcher(Resolver({"big.example": [PUBLIC]}), max_bytes=100_000)
    message = refusal(fetch, f"http://big.example:{server.port}/did.json")
    assert "larger than 100000 bytes" in message
    assert server.sent < 20 * 1024 * 1024  # stopped long before 50 MiB (socket buffers aside)


def test_a_declared_huge_body_is_refused_before_reading(servers) -> None:
    server = servers(lambda _path: [b"HTTP/1.1 200 OK\r\nContent-Length: 900000000\r\n\r\n"])
    fetch = fetcher(Resolver({"big.example": [PUBLIC]}), max_bytes=100_000)
    assert "larger than 100000 bytes" in refusal(fetch, f"http://big.example:{server.port}/x")


def test_a_compressed_answer_is_refused(servers) -> None:
    """gzip could expand far past the cap; the fetcher asks for identity and refuses the rest."""
    server = servers(
        lambda _path: answer(b"\x1f\x8b" + b"\0" * 20, extra="Content-Encoding: gzip\r\n")
    )
    fetch = fetcher(Resolver({"zip.example": [PUBLIC]}))
    assert "compressed although it was asked not to be" in refusal(
        fetch, f"http://zip.example:{server.port}/did.json"
    )
    assert server.requests[0][1]["accept-encoding"] == "identity"


# Redirects ----------------------------------------------------------------------------------


def test_a_redirect_to_a_private_address_is_refused(servers) -> None:
    internal = servers(lambda _path: answer(b'{"secret": 1}'), INTERNAL)
    public = servers(lambda _path: redirect(f"http://{INTERNAL}:{internal.port}/secret"))
    fetch = fetcher(Resolver({"hop.example": [PUBLIC]}))
    message = refusal(fetch, f"http://hop.example:{public.port}/did.json")
    assert "refused 127.0.0.2: a loopback address" in message
    assert internal.accepted == 0


def test_a_redirect_to_a_name_of_a_metadata_address_is_refused(servers) -> None:
    public = servers(lambda _path: redirect("http://metadata.example/latest/"))
    resolver = Resolver({"hop.example": [PUBLIC], "metadata.example": ["169.254.169.254"]})
    message = refusal(fetcher(resolver), f"http://hop.example:{public.port}/did.json")
    assert "metadata.example (169.254.169.254): a link-local address" in message
    assert resolver.calls == ["hop.example", "metadata.example"]


def test_too_many_redirects_are_refused(servers) -> None:
    server = servers(lambda path: redirect(f"{path}/again"))
    fetch = fetcher(Resolver({"loop.example": [PUBLIC]}), max_redirects=3)
    message = refusal(fetch, f"http://loop.example:{server.port}/r")
    assert "more than 3 redirects" in message
    assert [path for path, _ in server.requests] == [
        "/r",
        "/r/again",
        "/r/again/again",
        "/r/again/again/again",
    ]


def test_plain_http_is_refused_unless_allowed(servers) -> None:
    server = servers(lambda _path: answer(b"{}"))
    policy = AddressPolicy(treat_as_public=frozenset({PUBLIC}))
    fetch = OutboundFetcher(policy, FetchLimits(), Resolver({"a.example": [PUBLIC]}))
    assert "only https://" in refusal(fetch, f"http://a.example:{server.port}/x")
    assert server.accepted == 0


# One verification's budget ------------------------------------------------------------------


def test_the_fetch_budget_refuses_past_its_limit() -> None:
    fetched: list[str] = []
    budget = FetchBudget(lambda url: fetched.append(url) or {}, 2)
    budget("https://a.example/1")
    budget("https://a.example/2")
    with pytest.raises(FetchError, match="already fetched 2 documents"):
        budget("https://a.example/3")
    assert fetched == ["https://a.example/1", "https://a.example/2"]


# TLS keeps the name -------------------------------------------------------------------------


def _certificate(name: str, tmp_path) -> tuple[str, str, str]:
    """A CA and a certificate for ``name`` signed by it: (ca.pem, cert.pem, key.pem)."""

    def build(subject: str, issuer: str, key, signer, ca: bool) -> x509.Certificate:
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=800))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    ca = build("Test CA", "Test CA", ca_key, ca_key, True)
    leaf = build(name, "Test CA", leaf_key, ca_key, False)
    paths = [tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"]
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(paths[0]), str(paths[1]), str(paths[2])


def test_tls_sends_the_name_and_checks_the_certificate_against_it(tmp_path) -> None:
    ca, cert, key = _certificate("issuer.example", tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    names: list[str | None] = []

    def record_sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        names.append(name)

    server_context.sni_callback = record_sni
    listener = socket.create_server((PUBLIC, 0))
    port = listener.getsockname()[1]
    seen: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with server_context.wrap_socket(conn, server_side=True) as tls:
            seen.append(tls.recv(4096))
            tls.sendall(b"".join(answer(b'{"ok": true}')))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    policy = AddressPolicy(treat_as_public=frozenset({PUBLIC}))
    client_context = ssl.create_default_context(cafile=ca)
    resolver = Resolver({"issuer.example": [PUBLIC]})
    fetch = OutboundFetcher(policy, FetchLimits(), resolver, ssl_context=client_context)
    try:
        assert fetch(f"https://issuer.example:{port}/did.json") == {"ok": True}
    finally:
        thread.join(timeout=10)
        listener.close()
    assert names == ["issuer.example"]
    assert f"Host: issuer.example:{port}".encode() in seen[0]
