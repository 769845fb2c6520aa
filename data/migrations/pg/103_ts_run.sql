-- 103_ts_run.sql, PostgreSQL's form (the common file uses SQLite's quote() and group_concat):
-- the open days' samples as runs, one row per (10-minute Beijing bucket, group of 16 series
-- ids), encoded by src/ts/run.c; see data/migrations/103_ts_run.sql for the layout. Existing
-- ts_raw rows are carried over in the same text form "series t value flag;..." (float8's text
-- output is the shortest exact form since PostgreSQL 12), read like the binary form and
-- rewritten as binary the next time the row changes.
CREATE TABLE ts_run (
    id BIGINT PRIMARY KEY,
    n BIGINT NOT NULL,
    data BYTEA NOT NULL
);
INSERT INTO ts_run (id, n, data)
    SELECT id, count(*),
           convert_to(string_agg(series_id || ' ' || t || ' ' || v::text || ' ' || flag, ';'
                                 ORDER BY series_id, t), 'UTF8')
    FROM (SELECT (((t + 28800) / 600) << 32) | (series_id >> 4) AS id, series_id, t, v, flag
          FROM ts_raw WHERE t >= 0) r
    GROUP BY id;
DROP TABLE ts_raw;
