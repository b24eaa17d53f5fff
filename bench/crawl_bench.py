"""Crawl benchmark: pages/s of the news spider (fetch + extraction + landing in PostgreSQL) on a local
site with realistic page sizes, beside ``scrapy bench`` on the same machine.

    .venv/bin/python bench/crawl_bench.py [--pages 600] [--page-kb 90]

The local site is served from this process (a threaded ``http.server``); the spider runs as
``scrapy crawl news -a feed=<sitemap>`` in a subprocess against a throw-away database, with
AutoThrottle off (it is a politeness delay, not a cost of the crawler) and robots.txt still obeyed.
The rate is articles extracted / Scrapy's ``elapsed_time_seconds``; ``scrapy bench`` (link
following, no parsing, no database) is parsed from its final stats the same way.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))

from fixture_site.site import FixtureServer, Route, _articles, page_json_ld, sitemap  # noqa: E402

from mediamon import migrations  # noqa: E402


def build_pages(server: FixtureServer, count: int, page_kb: int) -> None:
    """``count`` article pages of about ``page_kb`` KB (text + navigation + scripts, like real
    news pages) and a sitemap listing them."""
    articles = list(_articles().values())
    nav = "".join(f'<li><a href="/rubric/{i}">Рубрика номер {i}</a></li>' for i in range(300))
    script = "<script>var config = {" + ",".join(f'"k{i}": "{"v" * 40}"' for i in range(400)) + "};</script>"
    entries = []
    for i in range(count):
        article = articles[i % len(articles)]
        path = f"/bench/news/{i}"
        html = page_json_ld(article, server.site.url(path))
        html = html.replace("<body>", f"<body><ul class='menu'>{nav}</ul>{script}", 1)
        teasers, n = [], 0
        room = page_kb * 1024 - len(html.encode())
        while room > 0:  # "more news" teasers until the page has its size: markup, not a comment
            teaser = (f'<div class="teaser"><a href="/news/{i}-{n}"><img src="/img/{n}.jpg" alt="">'
                      f"Заголовок другой новости дня номер {n}</a><span class='time'>12:{n % 60:02d}</span></div>")
            teasers.append(teaser)
            room -= len(teaser.encode())
            n += 1
        html = html.replace("</body>", f"<section class='more'>{''.join(teasers)}</section></body>", 1)
        server.site.routes[path] = Route(body=html.encode())
        entries.append((server.site.url(path), "2025-09-02T11:00:00+05:00"))
    server.site.routes["/bench/sitemap.xml"] = Route(body=sitemap(entries), content_type="application/xml")


def run_news(server: FixtureServer, url: str, settings: list[str] = ()) -> dict[str, float]:
    command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"feed={server.base_url}/bench/sitemap.xml",
               "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
               "-s", "MEDIAMON_LOCAL_SOURCES=*", *(arg for s in settings for arg in ("-s", s))]
    env = {**os.environ, "MEDIAMON_DATABASE_URL": url}
    cpu = _children_cpu()
    subprocess.run(command, cwd=REPO_ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu = _children_cpu() - cpu
    import psycopg

    with psycopg.connect(url) as conn:
        stats, new = conn.execute("SELECT stats, items_new FROM ops.crawl_runs ORDER BY crawl_run_id DESC").fetchone()
    pages = stats.get("mediamon/news/articles_extracted", 0)
    elapsed = float(stats["elapsed_time_seconds"])
    return {"pages": pages, "landed": new, "elapsed": elapsed, "rate": pages / elapsed,
            "extract_cpu_ms": stats.get("mediamon/news/extract_cpu_ms", 0) / max(pages, 1), "cpu": cpu}


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes: the spider's own process with
    its start-up, not its extraction workers (forked by a forkserver, not waited for by us)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_scrapy_bench() -> dict[str, float]:
    cpu = _children_cpu()
    completed = subprocess.run([sys.executable, "-m", "scrapy", "bench"], cwd="/tmp", capture_output=True,
                               text=True, check=True)
    cpu = _children_cpu() - cpu
    log = completed.stderr + completed.stdout
    pages = int(re.search(r"'response_received_count': (\d+)", log).group(1))
    elapsed = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", log).group(1))
    return {"pages": pages, "elapsed": elapsed, "rate": pages / elapsed, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--page-kb", type=int, default=90)
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="a Scrapy setting for the news spider (e.g. MEDIAMON_EXTRACT_WORKERS=0)")
    args = parser.parse_args()

    load_before = os.getloadavg()
    with migrations.scratch_database("mediamon_bench") as url:
        with FixtureServer() as server:
            build_pages(server, args.pages, args.page_kb)
            started = time.perf_counter()
            news = run_news(server, url, args.settings)
            wall = time.perf_counter() - started
    bench = run_scrapy_bench()
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f} before, {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} after")
    print(f"news spider: {news['pages']} pages of ~{args.page_kb} KB extracted, {news['landed']} landed, "
          f"in {news['elapsed']:.1f} s (subprocess wall {wall:.1f} s) -> {news['rate']:.1f} pages/s "
          f"({news['rate'] * 60:.0f} pages/min); CPU: spider process {news['cpu']:.1f} s (with start-up), "
          f"extraction {news['extract_cpu_ms']:.1f} ms/page")
    print(f"scrapy bench: {bench['pages']} pages in {bench['elapsed']:.1f} s -> {bench['rate']:.1f} pages/s "
          f"({bench['rate'] * 60:.0f} pages/min); CPU {bench['cpu']:.1f} s (with start-up, its server)")
    print(f"ratio: {news['rate'] / bench['rate']:.2f} of scrapy bench (target >= 0.50)")


if __name__ == "__main__":
    main()
