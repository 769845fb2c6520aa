/* The real HJ 212 capture (../shared/data/real/hj212_xiaoyao9184_hj-t212-parser, ~280 devices,
   2016-08-24 05:00-06:00 Beijing) through the store: every sample stored once, the device whose
   clock restarted at 2000-02-02 quarantined (issue 4 §3), a second write all duplicates, and the
   same samples back after compaction and from an online backup (issue 4 §8). */
#include "db/db.h"
#include "test.h"
#include "ts/ts.h"
#include "unit/ts/ts_capture.h"

#include <stdio.h>
#include <stdlib.h>

static void load(struct cap *c, const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "data/real/hj212_xiaoyao9184_hj-t212-parser/%s", name);
    size_t len;
    char *buf = eg_test_read_file(eg_test_shared(rel), &len);
    REQUIRE(buf);
    cap_load(c, buf, len);
    free(buf);
}

/* cap keys are "MN|code|CN|Field" */
static struct eg_ts_key key_of(struct cap_series *cs, char *buf)
{
    snprintf(buf, 96, "%s", cs->key);
    char *a = strchr(buf, '|'), *b = strchr(a + 1, '|'), *c = strchr(b + 1, '|');
    *a = *b = *c = '\0';
    return (struct eg_ts_key){buf, a + 1, atoi(b + 1), c + 1, 0};
}

static int fields_known(const struct eg_ts_key *k)
{
    struct eg_err e;
    return eg_ts_key_valid(k, &e) == 0;
}

TEST(ts_real_capture_stored_once_quarantine_compaction_backup)
{
    struct cap c = {0};
    load(&c, "AllData_2016-08-24_05_first3000lines.h212");
    load(&c, "AllData_2016-08-24_05_CN2061_hourly_lines.h212");
    char path[512], bpath[512];
    snprintf(path, sizeof path, "%s/real.db", eg_test_tmpdir());
    snprintf(bpath, sizeof bpath, "%s/backup.db", eg_test_tmpdir());
    struct eg_db *st;
    struct eg_ts *ts;
    struct eg_err err;
    REQUIRE(eg_db_open(path, &st, &err) == 0);
    REQUIRE(eg_ts_open(st, &ts, &err) == 0);
    int64_t now;
    REQUIRE(eg_time_parse_beijing("20160824063000", 14, &now) == 0);
    eg_ts_set_now(ts, now);
    eg_ts_set_max_late(ts, 366 * 86400);
    size_t npts = 0, expect_q = 0;
    struct eg_ts_point *p = malloc(c.samples * sizeof *p);
    char(*kb)[96] = malloc(c.n * sizeof *kb);
    for (size_t i = 0; i < c.n; i++) {
        struct eg_ts_key k = key_of(&c.v[i], kb[i]);
        if (!fields_known(&k))
            continue; /* e.g. 2005-era CP items the store does not keep (SB1-RS) */
        for (size_t j = 0; j < c.v[i].n; j++) {
            p[npts++] = (struct eg_ts_point){k, c.v[i].s[j].t, c.v[i].s[j].v, c.v[i].s[j].flag};
            expect_q += c.v[i].s[j].t < now - 366 * 86400;
        }
    }
    REQUIRE(npts > 20000);
    REQUIRE(expect_q > 0); /* the 2000-02-02 device */
    struct eg_ts_report rep = {0};
    REQUIRE(eg_ts_write_batch(ts, p, npts, EG_TS_CREATE, &rep, &err) == 0);
    CHECK_EQ_INT(rep.quarantined, expect_q);
    CHECK_EQ_INT(rep.written + rep.quarantined, npts);
    memset(&rep, 0, sizeof rep);
    REQUIRE(eg_ts_write_batch(ts, p, npts, 0, &rep, &err) == 0);
    CHECK_EQ_INT(rep.duplicates, npts - expect_q);
    /* later: everything compacts; the same samples come back; an online backup has them too */
    eg_ts_set_now(ts, now + 3 * 86400);
    size_t days;
    REQUIRE(eg_ts_compact(ts, &days, &err) == 0);
    CHECK(days > 1000);
    REQUIRE(eg_db_backup(st, bpath, &err) == 0);
    struct eg_db *bst;
    struct eg_ts *bts;
    REQUIRE(eg_db_open(bpath, &bst, &err) == 0);
    REQUIRE(eg_ts_open(bst, &bts, &err) == 0);
    size_t checked = 0;
    for (size_t i = 0; i < c.n; i += 7) { /* a sample of the series, both databases */
        struct eg_ts_key k = key_of(&c.v[i], kb[i]);
        if (!fields_known(&k) || c.v[i].s[0].t < now - 366 * 86400)
            continue;
        for (int db = 0; db < 2; db++) {
            struct eg_ts_row *r;
            size_t n;
            REQUIRE(eg_ts_query(db ? bts : ts, &k, c.v[i].s[0].t, c.v[i].s[c.v[i].n - 1].t + 1, 0,
                                1000, &r, &n, &err) == 0);
            REQUIRE(n == c.v[i].n);
            for (size_t j = 0; j < n; j++)
                REQUIRE(r[j].t == c.v[i].s[j].t && r[j].v == c.v[i].s[j].v &&
                        r[j].flag == c.v[i].s[j].flag);
            free(r);
        }
        checked++;
    }
    CHECK(checked > 1000);
    eg_ts_close(bts);
    eg_db_close(bst);
    eg_ts_close(ts);
    eg_db_close(st);
    free(p);
    free(kb);
    cap_free(&c);
}
