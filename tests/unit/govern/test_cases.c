/* Tests of penalty cases (src/govern/cases.c), the flow kind "case": 立案 → 调查取证 → 告知
   (→ 听证) → 决定 → 送达 → 执行 → 结案, on the shipped discretion rule set discretion-gd-2022
   (fines worked out in test_discretion.c: 410,000 for the governance-research.md §5.3 example,
   50,000 for the range model's lowest; hearing threshold 100,000 (行政处罚法 Art. 63, amount
   UNCONFIRMED)). Scene: 甲厂 (unit 1, permit P1 valid, an expired one P0), 乙厂 (unit 2, P2). */
#include "govern/govern.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <string.h>

#define SCENE                                                                                      \
    "INSERT INTO regions (id, code, name, level) VALUES (1, 'D', '区', 'district');"              \
    "INSERT INTO units (id, name, kind, region_id) VALUES (1, '甲厂', 'enterprise', 1), (2, "    \
    "'乙厂', 'enterprise', 1);"                                                                  \
    "INSERT INTO permits (id, number, unit_id, category, valid_from, valid_to) VALUES (10, 'P0', " \
    "1, 'key', '2010-01-01', '2015-01-01'), (11, 'P1', 1, 'key', '2020-01-01', '2099-12-31'), "    \
    "(12, 'P2', 2, 'simplified', NULL, NULL);"

static const struct eg_principal bureau = {EG_ROLE_BUREAU, 23, "officer", "", 0};
static const struct eg_principal ent1 = {EG_ROLE_ENTERPRISE, 20, "ent1", "", 1};
static const struct eg_principal ent2 = {EG_ROLE_ENTERPRISE, 21, "ent2", "", 2};
static const struct eg_principal street = {EG_ROLE_STREET, 22, "s", "D", 0};
static const struct eg_principal anon = {EG_ROLE_ANON, 0, "", "", 0};
static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0};

static int64_t raise_case(struct eg_db *db, const struct eg_principal *who, const char *json,
                          json_t **out, struct eg_err *err)
{
    json_t *in = json_loads(json, 0, NULL);
    REQUIRE(in);
    json_t *rec = NULL;
    int rc = eg_flow_create(db, &eg_case_kind, who, in, &rec, err);
    json_decref(in);
    if (rc < 0)
        return rc;
    int64_t id = (int64_t)json_integer_value(json_object_get(rec, "id"));
    if (out)
        *out = rec;
    else
        json_decref(rec);
    return id;
}

static int act(struct eg_db *db, const struct eg_principal *who, int64_t id, const char *action,
               const char *json, json_t **out, struct eg_err *err)
{
    json_t *in = json_loads(json ? json : "{}", 0, NULL);
    REQUIRE(in);
    *err = (struct eg_err){0};
    int rc = eg_flow_act(db, &eg_case_kind, who, id, action, in, out, err);
    json_decref(in);
    return rc;
}

static const char *state_of(struct eg_db *db, int64_t id)
{
    static char s[32];
    json_t *r = NULL;
    struct eg_err err = {0};
    REQUIRE(eg_flow_get(db, &eg_case_kind, &bureau, id, &r, &err) == 0);
    snprintf(s, sizeof s, "%s", json_string_value(json_object_get(r, "state")));
    json_decref(r);
    return s;
}

static int no_penalty_met(struct eg_db *db, int64_t unit)
{
    char t[40];
    eg_time_format_beijing(eg_time_now(), t, sizeof t);
    t[10] = 0;
    int ok;
    json_t *why = NULL;
    struct eg_err err = {0};
    REQUIRE(eg_poslist_check(db, unit, t, &ok, &why, &err) == 0);
    int met = -1;
    size_t i;
    json_t *r;
    json_array_foreach(why, i, r)
    {
        if (!strcmp(json_string_value(json_object_get(r, "condition")), "no_penalty"))
            met = json_is_true(json_object_get(r, "met"));
    }
    json_decref(why);
    return met;
}

