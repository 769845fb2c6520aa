/*
 * test_ingest_server.c: the HJ 212 ingestion server over real loopback TCP with a real SQLite
 * database and devices registered through the registry: acknowledgements after commit (2017
 * and 2005 forms), authentication refusals, subpacket reassembly, device status.
 */
#include "devices/devices.h"
#include "test_ingest_util.h"

#define MN17 "010000A8900016F000169DC0"
#define MN05 "88888880000001"

static const struct eg_hj212_value water_vals[] = {
    {"w01018", "Rtd", "38.2"}, {"w01018", "Flag", "N"},   {"w21003", "Rtd", "2.41"},
    {"w21003", "Flag", "N"},   {"w01001", "Rtd", "7.31"}, {"w01001", "Flag", "N"},
};

/* 2017 §6.1 / Table C.14: an upload with Flag=5 is answered by 9014 with its QN, after the
   data is committed (it must be readable from another connection when the 9014 arrives). */
TEST(ingest_2017_upload_acknowledged_after_commit)
{
    const char *db = ti_db();
    ti_add_device(db, MN17, "123456", 1, "2017");
    struct eg_ingest *srv = ti_start(db, NULL);
    int fd = ti_connect(eg_ingest_port(srv));
    char f[2048], buf[4096];
    int64_t dt = ti_recent();
    char qn[18], want[64];
    size_t n = ti_upload(f, sizeof f, MN17, "123456", 2011, dt, dt * 1000 + 223, 5, 0, 0, 2017,
                         water_vals, EG_ARRAY_LEN(water_vals));
    ti_send(fd, f, n);
    REQUIRE(ti_wait_for(fd, "\r\n", 5000, buf, sizeof buf));
    ti_qn(dt * 1000 + 223, qn);
    snprintf(want, sizeof want, "QN=%s;ST=91;CN=9014;", qn);
    CHECK(strstr(buf, want) != NULL);
    CHECK(strstr(buf, "Flag=4;CP=&&&&") != NULL);
    /* durable before the 9014: committed (landed or folded), visible from a fresh connection */
    CHECK_EQ_INT(ti_query_int(db, TI_STORED_VALUES), 3);
    CHECK_EQ_INT(ti_wait_int(db,
                             "SELECT count(*) FROM " TI_SAMPLES " WHERE mn = '" MN17
                             "' AND cn = 2011 AND t = (SELECT max(t) FROM " TI_SAMPLES ")",
                             3, 3000),
                 3);
    CHECK_EQ_INT(ti_query_int(db, "SELECT count(*) FROM " TI_SAMPLES " WHERE code = 'w01018' "
                                  "AND field = 'Rtd' AND abs(v - 38.2) < 1e-9"),
                 1);
    /* a resend (lost 9014) is acknowledged again and stored once */
    ti_send(fd, f, n);
    REQUIRE(ti_wait_for(fd, "CN=9014", 5000, buf, sizeof buf));
    CHECK_EQ_INT(ti_wait_int(db, "SELECT count(*) FROM ingest_landing", 0, 3000), 0);
    CHECK_EQ_INT(ti_query_int(db, "SELECT count(*) FROM " TI_SAMPLES ""), 3);
    /* Flag=4 (no A bit): stored, not acknowledged */
    n = ti_upload(f, sizeof f, MN17, "123456", 2011, dt + 60, (dt + 60) * 1000, 4, 0, 0, 2017,
                  water_vals, EG_ARRAY_LEN(water_vals));
    ti_send(fd, f, n);
    CHECK_EQ_INT(ti_read(fd, buf, sizeof buf, 500), 0);
    struct eg_ingest_stats s;
    eg_ingest_stats_get(srv, &s);
    CHECK_EQ_INT(s.packets, 3);
    CHECK_EQ_INT(s.acks_sent, 2);
    close(fd);
    eg_ingest_stop(srv);
    CHECK_EQ_INT(ti_query_int(db, "SELECT count(*) FROM " TI_SAMPLES ""), 6);
    CHECK_EQ_INT(ti_query_int(db, "SELECT packets FROM ingest_device_status WHERE mn = '" MN17 "'"),
                 3);
}

