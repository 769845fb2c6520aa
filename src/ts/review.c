/*
 * ts_review.c: validity of the data, without ever changing a stored value.
 *
 *  - Declared abnormal conditions (enterprises: outlet stopped 停运, instrument fault 故障,
 *    maintenance 维护, calibration 校准) for a time window: samples inside are marked DECLARED and
 *    do not count as valid.
 *  - Reviews (数据审核) by an officer: a verdict (invalid / valid) with a reason on a series'
 *    samples in a window. Appended to ts_review, which is the audit trail (who, when, what, why);
 *    the latest review covering a sample decides; the raw value stays as received. Queries of the
 *    "reviewed" tier apply them; the "preliminary" tier shows the data as received.
 *  - Rates per source and period: 传输率 = received / expected, 有效数据率 = valid / expected.
 *
 * A sample is valid when a review says so, or, without a review, when its HJ 212-2017 Table 8
 * flag is N (正常) and it is not inside a declared window. (T, over range, is treated as not
 * valid: whether HJ 75/HJ 355 count it is UNCONFIRMED here; docs/timeseries.md.)
 */
#include "ts/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const reasons[] = {"stopped", "fault", "maintenance", "calibration"};

struct win {
    int64_t from, to;
    int verdict; /* reviews: 1 invalid, 2 valid */
};

/* First row with t >= x. */
static size_t lower(const struct eg_ts_row *r, size_t n, int64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].t < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int load_windows(struct eg_ts *ts, const char *sql, int64_t sid, const char *source,
                        const char *pollutant, int64_t from, int64_t to, struct win **out,
                        size_t *nout, struct eg_err *err)
{
    struct eg_stmt *s;
    *out = NULL;
    *nout = 0;
    int r = eg_db_prepare(ts->st, sql, &s, err);
    if (r)
        return r;
    int i = 1;
    if (source) {
        eg_stmt_bind_text(s, i++, source, strlen(source));
        eg_stmt_bind_text(s, i++, pollutant, strlen(pollutant));
    } else {
        eg_stmt_bind_int(s, i++, sid);
    }
    eg_stmt_bind_int(s, i++, from);
    eg_stmt_bind_int(s, i++, to);
    size_t cap = 0;
    while ((r = eg_stmt_step(s, err)) == 1) {
        if (*nout == cap) {
            cap = cap ? cap * 2 : 16;
            *out = eg_realloc(*out, cap * sizeof **out);
        }
        size_t l = 0;
        const char *v = eg_stmt_columns(s) > 2 ? eg_stmt_text(s, 2, &l) : NULL;
        (*out)[(*nout)++] =
            (struct win){eg_stmt_int(s, 0), eg_stmt_int(s, 1), v && l && v[0] == 'v' ? 2 : 1};
    }
    eg_stmt_done(s);
    if (r < 0) {
        free(*out);
        *out = NULL;
        *nout = 0;
    }
    return r < 0 ? r : 0;
}

static int series_names(struct eg_ts *ts, int64_t sid, char *source, char *pollutant,
                        struct eg_err *err)
{
    char field[65];
    int kind, computed;
    return eg__ts_series_key(ts, sid, source, pollutant, &kind, field, &computed, err);
}

