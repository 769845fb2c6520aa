/*
 * ts_store.c: writing the time series — the handle and its series-id cache, the batch write
 * (validate all, then merge into rows or blocks in one transaction), quarantine, and compaction
 * of closed days into blocks. Uses only the db.h seam.
 *
 * Where a sample goes: a (series, Beijing day) lives either in rows (ts_run, the open days,
 * encoded one row per 10-minute bucket and 16 series: run.c) or in
 * one block (ts_block). A write for a day older than the open days, or for a day that already has
 * a block, goes through merge_day(): read the block and any rows of that day, merge in the new
 * samples (same time: the newest write wins), encode, replace the block, delete the rows — one
 * transaction, so a crash leaves the old state or the new one. Compaction is merge_day() with
 * nothing new. Dedup: a (series, time) is stored once; writing the same value and flag again is
 * counted as a duplicate; a different value or flag replaces it and is counted as replaced
 * (the device's retransmission or a corrected import is the newer truth; raw values reviewed by
 * officers are never touched by reviews, see ts_review.c).
 */
#include "db/db.h"
#include "ts/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- handle and cache ------------------------------------------------------------------------ */

int eg_ts_open(struct eg_db *st, struct eg_ts **out, struct eg_err *err)
{
    (void)err;
    struct eg_ts *ts = eg_calloc(1, sizeof *ts);
    ts->st = st;
    ts->open_days = 2;
    ts->cap = 1024;
    ts->tab = eg_calloc(ts->cap, sizeof *ts->tab);
    ts->dcap = 1024;
    ts->dset = eg_calloc(ts->dcap, sizeof *ts->dset);
    ts->dgen = -1;
    *out = ts;
    return 0;
}

static void dset_clear(struct eg_ts *ts)
{
    memset(ts->dset, 0, ts->dcap * sizeof *ts->dset);
    ts->dused = 0;
}

void eg__ts_cache_clear(struct eg_ts *ts)
{
    for (size_t i = 0; i < ts->cap; i++)
        free(ts->tab[i].key);
    memset(ts->tab, 0, ts->cap * sizeof *ts->tab);
    ts->used = 0;
    dset_clear(ts); /* marks made in rolled-back work are gone too */
    ts->npend = ts->nlast = 0;
}

void eg_ts_close(struct eg_ts *ts)
{
    if (!ts)
        return;
    eg__ts_cache_clear(ts);
    free(ts->tab);
    free(ts->dset);
    free(ts->pend);
    free(ts->last);
    free(ts->rbuf);
    free(ts->obuf);
    eg_buf_free(&ts->enc);
    free(ts);
}

struct eg_db *eg_ts_store(struct eg_ts *ts)
{
    return ts->st;
}

void eg_ts_set_now(struct eg_ts *ts, int64_t now)
{
    ts->now_fixed = now;
}

int64_t eg_ts_now(struct eg_ts *ts)
{
    return ts->now_fixed ? ts->now_fixed : eg_time_now();
}

void eg_ts_set_max_late(struct eg_ts *ts, int64_t max_late_s)
{
    ts->max_late = max_late_s > 0 ? max_late_s : 0;
}

void eg_ts_set_open_days(struct eg_ts *ts, int days)
{
    ts->open_days = days < 1 ? 1 : days;
}

int64_t eg_ts_day_of(int64_t t)
{
    int64_t s = t + EG_BEIJING_OFFSET;
    return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

int64_t eg_ts_day_start(int64_t day)
{
    return day * 86400 - EG_BEIJING_OFFSET;
}

static uint64_t hash_text(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static struct eg__ts_ent *cache_slot(struct eg_ts *ts, const char *key, size_t n, uint64_t h)
{
    size_t i = h & (ts->cap - 1);
    for (;;) {
        struct eg__ts_ent *e = &ts->tab[i];
        if (!e->key || (e->hash == h && !memcmp(e->key, key, n) && e->key[n] == '\0'))
            return e;
        i = (i + 1) & (ts->cap - 1);
    }
}

static void cache_put(struct eg_ts *ts, const char *key, size_t n, uint64_t h, int64_t id)
{
    if ((ts->used + 1) * 2 > ts->cap) {
        struct eg__ts_ent *old = ts->tab;
        size_t oldcap = ts->cap;
        ts->cap *= 2;
        ts->tab = eg_calloc(ts->cap, sizeof *ts->tab);
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].key)
                *cache_slot(ts, old[i].key, strlen(old[i].key), old[i].hash) = old[i];
        free(old);
    }
    struct eg__ts_ent *e = cache_slot(ts, key, n, h);
    if (!e->key) {
        e->key = eg_strndup(key, n);
        e->hash = h;
        ts->used++;
    }
    e->id = id;
}

/* ---- keys ------------------------------------------------------------------------------------ */

static const char *const fields[] = {"Rtd",   "Avg",   "Min",   "Max",   "Cou",
                                     "ZsRtd", "ZsAvg", "ZsMin", "ZsMax", "ZsCou"};

static int ident_ok(const char *s, size_t max, int dash_dot)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || (dash_dot && (c == '-' || c == '.'));
        if (!ok)
            return 0;
    }
    return 1;
}

