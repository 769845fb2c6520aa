/* Tests of the workflow engine (src/flow, flow/flow.h) on a real SQLite file, with a test kind
   that uses every feature: five states (one paused, one terminal), transitions per role, every
   need (reason, feedback, attachment, assignee, deadline), a guard, an effect, own fields in
   its own table, a small attachment limit. The scene: district D, streets S1 (with grid G1) and
   S2; enterprise U1 in grid G1, U2 in street S2; a steward contracted to U1 and one whose
   contract ended. */
#include "flow/flow.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENE                                                                                      \
    "INSERT INTO regions (id, code, name, level, parent_id) VALUES (1, 'D', '区', 'district', "   \
    "NULL), (2, 'S1', '街道一', 'street', 1), (3, 'G1', '网格一', 'grid', 2), (4, 'S2', "    \
    "'街道二', "                                                                                \
    "'street', 1);"                                                                                \
    "INSERT INTO units (id, name, kind, region_id) VALUES (1, '甲厂', 'enterprise', 3), (2, "    \
    "'乙厂', 'enterprise', 4);"                                                                  \
    "INSERT INTO outlets (id, unit_id, code, type) VALUES (1, 1, 'DA001', 'waste_gas');"           \
    "INSERT INTO users (id, username, role, password) VALUES (10, 'stew', 'steward', 'x'), (11, "  \
    "'stew_old', 'steward', 'x');"                                                                 \
    "INSERT INTO steward_contracts (user_id, unit_id, valid_from, valid_to) VALUES (10, 1, "       \
    "'2020-01-01', NULL), (11, 1, '2020-01-01', '2021-01-01');"                                    \
    "CREATE TABLE flow_test_items (record_id INTEGER PRIMARY KEY REFERENCES flow_records(id), "    \
    "category TEXT NOT NULL, note TEXT, outlet_id INTEGER REFERENCES outlets(id));"

static const struct eg_flow_state states[] = {
    {"open", "待处理", EG_FLOW_INITIAL},    {"doing", "处理中", 0},
    {"paused", "暂停", EG_FLOW_PAUSED},     {"done", "已完成", 0},
    {"closed", "已关闭", EG_FLOW_TERMINAL},
};

static int effect_fails;
static int effect_runs;

static int close_effect(struct eg_db *db, const struct eg_flow_kind *kind,
                        const struct eg_principal *who, json_t *rec, const char *action,
                        json_t *input, struct eg_err *err)
{
    effect_runs++;
    CHECK_STR(json_string_value(json_object_get(rec, "state")), "closed");
    if (effect_fails)
        return eg_err_set(err, EG_EINVAL, "effect", -1, "the effect refused");
    return 0;
}

/* The guard: pausing needs a note naming why. */
static int pause_guard(struct eg_db *db, const struct eg_flow_kind *kind,
                       const struct eg_principal *who, json_t *rec, const char *action,
                       json_t *input, struct eg_err *err)
{
    CHECK_STR(json_string_value(json_object_get(rec, "state")), "doing");
    return json_object_get(input, "note")
               ? 0
               : eg_err_set(err, EG_EINVAL, "note", -1, "a pause needs a note naming why");
}

#define R(x) EG_FLOW_ROLE(EG_ROLE_##x)
static const struct eg_flow_transition transitions[] = {
    {"start", "开始", "open", "doing", EG_FLOW_STAFF | R(STREET) | R(ENTERPRISE), 0, NULL, NULL},
    {"reject", "退回", "open", "closed", R(STREET), EG_FLOW_NEED_REASON, NULL, NULL},
    {"pause", "暂停", "doing", "paused", EG_FLOW_STAFF, 0, pause_guard, NULL},
    {"resume", "恢复", "paused", "doing", EG_FLOW_STAFF, 0, NULL, NULL},
    {"finish", "完成", "doing", "done", R(STREET) | R(ENTERPRISE),
     EG_FLOW_NEED_FEEDBACK | EG_FLOW_NEED_ATTACHMENT, NULL, NULL},
    {"rework", "返工", "done", "doing", EG_FLOW_STAFF, EG_FLOW_NEED_REASON, NULL, NULL},
    {"close", "关闭", "done", "closed", EG_FLOW_STAFF | R(STEWARD), 0, NULL, close_effect},
    {"assign", "交办", "*", "open", EG_FLOW_STAFF, EG_FLOW_NEED_ASSIGNEE | EG_FLOW_NEED_DEADLINE,
     NULL, NULL},
};

static const struct eg_field fields[] = {
    {"category", "类别", EG_FT_ENUM, EG_FF_REQUIRED, "noise|odour", NULL, 0, "噪声|异味"},
    {"note", "说明", EG_FT_TEXT, EG_FF_SEARCH, NULL, NULL, 50, NULL},
    {"outlet_id", "排放口", EG_FT_REF, 0, NULL, "outlets", 0, NULL},
};

static const struct eg_flow_kind demo = {
    .name = "demo",
    .label_zh = "测试记录",
    .table = "flow_test_items",
    .fields = fields,
    .nfields = 3,
    .states = states,
    .nstates = 5,
    .transitions = transitions,
    .ntransitions = (int)EG_ARRAY_LEN(transitions),
    .create_roles = EG_FLOW_STAFF | R(STREET) | R(ENTERPRISE),
    .read_roles = R(STREET) | R(ENTERPRISE) | R(STEWARD),
    .default_due_s = 7 * 86400,
    .max_attachment = 1024,
    .attachment_types = NULL,
};

static const struct eg_principal admin = {EG_ROLE_ADMIN, 0, "root", "", 0};
static const struct eg_principal bureau = {EG_ROLE_BUREAU, 0, "bureau", "", 0};
static const struct eg_principal street1 = {EG_ROLE_STREET, 0, "s1", "S1", 0};
static const struct eg_principal street2 = {EG_ROLE_STREET, 0, "s2", "S2", 0};
static const struct eg_principal grid1 = {EG_ROLE_STREET, 0, "g1", "G1", 0};
static const struct eg_principal ent1 = {EG_ROLE_ENTERPRISE, 0, "e1", "", 1};
static const struct eg_principal ent2 = {EG_ROLE_ENTERPRISE, 0, "e2", "", 2};
static const struct eg_principal steward = {EG_ROLE_STEWARD, 10, "stew", "", 0};
static const struct eg_principal steward_old = {EG_ROLE_STEWARD, 11, "stew_old", "", 0};
static const struct eg_principal anon = {EG_ROLE_ANON, 0, "", "", 0};

