/* Tests of the time-series store (ts/store.c, ts/query.c): batches, dedup, late data,
   quarantine, refusal of bad input, compaction, queries (issue 4 §1-3, §7). Real SQLite files. */
#include "db/db.h"
#include "test.h"
#include "ts/ts.h"
#include "unit/db/db_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* 2026-11-20 12:00 Beijing */
#define NOW ((int64_t)1795665600)

static struct eg_ts_point pt(const char *src, const char *pol, int64_t t, double v, char flag)
{
    return (struct eg_ts_point){{src, pol, EG_TS_KIND_MINUTE, "Avg", 0}, t, v, flag};
}

static const struct eg_ts_key KEY = {"MN001", "w01018", EG_TS_KIND_MINUTE, "Avg", 0};

/* The open-day rows are encoded (ts_run, migration 103): counted through their decoded view
   (the TEMP table ts_raw of eg_ts_rows_view). */
static int64_t raw_int(struct eg_db *st, struct eg_ts *ts, const char *sql)
{
    struct eg_err err;
    REQUIRE(eg_ts_rows_view(ts, &err) == 0);
    return eg_tfx_int(st, sql);
}

TEST(ts_store_write_then_query_rows_of_today)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("ts.db", NOW, &ts);
    struct eg_ts_point p[60];
    for (int i = 0; i < 60; i++)
        p[i] = pt("MN001", "w01018", NOW - 3600 + i * 60, 20 + i * 0.1, 'N');
    struct eg_ts_report rep = {0};
    struct eg_err err;
    REQUIRE(eg_ts_write_batch(ts, p, 60, EG_TS_CREATE, &rep, &err) == 0);
    CHECK_EQ_INT(rep.written, 60);
    CHECK_EQ_INT(rep.series_created, 1);
    CHECK_EQ_INT(raw_int(st, ts, "SELECT COUNT(*) FROM ts_raw"), 60);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_block"), 0);
    struct eg_ts_row *rows;
    size_t n;
    REQUIRE(eg_ts_query(ts, &KEY, NOW - 3600, NOW, EG_TS_PRELIMINARY, 1000, &rows, &n, &err) == 0);
    REQUIRE(n == 60);
    CHECK_EQ_DBL(rows[59].v, 25.9, 1e-12);
    CHECK(rows[0].mark & EG_TS_MARK_VALID);
    free(rows);
    /* the limit is honoured */
    CHECK_EQ_INT(eg_ts_query(ts, &KEY, NOW - 3600, NOW, 0, 10, &rows, &n, &err), EG_ETOOBIG);
    eg_ts_close(ts);
    eg_db_close(st);
}

/* Issue 4 §3: the same value written twice is stored once; a different value at the same time
   replaces it (latest wins) and is counted. Both for rows and for compacted days. */
TEST(ts_store_duplicates_stored_once_and_replacements_counted)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("ts.db", NOW, &ts);
    struct eg_err err;
    for (int pass = 0; pass < 2; pass++) {
        int64_t base = pass == 0 ? NOW - 600 : NOW - 10 * 86400; /* rows, then an old day */
        struct eg_ts_point p[3] = {pt("MN001", "w01018", base, 1.5, 'N'),
                                   pt("MN001", "w01018", base + 60, 2.5, 'N'),
                                   pt("MN001", "w01018", base + 120, 3.5, 'N')};
        struct eg_ts_report rep = {0};
        REQUIRE(eg_ts_write_batch(ts, p, 3, EG_TS_CREATE, &rep, &err) == 0);
        CHECK_EQ_INT(rep.written, 3);
        memset(&rep, 0, sizeof rep);
        REQUIRE(eg_ts_write_batch(ts, p, 3, 0, &rep, &err) == 0); /* device retry */
        CHECK_EQ_INT(rep.duplicates, 3);
        CHECK_EQ_INT(rep.written, 0);
        p[1].v = 2.75;
        p[2].flag = 'M';
        memset(&rep, 0, sizeof rep);
        REQUIRE(eg_ts_write_batch(ts, p, 3, 0, &rep, &err) == 0);
        CHECK_EQ_INT(rep.duplicates, 1);
        CHECK_EQ_INT(rep.replaced, 2);
        /* twice in one batch: the later one wins */
        struct eg_ts_point q[2] = {pt("MN001", "w01018", base + 180, 9, 'N'),
                                   pt("MN001", "w01018", base + 180, 8, 'N')};
        memset(&rep, 0, sizeof rep);
        REQUIRE(eg_ts_write_batch(ts, q, 2, 0, &rep, &err) == 0);
        CHECK_EQ_INT(rep.written, 1);
        CHECK_EQ_INT(rep.replaced, 1);
        struct eg_ts_row *rows;
        size_t n;
        REQUIRE(eg_ts_query(ts, &KEY, base, base + 3600, 0, 100, &rows, &n, &err) == 0);
        REQUIRE(n == 4);
        CHECK_EQ_DBL(rows[1].v, 2.75, 0);
        CHECK_EQ_INT(rows[2].flag, 'M');
        CHECK_EQ_DBL(rows[3].v, 8, 0);
        free(rows);
    }
    CHECK_EQ_INT(raw_int(st, ts, "SELECT COUNT(*) FROM ts_raw"), 4);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_block"), 1);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT SUM(n) FROM ts_block"), 4);
    eg_ts_close(ts);
    eg_db_close(st);
}

