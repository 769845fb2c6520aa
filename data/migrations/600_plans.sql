-- 600_plans.sql: pilot-demonstration rounds and applications, action plans and their tasks,
-- suggestions (issue 14). Applications, plan tasks and suggestions are records of the workflow
-- engine (flow_records, src/flow): their own fields live here keyed by record_id.

-- A round (第二批): its catalogue (a data file under data/pilot/), deadline (UTC seconds), the
-- aggregation rule of the experts' scores, an optional minimum total, quotas per kind.
CREATE TABLE pilot_rounds (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    catalogue TEXT NOT NULL,
    deadline INTEGER NOT NULL,
    rule TEXT NOT NULL CHECK (rule IN ('mean', 'trimmed')),
    min_total REAL NOT NULL DEFAULT 0,
    evaluated_at INTEGER,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE pilot_quotas (
    round_id INTEGER NOT NULL REFERENCES pilot_rounds(id),
    kind TEXT NOT NULL,
    quota INTEGER NOT NULL CHECK (quota >= 0),
    PRIMARY KEY (round_id, kind)
);
-- The application (flow kind pilot_application): answers as strings of 1/0 per catalogue item,
-- directions "1,2", the 创新点; the results of the round's evaluation.
CREATE TABLE pilot_applications (
    record_id INTEGER PRIMARY KEY REFERENCES flow_records(id),
    round_id INTEGER NOT NULL REFERENCES pilot_rounds(id),
    pilot_kind TEXT NOT NULL,
    conditions TEXT,
    mandatory TEXT,
    directions TEXT,
    innovation TEXT,
    evidence TEXT,
    eligible INTEGER,
    failed TEXT,
    mandatory_points REAL,
    criteria1 REAL,
    criteria2 REAL,
    criteria3 REAL,
    innovation_points REAL,
    total REAL,
    experts_used INTEGER,
    rank INTEGER,
    recommended INTEGER
);
CREATE INDEX pilot_applications_round ON pilot_applications(round_id, pilot_kind);
-- Experts of a round (any account; they see only the applications of rounds they score).
CREATE TABLE pilot_experts (
    round_id INTEGER NOT NULL REFERENCES pilot_rounds(id),
    user_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    PRIMARY KEY (round_id, user_id)
);
CREATE TABLE pilot_scores (
    record_id INTEGER NOT NULL REFERENCES pilot_applications(record_id),
    user_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    c1 REAL NOT NULL CHECK (c1 >= 0 AND c1 <= 20),
    c2 REAL NOT NULL CHECK (c2 >= 0 AND c2 <= 20),
    c3 REAL NOT NULL CHECK (c3 >= 0 AND c3 <= 20),
    at INTEGER NOT NULL,
    PRIMARY KEY (record_id, user_id)
);

-- Action plans (seed 003's work plan, seed 002's three-year plan) and their tasks (flow kind
-- plan_task): lead and co-units as written (、-separated), indicator and target, the
-- quality_targets id when the target is measurable, how often progress is due.
CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    source TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE plan_tasks (
    record_id INTEGER PRIMARY KEY REFERENCES flow_records(id),
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    no INTEGER NOT NULL,
    no_zh TEXT,
    chapter TEXT,
    text TEXT,
    lead_units TEXT,
    co_units TEXT,
    indicator TEXT,
    target TEXT,
    target_id TEXT,
    report_every_days INTEGER,
    UNIQUE (plan_id, no)
);
CREATE TABLE plan_progress (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES plan_tasks(record_id),
    period TEXT NOT NULL,
    percent INTEGER NOT NULL CHECK (percent >= 0 AND percent <= 100),
    status TEXT NOT NULL CHECK (status IN ('on_track', 'at_risk', 'delayed')),
    text TEXT NOT NULL,
    at INTEGER NOT NULL,
    by TEXT NOT NULL
);
CREATE INDEX plan_progress_task ON plan_progress(record_id, at);

-- Suggestions and requests (flow kind suggestion, seed 001): where they come from.
CREATE TABLE suggestions (
    record_id INTEGER PRIMARY KEY REFERENCES flow_records(id),
    source TEXT NOT NULL CHECK (source IN ('committee', 'leader', 'other')),
    source_ref TEXT,
    text TEXT NOT NULL,
    responsible TEXT
);
