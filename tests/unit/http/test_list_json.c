/*
 * test_list_json.c: the registry's list written straight as JSON text (eg_registry_list_json,
 * issue 11 §8) says exactly what the jansson path says (eg_registry_list, then the HTTP
 * serializer): the same bytes and the same next cursor, for every resource, every role's scope,
 * sorts by every field both ways, filters, text search, pages followed to the end, and stored
 * strings with quotes, backslashes, control characters and Chinese text, reals of full
 * precision, NULLs. Real SQLite file, the HTTP tests' registry fixture.
 */
#include "auth/auth.h"
#include "db/db.h"
#include "http/http_internal.h"
#include "integration/http_client.h"
#include "registry/registry.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Row caches (eg_registry_rows) kept across the whole test as an HTTP worker keeps its own:
   one large enough for every row, one that keeps only a few (rows not kept are read again). */
static struct eg_registry_rows *row_caches[2];

/* The list through a row cache at the registry version read now; text appended to out. */
static int via_rows(struct eg_db *st, const struct eg_resource *res, const struct eg_principal *who,
                    const struct eg_list_query *q, struct eg_registry_rows *rc, struct eg_buf *out,
                    char **next, struct eg_err *err)
{
    int64_t v;
    int cacheable;
    REQUIRE(eg_registry_version(st, res, &v, &cacheable, err) == 0);
    struct eg_list_query q2 = *q;
    if (cacheable) {
        eg_registry_rows_version(rc, v);
        q2.rows = rc;
    }
    return eg_registry_list_json(st, res, who, &q2, out, next, err);
}

/* All paths over one query; returns the number of rows, or -1 on an error (all must agree). */
static int same_page(struct eg_db *st, const struct eg_resource *res,
                     const struct eg_principal *who, struct eg_list_query *q, char **next)
{
    struct eg_err e1, e2;
    json_t *rows = NULL;
    char *n1 = NULL, *n2 = NULL;
    struct eg_buf a = {0}, b = {0};
    eg_buf_append(&b, "prefix", 6); /* appended to what the buffer holds */
    int r1 = eg_registry_list(st, res, who, q, &rows, &n1, &e1);
    int r2 = eg_registry_list_json(st, res, who, q, &b, &n2, &e2);
    CHECK_EQ_INT(r1, r2);
    int n = -1;
    if (r1 == 0 && r2 == 0) {
        eg__http_json_write(&a, rows);
        eg_buf_append(&a, "", 1);
        eg_buf_append(&b, "", 1);
        CHECK_STR(b.data + 6, a.data);
        CHECK(!memcmp(b.data, "prefix", 6));
        CHECK((n1 == NULL) == (n2 == NULL));
        if (n1 && n2)
            CHECK_STR(n1, n2);
        n = (int)json_array_size(rows);
        /* through each row cache (the first call of a version reads every column and keeps
           the rows; later ones read ids and copy kept rows): the same bytes and cursor */
        for (int c = 0; c < 2; c++) {
            struct eg_buf t = {0};
            char *n3 = NULL;
            struct eg_err e3;
            CHECK_EQ_INT(via_rows(st, res, who, q, row_caches[c], &t, &n3, &e3), 0);
            eg_buf_append(&t, "", 1);
            CHECK_STR(t.data, a.data);
            CHECK((n1 == NULL) == (n3 == NULL));
            if (n1 && n3)
                CHECK_STR(n1, n3);
            free(n3);
            eg_buf_free(&t);
        }
    } else {
        CHECK_STR(e1.code, e2.code);
        CHECK_EQ_INT(b.len, 6); /* left as it was */
    }
    json_decref(rows);
    eg_buf_free(&a);
    eg_buf_free(&b);
    free(n2);
    *next = n1;
    return n;
}

