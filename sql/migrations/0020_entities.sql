-- Entity stage (issue 4): canonical entities and their aliases, mentions, facts, quotes, and a
-- per-article record of what the stage did (or why it did not run NER).

-- Reads core.articles (migration 0010).

CREATE TABLE core.entities (
    entity_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_key      text        NOT NULL UNIQUE,
    canonical_name  text        NOT NULL,
    type            text        NOT NULL CHECK (type IN ('PER', 'LOC', 'ORG')),
    origin          text        NOT NULL CHECK (origin IN ('seed', 'analyst', 'auto')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE core.entities IS
  'One row per real-world person, place or organization: every mention links to exactly one.';
COMMENT ON COLUMN core.entities.entity_id IS 'Surrogate key.';
COMMENT ON COLUMN core.entities.entity_key IS
  'Stable text key: the seed file''s key (tokayev, china, sco) or auto:<TYPE>:<lemmas> for entities made up from the text.';
COMMENT ON COLUMN core.entities.canonical_name IS 'The name to show: seed/analyst canonical name, or the first normal form seen.';
COMMENT ON COLUMN core.entities.type IS 'PER, LOC or ORG.';
COMMENT ON COLUMN core.entities.origin IS 'seed (seeds/aliases.csv), analyst (added in the database) or auto (new name found in text).';
COMMENT ON COLUMN core.entities.created_at IS 'When the entity was created.';

CREATE TABLE core.entity_aliases (
    alias_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alias       text        NOT NULL CHECK (btrim(alias) <> ''),
    entity_id   bigint      NOT NULL REFERENCES core.entities ON DELETE CASCADE,
    type        text        NOT NULL CHECK (type IN ('PER', 'LOC', 'ORG')),
    origin      text        NOT NULL CHECK (origin IN ('seed', 'analyst', 'auto')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (alias, entity_id)
);
CREATE INDEX entity_aliases_entity_idx ON core.entity_aliases (entity_id);
COMMENT ON TABLE core.entity_aliases IS
  'Names under which an entity appears. Analysts add rows with origin = ''analyst'' (they win over seed and auto '
  'aliases), then run `mediamon entities --relink` to move old mentions without re-running NER.';
COMMENT ON COLUMN core.entity_aliases.alias_id IS 'Surrogate key.';
COMMENT ON COLUMN core.entity_aliases.alias IS 'The name as written; matched case-, ё-, hyphen- and inflection-insensitively.';
COMMENT ON COLUMN core.entity_aliases.entity_id IS 'The entity this name means.';
COMMENT ON COLUMN core.entity_aliases.type IS 'Entity type; an exact seed/analyst match also corrects the mention''s NER type.';
COMMENT ON COLUMN core.entity_aliases.origin IS 'seed, analyst or auto (a new entity''s own name).';
COMMENT ON COLUMN core.entity_aliases.created_at IS 'When the alias was added.';

CREATE TABLE core.mentions (
    mention_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id         bigint      NOT NULL REFERENCES core.articles ON DELETE CASCADE,
    start              integer     NOT NULL CHECK (start >= 0),
    stop               integer     NOT NULL CHECK (stop > start),
    surface            text        NOT NULL,
    normal             text        NOT NULL,
    type               text        NOT NULL CHECK (type IN ('PER', 'LOC', 'ORG')),
    ner_type           text        NOT NULL CHECK (ner_type IN ('PER', 'LOC', 'ORG')),
    entity_id          bigint      NOT NULL REFERENCES core.entities,
    sentence           text,
    rule               text,
    extractor_version  text        NOT NULL,
    UNIQUE (article_id, start, stop)
);
CREATE INDEX mentions_entity_idx ON core.mentions (entity_id);
COMMENT ON TABLE core.mentions IS 'Every named-entity mention in an article, linked to its canonical entity.';
COMMENT ON COLUMN core.mentions.mention_id IS 'Surrogate key.';
COMMENT ON COLUMN core.mentions.article_id IS 'Article the mention is in.';
COMMENT ON COLUMN core.mentions.start IS 'Character offset of the first character in core.articles.text (0-based).';
COMMENT ON COLUMN core.mentions.stop IS 'Character offset just past the last character.';
COMMENT ON COLUMN core.mentions.surface IS 'The text as written: substr(text, start + 1, stop - start).';
COMMENT ON COLUMN core.mentions.normal IS 'Nominative normal form ("Касым-Жомарта Токаева" -> "Касым-Жомарт Токаев").';
COMMENT ON COLUMN core.mentions.type IS 'PER, LOC or ORG after corrections (alias table, rules).';
COMMENT ON COLUMN core.mentions.ner_type IS 'The type before alias-table corrections; re-linking starts from it.';
COMMENT ON COLUMN core.mentions.entity_id IS 'Canonical entity.';
COMMENT ON COLUMN core.mentions.sentence IS 'The sentence the mention is in.';
COMMENT ON COLUMN core.mentions.rule IS 'natasha, or the correction rule that made or last changed the span.';
COMMENT ON COLUMN core.mentions.extractor_version IS 'Version of the entity stage that produced the mention.';

CREATE TABLE core.facts (
    fact_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id         bigint      NOT NULL REFERENCES core.articles ON DELETE CASCADE,
    kind               text        NOT NULL CHECK (kind IN ('money', 'date')),
    start              integer     NOT NULL CHECK (start >= 0),
    stop               integer     NOT NULL CHECK (stop > start),
    text               text        NOT NULL,
    amount             numeric,
    currency           text,
    date_value         date,
    date_precision     text        CHECK (date_precision IN ('day', 'month', 'year')),
    extractor_version  text        NOT NULL,
    UNIQUE (article_id, kind, start),
    CHECK (kind <> 'money' OR amount IS NOT NULL)
);
COMMENT ON TABLE core.facts IS 'Money amounts and dates mentioned in articles.';
COMMENT ON COLUMN core.facts.fact_id IS 'Surrogate key.';
COMMENT ON COLUMN core.facts.article_id IS 'Article the fact is in.';
COMMENT ON COLUMN core.facts.kind IS 'money or date.';
COMMENT ON COLUMN core.facts.start IS 'Character offset of the first character in core.articles.text.';
COMMENT ON COLUMN core.facts.stop IS 'Character offset just past the last character.';
COMMENT ON COLUMN core.facts.text IS 'The text as written ("44 млрд долларов", "17 октября 2023 года").';
COMMENT ON COLUMN core.facts.amount IS 'Money: the amount with its scale applied ("44 млрд" -> 44000000000).';
COMMENT ON COLUMN core.facts.currency IS 'Money: ISO 4217 code (USD, EUR, CNY, KZT, RUB, KGS, UZS); null when unknown.';
COMMENT ON COLUMN core.facts.date_value IS 'Date: the first day of the period; null for a day without year in an undated article.';
COMMENT ON COLUMN core.facts.date_precision IS 'Date: day, month or year.';
COMMENT ON COLUMN core.facts.extractor_version IS 'Version of the entity stage that produced the fact.';

CREATE TABLE core.quotes (
    quote_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id         bigint      NOT NULL REFERENCES core.articles ON DELETE CASCADE,
    start              integer     NOT NULL CHECK (start >= 0),
    stop               integer     NOT NULL CHECK (stop > start),
    text               text        NOT NULL,
    speaker_text       text,
    speaker_start      integer,
    speaker_stop       integer,
    speaker_entity_id  bigint      REFERENCES core.entities,
    extractor_version  text        NOT NULL,
    UNIQUE (article_id, start)
);
CREATE INDEX quotes_speaker_idx ON core.quotes (speaker_entity_id);
COMMENT ON TABLE core.quotes IS 'Direct speech in articles with the speaker the text attributes it to.';
COMMENT ON COLUMN core.quotes.quote_id IS 'Surrogate key.';
COMMENT ON COLUMN core.quotes.article_id IS 'Article the quote is in.';
COMMENT ON COLUMN core.quotes.start IS 'Character offset of the quote''s first character (quote marks excluded).';
COMMENT ON COLUMN core.quotes.stop IS 'Character offset just past the quote''s last character.';
COMMENT ON COLUMN core.quotes.text IS 'The quoted words.';
COMMENT ON COLUMN core.quotes.speaker_text IS 'Who said it, as written ("Си Цзиньпин", "глава государства"); null when unattributed.';
COMMENT ON COLUMN core.quotes.speaker_start IS 'Offset of speaker_text in the article text.';
COMMENT ON COLUMN core.quotes.speaker_stop IS 'Offset just past speaker_text.';
COMMENT ON COLUMN core.quotes.speaker_entity_id IS 'The speaker''s canonical entity when a person mention names them.';
COMMENT ON COLUMN core.quotes.extractor_version IS 'Version of the entity stage that produced the quote.';

CREATE TABLE core.entity_runs (
    article_id         bigint      PRIMARY KEY REFERENCES core.articles ON DELETE CASCADE,
    text_sha256        text        NOT NULL,
    extractor_version  text        NOT NULL,
    status             text        NOT NULL CHECK (status IN ('done', 'skipped')),
    reason_code        text        CHECK (reason_code IN ('empty', 'too_large', 'no_cyrillic', 'garbage', 'not_russian')),
    reason             text,
    mentions           integer     NOT NULL DEFAULT 0,
    facts              integer     NOT NULL DEFAULT 0,
    quotes             integer     NOT NULL DEFAULT 0,
    processed_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'skipped') = (reason_code IS NOT NULL))
);
COMMENT ON TABLE core.entity_runs IS
  'What the entity stage did with each article, and why an article got no NER (skipped + reason). '
  'An article is pending again when its text or the extractor version changes.';
COMMENT ON COLUMN core.entity_runs.article_id IS 'The article.';
COMMENT ON COLUMN core.entity_runs.text_sha256 IS 'SHA-256 of the text that was processed; differs from core.articles.text_sha256 after a re-normalization.';
COMMENT ON COLUMN core.entity_runs.extractor_version IS 'Version of the entity stage that processed it.';
COMMENT ON COLUMN core.entity_runs.status IS 'done (NER ran) or skipped (see reason_code).';
COMMENT ON COLUMN core.entity_runs.reason_code IS 'Why NER did not run: empty, too_large, no_cyrillic, garbage, not_russian.';
COMMENT ON COLUMN core.entity_runs.reason IS 'The same, in words.';
COMMENT ON COLUMN core.entity_runs.mentions IS 'Mentions stored for the article.';
COMMENT ON COLUMN core.entity_runs.facts IS 'Facts stored for the article.';
COMMENT ON COLUMN core.entity_runs.quotes IS 'Quotes stored for the article.';
COMMENT ON COLUMN core.entity_runs.processed_at IS 'When the article was processed.';