int eg__ts_apply_marks(struct eg_ts *ts, int64_t sid, struct eg_ts_row *rows, size_t n, int tier,
                       struct eg_err *err)
{
    if (n == 0)
        return 0;
    char source[65], pollutant[65];
    int r = series_names(ts, sid, source, pollutant, err);
    if (r)
        return r;
    int64_t from = rows[0].t, to = rows[n - 1].t + 1;
    struct win *w;
    size_t nw;
    r = load_windows(ts,
                     "SELECT t_from, t_to FROM ts_abnormal WHERE source = ? AND "
                     "(pollutant IS NULL OR pollutant = ?) AND t_to > ? AND t_from < ?",
                     0, source, pollutant, from, to, &w, &nw, err);
    if (r)
        return r;
    int any_mark = nw > 0;
    for (size_t k = 0; k < nw; k++)
        for (size_t i = lower(rows, n, w[k].from); i < n && rows[i].t < w[k].to; i++)
            rows[i].mark |= EG_TS_MARK_DECLARED;
    free(w);
    if (tier == EG_TS_REVIEWED) {
        r = load_windows(ts,
                         "SELECT t_from, t_to, verdict FROM ts_review WHERE series_id = ? AND "
                         "t_to > ? AND t_from < ? ORDER BY id",
                         sid, NULL, NULL, from, to, &w, &nw, err);
        if (r)
            return r;
        any_mark |= nw > 0;
        for (size_t k = 0; k < nw; k++) /* in order: the latest review wins */
            for (size_t i = lower(rows, n, w[k].from); i < n && rows[i].t < w[k].to; i++) {
                rows[i].mark &= (uint8_t) ~(EG_TS_MARK_REVIEW_INVALID | EG_TS_MARK_REVIEW_VALID);
                rows[i].mark |=
                    w[k].verdict == 2 ? EG_TS_MARK_REVIEW_VALID : EG_TS_MARK_REVIEW_INVALID;
            }
        free(w);
    }
    if (!any_mark) { /* the common case: validity is the flag alone */
        for (size_t i = 0; i < n; i++)
            rows[i].mark = (uint8_t)((rows[i].flag == 'N') * EG_TS_MARK_VALID);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t m = rows[i].mark;
        int valid = (m & EG_TS_MARK_REVIEW_INVALID) ? 0
                    : (m & EG_TS_MARK_REVIEW_VALID)
                        ? 1
                        : rows[i].flag == 'N' && !(m & EG_TS_MARK_DECLARED);
        if (valid)
            rows[i].mark |= EG_TS_MARK_VALID;
    }
    return 0;
}

/* Marks every day of [from, to) dirty for the device series of source (one pollutant or all). */
static int dirty_range(struct eg_ts *ts, const char *source, const char *pollutant, int64_t sid,
                       int64_t from, int64_t to, struct eg_err *err)
{
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int r = 0;
    if (sid > 0) {
        ids = eg_malloc(sizeof *ids);
        ids[n++] = sid;
    } else {
        struct eg_stmt *s;
        r = eg_db_prepare(ts->st,
                          pollutant ? "SELECT id FROM ts_series WHERE source = ? AND computed = 0 "
                                      "AND pollutant = ?"
                                    : "SELECT id FROM ts_series WHERE source = ? AND computed = 0",
                          &s, err);
        if (r)
            return r;
        eg_stmt_bind_text(s, 1, source, strlen(source));
        if (pollutant)
            eg_stmt_bind_text(s, 2, pollutant, strlen(pollutant));
        while ((r = eg_stmt_step(s, err)) == 1) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                ids = eg_realloc(ids, cap * sizeof *ids);
            }
            ids[n++] = eg_stmt_int(s, 0);
        }
        eg_stmt_done(s);
        if (r < 0) {
            free(ids);
            return r;
        }
        r = 0;
    }
    int64_t d0 = eg_ts_day_of(from), d1 = eg_ts_day_of(to - 1);
    for (size_t i = 0; i < n && r == 0; i++)
        for (int64_t d = d0; d <= d1 && r == 0; d++)
            r = eg__ts_mark_dirty(ts, ids[i], d, err);
    free(ids);
    return r;
}

struct declare_args {
    const char *source, *pollutant, *reason, *note, *who;
    int64_t from, to, *id;
};

static int declare_run(struct eg_ts *ts, void *arg, struct eg_err *err)
{
    struct declare_args *a = arg;
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st,
                          "INSERT INTO ts_abnormal (source, pollutant, t_from, t_to, reason, note, "
                          "declared_by, declared_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          &s, err);
    if (r)
        return r;
    eg_stmt_bind_text(s, 1, a->source, strlen(a->source));
    if (a->pollutant)
        eg_stmt_bind_text(s, 2, a->pollutant, strlen(a->pollutant));
    else
        eg_stmt_bind_null(s, 2);
    eg_stmt_bind_int(s, 3, a->from);
    eg_stmt_bind_int(s, 4, a->to);
    eg_stmt_bind_text(s, 5, a->reason, strlen(a->reason));
    if (a->note)
        eg_stmt_bind_text(s, 6, a->note, strlen(a->note));
    else
        eg_stmt_bind_null(s, 6);
    eg_stmt_bind_text(s, 7, a->who, strlen(a->who));
    eg_stmt_bind_int(s, 8, eg_time_now());
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (r < 0)
        return r;
    if (a->id)
        *a->id = eg_db_last_id(ts->st);
    return dirty_range(ts, a->source, a->pollutant, 0, a->from, a->to, err);
}

