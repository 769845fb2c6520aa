/* Tests of the 三监联动 task loop (src/tasks, tasks.h) on a real SQLite file: the loop of
   governance.md §6 (raised → received → in progress → executed → fed back → closed) taken by
   the right parties, closure refused without feedback, rejection and return for rework, who is
   receiver and issuer, an enterprise seeing only what is addressed to it, eg_task_raise as the
   rules and intake modules call it, and the overdue job. Scene: district D, streets S1 (grid
   G1) and S2; units U1 (in G1, outlet 1) and U2 (in S2, outlet 2); station 1 in S2. */
#include "base/app.h"
#include "tasks/tasks.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCENE                                                                                         \
    "INSERT INTO regions (id, code, name, level, parent_id) VALUES (1, 'D', '区', 'district', "      \
    "NULL), (2, 'S1', '街道一', 'street', 1), (3, 'G1', '网格一', 'grid', 2), (4, 'S2', "       \
    "'街道二', "                                                                                   \
    "'street', 1);"                                                                                   \
    "INSERT INTO units (id, name, kind, region_id) VALUES (1, '甲厂', 'enterprise', 3), (2, "       \
    "'乙厂', 'enterprise', 4);"                                                                     \
    "INSERT INTO outlets (id, unit_id, code, type) VALUES (1, 1, 'DA001', 'waste_gas'), (2, 2, "      \
    "'DW001', 'waste_water');"                                                                        \
    "INSERT INTO stations (id, code, name, kind, region_id) VALUES (1, 'A1', '一号站', 'air', 4);" \
    "INSERT INTO users (id, username, role, password) VALUES (10, 'stew', 'steward', 'x');"           \
    "INSERT INTO steward_contracts (user_id, unit_id) VALUES (10, 1);"

static const struct eg_principal bureau = {EG_ROLE_BUREAU, 5, "officer", "", 0};
static const struct eg_principal street1 = {EG_ROLE_STREET, 6, "s1", "S1", 0};
static const struct eg_principal street2 = {EG_ROLE_STREET, 7, "s2", "S2", 0};
static const struct eg_principal ent1 = {EG_ROLE_ENTERPRISE, 8, "e1", "", 1};
static const struct eg_principal ent2 = {EG_ROLE_ENTERPRISE, 9, "e2", "", 2};
static const struct eg_principal steward = {EG_ROLE_STEWARD, 10, "stew", "", 0};

static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0};

#define FEEDBACK                                                                                              \
    "{\"feedback\":{\"finding\":\"颗粒物超标排放\",\"measure\":\"责令停产整改，更换布袋\"," \
    "\"result\":\"复测达标\"}}"

static int act(struct eg_db *db, const struct eg_principal *who, int64_t id, const char *action,
               const char *json, struct eg_err *err)
{
    json_t *in = json ? json_loads(json, 0, NULL) : NULL;
    if (json)
        REQUIRE(in);
    memset(err, 0, sizeof *err);
    int r = eg_flow_act(db, &eg_task_kind, who, id, action, in, NULL, err);
    json_decref(in);
    return r;
}

static const char *state_of(struct eg_db *db, int64_t id)
{
    static char buf[32];
    struct eg_stmt *s;
    REQUIRE(eg_db_prepare(db, "SELECT state FROM flow_records WHERE id = ?", &s, NULL) == 0);
    eg_stmt_bind_int(s, 1, id);
    REQUIRE(eg_stmt_step(s, NULL) == 1);
    snprintf(buf, sizeof buf, "%s", eg_stmt_text(s, 0, NULL));
    eg_stmt_done(s);
    return buf;
}

static int64_t raise_task(struct eg_db *db, const struct eg_principal *who, const char *type,
                          int64_t unit, int64_t to_region, int64_t to_unit)
{
    struct eg_task_new t = {.task_type = type,
                            .title = "排放口颗粒物超标核查",
                            .description = "在线监测小时均值超过许可限值",
                            .origin = "person",
                            .unit_id = unit,
                            .to_region_id = to_region,
                            .to_unit_id = to_unit};
    int64_t id = 0;
    struct eg_err err;
    int r = eg_task_raise(db, who, &t, &id, &err);
    if (r)
        fprintf(stderr, "    raise: %s %s\n", err.code, err.msg);
    REQUIRE(r == 0 && id > 0);
    return id;
}

