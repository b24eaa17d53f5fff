"""A local news site for the crawl tests and the demo: five outlets on one 127.0.0.1 server.

Each outlet lives under ``/<registry source name>/`` and serves its feed or sitemap at the same
path as the real outlet (see ``seeds/sources.yaml``), so ``--base-url http://127.0.0.1:PORT/{source}/``
points the real registry at it. Every page is built here, in memory, from ``seeds/*.txt`` and
``extra_articles.yaml``; :data:`FixtureSite.expected` says what the crawl must make of each URL.

| outlet     | template                                   | feed                         |
|------------|--------------------------------------------|------------------------------|
| tengrinews | JSON-LD NewsArticle, utf-8                 | RSS 2.0                      |
| vz_ru      | OpenGraph + byline, windows-1251 (one page declared utf-8) | RSS 2.0 in cp1251 |
| kazinform  | plain <meta name=…> tags only; one koi8-r page dated by its URL only | RSS 2.0 |
| egemen     | Kazakh-language, OpenGraph article:*       | Atom + news sitemap          |
| zakon_kz   | the bad cases, a redirect, a slow page     | RSS + sitemap index          |
| nur_kz     | a malformed RSS feed and an XML-bomb sitemap | —                          |
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import yaml

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
LAST_MODIFIED = "Mon, 01 Sep 2025 08:00:00 GMT"


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None
    delay: float = 0.0
    conditional: bool = True


@dataclass
class Expected:
    """What the crawl must make of one URL (path relative to the server root)."""

    path: str
    outcome: str  # landed, off_topic, quarantined, error
    reason: str | None = None
    source: str | None = None
    title: str | None = None
    published_at: str | None = None
    authors: list[str] = field(default_factory=list)
    body_start: str | None = None
    language: str | None = None
    encoding: str | None = None
    landed_path: str | None = None  # where it lands when a redirect moved it


@dataclass
class Article:
    key: str
    title: str
    paragraphs: list[str]
    published_at: str
    authors: list[str]
    # What extraction must return: the outlet's own name and "Редакция" are no authors.
    expected_authors: list[str] | None = None

    @property
    def extracted_authors(self) -> list[str]:
        return self.authors if self.expected_authors is None else self.expected_authors


def _seed(name: str) -> list[str]:
    """The seed's paragraphs, without the optional ' date YYYY-MM-DD …' line (its lead is kept)."""
    path = next((REPO_ROOT / "seeds").glob(f"{name}_*.txt"))
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if lines[0].startswith("date "):
        lead = lines[0].split(" ", 2)[2]
        lines = [lead, *lines[1:]]
    return lines


def _articles() -> dict[str, Article]:
    extra = yaml.safe_load((HERE / "extra_articles.yaml").read_text(encoding="utf-8"))
    s000, s001, s002, s003, s004 = (_seed(n) for n in ("000", "001", "002", "003", "004"))
    articles = [
        Article("seed000", "Си Цзиньпин устроил Токаеву личный прием", s000, "2025-08-31T10:20:00+05:00",
                ["Айгерим Сапарова"]),
        Article("seed002", "Токаев поблагодарил китайскую сторону за гостеприимство", s002,
                "2025-08-30T16:00:00+05:00", ["Ерлан Жумабаев", "Ольга Ким"]),
        # seed 001: first line is the headline, second the byline with a Latin "T".
        Article("seed001", s001[0], s001[2:], "2025-08-30T12:00:00+03:00", ["Денис Тельманов"]),
        Article("seed003", s003[0], s003[1:], "2023-10-17T15:30:00+06:00", ["Kazinform"], []),
        Article("seed004", "Токаев: отношения Казахстана и Китая развиваются в духе дружбы", s004,
                "2024-01-03T09:00:00+05:00", ["Дархан Қыдырәлі"]),
    ]
    for key, value in extra.items():
        articles.append(Article(key, value["title"], value["paragraphs"], "2025-09-02T11:00:00+05:00",
                                ["Редакция"], []))
    return {a.key: a for a in articles}


# --------------------------------------------------------------------------------------- templates
_NAV = ('<header><nav><a href="/">Главная</a> | <a href="/politics/">Политика</a> | '
        '<a href="/economy/">Экономика</a> | <a href="/world/">В мире</a></nav></header>')
