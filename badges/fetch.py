"""A small httpx fetcher for the command line's ``--fetch`` (the only network code here).

The library never fetches by itself: the app passes its own fetcher. This one refuses
non-https URLs, redirects, large bodies and (unless ``allow_private``) private or loopback
addresses. ``maps`` reads a host's documents from a mirror (air-gapped deployments, tests).
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from badges.errors import ResolutionError

MAX_BYTES = 2 * 1024 * 1024


class HttpFetcher:
    """Callable ``url -> parsed JSON or JWS text`` over HTTPS."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        maps: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.allow_private = allow_private
        self.maps = {k.rstrip("/"): v.rstrip("/") for k, v in (maps or {}).items()}
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def target(self, url: str) -> str:
        """The URL actually requested (after ``maps``)."""
        for prefix, mirror in self.maps.items():
            if url == prefix or url.startswith(prefix + "/"):
                return mirror + url[len(prefix) :]
        if urlsplit(url).scheme != "https":
            raise ResolutionError(f"refusing non-https URL {url}")
        return url

    def _check_host(self, url: str) -> None:
        host = urlsplit(url).hostname or ""
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError as exc:
            raise ResolutionError(f"cannot resolve {host}: {exc}") from exc
        for info in infos:
            addr = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if not addr.is_global and not self.allow_private:
                raise ResolutionError(f"{host} is a private address ({addr}); use --allow-private")

    def __call__(self, url: str) -> Any:
        target = self.target(url.split("#", 1)[0])
        self._check_host(target)
        try:
            with self._client.stream("GET", target, headers={"Accept": _ACCEPT}) as resp:
                if resp.status_code != 200:
                    raise ResolutionError(f"GET {target}: HTTP {resp.status_code}")
                body = b""
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise ResolutionError(f"GET {target}: response too large")
        except httpx.HTTPError as exc:
            raise ResolutionError(f"GET {target}: {exc}") from exc
        return _parse_body(body, target)


_ACCEPT = "application/did+json, application/ld+json, application/json, application/jwt, */*"


def _parse_body(body: bytes, url: str) -> Any:
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith(("{", "[")):
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested thousands deep
            raise ResolutionError(f"{url} returned invalid JSON") from exc
    return text


def parse_maps(values: list[str]) -> dict[str, str]:
    """Parse ``--map https://host=http://127.0.0.1:PORT`` options."""
    out = {}
    for value in values:
        source, sep, mirror = value.partition("=")
        if not sep or not source.startswith("https://") or "://" not in mirror:
            raise ValueError(f"--map expects https://host=URL, got {value!r}")
        out[source] = mirror
    return out
