-- 102_ts_latest.sql: write-path speed for ingestion (issue 5 needs ~400,000 values/s).
-- ts_latest: the newest sample of each series, upserted 64 series per statement by every batch
-- (replaces ts_series.last_*, which are no longer written; a narrow row is cheaper to update).
-- ts_meta 'agg_gen': bumped by the aggregator whenever it deletes dirty marks, so a writer can
-- keep the (series, day) it knows are marked and skip re-marking them on every batch.
CREATE TABLE ts_latest (
    series_id INTEGER PRIMARY KEY,
    t INTEGER NOT NULL,
    v REAL NOT NULL,
    flag INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO ts_latest (series_id, t, v, flag)
    SELECT id, last_t, last_v, unicode(last_flag) FROM ts_series WHERE last_t IS NOT NULL;
CREATE TABLE ts_meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO ts_meta (key, value) VALUES ('agg_gen', 0);
