"""mediamon: media monitoring for Russian-language news on Kazakhstan–China relations.

This package holds the plumbing every stage shares: settings, the database (embedded or
external), migrations and the ``mediamon`` command. Stage logic lives in ``transforms/``.
"""
