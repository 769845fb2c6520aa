/*
 * test_ingest_cli.c: per-device settings and device-initiated interactions over real TCP, and
 * the `envgov device` / `envgov sim` commands as a user runs them:
 *   - CRC variant (hj212.md §0.4): the byte-swapped Modbus CRC is accepted only from a device
 *     set to use it; lenient parsing only for a device set lenient;
 *   - 1013 time-calibration request (2017 Table 9, C.4): 9013, then the platform sends 1012;
 *   - heartbeats in field practice (8013) acknowledged when the A bit asks;
 *   - `envgov device add|status|offline`, `envgov sim --help`, exit codes 0/1/2.
 */
#include "test_ingest_util.h"

static void add_dev(const char *db, const char *mn, const char *pw, const char *crc, int lenient)
{
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    json_t *in = json_pack("{s:s,s:s,s:s,s:b,s:I}", "mn", mn, "password", pw, "crc", crc, "lenient",
                           lenient, "outlet_id", (json_int_t)1);
    json_t *row = NULL;
    REQUIRE(eg_registry_create(st, eg_registry_find("devices"), &eg_principal_system, in, &row,
                               &e) == 0);
    json_decref(in);
    json_decref(row);
    eg_db_close(st);
}

/* Re-signs a frame with the byte-swapped Modbus CRC some devices use. */
static void modbus_swapped(char *f, size_t n)
{
    size_t seg = n - 12; /* ## LLLL <seg> CCCC \r\n */
    uint16_t c = eg_hj212_crc_modbus_swapped(f + 6, seg);
    eg_hj212_crc_hex(c, f + 6 + seg);
}

TEST(ingest_device_settings_crc_variant_and_lenient)
{
    const char *db = ti_db();
    add_dev(db, "010000A8900016F000169D01", "123456", "modbus_swapped", 0);
    add_dev(db, "010000A8900016F000169D02", "123456", "hj212", 0);
    add_dev(db, "010000A8900016F000169D03", "abc123", "hj212", 1);
    struct eg_ingest *srv = ti_start(db, NULL);
    int port = eg_ingest_port(srv);
    char f[2048], buf[4096];
    int64_t dt = ti_recent();
    static const struct eg_hj212_value v[] = {{"w01018", "Rtd", "20.5"}};

    int a = ti_connect(port);
    size_t n = ti_upload(f, sizeof f, "010000A8900016F000169D01", "123456", 2011, dt, dt * 1000, 5,
                         0, 0, 2017, v, 1);
    modbus_swapped(f, n);
    ti_send(a, f, n);
    CHECK(ti_wait_for(a, "CN=9014", 5000, buf, sizeof buf)); /* its setting: accepted */

    int b = ti_connect(port);
    n = ti_upload(f, sizeof f, "010000A8900016F000169D02", "123456", 2011, dt, dt * 1000, 5, 0, 0,
                  2017, v, 1);
    modbus_swapped(f, n);
    ti_send(b, f, n);
    CHECK_EQ_INT(ti_read(b, buf, sizeof buf, 700), 0); /* standard device: refused */

    /* a syntax slip seen in real traffic (lower-case "FLAG=5" field name, S31): only the
       lenient device is served */
    int c = ti_connect(port);
    char seg[512];
    for (int k = 0; k < 2; k++) {
        const char *mn = k ? "010000A8900016F000169D03" : "010000A8900016F000169D02";
        const char *pw = k ? "abc123" : "123456";
        char qn[18], t[15] = {0};
        ti_qn((dt + 60) * 1000, qn);
        eg_hj212_time_format(dt + 60, t);
        int sl = snprintf(seg, sizeof seg,
                          "QN=%s;ST=32;CN=2011;PW=%s;MN=%s;FLAG=5;CP=&&DataTime=%s;"
                          "w01018-Rtd=20.5,w01018-Flag=N&&",
                          qn, pw, mn, t);
        size_t fl;
        REQUIRE(eg_hj212_build_frame(f, sizeof f, seg, (size_t)sl, &fl, NULL) == 0);
        ti_send(c, f, fl);
        int got = ti_wait_for(c, "CN=9014", k ? 5000 : 700, buf, sizeof buf);
        CHECK_EQ_INT(got, k);
    }
    struct eg_ingest_stats s;
    eg_ingest_stats_get(srv, &s);
    CHECK(s.malformed >= 2);
    close(a);
    close(b);
    close(c);
    eg_ingest_stop(srv);
}

