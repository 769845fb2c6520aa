/*
 * internal.h: what the files of src/ts share and nobody else sees: the handle, the series-id
 * cache, and the internal entry points between writing, querying, marking and aggregation.
 */
#ifndef EG_STORE_TS_INTERNAL_H
#define EG_STORE_TS_INTERNAL_H

#include "ts/ts.h"

#define EG__TS_KEYBUF 160
#define EG__TS_BEFORE_2000 946656000 /* 2000-01-01 00:00 Beijing, in UTC seconds */
/* Maintenance (aggregation, compaction) holds the write lock for at most about this long before
   it lets the ingest writer in (issue 11: acknowledgements wait behind it). */
#define EG__TS_HOLD_NS 20000000ull
/* Open-day rows (ts_run, run.c): seconds of one row's bucket (Beijing-aligned, 144 a day). */
#define EG__TS_RUN_SPAN 600

struct eg__ts_ent {
    char *key; /* NULL: empty slot */
    int64_t id;
    uint64_t hash;
};

/* A row-path sample waiting for the batch's chunked INSERT. */
struct eg__ts_pend {
    int64_t sid, t;
    double v;
    char flag;
    char dirty; /* a change makes (sid, day of t) dirty */
};

/* The newest sample of a series in the batch, for ts_latest. */
struct eg__ts_last {
    int64_t sid, t;
    double v;
    char flag;
};

struct eg__ts_dset {  /* (sid, day) this handle knows are marked dirty */
    int64_t sid, day; /* sid 0: empty */
};

struct eg_ts {
    struct eg_db *st;
    int64_t now_fixed; /* 0: wall clock */
    int open_days;
    int64_t max_late; /* 0: off */
    struct eg__ts_ent *tab;
    size_t cap, used;
    /* pending work of the batch being written (flushed before it commits) */
    struct eg__ts_pend *pend;
    size_t npend, cpend;
    struct eg__ts_last *last;
    size_t nlast, clast;
    /* dirty marks known to exist, valid while ts_meta.agg_gen == dgen (the aggregator bumps it
       whenever it deletes marks), so steady ingestion marks a (series, day) once */
    struct eg__ts_dset *dset;
    size_t dcap, dused;
    int64_t dgen;
    /* ts_run rows being merged (run.c): decoded, merged, encoded */
    struct eg__ts_pend *rbuf, *obuf;
    size_t nrbuf, crbuf, nobuf, cobuf;
    struct eg_buf enc;
    uint64_t held_since; /* eg__ts_yield: when the maintenance last let other writers in */
};

/* Validates a key (syntax as documented in ts.h); EG_EINVAL naming the bad part. */
int eg__ts_key_check(const struct eg_ts_key *k, struct eg_err *err);
/* Canonical cache text "source|pollutant|kind|field|computed"; returns its length. */
size_t eg__ts_key_text(const struct eg_ts_key *k, char *buf, size_t cap);
/* Id of a series, creating it when create is set; *created = 1 when it was. EG_ENOTFOUND when
   unknown and not created. */
int eg__ts_series_id(struct eg_ts *ts, const struct eg_ts_key *k, int create, int64_t *id,
                     int *created, struct eg_err *err);
/* Reads the key of a series id into caller buffers (>= 65 bytes each). */
int eg__ts_series_key(struct eg_ts *ts, int64_t id, char *source, char *pollutant, int *kind,
                      char *field, int *computed, struct eg_err *err);
/* Forgets cached ids and dirty marks (after a rolled-back batch). */
void eg__ts_cache_clear(struct eg_ts *ts);

/* Decodes a block into dst (cap samples); EG_ETOOBIG when it holds more. */
int eg__ts_block_decode_into(const void *p, size_t len, struct eg_ts_sample *dst, size_t cap,
                             size_t *n, struct eg_err *err);
/* Samples of one series in [from, to) merged from blocks and rows, unmarked. *out allocated. */
int eg__ts_read(struct eg_ts *ts, int64_t sid, int64_t from, int64_t to, size_t limit,
                struct eg_ts_row **out, size_t *n, struct eg_err *err);
/* Sets mark bits (declarations, and reviews when tier is EG_TS_REVIEWED) and EG_TS_MARK_VALID. */
int eg__ts_apply_marks(struct eg_ts *ts, int64_t sid, struct eg_ts_row *rows, size_t n, int tier,
                       struct eg_err *err);
