-- mediamon_analyst: the read-only role analysts log in through (GRANT mediamon_analyst TO alice).
-- It reads mart (and core, for questions the marts do not answer yet) and nothing else: no
-- writes anywhere, no raw, no ops. Roles are cluster-wide, so creating it tolerates an existing one
-- (another database on the same server, or a concurrent migration).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mediamon_analyst') THEN
        CREATE ROLE mediamon_analyst NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- created meanwhile by a concurrent migration of another database
END
$$;
COMMENT ON ROLE mediamon_analyst IS 'Read-only analysts: SELECT on mart and core; no writes; no raw or ops.';

GRANT USAGE ON SCHEMA mart, core TO mediamon_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA mart, core TO mediamon_analyst;
-- Tables and views added later by the migrating role are readable too.
ALTER DEFAULT PRIVILEGES IN SCHEMA mart, core GRANT SELECT ON TABLES TO mediamon_analyst;
-- Explicitly nothing on raw and ops (they are not granted to PUBLIC either); revoke in case a
-- default was widened on this server.
REVOKE ALL ON SCHEMA raw, ops FROM mediamon_analyst;
REVOKE ALL ON ALL TABLES IN SCHEMA raw, ops FROM mediamon_analyst;
