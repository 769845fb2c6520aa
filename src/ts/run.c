/*
 * run.c: the open days' samples (ts_run, migration 103): one row per (10-minute Beijing bucket,
 * group of 16 series ids) holding every sample of those series in that bucket, so a fold that
 * gives 15,000 series a few points each writes ~1,000 adjacent rows (issue 11 item 1). The row
 * codec, and every statement on ts_run: read and write a row, a series' samples over a range,
 * taking a series' day out (into its block), the compaction's listing, the test view.
 *
 * Row format (binary, version 1): byte 0x01, then per series of the group present in the row,
 * in increasing id order: byte (series id & 15), varint n >= 1, then n samples in increasing
 * time: varint dt (the first from the bucket's start, < 600; then from the previous sample,
 * >= 1), byte (flag - 'A') | mode << 5, value. mode 0-5: the value is integer / 10^mode (checked
 * bit-exact when encoding), stored as a zigzag varint; mode 7: the 8 bytes of the double. HJ 212
 * values are short decimals (N14.2), so a sample is ~4 bytes.
 * Legacy rows (carried over from ts_raw by migration 103) are text "series t value flag;...",
 * read the same way and written back in binary when they change.
 * Decoding checks every length, count, order, flag and value, so a damaged row is an error
 * (corrupt_rows), never a crash or a wrong sample (fuzz/ts_run.c).
 */
#include "db/db.h"
#include "ts/internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RUN_VERSION 1
#define RUN_RAW 7

static const double p10[6] = {1, 10, 100, 1000, 1e4, 1e5};

int64_t eg__ts_run_bucket(int64_t t)
{
    int64_t s = t + EG_BEIJING_OFFSET;
    return s >= 0 ? s / EG__TS_RUN_SPAN : -((-s + EG__TS_RUN_SPAN - 1) / EG__TS_RUN_SPAN);
}

static int64_t bucket_start(int64_t b)
{
    return b * EG__TS_RUN_SPAN - EG_BEIJING_OFFSET;
}

int64_t eg__ts_run_id(int64_t bucket, int64_t sid)
{
    return (int64_t)((uint64_t)bucket << 32) | (sid >> 4);
}

/* ---- codec ----------------------------------------------------------------------------------- */

static void put_uv(struct eg_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t i = 0;
    while (v >= 0x80) {
        tmp[i++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[i++] = (uint8_t)v;
    eg_buf_append(b, tmp, i);
}

static uint64_t get_uv(const uint8_t *p, size_t len, size_t *pos, int *bad)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= len)
            break;
        uint8_t c = p[(*pos)++];
        if (shift == 63 && c > 1)
            break;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    *bad = 1;
    return 0;
}

/* The decimal mode of v (0-5) with its integer, or RUN_RAW. */
static int value_mode(double v, int64_t *iv)
{
    for (int m = 0; m < 6; m++) {
        double x = v * p10[m];
        if (!(fabs(x) < 4.5e15))
            return RUN_RAW;
        double r = nearbyint(x);
        if (r == x || fabs(r - x) < 1e-6 * p10[m]) {
            int64_t i = (int64_t)r;
            double back = (double)i / p10[m];
            if (memcmp(&back, &v, sizeof v) == 0) {
                *iv = i;
                return m;
            }
        }
    }
    return RUN_RAW;
}

void eg__ts_run_encode(const struct eg__ts_pend *s, size_t n, int64_t bucket, struct eg_buf *out)
{
    out->len = 0;
    eg_buf_reserve(out, 1 + n * 6);
    uint8_t ver = RUN_VERSION;
    eg_buf_append(out, &ver, 1);
    int64_t t0 = bucket_start(bucket);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j].sid == s[i].sid)
            j++;
        uint8_t sub = (uint8_t)(s[i].sid & 15);
        eg_buf_append(out, &sub, 1);
        put_uv(out, (uint64_t)(j - i));
        int64_t prev = t0;
        for (size_t k = i; k < j; k++) {
            put_uv(out, (uint64_t)(s[k].t - prev));
            prev = s[k].t;
            int64_t iv = 0;
            int m = value_mode(s[k].v, &iv);
            uint8_t fm = (uint8_t)((s[k].flag - 'A') | m << 5);
            eg_buf_append(out, &fm, 1);
            if (m == RUN_RAW) {
                eg_buf_append(out, &s[k].v, sizeof s[k].v);
            } else {
                put_uv(out, ((uint64_t)iv << 1) ^ (uint64_t)(iv >> 63));
            }
        }
        i = j;
    }
}

