-- 435_intake_rate.sql: the per-address rate limit of anonymous complaint intake (src/intake).
-- One row per client address and fixed window (win: UTC seconds at the window's start); rows
-- of past windows are deleted on the next hit.
CREATE TABLE intake_rate (
    addr TEXT NOT NULL,
    win INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (addr, win)
);
CREATE INDEX intake_rate_win ON intake_rate(win);
