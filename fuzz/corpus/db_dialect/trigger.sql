-- issue 11 item 8: the version of the registry's rows, for the HTTP server's cache of list
-- pages. Every committed insert, update or delete on a registry table (whoever makes it: the
-- API, the CLI in another process, an import, a migration) sets v to a new random value, so a
-- page read while v had some value is still what the list says while v has that value (a random
-- value rather than a counter: a database restored from a backup never meets a version it did
-- not have). The audit log is not covered (auth writes it too): its lists are never cached.
-- src/registry/registry.c eg_registry_version reads it; the tables covered are listed there.
CREATE TABLE registry_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v INTEGER NOT NULL
);
INSERT INTO registry_version (id, v) VALUES (1, random());
CREATE TRIGGER registry_version_regions_insert AFTER INSERT ON regions
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_regions_update AFTER UPDATE ON regions
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_regions_delete AFTER DELETE ON regions
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_units_insert AFTER INSERT ON units
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_units_update AFTER UPDATE ON units
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_units_delete AFTER DELETE ON units
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_outlets_insert AFTER INSERT ON outlets
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_outlets_update AFTER UPDATE ON outlets
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_outlets_delete AFTER DELETE ON outlets
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_permits_insert AFTER INSERT ON permits
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_permits_update AFTER UPDATE ON permits
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_permits_delete AFTER DELETE ON permits
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_permit_limits_insert AFTER INSERT ON permit_limits
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_permit_limits_update AFTER UPDATE ON permit_limits
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_permit_limits_delete AFTER DELETE ON permit_limits
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_stations_insert AFTER INSERT ON stations
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_stations_update AFTER UPDATE ON stations
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_stations_delete AFTER DELETE ON stations
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_devices_insert AFTER INSERT ON devices
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_devices_update AFTER UPDATE ON devices
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_devices_delete AFTER DELETE ON devices
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_users_insert AFTER INSERT ON users
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_users_update AFTER UPDATE ON users
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_users_delete AFTER DELETE ON users
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_steward_contracts_insert AFTER INSERT ON steward_contracts
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_steward_contracts_update AFTER UPDATE ON steward_contracts
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
CREATE TRIGGER registry_version_steward_contracts_delete AFTER DELETE ON steward_contracts
BEGIN UPDATE registry_version SET v = random() WHERE id = 1; END;
