/* Tests of registry/registry.c and resources.c on a real SQLite file: CRUD of every resource,
   validation (GB 32100-2015 credit code, enums, required, types, unknown fields), duplicates,
   hostile strings, cursor paging and search, the audit log, and the scope matrix
   (role x resource x action, row scope by region / unit / contract / public). */
#include "auth/auth.h"
#include "db/db.h"
#include "registry/registry.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_db *open_db(void)
{
    struct eg_db *st = NULL;
    REQUIRE(eg_db_open(eg_test_db("reg.db"), &st, NULL) == 0);
    return st;
}

static const struct eg_resource *R(const char *name)
{
    const struct eg_resource *r = eg_registry_find(name);
    REQUIRE(r);
    return r;
}

/* Creates as system from a JSON literal; returns the id (the test stops on failure). */
static int64_t mk(struct eg_db *st, const char *res, const char *json)
{
    json_error_t je;
    json_t *in = json_loads(json, 0, &je);
    REQUIRE(in);
    json_t *row = NULL;
    struct eg_err err;
    int r = eg_registry_create(st, R(res), &eg_principal_system, in, &row, &err);
    if (r < 0)
        fprintf(stderr, "create %s %s: %s %s\n", res, json, err.code, err.msg);
    REQUIRE(r == 0 && row);
    int64_t id = (int64_t)json_integer_value(json_object_get(row, "id"));
    json_decref(in);
    json_decref(row);
    return id;
}

/* Tries a create as who; returns the status and the error code in code. */
static char last_msg[256]; /* the message of try_create's last error */

static int try_create(struct eg_db *st, const struct eg_principal *who, const char *res,
                      const char *json, char *code)
{
    json_t *in = json_loads(json, JSON_ALLOW_NUL, NULL);
    REQUIRE(in);
    struct eg_err err;
    eg_err_clear(&err);
    json_t *row = NULL;
    int r = eg_registry_create(st, R(res), who, in, &row, &err);
    if (code)
        snprintf(code, 32, "%s", err.code);
    snprintf(last_msg, sizeof last_msg, "%s", err.msg);
    json_decref(in);
    json_decref(row);
    return r;
}

static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *f, ...)
{
    static char buf[16][2048];
    static int k;
    char *b = buf[k++ % 16];
    va_list ap;
    va_start(ap, f);
    vsnprintf(b, 2048, f, ap);
    va_end(ap);
    return b;
}

/* A credit code with a valid GB 32100-2015 check character built from 17 characters. */
static void credit(const char *body17, char out[19])
{
    static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(cs, body17[i]) - cs) * w[i];
    memcpy(out, body17, 17);
    out[17] = cs[(31 - sum % 31) % 31];
    out[18] = '\0';
}

TEST(registry_credit_code_checksum_gb32100)
{
    /* 91350100M000100Y43 is the example given in GB 32100-2015 Annex */
    CHECK(eg_credit_code_valid("91350100M000100Y43", 18));
    CHECK(!eg_credit_code_valid("91350100M000100Y44", 18));
    CHECK(!eg_credit_code_valid("91350100M000100Y4", 17));
    CHECK(!eg_credit_code_valid("91350100M000100YI3", 18)); /* I is not a code character */
    CHECK(!eg_credit_code_valid("91350100m000100Y43", 18)); /* lower case */
    CHECK(!eg_credit_code_valid("91A50100M000100Y43", 18)); /* §4.3 region code digits */
    char c[19];
    credit("91310115MA1K3XXXX", c);
    CHECK(eg_credit_code_valid(c, 18));
}

/* A small world: Pudong, two streets with a grid each, two enterprises (one public), a park,
   outlets, permits, limits, stations, devices, users of each role, one steward contract. */
struct world {
    int64_t district, s1, s2, g1, u1, u2, park, o1, o2, p1, p2, l1, st1, st2, d1, d2;
    int64_t admin, bureau, street, ent, steward, contract;
    struct eg_principal who[6];
};

static int64_t user_row(struct eg_db *st, const char *name, const char *role, int64_t region,
                        int64_t unit)
{
    struct eg_stmt *s;
    REQUIRE(eg_db_prepare(st,
                          "INSERT INTO users(username, role, region_id, unit_id, password) "
                          "VALUES (?, ?, ?, ?, 'not-a-hash')",
                          &s, NULL) == 0);
    eg_stmt_bind_text(s, 1, name, strlen(name));
    eg_stmt_bind_text(s, 2, role, strlen(role));
    if (region)
        eg_stmt_bind_int(s, 3, region);
    if (unit)
        eg_stmt_bind_int(s, 4, unit);
    REQUIRE(eg_stmt_step(s, NULL) == 0);
    eg_stmt_done(s);
    return eg_db_last_id(st);
}

