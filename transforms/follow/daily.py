"""The daily follow step: what the DAG's ``detect_alerts`` and ``notify`` tasks do, as functions.

One definition for every runner — the Airflow DAG, ``mediamon run`` (no Airflow) and
``mediamon alerts detect`` — so a run without Airflow records the same watchlist matches and
alerts and delivers them the same way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from transforms.follow import alerts, notify, watchlists


def detect(conn: psycopg.Connection, day: date) -> dict[str, Any]:
    """New watchlist matches of ``day`` (and the days before it in the watch window), then its
    spike alerts. Idempotent. Needs an autocommit connection (each part commits on its own)."""
    return {"watchlists": watchlists.evaluate(conn, day), "alerts": alerts.detect(conn, day)}


def deliver(conn: psycopg.Connection, day: date) -> dict[str, Any]:
    """Send what is not yet delivered, per channel (failures recorded in ops.deliveries, never raised)."""
    return notify.notify(conn, day)


def format_detected(day: date, found: dict[str, Any]) -> str:
    """Two lines: the watchlist matches and the alerts per kind."""
    matches, spikes = found["watchlists"], found["alerts"]
    return (f"watchlists: {matches['new_matches']} new matches ({matches['watchlists']} watchlists)\n"
            f"alerts {day}: " + ", ".join(f"{kind} {spikes[kind]}" for kind in alerts.KINDS)
            + f" ({spikes['new']} new, {spikes['updated']} updated)")
