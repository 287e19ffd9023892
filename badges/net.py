"""The one outbound HTTP fetcher, safe by construction against SSRF.

Every server-side request (the verifier's DID documents, JWKS, status lists and endorsements;
single sign-on's discovery, JWKS and token calls; ``badges verify --fetch``) goes through a
:class:`GuardedTransport`. It resolves each host name once, through an injectable resolver,
refuses addresses that are not globally routable unicast (unless the policy allows private
ones), and connects to the very address it checked: the Host header, TLS SNI and certificate
check keep the name. One deadline bounds the whole exchange (connect, TLS, every read and
write, redirects) and the body is capped. :class:`OutboundFetcher` adds mirrors, redirects (capped,
each hop checked again) and parsing; :class:`FetchBudget` caps one verification's fetches.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from badges.errors import ResolutionError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
"""``(host, port) -> addresses`` (strings); raise :class:`FetchError` when the name is unknown."""

ACCEPT = "application/did+json, application/ld+json, application/json, application/jwt, */*"

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")


class FetchError(ResolutionError):
    """A fetch was refused or failed; the message says which address and why, for people."""


def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer for ``host`` (each address once, in its order)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise FetchError(f"{host} cannot be resolved") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries: mapped, translated, compatible, NAT64, 6to4."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in net for net in (_NAT64, _IPV4_COMPATIBLE, _IPV4_TRANSLATED)):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def never_allowed(address: IPAddress) -> str | None:
    """Why no fetch may connect to ``address`` even when private ones are allowed, or None."""
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and int(address) == 0xFFFFFFFF:
        return "the broadcast address"
    inner = embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else None
    reason = never_allowed(inner) if inner is not None else None
    return f"an IPv6 form of {inner}, {reason}" if reason else None


def not_public(address: IPAddress) -> str | None:
    """Why ``address`` is not a globally routable unicast address, or None when it is one."""
    if reason := never_allowed(address):
        return reason
    if address.is_loopback:
        return "a loopback address"
    if isinstance(address, ipaddress.IPv6Address) and (inner := embedded_ipv4(address)):
        reason = not_public(inner)
        return f"an IPv6 form of {inner}, {reason}" if reason else None
    if address.is_link_local:
        return "a link-local address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a globally routable address"
    return None


def _ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses and schemes a fetch may use.

    ``allow_private`` admits loopback, private, link-local and reserved addresses (tests,
    air-gapped mirrors); multicast, unspecified and broadcast are never admitted. ``trusted``
    ``(host, port)`` endpoints (mirrors an operator configured) skip the address check and may
    use http. ``treat_as_public`` is for tests: addresses judged as if they were public.
    """

    allow_private: bool = False
    allow_http: bool = False
    trusted: frozenset[tuple[str, int]] = frozenset()
    treat_as_public: frozenset[str] = frozenset()

    def refusal(self, address: IPAddress) -> str | None:
        """Why this policy refuses ``address``, or None."""
        if str(address) in self.treat_as_public:
            return None
        return never_allowed(address) if self.allow_private else not_public(address)

    def check_scheme(self, scheme: str, host: str, port: int) -> None:
        """Refuse anything but https (and http when allowed or trusted)."""
        if scheme == "https" or (
            scheme == "http" and (self.allow_http or (host, port) in self.trusted)
        ):
            return
        raise FetchError(f"only https:// addresses are fetched, not {scheme}://{host}")

    def vet(self, host: str, port: int, resolver: Resolver) -> list[str]:
        """The addresses of ``host`` to connect to, every one checked (else FetchError)."""
        literal = _ip(host)
        answers = [host] if literal is not None else list(resolver(host, port))
        if (host, port) in self.trusted:
            return answers
        if not answers:
            raise FetchError(f"{host} has no address")
        for answer in answers:
            address = _ip(answer)
            if address is None:
                raise FetchError(f"{host} did not resolve to an IP address")
            reason = self.refusal(address)
            if reason:
                shown = host if literal is not None else f"{host} ({address})"
                raise FetchError(f"refused {shown}: {reason}; only public addresses are fetched")
        return answers


def endpoint(url: str) -> tuple[str, int]:
    """``(host, port)`` of an http(s) URL, as :attr:`AddressPolicy.trusted` holds them."""
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


@dataclass(frozen=True)
class FetchLimits:
    """Bounds of one fetch: total seconds (redirects included), body bytes, redirects."""

    deadline_seconds: float = 10.0
    max_bytes: int = 2 * 1024 * 1024
    max_redirects: int = 3


