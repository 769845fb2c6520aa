/* Tests of draw plans, pools, runs and results (src/govern/draw_plan.c, draw_pools.c,
   draw_runs.c; docs/draws.md) over a real SQLite file with the shipped plan sh-draw-plan-2024
   (governance-research.md §2: key units 25 % a quarter, general units 1 : 10 a year = 2.5 per
   inspector a quarter, special objects 100 %, agencies and stewards 25 %; very_good and green
   grades × 0.5; teams of two, 行政处罚法 Art. 42; recusal Art. 43).
   Scene: district D with streets S1, S2. Enterprises 1-3 key (key_air) in S1; 4 penalised two
   months ago (special: min_penalties 1); 5-10 general (5-7 in S1, 8-10 in S2); 11 on the
   positive list; 12 general, overridden to special. Unit 20 a testing agency, 21 a steward.
   Six inspectors (users 32-37); inspector 1 recused from unit 1. */
#include "govern/govern.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENE                                                                                              \
    "INSERT INTO regions (id, code, name, level, parent_id) VALUES (1, 'D', '浦东新区', "              \
    "'district', NULL), (2, 'S1', '川沙新镇', 'street', 1), (3, 'S2', '张江镇', 'street', 1);"      \
    "INSERT INTO units (id, name, kind, region_id, key_air) VALUES (1, '甲化工', 'enterprise', "        \
    "2, 1), (2, '乙电镀', 'enterprise', 2, 1), (3, '丙印染', 'enterprise', 2, 1), (4, '丁涂装', " \
    "'enterprise', 2, 0), (5, '戊五金', 'enterprise', 2, 0), (6, '己食品', 'enterprise', 2, 0), "    \
    "(7, '庚家具', 'enterprise', 2, 0), (8, '辛纺织', 'enterprise', 3, 0), (9, '壬塑料', "        \
    "'enterprise', 3, 0), (10, '癸包装', 'enterprise', 3, 0), (11, '正面清单厂', 'enterprise', "   \
    "3, 0), (12, '风险厂', 'enterprise', 3, 0), (20, '某检测公司', 'enterprise', 3, 0), (21, "     \
    "'某环保管家', 'enterprise', 3, 0);"                                                              \
    "INSERT INTO users (id, username, role, region_id, unit_id, password) VALUES (29, 'admin', "           \
    "'admin', NULL, NULL, 'x'), (30, 'drawer', 'bureau', NULL, NULL, 'x'), (31, 'other', "                 \
    "'bureau', NULL, NULL, 'x'), (32, 'i1', 'bureau', NULL, NULL, 'x'), (33, 'i2', 'bureau', "             \
    "NULL, NULL, 'x'), (34, 'i3', 'bureau', NULL, NULL, 'x'), (35, 'i4', 'street', 2, NULL, "              \
    "'x'), (36, 'i5', 'street', 3, NULL, 'x'), (37, 'i6', 'bureau', NULL, NULL, 'x'), (38, "               \
    "'street1', 'street', 2, NULL, 'x'), (39, 'ent1', 'enterprise', NULL, 1, 'x'), (40, "                  \
    "'stew', 'steward', NULL, NULL, 'x');"                                                                 \
    "INSERT INTO govern_poslist (unit_id, included_on, valid_until, status, ruleset_id, "                  \
    "ruleset_version, ruleset_sha256, reasons, included_by) VALUES (11, '2020-01-01', "                    \
    "'2099-12-31', 'active', 'sh-poslist-2021', 1, 'x', '[]', 'test');"

static const struct eg_principal admin = {EG_ROLE_ADMIN, 29, "admin", "", 0};
static const struct eg_principal drawer = {EG_ROLE_BUREAU, 30, "drawer", "", 0};
static const struct eg_principal other = {EG_ROLE_BUREAU, 31, "other", "", 0};
static const struct eg_principal street1 = {EG_ROLE_STREET, 38, "street1", "S1", 0};
static const struct eg_principal ent1 = {EG_ROLE_ENTERPRISE, 39, "ent1", "", 1};
static const struct eg_principal steward = {EG_ROLE_STEWARD, 40, "stew", "", 0};
static const struct eg_principal anon = {EG_ROLE_ANON, 0, "", "", 0};

static void day(char out[16], int days)
{
    char t[32];
    eg_time_format_beijing(eg_time_now() + (int64_t)days * 86400, t, sizeof t);
    memcpy(out, t, 10);
    out[10] = 0;
}

