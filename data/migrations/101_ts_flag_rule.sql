-- 101_ts_flag_rule.sql: waste water means follow HJ 212-2017's aggregation note (notes under
-- C.16/C.17/C.18, hj212.md §1.6 "Aggregation rule"): for sewage one abnormal sub-value makes the
-- minute/hour/day value abnormal; for flue gas >= 75 % normal values make it normal (the 45 of 60
-- minutes of the gas rule). strict_flags = 1: any abnormal (not valid) input invalidates the mean.
ALTER TABLE ts_validity_rule ADD COLUMN strict_flags INTEGER NOT NULL DEFAULT 0;
UPDATE ts_validity_rule SET strict_flags = 1,
    source_doc = source_doc || '; HJ 212-2017 notes to C.16-C.18: one abnormal value makes a waste-water mean abnormal'
    WHERE profile = 'water';
