/*
 * test_pilot_flow.c: pilot rounds and applications on the workflow engine (issue 14 items 2, 3,
 * 7): a round with quotas, applicants that see and edit only their own until submitted, experts
 * that see only the round they score, every score audited, every transition and the forbidden
 * ones, the evaluation — and seed 000's 42 applications stored, scored by five experts and cut
 * to its 附表 (园区 1, 企业 10, 街镇 9, 社区 5, 楼宇 1).
 */
#include "plans/plans.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENE                                                                                        \
    "INSERT INTO regions (id, code, name, level, parent_id) VALUES (1, 'D', '浦东新区', "        \
    "'district', NULL), (2, 'S1', '张江镇', 'street', 1), (3, 'S2', '北蔡镇', 'street', 1);"   \
    "INSERT INTO units (id, name, kind, region_id) VALUES (1, '甲公司', 'enterprise', 2), "       \
    "(2, '乙公司', 'enterprise', 3), (3, '张江镇', 'street', 2), (4, '某园区', 'park', 2);" \
    "INSERT INTO users (id, username, role, password) VALUES (20, 'exp1', 'steward', 'x'), "         \
    "(21, 'exp2', 'steward', 'x'), (22, 'exp3', 'steward', 'x'), (23, 'exp4', 'steward', 'x'), "     \
    "(24, 'exp5', 'steward', 'x'), (25, 'other', 'steward', 'x');"

static const struct eg_principal bureau = {EG_ROLE_BUREAU, 2, "bureau", "", 0};
static const struct eg_principal ent1 = {EG_ROLE_ENTERPRISE, 3, "e1", "", 1};
static const struct eg_principal ent2 = {EG_ROLE_ENTERPRISE, 4, "e2", "", 2};
static const struct eg_principal street1 = {EG_ROLE_STREET, 5, "s1", "S1", 0};
static const struct eg_principal street2 = {EG_ROLE_STREET, 6, "s2", "S2", 0};
static const struct eg_principal anon = {EG_ROLE_ANON, 0, "", "", 0};
static const struct eg_principal experts[5] = {{EG_ROLE_STEWARD, 20, "exp1", "", 0},
                                               {EG_ROLE_STEWARD, 21, "exp2", "", 0},
                                               {EG_ROLE_STEWARD, 22, "exp3", "", 0},
                                               {EG_ROLE_STEWARD, 23, "exp4", "", 0},
                                               {EG_ROLE_STEWARD, 24, "exp5", "", 0}};
static const struct eg_principal other = {EG_ROLE_STEWARD, 25, "other", "", 0};

static json_t *J(const char *s)
{
    json_t *j = json_loads(s, 0, NULL);
    REQUIRE(j);
    return j;
}

static int round_create(struct eg_db *db, const struct eg_principal *who, const char *json,
                        int64_t *id, struct eg_err *err)
{
    json_t *in = J(json), *out = NULL;
    int rc = eg_pilot_round_create(db, who, in, &out, err);
    json_decref(in);
    if (out && id)
        *id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return rc;
}

static int app_create(struct eg_db *db, const struct eg_principal *who, const char *json,
                      int64_t *id, struct eg_err *err)
{
    json_t *in = J(json), *out = NULL;
    int rc = eg_pilot_app_create(db, who, in, &out, err);
    json_decref(in);
    if (rc)
        fprintf(stderr, "    create: %s %s\n", err->code, err->msg);
    if (out && id)
        *id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return rc;
}

static int act(struct eg_db *db, const struct eg_principal *who, int64_t id, const char *action,
               const char *json, struct eg_err *err)
{
    json_t *in = json ? J(json) : json_object();
    int rc = eg_pilot_app_act(db, who, id, action, in, NULL, err);
    json_decref(in);
    return rc;
}

static const char *state(struct eg_db *db, int64_t id)
{
    static char buf[32];
    json_t *r;
    struct eg_err err;
    REQUIRE(eg_pilot_app_get(db, &bureau, id, &r, &err) == 0);
    snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(r, "state")));
    json_decref(r);
    return buf;
}