static struct eg_db *scene(const char *name)
{
    struct eg_db *db = eg_tfx_open(name, SCENE);
    struct eg_err err = {0};
    int64_t id;
    json_t *a = json_pack("{s:s,s:I,s:s,s:s}", "kind", "testing_agency", "unit_id", (json_int_t)20,
                          "qualification", "检验检测机构资质认定", "qualification_no", "CMA-1");
    REQUIRE(eg_draw_agency_add(db, &drawer, a, &id, &err) == 0);
    json_decref(a);
    a = json_pack("{s:s,s:I,s:s,s:s,s:I}", "kind", "steward", "unit_id", (json_int_t)21,
                  "qualification", "环保管家服务", "qualification_no", "ST-1", "user_id",
                  (json_int_t)40);
    REQUIRE(eg_draw_agency_add(db, &drawer, a, &id, &err) == 0);
    json_decref(a);
    for (int i = 0; i < 6; i++) {
        char cert[32];
        snprintf(cert, sizeof cert, "沪执%04d", i + 1);
        REQUIRE(eg_draw_inspector_add(db, &drawer, 32 + i, cert, "浦东新区生态环境局执法大队", &id,
                                      &err) == 0);
        CHECK_EQ_INT((int)id, i + 1);
    }
    REQUIRE(eg_draw_recusal_add(db, &drawer, 1, 1, "近亲属在该单位任职", &id, &err) == 0);
    char d[16];
    day(d, -60);
    int removed = 0;
    REQUIRE(eg_poslist_on_penalty(db, &drawer, 4, "penalty", d, "沪环罚〔2026〕1号", &removed,
                                  &err) == 0);
    REQUIRE(eg_draw_override_set(db, &drawer, 12, "special", "重大环境风险（人工认定）", &err) ==
            0);
    return db;
}

static json_t *object_of(json_t *doc, int64_t unit)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(doc, "objects"), i, o)
    {
        if (json_integer_value(json_object_get(o, "unit_id")) == unit)
            return o;
    }
    return NULL;
}

static const char *cat_of(json_t *doc, int64_t unit)
{
    json_t *o = object_of(doc, unit);
    return o ? json_string_value(json_object_get(o, "category")) : "(excluded)";
}

static int quota(json_t *doc, const char *cat)
{
    return (int)json_integer_value(json_object_get(json_object_get(doc, "quotas"), cat));
}

static json_t *pool(struct eg_db *db, const json_t *triggers)
{
    struct eg_err err = {0};
    struct eg_draw_plan *p = NULL;
    char d[16];
    day(d, 0);
    REQUIRE(eg_draw_plan_for(db, NULL, d, &p, &err) == 0);
    json_t *doc = NULL;
    int rc = eg_draw_pool(db, &drawer, p, d, triggers, &doc, &err);
    if (rc)
        fprintf(stderr, "pool: %s\n", err.msg);
    REQUIRE(rc == 0);
    eg_draw_plan_free(p);
    return doc;
}

static int plan_error(const char *text, const char *want)
{
    struct eg_ruleset *rs = NULL;
    struct eg_err err = {0};
    struct eg_draw_plan *p = NULL;
    int rc = eg_ruleset_parse("plan.rs", text, strlen(text), &rs, &err);
    if (rc == 0)
        rc = eg_draw_plan_compile(rs, &p, &err);
    eg_draw_plan_free(p);
    if (rc == 0 || !strstr(err.msg, want)) {
        fprintf(stderr, "want '%s', got rc %d '%s'\n", want, rc, err.msg);
        return 0;
    }
    return 1;
}

#define HEAD                                                                                       \
    "kind = draw_plan\nid = t\nversion = 1\njurisdiction = 上海市\nvalid_from = 2024-01-01\n"
#define MATTER "[matter m]\nlabel = 排放检查\nobject = enterprise\nbasis = 环保法\n"

TEST(draw_plan_malformed_plans_name_file_line_field)
{
    /* the shipped plan compiles */
    struct eg_db *db = eg_tfx_open("plan.db", NULL);
    struct eg_err err = {0};
    struct eg_draw_plan *p = NULL;
    REQUIRE(eg_draw_plan_for(db, NULL, "2026-12-01", &p, &err) == 0);
    CHECK_STR(p->rs->id, "sh-draw-plan-2024");
    CHECK_EQ_INT(p->team_size, 2);
    CHECK_EQ_INT(p->ncats, 5);
    CHECK_EQ_INT(p->nmatters, 5);
    json_t *m = eg_draw_plan_matters(p);
    CHECK_EQ_INT((int)json_array_size(json_object_get(m, "items")), 5);
    json_decref(m);
    eg_draw_plan_free(p);
    eg_db_close(db);
    CHECK(plan_error(HEAD MATTER "[category a]\nlabel = A\nobject = enterprise\nshare = 1.5\n",
                     "plan.rs:13: share: 1.5 is outside 0 .. 1"));
    CHECK(plan_error(HEAD MATTER "[category a]\nlabel = A\nobject = enterprise\nshare = 0.2\n"
                                 "per_inspector = 5\n",
                     "plan.rs:10: share: give either share"));
    CHECK(plan_error(HEAD MATTER "[category a]\nlabel = A\nobject = enterprise\n",
                     "plan.rs:10: share: give either share"));
    CHECK(plan_error(HEAD MATTER "[category a]\nlabel = A\nobject = factory\nshare = 1\n",
                     "plan.rs:12: object: 'factory' is not an object kind"));
    CHECK(plan_error(HEAD MATTER "[category a]\nlabel = A\nobject = enterprise\nshare = 1\n"
                                 "grade = good\n",
                     "plan.rs:14: grade: unknown field in [category a]"));
    CHECK(plan_error(HEAD MATTER "[category a]\nlabel = A\nobject = steward\nshare = 1\n",
                     "plan.rs:10: object: no [matter] names this object kind"));
    CHECK(plan_error(HEAD MATTER "[categroy a]\nlabel = A\n", "plan.rs:10: categroy: unknown "
                                                              "section type"));
    CHECK(plan_error(HEAD MATTER, "plan.rs:1: category: a draw plan needs at least one"));
    /* found by fuzz/draw_plan: the message of a one-key section read past its table */
    CHECK(plan_error(HEAD MATTER "[category a]\nlabel = A\nobject = enterprise\nshare = 1\n"
                                 "[adjust good]\nfacto = 2\n",
                     "plan.rs:15: facto: unknown field in [adjust good] (known: factor)"));
    CHECK(plan_error(HEAD "[category a]\nlabel = A\nobject = enterprise\nshare = 1\n",
                     "plan.rs:1: matter: a draw plan needs its list of inspectable matters"));
    CHECK(plan_error(HEAD "team_size = 1\n" MATTER
                          "[category a]\nlabel = A\nobject = enterprise\nshare = 1\n",
                     "plan.rs:6: team_size: 1 is outside 2 .. 64"));
    CHECK(plan_error(HEAD MATTER "[category a.b]\nlabel = A\nobject = enterprise\nshare = 1\n",
                     "may not contain '.'"));
    CHECK(plan_error(HEAD "kind2 = x\n", "plan.rs")); /* the loader's own faults pass through */
}

