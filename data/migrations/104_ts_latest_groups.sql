-- 104_ts_latest_groups.sql: the latest sample of each series, one row per group of 16 series ids
-- (grp = series_id >> 4), encoded (src/ts/run.c): a fold that gives 15,000 series a sample each
-- updates ~1,000 rows instead of 15,000 (issue 11 item 1). Existing rows are carried over in the
-- text form "series t value flag;..." (quote() keeps every double exact), read like the binary
-- one and rewritten in binary when the group next changes.
CREATE TABLE ts_latest_grp (
    grp INTEGER PRIMARY KEY,
    data BLOB NOT NULL
);
INSERT INTO ts_latest_grp (grp, data)
    SELECT series_id >> 4, group_concat(series_id || ' ' || t || ' ' || quote(v) || ' ' || flag, ';')
    FROM (SELECT series_id, t, v, flag FROM ts_latest ORDER BY series_id)
    GROUP BY series_id >> 4;
DROP TABLE ts_latest;
ALTER TABLE ts_latest_grp RENAME TO ts_latest;