int eg__ts_key_check(const struct eg_ts_key *k, struct eg_err *err)
{
    if (!ident_ok(k->source, 64, 1))
        return eg_err_set(err, EG_EINVAL, "bad_source", -1,
                          "source must be a device MN or station code: 1-64 of A-Z a-z 0-9 _ - .");
    if (!ident_ok(k->pollutant, 16, 0))
        return eg_err_set(err, EG_EINVAL, "bad_pollutant", -1,
                          "pollutant must be an HJ 212 code such as a34004: 1-16 of A-Z a-z 0-9 _");
    if (k->kind != EG_TS_KIND_RTD && k->kind != EG_TS_KIND_MINUTE && k->kind != EG_TS_KIND_HOUR &&
        k->kind != EG_TS_KIND_DAY)
        return eg_err_set(err, EG_EINVAL, "bad_kind", -1,
                          "kind %d is not one of 2011 (real-time), 2051 (minute), 2061 (hour), "
                          "2031 (day)",
                          k->kind);
    int fok = 0;
    for (size_t i = 0; k->field && i < EG_ARRAY_LEN(fields); i++)
        if (!strcmp(k->field, fields[i]))
            fok = 1;
    if (!fok)
        return eg_err_set(err, EG_EINVAL, "bad_field", -1,
                          "field must be one of Rtd Avg Min Max Cou ZsRtd ZsAvg ZsMin ZsMax ZsCou");
    if (k->computed != 0 && k->computed != 1)
        return eg_err_set(err, EG_EINVAL, "bad_key", -1, "computed must be 0 or 1");
    return 0;
}

int eg_ts_key_valid(const struct eg_ts_key *key, struct eg_err *err)
{
    return eg__ts_key_check(key, err);
}

/* Hot (once per point): plain copies instead of snprintf. Keys are checked first, so the parts
   are short (source <= 64, pollutant <= 16, field <= 5). */
size_t eg__ts_key_text(const struct eg_ts_key *k, char *buf, size_t cap)
{
    const char *parts[3] = {k->source, k->pollutant, k->field};
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        size_t l = strlen(parts[i]);
        if (n + l + 8 >= cap)
            l = cap > n + 8 ? cap - n - 8 : 0;
        memcpy(buf + n, parts[i], l);
        n += l;
        buf[n++] = '|';
        if (i == 1) { /* the kind, four digits (checked) */
            int kind = k->kind >= 0 && k->kind <= 9999 ? k->kind : 0;
            buf[n++] = (char)('0' + kind / 1000);
            buf[n++] = (char)('0' + kind / 100 % 10);
            buf[n++] = (char)('0' + kind / 10 % 10);
            buf[n++] = (char)('0' + kind % 10);
            buf[n++] = '|';
        }
    }
    buf[n++] = k->computed ? '1' : '0';
    buf[n] = '\0';
    return n;
}

/* The five parts of a series key as parameters 1..5 (source, pollutant, kind, field, computed). */
static void bind_key(struct eg_stmt *s, const struct eg_ts_key *k)
{
    eg_stmt_bind_text(s, 1, k->source, strlen(k->source));
    eg_stmt_bind_text(s, 2, k->pollutant, strlen(k->pollutant));
    eg_stmt_bind_int(s, 3, k->kind);
    eg_stmt_bind_text(s, 4, k->field, strlen(k->field));
    eg_stmt_bind_int(s, 5, k->computed);
}

static int select_series(struct eg_ts *ts, const struct eg_ts_key *k, int64_t *id, int *found,
                         struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st,
                          "SELECT id FROM ts_series WHERE source = ? AND pollutant = ? AND "
                          "kind = ? AND field = ? AND computed = ?",
                          &s, err);
    if (r)
        return r;
    bind_key(s, k);
    r = eg_stmt_step(s, err);
    *found = r == 1;
    if (r == 1)
        *id = eg_stmt_int(s, 0);
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

static int insert_series(struct eg_ts *ts, const struct eg_ts_key *k, int64_t *id,
                         struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st,
                          "INSERT INTO ts_series (source, pollutant, kind, field, computed, "
                          "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                          &s, err);
    if (r)
        return r;
    bind_key(s, k);
    eg_stmt_bind_int(s, 6, eg_time_now());
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (r < 0)
        return r;
    *id = eg_db_last_id(ts->st);
    return 0;
}

int eg__ts_series_id(struct eg_ts *ts, const struct eg_ts_key *k, int create, int64_t *id,
                     int *created, struct eg_err *err)
{
    char buf[EG__TS_KEYBUF];
    size_t n = eg__ts_key_text(k, buf, sizeof buf);
    uint64_t h = hash_text(buf, n);
    if (created)
        *created = 0;
    struct eg__ts_ent *e = cache_slot(ts, buf, n, h);
    if (e->key) {
        *id = e->id;
        return 0;
    }
    int found = 0;
    int r = select_series(ts, k, id, &found, err);
    if (r)
        return r;
    if (!found) {
        if (!create)
            return eg_err_set(err, EG_ENOTFOUND, "unknown_series", -1,
                              "unknown series %s/%s/%d/%s%s: register it (envgov series add) "
                              "or write with series creation allowed",
                              k->source, k->pollutant, k->kind, k->field,
                              k->computed ? " (computed)" : "");
        r = insert_series(ts, k, id, err);
        if (r)
            return r;
        if (created)
            *created = 1;
    }
    cache_put(ts, buf, n, h, *id);
    return 0;
}

int eg__ts_series_key(struct eg_ts *ts, int64_t id, char *source, char *pollutant, int *kind,
                      char *field, int *computed, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st,
                          "SELECT source, pollutant, kind, field, computed FROM ts_series "
                          "WHERE id = ?",
                          &s, err);
    if (r)
        return r;
    eg_stmt_bind_int(s, 1, id);
    r = eg_stmt_step(s, err);
    if (r == 1) {
        size_t l;
        const char *t = eg_stmt_text(s, 0, &l);
        snprintf(source, 65, "%.*s", (int)l, t ? t : "");
        t = eg_stmt_text(s, 1, &l);
        snprintf(pollutant, 65, "%.*s", (int)l, t ? t : "");
        *kind = (int)eg_stmt_int(s, 2);
        t = eg_stmt_text(s, 3, &l);
        snprintf(field, 65, "%.*s", (int)l, t ? t : "");
        *computed = (int)eg_stmt_int(s, 4);
        r = 0;
    } else if (r == 0) {
        r = eg_err_set(err, EG_ENOTFOUND, "unknown_series", -1, "no series with id %lld",
                       (long long)id);
    }
    eg_stmt_done(s);
    return r;
}

