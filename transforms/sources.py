"""The sources registry: ``seeds/sources.yaml`` parsed, validated, and loaded into ``ops.sources``.

The YAML file is the source of truth (reviewed in git, no code to add an outlet); the table is a
copy so SQL (marts, the DAG, analysts) can join on it. Validation is strict and reports every
problem at once, with the entry it is about, because a typo in a feed address otherwise shows up
days later as "no articles from X".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
import yaml

from mediamon import settings
from transforms import urls

LANGUAGES = ("ru", "kk", "en", "zh", "other")
VERIFICATIONS = ("unverified-memory", "fixture", "fetched", "outlet-docs")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_KNOWN_KEYS = {
    "name", "title", "homepage", "domains", "language", "country", "feeds", "sitemaps",
    "topic_keywords", "enabled", "verification", "notes", "timezone",
}
# The zone a page's times are in when it gives no UTC offset, unless the entry names another.
# Kazakhstan has kept one zone (UTC+5, Asia/Almaty in tzdata 2024b+) since March 2024.
COUNTRY_TIMEZONES = {"KZ": "Asia/Almaty", "RU": "Europe/Moscow", "CN": "Asia/Shanghai"}


class RegistryError(ValueError):
    """The registry file is unreadable or some entries are invalid; the message lists them all."""


@dataclass(frozen=True)
class Source:
    """One outlet the news spider follows."""

    name: str
    title: str
    homepage: str
    domains: tuple[str, ...]
    language: str
    country: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    topic_keywords: tuple[str, ...] = ()
    enabled: bool = True
    verification: str = "unverified-memory"
    notes: str | None = None
    timezone: str | None = None  # IANA name; times without an offset on the outlet's pages are in it
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def allows_host(self, host: str | None) -> bool:
        """Whether ``host`` is one of the source's domains or a subdomain of one."""
        if not host:
            return False
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)

    @property
    def origin_ports(self) -> frozenset[tuple[str, int]]:
        """The (scheme, port) pairs of the registered URLs (homepage, feeds, sitemaps).

        The standard web ports count as one family: a source registered on ``https://…`` may also
        be fetched on ``http://…:80`` (outlets redirect one to the other). A non-standard port is
        allowed only when a registered URL names it (the fixture site, a mirror).
        """
        pairs = set()
        for url in (self.homepage, *self.feeds, *self.sitemaps):
            found = urls.origin(url)
            if found is not None:
                pairs.add((found.scheme, found.port))
        if pairs & set(urls.DEFAULT_PORTS.items()):
            pairs |= set(urls.DEFAULT_PORTS.items())
        return frozenset(pairs)

    def refuses(self, url: str | None) -> str | None:
        """Why the spider must not fetch (or store) ``url`` for this source, or None when it may.

        ``bad_scheme`` for anything but http(s), ``offsite_link`` for a host outside the source's
        domains, ``offsite_origin`` for an allowed host on a scheme/port that was not registered
        (``http://outlet.kz:6379/`` is not the outlet's web site).
        """
        found = urls.origin(url or "")
        if found is None:
            return "bad_scheme"
        if not self.allows_host(found.host):
            return "offsite_link"
        if (found.scheme, found.port) not in self.origin_ports:
            return "offsite_origin"
        return None

    def mentions_topic(self, *texts: str | None) -> bool:
        """True when the source has no topic filter or one of the texts mentions a keyword."""
        if not self.topic_keywords:
            return True
        haystack = " ".join(t for t in texts if t).casefold()
        return any(k.casefold() in haystack for k in self.topic_keywords)

    def rebased(self, base_url: str) -> Source:
        """The same source with its feeds and sitemaps moved under ``base_url``.

        ``https://vz.ru/rss.xml`` rebased on ``http://127.0.0.1:8000/vz_ru/`` becomes
        ``http://127.0.0.1:8000/vz_ru/rss.xml``: the path is kept, only the origin changes. A
        ``{source}`` placeholder in ``base_url`` is replaced by the source name, so one base URL can
        serve several sources. Used for the local fixture site and for mirrors.
        """
        base = base_url.replace("{source}", self.name)
        if not base.endswith("/"):
            base += "/"

        def move(url: str) -> str:
            parts = urlsplit(url)
            tail = parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
            return urljoin(base, tail)

        host = urlsplit(base).hostname or ""
        domains = self.domains if host in self.domains else (*self.domains, host)
        return replace(self, feeds=tuple(map(move, self.feeds)), sitemaps=tuple(map(move, self.sitemaps)),
                       homepage=base, domains=domains)


def owner_of(url: str, sources: Sequence[Source], base_url: str | None = None) -> Source | None:
    """The registered outlet a feed or page URL belongs to, or None.

    An outlet owns the URLs on its domains (``www.vz.ru`` is vz.ru's). With ``base_url`` (a mirror,
    the fixture site: every outlet under one origin), the outlet whose rebased folder the URL lies
    under owns it too — ``http://127.0.0.1:8000/vz_ru/rss.xml`` with base
    ``http://127.0.0.1:8000/{source}/`` is vz_ru's, and is returned rebased. Filing a crawled URL
    under its outlet whatever command crawled it matters because landing is keyed by URL: a page
    once landed under an ad-hoc ``feed:<host>`` name would stay there for good.
    """
    host = urlsplit(url).hostname
    for source in sources:
        if source.allows_host(host):
            return source
    if base_url:
        for source in sources:
            rebased = source.rebased(base_url)
            if url.startswith(rebased.homepage):
                return rebased
    return None


def default_registry_path() -> Path:
    return settings.seeds_dir() / "sources.yaml"


