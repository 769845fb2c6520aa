-- 201_ingest_samples.sql: samples received from devices, one row per (device, kind, pollutant,
-- field, time), used by the ingestion server until the time-series store's batch write API
-- (store/ts.h) is available. The primary key makes a resent packet (device retry after a lost
-- 9014) a no-op: every value is stored once.
CREATE TABLE ingest_samples (
    mn TEXT NOT NULL,
    cn INTEGER NOT NULL,         -- 2011 real-time, 2051 minute, 2061 hour, 2031 day …
    code TEXT NOT NULL,          -- HJ 212-2017 pollutant code
    field TEXT NOT NULL,         -- Rtd, Avg, Min, Max, Cou …
    t INTEGER NOT NULL,          -- DataTime, UTC seconds
    v REAL NOT NULL,
    flag TEXT NOT NULL,
    PRIMARY KEY (mn, cn, code, field, t)
) WITHOUT ROWID;
