"""The pure story assignment (transforms.stories.assign) on hand-made vectors: linkage to members,
time window and decay, same-outlet penalty, undated articles, stable membership."""

from __future__ import annotations

import numpy as np

from transforms.stories.assign import Article, StoryIndex, assign
from transforms.stories.config import METHOD

DAY = 86400.0
METHOD_NO_LEXICAL = METHOD.with_(lexical_weight=0.0, threshold=0.9)


def unit(*values: float) -> np.ndarray:
    vector = np.zeros(384, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def test_an_article_joins_the_story_of_its_closest_member_and_the_founder_keeps_the_id() -> None:
    a, b, c = unit(1, 0.1), unit(1, 0.15), unit(0, 1)
    decisions = assign(StoryIndex(384), [Article("a", "x.kz", 0, a), Article("b", "y.kz", 3600, b),
                                         Article("c", "z.kz", 7200, c)], METHOD_NO_LEXICAL)
    assert [(d.key, d.story_id, d.how) for d in decisions] == [
        ("a", "a", "founded"), ("b", "a", "joined"), ("c", "c", "founded")]


def test_time_decay_and_window_keep_a_later_similar_article_apart() -> None:
    a, b = unit(1, 0.3), unit(1, 0.35)  # cosine ≈ 0.999
    near = assign(StoryIndex(384), [Article("a", "x", 0, a), Article("b", "y", 3600, b)], METHOD_NO_LEXICAL)
    far = assign(StoryIndex(384), [Article("a", "x", 0, a), Article("b", "y", 4 * DAY, b)], METHOD_NO_LEXICAL)
    assert near[1].story_id == "a" and far[1].story_id == "b"
    # Two days apart: inside the window, but the decay lowers the score.
    index = StoryIndex(384)
    assign(index, [Article("a", "x", 0, a)], METHOD_NO_LEXICAL)
    same_day = index.similarities(Article("q", "y", 3600, b), METHOD_NO_LEXICAL)[0]
    two_days = index.similarities(Article("q", "y", 2 * DAY, b), METHOD_NO_LEXICAL)[0]
    assert two_days < same_day


def test_same_outlet_penalty_applies_only_to_a_known_same_outlet() -> None:
    method = METHOD_NO_LEXICAL.with_(same_outlet_penalty=3.0)
    a, b = unit(1, 0.3), unit(1, 0.6)
    index = StoryIndex(384)
    assign(index, [Article("a", "x.kz", 0, a)], method)
    other, same = (index.similarities(Article("q", outlet, 60, b), method)[0] for outlet in ("y.kz", "x.kz"))
    assert same < other
    unknown = StoryIndex(384)
    assign(unknown, [Article("a", "", 0, a)], method)
    assert unknown.similarities(Article("q", "", 60, b), method)[0] == other


def test_an_undated_article_meets_members_from_any_earlier_time() -> None:
    a, b = unit(1, 0.3), unit(1, 0.35)
    dated = assign(StoryIndex(384), [Article("a", "x", 0, a), Article("b", "y", 300 * DAY, b)], METHOD_NO_LEXICAL)
    undated = assign(StoryIndex(384), [Article("a", "x", 0, a), Article("b", "y", 300 * DAY, b, undated=True)],
                     METHOD_NO_LEXICAL)
    assert dated[1].story_id == "b"
    assert undated[1].story_id == "a" and undated[1].undated


def test_duplicates_join_their_original_and_assigned_articles_are_never_moved() -> None:
    index = StoryIndex(384)
    first = assign(index, [Article("a", "x", 0, unit(1)), Article("copy", "y", 60, None, duplicate_of="a")],
                   METHOD_NO_LEXICAL)
    assert [(d.story_id, d.how) for d in first] == [("a", "founded"), ("a", "duplicate")]
    again = assign(index, [Article("a", "x", 0, unit(0, 1)), Article("n", "z", 120, unit(1))], METHOD_NO_LEXICAL)
    assert [(d.key, d.story_id) for d in again] == [("n", "a")]  # "a" is not re-decided
    assert index.story_of["a"] == "a"


def test_an_article_with_nothing_to_embed_founds_its_own_story() -> None:
    decisions = assign(StoryIndex(384), [Article("a", "x", 0, unit(1)), Article("e", "y", 1, None)],
                       METHOD_NO_LEXICAL)
    assert decisions[1].story_id == "e" and decisions[1].how == "founded"
