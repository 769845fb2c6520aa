/*
 * test_http_matrix.c: issue 3 §4 "who may see what", tested as a matrix over HTTP against the
 * real `envgov serve`: every role (admin, bureau, street, enterprise, steward, anonymous) ×
 * every registry resource × every endpoint (list, get, create, update, delete) → allowed or
 * denied, plus the row scope inside an allowed action (a street user's region, an enterprise
 * user's own unit, a steward's contracted units, anonymous and public rows).
 *
 * The expected table is written here from the policy the issue states (and resources.c
 * documents), not read from the server's own table, so that a change to either shows up.
 */
#include "base/base.h"
#include "integration/http_client.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ANON, ADMIN, BUREAU, STREET, ENTERPRISE, STEWARD, NROLES };
static const char *const role_names[NROLES] = {"anonymous", "admin",      "bureau",
                                               "street",    "enterprise", "steward"};
enum { L = 1, G = 2, C = 4, U = 8, D = 16, RD = L | G, ALL = 31 };

/* Issue 3 §4 and the policy comment of src/registry/resources.c. */
static const struct {
    const char *res;
    unsigned allow[NROLES];
} policy[] = {
    /*                     anon admin bureau street enterprise steward */
    {"regions", {RD, ALL, ALL, RD, RD, RD}},          {"units", {RD, ALL, ALL, ALL, RD, RD}},
    {"outlets", {RD, ALL, ALL, ALL, ALL, RD}},        {"permits", {RD, ALL, ALL, RD, RD, RD}},
    {"permit_limits", {RD, ALL, ALL, RD, RD, RD}},    {"stations", {RD, ALL, ALL, RD, RD, RD}},
    {"devices", {0, ALL, ALL, RD, ALL, RD}},          {"users", {0, ALL, 0, 0, 0, 0}},
    {"steward_contracts", {0, ALL, ALL, RD, RD, RD}}, {"audit", {0, RD, RD, 0, 0, 0}},
};

static struct eg_hf fx;
static int port;
static char *tokens[NROLES];
static int serial;

static int request(int role, const char *method, const char *path, json_t *body, json_t **out)
{
    char *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct eg_hc_resp r;
    int rc = eg_hc_request(port, method, path, tokens[role], NULL, b, b ? strlen(b) : 0, &r);
    free(b);
    int status = rc ? -1 : r.status;
    if (out)
        *out = eg_hc_json(&r);
    eg_hc_free(&r);
    return status;
}

/* A valid body to create one of res, inside the scope of street (S1), enterprise (E1). */
static json_t *create_body(const char *res, int role)
{
    int n = ++serial;
    char code[64];
    if (!strcmp(res, "regions")) {
        snprintf(code, sizeof code, "310115005%03d", 100 + n);
        return json_pack("{s:s,s:s,s:s,s:I}", "code", code, "name", "新网格", "level", "grid",
                         "parent_id", fx.s1);
    }
    if (!strcmp(res, "units"))
        return json_pack("{s:s,s:s,s:I}", "name", "新楼宇", "kind", "building", "region_id", fx.s1);
    if (!strcmp(res, "outlets")) {
        snprintf(code, sizeof code, "DA%03d", 100 + n);
        return json_pack("{s:I,s:s,s:s}", "unit_id", fx.e1, "code", code, "type", "waste_gas");
    }
    if (!strcmp(res, "permits")) {
        snprintf(code, sizeof code, "PERMIT-%d", n);
        return json_pack("{s:s,s:I,s:s}", "number", code, "unit_id", fx.e1, "category",
                         "simplified");
    }
    if (!strcmp(res, "permit_limits")) {
        snprintf(code, sizeof code, "a9%04d", n);
        return json_pack("{s:I,s:I,s:s,s:f}", "permit_id", fx.pm1, "outlet_id", fx.o1, "pollutant",
                         code, "conc_limit", 10.0);
    }
    if (!strcmp(res, "stations")) {
        snprintf(code, sizeof code, "ST-%d", n);
        return json_pack("{s:s,s:s,s:s,s:I}", "code", code, "name", "新站点", "kind", "noise",
                         "region_id", fx.s1);
    }
    if (!strcmp(res, "devices")) {
        snprintf(code, sizeof code, "MN%012d", n);
        return json_pack("{s:s,s:s,s:I}", "mn", code, "password", "dev-secret", "outlet_id", fx.o1);
    }
    if (!strcmp(res, "users")) {
        snprintf(code, sizeof code, "u%d", n);
        return json_pack("{s:s,s:s,s:s}", "username", code, "role", "bureau", "password",
                         "a-long-password");
    }
    if (!strcmp(res, "steward_contracts")) {
        /* one contract per (steward, unit): each gets a fresh building in S1 */
        json_t *u = json_pack("{s:s,s:s,s:I}", "name", "合同楼宇", "kind", "building", "region_id",
                              fx.s1),
               *made = NULL;
        REQUIRE(request(ADMIN, "POST", "/api/v1/units", u, &made) == 201);
        json_int_t unit = json_integer_value(json_object_get(made, "id"));
        json_decref(u);
        json_decref(made);
        return json_pack("{s:I,s:I}", "user_id", fx.steward_uid, "unit_id", unit);
    }
    (void)role;
    return json_object(); /* audit: nobody creates */
}

