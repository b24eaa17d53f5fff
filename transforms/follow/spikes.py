"""The spike test, as pure functions: is today's count surprising given the trailing days?

For a subject (a canonical entity, an entity pair, a story) with ``today`` articles and a
trailing history of daily counts (zeros included), the baseline is the history's mean. The
surprise is the upper-tail probability P(X >= today) of a count model fitted to the history:

- **Poisson(mean)** when the history is not overdispersed (variance <= mean);
- **negative binomial** with the history's mean and variance otherwise. News volumes are
  overdispersed (weekdays, slow weeks); a plain Poisson would cry wolf on every busy day of a
  frequently named entity such as «Казахстан».

``score = -log10 P``: 3 means a day as extreme as one in a thousand under the baseline. An alert
also needs at least ``min_count`` articles and ``min_ratio`` times the mean, so a subject named
on one day in a month does not alert for 2 articles; a never-seen subject gets the mean
``baseline_floor``. Method and backtest: docs/alerts.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from transforms.follow.settings import AlertSettings

MAX_SCORE = 300.0  # -log10 of the smallest positive double, roughly: "off the scale"


@dataclass(frozen=True)
class Spike:
    count: int
    baseline: float
    score: float


def _log_poisson_pmf(k: int, mean: float) -> float:
    return k * math.log(mean) - mean - math.lgamma(k + 1)


def _log_negbin_pmf(k: int, r: float, p: float) -> float:
    """log P(X = k) for the negative binomial with ``r`` successes, success probability ``p``
    (mean r(1-p)/p)."""
    return math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1) + r * math.log(p) + k * math.log1p(-p)


def _log_sum(logs: Sequence[float]) -> float:
    top = max(logs)
    return top + math.log(sum(math.exp(x - top) for x in logs))


def log10_tail(k: int, mean: float, variance: float) -> float:
    """log10 P(X >= k) under Poisson(mean), or a negative binomial when ``variance > mean``.

    The tail is summed upward from k (not 1 minus the lower sum), so tiny probabilities keep
    their precision; when k is below the mode the lower sum is used instead.
    """
    if k <= 0:
        return 0.0
    mean = max(mean, 1e-9)
    if variance > mean:
        r = mean * mean / (variance - mean)
        p = r / (r + mean)

        def log_pmf(j: int) -> float:
            return _log_negbin_pmf(j, r, p)
    else:
        def log_pmf(j: int) -> float:
            return _log_poisson_pmf(j, mean)
    if k <= mean:
        lower = min(1.0, math.exp(_log_sum([log_pmf(j) for j in range(k)])))
        return math.log10(max(1.0 - lower, 1e-300))
    terms = []
    j = k
    while True:
        term = log_pmf(j)
        terms.append(term)
        if term < terms[0] - 40 or j > k + 100_000:  # e^-40: the rest cannot matter
            break
        j += 1
    return min(0.0, _log_sum(terms) / math.log(10))


def winsorized(history: Sequence[int], share: float = 0.1) -> list[int]:
    """The history with its top ``share`` of days capped at the next-highest value: one earlier
    burst (yesterday's, often: stories run for days) must not inflate the baseline and its
    variance so much that the next burst goes unseen."""
    if not history:
        return []
    ordered = sorted(history)
    cap = ordered[max(0, math.ceil(len(ordered) * (1 - share)) - 1)]
    return [min(x, cap) for x in history]


def spike(today: int, history: Sequence[int], settings: AlertSettings) -> Spike | None:
    """A ``Spike`` when ``today`` is an alert against ``history`` (oldest first), else None."""
    if len(history) < settings.min_history_days or today < settings.min_count:
        return None
    history = winsorized(history)
    mean = sum(history) / len(history)
    variance = sum((x - mean) ** 2 for x in history) / max(len(history) - 1, 1)
    expected = max(mean, settings.baseline_floor)
    if today < settings.min_ratio * expected:
        return None
    score = min(MAX_SCORE, -log10_tail(today, expected, max(variance, expected)))
    if score < settings.min_score:
        return None
    return Spike(count=today, baseline=round(mean, 4), score=round(score, 3))
