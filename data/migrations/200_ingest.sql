-- 200_ingest.sql: what the HJ 212 ingestion server (src/ingest/) keeps besides the samples:
-- device status and counters, and the history of commands sent to devices (reverse control).
-- Times are INTEGER UTC seconds.

-- 设备状态: one row per MN that ever connected. Online/offline is computed when asked:
-- offline when last_data_time is older than (multiple x interval_s) — see ingest.h.
CREATE TABLE ingest_device_status (
    mn TEXT PRIMARY KEY,
    device_id INTEGER,
    interval_s INTEGER NOT NULL DEFAULT 60,
    connected INTEGER NOT NULL DEFAULT 0,
    last_addr TEXT,
    connected_at INTEGER,
    disconnected_at INTEGER,
    connections INTEGER NOT NULL DEFAULT 0,
    last_packet_at INTEGER,      -- when the last data packet was received
    last_data_time INTEGER,      -- its DataTime
    last_cn INTEGER,
    packets INTEGER NOT NULL DEFAULT 0,
    values_count INTEGER NOT NULL DEFAULT 0
);

-- 反控命令: platform -> device commands (HJ 212-2017 Table 9) and their outcome.
-- status: sent, acked (9011 QnRtn=1), ok (9012 ExeRtn=1 / 9013), rejected (QnRtn != 1),
-- failed (ExeRtn != 1), timeout, not_connected, disconnected.
CREATE TABLE ingest_commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mn TEXT NOT NULL,
    qn TEXT NOT NULL,
    cn INTEGER NOT NULL,
    params TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    qn_rtn INTEGER,
    exe_rtn INTEGER,
    result TEXT,                 -- CP of the device's answer (e.g. 1011 SystemTime)
    requested_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (mn, qn)
);
CREATE INDEX ingest_commands_mn ON ingest_commands(mn, id);