static void build_world(struct eg_db *st, struct world *w)
{
    memset(w, 0, sizeof *w);
    w->district =
        mk(st, "regions", "{\"code\":\"310115\",\"name\":\"浦东新区\",\"level\":\"district\"}");
    w->s1 = mk(st, "regions",
               fmt("{\"code\":\"310115004\",\"name\":\"陆家嘴街道\",\"level\":\"street\",\"parent_"
                   "id\":%lld}",
                   (long long)w->district));
    w->s2 = mk(
        st, "regions",
        fmt("{\"code\":\"310115125\",\"name\":\"张江镇\",\"level\":\"street\",\"parent_id\":%lld}",
            (long long)w->district));
    w->g1 = mk(st, "regions",
               fmt("{\"code\":\"310115004-01\",\"name\":\"第一网格\",\"level\":\"grid\",\"parent_"
                   "id\":%lld}",
                   (long long)w->s1));
    char c1[19], c2[19], c3[19];
    credit("91310115MA1K00001", c1);
    credit("91310115MA1K00002", c2);
    credit("12310115MB0000003", c3);
    w->park =
        mk(st, "units",
           fmt("{\"name\":\"示例高科技园区\",\"kind\":\"park\",\"region_id\":%lld,\"public\":true}",
               (long long)w->s2));
    /* u1 in a grid of street 1 (not public); u2 in street 2 (public), in the park */
    w->u1 = mk(st, "units",
               fmt("{\"name\":\"虚构化工有限公司\",\"kind\":\"enterprise\",\"credit_code\":\"%s\","
                   "\"region_id\":%lld,\"key_water\":true}",
                   c1, (long long)w->g1));
    w->u2 = mk(st, "units",
               fmt("{\"name\":\"示例电子有限公司\",\"kind\":\"enterprise\",\"credit_code\":\"%s\","
                   "\"region_id\":%lld,\"park_id\":%lld,\"public\":true}",
                   c2, (long long)w->s2, (long long)w->park));
    w->o1 =
        mk(st, "outlets",
           fmt("{\"unit_id\":%lld,\"code\":\"DW001\",\"type\":\"waste_water\"}", (long long)w->u1));
    w->o2 =
        mk(st, "outlets",
           fmt("{\"unit_id\":%lld,\"code\":\"DA001\",\"type\":\"waste_gas\"}", (long long)w->u2));
    w->p1 = mk(st, "permits",
               fmt("{\"number\":\"91310115MA1K00001-001V\",\"unit_id\":%lld,\"category\":\"key\","
                   "\"valid_from\":\"2023-01-01\",\"valid_to\":\"2027-12-31\"}",
                   (long long)w->u1));
    w->p2 = mk(
        st, "permits",
        fmt("{\"number\":\"P2\",\"unit_id\":%lld,\"category\":\"simplified\"}", (long long)w->u2));
    w->l1 = mk(st, "permit_limits",
               fmt("{\"permit_id\":%lld,\"outlet_id\":%lld,\"pollutant\":\"w01018\",\"pollutant_"
                   "name\":\"化学需氧量\",\"conc_limit\":100,\"conc_unit\":\"mg/"
                   "L\",\"standard\":\"DB31/199-2018\",\"annual_t\":12.5}",
                   (long long)w->p1, (long long)w->o1));
    w->st1 = mk(st, "stations",
                fmt("{\"code\":\"A001\",\"name\":\"张江站\",\"kind\":\"air\",\"region_id\":%lld,"
                    "\"public\":true}",
                    (long long)w->s2));
    w->st2 = mk(st, "stations",
                fmt("{\"code\":\"N001\",\"name\":\"陆家嘴噪声\",\"kind\":\"noise\",\"noise_zone\":"
                    "\"4a\",\"region_id\":%lld}",
                    (long long)w->s1));
    w->d1 = mk(st, "devices",
               fmt("{\"mn\":\"88888880000001\",\"password\":\"dev-pw-1\",\"outlet_id\":%lld,"
                   "\"pollutants\":\"w01018,w21003\"}",
                   (long long)w->o1));
    w->d2 = mk(st, "devices",
               fmt("{\"mn\":\"88888880000002\",\"password\":\"dev-pw-2\",\"station_id\":%lld,"
                   "\"protocol\":\"2005\"}",
                   (long long)w->st1));
    /* users straight into the table: the registry path for users (and its Argon2id cost) is
       tested in registry_crud_cycle_every_resource; here only their ids and roles matter */
    w->admin = user_row(st, "adm", "admin", 0, 0);
    w->bureau = user_row(st, "bur", "bureau", 0, 0);
    w->street = user_row(st, "str", "street", w->s1, 0);
    w->ent = user_row(st, "ent", "enterprise", 0, w->u1);
    w->steward = user_row(st, "stw", "steward", 0, 0);
    w->contract =
        mk(st, "steward_contracts",
           fmt("{\"user_id\":%lld,\"unit_id\":%lld}", (long long)w->steward, (long long)w->u2));
    w->who[EG_ROLE_ANON] = (struct eg_principal){EG_ROLE_ANON, 0, "", "", 0};
    w->who[EG_ROLE_ADMIN] = (struct eg_principal){EG_ROLE_ADMIN, w->admin, "adm", "", 0};
    w->who[EG_ROLE_BUREAU] = (struct eg_principal){EG_ROLE_BUREAU, w->bureau, "bur", "", 0};
    w->who[EG_ROLE_STREET] =
        (struct eg_principal){EG_ROLE_STREET, w->street, "str", "310115004", 0};
    w->who[EG_ROLE_ENTERPRISE] =
        (struct eg_principal){EG_ROLE_ENTERPRISE, w->ent, "ent", "", w->u1};
    w->who[EG_ROLE_STEWARD] = (struct eg_principal){EG_ROLE_STEWARD, w->steward, "stw", "", 0};
}

static int count_list(struct eg_db *st, const struct eg_principal *who, const char *res)
{
    json_t *rows = NULL;
    char *cur = NULL;
    struct eg_list_query q = {0};
    q.limit = 1000;
    int r = eg_registry_list(st, R(res), who, &q, &rows, &cur, NULL);
    if (r < 0)
        return r;
    int n = (int)json_array_size(rows);
    json_decref(rows);
    free(cur);
    return n;
}

static int get_status(struct eg_db *st, const struct eg_principal *who, const char *res, int64_t id)
{
    json_t *row = NULL;
    int r = eg_registry_get(st, R(res), who, id, &row, NULL);
    json_decref(row);
    return r;
}

TEST(registry_crud_every_resource_round_trips_and_audits)
{
    struct eg_db *st = open_db();
    struct world w;
    build_world(st, &w);
    json_t *row = NULL;
    struct eg_err err;
    /* get returns what was stored, typed */
    REQUIRE(eg_registry_get(st, R("units"), &eg_principal_system, w.u1, &row, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(row, "name")), "虚构化工有限公司");
    CHECK(json_is_true(json_object_get(row, "key_water")));
    CHECK(json_is_false(json_object_get(row, "key_air")));
    CHECK_EQ_INT(json_integer_value(json_object_get(row, "region_id")), w.g1);
    CHECK(json_is_null(json_object_get(row, "lon")));
    json_decref(row);
    REQUIRE(eg_registry_get(st, R("permit_limits"), &eg_principal_system, w.l1, &row, &err) == 0);
    CHECK_EQ_DBL(json_real_value(json_object_get(row, "conc_limit")), 100, 1e-9);
    json_decref(row);
    /* devices: the password is never returned; defaults applied */
    REQUIRE(eg_registry_get(st, R("devices"), &eg_principal_system, w.d1, &row, &err) == 0);
    CHECK(json_object_get(row, "password") == NULL);
    CHECK_STR(json_string_value(json_object_get(row, "protocol")), "2017");
    CHECK_EQ_INT(json_integer_value(json_object_get(row, "interval_s")), 60);
    json_decref(row);
    /* update every resource kind, then delete in dependency order */
    json_t *patch = json_pack("{s:s, s:f}", "address", "上海市浦东新区虚构路1号", "lon", 121.5);
    REQUIRE(eg_registry_update(st, R("units"), &eg_principal_system, w.u1, patch, &row, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(row, "address")), "上海市浦东新区虚构路1号");
    CHECK_STR(json_string_value(json_object_get(row, "name")), "虚构化工有限公司");
    json_decref(row);
    json_decref(patch);
    patch = json_pack("{s:s}", "status", "revoked");
    REQUIRE(eg_registry_update(st, R("permits"), &eg_principal_system, w.p2, patch, NULL, &err) ==
            0);
    json_decref(patch);
    patch = json_pack("{s:s}", "water_class", "III");
    CHECK_EQ_INT(
        eg_registry_update(st, R("stations"), &eg_principal_system, w.st1, patch, NULL, &err),
        EG_EINVAL);
    CHECK_STR(err.code, "water_class"); /* an air station has no water class */
    json_decref(patch);
    /* delete blocked by references (409), then allowed */
    CHECK_EQ_INT(eg_registry_delete(st, R("units"), &eg_principal_system, w.u1, &err),
                 EG_ECONFLICT);
    CHECK_EQ_INT(eg_registry_delete(st, R("permit_limits"), &eg_principal_system, w.l1, &err), 0);
    CHECK_EQ_INT(eg_registry_delete(st, R("devices"), &eg_principal_system, w.d1, &err), 0);
    CHECK_EQ_INT(eg_registry_delete(st, R("devices"), &eg_principal_system, w.d1, &err),
                 EG_ENOTFOUND);
    CHECK_EQ_INT(get_status(st, &eg_principal_system, "devices", w.d1), EG_ENOTFOUND);
    /* the audit log has one row per change, with before/after and no secrets */
    json_t *rows = NULL;
    const char *fn[] = {"resource", "action"}, *fv[] = {"devices", "create"};
    struct eg_list_query q = {.filter_names = fn, .filter_values = fv, .nfilters = 2};
    REQUIRE(eg_registry_list(st, R("audit"), &eg_principal_system, &q, &rows, NULL, &err) == 0);
    CHECK_EQ_INT(json_array_size(rows), 2);
    const char *after = json_string_value(json_object_get(json_array_get(rows, 0), "after_json"));
    CHECK(after && strstr(after, "\"password\":\"(set)\"") && !strstr(after, "argon2"));
    CHECK(after && !strstr(after, "dev-pw-1"));
    json_decref(rows);
    fv[1] = "delete";
    REQUIRE(eg_registry_list(st, R("audit"), &eg_principal_system, &q, &rows, NULL, &err) == 0);
    CHECK_EQ_INT(json_array_size(rows), 1);
    CHECK(json_string_value(json_object_get(json_array_get(rows, 0), "before_json")) != NULL);
    CHECK(json_is_null(json_object_get(json_array_get(rows, 0), "after_json")));
    json_decref(rows);
    /* the audit log itself cannot be written */
    CHECK_EQ_INT(try_create(st, &eg_principal_system, "audit", "{\"actor\":\"x\"}", NULL),
                 EG_EPERM);
    eg_db_close(st);
}

