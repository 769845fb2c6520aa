/*
 * test_plan_flow.c: action plans and suggestions on the workflow engine (issue 14 items 5, 6):
 * seed 003's forty tasks loaded as a plan with their lead units, progress reports, overdue and
 * at-risk flags, the status export; suggestions (seed 001) from forming to feedback, and no way
 * to close one without the feedback.
 */
#include "plans/plans.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENE                                                                                      \
    "INSERT INTO regions (id, code, name, level, parent_id) VALUES (1, 'D', '闵行区', "         \
    "'district', NULL), (2, 'S1', '莘庄镇', 'street', 1), (3, 'S2', '七宝镇', 'street', 1);"

static const struct eg_principal bureau = {EG_ROLE_BUREAU, 2, "bureau", "", 0};
static const struct eg_principal street1 = {EG_ROLE_STREET, 5, "s1", "S1", 0};
static const struct eg_principal street2 = {EG_ROLE_STREET, 6, "s2", "S2", 0};
static const struct eg_principal ent = {EG_ROLE_ENTERPRISE, 7, "e", "", 1};
static const struct eg_principal steward = {EG_ROLE_STEWARD, 8, "st", "", 0};
static const struct eg_principal anon = {EG_ROLE_ANON, 0, "", "", 0};

static json_t *J(const char *s)
{
    json_t *j = json_loads(s, 0, NULL);
    REQUIRE(j);
    return j;
}

static int task_act(struct eg_db *db, const struct eg_principal *who, int64_t id,
                    const char *action, const char *json, struct eg_err *err)
{
    json_t *in = json ? J(json) : json_object();
    int rc = eg_flow_act(db, &eg_plan_task_kind, who, id, action, in, NULL, err);
    json_decref(in);
    return rc;
}

/* issue 14 item 5: the demo loads seed 003's forty tasks and lead units as a plan */
TEST(plan_demo_loads_seed_003_as_40_tasks_with_lead_units)
{
    struct eg_db *db = eg_tfx_open("p.db", SCENE);
    struct eg_err err;
    int rc = eg_plan_load_demo(db, &err);
    if (rc)
        fprintf(stderr, "    %s %s\n", err.code, err.msg);
    REQUIRE(rc == 0);
    REQUIRE(eg_plan_load_demo(db, &err) == 0); /* once */
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM plans"), 1);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM plan_tasks"), 40);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM flow_records WHERE kind = 'plan_task'"), 40);
    json_t *st;
    REQUIRE(eg_plan_status(db, &bureau, 1, eg_time_now(), &st, &err) == 0);
    json_t *tasks = json_object_get(st, "tasks");
    REQUIRE(json_array_size(tasks) == 40);
    json_t *t1 = json_array_get(tasks, 0), *t6 = json_array_get(tasks, 5),
           *t36 = json_array_get(tasks, 35);
    CHECK_STR(json_string_value(json_object_get(t1, "title")),
              "（一）开展能源和工业领域碳达峰行动");
    CHECK_STR(json_string_value(json_object_get(t1, "lead_units")), "区发改委、区经委");
    CHECK_STR(json_string_value(json_object_get(t6, "lead_units")),
              "区发改委、区机管局、区交通委、区妇联、区教育局、区建管委、区经委");
    CHECK(json_object_get(t36, "lead_units") == NULL ||
          json_is_null(json_object_get(t36, "lead_units")) ||
          !strcmp(json_string_value(json_object_get(t36, "lead_units")), ""));
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(st, "summary"), "tasks")), 40);
    json_decref(st);
    /* only the bureau imports; anonymous sees nothing */
    const struct eg_embedded *e = eg_embedded_find("plans/minhang_2023_workplan.tsv");
    struct eg_plan_file *pf;
    REQUIRE(eg_plan_file_parse(e->data, e->len, e->path, &pf, &err) == 0);
    CHECK_EQ_INT(eg_plan_import(db, &street1, "x", NULL, pf, 0, NULL, &err), EG_EPERM);
    CHECK_EQ_INT(eg_plan_import(db, &anon, "x", NULL, pf, 0, NULL, &err), EG_EAUTH);
    CHECK_EQ_INT(eg_plan_import(db, &bureau, "", NULL, pf, 0, NULL, &err), EG_EINVAL);
    eg_plan_file_free(pf);
    CHECK_EQ_INT(eg_plan_status(db, &anon, 1, eg_time_now(), &st, &err), EG_EAUTH);
    CHECK_EQ_INT(eg_plan_status(db, &bureau, 9, eg_time_now(), &st, &err), EG_ENOTFOUND);
    eg_db_close(db);
}

