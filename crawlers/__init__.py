"""The Scrapy project: spiders that bring articles in, and pipelines that land them in ``raw``."""