static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0};
static const char pdf[] = "%PDF-1.7\n1 0 obj<<>>endobj\n";
static const char exe[] = "MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff";

static struct eg_db *open_scene(const char *name)
{
    struct eg_err err;
    REQUIRE(eg_flow_kind_check(&demo, &err) == 0);
    return eg_tfx_open(name, SCENE);
}

/* Raises a record as who; returns its id (REQUIREs success). */
static int64_t raise_rec(struct eg_db *db, const struct eg_principal *who, const char *json)
{
    struct eg_err err;
    json_t *in = json_loads(json, 0, NULL);
    REQUIRE(in);
    json_t *out = NULL;
    int r = eg_flow_create(db, &demo, who, in, &out, &err);
    if (r)
        fprintf(stderr, "    raise: %s %s\n", err.code, err.msg);
    REQUIRE(r == 0 && out);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    json_decref(in);
    return id;
}

/* Takes action with input json as who; returns the status, err filled. */
static int act(struct eg_db *db, const struct eg_principal *who, int64_t id, const char *action,
               const char *json, struct eg_err *err)
{
    json_t *in = json ? json_loads(json, 0, NULL) : NULL;
    if (json)
        REQUIRE(in);
    int r = eg_flow_act(db, &demo, who, id, action, in, NULL, err);
    if (r && getenv("EG_FLOW_TEST_VERBOSE"))
        fprintf(stderr, "    act %s: %s %s\n", action, err->code, err->msg);
    json_decref(in);
    return r;
}

static char *state_of(struct eg_db *db, int64_t id)
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

static void attach_jpeg(struct eg_db *db, int64_t id)
{
    struct eg_err err;
    int r = eg_flow_attach(db, &demo, &admin, id, "p.jpg", jpeg, sizeof jpeg, NULL, &err);
    if (r)
        fprintf(stderr, "    attach: %s %s\n", err.code, err.msg);
    REQUIRE(r == 0);
}

#define FULL                                                                                       \
    "{\"reason\":\"理由\",\"note\":\"说明\",\"feedback\":{\"finding\":\"发现\",\"measure\":" \
    "\"措施\",\"result\":\"结果\"},\"to_region_id\":2,\"due_at\":\"2030-01-01\"}"
#define FEEDBACK                                                                                   \
    "{\"feedback\":{\"finding\":\"超标\",\"measure\":\"停产整改\",\"result\":\"达标\"}}"

/* Drives a fresh record (unit U1) to state as admin, with evidence attached. */
static int64_t record_in(struct eg_db *db, const char *state)
{
    struct eg_err err;
    int64_t id =
        raise_rec(db, &admin, "{\"title\":\"甲厂异味\",\"unit_id\":1,\"category\":\"odour\"}");
    attach_jpeg(db, id);
    if (!strcmp(state, "open"))
        return id;
    REQUIRE(act(db, &admin, id, "start", NULL, &err) == 0);
    if (!strcmp(state, "paused"))
        REQUIRE(act(db, &admin, id, "pause", "{\"note\":\"等待监测\"}", &err) == 0);
    if (!strcmp(state, "done") || !strcmp(state, "closed"))
        REQUIRE(act(db, &ent1, id, "finish", FEEDBACK, &err) == 0);
    if (!strcmp(state, "closed"))
        REQUIRE(act(db, &admin, id, "close", NULL, &err) == 0);
    CHECK_STR(state_of(db, id), state);
    return id;
}

TEST(flow_kind_check_refuses_broken_declarations)
{
    struct eg_err err;
    CHECK_EQ_INT(eg_flow_kind_check(&demo, &err), 0);
    struct eg_flow_kind k = demo;
    struct eg_flow_state two[2] = {{"a", "甲", EG_FLOW_INITIAL}, {"b", "乙", EG_FLOW_INITIAL}};
    k.states = two;
    k.nstates = 2;
    k.ntransitions = 0;
    CHECK_EQ_INT(eg_flow_kind_check(&k, &err), EG_EINVAL); /* two initial states */
    CHECK(strstr(err.msg, "2 initial states") != NULL);
    k = demo;
    struct eg_flow_transition bad[2] = {
        {"go", "走", "open", "nowhere", EG_FLOW_STAFF, 0, NULL, NULL}};
    k.transitions = bad;
    k.ntransitions = 1;
    CHECK_EQ_INT(eg_flow_kind_check(&k, &err), EG_EINVAL);
    CHECK(strstr(err.msg, "undeclared state nowhere") != NULL);
    bad[0] = (struct eg_flow_transition){"go", "走", "open", "doing", EG_FLOW_STAFF, 0, NULL, NULL};
    bad[1] = bad[0];
    k.ntransitions = 2;
    CHECK_EQ_INT(eg_flow_kind_check(&k, &err), EG_EINVAL);
    CHECK(strstr(err.msg, "declared twice") != NULL);
    bad[1] =
        (struct eg_flow_transition){"go", "走", "closed", "open", EG_FLOW_STAFF, 0, NULL, NULL};
    CHECK_EQ_INT(eg_flow_kind_check(&k, &err), EG_EINVAL); /* out of a terminal state */
    bad[1] = (struct eg_flow_transition){"x", "走", "doing", "open", 0, 0, NULL, NULL};
    CHECK_EQ_INT(eg_flow_kind_check(&k, &err), EG_EINVAL); /* open to no role */
    k = demo;
    struct eg_field clash[1] = {{"title", "标题", EG_FT_TEXT, 0, NULL, NULL, 0, NULL}};
    k.fields = clash;
    k.nfields = 1;
    CHECK_EQ_INT(eg_flow_kind_check(&k, &err), EG_EINVAL); /* the engine's own name */
    struct eg_field badref[1] = {{"x_id", "x", EG_FT_REF, 0, NULL, "nothing", 0, NULL}};
    k.fields = badref;
    CHECK_EQ_INT(eg_flow_kind_check(&k, &err), EG_EINVAL);
    k = demo;
    k.table = "t; DROP TABLE units";
    CHECK_EQ_INT(eg_flow_kind_check(&k, &err), EG_EINVAL);
}