/* the at-risk rule: last report at risk/delayed, no report within the period, or 25 points
   behind the time elapsed */
TEST(plan_task_at_risk_rule)
{
    const char *why;
    int64_t d = 86400;
    CHECK_EQ_INT(eg_plan_task_at_risk(10 * d, 0, 100 * d, 50, "at_risk", 9 * d, 90, &why), 1);
    CHECK_EQ_INT(eg_plan_task_at_risk(10 * d, 0, 100 * d, 50, "delayed", 9 * d, 90, &why), 1);
    CHECK(strstr(why, "滞后") != NULL);
    CHECK_EQ_INT(eg_plan_task_at_risk(10 * d, 0, 100 * d, 10, "on_track", 9 * d, 90, &why), 0);
    /* 91 days without a report */
    CHECK_EQ_INT(eg_plan_task_at_risk(91 * d + 1, 0, 400 * d, 0, NULL, 0, 90, &why), 1);
    CHECK(strstr(why, "从未报送") != NULL);
    CHECK_EQ_INT(eg_plan_task_at_risk(100 * d, 0, 400 * d, 30, "on_track", 5 * d, 90, &why), 1);
    CHECK(strstr(why, "超过报送周期") != NULL);
    /* half the time gone, 20 % done: 30 points behind */
    CHECK_EQ_INT(eg_plan_task_at_risk(50 * d, 0, 100 * d, 20, "on_track", 49 * d, 90, &why), 1);
    CHECK(strstr(why, "25") != NULL);
    /* half the time gone, 30 % done: 20 points behind, fine */
    CHECK_EQ_INT(eg_plan_task_at_risk(50 * d, 0, 100 * d, 30, "on_track", 49 * d, 90, &why), 0);
    CHECK(why == NULL);
}