static int window_check(int64_t from, int64_t to, struct eg_err *err)
{
    if (to <= from)
        return eg_err_set(err, EG_EINVAL, "bad_range", -1, "the window is empty: to <= from");
    if (from < EG__TS_BEFORE_2000 || to - from > 3700LL * 86400)
        return eg_err_set(err, EG_EINVAL, "bad_range", -1,
                          "the window must start after 2000 and last at most ten years");
    return 0;
}

int eg_ts_declare(struct eg_ts *ts, const char *source, const char *pollutant, int64_t from,
                  int64_t to, const char *reason, const char *note, const char *who, int64_t *id,
                  struct eg_err *err)
{
    struct eg_ts_key k = {source, pollutant ? pollutant : "x", EG_TS_KIND_MINUTE, "Avg", 0};
    int r = eg__ts_key_check(&k, err);
    if (r)
        return r;
    int rok = 0;
    for (size_t i = 0; reason && i < EG_ARRAY_LEN(reasons); i++)
        rok |= !strcmp(reason, reasons[i]);
    if (!rok)
        return eg_err_set(err, EG_EINVAL, "bad_reason", -1,
                          "reason must be stopped, fault, maintenance or calibration");
    if ((r = window_check(from, to, err)))
        return r;
    if (!who || !*who)
        return eg_err_set(err, EG_EINVAL, "bad_who", -1, "who declares must be given");
    struct declare_args a = {source, pollutant, reason, note, who, from, to, id};
    return eg__ts_tx(ts, declare_run, &a, err);
}

struct review_args {
    int64_t sid, from, to, *id;
    const char *verdict, *reason, *officer;
};

static int review_run(struct eg_ts *ts, void *arg, struct eg_err *err)
{
    struct review_args *a = arg;
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st,
                          "INSERT INTO ts_review (series_id, t_from, t_to, verdict, reason, "
                          "officer, reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          &s, err);
    if (r)
        return r;
    eg_stmt_bind_int(s, 1, a->sid);
    eg_stmt_bind_int(s, 2, a->from);
    eg_stmt_bind_int(s, 3, a->to);
    eg_stmt_bind_text(s, 4, a->verdict, strlen(a->verdict));
    eg_stmt_bind_text(s, 5, a->reason, strlen(a->reason));
    eg_stmt_bind_text(s, 6, a->officer, strlen(a->officer));
    eg_stmt_bind_int(s, 7, eg_time_now());
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (r < 0)
        return r;
    if (a->id)
        *a->id = eg_db_last_id(ts->st);
    return dirty_range(ts, NULL, NULL, a->sid, a->from, a->to, err);
}

int eg_ts_review(struct eg_ts *ts, const struct eg_ts_key *key, int64_t from, int64_t to,
                 const char *verdict, const char *reason, const char *officer, int64_t *id,
                 struct eg_err *err)
{
    int64_t sid;
    int r = eg_ts_series_find(ts, key, &sid, err);
    if (r)
        return r;
    if (!verdict || (strcmp(verdict, "invalid") && strcmp(verdict, "valid")))
        return eg_err_set(err, EG_EINVAL, "bad_verdict", -1, "verdict must be invalid or valid");
    if (!reason || !*reason)
        return eg_err_set(err, EG_EINVAL, "reason_required", -1,
                          "a review needs a reason (it is kept in the audit trail)");
    if (!officer || !*officer)
        return eg_err_set(err, EG_EINVAL, "bad_officer", -1, "the reviewing officer must be given");
    if ((r = window_check(from, to, err)))
        return r;
    struct review_args a = {sid, from, to, id, verdict, reason, officer};
    return eg__ts_tx(ts, review_run, &a, err);
}

/* ---- rates ----------------------------------------------------------------------------------- */

