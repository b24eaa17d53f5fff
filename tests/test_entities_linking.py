"""Canonical linking: every variant of a name on the seeds lands on its one entity."""

from __future__ import annotations

from pathlib import Path

import pytest

from transforms.entities.extract import get_extractor
from transforms.entities.linking import (
    Alias,
    AliasIndex,
    AliasTableError,
    Entity,
    default_lemmatize,
    link_spans,
    load_index,
    read_alias_file,
)
from transforms.entities.model import Span

# Hand-checked on the five seed articles: every surface form under which each entity appears.
SEED_GOLD = {
    "tokayev": {"Касым-Жомарт Токаев", "Касым-Жомарта Токаева", "Касым-Жомарту Токаеву",
                "Касым-Жомартом Токаевым", "Касым-Жомарта Токаев", "Касым-омарт Токаев",
                "Токаев", "Токаева", "Токаеву"},
    "xi_jinping": {"Си Цзиньпин", "Си Цзиньпина", "Си Цзиньпином"},
    "china": {"Китай", "Китая", "Китаем", "Китае", "КНР", "Китайскую Народную Республику",
              "Китайской Народной Республики"},
    "kazakhstan": {"Казахстан", "Казахстана", "Казахстаном", "Казахстане", "Казахстану"},
    "sco": {"ШОС", "Шанхайской организации сотрудничества", "ШОС плюс"},
}


@pytest.fixture(scope="module")
def seed_mentions(seeds_dir: Path) -> list[Span]:
    extractor, index = get_extractor(), load_index()
    mentions = []
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        mentions += link_spans(text, extractor.spans(text), index)
    return mentions


@pytest.mark.slow
@pytest.mark.parametrize("entity_key", sorted(SEED_GOLD))
def test_every_seed_variant_resolves_to_its_one_canonical_entity(seed_mentions: list[Span],
                                                                 entity_key: str) -> None:
    variants = SEED_GOLD[entity_key]
    found = {s.text for s in seed_mentions if s.entity_key == entity_key}
    assert found == variants
    wrong = {(s.text, s.entity_key) for s in seed_mentions
             if s.text in variants and s.entity_key != entity_key}
    assert wrong == set()


@pytest.mark.slow
def test_acronym_and_type_fixes_from_the_alias_table(seed_mentions: list[Span]) -> None:
    akorda = [s for s in seed_mentions if s.text.startswith("Акорд")]
    assert akorda and all(s.type == "ORG" and s.entity_key == "akorda" for s in akorda)
    assert {s.entity_key for s in seed_mentions if s.text in ("Тяньцзине", "Тяньцзинь")} == {"tianjin"}


def tiny_index(*aliases: tuple[str, str, str]) -> AliasIndex:
    entities = {Entity(key, name, type_) for name, key, type_ in aliases}
    return AliasIndex.build(entities, [Alias(n, k, t) for n, k, t in aliases], default_lemmatize)


def test_eu_tagged_loc_becomes_org_through_the_alias_table() -> None:
    index = tiny_index(("Европейский союз", "eu", "ORG"), ("ЕС", "eu", "ORG"))
    text = "Страны ЕС и Евросоюз"
    [span] = link_spans(text, [Span(7, 9, "LOC", "ЕС", normal="ЕС")], index)
    assert (span.type, span.entity_key) == ("ORG", "eu")


def test_unknown_acronym_in_brackets_joins_its_expansion() -> None:
    index = tiny_index(("Китай", "china", "LOC"))
    text = "Союз координационных советов (СКС) заявил, что СКС"
    first = Span(0, 28, "ORG", "Союз координационных советов", normal="Союз координационных советов")
    second = Span(30, 33, "ORG", "СКС", normal="СКС")
    link_spans(text, [first, second], index)
    assert first.entity_key == second.entity_key and first.entity_key.startswith("auto:ORG:")


def test_surname_alone_joins_the_full_name_in_the_same_article() -> None:
    index = tiny_index(("Китай", "china", "LOC"))
    text = "Адиль Балтабаев написал. Балтабаев добавил"
    full = Span(0, 15, "PER", "Адиль Балтабаев", normal="Адиль Балтабаев")
    alone = Span(25, 34, "PER", "Балтабаев", normal="Балтабаев")
    link_spans(text, [full, alone], index)
    assert alone.entity_key == full.entity_key


def test_unknown_name_inflections_share_one_auto_entity() -> None:
    index = tiny_index(("Китай", "china", "LOC"))
    a = Span(0, 7, "LOC", "Урумчи", normal="Урумчи")
    b = Span(0, 9, "LOC", "Хоргосе", normal="Хоргос")
    c = Span(0, 7, "LOC", "Хоргос", normal="Хоргос")
    link_spans(None, [a, b, c], index)
    assert b.entity_key == c.entity_key != a.entity_key


def test_analyst_alias_beats_the_seed_one() -> None:
    entities = [Entity("a", "Ааа", "ORG"), Entity("b", "Ббб", "ORG")]
    aliases = [Alias("Ххх", "a", "ORG", "seed"), Alias("Ххх", "b", "ORG", "analyst")]
    index = AliasIndex.build(entities, aliases, default_lemmatize)
    assert index.lookup("Ххх") == ("b", True)


def test_malformed_alias_file_is_refused_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text("entity_key,type,canonical_name,aliases\nx,THING,Икс,\n", encoding="utf-8")
    with pytest.raises(AliasTableError, match=":2: type 'THING'"):
        read_alias_file(path)


def test_seed_alias_file_loads() -> None:
    entities, aliases = read_alias_file(Path(__file__).resolve().parent.parent / "seeds" / "aliases.csv")
    assert len(entities) > 50 and len(aliases) > len(entities)


def test_gazetteer_of_well_known_organizations_is_read_beside_the_alias_table(tmp_path) -> None:
    from transforms.entities.linking import AliasTableError, default_alias_files, read_alias_files

    entities, aliases = read_alias_files(default_alias_files())
    keys = {e.entity_key for e in entities}
    assert {"tokayev", "sco", "imf", "voa"} <= keys
    index = load_index()
    assert index.lookup("Международного валютного фонда")[0] == "imf"
    clash = tmp_path / "clash.csv"
    clash.write_text("entity_key,type,canonical_name,aliases\nsco,ORG,ШОС,\n", encoding="utf-8")
    with pytest.raises(AliasTableError, match="already defined"):
        read_alias_files([default_alias_files()[0], clash])


def test_a_wikidata_id_needs_the_qid_shape_and_its_source(tmp_path: Path) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text("entity_key,type,canonical_name,aliases,wikidata,wikidata_source\n"
                    "kazakhstan,LOC,Казахстан,,Q232,https://example.org/list\n", encoding="utf-8")
    entities, _ = read_alias_file(path)
    assert (entities[0].wikidata_qid, entities[0].wikidata_source) == ("Q232", "https://example.org/list")
    path.write_text("entity_key,type,canonical_name,aliases,wikidata,wikidata_source\n"
                    "kazakhstan,LOC,Казахстан,,Q232,\n", encoding="utf-8")
    with pytest.raises(AliasTableError, match="wikidata_source"):
        read_alias_file(path)