int eg_ts_series_find(struct eg_ts *ts, const struct eg_ts_key *key, int64_t *id,
                      struct eg_err *err)
{
    int r = eg__ts_key_check(key, err);
    return r ? r : eg__ts_series_id(ts, key, 0, id, NULL, err);
}

int eg_ts_series_add(struct eg_ts *ts, const struct eg_ts_key *key, int64_t *id, struct eg_err *err)
{
    int r = eg__ts_key_check(key, err);
    if (r)
        return r;
    int found = 0;
    int64_t tmp;
    r = select_series(ts, key, &tmp, &found, err);
    if (r)
        return r;
    if (found)
        return eg_err_set(err, EG_ECONFLICT, "series_exists", -1, "series %s/%s/%d/%s exists",
                          key->source, key->pollutant, key->kind, key->field);
    return eg__ts_series_id(ts, key, 1, id ? id : &tmp, NULL, err);
}

/* ---- transactions ---------------------------------------------------------------------------- */

int eg__ts_tx(struct eg_ts *ts, int (*fn)(struct eg_ts *ts, void *arg, struct eg_err *err),
              void *arg, struct eg_err *err)
{
    int joined = eg_db_in_tx(ts->st);
    int r = joined ? eg_db_exec(ts->st, "SAVEPOINT eg_ts", err) : eg_db_begin(ts->st, err);
    if (r)
        return r;
    r = fn(ts, arg, err);
    if (r == 0)
        r = joined ? eg_db_exec(ts->st, "RELEASE eg_ts", err) : eg_db_commit(ts->st, err);
    if (r) {
        if (joined) {
            eg_db_exec(ts->st, "ROLLBACK TO eg_ts", NULL);
            eg_db_exec(ts->st, "RELEASE eg_ts", NULL);
        } else {
            eg_db_rollback(ts->st);
        }
        eg__ts_cache_clear(ts); /* ids of series created in the rolled-back work are gone */
    }
    return r;
}

/* ---- merging a day into its block ------------------------------------------------------------ */

static int same_sample(double a, char fa, double b, char fb)
{
    return fa == fb && memcmp(&a, &b, sizeof a) == 0;
}

/* Merges new samples (sorted, unique times, all inside day) into the (sid, day) block together
   with raw[0..nr), that day's row samples (already taken out of the rows); replaces the block.
   Fails before writing anything (an unreadable block, too many samples). */
static int merge_block(struct eg_ts *ts, int64_t sid, int64_t day, const struct eg_ts_sample *nw,
                       size_t nn, const struct eg_ts_sample *raw, size_t nr,
                       struct eg_ts_report *rep, struct eg_err *err)
{
    struct eg_ts_sample *old = NULL, *out = NULL;
    size_t no = 0;
    struct eg_buf blob = {0};
    struct eg_stmt *s;
    int r =
        eg_db_prepare(ts->st, "SELECT data FROM ts_block WHERE series_id = ? AND day = ?", &s, err);
    if (r)
        return r;
    eg_stmt_bind_int(s, 1, sid);
    eg_stmt_bind_int(s, 2, day);
    r = eg_stmt_step(s, err);
    if (r == 1) {
        size_t len;
        const void *p = eg_stmt_blob(s, 0, &len);
        r = eg_ts_block_decode(p, len, EG_TS_BLOCK_MAX_SAMPLES, &old, &no, err);
        if (r && err) { /* never overwrite a block we cannot read: the data would be lost */
            char why[sizeof err->msg];
            memcpy(why, err->msg, sizeof why);
            eg_err_set(err, r, "corrupt_block", -1,
                       "series %lld day %lld: stored block is unreadable (%s); not merging",
                       (long long)sid, (long long)day, why);
        }
    }
    eg_stmt_done(s);
    if (r < 0)
        goto done;

    /* three-way merge by time; on equal times new > rows > block */
    out = eg_malloc((no + nr + nn) * sizeof *out);
    size_t i = 0, j = 0, k = 0, m = 0;
    while (i < no || j < nr || k < nn) {
        int64_t t = INT64_MAX;
        if (i < no && old[i].t < t)
            t = old[i].t;
        if (j < nr && raw[j].t < t)
            t = raw[j].t;
        if (k < nn && nw[k].t < t)
            t = nw[k].t;
        const struct eg_ts_sample *have = NULL;
        if (i < no && old[i].t == t)
            have = &old[i++];
        if (j < nr && raw[j].t == t)
            have = &raw[j++];
        if (k < nn && nw[k].t == t) {
            const struct eg_ts_sample *x = &nw[k++];
            if (rep) {
                if (!have)
                    rep->written++;
                else if (same_sample(have->v, have->flag, x->v, x->flag))
                    rep->duplicates++;
                else
                    rep->replaced++;
            }
            have = x;
        }
        out[m++] = *have;
    }
    if (m > EG_TS_BLOCK_MAX_SAMPLES) {
        r = eg_err_set(err, EG_ETOOBIG, "day_too_big", -1,
                       "series %lld day %lld would hold %zu samples (limit %d)", (long long)sid,
                       (long long)day, m, EG_TS_BLOCK_MAX_SAMPLES);
        goto done;
    }
    r = eg_ts_block_encode(out, m, -1, &blob, err);
    if (r)
        goto done;
    r = eg_db_prepare(ts->st,
                      "INSERT INTO ts_block (series_id, day, n, t_first, t_last, data) "
                      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (series_id, day) DO UPDATE SET "
                      "n = excluded.n, t_first = excluded.t_first, t_last = excluded.t_last, "
                      "data = excluded.data",
                      &s, err);
    if (r)
        goto done;
    eg_stmt_bind_int(s, 1, sid);
    eg_stmt_bind_int(s, 2, day);
    eg_stmt_bind_int(s, 3, (int64_t)m);
    eg_stmt_bind_int(s, 4, out[0].t);
    eg_stmt_bind_int(s, 5, out[m - 1].t);
    eg_stmt_bind_blob(s, 6, blob.data, blob.len);
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
done:
    free(old);
    free(out);
    eg_buf_free(&blob);
    return r < 0 ? r : 0;
}

