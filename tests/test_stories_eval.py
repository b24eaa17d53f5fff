"""The dev-set evaluation itself: implied labels and folds that never see the scored pairs."""

from __future__ import annotations

import numpy as np

from bench.stories_eval import components, cross_validated, f1, grown


def test_implied_pairs_follow_same_story_as_an_equivalence() -> None:
    docs = [{"id": key} for key in "abcde"]
    pairs = [("a", "b", True), ("b", "c", True)]
    implied = set(grown(docs, pairs, hand=[("c", "d", False)])) - set(pairs) - {("c", "d", False)}
    # a~b~c gives a~c; c≁d gives a≁d and b≁d; e is linked to nothing, so it gets no label.
    assert implied == {("a", "c", True), ("a", "d", False), ("b", "d", False)}


def test_folds_are_the_connected_components_of_the_labelled_pairs() -> None:
    folds = components([("a", "b", True), ("c", "d", False), ("b", "e", True)])
    assert folds[0] == folds[2] != folds[1]


def test_each_fold_is_predicted_by_the_first_setting_best_on_the_other_folds() -> None:
    rng = np.random.default_rng(3)
    gold = rng.random(30) < 0.4
    matrix = rng.random((12, 30)) < 0.5
    matrix[5] = gold  # a perfect setting: it must not be credited on the pairs it is scored on
    for folds in (None, np.repeat(np.arange(10), 3)):
        held_of = np.arange(30) if folds is None else folds
        (score, _, _), chosen = cross_validated(matrix, gold, folds)
        predicted = np.zeros(30, dtype=bool)
        for fold, setting in zip(dict.fromkeys(held_of.tolist()), chosen, strict=True):
            rest = held_of != fold
            scores = [f1(row[rest], gold[rest])[0] for row in matrix]
            assert setting == int(np.argmax(scores))
            predicted[~rest] = matrix[setting, ~rest]
        assert score == f1(predicted, gold)[0]
