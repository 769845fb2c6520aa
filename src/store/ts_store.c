/*
 * ts_store.c: writing the time series — the handle and its series-id cache, the batch write
 * (validate all, then merge into rows or blocks in one transaction), quarantine, and compaction
 * of closed days into blocks. Uses only the store.h seam.
 *
 * Where a sample goes: a (series, Beijing day) lives either in rows (ts_raw, the open days) or in
 * one block (ts_block). A write for a day older than the open days, or for a day that already has
 * a block, goes through merge_day(): read the block and any rows of that day, merge in the new
 * samples (same time: the newest write wins), encode, replace the block, delete the rows — one
 * transaction, so a crash leaves the old state or the new one. Compaction is merge_day() with
 * nothing new. Dedup: a (series, time) is stored once; writing the same value and flag again is
 * counted as a duplicate; a different value or flag replaces it and is counted as replaced
 * (the device's retransmission or a corrected import is the newer truth; raw values reviewed by
 * officers are never touched by reviews, see ts_review.c).
 */
#include "store/store_internal.h"
#include "store/ts_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- handle and cache ------------------------------------------------------------------------ */

int eg_ts_open(struct eg_store *st, struct eg_ts **out, struct eg_err *err)
{
    (void)err;
    struct eg_ts *ts = eg_calloc(1, sizeof *ts);
    ts->st = st;
    ts->open_days = 2;
    ts->cap = 1024;
    ts->tab = eg_calloc(ts->cap, sizeof *ts->tab);
    *out = ts;
    return 0;
}

void eg__ts_cache_clear(struct eg_ts *ts)
{
    for (size_t i = 0; i < ts->cap; i++)
        free(ts->tab[i].key);
    memset(ts->tab, 0, ts->cap * sizeof *ts->tab);
    ts->used = 0;
}

void eg_ts_close(struct eg_ts *ts)
{
    if (!ts)
        return;
    eg__ts_cache_clear(ts);
    free(ts->tab);
    free(ts);
}

struct eg_store *eg_ts_store(struct eg_ts *ts)
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

