-- 500_govern_rulesets.sql: rule sets kept as data (src/govern/ruleset.c, govern/govern.h): the
-- versions a bureau loaded with `envgov ruleset load FILE`, beside the shipped defaults of
-- data/govern/*.rs. One text per (id, version); the text is kept whole with its SHA-256 so that
-- every result can name the exact rules that produced it.

CREATE TABLE govern_rulesets (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                 -- credit_scheme, draw_plan, exemption_list, …
    rs_id TEXT NOT NULL,                -- the file's id
    version INTEGER NOT NULL CHECK (version > 0),
    jurisdiction TEXT NOT NULL,
    valid_from TEXT NOT NULL,           -- Beijing date YYYY-MM-DD
    valid_to TEXT,                      -- NULL: open-ended
    source TEXT,
    file TEXT NOT NULL,                 -- the name it was loaded under
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    loaded_at INTEGER NOT NULL,
    loaded_by TEXT NOT NULL,
    UNIQUE (rs_id, version)
);
CREATE INDEX govern_rulesets_kind ON govern_rulesets(kind, valid_from);