/* Issue 4 §2-3: closed days become blocks; late and out-of-order data is merged into them (the
   day is re-compacted); queries read rows and blocks together. */
TEST(ts_store_late_data_merges_into_compacted_days)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("ts.db", NOW, &ts);
    struct eg_err err;
    int64_t day0 = eg_ts_day_start(eg_ts_day_of(NOW)); /* today 00:00 Beijing */
    /* three days of even minutes, written as rows while "now" was each day */
    for (int d = 2; d >= 0; d--) {
        eg_ts_set_now(ts, day0 - d * 86400 + 86399);
        struct eg_ts_point *p = malloc(720 * sizeof *p);
        for (int i = 0; i < 720; i++)
            p[i] = pt("MN001", "w01018", day0 - d * 86400 + i * 120, d * 100 + i * 0.5, 'N');
        REQUIRE(eg_ts_write_batch(ts, p, 720, EG_TS_CREATE, NULL, &err) == 0);
        free(p);
    }
    eg_ts_set_now(ts, NOW);
    CHECK_EQ_INT(raw_int(st, ts, "SELECT COUNT(*) FROM ts_raw"), 3 * 720);
    size_t days;
    REQUIRE(eg_ts_compact(ts, &days, &err) == 0);
    CHECK_EQ_INT(days, 1); /* two days ago; yesterday and today stay rows */
    CHECK_EQ_INT(raw_int(st, ts, "SELECT COUNT(*) FROM ts_raw"), 2 * 720);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT n FROM ts_block"), 720);
    /* late, out-of-order odd minutes for the compacted day, newest first */
    struct eg_ts_point late[10];
    for (int i = 0; i < 10; i++)
        late[i] = pt("MN001", "w01018", day0 - 2 * 86400 + (19 - 2 * i) * 60, -1 - i, 'N');
    struct eg_ts_report rep = {0};
    REQUIRE(eg_ts_write_batch(ts, late, 10, 0, &rep, &err) == 0);
    CHECK_EQ_INT(rep.written, 10);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT n FROM ts_block"), 730);
    struct eg_ts_row *rows;
    size_t n;
    REQUIRE(eg_ts_query(ts, &KEY, day0 - 2 * 86400, day0 + 86400, 0, 100000, &rows, &n, &err) == 0);
    CHECK_EQ_INT(n, 3 * 720 + 10);
    for (size_t i = 1; i < n; i++)
        REQUIRE(rows[i].t > rows[i - 1].t);
    CHECK_EQ_DBL(rows[1].v, -10, 0); /* minute 1 of day -2 */
    CHECK_EQ_DBL(rows[2].v, 200.5, 0);
    free(rows);
    /* a later "now": everything but today compacts; data equal */
    eg_ts_set_now(ts, NOW + 2 * 86400);
    REQUIRE(eg_ts_compact(ts, &days, &err) == 0);
    CHECK_EQ_INT(days, 2);
    CHECK_EQ_INT(raw_int(st, ts, "SELECT COUNT(*) FROM ts_raw"), 0);
    REQUIRE(eg_ts_query(ts, &KEY, day0 - 2 * 86400, day0 + 86400, 0, 100000, &rows, &n, &err) == 0);
    CHECK_EQ_INT(n, 3 * 720 + 10);
    free(rows);
    eg_ts_close(ts);
    eg_db_close(st);
}