size_t eg__ts_key_text(const struct eg_ts_key *k, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s|%s|%d|%s|%d", k->source, k->pollutant, k->kind, k->field,
                     k->computed);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static int select_series(struct eg_ts *ts, const struct eg_ts_key *k, int64_t *id, int *found,
                         struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_store_prepare(ts->st,
                             "SELECT id FROM ts_series WHERE source = ? AND pollutant = ? AND "
                             "kind = ? AND field = ? AND computed = ?",
                             &s, err);
    if (r)
        return r;
    eg_stmt_bind_text(s, 1, k->source, strlen(k->source));
    eg_stmt_bind_text(s, 2, k->pollutant, strlen(k->pollutant));
    eg_stmt_bind_int(s, 3, k->kind);
    eg_stmt_bind_text(s, 4, k->field, strlen(k->field));
    eg_stmt_bind_int(s, 5, k->computed);
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
    int r = eg_store_prepare(ts->st,
                             "INSERT INTO ts_series (source, pollutant, kind, field, computed, "
                             "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                             &s, err);
    if (r)
        return r;
    eg_stmt_bind_text(s, 1, k->source, strlen(k->source));
    eg_stmt_bind_text(s, 2, k->pollutant, strlen(k->pollutant));
    eg_stmt_bind_int(s, 3, k->kind);
    eg_stmt_bind_text(s, 4, k->field, strlen(k->field));
    eg_stmt_bind_int(s, 5, k->computed);
    eg_stmt_bind_int(s, 6, eg_time_now());
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (r < 0)
        return r;
    *id = eg_store_last_id(ts->st);
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
    int r = eg_store_prepare(ts->st,
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

int eg_ts_series_add(struct eg_ts *ts, const struct eg_ts_key *key, int64_t *id,
                     struct eg_err *err)
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
    int joined = eg__store_in_tx(ts->st);
    int r = joined ? eg_store_exec(ts->st, "SAVEPOINT eg_ts", err) : eg_store_begin(ts->st, err);
    if (r)
        return r;
    r = fn(ts, arg, err);
    if (r == 0)
        r = joined ? eg_store_exec(ts->st, "RELEASE eg_ts", err) : eg_store_commit(ts->st, err);
    if (r) {
        if (joined) {
            eg_store_exec(ts->st, "ROLLBACK TO eg_ts", NULL);
            eg_store_exec(ts->st, "RELEASE eg_ts", NULL);
        } else {
            eg_store_rollback(ts->st);
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
   with any rows of that day; replaces the block and deletes the rows. */
static int merge_day(struct eg_ts *ts, int64_t sid, int64_t day, const struct eg_ts_sample *nw,
                     size_t nn, struct eg_ts_report *rep, struct eg_err *err)
{
    struct eg_ts_sample *old = NULL, *raw = NULL, *out = NULL;
    size_t no = 0, nr = 0, craw = 0;
    struct eg_buf blob = {0};
    struct eg_stmt *s;
    int64_t t0 = eg_ts_day_start(day), t1 = t0 + 86400;
    int r = eg_store_prepare(ts->st, "SELECT data FROM ts_block WHERE series_id = ? AND day = ?",
                             &s, err);
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

    r = eg_store_prepare(ts->st,
                         "SELECT t, v, flag FROM ts_raw WHERE series_id = ? AND t >= ? AND t < ? "
                         "ORDER BY t",
                         &s, err);
    if (r)
        goto done;
    eg_stmt_bind_int(s, 1, sid);
    eg_stmt_bind_int(s, 2, t0);
    eg_stmt_bind_int(s, 3, t1);
    while ((r = eg_stmt_step(s, err)) == 1) {
        if (nr == craw) {
            craw = craw ? craw * 2 : 256;
            raw = eg_realloc(raw, craw * sizeof *raw);
        }
        raw[nr++] = (struct eg_ts_sample){eg_stmt_int(s, 0), eg_stmt_double(s, 1),
                                          (char)eg_stmt_int(s, 2)};
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
    r = eg_store_prepare(ts->st,
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
    if (r < 0 || nr == 0)
        goto done;
    r = eg_store_prepare(ts->st, "DELETE FROM ts_raw WHERE series_id = ? AND t >= ? AND t < ?", &s,
                         err);
    if (r)
        goto done;
    eg_stmt_bind_int(s, 1, sid);
    eg_stmt_bind_int(s, 2, t0);
    eg_stmt_bind_int(s, 3, t1);
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
done:
    free(old);
    free(raw);
    free(out);
    eg_buf_free(&blob);
    return r < 0 ? r : 0;
}

/* ---- rows ------------------------------------------------------------------------------------ */

static int block_exists(struct eg_ts *ts, int64_t sid, int64_t day, int *yes, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_store_prepare(ts->st, "SELECT 1 FROM ts_block WHERE series_id = ? AND day = ?", &s,
                             err);
    if (r)
        return r;
    eg_stmt_bind_int(s, 1, sid);
    eg_stmt_bind_int(s, 2, day);
    r = eg_stmt_step(s, err);
    *yes = r == 1;
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

static int write_rows(struct eg_ts *ts, int64_t sid, const struct eg_ts_sample *nw, size_t nn,
                      struct eg_ts_report *rep, struct eg_err *err)
{
    struct eg_stmt *ins, *sel, *upd;
    int r = eg_store_prepare(ts->st,
                             "INSERT INTO ts_raw (series_id, t, v, flag) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT (series_id, t) DO NOTHING",
                             &ins, err);
    if (r)
        return r;
    for (size_t i = 0; i < nn && r == 0; i++) {
        eg_stmt_bind_int(ins, 1, sid);
        eg_stmt_bind_int(ins, 2, nw[i].t);
        eg_stmt_bind_double(ins, 3, nw[i].v);
        eg_stmt_bind_int(ins, 4, nw[i].flag);
        r = eg_stmt_step(ins, err);
        eg_stmt_done(ins);
        if (r < 0)
            break;
        r = 0;
        if (eg_store_changes(ts->st) == 1) {
            if (rep)
                rep->written++;
            continue;
        }
        /* the time is stored already: same sample (duplicate) or a new value (replace) */
        r = eg_store_prepare(ts->st, "SELECT v, flag FROM ts_raw WHERE series_id = ? AND t = ?",
                             &sel, err);
        if (r)
            break;
        eg_stmt_bind_int(sel, 1, sid);
        eg_stmt_bind_int(sel, 2, nw[i].t);
        r = eg_stmt_step(sel, err);
        int same = r == 1 && same_sample(eg_stmt_double(sel, 0), (char)eg_stmt_int(sel, 1),
                                         nw[i].v, nw[i].flag);
        eg_stmt_done(sel);
        if (r < 0)
            break;
        r = 0;
        if (same) {
            if (rep)
                rep->duplicates++;
            continue;
        }
        r = eg_store_prepare(ts->st, "UPDATE ts_raw SET v = ?, flag = ? WHERE series_id = ? AND t = ?",
                             &upd, err);
        if (r)
            break;
        eg_stmt_bind_double(upd, 1, nw[i].v);
        eg_stmt_bind_int(upd, 2, nw[i].flag);
        eg_stmt_bind_int(upd, 3, sid);
        eg_stmt_bind_int(upd, 4, nw[i].t);
        r = eg_stmt_step(upd, err);
        eg_stmt_done(upd);
        if (r < 0)
            break;
        r = 0;
        if (rep)
            rep->replaced++;
    }
    return r;
}

int eg__ts_mark_dirty(struct eg_ts *ts, int64_t sid, int64_t day, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_store_prepare(ts->st,
                             "INSERT INTO ts_dirty (series_id, day) VALUES (?, ?) "
                             "ON CONFLICT (series_id, day) DO NOTHING",
                             &s, err);
    if (r)
        return r;
    eg_stmt_bind_int(s, 1, sid);
    eg_stmt_bind_int(s, 2, day);
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

static int update_last(struct eg_ts *ts, int64_t sid, const struct eg_ts_sample *x,
                       struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_store_prepare(ts->st,
                             "UPDATE ts_series SET last_t = ?, last_v = ?, last_flag = ? "
                             "WHERE id = ? AND (last_t IS NULL OR last_t <= ?)",
                             &s, err);
    if (r)
        return r;
    char f[2] = {x->flag, 0};
    eg_stmt_bind_int(s, 1, x->t);
    eg_stmt_bind_double(s, 2, x->v);
    eg_stmt_bind_text(s, 3, f, 1);
    eg_stmt_bind_int(s, 4, sid);
    eg_stmt_bind_int(s, 5, x->t);
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

/* Writes sorted samples of one series with unique times: per day, to rows or to the block. */
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
        size_t before = rep ? rep->written + rep->replaced : 0;
        if (r == 0)
            r = blocked ? merge_day(ts, sid, day, s + i, j - i, rep, err)
                        : write_rows(ts, sid, s + i, j - i, rep, err);
        /* only a change makes the day's means stale (a pure retransmission does not) */
        if (r == 0 && dirty && rep && rep->written + rep->replaced != before)
            r = eg__ts_mark_dirty(ts, sid, day, err);
        i = j;
    }
    if (r == 0 && n > 0)
        r = update_last(ts, sid, &s[n - 1], err);
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
    int r = write_series(ts, sid, c, n, 0, rep, err);
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
    int r = eg_store_prepare(ts->st,
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
    int r = 0;
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
        int base = !p->key.computed &&
                   ((p->key.kind == EG_TS_KIND_RTD && !strcmp(p->key.field, "Rtd")) ||
                    (p->key.kind != EG_TS_KIND_RTD && p->key.kind != EG_TS_KIND_DAY &&
                     !strcmp(p->key.field, "Avg")));
        it[ni++] = (struct item){sid, p->t, v, (uint32_t)i, p->flag, (char)base};
    }
    qsort(it, ni, sizeof *it, cmp_item);
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
    return eg__ts_tx(ts, batch_run, &b, err);
}

/* ---- compaction ------------------------------------------------------------------------------ */

struct compact_one {
    int64_t sid, day;
};

struct compact_chunk {
    const struct compact_one *c;
    size_t n;
};

static int compact_run(struct eg_ts *ts, void *arg, struct eg_err *err)
{
    struct compact_chunk *k = arg;
    int r = 0;
    for (size_t i = 0; i < k->n && r == 0; i++)
        r = merge_day(ts, k->c[i].sid, k->c[i].day, NULL, 0, NULL, err);
    return r;
}

int eg_ts_compact(struct eg_ts *ts, size_t *days, struct eg_err *err)
{
    *days = 0;
    int64_t cutoff = eg_ts_day_start(eg_ts_day_of(eg_ts_now(ts)) - (ts->open_days - 1));
    struct eg_stmt *s;
    int r = eg_store_prepare(ts->st,
                             "SELECT DISTINCT series_id, (t + 28800) / 86400 FROM ts_raw "
                             "WHERE t < ? ORDER BY 1, 2",
                             &s, err);
    if (r)
        return r;
    eg_stmt_bind_int(s, 1, cutoff);
    struct compact_one *todo = NULL;
    size_t n = 0, cap = 0;
    while ((r = eg_stmt_step(s, err)) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            todo = eg_realloc(todo, cap * sizeof *todo);
        }
        todo[n++] = (struct compact_one){eg_stmt_int(s, 0), eg_stmt_int(s, 1)};
    }
    eg_stmt_done(s);
    /* Up to 128 (series, day) per transaction: each transaction is atomic, so a crash leaves
       every day wholly in rows or wholly in its block; grouping saves a commit (an fsync) per
       day. */
    int first = 0;
    for (size_t i = 0; i < n && r >= 0; i += 128) {
        struct compact_chunk k = {todo + i, n - i < 128 ? n - i : 128};
        r = eg__ts_tx(ts, compact_run, &k, err);
        if (r == 0) {
            *days += k.n;
            continue;
        }
        if (r != EG_EINVAL && r != EG_ETOOBIG)
            break; /* the database itself failed: stop */
        /* one bad day (an unreadable block) must not stop the others: one by one, the bad
           ones stay as they are (rows kept, nothing lost) and are reported */
        r = 0;
        for (size_t j = 0; j < k.n; j++) {
            struct compact_chunk one = {k.c + j, 1};
            struct eg_err e;
            int rj = eg__ts_tx(ts, compact_run, &one, &e);
            if (rj == 0) {
                (*days)++;
            } else if (rj == EG_EINVAL || rj == EG_ETOOBIG) {
                eg_log(EG_LOG_ERROR, "ts: compaction of series %lld day %lld skipped: %s",
                       (long long)one.c->sid, (long long)one.c->day, e.msg);
                if (!first && err)
                    *err = e;
                first = first ? first : rj;
            } else {
                if (err)
                    *err = e;
                r = rj;
                break;
            }
        }
    }
    free(todo);
    return r < 0 ? r : first;
}
