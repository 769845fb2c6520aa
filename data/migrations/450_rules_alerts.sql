-- rules/alerts (src/rules, issue 12 items 2-3). One alert per rule x subject while its
-- condition lasts: the partial unique index allows one open or acknowledged alert per pair.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,          -- "MN|pollutant", "MN" or a station code
    source TEXT NOT NULL,           -- device MN or station code
    pollutant TEXT,
    unit_id INTEGER,
    outlet_id INTEGER,
    station_id INTEGER,
    region_id INTEGER,
    severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 4),
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'closed')),
    title TEXT NOT NULL,
    evidence TEXT NOT NULL,         -- JSON: values, times, limit, permit, rule, parameters
    opened_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    hits INTEGER NOT NULL DEFAULT 1,
    acked_at INTEGER,
    acked_by TEXT,
    closed_at INTEGER,
    closed_by TEXT,
    close_reason TEXT,
    task_id INTEGER
);
CREATE UNIQUE INDEX alerts_live ON alerts(rule, subject) WHERE state <> 'closed';
CREATE INDEX alerts_state ON alerts(state, opened_at);
CREATE INDEX alerts_unit ON alerts(unit_id);
CREATE INDEX alerts_region ON alerts(region_id);

-- Webhook deliveries waiting or done: written in the alert's transaction, so a restart loses
-- none; a job posts them with retries and back-off.
CREATE TABLE alerts_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    event TEXT NOT NULL,            -- opened, acknowledged, closed
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    delivered_at INTEGER,
    failed_at INTEGER,
    last_error TEXT
);
CREATE INDEX alerts_outbox_due ON alerts_outbox(delivered_at, failed_at, next_at);