/* A harmless change to an existing row. */
static json_t *patch_body(const char *res)
{
    if (!strcmp(res, "regions") || !strcmp(res, "stations"))
        return json_pack("{s:s}", "name", "改名");
    if (!strcmp(res, "units"))
        return json_pack("{s:s}", "address", "浦东新区世纪大道1号");
    if (!strcmp(res, "outlets") || !strcmp(res, "devices"))
        return json_pack("{s:s}", "name", "改名");
    if (!strcmp(res, "permits"))
        return json_pack("{s:s}", "status", "valid");
    if (!strcmp(res, "permit_limits"))
        return json_pack("{s:s}", "conc_unit", "mg/m3");
    if (!strcmp(res, "users"))
        return json_pack("{s:s}", "display_name", "张三");
    if (!strcmp(res, "steward_contracts"))
        return json_pack("{s:s}", "valid_to", "2029-12-31");
    return json_object();
}

/* The row of res every allowed role may touch (E1's, S1's; the public one for anonymous). */
static long long target(const char *res, int role)
{
    if (!strcmp(res, "regions"))
        return fx.s1;
    if (!strcmp(res, "units"))
        return role == ANON ? fx.e2 : fx.e1;
    if (!strcmp(res, "outlets"))
        return role == ANON ? fx.o2 : fx.o1;
    if (!strcmp(res, "permits"))
        return role == ANON ? fx.pm2 : fx.pm1;
    if (!strcmp(res, "permit_limits"))
        return role == ANON ? fx.l2 : fx.l1;
    if (!strcmp(res, "stations"))
        return fx.st1;
    if (!strcmp(res, "devices"))
        return fx.dv1;
    if (!strcmp(res, "users"))
        return fx.bureau_uid;
    if (!strcmp(res, "steward_contracts"))
        return fx.contract;
    return 1; /* audit: the first entry */
}