TEST(ingest_1013_time_request_gets_9013_then_1012_and_heartbeat_ack)
{
    const char *db = ti_db();
    const char *mn = "010000A8900016F000169DC0";
    ti_add_device(db, mn, "123456", 1, "2017");
    struct eg_ingest *srv = ti_start(db, NULL);
    int fd = ti_connect(eg_ingest_port(srv));
    char seg[256], f[512], buf[4096];
    char qn[18];
    ti_qn(eg_time_now() * 1000, qn);
    int sl =
        snprintf(seg, sizeof seg, "QN=%s;ST=32;CN=1013;PW=123456;MN=%s;Flag=5;CP=&&&&", qn, mn);
    size_t fl;
    REQUIRE(eg_hj212_build_frame(f, sizeof f, seg, (size_t)sl, &fl, NULL) == 0);
    ti_send(fd, f, fl);
    REQUIRE(ti_wait_for(fd, "CN=1012", 5000, buf, sizeof buf));
    CHECK(strstr(buf, "CN=9013") != NULL);
    CHECK(strstr(buf, "SystemTime=") != NULL);
    /* 8013 heartbeat (field practice) with Flag=5: acknowledged, nothing stored */
    ti_qn(eg_time_now() * 1000 + 1, qn);
    sl = snprintf(seg, sizeof seg,
                  "QN=%s;ST=32;CN=8013;PW=123456;MN=%s;Flag=5;CP=&&HeartbeatTime=120&&", qn, mn);
    REQUIRE(eg_hj212_build_frame(f, sizeof f, seg, (size_t)sl, &fl, NULL) == 0);
    ti_send(fd, f, fl);
    char want[32];
    snprintf(want, sizeof want, "QN=%s", qn);
    CHECK(ti_wait_for(fd, want, 5000, buf, sizeof buf));
    close(fd);
    eg_ingest_stop(srv);
    CHECK_EQ_INT(ti_query_int(db, "SELECT count(*) FROM ingest_commands WHERE cn = 1012"), 1);
}

TEST(ingest_cli_device_add_status_offline_and_sim_usage)
{
    const char *db = ti_db();
    char *out = NULL, *err = NULL;
    const char *add[] = {
        "device", "add", "010000A8900016F000169DC7", "--password-stdin", "--outlet", "1", "--db",
        db,       NULL};
    CHECK_EQ_INT(eg_test_run(add, "654321\n", 7, &out, &err), 0);
    CHECK(out && strstr(out, "registered"));
    free(out);
    free(err);
    /* duplicate MN */
    CHECK_EQ_INT(eg_test_run(add, "654321\n", 7, &out, &err), 1);
    free(out);
    free(err);
    /* a PW the protocol cannot carry, no target, an unknown station */
    const char *bad[] = {
        "device", "add", "010000A8900016F000169DC8", "--password-stdin", "--outlet", "1", "--db",
        db,       NULL};
    CHECK_EQ_INT(eg_test_run(bad, "pw;CN=9014\n", 11, &out, &err), 2);
    free(out);
    free(err);
    const char *notarget[] = {
        "device", "add", "010000A8900016F000169DC8", "--password-stdin", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(notarget, "123456\n", 7, &out, &err), 2);
    free(out);
    free(err);
    const char *station[] = {"device",
                             "add",
                             "010000A8900016F000169DC8",
                             "--password-stdin",
                             "--station",
                             "NOPE",
                             "--db",
                             db,
                             NULL};
    CHECK_EQ_INT(eg_test_run(station, "123456\n", 7, &out, &err), 1);
    free(out);
    free(err);
    const char *st[] = {"device", "status", "010000A8900016F000169DC7", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(st, NULL, 0, &out, &err), 0);
    CHECK(out && strstr(out, "\"online\":false"));
    free(out);
    free(err);
    const char *off[] = {"device", "offline", "--db", db, "--multiple", "2", NULL};
    CHECK_EQ_INT(eg_test_run(off, NULL, 0, &out, &err), 0);
    CHECK(out && strstr(out, "010000A8900016F000169DC7"));
    free(out);
    free(err);
    const char *help[] = {"sim", "--help", NULL};
    CHECK_EQ_INT(eg_test_run(help, NULL, 0, &out, &err), 0);
    CHECK(out && strstr(out, "--malformed"));
    free(out);
    free(err);
    const char *noto[] = {"sim", "--devices", "2", NULL};
    CHECK_EQ_INT(eg_test_run(noto, NULL, 0, &out, &err), 2);
    free(out);
    free(err);
    const char *pr[] = {"sim", "--devices", "3", "--print-devices", NULL};
    CHECK_EQ_INT(eg_test_run(pr, NULL, 0, &out, &err), 0);
    CHECK(out && strchr(out, '\n'));
    free(out);
    free(err);
}

