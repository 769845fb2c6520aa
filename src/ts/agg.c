/*
 * ts_agg.c: hourly and daily means computed by envgov from finer data, with validity rules,
 * kept beside what the device sent (series computed = 1: (source, pollutant, 2061, "Avg") and
 * (source, pollutant, 2031, "Avg")), and recomputed when late data, reviews or declarations
 * mark a (series, day) dirty.
 *
 * Rules (table ts_validity_rule, one per profile and period, configurable; defaults and their
 * sources in data/migrations/100_timeseries.sql and docs/timeseries.md):
 *   hour: valid when the valid samples cover >= min_count minutes of the hour. A sample covers
 *         its reporting interval (MinInterval for 2051, RtdInterval for 2011; ts_source), so
 *         minute data needs min_count valid minutes (GB 3095-2012 Table 4: >= 45 min).
 *   day:  valid when >= min_count valid hourly means exist (GB 3095-2012 Table 4: >= 20).
 * Waste water (strict_flags, migration 101): one abnormal input makes the mean abnormal (HJ
 * 212-2017 notes to C.16-C.18). Hours are labelled by their start (HJ 212 DataTime convention);
 * days are Beijing days. A valid mean gets flag N; an invalid one keeps the most frequent abnormal
 * flag of its inputs, or B when its inputs were normal but too few (data missing, usually
 * transmission). The mean is over valid samples; an invalid mean with no valid sample averages all
 * samples.
 */
#include "ts/internal.h"

#include <stdlib.h>
#include <string.h>

struct agg_ctx {
    int64_t sid, day;
    struct eg_ts_agg_stats *stats;
};

static int rule(struct eg_ts *ts, const char *source, const char *period, int64_t *min_count,
                int64_t *rtd, int64_t *mi, int *strict, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(ts->st,
                          "SELECT r.min_count, COALESCE(s.rtd_interval_s, 60), "
                          "COALESCE(s.min_interval_s, 60), r.strict_flags "
                          "FROM ts_validity_rule r "
                          "LEFT JOIN ts_source s ON s.source = ? "
                          "WHERE r.profile = COALESCE(s.profile, 'ambient') AND r.period = ?",
                          &s, err);
    if (r)
        return r;
    eg_stmt_bind_text(s, 1, source, strlen(source));
    eg_stmt_bind_text(s, 2, period, strlen(period));
    r = eg_stmt_step(s, err);
    if (r == 1) {
        *min_count = eg_stmt_int(s, 0);
        *rtd = eg_stmt_int(s, 1);
        *mi = eg_stmt_int(s, 2);
        *strict = (int)eg_stmt_int(s, 3);
        r = 0;
    } else if (r == 0) {
        r = eg_err_set(err, EG_ENOTFOUND, "no_rule", -1,
                       "no validity rule for source %s period %s (ts_validity_rule)", source,
                       period);
    }
    eg_stmt_done(s);
    return r;
}

/* Mean and flag of a group of marked rows: valid when enough units are covered. */
static struct eg_ts_sample summarise(const struct eg_ts_row *r, size_t n, int64_t t, int ok)
{
    double sv = 0, sa = 0;
    size_t nv = 0;
    int cnt[26] = {0};
    for (size_t i = 0; i < n; i++) {
        sa += r[i].v;
        if (r[i].mark & EG_TS_MARK_VALID) {
            sv += r[i].v;
            nv++;
        } else if (r[i].flag >= 'A' && r[i].flag <= 'Z' && r[i].flag != 'N') {
            cnt[r[i].flag - 'A']++;
        }
    }
    struct eg_ts_sample s = {t, nv ? sv / (double)nv : sa / (double)n, 'N'};
    if (!ok) {
        int best = -1;
        for (int k = 0; k < 26; k++)
            if (cnt[k] && (best < 0 || cnt[k] > cnt[best]))
                best = k;
        s.flag = best >= 0 ? (char)('A' + best) : 'B';
    }
    return s;
}

static int load_marked(struct eg_ts *ts, int64_t sid, int64_t from, int64_t to,
                       struct eg_ts_row **rows, size_t *n, struct eg_err *err)
{
    int r = eg__ts_read(ts, sid, from, to, EG_TS_BLOCK_MAX_SAMPLES, rows, n, err);
    if (r == 0)
        r = eg__ts_apply_marks(ts, sid, *rows, *n, EG_TS_REVIEWED, err);
    return r;
}

static int find_id(struct eg_ts *ts, const char *source, const char *pollutant, int kind,
                   const char *field, int computed, int create, int64_t *id, int *found,
                   struct eg_err *err)
{
    struct eg_ts_key k = {source, pollutant, kind, field, computed};
    int r = eg__ts_series_id(ts, &k, create, id, NULL, err);
    *found = r == 0;
    if (r == EG_ENOTFOUND) {
        eg_err_clear(err);
        return 0;
    }
    return r;
}

