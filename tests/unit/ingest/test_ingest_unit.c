/*
 * test_ingest_unit.c: pieces of src/ingest/ that need no socket: the command table against
 * HJ 212-2017 Table 9, configuration checks, and the simulator's packets (every kind of device
 * produces frames the strict parser accepts, with realistic values, identical when resent).
 */
#include "db/db.h"
#include "devices/devices.h"
#include "hj212/hj212.h"
#include "ingest/ingest.h"
#include "ingest/internal.h"
#include "test.h"
#include "ts/ts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2017 Table 9: the platform -> device commands (requests and notifications). */
TEST(ingest_command_table_covers_2017_platform_commands)
{
    static const int want[] = {1000, 1011, 1012, 1061, 1062, 1063, 1064, 1072, 2011,
                               2012, 2021, 2022, 2031, 2041, 2051, 2061, 3011, 3012,
                               3013, 3014, 3015, 3016, 3017, 3018, 3019, 3020, 3021};
    for (size_t i = 0; i < EG_ARRAY_LEN(want); i++) {
        char k = 0;
        CHECK(eg_ingest_command_known(want[i], &k));
        CHECK(k == 'R' || k == 'S' || k == 'N');
    }
    char k;
    CHECK(eg_ingest_command_known(2012, &k) && k == 'N'); /* C.11: answered by 9013 */
    CHECK(eg_ingest_command_known(2011, &k) && k == 'S'); /* C.10: 9011 then uploads */
    CHECK(!eg_ingest_command_known(9014, NULL));          /* responses are not commands */
    CHECK(!eg_ingest_command_known(2081, NULL));          /* device-initiated upload */
    int n = 0;
    for (const struct eg_ingest_cn_info *i = eg_ingest_cn_table; i->cn; i++)
        n++;
    CHECK_EQ_INT(n, (int)EG_ARRAY_LEN(want));
}

TEST(ingest_start_refuses_bad_configuration)
{
    struct eg_ingest_config c;
    struct eg_ingest *srv = NULL;
    struct eg_err e = {0};
    eg_ingest_config_default(&c);
    CHECK_EQ_INT(eg_ingest_start(&c, &srv, &e), EG_EINVAL); /* no database */
    c.db_path = ":memory:";
    c.max_packet = 20000; /* over the 4-digit length field */
    CHECK_EQ_INT(eg_ingest_start(&c, &srv, &e), EG_EINVAL);
    eg_ingest_config_default(&c);
    c.db_path = ":memory:";
    c.addr = "not-an-address";
    CHECK_EQ_INT(eg_ingest_start(&c, &srv, &e), EG_EINVAL);
    CHECK_STR(e.code, "bad_address");
    eg_ingest_config_default(&c);
    c.db_path = ":memory:";
    c.queue_cap = 0;
    CHECK_EQ_INT(eg_ingest_start(&c, &srv, &e), EG_EINVAL);
    CHECK(srv == NULL);
}

TEST(ingest_sim_devices_have_2017_mn_and_6_digit_pw)
{
    struct eg_sim_device *d = eg_sim_devices_generate(50, 9);
    for (int i = 0; i < 50; i++) {
        size_t n = strlen(d[i].mn);
        CHECK(n == 24 || (d[i].edition == 2005 && n == 14));
        CHECK_EQ_INT(strlen(d[i].pw), 6);
        CHECK(d[i].kind == 'w' || d[i].kind == 'g' || d[i].kind == 'a');
        for (int j = i + 1; j < 50; j++)
            CHECK(strcmp(d[i].mn, d[j].mn) != 0);
    }
    free(d);
}

/* The simulator's uploads pass the strict parser (2017 §6.3, 2005 §6.3) for every kind of
   device and data CN, carry realistic values, and are identical when built again (a resend). */
TEST(ingest_sim_packets_parse_strictly_with_realistic_values)
{
    struct eg_sim_device *d = eg_sim_devices_generate(10, 3); /* 0..8 2017, 9 a 2005 device */
    static const int cns[] = {2011, 2051, 2061, 2031};
    struct eg_hj212_packet *p = malloc(sizeof *p);
    int64_t dt = 1763568000; /* 2025-11-20 00:00 Beijing */
    for (int i = 0; i < 10; i++)
        for (size_t k = 0; k < EG_ARRAY_LEN(cns); k++) {
            char a[2048], b[2048];
            size_t la, lb;
            int na, nb;
            REQUIRE(eg_sim_packet(&d[i], cns[k], dt, a, sizeof a, &la, &na) == 0);
            REQUIRE(eg_sim_packet(&d[i], cns[k], dt, b, sizeof b, &lb, &nb) == 0);
            CHECK(la == lb && !memcmp(a, b, la));
            struct eg_err e = {0};
            int rc = eg_hj212_parse(a, la, NULL, p, &e);
            if (rc)
                fprintf(stderr, "%.*s: %s\n", (int)la, a, e.msg);
            REQUIRE(rc == 0);
            CHECK_EQ_INT(p->cn_num, cns[k]);
            CHECK_EQ_INT(p->datatime, dt);
            CHECK(eg_hj212_flag_ack(p));
            CHECK_EQ_INT(p->edition, d[i].edition);
            CHECK(na >= 6);
            const struct eg_hj212_item *ph =
                eg_hj212_find(p, "w01001", cns[k] == 2011 ? EG_HJ212_F_RTD : EG_HJ212_F_AVG);
            if (ph)
                CHECK(ph->num >= 6 && ph->num <= 9); /* pH */
            const struct eg_hj212_item *pm =
                eg_hj212_find(p, "a34004", cns[k] == 2011 ? EG_HJ212_F_RTD : EG_HJ212_F_AVG);
            if (pm)
                CHECK(pm->num >= 0 && pm->num < 500); /* PM2.5 ug/m3 */
            for (unsigned j = 0; j < p->nitems; j++)
                if (p->items[j].has_num)
                    CHECK(p->items[j].num >= 0);
        }
    free(p);
    free(d);
}

