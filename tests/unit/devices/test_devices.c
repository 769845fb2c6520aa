/* Tests of src/devices on a real SQLite file: landing (append, scan in order, drop what was
   folded), status upserts (counters add, times only move forward, connections), the status and
   offline answers, and the command history (a repeated request is ignored). */
#include "devices/devices.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <string.h>

#define SCENE                                                                                      \
    "INSERT INTO stations (code, name, kind) VALUES ('S1', 'one', 'air');"                         \
    "INSERT INTO devices (mn, password, station_id, interval_s) VALUES ('MN1', 'x', 1, 60);"       \
    "INSERT INTO devices (mn, password, station_id, interval_s) VALUES ('MN2', 'x', 1, 300);"

struct seen {
    int n;
    int64_t ids[8];
    char mn[8][16];
    int64_t t[8];
    double v[8];
};

static int take(void *arg, const struct eg_devices_landed *p)
{
    struct seen *s = arg;
    REQUIRE(s->n < 8 && p->vals_len == sizeof(double) * (size_t)p->n && p->mnlen < 16);
    s->ids[s->n] = p->id;
    memcpy(s->mn[s->n], p->mn, p->mnlen);
    s->mn[s->n][p->mnlen] = 0;
    s->t[s->n] = p->t;
    memcpy(&s->v[s->n], p->vals, sizeof(double));
    s->n++;
    return 0;
}

TEST(devices_landing_appends_scans_in_order_and_drops_what_was_folded)
{
    struct eg_db *st = eg_tfx_open("land.db", NULL);
    struct eg_err err;
    double v[3] = {1.5, 2.5, 3.5};
    struct eg_devices_landed p[3];
    for (int i = 0; i < 3; i++)
        p[i] = (struct eg_devices_landed){.mn = i == 1 ? "MN2" : "MN1",
                                          .mnlen = 3,
                                          .cn = 2011,
                                          .t = 1700000000 + i * 60,
                                          .n = 1,
                                          .vals = &v[i],
                                          .vals_len = sizeof v[i]};
    REQUIRE(eg_db_begin(st, &err) == 0);
    REQUIRE(eg_devices_land(st, p, 3, &err) == 0);
    REQUIRE(eg_db_commit(st, &err) == 0);

    struct seen s = {0};
    int64_t last = -1;
    REQUIRE(eg_devices_landing_scan(st, 2, take, &s, &last, &err) == 0);
    CHECK_EQ_INT(s.n, 2); /* at most max, oldest first */
    CHECK_STR(s.mn[0], "MN1");
    CHECK_STR(s.mn[1], "MN2");
    CHECK_EQ_INT(s.t[1], 1700000060);
    CHECK_EQ_DBL(s.v[1], 2.5, 0);
    CHECK_EQ_INT(last, s.ids[1]);
    REQUIRE(eg_devices_landing_drop(st, last, &err) == 0);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ingest_landing"), 1);

    memset(&s, 0, sizeof s);
    REQUIRE(eg_devices_landing_scan(st, 10, take, &s, &last, &err) == 0);
    CHECK_EQ_INT(s.n, 1);
    CHECK_EQ_DBL(s.v[0], 3.5, 0);
    REQUIRE(eg_devices_landing_drop(st, last, &err) == 0);
    memset(&s, 0, sizeof s);
    REQUIRE(eg_devices_landing_scan(st, 10, take, &s, &last, &err) == 0);
    CHECK_EQ_INT(s.n, 0);
    CHECK_EQ_INT(last, 0);
    eg_db_close(st);
}

