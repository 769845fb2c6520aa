/*
 * test_ingest_util.h: helpers shared by the ingest integration tests: a temporary database
 * with a unit, outlets and a station, devices registered through the registry (Argon2id), the
 * real server on a loopback port, and raw TCP clients.
 */
#ifndef EG_TEST_INGEST_UTIL_H
#define EG_TEST_INGEST_UTIL_H

#include "hj212/hj212.h"
#include "ingest/ingest.h"
#include "registry/registry.h"
#include "test.h"
#include "ts/ts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A database with one enterprise, outlet 1 (waste water), outlet 2 (waste gas), station AQ01. */
static inline const char *ti_db(void)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/ingest.db", eg_test_tmpdir());
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(path, &st, &e) == 0);
    REQUIRE(
        eg_db_exec(st,
                   "INSERT INTO units (name, kind) VALUES ('测试化工有限公司', 'enterprise');"
                   "INSERT INTO outlets (unit_id, code, type) VALUES (1, 'DW001', 'waste_water');"
                   "INSERT INTO outlets (unit_id, code, type) VALUES (1, 'DA001', 'waste_gas');"
                   "INSERT INTO stations (code, name, kind) VALUES ('AQ01', '测试站', 'air');",
                   &e) == 0);
    eg_db_close(st);
    return path;
}

static inline void ti_add_device(const char *db, const char *mn, const char *pw, int outlet,
                                 const char *protocol)
{
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    json_t *in = json_object();
    json_object_set_new(in, "mn", json_string(mn));
    json_object_set_new(in, "password", json_string(pw));
    json_object_set_new(in, "protocol", json_string(protocol));
    if (outlet)
        json_object_set_new(in, "outlet_id", json_integer(outlet));
    else
        json_object_set_new(in, "station_id", json_integer(1));
    json_t *row = NULL;
    int rc =
        eg_registry_create(st, eg_registry_find("devices"), &eg_principal_system, in, &row, &e);
    if (rc)
        fprintf(stderr, "device add: %s\n", e.msg);
    REQUIRE(rc == 0);
    json_decref(in);
    json_decref(row);
    eg_db_close(st);
}

static inline struct eg_ingest *ti_start(const char *db, struct eg_ingest_config *cfg)
{
    struct eg_ingest_config c;
    if (cfg)
        c = *cfg;
    else
        eg_ingest_config_default(&c);
    c.db_path = db;
    c.addr = "127.0.0.1";
    c.port = 0;
    struct eg_ingest *srv = NULL;
    struct eg_err e = {0};
    int rc = eg_ingest_start(&c, &srv, &e);
    if (rc)
        fprintf(stderr, "ingest start: %s\n", e.msg);
    REQUIRE(rc == 0);
    return srv;
}

static inline int ti_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    return fd;
}

static inline void ti_send(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* Builds a 2017 upload frame (Flag given) with values "code-Field=value" pairs. */
static inline size_t ti_upload(char *out, size_t cap, const char *mn, const char *pw, int cn,
                               int64_t dt, int64_t qn_ms, int flag, int pnum, int pno, int edition,
                               const struct eg_hj212_value *v, size_t nv)
{
    struct eg_hj212_upload u = {.edition = edition,
                                .qn_ms = qn_ms,
                                .st = "32",
                                .pw = pw,
                                .mn = mn,
                                .cn = cn,
                                .flag = flag,
                                .pnum = pnum,
                                .pno = pno,
                                .datatime = dt,
                                .has_datatime = 1,
                                .values = v,
                                .nvalues = nv};
    size_t len = 0;
    struct eg_err e = {0};
    int rc = eg_hj212_build_upload(out, cap, &u, &len, &e);
    if (rc)
        fprintf(stderr, "build: %s\n", e.msg);
    REQUIRE(rc == 0);
    return len;
}

/* Reads frames until timeout_ms passes without input; returns bytes read into buf (NUL ended),
   or -1 when the peer closed (what was read stays in buf). */
static inline int ti_read(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t n = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0)
            break;
        ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
        if (r <= 0) {
            buf[n] = 0;
            return -1;
        }
        n += (size_t)r;
        if (n >= cap - 1)
            break;
        timeout_ms = timeout_ms > 200 ? 200 : timeout_ms;
    }
    buf[n] = 0;
    return (int)n;
}

/* Waits up to ms for a frame containing needle. */
static inline int ti_wait_for(int fd, const char *needle, int ms, char *buf, size_t cap)
{
    size_t n = 0;
    uint64_t end = eg_nanos() + (uint64_t)ms * UINT64_C(1000000);
    buf[0] = 0;
    while (eg_nanos() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
        if (r <= 0)
            return 0;
        n += (size_t)r;
        buf[n] = 0;
        if (strstr(buf, needle))
            return 1;
        if (n >= cap - 1)
            n = 0;
    }
    return 0;
}

/* Samples as the time-series store holds them (open days are rows in ts_run, which
   ti_query_int decodes into the TEMP table ts_raw with eg_ts_rows_view). */
#define TI_SAMPLES                                                                                 \
    "(SELECT s.source AS mn, s.kind AS cn, s.pollutant AS code, s.field AS field, r.t AS t, "      \
    "r.v AS v, r.flag AS flag FROM ts_raw r JOIN ts_series s ON s.id = r.series_id)"

/* The start of the previous Beijing hour: recent enough to stay in the store's open days. */
static inline int64_t ti_recent(void)
{
    int64_t now = eg_time_now();
    return now - now % 3600 - 3600;
}

static inline void ti_qn(int64_t ms, char out[18])
{
    eg_hj212_qn_from_ms(ms, out);
}

static inline int64_t ti_query_int(const char *db, const char *sql)
{
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    if (strstr(sql, "ts_raw")) { /* the open-day samples, decoded into a TEMP table */
        struct eg_ts *ts;
        REQUIRE(eg_ts_open(st, &ts, &e) == 0);
        REQUIRE(eg_ts_rows_view(ts, &e) == 0);
        eg_ts_close(ts);
    }
    struct eg_stmt *s;
    REQUIRE(eg_db_prepare(st, sql, &s, &e) == 0);
    int64_t v = -1;
    if (eg_stmt_step(s, &e) == 1)
        v = eg_stmt_int(s, 0);
    eg_stmt_done(s);
    eg_db_close(st);
    return v;
}

/* Polls sql until it gives want (the writer folds landed packets into the time-series store
   within milliseconds when idle); returns the last value. */
static inline int64_t ti_wait_int(const char *db, const char *sql, int64_t want, int ms)
{
    int64_t v = -1;
    for (int i = 0; i <= ms / 20; i++) {
        v = ti_query_int(db, sql);
        if (v == want)
            break;
        usleep(20000);
    }
    return v;
}

/* Values durably stored: in the time-series store, or landed and not yet folded. */
#define TI_STORED_VALUES                                                                           \
    "SELECT (SELECT count(*) FROM ts_raw) + (SELECT coalesce(sum(n), 0) FROM ingest_landing)"

#endif