TEST(plan_task_transitions_progress_and_flags)
{
    struct eg_db *db = eg_tfx_open("p.db", SCENE);
    struct eg_err err;
    const char *tsv = "no\tno_zh\tchapter\ttitle\ttext\tlead_units\n"
                      "1\t（一）\t一、\t甲任务\t内容\t区生态环境局\n"
                      "2\t（二）\t一、\t乙任务\t内容\t区水务局\n";
    struct eg_plan_file *pf;
    REQUIRE(eg_plan_file_parse(tsv, strlen(tsv), "t.tsv", &pf, &err) == 0);
    int64_t pid;
    /* due in the past: both overdue once marked */
    REQUIRE(eg_plan_import(db, &bureau, "测试计划", "test", pf, eg_time_now() - 3600, &pid, &err) ==
            0);
    eg_plan_file_free(pf);
    int64_t t1 = eg_tfx_int(db, "SELECT record_id FROM plan_tasks WHERE no = 1");
    int64_t t2 = eg_tfx_int(db, "SELECT record_id FROM plan_tasks WHERE no = 2");
    int marked = 0;
    REQUIRE(eg_flow_mark_overdue(db, &eg_plan_task_kind, eg_time_now(), &marked, &err) == 0);
    CHECK_EQ_INT(marked, 2);
    /* assign task 1 to street S1; S2 does not see it; S1 starts and reports */
    CHECK_EQ_INT(task_act(db, &street1, t1, "start", NULL, &err), EG_ENOTFOUND);
    REQUIRE(task_act(db, &bureau, t1, "assign", "{\"to_region_id\":2}", &err) == 0);
    REQUIRE(task_act(db, &street1, t1, "start", NULL, &err) == 0);
    CHECK_EQ_INT(task_act(db, &street2, t1, "complete", NULL, &err), EG_ENOTFOUND);
    json_t *in = J("{\"period\":\"2024年第一季度\",\"percent\":40,\"status\":\"at_risk\","
                   "\"text\":\"资金未到位\"}");
    CHECK_EQ_INT(eg_plan_progress_add(db, &street2, t1, in, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_plan_progress_add(db, &anon, t1, in, &err), EG_EAUTH);
    REQUIRE(eg_plan_progress_add(db, &street1, t1, in, &err) == 0);
    json_decref(in);
    static const char *const bad[] = {
        "{\"percent\":40,\"status\":\"on_track\",\"text\":\"x\"}",
        "{\"period\":\"Q1\",\"percent\":101,\"status\":\"on_track\",\"text\":\"x\"}",
        "{\"period\":\"Q1\",\"percent\":\"40\",\"status\":\"on_track\",\"text\":\"x\"}",
        "{\"period\":\"Q1\",\"percent\":40,\"status\":\"fine\",\"text\":\"x\"}",
        "{\"period\":\"Q1\",\"percent\":40,\"status\":\"on_track\",\"text\":\"\"}",
        "{\"period\":\"Q1\",\"percent\":40,\"status\":\"on_track\",\"text\":\"x\",\"by\":\"me\"}",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        in = J(bad[i]);
        CHECK_EQ_INT(eg_plan_progress_add(db, &street1, t1, in, &err), EG_EINVAL);
        json_decref(in);
    }
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM audit_log WHERE resource = "
                                "'flow.plan_task' AND after_json LIKE '%资金未到位%'"),
                 1);
    json_t *st;
    REQUIRE(eg_plan_status(db, &bureau, pid, eg_time_now(), &st, &err) == 0);
    json_t *sum = json_object_get(st, "summary");
    CHECK_EQ_INT(json_integer_value(json_object_get(sum, "tasks")), 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(sum, "overdue")), 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(sum, "at_risk")), 1);
    json_t *a = json_array_get(json_object_get(st, "tasks"), 0);
    CHECK(json_is_true(json_object_get(a, "at_risk")));
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(a, "last_report"), "percent")),
                 40);
    json_decref(st);
    /* the street sees only its task */
    REQUIRE(eg_plan_status(db, &street1, pid, eg_time_now(), &st, &err) == 0);
    CHECK_EQ_INT(json_array_size(json_object_get(st, "tasks")), 1);
    json_decref(st);
    REQUIRE(eg_plan_status(db, &street2, pid, eg_time_now(), &st, &err) == 0);
    CHECK_EQ_INT(json_array_size(json_object_get(st, "tasks")), 0);
    json_decref(st);
    /* completion needs the feedback; reopen needs a reason; close is the bureau's */
    CHECK_EQ_INT(task_act(db, &street1, t1, "complete", NULL, &err), EG_EINVAL);
    REQUIRE(task_act(db, &street1, t1, "complete",
                     "{\"feedback\":{\"finding\":\"已完成\",\"measure\":\"建成\",\"result\":\"验收"
                     "\"}}",
                     &err) == 0);
    CHECK_EQ_INT(task_act(db, &street1, t1, "close", NULL, &err), EG_EPERM);
    CHECK_EQ_INT(task_act(db, &bureau, t1, "reopen", NULL, &err), EG_EINVAL);
    REQUIRE(task_act(db, &bureau, t1, "reopen", "{\"reason\":\"材料不全\"}", &err) == 0);
    REQUIRE(task_act(db, &street1, t1, "complete",
                     "{\"feedback\":{\"finding\":\"a\",\"measure\":\"b\",\"result\":\"c\"}}",
                     &err) == 0);
    REQUIRE(task_act(db, &bureau, t1, "close", NULL, &err) == 0);
    CHECK_EQ_INT(task_act(db, &bureau, t1, "start", NULL, &err), EG_EINVAL);
    in = J("{\"period\":\"Q2\",\"percent\":100,\"status\":\"on_track\",\"text\":\"完\"}");
    CHECK_EQ_INT(eg_plan_progress_add(db, &bureau, t1, in, &err), EG_EINVAL);
    json_decref(in);
    CHECK_EQ_INT(task_act(db, &ent, t2, "start", NULL, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(task_act(db, &steward, t2, "start", NULL, &err), EG_ENOTFOUND);
    /* the status for a meeting */
    struct eg_buf b = {0};
    REQUIRE(eg_plan_status_export(db, &bureau, pid, eg_time_now(), 0, &b, &err) == 0);
    eg_buf_append(&b, "", 1);
    CHECK(strstr(b.data, "编号,任务,牵头单位,状态,截止时间,是否逾期,是否有风险") != NULL);
    CHECK(strstr(b.data, "（一）,（一）甲任务,区生态环境局,已销号,") != NULL);
    CHECK(strstr(b.data, "（二）,（二）乙任务,区水务局,已分解,") != NULL);
    b.len = 0;
    REQUIRE(eg_plan_status_export(db, &bureau, pid, eg_time_now(), 1, &b, &err) == 0);
    CHECK(b.len > 1000 && !memcmp(b.data, "PK", 2));
    eg_buf_free(&b);
    eg_db_close(db);
}

static int sugg_act(struct eg_db *db, const struct eg_principal *who, int64_t id,
                    const char *action, const char *json, struct eg_err *err)
{
    json_t *in = json ? J(json) : json_object();
    int rc = eg_flow_act(db, &eg_suggestion_kind, who, id, action, in, NULL, err);
    json_decref(in);
    return rc;
}

/* seed 001: 形成、报送、受理、交办、办理、落实、反馈 — closed only by feedback */
TEST(suggestion_runs_from_forming_to_feedback_and_never_closes_without_it)
{
    struct eg_db *db = eg_tfx_open("p.db", SCENE);
    struct eg_err err;
    json_t *in = J(
               "{\"title\":\"提升基层环境监管能力\",\"source\":\"committee\",\"source_ref\":"
               "\"建言资政专报\",\"text\":\"加强街镇环保人员配备\",\"responsible\":\"区人社局\"}"),
           *out;
    CHECK_EQ_INT(eg_flow_create(db, &eg_suggestion_kind, &street1, in, &out, &err), EG_EPERM);
    REQUIRE(eg_flow_create(db, &eg_suggestion_kind, &bureau, in, &out, &err) == 0);
    json_decref(in);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    in = J("{\"title\":\"x\",\"source\":\"rumour\",\"text\":\"y\"}");
    CHECK_EQ_INT(eg_flow_create(db, &eg_suggestion_kind, &bureau, in, &out, &err), EG_EINVAL);
    json_decref(in);
    /* out of order */
    CHECK_EQ_INT(sugg_act(db, &bureau, id, "accept", NULL, &err), EG_EINVAL);
    CHECK_EQ_INT(sugg_act(db, &bureau, id, "feed_back",
                          "{\"feedback\":{\"finding\":\"a\",\"measure\":\"b\",\"result\":\"c\"}}",
                          &err),
                 EG_EINVAL);
    REQUIRE(sugg_act(db, &bureau, id, "send", NULL, &err) == 0);
    REQUIRE(sugg_act(db, &bureau, id, "accept", NULL, &err) == 0);
    CHECK_EQ_INT(sugg_act(db, &bureau, id, "assign", NULL, &err), EG_EINVAL); /* to whom */
    REQUIRE(sugg_act(db, &bureau, id, "assign", "{\"to_region_id\":2}", &err) == 0);
    CHECK_EQ_INT(sugg_act(db, &street2, id, "handle", NULL, &err), EG_ENOTFOUND);
    REQUIRE(sugg_act(db, &street1, id, "handle", NULL, &err) == 0);
    REQUIRE(sugg_act(db, &bureau, id, "return", "{\"reason\":\"办理不到位\"}", &err) == 0);
    REQUIRE(sugg_act(db, &street1, id, "handle", NULL, &err) == 0);
    REQUIRE(sugg_act(db, &street1, id, "implement", NULL, &err) == 0);
    CHECK_EQ_INT(sugg_act(db, &street1, id, "feed_back", NULL, &err), EG_EINVAL);
    CHECK_EQ_INT(
        sugg_act(db, &street1, id, "feed_back", "{\"feedback\":{\"finding\":\"a\"}}", &err),
        EG_EINVAL);
    REQUIRE(sugg_act(db, &street1, id, "feed_back",
                     "{\"feedback\":{\"finding\":\"招聘四场\",\"measure\":\"支持街镇招聘\","
                     "\"result\":\"基层环保队伍加强\"}}",
                     &err) == 0);
    CHECK_EQ_INT(sugg_act(db, &bureau, id, "send", NULL, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM flow_transitions WHERE record_id = 1"),
                 9); /* raised + 8 steps */
    /* the declaration itself: the only way into the terminal state needs the feedback */
    const struct eg_flow_kind *k = &eg_suggestion_kind;
    int into_terminal = 0;
    for (int i = 0; i < k->ntransitions; i++) {
        const struct eg_flow_state *to = eg_flow_state_find(k, k->transitions[i].to);
        REQUIRE(to);
        if (to->flags & EG_FLOW_TERMINAL) {
            into_terminal++;
            CHECK(k->transitions[i].needs & EG_FLOW_NEED_FEEDBACK);
        }
    }
    CHECK_EQ_INT(into_terminal, 1);
    eg_db_close(db);
}
