/*
 * ts: the time-series store. Years of monitoring values (HJ 212 devices, ambient stations,
 * imported files) kept compact and quick to query, on top of the db.h seam only (so the
 * PostgreSQL backend gets it for free).
 *
 * Model. A series is (source, pollutant, kind, field): source is a device MN or a station code,
 * pollutant an HJ 212-2017 code ("w01018"), kind the HJ 212 CN of the data (2011 real-time,
 * 2051 minute, 2061 hour, 2031 day) and field the CP suffix ("Rtd", "Avg", "Min", "Max", "Cou",
 * "ZsRtd", "ZsAvg" ...). Values that envgov computes itself (hourly/daily means with validity
 * rules) live in separate series with computed = 1, beside what the device sent. A sample is
 * (UTC seconds, value, HJ 212-2017 Table 8 data flag N/F/M/S/D/C/T/B).
 *
 * Storage. Samples of the current (open) Beijing days are rows (ts_run: one row per 10-minute
 * bucket and 16 series, encoded, docs/timeseries.md); closed days are compacted
 * into one compressed block per series and day (ts_block, codec below) in the same database, so
 * one backup and one transaction model cover everything. Queries merge both. Writes for a day
 * that is already closed go straight into its block (merge + re-encode), which is also how late
 * data reaches compacted days. See docs/timeseries.md.
 */
#ifndef EG_STORE_TS_H
#define EG_STORE_TS_H

#include "base/app.h"
#include "base/base.h"
#include "db/db.h"

#include <stddef.h>
#include <stdint.h>

/* HJ 212-2017 Table 9 command numbers used as the kind of a series. */
enum {
    EG_TS_KIND_RTD = 2011,    /* 实时数据 */
    EG_TS_KIND_MINUTE = 2051, /* 分钟数据 */
    EG_TS_KIND_HOUR = 2061,   /* 小时数据 */
    EG_TS_KIND_DAY = 2031,    /* 日数据 */
};

/* One sample. flag is an HJ 212-2017 Table 8 letter (an upper-case ASCII letter is accepted:
   real data also carries the 2005 'P' and a vendor 'J'). */
struct eg_ts_sample {
    int64_t t; /* UTC seconds; for 2051/2061/2031 the start of the period (HJ 212 DataTime) */
    double v;
    char flag;
};

/* ---- block codec (ts_compress.c): pure, no database --------------------------------------- */

/* Largest block accepted by encode and decode: a day of one-second data fits with room. */
#define EG_TS_BLOCK_MAX_SAMPLES 200000

/* Value coding chosen per block (the smaller one wins; see docs/timeseries.md). */
enum { EG_TS_VAL_DECIMAL = 0, EG_TS_VAL_XOR = 1 };

/* Appends the encoded block for samples s[0..n) to out. Times must be strictly increasing, values
   finite, flags upper-case letters, 1 <= n <= EG_TS_BLOCK_MAX_SAMPLES. force_mode is -1 (choose
   the smaller coding) or EG_TS_VAL_* (used by the benchmark to compare both). */
int eg_ts_block_encode(const struct eg_ts_sample *s, size_t n, int force_mode, struct eg_buf *out,
                       struct eg_err *err);
/* Decodes a block. Every length and count is checked against the input and max_samples before
   allocating; a corrupt block (bad checksum, truncated, inconsistent) gives EG_EINVAL with
   err->code "corrupt_block", never a crash. *out is allocated (free()); *n gets the count. */
int eg_ts_block_decode(const void *p, size_t len, size_t max_samples, struct eg_ts_sample **out,
                       size_t *n, struct eg_err *err);
/* Header only: count, first and last time, value mode (checksum verified). */
int eg_ts_block_info(const void *p, size_t len, size_t *n, int64_t *t_first, int64_t *t_last,
                     int *mode, struct eg_err *err);

/* ---- the store (ts_store.c, ts_query.c, ts_agg.c, ts_review.c) ------------------------------ */

/* A handle over one connection: caches series ids, holds the clock and settings. One per thread
   (like the connection it wraps). */
struct eg_ts;

int eg_ts_open(struct eg_db *st, struct eg_ts **out, struct eg_err *err);
void eg_ts_close(struct eg_ts *ts);
struct eg_db *eg_ts_store(struct eg_ts *ts);
/* Fixes "now" (UTC seconds) for tests and imports of history; 0 returns to the wall clock. */
void eg_ts_set_now(struct eg_ts *ts, int64_t now);
int64_t eg_ts_now(struct eg_ts *ts);
/* How many Beijing days (today included) stay as rows before compaction: default 2 (today and
   yesterday), so data a day late still lands in rows. Writes for older days go to blocks. */
