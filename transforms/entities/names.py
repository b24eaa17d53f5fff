"""Nominative of a person's name in any case and gender, the words agreeing with each other.

natasha puts each word of a name in the nominative by itself, and only when pymorphy's dictionary
has a reading that matches the tagger's features. That fails where news names are hardest:
foreign first names the dictionary lacks or knows only as another name ("Асию" is read only as
the dative of the man's name "Асий", so "Асию Биби" became "Асий Биби"), foreign surnames that
decline like feminine nouns for men ("Винсента Виолу" stayed "Винсент Виолу"), indeclinable
surnames of women ("Терезу Мэй"), hyphenated Kazakh names ("Касым-Жомарта").

So a name is read as a whole: for every hypothesis (case, gender) — singular in six cases and
two genders, plus the plural for one-word group names ("эскимосами" → "эскимосы") — each word
gets its best nominative under that hypothesis and a score for how well it is attested:

- a dictionary reading as a first name, surname or patronymic in that case and gender (3);
- a nominative built by swapping the case ending that ``petrovich``'s rules for Russian
  anthroponyms inflect back to the word in that case and gender (2.5): "Асию" ← "Асия"
  (accusative, feminine), "Мирны" ← "Мирна", "Токаева" ← "Токаев";
- pymorphy's guessed name reading (2), or a common-noun reading (1) that a person's name can
  have in that gender (nouns in -а/-я decline alike for men and women: "Виолу" ← "Виола";
  consonant-final nouns only for men, since women's such surnames do not decline);
- an indeclinable word (pymorphy's ``Fixd`` or unknown) stays as it is (1);
- in the nominative, the word as written when its ending suits the gender (1.5) or the
  dictionary has it as a nominative common noun (1);
- a word nothing explains under the hypothesis counts against it (-1).

The hypothesis with the highest total wins; the morphology tagger's case (+1.5) and gender
(+0.5) for the words in context break ties. ``person_nominative`` also says whether the tagger
could have changed the answer, so a context-free answer can be cached across documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

_NAME_WORD = re.compile(r"^[А-ЯЁ][а-яё]+$")
CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
GENDERS = ("masc", "femn")
UD_CASE = {"Nom": "nomn", "Gen": "gent", "Dat": "datv", "Acc": "accs", "Ins": "ablt", "Loc": "loct"}
UD_GENDER = {"Masc": "masc", "Fem": "femn"}
TAGGER_CASE_BONUS, TAGGER_GENDER_BONUS = 1.5, 0.5
UNEXPLAINED = -1.0  # a word no reading fits under the hypothesis speaks against it
CONTEXT_MARGIN = TAGGER_CASE_BONUS + TAGGER_GENDER_BONUS

# Case endings of names and the nominative endings they may come from (longest first).
_ENDING_SWAPS = (
    ("ией", ("ия",)), ("ии", ("ия", "ий")), ("ию", ("ия", "ий")), ("ием", ("ий",)), ("ия", ("ий",)),
    ("ой", ("а",)), ("ей", ("я", "ь")), ("ом", ("",)), ("ем", ("ь", "й", "")), ("ым", ("",)), ("им", ("",)),
    ("ою", ("а",)), ("ею", ("я",)), ("ью", ("ь",)),
    ("а", ("", "о")), ("я", ("ь", "й")), ("у", ("", "а")), ("ю", ("ь", "й")), ("ы", ("а",)),
    ("е", ("", "а", "я", "ь", "й")),
)
# "-и" is the genitive of names in -а only after г к х ж ш ч щ ("Ольги"); elsewhere a final -и is
# more often the foreign name itself ("Хиллари", "Биби", "Винни").
_VELAR_I = re.compile(r"[гкхжшчщ]и$")
_FEMININE_NOMINATIVE = re.compile(r"[ая]$")
# Consonant-final, but not an instrumental or feminine oblique ending ("Цзиньпином", "Ивановой").
_MASCULINE_NOMINATIVE = re.compile(r"^(?!.*(?:ом|ем|ым|им|ой|ей)$).*[бвгджзйклмнпрстфхцчшщь]$")
_PETROVICH_CASE = {"gent": 0, "datv": 1, "accs": 2, "ablt": 3, "loct": 4}


@lru_cache(maxsize=1)
def _petrovich():
    from petrovich.main import Petrovich

    return Petrovich()


@lru_cache(maxsize=100_000)
def _petrovich_form(nominative: str, case: str, gender: str, kind: str) -> str | None:
    """``nominative`` inflected into ``case`` by petrovich's rules (a first name or a surname)."""
    from petrovich.enums import Gender

    engine = _petrovich()
    sex = Gender.MALE if gender == "masc" else Gender.FEMALE
    try:
        method = engine.firstname if kind == "first" else engine.lastname
        return method(nominative, _PETROVICH_CASE[case], sex)
    except (KeyError, ValueError, IndexError):
        return None


