-- 000_pg_functions.sql (PostgreSQL only, issue 16): the functions src/db/dialect.c translates
-- SQLite's into, created before every other migration.

-- random(): SQLite's is a signed 64-bit integer (the registry version takes it), PostgreSQL's a
-- double in [0, 1).
CREATE OR REPLACE FUNCTION eg_random() RETURNS bigint LANGUAGE sql VOLATILE AS
$$ SELECT ('x' || substr(md5(random()::text || clock_timestamp()::text), 1, 16))::bit(64)::bigint $$;

-- RAISE(ABORT, msg) in a trigger: a constraint failure (mapped to EG_EINVAL "constraint").
CREATE OR REPLACE FUNCTION eg_raise(msg text) RETURNS void LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION '%', msg USING ERRCODE = 'P0001'; END $$;

-- round(real, digits): SQLite rounds doubles; PostgreSQL has round(numeric, int) only.
CREATE OR REPLACE FUNCTION round(x double precision, d integer) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$ SELECT round(x::numeric, d)::double precision $$;
CREATE OR REPLACE FUNCTION round(x double precision, d bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$ SELECT round(x::numeric, d::integer)::double precision $$;

-- unicode(text): the code point of the first character (migration 102).
CREATE OR REPLACE FUNCTION unicode(t text) RETURNS integer LANGUAGE sql IMMUTABLE AS
$$ SELECT ascii(t) $$;

-- DROP TRIGGER name (SQLite's form, without the table): the trigger and its function.
CREATE OR REPLACE FUNCTION eg_drop_trigger(n text, missing_ok boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT t.tgname, c.relname INTO r FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE t.tgname = n AND c.relnamespace = current_schema()::regnamespace;
    IF NOT FOUND THEN
        IF missing_ok THEN
            RETURN;
        END IF;
        RAISE EXCEPTION 'no such trigger: %', n USING ERRCODE = '42704';
    END IF;
    EXECUTE format('DROP TRIGGER %I ON %I', r.tgname, r.relname);
    EXECUTE format('DROP FUNCTION IF EXISTS %I()', n || '_fn');
END $$;