TEST(draw_pool_categories_from_registry_penalties_poslist_override_and_credit)
{
    struct eg_db *db = scene("pool.db");
    json_t *doc = pool(db, NULL);
    /* 重点: key_air; 特殊: a penalty within 12 months (min_penalties = 1) or the override */
    CHECK_STR(cat_of(doc, 1), "key");
    CHECK_STR(cat_of(doc, 3), "key");
    CHECK_STR(cat_of(doc, 4), "special");
    CHECK_STR(cat_of(doc, 5), "general");
    CHECK_STR(cat_of(doc, 12), "special");
    CHECK(strstr(json_string_value(json_object_get(object_of(doc, 12), "why")), "人工调整"));
    CHECK(strstr(json_string_value(json_object_get(object_of(doc, 4), "why")), "行政处罚 1 次"));
    CHECK_STR(cat_of(doc, 20), "testing_agency");
    CHECK_STR(cat_of(doc, 21), "steward");
    /* the positive-list unit is left out without a trigger (seed 004 (七)) */
    CHECK_STR(cat_of(doc, 11), "(excluded)");
    CHECK_EQ_INT((int)json_array_size(json_object_get(doc, "excluded")), 1);
    /* quotas: key ceil(0.25 × 3) = 1; special 100 % = 2; general 6 inspectors × 2.5 = 15 >= 6:
       all 6; agencies ceil(0.25 × 1) = 1 */
    CHECK_EQ_INT(quota(doc, "key"), 1);
    CHECK_EQ_INT(quota(doc, "special"), 2);
    CHECK_EQ_INT(quota(doc, "general"), 6);
    CHECK_EQ_INT(quota(doc, "testing_agency"), 1);
    CHECK_EQ_INT((int)json_array_size(json_object_get(doc, "inspectors")), 6);
    CHECK_EQ_INT((int)json_array_size(json_object_get(doc, "recusals")), 1);
    json_decref(doc);
    /* with a trigger (complaint verification, its reference) it is in its category */
    json_t *tr = json_pack("[{s:I,s:s,s:s}]", "unit_id", (json_int_t)11, "trigger",
                           "complaint_verification", "ref", "投诉 TS-0001");
    doc = pool(db, tr);
    CHECK_STR(cat_of(doc, 11), "general");
    CHECK_EQ_INT(quota(doc, "general"), 7);
    json_decref(doc);
    json_decref(tr);
    /* a trigger the rule set does not know is refused with the reason */
    tr = json_pack("[{s:I,s:s,s:s}]", "unit_id", (json_int_t)11, "trigger", "whim", "ref", "x");
    doc = pool(db, tr);
    CHECK_STR(cat_of(doc, 11), "(excluded)");
    json_decref(doc);
    json_decref(tr);
    /* credit: every unit rated very_good under sh-credit-2020 (no inputs) and published -> the
       general units form general.very_good, drawn at share × 0.5: min(1, 15/6) × 0.5 of 6 = 3 */
    struct eg_err err = {0};
    char d[16];
    day(d, -400);
    int64_t run;
    int n = 0;
    int crc = eg_credit_run(db, &drawer, 2020, "上海市", &run, NULL, &err);
    if (crc)
        fprintf(stderr, "credit run: %s (%s)\n", err.msg, err.code);
    REQUIRE(crc == 0);
    REQUIRE(eg_credit_publish(db, &drawer, run, "very_good", &n, &err) == 0 && n > 6);
    doc = pool(db, NULL);
    CHECK_STR(cat_of(doc, 5), "general.very_good");
    CHECK_EQ_INT(quota(doc, "general.very_good"), 3);
    CHECK_STR(cat_of(doc, 1), "key.very_good");
    CHECK_EQ_INT(quota(doc, "key.very_good"), 1); /* ceil(0.125 × 3) */
    json_decref(doc);
    /* an override to an unknown category names the categories */
    CHECK_EQ_INT(eg_draw_override_set(db, &drawer, 5, "vip", "x", &err), EG_EINVAL);
    CHECK_STR(err.code, "unknown_category");
    CHECK(strstr(err.msg, "special, key, general"));
    CHECK_EQ_INT(eg_draw_override_set(db, &drawer, 5, "key", "", &err), EG_EINVAL);
    CHECK_EQ_INT(eg_draw_override_set(db, &street1, 5, "key", "x", &err), EG_EPERM);
    CHECK_EQ_INT((int)eg_tfx_int(db, "SELECT count(*) FROM audit_log WHERE resource = "
                                     "'draw_overrides'"),
                 1);
    eg_db_close(db);
}

