"""Publication dates: parsed from metadata strings or from Russian/Kazakh text near the headline.

Many Kazakh and Russian outlets give no machine-readable date: only a line such as
"15 августа 2016, 13:43" or "29 тамыз 2025" by the headline. A time without a UTC offset is the
outlet's local time (``timezone`` of the source in ``seeds/sources.yaml``), not UTC; a date later
than now is a parsing or layout accident (a "today" widget, a future event) and is never taken.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

RU_MONTHS = ("янв", "фев", "мар", "апр", "ма", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
KK_MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек",
             "қазан", "қараша", "желтоқсан")
_RU_WORD = (r"(?P<month>января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
            r"|январь|февраль|март|апрель|май|июнь|июль|август|сентябрь|октябрь|ноябрь|декабрь"
            r"|янв|фев|мар|апр|июн|июл|авг|сент?|окт|ноя|дек)\.?")
# Kazakh text is often typed with the look-alike Latin letters for "ә" (U+0259 "ə") and "і"
# ("i"): "сəуір", "шiлде" are the same months, so both spellings are read.
_KK_LOOKALIKES = str.maketrans({"ə": "ә", "Ə": "Ә", "i": "і", "I": "І"})
_KK_MONTH_ALTS = "|".join(m.replace("ә", "[әə]").replace("і", "[іi]") for m in KK_MONTHS)
_KK_LETTER = "[а-яәғқңөұүһіəi]"
_KK_WORD = r"(?P<month>" + _KK_MONTH_ALTS + r")" + _KK_LETTER + "*"
# Month-first dates are template output: the bare nominative month, never an inflected word
# ("қазанда" is "in October" but also "in the cauldron" / "in Kazan").
_KK_BARE = r"(?P<month>" + _KK_MONTH_ALTS + r")(?!" + _KK_LETTER + ")"
_TIME = r"(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DAY = r"(?P<day>[0-3]?\d)"
# Kazakh writes the day as an ordinal with a hyphen ("29-тамыз") as often as "29 тамыз".
_KK_DAY = r"(?P<day>[0-3]?\d)(?:\s*[-–]\s*|\s+)"
# "г." / "года" and Kazakh "ж." / "жыл…" (year) may follow the year before the time.
_SEP = r"(?:\s*(?:г\.|года|ж\.|жыл[а-яәғқңөұүһі]*)?\s*[,|/•·—–-]?\s*(?:в\s+|,\s*)?)"
# Each pattern: day month year, with an optional time after (or before) the date. A comma may
# stand between month and year ("29 Тамыз, 2025"); month-first "Тамыз 29, 2025" is the form
# WordPress-style templates print.
TEXT_DATES = tuple(re.compile(p, re.I) for p in (
    rf"(?<![\d.]){_DAY}\s+{_RU_WORD},?\s+{_YEAR}(?:{_SEP}{_TIME})?(?![\d])",
    rf"(?<![\d.]){_KK_DAY}{_KK_WORD},?\s+{_YEAR}(?:{_SEP}{_TIME})?(?![\d])",
    rf"(?<![\d.]){_YEAR}\s*(?:ж\.|жылғы|жылы)?\s*{_KK_DAY}{_KK_WORD}(?:{_SEP}{_TIME})?(?![\d])",
    rf"(?<![\w]){_KK_BARE}\s+{_DAY},?\s+{_YEAR}(?:{_SEP}{_TIME})?(?![\d])",
    rf"(?<![\d.:]){_DAY}\.(?P<mon>[01]?\d)\.{_YEAR}(?:{_SEP}{_TIME})?(?![\d])",
    rf"(?<![\d:]){_TIME}\s*[,|/•·—–-]?\s*{_DAY}\s+{_RU_WORD},?\s+{_YEAR}(?![\d])",
    rf"(?<![\d:]){_TIME}\s*[,|/•·—–-]?\s*{_KK_DAY}{_KK_WORD},?\s+{_YEAR}(?![\d])",
    rf"(?<![\d:]){_TIME}\s*[,|/•·—–-]?\s*{_DAY}\.(?P<mon>[01]?\d)\.{_YEAR}(?![\d])",
))
_FUTURE_SLACK = timedelta(minutes=10)


def outlet_zone(name: str | None) -> tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _month_number(word: str) -> int | None:
    word = word.casefold()
    kazakh = word.translate(_KK_LOOKALIKES)
    for number, stem in enumerate(KK_MONTHS, 1):
        if kazakh.startswith(stem):
            return number
    if word.startswith("мая") or word == "май":
        return 5
    for number, stem in enumerate(RU_MONTHS, 1):
        if number != 5 and word.startswith(stem):
            return number
    return None


def parse_date(value: object) -> datetime | date | None:
    """An ISO 8601, RFC 2822 or ``DD.MM.YYYY`` string as a datetime (or a date when no time)."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        pass
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", value) or re.match(r"(\d{2})\.(\d{2})\.(\d{4})", value)
    if match:
        parts = [int(p) for p in match.groups()]
        y, m, d = parts if parts[0] > 31 else (parts[2], parts[1], parts[0])
        try:
            return date(y, m, d)
        except ValueError:
            return None
    return from_text(value)


