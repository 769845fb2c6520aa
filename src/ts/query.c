/*
 * ts_query.c: reading the time series — raw samples merged from blocks and rows (the caller
 * never knows which), downsampled buckets (avg/min/max/count, Beijing-aligned days), and the
 * latest sample of many series at once (ts_latest, one row per 16 series: run.c).
 */
#include "ts/internal.h"

#include <math.h>
#include <stdio.h>
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

/* The compacted days (ts_block) of one series that [from, to) touches, decoded a block at a
   time into one reused buffer; a block whose row count is out of range is corrupt. */
struct blocks {
    struct eg_stmt *s;
    struct eg_ts_sample *d; /* the current block's samples, d[0..n) */
    size_t n, cap;
};

static int blocks_open(struct eg_ts *ts, int64_t sid, int64_t from, int64_t to, struct blocks *b,
                       struct eg_err *err)
{
    *b = (struct blocks){0};
    int r = eg_db_prepare(ts->st,
                          "SELECT n, data FROM ts_block WHERE series_id = ? AND day >= ? AND "
                          "day <= ? ORDER BY day",
                          &b->s, err);
    if (r)
        return r;
    eg_stmt_bind_int(b->s, 1, sid);
    eg_stmt_bind_int(b->s, 2, eg_ts_day_of(from));
    eg_stmt_bind_int(b->s, 3, eg_ts_day_of(to - 1));
    return 0;
}

/* 1 with the next block in b->d[0..b->n), 0 after the last, or a negative EG_E*. */
static int blocks_next(struct blocks *b, struct eg_err *err)
{
    int r = eg_stmt_step(b->s, err);
    if (r != 1)
        return r;
    size_t len;
    int64_t want = eg_stmt_int(b->s, 0);
    const void *p = eg_stmt_blob(b->s, 1, &len);
    if (want < 1 || want > EG_TS_BLOCK_MAX_SAMPLES)
        return eg_err_set(err, EG_EINVAL, "corrupt_block", -1,
                          "corrupt time-series block: bad count %lld", (long long)want);
    if ((size_t)want > b->cap) {
        b->cap = (size_t)want;
        b->d = eg_realloc(b->d, b->cap * sizeof *b->d);
    }
    r = eg__ts_block_decode_into(p, len, b->d, b->cap, &b->n, err);
    return r ? r : 1;
}

static void blocks_close(struct blocks *b)
{
    free(b->d);
    eg_stmt_done(b->s);
}