static int corrupt(struct eg_err *err, int64_t id, const char *what)
{
    return eg_err_set(err, EG_EINVAL, "corrupt_rows", -1,
                      "time-series rows %lld (bucket %lld, series group %lld) are damaged: %s",
                      (long long)id, (long long)(id >> 32), (long long)(id & 0xffffffff), what);
}

static void push(struct eg__ts_pend **v, size_t *n, size_t *cap, struct eg__ts_pend x)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *v = eg_realloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = x;
}

static int cmp_pend(const void *a, const void *b)
{
    const struct eg__ts_pend *x = a, *y = b;
    if (x->sid != y->sid)
        return (x->sid > y->sid) - (x->sid < y->sid);
    return (x->t > y->t) - (x->t < y->t);
}

/* The text form of migration 103: "series t value flag;...", any order. */
static int decode_text(const char *p, size_t len, int64_t id, struct eg__ts_pend **v, size_t *n,
                       size_t *cap, struct eg_err *err)
{
    size_t first = *n;
    char tmp[128];
    if (len == 0 || p[len - 1] == ';')
        return corrupt(err, id, "bad text item");
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && p[j] != ';')
            j++;
        if (j - i == 0 || j - i >= sizeof tmp)
            return corrupt(err, id, "bad text item");
        memcpy(tmp, p + i, j - i);
        tmp[j - i] = '\0';
        char *e;
        errno = 0;
        long long sid = strtoll(tmp, &e, 10);
        long long t = *e == ' ' ? strtoll(e + 1, &e, 10) : 0;
        double val = *e == ' ' ? strtod(e + 1, &e) : NAN;
        long long fl = *e == ' ' ? strtoll(e + 1, &e, 10) : 0;
        if (*e || errno || sid < 1 || fl < 'A' || fl > 'Z' || !isfinite(val))
            return corrupt(err, id, "bad text item");
        push(v, n, cap,
             (struct eg__ts_pend){.sid = sid, .t = t, .v = val == 0 ? 0.0 : val, .flag = (char)fl});
        i = j + 1;
    }
    qsort(*v + first, *n - first, sizeof **v, cmp_pend);
    return 0;
}

int eg__ts_run_decode(const void *data, size_t len, int64_t id, struct eg__ts_pend **v, size_t *n,
                      size_t *cap, struct eg_err *err)
{
    const uint8_t *p = data;
    size_t first = *n;
    int64_t grp = id & 0xffffffff, b = id >> 32, t0 = bucket_start(b);
    int r = 0;
    if (len == 0 || !p)
        return corrupt(err, id, "empty");
    if (p[0] >= '0' && p[0] <= '9')
        r = decode_text(data, len, id, v, n, cap, err);
    else if (p[0] != RUN_VERSION)
        return corrupt(err, id, "unknown version");
    else {
        size_t pos = 1;
        int bad = 0, last_sub = -1;
        while (pos < len && !bad) {
            int sub = p[pos++];
            if (sub > 15 || sub <= last_sub)
                return corrupt(err, id, "series out of order");
            last_sub = sub;
            uint64_t k = get_uv(p, len, &pos, &bad);
            if (bad || k == 0 || k > (len - pos) / 2)
                return corrupt(err, id, "bad count");
            int64_t prev = t0;
            for (uint64_t q = 0; q < k && !bad; q++) {
                uint64_t dt = get_uv(p, len, &pos, &bad);
                if (bad || dt >= EG__TS_RUN_SPAN || (q > 0 && dt == 0))
                    return corrupt(err, id, "bad time");
                prev += (int64_t)dt;
                if (pos >= len)
                    return corrupt(err, id, "truncated");
                int fm = p[pos++];
                int m = fm >> 5, fl = (fm & 31) + 'A';
                if (fl > 'Z' || (m > 5 && m != RUN_RAW))
                    return corrupt(err, id, "bad flag");
                double val;
                if (m == RUN_RAW) {
                    if (len - pos < sizeof val)
                        return corrupt(err, id, "truncated");
                    memcpy(&val, p + pos, sizeof val);
                    pos += sizeof val;
                } else {
                    uint64_t u = get_uv(p, len, &pos, &bad);
                    int64_t iv = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
                    val = (double)iv / p10[m];
                }
                if (bad || !isfinite(val))
                    return corrupt(err, id, "bad value");
                push(v, n, cap,
                     (struct eg__ts_pend){
                         .sid = (grp << 4) | sub, .t = prev, .v = val, .flag = (char)fl});
            }
        }
        if (bad)
            return corrupt(err, id, "truncated");
    }
    if (r)
        return r;
    /* every sample in this row's bucket and group, strictly ordered by (series, time) */
    for (size_t i = first; i < *n; i++) {
        const struct eg__ts_pend *x = &(*v)[i];
        if (x->sid >> 4 != grp || x->t < t0 || x->t >= t0 + EG__TS_RUN_SPAN)
            return corrupt(err, id, "sample outside its row");
        if (i > first && cmp_pend(&(*v)[i - 1], x) >= 0)
            return corrupt(err, id, "samples out of order");
    }
    return 0;
}

