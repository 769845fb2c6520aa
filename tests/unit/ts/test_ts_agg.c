/* Tests of aggregation (ts_agg.c) and validity/review (ts_review.c): GB 3095-2012 Table 4
   hourly/daily validity, recomputation on late data, declared windows, officer reviews, rates. */
#include "db/db.h"
#include "test.h"
#include "ts/ts.h"
#include "unit/db/db_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define NOW ((int64_t)1795665600) /* 2026-11-20 12:00 Beijing */

static const struct eg_ts_key MIN_KEY = {"STA1", "a21026", EG_TS_KIND_MINUTE, "Avg", 0};
static const struct eg_ts_key HOUR_KEY = {"STA1", "a21026", EG_TS_KIND_HOUR, "Avg", 1};
static const struct eg_ts_key DAY_KEY = {"STA1", "a21026", EG_TS_KIND_DAY, "Avg", 1};

/* Writes minute m of hour h of day (a day start) when keep(h, m) says so; value 10 + h. */
static void write_day(struct eg_ts *ts, int64_t day, int (*keep)(int h, int m),
                      char (*flag)(int h, int m))
{
    struct eg_ts_point *p = malloc(1440 * sizeof *p);
    size_t n = 0;
    for (int h = 0; h < 24; h++)
        for (int m = 0; m < 60; m++)
            if (keep(h, m))
                p[n++] = (struct eg_ts_point){MIN_KEY, day + h * 3600 + m * 60, 10 + h,
                                              flag ? flag(h, m) : 'N'};
    struct eg_err err;
    REQUIRE(eg_ts_write_batch(ts, p, n, EG_TS_CREATE, NULL, &err) == 0);
    free(p);
}

/* hour 0: 45 minutes; hour 1: 44; hour 2: 50 but 10 flagged D; hours 3-19 full; 20-23 none */
static int keep1(int h, int m)
{
    return h == 0 ? m < 45 : h == 1 ? m < 44 : h == 2 ? m < 50 : h < 20;
}
static char flag1(int h, int m)
{
    return h == 2 && m < 10 ? 'D' : 'N';
}

static struct eg_ts_row *hours(struct eg_ts *ts, int64_t day, size_t *n, int tier)
{
    struct eg_ts_row *rows;
    struct eg_err err;
    REQUIRE(eg_ts_query(ts, &HOUR_KEY, day, day + 86400, tier, 100, &rows, n, &err) == 0);
    return rows;
}

TEST(ts_agg_gb3095_hour_needs_45_minutes_day_needs_20_hours)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("agg.db", NOW, &ts);
    struct eg_err err;
    int64_t day = eg_ts_day_start(eg_ts_day_of(NOW) - 3);
    write_day(ts, day, keep1, flag1);
    struct eg_ts_agg_stats stats;
    REQUIRE(eg_ts_aggregate(ts, &stats, &err) == 0);
    CHECK_EQ_INT(stats.hours_valid, 18); /* 0 and 3..19 */
    CHECK_EQ_INT(stats.hours_invalid, 2);
    size_t n;
    struct eg_ts_row *h = hours(ts, day, &n, 0);
    REQUIRE(n == 20);
    CHECK_EQ_INT(h[0].flag, 'N');
    CHECK_EQ_DBL(h[0].v, 10, 0);
    CHECK_EQ_INT(h[1].flag, 'B'); /* 44 normal minutes: too few */
    CHECK_EQ_INT(h[2].flag, 'D'); /* 40 valid minutes, the rest instrument fault */
    CHECK_EQ_DBL(h[2].v, 12, 0);  /* mean of the valid minutes only */
    free(h);
    /* 18 valid hours < 20: the day is computed but invalid */
    struct eg_ts_row *d;
    REQUIRE(eg_ts_query(ts, &DAY_KEY, day, day + 86400, 0, 10, &d, &n, &err) == 0);
    REQUIRE(n == 1);
    CHECK(d[0].flag != 'N');
    free(d);
    /* the device's own series is untouched beside the computed ones */
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_series WHERE computed = 1"), 2);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_dirty"), 0);
    eg_ts_close(ts);
    eg_db_close(st);
}

static int keep_late(int h, int m)
{
    return (h == 1 && m == 44) || (h >= 20 && h < 22);
}

