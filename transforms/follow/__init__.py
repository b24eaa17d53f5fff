"""Finding and following: full-text search, watchlists, spike alerts and their delivery.

- ``search``: ``mart.search()`` (sql/migrations/0090_search.sql) from Python, plus entity names.
- ``watchlists``: saved searches in ``analyst.watchlists`` and their daily matches.
- ``alerts``: the spike detector (pure scoring in ``spikes``, counts and rows in ``alerts``).
- ``notify``: e-mail and webhook delivery, once per item, failures recorded.

Its knobs live in ``settings`` (one declared place, read from the environment).
"""
