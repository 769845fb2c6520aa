-- 502_poslist.sql: the enforcement positive list (src/govern/poslist.c): entries with the rule
-- set that admitted them and the reasons shown, and the events (penalty, incident, serious
-- violation) that remove a unit and count in the look-back of later inclusions.

CREATE TABLE govern_poslist (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    included_on TEXT NOT NULL,           -- Beijing date
    valid_until TEXT NOT NULL,           -- last day of validity (3 years in Shanghai's 2022 list)
    status TEXT NOT NULL CHECK (status IN ('active', 'removed')),
    ruleset_id TEXT NOT NULL,
    ruleset_version INTEGER NOT NULL,
    ruleset_sha256 TEXT NOT NULL,
    reasons TEXT NOT NULL,               -- JSON: every condition, met or not, with its detail
    included_by TEXT NOT NULL,
    removed_on TEXT,
    removal_reason TEXT,                 -- penalty, incident, serious_violation, other
    removal_ref TEXT
);
CREATE INDEX govern_poslist_unit ON govern_poslist(unit_id, status);

CREATE TABLE govern_poslist_events (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('penalty', 'incident', 'serious_violation')),
    on_date TEXT NOT NULL,
    ref TEXT,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX govern_poslist_events_unit ON govern_poslist_events(unit_id, on_date);
