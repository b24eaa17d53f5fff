"""Normal forms of person names in any case and gender, and entity ids built from normal forms.

The first tests read names with the real pymorphy dictionary and petrovich rules (no NER model);
the last ones run the whole entity stage (natasha NER, tagger, linking) on sentences.
"""

from __future__ import annotations

import pytest

from transforms.entities.extract import get_extractor
from transforms.entities.linking import auto_entity_key, load_index
from transforms.entities.names import person_nominative
from transforms.entities.pipeline import analyze


def read(name: str, case: str | None = None, gender: str | None = None) -> str:
    reading = person_nominative(name.split(), get_extractor().raw_parse, tagger_case=case, tagger_gender=gender)
    assert reading is not None
    return " ".join(reading.words)


@pytest.mark.parametrize(("surface", "case", "nominative"), [
    ("Асию Биби", "Acc", "Асия Биби"),          # pymorphy knows "Асию" only as the dative of "Асий"
    ("Асии Биби", "Gen", "Асия Биби"),
    ("Терезу Мэй", "Acc", "Тереза Мэй"),        # an indeclinable woman's surname
    ("Терезой Мэй", None, "Тереза Мэй"),
    ("Винсента Виолу", "Acc", "Винсент Виола"),  # a man's surname declined like a feminine noun
    ("Мирны Талко", None, "Мирна Талко"),       # a first name the dictionary lacks
    ("Ангелой Меркель", None, "Ангела Меркель"),
    ("Эммануэлем Макроном", None, "Эммануэль Макрон"),
    ("Си Цзиньпином", None, "Си Цзиньпин"),
    ("Марии Захаровой", None, "Мария Захарова"),  # a woman's surname keeps its feminine suffix
    ("Назарбаевым", None, "Назарбаев"),
    ("Нурсултаном Назарбаевым", None, "Нурсултан Назарбаев"),
    ("Касым-Жомарта Токаева", "Gen", "Касым-Жомарт Токаев"),
    ("Касым-Жомарта", None, "Касым-Жомарт"),
    ("Токаева", "Gen", "Токаев"),                # his genitive ...
    ("Эскимосами", None, "Эскимосы"),            # a group of people stays plural
    ("Соня ван Тихелен", None, "Соня ван Тихелен"),
])
def test_name_in_any_case_and_gender_gets_its_nominative(surface: str, case: str | None, nominative: str) -> None:
    assert read(surface, case) == nominative


def test_the_tagger_decides_what_the_dictionary_cannot() -> None:
    assert read("Токаева", "Nom", "Fem") == "Токаева"  # ... or her nominative
    assert read("Токаева", "Gen", "Masc") == "Токаев"
    ambiguous = person_nominative(["Токаева"], get_extractor().raw_parse)
    assert ambiguous is not None and not ambiguous.context_free  # so it is never cached blindly


def test_auto_key_is_the_normal_form_not_its_lemmas() -> None:
    assert auto_entity_key("ORG", "Бананц") == "auto:ORG:бананц"  # lemmas gave "бананца"
    assert auto_entity_key("PER", "Асия Биби") == "auto:PER:асия биби"  # lemmas gave "асий биби"


def normals(text: str) -> dict[str, tuple[str, str]]:
    return {s.text: (s.normal, s.entity_key) for s in analyze(text, load_index()).spans}


def test_foreign_names_in_oblique_cases_through_the_stage() -> None:
    found = normals("Суд оправдал Асию Биби. "
                    "Премьер-министра Терезу Мэй критикуют. Встреча с Терезой Мэй прошла в Лондоне.")
    assert found["Асию Биби"] == ("Асия Биби", "auto:PER:асия биби")  # not "Асий"
    assert found["Терезу Мэй"][0] == found["Терезой Мэй"][0] == "Тереза Мэй"
    assert not any("асий" in key for _, key in found.values())


def test_kazakh_names_through_the_stage() -> None:
    found = normals("Президент встретился с Нурсултаном Назарбаевым. Визит Касым-Жомарта Токаева в Китай. "
                    "Речь Токаева была короткой.")
    assert found["Нурсултаном Назарбаевым"][0] == "Нурсултан Назарбаев"
    assert found["Касым-Жомарта Токаева"] == ("Касым-Жомарт Токаев", "tokayev")
    assert found["Токаева"][1] == "tokayev"


def test_an_id_is_never_built_from_an_oblique_form() -> None:
    found = normals("Компания Бананц подала иск. Руководство Бананца отказалось от комментариев.")
    assert found["Бананц"] == ("Бананц", "auto:ORG:бананц")
    assert found["Бананца"] == ("Бананц", "auto:ORG:бананц")


def test_one_name_in_one_article_gets_one_normal_form_and_key() -> None:
    found = normals("Асия Биби вышла на свободу. Адвокат Асии Биби заявил о победе.")
    assert found["Асии Биби"] == found["Асия Биби"] == ("Асия Биби", "auto:PER:асия биби")
