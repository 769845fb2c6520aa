-- 540_cases.sql: administrative penalty cases (行政处罚案件, src/govern/cases.c), a flow kind:
-- 立案 → 调查取证 → 告知 (→ 听证) → 决定 → 送达 → 执行 → 结案. The case's own fields; the
-- discretion computation (every step, the rule set id/version/SHA-256) is kept as JSON.

CREATE TABLE govern_cases (
    record_id INTEGER PRIMARY KEY REFERENCES flow_records(id),
    origin TEXT NOT NULL CHECK (origin IN ('inspection', 'alert', 'complaint', 'task', 'other')),
    origin_ref TEXT,                 -- the inspection, alert, complaint or task it came from
    permit_id INTEGER REFERENCES permits(id),  -- 一证式: the unit's permit, filled when not given
    inspection_ref TEXT,
    violation TEXT NOT NULL,         -- a [violation NAME] of the discretion rule set
    violation_date TEXT NOT NULL,    -- Beijing date: chooses the rule set in force
    fine REAL,                       -- 元, from the discretion computation at 告知
    discretion TEXT,                 -- JSON: eg_discretion_compute_json's output
    hearing_right INTEGER,           -- 1: the fine reaches the hearing threshold (行政处罚法 Art. 63)
    decision TEXT CHECK (decision IS NULL OR decision IN ('penalty', 'no_penalty')),
    exemption TEXT                   -- JSON: the minor-violation exemption check, or "not checked"
);
CREATE INDEX govern_cases_permit ON govern_cases(permit_id);