/* Every (state, action, role): allowed exactly where this table says, EG_EPERM where the role
   may not, EG_EINVAL "state" where the action does not start from that state. Written from the
   kind's intent, not read from its declaration. */
TEST(flow_every_transition_and_every_forbidden_one_per_role)
{
    static const struct {
        const char *state, *action, *roles; /* roles allowed, by name; "" none */
    } allowed[] = {
        {"open", "start", "admin bureau street enterprise"},
        {"open", "reject", "street"},
        {"open", "assign", "admin bureau"},
        {"doing", "pause", "admin bureau"},
        {"doing", "finish", "street enterprise"},
        {"doing", "assign", "admin bureau"},
        {"paused", "resume", "admin bureau"},
        {"paused", "assign", "admin bureau"},
        {"done", "rework", "admin bureau"},
        {"done", "close", "admin bureau steward"},
        {"done", "assign", "admin bureau"},
    };
    static const char *const st_names[] = {"open", "doing", "paused", "done", "closed"};
    static const char *const actions[] = {"start",  "reject", "pause", "resume",
                                          "finish", "rework", "close", "assign"};
    const struct eg_principal *roles[] = {&admin, &bureau, &street1, &ent1, &steward};
    struct eg_db *db = open_scene("matrix.db");
    int tried = 0, ok = 0;
    for (size_t si = 0; si < EG_ARRAY_LEN(st_names); si++)
        for (size_t ai = 0; ai < EG_ARRAY_LEN(actions); ai++) {
            const char *roles_ok = NULL;
            for (size_t k = 0; k < EG_ARRAY_LEN(allowed); k++)
                if (!strcmp(allowed[k].state, st_names[si]) &&
                    !strcmp(allowed[k].action, actions[ai]))
                    roles_ok = allowed[k].roles;
            for (size_t ri = 0; ri < EG_ARRAY_LEN(roles); ri++) {
                int64_t id = record_in(db, st_names[si]);
                struct eg_err err = {0};
                int r = act(db, roles[ri], id, actions[ai], FULL, &err);
                const char *rn = eg_role_name(roles[ri]->role);
                tried++;
                if (!roles_ok) {
                    if (r != EG_EINVAL || strcmp(err.code, "state"))
                        eg_test_fail(__FILE__, __LINE__, "%s from %s as %s: %d %s, want state",
                                     actions[ai], st_names[si], rn, r, err.code);
                } else if (strstr(roles_ok, rn)) {
                    if (r != 0)
                        eg_test_fail(__FILE__, __LINE__, "%s from %s as %s refused: %s",
                                     actions[ai], st_names[si], rn, err.msg);
                    ok++;
                } else if (r != EG_EPERM) {
                    eg_test_fail(__FILE__, __LINE__, "%s from %s as %s: %d, want EPERM",
                                 actions[ai], st_names[si], rn, r);
                } else {
                    CHECK_STR(state_of(db, id), st_names[si]); /* nothing moved */
                }
            }
        }
    CHECK_EQ_INT(tried, 5 * 8 * 5);
    CHECK_EQ_INT(ok, 24);
    /* the message names the state and what is possible */
    struct eg_err err;
    int64_t id = record_in(db, "open");
    CHECK_EQ_INT(act(db, &admin, id, "close", NULL, &err), EG_EINVAL);
    CHECK(strstr(err.msg, "open (待处理)") && strstr(err.msg, "start (开始)"));
    CHECK_EQ_INT(act(db, &admin, id, "fly", NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "action");
    eg_db_close(db);
}

TEST(flow_needs_reason_feedback_attachment_assignee_deadline)
{
    struct eg_db *db = open_scene("needs.db");
    struct eg_err err;
    int64_t id = raise_rec(db, &admin, "{\"title\":\"t\",\"unit_id\":1,\"category\":\"noise\"}");
    /* reason: absent, blank, not a text, a control character, too long */
    CHECK_EQ_INT(act(db, &street1, id, "reject", NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "reason");
    CHECK_EQ_INT(act(db, &street1, id, "reject", "{\"reason\":\"  \\n \"}", &err), EG_EINVAL);
    CHECK_STR(err.code, "reason");
    CHECK_EQ_INT(act(db, &street1, id, "reject", "{\"reason\":5}", &err), EG_EINVAL);
    CHECK_EQ_INT(act(db, &street1, id, "reject", "{\"reason\":\"a\\u0001b\"}", &err), EG_EINVAL);
    char *big = malloc(EG_FLOW_MAX_TEXT + 64);
    memset(big, 'x', EG_FLOW_MAX_TEXT + 63);
    memcpy(big, "{\"reason\":\"", 11);
    memcpy(big + EG_FLOW_MAX_TEXT + 60, "\"}", 3);
    CHECK_EQ_INT(act(db, &street1, id, "reject", big, &err), EG_EINVAL);
    CHECK(strstr(err.msg, "at most 8192") != NULL);
    free(big);

    /* assignee and deadline */
    CHECK_EQ_INT(act(db, &admin, id, "assign", "{\"due_at\":\"2030-01-01\"}", &err), EG_EINVAL);
    CHECK_STR(err.code, "assignee");
    CHECK_EQ_INT(act(db, &admin, id, "assign", "{\"to_region_id\":2}", &err), EG_EINVAL);
    CHECK_STR(err.code, "due_at");
    CHECK_EQ_INT(act(db, &admin, id, "assign", "{\"to_region_id\":99,\"due_at\":1}", &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "to_region_id");
    CHECK_EQ_INT(act(db, &admin, id, "assign", "{\"to_region_id\":2,\"due_at\":\"soon\"}", &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "due_at");
    CHECK_EQ_INT(
        act(db, &admin, id, "assign", "{\"to_region_id\":4,\"due_at\":\"2030-01-01\"}", &err), 0);
    /* a date is the end of that Beijing day: 2030-01-01 23:59:59 +08:00 */
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT due_at FROM flow_records WHERE id = 1"), 1893513599);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT to_region_id FROM flow_records WHERE id = 1"), 4);

    /* feedback: absent, a part missing, a part blank; then evidence */
    REQUIRE(act(db, &admin, id, "start", NULL, &err) == 0);
    CHECK_EQ_INT(act(db, &ent1, id, "finish", NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "feedback");
    CHECK_EQ_INT(act(db, &ent1, id, "finish",
                     "{\"feedback\":{\"finding\":\"超标\",\"result\":\"达标\"}}", &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "feedback");
    CHECK(strstr(err.msg, "feedback.measure") != NULL);
    CHECK_EQ_INT(act(db, &ent1, id, "finish",
                     "{\"feedback\":{\"finding\":\"超标\",\"measure\":\"\",\"result\":\"达标\"}}",
                     &err),
                 EG_EINVAL);
    CHECK_EQ_INT(act(db, &ent1, id, "finish", "{\"feedback\":\"done\"}", &err), EG_EINVAL);
    CHECK_EQ_INT(act(db, &ent1, id, "finish", FEEDBACK, &err), EG_EINVAL);
    CHECK_STR(err.code, "attachment");
    CHECK_STR(state_of(db, id), "doing");
    attach_jpeg(db, id);
    CHECK_EQ_INT(act(db, &ent1, id, "finish", FEEDBACK, &err), 0);
    CHECK_STR(state_of(db, id), "done");
    /* the guard: a pause without a note is refused with the guard's message */
    int64_t g = record_in(db, "doing");
    CHECK_EQ_INT(act(db, &admin, g, "pause", NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "note");
    CHECK_EQ_INT(act(db, &admin, g, "pause", "{\"note\":\"等监测报告\"}", &err), 0);
    /* a non-object input */
    json_t *arr = json_array();
    CHECK_EQ_INT(eg_flow_act(db, &demo, &admin, g, "resume", arr, NULL, &err), EG_EINVAL);
    json_decref(arr);
    eg_db_close(db);
}

TEST(flow_scope_per_role_street_with_grids_enterprise_steward_anonymous)
{
    struct eg_db *db = open_scene("scope.db");
    struct eg_err err;
    /* A: U1 (grid G1 under S1); B: U2 (street S2); C: raised in S1, addressed to U2 */
    int64_t a = raise_rec(db, &admin, "{\"title\":\"A\",\"unit_id\":1,\"category\":\"noise\"}");
    int64_t b = raise_rec(db, &admin, "{\"title\":\"B\",\"unit_id\":2,\"category\":\"noise\"}");
    int64_t c = raise_rec(
        db, &admin, "{\"title\":\"C\",\"region_id\":2,\"to_unit_id\":2,\"category\":\"noise\"}");
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT region_id FROM flow_records WHERE id = 1"), 3);
    static const struct {
        const struct eg_principal *who;
        int sees_a, sees_b, sees_c;
    } want[] = {
        {&admin, 1, 1, 1},   {&bureau, 1, 1, 1},  {&street1, 1, 0, 1},
        {&street2, 0, 1, 0}, {&grid1, 1, 0, 0},   {&ent1, 1, 0, 0},
        {&ent2, 0, 1, 1},    {&steward, 1, 0, 0}, {&steward_old, 0, 0, 0},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(want); i++) {
        const int64_t ids[3] = {a, b, c};
        const int sees[3] = {want[i].sees_a, want[i].sees_b, want[i].sees_c};
        int n = 0;
        for (int k = 0; k < 3; k++) {
            json_t *rec = NULL;
            int r = eg_flow_get(db, &demo, want[i].who, ids[k], &rec, &err);
            if (sees[k] ? r != 0 : r != EG_ENOTFOUND)
                eg_test_fail(__FILE__, __LINE__, "%s get %c: %d", want[i].who->username, 'A' + k,
                             r);
            json_decref(rec);
            n += sees[k];
            /* acting on what one cannot see answers as an unknown record */
            if (!sees[k])
                CHECK_EQ_INT(act(db, want[i].who, ids[k], "start", NULL, &err), EG_ENOTFOUND);
        }
        json_t *rows = NULL;
        REQUIRE(eg_flow_list(db, &demo, want[i].who, NULL, &rows, NULL, &err) == 0);
        if ((int)json_array_size(rows) != n)
            eg_test_fail(__FILE__, __LINE__, "%s lists %zu, want %d", want[i].who->username,
                         json_array_size(rows), n);
        json_decref(rows);
        /* eg_flow_in_scope agrees with the lists */
        CHECK_EQ_INT(eg_flow_in_scope(db, &demo, want[i].who, 1, 3, 0, 0, NULL) == 0,
                     want[i].sees_a);
    }
    /* unknown and out of scope answer alike */
    json_t *rec = NULL;
    CHECK_EQ_INT(eg_flow_get(db, &demo, &ent1, 999, &rec, &err), EG_ENOTFOUND);
    char unknown[256];
    snprintf(unknown, sizeof unknown, "%s", err.code);
    CHECK_EQ_INT(eg_flow_get(db, &demo, &ent1, b, &rec, &err), EG_ENOTFOUND);
    CHECK_STR(err.code, unknown);
    /* anonymous: 401 everywhere */
    CHECK_EQ_INT(eg_flow_get(db, &demo, &anon, a, &rec, &err), EG_EAUTH);
    json_t *rows = NULL;
    CHECK_EQ_INT(eg_flow_list(db, &demo, &anon, NULL, &rows, NULL, &err), EG_EAUTH);
    CHECK_EQ_INT(act(db, &anon, a, "start", NULL, &err), EG_EAUTH);
    CHECK_EQ_INT(eg_flow_comment(db, &demo, &anon, a, "hi", &err), EG_EAUTH);
    CHECK_EQ_INT(eg_flow_attach(db, &demo, &anon, a, "p.jpg", jpeg, sizeof jpeg, NULL, &err),
                 EG_EAUTH);
    /* a kind stewards may not read: in scope, still unseen */
    struct eg_flow_kind k = demo;
    k.read_roles = R(STREET) | R(ENTERPRISE);
    CHECK_EQ_INT(eg_flow_get(db, &k, &steward, a, &rec, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_flow_get(db, &k, &ent1, a, &rec, &err), 0);
    json_decref(rec);
    /* addressed_only: the enterprise and the steward see what is sent to their unit, not what
       is about it; streets keep their region's */
    k = demo;
    k.addressed_only = R(ENTERPRISE) | R(STEWARD);
    CHECK_EQ_INT(eg_flow_get(db, &k, &ent1, a, &rec, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_flow_get(db, &k, &ent2, b, &rec, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_flow_get(db, &k, &steward, a, &rec, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_flow_get(db, &k, &ent2, c, &rec, &err), 0);
    json_decref(rec);
    CHECK_EQ_INT(eg_flow_get(db, &k, &street1, a, &rec, &err), 0);
    json_decref(rec);
    int64_t d = raise_rec(db, &admin, "{\"title\":\"D\",\"to_unit_id\":1,\"category\":\"noise\"}");
    CHECK_EQ_INT(eg_flow_get(db, &k, &steward, d, &rec, &err), 0);
    json_decref(rec);
    CHECK_EQ_INT(eg_flow_in_scope(db, &k, &ent1, 1, 3, 0, 0, NULL), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_flow_in_scope(db, &k, &ent1, 0, 0, 1, 0, NULL), 0);
    eg_db_close(db);
}

TEST(flow_create_checks_role_scope_fields_and_refuses_unknown_keys)
{
    struct eg_db *db = open_scene("create.db");
    struct eg_err err;
    static const struct {
        const struct eg_principal *who;
        const char *json;
        int status;
        const char *code;
    } cases[] = {
        {&anon, "{\"title\":\"t\",\"unit_id\":1,\"category\":\"noise\"}", EG_EAUTH, NULL},
        {&steward, "{\"title\":\"t\",\"unit_id\":1,\"category\":\"noise\"}", EG_EPERM, NULL},
        {&ent1, "{\"title\":\"t\",\"unit_id\":2,\"category\":\"noise\"}", EG_EPERM, "out_of_scope"},
        {&street2, "{\"title\":\"t\",\"unit_id\":1,\"category\":\"noise\"}", EG_EPERM,
         "out_of_scope"},
        {&street1, "{\"title\":\"t\",\"unit_id\":999,\"category\":\"noise\"}", EG_EPERM,
         "out_of_scope"}, /* an unknown unit is out of a street's scope, as a foreign one */
        {&admin, "{\"title\":\"t\",\"unit_id\":999,\"category\":\"noise\"}", EG_EINVAL, "unit_id"},
        {&admin, "{\"title\":\"t\",\"unit_id\":1}", EG_EINVAL, "category"},
        {&admin, "{\"title\":\"t\",\"unit_id\":1,\"category\":\"smell\"}", EG_EINVAL, "category"},
        {&admin, "{\"title\":\"t\",\"unit_id\":1,\"category\":\"noise\",\"outlet_id\":77}",
         EG_EINVAL, "outlet_id"},
        {&admin, "{\"title\":\"t\",\"unit_id\":\"1\",\"category\":\"noise\"}", EG_EINVAL,
         "unit_id"},
        {&admin, "{\"title\":\"\",\"category\":\"noise\"}", EG_EINVAL, "title"},
        {&admin, "{\"category\":\"noise\"}", EG_EINVAL, "title"},
        {&admin, "{\"title\":\"t\",\"category\":\"noise\",\"state\":\"closed\"}", EG_EINVAL,
         "unknown_field"},
        {&admin,
         "{\"title\":\"t\",\"category\":\"noise\",\"note\":\"0123456789012345678901234567"
         "8901234567890123456789X\"}",
         EG_EINVAL, "note"},
        {&admin, "{\"title\":\"t\",\"category\":\"noise\",\"due_at\":-5}", EG_EINVAL, "due_at"},
        {&street1, "{\"title\":\"t\",\"region_id\":3,\"category\":\"noise\"}", 0, NULL},
        {&ent1, "{\"title\":\"t\",\"unit_id\":1,\"category\":\"noise\",\"outlet_id\":1}", 0, NULL},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        json_t *in = json_loads(cases[i].json, 0, NULL);
        REQUIRE(in);
        json_t *out = NULL;
        memset(&err, 0, sizeof err);
        int r = eg_flow_create(db, &demo, cases[i].who, in, &out, &err);
        if (r != cases[i].status || (cases[i].code && strcmp(err.code, cases[i].code)))
            eg_test_fail(__FILE__, __LINE__, "case %zu: %d %s (%s)", i, r, err.code, err.msg);
        if (r == 0) {
            CHECK_STR(json_string_value(json_object_get(out, "state")), "open");
            CHECK_STR(json_string_value(json_object_get(out, "state_zh")), "待处理");
            CHECK(json_object_get(out, "due_at") && !json_is_null(json_object_get(out, "due_at")));
        }
        json_decref(out);
        json_decref(in);
    }
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_records"), 2);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_test_items"), 2);
    CHECK_EQ_INT(eg_flow_create(db, &demo, &admin, NULL, NULL, &err), EG_EINVAL);
    eg_db_close(db);
}

TEST(flow_version_conflict_is_refused_and_nothing_changes)
{
    struct eg_db *db = open_scene("version.db");
    struct eg_err err;
    int64_t id = record_in(db, "open");
    json_t *rec = NULL;
    REQUIRE(eg_flow_get(db, &demo, &street1, id, &rec, &err) == 0);
    int64_t v = json_integer_value(json_object_get(rec, "version"));
    json_decref(rec);
    char body[64];
    snprintf(body, sizeof body, "{\"version\":%lld}", (long long)v);
    CHECK_EQ_INT(act(db, &street1, id, "start", body, &err), 0); /* the first wins */
    CHECK_EQ_INT(act(db, &admin, id, "pause", "{\"version\":1,\"note\":\"n\"}", &err),
                 EG_ECONFLICT);
    CHECK_STR(err.code, "version");
    CHECK(strstr(err.msg, "reload") != NULL);
    CHECK_EQ_INT(act(db, &admin, id, "pause", "{\"version\":\"2\",\"note\":\"n\"}", &err),
                 EG_EINVAL);
    CHECK_STR(state_of(db, id), "doing");
    CHECK_EQ_INT(act(db, &admin, id, "pause", "{\"version\":2,\"note\":\"n\"}", &err), 0);
    eg_db_close(db);
}

TEST(flow_transition_and_audit_share_the_transaction_a_failing_effect_rolls_back_all)
{
    struct eg_db *db = open_scene("tx.db");
    struct eg_err err;
    int64_t id = record_in(db, "done");
    int64_t audits = eg_tfx_int(db, "SELECT COUNT(*) FROM audit_log WHERE resource = 'flow.demo'");
    int64_t trans = eg_tfx_int(db, "SELECT COUNT(*) FROM flow_transitions");
    /* every write so far was audited: create, attach, start, finish */
    CHECK_EQ_INT(audits, 4);
    CHECK_EQ_INT(trans, 3);
    effect_fails = 1;
    effect_runs = 0;
    CHECK_EQ_INT(act(db, &admin, id, "close", NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "effect");
    CHECK_EQ_INT(effect_runs, 1);
    CHECK_STR(state_of(db, id), "done");
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT version FROM flow_records WHERE id = 1"), 3);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM audit_log WHERE resource = 'flow.demo'"),
                 audits);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_transitions"), trans);
    effect_fails = 0;
    CHECK_EQ_INT(act(db, &admin, id, "close", "{\"note\":\"办结\"}", &err), 0);
    CHECK_STR(state_of(db, id), "closed");
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM audit_log WHERE resource = 'flow.demo' AND "
                                "after_json LIKE '%\"action\":\"close\"%' AND row_id = 1 AND "
                                "actor = 'root'"),
                 1);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_transitions WHERE action = 'close' AND "
                                "from_state = 'done' AND to_state = 'closed' AND role = 'admin'"),
                 1);
    /* inside the caller's transaction: the engine joins it; the caller's rollback undoes it */
    REQUIRE(eg_db_begin(db, &err) == 0);
    json_t *in = json_loads("{\"title\":\"x\",\"category\":\"noise\"}", 0, NULL);
    CHECK_EQ_INT(eg_flow_create(db, &demo, &admin, in, NULL, &err), 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_records"), 2);
    eg_db_rollback(db);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_records"), 1);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_test_items"), 1);
    /* a refused create inside the caller's transaction leaves the caller's own rows */
    REQUIRE(eg_db_begin(db, &err) == 0);
    REQUIRE(eg_db_exec(db, "INSERT INTO regions (code, name, level) VALUES ('X', 'x', 'grid')",
                       &err) == 0);
    json_object_set_new(in, "category", json_string("bad"));
    CHECK_EQ_INT(eg_flow_create(db, &demo, &admin, in, NULL, &err), EG_EINVAL);
    REQUIRE(eg_db_commit(db, &err) == 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM regions WHERE code = 'X'"), 1);
    json_decref(in);
    eg_db_close(db);
}

TEST(flow_attachments_by_sha256_typed_by_their_bytes_within_limits)
{
    struct eg_db *db = open_scene("attach.db");
    struct eg_err err;
    int64_t id = raise_rec(db, &admin, "{\"title\":\"t\",\"unit_id\":1,\"category\":\"noise\"}");
    json_t *out = NULL;
    /* a JPEG with a path and control characters in its name */
    REQUIRE(eg_flow_attach(db, &demo, &ent1, id, "../../etc/现场\x01照片\n.jpg", jpeg, sizeof jpeg,
                           &out, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(out, "type")), "image/jpeg");
    CHECK_STR(json_string_value(json_object_get(out, "name")), "现场照片.jpg");
    CHECK_EQ_INT(json_integer_value(json_object_get(out, "size")), sizeof jpeg);
    CHECK_EQ_INT(strlen(json_string_value(json_object_get(out, "sha256"))), 64);
    int64_t aid = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    /* a PDF named .jpg is a PDF; an executable named .jpg is refused; so are unknown bytes */
    REQUIRE(eg_flow_attach(db, &demo, &admin, id, "photo.jpg", pdf, sizeof pdf - 1, &out, &err) ==
            0);
    CHECK_STR(json_string_value(json_object_get(out, "type")), "application/pdf");
    json_decref(out);
    CHECK_EQ_INT(
        eg_flow_attach(db, &demo, &admin, id, "photo.jpg", exe, sizeof exe - 1, NULL, &err),
        EG_EINVAL);
    CHECK_STR(err.code, "attachment_type");
    CHECK(strstr(err.msg, "application/x-msdownload") != NULL);
    CHECK_EQ_INT(eg_flow_attach(db, &demo, &admin, id, "a.png", "hello", 5, NULL, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_flow_attach(db, &demo, &admin, id, "a.png", "", 0, NULL, &err), EG_EINVAL);
    /* over the kind's limit (1024 bytes here) */
    unsigned char big[1025];
    memset(big, 0, sizeof big);
    memcpy(big, jpeg, sizeof jpeg);
    CHECK_EQ_INT(eg_flow_attach(db, &demo, &admin, id, "big.jpg", big, sizeof big, NULL, &err),
                 EG_ETOOBIG);
    CHECK_EQ_INT(eg_flow_attach(db, &demo, &admin, id, "ok.jpg", big, 1024, NULL, &err), 0);
    /* the same bytes twice: one blob, two attachments */
    REQUIRE(eg_flow_attach(db, &demo, &admin, id, NULL, jpeg, sizeof jpeg, &out, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(out, "name")), "attachment");
    json_decref(out);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_blobs"), 3);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_attachments"), 4);
    /* read back by whoever sees the record; not by others, not from another record */
    void *data = NULL;
    size_t len = 0;
    char type[64];
    REQUIRE(eg_flow_attachment_read(db, &demo, &street1, id, aid, &data, &len, type, &err) == 0);
    CHECK(len == sizeof jpeg && !memcmp(data, jpeg, len));
    CHECK_STR(type, "image/jpeg");
    free(data);
    CHECK_EQ_INT(eg_flow_attachment_read(db, &demo, &ent2, id, aid, &data, &len, type, &err),
                 EG_ENOTFOUND);
    int64_t other = raise_rec(db, &admin, "{\"title\":\"o\",\"unit_id\":1,\"category\":\"noise\"}");
    CHECK_EQ_INT(eg_flow_attachment_read(db, &demo, &admin, other, aid, &data, &len, type, &err),
                 EG_ENOTFOUND);
    CHECK_EQ_INT(eg_flow_attach(db, &demo, &ent2, id, "p.jpg", jpeg, sizeof jpeg, NULL, &err),
                 EG_ENOTFOUND);
    /* get lists them */
    json_t *rec = NULL;
    REQUIRE(eg_flow_get(db, &demo, &admin, id, &rec, &err) == 0);
    CHECK_EQ_INT(json_array_size(json_object_get(rec, "attachments")), 4);
    json_decref(rec);
    /* a closed record takes no more */
    int64_t closed = record_in(db, "closed");
    CHECK_EQ_INT(eg_flow_attach(db, &demo, &admin, closed, "p.jpg", jpeg, sizeof jpeg, NULL, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "state");
    eg_db_close(db);
}

TEST(flow_detect_type_reads_magic_numbers_not_names)
{
    static const struct {
        const char *bytes;
        size_t n;
        const char *type;
    } cases[] = {
        {"\xFF\xD8\xFF\xDB", 4, "image/jpeg"},
        {"\x89PNG\r\n\x1A\n\0\0", 10, "image/png"},
        {"RIFF\x10\0\0\0WEBPVP8 ", 16, "image/webp"},
        {"RIFF\x10\0\0\0WAVEfmt ", 16, NULL},
        {"%PDF-1.4", 8, "application/pdf"},
        {"GIF89a", 6, "image/gif"},
        {"MZ\x90\0", 4, "application/x-msdownload"},
        {"\x7F"
         "ELF\x02",
         5, "application/x-executable"},
        {"PK\x03\x04", 4, "application/zip"},
        {"\0\0\0\x18"
         "ftypheic",
         12, "image/heic"},
        {"\xFF\xD8", 2, NULL}, /* truncated */
        {"%PDF", 4, NULL},
        {"", 0, NULL},
        {"<html>", 6, NULL},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        const char *t = eg_flow_detect_type(cases[i].bytes, cases[i].n);
        if (cases[i].type ? !t || strcmp(t, cases[i].type) : t != NULL)
            eg_test_fail(__FILE__, __LINE__, "case %zu: %s", i, t ? t : "(null)");
    }
    CHECK(eg_flow_detect_type(NULL, 4) == NULL);
}

TEST(flow_overdue_marking_skips_paused_and_closed_and_closing_clears_it)
{
    struct eg_db *db = open_scene("overdue.db");
    struct eg_err err;
    int64_t late = record_in(db, "doing");
    int64_t paused = record_in(db, "paused");
    int64_t closed = record_in(db, "closed");
    int64_t fine = record_in(db, "doing");
    REQUIRE(eg_db_exec(db, "UPDATE flow_records SET due_at = 1000", &err) == 0);
    REQUIRE(eg_db_exec(db, "UPDATE flow_records SET due_at = 5000 WHERE id = 4", &err) == 0);
    int marked = -1;
    REQUIRE(eg_flow_mark_overdue(db, &demo, 2000, &marked, &err) == 0);
    CHECK_EQ_INT(marked, 1);
    REQUIRE(eg_flow_mark_overdue(db, &demo, 2000, &marked, &err) == 0);
    CHECK_EQ_INT(marked, 0); /* once */
    struct eg_flow_query q = {.overdue = 1};
    json_t *rows = NULL;
    REQUIRE(eg_flow_list(db, &demo, &admin, &q, &rows, NULL, &err) == 0);
    REQUIRE(json_array_size(rows) == 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(rows, 0), "id")), late);
    CHECK(json_is_true(json_object_get(json_array_get(rows, 0), "overdue")));
    json_decref(rows);
    CHECK_EQ_INT(
        eg_tfx_int(
            db, "SELECT COUNT(*) FROM audit_log WHERE after_json LIKE '%\"action\":\"overdue\"%'"),
        1);
    /* the version stays: an officer's page is not made stale by the clock */
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT version FROM flow_records WHERE id = 1"), 2);
    (void)paused;
    (void)closed;
    (void)fine;
    /* a new deadline clears the flag; closing a late record clears it and records "late" */
    REQUIRE(act(db, &ent1, late, "finish", FEEDBACK, &err) == 0);
    REQUIRE(act(db, &admin, late, "close", NULL, &err) == 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT overdue FROM flow_records WHERE id = 1"), 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT COUNT(*) FROM flow_transitions WHERE record_id = 1 AND "
                                "action = 'close' AND text_json LIKE '%\"late\":true%'"),
                 1);
    REQUIRE(eg_flow_mark_overdue(db, &demo, 9000, &marked, &err) == 0);
    CHECK_EQ_INT(marked, 1); /* only "fine" (now past 5000); paused and closed never */
    REQUIRE(act(db, &admin, fine, "assign", "{\"to_unit_id\":1,\"due_at\":\"2099-01-01\"}", &err) ==
            0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT overdue FROM flow_records WHERE id = 4"), 0);
    eg_db_close(db);
}

