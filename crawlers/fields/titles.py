"""The article title: structured metadata first, cleaned the way a reader would write it.

Publishers HTML-escape JSON-LD headlines (``дело &quot;минера&quot;``), sometimes twice, pad them
with newlines, and append the outlet's name to ``<title>``/``og:title`` ("… — Коммерсантъ").
The stored title is unescaped, whitespace-normalized and without that suffix.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

_SEPARATORS = (" — ", " – ", " - ", " | ", " :: ", " · ", " / ", " » ", " « ", ": ")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]{2,8});", re.I)


def unescape(value: str) -> str:
    """HTML entities decoded, twice at most (``&amp;quot;`` is a headline escaped twice)."""
    for _ in range(2):
        if not _ENTITY.search(value):
            break
        value = html.unescape(value)
    return value


def normalize_space(value: str) -> str:
    return re.sub(r"\s+", " ", value.replace("\u00ad", "")).strip()


def starts_with_separator(rest: str) -> bool:
    """Whether ``rest`` (what follows a title) begins with a title/site-name separator."""
    return any(rest.startswith(sep) for sep in _SEPARATORS)


def has_entity(value: str | None) -> bool:
    """Whether an HTML entity is left in a string (a title should never show one)."""
    return bool(value and _ENTITY.search(value))


def strip_site_name(title: str, site_names: Iterable[str], heading: str | None = None) -> str:
    """``title`` without a trailing (or leading) " — Site name".

    The site name is known from ``og:site_name``, JSON-LD ``publisher`` or the sources registry; when
    the page's ``<h1>`` starts the title and only a separator and a few words follow, those words
    are the site name even when the page does not declare it.
    """
    folded = title.casefold()
    for name in sorted({normalize_space(n) for n in site_names if n and n.strip()}, key=len, reverse=True):
        name_folded = name.casefold()
        for sep in _SEPARATORS:
            if folded.endswith(sep.casefold() + name_folded) and len(title) > len(sep) + len(name):
                return title[: len(title) - len(sep) - len(name)].rstrip()
            if folded.startswith(name_folded + sep.casefold()) and len(title) > len(sep) + len(name):
                return title[len(name) + len(sep):].lstrip()
    if heading and len(heading) >= 10 and folded.startswith(heading.casefold()) and len(title) > len(heading):
        rest = title[len(heading):]
        if any(rest.startswith(sep) for sep in _SEPARATORS) and len(rest.split()) <= 6:
            return title[: len(heading)]
    return title


def clean_title(value: object, site_names: Iterable[str] = (), heading: str | None = None) -> str | None:
    """A title fit to store, or None when ``value`` is not a non-blank string."""
    if not isinstance(value, str):
        return None
    title = normalize_space(unescape(value))
    if not title:
        return None
    return strip_site_name(title, site_names, heading) or None
