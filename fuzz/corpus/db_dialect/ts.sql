-- 100_timeseries.sql: the time-series store (src/store/ts_*.c, docs/timeseries.md).
-- Times are INTEGER UTC seconds; day numbers are Beijing calendar days since 1970-01-01.
-- Recent samples are rows (ts_raw); closed days are compressed blocks (ts_block, one per series
-- and day, format in src/store/ts_compress.c). A (series, day) is never in both after a write
-- or a compaction commits: the block path moves any rows of that day into the block.

-- A series: (source, pollutant, kind, field) as the device sent it, or computed = 1 for the
-- hourly/daily means envgov derives. last_* is the newest sample (latest-of-many for maps).
CREATE TABLE ts_series (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    pollutant TEXT NOT NULL,
    kind INTEGER NOT NULL CHECK (kind IN (2011, 2051, 2061, 2031)),
    field TEXT NOT NULL,
    computed INTEGER NOT NULL DEFAULT 0 CHECK (computed IN (0, 1)),
    created_at INTEGER NOT NULL,
    last_t INTEGER,
    last_v REAL,
    last_flag TEXT,
    UNIQUE (source, pollutant, kind, field, computed)
);

CREATE TABLE ts_raw (
    series_id INTEGER NOT NULL,
    t INTEGER NOT NULL,
    v REAL NOT NULL,
    flag INTEGER NOT NULL,
    PRIMARY KEY (series_id, t)
) WITHOUT ROWID;

CREATE TABLE ts_block (
    id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    n INTEGER NOT NULL,
    t_first INTEGER NOT NULL,
    t_last INTEGER NOT NULL,
    data BLOB NOT NULL,
    UNIQUE (series_id, day)
);

-- Samples stamped more than a day in the future or before 2000 (both seen in the real capture):
-- kept with the reason, never mixed into a series. Stored once per (series key, time).
CREATE TABLE ts_quarantine (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    pollutant TEXT NOT NULL,
    kind INTEGER NOT NULL,
    field TEXT NOT NULL,
    t INTEGER NOT NULL,
    v REAL NOT NULL,
    flag TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (source, pollutant, kind, field, t)
);

-- (series, day) whose hourly/daily means must be recomputed (new, late or reviewed data).
CREATE TABLE ts_dirty (
    series_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    PRIMARY KEY (series_id, day)
) WITHOUT ROWID;

-- Per source: validity profile and expected reporting intervals (HJ 212 RtdInterval,
-- MinInterval). Absent: profile 'ambient', 60 s and 60 s.
CREATE TABLE ts_source (
    source TEXT PRIMARY KEY,
    profile TEXT NOT NULL DEFAULT 'ambient',
    rtd_interval_s INTEGER NOT NULL DEFAULT 60,
    min_interval_s INTEGER NOT NULL DEFAULT 60
);

-- Validity rules, configuration with documented defaults (DESIGN.md "Editions"): a mean over
-- `period` is valid when at least min_count valid units (minutes for an hour, hours for a day)
-- are present. confirmed = 0 marks defaults whose text could not be confirmed (UNCONFIRMED).
CREATE TABLE ts_validity_rule (
    profile TEXT NOT NULL,
    period TEXT NOT NULL CHECK (period IN ('hour', 'day')),
    min_count INTEGER NOT NULL,
    source_doc TEXT NOT NULL,
    confirmed INTEGER NOT NULL,
    PRIMARY KEY (profile, period)
);
INSERT INTO ts_validity_rule VALUES
 ('ambient', 'hour', 45, 'GB 3095-2012 Table 4: SO2 NO2 CO O3 NOx 1-h mean needs >= 45 min of sampling per hour (45 min row confirmed from the 2026 text; standards.md 2.2)', 1),
 ('ambient', 'day', 20, 'GB 3095-2012 Table 4: 24-h mean needs >= 20 hourly means per day (standards.md 2.2)', 1),
 ('gas', 'hour', 45, 'HJ 75-2017 CEMS valid hourly mean: >= 45 min of valid minute data (UNCONFIRMED: text not in the specs here)', 0),
 ('gas', 'day', 20, 'HJ 75-2017 CEMS valid daily mean: >= 20 valid hourly means (UNCONFIRMED: text not in the specs here)', 0),
 ('water', 'hour', 1, 'HJ 355-2019 water analysers report per measuring cycle (often 1-2 h): one valid value makes the hour (UNCONFIRMED)', 0),
 ('water', 'day', 12, 'HJ 355-2019 daily mean from valid hourly values, default >= 12 (UNCONFIRMED)', 0);

-- Declared abnormal conditions (enterprise declarations): data inside is marked, never deleted.
-- pollutant NULL = every pollutant of the source. 'stopped' windows are not expected to carry
-- data (excluded from the expected count of the rates).
CREATE TABLE ts_abnormal (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    pollutant TEXT,
    t_from INTEGER NOT NULL,
    t_to INTEGER NOT NULL CHECK (t_to > t_from),
    reason TEXT NOT NULL CHECK (reason IN ('stopped', 'fault', 'maintenance', 'calibration')),
    note TEXT,
    declared_by TEXT NOT NULL,
    declared_at INTEGER NOT NULL
);
CREATE INDEX ts_abnormal_source ON ts_abnormal (source, t_from);

-- 数据审核: an officer's verdict on the samples of a series in [t_from, t_to). Append-only: this
-- table is the audit trail (who, when, what, why); the latest row covering a sample decides;
-- the raw value is never changed.
CREATE TABLE ts_review (
    id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES ts_series (id),
    t_from INTEGER NOT NULL,
    t_to INTEGER NOT NULL CHECK (t_to > t_from),
    verdict TEXT NOT NULL CHECK (verdict IN ('invalid', 'valid')),
    reason TEXT NOT NULL CHECK (length(reason) > 0),
    officer TEXT NOT NULL,
    reviewed_at INTEGER NOT NULL
);
CREATE INDEX ts_review_series ON ts_review (series_id, t_from);
