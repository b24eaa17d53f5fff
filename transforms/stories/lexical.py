"""The lexical half of the story score: TF-IDF over crude stems of the whole article.

Sentence embeddings of title + lead place every Kazakhstan–China article close to every other (the
seeds' cosines are all 0.91–0.93, same story or not): the monitored topic dominates the vector.
What separates two events of that topic is vocabulary the corpus rarely uses (places, figures,
quoted words), which IDF over the monitored corpus itself brings out. Stems: first 5 letters of
words of ≥ 3 letters, stop words dropped, title counted twice; tf = 1 + ln(count);
idf = ln((N + 1) / (df + 1)); top ``ARTICLE_TERMS`` terms, L2-normed.

N and df count the monitored corpus plus a fixed background (``data/background_df.tsv``: stem
counts of 122 news texts, bench/make_background_df.py), so that on a young database (the five
seeds) a word two articles share is not judged common merely because the corpus is tiny.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

STEM_LETTERS = 5
ARTICLE_TERMS = 150

_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset("""
без более будет был была были было быть вам вас весь во вот все всех вы где да даже для до его
ее её если есть еще ещё же за здесь и из или им их как кто ли либо между меня мы на над не него
нее нет ни них но ну об однако он она они оно от по под при про раз с сам свой себя со так также
такой там те тем то того тоже той только том ту ты у уже чем через что чтобы эта эти это этот
которые который которая которое которых котором которой заявил заявила отметил отметила сказал
сообщил сообщает передает году года также время после этом этой
""".split())
MAX_CHARS = 20_000  # a 1 MB text is judged by its first 20,000 characters


def terms(title: str | None, text: str) -> Counter[str]:
    """Stem counts of an article, the title counted twice."""
    counts: Counter[str] = Counter()
    for weight, part in ((2, title or ""), (1, (text or "")[:MAX_CHARS])):
        for word in _WORD.findall(part.lower()):
            if word not in _STOP:
                counts[word[:STEM_LETTERS]] += weight
    return counts


def document_frequencies(docs: Iterable[Mapping[str, int]]) -> tuple[Counter[str], int]:
    df: Counter[str] = Counter()
    n = 0
    for counts in docs:
        df.update(counts.keys())
        n += 1
    return df, n


BACKGROUND_PATH = Path(__file__).with_name("data") / "background_df.tsv"


@cache
def background() -> tuple[dict[str, int], int]:
    """(stem → document frequency, documents) of the shipped background corpus."""
    df: dict[str, int] = {}
    n = 0
    for line in BACKGROUND_PATH.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        term, count = line.split("\t")
        if term == "__N__":
            n = int(count)
        else:
            df[term] = int(count)
    return df, n


def tfidf(counts: Mapping[str, int], df: Mapping[str, int], n_docs: int,
          top: int = ARTICLE_TERMS) -> dict[str, float]:
    """TF-IDF of one article; ``df``/``n_docs``: the monitored corpus (the background is added)."""
    bg_df, bg_n = background()
    total = n_docs + bg_n
    weights = {term: (1 + math.log(count)) * math.log((total + 1) / (df.get(term, 0) + bg_df.get(term, 0) + 1))
               for term, count in counts.items()}
    kept = sorted(((w, t) for t, w in weights.items() if w > 0), reverse=True)[:top]
    norm = math.sqrt(sum(w * w for w, _ in kept))
    return {t: w / norm for w, t in kept} if norm else {}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())
