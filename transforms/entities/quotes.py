"""Direct speech and who said it, as Russian news writes it.

Three shapes are recognised (the quote may be in «», "", “” or start a paragraph with a dash):

- quote, then a dash and a speech verb with the speaker: «…», — сказал Си Цзиньпин. /
  "…, — отметил Токаев. / – Вместе с …, - заявил Токаев.
- quote, then the speaker's name on its own: "…". Касым-Жомарт Токаев
- speaker and verb, a colon, then the quote: Токаев заявил: «…»

The speaker is the first person mention (from NER) in the attribution; when the attribution names
nobody ("— отмечается в посте", "— сказал глава государства") the words are kept as
``speaker_text`` and the entity is left empty.
"""

from __future__ import annotations

import re

from transforms.entities.model import Quote, Span

_VERBS = (r"(?:сказал|заявил|отметил|подчеркнул|добавил|сообщил|пояснил|ответил|констатировал|уточнил|"
          r"напомнил|заключил|признал|заверил|указал|рассказал|резюмировал|подытожил|выразил уверенность|"
          r"считает|говорит|пишет|цитирует|передает|передаёт|отмечается|говорится|сообщается|подчеркивается)"
          r"(?:а|и|о)?")
_OPENERS = "«“„\""
_DASH = r"[-–—]"
_AFTER = re.compile(rf"(?P<end>[,.!?…]*[»”\"]?[,.]?)\s*{_DASH}\s*(?P<verb>{_VERBS})\b\s*"
                    rf"(?P<who>[^.!?\n]{{0,120}})")
_BEFORE = re.compile(rf"(?P<verb>{_VERBS})\b[^.!?\n:]{{0,120}}:\s*(?P<open>[«“„\"])")
_CLOSE_FOR = {"«": "»", "“": "”", "„": "“", '"': '"'}


def _paragraph_start(text: str, position: int) -> int:
    return text.rfind("\n", 0, position) + 1


def _quote_start(text: str, end: int) -> int | None:
    """Where the quoted words before ``end`` begin: the first opening mark of the paragraph, or the
    paragraph's start when it opens with a dialogue dash. When the paragraph's quote marks are all
    paired, the quote began in an earlier paragraph (up to five back) that opens with a mark."""
    start = _paragraph_start(text, end)
    paragraph = text[start:end]
    if paragraph.count('"') % 2 == 0 and paragraph.count("«") == paragraph.count("»") \
            and paragraph.lstrip()[:1] not in "-–—" and not _opens_unclosed(paragraph):
        earlier = _opening_paragraph(text, start)
        if earlier is not None:
            return earlier
    stripped = paragraph.lstrip()
    offset = start + len(paragraph) - len(stripped)
    if stripped[:1] in "-–—":
        return offset + 1 + (len(stripped[1:]) - len(stripped[1:].lstrip()))
    for index, char in enumerate(paragraph):
        if char in _OPENERS:
            return start + index + 1
    return None


def _opens_unclosed(paragraph: str) -> bool:
    return any(paragraph.count(o) > paragraph.count(c) for o, c in (("«", "»"), ("“", "”"), ("„", "“")))


def _opening_paragraph(text: str, before: int, limit: int = 5) -> int | None:
    """Start (after the mark) of the nearest earlier paragraph that opens with a quote mark."""
    stop, seen = before, 0
    while stop > 0 and seen < limit:
        line_start = text.rfind("\n", 0, stop - 1) + 1
        line = text[line_start:stop]
        stripped = line.lstrip()
        if stripped.strip():
            seen += 1
            if stripped[0] in _OPENERS:
                return line_start + (len(line) - len(stripped)) + 1
            if stripped[0] in "-–—":
                return None
        stop = line_start
    return None


def _trim(text: str, start: int, stop: int) -> tuple[int, int]:
    while start < stop and (text[start].isspace() or text[start] in _OPENERS):
        start += 1
    while stop > start and (text[stop - 1].isspace() or text[stop - 1] in "»”\",-–—"):
        stop -= 1
    return start, stop


def _speaker(spans: list[Span], start: int, stop: int) -> Span | None:
    return next((s for s in spans if s.type == "PER" and start <= s.start < stop), None)


def find_quotes(text: str, spans: list[Span]) -> list[Quote]:
    """Quotes with speakers; ``spans`` are the article's linked NER spans (only PER ones are used)."""
    quotes: list[Quote] = []

    def add(start: int, stop: int, who_start: int, who_stop: int) -> None:
        start, stop = _trim(text, start, stop)
        if stop - start < 10 or any(q.start < stop and start < q.stop for q in quotes):
            return
        speaker = _speaker(spans, who_start, who_stop)
        if speaker is not None:
            who_text, key = speaker.text, speaker.entity_key
            who_start, who_stop = speaker.start, speaker.stop
        else:
            who_text, key = text[who_start:who_stop].strip(" ,") or None, None
        quotes.append(Quote(start, stop, text[start:stop], who_text,
                            who_start if who_text else None, who_stop if who_text else None, key))

    for match in _AFTER.finditer(text):
        end = match.start("end")
        begin = _quote_start(text, end)
        if begin is None or begin >= end:
            continue
        add(begin, end, match.start("who"), match.end("who"))

    for span in spans:  # "…". Касым-Жомарт Токаев  — the name right after a closing quote mark
        if span.type != "PER":
            continue
        before = text[max(0, span.start - 4):span.start]
        after = text[span.stop:span.stop + 2]
        if re.search(r"[»”\"][.!?…]?\s*$", before) and (after == "" or after[:1] in "\n." or after.isspace()):
            close = span.start - len(before) + max(before.rfind(c) for c in "»”\"")
            begin = _quote_start(text, close)
            if begin is not None and begin < close:
                add(begin, close, span.start, span.stop)

    for match in _BEFORE.finditer(text):  # Токаев заявил: «…»
        opener = match.group("open")
        begin = match.end()
        close = text.find(_CLOSE_FOR[opener], begin)
        if close == -1:
            continue
        sentence_start = max(text.rfind(".", 0, match.start()), text.rfind("\n", 0, match.start())) + 1
        add(begin, close, sentence_start, match.start("open"))
    return sorted(quotes, key=lambda q: q.start)
