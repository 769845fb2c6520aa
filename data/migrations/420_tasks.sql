-- 420_tasks.sql: the 三监联动 task loop (src/tasks, tasks/tasks.h), a kind on the workflow
-- engine: the task's own fields beside its flow_records row (state, scope, deadline there).

CREATE TABLE tasks (
    record_id INTEGER PRIMARY KEY REFERENCES flow_records(id),
    task_type TEXT NOT NULL CHECK (task_type IN
        ('supervision', 'monitoring', 'enforcement', 'complaint', 'rectification')),
    origin TEXT NOT NULL CHECK (origin IN
        ('alert', 'complaint', 'inspection', 'steward', 'case', 'person')),
    origin_id INTEGER,                            -- the alert, complaint, … it comes from
    outlet_id INTEGER REFERENCES outlets(id),     -- subject: an outlet of the unit
    station_id INTEGER REFERENCES stations(id),   -- subject: a monitoring station
    place TEXT,                                   -- subject: an address or "lon,lat"
    description TEXT,
    evidence_required INTEGER NOT NULL DEFAULT 0, -- feedback needs an attachment
    issuer TEXT,                                  -- issuing party: 生态环境局 or 街镇 <code>
    issuer_region_id INTEGER REFERENCES regions(id), -- the issuing street; NULL: the bureau
    feedback_finding TEXT,                        -- the last feedback (反馈), set by feed_back
    feedback_measure TEXT,
    feedback_result TEXT,
    fed_back_at INTEGER
);
CREATE INDEX tasks_origin ON tasks(origin, origin_id);
CREATE INDEX tasks_station ON tasks(station_id);