TEST(registry_validation_names_the_field)
{
    struct eg_db *st = open_db();
    struct world w;
    build_world(st, &w);
    const struct eg_principal *sys = &eg_principal_system;
    char code[32];
    CHECK_EQ_INT(
        try_create(
            st, sys, "units",
            "{\"name\":\"x\",\"kind\":\"enterprise\",\"credit_code\":\"91310115MA1K000010\"}",
            code),
        EG_EINVAL);
    CHECK_STR(code, "credit_code");
    CHECK_EQ_INT(try_create(st, sys, "units", "{\"name\":\"x\",\"kind\":\"enterprise\"}", code),
                 EG_EINVAL);
    CHECK_STR(code, "credit_code"); /* an enterprise needs one */
    CHECK_EQ_INT(try_create(st, sys, "units", "{\"name\":\"x\",\"kind\":\"factory\"}", code),
                 EG_EINVAL);
    CHECK_STR(code, "kind");
    CHECK_EQ_INT(try_create(st, sys, "units", "{\"kind\":\"park\"}", code), EG_EINVAL);
    CHECK_STR(code, "name");
    CHECK_EQ_INT(try_create(st, sys, "units", "{\"name\":\"\",\"kind\":\"park\"}", code),
                 EG_EINVAL);
    CHECK_STR(code, "name");
    CHECK_EQ_INT(try_create(st, sys, "units", "{\"name\":12,\"kind\":\"park\"}", code), EG_EINVAL);
    CHECK_STR(code, "name");
    CHECK_EQ_INT(
        try_create(st, sys, "units", "{\"name\":\"x\",\"kind\":\"park\",\"public\":\"yes\"}", code),
        EG_EINVAL);
    CHECK_STR(code, "public");
    CHECK_EQ_INT(
        try_create(st, sys, "units", "{\"name\":\"x\",\"kind\":\"park\",\"lat\":91}", code),
        EG_EINVAL);
    CHECK_STR(code, "lat");
    CHECK_EQ_INT(
        try_create(st, sys, "units", "{\"name\":\"x\",\"kind\":\"park\",\"region_id\":9999}", code),
        EG_EINVAL);
    CHECK_STR(code, "region_id");
    CHECK_EQ_INT(try_create(st, sys, "units",
                            "{\"name\":\"x\",\"kind\":\"park\",\"region_id\":\"1\"}", code),
                 EG_EINVAL);
    CHECK_STR(code, "region_id");
    CHECK_EQ_INT(
        try_create(st, sys, "units", "{\"name\":\"x\",\"kind\":\"park\",\"colour\":\"red\"}", code),
        EG_EINVAL);
    CHECK_STR(code, "unknown_field");
    CHECK_EQ_INT(try_create(st, sys, "units", "{\"id\":5,\"name\":\"x\",\"kind\":\"park\"}", code),
                 EG_EINVAL);
    CHECK_STR(code, "id");
    CHECK_EQ_INT(try_create(st, sys, "units", "[1,2]", code), EG_EINVAL);
    CHECK_STR(code, "body");
    CHECK_EQ_INT(try_create(st, sys, "permits",
                            fmt("{\"number\":\"Z\",\"unit_id\":%lld,\"category\":\"key\",\"valid_"
                                "from\":\"2023-02-30\"}",
                                (long long)w.u1),
                            code),
                 EG_EINVAL);
    CHECK_STR(code, "valid_from");
    CHECK_EQ_INT(try_create(st, sys, "permits",
                            fmt("{\"number\":\"Z\",\"unit_id\":%lld,\"category\":\"key\",\"valid_"
                                "from\":\"2024-01-01\",\"valid_to\":\"2023-01-01\"}",
                                (long long)w.u1),
                            code),
                 EG_EINVAL);
    CHECK_STR(code, "valid_to");
    CHECK_EQ_INT(try_create(st, sys, "outlets",
                            fmt("{\"unit_id\":%lld,\"code\":\"001\",\"type\":\"waste_gas\"}",
                                (long long)w.u1),
                            code),
                 EG_EINVAL);
    CHECK_STR(code, "code");
    CHECK_EQ_INT(
        try_create(st, sys, "devices",
                   fmt("{\"mn\":\"X1\",\"password\":\"p\",\"outlet_id\":%lld,\"station_id\":%lld}",
                       (long long)w.o1, (long long)w.st1),
                   code),
        EG_EINVAL);
    CHECK_STR(code, "outlet_id");
    CHECK_EQ_INT(
        try_create(
            st, sys, "devices",
            fmt("{\"mn\":\"X1\",\"password\":\"p\",\"outlet_id\":%lld,\"protocol\":\"2019\"}",
                (long long)w.o1),
            code),
        EG_EINVAL);
    CHECK_STR(code, "protocol");
    CHECK_EQ_INT(try_create(st, sys, "permit_limits",
                            fmt("{\"permit_id\":%lld,\"outlet_id\":%lld,\"pollutant\":\"a21026\"}",
                                (long long)w.p1, (long long)w.o2),
                            code),
                 EG_EINVAL);
    CHECK_STR(code, "outlet_id"); /* the outlet of another unit */
    CHECK_EQ_INT(
        try_create(st, sys, "regions", "{\"code\":\"9\",\"name\":\"g\",\"level\":\"grid\"}", code),
        EG_EINVAL);
    CHECK_STR(code, "parent_id");
    CHECK_EQ_INT(
        try_create(st, sys, "users",
                   "{\"username\":\"a b\",\"role\":\"admin\",\"password\":\"long-enough\"}", code),
        EG_EINVAL);
    CHECK_STR(code, "username");
    CHECK_EQ_INT(try_create(st, sys, "users",
                            "{\"username\":\"short\",\"role\":\"admin\",\"password\":\"1234\"}",
                            code),
                 EG_EINVAL);
    CHECK_STR(code, "password");
    CHECK_EQ_INT(
        try_create(st, sys, "users",
                   "{\"username\":\"s2\",\"role\":\"street\",\"password\":\"long-enough\"}", code),
        EG_EINVAL);
    CHECK_STR(code, "region_id");
    CHECK_EQ_INT(
        try_create(st, sys, "steward_contracts",
                   fmt("{\"user_id\":%lld,\"unit_id\":%lld}", (long long)w.bureau, (long long)w.u1),
                   code),
        EG_EINVAL);
    CHECK_STR(code, "user_id");
    /* too long */
    char big[400];
    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = '\0';
    CHECK_EQ_INT(
        try_create(st, sys, "units", fmt("{\"name\":\"%s\",\"kind\":\"park\"}", big), code),
        EG_EINVAL);
    CHECK_STR(code, "name");
    /* nothing half-written */
    CHECK_EQ_INT(count_list(st, sys, "units"), 3);
    eg_db_close(st);
}