/* Uploads create_body(res) as a CSV of one row (header: the field names). */
static int import_one(int role, const char *path, const char *res)
{
    json_t *b = create_body(res, role), *v;
    const char *k;
    struct eg_buf head = {0}, row = {0};
    int first = 1;
    json_object_foreach(b, k, v)
    {
        eg_buf_printf(&head, "%s%s", first ? "" : ",", k);
        if (!first)
            eg_buf_puts(&row, ",");
        first = 0;
        if (json_is_string(v))
            eg_buf_puts(&row, json_string_value(v));
        else if (json_is_integer(v))
            eg_buf_printf(&row, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
            eg_buf_printf(&row, "%g", json_real_value(v));
    }
    json_decref(b);
    eg_buf_puts(&head, "\n");
    eg_buf_append(&head, row.data, row.len);
    eg_buf_puts(&head, "\n");
    struct eg_hc_resp r;
    int rc = eg_hc_request(port, "POST", path, tokens[role], "Content-Type: text/csv\r\n",
                           head.data, head.len, &r);
    int status = rc ? -1 : r.status;
    if (status == 422)
        fprintf(stderr, "    %s import %s: %s\n", role_names[role], res, r.body);
    eg_hc_free(&r);
    eg_buf_free(&head);
    eg_buf_free(&row);
    return status;
}

static int denied_status(int role)
{
    return role == ANON ? 401 : 403;
}

static void expect(int role, const char *res, const char *what, int want, int got)
{
    if (want != got)
        eg_test_fail(__FILE__, __LINE__, "%s %s %s: want %d, got %d", role_names[role], what, res,
                     want, got);
}

static void setup(struct eg_hs *srv)
{
    char db[600];
    snprintf(db, sizeof db, "%s/matrix.db", eg_test_tmpdir());
    REQUIRE(eg_hf_build(db, &fx) == 0);
    REQUIRE(eg_hs_start(srv, db, NULL) == 0);
    port = srv->port;
    for (int r = ADMIN; r < NROLES; r++) {
        char pw[64];
        snprintf(pw, sizeof pw, "pw-%s-123456", role_names[r]);
        tokens[r] = eg_hc_login(port, role_names[r], pw);
        REQUIRE(tokens[r] != NULL);
    }
}

TEST(http_matrix_every_role_every_resource_every_endpoint)
{
    struct eg_hs srv;
    setup(&srv);
    int checked = 0;
    for (size_t p = 0; p < EG_ARRAY_LEN(policy); p++) {
        const char *res = policy[p].res;
        char coll[128], item[160];
        snprintf(coll, sizeof coll, "/api/v1/%s", res);
        for (int role = 0; role < NROLES; role++) {
            unsigned a = policy[p].allow[role];
            int deny = denied_status(role);
            snprintf(item, sizeof item, "/api/v1/%s/%lld", res, target(res, role));

            expect(role, res, "list", a & L ? 200 : deny, request(role, "GET", coll, NULL, NULL));
            expect(role, res, "get", a & G ? 200 : deny, request(role, "GET", item, NULL, NULL));

            json_t *b = create_body(res, role);
            expect(role, res, "create", a & C ? 201 : deny, request(role, "POST", coll, b, NULL));
            json_decref(b);

            b = patch_body(res);
            expect(role, res, "update", a & U ? 200 : deny, request(role, "PATCH", item, b, NULL));
            json_decref(b);

            /* delete: a fresh row made by the admin (audit rows cannot be made: delete #1) */
            long long victim = target(res, role);
            if (strcmp(res, "audit")) {
                json_t *made = NULL;
                b = create_body(res, ADMIN);
                int st = request(ADMIN, "POST", coll, b, &made);
                json_decref(b);
                if (st != 201) {
                    char *m = json_dumps(made, 0);
                    fprintf(stderr, "    admin create %s: %d %s\n", res, st, m ? m : "");
                    free(m);
                }
                REQUIRE(st == 201);
                victim = (long long)json_integer_value(json_object_get(made, "id"));
                json_decref(made);
            }
            snprintf(item, sizeof item, "/api/v1/%s/%lld", res, victim);
            expect(role, res, "delete", a & D ? 204 : deny,
                   request(role, "DELETE", item, NULL, NULL));
            checked += 5;

            /* import: the same create as a one-row CSV upload (the audit log has none) */
            if (strcmp(res, "audit")) {
                char imp[128];
                snprintf(imp, sizeof imp, "/api/v1/import/%s", res);
                expect(role, res, "import", a & C ? 200 : deny, import_one(role, imp, res));
                checked++;
            }
        }
    }
    CHECK_EQ_INT(checked, 10 * 6 * 5 + 9 * 6);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

/* Row scope inside an allowed action: a record outside the caller's scope is invisible on read
   (404, its existence not disclosed) and refused on write (403). */
TEST(http_matrix_row_scope_region_unit_contract_public)
{
    struct eg_hs srv;
    setup(&srv);
    char e2[64], o2[64], e1[64];
    snprintf(e1, sizeof e1, "/api/v1/units/%lld", fx.e1);
    snprintf(e2, sizeof e2, "/api/v1/units/%lld", fx.e2);
    snprintf(o2, sizeof o2, "/api/v1/outlets/%lld", fx.o2);
    json_t *patch = json_pack("{s:s}", "address", "x");

    /* street S1 user: E2 lies in S2 — public, so readable, but not writable */
    CHECK_EQ_INT(request(STREET, "GET", e2, NULL, NULL), 200);
    CHECK_EQ_INT(request(STREET, "PATCH", e2, patch, NULL), 403);
    /* enterprise E1 user: E2's outlet is public (read), E2 cannot be changed; E1's own unit is
       read-only for it */
    CHECK_EQ_INT(request(ENTERPRISE, "PATCH", e1, patch, NULL), 403);
    json_t *ob = json_pack("{s:I,s:s,s:s}", "unit_id", fx.e2, "code", "DA777", "type", "waste_gas");
    CHECK_EQ_INT(request(ENTERPRISE, "POST", "/api/v1/outlets", ob, NULL), 403);
    json_decref(ob);
    /* anonymous: E1 is not public: not found; E2 is */
    CHECK_EQ_INT(request(ANON, "GET", e1, NULL, NULL), 404);
    CHECK_EQ_INT(request(ANON, "GET", e2, NULL, NULL), 200);
    CHECK_EQ_INT(request(ANON, "GET", o2, NULL, NULL), 200);

    /* lists show only the rows in scope */
    json_t *page = NULL;
    CHECK_EQ_INT(request(ANON, "GET", "/api/v1/units?kind=enterprise", NULL, &page), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(page, "items")), 1); /* only public E2 */
    json_decref(page);
    CHECK_EQ_INT(request(ENTERPRISE, "GET", "/api/v1/units?kind=enterprise", NULL, &page), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(page, "items")), 2); /* own E1 + public E2 */
    json_decref(page);
    CHECK_EQ_INT(request(STEWARD, "GET", "/api/v1/devices", NULL, &page), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(page, "items")), 1); /* E1's device */
    json_decref(page);
    CHECK_EQ_INT(request(ADMIN, "GET", "/api/v1/units?kind=enterprise", NULL, &page), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(page, "items")), 2);
    json_decref(page);
    /* a device password is never returned */
    char dv[64];
    snprintf(dv, sizeof dv, "/api/v1/devices/%lld", fx.dv1);
    CHECK_EQ_INT(request(ADMIN, "GET", dv, NULL, &page), 200);
    CHECK(json_object_get(page, "password") == NULL);
    json_decref(page);
    json_decref(patch);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