/* 2017 Table 1: a request without answer is sent again with the same QN (3 retries), then the
   command is recorded as timed out. */
TEST(ingest_command_resent_then_timeout)
{
    const char *db = ti_db();
    const char *m1 = "010000A8900016F000169DA1", *m2 = "010000A8900016F000169DA2";
    ti_add_device(db, m1, "123456", 1, "2017");
    ti_add_device(db, m2, "123456", 1, "2017");
    struct eg_ingest_config c;
    eg_ingest_config_default(&c);
    c.cmd_timeout_ms = 300;
    struct eg_ingest *srv = ti_start(db, &c);
    int port = eg_ingest_port(srv);
    int fd[2];
    const char *mns[2] = {m1, m2};
    char f[2048], buf[8192];
    int64_t dt = ti_recent();
    static const struct eg_hj212_value v[] = {{"w01018", "Rtd", "20.5"}};
    for (int i = 0; i < 2; i++) {
        fd[i] = ti_connect(port);
        size_t n =
            ti_upload(f, sizeof f, mns[i], "123456", 2011, dt, dt * 1000, 5, 0, 0, 2017, v, 1);
        ti_send(fd[i], f, n);
        REQUIRE(ti_wait_for(fd[i], "CN=9014", 5000, buf, sizeof buf));
    }
    char q1[18], q2[18];
    REQUIRE(eg_ingest_command(srv, m1, 1012, "SystemTime=20250101000000", q1, NULL) == 0);
    REQUIRE(eg_ingest_command(srv, m2, 1012, "SystemTime=20250101000000", q2, NULL) == 0);
    /* device 1 ignores the first request and answers the resent one */
    REQUIRE(ti_wait_for(fd[0], q1, 3000, buf, sizeof buf));
    REQUIRE(ti_wait_for(fd[0], q1, 5000, buf, sizeof buf));
    char *start = strstr(buf, "##"), *end = start ? strstr(start, "\r\n") : NULL;
    REQUIRE(start && end);
    struct eg_hj212_packet *req = malloc(sizeof *req);
    REQUIRE(eg_hj212_parse(start, (size_t)(end + 2 - start), NULL, req, NULL) == 0);
    char out[512];
    size_t ol;
    REQUIRE(eg_hj212_build_request_ack(out, sizeof out, req, 1, &ol, NULL) == 0);
    ti_send(fd[0], out, ol);
    REQUIRE(eg_hj212_build_exec_result(out, sizeof out, req, 1, &ol, NULL) == 0);
    ti_send(fd[0], out, ol);
    free(req);
    /* device 2 never answers: 1 + 3 sends, then timeout */
    int seen = 0;
    uint64_t until = eg_nanos() + 7000000000ull;
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ingest_commands WHERE qn = '%s' AND status = 'timeout'", q2);
    while (eg_nanos() < until && ti_query_int(db, sql) != 1) {
        int r = ti_read(fd[1], buf, sizeof buf, 200);
        for (char *p = buf; r > 0 && (p = strstr(p, q2)); p++)
            seen++;
    }
    CHECK_EQ_INT(ti_query_int(db, sql), 1);
    CHECK_EQ_INT(seen, 4);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ingest_commands WHERE qn = '%s' AND status = 'ok'", q1);
    CHECK_EQ_INT(ti_query_int(db, sql), 1);
    close(fd[0]);
    close(fd[1]);
    eg_ingest_stop(srv);
}