void eg_ts_set_open_days(struct eg_ts *ts, int days);

/* Quarantine of stale device data: points older than now - max_late_s are quarantined too (0,
   the default, turns it off: file imports of history are legitimately old). The real capture
   has a device whose clock restarted at 2000-02-02, which "before 2000" alone would accept; an
   ingest writer sets e.g. 366 days. */
void eg_ts_set_max_late(struct eg_ts *ts, int64_t max_late_s);

/* Beijing calendar day number (days since 1970-01-01 Beijing) of UTC time t, and its start. */
int64_t eg_ts_day_of(int64_t t);
int64_t eg_ts_day_start(int64_t day);

/* What names a series. computed = 1 for the values envgov derives (hourly/daily means). */
struct eg_ts_key {
    const char *source;    /* device MN or station code: 1..64 printable ASCII, no '|'. The
                              registry keeps MNs and station codes disjoint, so a source names
                              one registry object (registry.h, "Series ownership"); ts itself
                              stores the string and resolves nothing */
    const char *pollutant; /* HJ 212 code: 1..16 of [A-Za-z0-9_] */
    int kind;              /* EG_TS_KIND_* */
    const char *field;     /* Rtd Avg Min Max Cou ZsRtd ZsAvg ZsMin ZsMax ZsCou */
    int computed;
};

/* 0 when the key is well formed (syntax above), else EG_EINVAL naming the bad part. */
int eg_ts_key_valid(const struct eg_ts_key *key, struct eg_err *err);

/* One value to write. */
struct eg_ts_point {
    struct eg_ts_key key;
    int64_t t;
    double v;
    char flag;
};

/* What a write did. Every point is in exactly one of written/duplicates/replaced/quarantined. */
struct eg_ts_report {
    size_t written;        /* new (series, time) */
    size_t duplicates;     /* same series, time, value and flag already stored: kept once */
    size_t replaced;       /* same series and time, other value or flag: the latest write wins */
    size_t quarantined;    /* time > now + 1 day, before 2000-01-01 Beijing, or older than the
                              max lateness when set: kept in ts_quarantine with the reason */
    size_t series_created; /* new series (with EG_TS_CREATE) */
};

enum {
    EG_TS_CREATE = 1 << 0, /* create unknown series (else refused as unknown_series) */
    /* In the caller's transaction, write without a SAVEPOINT of its own. With temp_store in
       memory SQLite keeps a savepoint's copies of the pages it changes in a list that every
       later statement of the savepoint walks, which made a 60,000-value fold 10x slower
       (bench/fold.c). The price: when the batch fails, what it wrote before the failure is
       not undone, so the caller must roll back its whole transaction (the ingest fold does,
       then folds again with savepoints to isolate the bad packet). Ignored outside a
       transaction. */
    EG_TS_NO_SAVEPOINT = 1 << 1,
};

/* Writes a batch atomically: all points are validated first (key syntax, finite value, flag
   letter, known series) and any bad point refuses the whole batch (err->offset = its index,
   nothing written). When the caller already holds a transaction (eg_db_begin) the batch joins
   it, so an ingest writer can group-commit several batches; otherwise the batch is its own
   transaction. Duplicate and late points are merged (see eg_ts_report). rep may be NULL.
   Speed: closed days go straight to blocks (> 1 M values/s); open-day rows cost mostly the
   B-tree pages a commit touches, so an ingest writer should group-commit many packets per
   transaction (bench/README.md: ~100 k values/s at 8,000 a commit, 230-370 k at 80,000). */
int eg_ts_write_batch(struct eg_ts *ts, const struct eg_ts_point *p, size_t n, unsigned flags,
                      struct eg_ts_report *rep, struct eg_err *err);

/* Compacts every closed day still in rows into its block, up to 128 (series, day) per
   transaction, so a crash at any point leaves each day either wholly in rows or wholly in its
   block.
   *days gets how many (series, day) were compacted. */
int eg_ts_compact(struct eg_ts *ts, size_t *days, struct eg_err *err);

/* Gives the pages freed by compaction and retention back to the file system (issue 11 item 7:
   the file follows the compressed size): up to max_pages, in steps of 2,048 pages (8 MiB), each
   its own short transaction, pausing between them for other writers (eg_db_vacuum_step; a
   database created before auto_vacuum was set gives nothing back until converted once).
   *freed gets the pages given back. The maintenance job runs it after each compaction. */
int eg_ts_vacuum(struct eg_ts *ts, int64_t max_pages, int64_t *freed, struct eg_err *err);

/* Inspection (tests, support): fills a TEMP table ts_raw (series_id, t, v, flag) of this
   connection with every sample the open-day rows hold (ts_run stores them encoded, one row per
   10-minute bucket and 16 series), so they can be counted and joined in SQL. A snapshot:
   call again after writes. */
