-- 451_alerts_permit.sql: 一证式 (seed 004): every alert is filed against the permit its unit
-- holds in force on the day the alert opens (registry: eg_permit_in_force_for_unit); NULL when
-- the alert has no unit (a station) or the unit holds no permit in force then.
ALTER TABLE alerts ADD COLUMN permit_id INTEGER REFERENCES permits(id);
CREATE INDEX alerts_permit ON alerts(permit_id);