/* A write into a closed (or blocked) day: the day's row samples, if any, are taken out of the
   rows and merged with the new samples into the block, in the caller's transaction. */
static int merge_day(struct eg_ts *ts, int64_t sid, int64_t day, const struct eg_ts_sample *nw,
                     size_t nn, struct eg_ts_report *rep, struct eg_err *err)
{
    struct eg_ts_sample *raw = NULL;
    size_t nr = 0;
    int r = eg__ts_rows_take(ts, sid, day, &raw, &nr, err);
    if (r == 0)
        r = merge_block(ts, sid, day, nw, nn, raw, nr, rep, err);
    free(raw);
    return r;
}

/* ---- rows ------------------------------------------------------------------------------------ */

/* Runs SQL with (series id, day) as parameters 1 and 2 for one step; *found (when given) says
   whether it returned a row. */
static int exec_sid_day(struct eg_ts *ts, const char *sql, int64_t sid, int64_t day, int *found,
                        struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st, sql, &s, err);
    if (r)
        return r;
    eg_stmt_bind_int(s, 1, sid);
    eg_stmt_bind_int(s, 2, day);
    r = eg_stmt_step(s, err);
    if (found)
        *found = r == 1;
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

static int block_exists(struct eg_ts *ts, int64_t sid, int64_t day, int *yes, struct eg_err *err)
{
    return exec_sid_day(ts, "SELECT 1 FROM ts_block WHERE series_id = ? AND day = ?", sid, day, yes,
                        err);
}

/* Exact set of (sid, day); returns 1 when it was already there. */
static int dset_put(struct eg_ts *ts, int64_t sid, int64_t day)
{
    if ((ts->dused + 1) * 2 > ts->dcap) {
        if (ts->dcap >= (1u << 20)) { /* bounded: forget and re-mark (an idempotent INSERT) */
            dset_clear(ts);
        } else {
            struct eg__ts_dset *old = ts->dset;
            size_t oc = ts->dcap;
            ts->dcap *= 2;
            ts->dset = eg_calloc(ts->dcap, sizeof *ts->dset);
            ts->dused = 0;
            for (size_t i = 0; i < oc; i++)
                if (old[i].sid)
                    dset_put(ts, old[i].sid, old[i].day);
            free(old);
        }
    }
    uint64_t h = ((uint64_t)sid * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)day * 0xC2B2AE3D27D4EB4Full);
    size_t i = (size_t)(h >> 7) & (ts->dcap - 1);
    while (ts->dset[i].sid) {
        if (ts->dset[i].sid == sid && ts->dset[i].day == day)
            return 1;
        i = (i + 1) & (ts->dcap - 1);
    }
    ts->dset[i] = (struct eg__ts_dset){sid, day};
    ts->dused++;
    return 0;
}

int eg__ts_mark_dirty(struct eg_ts *ts, int64_t sid, int64_t day, struct eg_err *err)
{
    return exec_sid_day(ts,
                        "INSERT INTO ts_dirty (series_id, day) VALUES (?, ?) "
                        "ON CONFLICT (series_id, day) DO NOTHING",
                        sid, day, NULL, err);
}

/* Marks (sid, day) dirty unless this handle knows it is (see struct eg_ts). */
int eg__ts_mark_dirty_cached(struct eg_ts *ts, int64_t sid, int64_t day, struct eg_err *err)
{
    if (dset_put(ts, sid, day))
        return 0;
    return eg__ts_mark_dirty(ts, sid, day, err);
}

/* Reads the aggregation generation inside the write transaction; forgets the known marks when
   the aggregator has deleted some since. */
static int dirty_gen_check(struct eg_ts *ts, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st, "SELECT value FROM ts_meta WHERE key = 'agg_gen'", &s, err);
    if (r)
        return r;
    r = eg_stmt_step(s, err);
    int64_t g = r == 1 ? eg_stmt_int(s, 0) : -2;
    eg_stmt_done(s);
    if (r < 0)
        return r;
    if (g != ts->dgen) {
        dset_clear(ts);
        ts->dgen = g;
    }
    return 0;
}

static int cmp_last(const void *a, const void *b)
{
    const struct eg__ts_last *x = a, *y = b;
    return (x->sid > y->sid) - (x->sid < y->sid);
}

/* Writes what the batch left pending: the open days' rows (run.c), then the latest samples. */
static int flush_pending(struct eg_ts *ts, struct eg_ts_report *rep, struct eg_err *err)
{
    int r = eg__ts_runs_write(ts, ts->pend, ts->npend, rep, err);
    int sorted = 1; /* by series: batches are, a caller's single series is */
    for (size_t i = 1; i < ts->nlast && sorted; i++)
        sorted = ts->last[i - 1].sid <= ts->last[i].sid;
    if (!sorted)
        qsort(ts->last, ts->nlast, sizeof *ts->last, cmp_last);
    if (r == 0)
        r = eg__ts_latest_write(ts, ts->last, ts->nlast, err);
    ts->npend = ts->nlast = 0;
    return r;
}

/* Sorted samples of one series with unique times: closed days merged into their blocks now,
   open days queued as rows for flush_pending; the newest sample queued for ts_latest. */