TEST(flow_list_filters_search_and_pages)
{
    struct eg_db *db = open_scene("list.db");
    struct eg_err err;
    for (int i = 0; i < 7; i++)
        raise_rec(db, &admin,
                  i < 3 ? "{\"title\":\"噪声 100%\",\"unit_id\":1,\"category\":\"noise\"}"
                        : "{\"title\":\"异味\",\"unit_id\":2,\"category\":\"odour\","
                          "\"note\":\"夜间_排放\"}");
    struct eg_err e2;
    REQUIRE(act(db, &admin, 1, "start", NULL, &e2) == 0);
    struct {
        struct eg_flow_query q;
        int n;
    } cases[] = {
        {{.state = "doing"}, 1}, {{.state = "open"}, 6}, {{.region = "S1"}, 3},
        {{.region = "G1"}, 3},   {{.region = "S2"}, 4},  {{.region = "D"}, 7},
        {{.region = "ZZ"}, 0},   {{.unit_id = 2}, 4},    {{.q = "100%"}, 3},
        {{.q = "0%"}, 3},        {{.q = "_"}, 4},        {{.q = "夜间"}, 4},
        {{.q = "%"}, 3},         {{.open = 1}, 7},       {{.from = 1}, 7},
        {{.to = 1}, 0},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        json_t *rows = NULL;
        REQUIRE(eg_flow_list(db, &demo, &admin, &cases[i].q, &rows, NULL, &err) == 0);
        if ((int)json_array_size(rows) != cases[i].n)
            eg_test_fail(__FILE__, __LINE__, "case %zu: %zu rows, want %d", i,
                         json_array_size(rows), cases[i].n);
        json_decref(rows);
    }
    /* pages of 3, newest first, no repeats */
    struct eg_flow_query q = {.limit = 3};
    char *cursor = NULL;
    int seen = 0;
    int64_t prev = 1000;
    do {
        json_t *rows = NULL;
        q.cursor = cursor;
        char *next = NULL;
        REQUIRE(eg_flow_list(db, &demo, &admin, &q, &rows, &next, &err) == 0);
        for (size_t i = 0; i < json_array_size(rows); i++) {
            int64_t id = json_integer_value(json_object_get(json_array_get(rows, i), "id"));
            CHECK(id < prev);
            prev = id;
            seen++;
        }
        json_decref(rows);
        free(cursor);
        cursor = next;
    } while (cursor);
    CHECK_EQ_INT(seen, 7);
    /* hostile filters */
    struct eg_flow_query bad[] = {
        {.state = "gone"}, {.limit = 1001}, {.limit = -1}, {.cursor = "abc"}, {.cursor = "-5"}};
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        json_t *rows = NULL;
        CHECK_EQ_INT(eg_flow_list(db, &demo, &admin, &bad[i], &rows, NULL, &err), EG_EINVAL);
        CHECK(rows == NULL);
    }
    eg_db_close(db);
}

