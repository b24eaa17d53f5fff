"""Incompatible details: explicit calendar dates two articles name, and whether they conflict.

Sentence embeddings and TF-IDF see "Прогноз погоды на 8 ноября" and "Прогноз погоды на 16 ноября"
as one text: the words are the same, only the date differs, and the date is the event. News
clusterers therefore veto a join on *incompatible details*. The detail here is the explicit calendar
date — a day and a month written out ("8 ноября", "8-го ноября", "восьмого ноября", "16 ноября
2020 года", "с 11 по 15 ноября", "08.11.2019"); relative dates ("в понедельник", "вчера") are not
explicit and are ignored. Two articles conflict when both name at least one explicit date and no
date of one matches a date of the other (same day and month; years, when both are written, equal).
Sharing any date is no conflict: a follow-up report names the event's day and its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Date = tuple[int, int, int | None]  # (day, month, year or None when not written)

MONTHS = {"января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
          "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12}

_UNITS = {1: "перв", 2: "втор", 3: "трет", 4: "четв[её]рт", 5: "пят", 6: "шест", 7: "седьм",
          8: "восьм", 9: "девят"}
_TEENS = {10: "десят", 11: "одиннадцат", 12: "двенадцат", 13: "тринадцат", 14: "четырнадцат",
          15: "пятнадцат", 16: "шестнадцат", 17: "семнадцат", 18: "восемнадцат", 19: "девятнадцат",
          20: "двадцат", 30: "тридцат"}
_ENDING = r"(?:ого|ое|ьего|ье|его)"  # восьмого/восьмое, третьего/третье


def _ordinal_patterns() -> list[tuple[int, str]]:
    """(day, regex) for the ordinal words of days 1–31 in the forms dates use (genitive/neuter)."""
    out = [(day, stem + _ENDING) for day, stem in (_UNITS | _TEENS).items()]
    for tens, word in ((20, "двадцать"), (30, "тридцать")):
        for unit, stem in _UNITS.items():
            if tens + unit <= 31:
                out.append((tens + unit, rf"{word}\s+{stem}{_ENDING}"))
    return sorted(out, key=lambda item: -len(item[1]))  # "двадцать первого" before "первого"


_ORDINALS = _ordinal_patterns()
_ORDINAL = "|".join(pattern for _, pattern in _ORDINALS)
_DAY = rf"(?:\d{{1,2}}(?:-?(?:го|е|ое))?|{_ORDINAL})"
_MONTH = "|".join(MONTHS)
# One or more days before a month name: "8 ноября", "8 и 9 ноября", "с 11 по 15 ноября", "11–15 ноября".
_WORDED = re.compile(
    rf"(?<![\w.,])(?P<days>{_DAY}(?:(?:,\s+|\s*(?:и|по|[-–—])\s*){_DAY})*)\s+(?P<month>{_MONTH})(?!\w)"
    r"(?:\s+(?P<year>\d{4})(?!\d))?",
    re.IGNORECASE)
_ONE_DAY = re.compile(rf"\d{{1,2}}|{_ORDINAL}", re.IGNORECASE)
_NUMERIC = re.compile(r"(?<![\d.,])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.,]\d)")
_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")


# Holidays on a fixed day, named instead of dated ("в День Победы" is 9 May). Only fixed-date holidays
# whose name is unambiguous across Russia and Kazakhstan (no Constitution Day: 12 Dec vs 30 Aug).
_DAY_WORD = r"(?:день|дня|дню|днём|днем|дне)"
HOLIDAYS = {rf"{_DAY_WORD}\s+победы": (9, 5), rf"{_DAY_WORD}\s+россии": (12, 6),
            rf"{_DAY_WORD}\s+народного\s+единства": (4, 11), rf"{_DAY_WORD}\s+защитника\s+отечества": (23, 2),
            rf"{_DAY_WORD}\s+знаний": (1, 9), rf"{_DAY_WORD}\s+космонавтики": (12, 4),
            r"международн\w+\s+женск\w+\s+" + _DAY_WORD: (8, 3)}
_HOLIDAYS = [(re.compile(rf"(?<!\w){pattern}(?!\w)", re.IGNORECASE), date) for pattern, date in HOLIDAYS.items()]


def _day_of(token: str) -> int:
    if token.isdigit():
        return int(token)
    for day, pattern in _ORDINALS:
        if re.fullmatch(pattern, token, re.IGNORECASE):
            return day
    raise ValueError(token)


def _valid(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)


def explicit_dates(text: str, *, holidays: bool = False) -> frozenset[Date]:
    """The explicit calendar dates a text names (day, month, year or None); with ``holidays``, also
    the fixed-date holidays it names (``HOLIDAYS``)."""
    found: set[Date] = set()
    if holidays:
        found.update((day, month, None) for pattern, (day, month) in _HOLIDAYS if pattern.search(text or ""))
    for match in _WORDED.finditer(text or ""):
        month = MONTHS[match["month"].lower()]
        year = int(match["year"]) if match["year"] else None
        for token in _ONE_DAY.findall(match["days"]):
            day = _day_of(token)
            if _valid(day, month):
                found.add((day, month, year))
    for day, month, year in _NUMERIC.findall(text or ""):
        if _valid(int(day), int(month)):
            found.add((int(day), int(month), int(year)))
    for year, month, day in _ISO.findall(text or ""):
        if _valid(int(day), int(month)):
            found.add((int(day), int(month), int(year)))
    return frozenset(found)


def _same(a: Date, b: Date) -> bool:
    return a[:2] == b[:2] and (a[2] is None or b[2] is None or a[2] == b[2])


def dates_conflict(a: Iterable[Date] | None, b: Iterable[Date] | None) -> bool:
    """Both name explicit dates and none of one matches any of the other."""
    first, second = frozenset(a or ()), frozenset(b or ())
    if not first or not second:
        return False
    return not any(_same(x, y) for x in first for y in second)
