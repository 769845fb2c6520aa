/*
 * test_ingest_unit.c: pieces of src/ingest/ that need no socket: the command table against
 * HJ 212-2017 Table 9, configuration checks, and the simulator's packets (every kind of device
 * produces frames the strict parser accepts, with realistic values, identical when resent).
 */
#include "hj212/hj212.h"
#include "ingest/ingest.h"
#include "test.h"

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