TEST(flow_history_lists_transitions_and_comments_in_order)
{
    struct eg_db *db = open_scene("history.db");
    struct eg_err err;
    int64_t id = record_in(db, "done");
    CHECK_EQ_INT(eg_flow_comment(db, &demo, &street1, id, "已现场核实", &err), 0);
    CHECK_EQ_INT(eg_flow_comment(db, &demo, &street1, id, "   ", &err), EG_EINVAL);
    CHECK_EQ_INT(eg_flow_comment(db, &demo, &street1, id, NULL, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_flow_comment(db, &demo, &street1, id, "\xff\xfe", &err), EG_EINVAL);
    CHECK_EQ_INT(eg_flow_comment(db, &demo, &ent2, id, "x", &err), EG_ENOTFOUND);
    json_t *h = NULL;
    REQUIRE(eg_flow_history(db, &demo, &ent1, id, &h, &err) == 0);
    REQUIRE(json_array_size(h) == 4);
    static const char *const want[] = {"create", "start", "finish", NULL};
    for (int i = 0; i < 3; i++) {
        json_t *e = json_array_get(h, (size_t)i);
        CHECK_STR(json_string_value(json_object_get(e, "kind")), "transition");
        CHECK_STR(json_string_value(json_object_get(e, "action")), want[i]);
    }
    json_t *fin = json_array_get(h, 2);
    CHECK_STR(json_string_value(json_object_get(fin, "by")), "e1");
    CHECK_STR(json_string_value(json_object_get(fin, "role")), "enterprise");
    CHECK_STR(json_string_value(json_object_get(fin, "from")), "doing");
    CHECK_STR(json_string_value(json_object_get(fin, "action_zh")), "完成");
    CHECK_STR(json_string_value(json_object_get(
                  json_object_get(json_object_get(fin, "text"), "feedback"), "measure")),
              "停产整改");
    json_t *c = json_array_get(h, 3);
    CHECK_STR(json_string_value(json_object_get(c, "kind")), "comment");
    CHECK_STR(json_string_value(json_object_get(json_object_get(c, "text"), "comment")),
              "已现场核实");
    json_decref(h);
    CHECK_EQ_INT(eg_flow_history(db, &demo, &ent2, id, &h, &err), EG_ENOTFOUND);
    /* the record shows what this principal may do now */
    json_t *rec = NULL;
    REQUIRE(eg_flow_get(db, &demo, &steward, id, &rec, &err) == 0);
    json_t *acts = json_object_get(rec, "actions");
    REQUIRE(json_array_size(acts) == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(acts, 0), "action")), "close");
    json_decref(rec);
    REQUIRE(eg_flow_get(db, &demo, &admin, id, &rec, &err) == 0);
    CHECK_EQ_INT(json_array_size(json_object_get(rec, "actions")), 3); /* rework, close, assign */
    json_decref(rec);
    eg_db_close(db);
}

TEST(flow_publish_is_staff_only_and_audited)
{
    struct eg_db *db = open_scene("publish.db");
    struct eg_err err;
    int64_t id = record_in(db, "open");
    CHECK_EQ_INT(eg_flow_publish(db, &demo, &street1, id, 1, &err), EG_EPERM);
    CHECK_EQ_INT(eg_flow_publish(db, &demo, &ent2, id, 1, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_flow_publish(db, &demo, &bureau, id, 1, &err), 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT published FROM flow_records WHERE id = 1"), 1);
    CHECK_EQ_INT(
        eg_tfx_int(
            db, "SELECT COUNT(*) FROM audit_log WHERE after_json LIKE '%\"action\":\"publish\"%'"),
        1);
    eg_db_close(db);
}