static int write_series(struct eg_ts *ts, int64_t sid, const struct eg_ts_sample *s, size_t n,
                        int dirty, struct eg_ts_report *rep, struct eg_err *err)
{
    int64_t today = eg_ts_day_of(eg_ts_now(ts));
    int64_t first_open = today - (ts->open_days - 1);
    int r = 0;
    for (size_t i = 0; i < n && r == 0;) {
        int64_t day = eg_ts_day_of(s[i].t);
        size_t j = i + 1;
        while (j < n && eg_ts_day_of(s[j].t) == day)
            j++;
        /* Closed days go to their block. An open day normally has no block (only closed days
           get one), but a day that was closed under another setting may: checked for the open
           days before today; today (the ingest path) is never checked — should a clock set back
           leave rows beside a block, queries merge both (the row wins) and the next compaction
           folds them in. */
        int blocked = day < first_open;
        if (!blocked && day < today)
            r = block_exists(ts, sid, day, &blocked, err);
        if (r == 0 && blocked) {
            size_t before = rep ? rep->written + rep->replaced : 0;
            r = merge_day(ts, sid, day, s + i, j - i, rep, err);
            /* only a change makes the day's means stale (a pure retransmission does not) */
            if (r == 0 && dirty && (!rep || rep->written + rep->replaced != before))
                r = eg__ts_mark_dirty_cached(ts, sid, day, err);
        } else if (r == 0) {
            if (ts->npend + (j - i) > ts->cpend) {
                ts->cpend = (ts->npend + (j - i)) * 2;
                ts->pend = eg_realloc(ts->pend, ts->cpend * sizeof *ts->pend);
            }
            for (size_t k = i; k < j; k++)
                ts->pend[ts->npend++] =
                    (struct eg__ts_pend){sid, s[k].t, s[k].v, s[k].flag, (char)dirty};
        }
        i = j;
    }
    if (r == 0 && n > 0) {
        if (ts->nlast == ts->clast) {
            ts->clast = ts->clast ? ts->clast * 2 : 256;
            ts->last = eg_realloc(ts->last, ts->clast * sizeof *ts->last);
        }
        ts->last[ts->nlast++] = (struct eg__ts_last){sid, s[n - 1].t, s[n - 1].v, s[n - 1].flag};
    }
    return r;
}

int eg__ts_write_series(struct eg_ts *ts, int64_t sid, const struct eg_ts_sample *s, size_t n,
                        struct eg_ts_report *rep, struct eg_err *err)
{
    struct eg_ts_sample *c = eg_malloc((n ? n : 1) * sizeof *c);
    for (size_t i = 0; i < n; i++) {
        c[i] = s[i];
        if (c[i].v == 0)
            c[i].v = 0.0; /* no -0, as in batches */
    }
    ts->npend = ts->nlast = 0;
    int r = write_series(ts, sid, c, n, 0, rep, err);
    if (r == 0)
        r = flush_pending(ts, rep, err);
    ts->npend = ts->nlast = 0;
    free(c);
    return r;
}

/* ---- the batch ------------------------------------------------------------------------------- */

struct item {
    int64_t sid;
    int64_t t;
    double v;
    uint32_t seq;
    char flag;
    char dirty; /* device data aggregation reads: its hourly/daily means need recomputing */
};

static int cmp_item(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->sid != y->sid)
        return (x->sid > y->sid) - (x->sid < y->sid);
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sorts by (series, time, seq). Series ids are dense, so when their range is not much larger
   than the batch: a counting sort by series (stable: seq order kept), then an insertion sort by
   time inside each series (a few points each, nearly always in order already); a 60,000-point
   fold sorted 6x faster than with qsort. Otherwise qsort. */