class Deadline:
    """A total time budget that starts at the first request."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end: float | None = None

    def remaining(self) -> float:
        """Seconds left; FetchError once none are."""
        if self._end is None:
            self._end = time.monotonic() + self.seconds
        left = self._end - time.monotonic()
        if left <= 0:
            raise FetchError(f"no answer within {self.seconds:g} seconds in total; gave up")
        return left

    def clamp(self, timeout: float | None) -> float:
        """``timeout`` cut to what is left."""
        left = self.remaining()
        return left if timeout is None else min(timeout, left)

    @property
    def expired(self) -> bool:
        """Whether the budget has run out."""
        return self._end is not None and time.monotonic() >= self._end


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, self._deadline.clamp(timeout))
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _VettedBackend(httpcore.NetworkBackend):
    """Resolves each host once, checks every address, connects to a checked one."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver, deadline: Deadline) -> None:
        self._policy = policy
        self._resolver = resolver
        self._deadline = deadline
        self._inner = httpcore.SyncBackend()
        self._vetted: dict[tuple[str, int], list[str]] = {}

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        if (host, port) not in self._vetted:
            self._vetted[host, port] = self._policy.vet(host, port, self._resolver)
        for address in self._vetted[host, port]:
            try:
                stream = self._inner.connect_tcp(
                    address, port, self._deadline.clamp(timeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
            return _DeadlineStream(stream, self._deadline)
        raise FetchError(f"could not connect to {host} on port {port}")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise FetchError("local sockets are never fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


_FAILURES: list[tuple[type[Exception], str]] = [
    (httpcore.TimeoutException, "no answer in time"),
    (httpcore.ConnectError, "could not connect"),
    (httpcore.NetworkError, "the connection failed"),
    (httpcore.ProtocolError, "the server did not answer with valid HTTP"),
    (httpcore.UnsupportedProtocol, "not an http(s) address"),
]
_FAILURE_TYPES: tuple[type[Exception], ...] = (FetchError, *(kind for kind, _ in _FAILURES))


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport for one fetch (its redirects included): checked addresses only,
    one deadline, a size cap. Pass it to any httpx client (Authlib's ``transport=`` too)."""

    def __init__(
        self,
        policy: AddressPolicy,
        limits: FetchLimits,
        resolver: Resolver = system_resolver,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy
        self.limits = limits
        self.deadline = Deadline(limits.deadline_seconds)
        backend = _VettedBackend(policy, resolver, self.deadline)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context, network_backend=backend, retries=0
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        assert isinstance(request.stream, httpx.SyncByteStream)
        request.headers["Accept-Encoding"] = "identity"  # the size cap counts what is decoded
        try:
            self.policy.check_scheme(url.scheme, url.host, url.port or _default_port(url.scheme))
            response = self._pool.handle_request(
                httpcore.Request(
                    method=request.method,
                    url=httpcore.URL(
                        scheme=url.raw_scheme,
                        host=url.raw_host,
                        port=url.port,
                        target=url.raw_path,
                    ),
                    headers=request.headers.raw,
                    content=request.stream,
                    extensions=request.extensions,
                )
            )
        except _FAILURE_TYPES as exc:
            raise self.failure(str(url), exc) from exc
        refusal = self._header_refusal({k.lower(): v for k, v in response.headers})
        if refusal:
            response.close()
            raise FetchError(f"{url}: {refusal}")
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_CappedStream(self, str(url), response),
            extensions=response.extensions,
        )

    def _header_refusal(self, headers: dict[bytes, bytes]) -> str | None:
        """Why the answer is refused from its headers alone (a compressed body could expand
        past the cap; a declared length may already exceed it), or None."""
        if headers.get(b"content-encoding", b"identity").strip().lower() != b"identity":
            return "the answer is compressed although it was asked not to be; refused"
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limits.max_bytes:
            return self.too_large
        return None

    @property
    def too_large(self) -> str:
        """The message for an answer past the size cap."""
        return f"the answer is larger than {self.limits.max_bytes} bytes; refused"

    def failure(self, url: str, exc: Exception) -> FetchError:
        """A FetchError naming the URL and, in words, what went wrong (never a class name)."""
        if isinstance(exc, FetchError):
            return FetchError(f"{url}: {exc}")
        if self.deadline.expired:
            return FetchError(f"{url}: no answer within {self.deadline.seconds:g} seconds in total")
        reason = next((text for kind, text in _FAILURES if isinstance(exc, kind)), "failed")
        return FetchError(f"{url}: {reason}")

    def close(self) -> None:
        self._pool.close()


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


class _CappedStream(httpx.SyncByteStream):
    """The response body, refused once it passes the size cap."""

    def __init__(self, transport: GuardedTransport, url: str, response: httpcore.Response):
        self._transport = transport
        self._url = url
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        try:
            for chunk in self._response.iter_stream():
                seen += len(chunk)
                if seen > self._transport.limits.max_bytes:
                    raise FetchError(self._transport.too_large)
                yield chunk
        except _FAILURE_TYPES as exc:
            raise self._transport.failure(self._url, exc) from exc

    def close(self) -> None:
        self._response.close()


@dataclass(frozen=True)
class OutboundFetcher:
    """``url -> parsed JSON (or JWS text)`` through a fresh :class:`GuardedTransport` per fetch.

    ``mirrors`` maps a URL prefix to another (air-gapped deployments, tests); whether a mirror
    may be private is the policy's business (``trusted``)."""

    policy: AddressPolicy = AddressPolicy()
    limits: FetchLimits = FetchLimits()
    resolver: Resolver = system_resolver
    mirrors: Mapping[str, str] = field(default_factory=dict)
    ssl_context: ssl.SSLContext | None = None

    def transport(self) -> GuardedTransport:
        """A transport for one fetch (one deadline), e.g. for Authlib's ``transport=``."""
        return GuardedTransport(self.policy, self.limits, self.resolver, self.ssl_context)

    def target(self, url: str) -> str:
        """The URL actually requested (after ``mirrors``)."""
        for prefix, mirror in self.mirrors.items():
            prefix = prefix.rstrip("/")
            if url == prefix or url.startswith(prefix + "/"):
                return mirror.rstrip("/") + url[len(prefix) :]
        return url

    def get(self, url: str, accept: str = ACCEPT) -> bytes:
        """The body at ``url`` (status 200), following at most ``max_redirects`` redirects."""
        target = self.target(url.split("#", 1)[0])
        with httpx.Client(
            transport=self.transport(), trust_env=False, timeout=self.limits.deadline_seconds
        ) as client:
            for _ in range(self.limits.max_redirects + 1):
                try:
                    with client.stream("GET", target, headers={"Accept": accept}) as response:
                        if response.is_redirect:
                            target = urljoin(target, response.headers.get("location", ""))
                            continue
                        if response.status_code != 200:
                            raise FetchError(f"{target}: HTTP {response.status_code}")
                        return response.read()
                except (httpx.HTTPError, httpx.InvalidURL) as exc:
                    raise FetchError(f"{target}: not a fetchable http(s) address") from exc
        raise FetchError(f"{url}: more than {self.limits.max_redirects} redirects; refused")

    def __call__(self, url: str) -> Any:
        return parse_document(self.get(url), url)


def parse_document(body: bytes, url: str) -> Any:
    """JSON when the body looks like JSON, else the text (a JWS such as a VC-JWT status list)."""
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith(("{", "[")):
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested thousands deep
            raise FetchError(f"{url}: invalid JSON") from exc
    return text


class FetchBudget:
    """At most ``limit`` fetches, started within ``seconds`` of the first, through ``fetch``:
    one verification's bounded outbound work (each fetch also has its own deadline)."""

    def __init__(
        self, fetch: Callable[[str], Any], limit: int, seconds: float | None = None
    ) -> None:
        self.fetch = fetch
        self.limit = limit
        self.used = 0
        self._time = Deadline(seconds) if seconds else None

    def __call__(self, url: str) -> Any:
        if self.used >= self.limit:
            raise FetchError(
                f"{url}: not fetched; this verification already fetched {self.limit} "
                "documents, the most one may"
            )
        if self._time is not None and self._time.expired:
            raise FetchError(
                f"{url}: not fetched; this verification already spent "
                f"{self._time.seconds:g} seconds fetching, the most one may"
            )
        if self._time is not None:
            self._time.remaining()  # starts the clock at the first fetch
        self.used += 1
        return self.fetch(url)


def parse_maps(values: list[str]) -> dict[str, str]:
    """Parse ``--map https://host=http://127.0.0.1:PORT`` options."""
    out = {}
    for value in values:
        source, sep, mirror = value.partition("=")
        if not sep or not source.startswith("https://") or "://" not in mirror:
            raise ValueError(f"--map expects https://host=URL, got {value!r}")
        out[source] = mirror
    return out
