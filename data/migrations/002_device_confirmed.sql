-- issue 10 item 1: a device an enterprise registers counts for compliance only once the bureau
-- confirms it. Rows made by admin, bureau, the CLI and imports by them are confirmed (1); the
-- registry writes 0 when an enterprise creates a device or moves it to another outlet or MN, and
-- only bureau and admin may set the field (src/registry/resources.c, devices_authorize).
ALTER TABLE devices ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 1;
-- Devices an enterprise user created before this migration: unconfirmed, as if made now.
UPDATE devices SET confirmed = 0 WHERE id IN (
    SELECT a.row_id FROM audit_log a JOIN users u ON u.id = a.actor_id
    WHERE a.resource = 'devices' AND a.action = 'create' AND u.role = 'enterprise');