static void sort_items(struct item **itp, size_t n)
{
    struct item *it = *itp;
    if (n < 2)
        return;
    int64_t lo = it[0].sid, hi = it[0].sid;
    for (size_t i = 1; i < n; i++) {
        lo = it[i].sid < lo ? it[i].sid : lo;
        hi = it[i].sid > hi ? it[i].sid : hi;
    }
    if ((uint64_t)(hi - lo) > 4 * (uint64_t)n + 1024) {
        qsort(it, n, sizeof *it, cmp_item);
        return;
    }
    size_t range = (size_t)(hi - lo) + 2;
    size_t *cnt = eg_calloc(range, sizeof *cnt);
    for (size_t i = 0; i < n; i++)
        cnt[(size_t)(it[i].sid - lo) + 1]++;
    for (size_t i = 1; i < range; i++)
        cnt[i] += cnt[i - 1];
    struct item *out = eg_malloc(n * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[cnt[(size_t)(it[i].sid - lo)]++] = it[i];
    free(cnt);
    for (size_t i = 1; i < n; i++) {
        if (out[i].sid != out[i - 1].sid || cmp_item(&out[i - 1], &out[i]) <= 0)
            continue;
        struct item x = out[i];
        size_t j = i;
        while (j > 0 && out[j - 1].sid == x.sid && cmp_item(&out[j - 1], &x) > 0) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = x;
    }
    free(it);
    *itp = out;
}

struct batch {
    const struct eg_ts_point *p;
    size_t n;
    unsigned flags;
    struct eg_ts_report *rep;
};

static int quarantine(struct eg_ts *ts, const struct eg_ts_point *p, const char *reason,
                      struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st,
                          "INSERT INTO ts_quarantine (source, pollutant, kind, field, t, v, flag, "
                          "reason, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                          "ON CONFLICT (source, pollutant, kind, field, t) DO NOTHING",
                          &s, err);
    if (r)
        return r;
    char f[2] = {p->flag, 0};
    eg_stmt_bind_text(s, 1, p->key.source, strlen(p->key.source));
    eg_stmt_bind_text(s, 2, p->key.pollutant, strlen(p->key.pollutant));
    eg_stmt_bind_int(s, 3, p->key.kind);
    eg_stmt_bind_text(s, 4, p->key.field, strlen(p->key.field));
    eg_stmt_bind_int(s, 5, p->t);
    eg_stmt_bind_double(s, 6, p->v);
    eg_stmt_bind_text(s, 7, f, 1);
    eg_stmt_bind_text(s, 8, reason, strlen(reason));
    eg_stmt_bind_int(s, 9, eg_ts_now(ts));
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

static int batch_run(struct eg_ts *ts, void *arg, struct eg_err *err)
{
    struct batch *b = arg;
    struct eg_ts_report rep = {0};
    int64_t now = eg_ts_now(ts);
    struct item *it = eg_malloc((b->n ? b->n : 1) * sizeof *it);
    size_t ni = 0;
    ts->npend = ts->nlast = 0;
    int r = dirty_gen_check(ts, err);
    if (r)
        goto out;
    for (size_t i = 0; i < b->n; i++) {
        const struct eg_ts_point *p = &b->p[i];
        int created = 0;
        int64_t sid;
        r = eg__ts_series_id(ts, &p->key, (b->flags & EG_TS_CREATE) != 0, &sid, &created, err);
        if (r) {
            if (err)
                err->offset = (long)i;
            goto out;
        }
        rep.series_created += (size_t)created;
        const char *why = NULL;
        if (p->t < EG__TS_BEFORE_2000)
            why = "time before 2000-01-01 (Beijing): device clock not set";
        else if (p->t > now + 86400)
            why = "time more than one day in the future";
        else if (ts->max_late && p->t < now - ts->max_late)
            why = "time older than the accepted lateness: device clock suspect";
        if (why) {
            r = quarantine(ts, p, why, err);
            if (r)
                goto out;
            rep.quarantined++;
            continue;
        }
        /* -0 is stored as 0: SQLite keeps an integral REAL as an integer (so a row would turn
           -0.0 into 0.0 while a block keeps it), and dedup compares bits. Real data has
           "-0.00" (the capture: 48 times). */
        double v = p->v == 0 ? 0.0 : p->v;
        /* Only the fields aggregation reads make a day's means stale: minute Avg, real-time
           Rtd, hourly Avg as sent (Min/Max/Cou/Zs* do not), which spares most dirty marks. */
        int base =
            !p->key.computed && ((p->key.kind == EG_TS_KIND_RTD && !strcmp(p->key.field, "Rtd")) ||
                                 (p->key.kind != EG_TS_KIND_RTD && p->key.kind != EG_TS_KIND_DAY &&
                                  !strcmp(p->key.field, "Avg")));
        it[ni++] = (struct item){sid, p->t, v, (uint32_t)i, p->flag, (char)base};
    }
    sort_items(&it, ni);
    struct eg_ts_sample *s = eg_malloc((ni ? ni : 1) * sizeof *s);
    for (size_t i = 0; i < ni && r == 0;) {
        size_t j = i, m = 0;
        while (j < ni && it[j].sid == it[i].sid) {
            /* same series and time twice in one batch: the later point wins */
            if (m > 0 && s[m - 1].t == it[j].t) {
                if (same_sample(s[m - 1].v, s[m - 1].flag, it[j].v, it[j].flag))
                    rep.duplicates++;
                else
                    rep.replaced++;
                s[m - 1] = (struct eg_ts_sample){it[j].t, it[j].v, it[j].flag};
            } else {
                s[m++] = (struct eg_ts_sample){it[j].t, it[j].v, it[j].flag};
            }
            j++;
        }
        r = write_series(ts, it[i].sid, s, m, it[i].dirty, &rep, err);
        i = j;
    }
    if (r == 0)
        r = flush_pending(ts, &rep, err);
    ts->npend = ts->nlast = 0;
    free(s);
out:
    free(it);
    if (r == 0 && b->rep) {
        b->rep->written += rep.written;
        b->rep->duplicates += rep.duplicates;
        b->rep->replaced += rep.replaced;
        b->rep->quarantined += rep.quarantined;
        b->rep->series_created += rep.series_created;
    }
    return r;
}

int eg_ts_write_batch(struct eg_ts *ts, const struct eg_ts_point *p, size_t n, unsigned flags,
                      struct eg_ts_report *rep, struct eg_err *err)
{
    /* Validate everything before touching the database: nothing half-written. */
    for (size_t i = 0; i < n; i++) {
        int r = eg__ts_key_check(&p[i].key, err);
        if (r) {
            if (err)
                err->offset = (long)i;
            return r;
        }
        if (!isfinite(p[i].v))
            return eg_err_set(err, EG_EINVAL, "not_finite", (long)i,
                              "point %zu (%s/%s): value is not a finite number (NaN or infinity)",
                              i, p[i].key.source, p[i].key.pollutant);
        if (p[i].flag < 'A' || p[i].flag > 'Z')
            return eg_err_set(err, EG_EINVAL, "bad_flag", (long)i,
                              "point %zu (%s/%s): data flag must be an HJ 212 letter (N F M S D C "
                              "T B)",
                              i, p[i].key.source, p[i].key.pollutant);
        if (p[i].t < -((int64_t)1 << 40) || p[i].t > ((int64_t)1 << 40))
            return eg_err_set(err, EG_EINVAL, "bad_time", (long)i,
                              "point %zu: time %lld is out of range", i, (long long)p[i].t);
    }
    struct batch b = {p, n, flags, rep};
    if ((flags & EG_TS_NO_SAVEPOINT) && eg_db_in_tx(ts->st)) {
        int r = batch_run(ts, &b, err);
        if (r)
            eg__ts_cache_clear(ts); /* the caller rolls back: ids created here are gone */
        return r;
    }
    return eg__ts_tx(ts, batch_run, &b, err);
}

/* ---- compaction ------------------------------------------------------------------------------ */

/* A unit of compaction: the rows of one group of 16 series in one closed day (ids[0..n)). */
struct compact_unit {
    const int64_t *ids;
    size_t n;
};

struct compact_chunk {
    const struct compact_unit *u;
    size_t n, done;  /* units */
    size_t days;     /* series-days compacted */
    int first;       /* first per-day failure (EG_EINVAL, EG_ETOOBIG): the day kept as rows */
    struct eg_err e; /* its message */
};

/* One group-day: every series' samples go into its block; a series whose block cannot be
   merged (unreadable, too big) keeps its samples in the rows and is reported. */
static int compact_unit(struct eg_ts *ts, const struct compact_unit *u, struct compact_chunk *k,
                        struct eg_err *err)
{
    struct eg__ts_pend *all = NULL, *keep = NULL;
    size_t na = 0, ca = 0, nk = 0, ck = 0;
    int r = 0;
    for (size_t i = 0; i < u->n && r == 0; i++) {
        ts->nrbuf = 0;
        struct eg_err e;
        r = eg__ts_run_load(ts, u->ids[i], &e);
        if (r == EG_EINVAL) { /* a damaged row: the group-day stays as it is, reported */
            eg_log(EG_LOG_ERROR, "ts: compaction skipped: %s", e.msg);
            if (!k->first) {
                k->first = r;
                k->e = e;
            }
            free(all);
            return 0;
        }
        if (r && err)
            *err = e;
        for (size_t j = 0; r == 0 && j < ts->nrbuf; j++) {
            if (na == ca) {
                ca = ca ? ca * 2 : 1024;
                all = eg_realloc(all, ca * sizeof *all);
            }
            all[na++] = ts->rbuf[j];
        }
    }
    /* rows come in bucket order, each ordered by series: a stable pass by series keeps time
       order (insertion sort would be quadratic; counting by the 16 sub-ids instead) */
    struct eg__ts_pend *bys = eg_malloc((na ? na : 1) * sizeof *bys);
    size_t cnt[17] = {0};
    for (size_t i = 0; i < na; i++)
        cnt[(all[i].sid & 15) + 1]++;
    for (int i = 1; i < 17; i++)
        cnt[i] += cnt[i - 1];
    for (size_t i = 0; i < na; i++)
        bys[cnt[all[i].sid & 15]++] = all[i];
    int64_t day = na ? eg_ts_day_of(bys[0].t) : 0;
    struct eg_ts_sample *one = eg_malloc((na ? na : 1) * sizeof *one);
    for (size_t i = 0; i < na && r == 0;) {
        size_t j = i;
        while (j < na && bys[j].sid == bys[i].sid) {
            one[j - i] = (struct eg_ts_sample){bys[j].t, bys[j].v, bys[j].flag};
            j++;
        }
        struct eg_err e;
        int rj = merge_block(ts, bys[i].sid, day, NULL, 0, one, j - i, NULL, &e);
        if (rj == 0) {
            k->days++;
        } else if (rj == EG_EINVAL || rj == EG_ETOOBIG) {
            eg_log(EG_LOG_ERROR, "ts: compaction of series %lld day %lld skipped: %s",
                   (long long)bys[i].sid, (long long)day, e.msg);
            if (!k->first) {
                k->first = rj;
                k->e = e;
            }
            for (size_t q = i; q < j; q++) {
                if (nk == ck) {
                    ck = ck ? ck * 2 : 64;
                    keep = eg_realloc(keep, ck * sizeof *keep);
                }
                keep[nk++] = bys[q];
            }
        } else {
            if (err)
                *err = e;
            r = rj;
        }
        i = j;
    }
    /* the rows: deleted, or rewritten with only what could not be compacted */
    if (ts->cobuf < nk) {
        ts->cobuf = nk;
        ts->obuf = eg_realloc(ts->obuf, ts->cobuf * sizeof *ts->obuf);
    }
    for (size_t i = 0; i < u->n && r == 0; i++) {
        int64_t b = u->ids[i] >> 32;
        size_t m = 0;
        for (size_t q = 0; q < nk; q++)
            if (eg__ts_run_bucket(keep[q].t) == b)
                ts->obuf[m++] = keep[q];
        r = eg__ts_run_store(ts, u->ids[i], ts->obuf, m, err);
    }
    free(all);
    free(bys);
    free(one);
    free(keep);
    return r;
}

/* Holding the write lock blocks the ingest writer's acknowledging commits (issue 11: ack p99):
   a compaction transaction stops after EG__TS_HOLD_NS, and eg__ts_yield lets waiting writers
   in between transactions. */
static int compact_run(struct eg_ts *ts, void *arg, struct eg_err *err)
{
    struct compact_chunk *k = arg;
    int r = 0;
    uint64_t t0 = eg_nanos();
    k->done = k->days = 0;
    k->first = 0;
    for (size_t i = 0; i < k->n && r == 0; i++) {
        r = compact_unit(ts, &k->u[i], k, err);
        k->done = i + 1;
        if (eg_nanos() - t0 > EG__TS_HOLD_NS)
            break;
    }
    return r;
}

void eg__ts_yield(struct eg_ts *ts)
{
    uint64_t now = eg_nanos();
    if (now - ts->held_since < EG__TS_HOLD_NS)
        return;
    struct timespec pause = {0, 2000000}; /* 2 ms: a writer polling every 1 ms gets in */
    nanosleep(&pause, NULL);
    ts->held_since = eg_nanos();
}

static int cmp_unit_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    /* by group, then day (bucket order within a group is time order) */
    int64_t gx = x & 0xffffffff, gy = y & 0xffffffff;
    if (gx != gy)
        return (gx > gy) - (gx < gy);
    return (x > y) - (x < y);
}