TEST(pilot_kinds_are_valid_flow_kinds)
{
    struct eg_err err;
    int rc = eg_flow_kind_check(&eg_pilot_application_kind, &err);
    if (rc)
        fprintf(stderr, "    %s\n", err.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(eg_flow_kind_check(&eg_plan_task_kind, &err), 0);
    CHECK_EQ_INT(eg_flow_kind_check(&eg_suggestion_kind, &err), 0);
}

#define ROUND                                                                                      \
    "{\"name\":\"第二批\",\"deadline\":\"2099-12-31\",\"rule\":\"mean\",\"quotas\":"            \
    "{\"enterprise\":1,\"street\":1,\"park\":1}}"

TEST(pilot_round_is_created_by_the_bureau_only_with_valid_settings)
{
    struct eg_db *db = eg_tfx_open("p.db", SCENE);
    struct eg_err err;
    int64_t id = 0;
    CHECK_EQ_INT(round_create(db, &anon, ROUND, NULL, &err), EG_EAUTH);
    CHECK_EQ_INT(round_create(db, &ent1, ROUND, NULL, &err), EG_EPERM);
    CHECK_EQ_INT(round_create(db, &street1, ROUND, NULL, &err), EG_EPERM);
    REQUIRE(round_create(db, &bureau, ROUND, &id, &err) == 0);
    CHECK(id > 0);
    CHECK_EQ_INT(round_create(db, &bureau, ROUND, NULL, &err), EG_ECONFLICT);
    static const struct {
        const char *json, *code;
    } bad[] = {
        {"{\"deadline\":\"2099-01-01\",\"quotas\":{\"park\":1}}", "name"},
        {"{\"name\":\"x\",\"deadline\":\"tomorrow\",\"quotas\":{\"park\":1}}", "deadline"},
        {"{\"name\":\"x\",\"deadline\":\"2099-01-01\",\"rule\":\"median\",\"quotas\":{\"park\":1}}",
         "rule"},
        {"{\"name\":\"x\",\"deadline\":\"2099-01-01\",\"quotas\":{\"school\":1}}", "quotas"},
        {"{\"name\":\"x\",\"deadline\":\"2099-01-01\",\"quotas\":{\"park\":-1}}", "quotas"},
        {"{\"name\":\"x\",\"deadline\":\"2099-01-01\",\"quotas\":{\"park\":\"1\"}}", "quotas"},
        {"{\"name\":\"x\",\"deadline\":\"2099-01-01\",\"quotas\":[]}", "quotas"},
        {"{\"name\":\"x\",\"deadline\":\"2099-01-01\",\"quotas\":{\"park\":1},"
         "\"catalogue\":\"../../etc/passwd\"}",
         "catalogue"},
        {"{\"name\":\"x\",\"deadline\":\"2099-01-01\",\"quotas\":{\"park\":1},\"min_total\":101}",
         "min_total"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        int rc = round_create(db, &bureau, bad[i].json, NULL, &err);
        if (rc != EG_EINVAL || strcmp(err.code, bad[i].code))
            eg_test_fail(__FILE__, __LINE__, "case %zu: %d %s %s", i, rc, err.code, err.msg);
    }
    /* anyone logged in reads the round with its catalogue; anonymous does not */
    json_t *r;
    REQUIRE(eg_pilot_round_get(db, &ent1, id, &r, &err) == 0);
    CHECK_EQ_INT(json_array_size(json_object_get(r, "kinds")), 5);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(r, "quotas"), "enterprise")),
                 1);
    CHECK_STR(json_string_value(json_object_get(r, "deadline")), "2099-12-31 23:59:59");
    json_decref(r);
    CHECK_EQ_INT(eg_pilot_round_get(db, &anon, id, &r, &err), EG_EAUTH);
    CHECK_EQ_INT(eg_pilot_round_get(db, &ent1, 999, &r, &err), EG_ENOTFOUND);
    eg_db_close(db);
}