_FOOTER = ("<footer><p>Все права защищены. Перепечатка материалов только с разрешения редакции.</p>"
           "<ul><li>Реклама</li><li>Контакты</li><li>О нас</li></ul></footer>")


def _paragraphs(article: Article) -> str:
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)


def page_json_ld(article: Article, url: str) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
            "datePublished": article.published_at, "mainEntityOfPage": url,
            "author": [{"@type": "Person", "name": n} for n in article.authors],
            "publisher": {"@type": "Organization", "name": "Tengrinews"}}
    return f"""<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">
<title>{html.escape(article.title)} - Новости Казахстана</title>
<link rel="canonical" href="{url}">
<script type="application/ld+json">{json.dumps({"@graph": [data]}, ensure_ascii=False)}</script>
</head><body>{_NAV}<main><article><h1>{html.escape(article.title)}</h1>
{_paragraphs(article)}</article><aside><h3>Читайте также</h3><ul><li><a href="/x">Курс тенге</a></li>
<li><a href="/y">Погода</a></li></ul></aside></main>{_FOOTER}</body></html>"""


def page_opengraph_byline(article: Article, url: str, charset: str) -> str:
    byline = "Tекст: " + ", ".join(article.authors)  # Latin "T", as in the seed
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{html.escape(article.title)} — ВЗГЛЯД.РУ</title>
<meta property="og:title" content="{html.escape(article.title)}">
<meta property="og:type" content="article"><meta property="og:url" content="{url}">
<meta property="article:published_time" content="{article.published_at}">
</head><body>{_NAV}<div class="content"><h1>{html.escape(article.title)}</h1>
<div class="byline">{html.escape(byline)}</div><div class="text">
{_paragraphs(article)}</div></div>{_FOOTER}</body></html>"""


def page_meta_only(article: Article, *, charset: str = "utf-8", dated: bool = True) -> str:
    date_meta = f'<meta name="date" content="{article.published_at}">' if dated else ""
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{html.escape(article.title)}</title>
<meta name="title" content="{html.escape(article.title)}">{date_meta}
<meta name="author" content="{html.escape(', '.join(article.authors))}">
</head><body>{_NAV}<table><tr><td class="main"><h2>{html.escape(article.title)}</h2>
{_paragraphs(article)}</td></tr></table>{_FOOTER}</body></html>"""


def page_kazakh(article: Article, url: str) -> str:
    authors = "".join(f'<meta property="article:author" content="{html.escape(a)}">' for a in article.authors)
    return f"""<!DOCTYPE html><html lang="kk"><head><meta charset="utf-8">
<title>{html.escape(article.title)} | Egemen Qazaqstan</title>
<meta property="og:title" content="{html.escape(article.title)}"><meta property="og:url" content="{url}">
<meta property="article:published_time" content="{article.published_at}">{authors}
</head><body><header><nav><a href="/">Басты бет</a> | <a href="/saiasat">Саясат</a> |
<a href="/ekonomika">Экономика</a></nav></header><article><h1>{html.escape(article.title)}</h1>
{_paragraphs(article)}</article><footer><p>Барлық құқықтар қорғалған.</p></footer></body></html>"""


# ------------------------------------------------------------------------------------------ feeds
def rss(title: str, items: list[tuple[str, str, str | None]], encoding: str = "utf-8") -> bytes:
    """RSS 2.0 with (url, title, rfc822 date or None) items."""
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(u)}</link><guid>{html.escape(u)}</guid>"
        + (f"<pubDate>{d}</pubDate>" if d else "") + "</item>"
        for u, t, d in items)
    doc = (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>{title}</title>'
           f"<link>http://example.invalid/</link><description>fixture</description>{entries}</channel></rss>")
    return doc.encode(encoding)