int eg_ts_rows_view(struct eg_ts *ts, struct eg_err *err);

/* Retention: deletes samples (blocks, rows, computed means) and quarantined points older than
   keep_days Beijing days before today; refuses keep_days < 366 (a year is the least any
   evaluation needs). dry_run counts without deleting. Declarations and reviews (the audit trail)
   are kept. */
struct eg_ts_retain_stats {
    int64_t blocks, samples_in_blocks, rows, quarantined;
};
int eg_ts_retain(struct eg_ts *ts, int64_t keep_days, int dry_run, struct eg_ts_retain_stats *out,
                 struct eg_err *err);

/* Registers a series without data (EG_ECONFLICT when it exists); *id gets its id. */
int eg_ts_series_add(struct eg_ts *ts, const struct eg_ts_key *key, int64_t *id,
                     struct eg_err *err);
/* Looks a series up; EG_ENOTFOUND with a message naming it when unknown. */
int eg_ts_series_find(struct eg_ts *ts, const struct eg_ts_key *key, int64_t *id,
                      struct eg_err *err);

/* ---- queries ----------------------------------------------------------------------------------
 */

/* Marks on a returned sample, from declarations and reviews (the stored value is never changed). */
enum {
    EG_TS_MARK_DECLARED = 1 << 0, /* inside a declared abnormal window (停运/故障/维护/校准) */
    EG_TS_MARK_REVIEW_INVALID = 1 << 1, /* an officer marked it invalid (数据审核) */
    EG_TS_MARK_REVIEW_VALID = 1 << 2,   /* an officer confirmed it valid despite flag/window */
    EG_TS_MARK_VALID = 1 << 3,          /* counts as valid data (see eg_ts_is_valid) */
};

struct eg_ts_row {
    int64_t t;
    double v;
    char flag;
    uint8_t mark;
};

/* Tier: what the samples are. Preliminary = as received (marks from declarations only);
   reviewed = with the officers' reviews applied. */
enum { EG_TS_PRELIMINARY = 0, EG_TS_REVIEWED = 1 };

/* Raw samples of one series in [from, to), ordered by time, rows and blocks merged. More than
   limit samples gives EG_ETOOBIG (ask for buckets instead). *out is allocated (free()). */
int eg_ts_query(struct eg_ts *ts, const struct eg_ts_key *key, int64_t from, int64_t to, int tier,
                size_t limit, struct eg_ts_row **out, size_t *n, struct eg_err *err);

/* Downsampled: one bucket per bucket_s seconds (3600 or 86400; days are Beijing days) that has
   samples. avg/min/max over the valid samples (NAN when none), count = valid samples,
   total = all samples. */
struct eg_ts_bucket {
    int64_t t; /* bucket start, UTC seconds */
    double avg, min, max;
    uint32_t count, total;
};
int eg_ts_query_buckets(struct eg_ts *ts, const struct eg_ts_key *key, int64_t from, int64_t to,
                        int64_t bucket_s, int tier, struct eg_ts_bucket **out, size_t *n,
                        struct eg_err *err);

/* The last sample of each series (for maps); found[i] = 0 when a series is unknown or empty. */
int eg_ts_latest(struct eg_ts *ts, const struct eg_ts_key *keys, size_t n, struct eg_ts_row *out,
                 int *found, struct eg_err *err);

/* ---- aggregation (ts_agg.c) ------------------------------------------------------------------ */

/* Validity profiles: which rule set a source's hourly and daily means follow. */
#define EG_TS_PROFILE_AMBIENT "ambient" /* GB 3095-2012 Table 4 */
#define EG_TS_PROFILE_GAS "gas"         /* HJ 75-2017 (defaults UNCONFIRMED, configurable) */
#define EG_TS_PROFILE_WATER "water"     /* HJ 355-2019 (defaults UNCONFIRMED, configurable) */

/* Sets a source's profile (default ambient) and, when > 0, its expected intervals in seconds
   for real-time (2011) and minute (2051) data (defaults 60 and 60). */
int eg_ts_source_set(struct eg_ts *ts, const char *source, const char *profile,
                     int64_t rtd_interval_s, int64_t min_interval_s, struct eg_err *err);

struct eg_ts_agg_stats {
    size_t days, hours_valid, hours_invalid, days_valid, days_invalid;
};
/* Recomputes the hourly and daily means of every (series, day) marked dirty by writes, reviews
   and declarations (late data included), writing them to the computed series
   (source, pollutant, 2061|2031, "Avg", computed = 1). */