TEST(tasks_kind_declaration_is_valid)
{
    struct eg_err err;
    CHECK_EQ_INT(eg_flow_kind_check(&eg_task_kind, &err), 0);
}

/* governance.md §6: 发起 → 接收 → 跟踪 → 执行 → 反馈 → 办结, each by its party. */
TEST(tasks_loop_raised_received_in_progress_executed_fed_back_closed_by_the_right_parties)
{
    struct eg_db *db = eg_tfx_open("loop.db", SCENE);
    struct eg_err err;
    int64_t id = raise_task(db, &bureau, "enforcement", 1, 2, 0);
    CHECK_STR(state_of(db, id), "raised");
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT evidence_required FROM tasks WHERE record_id = 1"), 1);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT region_id FROM flow_records WHERE id = 1"), 3);
    /* the issuer cannot take the receiver's steps unless it is the bureau; the street can */
    CHECK_EQ_INT(act(db, &street1, id, "receive", NULL, &err), 0);
    CHECK_EQ_INT(act(db, &street1, id, "start", NULL, &err), 0);
    CHECK_EQ_INT(act(db, &street1, id, "execute", "{\"note\":\"已现场检查\"}", &err), 0);
    /* closing before feedback: not possible from executed, and the message says what is */
    CHECK_EQ_INT(act(db, &bureau, id, "close", NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "state");
    CHECK(strstr(err.msg, "feed_back (反馈)") != NULL);
    /* feedback without its parts, then without the evidence an enforcement task needs */
    CHECK_EQ_INT(act(db, &street1, id, "feed_back", NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "feedback");
    CHECK_EQ_INT(act(db, &street1, id, "feed_back", FEEDBACK, &err), EG_EINVAL);
    CHECK_STR(err.code, "attachment");
    REQUIRE(eg_flow_attach(db, &eg_task_kind, &street1, id, "现场.jpg", jpeg, sizeof jpeg, NULL,
                           &err) == 0);
    CHECK_EQ_INT(act(db, &street1, id, "feed_back", FEEDBACK, &err), 0);
    CHECK_STR(state_of(db, id), "fed_back");
    /* the receiver does not close its own task */
    CHECK_EQ_INT(act(db, &street1, id, "close", NULL, &err), EG_EPERM);
    CHECK_STR(err.code, "not_issuer");
    CHECK_EQ_INT(act(db, &bureau, id, "close", NULL, &err), 0);
    CHECK_STR(state_of(db, id), "closed");
    json_t *rec = NULL;
    REQUIRE(eg_flow_get(db, &eg_task_kind, &street1, id, &rec, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(rec, "feedback_measure")),
              "责令停产整改，更换布袋");
    CHECK_STR(json_string_value(json_object_get(rec, "state_zh")), "已办结");
    CHECK_STR(json_string_value(json_object_get(rec, "issuer")), "生态环境局");
    CHECK_EQ_INT(json_array_size(json_object_get(rec, "actions")), 0);
    json_decref(rec);
    json_t *h = NULL;
    REQUIRE(eg_flow_history(db, &eg_task_kind, &bureau, id, &h, &err) == 0);
    CHECK_EQ_INT(json_array_size(h), 6); /* create, receive, start, execute, feed_back, close */
    json_decref(h);
    eg_db_close(db);
}

TEST(tasks_closing_is_refused_without_feedback_even_from_fed_back)
{
    struct eg_db *db = eg_tfx_open("nofeedback.db", SCENE);
    struct eg_err err;
    int64_t id = raise_task(db, &bureau, "supervision", 1, 2, 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT evidence_required FROM tasks WHERE record_id = 1"), 0);
    for (const char *a = "receive"; a; a = !strcmp(a, "receive") ? "start"
                                           : !strcmp(a, "start") ? "execute"
                                                                 : NULL)
        REQUIRE(act(db, &street1, id, a, NULL, &err) == 0);
    /* every closing path before feedback is refused */
    CHECK_EQ_INT(act(db, &bureau, id, "close", "{\"reason\":\"够了\"}", &err), EG_EINVAL);
    CHECK_EQ_INT(act(db, &street1, id, "feed_back",
                     "{\"feedback\":{\"finding\":\"无\",\"measure\":\" \",\"result\":\"好\"}}",
                     &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "feedback");
    CHECK_STR(state_of(db, id), "executed");
    /* a fed-back task whose stored feedback is gone (a repaired row): the guard still refuses */
    REQUIRE(act(db, &street1, id, "feed_back", FEEDBACK, &err) == 0);
    REQUIRE(eg_db_exec(db, "UPDATE tasks SET feedback_result = NULL", &err) == 0);
    CHECK_EQ_INT(act(db, &bureau, id, "close", NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "feedback");
    CHECK_STR(state_of(db, id), "fed_back");
    eg_db_close(db);
}

TEST(tasks_rejection_goes_back_to_the_issuer_and_rework_goes_back_to_the_receiver)
{
    struct eg_db *db = eg_tfx_open("reject.db", SCENE);
    struct eg_err err;
    int64_t id = raise_task(db, &bureau, "monitoring", 2, 2, 0); /* sent to S1 by mistake */
    CHECK_EQ_INT(act(db, &street1, id, "reject", NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "reason");
    CHECK_EQ_INT(act(db, &street1, id, "reject", "{\"reason\":\"乙厂不在本街道辖区\"}", &err), 0);
    CHECK_STR(state_of(db, id), "rejected");
    /* rejected is paused: the overdue check leaves it */
    REQUIRE(eg_db_exec(db, "UPDATE flow_records SET due_at = 10", &err) == 0);
    int marked = -1;
    REQUIRE(eg_flow_mark_overdue(db, &eg_task_kind, 100, &marked, &err) == 0);
    CHECK_EQ_INT(marked, 0);
    CHECK_EQ_INT(act(db, &street1, id, "reassign", "{\"to_region_id\":4}", &err), EG_EPERM);
    CHECK_EQ_INT(act(db, &bureau, id, "reassign", "{}", &err), EG_EINVAL);
    CHECK_STR(err.code, "assignee");
    CHECK_EQ_INT(act(db, &bureau, id, "reassign", "{\"to_region_id\":4}", &err), 0);
    CHECK_STR(state_of(db, id), "raised");
    /* no longer S1's: the task is about a unit of S2 and now sent to S2 */
    CHECK_EQ_INT(act(db, &street1, id, "receive", NULL, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(act(db, &street2, id, "receive", NULL, &err), 0);
    REQUIRE(act(db, &street2, id, "start", NULL, &err) == 0);
    REQUIRE(act(db, &street2, id, "execute", NULL, &err) == 0);
    REQUIRE(act(db, &street2, id, "feed_back", FEEDBACK, &err) == 0);
    /* return for rework: a reason, back to in progress, the receiver feeds back again */
    CHECK_EQ_INT(act(db, &bureau, id, "return", NULL, &err), EG_EINVAL);
    CHECK_EQ_INT(act(db, &bureau, id, "return", "{\"reason\":\"缺少复测报告\"}", &err), 0);
    CHECK_STR(state_of(db, id), "in_progress");
    REQUIRE(act(db, &street2, id, "execute", NULL, &err) == 0);
    REQUIRE(act(db, &street2, id, "feed_back", FEEDBACK, &err) == 0);
    CHECK_EQ_INT(act(db, &bureau, id, "close", NULL, &err), 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_transitions WHERE action = 'return' "
                                "AND text_json LIKE '%缺少复测报告%'"),
                 1);
    /* cancel needs a reason and the issuer */
    int64_t c = raise_task(db, &bureau, "monitoring", 2, 4, 0);
    CHECK_EQ_INT(act(db, &street2, c, "cancel", "{\"reason\":\"x\"}", &err), EG_EPERM);
    CHECK_EQ_INT(act(db, &bureau, c, "cancel", "{\"reason\":\"重复任务\"}", &err), 0);
    CHECK_STR(state_of(db, c), "cancelled");
    eg_db_close(db);
}

TEST(tasks_receiver_and_issuer_per_role_and_a_street_issuing_to_a_unit)
{
    struct eg_db *db = eg_tfx_open("parties.db", SCENE);
    struct eg_err err;
    /* street S1 raises a rectification task for U1 (in its grid), addressed to U1 */
    int64_t id = raise_task(db, &street1, "rectification", 1, 0, 1);
    json_t *rec = NULL;
    REQUIRE(eg_flow_get(db, &eg_task_kind, &ent1, id, &rec, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(rec, "issuer")), "街镇 S1");
    CHECK_EQ_INT(json_integer_value(json_object_get(rec, "issuer_region_id")), 2);
    json_decref(rec);
    /* the street sees it but is not the receiver; the other enterprise does not see it */
    CHECK_EQ_INT(act(db, &street1, id, "receive", NULL, &err), EG_EPERM);
    CHECK_EQ_INT(act(db, &ent2, id, "receive", NULL, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(act(db, &street2, id, "receive", NULL, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(act(db, &steward, id, "receive", NULL, &err), EG_EPERM); /* sees, may not */
    CHECK_EQ_INT(act(db, &ent1, id, "receive", NULL, &err), 0);
    REQUIRE(act(db, &ent1, id, "start", NULL, &err) == 0);
    REQUIRE(act(db, &ent1, id, "execute", NULL, &err) == 0);
    REQUIRE(eg_flow_attach(db, &eg_task_kind, &ent1, id, "整改后.jpg", jpeg, sizeof jpeg, NULL,
                           &err) == 0);
    REQUIRE(act(db, &ent1, id, "feed_back", FEEDBACK, &err) == 0);
    /* the enterprise may not close; another street may not; the issuing street may */
    CHECK_EQ_INT(act(db, &ent1, id, "close", NULL, &err), EG_EPERM);
    CHECK_EQ_INT(act(db, &street2, id, "close", NULL, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(act(db, &street1, id, "close", NULL, &err), 0);
    /* streets raise only in their scope; enterprises and stewards raise none */
    struct eg_task_new t = {
        .task_type = "supervision", .title = "x", .origin = "person", .unit_id = 2};
    int64_t tid;
    CHECK_EQ_INT(eg_task_raise(db, &street1, &t, &tid, &err), EG_EPERM);
    CHECK_EQ_INT(eg_task_raise(db, &ent1, &t, &tid, &err), EG_EPERM);
    CHECK_EQ_INT(eg_task_raise(db, &steward, &t, &tid, &err), EG_EPERM);
    eg_db_close(db);
}

TEST(tasks_enterprise_sees_only_tasks_addressed_to_it_street_sees_its_region)
{
    struct eg_db *db = eg_tfx_open("visibility.db", SCENE);
    struct eg_err err;
    int64_t about = raise_task(db, &bureau, "enforcement", 1, 2, 0); /* about U1, to S1 */
    int64_t to1 = raise_task(db, &bureau, "rectification", 1, 0, 1); /* to U1 */
    int64_t to2 = raise_task(db, &bureau, "rectification", 2, 0, 2); /* to U2 in S2 */
    static const struct {
        const struct eg_principal *who;
        int about, to1, to2;
    } want[] = {
        {&bureau, 1, 1, 1}, {&street1, 1, 1, 0}, {&street2, 0, 0, 1},
        {&ent1, 0, 1, 0},   {&ent2, 0, 0, 1},    {&steward, 0, 1, 0},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(want); i++) {
        const int64_t ids[3] = {about, to1, to2};
        const int sees[3] = {want[i].about, want[i].to1, want[i].to2};
        int n = 0;
        for (int k = 0; k < 3; k++) {
            json_t *rec = NULL;
            int r = eg_flow_get(db, &eg_task_kind, want[i].who, ids[k], &rec, &err);
            if (sees[k] ? r != 0 : r != EG_ENOTFOUND)
                eg_test_fail(__FILE__, __LINE__, "%s get task %d: %d", want[i].who->username, k, r);
            json_decref(rec);
            n += sees[k];
        }
        json_t *rows = NULL;
        REQUIRE(eg_flow_list(db, &eg_task_kind, want[i].who, NULL, &rows, NULL, &err) == 0);
        CHECK_EQ_INT(json_array_size(rows), n);
        json_decref(rows);
    }
    eg_db_close(db);
}

TEST(tasks_raise_as_the_rules_and_intake_modules_do)
{
    struct eg_db *db = eg_tfx_open("raise.db", SCENE);
    struct eg_err err;
    /* an alert's task, raised by the system: the unit from the outlet, inside the caller's
       transaction (the alert and its task commit together) */
    REQUIRE(eg_db_begin(db, &err) == 0);
    struct eg_task_new t = {.task_type = "enforcement",
                            .title = "DA001 颗粒物小时均值超标",
                            .origin = "alert",
                            .origin_id = 42,
                            .outlet_id = 1,
                            .to_region_id = 2};
    int64_t id = 0;
    CHECK_EQ_INT(eg_task_raise(db, &eg_principal_system, &t, &id, &err), 0);
    REQUIRE(eg_db_commit(db, &err) == 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT unit_id FROM flow_records WHERE id = 1"), 1);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT region_id FROM flow_records WHERE id = 1"), 3);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT origin_id FROM tasks WHERE record_id = 1"), 42);
    CHECK(eg_tfx_int(db, "SELECT due_at - created_at FROM flow_records WHERE id = 1") ==
          EG_TASK_DEFAULT_DUE_S);
    /* a station's task: its region from the station */
    struct eg_task_new s = {.task_type = "monitoring",
                            .title = "一号站 AQI 超阈值",
                            .origin = "alert",
                            .origin_id = 43,
                            .station_id = 1};
    CHECK_EQ_INT(eg_task_raise(db, &eg_principal_system, &s, &id, &err), 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT region_id FROM flow_records WHERE id = 2"), 4);
    /* a complaint's place */
    struct eg_task_new p = {.task_type = "complaint",
                            .title = "夜间噪声扰民",
                            .origin = "complaint",
                            .origin_id = 7,
                            .place = "121.47,31.23",
                            .region_id = 3,
                            .to_region_id = 2};
    CHECK_EQ_INT(eg_task_raise(db, &eg_principal_system, &p, &id, &err), 0);
    /* refused: no subject, origin without its id, a foreign outlet, unknown type, no title */
    static const struct eg_task_new bad[] = {
        {.task_type = "supervision", .title = "x", .origin = "person"},
        {.task_type = "supervision", .title = "x", .origin = "alert", .unit_id = 1},
        {.task_type = "supervision",
         .title = "x",
         .origin = "person",
         .unit_id = 2,
         .outlet_id = 1},
        {.task_type = "patrol", .title = "x", .origin = "person", .unit_id = 1},
        {.task_type = "supervision", .title = "x", .origin = "rumour", .unit_id = 1},
        {.task_type = "supervision", .title = NULL, .origin = "person", .unit_id = 1},
        {.task_type = "supervision", .title = "x", .origin = "person", .outlet_id = 99},
        {.task_type = "supervision",
         .title = "x",
         .origin = "person",
         .unit_id = 1,
         .to_region_id = 99},
    };
    static const char *const codes[] = {"subject", "origin_id", "outlet_id", "task_type",
                                        "origin",  "title",     "outlet_id", "to_region_id"};
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        memset(&err, 0, sizeof err);
        int r = eg_task_raise(db, &eg_principal_system, &bad[i], &id, &err);
        if (r != EG_EINVAL || strcmp(err.code, codes[i]))
            eg_test_fail(__FILE__, __LINE__, "bad %zu: %d %s %s", i, r, err.code, err.msg);
    }
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_records"), 3);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM tasks"), 3);
    eg_db_close(db);
}

static int64_t overdue_count(struct eg_db *db)
{
    return eg_tfx_int(db, "SELECT COUNT(*) FROM flow_records WHERE overdue = 1");
}

TEST(tasks_overdue_job_flags_late_tasks_and_the_list_shows_them)
{
    struct eg_db *db = eg_tfx_open("overdue.db", SCENE);
    struct eg_err err;
    int64_t late = raise_task(db, &bureau, "supervision", 1, 2, 0);
    raise_task(db, &bureau, "supervision", 1, 2, 0);
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE flow_records SET due_at = %lld WHERE id = %lld",
             (long long)(eg_time_now() - 60), (long long)late);
    REQUIRE(eg_db_exec(db, sql, &err) == 0);
    struct eg_jobs *jobs = NULL;
    REQUIRE(eg_jobs_new(1, 8, &jobs, &err) == 0);
    char path[600];
    snprintf(path, sizeof path, "%s/overdue.db", eg_test_tmpdir());
    struct eg_tasks_overdue *job = NULL;
    REQUIRE(eg_tasks_overdue_start(jobs, path, 100, &job, &err) == 0);
    for (int i = 0; i < 100 && overdue_count(db) == 0; i++)
        usleep(50 * 1000);
    eg_tasks_overdue_stop(job);
    eg_jobs_free(jobs);
    CHECK_EQ_INT(overdue_count(db), 1);
    struct eg_flow_query q = {.overdue = 1};
    json_t *rows = NULL;
    REQUIRE(eg_flow_list(db, &eg_task_kind, &street1, &q, &rows, NULL, &err) == 0);
    REQUIRE(json_array_size(rows) == 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(rows, 0), "id")), late);
    json_decref(rows);
    CHECK_EQ_INT(eg_tasks_overdue_start(NULL, path, 0, &job, &err), EG_EINVAL);
    eg_db_close(db);
}

/* A kind whose records raise tasks when created (as a steward's finding does, seed 001): the
   task joins the finding's transaction, nested inside the engine's own savepoint; a task that is
   refused takes the finding down with it. */
static int finding_raises_task(struct eg_db *db, const struct eg_flow_kind *kind,
                               const struct eg_principal *who, json_t *rec, const char *action,
                               json_t *input, struct eg_err *err)
{
    const char *type = json_string_value(json_object_get(input, "category"));
    struct eg_task_new t = {.task_type = !strcmp(type, "bad") ? "patrol" : "rectification",
                            .title = "整改管家检查发现的问题",
                            .origin = "steward",
                            .origin_id = json_integer_value(json_object_get(rec, "id")),
                            .unit_id = json_integer_value(json_object_get(rec, "unit_id")),
                            .to_unit_id = json_integer_value(json_object_get(rec, "unit_id"))};
    int64_t id;
    return eg_task_raise(db, &eg_principal_system, &t, &id, err);
}

TEST(tasks_raised_by_another_kind_share_its_transaction)
{
    struct eg_db *db = eg_tfx_open("nested.db", SCENE);
    struct eg_err err;
    REQUIRE(eg_db_exec(db,
                       "CREATE TABLE test_findings (record_id INTEGER PRIMARY KEY REFERENCES "
                       "flow_records(id), category TEXT)",
                       &err) == 0);
    static const struct eg_flow_state st[] = {{"open", "待处理", EG_FLOW_INITIAL}};
    static const struct eg_field f[] = {{"category", "类别", EG_FT_TEXT, 0, NULL, NULL, 0, NULL}};
    const struct eg_flow_kind finding = {.name = "finding",
                                         .label_zh = "检查发现",
                                         .table = "test_findings",
                                         .fields = f,
                                         .nfields = 1,
                                         .states = st,
                                         .nstates = 1,
                                         .create_roles = EG_FLOW_STAFF,
                                         .on_create = finding_raises_task};
    REQUIRE(eg_flow_kind_check(&finding, &err) == 0);
    json_t *in =
        json_pack("{s:s, s:I, s:s}", "title", "废气收集不到位", "unit_id", 1, "category", "gas");
    CHECK_EQ_INT(eg_flow_create(db, &finding, &bureau, in, NULL, &err), 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_records WHERE kind = 'task'"), 1);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT origin_id FROM tasks"), 1);
    json_object_set_new(in, "category", json_string("bad"));
    CHECK_EQ_INT(eg_flow_create(db, &finding, &bureau, in, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "task_type");
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_records"), 2);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM test_findings"), 1);
    json_decref(in);
    eg_db_close(db);
}