/* ---- statements ------------------------------------------------------------------------------ */

/* Reads row id into ts->rbuf (appending); *found = 0 when absent. */
static int row_read(struct eg_ts *ts, int64_t id, int *found, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st, "SELECT n, data FROM ts_run WHERE id = ?", &s, err);
    if (r)
        return r;
    eg_stmt_bind_int(s, 1, id);
    r = eg_stmt_step(s, err);
    *found = r == 1;
    if (r == 1) {
        size_t len, before = ts->nrbuf;
        int64_t want = eg_stmt_int(s, 0);
        const void *p = eg_stmt_blob(s, 1, &len);
        r = eg__ts_run_decode(p, len, id, &ts->rbuf, &ts->nrbuf, &ts->crbuf, err);
        if (r == 0 && (int64_t)(ts->nrbuf - before) != want) /* a cut at a series' end */
            r = corrupt(err, id, "sample count differs from the row's n");
    }
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

/* Replaces row id by s[0..n) (all in its bucket and group, ordered), or deletes it when n = 0. */
static int row_write(struct eg_ts *ts, int64_t id, const struct eg__ts_pend *s, size_t n,
                     struct eg_err *err)
{
    struct eg_stmt *st;
    int r;
    if (n == 0) {
        r = eg_db_prepare(ts->st, "DELETE FROM ts_run WHERE id = ?", &st, err);
        if (r)
            return r;
        eg_stmt_bind_int(st, 1, id);
    } else {
        eg__ts_run_encode(s, n, id >> 32, &ts->enc);
        r = eg_db_prepare(ts->st,
                          "INSERT INTO ts_run (id, n, data) VALUES (?, ?, ?) ON CONFLICT (id) "
                          "DO UPDATE SET n = excluded.n, data = excluded.data",
                          &st, err);
        if (r)
            return r;
        eg_stmt_bind_int(st, 1, id);
        eg_stmt_bind_int(st, 2, (int64_t)n);
        eg_stmt_bind_blob(st, 3, ts->enc.data, ts->enc.len);
    }
    r = eg_stmt_step(st, err);
    eg_stmt_done(st);
    return r < 0 ? r : 0;
}

static void obuf_push(struct eg_ts *ts, struct eg__ts_pend x)
{
    push(&ts->obuf, &ts->nobuf, &ts->cobuf, x);
}

/* Merges nw[0..nn) (one bucket and group, ordered by (series, time)) into its row. */
static int merge_row(struct eg_ts *ts, int64_t bucket, const struct eg__ts_pend *nw, size_t nn,
                     struct eg_ts_report *rep, struct eg_err *err)
{
    int64_t id = eg__ts_run_id(bucket, nw[0].sid), day = eg_ts_day_of(bucket_start(bucket));
    int found = 0;
    ts->nrbuf = ts->nobuf = 0;
    int r = row_read(ts, id, &found, err);
    if (r)
        return r;
    const struct eg__ts_pend *old = ts->rbuf;
    size_t no = ts->nrbuf, i = 0, k = 0;
    int changed = 0;
    int64_t marked = 0;
    while (i < no || k < nn) {
        int c = i >= no ? 1 : k >= nn ? -1 : cmp_pend(&old[i], &nw[k]);
        if (c < 0) {
            obuf_push(ts, old[i++]);
            continue;
        }
        const struct eg__ts_pend *x = &nw[k++];
        /* twice in nw (a caller's resolved samples should not): the later one wins */
        while (k < nn && nw[k].sid == x->sid && nw[k].t == x->t)
            x = &nw[k++];
        int ch = 1;
        if (c == 0) {
            const struct eg__ts_pend *o = &old[i++];
            ch = !(o->flag == x->flag && memcmp(&o->v, &x->v, sizeof o->v) == 0);
            if (rep) {
                if (ch)
                    rep->replaced++;
                else
                    rep->duplicates++;
            }
            obuf_push(ts, ch ? *x : *o);
        } else {
            if (rep)
                rep->written++;
            obuf_push(ts, *x);
        }
        if (ch) {
            changed = 1;
            if (x->dirty && x->sid != marked) { /* once per series of the row */
                marked = x->sid;
                if ((r = eg__ts_mark_dirty_cached(ts, x->sid, day, err)))
                    return r;
            }
        }
    }
    return changed ? row_write(ts, id, ts->obuf, ts->nobuf, err) : 0;
}