def _from_match(match: re.Match[str]) -> datetime | date | None:
    groups = match.groupdict()
    month = int(groups["mon"]) if groups.get("mon") else _month_number(groups["month"])
    if month is None:
        return None
    try:
        day = date(int(groups["year"]), month, int(groups["day"]))
    except ValueError:
        return None
    if groups.get("hour") is None:
        return day
    return datetime(day.year, day.month, day.day, int(groups["hour"]), int(groups["minute"]))


def text_dates(text: str) -> Iterable[tuple[int, datetime | date]]:
    """Every date written in ``text`` in Russian or Kazakh, with its offset in the text.

    A match lying inside a longer one is dropped: "15:30, 29 тамыз 2025" is one date with a
    time, and its bare "29 тамыз 2025" part, starting nearer a headline below it, must not win
    over it and lose the time."""
    found = [(match.start(), match.end(), value) for pattern in TEXT_DATES for match in pattern.finditer(text)
             if (value := _from_match(match)) is not None]
    for start, end, value in found:
        if not any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in found):
            yield start, value


def from_text(text: str) -> datetime | date | None:
    """The first date written in ``text`` ("15 августа 2016, 13:43", "29 тамыз 2025")."""
    found = sorted(text_dates(text), key=lambda pair: pair[0])
    return found[0][1] if found else None


def nearest_text_date(text: str, anchor: int, *, before: int = 400, after: int = 1500) -> datetime | date | None:
    """The date written closest to ``anchor`` (the headline's offset in the page text): the
    date line sits just above or below the headline, while dates further away belong to
    related stories, comments or a "today" widget."""
    best: tuple[int, datetime | date] | None = None
    for start, value in text_dates(text[max(0, anchor - before): anchor + after]):
        distance = abs(start + max(0, anchor - before) - anchor)
        if best is None or distance < best[0]:
            best = (distance, value)
    return best[1] if best else None


def localize(value: datetime | date, zone: tzinfo | None) -> datetime | date:
    """A naive datetime placed in the outlet's timezone; aware datetimes and dates unchanged."""
    if isinstance(value, datetime) and value.tzinfo is None and zone is not None:
        return value.replace(tzinfo=zone)
    return value


def is_future(value: datetime | date, now: datetime, zone: tzinfo | None) -> bool:
    """Later than ``now``: a naive datetime is read in the outlet's zone (UTC when unknown);
    a bare date is future only when it is after today everywhere (UTC+14)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=zone or UTC)
        return aware > now + _FUTURE_SLACK
    return value > (now + timedelta(hours=14)).date()


def iso(value: datetime | date) -> str:
    return value.isoformat()