/* Daily mean of (source, pollutant) for day from hourly values of series hid. */
static int compute_day(struct eg_ts *ts, const char *source, const char *pollutant, int64_t hid,
                       int64_t day, struct eg_ts_agg_stats *stats, struct eg_err *err)
{
    int64_t need, rtd, mi;
    int strict;
    int r = rule(ts, source, "day", &need, &rtd, &mi, &strict, err);
    if (r)
        return r;
    struct eg_ts_row *rows;
    size_t n;
    int64_t t0 = eg_ts_day_start(day);
    if ((r = load_marked(ts, hid, t0, t0 + 86400, &rows, &n, err)))
        return r;
    if (n > 0) {
        int64_t valid = 0;
        for (size_t i = 0; i < n; i++)
            valid += (rows[i].mark & EG_TS_MARK_VALID) != 0;
        int ok = valid >= need && !(strict && valid < (int64_t)n);
        struct eg_ts_sample d = summarise(rows, n, t0, ok);
        int64_t did;
        int found;
        r = find_id(ts, source, pollutant, EG_TS_KIND_DAY, "Avg", 1, 1, &did, &found, err);
        if (r == 0)
            r = eg__ts_write_series(ts, did, &d, 1, NULL, err);
        if (stats) {
            stats->days_valid += d.flag == 'N';
            stats->days_invalid += d.flag != 'N';
        }
    }
    free(rows);
    return r;
}

/* Hourly means of (source, pollutant) for day from the fine series fid (kind 2051 or 2011). */
static int compute_hours(struct eg_ts *ts, const char *source, const char *pollutant, int64_t fid,
                         int kind, int64_t day, struct eg_ts_agg_stats *stats, struct eg_err *err)
{
    int64_t need, rtd, mi;
    int strict;
    int r = rule(ts, source, "hour", &need, &rtd, &mi, &strict, err);
    if (r)
        return r;
    int64_t iv = kind == EG_TS_KIND_RTD ? rtd : mi;
    if (iv < 1)
        iv = 60;
    struct eg_ts_row *rows;
    size_t n;
    int64_t t0 = eg_ts_day_start(day);
    if ((r = load_marked(ts, fid, t0, t0 + 86400, &rows, &n, err)))
        return r;
    struct eg_ts_sample out[24];
    size_t no = 0;
    for (size_t i = 0; i < n;) {
        int64_t h = t0 + (rows[i].t - t0) / 3600 * 3600;
        size_t j = i;
        int64_t covered = 0, last_slot = INT64_MIN;
        int abnormal = 0;
        while (j < n && rows[j].t < h + 3600) {
            abnormal |= !(rows[j].mark & EG_TS_MARK_VALID);
            if (rows[j].mark & EG_TS_MARK_VALID) {
                int64_t slot = (rows[j].t - h) / iv; /* one sample covers its interval once */
                if (slot != last_slot)
                    covered += iv;
                last_slot = slot;
            }
            j++;
        }
        if (covered > 3600)
            covered = 3600;
        out[no] = summarise(rows + i, j - i, h, covered >= need * 60 && !(strict && abnormal));
        if (stats) {
            stats->hours_valid += out[no].flag == 'N';
            stats->hours_invalid += out[no].flag != 'N';
        }
        no++;
        i = j;
    }
    free(rows);
    if (no == 0)
        return 0;
    int64_t hid;
    int found;
    r = find_id(ts, source, pollutant, EG_TS_KIND_HOUR, "Avg", 1, 1, &hid, &found, err);
    if (r == 0)
        r = eg__ts_write_series(ts, hid, out, no, NULL, err);
    if (r == 0)
        r = compute_day(ts, source, pollutant, hid, day, stats, err);
    return r;
}

static int agg_one(struct eg_ts *ts, void *arg, struct eg_err *err)
{
    struct agg_ctx *c = arg;
    char source[65], pollutant[65], field[65];
    int kind, computed;
    int r = eg__ts_series_key(ts, c->sid, source, pollutant, &kind, field, &computed, err);
    if (r == 0 && !computed) {
        int64_t id;
        int found = 0;
        if ((kind == EG_TS_KIND_MINUTE && !strcmp(field, "Avg")) ||
            (kind == EG_TS_KIND_RTD && !strcmp(field, "Rtd"))) {
            /* the finest base: minute means when the device sends them, else real-time */
            r = find_id(ts, source, pollutant, EG_TS_KIND_MINUTE, "Avg", 0, 0, &id, &found, err);
            int k = EG_TS_KIND_MINUTE;
            if (r == 0 && found) {
                int64_t t0 = eg_ts_day_start(c->day);
                struct eg_ts_row *rows;
                size_t n;
                r = eg__ts_read(ts, id, t0, t0 + 86400, EG_TS_BLOCK_MAX_SAMPLES, &rows, &n, err);
                free(rows);
                found = r == 0 && n > 0;
            }
            if (r == 0 && !found) {
                r = find_id(ts, source, pollutant, EG_TS_KIND_RTD, "Rtd", 0, 0, &id, &found, err);
                k = EG_TS_KIND_RTD;
            }
            if (r == 0 && found)
                r = compute_hours(ts, source, pollutant, id, k, c->day, c->stats, err);
        } else if (kind == EG_TS_KIND_HOUR && !strcmp(field, "Avg")) {
            /* hourly data as sent or imported: its daily mean, unless computed hours exist */
            r = find_id(ts, source, pollutant, EG_TS_KIND_HOUR, "Avg", 1, 0, &id, &found, err);
            if (r == 0 && !found)
                r = compute_day(ts, source, pollutant, c->sid, c->day, c->stats, err);
        }
    }
    if (r == 0) {
        struct eg_stmt *s;
        r = eg_db_prepare(ts->st, "DELETE FROM ts_dirty WHERE series_id = ? AND day = ?", &s, err);
        if (r == 0) {
            eg_stmt_bind_int(s, 1, c->sid);
            eg_stmt_bind_int(s, 2, c->day);
            r = eg_stmt_step(s, err);
            eg_stmt_done(s);
        }
        /* writers keep the marks they made while agg_gen is unchanged: tell them */
        if (r >= 0)
            r = eg_db_exec(ts->st, "UPDATE ts_meta SET value = value + 1 WHERE key = 'agg_gen'",
                           err);
    }
    if (r == 0 && c->stats)
        c->stats->days++;
    return r < 0 ? r : 0;
}