TEST(registry_duplicates_are_conflicts_409)
{
    struct eg_db *st = open_db();
    struct world w;
    build_world(st, &w);
    char code[32];
    json_t *row = NULL;
    REQUIRE(eg_registry_get(st, R("units"), &eg_principal_system, w.u1, &row, NULL) == 0);
    const char *cc = json_string_value(json_object_get(row, "credit_code"));
    CHECK_EQ_INT(
        try_create(st, &eg_principal_system, "units",
                   fmt("{\"name\":\"y\",\"kind\":\"enterprise\",\"credit_code\":\"%s\"}", cc),
                   code),
        EG_ECONFLICT);
    CHECK_STR(code, "duplicate");
    /* the message names the field and the value that exist, no SQL text */
    char want[128];
    snprintf(want, sizeof want, "credit_code %s already exists", cc);
    CHECK_STR(last_msg, want);
    json_decref(row);
    CHECK_EQ_INT(try_create(st, &eg_principal_system, "outlets",
                            fmt("{\"unit_id\":%lld,\"code\":\"DW001\",\"type\":\"waste_water\"}",
                                (long long)w.u1),
                            code),
                 EG_ECONFLICT);
    /* a unique pair (outlets: unit_id, code) names both */
    snprintf(want, sizeof want, "unit_id %lld with code DW001 already exists", (long long)w.u1);
    CHECK_STR(last_msg, want);
    CHECK_EQ_INT(try_create(st, &eg_principal_system, "devices",
                            fmt("{\"mn\":\"88888880000001\",\"password\":\"x\",\"outlet_id\":%lld}",
                                (long long)w.o1),
                            code),
                 EG_ECONFLICT);
    CHECK_EQ_INT(
        try_create(st, &eg_principal_system, "users",
                   "{\"username\":\"adm\",\"role\":\"admin\",\"password\":\"long-enough\"}", code),
        EG_ECONFLICT);
    /* an update into a duplicate too */
    json_t *patch = json_pack("{s:s}", "code", "A001");
    struct eg_err err;
    CHECK_EQ_INT(
        eg_registry_update(st, R("stations"), &eg_principal_system, w.st2, patch, NULL, &err),
        EG_ECONFLICT);
    CHECK_STR(err.code, "duplicate");
    CHECK_STR(err.msg, "code A001 already exists");
    json_decref(patch);
    eg_db_close(st);
}

TEST(registry_hostile_strings_stored_verbatim)
{
    struct eg_db *st = open_db();
    static const char *hostile[] = {
        "O'Brien \"quoted\" 公司",
        "100% 纯净; DROP TABLE units; --",
        "a\\b\\%_",
        "emoji 😀 𠮷野家",
        "' OR 1=1 --",
        "nul\0inside",
    };
    static const size_t lens[] = {0, 0, 0, 0, 0, 10};
    for (size_t i = 0; i < EG_ARRAY_LEN(hostile); i++) {
        size_t n = lens[i] ? lens[i] : strlen(hostile[i]);
        json_t *in = json_pack("{s:s%, s:s}", "name", hostile[i], n, "kind", "park");
        json_t *row = NULL;
        if (lens[i] && eg_test_pg()) {
            /* PostgreSQL's text holds no NUL: refused as invalid input, not cut short */
            CHECK_EQ_INT(eg_registry_create(st, R("units"), &eg_principal_system, in, &row, NULL),
                         EG_EINVAL);
            json_decref(in);
            continue;
        }
        REQUIRE(eg_registry_create(st, R("units"), &eg_principal_system, in, &row, NULL) == 0);
        int64_t id = (int64_t)json_integer_value(json_object_get(row, "id"));
        json_decref(row);
        REQUIRE(eg_registry_get(st, R("units"), &eg_principal_system, id, &row, NULL) == 0);
        json_t *name = json_object_get(row, "name");
        CHECK_EQ_INT(json_string_length(name), n);
        CHECK(memcmp(json_string_value(name), hostile[i], n) == 0);
        json_decref(row);
        json_decref(in);
    }
    /* search treats % and _ literally */
    json_t *rows = NULL;
    struct eg_list_query q = {.q = "100%"};
    REQUIRE(eg_registry_list(st, R("units"), &eg_principal_system, &q, &rows, NULL, NULL) == 0);
    CHECK_EQ_INT(json_array_size(rows), 1);
    json_decref(rows);
    q.q = "%_";
    REQUIRE(eg_registry_list(st, R("units"), &eg_principal_system, &q, &rows, NULL, NULL) == 0);
    CHECK_EQ_INT(json_array_size(rows), 1); /* only "a\b\%_" contains "%_" */
    json_decref(rows);
    q.q = "' OR 1=1 --";
    REQUIRE(eg_registry_list(st, R("units"), &eg_principal_system, &q, &rows, NULL, NULL) == 0);
    CHECK_EQ_INT(json_array_size(rows), 1);
    json_decref(rows);
    /* invalid UTF-8 refused */
    json_t *in = json_object();
    json_object_set_new(in, "name", json_stringn_nocheck("\xff\xfe", 2));
    json_object_set_new(in, "kind", json_string("park"));
    struct eg_err err;
    CHECK_EQ_INT(eg_registry_create(st, R("units"), &eg_principal_system, in, NULL, &err),
                 EG_EINVAL);
    json_decref(in);
    eg_db_close(st);
}