/* Issue 4 §4: recomputed when late data arrives (here into a day already compacted). */
TEST(ts_agg_recomputed_when_late_data_arrives)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("agg.db", NOW, &ts);
    struct eg_err err;
    int64_t day = eg_ts_day_start(eg_ts_day_of(NOW) - 3);
    write_day(ts, day, keep1, flag1);
    REQUIRE(eg_ts_aggregate(ts, NULL, &err) == 0);
    write_day(ts, day, keep_late, NULL); /* minute 44 of hour 1, hours 20 and 21 */
    struct eg_ts_agg_stats stats;
    REQUIRE(eg_ts_aggregate(ts, &stats, &err) == 0);
    CHECK_EQ_INT(stats.days, 1);
    size_t n;
    struct eg_ts_row *h = hours(ts, day, &n, 0);
    REQUIRE(n == 22);
    CHECK_EQ_INT(h[1].flag, 'N');
    free(h);
    struct eg_ts_row *d;
    REQUIRE(eg_ts_query(ts, &DAY_KEY, day, day + 86400, 0, 10, &d, &n, &err) == 0);
    REQUIRE(n == 1);
    CHECK_EQ_INT(d[0].flag, 'N'); /* 21 valid hours >= 20 */
    free(d);
    eg_ts_close(ts);
    eg_db_close(st);
}

static int keep_all(int h, int m)
{
    (void)h;
    (void)m;
    return 1;
}

/* Issue 4 §5: a declared window marks data (not deleted) and invalidates it; an officer's
   review needs a reason, is kept, and applies to the reviewed tier only; raw values stay. */
TEST(ts_review_declarations_mark_and_reviews_are_audited_tiers)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("agg.db", NOW, &ts);
    struct eg_err err;
    int64_t day = eg_ts_day_start(eg_ts_day_of(NOW) - 3);
    write_day(ts, day, keep_all, NULL);
    int64_t id;
    REQUIRE(eg_ts_declare(ts, "STA1", NULL, day + 5 * 3600, day + 5 * 3600 + 1800, "maintenance",
                          "analyser cleaning", "enterprise:91310000", &id, &err) == 0);
    CHECK_EQ_INT(eg_ts_declare(ts, "STA1", NULL, day, day + 60, "holiday", NULL, "x", NULL, &err),
                 EG_EINVAL);
    CHECK_EQ_INT(eg_ts_declare(ts, "STA1", NULL, day + 60, day, "fault", NULL, "x", NULL, &err),
                 EG_EINVAL);
    /* review: hour 7 invalid, then minutes 7:00-7:10 confirmed valid again */
    CHECK_EQ_INT(
        eg_ts_review(ts, &MIN_KEY, day + 7 * 3600, day + 8 * 3600, "invalid", "", "li", NULL, &err),
        EG_EINVAL);
    CHECK_STR(err.code, "reason_required");
    REQUIRE(eg_ts_review(ts, &MIN_KEY, day + 7 * 3600, day + 8 * 3600, "invalid",
                         "zero drift found on site", "officer li", NULL, &err) == 0);
    REQUIRE(eg_ts_review(ts, &MIN_KEY, day + 7 * 3600, day + 7 * 3600 + 600, "valid",
                         "drift started 07:10 per calibration log", "officer wang", NULL,
                         &err) == 0);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_review"), 2);
    struct eg_ts_row *r;
    size_t n;
    REQUIRE(eg_ts_query(ts, &MIN_KEY, day, day + 86400, EG_TS_PRELIMINARY, 2000, &r, &n, &err) ==
            0);
    REQUIRE(n == 1440);
    CHECK(r[5 * 60 + 10].mark & EG_TS_MARK_DECLARED);
    CHECK(!(r[5 * 60 + 10].mark & EG_TS_MARK_VALID));
    CHECK_EQ_DBL(r[5 * 60 + 10].v, 15, 0);         /* kept, not deleted */
    CHECK(r[7 * 60 + 20].mark & EG_TS_MARK_VALID); /* preliminary: reviews not applied */
    free(r);
    REQUIRE(eg_ts_query(ts, &MIN_KEY, day, day + 86400, EG_TS_REVIEWED, 2000, &r, &n, &err) == 0);
    CHECK(r[7 * 60 + 20].mark & EG_TS_MARK_REVIEW_INVALID);
    CHECK(!(r[7 * 60 + 20].mark & EG_TS_MARK_VALID));
    CHECK(r[7 * 60 + 5].mark & EG_TS_MARK_REVIEW_VALID);
    CHECK(r[7 * 60 + 5].mark & EG_TS_MARK_VALID);
    CHECK_EQ_DBL(r[7 * 60 + 20].v, 17, 0);
    free(r);
    /* the aggregation honours both: hour 5 has 30 valid minutes, hour 7 has 10 */
    REQUIRE(eg_ts_aggregate(ts, NULL, &err) == 0);
    struct eg_ts_row *h = hours(ts, day, &n, 0);
    REQUIRE(n == 24);
    CHECK(h[5].flag != 'N');
    CHECK(h[7].flag != 'N');
    CHECK_EQ_INT(h[6].flag, 'N');
    free(h);
    eg_ts_close(ts);
    eg_db_close(st);
}

