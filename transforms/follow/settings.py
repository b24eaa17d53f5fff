"""The knobs of watchlists, alerts and delivery, in one declared place, read from the environment.

Kept inside ``transforms`` (not ``mediamon.settings``) so this layer reads its settings without
reaching up into the CLI package. Every value has a default that works on a fresh clone; the
README's configuration table lists the variables.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field


def _env(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def _float(name: str, default: float) -> float:
    return float(_env(name, str(default)))


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


@dataclass(frozen=True)
class AlertSettings:
    """Spike detector thresholds (method: docs/alerts.md)."""

    window_days: int = 28          # trailing baseline window
    min_history_days: int = 7      # no spike alerts while the corpus is younger than this
    min_count: int = 3             # never alert on fewer articles than this in a day
    min_score: float = 3.0         # -log10 p: 3 = a one-in-a-thousand day under the baseline
    min_ratio: float = 2.0         # and at least this many times the baseline mean
    baseline_floor: float = 0.2    # articles/day assumed for a subject never seen before
    breaking_outlets: int = 5      # outlets new to a story in one day that make it "breaking"
    top_articles: int = 5          # evidence kept per alert

    @classmethod
    def from_env(cls) -> AlertSettings:
        d = cls()
        return cls(
            window_days=_int("MEDIAMON_ALERT_WINDOW_DAYS", d.window_days),
            min_history_days=_int("MEDIAMON_ALERT_MIN_HISTORY_DAYS", d.min_history_days),
            min_count=_int("MEDIAMON_ALERT_MIN_COUNT", d.min_count),
            min_score=_float("MEDIAMON_ALERT_MIN_SCORE", d.min_score),
            min_ratio=_float("MEDIAMON_ALERT_MIN_RATIO", d.min_ratio),
            baseline_floor=_float("MEDIAMON_ALERT_BASELINE_FLOOR", d.baseline_floor),
            breaking_outlets=_int("MEDIAMON_ALERT_BREAKING_OUTLETS", d.breaking_outlets),
            top_articles=_int("MEDIAMON_ALERT_TOP_ARTICLES", d.top_articles),
        )

    def describe(self) -> str:
        """The method string stored with each alert."""
        return "spikes-v1 " + " ".join(f"{k}={v}" for k, v in asdict(self).items())


def watch_window_days() -> int:
    """Days back (the run's day included) a run looks for new watchlist matches: late-crawled
    articles of the previous days are still caught; the unique (watchlist, article) key keeps
    the overlap from duplicating anything."""
    return _int("MEDIAMON_WATCH_WINDOW_DAYS", 3)


@dataclass(frozen=True)
class NotifySettings:
    """Where alerts and matches go. A channel without its address is off."""

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = False
    mail_from: str = "mediamon@localhost"
    mail_to: tuple[str, ...] = ()
    webhook_url: str | None = None
    attempts: int = 3              # tries per channel per run
    backoff_seconds: float = 1.0   # wait before the 2nd try, doubled for each next one
    timeout_seconds: float = 10.0

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.mail_to)

    @property
    def webhook_enabled(self) -> bool:
        return bool(self.webhook_url)

    @classmethod
    def from_env(cls) -> NotifySettings:
        d = cls()
        return cls(
            smtp_host=_env("MEDIAMON_SMTP_HOST", "") or None,
            smtp_port=_int("MEDIAMON_SMTP_PORT", d.smtp_port),
            smtp_user=_env("MEDIAMON_SMTP_USER", "") or None,
            smtp_password=_env("MEDIAMON_SMTP_PASSWORD", "") or None,
            smtp_starttls=_env("MEDIAMON_SMTP_STARTTLS", "0") in ("1", "true", "yes"),
            mail_from=_env("MEDIAMON_ALERT_MAIL_FROM", d.mail_from),
            mail_to=tuple(a.strip() for a in _env("MEDIAMON_ALERT_MAIL_TO", "").split(",") if a.strip()),
            webhook_url=_env("MEDIAMON_WEBHOOK_URL", "") or None,
            attempts=max(1, _int("MEDIAMON_NOTIFY_ATTEMPTS", d.attempts)),
            backoff_seconds=_float("MEDIAMON_NOTIFY_BACKOFF", d.backoff_seconds),
            timeout_seconds=_float("MEDIAMON_NOTIFY_TIMEOUT", d.timeout_seconds),
        )