TEST(registry_list_search_filter_sort_and_cursor_paging)
{
    struct eg_db *st = open_db();
    eg_db_exec(st, "BEGIN", NULL);
    for (int i = 0; i < 137; i++) {
        char json[256];
        /* names repeat so that sorting by name needs the id tie-break; some lack an industry */
        snprintf(json, sizeof json, "{\"name\":\"%s单位%02d\",\"kind\":\"%s\"%s}",
                 i % 2 ? "浦东" : "张江", i % 50, i % 3 ? "park" : "building",
                 i % 4 ? ",\"industry\":\"化工\"" : "");
        mk(st, "units", json);
    }
    eg_db_exec(st, "COMMIT", NULL);
    const char *sorts[] = {NULL, "-id", "name", "-name", "industry", "-industry"};
    for (size_t s = 0; s < EG_ARRAY_LEN(sorts); s++) {
        char *cursor = NULL;
        int total = 0, pages = 0;
        int64_t seen[200] = {0};
        do {
            struct eg_list_query q = {.sort = sorts[s], .limit = 20, .cursor = cursor};
            json_t *rows = NULL;
            char *next = NULL;
            struct eg_err err;
            int r = eg_registry_list(st, R("units"), &eg_principal_system, &q, &rows, &next, &err);
            if (r < 0)
                fprintf(stderr, "%s\n", err.msg);
            REQUIRE(r == 0);
            for (size_t i = 0; i < json_array_size(rows); i++) {
                int64_t id =
                    (int64_t)json_integer_value(json_object_get(json_array_get(rows, i), "id"));
                REQUIRE(id > 0 && id < 200);
                CHECK(!seen[id]);
                seen[id] = 1;
            }
            total += (int)json_array_size(rows);
            pages++;
            json_decref(rows);
            free(cursor);
            cursor = next;
        } while (cursor && pages < 50);
        CHECK_EQ_INT(total, 137);
        CHECK_EQ_INT(pages, 7);
    }
    /* search on Chinese names, filters */
    json_t *rows = NULL;
    struct eg_list_query q = {.q = "张江", .limit = 1000};
    REQUIRE(eg_registry_list(st, R("units"), &eg_principal_system, &q, &rows, NULL, NULL) == 0);
    CHECK_EQ_INT(json_array_size(rows), 69);
    json_decref(rows);
    const char *fn[] = {"kind"}, *fv[] = {"楼宇"};
    struct eg_list_query qf = {
        .filter_names = fn, .filter_values = fv, .nfilters = 1, .limit = 1000};
    REQUIRE(eg_registry_list(st, R("units"), &eg_principal_system, &qf, &rows, NULL, NULL) == 0);
    CHECK_EQ_INT(json_array_size(rows), 46);
    json_decref(rows);
    /* bad queries */
    struct eg_err err;
    struct eg_list_query bad = {.sort = "password"};
    CHECK_EQ_INT(eg_registry_list(st, R("devices"), &eg_principal_system, &bad, &rows, NULL, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "sort");
    bad = (struct eg_list_query){.limit = 1001};
    CHECK_EQ_INT(eg_registry_list(st, R("units"), &eg_principal_system, &bad, &rows, NULL, &err),
                 EG_EINVAL);
    bad = (struct eg_list_query){.cursor = "not-a-cursor"};
    CHECK_EQ_INT(eg_registry_list(st, R("units"), &eg_principal_system, &bad, &rows, NULL, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "cursor");
    const char *bn[] = {"address"}, *bv[] = {"x"};
    bad = (struct eg_list_query){.filter_names = bn, .filter_values = bv, .nfilters = 1};
    CHECK_EQ_INT(eg_registry_list(st, R("units"), &eg_principal_system, &bad, &rows, NULL, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "unknown_filter");
    eg_db_close(st);
}

/* The matrix: for every role, resource and action, what the policy allows, and that the CRUD
   functions agree with it on in-scope and out-of-scope rows. */
TEST(registry_scope_matrix_every_role_resource_action)
{
    struct eg_db *st = open_db();
    struct world w;
    build_world(st, &w);
    /* expected role-level policy: R=read C=create U=update D=delete, per role
       anon, admin, bureau, street, enterprise, steward */
    struct {
        const char *res;
        const char *pol[6];
    } exp[] = {
        {"regions", {"R", "RCUD", "RCUD", "R", "R", "R"}},
        {"units", {"R", "RCUD", "RCUD", "RCUD", "R", "R"}},
        {"outlets", {"R", "RCUD", "RCUD", "RCUD", "RCUD", "R"}},
        {"permits", {"R", "RCUD", "RCUD", "R", "R", "R"}},
        {"permit_limits", {"R", "RCUD", "RCUD", "R", "R", "R"}},
        {"stations", {"R", "RCUD", "RCUD", "R", "R", "R"}},
        {"devices", {"", "RCUD", "RCUD", "R", "RCUD", "R"}},
        {"users", {"", "RCUD", "", "", "", ""}},
        {"steward_contracts", {"", "RCUD", "RCUD", "R", "R", "R"}},
        {"audit", {"", "R", "R", "", "", ""}},
    };
    static const char acts[] = "RCUD";
    int n = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(exp); i++) {
        for (int role = 0; role < 6; role++) {
            for (int a = 0; a < 4; a++) {
                int want = strchr(exp[i].pol[role], acts[a]) != NULL;
                int got = eg_registry_allowed(&w.who[role], R(exp[i].res), (enum eg_action)a);
                CHECK_EQ_INT(got, want ? 0 : role == 0 ? EG_EAUTH : EG_EPERM);
                n++;
            }
        }
    }
    CHECK_EQ_INT(n, 240);
    for (int i = 0; eg_registry_resources[i]; i++)
        CHECK(eg_registry_allowed(&w.who[0], eg_registry_resources[i], EG_ACT_READ) >= EG_EAUTH);

    /* row scope on reads: which rows each role sees (lists) */
    struct {
        const char *res;
        int n[6];
    } seen[] = {
        /*                   anon admin bureau street ent steward */
        {"regions", {4, 4, 4, 4, 4, 4}},
        {"units", {2, 3, 3, 3, 3, 2}},   /* public: park, u2; street: +u1 (in its grid) */
        {"outlets", {1, 2, 2, 2, 2, 1}}, /* o2 public (u2) */
        {"permits", {1, 2, 2, 2, 2, 1}},
        {"permit_limits", {0, 1, 1, 1, 1, 0}},
        {"stations", {1, 2, 2, 2, 1, 1}},       /* st1 public; st2 in street 1 */
        {"devices", {EG_EAUTH, 2, 2, 1, 1, 0}}, /* street: d1 (o1 in its grid) */
        {"users", {EG_EAUTH, 5, EG_EPERM, EG_EPERM, EG_EPERM, EG_EPERM}},
        {"steward_contracts", {EG_EAUTH, 1, 1, 0, 0, 1}},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(seen); i++)
        for (int role = 0; role < 6; role++) {
            int got = count_list(st, &w.who[role], seen[i].res);
            if (got != seen[i].n[role])
                fprintf(stderr, "    %s as %s: %d rows, want %d\n", seen[i].res,
                        eg_role_name((enum eg_role)role), got, seen[i].n[role]);
            CHECK_EQ_INT(got, seen[i].n[role]);
        }

    /* single-row reads out of scope are "not found" (existence not leaked) */
    CHECK_EQ_INT(get_status(st, &w.who[EG_ROLE_ANON], "units", w.u1), EG_ENOTFOUND);
    CHECK_EQ_INT(get_status(st, &w.who[EG_ROLE_ANON], "units", w.u2), 0);
    CHECK_EQ_INT(get_status(st, &w.who[EG_ROLE_ENTERPRISE], "units", w.u1), 0);
    CHECK_EQ_INT(get_status(st, &w.who[EG_ROLE_ENTERPRISE], "devices", w.d2), EG_ENOTFOUND);
    CHECK_EQ_INT(get_status(st, &w.who[EG_ROLE_STEWARD], "units", w.u1), EG_ENOTFOUND);
    CHECK_EQ_INT(get_status(st, &w.who[EG_ROLE_STREET], "stations", w.st2), 0);
    CHECK_EQ_INT(get_status(st, &w.who[EG_ROLE_STREET], "permit_limits", w.l1), 0);
    CHECK_EQ_INT(get_status(st, &w.who[EG_ROLE_ANON], "devices", w.d1), EG_EAUTH);
    CHECK_EQ_INT(get_status(st, &w.who[EG_ROLE_BUREAU], "users", w.admin), EG_EPERM);

    /* writes: in scope allowed, out of scope 403 */
    char code[32];
    const struct eg_principal *street = &w.who[EG_ROLE_STREET], *ent = &w.who[EG_ROLE_ENTERPRISE];
    CHECK_EQ_INT(try_create(st, street, "units",
                            fmt("{\"name\":\"社区甲\",\"kind\":\"community\",\"region_id\":%lld}",
                                (long long)w.g1),
                            code),
                 0);
    CHECK_EQ_INT(try_create(st, street, "units",
                            fmt("{\"name\":\"社区乙\",\"kind\":\"community\",\"region_id\":%lld}",
                                (long long)w.s2),
                            code),
                 EG_EPERM);
    CHECK_EQ_INT(
        try_create(st, street, "units", "{\"name\":\"社区丙\",\"kind\":\"community\"}", code),
        EG_EPERM);
    CHECK_EQ_INT(try_create(st, ent, "outlets",
                            fmt("{\"unit_id\":%lld,\"code\":\"DA009\",\"type\":\"waste_gas\"}",
                                (long long)w.u1),
                            code),
                 0);
    CHECK_EQ_INT(try_create(st, ent, "outlets",
                            fmt("{\"unit_id\":%lld,\"code\":\"DA009\",\"type\":\"waste_gas\"}",
                                (long long)w.u2),
                            code),
                 EG_EPERM);
    CHECK_EQ_INT(
        try_create(st, ent, "devices",
                   fmt("{\"mn\":\"E1\",\"password\":\"pw\",\"station_id\":%lld}", (long long)w.st1),
                   code),
        EG_EPERM);
    CHECK_EQ_INT(
        try_create(st, ent, "permits",
                   fmt("{\"number\":\"E\",\"unit_id\":%lld,\"category\":\"key\"}", (long long)w.u1),
                   code),
        EG_EPERM);
    CHECK_EQ_INT(try_create(st, &w.who[EG_ROLE_STEWARD], "outlets",
                            fmt("{\"unit_id\":%lld,\"code\":\"DA010\",\"type\":\"waste_gas\"}",
                                (long long)w.u2),
                            code),
                 EG_EPERM);
    CHECK_EQ_INT(
        try_create(st, &w.who[EG_ROLE_ANON], "units", "{\"name\":\"x\",\"kind\":\"park\"}", code),
        EG_EAUTH);
    struct eg_err err;
    json_t *patch = json_pack("{s:s}", "name", "改名");
    CHECK_EQ_INT(eg_registry_update(st, R("units"), street, w.u1, patch, NULL, &err), 0);
    CHECK_EQ_INT(eg_registry_update(st, R("units"), street, w.u2, patch, NULL, &err), EG_EPERM);
    CHECK_EQ_INT(eg_registry_update(st, R("units"), street, 99999, patch, NULL, &err),
                 EG_ENOTFOUND);
    CHECK_EQ_INT(eg_registry_update(st, R("units"), ent, w.u1, patch, NULL, &err), EG_EPERM);
    json_decref(patch);
    /* moving a row out of one's own scope is refused, and nothing changes */
    patch = json_pack("{s:I}", "region_id", (json_int_t)w.s2);
    CHECK_EQ_INT(eg_registry_update(st, R("units"), street, w.u1, patch, NULL, &err), EG_EPERM);
    json_decref(patch);
    json_t *row = NULL;
    REQUIRE(eg_registry_get(st, R("units"), &eg_principal_system, w.u1, &row, NULL) == 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(row, "region_id")), w.g1);
    json_decref(row);
    CHECK_EQ_INT(eg_registry_delete(st, R("outlets"), ent, w.o2, &err), EG_EPERM);
    CHECK_EQ_INT(eg_registry_delete(st, R("stations"), street, w.st2, &err), EG_EPERM);
    CHECK_EQ_INT(eg_registry_delete(st, R("units"), &w.who[EG_ROLE_ANON], w.u2, &err), EG_EAUTH);
    eg_db_close(st);
}

TEST(registry_value_from_text_for_imports_and_filters)
{
    struct eg_db *st = open_db();
    struct world w;
    build_world(st, &w);
    json_t *v = NULL;
    struct eg_err err;
    const struct eg_resource *permits = R("permits"), *dev = R("devices"), *units = R("units");
    CHECK_EQ_INT(eg_registry_value_from_text(st, eg_registry_field(permits, "category"), "重点管理",
                                             strlen("重点管理"), &v, &err),
                 0);
    CHECK_STR(json_string_value(v), "key");
    json_decref(v);
    CHECK_EQ_INT(eg_registry_value_from_text(st, eg_registry_field(permits, "valid_to"), "2025/3/1",
                                             8, &v, &err),
                 0);
    CHECK_STR(json_string_value(v), "2025-03-01");
    json_decref(v);
    CHECK_EQ_INT(
        eg_registry_value_from_text(st, eg_registry_field(units, "key_air"), "是", 3, &v, &err), 0);
    CHECK(json_is_true(v));
    json_decref(v);
    CHECK_EQ_INT(eg_registry_value_from_text(st, eg_registry_field(units, "region_id"), "310115004",
                                             9, &v, &err),
                 0);
    CHECK_EQ_INT(json_integer_value(v), w.s1);
    json_decref(v);
    json_t *row = NULL;
    REQUIRE(eg_registry_get(st, units, &eg_principal_system, w.u1, &row, NULL) == 0);
    char ref[64];
    snprintf(ref, sizeof ref, "%s/DW001", json_string_value(json_object_get(row, "credit_code")));
    json_decref(row);
    CHECK_EQ_INT(eg_registry_value_from_text(st, eg_registry_field(dev, "outlet_id"), ref,
                                             strlen(ref), &v, &err),
                 0);
    CHECK_EQ_INT(json_integer_value(v), w.o1);
    json_decref(v);
    CHECK_EQ_INT(eg_registry_value_from_text(st, eg_registry_field(dev, "outlet_id"), "nope/DW001",
                                             10, &v, &err),
                 EG_EINVAL);
    CHECK_EQ_INT(
        eg_registry_value_from_text(st, eg_registry_field(dev, "interval_s"), "6O", 2, &v, &err),
        EG_EINVAL);
    CHECK_STR(err.code, "interval_s");
    CHECK_EQ_INT(eg_registry_value_from_text(st, eg_registry_field(units, "lon"), "", 0, &v, &err),
                 0);
    CHECK(json_is_null(v));
    eg_db_close(st);
}

/* The full matrix on the small world: every role x every resource x {get, update, delete} x
   every row, against the expected visible and writable rows written out by hand (an
   independent statement of the rules in docs/registry.md). */
TEST(registry_scope_matrix_every_row_get_update_delete)
{
    struct eg_db *st = open_db();
    struct world w;
    build_world(st, &w);
    enum { AN, AD, BU, SR, EN, SW };
    /* rows per resource, and per role the rows it may read (r) and write (w), as bit masks over
       the row list; -1 = the role lacks the action altogether */
    struct {
        const char *res;
        int64_t rows[6];
        int n;
        int r[6], wr[6];
    } m[] = {
        {"regions",
         {w.district, w.s1, w.s2, w.g1},
         4,
         {15, 15, 15, 15, 15, 15},
         {-1, 15, 15, -1, -1, -1}},
        {"units",
         {w.park, w.u1, w.u2},
         3, /* park=1 u1=2 u2=4 */
         {5, 7, 7, 7, 7, 5},
         {-1, 7, 7, 2, -1, -1}},
        {"outlets", {w.o1, w.o2}, 2, {2, 3, 3, 3, 3, 2}, {-1, 3, 3, 1, 1, -1}},
        {"permits", {w.p1, w.p2}, 2, {2, 3, 3, 3, 3, 2}, {-1, 3, 3, -1, -1, -1}},
        {"permit_limits", {w.l1}, 1, {0, 1, 1, 1, 1, 0}, {-1, 1, 1, -1, -1, -1}},
        {"stations", {w.st1, w.st2}, 2, {1, 3, 3, 3, 1, 1}, {-1, 3, 3, -1, -1, -1}},
        {"devices", {w.d1, w.d2}, 2, {-1, 3, 3, 1, 1, 0}, {-1, 3, 3, -1, 1, -1}},
        {"users",
         {w.admin, w.bureau, w.street, w.ent, w.steward},
         5,
         {-1, 31, -1, -1, -1, -1},
         {-1, 31, -1, -1, -1, -1}},
        {"steward_contracts", {w.contract}, 1, {-1, 1, 1, 0, 0, 1}, {-1, 1, 1, -1, -1, -1}},
        {"audit", {1, 2, 3}, 3, {-1, 7, 7, -1, -1, -1}, {-1, -1, -1, -1, -1, -1}},
    };
    int checks = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(m); i++) {
        for (int role = 0; role < 6; role++) {
            const struct eg_principal *who = &w.who[role];
            int denied = role == AN ? EG_EAUTH : EG_EPERM;
            for (int k = 0; k < m[i].n; k++) {
                int64_t id = m[i].rows[k];
                int want = m[i].r[role] < 0 ? denied : (m[i].r[role] >> k & 1) ? 0 : EG_ENOTFOUND;
                int got = get_status(st, who, m[i].res, id);
                if (got != want)
                    fprintf(stderr, "    get %s %lld as %s: %d, want %d\n", m[i].res, (long long)id,
                            eg_role_name((enum eg_role)role), got, want);
                CHECK_EQ_INT(got, want);
                want = m[i].wr[role] < 0 ? denied : (m[i].wr[role] >> k & 1) ? 0 : EG_EPERM;
                json_t *patch = json_object();
                struct eg_err err;
                got = eg_registry_update(st, R(m[i].res), who, id, patch, NULL, &err);
                json_decref(patch);
                if (got != want)
                    fprintf(stderr, "    update %s %lld as %s: %d, want %d\n", m[i].res,
                            (long long)id, eg_role_name((enum eg_role)role), got, want);
                CHECK_EQ_INT(got, want);
                /* delete inside a transaction that is rolled back: the world stays whole */
                REQUIRE(eg_db_begin(st, NULL) == 0);
                got = eg_registry_delete(st, R(m[i].res), who, id, &err);
                eg_db_rollback(st);
                if (got == EG_ECONFLICT && want == 0)
                    got = 0; /* allowed, but still referenced by other rows */
                if (got != want)
                    fprintf(stderr, "    delete %s %lld as %s: %d, want %d\n", m[i].res,
                            (long long)id, eg_role_name((enum eg_role)role), got, want);
                CHECK_EQ_INT(got, want);
                checks += 3;
            }
        }
    }
    CHECK_EQ_INT(checks, 6 * 25 * 3);
    /* nothing changed: the no-op updates wrote no audit rows, the deletes were rolled back */
    CHECK_EQ_INT(count_list(st, &eg_principal_system, "units"), 3);
    CHECK_EQ_INT(count_list(st, &eg_principal_system, "devices"), 2);
    eg_db_close(st);
}