static int keep_rates(int h, int m)
{
    (void)m;
    return h != 3 && h != 4; /* 1320 of 1440 minutes received */
}
static char flag_rates(int h, int m)
{
    return h == 10 && m < 30 ? 'D' : 'N';
}

/* 传输率 and 有效数据率: received/expected and valid/expected; a declared 'stopped' window is
   not expected to carry data. */
TEST(ts_review_transmission_and_valid_data_rates)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("agg.db", NOW, &ts);
    struct eg_err err;
    int64_t day = eg_ts_day_start(eg_ts_day_of(NOW) - 3);
    write_day(ts, day, keep_rates, flag_rates);
    struct eg_ts_rates r;
    REQUIRE(eg_ts_rates(ts, "STA1", EG_TS_KIND_MINUTE, day, day + 86400, &r, &err) == 0);
    CHECK_EQ_INT(r.series, 1);
    CHECK_EQ_INT(r.expected, 1440);
    CHECK_EQ_INT(r.received, 1320);
    CHECK_EQ_INT(r.valid, 1290);
    REQUIRE(eg_ts_declare(ts, "STA1", "a21026", day + 3 * 3600, day + 4 * 3600, "stopped", NULL,
                          "ent", NULL, &err) == 0);
    REQUIRE(eg_ts_rates(ts, "STA1", EG_TS_KIND_MINUTE, day, day + 86400, &r, &err) == 0);
    CHECK_EQ_INT(r.expected, 1380);
    CHECK_EQ_DBL(r.transmission_rate, 1320.0 / 1380.0, 1e-12);
    CHECK_EQ_DBL(r.valid_rate, 1290.0 / 1380.0, 1e-12);
    /* a 5-minute MinInterval changes what is expected */
    REQUIRE(eg_ts_source_set(ts, "STA1", "gas", 0, 300, &err) == 0);
    REQUIRE(eg_ts_rates(ts, "STA1", EG_TS_KIND_MINUTE, day, day + 86400, &r, &err) == 0);
    CHECK_EQ_INT(r.expected, 288 - 12);
    CHECK_EQ_INT(r.received, 288 - 24);
    CHECK_EQ_INT(eg_ts_source_set(ts, "STA1", "soil", 0, 0, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_validity_rule WHERE confirmed = 0"), 4);
    eg_ts_close(ts);
    eg_db_close(st);
}

/* Waste water (profile water, HJ 212-2017 notes to C.16-C.18): one abnormal value makes the
   mean abnormal; a single valid analyser value makes an hour (UNCONFIRMED default, configurable).
 */
TEST(ts_agg_water_one_abnormal_value_invalidates_the_hour)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("agg.db", NOW, &ts);
    struct eg_err err;
    REQUIRE(eg_ts_source_set(ts, "STA1", "water", 0, 0, &err) == 0);
    int64_t day = eg_ts_day_start(eg_ts_day_of(NOW) - 3);
    struct eg_ts_point p[4] = {
        {MIN_KEY, day + 0 * 3600, 20.5, 'N'}, /* hour 0: one value, valid */
        {MIN_KEY, day + 1 * 3600, 21.5, 'N'},
        {MIN_KEY, day + 1 * 3600 + 60, 99, 'D'}, /* hour 1 */
        {MIN_KEY, day + 2 * 3600, 22.5, 'N'},
    };
    REQUIRE(eg_ts_write_batch(ts, p, 4, EG_TS_CREATE, NULL, &err) == 0);
    REQUIRE(eg_ts_aggregate(ts, NULL, &err) == 0);
    size_t n;
    struct eg_ts_row *h = hours(ts, day, &n, 0);
    REQUIRE(n == 3);
    CHECK_EQ_INT(h[0].flag, 'N');
    CHECK_EQ_INT(h[1].flag, 'D');
    CHECK_EQ_DBL(h[1].v, 21.5, 0); /* mean of the valid value, marked abnormal */
    CHECK_EQ_INT(h[2].flag, 'N');
    free(h);
    CHECK_EQ_INT(eg_tfx_int(st,
                            "SELECT strict_flags FROM ts_validity_rule WHERE profile = 'water' AND "
                            "period = 'hour'"),
                 1);
    eg_ts_close(ts);
    eg_db_close(st);
}
