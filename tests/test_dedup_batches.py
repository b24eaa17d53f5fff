"""The persisted index reads and writes a batch at a time (``PostgresIndex.prefetch``/``flush``);
its decisions must be those of the in-memory index, whatever the batch size: history read from the
database and the batch's own additions held in memory must together answer as one index would."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg
import pytest
from helpers_core import insert_articles

from transforms.dedup import Deduplicator, Item, MemoryIndex, Signer
from transforms.dedup.storage import PostgresIndex

WORDS = ("Председатель КНР провел в Пекине переговоры с президентом Казахстана Стороны обсудили "
         "торгово-экономическое сотрудничество транзит грузов через порт строительство второй железной "
         "дороги и поставки сельскохозяйственной продукции По итогам встречи подписаны соглашения о "
         "взаимной защите инвестиций сотрудничестве в области возобновляемой энергетики расширении "
         "авиасообщения между Астаной и Урумчи Товарооборот двух стран превысил миллиардов долларов").split()


def corpus(seed: int = 5) -> list[tuple[str, None, str, datetime]]:
    """Originals, exact copies, near copies (a few words edited) and near copies of near copies
    (chains that merge groups), at distinct times, listed in shuffled order."""
    rng = random.Random(seed)
    texts: list[str] = []
    for _ in range(25):
        texts.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 80))))
    for _ in range(90):
        base = rng.choice(texts).split()
        kind = rng.random()
        if kind < 0.3:
            texts.append(" ".join(base))
        else:
            for _ in range(rng.randint(1, 6)):
                base[rng.randrange(len(base))] = rng.choice(WORDS)
            texts.append(" ".join(base))
    start = datetime(2026, 3, 2, 6, tzinfo=UTC)
    moments = [start + timedelta(minutes=7 * i) for i in range(len(texts))]
    rng.shuffle(moments)  # a copy may be published before its "original"
    rows = [(f"https://o{i % 9}.kz/{i}", None, text, moment) for i, (text, moment) in
            enumerate(zip(texts, moments, strict=True))]
    rng.shuffle(rows)
    return rows


def in_memory(items: list[Item], keys: np.ndarray) -> dict[int, int]:
    index = MemoryIndex()
    dedup = Deduplicator(index, Signer())
    for item, band_keys in zip(items, keys, strict=True):
        dedup.process(item, band_keys)
    return {item.key: index.root(item.key) for item in items}


@pytest.mark.parametrize("batch_size", [1, 7, 1000])
def test_batched_index_decides_as_the_memory_index(conn: psycopg.Connection, batch_size: int) -> None:
    rows = corpus()
    ids = insert_articles(conn, rows)
    signer = Signer()
    signatures = signer.sign_many([text for _, _, text, _ in rows])
    keys = signer.band_keys_many(np.stack([s.hashvalues for s in signatures]))
    items = [Item(article_id, published, hashlib.sha256(" ".join(text.split()).encode()).hexdigest(), signature)
             for article_id, (_, _, text, published), signature in zip(ids, rows, signatures, strict=True)]
    order = sorted(range(len(items)), key=lambda i: items[i].order)
    items, keys = [items[i] for i in order], keys[order]
    expected = in_memory(items, keys)
    repointed = 0  # groups merged by a later article (chains): the case that rewrites old links
    for start in range(0, len(items), batch_size):
        with conn.transaction():
            index = PostgresIndex(conn)
            dedup = Deduplicator(index, signer)
            index.prefetch(items[start:start + batch_size], keys[start:start + batch_size])
            for item, band_keys in zip(items[start:start + batch_size], keys[start:start + batch_size],
                                       strict=True):
                repointed += len(dedup.process(item, band_keys).repointed)
            index.flush()
    stored = dict(conn.execute("SELECT article_id, duplicate_of FROM core.duplicates").fetchall())
    got = {item.key: stored.get(item.key, item.key) for item in items}
    assert got == expected
    assert repointed > 0
    copies = sum(1 for key, root in expected.items() if key != root)
    assert 40 < copies < len(items) - 10  # the corpus has both, so the comparison means something
    signatures_rows = conn.execute("SELECT count(*) FROM core.minhash_signatures").fetchone()[0]
    assert signatures_rows == len(items)
