"""Metadata found in article text: header line, title, dates, bylines, attributed sources,
language. Pure functions over already cleaned text (see ``transforms.text_clean``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

# ' date 2025-08-31 Headline…' — the first line of fixture files (leading space optional).
_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})[ \t]*(.*)$")

MONTHS_GENITIVE = {
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
    "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}
_TEXT_DATE = re.compile(
    r"(?<!\d)(\d{1,2})\s+(" + "|".join(MONTHS_GENITIVE) + r")\s+(\d{4})(?:\s*(?:года|г\.))?(?!\d)",
    re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d|\.\d)")
EARLIEST_CREDIBLE_YEAR = 1991  # nothing about independent Kazakhstan predates it


@dataclass(frozen=True)
class Header:
    published: date | None
    headline: str | None
    rest: str


def split_header(text: str) -> Header:
    """Split off the fixture header line ``' date YYYY-MM-DD <headline>'`` when present.

    An invalid date (``2025-13-40``) keeps the line as text: a header we cannot trust is no header.
    """
    first, _, rest = text.partition("\n")
    match = _HEADER.match(first)
    if not match:
        return Header(None, None, text)
    try:
        published = date.fromisoformat(match.group(1))
    except ValueError:
        return Header(None, None, text)
    headline = match.group(2).strip() or None
    return Header(published, headline, rest)


def find_text_date(text: str, *, not_after: datetime | date | None) -> date | None:
    """The first complete, credible date in the text ("17 октября 2023 года", "17.10.2023").

    Credible: a real calendar date, not before 1991 and not after ``not_after`` (the crawl time:
    an article cannot report on its own future publication). Dates without a year are ignored;
    guessing the year is how wrong dates get in.
    """
    limit = not_after.date() if isinstance(not_after, datetime) else not_after
    found: list[tuple[int, date]] = []
    for match in _TEXT_DATE.finditer(text):
        month = MONTHS_GENITIVE[match.group(2).lower()]
        candidate = _make_date(int(match.group(3)), month, int(match.group(1)))
        if candidate:
            found.append((match.start(), candidate))
    for match in _NUMERIC_DATE.finditer(text):
        candidate = _make_date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        if candidate:
            found.append((match.start(), candidate))
    for _, candidate in sorted(found):
        if candidate.year >= EARLIEST_CREDIBLE_YEAR and (limit is None or candidate <= limit):
            return candidate
    return None


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«A-ZА-ЯЁ0-9—])")
MAX_HEADLINE_WORDS = 20
MAX_FIRST_SENTENCE_TITLE_WORDS = 12


def reads_as_headline(line: str, *, max_words: int = MAX_HEADLINE_WORDS) -> bool:
    """A headline: starts with a capital or a digit/quote, short, one sentence, no final period,
    not a quote or dialogue line."""
    words = line.split()
    if not words or len(words) > max_words:
        return False
    if line[0] in "«—" or not (line[0].isupper() or line[0].isdigit()):
        return False
    if line.endswith((".", ":", ";", ",")) and not line.endswith("..."):
        return False
    return len(_SENTENCE_END.split(line)) == 1


def first_sentence(paragraph: str) -> str:
    return _SENTENCE_END.split(paragraph, maxsplit=1)[0]


# Bylines: "Текст: Денис Тельманов", "Автор: …", "Текст и фото: …". The names are 1-3 capitalised
# words, several joined by "," or "и".
_NAME = r"[А-ЯЁA-Z][а-яёa-z\-]+(?:\s+[А-ЯЁA-Z][а-яёa-z\-]+){0,2}"
_BYLINE = re.compile(
    r"^(?:Текст(?:\s+и\s+фото)?|Автор(?:ы)?|Материал подготовил[аи]?)\s*[:—-]\s*"
    rf"({_NAME}(?:\s*(?:,|и)\s*{_NAME})*)\.?$")


def parse_byline(line: str) -> list[str] | None:
    """The author names of a byline paragraph, or None when the paragraph is not a byline."""
    match = _BYLINE.match(line.strip())
    if not match:
        return None
    return [name.strip() for name in re.split(r"\s*,\s*|\s+и\s+", match.group(1)) if name.strip()]


# Attribution: an outlet the text credits ("передает ТАСС", "сообщает Zakon.kz",
# "как писала газета ВЗГЛЯД", "в интервью Egemen Qazaqstan"). The outlet must look like a name:
# an all-caps word, a Latin name (with dots: NUR.KZ, Zakon.kz), or a «quoted» name. A capitalised
# Russian word alone is not enough ("сообщает Токаев" is a person).
_OUTLET = (
    r"(?P<name>«[^»]{2,60}»"
    r"|[A-Z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*(?:\s+[A-Z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*){0,3}"
    r"|[А-ЯЁ]{2,}(?:[\s\-][А-ЯЁ]{2,})*(?:\s+[А-ЯЁ][а-яё]+)?)"
)
_KIND = r"(?:(?:информационное\s+)?агентство|агентства|газета|газеты|издание|издания|портал|портала|" \
        r"сайт|сайта|телеканал|телеканала|ИА|информагентство|информагентства)\s+"
_ATTRIBUTIONS = tuple(re.compile(prefix + _OUTLET) for prefix in (
    r"\b(?i:передает|передаёт|сообщает|сообщил[аио]?|пишет|писала?|информирует|передавала?|сообщала?)"
    rf"\s+(?:{_KIND})?",
    rf"\b[Пп]о\s+(?:данным|сообщению|информации)\s+(?:{_KIND})?",
    r"\bинтервью\s+(?:изданию\s+|газете\s+|телеканалу\s+|агентству\s+)?",
))


def attributed_sources(text: str) -> list[str]:
    """Outlets credited in the text, in order of first mention, without repeats."""
    found = sorted((match.start(), match.group("name").strip("«» "))
                   for pattern in _ATTRIBUTIONS for match in pattern.finditer(text))
    return list(dict.fromkeys(name for _, name in found if name))


# Letters Kazakh Cyrillic has and Russian does not (і is shared with Ukrainian and Belarusian,
# whose own letters are checked first).
_KAZAKH_LETTERS = frozenset("әғқңөұүһі")
_UKRAINIAN_ONLY = frozenset("їєґЇЄҐўЎ")
_KAZAKH_WORDS = frozenset({"және", "мен", "бұл", "деп", "үшін", "осы", "бойынша", "туралы", "еді",
                           "жылы", "бар", "болып", "емес", "бірақ", "оның", "ол"})
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str) -> str:
    """'ru', 'kk' or 'other', from letters and words: cheap and deterministic.

    Kazakh Cyrillic shares most letters with Russian, so the share of Cyrillic is not enough.
    Kazakh is decided on lower-case words (names are capitalised, so a Russian article about
    "Қасым-Жомарт" stays Russian): at least 5 % of them carry a Kazakh-only letter (ә ғ қ ң ө ұ
    ү һ і), or at least 3 % are common Kazakh function words (және, үшін, туралы...).
    Ukrainian/Belarusian letters (ї є ґ ў) make it 'other'.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "other"
    cyrillic = sum(1 for ch in letters if "\u0400" <= ch <= "\u04ff")
    if cyrillic / len(letters) < 0.5:
        return "other"
    if sum(1 for ch in letters if ch in _UKRAINIAN_ONLY) / cyrillic >= 0.003:
        return "other"
    lower_words = [w for w in _WORD.findall(text) if w[0].islower()]
    if lower_words:
        kazakh_letter_words = sum(1 for w in lower_words if any(ch in _KAZAKH_LETTERS for ch in w))
        function_words = sum(1 for w in lower_words if w in _KAZAKH_WORDS)
        if kazakh_letter_words / len(lower_words) >= 0.05 or function_words / len(lower_words) >= 0.03:
            return "kk"
    return "ru"


def count_words(text: str) -> int:
    return len(_WORD.findall(text))
