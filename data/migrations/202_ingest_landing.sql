-- 202_ingest_landing.sql: the ingestion server's landing table. Under load the writer commits
-- each acknowledged data packet here first (one row per packet, appended in rowid order: cheap
-- and durable), and folds landed packets into the time-series store in large batches sorted by
-- series, deleting them in the same transaction. A packet is therefore always either here or in
-- the store, never both, never neither. vals is the writer's own fixed layout (format 1: per value
-- 12 bytes code, 12 bytes field, 8 bytes IEEE double in host order, 1 byte flag); only the same
-- build reads it, and a restart folds what a crash left.
CREATE TABLE ingest_landing (
    id INTEGER PRIMARY KEY,
    mn TEXT NOT NULL,
    cn INTEGER NOT NULL,
    t INTEGER NOT NULL,
    n INTEGER NOT NULL,
    format INTEGER NOT NULL DEFAULT 1,
    vals BLOB NOT NULL
);
