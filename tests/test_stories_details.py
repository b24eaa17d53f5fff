"""Incompatible details (transforms.stories.details): explicit dates in Russian and their conflict."""

from __future__ import annotations

import math

import numpy as np
import pytest

from transforms.stories.assign import Article, StoryIndex, assign
from transforms.stories.config import METHOD
from transforms.stories.details import dates_conflict, explicit_dates


@pytest.mark.parametrize(("text", "expected"), [
    ("Прогноз погоды на 8 ноября", {(8, 11, None)}),
    ("Встреча назначена на 8-го ноября", {(8, 11, None)}),
    ("восьмого ноября в Омске", {(8, 11, None)}),
    ("Восьмое ноября", {(8, 11, None)}),
    ("16 ноября 2020 года прошёл матч", {(16, 11, 2020)}),
    ("двадцать первого мая", {(21, 5, None)}),
    ("Дни города пройдут с 11 по 15 ноября", {(11, 11, None), (15, 11, None)}),
    ("Фестиваль 11–15 ноября", {(11, 11, None), (15, 11, None)}),
    ("8, 9 и 10 ноября", {(8, 11, None), (9, 11, None), (10, 11, None)}),
    ("по состоянию на 13 часов 4 мая", {(4, 5, None)}),
    ("Документ от 08.11.2019", {(8, 11, 2019)}),
    ("Опубликовано 2019-11-16", {(16, 11, 2019)}),
])
def test_explicit_dates_are_read(text: str, expected: set) -> None:
    assert explicit_dates(text) == expected


@pytest.mark.parametrize("text", [
    "в понедельник", "вчера вечером", "в ноябре", "выросло до 5 человек", "2,5 трлн рублей за три года",
    "1,5 мая",  # a decimal, not a list of days
    "31 февраля", "32 мая", "12.5 млн", "-22°C на выходных", "",
])
def test_no_explicit_date(text: str) -> None:
    assert explicit_dates(text) == frozenset()


def test_digits_and_words_are_the_same_date() -> None:
    assert not dates_conflict(explicit_dates("8 ноября"), explicit_dates("восьмого ноября"))
    assert not dates_conflict(explicit_dates("8-го ноября"), explicit_dates("8 ноября 2019 года"))


def test_conflict_needs_dates_on_both_sides_and_none_shared() -> None:
    assert dates_conflict(explicit_dates("Прогноз погоды на 8 ноября"),
                          explicit_dates("Прогноз погоды на 16 ноября"))
    assert not dates_conflict(explicit_dates("Прогноз на 8 ноября"), explicit_dates("Прогноз на завтра"))
    assert not dates_conflict(None, explicit_dates("8 ноября"))
    # one shared date is enough: a follow-up names the event's day and its own
    assert not dates_conflict(explicit_dates("ДТП 5 ноября"),
                              explicit_dates("Биробиджан, 7 ноября. Во вторник, 5 ноября"))
    # a written year on both sides must agree
    assert dates_conflict(explicit_dates("8 ноября 2019 года"), explicit_dates("8 ноября 2020 года"))


def _article(key: str, vector: np.ndarray, title: str) -> Article:
    return Article(key, key, 0.0, vector, terms={}, dates=explicit_dates(title))


def test_assignment_vetoes_a_member_with_conflicting_dates() -> None:
    vector = np.ones(4, dtype=np.float32) / 2.0
    articles = [_article("a", vector, "Прогноз погоды на 8 ноября"),
                _article("b", vector, "Прогноз погоды на 16 ноября"),
                _article("c", vector, "Прогноз погоды на восьмое ноября")]
    off = {d.key: d.story_id for d in assign(StoryIndex(4), articles, METHOD.with_(threshold=0.9))}
    assert off == {"a": "a", "b": "a", "c": "a"}  # identical vectors: one story without the rule
    on = {d.key: d.story_id for d in assign(StoryIndex(4), articles,
                                            METHOD.with_(threshold=0.9, date_conflict_penalty=math.inf))}
    assert on == {"a": "a", "b": "b", "c": "a"}


def test_fixed_date_holidays_only_when_asked() -> None:
    title = "Казань оказалась на последнем месте по индексу самоизоляции в День Победы"
    assert explicit_dates(title) == frozenset()
    assert explicit_dates(title, holidays=True) == {(9, 5, None)}
    assert explicit_dates("ко Дню народного единства", holidays=True) == {(4, 11, None)}
    assert not dates_conflict(explicit_dates(title, holidays=True), explicit_dates("вечером 9 мая"))
    assert dates_conflict(explicit_dates(title, holidays=True), explicit_dates("по состоянию на 4 мая"))
