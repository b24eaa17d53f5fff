-- Incremental marts (issue 17: the daily run must not grow with history). Every mart.* materialized
-- view becomes a table of the same name, columns, types, indexes, comments and grants, holding the
-- same rows; transforms/marts.py maintains them by deleting and re-inserting, in the refresh's one
-- transaction, only the rows of the keys that changed since the last refresh (articles, stories,
-- entities, and the days of the changed rows for the per-day views). The statements are in
-- sql/marts/*.sql (one per mart, the view's former definition with a key filter); a full rebuild is
-- the same statements for every key (`mediamon marts refresh --full`, or the first refresh after
-- this migration).
--
-- What changed is recorded by triggers on every table the marts read, into ops.mart_changes, so
-- no writer (normalizer, dedup, entity stage, quality quarantine, analyst edits, by-hand SQL) can
-- change core without the next refresh knowing it.

CREATE TABLE ops.mart_changes (
    kind  text   NOT NULL CHECK (kind IN ('article', 'story', 'entity', 'alias', 'all')),
    key   bigint NOT NULL,
    PRIMARY KEY (kind, key)
);
COMMENT ON TABLE ops.mart_changes IS
  'Keys whose mart rows are stale: written by triggers on the core tables (and ops.quarantine), '
  'consumed and emptied by the mart refresh. kind all (key 0) asks for a full rebuild.';
COMMENT ON COLUMN ops.mart_changes.kind IS 'article (core.articles.article_id), story (core.stories.story_id), entity (core.entities.entity_id: its name, type or ids changed), alias (core.entity_aliases changed for that entity id), or all.';
COMMENT ON COLUMN ops.mart_changes.key IS 'The id (0 for all).';

-- Statement-level: one INSERT per writing statement however many rows it wrote (COPY included).
-- TG_ARGV[0] = the column holding the key, TG_ARGV[1] = its kind. Sorted, so two writers noting
-- overlapping keys take the row locks in the same order.
CREATE FUNCTION ops.mart_note_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('INSERT INTO ops.mart_changes (kind, key) SELECT DISTINCT %L, %I FROM new_rows '
                       'WHERE %I IS NOT NULL ORDER BY 2 ON CONFLICT DO NOTHING', TG_ARGV[1], TG_ARGV[0], TG_ARGV[0]);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format('INSERT INTO ops.mart_changes (kind, key) SELECT DISTINCT %L, %I FROM old_rows '
                       'WHERE %I IS NOT NULL ORDER BY 2 ON CONFLICT DO NOTHING', TG_ARGV[1], TG_ARGV[0], TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ops.mart_note_rows() IS
  'Trigger: note the keys (column TG_ARGV[0], kind TG_ARGV[1]) of the rows a statement wrote in ops.mart_changes.';

DO $$
DECLARE
    watched text[][] := ARRAY[
        ['core', 'articles', 'article_id', 'article'],
        ['core', 'duplicates', 'article_id', 'article'],
        ['core', 'story_articles', 'article_id', 'article'],
        ['core', 'mentions', 'article_id', 'article'],
        ['core', 'facts', 'article_id', 'article'],
        ['core', 'quotes', 'article_id', 'article'],
        ['core', 'entity_aliases', 'entity_id', 'alias']];
    w text[];
BEGIN
    FOREACH w SLICE 1 IN ARRAY watched LOOP
        EXECUTE format('CREATE TRIGGER mart_changes_ins AFTER INSERT ON %I.%I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ops.mart_note_rows(%L, %L)', w[1], w[2], w[3], w[4]);
        EXECUTE format('CREATE TRIGGER mart_changes_upd AFTER UPDATE ON %I.%I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ops.mart_note_rows(%L, %L)', w[1], w[2], w[3], w[4]);
        EXECUTE format('CREATE TRIGGER mart_changes_del AFTER DELETE ON %I.%I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ops.mart_note_rows(%L, %L)', w[1], w[2], w[3], w[4]);
    END LOOP;
END
$$;

-- Row-level where most writes change nothing the marts show: the entity stage upserts the same
-- entities batch after batch, and dedup updates a story's count and span every day (its members'
-- articles are noted anyway). Only a real change to an entity, or a story's new title, is noted.
CREATE FUNCTION ops.mart_note_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    id bigint;
BEGIN
    id := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ->> TG_ARGV[0] ELSE to_jsonb(NEW) ->> TG_ARGV[0] END;
    INSERT INTO ops.mart_changes (kind, key) VALUES (TG_ARGV[1], id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ops.mart_note_row() IS
  'Trigger: note the key (column TG_ARGV[0], kind TG_ARGV[1]) of a changed row in ops.mart_changes.';
CREATE TRIGGER mart_changes AFTER INSERT OR DELETE ON core.entities
    FOR EACH ROW EXECUTE FUNCTION ops.mart_note_row('entity_id', 'entity');
CREATE TRIGGER mart_changes_upd AFTER UPDATE ON core.entities
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION ops.mart_note_row('entity_id', 'entity');
CREATE TRIGGER mart_changes_title AFTER UPDATE OF title ON core.stories
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE FUNCTION ops.mart_note_row('story_id', 'story');

-- A quality quarantine (or its release) hides (shows) an article, mention, fact or quote: note its article.
CREATE FUNCTION ops.mart_note_items(item_keys text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO ops.mart_changes (kind, key)
    SELECT DISTINCT 'article', x.article_id
    FROM unnest(item_keys) AS q (item_key)
    CROSS JOIN LATERAL (SELECT split_part(q.item_key, ':', 1) AS table_name,
                               substr(q.item_key, length(split_part(q.item_key, ':', 1)) + 2) AS row_key) AS k
    CROSS JOIN LATERAL (
        SELECT a.article_id FROM core.articles AS a
        WHERE k.table_name = 'core.articles' AND k.row_key ~ '^[0-9]+$' AND a.article_id = k.row_key::bigint
        UNION ALL
        SELECT m.article_id FROM core.mentions AS m
        WHERE k.table_name = 'core.mentions' AND k.row_key ~ '^[0-9]+$' AND m.mention_id = k.row_key::bigint
        UNION ALL
        SELECT f.article_id FROM core.facts AS f
        WHERE k.table_name = 'core.facts' AND k.row_key ~ '^[0-9]+$' AND f.fact_id = k.row_key::bigint
        UNION ALL
        SELECT t.article_id FROM core.quotes AS t
        WHERE k.table_name = 'core.quotes' AND k.row_key ~ '^[0-9]+$' AND t.quote_id = k.row_key::bigint
    ) AS x
    ORDER BY 2
    ON CONFLICT DO NOTHING
$$;
COMMENT ON FUNCTION ops.mart_note_items(text[]) IS
  'Note in ops.mart_changes the article of each quarantine item key (core.articles:, core.mentions:, core.facts:, core.quotes:).';
CREATE FUNCTION ops.mart_note_quarantine() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM ops.mart_note_items(ARRAY(SELECT item_key FROM new_rows WHERE stage = 'quality'));
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM ops.mart_note_items(ARRAY(SELECT item_key FROM old_rows WHERE stage = 'quality'));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ops.mart_note_quarantine() IS
  'Trigger: note the article of every core row a quality quarantine sets aside or releases, in ops.mart_changes.';
CREATE TRIGGER mart_changes_ins AFTER INSERT ON ops.quarantine REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ops.mart_note_quarantine();
CREATE TRIGGER mart_changes_upd AFTER UPDATE ON ops.quarantine REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ops.mart_note_quarantine();
CREATE TRIGGER mart_changes_del AFTER DELETE ON ops.quarantine REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ops.mart_note_quarantine();

-- Each materialized view becomes a table with its rows (analysts keep the last good snapshot until
-- the next refresh), column types, comments, indexes and grant. Dependents first (reverse refresh order).
DO $$
DECLARE
    views text[] := ARRAY['entities', 'article_flags', 'quotes', 'money_facts', 'source_freshness',
                          'source_daily_activity', 'story_timeline', 'entity_cooccurrence_daily',
                          'entity_daily_totals', 'entity_daily_mentions', 'entity_mentions', 'articles'];
    v text;
    r record;
    indexes text[];
    idx text;
BEGIN
    FOREACH v IN ARRAY views LOOP
        EXECUTE format('CREATE TABLE mart.%I AS SELECT * FROM mart.%I', v || '__table', v);
        EXECUTE format('COMMENT ON TABLE mart.%I IS %L', v || '__table',
                       obj_description(format('mart.%I', v)::regclass, 'pg_class'));
        FOR r IN SELECT a.attname, col_description(a.attrelid, a.attnum) AS comment
                 FROM pg_attribute AS a
                 WHERE a.attrelid = format('mart.%I', v)::regclass AND a.attnum > 0 AND NOT a.attisdropped LOOP
            EXECUTE format('COMMENT ON COLUMN mart.%I.%I IS %L', v || '__table', r.attname, r.comment);
        END LOOP;
        indexes := ARRAY(SELECT indexdef FROM pg_indexes WHERE schemaname = 'mart' AND tablename = v);
        EXECUTE format('DROP MATERIALIZED VIEW mart.%I', v);
        EXECUTE format('ALTER TABLE mart.%I RENAME TO %I', v || '__table', v);
        FOREACH idx IN ARRAY indexes LOOP
            EXECUTE idx;
        END LOOP;
        EXECUTE format('GRANT SELECT ON mart.%I TO mediamon_analyst', v);
    END LOOP;
END
$$;

-- What the per-key deletes and re-inserts look rows up by.
CREATE INDEX mart_entity_mentions_article_idx ON mart.entity_mentions (article_id);
CREATE INDEX mart_entity_mentions_day_idx ON mart.entity_mentions (day);
CREATE INDEX mart_articles_story_idx ON mart.articles (story_id);
CREATE INDEX mart_money_facts_article_idx ON mart.money_facts (article_id);
CREATE INDEX mart_quotes_article_idx ON mart.quotes (article_id);
CREATE INDEX mart_quotes_speaker_idx ON mart.quotes (speaker_entity_id);
CREATE INDEX mart_source_daily_activity_day_idx ON mart.source_daily_activity (day);

-- The first refresh rebuilds everything from core (what REFRESH did).
INSERT INTO ops.mart_changes (kind, key) VALUES ('all', 0);