/* The fold (issue 11 item 1): landed packets move into the store in one transaction written
   without savepoints; a packet the store refuses (an MN with '#', outside the series-key
   syntax) fails that fast fold as a whole, and the fold runs again with a savepoint per write,
   so the good packets are stored once, the bad one left out, and the landing table emptied. */
TEST(ingest_fold_moves_landed_packets_and_isolates_a_bad_one)
{
    char path[600];
    snprintf(path, sizeof path, "%s/fold.db", eg_test_tmpdir());
    struct eg_db *st;
    struct eg_err err;
    REQUIRE(eg_db_open(path, &st, &err) == 0);
    struct eg__sink *sink;
    REQUIRE(eg__sink_open(&sink, st, &err) == 0);
    int64_t t = eg_time_now() - 600;
    t -= t % 60;
    struct eg__ing_value v[2];
    memset(v, 0, sizeof v);
    snprintf(v[0].code, sizeof v[0].code, "a21026");
    snprintf(v[0].field, sizeof v[0].field, "Avg");
    v[0].v = 12.5;
    v[0].flag = 'N';
    v[1] = v[0];
    snprintf(v[1].field, sizeof v[1].field, "Max");
    v[1].v = 20;
    const char *mns[3] = {"FOLDGOOD01", "FOLD#BAD02", "FOLDGOOD03"};
    REQUIRE(eg_db_begin(st, &err) == 0);
    for (int i = 0; i < 3; i++) {
        struct eg_devices_landed l = {.mn = mns[i],
                                      .mnlen = strlen(mns[i]),
                                      .cn = 2051,
                                      .t = t,
                                      .n = 2,
                                      .vals = v,
                                      .vals_len = sizeof v};
        REQUIRE(eg_devices_land(st, &l, 1, &err) == 0);
    }
    REQUIRE(eg_db_commit(st, &err) == 0);
    int moved = 0;
    CHECK_EQ_INT(eg__ingest_fold(st, sink, 100, &moved, &err), 0);
    CHECK_EQ_INT(moved, 3);
    int64_t n = -1;
    int found = 0;
    CHECK_EQ_INT(eg_db_query_int(st, "SELECT COUNT(*) FROM ingest_landing WHERE id > ?", 0, NULL,
                                 &n, &found, &err),
                 0);
    CHECK_EQ_INT((int)n, 0);
    struct eg_ts *ts;
    REQUIRE(eg_ts_open(st, &ts, &err) == 0);
    for (int i = 0; i < 3; i++) {
        struct eg_ts_key k = {mns[i], "a21026", 2051, "Avg", 0};
        struct eg_ts_row *rows = NULL;
        size_t nr = 0;
        int rc = eg_ts_query(ts, &k, t, t + 60, EG_TS_PRELIMINARY, 10, &rows, &nr, &err);
        if (i == 1) {
            CHECK(rc != 0); /* refused key: never stored */
        } else {
            CHECK_EQ_INT(rc, 0);
            CHECK_EQ_INT((int)nr, 1);
            CHECK(nr == 1 && rows[0].v == 12.5 && rows[0].t == t);
        }
        free(rows);
    }
    /* folded again (a resend landed twice): stored once */
    REQUIRE(eg_db_begin(st, &err) == 0);
    struct eg_devices_landed l = {.mn = mns[0],
                                  .mnlen = strlen(mns[0]),
                                  .cn = 2051,
                                  .t = t,
                                  .n = 2,
                                  .vals = v,
                                  .vals_len = sizeof v};
    REQUIRE(eg_devices_land(st, &l, 1, &err) == 0);
    REQUIRE(eg_db_commit(st, &err) == 0);
    CHECK_EQ_INT(eg__ingest_fold(st, sink, 100, &moved, &err), 0);
    CHECK_EQ_INT(moved, 1);
    struct eg_ts_key k = {mns[0], "a21026", 2051, "Max", 0};
    struct eg_ts_row *rows = NULL;
    size_t nr = 0;
    CHECK_EQ_INT(eg_ts_query(ts, &k, t - 3600, t + 3600, EG_TS_PRELIMINARY, 10, &rows, &nr, &err),
                 0);
    CHECK_EQ_INT((int)nr, 1);
    free(rows);
    eg_ts_close(ts);
    eg__sink_close(sink);
    eg_db_close(st);
}
