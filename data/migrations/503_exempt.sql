-- 503_exempt.sql: minor-violation exemption decisions (src/govern/exempt.c): each check of a
-- violation against the exemption list in force on its date, with the item, every condition met
-- or not, the decision, the education given, and the rule set that decided.

CREATE TABLE govern_exemptions (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    violation TEXT NOT NULL,
    on_date TEXT NOT NULL,
    case_ref TEXT,
    item TEXT,                           -- the list item, NULL when the violation is not listed
    exempt INTEGER NOT NULL,
    conditions TEXT NOT NULL,            -- JSON: [{"condition","label_zh","met","detail"}]
    education TEXT,                      -- the education given (行政处罚法 Art. 33)
    ruleset_id TEXT,
    ruleset_version INTEGER,
    ruleset_sha256 TEXT,
    decided_at INTEGER NOT NULL,
    decided_by TEXT NOT NULL
);
CREATE INDEX govern_exemptions_unit ON govern_exemptions(unit_id, violation, on_date);
