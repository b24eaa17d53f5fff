"""Name variants across scripts (issue 15): generated Latin, pinyin, Kazakh and inflected spellings
link Latin-script and Kazakh-script mentions to the right canonical entity."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from test_entities_storage import add_article

from transforms.entities import extract_pending
from transforms.entities.linking import load_index
from transforms.entities.pipeline import analyze
from transforms.entities.variants import kazakh_latin, name_variants, pinyin_variants

# Only the Russian names (and, for Khorgos, its Kazakh spelling): every other spelling must be generated.
ALIASES = """entity_key,type,canonical_name,aliases
tokayev,PER,Касым-Жомарт Токаев,Токаев
xi_jinping,PER,Си Цзиньпин,Цзиньпин
khorgos,LOC,Хоргос,Қорғас
kazakhstan,LOC,Казахстан,
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    path = tmp_path_factory.mktemp("aliases") / "aliases.csv"
    path.write_text(ALIASES, encoding="utf-8")
    return load_index(path)


def _links(text: str, index, language: str | None = None) -> dict[str, str]:
    return {s.text: s.entity_key for s in analyze(text, index, language=language).spans}


def test_generated_spellings_come_from_the_libraries() -> None:
    assert {"Tokayev", "Tokaev"} <= set(name_variants("Токаев", "PER"))
    assert "Xi Jinping" in pinyin_variants("Си Цзиньпин")
    assert pinyin_variants("Казахстан") == []
    assert kazakh_latin("Қасым-Жомарт Тоқаев") == "Qasym-Jomart Toqaev"
    assert {"Qorğas", "Qorgas"} <= set(name_variants("Қорғас", "LOC"))
    assert {"Хоргоса", "Хоргосе"} <= set(name_variants("Хоргос", "LOC"))


def test_a_latin_script_article_links_to_the_canonical_entities(index) -> None:
    links = _links("President Tokayev met Xi Jinping at the Khorgos dry port; Tokaev said trade grew.", index)
    assert links == {"Tokayev": "tokayev", "Xi Jinping": "xi_jinping", "Khorgos": "khorgos", "Tokaev": "tokayev"}
    assert _links("Qorgas border crossing reopened.", index) == {"Qorgas": "khorgos"}


def test_a_kazakh_script_article_links_to_the_canonical_entities(index) -> None:
    text = "Тоқаев Қорғас шекара бекетіне барды. Си Цзиньпин Қазақстан туралы айтты."
    links = _links(text, index, language="kk")
    assert links["Тоқаев"] == "tokayev" and links["Қорғас"] == "khorgos" and links["Си Цзиньпин"] == "xi_jinping"
    # "Қазақстан" is not a letter-for-letter Kazakh spelling of "Казахстан" (ах/ақ): it needs an alias
    assert "Қазақстан" not in links


def test_latin_and_kazakh_articles_get_linked_mentions_in_the_database(conn: psycopg.Connection) -> None:
    add_article(conn, 1, "Kazakhstan's President Tokayev met Xi Jinping in Tianjin.", language="other")
    add_article(conn, 2, "Тоқаев Пекинге барды. Қазақстан мен Қытай 44 млрд долларлық келісім жасады.", "kk")
    counts = extract_pending(conn)
    assert counts["skipped"] == 2 and counts["quarantined"] == 0
    linked = set(conn.execute("SELECT m.article_id, m.surface, e.entity_key FROM core.mentions m "
                              "JOIN core.entities e USING (entity_id)").fetchall())
    assert {(1, "Tokayev", "tokayev"), (1, "Xi Jinping", "xi_jinping"), (1, "Tianjin", "tianjin"),
            (2, "Тоқаев", "tokayev")} <= linked
    assert all(key != "auto" and not key.startswith("auto:") for _, _, key in linked)


def test_russian_linking_is_unchanged_by_the_variants(index) -> None:
    assert _links("Касым-Жомарт Токаев прибыл в Хоргос.", index) == {
        "Касым-Жомарт Токаев": "tokayev", "Хоргос": "khorgos"}


def test_variants_can_be_switched_off_for_comparison(tmp_path: Path) -> None:
    from transforms.entities.linking import AliasIndex, default_lemmatize, read_alias_file

    path = tmp_path / "aliases.csv"
    path.write_text(ALIASES, encoding="utf-8")
    plain = AliasIndex.build(*read_alias_file(path), default_lemmatize, variants=False)
    assert _links("President Tokayev met Xi Jinping.", plain) == {}