static int cmp_bucket(const void *a, const void *b)
{
    const struct eg__ts_pend *x = a, *y = b;
    int64_t bx = eg__ts_run_bucket(x->t), by = eg__ts_run_bucket(y->t);
    if (bx != by)
        return (bx > by) - (bx < by);
    return cmp_pend(a, b);
}

int eg__ts_runs_write(struct eg_ts *ts, struct eg__ts_pend *pd, size_t n, struct eg_ts_report *rep,
                      struct eg_err *err)
{
    int r = 0;
    for (size_t i = 0; i < n && r == 0;) {
        /* one group of 16 series (the pending samples come ordered by series and time) */
        int64_t grp = pd[i].sid >> 4, b = eg__ts_run_bucket(pd[i].t);
        size_t j = i;
        int one = 1;
        while (j < n && pd[j].sid >> 4 == grp) {
            one = one && eg__ts_run_bucket(pd[j].t) == b;
            j++;
        }
        if (!one) /* several buckets: by bucket, then series and time */
            qsort(pd + i, j - i, sizeof *pd, cmp_bucket);
        for (size_t k = i; k < j && r == 0;) {
            int64_t bk = eg__ts_run_bucket(pd[k].t);
            size_t l = k + 1;
            while (l < j && eg__ts_run_bucket(pd[l].t) == bk)
                l++;
            r = merge_row(ts, bk, pd + k, l - k, rep, err);
            k = l;
        }
        i = j;
    }
    return r;
}

static int id_edge(struct eg_ts *ts, const char *sql, int64_t *id, int *found, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st, sql, &s, err);
    if (r)
        return r;
    r = eg_stmt_step(s, err);
    *found = r == 1 && !eg_stmt_is_null(s, 0);
    *id = *found ? eg_stmt_int(s, 0) : 0;
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

/* Clamps [*b0, *b1] to the buckets rows exist in (two B-tree edges); *b0 > *b1 when none. */
static int clamp_buckets(struct eg_ts *ts, int64_t *b0, int64_t *b1, struct eg_err *err)
{
    int64_t lo = 0, hi = 0;
    int f1 = 0, f2 = 0;
    int r = id_edge(ts, "SELECT min(id) FROM ts_run", &lo, &f1, err);
    if (r == 0)
        r = id_edge(ts, "SELECT max(id) FROM ts_run", &hi, &f2, err);
    if (r)
        return r;
    if (!f1 || !f2) {
        *b0 = 1;
        *b1 = 0;
        return 0;
    }
    if (*b0 < (lo >> 32))
        *b0 = lo >> 32;
    if (*b1 > (hi >> 32))
        *b1 = hi >> 32;
    return 0;
}

