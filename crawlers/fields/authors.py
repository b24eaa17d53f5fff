"""Authors: JSON-LD in every shape, then ``<meta>``, then the byline printed on the page.

What is *not* an author matters as much: a photo credit ("Фото из Инстаграма …"), the outlet's own
name (``author: {"@type": "Organization", "name": "Коммерсантъ"}``), a profile URL, an e-mail, a
"Читайте также" link. Those are filtered out here, in one place, for every source of names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from crawlers.fields.jsonld import JsonLd
from crawlers.fields.titles import normalize_space, unescape

BYLINE = re.compile(
    r"^\s*(?:[TТ][еe]кст|Автор(?:ы)?(?:\s+текста)?|Author|Авторлары?|Мақала\s+авторы|Беттi?\s+дайындаған"
    r"|Подготовил(?:а|и)?|Материал\s+подготовил(?:а|и)?)\s*[:—–-]\s*(?P<names>[^\n]{3,120})$",
    re.M | re.I)
_NOT_A_NAME = re.compile(
    r"(?:^|\b)(?:фото|photo|фотограф|иллюстрац|видео|video|источник|source|инстаграм|instagram|getty|"
    r"shutterstock|reuters|ap photo|рисунок|коллаж|скриншот|кадр|архив|depositphotos|pixabay|unsplash|"
    r"читайте|подпис|редакци|newsroom|staff|admin|"
    # a media organization, not a person ('Газета "Коммерсантъ"', "ИА Kazinform", "Телеканал …")
    r"газета|журнал|агентств|издани|телеканал|радио\b|радиостанц|портал|пресс-служб|media\b|news\b|иа\b)", re.I)
_SPLIT = re.compile(r"\s*(?:,|;|\s+и\s+|\s+және\s+|\s+and\s+|\s*&\s*)\s*")
_BYLINE_XPATH = (
    '//*[@itemprop="author"]//*[@itemprop="name"]',
    '//*[@itemprop="author" and not(.//*[@itemprop="name"])]',
    '//a[@rel="author"]',
    '//*[(contains(@class, "author") or contains(@class, "byline")) and string-length(normalize-space()) < 120]',
)


def _folded(value: str) -> str:
    return re.sub(r"[\W_]+", "", value.casefold())


def is_person(name: str, outlet: Iterable[str] = ()) -> bool:
    """Whether ``name`` can be a person's name rather than a credit, a URL or the outlet."""
    if not name or len(name) > 60 or len(name.split()) > 5 or len(name) < 3:
        return False
    if name.startswith(("http://", "https://", "www.")) or "@" in name or re.search(r"\d", name):
        return False
    if _NOT_A_NAME.search(name) or not re.search(r"[^\W\d_]", name):
        return False
    folded = _folded(name)
    for name_of_outlet in outlet:
        for variant in {_folded(name_of_outlet), _folded(name_of_outlet.split(".")[0])}:
            if variant and (folded == variant or (len(variant) >= 4 and variant in folded)):
                return False  # "Коммерсантъ", 'Газета "Коммерсантъ"', "tengrinews.kz"
    return True


def split_names(value: str) -> list[str]:
    value = normalize_space(unescape(value))
    if match := BYLINE.match(value):
        value = match["names"]
    value = re.sub(r"^by\s+", "", value, flags=re.I)
    return [n.strip(" .,;:") for n in _SPLIT.split(value) if n.strip(" .,;:")]


def names_in(value: Any, ld: JsonLd | None = None, depth: int = 0) -> list[str]:
    """Names in a JSON-LD ``author``/``creator`` value: a string, a Person or Organization object,
    an ``@id`` reference into the ``@graph``, or a list of any of those."""
    if depth > 4:
        return []
    if ld is not None:
        value = ld.resolve(value)
    if isinstance(value, str):
        return split_names(value)
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            return [n for item in name for n in names_in(item, ld, depth + 1)]
        if not isinstance(name, str) and isinstance(value.get("givenName"), str):
            name = f"{value['givenName']} {value.get('familyName') or ''}".strip()
        return split_names(name) if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for item in value for n in names_in(item, ld, depth + 1)]
    return []


def _closeness(element: etree._Element, heading_path: dict[etree._Element, int]) -> int:
    """Depth of the deepest ancestor ``element`` shares with the headline: the article's own
    byline sits in the headline's container, other articles' teasers further out."""
    for node in (element, *element.iterancestors()):
        if node in heading_path:
            return heading_path[node]
    return 0


def byline_names(tree: etree._Element, outlet: Iterable[str] = (), text: str = "") -> list[str]:
    """People named by the byline printed on the page: ``itemprop=author``, ``rel=author``, an
    ``author``/``byline`` element, or a "Текст: Имя Фамилия" line in the page or the body.

    Of the elements that name a person, the one closest to the ``<h1>`` wins (lists of other
    articles name their authors too); elements naming only the outlet ("MK.RU", a microdata
    ``Organization``) are passed over, and so is anything in ``<footer>``/``<nav>``/``<aside>``
    unless the headline itself is in there.
    """
    outlet = list(outlet)
    heading = next(iter(tree.iter("h1")), None)
    path = list(heading.iterancestors())[::-1] + [heading] if heading is not None else []
    heading_path = {node: depth for depth, node in enumerate(path, 1)}
    found: list[tuple[int, int, int, list[str]]] = []
    order = 0
    for priority, xpath in enumerate(_BYLINE_XPATH):
        for element in tree.xpath(xpath):
            order += 1
            if element.xpath("ancestor::*[self::footer or self::nav or self::aside]") and not any(
                    node.tag in ("footer", "nav", "aside") for node in path):
                continue
            if "organization" in " ".join(element.xpath("ancestor-or-self::*[@itemtype][1]/@itemtype")).lower():
                continue  # microdata author typed Organization: the outlet
            value = element.get("content") if element.tag == "meta" else normalize_space("".join(element.itertext()))
            if value and (people := keep_people(split_names(value), outlet)):
                found.append((-_closeness(element, heading_path), priority, order, people))
    if found:
        return min(found, key=lambda entry: entry[:3])[3]
    for element in tree.iter("p", "div", "span", "address", "em", "strong", "b", "i"):
        if element.text and (match := BYLINE.match(element.text.strip())):
            if people := keep_people(split_names(match.group("names")), outlet):
                return people
    match = BYLINE.search(text)
    return keep_people(split_names(match.group("names")), outlet) if match else []


def outlet_names(site_names: Iterable[str], url: str) -> list[str]:
    """The outlet's own names (never an author): site names and the host without ``www.``."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return [*site_names, host, host.rsplit(".", 1)[0]]


def keep_people(names: Iterable[str], outlet: Iterable[str]) -> list[str]:
    outlet = list(outlet)
    return list(dict.fromkeys(n for n in names if is_person(n, outlet)))
