-- 103_ts_run.sql: the open days' samples as runs (issue 11 item 1: the fold at >= 1 M values/s).
-- One row per (10-minute Beijing bucket, group of 16 series ids) holds every sample of those
-- series in that bucket, encoded (src/ts/run.c): a fold of 60,000 values from 15,000 series
-- writes ~1,000 rows on a few hundred pages instead of 60,000 rows on 15,000 pages.
-- id = (bucket << 32) | (series_id >> 4), bucket = (t + 28800) / 600 (Beijing-aligned, 144 a
-- day), so the rows of one bucket are adjacent (a fold touches only the newest buckets) and a
-- series' samples are found by one lookup per bucket. n: samples in the row.
-- Existing rows of ts_raw are carried over in a text form "series t value flag;..." (quote()
-- keeps every double exact) that the store reads like its binary form and rewrites as binary
-- the next time the row changes (or the day is compacted).
CREATE TABLE ts_run (
    id INTEGER PRIMARY KEY,
    n INTEGER NOT NULL,
    data BLOB NOT NULL
);
INSERT INTO ts_run (id, n, data)
    SELECT id, count(*), group_concat(series_id || ' ' || t || ' ' || quote(v) || ' ' || flag, ';')
    FROM (SELECT (((t + 28800) / 600) << 32) | (series_id >> 4) AS id, series_id, t, v, flag
          FROM ts_raw WHERE t >= 0 ORDER BY 1, 2, 3)
    GROUP BY id;
DROP TABLE ts_raw;
