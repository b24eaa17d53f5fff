"""Text repair for Russian/Kazakh news: pure functions, no I/O.

Each function does one repair and says why; ``clean_text`` composes them in a fixed order.
Paragraphs survive: the result is paragraphs separated by one blank line.
"""

from __future__ import annotations

import re
import unicodedata

# Latin letters that look exactly like a Cyrillic one (and back). A word that mixes both scripts
# is almost always an OCR/typing slip ("Tекст" with a Latin T); real Latin names ("China Daily",
# "NUR.KZ") are pure Latin and are left alone.
_LATIN_TO_CYRILLIC = str.maketrans({
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О", "P": "Р",
    "T": "Т", "X": "Х", "Y": "У", "a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х",
    "y": "у", "i": "і",
})
_CYRILLIC_TO_LATIN = str.maketrans({
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "К": "K", "М": "M", "О": "O", "Р": "P",
    "Т": "T", "Х": "X", "а": "a", "с": "c", "е": "e", "о": "o", "р": "p", "х": "x", "у": "y",
    "і": "i",
})
_LATIN_LOOKALIKES = frozenset("ABCEHKMOPTXYaceopxyi")
_CYRILLIC_LOOKALIKES = frozenset("АВСЕНКМОРТХасеорхуі")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z]")

# Characters that carry nothing: replacement char, zero-width marks, soft hyphen, BOM.
_INVISIBLE = re.compile("[\ufffd\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# C0/C1 control characters except newline and tab (tab becomes a space later).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def repair_mixed_script_word(word: str) -> str:
    """Rewrite a word that mixes Cyrillic and Latin look-alikes into its majority script.

    Only letters that have a look-alike are changed, and only when every letter of the minority
    script has one; otherwise the word is left as written (it may be a real mixed token).
    """
    cyr = sum(1 for ch in word if _CYRILLIC.match(ch))
    lat = sum(1 for ch in word if _LATIN.match(ch))
    if not cyr or not lat:
        return word
    minority_latin = lat <= cyr
    if minority_latin:
        if all(ch in _LATIN_LOOKALIKES for ch in word if _LATIN.match(ch)):
            return word.translate(_LATIN_TO_CYRILLIC)
    elif all(ch in _CYRILLIC_LOOKALIKES for ch in word if _CYRILLIC.match(ch)):
        return word.translate(_CYRILLIC_TO_LATIN)
    return word


def repair_lookalikes(text: str) -> tuple[str, int]:
    """Repair every mixed-script word; return the text and how many words changed."""
    changed = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(0)
        repaired = repair_mixed_script_word(word)
        if repaired != word:
            changed += 1
        return repaired

    return _LETTER_RUN.sub(fix, text), changed


def strip_invisible(text: str) -> tuple[str, int]:
    """Remove replacement, zero-width and control characters; return the text and how many went."""
    cleaned = _CONTROL.sub("", _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    return cleaned, len(text.replace("\r\n", "\n").replace("\r", "\n")) - len(cleaned)


_OPEN_CONTEXT = re.compile(r"[\s(\[{«„—–-]")


def normalize_quotes(text: str) -> str:
    """Use «…» for every double quote.

    Straight and curly double quotes are opening when they follow the start of the text, a space,
    an opening bracket or another quote/dash, and closing otherwise; this handles nested quotes
    (`"Слова "мой друг" звучали"`) the way a Russian editor would, without needing pairs to balance.
    """
    out: list[str] = []
    for index, ch in enumerate(text):
        if ch in "«„":
            out.append("«")
        elif ch == "»":
            out.append("»")
        elif ch in "\"“”":
            opening = index == 0 or bool(_OPEN_CONTEXT.match(text[index - 1]))
            out.append("«" if opening else "»")
        else:
            out.append(ch)
    return "".join(out)


_SPACED_DASH = re.compile(r"(?<=\S) +[-–—]+ *(?=[^\s\d])|(?<=\S) *[–—]+ +(?=\S)")
_LINE_DASH = re.compile(r"^[-–—]+\s*", re.MULTILINE)
_RANGE_DASH = re.compile(r"(?<=\d)\s*[–—]\s*(?=\d)")


def normalize_dashes(text: str) -> str:
    """Dashes between words become a spaced em dash; a dash opening a line (dialogue) becomes
    «— »; a dash between two numbers becomes an en dash (ranges). Hyphens inside words and
    numbers (``2025-08-31``, ``Касым-Жомарт``) stay."""
    text = _LINE_DASH.sub("— ", text)
    text = _SPACED_DASH.sub(" — ", text)
    return _RANGE_DASH.sub("–", text)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs: lines with spaces collapsed; a line that continues a sentence (next line starts
    in lower case and this one does not end a sentence) is joined to the previous one."""
    paragraphs: list[str] = []
    for raw_line in text.split("\n"):
        line = _SPACES.sub(" ", raw_line).strip()
        if not line:
            if paragraphs and paragraphs[-1] != "":
                paragraphs.append("")
            continue
        if paragraphs and paragraphs[-1] and line[0].islower() and paragraphs[-1][-1] not in ".!?»:;":
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    return [p for p in paragraphs if p]


def clean_text(text: str) -> tuple[str, list[str]]:
    """The full text repair. Returns the clean text and the flags describing repairs made."""
    flags: list[str] = []
    text = unicodedata.normalize("NFC", text)
    text, removed = strip_invisible(text)
    if removed:
        flags.append("invisible_chars_removed")
    text, changed = repair_lookalikes(text)
    if changed:
        flags.append("lookalikes_repaired")
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    text = normalize_dashes(normalize_quotes(text))
    return "\n\n".join(split_paragraphs(text)), flags
