/*
 * ts_query.c: reading the time series — raw samples merged from blocks and rows (the caller
 * never knows which), downsampled buckets (avg/min/max/count, Beijing-aligned days), and the
 * latest sample of many series at once (for maps: one indexed lookup per series on ts_series).
 */
#include "store/ts_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct rows {
    struct eg_ts_row *v;
    size_t n, cap, limit;
};

static int rows_push(struct rows *r, int64_t t, double v, char flag, struct eg_err *err)
{
    if (r->n >= r->limit)
        return eg_err_set(err, EG_ETOOBIG, "too_many_samples", -1,
                          "more than %zu samples in the range: narrow it or ask for buckets",
                          r->limit);
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        r->v = eg_realloc(r->v, r->cap * sizeof *r->v);
    }
    r->v[r->n++] = (struct eg_ts_row){t, v, flag, 0};
    return 0;
}

int eg__ts_read(struct eg_ts *ts, int64_t sid, int64_t from, int64_t to, size_t limit,
                struct eg_ts_row **out, size_t *nout, struct eg_err *err)
{
    *out = NULL;
    *nout = 0;
    if (to <= from)
        return 0;
    struct rows blk = {NULL, 0, 0, limit}, raw = {NULL, 0, 0, limit};
    struct eg_stmt *s;
    int r = eg_store_prepare(ts->st,
                             "SELECT data FROM ts_block WHERE series_id = ? AND day >= ? AND "
                             "day <= ? ORDER BY day",
                             &s, err);
    if (r)
        return r;
    eg_stmt_bind_int(s, 1, sid);
    eg_stmt_bind_int(s, 2, eg_ts_day_of(from));
    eg_stmt_bind_int(s, 3, eg_ts_day_of(to - 1));
    while (r == 0 && (r = eg_stmt_step(s, err)) == 1) {
        size_t len, n;
        const void *p = eg_stmt_blob(s, 0, &len);
        struct eg_ts_sample *d;
        r = eg_ts_block_decode(p, len, EG_TS_BLOCK_MAX_SAMPLES, &d, &n, err);
        for (size_t i = 0; r == 0 && i < n; i++)
            if (d[i].t >= from && d[i].t < to)
                r = rows_push(&blk, d[i].t, d[i].v, d[i].flag, err);
        free(d);
    }
    eg_stmt_done(s);
    if (r < 0)
        goto fail;
    r = eg_store_prepare(ts->st,
                         "SELECT t, v, flag FROM ts_raw WHERE series_id = ? AND t >= ? AND t < ? "
                         "ORDER BY t",
                         &s, err);
    if (r)
        goto fail;
    eg_stmt_bind_int(s, 1, sid);
    eg_stmt_bind_int(s, 2, from);
    eg_stmt_bind_int(s, 3, to);
    while ((r = eg_stmt_step(s, err)) == 1) {
        r = rows_push(&raw, eg_stmt_int(s, 0), eg_stmt_double(s, 1), (char)eg_stmt_int(s, 2), err);
        if (r)
            break;
    }
    eg_stmt_done(s);
    if (r < 0)
        goto fail;
    if (raw.n == 0) {
        *out = blk.v;
        *nout = blk.n;
        free(raw.v);
        return 0;
    }
    if (blk.n == 0) {
        *out = raw.v;
        *nout = raw.n;
        return 0;
    }
    /* Both: merge (a row of a day that also has a block is the newer write and wins). */
    struct rows m = {NULL, 0, 0, limit};
    size_t i = 0, j = 0;
    r = 0;
    while (r == 0 && (i < blk.n || j < raw.n)) {
        if (j >= raw.n || (i < blk.n && blk.v[i].t < raw.v[j].t)) {
            r = rows_push(&m, blk.v[i].t, blk.v[i].v, blk.v[i].flag, err);
            i++;
        } else {
            if (i < blk.n && blk.v[i].t == raw.v[j].t)
                i++;
            r = rows_push(&m, raw.v[j].t, raw.v[j].v, raw.v[j].flag, err);
            j++;
        }
    }
    free(blk.v);
    free(raw.v);
    if (r) {
        free(m.v);
        return r;
    }
    *out = m.v;
    *nout = m.n;
    return 0;
fail:
    free(blk.v);
    free(raw.v);
    return r;
}