def atom(title: str, items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f'<entry><title>{html.escape(t)}</title><link rel="alternate" href="{html.escape(u)}"/>'
        f"<id>{html.escape(u)}</id><updated>{d}</updated></entry>" for u, t, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{title}</title><updated>2025-09-02T12:00:00Z</updated>{entries}</feed>").encode()


def sitemap(items: list[tuple[str, str | None]], *, news: bool = False) -> bytes:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    rows = []
    for url, lastmod in items:
        extra = ""
        if news and lastmod:
            extra = (f"<news:news><news:publication><news:name>fixture</news:name><news:language>kk"
                     f"</news:language></news:publication><news:publication_date>{lastmod}"
                     "</news:publication_date></news:news>")
        elif lastmod:
            extra = f"<lastmod>{lastmod}</lastmod>"
        rows.append(f"<url><loc>{html.escape(url)}</loc>{extra}</url>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
            f'{ns}>{"".join(rows)}</urlset>').encode()


def sitemap_index(children: list[tuple[str, str | None]]) -> bytes:
    rows = "".join(f"<sitemap><loc>{html.escape(u)}</loc>" + (f"<lastmod>{m}</lastmod>" if m else "")
                   + "</sitemap>" for u, m in children)
    return (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>').encode()


XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;</loc></url></urlset>"""

PNG_BYTES = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15"
             b"\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND"
             b"\xaeB`\x82") * 50


def _rfc822(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso))


# ------------------------------------------------------------------------------------------- site
class FixtureSite:
    """The routes and expectations for a server reachable at ``http://127.0.0.1:{port}``."""

    OUTLETS = ("tengrinews", "vz_ru", "kazinform", "egemen", "zakon_kz", "nur_kz")

    def __init__(self, port: int, *, huge_bytes: int = 10 * 1024 * 1024, slow_seconds: float = 1.5) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.routes: dict[str, Route] = {}
        self.expected: list[Expected] = []
        self.huge_bytes = huge_bytes
        self.slow_seconds = slow_seconds
        self._build()

    def url(self, path: str) -> str:
        return self.base + path

    def _page(self, path: str, body: str | bytes, *, charset: str = "utf-8", content_type: str | None = None,
              **route: object) -> None:
        data = body.encode(charset) if isinstance(body, str) else body
        self.routes[path] = Route(body=data, content_type=content_type or f"text/html; charset={charset}",
                                  **route)

    def _landed(self, source: str, path: str, a: Article, **kw: object) -> None:
        self.expected.append(Expected(
            path=path, outcome="landed", source=source, title=a.title, published_at=a.published_at,
            authors=a.extracted_authors, body_start=a.paragraphs[0][:60], **kw))

    def _build(self) -> None:
        arts = _articles()
        u = self.url

        # tengrinews: JSON-LD, RSS 2.0 at the real path /news.rss; one off-topic article.
        items = []
        for key, path in (("seed000", "/tengrinews/kazakhstan_news/tokaev-si-priem-571234/"),
                          ("seed002", "/tengrinews/kazakhstan_news/tokaev-poblagodaril-571200/"),
                          ("weather", "/tengrinews/kazakhstan_news/almaty-poholodanie-571300/")):
            a = arts[key]
            self._page(path, page_json_ld(a, u(path)))
            items.append((u(path), a.title, _rfc822(a.published_at)))
            if key == "weather":
                self.expected.append(Expected(path=path, outcome="off_topic", source="tengrinews"))
            else:
                self._landed("tengrinews", path, a, language="ru", encoding="utf-8")
        self.routes["/tengrinews/news.rss"] = Route(body=rss("Tengrinews", items),
                                                    content_type="application/rss+xml")

        # vz_ru: windows-1251 pages, OpenGraph + byline; one page wrongly declared utf-8 in its header.
        a = arts["seed001"]
        path = "/vz_ru/politics/2025/8/30/1357001.html"
        self._page(path, page_opengraph_byline(a, u(path), "windows-1251"), charset="cp1251",
                   content_type="text/html; charset=windows-1251")
        self._landed("vz_ru", path, a, language="ru", encoding="cp1251")
        b = arts["koi8_trade"]
        path2 = "/vz_ru/economy/2025/9/2/1357100.html"
        wrong = page_opengraph_byline(b, u(path2), "utf-8").encode("cp1251")
        self._page(path2, wrong, content_type="text/html; charset=utf-8")
        self._landed("vz_ru", path2, b, language="ru", encoding="cp1251")
        self.routes["/vz_ru/rss.xml"] = Route(
            body=rss("ВЗГЛЯД", [(u(path), a.title, _rfc822(a.published_at)),
                                (u(path2), b.title, _rfc822(b.published_at))], encoding="windows-1251"),
            content_type="application/rss+xml")

        # kazinform: meta tags only; a koi8-r page whose only date is in its URL.
        a = arts["seed003"]
        path = "/kazinform/ru/tokaev-otmetil-potencial-a4125"
        self._page(path, page_meta_only(a))
        self._landed("kazinform", path, a, language="ru", encoding="utf-8")
        b = arts["redirected"]
        path2 = "/kazinform/ru/2025/09/03/novyi-perehod-a4200"
        self._page(path2, page_meta_only(b, charset="koi8-r", dated=False), charset="koi8-r")
        self.expected.append(Expected(path=path2, outcome="landed", source="kazinform", title=b.title,
                                      published_at="2025-09-03", authors=b.extracted_authors,
                                      body_start=b.paragraphs[0][:60], language="ru", encoding="koi8-r"))
        self.routes["/kazinform/rss/rus.xml"] = Route(
            body=rss("Kazinform", [(u(path), a.title, _rfc822(a.published_at)), (u(path2), b.title, None)]),
            content_type="application/rss+xml")

        # egemen: Kazakh page + Russian interview; Atom feed at /rss, news sitemap at /sitemap.xml.
        kk, ru = arts["kk_visit"], arts["seed004"]
        kk_path, ru_path = "/egemen/article/tokaev-si-czinpin-380001", "/egemen/article/intervju-380002"
        self._page(kk_path, page_kazakh(kk, u(kk_path)))
        self._page(ru_path, page_kazakh(ru, u(ru_path)))
        self._landed("egemen", kk_path, kk, language="kk", encoding="utf-8")
        self._landed("egemen", ru_path, ru, language="ru", encoding="utf-8")
        only = arts["sitemap_only"]
        only_path = "/egemen/article/viza-380003"
        self._page(only_path, page_kazakh(only, u(only_path)))
        self._landed("egemen", only_path, only, language="ru", encoding="utf-8")
        self.routes["/egemen/rss"] = Route(body=atom("Egemen", [
            (u(kk_path), kk.title, kk.published_at), (u(ru_path), ru.title, ru.published_at)]),
            content_type="application/atom+xml")
        self.routes["/egemen/sitemap.xml"] = Route(body=sitemap([
            (u(kk_path), kk.published_at), (u(only_path), only.published_at)], news=True),
            content_type="application/xml")

        # zakon_kz: every bad case, an in-domain redirect, a slow page; sitemap index with a news child.
        red, slow = arts["redirected"], arts["slow"]
        z = "/zakon_kz/news"
        self.routes[f"{z}/old-link"] = Route(status=301, location=u(f"{z}/2025/09/02/novyi-perehod.html"))
        self._page(f"{z}/2025/09/02/novyi-perehod.html", page_json_ld(red, u(f"{z}/2025/09/02/novyi-perehod.html")))
        self._landed("zakon_kz", f"{z}/old-link", red, landed_path=f"{z}/2025/09/02/novyi-perehod.html")
        self._page(f"{z}/slow", page_json_ld(slow, u(f"{z}/slow")), delay=self.slow_seconds)
        self._landed("zakon_kz", f"{z}/slow", slow)
        self.routes[f"{z}/broken"] = Route(status=500, body=b"<html><body>Internal error</body></html>")
        self.expected.append(Expected(path=f"{z}/broken", outcome="error", reason="http_500"))
        self.routes[f"{z}/loop-a"] = Route(status=302, location=u(f"{z}/loop-b"))
        self.routes[f"{z}/loop-b"] = Route(status=302, location=u(f"{z}/loop-a"))
        self.expected.append(Expected(path=f"{z}/loop-a", outcome="error", reason="redirect_loop"))
        self.routes[f"{z}/moved-away"] = Route(
            status=301, location=f"http://localhost:{self.port}/zakon_kz/news/elsewhere")
        self.expected.append(Expected(path=f"{z}/moved-away", outcome="error", reason="offsite_redirect"))
        self.expected.append(Expected(path=f"{z}/gone", outcome="error", reason="http_404"))
        self.routes[f"{z}/huge"] = Route(body=b"<html><body>" + b"<p>" + b"x" * self.huge_bytes + b"</p></body></html>")
        self.expected.append(Expected(path=f"{z}/huge", outcome="quarantined", reason="too_large"))
        self._page(f"{z}/empty", f"<html><head><title>Пусто</title></head><body>{_NAV}{_FOOTER}</body></html>")
        self.expected.append(Expected(path=f"{z}/empty", outcome="quarantined", reason="no_body"))
        self.routes[f"{z}/photo"] = Route(body=PNG_BYTES, content_type="text/html")
        self.expected.append(Expected(path=f"{z}/photo", outcome="quarantined", reason="binary"))
        self.expected.append(Expected(path="/zakon_kz/private/secret", outcome="error", reason="robots_forbidden"))
        self._page("/zakon_kz/private/secret", page_json_ld(slow, u("/zakon_kz/private/secret")))
        bad = ["old-link", "slow", "broken", "loop-a", "moved-away", "gone", "huge", "empty", "photo"]
        feed_items = [(u(f"{z}/{p}"), p, "Tue, 02 Sep 2025 10:00:00 +0500") for p in bad]
        feed_items.append((u("/zakon_kz/private/secret"), "private", None))
        self.routes["/zakon_kz/rss/all.xml"] = Route(body=rss("Zakon.kz", feed_items),
                                                     content_type="application/rss+xml")
        only2 = arts["seed000"]  # the same text again, at another outlet: lands (dedup is issue 3's job)
        path = "/zakon_kz/news/2025/08/31/si-priem.html"
        self._page(path, page_json_ld(only2, u(path)))
        self._landed("zakon_kz", path, only2)
        self.routes["/zakon_kz/sitemap.xml"] = Route(body=sitemap_index([
            (u("/zakon_kz/sitemap-news.xml"), "2025-09-02T12:00:00+05:00")]), content_type="application/xml")
        self.routes["/zakon_kz/sitemap-news.xml"] = Route(
            body=sitemap([(u(path), "2025-08-31T10:20:00+05:00")]), content_type="application/xml")

        # nur_kz: the feed is malformed, the sitemap is an XML bomb.
        self.routes["/nur_kz/rss/all.rss"] = Route(
            body=b'<?xml version="1.0"?><rss><channel><item><title>broken</title><link>http://x',
            content_type="application/rss+xml")
        self.expected.append(Expected(path="/nur_kz/rss/all.rss", outcome="quarantined", reason="malformed_feed"))
        self.routes["/nur_kz/sitemap.xml"] = Route(body=XML_BOMB, content_type="application/xml")
        self.expected.append(Expected(path="/nur_kz/sitemap.xml", outcome="quarantined", reason="xml_bomb"))

        self.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /zakon_kz/private/\n",
                                           content_type="text/plain", conditional=False)


class _Handler(BaseHTTPRequestHandler):
    site: FixtureSite
    hits: dict[str, int]
    lock: threading.Lock

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep the test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = urlsplit(self.path).path
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
        route = self.site.routes.get(path)
        if route is None:
            self._send(404, b"<html><body>Not found</body></html>", "text/html; charset=utf-8", {})
            return
        if route.delay:
            time.sleep(route.delay)
        if route.location:
            self._send(route.status, b"", "text/html", {"Location": route.location})
            return
        headers = {}
        if route.conditional and route.status == 200:
            etag = '"' + hashlib.sha1(route.body).hexdigest() + '"'
            headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            if self.headers.get("If-None-Match") == etag or (
                    self.headers.get("If-None-Match") is None
                    and self.headers.get("If-Modified-Since") == LAST_MODIFIED):
                self._send(304, b"", None, headers)
                return
        self._send(route.status, route.body, route.content_type, headers)

    def _send(self, status: int, body: bytes, content_type: str | None, headers: dict[str, str]) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for key, value in headers.items():
            self.send_header(key, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler hung up (e.g. the 10 MB page over its size limit)


class FixtureServer:
    """The site served on 127.0.0.1 in a background thread; ``hits`` counts requests per path."""

    def __init__(self, port: int = 0, **site_options: object) -> None:
        handler = type("Handler", (_Handler,), {"hits": {}, "lock": threading.Lock()})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.site = FixtureSite(self.port, **site_options)
        handler.site = self.site
        self.hits: dict[str, int] = handler.hits
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return self.site.base

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
