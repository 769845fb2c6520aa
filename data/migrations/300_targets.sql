-- 300_targets.sql: environmental-quality targets (issue 6): a metric over a region and a period
-- with a goal, as the district plans state them (data/quality/targets_seed.csv holds the seeds'
-- targets, loaded by `envgov demo` and `envgov eval targets --load FILE`). Progress is computed
-- when asked (src/store/eval_targets.c), never stored.
-- metric: an eg_quality_metric_parse() name; comparison: ge gt le lt about (about: value >=
-- goal - tolerance); goal and tolerance in unit; periods are Beijing calendar days 'YYYY-MM-DD',
-- inclusive. region is the plan's own name for the area (普陀区); region_code the registry region
-- it stands for when the registry has it (resolved by code or name when NULL).
CREATE TABLE quality_targets (
    id TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    region_code TEXT,
    metric TEXT NOT NULL,
    comparison TEXT NOT NULL CHECK (comparison IN ('ge', 'gt', 'le', 'lt', 'about')),
    goal REAL NOT NULL,
    tolerance REAL NOT NULL DEFAULT 0,
    unit TEXT NOT NULL DEFAULT '',
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    plan_period TEXT,
    source TEXT,
    text TEXT,
    CHECK (period_start <= period_end)
);
CREATE INDEX quality_targets_region ON quality_targets(region);