int eg_ts_compact(struct eg_ts *ts, size_t *days, struct eg_err *err)
{
    *days = 0;
    int64_t first_open = eg_ts_day_of(eg_ts_now(ts)) - (ts->open_days - 1);
    int64_t *ids = NULL;
    size_t n = 0;
    int r = eg__ts_runs_before(ts, first_open * (86400 / EG__TS_RUN_SPAN), &ids, &n, err);
    if (r) {
        free(ids);
        return r;
    }
    if (n > 1)
        qsort(ids, n, sizeof *ids, cmp_unit_id);
    struct compact_unit *units = eg_malloc((n ? n : 1) * sizeof *units);
    size_t nu = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        int64_t g = ids[i] & 0xffffffff, d = (ids[i] >> 32) / (86400 / EG__TS_RUN_SPAN);
        while (j < n && (ids[j] & 0xffffffff) == g &&
               (ids[j] >> 32) / (86400 / EG__TS_RUN_SPAN) == d)
            j++;
        units[nu++] = (struct compact_unit){ids + i, j - i};
        i = j;
    }
    /* Up to 8 group-days (128 series-days) or ~20 ms per transaction: each transaction is
       atomic, so a crash leaves every day wholly in rows or wholly in its block; grouping saves
       a commit (an fsync) per day. */
    int first = 0;
    ts->held_since = eg_nanos();
    for (size_t i = 0; i < nu && r >= 0;) {
        struct compact_chunk k = {.u = units + i, .n = nu - i < 8 ? nu - i : 8};
        eg__ts_yield(ts);
        r = eg__ts_tx(ts, compact_run, &k, err);
        if (r)
            break; /* the database itself failed: stop */
        *days += k.days;
        i += k.done;
        if (k.first && !first) {
            first = k.first;
            if (err)
                *err = k.e;
        }
    }
    free(units);
    free(ids);
    return r < 0 ? r : first;
}