/* Create, read, list, update, delete for every writable resource, each audited. */
TEST(registry_crud_cycle_every_resource)
{
    struct eg_db *st = open_db();
    struct world w;
    build_world(st, &w);
    char cc[19];
    credit("91310115MA1K00009", cc);
    struct {
        const char *res, *create, *patch, *field, *value;
    } c[] = {
        {"regions",
         fmt("{\"code\":\"310115004-09\",\"name\":\"临时网格\",\"level\":\"grid\",\"parent_id\":%"
             "lld}",
             (long long)w.s1),
         "{\"name\":\"改名网格\"}", "name", "改名网格"},
        {"units",
         fmt("{\"name\":\"丁公司（演示）\",\"kind\":\"enterprise\",\"credit_code\":\"%s\"}", cc),
         "{\"industry\":\"食品制造业\"}", "industry", "食品制造业"},
        {"outlets",
         fmt("{\"unit_id\":%lld,\"code\":\"DA002\",\"type\":\"waste_gas\"}", (long long)w.u1),
         "{\"name\":\"2号废气排放口\"}", "name", "2号废气排放口"},
        {"permits",
         fmt("{\"number\":\"TMP-001\",\"unit_id\":%lld,\"category\":\"registration\"}",
             (long long)w.park),
         "{\"status\":\"expired\"}", "status", "expired"},
        {"permit_limits",
         fmt("{\"permit_id\":%lld,\"outlet_id\":%lld,\"pollutant\":\"w21003\",\"conc_limit\":45}",
             (long long)w.p1, (long long)w.o1),
         "{\"standard\":\"DB31/199-2018\"}", "standard", "DB31/199-2018"},
        {"stations",
         "{\"code\":\"W099\",\"name\":\"临时断面\",\"kind\":\"water\",\"water_class\":\"III\"}",
         "{\"water_class\":\"IV\"}", "water_class", "IV"},
        {"devices",
         fmt("{\"mn\":\"TMP0001\",\"password\":\"pw\",\"station_id\":%lld}", (long long)w.st2),
         "{\"crc\":\"modbus_swapped\"}", "crc", "modbus_swapped"},
        {"users", "{\"username\":\"tmp\",\"role\":\"bureau\",\"password\":\"tmp-password\"}",
         "{\"display_name\":\"临时\"}", "display_name", "临时"},
        {"steward_contracts",
         fmt("{\"user_id\":%lld,\"unit_id\":%lld}", (long long)w.steward, (long long)w.u1),
         "{\"valid_to\":\"2030-01-01\"}", "valid_to", "2030-01-01"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(c); i++) {
        int before = count_list(st, &eg_principal_system, c[i].res);
        int64_t id = mk(st, c[i].res, c[i].create);
        CHECK_EQ_INT(count_list(st, &eg_principal_system, c[i].res), before + 1);
        CHECK_EQ_INT(get_status(st, &eg_principal_system, c[i].res, id), 0);
        json_t *patch = json_loads(c[i].patch, 0, NULL), *row = NULL;
        struct eg_err err;
        REQUIRE(eg_registry_update(st, R(c[i].res), &eg_principal_system, id, patch, &row, &err) ==
                0);
        CHECK_STR(json_string_value(json_object_get(row, c[i].field)), c[i].value);
        json_decref(row);
        json_decref(patch);
        CHECK_EQ_INT(eg_registry_delete(st, R(c[i].res), &eg_principal_system, id, &err), 0);
        CHECK_EQ_INT(get_status(st, &eg_principal_system, c[i].res, id), EG_ENOTFOUND);
        /* three audit rows for this row: create, update, delete */
        json_t *rows = NULL;
        char ids[32];
        snprintf(ids, sizeof ids, "%lld", (long long)id);
        const char *fn[] = {"resource", "row_id"}, *fv[] = {c[i].res, ids};
        struct eg_list_query q = {.filter_names = fn, .filter_values = fv, .nfilters = 2};
        REQUIRE(eg_registry_list(st, R("audit"), &eg_principal_system, &q, &rows, NULL, NULL) == 0);
        CHECK_EQ_INT(json_array_size(rows), 3);
        CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 0), "actor")), "system");
        json_decref(rows);
    }
    eg_db_close(st);
}