/* Issue 4 §3: stamped > 1 day in the future or before 2000 (the real capture has 2000-02-02
   from a device whose clock restarted: caught by the lateness limit an ingest writer sets):
   kept in quarantine with the reason. */
TEST(ts_store_quarantines_future_and_pre_2000_times)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("ts.db", NOW, &ts);
    struct eg_err err;
    int64_t y2000;
    REQUIRE(eg_time_parse_beijing("20000202050000", 14, &y2000) == 0);
    struct eg_ts_point p[4] = {pt("LD130131000211", "B02", y2000, 330.38, 'N'),
                               pt("LD130131000211", "B02", NOW + 86400 + 1, 1, 'N'),
                               pt("LD130131000211", "B02", NOW + 86400, 2, 'N'), /* 1 day: ok */
                               pt("LD130131000211", "B02", 946656000 - 1, 3, 'N')};
    struct eg_ts_report rep = {0};
    eg_ts_set_max_late(ts, 366 * 86400);
    REQUIRE(eg_ts_write_batch(ts, p, 4, EG_TS_CREATE, &rep, &err) == 0);
    CHECK_EQ_INT(rep.quarantined, 3);
    CHECK_EQ_INT(rep.written, 1);
    CHECK_EQ_INT(
        eg_tfx_int(st, "SELECT COUNT(*) FROM ts_quarantine WHERE reason LIKE '%before 2000%'"), 1);
    CHECK_EQ_INT(
        eg_tfx_int(st, "SELECT COUNT(*) FROM ts_quarantine WHERE reason LIKE '%lateness%'"), 1);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_quarantine WHERE reason LIKE '%future%'"),
                 1);
    REQUIRE(eg_ts_write_batch(ts, p, 4, 0, &rep, &err) == 0); /* again: kept once */
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_quarantine"), 3);
    CHECK_EQ_INT(raw_int(st, ts, "SELECT COUNT(*) FROM ts_raw"), 1);
    eg_ts_close(ts);
    eg_db_close(st);
}

/* Issue 4 "Bad input": NaN, infinities, bad flags, bad keys, unknown series are refused with a
   clear error and nothing of the batch is written. */