/* ---- giving the freed pages back ------------------------------------------------------------ */

int eg_ts_vacuum(struct eg_ts *ts, int64_t max_pages, int64_t *freed, struct eg_err *err)
{
    *freed = 0;
    ts->held_since = eg_nanos();
    while (max_pages > *freed) {
        int64_t got = 0, left = 0;
        int64_t step = max_pages - *freed < 2048 ? max_pages - *freed : 2048;
        eg__ts_yield(ts); /* a step is a short write transaction: the ingest writer gets in */
        int r = eg_db_vacuum_step(ts->st, (int)step, &got, &left, err);
        if (r)
            return r;
        *freed += got;
        if (got == 0 || left == 0)
            break;
    }
    return 0;
}

/* ---- retention ------------------------------------------------------------------------------- */

struct retain_args {
    int64_t cutoff_day, dry;
    struct eg_ts_retain_stats *out;
};

static int q_int(struct eg_ts *ts, const char *sql, int64_t a, int64_t *v, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st, sql, &s, err);
    if (r)
        return r;
    eg_stmt_bind_int(s, 1, a);
    r = eg_stmt_step(s, err);
    *v = r == 1 ? eg_stmt_int(s, 0) : 0;
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

static int retain_run(struct eg_ts *ts, void *arg, struct eg_err *err)
{
    struct retain_args *a = arg;
    int64_t t = eg_ts_day_start(a->cutoff_day);
    /* the open-day rows of buckets before the cutoff day (buckets are Beijing-aligned) */
    int64_t rid = eg__ts_run_id(a->cutoff_day * (86400 / EG__TS_RUN_SPAN), 0);
    int r = q_int(ts, "SELECT COUNT(*) FROM ts_block WHERE day < ?", a->cutoff_day, &a->out->blocks,
                  err);
    if (r == 0)
        r = q_int(ts, "SELECT COALESCE(SUM(n), 0) FROM ts_block WHERE day < ?", a->cutoff_day,
                  &a->out->samples_in_blocks, err);
    if (r == 0)
        r = q_int(ts, "SELECT COALESCE(SUM(n), 0) FROM ts_run WHERE id < ?", rid, &a->out->rows,
                  err);
    if (r == 0)
        r = q_int(ts, "SELECT COUNT(*) FROM ts_quarantine WHERE received_at < ?", t,
                  &a->out->quarantined, err);
    if (r || a->dry)
        return r;
    static const char *const del[] = {
        "DELETE FROM ts_block WHERE day < ?", "DELETE FROM ts_run WHERE id < ?",
        "DELETE FROM ts_quarantine WHERE received_at < ?", "DELETE FROM ts_dirty WHERE day < ?"};
    for (size_t i = 0; i < EG_ARRAY_LEN(del) && r == 0; i++) {
        struct eg_stmt *s;
        r = eg_db_prepare(ts->st, del[i], &s, err);
        if (r)
            break;
        eg_stmt_bind_int(s, 1, i == 0 || i == 3 ? a->cutoff_day : i == 1 ? rid : t);
        r = eg_stmt_step(s, err);
        eg_stmt_done(s);
        r = r < 0 ? r : 0;
    }
    return r;
}

int eg_ts_retain(struct eg_ts *ts, int64_t keep_days, int dry_run, struct eg_ts_retain_stats *out,
                 struct eg_err *err)
{
    memset(out, 0, sizeof *out);
    if (keep_days < 366)
        return eg_err_set(err, EG_EINVAL, "retention_too_short", -1,
                          "keep at least 366 days (asked %lld): evaluations need a full year",
                          (long long)keep_days);
    struct retain_args a = {eg_ts_day_of(eg_ts_now(ts)) - keep_days, dry_run ? 1 : 0, out};
    return eg__ts_tx(ts, retain_run, &a, err);
}