static int source_intervals(struct eg_ts *ts, const char *source, int64_t *rtd, int64_t *min,
                            struct eg_err *err)
{
    *rtd = 60;
    *min = 60;
    struct eg_stmt *s;
    int r = eg_db_prepare(
        ts->st, "SELECT rtd_interval_s, min_interval_s FROM ts_source WHERE source = ?", &s, err);
    if (r)
        return r;
    eg_stmt_bind_text(s, 1, source, strlen(source));
    r = eg_stmt_step(s, err);
    if (r == 1) {
        *rtd = eg_stmt_int(s, 0);
        *min = eg_stmt_int(s, 1);
    }
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

static int64_t slot_of(int64_t t, int64_t iv)
{
    int64_t s = t + EG_BEIJING_OFFSET;
    return (s >= 0 ? s / iv : -((-s + iv - 1) / iv));
}

int eg_ts_rates(struct eg_ts *ts, const char *source, int kind, int64_t from, int64_t to,
                struct eg_ts_rates *out, struct eg_err *err)
{
    memset(out, 0, sizeof *out);
    struct eg_ts_key k = {source, "x", kind, "Avg", 0};
    int r = eg__ts_key_check(&k, err);
    if (r)
        return r;
    if ((r = window_check(from, to, err)))
        return r;
    int64_t rtd, mi;
    if ((r = source_intervals(ts, source, &rtd, &mi, err)))
        return r;
    int64_t iv = kind == EG_TS_KIND_RTD      ? rtd
                 : kind == EG_TS_KIND_MINUTE ? mi
                 : kind == EG_TS_KIND_HOUR   ? 3600
                                             : 86400;
    if (iv <= 0)
        return eg_err_set(err, EG_EINVAL, "bad_interval", -1, "source %s has no interval", source);
    int64_t s0 = slot_of(from + iv - 1, iv), s1 = slot_of(to - 1, iv); /* slots starting in range */
    if (s1 - s0 + 1 > 40000000)
        return eg_err_set(err, EG_ETOOBIG, "range_too_big", -1, "too many slots in the range");

    struct eg_stmt *s;
    r = eg_db_prepare(ts->st,
                      "SELECT id, pollutant FROM ts_series WHERE source = ? AND kind = ? AND "
                      "computed = 0 AND field = ? ORDER BY id",
                      &s, err);
    if (r)
        return r;
    const char *field = kind == EG_TS_KIND_RTD ? "Rtd" : "Avg";
    eg_stmt_bind_text(s, 1, source, strlen(source));
    eg_stmt_bind_int(s, 2, kind);
    eg_stmt_bind_text(s, 3, field, strlen(field));
    struct sp {
        int64_t id;
        char pol[17];
    } *ser = NULL;
    size_t ns = 0, cap = 0;
    while ((r = eg_stmt_step(s, err)) == 1) {
        if (ns == cap) {
            cap = cap ? cap * 2 : 16;
            ser = eg_realloc(ser, cap * sizeof *ser);
        }
        size_t l;
        const char *p = eg_stmt_text(s, 1, &l);
        ser[ns].id = eg_stmt_int(s, 0);
        snprintf(ser[ns].pol, sizeof ser[ns].pol, "%.*s", (int)l, p ? p : "");
        ns++;
    }
    eg_stmt_done(s);
    for (size_t i = 0; r == 0 && i < ns; i++) {
        struct win *w = NULL;
        size_t nw = 0;
        r = load_windows(ts,
                         "SELECT t_from, t_to FROM ts_abnormal WHERE source = ? AND "
                         "(pollutant IS NULL OR pollutant = ?) AND reason = 'stopped' AND "
                         "t_to > ? AND t_from < ?",
                         0, source, ser[i].pol, from, to, &w, &nw, err);
        if (r)
            break;
        struct eg_ts_row *rows;
        size_t n;
        r = eg__ts_read(ts, ser[i].id, from, to, 40000000, &rows, &n, err);
        if (r == 0)
            r = eg__ts_apply_marks(ts, ser[i].id, rows, n, EG_TS_REVIEWED, err);
        if (r) {
            free(w);
            break;
        }
        size_t j = 0;
        for (int64_t sl = s0; sl <= s1; sl++) {
            int64_t st = sl * iv - EG_BEIJING_OFFSET, en = st + iv;
            int stopped = 0;
            for (size_t q = 0; q < nw && !stopped; q++)
                stopped = st >= w[q].from && st < w[q].to;
            int got = 0, ok = 0;
            while (j < n && rows[j].t < st)
                j++;
            while (j < n && rows[j].t < en) {
                got = 1;
                ok |= (rows[j].mark & EG_TS_MARK_VALID) != 0;
                j++;
            }
            if (stopped)
                continue;
            out->expected++;
            out->received += got;
            out->valid += ok;
        }
        free(rows);
        free(w);
    }
    free(ser);
    if (r < 0)
        return r;
    out->series = (int)ns;
    out->transmission_rate = out->expected ? (double)out->received / (double)out->expected : 0;
    out->valid_rate = out->expected ? (double)out->valid / (double)out->expected : 0;
    return 0;
}
