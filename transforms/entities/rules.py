"""Corrections to natasha's NER spans, one small named rule each, applied in a fixed order.

Every rule is a pure function ``(text, spans) -> spans``. They fix the errors natasha makes on
news text that were seen on the seeds and on factRuEval (measured one by one in
``bench/ner_eval.py --ablation``):

- ``trim_punctuation``: a span that swallowed a bracket, bullet or dash at its edge.
- ``split_lines``: a span that runs across a line break or a list bullet ("Суринам • Сирия").
- ``split_parenthetical``: "Комитет защиты журналистов (КЗЖ)", "Джоэл Саймон (Joel Simon)" are two
  mentions of the same thing, not one.
- ``split_repeated_name``: "Касым-Жомарт Токаев Касым-Жомарт Токаев" (a caption followed by the
  same name) is merged by natasha into one PER span.
- ``drop_generic``: "СМИ" (the media in general) and bare legal forms ("ПАО", "ГУ") are not names.
- ``strip_legal_form``: in "ОАО «Газпром»", "концерн «Майкрософт»" the name is what is in quotes.
- ``extend_org_adjective``: "японского МИДа", "российском министерстве финансов": a relational
  adjective right before an organization's head word belongs to its name.

Type errors that depend on *which* thing is named (ЕС tagged LOC, Акорда tagged PER) are fixed by
the alias table at linking time instead, so analysts can correct new ones without code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from transforms.entities.model import Span

Rule = Callable[[str, list[Span]], list[Span]]

_EDGE_JUNK = " \t\r\n,.;:•·*-–—/\\|"
_OPENERS = "(«\"„“["
_CLOSERS = ")»\"”]"


def _make(text: str, start: int, stop: int, type_: str, rule: str) -> Span | None:
    """A span for text[start:stop] with whitespace trimmed, or None when nothing is left."""
    while start < stop and text[start].isspace():
        start += 1
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    if stop <= start or not any(ch.isalnum() for ch in text[start:stop]):
        return None
    return Span(start, stop, type_, text[start:stop], rule=rule)


def _balanced(fragment: str, opener: str, closer: str) -> bool:
    return fragment.count(opener) == fragment.count(closer)


def trim_punctuation(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        start, stop = span.start, span.stop
        changed = True
        while changed and start < stop:
            changed = False
            if text[start] in _EDGE_JUNK:
                start += 1
                changed = True
            elif text[stop - 1] in _EDGE_JUNK and not (
                    text[stop - 1] == "." and stop - start <= 4):  # keep "им." / "В.Л."-like initials
                stop -= 1
                changed = True
            elif text[stop - 1] in _OPENERS and text[stop - 1] != '"':
                stop -= 1
                changed = True
            elif text[start] in ")]":
                start += 1
                changed = True
            elif text[stop - 1] == ")" and not _balanced(text[start:stop], "(", ")"):
                stop -= 1
                changed = True
            elif text[start] == "(" and not _balanced(text[start:stop], "(", ")"):
                start += 1
                changed = True
            elif text[stop - 1] in "»“”" and not any(o in text[start:stop - 1] for o in "«„“"):
                stop -= 1
                changed = True
            elif text[start] in "«„“" and not any(c in text[start + 1:stop] for c in "»“”"):
                start += 1
                changed = True
        if (start, stop) == (span.start, span.stop):
            out.append(span)
        else:
            made = _make(text, start, stop, span.type, "trim_punctuation")
            if made:
                out.append(made)
    return out


_LINE_SPLIT = re.compile(r"\s*(?:\n\s*|•|·)\s*")


def split_lines(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        fragment = text[span.start:span.stop]
        if not _LINE_SPLIT.search(fragment):
            out.append(span)
            continue
        cursor = span.start
        for match in _LINE_SPLIT.finditer(fragment):
            made = _make(text, cursor, span.start + match.start(), span.type, "split_lines")
            if made:
                out.append(made)
            cursor = span.start + match.end()
        made = _make(text, cursor, span.stop, span.type, "split_lines")
        if made:
            out.append(made)
    return out


_PAREN = re.compile(r"^(?P<outer>[^()]+?)\s*\((?P<inner>[^()]+)\)?\s*$")


def split_parenthetical(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        match = _PAREN.match(text[span.start:span.stop])
        if not match:
            out.append(span)
            continue
        for group in ("outer", "inner"):
            made = _make(text, span.start + match.start(group), span.start + match.end(group),
                         span.type, "split_parenthetical")
            if made:
                out.append(made)
    return out


_WORD = re.compile(r"\S+")


def split_repeated_name(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        words = list(_WORD.finditer(text[span.start:span.stop]))
        half = len(words) // 2
        if len(words) >= 2 and len(words) % 2 == 0 and \
                [w.group() for w in words[:half]] == [w.group() for w in words[half:]]:
            for part in (words[:half], words[half:]):
                made = _make(text, span.start + part[0].start(), span.start + part[-1].end(),
                             span.type, "split_repeated_name")
                if made:
                    out.append(made)
        else:
            out.append(span)
    return out


# Common nouns natasha takes for names: the media in general, and legal forms standing alone.
GENERIC_WORDS = frozenset({
    "сми", "смі", "пао", "оао", "зао", "ооо", "ао", "гу", "гуп", "муп", "фгуп", "нао", "ип", "тоо",
})


def drop_generic(text: str, spans: list[Span]) -> list[Span]:
    return [s for s in spans if text[s.start:s.stop].strip("«»\"").lower().replace("ё", "е")
            not in GENERIC_WORDS]


_LEGAL_FORM = re.compile(
    r"^(?:[А-ЯЁA-Z]{2,5}|(?:[Кк]онцерн|[Кк]омпани|[Кк]орпораци|[Хх]олдинг|[Аа]гент?ств|[Тт]елеканал|[Гг]азет|"
    r"[Жж]урнал|[Ии]здани|[Рр]адиостанци|[Тт]елерадиокомпани)\w*)\s+"
    r"[«\"„“](?P<name>[^«»\"„“]+)[»\"”“]?$"
    r"|^(?:РИА|ИА|МИА|[Аа]гент?ств\w*)\s+(?P<bare>[^«»\"„“\s][^«»\"„“]*)$")


def strip_legal_form(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        match = _LEGAL_FORM.match(text[span.start:span.stop]) if span.type == "ORG" else None
        if match:
            group = "name" if match.group("name") else "bare"
            made = _make(text, span.start + match.start(group), span.start + match.end(group),
                         span.type, "strip_legal_form")
            if made:
                out.append(made)
                continue
        out.append(span)
    return out


_QUOTED_TAIL = re.compile(r"^(?P<head>[^«»\"„“]*[^\W\d_][^«»\"„“]*?)\s+[«\"„“](?P<name>[^«»\"„“]+)[»\"”“]?$")


def split_quoted_name(text: str, spans: list[Span]) -> list[Span]:
    """"Русской службе «Голоса Америки»": a unit of an organization and the organization itself."""
    out = []
    for span in spans:
        match = _QUOTED_TAIL.match(text[span.start:span.stop]) if span.type == "ORG" else None
        if match and not _LEGAL_FORM.match(text[span.start:span.stop]):
            for group in ("head", "name"):
                made = _make(text, span.start + match.start(group), span.start + match.end(group),
                             span.type, "split_quoted_name")
                if made:
                    out.append(made)
        else:
            out.append(span)
    return out


_VEHICLE = re.compile(
    r"(?<![а-яё])(?:шаттл|корабл|станци|ракет|телескоп|спутник|самол[её]т|судн|ледокол|лайнер|модул|грузовик|зонд|"
    r"марсоход|луноход|подлодк|крейсер|авианос|эсминц|фрегат|парусник|яхт)\w*\s*[«\"„“]?\s*$", re.IGNORECASE)


def drop_vehicle_names(text: str, spans: list[Span]) -> list[Span]:
    """Names of ships, spacecraft and aircraft ("шаттл «Дискавери»", "станции «Мир»") are not
    organizations; natasha tags them ORG. A name seen once after such a word is a vehicle in the
    whole article ("корабля «Союз ТМ-1»" … "в случае с «Союзом»")."""
    vehicles = {_stem(s.text.split()[0]) for s in spans
                if s.type == "ORG" and _VEHICLE.search(text, max(0, s.start - 25), s.start)}
    return [s for s in spans if not (s.type == "ORG" and (
        _VEHICLE.search(text, max(0, s.start - 25), s.start)
        or _stem(s.text.split()[0]) in vehicles and text[s.start - 1:s.start] in _OPENERS))]


# The vehicle word inside the span, before the name: "Космический телескоп Хаббл", "Шаттл Атлантис".
_VEHICLE_HEAD = re.compile(
    r"^(?:[А-ЯЁа-яё]+(?:ый|ий|ой|ая|ое)\s+){0,2}(?:[Шш]аттл|[Кк]орабл|[Сс]танци|[Рр]акет|[Тт]елескоп|[Сс]путник|"
    r"[Сс]амол[её]т|[Лл]едокол|[Лл]айнер|[Зз]онд|[Мм]арсоход|[Лл]уноход|[Пп]одлодк|[Кк]рейсер|[Аа]вианос|"
    r"[Ээ]сминц|[Фф]регат)\w*\s+[«\"„“]?[А-ЯЁA-Z]")


def drop_vehicle_heads(text: str, spans: list[Span]) -> list[Span]:
    """natasha sometimes takes the vehicle word into the span ("Космический телескоп Хаббл"):
    such a span names a vehicle, not an organization."""
    return [s for s in spans if not (s.type == "ORG" and _VEHICLE_HEAD.match(s.text))]


def _stem(word: str) -> str:
    return _STEM_END.sub("", word.lower())


# A quoted name right after a word saying what kind of organization it is: "радиостанция «Маяк»",
# "институт «Коллективное действие»". natasha often leaves such names untagged.
_ORG_KIND = re.compile(
    r"(?<![\w-])(?:радиостанци|телеканал|телекомпани|газет|журнал|агентств|издательств|компани|концерн|"
    r"холдинг|корпораци|банк|фонд|институт|университет|движени|парти|организаци|ассоциаци|объединени|"
    r"клуб|завод|фабрик|комбинат|групп|театр|студи|фирм|сет[иь]|ресторан|магазин|союз|центр)\w*\s+"
    r"[«„“\"](?P<name>[А-ЯЁA-Z][^«»„“\"\n]{0,60}?)[»“”\"]")


def quoted_after_org_word(text: str, spans: list[Span]) -> list[Span]:
    out = list(spans)
    for match in _ORG_KIND.finditer(text):
        start, stop = match.span("name")
        if any(s.start < stop and start < s.stop for s in out):
            continue
        made = _make(text, start, stop, "ORG", "quoted_after_org_word")
        if made:
            out.append(made)
    return sorted(out, key=lambda s: s.start)


_RELATIONAL_ADJ = re.compile(
    r"(?<![\w-])(?P<adj>[а-яё]+(?:ск|цк)(?:ий|ого|ому|им|ом|ая|ой|ую|ое|ие|их|ими))\s+(?P<quote>[«\"„“]?)$")


def extend_org_adjective(text: str, spans: list[Span]) -> list[Span]:
    """"японского МИДа", "московского «Центра»": the adjective (and the quotes) join the name."""
    out = []
    for span in spans:
        if span.type == "ORG" and text[span.start:span.start + 1].isupper():
            match = _RELATIONAL_ADJ.search(text, max(0, span.start - 40), span.start)
            if match and not _covered(spans, match.start("adj")):
                stop = span.stop
                if match.group("quote"):
                    if text[stop:stop + 1] not in "»\"”“" or stop >= len(text):
                        out.append(span)
                        continue
                    stop += 1
                made = _make(text, match.start("adj"), stop, span.type, "extend_org_adjective")
                if made:
                    out.append(made)
                    continue
        out.append(span)
    return out


# A relational adjective or two before a ministry, agency or federation written in lowercase:
# "российском министерстве финансов", "японского дипломатического ведомства", "международной
# шахматной федерации". factRuEval tags these ORG; natasha never does (no capital letter). Only
# these three heads: "российское правительство", "эстонская полиция" are not tagged there.
_ADJ = r"[а-яё]+(?:ск|цк|н|ов)(?:ий|ый|ого|ому|им|ым|ом|ая|ой|ую|ое|ие|ые|их|ых|ими|ыми)"
_DESCRIPTOR = re.compile(
    rf"(?<![\w-])(?P<adj>(?:{_ADJ}\s+){{0,2}}[а-яё]+(?:ск|цк)(?:ий|ого|ому|им|ом|ая|ой|ую|ое)\s+"
    rf"(?:{_ADJ}\s+)?)"
    r"(?P<head>министерств[оауе]|министерством|ведомств[оауе]|ведомством|федераци(?:я|и|ю|ей))(?![\w-])")
# Lowercase words in the genitive that complete a ministry's name: "финансов", "иностранных дел".
_GENITIVE_TAIL = re.compile(r"\s+(?P<tail>(?:[а-яё]+(?:ых|их)\s+)?(?:дел|финансов|обороны|юстиции|"
                            r"торговли|экономики|энергетики|образования|здравоохранения|культуры|"
                            r"промышленности|транспорта|связи|сельского\s+хозяйства|труда|спорта))(?![\w-])")


def org_descriptor_phrase(text: str, spans: list[Span]) -> list[Span]:
    out = list(spans)
    for match in _DESCRIPTOR.finditer(text):
        start, stop = match.start(), match.end()
        if match.group("head").startswith("министерств"):
            tail = _GENITIVE_TAIL.match(text, stop)
            if tail:
                stop = tail.end()
        inside = [s for s in out if s.start < stop and start < s.stop]
        if any(s.start < start or s.stop > stop or s.type != "ORG" and s.type != "LOC" for s in inside):
            continue
        for s in inside:
            out.remove(s)
        made = _make(text, start, stop, "ORG", "org_descriptor_phrase")
        if made:
            out.append(made)
    return sorted(out, key=lambda s: s.start)


# Heads of organizations whose official names go on past natasha's span with a lowercase tail.
_ORG_HEAD = re.compile(
    r"^(?:[А-ЯЁ][а-яё]+\s+)*(?:[Сс]овет|[Кк]омитет|[Кк]омисси|[Бб]юро|[Уу]правлени|[Аа]гентств|[Сс]лужб|"
    r"[Дд]епартамент|[Цц]ентр|[Ии]нститут|[Фф]онд|[Аа]ссоциаци|[Фф]едераци|[Сс]оюз|[Мм]инистерств|[Пп]алат|"
    r"[Сс]уд|[Пп]рокуратур|[Аа]кадеми|[Ии]нспекци)\w*")
# "при прокуратуре", "по развитию информационного общества", "против пыток", "112 созыва":
# a preposition or ordinal and lowercase words (and acronyms like РФ) up to punctuation.
_TAIL = re.compile(r"(?:\s+[А-ЯЁ]{2,5}(?=\s+(?:при|по)\s)"
                   r"|\s+(?:при|по|против)\s+(?:[а-яё]+|[А-ЯЁ][а-яё]+|[А-ЯЁ]{2,5})"
                   r"(?:\s+(?:[а-яё]{2,}|и|[А-ЯЁ]{2,5}(?=\s+по\s)))*"
                   r"|\s+\d{1,3}(?:-го)?\s+созыва)+")


def extend_org_tail(text: str, spans: list[Span]) -> list[Span]:
    """"Следственного комитета при прокуратуре", "Бюро США по патентам и товарным знакам",
    "комитетом ООН против пыток": natasha stops before the lowercase tail of an official name."""
    out = []
    ordered = sorted(spans, key=lambda s: s.start)
    for i, span in enumerate(ordered):
        if span.type != "ORG":
            out.append(span)
            continue
        start, stop = span.start, span.stop
        fragment = text[start:stop]
        # "комитетом ООН против пыток": a lowercase head just before an acronym span.
        before = re.search(r"(?<![\w-])(?P<head>комитет\w*|комисси\w*|совет\w*|бюро)\s+$",
                           text[max(0, start - 20):start])
        if before and re.fullmatch(r"[А-ЯЁ]{2,6}", fragment):
            start = start - len(before.group(0))
        elif not _ORG_HEAD.match(fragment):
            out.append(span)
            continue
        tail = _TAIL.match(text, stop)
        if not tail:
            out.append(span)
            continue
        stop = _trim_nominative(text, stop, tail.end())
        following = ordered[i + 1:]
        if any(s.start < stop and s.stop > stop for s in following):  # would cut a span in two
            out.append(span)
            continue
        made = _make(text, start, stop, "ORG", "extend_org_tail")
        out.append(made or span)
    return out


# Acronym in brackets next to its expansion, either way round: "Хмельницкой атомной
# электростанции (ХАЭС)", "World Fashion Channel (WFC)", "ПАСЕ (Парламентской ассамблеи Совета Европы)".
_BRACKETED_ACRONYM = re.compile(r"\((?P<acr>[A-ZА-ЯЁ][A-ZА-ЯЁa-z]{1,7})\)")
_NAME_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_LINK_WORDS = frozenset({"и", "по", "в", "при", "of", "and", "for", "the", "de", "на", "за"})


def _spells(acronym: str, words: list[str]) -> bool:
    """Whether the content words' initials spell the acronym; a compound word may give two letters
    (атомной ЭлектроСтанции → АЭС)."""
    letters = acronym.upper().replace("Ё", "Е")
    content = [w.upper().replace("Ё", "Е") for w in words if w.lower() not in _LINK_WORDS]
    if not content or len(content) < 2 and len(letters) > 2:
        return False

    def match(i: int, k: int) -> bool:
        if k == len(content):
            return i == len(letters)
        if i >= len(letters) or content[k][0] != letters[i]:
            return False
        if match(i + 1, k + 1):
            return True
        # one more letter from inside the same word (compound words, "Синьхуа" style)
        return any(match(i + 2, k + 1) for j in range(2, len(content[k]))
                   if i + 1 < len(letters) and content[k][j] == letters[i + 1])
    return match(0, 0)


def _trim_nominative(text: str, start: int, stop: int) -> int:
    """Cut a tail before its first lowercase word that can only be a subject or a verb ("… по
    развитию информационного общества глава РФ"): the name ended before it."""
    from transforms.entities.linking import morph_vocab

    for word in re.finditer(r"[а-яё]{2,}", text[start:stop]):
        parses = morph_vocab().parse(word.group())
        if parses and not any({"gent", "datv", "ablt", "loct", "accs"} & set(p.tag.grammemes) or
                              {"PREP", "CONJ", "ADJF", "PRTF", "NUMR"} & set(p.tag.grammemes) for p in parses):
            return _rstrip_space(text, start, start + word.start())
    return stop


def _rstrip_space(text: str, start: int, stop: int) -> int:
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    return stop


def acronym_expansion(text: str, spans: list[Span]) -> list[Span]:
    out = list(spans)
    for match in _BRACKETED_ACRONYM.finditer(text):
        acr_start, acr_stop = match.start("acr"), match.end("acr")
        acronym = match.group("acr")
        if sum(ch.isupper() for ch in acronym) < 2:
            continue
        # expansion before the bracket: the shortest run of preceding words that spells it
        before = list(_NAME_WORD.finditer(text, max(0, match.start() - 120), match.start()))
        found = None
        for n in range(2, min(len(before), 10) + 1):
            words = before[-n:]
            if text[words[-1].end():match.start()].strip():
                break
            if re.search(r"[.,;:!?\n«»\"]", text[words[0].start():words[-1].end()]):
                break
            if words[0].group().lower() in _LINK_WORDS:
                continue
            if _spells(acronym, [w.group() for w in words]):
                found = (words[0].start(), words[-1].end())
                break
        if found is None or not _names_something(out, text, found):
            continue
        _assign(out, text, found, (acr_start, acr_stop))
    # "ПАСЕ (Парламентской ассамблеи Совета Европы)": the expansion inside the brackets
    for match in re.finditer(r"(?<![\w-])(?P<acr>[A-ZА-ЯЁ]{2,8})\s*\((?P<exp>[^()\n]{5,120})\)", text):
        words = [w.group() for w in _NAME_WORD.finditer(match.group("exp"))]
        expansion = (match.start("exp"), match.end("exp"))
        if _spells(match.group("acr"), words) and _names_something(out, text, expansion):
            _assign(out, text, (match.start("exp"), match.end("exp")), (match.start("acr"), match.end("acr")))
    return sorted(out, key=lambda s: s.start)


def _names_something(spans: list[Span], text: str, expansion: tuple[int, int]) -> bool:
    """A proper name, not a term: capitalized, or natasha saw a name in it ("приборно-агрегатного
    отсека (ПАО)", "свободного программного обеспечения (СПО)" are terms)."""
    start, stop = expansion
    return text[start:start + 1].isupper() or any(s.start < stop and start < s.stop for s in spans)


def _assign(spans: list[Span], text: str, expansion: tuple[int, int], acronym: tuple[int, int]) -> None:
    """Make the expansion and the acronym one mention each, of the type already given to either
    (ORG when natasha tagged neither); spans they cover are replaced, partial overlaps left alone."""
    types = [s.type for s in spans for a, b in (expansion, acronym) if s.start < b and a < s.stop]
    type_ = max(set(types), key=types.count) if types else "ORG"
    if "ORG" in types:
        type_ = "ORG"
    for start, stop in (expansion, acronym):
        inside = [s for s in spans if s.start < stop and start < s.stop]
        if any(s.start < start or s.stop > stop for s in inside):
            continue
        if any((s.start, s.stop, s.type) == (start, stop, type_) for s in inside):
            continue
        for s in inside:
            spans.remove(s)
        made = _make(text, start, stop, type_, "acronym_expansion")
        if made:
            spans.append(made)


def propagate_in_document(text: str, spans: list[Span]) -> list[Span]:
    """A name tagged ORG once is ORG wherever else it appears in the article, including its
    inflections: "WFC", "«Фольксваген» (Volkswagen)" … "«Фольксваген» имеет", "Русской службе
    «Голоса Америки»" … "Голос Америки:". Occurrences natasha left untagged or tagged as a
    smaller part ("Америки" inside "Голос Америки") are added; other overlaps are left alone."""
    names = {s.text for s in spans if s.type == "ORG" and len(s.text) >= 3 and s.text[:1].isupper()
             and not s.text.isdigit() and s.text.lower() not in GENERIC_WORDS}
    if not names:
        return spans
    parts = sorted({_inflected(name) for name in names}, key=lambda part: (-len(part), part))
    regex = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")
    out = list(spans)
    for match in regex.finditer(text):
        start, stop = match.span()
        inside = [s for s in out if s.start < stop and start < s.stop]
        if any(s.start < start or s.stop > stop for s in inside):
            continue
        if any((s.start, s.stop) == (start, stop) for s in inside):
            continue
        for s in inside:
            out.remove(s)
        made = _make(text, start, stop, "ORG", "propagate_in_document")
        if made:
            out.append(made)
    return sorted(out, key=lambda s: s.start)


_STEM_END = re.compile(r"(?:[аеиоуыэюяйь]|ом|ем|ой|ей|ам|ям|ах|ях)$")


def _inflected(name: str) -> str:
    """Regex for a name whose lowercase Cyrillic words may change their ending ("Голоса Америки" →
    "Голос Америки", "Голосу Америки"); acronyms and Latin words match as written."""
    words = []
    for word in name.split():
        if len(word) >= 4 and re.fullmatch(r"[А-ЯЁа-яё]+", word) and not word.isupper():
            stem = _STEM_END.sub("", word)
            words.append(re.escape(stem) + r"[а-яё]{0,3}")
        else:
            words.append(re.escape(word))
    return r"\s+".join(words)


# Facilities are locations in factRuEval, not organizations: "аэропорт «Домодедово»", "космодром
# «Восточный»", "Космический центр Кеннеди", "Центр управления полётами". natasha tags them ORG.
_FACILITY_BEFORE = re.compile(r"(?<![\w-])(?:аэропорт|аэродром|космодром|вокзал)\w*\s*[«\"„“]?\s*$", re.IGNORECASE)
_FACILITY_NAME = re.compile(r"^(?:[Кк]осмическ\w+\s+центр|[Цц]ентр\w*\s+управления\s+пол[её]т)", re.IGNORECASE)


def facility_is_location(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        if span.type == "ORG" and (_FACILITY_BEFORE.search(text, max(0, span.start - 25), span.start)
                                   or _FACILITY_NAME.match(span.text)):
            made = _make(text, span.start, span.stop, "LOC", "facility_is_location")
            if made:
                out.append(made)
                continue
        out.append(span)
    return out


# A numbered expedition is a team, an organization in factRuEval: "13-й долговременной экспедиции",
# "пятая антарктическая экспедиция" is left alone (no number, often a trip rather than a team).
_EXPEDITION = re.compile(r"(?<![\w-])\d{1,3}-(?:й|я|ой|ая|ей|ю|ую)\s+(?:[а-яё]+(?:ой|ая|ую|ей|ые|ых|ый|ий)\s+)?"
                         r"экспедици(?:я|и|ю|ей|ях|ям)(?![\w-])")


def numbered_expedition(text: str, spans: list[Span]) -> list[Span]:
    return _add_phrases(text, spans, (m.span() for m in _EXPEDITION.finditer(text)), "numbered_expedition")


# "читайте в статье Частного корреспондента «Жара продолжается»": the capitalized words between
# "статье" and a quoted title name the publication; the quoted title is a work, not an organization.
_ARTICLE_TITLE = re.compile(
    r"(?<![\w-])(?:стать(?:я|и|е|ю|ей)|колонк(?:а|и|е|у|ой)|публикаци(?:я|и|ю|ей))\s+"
    r"(?P<pub>[А-ЯЁA-Z][\w.-]*(?:\s+[а-яёa-zА-ЯЁA-Z][\w.-]*){0,2}?\s+)?"
    r"[«„“](?P<title>[^«»„“\n]{1,120})[»“”]")


def publication_before_title(text: str, spans: list[Span]) -> list[Span]:
    out = list(spans)
    for match in _ARTICLE_TITLE.finditer(text):
        t_start, t_stop = match.span("title")
        out = [s for s in out if not (s.type == "ORG" and t_start <= s.start and s.stop <= t_stop)]
        if match.group("pub"):
            start, stop = match.start("pub"), _rstrip_space(text, match.start("pub"), match.end("pub"))
            # the author's name is a person: "в статье Ивана Сидорова «…»"
            out = _add_phrases(text, out, [(start, stop)], "publication_before_title", protect=("PER",))
    return sorted(out, key=lambda s: s.start)


# A national team with its sport is an organization in factRuEval ("сборную России по бобслею и
# скелетону", "сборной страны по футболу"); a bare "сборной США" is tagged only as the country there.
_TEAM = re.compile(
    r"(?<![\w-])сборн(?:ая|ой|ую|ые|ых|ым|ыми)\s+(?:команд\w+\s+)?(?:[А-ЯЁ][\w-]+|страны)\s+по\s+"
    r"(?P<sport>[а-яё]{4,})(?:\s+и\s+[а-яё]{4,})?(?![\w-])")
_NOT_SPORT = frozenset({"итогам", "словам", "данным", "мнению", "причине", "случаю", "просьбе", "приглашению",
                        "решению", "инициативе", "сравнению", "отношению", "результатам", "сообщению",
                        "информации", "оценке", "оценкам", "подсчетам", "подсчётам", "возвращении", "прибытии"})


def national_team_with_sport(text: str, spans: list[Span]) -> list[Span]:
    found = (m.span() for m in _TEAM.finditer(text) if m.group("sport") not in _NOT_SPORT)
    return _add_phrases(text, spans, found, "national_team_with_sport")


# "концерн «Фольксваген» (Volkswagen)": the Latin spelling in brackets right after a name is the
# same thing named again.
_LATIN_TWIN = re.compile(r"[»\"”“]?\s*\((?P<name>[A-Z][A-Za-z0-9&'.-]*(?:\s[A-Z0-9][A-Za-z0-9&'.-]*){0,3})\)")


def latin_twin_in_brackets(text: str, spans: list[Span]) -> list[Span]:
    found = []
    for span in spans:
        if span.type != "ORG" or not re.search(r"[А-ЯЁа-яё]", span.text):
            continue
        match = _LATIN_TWIN.match(text, span.stop)
        if match:
            found.append(match.span("name"))
    return _add_phrases(text, spans, found, "latin_twin_in_brackets")


def extend_to_closing_quote(text: str, spans: list[Span]) -> list[Span]:
    """A quoted name is one name: natasha tags "Координационный совет" inside «Координационный
    совет обманутых вкладчиков»; the lowercase words up to the closing quote belong to it."""
    out = []
    for span in spans:
        if span.type == "ORG" and text[span.start - 1:span.start] in "«„“" and span.start > 0:
            match = re.match(r"(?:\s+[а-яё][а-яё-]*){1,5}(?=[»“”])", text[span.stop:span.stop + 80])
            if match and not any(s.start < span.stop + match.end() and s.stop > span.stop for s in spans):
                made = _make(text, span.start, span.stop + match.end(), "ORG", "extend_to_closing_quote")
                if made:
                    out.append(made)
                    continue
        out.append(span)
    return out


# --- Fourth round (extractor ``entities-4``), written on NEREL v1.1 dev (even ids) and checked on
# the odd ids and on factRuEval: boundary and type errors both annotation projects agree on.

_EDGE_FUNCTION_WORD = re.compile(
    r"^(?:(?:от|в|во|на|по|из|с|со|для|при|за|к|о|об|и|или|а)\s+)+|(?:\s+(?:от|в|во|на|по|из|с|со|для|при|за|к|о|об|и|или|а))+$")


def trim_function_words(text: str, spans: list[Span]) -> list[Span]:
    """A preposition or conjunction at the edge of a span belongs to the sentence, not the name:
    "Европейского суда по правам человека от (России)" → "Европейского суда по правам человека"."""
    out = []
    for span in spans:
        fragment = text[span.start:span.stop]
        head = _EDGE_FUNCTION_WORD.match(fragment)
        start = span.start + (head.end() if head and head.end() < len(fragment) else 0)
        tail = _EDGE_FUNCTION_WORD.search(text, start, span.stop)
        stop = tail.start() if tail and tail.start() > start and tail.end() == span.stop else span.stop
        if (start, stop) != (span.start, span.stop):
            made = _make(text, start, stop, span.type, "trim_function_words")
            if made:
                out.append(made)
            continue
        out.append(span)
    return out


# Words for a person's role; natasha tags "Судья" (a judge) or "Член общественного совета" ORG.
_NOUN_END = r"(?:а|у|ом|е|ы|ов|ам|ами|ах)?"
_PERSON_ROLE = re.compile(
    r"^(?:[Сс]удь(?:я|и|е|ю|ёй|ей)|[Гг]лав(?:а|ы|е|у|ой)|[Пп]осол|[Пп]осла"
    r"|(?:[Мм]эр|[Чч]лен|[Пп]резидент|[Мм]инистр|[Дд]епутат|[Сс]енатор|[Гг]убернатор|[Дд]иректор|[Сс]пикер|"
    r"[Пп]рокурор|[Аа]двокат|[Сс]оветник)" + _NOUN_END
    + r"|[Пп]редседател(?:ь|я|ю|ем|е|и|ей)|[Рр]уководител(?:ь|я|ю|ем|е|и|ей))(?=\s|$)")


def drop_person_roles(text: str, spans: list[Span]) -> list[Span]:
    """A role word is no organization: alone it is dropped ("Судья"), before a name it is cut off
    ("Член общественного совета" → "общественного совета")."""
    out = []
    for span in spans:
        match = _PERSON_ROLE.match(span.text) if span.type == "ORG" else None
        if not match:
            out.append(span)
            continue
        made = _make(text, span.start + match.end(), span.stop, span.type, "drop_person_roles")
        if made and made.text[:1].isalpha() and (" " in made.text or made.text[:1].isupper()):
            out.append(made)  # "общественного совета", "ООН"; a lone lowercase word ("финансов") is no name
    return out


# Nouns introducing titles of works and products: the quoted names after them are no organizations
# ("торговыми марками «Раундап», «Торнадо»", "сочинениями «Строфы», «Эманации»", "книг: «Тишина»").
_WORK_WORD = re.compile(
    r"(?<![\w-])(?:марк(?:а|и|е|у|ой|ами|ам|ах)|(?:сочинени|произведени|стихотворени)(?:е|я|ю|ем|и|й|ям|ями|ях)|"
    r"(?:книг|роман|повест|рассказ|поэм|пьес|песн|альбом|сингл|фильм|кинофильм|картин|сериал|спектакл|симфони|"
    r"мюзикл|сборник|рубрик|колонк|выставк|передач)[а-яё]{0,4}|опер(?:а|ы|е|у|ой|ами)|балет[а-яё]{0,3}|"
    r"игр(?:а|ы|е|у|ой|ами)|программ(?:а|ы|е|у|ой|ами)|стать(?:я|и|е|ю|ей|ями))\s*:?\s*$", re.IGNORECASE)
_LIST_GAP = re.compile(r"^(?:\s*(?:,|и|или|а также)\s*)$")


def drop_work_titles(text: str, spans: list[Span]) -> list[Span]:
    """Quoted names listed after a word for works or products are titles, not organizations. The
    list is followed back through «…», «…» и «…» to the word that introduces it."""
    quoted = [s for s in spans if s.type == "ORG" and s.start > 0 and s.stop < len(text)
              and text[s.start - 1] in "«\"„“" and text[s.stop] in "»\"”“"]
    titles: set[int] = set()
    for span in sorted(quoted, key=lambda s: s.start):
        position = span.start - 1  # the opening quote
        while True:
            if _WORK_WORD.search(text, max(0, position - 40), position):
                titles.add(span.start)
                break
            previous = text.rfind("»", 0, position)
            opener = text.rfind("«", 0, previous) if previous > 0 else -1
            if previous < 0 or opener < 0 or not _LIST_GAP.match(text[previous + 1:position]):
                break
            position = opener
    return [s for s in spans if s.start not in titles]


# The seat of a government names it when it acts: "Кремль объявил", "опубликовано Белым домом";
# "в Кремле", "в Белом доме" stay places.
_SEAT_OF_POWER = re.compile(r"^(?:Кремл(?:ь|ём|ем)|Бел(?:ый|ым) дом(?:ом)?)$")


def seat_of_power_acting(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        if span.type == "LOC" and _SEAT_OF_POWER.match(span.text):
            out.append(Span(span.start, span.stop, "ORG", span.text, rule="seat_of_power_acting"))
        else:
            out.append(span)
    return out



# A title before a person's name is not part of the name: "Папа Франциск", "Поп-звезда Мадонна",
# "Император Акихито". ("Доктор Лиза" is a nickname and keeps its title: "Доктор" is not listed.)
_PERSON_TITLE = re.compile(
    r"^(?:[Пп]ап[аыеуой]|[Пп]атриарх\w*|[Ии]мператор\w*|[Ии]мператриц\w*|[Кк]орол[ьяюеёи]\w*|[Пп]ринц\w*|"
    r"[Пп]оп-звезд\w*|[Сс]ултан\w*|[Шш]ейх\w*|[Аа]ятолл\w*|[Кк]ардинал\w*|[Мм]итрополит\w*)\s+(?=[А-ЯЁA-Z])")


def strip_person_title(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        match = _PERSON_TITLE.match(span.text) if span.type == "PER" else None
        made = _make(text, span.start + match.end(), span.stop, "PER", "strip_person_title") if match else None
        out.append(made or span)
    return out


def _add_phrases(text: str, spans: list[Span], phrases, rule: str, type_: str = "ORG",
                 protect: tuple[str, ...] = ()) -> list[Span]:
    """Add each (start, stop) as a mention of type_, replacing the spans wholly inside it; a phrase
    that would cut another span in two, that holds a span of a protected type, or that is already
    there, is skipped."""
    out = list(spans)
    for start, stop in phrases:
        inside = [s for s in out if s.start < stop and start < s.stop]
        if any(s.start < start or s.stop > stop or s.type in protect for s in inside):
            continue
        if any((s.start, s.stop, s.type) == (start, stop, type_) for s in inside):
            continue
        for s in inside:
            out.remove(s)
        made = _make(text, start, stop, type_, rule)
        if made:
            out.append(made)
    return sorted(out, key=lambda s: s.start)


def _covered(spans: Iterable[Span], position: int) -> bool:
    return any(s.start <= position < s.stop for s in spans)


RULES: dict[str, Rule] = {
    "trim_punctuation": trim_punctuation,
    "split_lines": split_lines,
    "split_parenthetical": split_parenthetical,
    "split_repeated_name": split_repeated_name,
    "drop_generic": drop_generic,
    "strip_legal_form": strip_legal_form,
    "split_quoted_name": split_quoted_name,
    "extend_org_adjective": extend_org_adjective,
    "org_descriptor_phrase": org_descriptor_phrase,
    "extend_org_tail": extend_org_tail,
    "quoted_after_org_word": quoted_after_org_word,
    "acronym_expansion": acronym_expansion,
    "propagate_in_document": propagate_in_document,
    "drop_vehicle_names": drop_vehicle_names,
    "drop_vehicle_heads": drop_vehicle_heads,
    "facility_is_location": facility_is_location,
    "numbered_expedition": numbered_expedition,
    "publication_before_title": publication_before_title,
    "national_team_with_sport": national_team_with_sport,
    "latin_twin_in_brackets": latin_twin_in_brackets,
    "extend_to_closing_quote": extend_to_closing_quote,
    "trim_function_words": trim_function_words,
    "drop_person_roles": drop_person_roles,
    "drop_work_titles": drop_work_titles,
    "seat_of_power_acting": seat_of_power_acting,
    "strip_person_title": strip_person_title,
}



# --- Convention "outer" (NEREL's): an organization's name takes in the country, region or parent
# body it is qualified by ("Палаты представителей США", "Главное управление МВД России по
# Нижегородской области"), and common nouns for a public body are mentions ("полиция",
# "парламент", "правительства"). factRuEval keeps the country apart ("Конгресса США" is ORG +
# LOC in 26 of 31 such pairs on its dev set) and leaves bare common nouns out, so these rules are
# not in RULES: they run only with ``convention="outer"``.

_BODY_NOUN = re.compile(
    r"(?<![\w-])(?:(?:[А-ЯЁа-яё]+(?:ск|цк)(?:ий|ого|ому|им|ом|ая|ой|ую|ое|ие|их|ими)\s+)?(?:[Пп]олици(?:я|и|ю|ей)|[Пп]арламент(?:а|у|ом|е)?|[Пп]равительств(?:о|а|у|ом|е)|"
    r"[Кк]абмин(?:а|у|ом|е)?|[Мм]эри(?:я|и|ю|ей)|[Пп]рокуратур(?:а|ы|е|у|ой)|[Пп]ресс-служб(?:а|ы|е|у|ой)|"
    r"[Сс]уд(?:а|у|ом|е)?\s+присяжных|[Мм]инистерств(?:о|а|у|ом|е)\s+[а-яё]+(?:ы|и|ия|ния|ов)"
    r"(?:\s+и\s+[а-яё]+(?:ы|и|ия|ния|ов))?|(?:[Фф]едеральн|[Рр]айонн|[Гг]ородск|[Оо]бластн|[Вв]ерховн|"
    r"[Кк]онституционн|[Аа]рбитражн)[а-яё]{2,3}\s+суд(?:а|у|ом|е)?(?=\s+[А-ЯЁ])|[Вв]ласт(?:и|ей|ям|ями|ях)(?=\s+[А-ЯЁ])))"
    r"(?![\w-])")


def body_nouns(text: str, spans: list[Span]) -> list[Span]:
    """"Полиция задержала", "в парламенте", "властями России": a common noun for a public body is
    an ORG mention in NEREL's annotation (not in factRuEval's)."""
    out = list(spans)
    for match in _BODY_NOUN.finditer(text):
        if not _covered(out, match.start()) and not any(s.start < match.end() and match.start() < s.stop
                                                        for s in out):
            made = _make(text, match.start(), match.end(), "ORG", "body_nouns")
            if made:
                out.append(made)
    return sorted(out, key=lambda s: s.start)


_QUALIFIER_GAP = re.compile(r"^(?: | по | при )$")


def org_with_qualifier(text: str, spans: list[Span]) -> list[Span]:
    """An ORG right followed by the place or body it belongs to ("министерство культуры Польши",
    "Полиция Нью-Йорка", "ГУ МВД России по Нижегородской области", "школе при ЦК КПСС") is one
    name. Only a single space (or " по ", " при ") may lie between; a comma or line break ends it."""
    ordered = sorted(spans, key=lambda s: s.start)
    out: list[Span] = []
    for span in ordered:
        last = out[-1] if out else None
        if (last is not None and last.type == "ORG" and span.type in ("ORG", "LOC")
                and _QUALIFIER_GAP.match(text[last.stop:span.start])
                and (span.type == "LOC" or text[last.stop:span.start] == " ")):
            out[-1] = Span(last.start, span.stop, "ORG", text[last.start:span.stop], rule="org_with_qualifier")
            continue
        out.append(span)
    return out

# Adjectives of countries and cities, which NEREL tags COUNTRY/CITY ("в итальянских тюрьмах",
# "немецкая газета", "уфимской больнице") unless they give a person's nationality ("французский
# журналист" is NATIONALITY there): before a word for a person they are left alone.
_PLACE_ADJ = (r"(?:[Аа]мерикан|[Рр]оссий|[Сс]овет|[Уу]краин|[Ии]тальян|[Нн]емец|[Гг]ерман|[Фф]ранцуз|[Бб]ритан|"
              r"[Аа]нглий|[Яя]пон|[Кк]итай|[Пп]оль|[Аа]рмян|[Гг]рузин|[Кк]азахстан|[Тт]урец|[Ии]зраиль|[Ии]ран|"
              r"[Ии]рак|[Сс]ирий|[Ее]гипет|[Ии]ндий|[Ии]спан|[Бб]елорус|[Сс]еверокорей|[Юю]жнокорей|[Пп]алестин|"
              r"[Лл]иван|[Кк]атар|[Аа]фган|[Пп]акистан|[Сс]аудов|[Ее]вропей|[Мм]осков|[Пп]етербург|[Лл]ондон|"
              r"[Кк]иев|[Уу]фим|[Ее]реван|[Гг]дань|[Пп]ариж|[Бб]ерлин|[Пп]екин|[Тт]окий|[Вв]ашингтон|[Чч]ернобыль)"
              r"(?:ск|к)(?:ий|ого|ому|им|ом|ая|ой|ую|ое|ие|их|ими)")
_PLACE_ADJECTIVE = re.compile(r"(?<![\w-])" + _PLACE_ADJ + r"(?![\w-])")
_PERSON_NOUN = re.compile(
    r"\s+(?:[а-яё]+(?:ый|ий|ой|ого|ому|ым|ом|ая|ую|ые|их|ыми|ими)\s+)?(?:исполнител|боксер|боксёр|спортсмен|изобретател|"
    r"коллег|журналист|фотограф|композитор|политик|солдат|бо[её]ц|бойц|фермер|правител|писател|актер|актёр|актрис|"
    r"певиц|певец|певц|музыкант|режисс|уч[её]н|футболист|тренер|художник|поэт|генерал|дипломат|эксперт|"
    r"бизнесмен|миллиардер|гражданин|гражданк|граждан|турист|студент|врач|летчик|лётчик|космонавт|астронавт|"
    r"рэпер|хоккеист|теннисист|шахматист|блогер|инженер|офицер|военн|пилот|моряк|рабоч|школьни|мальчик|девочк|"
    r"мужчин|женщин|ребен|ребён|дет[ейи]|народ)", re.IGNORECASE)


def place_adjectives(text: str, spans: list[Span]) -> list[Span]:
    out = list(spans)
    for match in _PLACE_ADJECTIVE.finditer(text):
        if any(s.start < match.end() and match.start() < s.stop for s in out):
            continue
        if _PERSON_NOUN.match(text, match.end()):
            continue
        made = _make(text, match.start(), match.end(), "LOC", "place_adjectives")
        if made:
            out.append(made)
    return sorted(out, key=lambda s: s.start)



CONVENTION_RULES: dict[str, dict[str, Rule]] = {
    "flat": {},
    "outer": {"body_nouns": body_nouns, "org_with_qualifier": org_with_qualifier,
              "place_adjectives": place_adjectives},
}


def apply_rules(text: str, spans: list[Span], enabled: Iterable[str] | None = None,
                convention: str = "flat") -> list[Span]:
    """Run the enabled rules (all by default) in order, then those of the annotation convention
    (``flat``, factRuEval's and the pipeline's, adds none); the result is sorted and non-overlapping."""
    rules = {**RULES, **CONVENTION_RULES[convention]}
    names = list(rules) if enabled is None else [n for n in rules if n in set(enabled)]
    for name in names:
        spans = rules[name](text, spans)
    return _without_overlaps(spans)


def _without_overlaps(spans: list[Span]) -> list[Span]:
    """Sorted by start; when two overlap, the longer one is kept."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.stop - s.start))):
        if kept and span.start < kept[-1].stop:
            if span.stop - span.start > kept[-1].stop - kept[-1].start:
                kept[-1] = span
            continue
        kept.append(span)
    return kept