/* 2005 App. C: the data acknowledgement carries the QN inside CP. */
TEST(ingest_2005_device_gets_2005_style_ack)
{
    const char *db = ti_db();
    ti_add_device(db, MN05, "123456", 1, "2005");
    struct eg_ingest *srv = ti_start(db, NULL);
    int fd = ti_connect(eg_ingest_port(srv));
    static const struct eg_hj212_value v05[] = {
        {"011", "Rtd", "40.1"}, {"011", "Flag", "N"}, {"060", "Rtd", "1.20"}, {"060", "Flag", "N"}};
    char f[2048], buf[4096];
    int64_t dt = ti_recent() + 61;
    char qn[18], want[64];
    size_t n = ti_upload(f, sizeof f, MN05, "123456", 2051, dt, dt * 1000 + 1, 1, 0, 0, 2005, v05,
                         EG_ARRAY_LEN(v05));
    ti_send(fd, f, n);
    REQUIRE(ti_wait_for(fd, "\r\n", 5000, buf, sizeof buf));
    CHECK(strstr(buf, "CN=9014") != NULL);
    ti_qn(dt * 1000 + 1, qn);
    snprintf(want, sizeof want, "CP=&&QN=%s", qn);
    CHECK(strstr(buf, want) != NULL);
    /* 2005 codes stored under their 2017 codes (011 -> w01018, 060 -> w21003) */
    CHECK_EQ_INT(ti_wait_int(db,
                             "SELECT count(*) FROM " TI_SAMPLES " WHERE code IN "
                             "('w01018','w21003')",
                             2, 3000),
                 2);
    close(fd);
    eg_ingest_stop(srv);
}

/* Unknown MN and wrong PW: refused (no 9014, nothing stored), counted, connection closed after
   auth_fail_close refusals; a good device on another connection is served meanwhile. */
TEST(ingest_auth_refusals_counted_and_connection_closed)
{
    const char *db = ti_db();
    ti_add_device(db, MN17, "123456", 1, "2017");
    struct eg_ingest_config c;
    eg_ingest_config_default(&c);
    c.auth_fail_close = 3;
    struct eg_ingest *srv = ti_start(db, &c);
    int port = eg_ingest_port(srv);
    char f[2048], buf[4096];
    int64_t dt = ti_recent();

    int bad = ti_connect(port);
    for (int i = 0; i < 3; i++) {
        size_t n = ti_upload(f, sizeof f, MN17, "654321", 2011, dt + i, (dt + i) * 1000, 5, 0, 0,
                             2017, water_vals, EG_ARRAY_LEN(water_vals));
        ti_send(bad, f, n);
    }
    CHECK_EQ_INT(ti_read(bad, buf, sizeof buf, 3000), -1); /* closed, nothing answered */
    CHECK(strstr(buf, "9014") == NULL);
    close(bad);

    int unk = ti_connect(port);
    for (int i = 0; i < 3; i++) {
        size_t n = ti_upload(f, sizeof f, "FFFF00000000000000000001", "123456", 2011, dt + i,
                             (dt + i) * 1000, 5, 0, 0, 2017, water_vals, EG_ARRAY_LEN(water_vals));
        ti_send(unk, f, n);
    }
    CHECK_EQ_INT(ti_read(unk, buf, sizeof buf, 3000), -1);
    close(unk);

    int good = ti_connect(port);
    size_t n = ti_upload(f, sizeof f, MN17, "123456", 2011, dt, dt * 1000, 5, 0, 0, 2017,
                         water_vals, EG_ARRAY_LEN(water_vals));
    ti_send(good, f, n);
    CHECK(ti_wait_for(good, "CN=9014", 5000, buf, sizeof buf));
    close(good);

    struct eg_ingest_stats s;
    eg_ingest_stats_get(srv, &s);
    CHECK_EQ_INT(s.auth_refused_bad_pw, 3);
    CHECK_EQ_INT(s.auth_refused_unknown_mn, 3);
    CHECK(s.conns_closed_abuse >= 2);
    struct eg_buf m = {0};
    eg_ingest_stats_prometheus(srv, &m);
    eg_buf_append(&m, "", 1);
    CHECK(strstr(m.data, "envgov_hj212_auth_refused_bad_password_total 3") != NULL);
    eg_buf_free(&m);
    eg_ingest_stop(srv);
    CHECK_EQ_INT(ti_query_int(db, "SELECT count(*) FROM " TI_SAMPLES ""), 3);
}

/* 2017 App. C Tables C.47-C.50: subpackets, each with its own QN and 9014; grouped by
   MN + CN + DataTime + PNUM; nothing is acknowledged before the whole group is stored. */