int eg_ts_aggregate(struct eg_ts *ts, struct eg_ts_agg_stats *stats, struct eg_err *err)
{
    if (stats)
        memset(stats, 0, sizeof *stats);
    /* A cursor over (series_id, day), so a day that fails (an unreadable block) is reported
       and left dirty while the others go on. */
    int64_t after_sid = INT64_MIN, after_day = INT64_MIN;
    int first = 0;
    for (;;) {
        struct eg_stmt *s;
        int r = eg_db_prepare(ts->st,
                              "SELECT series_id, day FROM ts_dirty WHERE series_id > ?1 OR "
                              "(series_id = ?1 AND day > ?2) ORDER BY series_id, day LIMIT 512",
                              &s, err);
        if (r)
            return r;
        eg_stmt_bind_int(s, 1, after_sid);
        eg_stmt_bind_int(s, 2, after_day);
        struct agg_ctx todo[512];
        size_t n = 0;
        while (n < 512 && (r = eg_stmt_step(s, err)) == 1)
            todo[n++] = (struct agg_ctx){eg_stmt_int(s, 0), eg_stmt_int(s, 1), stats};
        eg_stmt_done(s);
        if (r < 0)
            return r;
        if (n == 0)
            return first;
        for (size_t i = 0; i < n; i++) {
            struct eg_err e;
            eg__ts_yield(ts);
            r = eg__ts_tx(ts, agg_one, &todo[i], &e);
            if (r == EG_EINVAL || r == EG_ETOOBIG || r == EG_ENOTFOUND) {
                eg_log(EG_LOG_ERROR, "ts: means of series %lld day %lld not recomputed: %s",
                       (long long)todo[i].sid, (long long)todo[i].day, e.msg);
                if (!first && err)
                    *err = e;
                first = first ? first : r;
            } else if (r) {
                if (err)
                    *err = e;
                return r;
            }
        }
        after_sid = todo[n - 1].sid;
        after_day = todo[n - 1].day;
    }
}

int eg_ts_source_set(struct eg_ts *ts, const char *source, const char *profile,
                     int64_t rtd_interval_s, int64_t min_interval_s, struct eg_err *err)
{
    struct eg_ts_key k = {source, "x", EG_TS_KIND_MINUTE, "Avg", 0};
    int r = eg__ts_key_check(&k, err);
    if (r)
        return r;
    if (!profile || (strcmp(profile, EG_TS_PROFILE_AMBIENT) && strcmp(profile, EG_TS_PROFILE_GAS) &&
                     strcmp(profile, EG_TS_PROFILE_WATER)))
        return eg_err_set(err, EG_EINVAL, "bad_profile", -1,
                          "profile must be ambient, gas or water");
    if (rtd_interval_s > 3600 || min_interval_s > 3600 || rtd_interval_s < 0 || min_interval_s < 0)
        return eg_err_set(err, EG_EINVAL, "bad_interval", -1,
                          "intervals are 1..3600 s (HJ 212-2017 Table 4: RtdInterval 30..3600, "
                          "MinInterval 1..30 min)");
    struct eg_stmt *s;
    r = eg_db_prepare(ts->st,
                      "INSERT INTO ts_source (source, profile, rtd_interval_s, min_interval_s) "
                      "VALUES (?1, ?2, COALESCE(?3, 60), COALESCE(?4, 60)) ON CONFLICT (source) "
                      "DO UPDATE SET profile = excluded.profile, rtd_interval_s = "
                      "COALESCE(?3, ts_source.rtd_interval_s), min_interval_s = "
                      "COALESCE(?4, ts_source.min_interval_s)",
                      &s, err);
    if (r)
        return r;
    eg_stmt_bind_text(s, 1, source, strlen(source));
    eg_stmt_bind_text(s, 2, profile, strlen(profile));
    if (rtd_interval_s > 0)
        eg_stmt_bind_int(s, 3, rtd_interval_s);
    else
        eg_stmt_bind_null(s, 3);
    if (min_interval_s > 0)
        eg_stmt_bind_int(s, 4, min_interval_s);
    else
        eg_stmt_bind_null(s, 4);
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}