TEST(registry_steward_sees_contracted_units_only_while_the_contract_is_in_force)
{
    struct eg_db *st = open_db();
    struct world w;
    build_world(st, &w);
    int64_t d3 =
        mk(st, "devices",
           fmt("{\"mn\":\"STW0001\",\"password\":\"pw\",\"outlet_id\":%lld}", (long long)w.o2));
    const struct eg_principal *stw = &w.who[EG_ROLE_STEWARD];
    CHECK_EQ_INT(get_status(st, stw, "devices", d3), 0);
    struct eg_err err;
    json_t *patch = json_pack("{s:s, s:s}", "valid_from", "2020-01-01", "valid_to", "2020-12-31");
    REQUIRE(eg_registry_update(st, R("steward_contracts"), &eg_principal_system, w.contract, patch,
                               NULL, &err) == 0);
    json_decref(patch);
    CHECK_EQ_INT(get_status(st, stw, "devices", d3), EG_ENOTFOUND);
    patch = json_pack("{s:s, s:n}", "valid_from", "2099-01-01", "valid_to");
    REQUIRE(eg_registry_update(st, R("steward_contracts"), &eg_principal_system, w.contract, patch,
                               NULL, &err) == 0);
    json_decref(patch);
    CHECK_EQ_INT(get_status(st, stw, "devices", d3), EG_ENOTFOUND); /* not yet in force */
    patch = json_pack("{s:n}", "valid_from");
    REQUIRE(eg_registry_update(st, R("steward_contracts"), &eg_principal_system, w.contract, patch,
                               NULL, &err) == 0);
    json_decref(patch);
    CHECK_EQ_INT(get_status(st, stw, "devices", d3), 0); /* open-ended */
    eg_db_close(st);
}

/* Time-series sources (station codes, device MNs) follow the registry's scope. */
TEST(registry_source_readable_follows_row_scope)
{
    struct eg_db *st = open_db();
    struct world w;
    build_world(st, &w);
    struct {
        const char *source;
        int want[6]; /* anon admin bureau street enterprise steward: 1 readable */
    } c[] = {
        {"A001", {1, 1, 1, 1, 1, 1}},           /* public air station (street 2) */
        {"N001", {0, 1, 1, 1, 0, 0}},           /* non-public noise station in street 1 */
        {"88888880000002", {1, 1, 1, 1, 1, 1}}, /* device on the public station */
        {"88888880000001", {0, 1, 1, 1, 1, 0}}, /* device on u1's outlet (grid of street 1) */
        {"NOSUCH", {0, 0, 0, 0, 0, 0}},         {"", {0, 0, 0, 0, 0, 0}},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(c); i++)
        for (int role = 0; role < 6; role++) {
            int got = eg_registry_source_readable(st, &w.who[role], c[i].source, NULL);
            CHECK_EQ_INT(got, c[i].want[role] ? 0 : EG_ENOTFOUND);
        }
    eg_db_close(st);
}