/* A device made by the admin on outlet (or station when station is set); its id. */
static long long admin_device(long long outlet, long long station)
{
    char mn[32];
    snprintf(mn, sizeof mn, "MNA%011d", ++serial);
    json_t *b = station ? json_pack("{s:s,s:s,s:I}", "mn", mn, "password", "dev-secret",
                                    "station_id", station)
                        : json_pack("{s:s,s:s,s:I}", "mn", mn, "password", "dev-secret",
                                    "outlet_id", outlet),
           *made = NULL;
    REQUIRE(request(ADMIN, "POST", "/api/v1/devices", b, &made) == 201);
    long long id = (long long)json_integer_value(json_object_get(made, "id"));
    json_decref(b);
    json_decref(made);
    return id;
}

/* Issue 10 item 1: who may attach a device to what (create and PATCH re-attach), who confirms
   it, and that a device MN and a station code never name the same time-series source. */
TEST(http_matrix_who_attaches_devices_to_what)
{
    struct eg_hs srv;
    setup(&srv);
    /* a second outlet of E1 to move devices to */
    json_t *ob =
               json_pack("{s:I,s:s,s:s}", "unit_id", fx.e1, "code", "DW002", "type", "waste_water"),
           *made = NULL;
    REQUIRE(request(ADMIN, "POST", "/api/v1/outlets", ob, &made) == 201);
    long long o1b = (long long)json_integer_value(json_object_get(made, "id"));
    json_decref(ob);
    json_decref(made);

    /* targets: E1's outlet (the enterprise's own), E2's outlet, the station */
    enum { OWN, OTHER, STATION, NT };
    static const char *const tnames[NT] = {"own outlet", "other unit's outlet", "station"};
    long long outlet_of[NT] = {fx.o1, fx.o2, 0};
    /*                        anon admin bureau street enterprise steward */
    static const int want_create[NT][NROLES] = {{401, 201, 201, 403, 201, 403},
                                                {401, 201, 201, 403, 403, 403},
                                                {401, 201, 201, 403, 403, 403}};
    int checked = 0;
    for (int t = 0; t < NT; t++) {
        for (int role = 0; role < NROLES; role++) {
            char mn[32], item[64];
            snprintf(mn, sizeof mn, "MNC%011d", ++serial);
            json_t *b = t == STATION ? json_pack("{s:s,s:s,s:I}", "mn", mn, "password",
                                                 "dev-secret", "station_id", fx.st1)
                                     : json_pack("{s:s,s:s,s:I}", "mn", mn, "password",
                                                 "dev-secret", "outlet_id", outlet_of[t]),
                   *row = NULL;
            int got = request(role, "POST", "/api/v1/devices", b, &row);
            json_decref(b);
            char what[96];
            snprintf(what, sizeof what, "create onto %s:", tnames[t]);
            expect(role, "devices", what, want_create[t][role], got);
            if (got == 201) /* confirmed unless an enterprise made it */
                CHECK(json_is_true(json_object_get(row, "confirmed")) == (role != ENTERPRISE));
            json_decref(row);

            /* PATCH re-attach of a device on E1's own outlet to the target */
            long long dv = admin_device(t == OWN ? o1b : fx.o1, 0);
            snprintf(item, sizeof item, "/api/v1/devices/%lld", dv);
            json_t *p = t == STATION ? json_pack("{s:n,s:I}", "outlet_id", "station_id", fx.st1)
                                     : json_pack("{s:I}", "outlet_id", outlet_of[t]);
            got = request(role, "PATCH", item, p, &row);
            json_decref(p);
            snprintf(what, sizeof what, "re-attach onto %s:", tnames[t]);
            expect(role, "devices", what, want_create[t][role] == 201 ? 200 : want_create[t][role],
                   got);
            if (got == 200) /* an enterprise's move needs the bureau's confirmation again */
                CHECK(json_is_true(json_object_get(row, "confirmed")) == (role != ENTERPRISE));
            json_decref(row);
            checked += 2;
        }
    }
    CHECK_EQ_INT(checked, NT * NROLES * 2);

    /* only the bureau and the admin confirm a device */
    char item[64];
    snprintf(item, sizeof item, "/api/v1/devices/%lld", fx.dv1);
    json_t *c = json_pack("{s:b}", "confirmed", 1), *row = NULL;
    CHECK_EQ_INT(request(ENTERPRISE, "PATCH", item, c, NULL), 403);
    CHECK_EQ_INT(request(STREET, "PATCH", item, c, NULL), 403);
    json_t *cb = json_pack("{s:s,s:s,s:I,s:b}", "mn", "MNSELFCONFIRM1", "password", "dev-secret",
                           "outlet_id", fx.o1, "confirmed", 1);
    CHECK_EQ_INT(request(ENTERPRISE, "POST", "/api/v1/devices", cb, NULL), 403);
    json_decref(cb);
    cb = json_pack("{s:s,s:s,s:I}", "mn", "MNENTERPRISE01", "password", "dev-secret", "outlet_id",
                   fx.o1);
    REQUIRE(request(ENTERPRISE, "POST", "/api/v1/devices", cb, &row) == 201);
    json_decref(cb);
    CHECK(json_is_false(json_object_get(row, "confirmed")));
    char mine[64];
    snprintf(mine, sizeof mine, "/api/v1/devices/%lld",
             (long long)json_integer_value(json_object_get(row, "id")));
    json_decref(row);

    /* declarations: an enterprise only for its own confirmed devices, never a station */
    const char *decl = "{\"source\":\"%s\",\"from\":\"2026-01-01 00:00\",\"to\":\"2026-01-01 "
                       "01:00\",\"reason\":\"maintenance\"}";
    char body[256];
    snprintf(body, sizeof body, decl, "SH-PD-AIR-01");
    struct eg_hc_resp r;
    REQUIRE(eg_hc_request(port, "POST", "/api/v1/series/declarations", tokens[ENTERPRISE], NULL,
                          body, strlen(body), &r) == 0);
    CHECK_EQ_INT(r.status, 403);
    eg_hc_free(&r);
    snprintf(body, sizeof body, decl, "MNENTERPRISE01");
    REQUIRE(eg_hc_request(port, "POST", "/api/v1/series/declarations", tokens[ENTERPRISE], NULL,
                          body, strlen(body), &r) == 0);
    CHECK_EQ_INT(r.status, 403); /* not yet confirmed */
    eg_hc_free(&r);
    snprintf(item, sizeof item, "%s", mine);
    CHECK_EQ_INT(request(BUREAU, "PATCH", item, c, &row), 200);
    CHECK(json_is_true(json_object_get(row, "confirmed")));
    json_decref(row);
    REQUIRE(eg_hc_request(port, "POST", "/api/v1/series/declarations", tokens[ENTERPRISE], NULL,
                          body, strlen(body), &r) == 0);
    CHECK_EQ_INT(r.status, 201);
    eg_hc_free(&r);
    /* a harmless change keeps the confirmation; a move to its other outlet drops it */
    json_t *p = json_pack("{s:s}", "name", "改名");
    CHECK_EQ_INT(request(ENTERPRISE, "PATCH", item, p, &row), 200);
    CHECK(json_is_true(json_object_get(row, "confirmed")));
    json_decref(row);
    json_decref(p);
    p = json_pack("{s:I}", "outlet_id", o1b);
    CHECK_EQ_INT(request(ENTERPRISE, "PATCH", item, p, &row), 200);
    CHECK(json_is_false(json_object_get(row, "confirmed")));
    json_decref(row);
    json_decref(p);
    json_decref(c);

    /* device MNs and station codes never meet: create, update and import, for every role */
    json_t *st = json_pack("{s:s,s:s,s:s,s:I}", "code", "STATIONMN1", "name", "站", "kind", "air",
                           "region_id", fx.s1);
    REQUIRE(request(ADMIN, "POST", "/api/v1/stations", st, &row) == 201);
    char st_item[64];
    snprintf(st_item, sizeof st_item, "/api/v1/stations/%lld",
             (long long)json_integer_value(json_object_get(row, "id")));
    json_decref(row);
    json_decref(st);
    for (int role = ADMIN; role <= ENTERPRISE; role += ENTERPRISE - ADMIN) {
        json_t *d = json_pack("{s:s,s:s,s:I}", "mn", "STATIONMN1", "password", "dev-secret",
                              "outlet_id", fx.o1);
        CHECK_EQ_INT(request(role, "POST", "/api/v1/devices", d, NULL), 409);
        json_decref(d);
        d = json_pack("{s:s}", "mn", "STATIONMN1");
        CHECK_EQ_INT(request(role, "PATCH", item, d, NULL), 409);
        json_decref(d);
        const char *csv = "mn,password,outlet_id\nSTATIONMN1,dev-secret,%lld\n";
        char up[128];
        snprintf(up, sizeof up, csv, fx.o1);
        REQUIRE(eg_hc_request(port, "POST", "/api/v1/import/devices", tokens[role],
                              "Content-Type: text/csv\r\n", up, strlen(up), &r) == 0);
        CHECK_EQ_INT(r.status, 422);
        CHECK(r.body && strstr(r.body, "station code") != NULL);
        eg_hc_free(&r);
    }
    json_t *s2 = json_pack("{s:s,s:s,s:s,s:I}", "code", "MNENTERPRISE01", "name", "站", "kind",
                           "air", "region_id", fx.s1);
    CHECK_EQ_INT(request(ADMIN, "POST", "/api/v1/stations", s2, NULL), 409);
    json_decref(s2);
    s2 = json_pack("{s:s}", "code", "88888880000001");
    CHECK_EQ_INT(request(BUREAU, "PATCH", st_item, s2, NULL), 409);
    json_decref(s2);
    /* station observations are never written under a device's MN */
    const char *obs = "{\"observations\":[{\"station\":\"88888880000001\",\"time\":"
                      "\"2026-01-01 10:00\",\"pollutant\":\"a34004\",\"value\":480}]}";
    REQUIRE(eg_hc_request(port, "POST", "/api/v1/observations", tokens[BUREAU], NULL, obs,
                          strlen(obs), &r) == 0);
    CHECK_EQ_INT(r.status, 422);
    CHECK(r.body && strstr(r.body, "device MN") != NULL);
    eg_hc_free(&r);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}