TEST(devices_status_counters_add_times_move_forward_and_offline_follows_the_interval)
{
    struct eg_db *st = eg_tfx_open("status.db", SCENE);
    struct eg_err err;
    int64_t t0 = 1700000000;
    REQUIRE(eg_devices_status_connection(st, "MN1", 1, 60, 1, "127.0.0.1:4000", t0, &err) == 0);
    struct eg_devices_traffic tr = {.mn = "MN1",
                                    .device_id = 1,
                                    .interval_s = 60,
                                    .last_packet_at = t0 + 120,
                                    .last_data_time = t0 + 60,
                                    .last_cn = 2011,
                                    .packets = 2,
                                    .values = 10};
    REQUIRE(eg_devices_status_traffic(st, &tr, &err) == 0);
    /* a late flush does not set the times back, and the counters add */
    tr.last_packet_at = t0 + 30;
    tr.last_data_time = t0;
    tr.packets = 1;
    tr.values = 5;
    REQUIRE(eg_devices_status_traffic(st, &tr, &err) == 0);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT last_packet_at FROM ingest_device_status"), t0 + 120);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT last_data_time FROM ingest_device_status"), t0 + 60);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT packets FROM ingest_device_status"), 3);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT values_count FROM ingest_device_status"), 15);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT connections FROM ingest_device_status"), 1);

    struct eg_buf b = {0};
    REQUIRE(eg_devices_status_json(st, "MN1", t0 + 150, 3, &b, &err) == 0);
    CHECK(strstr(b.data, "\"online\":true") != NULL);
    CHECK(strstr(b.data, "\"connected\":true") != NULL);
    CHECK(strstr(b.data, "\"packets\":3,\"values\":15,\"silent_s\":30") != NULL);
    b.len = 0;
    /* 3 x 60 s after the last packet: offline */
    REQUIRE(eg_devices_status_json(st, "MN1", t0 + 120 + 181, 3, &b, &err) == 0);
    CHECK(strstr(b.data, "\"online\":false") != NULL);
    REQUIRE(eg_devices_status_connection(st, "MN1", 1, 60, 0, "127.0.0.1:4000", t0 + 400, &err) ==
            0);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT connected FROM ingest_device_status"), 0);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT disconnected_at FROM ingest_device_status"), t0 + 400);

    /* offline: MN2 never sent; MN1 is online at t0 + 150 */
    b.len = 0;
    REQUIRE(eg_devices_offline_json(st, t0 + 150, 3, &b, &err) == 0);
    CHECK(strstr(b.data, "\"mn\":\"MN2\"") != NULL);
    CHECK(strstr(b.data, "\"mn\":\"MN1\"") == NULL);
    b.len = 0;
    CHECK_EQ_INT(eg_devices_status_json(st, "NOPE", t0, 3, &b, &err), EG_ENOTFOUND);
    eg_buf_free(&b);
    eg_db_close(st);
}

TEST(devices_command_history_ignores_a_repeated_request_and_keeps_unset_outcomes)
{
    struct eg_db *st = eg_tfx_open("cmd.db", NULL);
    struct eg_err err;
    struct eg_devices_command c = {.mn = "MN1",
                                   .qn = "20240101000000001",
                                   .cn = 1011,
                                   .status = "sent",
                                   .text = "",
                                   .at = 1700000000};
    REQUIRE(eg_devices_command_add(st, &c, &err) == 0);
    c.status = "again";
    REQUIRE(eg_devices_command_add(st, &c, &err) == 0); /* same (mn, qn): nothing changes */
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ingest_commands"), 1);
    struct eg_devices_command u = {
        .mn = "MN1", .qn = c.qn, .status = "acked", .qn_rtn = 1, .at = 1700000001};
    REQUIRE(eg_devices_command_update(st, &u, &err) == 0);
    u = (struct eg_devices_command){.mn = "MN1",
                                    .qn = c.qn,
                                    .status = "ok",
                                    .exe_rtn = 1,
                                    .text = "SystemTime=20240101000000",
                                    .at = 1700000002};
    REQUIRE(eg_devices_command_update(st, &u, &err) == 0);
    struct eg_buf b = {0};
    REQUIRE(eg_devices_command_history_json(st, "MN1", 10, &b, &err) == 0);
    CHECK(strstr(b.data, "\"status\":\"ok\"") != NULL);
    CHECK(strstr(b.data, "\"qn_rtn\":1,\"exe_rtn\":1") != NULL); /* the 9011 answer kept */
    CHECK(strstr(b.data, "\"result\":\"SystemTime=20240101000000\"") != NULL);
    eg_buf_free(&b);
    eg_db_close(st);
}
