-- 501_credit.sql: enterprise environmental credit rating (src/govern/credit.c): officers'
-- entries of inputs, rating runs (with the rule set that produced them), one rating per unit
-- with its inputs (the explanation is rebuilt from them and the rule set, by its SHA-256), and the credit-repair kind's own fields (flow kind credit_repair).

CREATE TABLE govern_credit_inputs (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    year INTEGER NOT NULL,
    input TEXT NOT NULL,
    value REAL NOT NULL,
    note TEXT,
    entered_by TEXT NOT NULL,
    entered_at INTEGER NOT NULL,
    UNIQUE (unit_id, year, input)
);

CREATE TABLE govern_credit_runs (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    jurisdiction TEXT NOT NULL,
    ruleset_id TEXT NOT NULL,
    ruleset_version INTEGER NOT NULL,
    ruleset_sha256 TEXT NOT NULL,
    run_at INTEGER NOT NULL,
    run_by TEXT NOT NULL,
    units INTEGER NOT NULL,
    min_months_general INTEGER NOT NULL,  -- the scheme's repair periods, kept with the run
    min_months_listed INTEGER NOT NULL,
    expiry_months INTEGER NOT NULL
);
CREATE INDEX govern_credit_runs_year ON govern_credit_runs(year);

CREATE TABLE govern_credit_ratings (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES govern_credit_runs(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    score REAL NOT NULL,
    grade TEXT NOT NULL,
    grade_zh TEXT NOT NULL,
    colour TEXT,
    vetoed_by TEXT,
    inputs TEXT NOT NULL,                -- JSON array: the scheme's inputs in its order (null: none)
    sources TEXT NOT NULL,               -- one letter per input: p platform, o officer, - none
    published_at INTEGER,                -- NULL: not published
    repaired_grade TEXT,                 -- set by an approved repair
    repaired_at INTEGER,
    UNIQUE (run_id, unit_id)
);
CREATE INDEX govern_credit_ratings_unit ON govern_credit_ratings(unit_id, published_at);

CREATE TABLE govern_credit_repairs (
    record_id INTEGER PRIMARY KEY REFERENCES flow_records(id),
    rating_id INTEGER NOT NULL,                -- govern_credit_ratings(id), checked on raising
    listed_field INTEGER NOT NULL DEFAULT 0,  -- 食品、药品、特种设备、安全生产、消防: 1 year
    obligations_performed INTEGER NOT NULL DEFAULT 0,
    corrected INTEGER NOT NULL DEFAULT 0,
    grade_requested TEXT
);