/* applicants see and edit only their own, until submitted (issue 14 item 7) */
TEST(pilot_applicants_see_and_edit_only_their_own_until_submitted)
{
    struct eg_db *db = eg_tfx_open("p.db", SCENE);
    struct eg_err err;
    int64_t rid, a1, a3;
    REQUIRE(round_create(db, &bureau, ROUND, &rid, &err) == 0);
    char js[512];
    snprintf(js, sizeof js, "{\"round_id\":%lld,\"unit_id\":1}", (long long)rid);
    REQUIRE(app_create(db, &ent1, js, &a1, &err) == 0);
    /* not for another's unit */
    snprintf(js, sizeof js, "{\"round_id\":%lld,\"unit_id\":2}", (long long)rid);
    CHECK(app_create(db, &ent1, js, NULL, &err) < 0);
    /* a street applies for its street unit */
    snprintf(js, sizeof js, "{\"round_id\":%lld,\"unit_id\":3}", (long long)rid);
    REQUIRE(app_create(db, &street1, js, &a3, &err) == 0);
    /* the unit's kind decides the pilot kind */
    json_t *r;
    REQUIRE(eg_pilot_app_get(db, &ent1, a1, &r, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(r, "pilot_kind")), "enterprise");
    json_decref(r);
    /* others do not see it: not the other enterprise, not the other street */
    CHECK_EQ_INT(eg_pilot_app_get(db, &ent2, a1, &r, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_pilot_app_get(db, &street2, a3, &r, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_pilot_app_get(db, &other, a1, &r, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_pilot_app_get(db, &anon, a1, &r, &err), EG_EAUTH);
    json_t *list;
    REQUIRE(eg_pilot_app_list(db, &ent2, rid, NULL, &list, &err) == 0);
    CHECK_EQ_INT(json_array_size(list), 0);
    json_decref(list);
    REQUIRE(eg_pilot_app_list(db, &bureau, rid, NULL, &list, &err) == 0);
    CHECK_EQ_INT(json_array_size(list), 2);
    json_decref(list);
    /* submitting an incomplete application names what is missing */
    CHECK_EQ_INT(act(db, &ent1, a1, "submit", NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "conditions");
    /* the owner edits the draft; the other enterprise cannot */
    json_t *in = J("{\"conditions\":\"111\",\"mandatory\":\"11111111\",\"directions\":\"1,6\","
                   "\"innovation\":\"建立碳排放核算机制\"}");
    CHECK_EQ_INT(eg_pilot_app_update(db, &ent2, a1, in, NULL, &err), EG_ENOTFOUND);
    REQUIRE(eg_pilot_app_update(db, &ent1, a1, in, NULL, &err) == 0);
    json_decref(in);
    /* wrong answers: too few, not 1/0, a direction the kind lacks, an unknown field */
    static const char *const bad[] = {"{\"conditions\":\"11\"}",   "{\"mandatory\":\"1111111x\"}",
                                      "{\"directions\":\"7\"}",    "{\"directions\":\"1,1\"}",
                                      "{\"pilot_kind\":\"park\"}", "{\"innovation\":5}"};
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        in = J(bad[i]);
        CHECK_EQ_INT(eg_pilot_app_update(db, &ent1, a1, in, NULL, &err), EG_EINVAL);
        json_decref(in);
    }
    REQUIRE(act(db, &ent1, a1, "submit", NULL, &err) == 0);
    CHECK_STR(state(db, a1), "submitted");
    /* after submission: no more edits, no withdrawal by the applicant */
    in = J("{\"innovation\":\"改了\"}");
    CHECK_EQ_INT(eg_pilot_app_update(db, &ent1, a1, in, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "state");
    json_decref(in);
    CHECK(act(db, &ent1, a1, "withdraw", NULL, &err) < 0);
    /* the bureau returns it (with a reason) and it is a draft again */
    CHECK_EQ_INT(act(db, &bureau, a1, "return", NULL, &err), EG_EINVAL);
    REQUIRE(act(db, &bureau, a1, "return", "{\"reason\":\"佐证材料不全\"}", &err) == 0);
    CHECK_STR(state(db, a1), "draft");
    REQUIRE(act(db, &ent1, a1, "withdraw", NULL, &err) == 0);
    CHECK_STR(state(db, a1), "withdrawn");
    eg_db_close(db);
}

TEST(pilot_round_deadline_closes_applications)
{
    struct eg_db *db = eg_tfx_open("p.db", SCENE);
    struct eg_err err;
    int64_t rid;
    REQUIRE(
        round_create(db, &bureau,
                     "{\"name\":\"旧批次\",\"deadline\":\"2020-01-01\",\"quotas\":{\"park\":1}}",
                     &rid, &err) == 0);
    char js[128];
    snprintf(js, sizeof js, "{\"round_id\":%lld,\"unit_id\":4}", (long long)rid);
    json_t *in = J(js);
    CHECK_EQ_INT(eg_pilot_app_create(db, &street1, in, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "deadline");
    json_decref(in);
    snprintf(js, sizeof js, "{\"round_id\":%lld,\"unit_id\":4}", (long long)rid + 7);
    in = J(js);
    CHECK_EQ_INT(eg_pilot_app_create(db, &street1, in, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "round_id");
    json_decref(in);
    eg_db_close(db);
}

static int64_t submitted_app(struct eg_db *db, int64_t rid, int unit, const char *cond,
                             const char *mand)
{
    struct eg_err err;
    char js[512];
    int64_t id;
    snprintf(js, sizeof js,
             "{\"round_id\":%lld,\"unit_id\":%d,\"conditions\":\"%s\",\"mandatory\":\"%s\","
             "\"directions\":\"1\",\"innovation\":\"创新点\"}",
             (long long)rid, unit, cond, mand);
    REQUIRE(app_create(db, &bureau, js, &id, &err) == 0);
    REQUIRE(act(db, &bureau, id, "submit", NULL, &err) == 0);
    return id;
}

static void score_all(struct eg_db *db, int64_t id, double base)
{
    struct eg_err err;
    for (int e = 0; e < 5; e++) {
        const double s[3] = {base - e, base - e, base - e};
        int rc = eg_pilot_score_put(db, &experts[e], id, s, &err);
        if (rc)
            fprintf(stderr, "    score: %s\n", err.msg);
        REQUIRE(rc == 0);
    }
}

/* experts see only the round they score; every score audited */
TEST(pilot_experts_see_only_their_round_and_every_score_is_audited)
{
    struct eg_db *db = eg_tfx_open("p.db", SCENE);
    struct eg_err err;
    int64_t rid, rid2;
    REQUIRE(round_create(db, &bureau, ROUND, &rid, &err) == 0);
    REQUIRE(
        round_create(db, &bureau,
                     "{\"name\":\"第三批\",\"deadline\":\"2099-01-01\",\"quotas\":{\"park\":1}}",
                     &rid2, &err) == 0);
    int64_t a = submitted_app(db, rid, 1, "111", "11111111");
    int64_t b = submitted_app(db, rid2, 4, "11111", "1111");
    CHECK_EQ_INT(eg_pilot_expert_add(db, &ent1, rid, 20, "exp1", &err), EG_EPERM);
    REQUIRE(eg_pilot_expert_add(db, &bureau, rid, 20, "exp1", &err) == 0);
    json_t *l;
    REQUIRE(eg_pilot_expert_list(db, &experts[0], rid, &l, &err) == 0);
    CHECK_EQ_INT(json_array_size(l), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(l, 0), "id")), a);
    json_decref(l);
    /* not its round, not an expert, anonymous */
    CHECK_EQ_INT(eg_pilot_expert_list(db, &experts[0], rid2, &l, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_pilot_expert_list(db, &other, rid, &l, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_pilot_expert_list(db, &anon, rid, &l, &err), EG_EAUTH);
    /* the expert cannot read the record through the engine either */
    json_t *r;
    CHECK_EQ_INT(eg_pilot_app_get(db, &experts[0], a, &r, &err), EG_ENOTFOUND);
    const double s[3] = {18, 17, 16}, s2[3] = {19, 17, 16}, bad[3] = {18, 21, 16};
    CHECK_EQ_INT(eg_pilot_score_put(db, &experts[0], b, s, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_pilot_score_put(db, &other, a, s, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_pilot_score_put(db, &bureau, a, s, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_pilot_score_put(db, &experts[0], a, bad, &err), EG_EINVAL);
    CHECK_STR(err.code, "scores");
    REQUIRE(eg_pilot_score_put(db, &experts[0], a, s, &err) == 0);
    REQUIRE(eg_pilot_score_put(db, &experts[0], a, s2, &err) == 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM pilot_scores"), 1);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT c1 FROM pilot_scores"), 19);
    /* both writes audited, the second with its before */
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM audit_log WHERE resource = 'pilot.score'"),
                 2);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM audit_log WHERE resource = 'pilot.score' "
                                "AND action = 'update' AND before_json LIKE '%18%'"),
                 1);
    REQUIRE(eg_pilot_expert_list(db, &experts[0], rid, &l, &err) == 0);
    CHECK_EQ_INT(json_array_size(json_object_get(json_array_get(l, 0), "my_scores")), 3);
    json_decref(l);
    /* the bureau sees the experts' scores on the record */
    REQUIRE(eg_pilot_app_get(db, &bureau, a, &r, &err) == 0);
    CHECK_EQ_INT(json_array_size(json_object_get(r, "scores")), 1);
    json_decref(r);
    REQUIRE(eg_pilot_app_get(db, &ent1, a, &r, &err) == 0);
    CHECK(json_object_get(r, "scores") == NULL);
    json_decref(r);
    eg_db_close(db);
}

/* every transition of the kind and the forbidden ones */
TEST(pilot_application_transitions_and_forbidden_ones)
{
    struct eg_db *db = eg_tfx_open("p.db", SCENE);
    struct eg_err err;
    int64_t rid;
    REQUIRE(round_create(db, &bureau, ROUND, &rid, &err) == 0);
    for (int e = 0; e < 5; e++)
        REQUIRE(eg_pilot_expert_add(db, &bureau, rid, experts[e].user_id, experts[e].username,
                                    &err) == 0);
    int64_t good = submitted_app(db, rid, 1, "111", "11111111");
    int64_t weak = submitted_app(db, rid, 2, "111", "11111110");
    int64_t bad = submitted_app(db, rid, 3, "1011", "1111");
    score_all(db, good, 19);
    score_all(db, weak, 15);
    /* an eligible application without scores stops the evaluation */
    json_t *out;
    int64_t park = submitted_app(db, rid, 4, "11111", "1111");
    CHECK_EQ_INT(eg_pilot_round_evaluate(db, &bureau, rid, &out, &err), EG_EINVAL);
    CHECK_STR(err.code, "experts");
    CHECK(strstr(err.msg, "某园区") != NULL);
    CHECK_STR(state(db, good), "submitted"); /* nothing changed */
    score_all(db, park, 12);
    /* only the bureau evaluates; the applicants cannot take the bureau's steps */
    CHECK_EQ_INT(eg_pilot_round_evaluate(db, &ent1, rid, &out, &err), EG_EPERM);
    CHECK_EQ_INT(act(db, &ent1, good, "evaluate", NULL, &err), EG_EPERM);
    REQUIRE(eg_pilot_round_evaluate(db, &bureau, rid, &out, &err) == 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(out, "evaluated")), 4);
    CHECK_EQ_INT(json_integer_value(json_object_get(out, "ineligible")), 1);
    json_decref(out);
    CHECK_STR(state(db, good), "recommended"); /* enterprise quota 1: the better one */
    CHECK_STR(state(db, weak), "not_recommended");
    CHECK_STR(state(db, bad), "not_recommended"); /* the street failed condition 2 */
    CHECK_STR(state(db, park), "recommended");
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM flow_transitions t JOIN flow_records r ON "
                                "r.id = t.record_id WHERE r.id = 3 AND t.text_json LIKE "
                                "'%未满足申报条件2%'"),
                 1);
    /* the results the applicant now sees */
    json_t *r;
    REQUIRE(eg_pilot_app_get(db, &ent1, good, &r, &err) == 0);
    json_t *res = json_object_get(r, "results");
    CHECK_EQ_INT(json_integer_value(json_object_get(res, "rank")), 1);
    CHECK(json_real_value(json_object_get(res, "total")) > 90.99 &&
          json_real_value(json_object_get(res, "total")) < 91.01); /* 40 + 3 × 17 (mean of 19…15) */
    json_decref(r);
    /* scores after evaluation are refused */
    const double s[3] = {1, 1, 1};
    CHECK_EQ_INT(eg_pilot_score_put(db, &experts[0], good, s, &err), EG_EINVAL);
    /* forbidden: skipping steps, applicants approving, selecting before reporting */
    CHECK_EQ_INT(act(db, &bureau, good, "report", NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "state");
    CHECK_EQ_INT(act(db, &ent1, good, "approve", NULL, &err), EG_EPERM);
    CHECK_EQ_INT(act(db, &bureau, weak, "approve", NULL, &err), EG_EINVAL);
    REQUIRE(act(db, &bureau, good, "approve", NULL, &err) == 0);
    CHECK_EQ_INT(act(db, &bureau, good, "select", NULL, &err), EG_EINVAL);
    REQUIRE(act(db, &bureau, good, "report", NULL, &err) == 0);
    CHECK_STR(state(db, good), "reported");
    REQUIRE(act(db, &bureau, park, "approve", NULL, &err) == 0);
    REQUIRE(act(db, &bureau, park, "report", NULL, &err) == 0);
    CHECK_EQ_INT(act(db, &bureau, park, "not_select", NULL, &err), EG_EINVAL); /* needs reason */
    REQUIRE(act(db, &bureau, park, "not_select", "{\"reason\":\"市局现场评估未通过\"}", &err) == 0);
    REQUIRE(act(db, &bureau, good, "select", NULL, &err) == 0);
    CHECK_STR(state(db, good), "selected");
    /* terminal: nothing more */
    CHECK_EQ_INT(act(db, &bureau, good, "return", "{\"reason\":\"x\"}", &err), EG_EINVAL);
    CHECK_EQ_INT(act(db, &bureau, weak, "recommend", NULL, &err), EG_EINVAL);
    /* the list export holds the recommended */
    struct eg_buf b = {0};
    REQUIRE(eg_pilot_round_export(db, &bureau, rid, "list", 0, &b, &err) == 0);
    eg_buf_append(&b, "", 1);
    CHECK(strstr(b.data, "企业（1）\r\n序号,申报单位,创新点\r\n1,甲公司,创新点") != NULL);
    CHECK(strstr(b.data, "乙公司") == NULL);
    b.len = 0;
    REQUIRE(eg_pilot_round_export(db, &bureau, rid, "sheet", 0, &b, &err) == 0);
    eg_buf_append(&b, "", 1);
    CHECK(strstr(b.data, "街镇,张江镇,不通过：未满足条件2") != NULL);
    CHECK(strstr(b.data, "企业,乙公司,通过,7/8,35,") != NULL);
    b.len = 0;
    REQUIRE(eg_pilot_round_export(db, &bureau, rid, "list", 1, &b, &err) == 0);
    CHECK(b.len > 1000 && !memcmp(b.data, "PK", 2));
    CHECK_EQ_INT(eg_pilot_round_export(db, &ent1, rid, "list", 0, &b, &err), EG_EPERM);
    CHECK_EQ_INT(eg_pilot_round_export(db, &bureau, rid, "other", 0, &b, &err), EG_EINVAL);
    eg_buf_free(&b);
    eg_db_close(db);
}

/* seed 000 二: 42 applications (1/16/9/15/1), five experts each, cut to 1/10/9/5/1 */
TEST(pilot_seed_round2_stored_scored_by_five_experts_and_cut_to_the_annex)
{
    struct eg_db *db =
        eg_tfx_open("p.db", "INSERT INTO regions (id, code, name, level) VALUES "
                            "(1, '310115', '浦东新区', 'district');"
                            "INSERT INTO users (id, username, role, password) "
                            "VALUES (20, 'exp1', 'steward', 'x'), (21, 'exp2', "
                            "'steward', 'x'), (22, 'exp3', 'steward', 'x'), (23, "
                            "'exp4', 'steward', 'x'), (24, 'exp5', 'steward', 'x');");
    struct eg_err err;
    int64_t rid;
    REQUIRE(round_create(db, &bureau,
                         "{\"name\":\"第二批现代环境治理体系试点示范\",\"deadline\":\"2099-09-30\","
                         "\"rule\":\"trimmed\",\"quotas\":{\"park\":1,\"enterprise\":10,"
                         "\"street\":9,\"community\":5,\"building\":1}}",
                         &rid, &err) == 0);
    for (int e = 0; e < 5; e++)
        REQUIRE(eg_pilot_expert_add(db, &bureau, rid, experts[e].user_id, experts[e].username,
                                    &err) == 0);
    struct eg_pilot_catalogue *cat;
    REQUIRE(eg_pilot_catalogue_load("pilot/catalogue_2021.tsv", &cat, &err) == 0);
    const struct eg_embedded *f = eg_embedded_find("pilot/round2_pudong.tsv");
    struct eg_pilot_round_file *rf;
    REQUIRE(eg_pilot_round_parse(cat, f->data, f->len, f->path, &rf, &err) == 0);
    REQUIRE(rf->napps == 42);
    REQUIRE(eg_db_begin(db, &err) == 0);
    for (int i = 0; i < rf->napps; i++) {
        const struct eg_pilot_app *a = &rf->apps[i];
        const struct eg_pilot_round_row *row = &rf->rows[i];
        /* the unit, as the registry holds it (credit codes left out: not this test's) */
        struct eg_stmt *st;
        REQUIRE(eg_db_prepare(db, "INSERT INTO units (name, kind, region_id) VALUES (?1, ?2, 1)",
                              &st, &err) == 0);
        eg_stmt_bind_text(st, 1, a->unit, strlen(a->unit));
        eg_stmt_bind_text(st, 2, a->kind, strlen(a->kind));
        REQUIRE(eg_stmt_step(st, &err) >= 0);
        eg_stmt_done(st);
        json_int_t unit_id = (json_int_t)eg_db_last_id(db);
        char cond[40] = "", mand[40] = "", dirs[80] = "";
        for (int k = 0; k < a->nconditions; k++)
            cond[k] = row->conditions[k] ? '1' : '0';
        for (int k = 0; k < a->nmandatory; k++)
            mand[k] = row->mandatory[k] ? '1' : '0';
        size_t o = 0;
        for (int k = 0; k < row->ndirections; k++)
            o += (size_t)snprintf(dirs + o, sizeof dirs - o, "%s%d", k ? "," : "",
                                  row->directions[k]);
        json_t *in = json_pack("{s:I,s:o,s:s,s:s,s:s,s:s}", "round_id", (json_int_t)rid, "unit_id",
                               json_integer(unit_id), "conditions", cond, "mandatory", mand,
                               "directions", dirs, "innovation", a->innovation),
               *ao;
        int rc = eg_pilot_app_create(db, &bureau, in, &ao, &err);
        if (rc)
            fprintf(stderr, "    %s: %s\n", a->unit, err.msg);
        REQUIRE(rc == 0);
        int64_t id = json_integer_value(json_object_get(ao, "id"));
        REQUIRE(eg_pilot_app_act(db, &bureau, id, "submit", NULL, NULL, &err) == 0);
        REQUIRE(a->nexperts == 5);
        for (int e = 0; e < 5; e++)
            REQUIRE(eg_pilot_score_put(db, &experts[e], id, &a->scores[e * 3], &err) == 0);
        json_decref(in);
        json_decref(ao);
    }
    REQUIRE(eg_db_commit(db, &err) == 0);
    json_t *out;
    REQUIRE(eg_pilot_round_evaluate(db, &bureau, rid, &out, &err) == 0);
    json_t *rec = json_object_get(out, "recommended");
    CHECK_EQ_INT(json_integer_value(json_object_get(out, "evaluated")), 42);
    CHECK_EQ_INT(json_integer_value(json_object_get(rec, "park")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(rec, "enterprise")), 10);
    CHECK_EQ_INT(json_integer_value(json_object_get(rec, "street")), 9);
    CHECK_EQ_INT(json_integer_value(json_object_get(rec, "community")), 5);
    CHECK_EQ_INT(json_integer_value(json_object_get(rec, "building")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(out, "ineligible")), 3);
    json_decref(out);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM flow_records WHERE kind = "
                                "'pilot_application' AND state = 'recommended'"),
                 26);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM audit_log WHERE resource = 'pilot.score'"),
                 210);
    struct eg_buf b = {0};
    REQUIRE(eg_pilot_round_export(db, &bureau, rid, "list", 0, &b, &err) == 0);
    eg_buf_append(&b, "", 1);
    CHECK(strstr(b.data, "企业（10）\r\n序号,申报单位,创新点\r\n1,上海华力微电子有限公司,") !=
          NULL);
    CHECK(strstr(b.data, "\r\n5,康桥镇康桥半岛,") != NULL);
    CHECK(strstr(b.data, "街镇（9）") != NULL);
    eg_buf_free(&b);
    eg_pilot_round_free(rf);
    eg_pilot_catalogue_free(cat);
    eg_db_close(db);
}
