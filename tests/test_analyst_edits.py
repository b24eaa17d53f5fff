"""Analysts' sanctioned edit path (schema analyst): alias add/remove, entity merge/split, story
merge/split, recorded with who and when, kept by every later run, re-link and re-clustering."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from test_entities_storage import add_article, add_seeds

from mediamon.cli import main
from transforms.dedup import deduplicate_pending
from transforms.entities import extract_pending, relink

pytestmark = pytest.mark.slow


@pytest.fixture()
def analyst_url(conn: psycopg.Connection, db_url: str) -> Iterator[tuple[str, str]]:
    """URL of a real analyst LOGIN granted mediamon_analyst, and its name."""
    login = f"analyst_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    conn.execute(f"CREATE ROLE {login} LOGIN PASSWORD '{password}'")
    conn.execute(f"GRANT mediamon_analyst TO {login}")
    params = conninfo_to_dict(db_url)
    params.update(user=login, password=password)
    yield make_conninfo(**params), login
    conn.execute(f"DROP OWNED BY {login}")
    conn.execute(f"DROP ROLE {login}")


def _links(conn: psycopg.Connection) -> dict[str, str]:
    return dict(conn.execute(
        "SELECT m.surface, e.entity_key FROM core.mentions m JOIN core.entities e USING (entity_id)").fetchall())


def _stories(conn: psycopg.Connection) -> dict[int, int]:
    return dict(conn.execute("SELECT article_id, story_id FROM core.story_articles").fetchall())


def test_analyst_login_adds_an_alias_and_merges_two_stories_and_reruns_keep_both(
        conn: psycopg.Connection, seeds_dir: Path, analyst_url: tuple[str, str], monkeypatch, capsys) -> None:
    ids = add_seeds(conn, seeds_dir)
    add_article(conn, 99, "Делегация посетила город Цзинань, а затем Токаев вернулся в Астану.")
    deduplicate_pending(conn)
    extract_pending(conn)
    assert _links(conn)["Цзинань"].startswith("auto:LOC:")
    before = _stories(conn)
    a, b = before[ids["003"]], before[ids["004"]]
    assert a != b

    url, login = analyst_url
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", url)
    assert main(["aliases", "add", "Цзинань", "jinan", "--type", "LOC", "--canonical", "Цзинань (Шаньдун)"]) == 0
    assert "recorded; the next pipeline run" in capsys.readouterr().out
    assert main(["stories", "merge", str(a), str(b), "--note", "same visit"]) == 0
    assert "recorded; the next deduplicate run" in capsys.readouterr().out
    with psycopg.connect(url, autocommit=True) as session:  # and nothing else is writable
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            session.execute("UPDATE core.story_articles SET story_id = story_id")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # who and when cannot be forged
            session.execute("INSERT INTO analyst.alias_edits (action, alias, entity_key, edited_by) "
                            "VALUES ('add', 'x', 'tokayev', 'someone_else')")
    assert conn.execute("SELECT edited_by FROM analyst.alias_edits").fetchall() == [(login,)]
    assert conn.execute("SELECT edited_by, note FROM analyst.story_edits").fetchall() == [(login, "same visit")]

    monkeypatch.delenv("MEDIAMON_DATABASE_URL")
    # the pipeline's next run applies both ...
    extract_pending(conn)
    relink(conn)
    deduplicate_pending(conn)
    assert _links(conn)["Цзинань"] == "jinan"
    merged = _stories(conn)
    assert merged[ids["003"]] == merged[ids["004"]] == min(a, b)
    assert conn.execute("SELECT article_count FROM core.stories WHERE story_id = %s",
                        (min(a, b),)).fetchone()[0] == sum(1 for s in before.values() if s in (a, b))
    # ... and later runs keep them: re-extraction, re-linking, re-clustering from scratch
    conn.execute("UPDATE core.entity_runs SET extractor_version = 'old'")
    extract_pending(conn)
    assert relink(conn)["relinked"] == 0
    deduplicate_pending(conn, version="reclustered")
    assert _links(conn)["Цзинань"] == "jinan"
    assert _stories(conn) == merged


def test_a_seed_alias_an_analyst_removed_stays_removed(conn: psycopg.Connection) -> None:
    add_article(conn, 1, "Лидер Китая Си Цзиньпин и Поднебесная. Поднебесная ответила.")
    extract_pending(conn)
    assert _links(conn)["Поднебесная"] == "china"
    conn.execute("INSERT INTO analyst.alias_edits (action, alias, entity_key) "
                 "VALUES ('remove', 'Поднебесная', 'china')")
    relink(conn)
    extract_pending(conn, article_ids=[1])  # loads the seed files again
    aliases = {r[0] for r in conn.execute(
        "SELECT a.alias FROM core.entity_aliases a JOIN core.entities e USING (entity_id) "
        "WHERE e.entity_key = 'china'")}
    assert "Поднебесная" not in aliases and "Китай" in aliases
    assert _links(conn)["Поднебесная"] != "china"
    # a later add wins over the earlier remove
    conn.execute("INSERT INTO analyst.alias_edits (action, alias, entity_key) VALUES ('add', 'Поднебесная', 'china')")
    relink(conn)
    assert _links(conn)["Поднебесная"] == "china"


def test_entity_merge_and_split_are_kept_by_relink_and_reruns(conn: psycopg.Connection, db_url: str,
                                                               monkeypatch, capsys) -> None:
    add_article(conn, 1, "Делегация посетила город Цзинань. Президент Токаев прибыл в Астану.")
    extract_pending(conn)
    jinan = _links(conn)["Цзинань"]
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", db_url)
    # the pipeline owner: edits apply at once
    assert main(["entities", "merge", jinan, "astana"]) == 0
    assert "applied" in capsys.readouterr().out
    assert _links(conn)["Цзинань"] == "astana"
    assert main(["entities", "split", "astana", "Цзинань", "jinan", "--canonical", "Цзинань"]) == 0
    capsys.readouterr()
    assert _links(conn)["Цзинань"] == "jinan" and _links(conn)["Астану"] == "astana"
    conn.execute("UPDATE core.entity_runs SET extractor_version = 'old'")
    extract_pending(conn)
    assert _links(conn)["Цзинань"] == "jinan" and _links(conn)["Астану"] == "astana"
    assert main(["entities", "merge", "nobody", "astana"]) == 2
    assert "mediamon: error: no entity 'nobody'" in capsys.readouterr().err


def test_story_split_moves_the_articles_to_a_story_of_their_own(conn: psycopg.Connection, seeds_dir: Path,
                                                                db_url: str, monkeypatch, capsys) -> None:
    ids = add_seeds(conn, seeds_dir)
    deduplicate_pending(conn)
    story = _stories(conn)[ids["001"]]
    assert _stories(conn)[ids["002"]] == story
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", db_url)
    assert main(["stories", "split", str(story), str(ids["002"])]) == 0
    capsys.readouterr()
    after = _stories(conn)
    assert after[ids["001"]] != after[ids["002"]] and after[ids["002"]] == ids["002"]
    deduplicate_pending(conn, version="reclustered")
    assert _stories(conn) == after
    assert main(["stories", "split", "424242", "1"]) == 2
    assert "no story 424242" in capsys.readouterr().err
