-- 542_penalty_permit.sql: 一证式 (seed 004): a recorded penalty, incident or serious violation
-- is filed against the unit's permit — the case's permit when a case decided it, else the permit
-- in force on the event's date (registry: eg_permit_in_force_for_unit); NULL when none.
ALTER TABLE govern_poslist_events ADD COLUMN permit_id INTEGER REFERENCES permits(id);
CREATE INDEX govern_poslist_events_permit ON govern_poslist_events(permit_id);