int eg__ts_read(struct eg_ts *ts, int64_t sid, int64_t from, int64_t to, size_t limit,
                struct eg_ts_row **out, size_t *nout, struct eg_err *err)
{
    *out = NULL;
    *nout = 0;
    if (to <= from)
        return 0;
    struct rows blk = {NULL, 0, 0, limit}, raw = {NULL, 0, 0, limit};
    struct blocks bl;
    int r = blocks_open(ts, sid, from, to, &bl, err);
    if (r)
        return r;
    while ((r = blocks_next(&bl, err)) == 1) {
        const struct eg_ts_sample *d = bl.d;
        size_t n = bl.n;
        /* reserve once per block, then copy without per-sample checks */
        if (blk.n + n > blk.cap) {
            if (blk.n + n > limit) {
                r = eg_err_set(err, EG_ETOOBIG, "too_many_samples", -1,
                               "more than %zu samples in the range: narrow it or ask for buckets",
                               limit);
                break;
            }
            blk.cap = blk.cap * 2 > blk.n + n ? blk.cap * 2 : blk.n + n + 1440;
            blk.v = eg_realloc(blk.v, blk.cap * sizeof *blk.v);
        }
        size_t i = 0, e = n;
        if (d[0].t < from)
            while (i < n && d[i].t < from)
                i++;
        if (d[n - 1].t >= to)
            while (e > i && d[e - 1].t >= to)
                e--;
        struct eg_ts_row *o = blk.v + blk.n;
        for (size_t k = i; k < e; k++)
            o[k - i] = (struct eg_ts_row){d[k].t, d[k].v, d[k].flag, 0};
        blk.n += e - i;
        if (blk.n > limit) {
            r = eg_err_set(err, EG_ETOOBIG, "too_many_samples", -1,
                           "more than %zu samples in the range: narrow it or ask for buckets",
                           limit);
            break;
        }
    }
    blocks_close(&bl);
    if (r < 0)
        goto fail;
    struct eg_ts_sample *rs = NULL;
    size_t nrs = 0;
    r = eg__ts_rows_read(ts, sid, from, to, limit, &rs, &nrs, err);
    for (size_t i = 0; r == 0 && i < nrs; i++)
        r = rows_push(&raw, rs[i].t, rs[i].v, rs[i].flag, err);
    free(rs);
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

/* Buckets being filled: one division per bucket, not per sample. */
struct bucketer {
    struct eg_ts_bucket *b;
    size_t nb, cap;
    int64_t size, end;
    double sum;
};

static void bucket_close(struct bucketer *k)
{
    if (k->nb > 0 && k->b[k->nb - 1].count)
        k->b[k->nb - 1].avg = k->sum / k->b[k->nb - 1].count;
}

static inline void bucket_add(struct bucketer *k, int64_t t, double v, int valid)
{
    if (t >= k->end || k->nb == 0) {
        bucket_close(k);
        int64_t bt = bucket_of(t, k->size);
        k->end = bt + k->size;
        if (k->nb == k->cap) {
            k->cap = k->cap ? k->cap * 2 : 64;
            k->b = eg_realloc(k->b, k->cap * sizeof *k->b);
        }
        k->b[k->nb++] = (struct eg_ts_bucket){bt, NAN, NAN, NAN, 0, 0};
        k->sum = 0;
    }
    struct eg_ts_bucket *x = &k->b[k->nb - 1];
    x->total++;
    if (!valid)
        return;
    if (x->count == 0 || v < x->min)
        x->min = v;
    if (x->count == 0 || v > x->max)
        x->max = v;
    x->count++;
    k->sum += v;
}

static int exists(struct eg_ts *ts, const char *sql, int64_t id, const char *a, const char *b,
                  int64_t from, int64_t to, int *yes, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st, sql, &s, err);
    if (r)
        return r;
    int i = 1;
    if (a) {
        eg_stmt_bind_text(s, i++, a, strlen(a));
        eg_stmt_bind_text(s, i++, b, strlen(b));
    } else {
        eg_stmt_bind_int(s, i++, id);
    }
    eg_stmt_bind_int(s, i++, from);
    eg_stmt_bind_int(s, i++, to);
    r = eg_stmt_step(s, err);
    *yes = r == 1;
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

/* The fast path of a bucketed query: when the range has no rows (only blocks), no declared
   window and (reviewed tier) no review, validity is the flag alone, so blocks are folded into
   buckets as they are decoded, without building the whole sample array (a year of minute
   data is 12 MB of samples otherwise walked four times). *done = 0 when it does not apply. */
static int buckets_streamed(struct eg_ts *ts, int64_t sid, int64_t from, int64_t to, int tier,
                            struct bucketer *k, int *done, struct eg_err *err)
{
    char source[65], pollutant[65], field[65];
    int kind, computed, yes = 0;
    *done = 0;
    int r = eg__ts_series_key(ts, sid, source, pollutant, &kind, field, &computed, err);
    if (r == 0) {
        struct eg_ts_sample *rs = NULL;
        size_t nrs = 0;
        r = eg__ts_rows_read(ts, sid, from, to, 1, &rs, &nrs, err);
        if (r == EG_ETOOBIG) /* more than one: there are rows */
            r = 0, nrs = 1;
        yes = nrs > 0;
        free(rs);
    }
    if (r == 0 && !yes)
        r = exists(ts,
                   "SELECT 1 FROM ts_abnormal WHERE source = ? AND (pollutant IS NULL OR "
                   "pollutant = ?) AND t_to > ? AND t_from < ? LIMIT 1",
                   0, source, pollutant, from, to, &yes, err);
    if (r == 0 && !yes && tier == EG_TS_REVIEWED)
        r = exists(ts,
                   "SELECT 1 FROM ts_review WHERE series_id = ? AND t_to > ? AND t_from < ? "
                   "LIMIT 1",
                   sid, NULL, NULL, from, to, &yes, err);
    if (r || yes)
        return r;
    struct blocks bl;
    if ((r = blocks_open(ts, sid, from, to, &bl, err)))
        return r;
    while ((r = blocks_next(&bl, err)) == 1)
        for (size_t i = 0; i < bl.n; i++)
            if (bl.d[i].t >= from && bl.d[i].t < to)
                bucket_add(k, bl.d[i].t, bl.d[i].v, bl.d[i].flag == 'N');
    blocks_close(&bl);
    if (r < 0)
        return r;
    *done = 1;
    return 0;
}

int eg_ts_query_buckets(struct eg_ts *ts, const struct eg_ts_key *key, int64_t from, int64_t to,
                        int64_t bucket_s, int tier, struct eg_ts_bucket **out, size_t *nout,
                        struct eg_err *err)
{
    *out = NULL;
    *nout = 0;
    if (bucket_s != 60 && bucket_s != 3600 && bucket_s != 86400)
        return eg_err_set(err, EG_EINVAL, "bad_bucket", -1, "bucket must be 1m, 1h or 1d");
    if (to <= from)
        return eg_err_set(err, EG_EINVAL, "bad_range", -1, "the range is empty: to <= from");
    int64_t sid;
    int r = eg_ts_series_find(ts, key, &sid, err);
    if (r)
        return r;
    struct bucketer k = {NULL, 0, 0, bucket_s, INT64_MIN, 0};
    int done = 0;
    r = buckets_streamed(ts, sid, from, to, tier, &k, &done, err);
    if (r == 0 && !done) {
        struct eg_ts_row *rows;
        size_t n;
        /* A year of one-second data is the most a bucketed query reads. */
        r = eg__ts_read(ts, sid, from, to, (size_t)40000000, &rows, &n, err);
        if (r == 0)
            r = eg__ts_apply_marks(ts, sid, rows, n, tier, err);
        for (size_t i = 0; r == 0 && i < n; i++)
            bucket_add(&k, rows[i].t, rows[i].v, (rows[i].mark & EG_TS_MARK_VALID) != 0);
        free(rows);
    }
    if (r) {
        free(k.b);
        return r;
    }
    bucket_close(&k);
    *out = k.b;
    *nout = k.nb;
    return 0;
}

/* latest_scan's table of requested keys (open addressing, FNV-1a of the key text). */
struct slot {
    char *key;
    size_t idx, next; /* chain of requests with the same key: index + 1, 0 ends */
};

/* The slot holding KEY (len bytes), or the empty slot where it would go. */
static size_t slot_find(const struct slot *tab, size_t cap, const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t k = 0; k < len; k++)
        h = (h ^ (unsigned char)key[k]) * 1099511628211ull;
    size_t j = h & (cap - 1);
    while (tab[j].key && strcmp(tab[j].key, key))
        j = (j + 1) & (cap - 1);
    return j;
}

