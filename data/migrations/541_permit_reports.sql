-- 541_permit_reports.sql: permit-driven supervision (一证式, src/govern/permits.c): the execution
-- reports (执行报告, 排污许可管理条例 Art. 22) each permit requires, at the cadences the permit
-- sets (read from each permit, not derived from its category: governance-research.md §6.4), and
-- the reports submitted.

CREATE TABLE govern_permit_report_plans (
    permit_id INTEGER NOT NULL REFERENCES permits(id),
    cadence TEXT NOT NULL CHECK (cadence IN ('annual', 'semiannual', 'quarterly', 'monthly')),
    PRIMARY KEY (permit_id, cadence)
);

CREATE TABLE govern_permit_reports (
    id INTEGER PRIMARY KEY,
    permit_id INTEGER NOT NULL REFERENCES permits(id),
    cadence TEXT NOT NULL CHECK (cadence IN ('annual', 'semiannual', 'quarterly', 'monthly')),
    period TEXT NOT NULL,            -- 2024 | 2024-H1 | 2024-Q1 | 2024-05
    submitted_on TEXT NOT NULL,      -- Beijing date
    submitted_by TEXT NOT NULL,
    UNIQUE (permit_id, cadence, period)
);
