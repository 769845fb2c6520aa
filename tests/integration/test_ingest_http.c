/*
 * test_ingest_http.c: `envgov serve --hj212 ADDR:PORT` as a process: a device speaking HJ 212
 * over TCP beside the HTTP API; device status, the offline list, commands (POST, then the
 * device's 9011/9012, then the history) and /metrics, with who may see and do what.
 */
#include "integration/http_client.h"
#include "test_ingest_util.h"

static struct eg_hs hs;
static struct eg_hx hx;

static int call(const char *token, const char *method, const char *path, const char *body,
                json_t **out)
{
    struct eg_hc_resp r;
    int rc = eg_hc_request(hs.port, method, path, token, NULL, body, body ? strlen(body) : 0, &r);
    int st = rc ? -1 : r.status;
    if (out)
        *out = eg_hc_json(&r);
    eg_hc_free(&r);
    return st;
}

TEST(ingest_http_serve_hj212_status_commands_metrics)
{
    static const char *const users[] = {"bureau", "enterprise"};
    REQUIRE(eg_hx_start(&hx, "ingesthttp.db", EG_HX_HJ212, users, 2, NULL) == 0);
    hs = hx.hs; /* the port the helpers above use; stopped through hx */
    char *bureau = hx.tok[0], *ent = hx.tok[1];
    int dport = hx.hj212_port;

    /* the fixture's device of enterprise E1 sends a minute packet */
    const char *mn = "88888880000001";
    int fd = ti_connect(dport);
    char f[2048], buf[8192];
    int64_t dt = ti_recent();
    size_t n = ti_upload(
        f, sizeof f, mn, "123456", 2051, dt, dt * 1000, 5, 0, 0, 2017,
        (const struct eg_hj212_value[]){{"w01018", "Avg", "31.5"}, {"w01018", "Flag", "N"}}, 2);
    ti_send(fd, f, n);
    REQUIRE(ti_wait_for(fd, "CN=9014", 5000, buf, sizeof buf));

    json_t *j = NULL;
    char path[128];
    snprintf(path, sizeof path, "/api/v1/devices/%s/status", mn);
    CHECK_EQ_INT(call(bureau, "GET", path, NULL, &j), 200);
    CHECK(j && json_is_true(json_object_get(j, "online")));
    json_decref(j);
    CHECK_EQ_INT(call(ent, "GET", path, NULL, NULL), 200); /* its own device */
    CHECK_EQ_INT(call(NULL, "GET", path, NULL, NULL), 401);
    CHECK_EQ_INT(call(bureau, "GET", "/api/v1/devices/NOPE0000000000/status", NULL, NULL), 404);
    CHECK_EQ_INT(call(bureau, "GET", "/api/v1/devices/offline", NULL, &j), 200);
    CHECK(j && json_is_array(json_object_get(j, "items")));
    json_decref(j);
    CHECK_EQ_INT(call(ent, "GET", "/api/v1/devices/offline", NULL, NULL), 403);
    CHECK_EQ_INT(call(bureau, "GET", "/api/v1/devices/offline?multiple=0", NULL, NULL), 422);

    /* a command: 1011 read the clock; the device answers 9011, 1011 upload, 9012 */
    snprintf(path, sizeof path, "/api/v1/devices/%s/commands", mn);
    CHECK_EQ_INT(call(ent, "POST", path, "{\"cn\":1011}", NULL), 403);
    CHECK_EQ_INT(call(bureau, "POST", path, "{\"cn\":4242}", NULL), 422);
    CHECK_EQ_INT(call(bureau, "POST", path, "{\"cn\":\"x\"}", NULL), 422);
    CHECK_EQ_INT(call(bureau, "POST", path, "{\"cn\":1011}", &j), 202);
    const char *qn = j ? json_string_value(json_object_get(j, "qn")) : NULL;
    REQUIRE(qn && strlen(qn) == 17);
    char want[32];
    snprintf(want, sizeof want, "QN=%s", qn);
    REQUIRE(ti_wait_for(fd, want, 5000, buf, sizeof buf));
    char *start = strstr(buf, "##");
    char *end = start ? strstr(start, "\r\n") : NULL;
    REQUIRE(start && end);
    struct eg_hj212_packet *req = malloc(sizeof *req);
    REQUIRE(eg_hj212_parse(start, (size_t)(end + 2 - start), NULL, req, NULL) == 0);
    CHECK_EQ_INT(req->cn_num, 1011);
    char out[512];
    size_t ol;
    REQUIRE(eg_hj212_build_request_ack(out, sizeof out, req, 1, &ol, NULL) == 0);
    ti_send(fd, out, ol);
    REQUIRE(eg_hj212_build_exec_result(out, sizeof out, req, 1, &ol, NULL) == 0);
    ti_send(fd, out, ol);
    free(req);
    json_decref(j);
    int ok = 0;
    for (int i = 0; i < 60 && !ok; i++) {
        json_t *h = NULL;
        if (call(bureau, "GET", path, NULL, &h) == 200) {
            json_t *it = json_array_get(json_object_get(h, "items"), 0);
            ok = it && !strcmp(json_string_value(json_object_get(it, "status")), "ok") &&
                 json_integer_value(json_object_get(it, "exe_rtn")) == 1;
        }
        json_decref(h);
        if (!ok)
            usleep(100000);
    }
    CHECK(ok);

    struct eg_hc_resp m;
    REQUIRE(eg_hc_request(hs.port, "GET", "/metrics", NULL, NULL, NULL, 0, &m) == 0);
    CHECK(m.body && strstr(m.body, "envgov_hj212_packets_total 1") != NULL);
    CHECK(m.body && strstr(m.body, "envgov_hj212_commands_ok_total 1") != NULL);
    eg_hc_free(&m);
    close(fd);
    CHECK_EQ_INT(eg_hx_stop(&hx), 0);
}

