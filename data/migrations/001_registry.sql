-- 001_registry.sql: the registry (一企一档): regions, units, outlets, permits and limits, stations,
-- devices, users, steward contracts, sessions, failed logins and the audit log.
-- Booleans are INTEGER 0/1, dates TEXT 'YYYY-MM-DD' (Beijing calendar day), times INTEGER UTC
-- seconds. Column names equal the JSON field names of src/store/registry.c.

-- 区域: district -> street/town (街镇) -> grid (网格)
CREATE TABLE regions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('district', 'street', 'grid')),
    parent_id INTEGER REFERENCES regions(id)
);
CREATE INDEX regions_parent ON regions(parent_id);

-- 单位: enterprise 排污单位, park 园区, street 街镇, community 社区/村居, building 楼宇
CREATE TABLE units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('enterprise', 'park', 'street', 'community', 'building')),
    credit_code TEXT UNIQUE,
    industry TEXT,
    address TEXT,
    lon REAL,
    lat REAL,
    region_id INTEGER REFERENCES regions(id),
    park_id INTEGER REFERENCES units(id),
    key_water INTEGER NOT NULL DEFAULT 0,
    key_air INTEGER NOT NULL DEFAULT 0,
    key_soil INTEGER NOT NULL DEFAULT 0,
    key_noise INTEGER NOT NULL DEFAULT 0,
    key_risk INTEGER NOT NULL DEFAULT 0,
    public INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX units_region ON units(region_id);
CREATE INDEX units_park ON units(park_id);
CREATE INDEX units_kind ON units(kind);

-- 排放口
CREATE TABLE outlets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    code TEXT NOT NULL,
    name TEXT,
    type TEXT NOT NULL CHECK (type IN ('waste_gas', 'waste_water', 'noise')),
    lon REAL,
    lat REAL,
    UNIQUE (unit_id, code)
);

-- 排污许可
CREATE TABLE permits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    category TEXT NOT NULL CHECK (category IN ('key', 'simplified', 'registration')),
    valid_from TEXT,
    valid_to TEXT,
    status TEXT NOT NULL DEFAULT 'valid'
        CHECK (status IN ('valid', 'expired', 'revoked', 'suspended'))
);
CREATE INDEX permits_unit ON permits(unit_id);

-- 许可排放限值: permit x outlet x pollutant (HJ 212-2017 code)
CREATE TABLE permit_limits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    permit_id INTEGER NOT NULL REFERENCES permits(id),
    outlet_id INTEGER REFERENCES outlets(id),
    pollutant TEXT NOT NULL,
    pollutant_name TEXT,
    conc_limit REAL,
    conc_unit TEXT,
    standard TEXT,
    annual_t REAL,
    UNIQUE (permit_id, outlet_id, pollutant)
);
CREATE INDEX permit_limits_outlet ON permit_limits(outlet_id);

-- 监测站点: ambient air, surface-water section, noise
CREATE TABLE stations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('air', 'water', 'noise')),
    region_id INTEGER REFERENCES regions(id),
    lon REAL,
    lat REAL,
    water_class TEXT CHECK (water_class IN ('I', 'II', 'III', 'IV', 'V')),
    noise_zone TEXT CHECK (noise_zone IN ('0', '1', '2', '3', '4a', '4b')),
    public INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX stations_region ON stations(region_id);

-- 监测设备 (HJ 212 MN). password holds an Argon2id hash string, never the password.
CREATE TABLE devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mn TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL,
    name TEXT,
    protocol TEXT NOT NULL DEFAULT '2017' CHECK (protocol IN ('2005', '2017', '2025')),
    crc TEXT NOT NULL DEFAULT 'hj212' CHECK (crc IN ('hj212', 'modbus_swapped')),
    lenient INTEGER NOT NULL DEFAULT 0,
    outlet_id INTEGER REFERENCES outlets(id),
    station_id INTEGER REFERENCES stations(id),
    pollutants TEXT,
    interval_s INTEGER NOT NULL DEFAULT 60,
    CHECK ((outlet_id IS NULL) <> (station_id IS NULL))
);
CREATE INDEX devices_outlet ON devices(outlet_id);
CREATE INDEX devices_station ON devices(station_id);

-- 用户. password holds an Argon2id hash string.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'bureau', 'street', 'enterprise', 'steward')),
    display_name TEXT,
    region_id INTEGER REFERENCES regions(id),
    unit_id INTEGER REFERENCES units(id),
    password TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);

-- 环保管家 contracts: which units a steward user may see
CREATE TABLE steward_contracts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    valid_from TEXT,
    valid_to TEXT,
    UNIQUE (user_id, unit_id)
);
CREATE INDEX steward_contracts_unit ON steward_contracts(unit_id);

-- Login sessions: only a BLAKE2b hash of the bearer token is kept.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash BLOB NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    client_addr TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Failed logins, for the per-user and per-address rate limit.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_user ON login_failures(username, at);
CREATE INDEX login_failures_addr ON login_failures(client_addr, at);

-- 审计日志: who, when, what, before/after (JSON text, secrets removed)
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_id INTEGER,
    actor TEXT NOT NULL,
    resource TEXT NOT NULL,
    row_id INTEGER,
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'login', 'logout')),
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_row ON audit_log(resource, row_id);
