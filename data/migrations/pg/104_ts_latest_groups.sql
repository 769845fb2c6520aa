-- 104_ts_latest_groups.sql, PostgreSQL's form (the common file uses SQLite's quote() and
-- group_concat): the latest sample of each series, one encoded row per group of 16 series ids.
CREATE TABLE ts_latest_grp (
    grp BIGINT PRIMARY KEY,
    data BYTEA NOT NULL
);
INSERT INTO ts_latest_grp (grp, data)
    SELECT series_id >> 4,
           convert_to(string_agg(series_id || ' ' || t || ' ' || v::text || ' ' || flag, ';'
                                 ORDER BY series_id), 'UTF8')
    FROM ts_latest
    GROUP BY series_id >> 4;
DROP TABLE ts_latest;
ALTER TABLE ts_latest_grp RENAME TO ts_latest;