/* Issue 10 item 1: a device MN equal to a station code let an enterprise's HJ 212 packets land
   in a public air station's series (its AQI) and opened a non-public station's data to it. The
   registry now refuses the MN, so the packets find no device and no series of the station is
   written or readable. */
TEST(ingest_http_device_mn_cannot_take_a_station_code)
{
    char db[600];
    snprintf(db, sizeof db, "%s/ingestmn.db", eg_test_tmpdir());
    struct eg_hf fx;
    REQUIRE(eg_hf_build(db, &fx) == 0);
    int dport = eg_test_free_port();
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", dport);
    const char *extra[] = {"--hj212", listen, NULL};
    REQUIRE(eg_hs_start(&hs, db, extra) == 0);
    char *admin = eg_hc_login(hs.port, "admin", "pw-admin-123456");
    char *ent = eg_hc_login(hs.port, "enterprise", "pw-enterprise-123456");
    REQUIRE(admin && ent);

    /* a public air station and a non-public noise station with MN-shaped codes */
    char body[512];
    snprintf(body, sizeof body,
             "{\"code\":\"310115A01\",\"name\":\"潍坊\",\"kind\":\"air\",\"region_id\":%lld,"
             "\"public\":true}",
             fx.s2);
    REQUIRE(call(admin, "POST", "/api/v1/stations", body, NULL) == 201);
    snprintf(body, sizeof body,
             "{\"code\":\"310115N03\",\"name\":\"噪声\",\"kind\":\"noise\",\"region_id\":%lld}",
             fx.s2);
    REQUIRE(call(admin, "POST", "/api/v1/stations", body, NULL) == 201);

    /* the enterprise registers "devices" under both codes on its own outlet: refused (409) */
    const char *codes[] = {"310115A01", "310115N03"};
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof body, "{\"mn\":\"%s\",\"password\":\"123456\",\"outlet_id\":%lld}",
                 codes[i], fx.o1);
        CHECK_EQ_INT(call(ent, "POST", "/api/v1/devices", body, NULL), 409);
        /* nor by renaming its own device */
        snprintf(body, sizeof body, "{\"mn\":\"%s\"}", codes[i]);
        char path[64];
        snprintf(path, sizeof path, "/api/v1/devices/%lld", fx.dv1);
        CHECK_EQ_INT(call(ent, "PATCH", path, body, NULL), 409);
    }

    /* HJ 212 packets under the station's code are not acknowledged … */
    int fd = ti_connect(dport);
    char f[2048], buf[8192];
    int64_t dt = ti_recent();
    size_t n = ti_upload(
        f, sizeof f, "310115A01", "123456", 2051, dt, dt * 1000, 5, 0, 0, 2017,
        (const struct eg_hj212_value[]){{"a34004", "Avg", "480"}, {"a34004", "Flag", "N"}}, 2);
    ti_send(fd, f, n);
    CHECK(!ti_wait_for(fd, "CN=9014", 1500, buf, sizeof buf));
    close(fd);

    /* … and the station has no series; the non-public station stays invisible */
    char path[256];
    snprintf(path, sizeof path,
             "/api/v1/series?source=310115A01&pollutant=a34004&kind=2051&from=2000-01-01&to=2099-"
             "01-01");
    CHECK_EQ_INT(call(admin, "GET", path, NULL, NULL), 404);
    CHECK_EQ_INT(call(ent, "GET",
                      "/api/v1/series/rates?source=310115N03&kind=2051&from=2026-01-01&to=2026-"
                      "01-02",
                      NULL, NULL),
                 404);
    free(admin);
    free(ent);
    CHECK_EQ_INT(eg_hs_stop(&hs), 0);
}
