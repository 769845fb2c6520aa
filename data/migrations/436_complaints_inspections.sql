-- 436_complaints_inspections.sql: the kind tables of src/intake on the workflow engine
-- (flow_records holds state, scope, deadline, publication; these hold what each kind adds).

-- 投诉: one row per complaint record. contact and client_addr are private (never in the public
-- projection); receipt is the public follow-up code (10 characters Crockford base32, random);
-- lon/lat are WGS-84 (converted from GCJ-02 when the client said so; in_lon/in_lat as given).
CREATE TABLE complaints (
    record_id INTEGER PRIMARY KEY REFERENCES flow_records(id),
    complaint_type TEXT NOT NULL
        CHECK (complaint_type IN ('noise', 'odour', 'smoke', 'waste_water', 'dust', 'waste', 'other')),
    description TEXT NOT NULL,
    address TEXT,
    lon REAL,
    lat REAL,
    coord_system TEXT,
    in_lon REAL,
    in_lat REAL,
    contact TEXT,
    source TEXT NOT NULL DEFAULT 'public' CHECK (source IN ('public', 'open311', 'patrol')),
    receipt TEXT UNIQUE,
    client_addr TEXT,
    task_id INTEGER,
    received_at INTEGER,
    result TEXT,
    published_at INTEGER,
    photos INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX complaints_published ON complaints(published_at);

-- 环保管家巡查: one row per inspection record; findings below, one per checklist item judged.
CREATE TABLE steward_inspections (
    record_id INTEGER PRIMARY KEY REFERENCES flow_records(id),
    checklist TEXT NOT NULL,
    visited_on TEXT NOT NULL,
    summary TEXT,
    steward_id INTEGER
);

CREATE TABLE steward_findings (
    id INTEGER PRIMARY KEY,
    inspection_id INTEGER NOT NULL REFERENCES steward_inspections(record_id),
    item TEXT NOT NULL,
    severity TEXT NOT NULL,
    level INTEGER NOT NULL,
    action INTEGER NOT NULL,
    note TEXT,
    task_id INTEGER,
    UNIQUE (inspection_id, item)
);