def load_registry(path: Path | str | None = None) -> list[Source]:
    """Parse and validate the registry; raise RegistryError listing every problem found."""
    path = Path(path or default_registry_path())
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise RegistryError(f"{path}: cannot read the registry: {error}") from error
    return parse_registry(document, origin=str(path))


def parse_registry(document: Any, *, origin: str = "registry") -> list[Source]:
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise RegistryError(f"{origin}: expected a mapping with a 'sources' list")
    problems: list[str] = []
    sources: list[Source] = []
    seen: set[str] = set()
    for index, entry in enumerate(document["sources"]):
        label = f"{origin}: sources[{index}]"
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            label += f" ({entry['name']})"
        entry_problems, source = _parse_entry(entry)
        problems.extend(f"{label}: {p}" for p in entry_problems)
        if source is not None:
            if source.name in seen:
                problems.append(f"{label}: name {source.name!r} is used twice")
            seen.add(source.name)
            sources.append(source)
    if problems:
        raise RegistryError("invalid sources registry:\n  " + "\n  ".join(problems))
    return sources


def _parse_entry(entry: Any) -> tuple[list[str], Source | None]:
    if not isinstance(entry, dict):
        return ["an entry must be a mapping"], None
    problems: list[str] = []
    unknown = sorted(set(entry) - _KNOWN_KEYS)
    if unknown:
        problems.append(f"unknown keys {unknown} (known: {sorted(_KNOWN_KEYS)})")

    def text(key: str, *, required: bool = True) -> str | None:
        value = entry.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key} must be a non-empty string")
            return None
        return value.strip()

    def strings(key: str) -> tuple[str, ...]:
        value = entry.get(key, [])
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            problems.append(f"{key} must be a list of non-empty strings")
            return ()
        return tuple(v.strip() for v in value)

    name = text("name")
    if name and not _NAME.match(name):
        problems.append(f"name {name!r} must be lower_snake_case (it is stored in raw.articles.source)")
    title = text("title")
    homepage = text("homepage")
    language = text("language")
    if language and language not in LANGUAGES:
        problems.append(f"language {language!r} must be one of {LANGUAGES}")
    country = text("country")
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        problems.append(f"country {country!r} must be an ISO 3166 alpha-2 code such as KZ")
    domains = tuple(d.lower().lstrip(".") for d in strings("domains"))
    if not domains:
        problems.append("domains must list at least one domain")
    feeds, sitemaps = strings("feeds"), strings("sitemaps")
    if not feeds and not sitemaps:
        problems.append("needs at least one feed or sitemap")
    for url in (*feeds, *sitemaps, *([homepage] if homepage else [])):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"{url!r} is not an http(s) URL")
        elif domains and not any(parts.hostname == d or parts.hostname.endswith("." + d) for d in domains):
            problems.append(f"{url!r} is outside the source's domains {list(domains)}")
    keywords = strings("topic_keywords")
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        problems.append("enabled must be true or false")
    verification = text("verification")
    if verification and verification not in VERIFICATIONS:
        problems.append(f"verification {verification!r} must be one of {VERIFICATIONS}")
    notes = text("notes", required=False)
    timezone = text("timezone", required=False) or COUNTRY_TIMEZONES.get(country or "")
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"timezone {timezone!r} is not an IANA zone name such as Asia/Almaty")
    if problems:
        return problems, None
    return [], Source(
        name=name, title=title, homepage=homepage, domains=domains, language=language, country=country,
        feeds=feeds, sitemaps=sitemaps, topic_keywords=keywords, enabled=enabled,
        verification=verification, notes=notes, timezone=timezone,
    )


def select(sources: Sequence[Source], names: Iterable[str] | None = None) -> list[Source]:
    """The named sources (enabled or not: naming one is deliberate), or every enabled one."""
    if not names:
        return [s for s in sources if s.enabled]
    by_name = {s.name: s for s in sources}
    wanted = list(names)
    missing = [n for n in wanted if n not in by_name]
    if missing:
        raise RegistryError(f"unknown source(s) {missing}; the registry has {sorted(by_name)}")
    return [by_name[n] for n in wanted]


def sync_to_database(conn: psycopg.Connection, path: Path | str | None = None) -> dict[str, int]:
    """Load the registry into ``ops.sources`` (upsert by name); sources gone from the file are kept
    with ``in_registry = false`` and disabled. Idempotent. Returns counts."""
    path = Path(path or default_registry_path())
    sources = load_registry(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with conn.transaction():
        for s in sources:
            conn.execute(
                """
                INSERT INTO ops.sources (name, title, homepage, domains, language, country, feeds, sitemaps,
                                         topic_keywords, enabled, verification, notes, in_registry,
                                         registry_sha256, loaded_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, true, %s, now())
                ON CONFLICT (name) DO UPDATE SET
                    title = EXCLUDED.title, homepage = EXCLUDED.homepage, domains = EXCLUDED.domains,
                    language = EXCLUDED.language, country = EXCLUDED.country, feeds = EXCLUDED.feeds,
                    sitemaps = EXCLUDED.sitemaps, topic_keywords = EXCLUDED.topic_keywords,
                    enabled = EXCLUDED.enabled, verification = EXCLUDED.verification,
                    notes = EXCLUDED.notes, in_registry = true, registry_sha256 = EXCLUDED.registry_sha256,
                    loaded_at = now()
                """,
                (s.name, s.title, s.homepage, list(s.domains), s.language, s.country, list(s.feeds),
                 list(s.sitemaps), list(s.topic_keywords), s.enabled, s.verification, s.notes, digest),
            )
        retired = conn.execute(
            "UPDATE ops.sources SET in_registry = false, enabled = false "
            "WHERE in_registry AND NOT (name = ANY(%s))",
            ([s.name for s in sources],),
        ).rowcount
    return {"sources": len(sources), "enabled": sum(s.enabled for s in sources), "retired": retired}
