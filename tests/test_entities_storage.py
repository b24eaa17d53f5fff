"""The entity stage on a real PostgreSQL: extract_pending, idempotence, refusals, re-linking."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
import pytest
from helpers_raw import insert_raw, land_seeds
from test_entities_linking import SEED_GOLD

from transforms.entities import extract_pending, pending_article_ids, relink
from transforms.normalize import normalize_pending


def add_article(conn: psycopg.Connection, article_id: int, text: str, language: str = "ru",
                published: str = "2025-08-30") -> None:
    """A core.articles row as the normalizer would write it (with its raw version), any text allowed:
    the entity stage must cope with whatever core.articles holds."""
    url = f"https://example.kz/{article_id}"
    raw_id = insert_raw(conn, url, text or " ")
    conn.execute(
        """INSERT INTO core.articles (article_id, url_fingerprint, raw_article_id, url, source, published_at,
               published_at_method, language, text, text_sha256, word_count, normalizer_version)
           OVERRIDING SYSTEM VALUE
           VALUES (%s, %s, %s, %s, 'test', %s, 'header', %s, %s, %s, %s, 'test')""",
        (article_id, hashlib.sha1(url.encode()).hexdigest(), raw_id, url, published, language, text,
         hashlib.sha256(text.encode()).hexdigest(), len(text.split())))


def add_seeds(conn: psycopg.Connection, seeds_dir: Path) -> dict[str, int]:
    """The seeds through the real normalizer (issue 3), as `make run` does."""
    land_seeds(conn, seeds_dir)
    normalize_pending(conn)
    return {url[7:10]: article_id for url, article_id in conn.execute("SELECT url, article_id FROM core.articles")}


pytestmark = pytest.mark.slow


def test_seeds_fill_entities_mentions_facts_and_quotes(conn: psycopg.Connection, seeds_dir: Path) -> None:
    ids = add_seeds(conn, seeds_dir)
    counts = extract_pending(conn, workers=2)
    assert counts["in"] == counts["out"] == 5 and counts["skipped"] == 0
    per_entity = dict(conn.execute(
        """SELECT e.entity_key, count(*) FROM core.mentions m JOIN core.entities e USING (entity_id)
           GROUP BY 1""").fetchall())
    assert per_entity["tokayev"] >= 25 and per_entity["xi_jinping"] >= 15 and per_entity["sco"] >= 8
    # the hand-checked variants resolve the same way on the normalized texts
    linked = conn.execute(
        "SELECT m.surface, e.entity_key FROM core.mentions m JOIN core.entities e USING (entity_id)").fetchall()
    for key, variants in SEED_GOLD.items():
        assert {k for surface, k in linked if surface in variants} == {key}
    # offsets point into core.articles.text
    bad = conn.execute(
        """SELECT count(*) FROM core.mentions m JOIN core.articles a USING (article_id)
           WHERE substr(a.text, m.start + 1, m.stop - m.start) <> m.surface""").fetchone()[0]
    assert bad == 0
    money = conn.execute("SELECT article_id, text, amount, currency FROM core.facts WHERE kind = 'money' "
                         "ORDER BY article_id, start").fetchall()
    assert (ids["001"], "44 млрд долларов", 44_000_000_000, "USD") in money
    assert (ids["004"], "24 миллиарда долларов", 24_000_000_000, "USD") in money
    xi_quote = conn.execute(
        """SELECT q.text FROM core.quotes q JOIN core.entities e ON e.entity_id = q.speaker_entity_id
           WHERE q.article_id = %s AND e.entity_key = 'xi_jinping'""", (ids["002"],)).fetchall()
    assert len(xi_quote) == 1 and xi_quote[0][0].startswith("Под Вашим председательством")
    run = conn.execute("SELECT status, counts FROM ops.stage_runs WHERE stage = 'entities'").fetchone()
    assert run[0] == "succeeded" and run[1]["out"] == 5


def test_rerunning_changes_nothing(conn: psycopg.Connection, seeds_dir: Path) -> None:
    ids = add_seeds(conn, seeds_dir)
    extract_pending(conn)
    snapshot = conn.execute("SELECT mention_id, entity_id FROM core.mentions ORDER BY 1").fetchall()
    assert pending_article_ids(conn) == []
    assert extract_pending(conn)["in"] == 0
    assert conn.execute("SELECT mention_id, entity_id FROM core.mentions ORDER BY 1").fetchall() == snapshot
    # forcing the same articles again replaces rows with equal ones, no duplicates
    extract_pending(conn, article_ids=list(ids.values())[:2])
    assert conn.execute("SELECT count(*) FROM core.mentions").fetchone()[0] == len(snapshot)
    seeded = conn.execute("SELECT count(*), count(DISTINCT entity_key) FROM core.entities "
                          "WHERE origin = 'seed'").fetchone()
    assert seeded[0] == seeded[1]


def test_changed_text_makes_the_article_pending_again(conn: psycopg.Connection) -> None:
    add_article(conn, 1, "Токаев прибыл в Пекин.")
    extract_pending(conn)
    new_text = "Си Цзиньпин прибыл в Астану."
    conn.execute("UPDATE core.articles SET text = %s, text_sha256 = %s WHERE article_id = 1",
                 (new_text, hashlib.sha256(new_text.encode()).hexdigest()))
    assert pending_article_ids(conn) == [1]
    extract_pending(conn)
    keys = {r[0] for r in conn.execute(
        "SELECT e.entity_key FROM core.mentions JOIN core.entities e USING (entity_id)")}
    assert keys == {"xi_jinping", "astana"}


def test_bad_and_non_russian_articles_get_no_ner_and_say_why(conn: psycopg.Connection) -> None:
    add_article(conn, 1, "")
    add_article(conn, 2, "Tokayev met Xi Jinping in Tianjin.")
    add_article(conn, 3, bytes(range(1, 256)).decode("latin-1") * 20)
    add_article(conn, 4, "Токаев Пекинге барды. Қазақстан мен Қытай 44 млрд долларлық келісім жасады.", "kk")
    add_article(conn, 5, "Токаев прибыл в Пекин. " * 40_000)
    counts = extract_pending(conn)
    # Latin-script and Kazakh texts are not bad input: recorded, not quarantined, and they still get
    # the alias table's names (Tokayev, Xi Jinping, Тоқаев) without NER
    assert counts == {**counts, "in": 5, "out": 0, "skipped": 5, "quarantined": 3}
    assert {r[0] for r in conn.execute("SELECT DISTINCT article_id FROM core.mentions")} == {2, 4}
    reasons = dict(conn.execute("SELECT article_id, reason_code FROM core.entity_runs").fetchall())
    assert reasons == {1: "empty", 2: "no_cyrillic", 3: "garbage", 4: "not_russian", 5: "too_large"}
    quarantined = {r[0] for r in conn.execute("SELECT item_key FROM ops.quarantine WHERE stage = 'entities'")}
    assert quarantined == {"core.articles:1", "core.articles:3", "core.articles:5"}
    # money and dates do not need Russian NER: the Kazakh article still gets its amount
    assert conn.execute("SELECT amount FROM core.facts WHERE article_id = 4").fetchone()[0] == 44_000_000_000


def test_alias_edit_relinks_old_mentions_without_ner(conn: psycopg.Connection) -> None:
    add_article(conn, 1, "Делегация посетила город Цзинань, а затем Токаев вернулся в Астану.")
    extract_pending(conn)
    before = dict(conn.execute(
        "SELECT m.surface, e.entity_key FROM core.mentions m JOIN core.entities e USING (entity_id)"
    ).fetchall())
    assert before["Цзинань"].startswith("auto:LOC:")
    processed_at = conn.execute("SELECT processed_at FROM core.entity_runs").fetchone()[0]
    # an analyst makes the city a curated entity with another spelling as canonical name
    entity_id = conn.execute(
        "INSERT INTO core.entities (entity_key, canonical_name, type, origin) "
        "VALUES ('jinan', 'Цзинань (Шаньдун)', 'LOC', 'analyst') RETURNING entity_id").fetchone()[0]
    conn.execute("INSERT INTO core.entity_aliases (alias, entity_id, type, origin) "
                 "VALUES ('Цзинань', %s, 'LOC', 'analyst')", (entity_id,))
    counts = relink(conn)
    assert counts["relinked"] == 1 and counts["entities_removed"] == 1
    after = dict(conn.execute(
        "SELECT m.surface, e.entity_key FROM core.mentions m JOIN core.entities e USING (entity_id)"
    ).fetchall())
    assert after == {**before, "Цзинань": "jinan"}
    assert conn.execute("SELECT processed_at FROM core.entity_runs").fetchone()[0] == processed_at
    assert conn.execute("SELECT count(*) FROM core.entities WHERE entity_key = %s",
                        (before["Цзинань"],)).fetchone()[0] == 0
    assert relink(conn)["relinked"] == 0


def test_command_runs_the_stage_and_relinks(conn: psycopg.Connection, db_url: str, monkeypatch,
                                            capsys) -> None:
    from mediamon.cli import main

    add_article(conn, 1, "Касым-Жомарт Токаев встретился с Си Цзиньпином в Тяньцзине.")
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", db_url)
    assert main(["entities", "--pending", "--workers", "1"]) == 0
    assert '"out": 1' in capsys.readouterr().out
    assert main(["entities", "--relink"]) == 0
    assert '"relinked": 0' in capsys.readouterr().out
    keys = {r[0] for r in conn.execute(
        "SELECT e.entity_key FROM core.mentions JOIN core.entities e USING (entity_id)")}
    assert keys == {"tokayev", "xi_jinping", "tianjin"}


def test_seed_aliases_load_in_bulk_refresh_seed_rows_and_leave_analyst_rows(conn: psycopg.Connection,
                                                                              tmp_path: Path) -> None:
    """load_seed_aliases writes the alias file in two statements: a second load adds nothing, a
    changed canonical name reaches the seed row, an analyst entity of the same key is never touched."""
    from transforms.entities import load_seed_aliases

    path = tmp_path / "aliases.csv"
    path.write_text("entity_key,type,canonical_name,aliases\n"
                    "tokayev,PER,Касым-Жомарт Токаев,Токаев|Тоқаев\n"
                    "kz,LOC,Казахстан,РК\n", encoding="utf-8")
    conn.execute("INSERT INTO core.entities (entity_key, canonical_name, type, origin)"
                 " VALUES ('kz', 'Республика Казахстан', 'LOC', 'analyst')")
    assert load_seed_aliases(conn, path) == 5  # 3 for tokayev, 2 for the analyst's kz
    assert load_seed_aliases(conn, path) == 0
    path.write_text("entity_key,type,canonical_name,aliases\n"
                    "tokayev,PER,Токаев Касым-Жомарт,Токаев\n"
                    "kz,LOC,Казахстан,РК\n", encoding="utf-8")
    assert load_seed_aliases(conn, path) == 1  # the new canonical name is also an alias
    names = dict(conn.execute("SELECT entity_key, canonical_name FROM core.entities"
                              " WHERE entity_key IN ('tokayev', 'kz')").fetchall())
    assert names == {"tokayev": "Токаев Касым-Жомарт", "kz": "Республика Казахстан"}
