"""A flood of near-identical articles in one day (a feed glitch, a syndicated wire): O(n) rows."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from helpers_core import insert_articles

from transforms.dedup import deduplicate_pending
from transforms.dedup.config import MAX_PAIRS_PER_ARTICLE

WIRE = ("Председатель КНР Си Цзиньпин провел в Пекине переговоры с президентом Казахстана "
        "Касым-Жомартом Токаевым. Стороны обсудили торгово-экономическое сотрудничество, транзит "
        "грузов через порт Хоргос, строительство второй железной дороги и поставки сельскохозяйственной "
        "продукции. По итогам встречи подписаны соглашения о взаимной защите инвестиций, о сотрудничестве "
        "в области возобновляемой энергетики и о расширении авиасообщения между Астаной и Урумчи. "
        "Товарооборот двух стран по итогам прошлого года превысил {n} миллиардов долларов, отметили в "
        "пресс-службе Акорды. Следующая встреча лидеров запланирована на саммите ШОС. {tail}")
TAILS = ["Подписывайтесь на наш канал.", "Читайте также: главные новости дня.", "Фото: пресс-служба.",
         "Источник: информационное агентство.", ""]


def flood(n: int, day: datetime) -> list[tuple[str, str | None, str, datetime]]:
    rng = random.Random(11)
    rows = []
    for i in range(n):
        text = WIRE.format(n=rng.choice(["31", "31,5", "тридцать один", "более 31"]), tail=rng.choice(TAILS))
        words = text.split()
        for _ in range(3):  # a few edited words per copy
            words[rng.randrange(len(words))] = rng.choice(["также", "сегодня", "вновь", "официально"])
        rows.append((f"https://outlet{i % 40}.kz/news/{i}", None, " ".join(words),
                     day + timedelta(seconds=17 * i)))
    return rows


@pytest.mark.slow
def test_a_flood_of_near_identical_articles_writes_linear_rows(conn: psycopg.Connection) -> None:
    n = 2000
    insert_articles(conn, flood(n, datetime(2026, 3, 2, 6, tzinfo=UTC)))
    counts = deduplicate_pending(conn)
    assert counts["in"] == n
    duplicates = conn.execute("SELECT count(*), count(DISTINCT duplicate_of) FROM core.duplicates").fetchone()
    roots = n - duplicates[0]
    assert duplicates[0] >= n * 0.95, duplicates  # nearly every copy is linked to an original
    rows = {table: conn.execute(f"SELECT count(*) FROM core.{table}").fetchone()[0]
            for table in ("duplicate_pairs", "minhash_bands", "minhash_signatures", "article_embeddings",
                          "story_articles")}
    assert rows["duplicate_pairs"] <= MAX_PAIRS_PER_ARTICLE * n  # O(n), never the n²/2 of all pairs
    # Only group roots enter the LSH buckets (a root merged into an earlier group keeps its bands).
    assert counts["originals"] <= n * 0.05 and rows["minhash_bands"] <= 37 * counts["originals"]
    assert rows["minhash_signatures"] == rows["story_articles"] == n
    # Copies join their original's story unembedded: only the articles that were originals when
    # processed (before a later article merged their group into an earlier one) have a vector.
    assert roots <= rows["article_embeddings"] == counts["originals"]
    stories = conn.execute("SELECT count(*), max(article_count) FROM core.stories").fetchone()
    assert stories[0] <= counts["originals"] and stories[1] >= n * 0.95
    assert deduplicate_pending(conn)["in"] == 0