TEST(ingest_subpackets_reassembled_then_each_acknowledged)
{
    const char *db = ti_db();
    ti_add_device(db, MN17, "123456", 1, "2017");
    struct eg_ingest *srv = ti_start(db, NULL);
    int fd = ti_connect(eg_ingest_port(srv));
    static const struct eg_hj212_value p1[] = {{"w01018", "Avg", "30.0"}, {"w01018", "Flag", "N"}};
    static const struct eg_hj212_value p2[] = {{"w21003", "Avg", "1.5"},
                                               {"w21003", "Flag", "N"},
                                               {"w01001", "Avg", "7.1"},
                                               {"w01001", "Flag", "N"}};
    char f[2048], buf[4096];
    int64_t dt = ti_recent();
    char qn[18], want[64];
    size_t n = ti_upload(f, sizeof f, MN17, "123456", 2051, dt, dt * 1000 + 534, 7, 2, 1, 2017, p1,
                         EG_ARRAY_LEN(p1));
    ti_send(fd, f, n);
    CHECK_EQ_INT(ti_read(fd, buf, sizeof buf, 400), 0); /* waiting for part 2 */
    CHECK_EQ_INT(ti_query_int(db, TI_STORED_VALUES), 0);
    n = ti_upload(f, sizeof f, MN17, "123456", 2051, dt, dt * 1000 + 535, 7, 2, 2, 2017, p2,
                  EG_ARRAY_LEN(p2));
    ti_send(fd, f, n);
    ti_qn(dt * 1000 + 535, qn);
    REQUIRE(ti_wait_for(fd, qn, 5000, buf, sizeof buf));
    ti_qn(dt * 1000 + 534, qn);
    snprintf(want, sizeof want, "QN=%s;ST=91;CN=9014", qn);
    CHECK(strstr(buf, want) != NULL);
    CHECK_EQ_INT(ti_wait_int(db, "SELECT count(*) FROM " TI_SAMPLES " WHERE cn = 2051", 3, 3000),
                 3);

    /* an incomplete group is stored as received when its timeout passes */
    eg_ingest_stop(srv);
    struct eg_ingest_config c;
    eg_ingest_config_default(&c);
    c.subpacket_timeout_ms = 300;
    srv = ti_start(db, &c);
    close(fd);
    fd = ti_connect(eg_ingest_port(srv));
    n = ti_upload(f, sizeof f, MN17, "123456", 2061, dt, dt * 1000 + 600, 7, 3, 1, 2017, p1,
                  EG_ARRAY_LEN(p1));
    ti_send(fd, f, n);
    CHECK(ti_wait_for(fd, "CN=9014", 4000, buf, sizeof buf));
    CHECK_EQ_INT(ti_wait_int(db, "SELECT count(*) FROM " TI_SAMPLES " WHERE cn = 2061", 1, 3000),
                 1);
    struct eg_ingest_stats s;
    eg_ingest_stats_get(srv, &s);
    CHECK_EQ_INT(s.subpacket_timeouts, 1);
    close(fd);
    eg_ingest_stop(srv);
}

/* Device status: online after data, offline after multiple x interval (computed from stored
   status), the list of offline devices includes registered devices that never connected. */
TEST(ingest_device_status_and_offline_list)
{
    const char *db = ti_db();
    ti_add_device(db, MN17, "123456", 1, "2017");
    ti_add_device(db, "010000A8900016F000169DC9", "123456", 2, "2017");
    struct eg_ingest *srv = ti_start(db, NULL);
    int fd = ti_connect(eg_ingest_port(srv));
    char f[2048], buf[4096];
    int64_t dt = eg_time_now() - 30;
    size_t n = ti_upload(f, sizeof f, MN17, "123456", 2011, dt, dt * 1000, 5, 0, 0, 2017,
                         water_vals, EG_ARRAY_LEN(water_vals));
    ti_send(fd, f, n);
    REQUIRE(ti_wait_for(fd, "CN=9014", 5000, buf, sizeof buf));
    close(fd);
    eg_ingest_stop(srv);
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    struct eg_buf b = {0};
    REQUIRE(eg_devices_status_json(st, MN17, eg_time_now(), 3, &b, &e) == 0);
    eg_buf_append(&b, "", 1);
    CHECK(strstr(b.data, "\"online\":true") != NULL);
    CHECK(strstr(b.data, "\"packets\":1") != NULL);
    CHECK(strstr(b.data, "\"values\":3") != NULL);
    b.len = 0;
    REQUIRE(eg_devices_status_json(st, MN17, eg_time_now() + 3 * 60 + 10, 3, &b, &e) == 0);
    eg_buf_append(&b, "", 1);
    CHECK(strstr(b.data, "\"online\":false") != NULL);
    b.len = 0;
    REQUIRE(eg_devices_offline_json(st, eg_time_now(), 3, &b, &e) == 0);
    eg_buf_append(&b, "", 1);
    CHECK(strstr(b.data, "010000A8900016F000169DC9") != NULL);
    CHECK(strstr(b.data, MN17) == NULL);
    CHECK_EQ_INT(eg_devices_status_json(st, "NOPE", eg_time_now(), 3, &b, &e), EG_ENOTFOUND);
    eg_buf_free(&b);
    eg_db_close(st);
}