static json_t *make(struct eg_db *db, const struct eg_principal *who, const char *seed, int days,
                    int64_t *id, struct eg_err *err)
{
    char on[16];
    day(on, days);
    json_t *in = json_pack("{s:s,s:s,s:s}", "title", "2026年第四季度双随机抽查", "inspect_on", on,
                           "seed", seed);
    json_t *out = NULL;
    int rc = eg_draw_make(db, who, in, id, &out, err);
    json_decref(in);
    if (rc < 0)
        return NULL;
    return out;
}

static int visible(struct eg_db *db, const struct eg_principal *who, int64_t id, int *nitems)
{
    struct eg_err err = {0};
    json_t *r = NULL;
    int rc = eg_draw_run_get(db, who, id, &r, &err);
    if (nitems)
        *nitems = rc == 0 ? (int)json_array_size(json_object_get(r, "items")) : -1;
    json_decref(r);
    return rc;
}

TEST(draw_run_hidden_until_its_date_from_every_role_but_the_drawing_officer)
{
    struct eg_db *db = scene("hidden.db");
    struct eg_err err = {0};
    int64_t fut = 0, now = 0;
    json_t *r = make(db, &drawer, "secret-2026", 30, &fut, &err);
    REQUIRE(r);
    CHECK(json_is_true(json_object_get(r, "secret")));
    json_decref(r);
    int n;
    CHECK_EQ_INT(visible(db, &admin, fut, &n), 0);
    CHECK_EQ_INT(visible(db, &drawer, fut, &n), 0);
    CHECK_EQ_INT(n, 11); /* key 1 + special 2 + general 6 + agency 1 + steward 1 */
    CHECK_EQ_INT(visible(db, &other, fut, NULL), EG_ENOTFOUND);
    CHECK_EQ_INT(visible(db, &street1, fut, NULL), EG_ENOTFOUND);
    CHECK_EQ_INT(visible(db, &ent1, fut, NULL), EG_ENOTFOUND);
    CHECK_EQ_INT(visible(db, &steward, fut, NULL), EG_ENOTFOUND);
    CHECK_EQ_INT(visible(db, &anon, fut, NULL), EG_ENOTFOUND);
    json_t *doc = NULL;
    CHECK_EQ_INT(eg_draw_run_document(db, &anon, fut, &doc, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_draw_run_document(db, &other, fut, &doc, &err), EG_ENOTFOUND);
    json_t *rows = NULL;
    REQUIRE(eg_draw_runs(db, &other, &rows, &err) == 0);
    CHECK_EQ_INT((int)json_array_size(rows), 0);
    json_decref(rows);
    REQUIRE(eg_draw_runs(db, &drawer, &rows, &err) == 0);
    CHECK_EQ_INT((int)json_array_size(rows), 1);
    json_decref(rows);
    CHECK_EQ_INT(eg_draw_runs(db, &street1, &rows, &err), EG_EPERM);
    /* an item of the secret run: a result cannot be recorded, and others do not learn it */
    int64_t item = eg_tfx_int(db, "SELECT min(id) FROM draw_items");
    json_t *res = json_pack("{s:s,s:s}", "outcome", "not_found", "finding", "无");
    CHECK_EQ_INT(eg_draw_result_record(db, &other, item, res, NULL, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_draw_result_record(db, &admin, item, res, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "not_yet");
    json_decref(res);
    /* a run whose date is today: the bureau all, a street its region, an enterprise its own */
    r = make(db, &drawer, "today-2026", 0, &now, &err);
    REQUIRE(r);
    json_decref(r);
    CHECK_EQ_INT(visible(db, &other, now, &n), 0);
    CHECK_EQ_INT(n, 11);
    int s1 = (int)eg_tfx_int(db, "SELECT count(*) FROM draw_items i JOIN units u ON u.id = "
                                 "i.unit_id WHERE i.run_id = 2 AND u.region_id = 2");
    CHECK_EQ_INT(visible(db, &street1, now, &n), 0);
    CHECK_EQ_INT(n, s1);
    CHECK(s1 > 0 && s1 < 11);
    int own = (int)eg_tfx_int(db, "SELECT count(*) FROM draw_items WHERE run_id = 2 AND "
                                  "unit_id = 1");
    CHECK_EQ_INT(visible(db, &ent1, now, &n), 0);
    CHECK_EQ_INT(n, own);
    CHECK_EQ_INT(visible(db, &steward, now, NULL), EG_ENOTFOUND);
    CHECK_EQ_INT(visible(db, &anon, now, NULL), EG_ENOTFOUND);
    /* the published draw is public from its date, for anyone to verify */
    REQUIRE(eg_draw_run_document(db, &anon, now, &doc, &err) == 0);
    CHECK_EQ_INT(eg_draw_verify(doc, &err), 0);
    json_decref(doc);
    eg_db_close(db);
}

static json_t *items(struct eg_db *db, int64_t id)
{
    json_t *r = NULL;
    struct eg_err err = {0};
    REQUIRE(eg_draw_run_get(db, &admin, id, &r, &err) == 0);
    json_t *a = json_incref(json_object_get(r, "items"));
    json_decref(r);
    size_t i;
    json_t *it;
    json_array_foreach(a, i, it) /* only what the seed and pools decide */
    {
        json_object_del(it, "id");
    }
    return a;
}

TEST(draw_run_reproducible_verifiable_recusal_and_too_few_inspectors)
{
    struct eg_db *db = scene("repro.db");
    struct eg_err err = {0};
    int64_t a = 0, b = 0, c = 0;
    json_t *r;
    REQUIRE((r = make(db, &drawer, "沪浦东2026Q4", 0, &a, &err)));
    json_decref(r);
    REQUIRE((r = make(db, &drawer, "沪浦东2026Q4", 0, &b, &err)));
    json_decref(r);
    REQUIRE((r = make(db, &drawer, "another seed", 0, &c, &err)));
    json_decref(r);
    json_t *ia = items(db, a), *ib = items(db, b), *ic = items(db, c);
    CHECK(json_equal(ia, ib)); /* same seed, same pools: the same list and teams */
    CHECK(!json_equal(ia, ic));
    /* same pools hash */
    CHECK_EQ_INT((int)eg_tfx_int(db, "SELECT count(DISTINCT pools_sha256) FROM draw_runs"), 1);
    CHECK_EQ_INT(eg_draw_run_verify(db, a, &err), 0);
    CHECK_EQ_INT(eg_draw_run_verify(db, c, &err), 0);
    /* each item's stored team text is jansson's compact form of itself (the member texts are
       dumped once per inspector and joined): loaded and dumped again, the same text */
    struct eg_stmt *st;
    REQUIRE(eg_db_prepare(db, "SELECT team FROM draw_items ORDER BY id", &st, &err) == 0);
    int nteams = 0;
    while (eg_stmt_step(st, &err) == 1) {
        const char *t = eg_stmt_text(st, 0, NULL);
        json_t *tj = json_loads(t, 0, NULL);
        REQUIRE(tj && json_array_size(tj) == 2);
        char *again = json_dumps(tj, JSON_COMPACT);
        CHECK_STR(again, t);
        free(again);
        json_decref(tj);
        nteams++;
    }
    eg_stmt_done(st);
    CHECK(nteams > 0);
    /* the stored pools text is jansson's compact sorted-keys form (as older runs stored it, so
       their hashes verify), also with quotes, backslashes, controls, DEL, '/' and CJK in a name */
    static const char odd[] = "q\"b\\s\001\b\t\n\f\r\037\177/厂";
    REQUIRE(eg_db_prepare(db, "UPDATE units SET name = ? WHERE id = 2", &st, &err) == 0);
    eg_stmt_bind_text(st, 1, odd, strlen(odd));
    REQUIRE(eg_stmt_step(st, &err) >= 0);
    eg_stmt_done(st);
    int64_t d = 0;
    REQUIRE((r = make(db, &drawer, "escapes", 0, &d, &err)));
    json_decref(r);
    CHECK_EQ_INT(eg_draw_run_verify(db, d, &err), 0);
    REQUIRE(eg_db_prepare(db, "SELECT draw_json, pools_sha256 FROM draw_runs ORDER BY id", &st,
                          &err) == 0);
    int nruns = 0, escaped = 0;
    while (eg_stmt_step(st, &err) == 1) {
        const char *t = eg_stmt_text(st, 0, NULL);
        json_t *dj = json_loads(t, 0, NULL);
        REQUIRE(dj);
        char *again = json_dumps(dj, JSON_COMPACT | JSON_SORT_KEYS);
        CHECK_STR(again, t);
        unsigned char h[crypto_hash_sha256_BYTES];
        char hex[65];
        crypto_hash_sha256(h, (const unsigned char *)again, strlen(again));
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        CHECK_STR(hex, eg_stmt_text(st, 1, NULL));
        escaped += strstr(t, "q\\\"b\\\\s\\u0001\\b\\t\\n\\f\\r\\u001F\177/厂") != NULL;
        free(again);
        json_decref(dj);
        nruns++;
    }
    eg_stmt_done(st);
    CHECK(nruns >= 4);
    CHECK_EQ_INT(escaped, 1);
    /* recusal: inspector 1 (沪执0001) is never in the team of unit 1, over 40 seeds */
    for (int s = 0; s < 40; s++) {
        char seed[32];
        int64_t id;
        snprintf(seed, sizeof seed, "recusal-%d", s);
        REQUIRE((r = make(db, &drawer, seed, 0, &id, &err)));
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r, "items"), i, it)
        {
            CHECK_EQ_INT((int)json_array_size(json_object_get(it, "team")), 2);
            if (json_integer_value(json_object_get(it, "unit_id")) != 1)
                continue;
            size_t k;
            json_t *m;
            json_array_foreach(json_object_get(it, "team"), k, m)
                CHECK(json_integer_value(json_object_get(m, "inspector_id")) != 1);
        }
        json_decref(r);
    }
    /* a stored run altered afterwards fails verification */
    struct eg_db *raw = db;
    REQUIRE(eg_db_exec(raw,
                       "UPDATE draw_runs SET draw_json = replace(draw_json, '\"u:5\"', "
                       "'\"u:05\"') WHERE id = 1",
                       &err) == 0);
    CHECK(eg_draw_run_verify(db, a, &err) < 0);
    CHECK_STR(err.code, "pools_changed");
    /* too few inspectors: 1 active inspector for teams of 2 */
    for (int i = 2; i <= 6; i++)
        REQUIRE(eg_draw_inspector_set_active(db, &drawer, i, 0, &err) == 0);
    int64_t id = 0;
    CHECK(make(db, &drawer, "x", 0, &id, &err) == NULL);
    CHECK_STR(err.code, "too_few_inspectors");
    CHECK(strstr(err.msg, "add inspectors to the pool"));
    /* bad input */
    json_t *in = json_pack("{s:s}", "title", "无日期");
    CHECK_EQ_INT(eg_draw_make(db, &drawer, in, &id, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "bad_date");
    json_decref(in);
    in = json_pack("{s:s,s:s,s:s}", "title", "t", "inspect_on", "2026-01-01", "date", "2026-02-01");
    CHECK_EQ_INT(eg_draw_make(db, &drawer, in, &id, NULL, &err), EG_EINVAL);
    json_decref(in);
    in = json_pack("{s:s,s:s,s:i}", "title", "t", "inspect_on", "2099-01-01", "colour", 1);
    CHECK_EQ_INT(eg_draw_make(db, &drawer, in, &id, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "unknown_field");
    json_decref(in);
    in = json_pack("{s:s,s:s,s:i}", "title", "t", "inspect_on", "2099-01-01", "team_size", 1);
    CHECK_EQ_INT(eg_draw_make(db, &drawer, in, &id, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "team_size");
    json_decref(in);
    in = json_pack("{s:s,s:s,s:s}", "title", "t", "inspect_on", "2099-01-01", "plan", "nope");
    CHECK_EQ_INT(eg_draw_make(db, &drawer, in, &id, NULL, &err), EG_ENOTFOUND);
    CHECK_STR(err.code, "plan_not_in_force");
    json_decref(in);
    in = json_pack("{s:s,s:s}", "title", "t", "inspect_on", "2099-01-01");
    CHECK_EQ_INT(eg_draw_make(db, &street1, in, &id, NULL, &err), EG_EPERM);
    json_decref(in);
    json_decref(ia);
    json_decref(ib);
    json_decref(ic);
    eg_db_close(db);
}

TEST(draw_fairness_over_pool_from_database_each_unit_at_its_quota_share)
{
    /* 2,000 seeds over the scene's pool with the credit adjustment: general.very_good draws 3 of
       6, so each is drawn with p = 1/2; key.very_good 1 of 3 (p = 1/3). Each unit's count must
       lie within 5 σ of n·p (binomial σ = sqrt(n p (1 − p))). */
    struct eg_db *db = scene("fair.db");
    struct eg_err err = {0};
    char d[16];
    day(d, -400);
    int64_t run;
    int n = 0;
    int crc = eg_credit_run(db, &drawer, 2020, "上海市", &run, NULL, &err);
    if (crc)
        fprintf(stderr, "credit run: %s (%s)\n", err.msg, err.code);
    REQUIRE(crc == 0);
    REQUIRE(eg_credit_publish(db, &drawer, run, "very_good", &n, &err) == 0);
    json_t *doc = pool(db, NULL);
    int count[32] = {0};
    const int seeds = 2000;
    for (int s = 0; s < seeds; s++) {
        char seed[32];
        snprintf(seed, sizeof seed, "fair-%d", s);
        json_object_set_new(doc, "seed", json_string(seed));
        struct eg_draw_input in;
        void *store;
        struct eg_draw_result r;
        REQUIRE(eg_draw_input_from_json(doc, &in, &store, &err) == 0);
        REQUIRE(eg_draw_run(&in, &r, &err) == 0);
        for (int k = 0; k < r.ndrawn; k++)
            count[in.objects[r.drawn[k]].unit_id]++;
        eg_draw_result_free(&r);
        eg_draw_input_release(&in, store);
    }
    for (int u = 5; u <= 10; u++) {
        double p = 0.5, sd = sqrt(seeds * p * (1 - p));
        CHECK(fabs(count[u] - seeds * p) < 5 * sd);
    }
    for (int u = 1; u <= 3; u++) {
        double p = 1.0 / 3, sd = sqrt(seeds * p * (1 - p));
        CHECK(fabs(count[u] - seeds * p) < 5 * sd);
    }
    /* special (units 4 and 12), 100 % × 0.5 for very_good: 1 of 2, p = 1/2 */
    for (int u = 4; u <= 12; u += 8)
        CHECK(fabs(count[u] - seeds * 0.5) < 5 * sqrt(seeds * 0.25));
    CHECK_EQ_INT(count[11], 0); /* positive list, no trigger */
    printf("  fairness: general %d %d %d %d %d %d of %d (expect %d); key %d %d %d (expect %d)\n",
           count[5], count[6], count[7], count[8], count[9], count[10], seeds, seeds / 2, count[1],
           count[2], count[3], seeds / 3);
    json_decref(doc);
    eg_db_close(db);
}

TEST(draw_results_published_falsification_opens_case_and_counts_against_credit)
{
    if (eg_test_pg()) { /* the test assumes fixed unit ids and reads teams with json_each */
        printf("    not run on PostgreSQL yet: the test assumes fixed unit ids and reads teams "
               "with json_each\n");
        return;
    }
    struct eg_db *db = scene("results.db");
    struct eg_err err = {0};
    /* the case names the plan's falsification_violation: a discretion table listing it (the
       amounts here are the test's, not a legal figure) */
    static const char disc[] =
        "kind = penalty_discretion\nid = test-disc\nversion = 1\njurisdiction = 上海市\n"
        "valid_from = 2026-01-01\nsource = test\n[factor impact]\nlabel = 影响\n"
        "option = small 0 小\n[violation data_falsification]\nlabel = 监测数据弄虚作假\n"
        "basis = 测试\nmodel = weight\nmin_fine = 0\nmax_fine = 100000\nstart_weight = 0.5\n"
        "factors = impact\ndaily = 0\n";
    int64_t row = 0;
    int drc = eg_ruleset_store(db, &drawer, disc, strlen(disc), "test-disc.rs", &row, &err);
    if (drc)
        fprintf(stderr, "disc: %s\n", err.msg);
    REQUIRE(drc == 0);
    int64_t run = 0;
    json_t *r = make(db, &drawer, "results-2026", 0, &run, &err);
    REQUIRE(r);
    json_decref(r);
    int64_t agency_item = eg_tfx_int(db, "SELECT id FROM draw_items WHERE unit_id = 20");
    int64_t ent_item = eg_tfx_int(db, "SELECT id FROM draw_items WHERE object_kind = "
                                      "'enterprise' ORDER BY pos LIMIT 1");
    REQUIRE(agency_item > 0 && ent_item > 0);
    /* a team member (whatever the role) records; another officer of the street may not */
    int64_t member = eg_tfx_int(db, "SELECT min(d.user_id) FROM draw_items i, json_each(i.team) "
                                    "t JOIN draw_inspectors d ON d.id = json_extract(t.value, "
                                    "'$.inspector_id') WHERE i.id = (SELECT min(id) FROM "
                                    "draw_items WHERE object_kind = 'enterprise')");
    struct eg_principal mem = {EG_ROLE_BUREAU, member, "member", "", 0};
    json_t *in =
        json_pack("{s:s,s:s}", "outcome", "not_found", "finding", "现场检查未发现环境违法行为");
    CHECK_EQ_INT(eg_draw_result_record(db, &street1, ent_item, in, NULL, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_draw_result_record(db, &ent1, ent_item, in, NULL, &err), EG_EPERM);
    json_t *out = NULL;
    REQUIRE(eg_draw_result_record(db, &mem, ent_item, in, &out, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(out, "outcome_zh")), "未发现问题");
    json_decref(out);
    CHECK_EQ_INT(eg_draw_result_record(db, &mem, ent_item, in, NULL, &err), EG_ECONFLICT);
    json_decref(in);
    /* bad results */
    in = json_pack("{s:s,s:s}", "outcome", "maybe", "finding", "x");
    CHECK_EQ_INT(eg_draw_result_record(db, &drawer, agency_item, in, NULL, &err), EG_EINVAL);
    json_decref(in);
    in = json_pack("{s:s}", "outcome", "found");
    CHECK_EQ_INT(eg_draw_result_record(db, &drawer, agency_item, in, NULL, &err), EG_EINVAL);
    json_decref(in);
    in = json_pack("{s:s,s:s,s:i}", "outcome", "found", "finding", "x", "falsification", 1);
    CHECK_EQ_INT(eg_draw_result_record(db, &drawer, agency_item, in, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "wrong_type");
    json_decref(in);
    /* seed 001: a testing agency found falsifying data -> a case and a credit input */
    in = json_pack("{s:s,s:s,s:b}", "outcome", "found", "finding",
                   "篡改自动监测数据原始记录，出具虚假检测报告", "falsification", 1);
    int frc = eg_draw_result_record(db, &drawer, agency_item, in, &out, &err);
    if (frc)
        fprintf(stderr, "falsification: %s (%s)\n", err.msg, err.code);
    REQUIRE(frc == 0);
    int64_t case_id = json_integer_value(json_object_get(out, "case_id"));
    CHECK(case_id > 0);
    json_decref(out);
    json_decref(in);
    json_t *cs = NULL;
    REQUIRE(eg_flow_get(db, &eg_case_kind, &drawer, case_id, &cs, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(cs, "origin")), "inspection");
    CHECK_STR(json_string_value(json_object_get(cs, "violation")), "data_falsification");
    CHECK_EQ_INT((int)json_integer_value(json_object_get(cs, "unit_id")), 20);
    json_decref(cs);
    CHECK_EQ_INT((int)eg_tfx_int(db, "SELECT value FROM govern_credit_inputs WHERE unit_id = 20 "
                                     "AND input = 'data_falsification'"),
                 1);
    /* not for an enterprise */
    int64_t ent2 = eg_tfx_int(db, "SELECT id FROM draw_items WHERE object_kind = 'enterprise' "
                                  "AND outcome IS NULL ORDER BY pos LIMIT 1");
    in = json_pack("{s:s,s:s,s:b}", "outcome", "found", "finding", "x", "falsification", 1);
    CHECK_EQ_INT(eg_draw_result_record(db, &drawer, ent2, in, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "falsification");
    json_decref(in);
    /* published: both results, for everyone */
    json_t *rows = NULL;
    REQUIRE(eg_draw_results_published(db, 0, &rows, &err) == 0);
    CHECK_EQ_INT((int)json_array_size(rows), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 0), "outcome_zh")),
              "发现问题");
    json_decref(rows);
    REQUIRE(eg_draw_results_published(db, 20, &rows, &err) == 0);
    CHECK_EQ_INT((int)json_array_size(rows), 1);
    json_decref(rows);
    CHECK(eg_tfx_int(db, "SELECT count(*) FROM audit_log WHERE resource = 'draw_items'") == 2);
    CHECK(eg_tfx_int(db, "SELECT count(*) FROM audit_log WHERE resource = 'draw_runs'") == 1);
    /* registers: staff only */
    CHECK_EQ_INT(eg_draw_agencies(db, &street1, &rows, &err), EG_EPERM);
    REQUIRE(eg_draw_agencies(db, &drawer, &rows, &err) == 0);
    CHECK_EQ_INT((int)json_array_size(rows), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 0), "kind_zh")),
              "检验检测机构");
    json_decref(rows);
    int64_t nid = 0;
    CHECK_EQ_INT(eg_draw_inspector_add(db, &drawer, 39, "沪执9", "x", &nid, &err), EG_EINVAL);
    CHECK_STR(err.code, "not_an_officer");
    eg_db_close(db);
}

TEST(draw_cli_pool_make_show_document_verify_over_the_database)
{
    if (eg_test_pg()) { /* the CLI is run on the SQLite file of the scene */
        printf("    not run on PostgreSQL yet: the CLI is run on the SQLite file of the scene\n");
        return;
    }
    struct eg_db *db = scene("cli.db");
    char path[600];
    snprintf(path, sizeof path, "%s/cli.db", eg_test_tmpdir());
    eg_db_close(db);
    char *out = NULL, *errs = NULL;
    const char *pool_cmd[] = {"draw", "pool", "--db", path, NULL};
    REQUIRE(eg_test_run(pool_cmd, NULL, 0, &out, &errs) == 0);
    json_t *j = json_loads(out, 0, NULL);
    REQUIRE(j);
    CHECK_STR(cat_of(j, 4), "special");
    json_decref(j);
    free(out);
    free(errs);
    const char *make_cmd[] = {"draw",     "make",         "--db",       path,     "--title",
                              "CLI 抽查", "--inspect-on", "2099-01-01", "--seed", "cli-seed",
                              NULL};
    int rc = eg_test_run(make_cmd, NULL, 0, &out, &errs);
    if (rc)
        eg_test_fail(__FILE__, __LINE__, "draw make: %s", errs ? errs : "");
    REQUIRE(rc == 0);
    j = json_loads(out, 0, NULL);
    REQUIRE(j);
    CHECK_STR(json_string_value(json_object_get(j, "seed")), "cli-seed");
    CHECK(json_is_true(json_object_get(j, "secret")));
    json_decref(j);
    free(out);
    free(errs);
    const char *show_cmd[] = {"draw", "show", "--db", path, "1", NULL};
    CHECK_EQ_INT(eg_test_run(show_cmd, NULL, 0, &out, &errs), 0);
    free(out);
    free(errs);
    const char *ver_cmd[] = {"draw", "verify", "--db", path, "1", NULL};
    CHECK_EQ_INT(eg_test_run(ver_cmd, NULL, 0, &out, &errs), 0);
    CHECK(out && strstr(out, "复核一致"));
    free(out);
    free(errs);
    /* the document verifies anywhere with `draw verify FILE` */
    const char *doc_cmd[] = {"draw", "document", "--db", path, "1", NULL};
    REQUIRE(eg_test_run(doc_cmd, NULL, 0, &out, &errs) == 0);
    char file[600];
    snprintf(file, sizeof file, "%s/pub.json", eg_test_tmpdir());
    FILE *f = fopen(file, "w");
    REQUIRE(f);
    fputs(out, f);
    fclose(f);
    free(out);
    free(errs);
    const char *vf_cmd[] = {"draw", "verify", file, NULL};
    CHECK_EQ_INT(eg_test_run(vf_cmd, NULL, 0, &out, &errs), 0);
    free(out);
    free(errs);
    /* bad input: no such run, not an id, missing --inspect-on */
    const char *ver_bad[] = {"draw", "verify", "--db", path, "99", NULL};
    CHECK_EQ_INT(eg_test_run(ver_bad, NULL, 0, &out, &errs), 1);
    CHECK(errs && strstr(errs, "not found"));
    free(out);
    free(errs);
    const char *show_bad[] = {"draw", "show", "--db", path, "x1", NULL};
    CHECK_EQ_INT(eg_test_run(show_bad, NULL, 0, &out, &errs), 2);
    free(out);
    free(errs);
    const char *make_bad[] = {"draw", "make", "--db", path, "--title", "t", NULL};
    CHECK_EQ_INT(eg_test_run(make_bad, NULL, 0, &out, &errs), 2);
    CHECK(errs && strstr(errs, "--inspect-on"));
    free(out);
    free(errs);
}
