"""The daily run at scale: N realistic Russian articles a day for D consecutive days, each day through
the real DAG exactly as ``mediamon airflow run`` runs it (``python -m mediamon.airflow_tool test DAY``:
``dag.test()``, the seed crawl, normalize, deduplicate, the mapped entity batches, quality, marts).

    .venv/bin/python bench/daily_run.py                    # N=10 000, D=3
    .venv/bin/python bench/daily_run.py -n 2000 -d 2 --write docs/benchmarks.md
    .venv/bin/python bench/daily_run.py --quick            # N=300, D=2: checks it runs, asserts no time

Articles are spliced from real texts: the factRuEval-2016 devset (122 news documents), the
tgcontest dev documents (73) and the five seeds, cut into sentences; each generated article takes
the sentences of one "lead" text in order and splices in sentences of others, with its own title,
so no two generated articles are near copies by chance. About 15 % of each day are reprints of an
article of the same day or an earlier one: a third exact copies, the rest with a new title, a
byline and one sentence dropped or added (near duplicates). Same seed, same corpus: same articles.

Each day is written as seed files into its own folder and crawled from there (``MEDIAMON_SEEDS_DIR``),
into a scratch news database and a scratch Airflow metadata database (both dropped at the end). Per
day the script prints, per task: instances, wall time (first start to last end) and the sum of the
instances' durations, read from Airflow's ``task_instance`` table; plus the run's total, the peak
RSS of the run's process tree (``wait4``) and the news database's size after the day.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mediamon import airflow_connection, airflow_local, database, migrations, settings  # noqa: E402

# ../shared/data beside the clone (as bench/ner_eval.py reads it), or two levels up from a worktree.
_SHARED = [REPO.parent / "shared" / "data", REPO.parent.parent / "shared" / "data"]
DATA = Path(os.environ.get("MEDIAMON_SHARED_DATA") or next((p for p in _SHARED if p.exists()), _SHARED[0]))
TASK_ORDER = ["check_schema", "plan_crawls", "crawl", "normalize", "deduplicate", "plan_entity_batches",
              "extract_entities", "check_quality", "refresh_marts"]
_SENTENCE = re.compile(r"(?<=[.!?»])\s+(?=[«\"A-ZА-ЯЁ0-9])")


# --- the corpus --------------------------------------------------------------------------------

def load_texts(data: Path = DATA) -> list[str]:
    """The real texts the articles are spliced from (bodies only; titles are made per article)."""
    texts: list[str] = []
    for name in ("ner/factru_dev.jsonl", "stories/tg_dev_docs.jsonl"):
        path = data / name
        if not path.exists():
            raise SystemExit(f"daily_run: error: {path} is missing (MEDIAMON_SHARED_DATA points at shared/data)")
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    from transforms.text_meta import split_header

    for seed in sorted(settings.seeds_dir().glob("*.txt")):
        texts.append(split_header(seed.read_text(encoding="utf-8")).rest)
    return [t for t in texts if len(t) > 200]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if len(s.strip()) > 20]


@dataclass(frozen=True)
class Article:
    name: str
    day: date
    title: str
    body: str

    def file_text(self) -> str:
        return f" date {self.day.isoformat()} {self.title}\n\n{self.body}\n"


class Generator:
    """Deterministic articles: the same ``seed`` gives the same days."""

    def __init__(self, texts: list[str], seed: int = 17, reprint_share: float = 0.15) -> None:
        self.random = random.Random(seed)
        self.docs = [s for s in (sentences(t) for t in texts) if len(s) >= 3]
        self.pool = [s for doc in self.docs for s in doc]
        self.reprint_share = reprint_share
        self.history: list[Article] = []
        self.counter = 0

    def _fresh(self, day: date) -> Article:
        rnd = self.random
        lead = rnd.choice(self.docs)
        start = rnd.randrange(0, max(1, len(lead) - 3))
        body = lead[start:start + rnd.randint(4, 9)]
        for _ in range(rnd.randint(4, 10)):
            body.insert(rnd.randrange(0, len(body) + 1), rnd.choice(self.pool))
        words = rnd.choice(self.pool).rstrip(".!?").split()
        title = " ".join(words[: rnd.randint(6, 11)])
        paragraphs = [" ".join(body[i:i + 3]) for i in range(0, len(body), 3)]
        self.counter += 1
        return Article(f"d{day:%Y%m%d}_{self.counter:06d}.txt", day, title, "\n\n".join(paragraphs))

    def _reprint(self, day: date, original: Article) -> Article:
        rnd = self.random
        self.counter += 1
        name = f"d{day:%Y%m%d}_{self.counter:06d}.txt"
        if rnd.random() < 1 / 3:
            return Article(name, day, original.title, original.body)
        paragraphs = original.body.split("\n\n")
        parts = [s for p in paragraphs for s in sentences(p)]
        if len(parts) > 6 and rnd.random() < 0.5:
            parts.pop(rnd.randrange(len(parts)))
        else:
            parts.insert(rnd.randrange(len(parts) + 1), rnd.choice(self.pool))
        body = "\n\n".join(" ".join(parts[i:i + 3]) for i in range(0, len(parts), 3))
        return Article(name, day, "Перепечатка: " + original.title, body + "\n\nИсточник: агентство")

    def day(self, day: date, n: int) -> tuple[list[Article], int]:
        """``n`` articles for ``day``; returns them and how many are reprints."""
        articles: list[Article] = []
        reprints = 0
        for _ in range(n):
            pool = self.history + articles
            if pool and self.random.random() < self.reprint_share:
                articles.append(self._reprint(day, self.random.choice(pool)))
                reprints += 1
            else:
                articles.append(self._fresh(day))
        self.history += articles
        return articles, reprints


# --- running and measuring ---------------------------------------------------------------------

@dataclass
class DayResult:
    day: date
    articles: int
    reprints: int
    history: int
    state: str
    wall_s: float
    peak_rss_mb: float
    db_mb: float
    tasks: list[tuple[str, int, float, float]]  # task, instances, wall seconds, summed seconds
    returns: dict


def run_day(env: dict[str, str], day: date, seeds: Path, meta_url: str, work: Path,
            profile: Path | None = None) -> tuple[str, float, float, dict]:
    """One ``dag.test()`` run (a process of its own, as ``mediamon airflow run``); state, wall, RSS.

    With ``profile``, the run goes under ``py-spy record --subprocesses`` (collapsed stacks into
    that file; the spiders' subprocesses and the forked NER processes included).
    """
    out = work / f"report-{day}.json"
    command = [sys.executable, "-m", "mediamon.airflow_tool", "test", day.isoformat(), "--out", str(out)]
    if profile is not None:
        # --nonblocking: py-spy must not stop the processes it samples; stopping them left a forked
        # NER worker stopped for good and the run hung (seen at N=2000).
        command = [str(Path(sys.executable).with_name("py-spy")), "record", "--subprocesses", "--nonblocking",
                   "--rate", "25",
                   "--format", "raw", "--output", str(profile), "--", *command]
    started = time.monotonic()
    proc = subprocess.Popen(command,
                            env={**env, "MEDIAMON_SEEDS_DIR": str(seeds)}, cwd=REPO,
                            stdout=(work / f"run-{day}.log").open("w"), stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    report = json.loads(out.read_text()) if out.exists() else {"state": f"no report (exit {proc.returncode})"}
    return report["state"], wall, usage.ru_maxrss / 1024, report.get("returns", {})


def profile_summary(path: Path, top: int = 25) -> str:
    """The functions the samples spent most time in: inclusive (anywhere on the stack) for the
    project's own code and the libraries it calls, and self time (the innermost frame)."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [f for f in stack.split(";") if "(" in f and not f.startswith(("process ", "thread "))]
        names = [re.sub(r":\d+\)$", ")", f) for f in frames]
        for name in set(names):
            inclusive[name] = inclusive.get(name, 0) + count
        if names:
            own[names[-1]] = own.get(names[-1], 0) + count
    def rows(table: dict[str, int], keep) -> list[str]:
        chosen = sorted(((n, c) for n, c in table.items() if keep(n)), key=lambda item: -item[1])[:top]
        return [f"| {100 * c / max(1, total):5.1f} % | `{n[:150]}` |" for n, c in chosen]
    ours = ("transforms/", "mediamon/", "crawlers/", "dags/")
    lines = [f"{total} samples", "", "| inclusive | function (project code) |", "|---:|---|"]
    lines += rows(inclusive, lambda n: any(p in n for p in ours))
    lines += ["", "| self | function (anywhere) |", "|---:|---|"]
    lines += rows(own, lambda n: True)
    return "\n".join(lines)


def task_times(meta_url: str, day: date) -> list[tuple[str, int, float, float]]:
    run_moment = airflow_local.manual_run_moment(day.isoformat())
    with psycopg.connect(meta_url) as conn:
        rows = conn.execute(
            "SELECT ti.task_id, count(*), extract(epoch FROM max(ti.end_date) - min(ti.start_date)),"
            "       coalesce(sum(ti.duration), 0)"
            "  FROM task_instance ti JOIN dag_run r ON r.run_id = ti.run_id AND r.dag_id = ti.dag_id"
            " WHERE ti.dag_id = 'media_monitoring' AND r.logical_date = %s GROUP BY ti.task_id",
            (run_moment,)).fetchall()
    order = {t: i for i, t in enumerate(TASK_ORDER)}
    return sorted(((t, int(n), float(w or 0), float(s)) for t, n, w, s in rows), key=lambda r: order.get(r[0], 99))


def db_size_mb(url: str) -> float:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20


def format_day(result: DayResult) -> str:
    lines = [f"day {result.day} — {result.articles} articles ({result.reprints} reprints), history "
             f"{result.history}: {result.state} in {result.wall_s:.0f} s, peak RSS {result.peak_rss_mb:.0f} MB, "
             f"news database {result.db_mb:.0f} MB",
             "", "| task | instances | wall s | sum of instances s | ms / article (wall) |",
             "|---|---:|---:|---:|---:|"]
    for task, n, wall, total in result.tasks:
        lines.append(f"| {task} | {n} | {wall:.1f} | {total:.1f} | {1000 * wall / max(1, result.articles):.1f} |")
    marts = next(iter(result.returns.get("refresh_marts") or []), None)
    if isinstance(marts, dict) and marts.get("seconds"):
        lines += ["", "mart refresh, seconds per view: " + ", ".join(
            f"{view.removeprefix('mart.')} {sec:.1f}" for view, sec in marts["seconds"].items())]
    return "\n".join(lines)


SUMMARY_STAGES = ("crawl", "normalize", "deduplicate", "extract_entities", "check_quality", "refresh_marts",
                  "detect_alerts")


def summary_table(results: list[DayResult]) -> str:
    head = "| day | history | " + " | ".join(SUMMARY_STAGES) + " | total (run) | peak RSS | DB size |"
    lines = [head, "|" + "---|" * (len(SUMMARY_STAGES) + 5)]
    for r in results:
        walls = {t: w for t, _, w, _ in r.tasks}
        lines.append(f"| {r.day} | {r.history} | " + " | ".join(f"{walls.get(s, 0):.0f} s" for s in SUMMARY_STAGES)
                     + f" | {r.wall_s:.0f} s | {r.peak_rss_mb:.0f} MB | {r.db_mb:.0f} MB |")
    return "\n".join(lines)


def growth_table(results: list[DayResult], limit: float = 0.20) -> str:
    """Each stage's wall ms per article on the first and the last day and its growth: issue 17's
    flatness rule (no stage more than ``limit`` up from day 1 to day D), judged on the figures."""
    if len(results) < 2:
        return ""
    first, last = results[0], results[-1]
    lines = [f"| stage | {first.day} ms/article | {last.day} ms/article | growth | within +{limit:.0%} |",
             "|---|---:|---:|---:|---|"]
    def per_article(result: DayResult, stage: str) -> float:
        walls = {t: w for t, _, w, _ in result.tasks}
        return 1000 * walls.get(stage, 0.0) / max(1, result.articles)
    rows = [(stage, per_article(first, stage), per_article(last, stage)) for stage in SUMMARY_STAGES]
    rows.append(("total (run)", 1000 * first.wall_s / max(1, first.articles),
                 1000 * last.wall_s / max(1, last.articles)))
    for stage, a, b in rows:
        growth = (b - a) / a if a > 0 else 0.0
        lines.append(f"| {stage} | {a:.2f} | {b:.2f} | {growth:+.0%} | {'yes' if growth <= limit else '**no**'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--articles", type=int, default=10_000, help="articles per day (default 10 000)")
    parser.add_argument("-d", "--days", type=int, default=3, help="consecutive days (default 3)")
    parser.add_argument("--quick", action="store_true", help="N=300, D=2: a check that it runs, no figures kept")
    parser.add_argument("--first-day", default="2025-09-01")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--write", type=Path, help="append the result as a section of this Markdown file")
    parser.add_argument("--note", default="", help="a line for the written section (load, what changed)")
    parser.add_argument("--cheap-embedder", action="store_true",
                        help="PROFILING ONLY: swap the story embedder for a word-hash one (no model) so the "
                             "other stages' costs show; never a shipped setting, figures are labelled")
    parser.add_argument("--profile", type=Path,
                        help="folder for py-spy profiles of each day's run (collapsed stacks + a summary)")
    args = parser.parse_args(argv)
    if args.quick:
        args.articles, args.days = 300, 2
    generator = Generator(load_texts(), seed=args.seed)
    first = date.fromisoformat(args.first_day)
    server = database.with_database(database.database_url(), "postgres")
    meta_name = f"airflow_daily_bench_{os.getpid()}"
    results: list[DayResult] = []
    uptime_before = Path("/proc/loadavg").read_text().split()[:3]
    started_at = time.gmtime()
    with migrations.scratch_database("mediamon_daily_bench") as news_url, \
            tempfile.TemporaryDirectory(prefix="mediamon-daily-") as tmp:
        work = Path(tmp)
        meta_url = database.create_database(server, meta_name)
        try:
            env = {**os.environ, **airflow_local.airflow_env(
                news_url, metadata_url=airflow_connection.sqlalchemy_url(meta_url), home=work / "airflow"),
                "MEDIAMON_LOCAL_DIR": str(work / "local"), "MEDIAMON_CRAWL_LOG_LEVEL": "WARNING"}
            if args.cheap_embedder:
                env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "bench" / "cheap_embedder"),
                                                                  env.get("PYTHONPATH")]))
            subprocess.run([sys.executable, "-m", "mediamon.airflow_tool", "init"], env=env, cwd=REPO, check=True,
                           stdout=subprocess.DEVNULL)
            history = 0
            for offset in range(args.days):
                day = first + timedelta(days=offset)
                articles, reprints = generator.day(day, args.articles)
                seeds = work / f"seeds-{day}"
                seeds.mkdir()
                for article in articles:
                    (seeds / article.name).write_text(article.file_text(), encoding="utf-8")
                print(f"day {day}: {len(articles)} articles ({reprints} reprints) written, running the DAG ...",
                      flush=True)
                profile = None
                if args.profile:
                    args.profile.mkdir(parents=True, exist_ok=True)
                    profile = args.profile / f"py-spy-{day}.txt"
                state, wall, rss, returns = run_day(env, day, seeds, meta_url, work, profile)
                if profile is not None and profile.exists():
                    summary = profile_summary(profile)
                    (args.profile / f"py-spy-{day}.md").write_text(summary + "\n")
                    print(summary + "\n", flush=True)
                result = DayResult(day, len(articles), reprints, history, state, wall, rss, db_size_mb(news_url),
                                   task_times(meta_url, day), returns)
                results.append(result)
                print(format_day(result) + "\n", flush=True)
                history += len(articles)
                if state != "success":
                    print((work / f"run-{day}.log").read_text()[-6000:], file=sys.stderr)
                    break
        finally:
            database.drop_database(server, meta_name)
    uptime_after = Path("/proc/loadavg").read_text().split()[:3]
    table = summary_table(results)
    growth = growth_table(results)
    print(table + ("\n\n" + growth if growth else ""))
    print(f"load average before {' '.join(uptime_before)}, after {' '.join(uptime_after)}")
    succeeded = bool(results) and all(r.state == "success" for r in results)
    if args.write and not args.quick and succeeded:
        command = (f".venv/bin/python bench/daily_run.py -n {args.articles} -d {args.days}"
                   + (" --cheap-embedder" if args.cheap_embedder else ""))
        span = f"{time.strftime('%Y-%m-%d %H:%M', started_at)}–{time.strftime('%H:%M UTC', time.gmtime())}"
        section = [f"\n### {span}: N={args.articles}, D={args.days}",
                   "", f"`{command}` — {os.cpu_count()} cores, load average {' '.join(uptime_before)} before, "
                   f"{' '.join(uptime_after)} after. {args.note}".rstrip()
                   + (" **Profiling run: story embedder swapped for a word-hash one (--cheap-embedder).**"
                      if args.cheap_embedder else ""), "", table, "", growth, ""]
        for result in results:
            section += ["<details><summary>" + f"day {result.day}: every task</summary>", "",
                        format_day(result), "", "</details>", ""]
        with args.write.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(section))
    return 0 if succeeded else 1


if __name__ == "__main__":
    sys.exit(main())
