-- 504_draws.sql: random inspections (双随机、一公开, src/govern/draw_*.c, docs/draws.md): the
-- register of third-party agencies (检测机构) and stewards (环保管家) with their contracts, the
-- inspector pool (执法证) and recusals (回避), category overrides with their reasons, draw runs
-- (the plan's rule set, the published seed, the pools' hash and the published draw) and one row
-- per drawn object with its team and its result.

CREATE TABLE draw_agencies (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('testing_agency', 'steward')),
    unit_id INTEGER NOT NULL UNIQUE REFERENCES units(id), -- the agency as a legal entity (一企一档)
    qualification TEXT NOT NULL,       -- e.g. 检验检测机构资质认定 (CMA)
    qualification_no TEXT NOT NULL,
    qualification_valid_to TEXT,       -- Beijing date, NULL: no end
    user_id INTEGER REFERENCES users(id), -- a steward's account (its steward_contracts)
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE draw_agency_contracts (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES draw_agencies(id),
    client_unit_id INTEGER NOT NULL REFERENCES units(id),
    service TEXT NOT NULL,             -- e.g. 自行监测委托检测, 环保管家服务
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    UNIQUE (agency_id, client_unit_id, service, valid_from)
);
CREATE INDEX draw_agency_contracts_client ON draw_agency_contracts(client_unit_id);

CREATE TABLE draw_inspectors (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL UNIQUE REFERENCES users(id),
    cert_no TEXT NOT NULL UNIQUE,      -- 行政执法证号
    org TEXT NOT NULL,                 -- 执法单位
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE draw_recusals (
    id INTEGER PRIMARY KEY,
    inspector_id INTEGER NOT NULL REFERENCES draw_inspectors(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (inspector_id, unit_id)
);

CREATE TABLE draw_overrides (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL UNIQUE REFERENCES units(id),
    category TEXT NOT NULL,
    reason TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at INTEGER NOT NULL
);

CREATE TABLE draw_runs (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    ruleset_id TEXT NOT NULL,
    ruleset_version INTEGER NOT NULL,
    ruleset_sha256 TEXT NOT NULL,
    seed TEXT NOT NULL,
    pools_sha256 TEXT NOT NULL,         -- SHA-256 of the published draw without its result
    pool_date TEXT NOT NULL,            -- Beijing date the pools were built for
    inspect_on TEXT NOT NULL,           -- the list is secret until this Beijing date
    drawn INTEGER NOT NULL,
    draw_json TEXT NOT NULL,            -- the pools: the published draw without seed and result,
                                        -- compact with sorted keys (what pools_sha256 hashes)
    result_json TEXT NOT NULL,          -- the drawn list and teams (the published "result")
    created_by INTEGER,                 -- the drawing officer's user id
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE draw_items (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES draw_runs(id),
    pos INTEGER NOT NULL,
    object_key TEXT NOT NULL,
    object_kind TEXT NOT NULL,          -- enterprise | testing_agency | steward
    unit_id INTEGER NOT NULL REFERENCES units(id),
    category TEXT NOT NULL,
    team TEXT NOT NULL,                 -- JSON [{"inspector_id","user_id","cert_no"}]
    trigger_name TEXT,                     -- a positive-list unit's trigger and its reference
    trigger_ref TEXT,
    outcome TEXT CHECK (outcome IN ('found', 'not_found')),
    finding TEXT,
    falsification INTEGER NOT NULL DEFAULT 0,
    case_id INTEGER,
    recorded_by TEXT,
    recorded_at INTEGER,
    published_at INTEGER,
    UNIQUE (run_id, pos)
);
CREATE INDEX draw_items_unit ON draw_items(unit_id);
CREATE INDEX draw_items_published ON draw_items(published_at);
