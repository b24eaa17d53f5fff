"""URL safety: which URLs may be fetched, stored or rendered as links.

One module because the same questions come up in the spider (may this feed link, redirect or
canonical URL be followed or stored?), in extraction (is this ``<link rel=canonical>`` a web
address?) and in the digest (may this become an ``href``?). Pure functions, no network: the DNS
side of the check (private addresses) lives with the crawler, which owns the resolver.

Why not ``url.startswith("http")``: schemes are case-insensitive (``JavaScript:``), browsers drop
tabs and newlines inside them (``java\\tscript:``), and ``https-evil:`` starts with ``https``.
:func:`urllib.parse.urlsplit` already strips what browsers strip, so its lower-cased scheme is
the one a browser would use.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_web_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host, whatever the case of its scheme."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number or out of range
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def safe_href(url: str | None) -> str | None:
    """``url`` when it may be rendered as a link (http or https), else None (render it as text)."""
    return url.strip() if url and is_web_url(url) else None


@dataclass(frozen=True)
class Origin:
    """Scheme, host and port of a URL, as the same-origin rule compares them."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        default = DEFAULT_PORTS.get(self.scheme) == self.port
        return f"{self.scheme}://{self.host}" + ("" if default else f":{self.port}")


def origin(url: str) -> Origin | None:
    """The origin of an http(s) URL; None for anything else (other schemes, no host, bad port)."""
    if not is_web_url(url):
        return None
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    return Origin(scheme, host, parts.port or DEFAULT_PORTS[scheme])


def is_public_address(address: str) -> bool:
    """False for loopback, private (RFC 1918, ULA), link-local, multicast, reserved and unspecified
    addresses — the ones a crawler on the open web has no business connecting to. IPv4-mapped IPv6
    addresses are judged by their IPv4 address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def ip_literal(host: str) -> str | None:
    """``host`` when it is an IP address written out (``127.0.0.1``, ``[::1]``), else None."""
    candidate = host.strip("[]")
    try:
        ipaddress.ip_address(candidate.split("%", 1)[0])
    except ValueError:
        return None
    return candidate