int eg__ts_rows_read(struct eg_ts *ts, int64_t sid, int64_t from, int64_t to, size_t limit,
                     struct eg_ts_sample **out, size_t *nout, struct eg_err *err)
{
    *out = NULL;
    *nout = 0;
    if (to <= from)
        return 0;
    int64_t b0 = eg__ts_run_bucket(from), b1 = eg__ts_run_bucket(to - 1);
    int r = clamp_buckets(ts, &b0, &b1, err);
    size_t n = 0, cap = 0;
    struct eg_ts_sample *v = NULL;
    for (int64_t b = b0; b <= b1 && r == 0; b++) {
        int found;
        ts->nrbuf = 0;
        r = row_read(ts, eg__ts_run_id(b, sid), &found, err);
        for (size_t i = 0; r == 0 && i < ts->nrbuf; i++) {
            const struct eg__ts_pend *x = &ts->rbuf[i];
            if (x->sid != sid || x->t < from || x->t >= to)
                continue;
            if (n >= limit)
                r = eg_err_set(err, EG_ETOOBIG, "too_many_samples", -1,
                               "more than %zu samples in the range: narrow it or ask for buckets",
                               limit);
            else {
                if (n == cap) {
                    cap = cap ? cap * 2 : 256;
                    v = eg_realloc(v, cap * sizeof *v);
                }
                v[n++] = (struct eg_ts_sample){x->t, x->v, x->flag};
            }
        }
    }
    if (r) {
        free(v);
        return r;
    }
    *out = v;
    *nout = n;
    return 0;
}

int eg__ts_rows_take(struct eg_ts *ts, int64_t sid, int64_t day, struct eg_ts_sample **out,
                     size_t *nout, struct eg_err *err)
{
    *out = NULL;
    *nout = 0;
    int64_t b0 = day * (86400 / EG__TS_RUN_SPAN), b1 = b0 + 86400 / EG__TS_RUN_SPAN - 1;
    int r = clamp_buckets(ts, &b0, &b1, err);
    size_t n = 0, cap = 0;
    struct eg_ts_sample *v = NULL;
    for (int64_t b = b0; b <= b1 && r == 0; b++) {
        int found;
        int64_t id = eg__ts_run_id(b, sid);
        ts->nrbuf = ts->nobuf = 0;
        r = row_read(ts, id, &found, err);
        size_t before = n;
        for (size_t i = 0; r == 0 && i < ts->nrbuf; i++) {
            const struct eg__ts_pend *x = &ts->rbuf[i];
            if (x->sid != sid) {
                obuf_push(ts, *x);
                continue;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 256;
                v = eg_realloc(v, cap * sizeof *v);
            }
            v[n++] = (struct eg_ts_sample){x->t, x->v, x->flag};
        }
        if (r == 0 && n > before)
            r = row_write(ts, id, ts->obuf, ts->nobuf, err);
    }
    if (r) {
        free(v);
        return r;
    }
    *out = v;
    *nout = n;
    return 0;
}

int eg__ts_runs_before(struct eg_ts *ts, int64_t bucket, int64_t **ids, size_t *n,
                       struct eg_err *err)
{
    *ids = NULL;
    *n = 0;
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st, "SELECT id FROM ts_run WHERE id < ? ORDER BY id", &s, err);
    if (r)
        return r;
    eg_stmt_bind_int(s, 1, (int64_t)((uint64_t)bucket << 32));
    size_t cap = 0;
    while ((r = eg_stmt_step(s, err)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            *ids = eg_realloc(*ids, cap * sizeof **ids);
        }
        (*ids)[(*n)++] = eg_stmt_int(s, 0);
    }
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

int eg__ts_run_load(struct eg_ts *ts, int64_t id, struct eg_err *err)
{
    int found;
    return row_read(ts, id, &found, err);
}

int eg__ts_run_store(struct eg_ts *ts, int64_t id, const struct eg__ts_pend *s, size_t n,
                     struct eg_err *err)
{
    return row_write(ts, id, s, n, err);
}

/* ---- inspection ------------------------------------------------------------------------------ */