def _inflect(parse, grammemes: set[str]):
    """pymorphy's own ``Parse.inflect`` with OpenCorpora grammemes (natasha's parse objects
    override ``inflect`` to take UD names)."""
    from pymorphy2.analyzer import Parse

    return Parse.inflect(parse, grammemes)


_NOMINATIVES: dict[tuple, str | None] = {}


def _nominative(parse, gender: str | None) -> str | None:
    """The nominative of a parse, in ``gender`` when given (cached: pymorphy's inflect is slow)."""
    key = (parse.word, str(parse.tag), parse.normal_form, gender)
    if key not in _NOMINATIVES:
        if len(_NOMINATIVES) > 200_000:
            _NOMINATIVES.clear()
        form = (_inflect(parse, {"nomn", gender}) if gender else None) or _inflect(parse, {"nomn"})
        _NOMINATIVES[key] = form.word if form else None
    return _NOMINATIVES[key]


def _recase(word: str, model: str) -> str:
    return word.upper() if model.isupper() and len(model) > 1 else word[:1].upper() + word[1:]


@dataclass(frozen=True)
class Option:
    score: float
    nominative: str  # lower case


Parser = Callable[[str], list]  # pymorphy2's MorphAnalyzer.parse (raw pymorphy Parse objects)


@lru_cache(maxsize=200_000)
def word_option(word: str, case: str, gender: str, kind: str, parse: Parser) -> Option:
    """The best nominative of one name word (lower case) under (case, gender), with its score."""
    best = Option(UNEXPLAINED, word)
    # Surnames in -ов/-ин: the feminine nominative keeps the suffix ("Токаевой" → "Токаева").
    for p in parse(word):
        grams = p.tag.grammemes
        if case not in grams or "plur" in grams:
            continue
        gender_ok = gender in grams or "ms-f" in grams or "Fixd" in grams
        name_like = bool({"Name", "Surn", "Patr"} & grams)
        if "Fixd" in grams:
            option = Option(1.0, word)
        elif name_like and gender_ok:
            known = type(p.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"
            if best.score >= (3.0 if known else 2.0):
                continue  # inflecting is the costly part: only for a better option
            nominative = _nominative(p, gender)
            option = Option(3.0 if known else 2.0, nominative or word)
        elif "NOUN" in grams and not name_like:
            if best.score >= 1.0:
                continue
            nominative = _nominative(p, None)
            if nominative is None:
                continue
            first_declension = nominative.endswith(("а", "я"))
            if not (first_declension or gender == "masc" and gender in grams):
                continue
            option = Option(1.0, nominative)
        else:
            continue
        if option.score > best.score:
            best = option
    if case == "nomn":
        # The word as written is a nominative of this gender by its ending (feminine names end
        # in -а/-я, masculine ones mostly not), even where the dictionary knows only another
        # name ("Асия" read only as the genitive of "Асий").
        fits = bool(_FEMININE_NOMINATIVE.search(word) if gender == "femn" else _MASCULINE_NOMINATIVE.search(word))
        if best.score < 1.5 and fits:
            best = Option(1.5, word)
        elif best.score < 1.0 and (_known_nominative(word, parse) or all(p.tag.POS is None for p in parse(word))):
            best = Option(1.0, word)
        return best
    if best.score < 2.5:
        swaps = _ENDING_SWAPS + ((("и", ("а",)),) if _VELAR_I.search(word) else ())
        lemmas = {p.normal_form for p in parse(word)}
        for ending, replacements in swaps:
            if not word.endswith(ending) or len(word) - len(ending) < 2:
                continue
            for replacement in replacements:
                candidate = word[: len(word) - len(ending)] + replacement
                form = _petrovich_form(candidate.capitalize(), case, gender, kind)
                if form is not None and form.lower() == word:
                    # a nominative the dictionary also gives for the word ("Виолу" → "виола") wins a
                    # tie; a word the dictionary knows as a nominative ("Виола") is seldom another
                    # name's oblique form ("Виол")
                    score = 2.8 if candidate in lemmas else 1.0 if _known_nominative(word, parse) else 2.5
                    return Option(score, candidate)
    if best.score < 1.0 and all(p.tag.POS is None or "Fixd" in p.tag.grammemes for p in parse(word)):
        best = Option(1.0, word)  # indeclinable (unknown or Fixd): the same in every case
    return best


def _known_nominative(word: str, parse: Parser) -> bool:
    """The dictionary (not a guess) has the word as a singular nominative common noun ("виола";
    names are scored with their gender in ``word_option``)."""
    return any({"nomn", "sing", "NOUN"} <= p.tag.grammemes and not {"Name", "Surn", "Patr"} & p.tag.grammemes
               and type(p.methods_stack[0][0]).__name__ == "DictionaryAnalyzer" for p in parse(word))


@lru_cache(maxsize=50_000)
def _plural_option(word: str, case: str, parse: Parser) -> Option:
    """A one-word group of people in the plural ("эскимосами" → "эскимосы")."""
    best = Option(UNEXPLAINED, word)
    for p in parse(word):
        grams = p.tag.grammemes
        if case in grams and "plur" in grams and "anim" in grams and "NOUN" in grams \
                and not {"Name", "Surn", "Patr"} & grams:
            form = _inflect(p, {"nomn", "plur"})
            known = type(p.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"
            if form is not None:
                best = Option(2.6 if known else 1.2, form.word)
    return best


@dataclass(frozen=True)
class Reading:
    words: tuple[str, ...]
    score: float
    context_free: bool  # no tagger features could have changed the words


def person_nominative(words: list[str], parse: Parser, *, tagger_case: str | None = None,
                      tagger_gender: str | None = None) -> Reading | None:
    """The nominative of a person's name, given as its words ("Касым-Жомарта", "Токаева").

    Words that are not capitalized Cyrillic (initials, Latin, particles such as "ван") are kept.
    ``tagger_case``/``tagger_gender`` are UD values (Gen, Fem) from the tagger, or None.
    Returns None when no word is a name word. Cached: a pure function of its arguments, so
    caching cannot make results depend on which documents came first.
    """
    return _person_nominative(tuple(words), parse, tagger_case, tagger_gender)


@lru_cache(maxsize=100_000)
def _person_nominative(words: tuple[str, ...], parse: Parser, tagger_case: str | None,
                       tagger_gender: str | None) -> Reading | None:
    slots = []  # (index, part index, lower part, kind)
    parts = [w.split("-") for w in words]
    name_words = [i for i, w in enumerate(words) if all(_NAME_WORD.match(p) for p in parts[i])]
    if not name_words:
        return None
    for i in name_words:
        kind = "last" if i == name_words[-1] and len(name_words) > 1 else "first"
        if len(name_words) == 1:
            kind = "either"
        for j, part in enumerate(parts[i]):
            slots.append((i, j, part.lower().replace("ё", "е"), kind))
    hypotheses: list[tuple[float, tuple[str, ...]]] = []
    wanted_case = UD_CASE.get(tagger_case or "")
    wanted_gender = UD_GENDER.get(tagger_gender or "")
    for case in CASES:
        for gender in (*GENDERS, "plur"):
            if gender == "plur" and len(slots) != 1:
                continue
            total, chosen = 0.0, {}
            for i, j, part, kind in slots:
                if gender == "plur":
                    option = _plural_option(part, case, parse)
                elif kind == "either":
                    option = max(word_option(part, case, gender, "first", parse),
                                 word_option(part, case, gender, "last", parse), key=lambda o: o.score)
                else:
                    option = word_option(part, case, gender, kind, parse)
                if j < len(parts[i]) - 1 and option.score < 1.5:
                    # "Касым-" of "Касым-Жомарта": a first part often stays in the nominative
                    as_written = word_option(part, "nomn", gender, kind if kind != "either" else "first", parse)
                    if as_written.score > 0 and option.score < min(as_written.score, 1.5):
                        option = Option(min(as_written.score, 1.5), part)
                total += option.score
                chosen[(i, j)] = option.nominative
            if case == wanted_case:
                total += TAGGER_CASE_BONUS
            if gender == wanted_gender:
                total += TAGGER_GENDER_BONUS
            if case == "nomn":
                total += 0.2  # the text's own form, when nothing speaks against it
            out = []
            for i, word in enumerate(words):
                if i in name_words:
                    out.append("-".join(_recase(chosen[(i, j)], p) for j, p in enumerate(parts[i])))
                else:
                    out.append(word)
            hypotheses.append((total, tuple(out)))
    hypotheses.sort(key=lambda h: -h[0])
    best_score, best_words = hypotheses[0]
    rival = next((score for score, result in hypotheses if result != best_words), None)
    context_free = rival is None or best_score - rival > CONTEXT_MARGIN
    return Reading(best_words, best_score, context_free)