TEST(ts_store_bad_points_refuse_the_whole_batch)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("ts.db", NOW, &ts);
    struct eg_err err;
    struct eg_ts_point ok = pt("MN001", "w01018", NOW - 60, 1, 'N');
    REQUIRE(eg_ts_write_batch(ts, &ok, 1, EG_TS_CREATE, NULL, &err) == 0);
    struct {
        struct eg_ts_point p;
        unsigned flags;
        const char *code;
    } bad[] = {
        {pt("MN001", "w01018", NOW, NAN, 'N'), EG_TS_CREATE, "not_finite"},
        {pt("MN001", "w01018", NOW, INFINITY, 'N'), EG_TS_CREATE, "not_finite"},
        {pt("MN001", "w01018", NOW, -INFINITY, 'N'), EG_TS_CREATE, "not_finite"},
        {pt("MN001", "w01018", NOW, 1, 'n'), EG_TS_CREATE, "bad_flag"},
        {pt("MN001", "w01018", NOW, 1, 0), EG_TS_CREATE, "bad_flag"},
        {pt("MN 001", "w01018", NOW, 1, 'N'), EG_TS_CREATE, "bad_source"},
        {pt("", "w01018", NOW, 1, 'N'), EG_TS_CREATE, "bad_source"},
        {pt("MN001", "w01018;DROP", NOW, 1, 'N'), EG_TS_CREATE, "bad_pollutant"},
        {pt("MN002", "w01018", NOW, 1, 'N'), 0, "unknown_series"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        struct eg_ts_point batch[3] = {pt("MN001", "w01018", NOW - 120, 5, 'N'), bad[i].p,
                                       pt("MN003", "w01018", NOW - 120, 5, 'N')};
        int r = eg_ts_write_batch(ts, batch, 3, bad[i].flags, NULL, &err);
        CHECK(r < 0);
        CHECK_STR(err.code, bad[i].code);
        CHECK_EQ_INT(err.offset, 1);
    }
    struct eg_ts_point k = pt("MN001", "w01018", NOW, 1, 'N');
    k.key.kind = 2062;
    CHECK_EQ_INT(eg_ts_write_batch(ts, &k, 1, EG_TS_CREATE, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "bad_kind");
    k.key.kind = EG_TS_KIND_MINUTE;
    k.key.field = "Foo";
    CHECK_EQ_INT(eg_ts_write_batch(ts, &k, 1, EG_TS_CREATE, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "bad_field");
    CHECK_EQ_INT(raw_int(st, ts, "SELECT COUNT(*) FROM ts_raw"), 1);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_series"), 1); /* MN003 not created */
    /* the same series is usable after a refused batch (cache consistent) */
    struct eg_ts_point b2[2] = {pt("MN003", "w01018", NOW - 120, 5, 'N'),
                                pt("MN001", "w01018", NOW - 120, 5, 'N')};
    REQUIRE(eg_ts_write_batch(ts, b2, 2, EG_TS_CREATE, NULL, &err) == 0);
    CHECK_EQ_INT(raw_int(st, ts, "SELECT COUNT(*) FROM ts_raw"), 3);
    eg_ts_close(ts);
    eg_db_close(st);
}

/* The ingest writer may group batches in its own transaction; a refused batch inside it undoes
   only itself (savepoint), and a rollback by the caller undoes everything. */
TEST(ts_store_batches_join_a_caller_transaction)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("ts.db", NOW, &ts);
    struct eg_err err;
    REQUIRE(eg_db_begin(st, &err) == 0);
    struct eg_ts_point a = pt("MN001", "w01018", NOW - 60, 1, 'N');
    REQUIRE(eg_ts_write_batch(ts, &a, 1, EG_TS_CREATE, NULL, &err) == 0);
    struct eg_ts_point b[2] = {pt("MN001", "w01018", NOW - 120, 1, 'N'),
                               pt("MN009", "w01018", NOW - 120, 1, 'N')};
    CHECK_EQ_INT(eg_ts_write_batch(ts, b, 2, 0, NULL, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(raw_int(st, ts, "SELECT COUNT(*) FROM ts_raw"), 1);
    REQUIRE(eg_db_commit(st, &err) == 0);
    REQUIRE(eg_db_begin(st, &err) == 0);
    struct eg_ts_point c = pt("MN004", "w01018", NOW - 60, 1, 'N');
    REQUIRE(eg_ts_write_batch(ts, &c, 1, EG_TS_CREATE, NULL, &err) == 0);
    eg_db_rollback(st);
    CHECK_EQ_INT(raw_int(st, ts, "SELECT COUNT(*) FROM ts_raw"), 1);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_series"), 1);
    eg_ts_close(ts);
    eg_db_close(st);
}

TEST(ts_store_buckets_and_latest_of_many)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("ts.db", NOW, &ts);
    struct eg_err err;
    int64_t day0 = eg_ts_day_start(eg_ts_day_of(NOW)) - 5 * 86400;
    struct eg_ts_point *p = malloc(3 * 1440 * sizeof *p);
    for (int i = 0; i < 3 * 1440; i++)
        p[i] = pt("MN001", "w01018", day0 + i * 60, i % 60, i % 60 == 59 ? 'D' : 'N');
    REQUIRE(eg_ts_write_batch(ts, p, 3 * 1440, EG_TS_CREATE, NULL, &err) == 0);
    free(p);
    struct eg_ts_bucket *b;
    size_t n;
    REQUIRE(eg_ts_query_buckets(ts, &KEY, day0, day0 + 3 * 86400, 3600, 0, &b, &n, &err) == 0);
    REQUIRE(n == 72);
    CHECK_EQ_INT(b[5].t, day0 + 5 * 3600);
    CHECK_EQ_INT(b[5].total, 60);
    CHECK_EQ_INT(b[5].count, 59); /* the D minute is not valid */
    CHECK_EQ_DBL(b[5].avg, 29, 1e-9);
    CHECK_EQ_DBL(b[5].max, 58, 0);
    free(b);
    REQUIRE(eg_ts_query_buckets(ts, &KEY, day0, day0 + 3 * 86400, 86400, 0, &b, &n, &err) == 0);
    REQUIRE(n == 3);
    CHECK_EQ_INT(b[1].t, day0 + 86400); /* Beijing midnight */
    free(b);
    CHECK_EQ_INT(eg_ts_query_buckets(ts, &KEY, day0, day0 + 10, 7, 0, &b, &n, &err), EG_EINVAL);
    struct eg_ts_key keys[3] = {KEY, {"MN404", "w01018", 2051, "Avg", 0}, KEY};
    keys[2].pollutant = "w01019";
    struct eg_ts_row last[3];
    int found[3];
    REQUIRE(eg_ts_latest(ts, keys, 3, last, found, &err) == 0);
    CHECK(found[0] && !found[1] && !found[2]);
    CHECK_EQ_INT(last[0].t, day0 + (3 * 1440 - 1) * 60);
    CHECK_EQ_INT(last[0].flag, 'D');
    /* an older write does not move the latest back */
    struct eg_ts_point old = pt("MN001", "w01018", day0 - 86400, 1, 'N');
    REQUIRE(eg_ts_write_batch(ts, &old, 1, 0, NULL, &err) == 0);
    REQUIRE(eg_ts_latest(ts, keys, 1, last, found, &err) == 0);
    CHECK_EQ_INT(last[0].t, day0 + (3 * 1440 - 1) * 60);
    eg_ts_close(ts);
    eg_db_close(st);
}

/* A corrupt stored block is reported, and a write into its day is refused rather than
   overwriting (and losing) what was there. */
TEST(ts_store_corrupt_block_is_an_error_not_a_loss)
{
    if (eg_test_pg()) { /* it plants damage in the SQLite layout of ts_run */
        printf("    not run on PostgreSQL yet: it plants damage in the SQLite layout of ts_run\n");
        return;
    }
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("ts.db", NOW, &ts);
    struct eg_err err;
    struct eg_ts_point p = pt("MN001", "w01018", NOW - 10 * 86400, 1, 'N');
    REQUIRE(eg_ts_write_batch(ts, &p, 1, EG_TS_CREATE, NULL, &err) == 0);
    REQUIRE(eg_db_exec(st, "UPDATE ts_block SET data = X'0102030405060708090a'", &err) == 0);
    struct eg_ts_row *rows;
    size_t n;
    CHECK_EQ_INT(eg_ts_query(ts, &KEY, NOW - 11 * 86400, NOW, 0, 100, &rows, &n, &err), EG_EINVAL);
    CHECK_STR(err.code, "corrupt_block");
    p.t += 60;
    CHECK_EQ_INT(eg_ts_write_batch(ts, &p, 1, 0, NULL, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT length(data) FROM ts_block"), 10);
    /* rows of that day left from before and a row of another series on the same day (as if
       written while the day was open): compaction reports the bad day, keeps its rows, and
       compacts the other */
    struct eg_ts_point q = pt("MN002", "w01018", NOW, 3, 'N');
    REQUIRE(eg_ts_write_batch(ts, &q, 1, EG_TS_CREATE, NULL, &err) == 0);
    /* written as migration 103 carries old rows over: "series t value flag" text rows keyed
       (10-minute bucket << 32) | (series >> 4) */
    char sql[300];
    int64_t t1 = NOW - 10 * 86400 + 120, t2 = NOW - 10 * 86400;
    REQUIRE((t1 + 28800) / 600 == (t2 + 28800) / 600); /* one bucket, one group: one row */
    snprintf(sql, sizeof sql,
             "INSERT INTO ts_run (id, n, data) VALUES (((%lld + 28800) / 600) << 32, 2, "
             "'1 %lld 2.0 78;2 %lld 3.0 78')",
             (long long)t1, (long long)t1, (long long)t2);
    REQUIRE(eg_db_exec(st, sql, &err) == 0);
    size_t days;
    CHECK_EQ_INT(eg_ts_compact(ts, &days, &err), EG_EINVAL);
    CHECK_STR(err.code, "corrupt_block");
    CHECK_EQ_INT(days, 1); /* MN002's day */
    CHECK_EQ_INT(raw_int(st, ts, "SELECT COUNT(*) FROM ts_raw WHERE series_id = 2"), 1); /* today */
    CHECK_EQ_INT(raw_int(st, ts, "SELECT COUNT(*) FROM ts_raw WHERE series_id = 1"), 1); /* kept */
    eg_ts_close(ts);
    eg_db_close(st);
}

/* Many keys take the scanning path of eg_ts_latest: same answers, duplicates and unknown keys
   included. */
TEST(ts_store_latest_of_many_keys_scan)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("ts.db", NOW, &ts);
    struct eg_err err;
    static char names[300][16];
    struct eg_ts_point p[300];
    for (int i = 0; i < 300; i++) {
        snprintf(names[i], sizeof names[i], "DEV%03d", i);
        p[i] = pt(names[i], "w01018", NOW - 600 + i, i * 0.5, i % 2 ? 'N' : 'D');
    }
    REQUIRE(eg_ts_write_batch(ts, p, 300, EG_TS_CREATE, NULL, &err) == 0);
    struct eg_ts_key keys[302];
    for (int i = 0; i < 300; i++)
        keys[i] = p[i].key;
    keys[300] = p[7].key;                                             /* asked twice */
    keys[301] = (struct eg_ts_key){"NOPE", "w01018", 2051, "Avg", 0}; /* unknown */
    struct eg_ts_row last[302];
    int found[302];
    REQUIRE(eg_ts_latest(ts, keys, 302, last, found, &err) == 0);
    for (int i = 0; i < 300; i++) {
        REQUIRE(found[i]);
        CHECK_EQ_INT(last[i].t, NOW - 600 + i);
        CHECK_EQ_DBL(last[i].v, i * 0.5, 0);
    }
    CHECK(found[300] && last[300].t == NOW - 600 + 7 && last[300].flag == 'N');
    CHECK(!found[301]);
    eg_ts_close(ts);
    eg_db_close(st);
}

/* Issue 4 §8 retention: old days go, the last year stays, under a year is refused. */
TEST(ts_store_retention_keeps_the_last_year)
{
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("ts.db", NOW, &ts);
    struct eg_err err;
    struct eg_ts_point p[3] = {pt("MN001", "w01018", NOW - 800 * 86400, 1, 'N'),
                               pt("MN001", "w01018", NOW - 300 * 86400, 2, 'N'),
                               pt("MN001", "w01018", NOW - 60, 3, 'N')};
    REQUIRE(eg_ts_write_batch(ts, p, 3, EG_TS_CREATE, NULL, &err) == 0);
    struct eg_ts_retain_stats r;
    CHECK_EQ_INT(eg_ts_retain(ts, 30, 0, &r, &err), EG_EINVAL);
    REQUIRE(eg_ts_retain(ts, 400, 1, &r, &err) == 0);
    CHECK_EQ_INT(r.blocks, 1);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_block"), 2); /* dry run */
    REQUIRE(eg_ts_retain(ts, 400, 0, &r, &err) == 0);
    CHECK_EQ_INT(r.samples_in_blocks, 1);
    struct eg_ts_row *rows;
    size_t n;
    REQUIRE(eg_ts_query(ts, &KEY, NOW - 1000 * 86400, NOW, 0, 10, &rows, &n, &err) == 0);
    CHECK_EQ_INT(n, 2);
    free(rows);
    eg_ts_close(ts);
    eg_db_close(st);
}

static int64_t file_bytes(const char *name)
{
    char p[700];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", eg_test_tmpdir(), name);
    return stat(p, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

/* Issue 11 item 7: the file follows the data. A new database gives the pages compaction frees
   back (auto_vacuum=INCREMENTAL, eg_ts_vacuum); one created without it gives nothing back until
   converted once (eg_db_vacuum_convert, a full VACUUM), then does. */
TEST(ts_store_file_shrinks_after_compaction_and_vacuum)
{
    if (eg_test_pg()) { /* SQLite's file and free pages; PostgreSQL's autovacuum does this */
        printf("    SQLite's own behaviour: not run on PostgreSQL\n");
        return;
    }
    int64_t day = eg_days_from_civil(2026, 3, 10);
    int64_t t0 = eg_ts_day_start(day);
    struct eg_ts *ts;
    struct eg_db *st = eg_tfx_open_ts("vac.db", t0 + 23 * 3600, &ts);
    CHECK_EQ_INT(eg_db_vacuum_enabled(st), 1);
    struct eg_err err0;
    REQUIRE(eg_db_checkpoint(st, 1, NULL, &err0) == 0);
    int64_t empty = file_bytes("vac.db"); /* the schema of every module, no data */
    /* a day of minute rows for 60 series (86,400 values), today: rows */
    char src[60][16];
    struct eg_ts_point *p = malloc(1440 * sizeof *p);
    REQUIRE(p);
    struct eg_err err;
    for (int s = 0; s < 60; s++) {
        snprintf(src[s], sizeof src[s], "VAC%03d", s);
        for (int m = 0; m < 1440; m++)
            p[m] = (struct eg_ts_point){{src[s], "a34004", EG_TS_KIND_MINUTE, "Avg", 0},
                                        t0 + m * 60,
                                        30 + (m % 7) * 0.5,
                                        'N'};
        REQUIRE(eg_ts_write_batch(ts, p, 1440, EG_TS_CREATE, NULL, &err) == 0);
    }
    free(p);
    REQUIRE(eg_db_checkpoint(st, 1, NULL, &err) == 0);
    int64_t rows = file_bytes("vac.db");
    eg_ts_set_now(ts, t0 + 3 * 86400); /* the day is closed: compact it */
    size_t days = 0;
    REQUIRE(eg_ts_compact(ts, &days, &err) == 0);
    CHECK_EQ_INT((int)days, 60);
    REQUIRE(eg_db_checkpoint(st, 1, NULL, &err) == 0);
    int64_t compacted = file_bytes("vac.db");
    int64_t freed = 0;
    REQUIRE(eg_ts_vacuum(ts, INT64_MAX, &freed, &err) == 0);
    REQUIRE(eg_db_checkpoint(st, 1, NULL, &err) == 0);
    int64_t vacuumed = file_bytes("vac.db");
    printf("    empty %lld B, rows %lld B, compacted %lld B, vacuumed %lld B (%lld pages back)\n",
           (long long)empty, (long long)rows, (long long)compacted, (long long)vacuumed,
           (long long)freed);
    CHECK(compacted >= rows * 9 / 10); /* compaction alone leaves the file as big */
    CHECK(freed > 0);
    /* the data's share of the file shrinks to under half (the schema's pages stay); the
       open-day rows are encoded too since migration 103 (~4 B/value, blocks ~1.4) */
    CHECK(vacuumed - empty < (rows - empty) / 2);
    CHECK_EQ_INT((int)eg_tfx_int(st, "PRAGMA freelist_count"), 0);
    /* the data is all there */
    struct eg_ts_key k = {"VAC007", "a34004", EG_TS_KIND_MINUTE, "Avg", 0};
    struct eg_ts_row *r;
    size_t n;
    REQUIRE(eg_ts_query(ts, &k, t0, t0 + 86400, EG_TS_PRELIMINARY, 2000, &r, &n, &err) == 0);
    CHECK_EQ_INT((int)n, 1440);
    free(r);
    eg_ts_close(ts);
    eg_db_close(st);

    /* an older database without auto_vacuum: nothing given back until converted */
    st = eg_tfx_open("old.db", NULL);
    REQUIRE(eg_db_exec(st, "PRAGMA auto_vacuum=NONE; VACUUM", &err) == 0);
    CHECK_EQ_INT(eg_db_vacuum_enabled(st), 0);
    REQUIRE(eg_db_exec(st,
                       "CREATE TABLE filler (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                       "SELECT i + 1 FROM n WHERE i < 500) INSERT INTO filler SELECT "
                       "zeroblob(4000) FROM n; DELETE FROM filler",
                       &err) == 0);
    int64_t left = 0;
    REQUIRE(eg_db_vacuum_step(st, 100000, &freed, &left, &err) == 0);
    CHECK_EQ_INT((int)freed, 0);
    CHECK(left >= 400);
    REQUIRE(eg_db_vacuum_convert(st, &err) == 0);
    CHECK_EQ_INT(eg_db_vacuum_enabled(st), 1);
    CHECK_EQ_INT((int)eg_tfx_int(st, "PRAGMA freelist_count"), 0);
    eg_db_close(st);
}
