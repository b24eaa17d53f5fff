"""Money amounts and dates found in Russian news text, by regular expressions.

Money: a number (``44``, ``24,3``, ``1 500``), an optional scale word (тыс., млн, миллиарда,
трлн...) and a currency (долларов, $, евро, юаней, тенге, рублей...), in either order for the
symbol ("$44 млрд"). ``amount`` is the number times the scale: "44 млрд долларов" → 44·10⁹ USD.

Dates: "17 октября 2023 года" (day), "30 августа" (day; the year comes from the article's date
when known), "в июне 2025 года" (month), "в 2024 году" (year). ``date_value`` is the first day of
the period and ``precision`` says which.
"""

from __future__ import annotations

import re
from datetime import date

from transforms.entities.model import Fact

_NUMBER = r"(?P<number>\d{1,3}(?:[  ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
_SCALES = {
    "тыс": 1e3, "тысяч": 1e3, "тысяча": 1e3, "тысячи": 1e3,
    "млн": 1e6, "миллион": 1e6, "миллиона": 1e6, "миллионов": 1e6,
    "млрд": 1e9, "миллиард": 1e9, "миллиарда": 1e9, "миллиардов": 1e9,
    "трлн": 1e12, "триллион": 1e12, "триллиона": 1e12, "триллионов": 1e12,
}
_SCALE = (r"(?P<scale>тыс(?:яч[аи]?)?\.?|млн\.?|миллион(?:а|ов)?|млрд\.?|миллиард(?:а|ов)?|"
          r"трлн\.?|триллион(?:а|ов)?)")
_CURRENCIES = [
    (r"доллар(?:ов|а|ы|лық|дық)?(?:\s+США)?|долл\.|\$|USD", "USD"),
    (r"евро|€|EUR", "EUR"),
    (r"юан(?:ей|я|ь|и)|жэньминьби|CNY|RMB", "CNY"),
    (r"тенге|теңге|₸|KZT", "KZT"),
    (r"рубл(?:ей|я|ь|и)|руб\.|₽|RUB", "RUB"),
    (r"сом(?:ов|а)?|KGS", "KGS"),
    (r"сум(?:ов|а)?|UZS", "UZS"),
]
_CURRENCY = "(?P<currency>" + "|".join(f"(?:{pattern})" for pattern, _ in _CURRENCIES) + ")"
_MONEY_AFTER = re.compile(rf"(?<![\w.,]){_NUMBER}\s*(?:{_SCALE}\s*)?{_CURRENCY}(?!\w)", re.IGNORECASE)
_MONEY_SYMBOL_FIRST = re.compile(rf"(?P<currency>[$€₸₽])\s*{_NUMBER}(?:\s*{_SCALE})?(?!\w)")

_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6,
    "июл": 7, "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}
_MONTH = (r"(?P<month>январ[яеь]|феврал[яеь]|марта?|марте|апрел[яеь]|ма[яйе]|июн[яеь]|июл[яеь]|"
          r"августа?|августе|сентябр[яеь]|октябр[яеь]|ноябр[яеь]|декабр[яеь])")
_YEAR_WORD = r"(?:\s*(?:года|году|г\.))"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY_DATE = re.compile(rf"(?<!\d)(?P<day>[0-3]?\d)\s+{_MONTH}(?:\s+{_YEAR}{_YEAR_WORD}?)?(?!\w)",
                       re.IGNORECASE)
_MONTH_DATE = re.compile(rf"(?<!\d\s)(?<!\d)\b(?:в|с|по|до|к)\s+{_MONTH}\s+{_YEAR}{_YEAR_WORD}?",
                         re.IGNORECASE)
_YEAR_DATE = re.compile(rf"(?<![\d\w]){_YEAR}(?:\s*|-(?:м|го|й)\s+)(?:года|году|год|г\.)(?!\w)",
                        re.IGNORECASE)

_ISO_DATE = re.compile(r"(?<![\d-])(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?![\d-])")


def _number(text: str) -> float:
    return float(re.sub(r"[  ]", "", text).replace(",", "."))


def _currency_code(text: str) -> str | None:
    for pattern, code in _CURRENCIES:
        if re.fullmatch(pattern, text, re.IGNORECASE):
            return code
    return None


def _scale(text: str | None) -> float:
    if not text:
        return 1.0
    return _SCALES.get(text.lower().rstrip("."), 1.0)


def find_money(text: str) -> list[Fact]:
    facts = []
    for regex in (_MONEY_AFTER, _MONEY_SYMBOL_FIRST):
        for match in regex.finditer(text):
            if any(f.start <= match.start() < f.stop for f in facts):
                continue
            amount = _number(match.group("number")) * _scale(match.group("scale"))
            facts.append(Fact("money", match.start(), match.end(), match.group(), amount=amount,
                              currency=_currency_code(match.group("currency"))))
    return sorted(facts, key=lambda f: f.start)


def _month_number(word: str) -> int:
    word = word.lower()
    for stem, number in sorted(_MONTHS.items(), key=lambda kv: -len(kv[0])):
        if word.startswith(stem):
            return number
    raise ValueError(word)


def find_dates(text: str, *, default_year: int | None = None) -> list[Fact]:
    """Dates in the text. A day written without a year ("30 августа") takes the year of the last
    full date before it in the text ("17 октября 2023 года ... 18 октября"), else ``default_year``
    (the article's publication year); with neither, date_value stays empty."""
    facts: list[Fact] = []
    full_dates: list[tuple[int, int]] = []  # (position, year) of dates written with their year

    def taken(start: int, stop: int) -> bool:
        return any(f.start < stop and start < f.stop for f in facts)

    for match in _ISO_DATE.finditer(text):
        try:
            value = date(int(match.group("year")), int(match.group("month")), int(match.group("day")))
        except ValueError:
            continue
        facts.append(Fact("date", match.start(), match.end(), match.group(), date_value=value.isoformat(),
                          precision="day"))
        full_dates.append((match.start(), value.year))
    for match in _DAY_DATE.finditer(text):
        if match.group("year") and not taken(match.start(), match.end()):
            full_dates.append((match.start(), int(match.group("year"))))
    full_dates.sort()
    for match in _DAY_DATE.finditer(text):
        if taken(match.start(), match.end()):
            continue
        earlier = [year for position, year in full_dates if position < match.start()]
        year = int(match.group("year")) if match.group("year") else (earlier[-1] if earlier else default_year)
        value = None
        if year is not None:
            try:
                value = date(year, _month_number(match.group("month")), int(match.group("day"))).isoformat()
            except ValueError:
                continue  # "31 июня" is not a date
        facts.append(Fact("date", match.start(), match.end(), match.group(), date_value=value,
                          precision="day"))
    for match in _MONTH_DATE.finditer(text):
        start = match.start("month")
        if not taken(start, match.end()):
            value = date(int(match.group("year")), _month_number(match.group("month")), 1).isoformat()
            facts.append(Fact("date", start, match.end(), text[start:match.end()], date_value=value,
                              precision="month"))
    for match in _YEAR_DATE.finditer(text):
        if not taken(match.start(), match.end()):
            value = date(int(match.group("year")), 1, 1).isoformat()
            facts.append(Fact("date", match.start(), match.end(), match.group(), date_value=value,
                              precision="year"))
    return sorted(facts, key=lambda f: f.start)


def find_facts(text: str, *, default_year: int | None = None) -> list[Fact]:
    return sorted(find_money(text) + find_dates(text, default_year=default_year), key=lambda f: f.start)
