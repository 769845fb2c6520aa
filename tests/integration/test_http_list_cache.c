/*
 * test_http_list_cache.c: the page cache of the list endpoints (issue 11 §8, api_registry.c)
 * never answers with a page the registry no longer says, over the real `envgov serve`: a page
 * asked twice is the same bytes; after a change through the API, through the library from
 * another process's connection, or by plain SQL on the file, the next answer has it; readers of
 * different scope never get each other's page; the audit log (written by logins, not versioned)
 * is never cached; a cached answer is byte for byte what an uncached one says.
 */
#include "base/base.h"
#include "db/db.h"
#include "integration/http_client.h"
#include "registry/registry.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_hf fx;
static struct eg_hs srv;
static char dbpath[600];

static void setup(void)
{
    snprintf(dbpath, sizeof dbpath, "%s/cache.db", eg_test_tmpdir());
    REQUIRE(eg_hf_build(dbpath, &fx) == 0);
    REQUIRE(eg_hs_start(&srv, dbpath, NULL) == 0);
}

/* The body of a GET (malloc'd), its status in *status. */
static char *get(const char *token, const char *path, int *status)
{
    struct eg_hc_resp r;
    REQUIRE(!eg_hc_request(srv.port, "GET", path, token, NULL, NULL, 0, &r));
    *status = r.status;
    char *b = eg_strdup(r.body ? r.body : "");
    eg_hc_free(&r);
    return b;
}

static int count_items(const char *body)
{
    json_t *j = json_loads(body, 0, NULL);
    int n = (int)json_array_size(json_object_get(j, "items"));
    json_decref(j);
    return n;
}

TEST(http_list_cache_follows_every_change_to_the_registry)
{
    setup();
    char *bur = eg_hc_login(srv.port, "bureau", "pw-bureau-123456");
    REQUIRE(bur);
    const char *page = "/api/v1/units?kind=enterprise";
    int st;
    char *a = get(bur, page, &st), *b = get(bur, page, &st);
    CHECK_EQ_INT(st, 200);
    CHECK_STR(a, b); /* the second from the cache */
    CHECK(strstr(a, "虚构精细化工有限公司") != NULL);
    /* the same page under another key (sort=id): computed afresh, the same bytes */
    char *c = get(bur, "/api/v1/units?kind=enterprise&sort=id", &st);
    CHECK_STR(c, a);
    free(a), free(b), free(c);

    /* 1. a change through the API */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/units/%lld", fx.e1);
    struct eg_hc_resp r;
    const char *body = "{\"name\":\"改名一化工有限公司\"}";
    REQUIRE(!eg_hc_request(srv.port, "PATCH", path, bur, NULL, body, strlen(body), &r));
    CHECK_EQ_INT(r.status, 200);
    eg_hc_free(&r);
    a = get(bur, page, &st);
    CHECK(strstr(a, "改名一化工有限公司") && !strstr(a, "虚构精细化工有限公司"));
    free(a);

    /* 2. a change through the library on its own connection (as the CLI in another process) */
    struct eg_db *db;
    struct eg_err err;
    REQUIRE(eg_db_open(dbpath, &db, &err) == 0);
    json_t *patch = json_pack("{s:s}", "name", "改名二化工有限公司");
    REQUIRE(eg_registry_update(db, eg_registry_find("units"), &eg_principal_system, fx.e1, patch,
                               NULL, &err) == 0);
    json_decref(patch);
    a = get(bur, page, &st);
    CHECK(strstr(a, "改名二化工有限公司") != NULL);
    free(a);

    /* 3. plain SQL on the file (a repair by hand): the triggers of migration 003 see it too */
    REQUIRE(eg_db_exec(db,
                       "UPDATE units SET name = '改名三化工有限公司' WHERE kind = "
                       "'enterprise' AND public = 0",
                       &err) == 0);
    a = get(bur, page, &st);
    CHECK(strstr(a, "改名三化工有限公司") != NULL);
    free(a);
    /* a deleted row leaves the page at once */
    snprintf(path, sizeof path, "/api/v1/outlets?unit_id=%lld", fx.e2);
    a = get(bur, path, &st);
    CHECK_EQ_INT(count_items(a), 1);
    free(a);
    REQUIRE(eg_db_exec(db,
                       "DELETE FROM permit_limits WHERE outlet_id IN (SELECT id FROM outlets "
                       "WHERE code = 'DW001')",
                       &err) == 0);
    REQUIRE(eg_db_exec(db, "DELETE FROM outlets WHERE code = 'DW001'", &err) == 0);
    a = get(bur, path, &st);
    CHECK_EQ_INT(count_items(a), 0);
    free(a);
    eg_db_close(db);
    free(bur);
    eg_hs_stop(&srv);
}

TEST(http_list_cache_never_crosses_scopes_and_skips_the_audit_log)
{
    setup();
    static const char *const roles[] = {"admin", "bureau", "street", "enterprise", "steward"};
    const char *page = "/api/v1/units?limit=100";
    /* every role asks the same URL twice, in turn: each gets its own scope every time */
    int expect[6] = {0}, st;
    char *tok[5];
    for (int i = 0; i < 5; i++) {
        char pw[64];
        snprintf(pw, sizeof pw, "pw-%s-123456", roles[i]);
        tok[i] = eg_hc_login(srv.port, roles[i], pw);
        REQUIRE(tok[i]);
    }
    /* a unit the street user may not see: in the other street, not public */
    char body[160];
    snprintf(body, sizeof body,
             "{\"name\":\"川沙私有楼宇\",\"kind\":\"building\",\"region_id\":%lld}", fx.s2);
    struct eg_hc_resp r;
    REQUIRE(
        !eg_hc_request(srv.port, "POST", "/api/v1/units", tok[1], NULL, body, strlen(body), &r));
    CHECK_EQ_INT(r.status, 201);
    eg_hc_free(&r);
    char *anon = get(NULL, page, &st);
    expect[5] = count_items(anon);
    free(anon);
    for (int i = 0; i < 5; i++) {
        char *x = get(tok[i], page, &st);
        expect[i] = count_items(x);
        free(x);
    }
    /* admin and bureau see every unit; street its street; enterprise and steward E1 and the
       public E2; anonymous the public E2 only */
    CHECK_EQ_INT(expect[0], 10);
    CHECK_EQ_INT(expect[1], 10);
    CHECK_EQ_INT(expect[2], 9);
    CHECK_EQ_INT(expect[3], 2);
    CHECK_EQ_INT(expect[4], 2);
    CHECK_EQ_INT(expect[5], 1);
    for (int round = 0; round < 2; round++) {
        for (int i = 4; i >= 0; i--) {
            char *x = get(tok[i], page, &st);
            CHECK_EQ_INT(count_items(x), expect[i]);
            free(x);
        }
        char *x = get(NULL, page, &st);
        CHECK_EQ_INT(count_items(x), expect[5]);
        free(x);
    }
    /* the audit log: a login adds a row no registry version sees; the next page has it */
    char *a = get(tok[0], "/api/v1/audit?resource=sessions&limit=1000", &st);
    CHECK_EQ_INT(st, 200);
    int before = count_items(a);
    free(a);
    char *again = eg_hc_login(srv.port, "street", "pw-street-123456");
    REQUIRE(again);
    a = get(tok[0], "/api/v1/audit?resource=sessions&limit=1000", &st);
    CHECK_EQ_INT(count_items(a), before + 1);
    free(a);
    free(again);
    for (int i = 0; i < 5; i++)
        free(tok[i]);
    eg_hs_stop(&srv);
}