int eg_ts_rows_view(struct eg_ts *ts, struct eg_err *err)
{
    int r = eg_db_exec(ts->st,
                       "CREATE TEMP TABLE IF NOT EXISTS ts_raw (series_id INTEGER NOT NULL, "
                       "t INTEGER NOT NULL, v REAL NOT NULL, flag INTEGER NOT NULL, "
                       "PRIMARY KEY (series_id, t))",
                       err);
    if (r == 0)
        r = eg_db_exec(ts->st, "DELETE FROM ts_raw", err);
    struct eg_stmt *s, *ins;
    if (r == 0)
        r = eg_db_prepare(ts->st, "SELECT id, data FROM ts_run ORDER BY id", &s, err);
    if (r)
        return r;
    while (r == 0 && (r = eg_stmt_step(s, err)) == 1) {
        size_t len;
        int64_t id = eg_stmt_int(s, 0);
        const void *p = eg_stmt_blob(s, 1, &len);
        ts->nrbuf = 0;
        r = eg__ts_run_decode(p, len, id, &ts->rbuf, &ts->nrbuf, &ts->crbuf, err);
        for (size_t i = 0; r == 0 && i < ts->nrbuf; i++) {
            r = eg_db_prepare(ts->st, "INSERT INTO ts_raw VALUES (?, ?, ?, ?)", &ins, err);
            if (r)
                break;
            eg_stmt_bind_int(ins, 1, ts->rbuf[i].sid);
            eg_stmt_bind_int(ins, 2, ts->rbuf[i].t);
            eg_stmt_bind_double(ins, 3, ts->rbuf[i].v);
            eg_stmt_bind_int(ins, 4, ts->rbuf[i].flag);
            r = eg_stmt_step(ins, err);
            eg_stmt_done(ins);
            r = r < 0 ? r : 0;
        }
    }
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

/* ---- the latest sample of each series (ts_latest, migration 104) ------------------------------
 * One row per group of 16 series: byte 0x01, then per series present, in increasing id order:
 * byte (id & 15), zigzag varint t, byte (flag - 'A') | mode << 5, value (as in the rows).
 * Legacy text "series t value flag;..." from the migration reads the same way. Updating 1,000
 * group rows per fold instead of 15,000 series rows is what the fold needs (issue 11). */

void eg__ts_latest_encode(const struct eg__ts_pend *s, size_t n, struct eg_buf *out)
{
    out->len = 0;
    eg_buf_reserve(out, 1 + n * 10);
    uint8_t ver = RUN_VERSION;
    eg_buf_append(out, &ver, 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t sub = (uint8_t)(s[i].sid & 15);
        eg_buf_append(out, &sub, 1);
        put_uv(out, ((uint64_t)s[i].t << 1) ^ (uint64_t)(s[i].t >> 63));
        int64_t iv = 0;
        int m = value_mode(s[i].v, &iv);
        uint8_t fm = (uint8_t)((s[i].flag - 'A') | m << 5);
        eg_buf_append(out, &fm, 1);
        if (m == RUN_RAW)
            eg_buf_append(out, &s[i].v, sizeof s[i].v);
        else
            put_uv(out, ((uint64_t)iv << 1) ^ (uint64_t)(iv >> 63));
    }
}

int eg__ts_latest_decode(const void *data, size_t len, int64_t grp, struct eg__ts_pend **v,
                         size_t *n, size_t *cap, struct eg_err *err)
{
    const uint8_t *p = data;
    size_t first = *n;
    int64_t id = grp; /* for the messages */
    if (len == 0 || !p)
        return corrupt(err, id, "empty latest row");
    if (p[0] >= '0' && p[0] <= '9') {
        int r = decode_text(data, len, id, v, n, cap, err);
        if (r)
            return r;
    } else if (p[0] != RUN_VERSION) {
        return corrupt(err, id, "unknown version");
    } else {
        size_t pos = 1;
        int bad = 0, last_sub = -1;
        while (pos < len) {
            int sub = p[pos++];
            if (sub > 15 || sub <= last_sub)
                return corrupt(err, id, "series out of order");
            last_sub = sub;
            uint64_t u = get_uv(p, len, &pos, &bad);
            int64_t t = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
            if (bad || pos >= len)
                return corrupt(err, id, "truncated");
            int fm = p[pos++];
            int m = fm >> 5, fl = (fm & 31) + 'A';
            if (fl > 'Z' || (m > 5 && m != RUN_RAW))
                return corrupt(err, id, "bad flag");
            double val;
            if (m == RUN_RAW) {
                if (len - pos < sizeof val)
                    return corrupt(err, id, "truncated");
                memcpy(&val, p + pos, sizeof val);
                pos += sizeof val;
            } else {
                uint64_t w = get_uv(p, len, &pos, &bad);
                val = (double)((int64_t)(w >> 1) ^ -(int64_t)(w & 1)) / p10[m];
            }
            if (bad || !isfinite(val))
                return corrupt(err, id, "bad value");
            push(v, n, cap,
                 (struct eg__ts_pend){.sid = (grp << 4) | sub, .t = t, .v = val, .flag = (char)fl});
        }
    }
    for (size_t i = first; i < *n; i++)
        if ((*v)[i].sid >> 4 != grp || (i > first && (*v)[i - 1].sid >= (*v)[i].sid))
            return corrupt(err, id, "latest sample outside its row");
    return 0;
}

/* Reads group grp's latest samples into ts->rbuf (appending). */
static int latest_read(struct eg_ts *ts, int64_t grp, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st, "SELECT data FROM ts_latest WHERE grp = ?", &s, err);
    if (r)
        return r;
    eg_stmt_bind_int(s, 1, grp);
    r = eg_stmt_step(s, err);
    if (r == 1) {
        size_t len;
        const void *p = eg_stmt_blob(s, 0, &len);
        r = eg__ts_latest_decode(p, len, grp, &ts->rbuf, &ts->nrbuf, &ts->crbuf, err);
    }
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

int eg__ts_latest_get(struct eg_ts *ts, int64_t sid, struct eg_ts_row *out, int *found,
                      struct eg_err *err)
{
    *found = 0;
    ts->nrbuf = 0;
    int r = latest_read(ts, sid >> 4, err);
    for (size_t i = 0; r == 0 && i < ts->nrbuf; i++)
        if (ts->rbuf[i].sid == sid) {
            *out = (struct eg_ts_row){ts->rbuf[i].t, ts->rbuf[i].v, ts->rbuf[i].flag, 0};
            *found = 1;
        }
    return r;
}

int eg__ts_latest_write(struct eg_ts *ts, const struct eg__ts_last *l, size_t n, struct eg_err *err)
{
    int r = 0;
    for (size_t i = 0; i < n && r == 0;) {
        int64_t grp = l[i].sid >> 4;
        size_t j = i;
        while (j < n && l[j].sid >> 4 == grp)
            j++;
        ts->nrbuf = ts->nobuf = 0;
        r = latest_read(ts, grp, err);
        if (r)
            break;
        /* merge by series id; a newer (or equal) time replaces, an older one is ignored */
        size_t a = 0, b = i;
        int changed = 0;
        while (a < ts->nrbuf || b < j) {
            if (b >= j || (a < ts->nrbuf && ts->rbuf[a].sid < l[b].sid)) {
                obuf_push(ts, ts->rbuf[a++]);
                continue;
            }
            const struct eg__ts_last *x = &l[b++];
            while (b < j && l[b].sid == x->sid) { /* the same series twice: the newest */
                if (l[b].t >= x->t)
                    x = &l[b];
                b++;
            }
            struct eg__ts_pend nx = {.sid = x->sid, .t = x->t, .v = x->v, .flag = x->flag};
            if (a < ts->nrbuf && ts->rbuf[a].sid == x->sid) {
                const struct eg__ts_pend *o = &ts->rbuf[a++];
                if (x->t >= o->t && (o->t != x->t || o->flag != x->flag ||
                                     memcmp(&o->v, &x->v, sizeof o->v) != 0)) {
                    obuf_push(ts, nx);
                    changed = 1;
                } else {
                    obuf_push(ts, *o);
                }
            } else {
                obuf_push(ts, nx);
                changed = 1;
            }
        }
        if (changed) {
            eg__ts_latest_encode(ts->obuf, ts->nobuf, &ts->enc);
            struct eg_stmt *s;
            r = eg_db_prepare(ts->st,
                              "INSERT INTO ts_latest (grp, data) VALUES (?, ?) ON CONFLICT (grp) "
                              "DO UPDATE SET data = excluded.data",
                              &s, err);
            if (r)
                break;
            eg_stmt_bind_int(s, 1, grp);
            eg_stmt_bind_blob(s, 2, ts->enc.data, ts->enc.len);
            r = eg_stmt_step(s, err);
            eg_stmt_done(s);
            r = r < 0 ? r : 0;
        }
        i = j;
    }
    return r;
}

int eg__ts_latest_all(struct eg_ts *ts, struct eg__ts_pend **v, size_t *n, struct eg_err *err)
{
    *v = NULL;
    *n = 0;
    size_t cap = 0;
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st, "SELECT grp, data FROM ts_latest ORDER BY grp", &s, err);
    if (r)
        return r;
    while ((r = eg_stmt_step(s, err)) == 1) {
        size_t len;
        int64_t grp = eg_stmt_int(s, 0);
        const void *p = eg_stmt_blob(s, 1, &len);
        r = eg__ts_latest_decode(p, len, grp, v, n, &cap, err);
        if (r)
            break;
    }
    eg_stmt_done(s);
    if (r < 0) {
        free(*v);
        *v = NULL;
        *n = 0;
        return r;
    }
    return 0;
}