int eg_ts_aggregate(struct eg_ts *ts, struct eg_ts_agg_stats *stats, struct eg_err *err);

/* ---- validity and review (ts_review.c) ------------------------------------------------------- */

/* Declared abnormal condition of a source (all its pollutants when pollutant is NULL). */
int eg_ts_declare(struct eg_ts *ts, const char *source, const char *pollutant, int64_t from,
                  int64_t to, const char *reason, const char *note, const char *who, int64_t *id,
                  struct eg_err *err);
/* An officer's review of the samples of a series in [from, to): verdict "invalid" or "valid",
   with a reason; appended (never updated), and the latest review covering a sample decides. */
int eg_ts_review(struct eg_ts *ts, const struct eg_ts_key *key, int64_t from, int64_t to,
                 const char *verdict, const char *reason, const char *officer, int64_t *id,
                 struct eg_err *err);

/* 传输率 / 有效数据率 of a source's series of one kind over [from, to). Expected counts one slot
   per interval, minus the slots inside declared 'stopped' windows (no data is due while the
   outlet is stopped). */
struct eg_ts_rates {
    int64_t expected, received, valid;
    double transmission_rate, valid_rate; /* received / expected, valid / expected */
    int series;
};
int eg_ts_rates(struct eg_ts *ts, const char *source, int kind, int64_t from, int64_t to,
                struct eg_ts_rates *out, struct eg_err *err);

/* ---- file imports (ts_import.c) -------------------------------------------------------------- */

/* Two formats, told apart by the header (docs/timeseries.md):
   long:        station,time,pollutant,value,flag[,kind][,field]   (time Beijing, period start)
   china_sites: date,hour,type,<station codes…>  (CNEMC national open data, quotsoft layout; the
                1-h concentrations PM2.5 PM10 SO2 NO2 O3 CO are imported as 2061/Avg at hour
                label - 1 h; AQI and the *_24h / *_8h derived columns are skipped, envgov
                recomputes them). */
struct eg_ts_import_opts {
    const char *stations; /* optional station list CSV (code first column): other codes refused */
    size_t stations_len;
    int strict;       /* 1: any rejected row imports nothing */
    int known_series; /* 1: series must exist (else created) */
    size_t batch;     /* points per transaction; 0 = 20000 */
    void (*progress)(void *arg, size_t rows, size_t values);
    void *arg;
    struct eg_events *events; /* NULL: none; else an EG_EVENT_IMPORT batch after each commit */
};
struct eg_ts_reject {
    long line;  /* 1-based line of the file */
    int column; /* 1-based column, 0 for the whole row */
    char reason[120];
};
struct eg_ts_import_report {
    const char *format; /* "long" or "china_sites" */
    size_t rows, values, empty, skipped, rejected;
    struct eg_ts_report w;
    struct eg_ts_reject *rejects; /* all rejected rows/cells, nrejects of them (free with _free) */
    size_t nrejects;
};
/* Imports buf. Idempotent (a second import of the same file writes nothing new). Returns 0 when
   the file was read (rejected rows are in the report), < 0 when it could not be (bad header,
   strict mode with rejects, database error). */
int eg_ts_import(struct eg_ts *ts, const char *buf, size_t len, const struct eg_ts_import_opts *o,
                 struct eg_ts_import_report *rep, struct eg_err *err);
/* The same from a file read in chunks (issue 10 item 18): memory stays bounded by the batch
   and the longest record, whatever the file's size. The encoding is decided on a first pass
   over the file; with o->strict a validating pass reads every row before anything is written
   (then the rows are written in batches, as without strict). */
int eg_ts_import_file(struct eg_ts *ts, const char *path, const struct eg_ts_import_opts *o,
                      struct eg_ts_import_report *rep, struct eg_err *err);
void eg_ts_import_report_free(struct eg_ts_import_report *rep);
/* Maps a common name (PM2.5, PM10, SO2, NO2, O3, CO) to its HJ 212-2017 code, else returns the
   name itself. */
const char *eg_ts_pollutant_code(const char *name, size_t n);

/* ---- the series catalogue (catalog.c) ------------------------------------------------------ */

/* A series and its last sample (has_latest = 0 when it has none). The strings are valid during
   the call only. */
struct eg_ts_series_row {
    int64_t id;
    struct eg_ts_key key;
    int has_latest;
    int64_t latest_t;
    double latest_v;
};
/* Every series (of one source when source is not NULL), ordered by source, pollutant, kind,
   field, computed. fn returning < 0 stops with that code. */
int eg_ts_series_each(struct eg_ts *ts, const char *source,
                      int (*fn)(void *arg, const struct eg_ts_series_row *r), void *arg,
                      struct eg_err *err);

#endif