/* Many keys: one pass over ts_latest and ts_series matching rows against a hash of the
   requested keys is cheaper than one indexed lookup per key (and needs no id lookups). */
static int latest_scan(struct eg_ts *ts, const struct eg_ts_key *keys, size_t n,
                       struct eg_ts_row *out, int *found, struct eg_err *err)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    struct slot *tab = eg_calloc(cap, sizeof *tab);
    size_t *dup_next = eg_calloc(n, sizeof *dup_next);
    char buf[EG__TS_KEYBUF];
    for (size_t i = 0; i < n; i++) {
        found[i] = 0;
        memset(&out[i], 0, sizeof out[i]);
        if (eg__ts_key_check(&keys[i], NULL))
            continue;
        size_t len = eg__ts_key_text(&keys[i], buf, sizeof buf);
        size_t j = slot_find(tab, cap, buf, len);
        if (!tab[j].key) {
            tab[j].key = eg_strndup(buf, len);
            tab[j].idx = i + 1;
        } else { /* the same key asked twice: chain it */
            dup_next[i] = tab[j].next;
            tab[j].next = i + 1;
        }
    }
    /* every latest sample (ordered by series), merged with the series list (ordered by id) */
    struct eg__ts_pend *lv = NULL;
    size_t nl = 0, li = 0;
    int r = eg__ts_latest_all(ts, &lv, &nl, err);
    struct eg_stmt *s = NULL;
    if (r == 0)
        r = eg_db_prepare(ts->st,
                          "SELECT id, source, pollutant, kind, field, computed FROM ts_series "
                          "ORDER BY id",
                          &s, err);
    while (r == 0 && li < nl && (r = eg_stmt_step(s, err)) == 1) {
        r = 0;
        int64_t id = eg_stmt_int(s, 0);
        while (li < nl && lv[li].sid < id)
            li++;
        if (li >= nl || lv[li].sid != id)
            continue;
        size_t l1, l2, l4;
        const char *src = eg_stmt_text(s, 1, &l1), *pol = eg_stmt_text(s, 2, &l2);
        const char *fld = eg_stmt_text(s, 4, &l4);
        if (l1 > 64 || l2 > 16 || l4 > 8 || !src || !pol || !fld)
            continue;
        char a[65], b2[17], c[9];
        memcpy(a, src, l1);
        a[l1] = '\0';
        memcpy(b2, pol, l2);
        b2[l2] = '\0';
        memcpy(c, fld, l4);
        c[l4] = '\0';
        struct eg_ts_key rk = {a, b2, (int)eg_stmt_int(s, 3), c, (int)eg_stmt_int(s, 5)};
        size_t j = slot_find(tab, cap, buf, eg__ts_key_text(&rk, buf, sizeof buf));
        if (tab[j].key) {
            struct eg_ts_row row = {lv[li].t, lv[li].v, lv[li].flag, 0};
            size_t i = tab[j].idx - 1;
            out[i] = row;
            found[i] = 1;
            for (size_t d = tab[j].next; d; d = dup_next[d - 1]) {
                out[d - 1] = row;
                found[d - 1] = 1;
            }
        }
    }
    if (r == 1)
        r = 0;
    if (s)
        eg_stmt_done(s);
    free(lv);
    for (size_t j = 0; j < cap; j++)
        free(tab[j].key);
    free(tab);
    free(dup_next);
    return r;
}

int eg_ts_latest(struct eg_ts *ts, const struct eg_ts_key *keys, size_t n, struct eg_ts_row *out,
                 int *found, struct eg_err *err)
{
    if (n >= 256)
        return latest_scan(ts, keys, n, out, found, err);
    for (size_t i = 0; i < n; i++) {
        int64_t sid;
        found[i] = 0;
        memset(&out[i], 0, sizeof out[i]);
        if (eg__ts_key_check(&keys[i], NULL) || eg__ts_series_id(ts, &keys[i], 0, &sid, NULL, NULL))
            continue;
        int r = eg__ts_latest_get(ts, sid, &out[i], &found[i], err);
        if (r)
            return r;
    }
    return 0;
}