/* Writes already-resolved samples of one series (used by aggregation for computed series):
   merged like any write; no dirty marks. Joins the caller's transaction. */
int eg__ts_write_series(struct eg_ts *ts, int64_t sid, const struct eg_ts_sample *s, size_t n,
                        struct eg_ts_report *rep, struct eg_err *err);
/* Marks (sid, day) dirty for aggregation. */
int eg__ts_mark_dirty(struct eg_ts *ts, int64_t sid, int64_t day, struct eg_err *err);

/* Between maintenance transactions: after EG__TS_HOLD_NS of work, pauses 2 ms so that a writer
   waiting for the lock (the ingest writer polls every millisecond) gets it. */
void eg__ts_yield(struct eg_ts *ts);

/* ---- open-day rows (run.c) ---- */
int64_t eg__ts_run_bucket(int64_t t);
int64_t eg__ts_run_id(int64_t bucket, int64_t sid);
/* Encodes s[0..n) (one bucket and group, ordered by series and time) into out (reset). */
void eg__ts_run_encode(const struct eg__ts_pend *s, size_t n, int64_t bucket, struct eg_buf *out);
/* Appends the samples of row id to (*v, *n, *cap); EG_EINVAL "corrupt_rows" when damaged. */
int eg__ts_run_decode(const void *p, size_t len, int64_t id, struct eg__ts_pend **v, size_t *n,
                      size_t *cap, struct eg_err *err);
/* Merges pending samples (ordered by series and time; reordered in place) into their rows,
   counting written / duplicates / replaced and marking changed days dirty (dirty samples). */
int eg__ts_runs_write(struct eg_ts *ts, struct eg__ts_pend *pd, size_t n, struct eg_ts_report *rep,
                      struct eg_err *err);
/* Row samples of one series in [from, to), ordered; *out allocated. */
int eg__ts_rows_read(struct eg_ts *ts, int64_t sid, int64_t from, int64_t to, size_t limit,
                     struct eg_ts_sample **out, size_t *n, struct eg_err *err);
/* Takes one series' row samples of a Beijing day out of the rows (rewritten without them). */
int eg__ts_rows_take(struct eg_ts *ts, int64_t sid, int64_t day, struct eg_ts_sample **out,
                     size_t *n, struct eg_err *err);
/* Ids of the rows of buckets before `bucket`, ascending. *ids allocated. */
int eg__ts_runs_before(struct eg_ts *ts, int64_t bucket, int64_t **ids, size_t *n,
                       struct eg_err *err);
/* Appends row id's samples to ts->rbuf (nothing when absent); replaces it (n = 0: deletes). */
int eg__ts_run_load(struct eg_ts *ts, int64_t id, struct eg_err *err);
int eg__ts_run_store(struct eg_ts *ts, int64_t id, const struct eg__ts_pend *s, size_t n,
                     struct eg_err *err);
/* The latest samples (ts_latest, one row per 16 series, migration 104). */
void eg__ts_latest_encode(const struct eg__ts_pend *s, size_t n, struct eg_buf *out);
int eg__ts_latest_decode(const void *p, size_t len, int64_t grp, struct eg__ts_pend **v, size_t *n,
                         size_t *cap, struct eg_err *err);
/* The latest sample of one series; *found = 0 when it has none. */
int eg__ts_latest_get(struct eg_ts *ts, int64_t sid, struct eg_ts_row *out, int *found,
                      struct eg_err *err);
/* Upserts l[0..n) (ordered by series): a sample replaces an older or equal-time one. */
int eg__ts_latest_write(struct eg_ts *ts, const struct eg__ts_last *l, size_t n,
                        struct eg_err *err);
/* Every series' latest sample, ordered by series (.sid, .t, .v, .flag). *v allocated. */
int eg__ts_latest_all(struct eg_ts *ts, struct eg__ts_pend **v, size_t *n, struct eg_err *err);
/* Marks (sid, day) dirty unless this handle knows it is (store.c). */
int eg__ts_mark_dirty_cached(struct eg_ts *ts, int64_t sid, int64_t day, struct eg_err *err);

/* Runs fn inside a transaction: joins a caller's one with a SAVEPOINT, or opens its own. */
int eg__ts_tx(struct eg_ts *ts, int (*fn)(struct eg_ts *ts, void *arg, struct eg_err *err),
              void *arg, struct eg_err *err);

#endif
