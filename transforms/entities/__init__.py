"""Entity stage: natasha NER with rule corrections, normal forms, canonical linking through an
editable alias table, money/date facts and attributed quotes. See docs/entities.md.

``extract_pending`` and ``pending_article_ids`` are the stage API the DAG calls; ``analyze`` is
the pure per-text function behind them and behind ``mediamon entities``.
"""

from transforms.entities.pipeline import EXTRACTOR_VERSION, analyze, skip_reason
from transforms.entities.storage import extract_pending, load_seed_aliases, pending_article_ids, relink

__all__ = ["EXTRACTOR_VERSION", "analyze", "extract_pending", "load_seed_aliases", "pending_article_ids",
           "relink", "skip_reason"]