int eg_ts_query(struct eg_ts *ts, const struct eg_ts_key *key, int64_t from, int64_t to, int tier,
                size_t limit, struct eg_ts_row **out, size_t *n, struct eg_err *err)
{
    *out = NULL;
    *n = 0;
    int64_t sid;
    int r = eg_ts_series_find(ts, key, &sid, err);
    if (r)
        return r;
    if (to <= from)
        return eg_err_set(err, EG_EINVAL, "bad_range", -1, "the range is empty: to <= from");
    r = eg__ts_read(ts, sid, from, to, limit, out, n, err);
    if (r == 0)
        r = eg__ts_apply_marks(ts, sid, *out, *n, tier, err);
    if (r) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return r;
}

/* Bucket start of t for a bucket of b seconds aligned to Beijing midnight. */
static int64_t bucket_of(int64_t t, int64_t b)
{
    int64_t s = t + EG_BEIJING_OFFSET;
    int64_t q = s >= 0 ? s / b : -((-s + b - 1) / b);
    return q * b - EG_BEIJING_OFFSET;
}

int eg_ts_query_buckets(struct eg_ts *ts, const struct eg_ts_key *key, int64_t from, int64_t to,
                        int64_t bucket_s, int tier, struct eg_ts_bucket **out, size_t *nout,
                        struct eg_err *err)
{
    *out = NULL;
    *nout = 0;
    if (bucket_s != 60 && bucket_s != 3600 && bucket_s != 86400)
        return eg_err_set(err, EG_EINVAL, "bad_bucket", -1, "bucket must be 1m, 1h or 1d");
    struct eg_ts_row *rows;
    size_t n;
    /* A year of one-second data is the most a bucketed query reads. */
    int r = eg_ts_query(ts, key, from, to, tier, (size_t)40000000, &rows, &n, err);
    if (r)
        return r;
    struct eg_ts_bucket *b = NULL;
    size_t nb = 0, cap = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t bt = bucket_of(rows[i].t, bucket_s);
        if (nb == 0 || b[nb - 1].t != bt) {
            if (nb > 0 && b[nb - 1].count)
                b[nb - 1].avg = sum / b[nb - 1].count;
            if (nb == cap) {
                cap = cap ? cap * 2 : 64;
                b = eg_realloc(b, cap * sizeof *b);
            }
            b[nb++] = (struct eg_ts_bucket){bt, NAN, NAN, NAN, 0, 0};
            sum = 0;
        }
        struct eg_ts_bucket *x = &b[nb - 1];
        x->total++;
        if (!(rows[i].mark & EG_TS_MARK_VALID))
            continue;
        double v = rows[i].v;
        if (x->count == 0 || v < x->min)
            x->min = v;
        if (x->count == 0 || v > x->max)
            x->max = v;
        x->count++;
        sum += v;
    }
    if (nb > 0 && b[nb - 1].count)
        b[nb - 1].avg = sum / b[nb - 1].count;
    free(rows);
    *out = b;
    *nout = nb;
    return 0;
}

int eg_ts_latest(struct eg_ts *ts, const struct eg_ts_key *keys, size_t n, struct eg_ts_row *out,
                 int *found, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_store_prepare(ts->st, "SELECT last_t, last_v, last_flag FROM ts_series WHERE id = ?",
                             &s, err);
    if (r)
        return r;
    for (size_t i = 0; i < n; i++) {
        int64_t sid;
        found[i] = 0;
        memset(&out[i], 0, sizeof out[i]);
        if (eg__ts_key_check(&keys[i], NULL) || eg__ts_series_id(ts, &keys[i], 0, &sid, NULL, NULL))
            continue;
        eg_stmt_bind_int(s, 1, sid);
        r = eg_stmt_step(s, err);
        if (r == 1 && !eg_stmt_is_null(s, 0)) {
            size_t l;
            const char *f = eg_stmt_text(s, 2, &l);
            out[i] = (struct eg_ts_row){eg_stmt_int(s, 0), eg_stmt_double(s, 1),
                                        f && l ? f[0] : 'N', 0};
            found[i] = 1;
        }
        eg_stmt_done(s);
        if (r < 0)
            return r;
        r = 0;
    }
    return 0;
}
