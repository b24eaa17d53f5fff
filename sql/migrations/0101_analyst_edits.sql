-- A sanctioned edit path for analysts (issue 15): schema analyst holds their edits, one row per
-- edit with who made it and when. The pipeline applies them on every run (entities: load, link,
-- --relink; stories: after assignment), so they survive re-runs, re-linking, re-clustering and
-- the seed files. mediamon_analyst may INSERT edits (not forge who/when) and read them; nothing
-- else in the database becomes writable. External ids (Wikidata) for canonical entities.

CREATE SCHEMA IF NOT EXISTS analyst;
COMMENT ON SCHEMA analyst IS 'What analysts write: their corrections (alias, entity and story edits) and watchlists; read by the pipeline.';

CREATE TABLE analyst.alias_edits (
    edit_id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action          text        NOT NULL CHECK (action IN ('add', 'remove')),
    alias           text        NOT NULL CHECK (btrim(alias) <> ''),
    entity_key      text        NOT NULL CHECK (btrim(entity_key) <> ''),
    type            text        CHECK (type IN ('PER', 'LOC', 'ORG')),
    canonical_name  text,
    note            text,
    edited_by       name        NOT NULL DEFAULT current_user,
    edited_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE analyst.alias_edits IS
  'Alias additions and removals by analysts; the latest edit per (alias, entity_key) wins, over the seed files too '
  '(a removed seed alias stays removed). Applied by every entity run and by `mediamon entities --relink`.';
COMMENT ON COLUMN analyst.alias_edits.edit_id IS 'Surrogate key; also the order edits are applied in.';
COMMENT ON COLUMN analyst.alias_edits.action IS 'add (the name means this entity) or remove (it does not).';
COMMENT ON COLUMN analyst.alias_edits.alias IS 'The name as written (matched case-, ё-, hyphen- and inflection-insensitively).';
COMMENT ON COLUMN analyst.alias_edits.entity_key IS 'core.entities.entity_key of the entity; a new key creates an analyst entity (needs type and canonical_name).';
COMMENT ON COLUMN analyst.alias_edits.type IS 'PER, LOC or ORG; required when entity_key is new, else taken from the entity.';
COMMENT ON COLUMN analyst.alias_edits.canonical_name IS 'Canonical name of a new entity (ignored for an existing one).';
COMMENT ON COLUMN analyst.alias_edits.note IS 'Why, in the analyst''s words.';
COMMENT ON COLUMN analyst.alias_edits.edited_by IS 'Database user who made the edit (current_user; cannot be set by the analyst).';
COMMENT ON COLUMN analyst.alias_edits.edited_at IS 'When the edit was made.';

CREATE TABLE analyst.entity_edits (
    edit_id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action          text        NOT NULL CHECK (action IN ('merge', 'split')),
    entity_key      text        NOT NULL CHECK (btrim(entity_key) <> ''),
    into_entity_key text,
    alias           text,
    new_entity_key  text,
    canonical_name  text,
    note            text,
    edited_by       name        NOT NULL DEFAULT current_user,
    edited_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (action <> 'merge' OR (into_entity_key IS NOT NULL AND into_entity_key <> entity_key)),
    CHECK (action <> 'split' OR (alias IS NOT NULL AND new_entity_key IS NOT NULL AND new_entity_key <> entity_key))
);
COMMENT ON TABLE analyst.entity_edits IS
  'Entity merges (every mention of entity_key goes to into_entity_key) and splits (mentions named alias leave '
  'entity_key for a new analyst entity new_entity_key). Applied by every entity run and by --relink, in edit order.';
COMMENT ON COLUMN analyst.entity_edits.edit_id IS 'Surrogate key; also the order edits are applied in.';
COMMENT ON COLUMN analyst.entity_edits.action IS 'merge or split.';
COMMENT ON COLUMN analyst.entity_edits.entity_key IS 'The entity merged away (merge) or split (split).';
COMMENT ON COLUMN analyst.entity_edits.into_entity_key IS 'merge: the entity that absorbs it.';
COMMENT ON COLUMN analyst.entity_edits.alias IS 'split: the name whose mentions move to the new entity.';
COMMENT ON COLUMN analyst.entity_edits.new_entity_key IS 'split: key of the new entity.';
COMMENT ON COLUMN analyst.entity_edits.canonical_name IS 'split: canonical name of the new entity (default: alias).';
COMMENT ON COLUMN analyst.entity_edits.note IS 'Why, in the analyst''s words.';
COMMENT ON COLUMN analyst.entity_edits.edited_by IS 'Database user who made the edit (current_user).';
COMMENT ON COLUMN analyst.entity_edits.edited_at IS 'When the edit was made.';

CREATE TABLE analyst.story_edits (
    edit_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action       text        NOT NULL CHECK (action IN ('merge', 'split')),
    article_ids  bigint[]    NOT NULL CHECK (cardinality(article_ids) >= 1),
    note         text,
    edited_by    name        NOT NULL DEFAULT current_user,
    edited_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (action <> 'merge' OR cardinality(article_ids) >= 2)
);
COMMENT ON TABLE analyst.story_edits IS
  'Story merges and splits, recorded by article (article ids are stable; story ids may change when stories are '
  're-clustered). merge: the stories holding these articles become one; split: these articles leave their story '
  'for a new one of their own. Applied after every story assignment, in edit order.';
COMMENT ON COLUMN analyst.story_edits.edit_id IS 'Surrogate key; also the order edits are applied in.';
COMMENT ON COLUMN analyst.story_edits.action IS 'merge or split.';
COMMENT ON COLUMN analyst.story_edits.article_ids IS 'merge: one article of each story to merge (the CLI records all members); split: the articles that form the new story.';
COMMENT ON COLUMN analyst.story_edits.note IS 'Why, in the analyst''s words.';
COMMENT ON COLUMN analyst.story_edits.edited_by IS 'Database user who made the edit (current_user).';
COMMENT ON COLUMN analyst.story_edits.edited_at IS 'When the edit was made.';

GRANT USAGE ON SCHEMA analyst TO mediamon_analyst;
GRANT SELECT ON analyst.alias_edits, analyst.entity_edits, analyst.story_edits TO mediamon_analyst;
GRANT INSERT (action, alias, entity_key, type, canonical_name, note) ON analyst.alias_edits TO mediamon_analyst;
GRANT INSERT (action, entity_key, into_entity_key, alias, new_entity_key, canonical_name, note)
    ON analyst.entity_edits TO mediamon_analyst;
GRANT INSERT (action, article_ids, note) ON analyst.story_edits TO mediamon_analyst;

-- External ids: the Wikidata item of a seeded entity, with the page it was taken from.
ALTER TABLE core.entities ADD COLUMN wikidata_qid text CHECK (wikidata_qid ~ '^Q[1-9][0-9]*$');
ALTER TABLE core.entities ADD COLUMN wikidata_source text;
COMMENT ON COLUMN core.entities.wikidata_qid IS
  'Wikidata item (Q…) of the entity, from seeds/aliases.csv; null when no citable source gave one (never guessed).';
COMMENT ON COLUMN core.entities.wikidata_source IS 'Where the QID was read (URL of the page or file that states it).';