TEST(list_json_text_equals_the_jansson_path_for_every_shape_and_role)
{
    char db[600];
    snprintf(db, sizeof db, "%s/listjson.db", eg_test_tmpdir());
    struct eg_hf fx;
    REQUIRE(eg_hf_build(db, &fx) == 0);
    struct eg_db *st;
    struct eg_err err;
    REQUIRE(eg_db_open(db, &st, &err) == 0);
    row_caches[0] = eg_registry_rows_new(4u << 20);
    row_caches[1] = eg_registry_rows_new(2000);
    /* hostile and awkward stored values: quotes, backslash, controls, DEL, Chinese, precision */
    json_t *patch =
        json_pack("{s:s,s:s,s:f,s:f}", "name", "\"引号\"\\ \x01\x1f\x7f\t\n 化工", "address",
                  "</script><b>&amp;", "lon", 121.123456789012345, "lat", -0.000001234);
    REQUIRE(eg_registry_update(st, eg_registry_find("units"), &eg_principal_system, fx.e1, patch,
                               NULL, &err) == 0);
    json_decref(patch);
    patch = json_pack("{s:f}", "lat", 31.234567890123456);
    REQUIRE(eg_registry_update(st, eg_registry_find("units"), &eg_principal_system, fx.e2, patch,
                               NULL, &err) == 0);
    json_decref(patch);

    struct eg_principal who[6] = {
        {EG_ROLE_ANON, 0, "", "", 0},
        {EG_ROLE_ADMIN, 1, "admin", "", 0},
        {EG_ROLE_BUREAU, fx.bureau_uid, "bureau", "", 0},
        {EG_ROLE_STREET, 3, "street", "310115005", 0},
        {EG_ROLE_ENTERPRISE, 4, "enterprise", "", fx.e1},
        {EG_ROLE_STEWARD, fx.steward_uid, "steward", "", 0},
    };
    int compared = 0, rows_seen = 0;
    for (const struct eg_resource *const *r = eg_registry_resources; *r; r++) {
        const struct eg_resource *res = *r;
        /* sorts: id both ways and every field both ways */
        char sorts[64][80];
        int ns = 0;
        snprintf(sorts[ns++], 80, "id");
        snprintf(sorts[ns++], 80, "-id");
        for (int i = 0; i < res->nfields && ns + 2 <= 64; i++) {
            if (res->fields[i].flags & EG_FF_SECRET)
                continue;
            snprintf(sorts[ns++], 80, "%s", res->fields[i].name);
            snprintf(sorts[ns++], 80, "-%s", res->fields[i].name);
        }
        for (int w = 0; w < 6; w++)
            for (int si = 0; si < ns; si++) {
                /* pages of 2 followed to the end: cursors with values, NULLs, both orders */
                struct eg_list_query q = {.sort = sorts[si], .limit = 2};
                char *cur = NULL;
                int pages = 0, n;
                do {
                    q.cursor = cur;
                    char *next = NULL;
                    n = same_page(st, res, &who[w], &q, &next);
                    free(cur);
                    cur = next;
                    compared++;
                    rows_seen += n > 0 ? n : 0;
                } while (n > 0 && cur && ++pages < 50);
                free(cur);
                CHECK(pages < 50);
            }
    }
    /* filters and search, and the errors both paths give alike */
    static const char *const fn[] = {"kind", "region_id", "public", "kind", "region_id", "id"};
    static const char *const fv[] = {"enterprise", "310115005", "是", "nope", "abc", "x"};
    for (int i = 0; i < 6; i++) {
        const char *names[1] = {fn[i]}, *values[1] = {fv[i]};
        struct eg_list_query q = {
            .filter_names = names, .filter_values = values, .nfilters = 1, .q = "化工"};
        char *next = NULL;
        same_page(st, eg_registry_find("units"), &who[1], &q, &next);
        free(next);
        q.q = NULL;
        same_page(st, eg_registry_find("units"), &who[3], &q, &next);
        free(next);
    }
    struct eg_list_query badq[] = {{.sort = "password"},
                                   {.cursor = "!!"},
                                   {.limit = 1001},
                                   {.q = "\xff\xfe"},
                                   {.sort = "nope"}};
    for (size_t i = 0; i < EG_ARRAY_LEN(badq); i++) {
        char *next = NULL;
        CHECK_EQ_INT(same_page(st, eg_registry_find("devices"), &who[1], &badq[i], &next), -1);
        free(next);
    }
    /* anonymous may not list devices: both refuse alike */
    char *next = NULL;
    struct eg_list_query q0 = {0};
    CHECK_EQ_INT(same_page(st, eg_registry_find("devices"), &who[0], &q0, &next), -1);
    CHECK(compared > 500);
    CHECK(rows_seen > 2000); /* most shapes read rows, not errors */
    eg_registry_rows_free(row_caches[0]);
    eg_registry_rows_free(row_caches[1]);
    eg_db_close(st);
}

/* The row cache follows the registry version: a row changed by plain SQL (no library, as a
   repair by hand or another process would) is never served from the cache kept before, by a
   list that reads ids only (issue 11 §8). */
TEST(list_json_row_cache_follows_the_registry_version)
{
    char db[600];
    snprintf(db, sizeof db, "%s/rowcache.db", eg_test_tmpdir());
    struct eg_hf fx;
    REQUIRE(eg_hf_build(db, &fx) == 0);
    struct eg_db *st;
    struct eg_err err;
    REQUIRE(eg_db_open(db, &st, &err) == 0);
    struct eg_registry_rows *rc = eg_registry_rows_new(4u << 20);
    const struct eg_resource *units = eg_registry_find("units");
    struct eg_list_query q = {.limit = 100};
    struct eg_list_query q_sorted = {.limit = 100, .sort = "-name"};
    struct eg_buf a = {0}, b = {0}, c = {0};
    char *n = NULL;
    /* 1st list keeps every row; the 2nd (another sort) reads ids and copies them */
    CHECK_EQ_INT(via_rows(st, units, &eg_principal_system, &q, rc, &a, &n, &err), 0);
    CHECK_EQ_INT(via_rows(st, units, &eg_principal_system, &q_sorted, rc, &b, &n, &err), 0);
    CHECK(strstr(a.data, "虚构精细化工有限公司") && strstr(b.data, "虚构精细化工有限公司"));
    REQUIRE(eg_db_exec(st,
                       "UPDATE units SET name = '手工改名化工有限公司' WHERE id IN "
                       "(SELECT id FROM units WHERE name = '虚构精细化工有限公司')",
                       &err) == 0);
    CHECK_EQ_INT(via_rows(st, units, &eg_principal_system, &q_sorted, rc, &c, &n, &err), 0);
    CHECK(strstr(c.data, "手工改名化工有限公司") && !strstr(c.data, "虚构精细化工有限公司"));
    /* and what the uncached path says, byte for byte */
    struct eg_buf d = {0};
    CHECK_EQ_INT(eg_registry_list_json(st, units, &eg_principal_system, &q_sorted, &d, &n, &err),
                 0);
    CHECK_STR(c.data, d.data);
    eg_buf_free(&a), eg_buf_free(&b), eg_buf_free(&c), eg_buf_free(&d);
    eg_registry_rows_free(rc);
    eg_db_close(st);
}
