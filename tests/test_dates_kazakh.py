"""Kazakh (and Russian) dates written in page text, in the forms Kazakh outlets print them.

Kazakh-language pages rarely carry a machine-readable date, so the date line by the headline is
often all there is. Kazakh orthography writes the day as a hyphenated ordinal ("29-тамыз"), puts
"ж." / "жылғы" around the year, and templates print "29 Тамыз, 2025" or month-first
"Тамыз 29, 2025"; a time may stand before the date ("15:30, 29 тамыз 2025"), and Kazakh letters
are often typed as their Latin look-alikes ("сəуiр").
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from crawlers import extraction
from crawlers.fields import dates


@pytest.mark.parametrize(("text", "expected"), [
    ("29 тамыз 2025", date(2025, 8, 29)),
    ("29-тамыз 2025", date(2025, 8, 29)),
    ("29 – қыркүйек 2025", date(2025, 9, 29)),
    ("29 Тамыз, 2025", date(2025, 8, 29)),
    ("Тамыз 29, 2025", date(2025, 8, 29)),
    ("2025 ж. 29 тамыз", date(2025, 8, 29)),
    ("2025 жылғы 29-тамызда", date(2025, 8, 29)),
    ("05 сәуір 2024 жыл", date(2024, 4, 5)),
    ("12 Желтоқсан 2023", date(2023, 12, 12)),
    ("29 тамыз, 2025 15:30", datetime(2025, 8, 29, 15, 30)),
    ("29 тамыз 2025 ж., 14:05", datetime(2025, 8, 29, 14, 5)),
    ("2025 жылғы 29 тамыз, 14:05", datetime(2025, 8, 29, 14, 5)),
    ("Жарияланды: 12 желтоқсан 2023, 09:00", datetime(2023, 12, 12, 9, 0)),
    ("15:30, 29 тамыз 2025", datetime(2025, 8, 29, 15, 30)),
    ("Қазан 3, 2024, 18:40", datetime(2024, 10, 3, 18, 40)),
    ("29 августа, 2025", date(2025, 8, 29)),
    # Latin look-alikes typed for Kazakh letters: "ə" (U+0259) for "ә", "i" for "і"
    ("5 сəуір 2024", date(2024, 4, 5)),
    ("5 сəуiр 2024 ж., 10:00", datetime(2024, 4, 5, 10, 0)),
    ("2025 жылғы 1 шiлдеде", date(2025, 7, 1)),
])
def test_kazakh_date_forms_are_read(text: str, expected: date) -> None:
    assert dates.from_text(text) == expected


@pytest.mark.parametrize("text", [
    "мамыр 2024",            # month and year only: no day
    "15 тамыз 12:30",        # no year
    "31 ақпан 2024",         # no such day
    "Қазанда 12 2024",       # "in Kazan": a word starting with a month name is not a month-first date
    "бақазан 5, 2024",       # a month name inside another word
])
def test_not_a_date(text: str) -> None:
    assert dates.from_text(text) is None


def test_a_time_before_the_date_is_kept_when_the_headline_follows() -> None:
    """The date line above a headline: the bare date inside "15:30, 29 тамыз 2025" starts nearer
    the headline, but it is part of the longer match and must not win over it."""
    text = "15:30, 29 тамыз 2025\nСаясат\n"
    assert dates.nearest_text_date(text, len(text)) == datetime(2025, 8, 29, 15, 30)


def test_kazakh_page_with_a_hyphenated_date_line_by_the_headline() -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in (
        "Мемлекет басшысы Қытай Халық Республикасының Төрағасымен Пекинде келіссөз жүргізді.",
        "Тараптар сауда, Қорғас арқылы жүк транзиті және жаңа темір жолдар салу мәселелерін талқылады.",
        "Кездесу қорытындысы бойынша энергетика мен ауыл шаруашылығы салаларындағы ынтымақтастық "
        "туралы келісімдер қол қойылды.",
    ))
    html = ("<!DOCTYPE html><html lang='kk'><head><meta charset='utf-8'><title>Тоқаев Си Цзиньпинмен "
            "кездесті</title></head><body><main><div class='date'>29-тамыз 2025, 14:05</div>"
            f"<h1>Тоқаев Си Цзиньпинмен кездесті</h1><article>{paragraphs * 2}</article></main></body></html>")
    got = extraction.extract(html.encode(), "https://example.kz/kk/news/1")
    assert (got.published_at, got.published_at_method) == ("2025-08-29T14:05:00", "text")