TEST(case_penalty_workflow_discretion_hearing_and_forbidden_transitions)
{
    struct eg_err err = {0};
    REQUIRE(eg_flow_kind_check(&eg_case_kind, &err) == 0);
    struct eg_db *db = eg_tfx_open("cases.db", SCENE);
    json_t *rec = NULL;
    int64_t id = raise_case(db, &bureau,
                            "{\"title\":\"甲厂超标排放大气污染物\",\"unit_id\":1,\"origin\":"
                            "\"alert\",\"origin_ref\":\"alert:7\",\"violation\":\"air_"
                            "exceedance\",\"violation_date\":\"2024-05-01\"}",
                            &rec, &err);
    if (id < 0)
        eg_test_fail(__FILE__, __LINE__, "%s", err.msg);
    REQUIRE(id > 0);
    CHECK_STR(json_string_value(json_object_get(rec, "state")), "filed");
    /* 一证式: filed against the permit valid on the violation date (P1, not the expired P0). */
    CHECK_EQ_INT(json_integer_value(json_object_get(rec, "permit_id")), 11);
    json_decref(rec);
    CHECK_EQ_INT(no_penalty_met(db, 1), 1);

    /* Forbidden: notify before investigating; the enterprise investigating its own case. */
    CHECK_EQ_INT(act(db, &bureau, id, "notify", NULL, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "state");
    CHECK_EQ_INT(act(db, &ent1, id, "investigate", NULL, NULL, &err), EG_EPERM);
    CHECK_EQ_INT(
        act(db, &bureau, id, "decide", "{\"decision\":\"penalty\",\"reason\":\"x\"}", NULL, &err),
        EG_EINVAL);
    REQUIRE(act(db, &bureau, id, "investigate", NULL, NULL, &err) == 0);
    /* 告知 needs the evidence attached. */
    CHECK_EQ_INT(act(db, &bureau, id, "notify", NULL, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "attachment");
    REQUIRE(eg_flow_attach(db, &eg_case_kind, &bureau, id, "现场照片.jpg", jpeg, sizeof jpeg, NULL,
                           &err) == 0);
    /* Bad discretion facts are refused and change nothing. */
    CHECK_EQ_INT(act(db, &bureau, id, "notify",
                     "{\"discretion\":{\"factors\":{\"impact\":\"huge\"}}}", NULL, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "unknown_option");
    CHECK_EQ_INT(act(db, &bureau, id, "notify", "{\"discretion\":[1]}", NULL, &err), EG_EINVAL);
    CHECK_STR(state_of(db, id), "investigating");
    rec = NULL;
    REQUIRE(act(db, &bureau, id, "notify",
                "{\"discretion\":{\"factors\":{\"impact\":\"medium\",\"duration\":\"m3_6\","
                "\"count\":\"second\",\"complaint\":\"verified\"}}}",
                &rec, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(rec, "state")), "notified");
    /* 10 + 6 + 5 + 5 + 15 = 41 % × 1,000,000 (GD 2022 Art. 6). */
    CHECK_EQ_DBL(json_real_value(json_object_get(rec, "fine")), 410000, 0);
    CHECK(json_is_true(json_object_get(rec, "hearing_right")));
    json_t *disc = json_loads(json_string_value(json_object_get(rec, "discretion")), 0, NULL);
    REQUIRE(disc);
    CHECK_EQ_INT(json_array_size(json_object_get(disc, "steps")), 8);
    CHECK_STR(json_string_value(json_object_get(json_object_get(disc, "ruleset"), "id")),
              "discretion-gd-2022");
    json_decref(disc);
    json_decref(rec);

    /* Scope: the enterprise sees its own case, not another's; street and public see none. */
    rec = NULL;
    CHECK_EQ_INT(eg_flow_get(db, &eg_case_kind, &ent1, id, &rec, &err), 0);
    json_decref(rec);
    CHECK_EQ_INT(eg_flow_get(db, &eg_case_kind, &ent2, id, &rec, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_flow_get(db, &eg_case_kind, &street, id, &rec, &err), EG_ENOTFOUND);
    CHECK(eg_flow_get(db, &eg_case_kind, &anon, id, &rec, &err) < 0);
    CHECK_EQ_INT(act(db, &ent2, id, "request_hearing", NULL, NULL, &err), EG_ENOTFOUND);
    /* The party asks for a hearing (its right: 410,000 >= 100,000). */
    REQUIRE(act(db, &ent1, id, "request_hearing", NULL, NULL, &err) == 0);
    CHECK_STR(state_of(db, id), "hearing");
    CHECK_EQ_INT(
        act(db, &ent1, id, "decide", "{\"decision\":\"penalty\",\"reason\":\"x\"}", NULL, &err),
        EG_EPERM);
    CHECK_EQ_INT(act(db, &bureau, id, "decide", "{\"reason\":\"听证后维持\"}", NULL, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "decision");
    CHECK_EQ_INT(act(db, &bureau, id, "decide", "{\"decision\":\"penalty\"}", NULL, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "reason");
    rec = NULL;
    REQUIRE(act(db, &bureau, id, "decide",
                "{\"decision\":\"penalty\",\"reason\":\"听证后维持，罚款 410000 元\"}", &rec,
                &err) == 0);
    CHECK_STR(json_string_value(json_object_get(rec, "decision")), "penalty");
    CHECK(strstr(json_string_value(json_object_get(rec, "exemption")), "\"checked\":false"));
    json_decref(rec);
    /* The penalty is recorded against the unit: the positive list's no_penalty condition fails. */
    CHECK_EQ_INT(no_penalty_met(db, 1), 0);
    CHECK_EQ_INT(no_penalty_met(db, 2), 1);
    /* Forbidden: close before serving; close a penalty before executing. */
    CHECK_EQ_INT(act(db, &bureau, id, "close", NULL, NULL, &err), EG_EINVAL);
    REQUIRE(act(db, &bureau, id, "serve", NULL, NULL, &err) == 0);
    CHECK_EQ_INT(act(db, &bureau, id, "close", NULL, NULL, &err), EG_EINVAL);
    CHECK(strstr(err.msg, "execute"));
    REQUIRE(act(db, &bureau, id, "execute", NULL, NULL, &err) == 0);
    REQUIRE(act(db, &bureau, id, "close", NULL, NULL, &err) == 0);
    CHECK_STR(state_of(db, id), "closed");
    CHECK_EQ_INT(act(db, &bureau, id, "dismiss", "{\"reason\":\"x\"}", NULL, &err), EG_EINVAL);
    /* Every change is in the timeline: 6 transitions. */
    json_t *h = NULL;
    REQUIRE(eg_flow_history(db, &eg_case_kind, &bureau, id, &h, &err) == 0);
    CHECK(json_array_size(h) >= 7);
    json_decref(h);
    eg_db_close(db);
}

TEST(case_no_penalty_no_hearing_dismissal_and_refused_raising)
{
    struct eg_db *db = eg_tfx_open("cases2.db", SCENE);
    struct eg_err err = {0};
    /* Refused raisings, each naming the field. */
    CHECK_EQ_INT(raise_case(db, &bureau,
                            "{\"title\":\"t\",\"unit_id\":1,\"origin\":\"alert\",\"violation\":"
                            "\"noise\",\"violation_date\":\"2024-05-01\"}",
                            NULL, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "violation");
    CHECK(strstr(err.msg, "air_exceedance"));
    CHECK_EQ_INT(raise_case(db, &bureau,
                            "{\"title\":\"t\",\"unit_id\":1,\"permit_id\":12,\"origin\":\"alert\","
                            "\"violation\":\"air_exceedance\",\"violation_date\":\"2024-05-01\"}",
                            NULL, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "permit_id");
    CHECK_EQ_INT(raise_case(db, &bureau,
                            "{\"title\":\"t\",\"origin\":\"alert\",\"violation\":\"air_"
                            "exceedance\",\"violation_date\":\"2024-05-01\"}",
                            NULL, &err),
                 EG_EINVAL);
    CHECK_EQ_INT(raise_case(db, &bureau,
                            "{\"title\":\"t\",\"unit_id\":1,\"origin\":\"rumour\",\"violation\":"
                            "\"air_exceedance\",\"violation_date\":\"2024-05-01\"}",
                            NULL, &err),
                 EG_EINVAL);
    CHECK_EQ_INT(raise_case(db, &bureau,
                            "{\"title\":\"t\",\"unit_id\":1,\"origin\":\"alert\",\"violation\":"
                            "\"air_exceedance\",\"violation_date\":\"2024-05-01\",\"fine\":1}",
                            NULL, &err),
                 EG_EINVAL);
    CHECK_EQ_INT(raise_case(db, &bureau,
                            "{\"title\":\"t\",\"unit_id\":1,\"origin\":\"alert\",\"violation\":"
                            "\"air_exceedance\",\"violation_date\":\"2024-13-01\"}",
                            NULL, &err),
                 EG_EINVAL);
    CHECK(raise_case(db, &ent1,
                     "{\"title\":\"t\",\"unit_id\":1,\"origin\":\"other\",\"violation\":\"air_"
                     "exceedance\",\"violation_date\":\"2024-05-01\"}",
                     NULL, &err) < 0);
    CHECK(raise_case(db, &anon,
                     "{\"title\":\"t\",\"unit_id\":1,\"origin\":\"other\",\"violation\":\"air_"
                     "exceedance\",\"violation_date\":\"2024-05-01\"}",
                     NULL, &err) < 0);

    /* A complaint case on 乙厂, range model, no facts: lighter part, 50,000 < 100,000: no
       hearing right; decided with no penalty, served and closed without execution. */
    json_t *rec = NULL;
    int64_t id =
        raise_case(db, &bureau,
                   "{\"title\":\"乙厂 VOCs 未收集\",\"unit_id\":2,\"origin\":\"complaint\","
                   "\"origin_ref\":\"complaint:3\",\"violation\":\"vocs_no_control\","
                   "\"violation_date\":\"2024-05-01\"}",
                   &rec, &err);
    REQUIRE(id > 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(rec, "permit_id")), 12);
    json_decref(rec);
    REQUIRE(act(db, &bureau, id, "investigate", NULL, NULL, &err) == 0);
    REQUIRE(eg_flow_attach(db, &eg_case_kind, &bureau, id, "笔录.jpg", jpeg, sizeof jpeg, NULL,
                           &err) == 0);
    rec = NULL;
    REQUIRE(act(db, &bureau, id, "notify", NULL, &rec, &err) == 0);
    CHECK_EQ_DBL(json_real_value(json_object_get(rec, "fine")), 50000, 0);
    CHECK(json_is_false(json_object_get(rec, "hearing_right")));
    json_decref(rec);
    CHECK_EQ_INT(act(db, &ent2, id, "request_hearing", NULL, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "hearing_right");
    CHECK_EQ_INT(
        act(db, &bureau, id, "decide", "{\"decision\":\"maybe\",\"reason\":\"x\"}", NULL, &err),
        EG_EINVAL);
    /* The exemption check (sh-exempt-2020 item 1: stopped and restored, corrected, no harm):
       exempt, so a penalty is refused (行政处罚法 Art. 33); malformed facts are refused. */
#define EXEMPT                                                                                     \
    "\"exemption\":{\"violation\":\"eia_unapproved_construction\",\"first_discovery\":true,"       \
    "\"stopped_and_restored\":true,\"no_harm\":true,\"corrected_days\":0,\"education\":"           \
    "\"已进行环评法律法规教育\"}"
    CHECK_EQ_INT(act(db, &bureau, id, "decide",
                     "{\"decision\":\"penalty\",\"reason\":\"x\"," EXEMPT "}", NULL, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "exemption");
    CHECK_EQ_INT(act(db, &bureau, id, "decide",
                     "{\"decision\":\"no_penalty\",\"reason\":\"x\",\"exemption\":[]}", NULL, &err),
                 EG_EINVAL);
    CHECK_STR(state_of(db, id), "notified");
    rec = NULL;
    REQUIRE(
        act(db, &bureau, id, "decide",
            "{\"decision\":\"no_penalty\",\"reason\":\"首次违法、危害后果轻微并及时改正\"," EXEMPT
            "}",
            &rec, &err) == 0);
    json_t *ex = json_loads(json_string_value(json_object_get(rec, "exemption")), 0, NULL);
    REQUIRE(ex);
    CHECK(json_is_true(json_object_get(ex, "exempt")));
    CHECK(json_is_true(json_object_get(ex, "checked")));
    CHECK_STR(json_string_value(json_object_get(json_object_get(ex, "ruleset"), "id")),
              "sh-exempt-2020");
    json_decref(ex);
    json_decref(rec);
    CHECK_EQ_INT(no_penalty_met(db, 2), 1); /* no penalty recorded */
    REQUIRE(act(db, &bureau, id, "serve", NULL, NULL, &err) == 0);
    REQUIRE(act(db, &bureau, id, "close", NULL, NULL, &err) == 0);
    CHECK_STR(state_of(db, id), "closed");

    /* Dismissal needs a reason, and only before the notice. */
    int64_t id2 = raise_case(db, &bureau,
                             "{\"title\":\"t\",\"unit_id\":1,\"origin\":\"task\",\"violation\":"
                             "\"water_exceedance\",\"violation_date\":\"2024-05-01\"}",
                             NULL, &err);
    REQUIRE(id2 > 0);
    CHECK_EQ_INT(act(db, &bureau, id2, "dismiss", NULL, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "reason");
    CHECK_EQ_INT(act(db, &ent1, id2, "dismiss", "{\"reason\":\"x\"}", NULL, &err), EG_EPERM);
    REQUIRE(act(db, &bureau, id2, "dismiss", "{\"reason\":\"证据不足\"}", NULL, &err) == 0);
    CHECK_STR(state_of(db, id2), "dismissed");
    CHECK_EQ_INT(act(db, &bureau, id2, "investigate", NULL, NULL, &err), EG_EINVAL);
    eg_db_close(db);
}
