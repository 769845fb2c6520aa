-- 400_flow.sql: the workflow engine (src/flow, flow/flow.h): what every record kind has.
-- A kind's own fields live in its own table (record_id REFERENCES flow_records(id)), created by
-- the migration of the module that declares the kind. Times are INTEGER UTC seconds.

-- 流程记录: one row per record of any kind (task, complaint, case, …)
CREATE TABLE flow_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    unit_id INTEGER REFERENCES units(id),        -- the subject unit
    region_id INTEGER REFERENCES regions(id),    -- the street or grid it belongs to
    to_unit_id INTEGER REFERENCES units(id),     -- the unit that must act
    to_region_id INTEGER REFERENCES regions(id), -- the street that must act
    due_at INTEGER,
    overdue INTEGER NOT NULL DEFAULT 0,
    published INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    created_by INTEGER,          -- users.id; NULL for the system principal
    created_by_name TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX flow_records_kind ON flow_records(kind, id);
CREATE INDEX flow_records_region ON flow_records(region_id);
CREATE INDEX flow_records_to_region ON flow_records(to_region_id);
CREATE INDEX flow_records_unit ON flow_records(unit_id);
CREATE INDEX flow_records_to_unit ON flow_records(to_unit_id);
CREATE INDEX flow_records_due ON flow_records(kind, overdue, due_at);

-- Every change of state, written with the change and its audit_log row.
CREATE TABLE flow_transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id INTEGER NOT NULL REFERENCES flow_records(id),
    action TEXT NOT NULL,
    from_state TEXT,             -- NULL for the creation
    to_state TEXT NOT NULL,
    actor_id INTEGER,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    at INTEGER NOT NULL,
    text_json TEXT               -- what was written: reason, feedback, note, assignee, deadline
);
CREATE INDEX flow_transitions_record ON flow_transitions(record_id, id);

-- Remarks that change no state.
CREATE TABLE flow_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id INTEGER NOT NULL REFERENCES flow_records(id),
    actor_id INTEGER,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    at INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX flow_comments_record ON flow_comments(record_id, id);

-- Files, stored once by their SHA-256 (hex); type detected from the bytes.
CREATE TABLE flow_blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    type TEXT NOT NULL,
    data BLOB NOT NULL
);

CREATE TABLE flow_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id INTEGER NOT NULL REFERENCES flow_records(id),
    sha256 TEXT NOT NULL REFERENCES flow_blobs(sha256),
    name TEXT NOT NULL,          -- shown only, sanitised
    size INTEGER NOT NULL,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor_id INTEGER,
    actor TEXT NOT NULL
);
CREATE INDEX flow_attachments_record ON flow_attachments(record_id, id);
