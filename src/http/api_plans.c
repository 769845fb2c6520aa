/*
 * api_plans.c: pilot demonstrations, action plans and suggestions (issue 14), on plans/plans.h
 * and the workflow engine (flow/flow.h). Who sees what is decided below (the engine's scope and
 * plans/' rules for experts); this file maps requests to calls.
 *
 *   GET  /api/v1/pilot/rounds                         rounds
 *   POST /api/v1/pilot/rounds                         open a round (bureau)
 *   GET  /api/v1/pilot/rounds/{id}                    a round with its catalogue and quotas
 *   POST /api/v1/pilot/rounds/{id}/experts            {"user_id"}: an expert of the round
 *   GET  /api/v1/pilot/rounds/{id}/scoring            what the expert scores (experts only)
 *   POST /api/v1/pilot/rounds/{id}/evaluate           score, rank, cut to quotas (bureau)
 *   GET  /api/v1/pilot/rounds/{id}/list?format=csv|xlsx   the recommended list (附表 layout)
 *   GET  /api/v1/pilot/rounds/{id}/sheet?format=csv|xlsx  the score sheet
 *   GET  /api/v1/pilot/applications[?round_id=&state=]    applications in scope
 *   POST /api/v1/pilot/applications                   apply (a draft)
 *   GET  /api/v1/pilot/applications/{id}              one, with results once evaluated
 *   PATCH /api/v1/pilot/applications/{id}             change a draft's answers
 *   POST /api/v1/pilot/applications/{id}/actions/{action}  submit, return, approve, …
 *   PUT  /api/v1/pilot/applications/{id}/scores       {"scores":[创新性,成效,可复制]} (expert)
 *   GET  /api/v1/plans                                plans
 *   GET  /api/v1/plans/{id}/status[?format=csv|xlsx]  tasks with flags, for a meeting
 *   GET  /api/v1/plan-tasks/{id}                      a task
 *   POST /api/v1/plan-tasks/{id}/progress             a progress report
 *   POST /api/v1/plan-tasks/{id}/actions/{action}     start, complete, reopen, close, assign
 *   GET  /api/v1/suggestions                          suggestions in scope
 *   POST /api/v1/suggestions                          form one (bureau)
 *   GET  /api/v1/suggestions/{id}                     one, with its actions
 *   POST /api/v1/suggestions/{id}/actions/{action}    send, accept, assign, handle, …
 *   GET  /api/v1/{pilot/applications|plan-tasks|suggestions}/{id}/history  the timeline
 *   POST /api/v1/{…same…}/{id}/attachments?name=   a file as the body (evidence, 佐证材料):
 *                                                  JPEG, PNG, WebP or PDF by its bytes, up to
 *                                                  the server's body limit (1 MiB by default)
 *   GET  /api/v1/{…same…}/{id}/attachments/{aid}   its bytes
 */
#include "http/http_internal.h"
#include "plans/plans.h"

#include <stdlib.h>
#include <string.h>

static int setup(struct eg_http_req *rq, struct eg_db **db, const struct eg_principal **who)
{
    *who = eg_http_principal(rq);
    return eg_http_store(rq, db);
}

/* A path or query integer (an id) through the route's table: 0, or a negative EG_E* (err filled).
 */
static int arg_int(struct eg_http_req *rq, const char *name, int64_t *v)
{
    int rc = eg_http_arg_int(rq, name, v);
    return rc < 0 ? rc : 0;
}

static int id_param(struct eg_http_req *rq, int64_t *id)
{
    return arg_int(rq, "id", id);
}

/* A text argument through the route's table (NULL when absent without a default). */
static int arg_str(struct eg_http_req *rq, const char *name, const char **out)
{
    *out = NULL;
    int rc = eg_http_arg_str(rq, name, out);
    return rc < 0 ? rc : 0;
}

static int reply(struct eg_http_req *rq, int rc, int status, json_t *out)
{
    if (rc < 0) {
        json_decref(out);
        return rc;
    }
    return eg_http_reply_json(rq, status, out ? out : json_object());
}

static int items(struct eg_http_req *rq, int rc, json_t *a)
{
    if (rc < 0)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:o,s:n}", "items", a, "next_cursor"));
}

/* ?format=csv|xlsx for the files (the table refuses anything else; csv when absent) */
static int file_format(struct eg_http_req *rq, int *xlsx)
{
    const char *f;
    int rc = arg_str(rq, "format", &f);
    if (rc)
        return rc;
    *xlsx = f && !strcmp(f, "xlsx");
    return 0;
}

static int reply_file(struct eg_http_req *rq, int rc, int xlsx, const char *stem, struct eg_buf *b)
{
    if (rc < 0) {
        eg_buf_free(b);
        return rc;
    }
    char cd[128];
    snprintf(cd, sizeof cd, "attachment; filename=\"%s.%s\"", stem, xlsx ? "xlsx" : "csv");
    eg_http_add_header(rq, "Content-Disposition", cd);
    return eg_http_reply_buf(
        rq, 200,
        xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
             : "text/csv; charset=utf-8",
        b);
}

/* ---- rounds ---- */

static int h_rounds(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int rc = setup(rq, &db, &who);
    json_t *a = NULL;
    if (!rc)
        rc = eg_pilot_round_list(db, who, &a, eg_http_err(rq));
    return items(rq, rc, a);
}

static int h_round_create(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    json_t *body, *out = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = eg_http_body_json(rq, &body);
    if (!rc)
        rc = eg_pilot_round_create(db, who, body, &out, eg_http_err(rq));
    return reply(rq, rc, 201, out);
}

static int h_round(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    json_t *out = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = eg_pilot_round_get(db, who, id, &out, eg_http_err(rq));
    return reply(rq, rc, 200, out);
}

static int h_round_expert(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    json_t *body, *user = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = eg_http_body_json(rq, &body);
    if (rc)
        return rc;
    json_t *uid = json_object_get(body, "user_id");
    if (!json_is_integer(uid))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_type", -1,
                          "body must be {\"user_id\": <the expert's account id>}");
    /* the account, read as the system: staff are checked by eg_pilot_expert_add */
    if (who->role != EG_ROLE_ADMIN && who->role != EG_ROLE_BUREAU)
        return eg_err_set(eg_http_err(rq), EG_EPERM, "forbidden", -1,
                          "only the bureau assigns experts");
    rc = eg_registry_get(db, eg_registry_find("users"), &eg_principal_system,
                         json_integer_value(uid), &user, eg_http_err(rq));
    if (rc == EG_ENOTFOUND)
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "user_id", -1, "no account %lld",
                          (long long)json_integer_value(uid));
    if (rc)
        return rc;
    rc = eg_pilot_expert_add(db, who, id, json_integer_value(uid),
                             json_string_value(json_object_get(user, "username")), eg_http_err(rq));
    json_decref(user);
    return reply(rq, rc, 201, json_pack("{s:I,s:O}", "round_id", (json_int_t)id, "user_id", uid));
}

static int h_round_scoring(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    json_t *a = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = eg_pilot_expert_list(db, who, id, &a, eg_http_err(rq));
    return items(rq, rc, a);
}

static int h_round_evaluate(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    json_t *out = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = eg_pilot_round_evaluate(db, who, id, &out, eg_http_err(rq));
    return reply(rq, rc, 200, out);
}

static int round_file(struct eg_http_req *rq, const char *what, const char *stem)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    int xlsx = 0;
    struct eg_buf b = {0};
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = file_format(rq, &xlsx);
    if (!rc)
        rc = eg_pilot_round_export(db, who, id, what, xlsx, &b, eg_http_err(rq));
    return reply_file(rq, rc, xlsx, stem, &b);
}

static int h_round_list(struct eg_http_req *rq)
{
    return round_file(rq, "list", "pilot-recommended");
}

static int h_round_sheet(struct eg_http_req *rq)
{
    return round_file(rq, "sheet", "pilot-scores");
}

/* ---- applications ---- */

static int h_apps(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    json_t *a = NULL;
    int64_t round_id = 0;
    const char *state = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = arg_int(rq, "round_id", &round_id);
    if (!rc)
        rc = arg_str(rq, "state", &state);
    if (!rc)
        rc = eg_pilot_app_list(db, who, round_id, state, &a, eg_http_err(rq));
    return items(rq, rc, a);
}

static int h_app_create(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    json_t *body, *out = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = eg_http_body_json(rq, &body);
    if (!rc)
        rc = eg_pilot_app_create(db, who, body, &out, eg_http_err(rq));
    return reply(rq, rc, 201, out);
}

static int h_app(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    json_t *out = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = eg_pilot_app_get(db, who, id, &out, eg_http_err(rq));
    return reply(rq, rc, 200, out);
}

static int h_app_update(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    json_t *body, *out = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = eg_http_body_json(rq, &body);
    if (!rc)
        rc = eg_pilot_app_update(db, who, id, body, &out, eg_http_err(rq));
    return reply(rq, rc, 200, out);
}

static int h_app_scores(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    json_t *body;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = eg_http_body_json(rq, &body);
    if (rc)
        return rc;
    json_t *s = json_object_get(body, "scores");
    double v[EG_PILOT_CRITERIA];
    if (!json_is_array(s) || json_array_size(s) != EG_PILOT_CRITERIA)
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_type", -1,
                          "body must be {\"scores\": [创新性, 成效, 可复制、可推广性]}, each 0–20");
    for (int c = 0; c < EG_PILOT_CRITERIA; c++) {
        json_t *x = json_array_get(s, (size_t)c);
        if (!json_is_number(x))
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_type", -1,
                              "scores[%d] must be a number from 0 to 20", c);
        v[c] = json_number_value(x);
    }
    rc = eg_pilot_score_put(db, who, id, v, eg_http_err(rq));
    return reply(rq, rc, 200, json_pack("{s:I,s:O}", "id", (json_int_t)id, "scores", s));
}

/* ---- the flow kinds' common routes ---- */

static const struct eg_flow_kind *kind_of(struct eg_http_req *rq)
{
    const char *p = eg_http_path(rq);
    if (!strncmp(p, "/api/v1/pilot/", 14))
        return &eg_pilot_application_kind;
    if (!strncmp(p, "/api/v1/plan-tasks", 18))
        return &eg_plan_task_kind;
    return &eg_suggestion_kind;
}

static int h_act(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    json_t *body = NULL, *out = NULL;
    const char *action = NULL;
    size_t len = 0;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = arg_str(rq, "action", &action);
    eg_http_body(rq, &len);
    if (!rc && len)
        rc = eg_http_body_json(rq, &body);
    if (rc)
        return rc;
    json_t *in = body ? json_incref(body) : json_object();
    rc = eg_flow_act(db, kind_of(rq), who, id, action, in, &out, eg_http_err(rq));
    json_decref(in);
    return reply(rq, rc, 200, out);
}

static int h_get(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    json_t *out = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = eg_flow_get(db, kind_of(rq), who, id, &out, eg_http_err(rq));
    return reply(rq, rc, 200, out);
}

static int h_history(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    json_t *out = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = eg_flow_history(db, kind_of(rq), who, id, &out, eg_http_err(rq));
    return items(rq, rc, out);
}

static int h_sugg_list(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    json_t *rows = NULL;
    char *next = NULL;
    struct eg_flow_query q = {.limit = 100};
    int64_t limit = 100;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = arg_str(rq, "state", &q.state);
    if (!rc)
        rc = arg_str(rq, "q", &q.q);
    if (!rc)
        rc = arg_str(rq, "cursor", &q.cursor);
    if (!rc)
        rc = arg_int(rq, "limit", &limit);
    q.limit = (int)limit;
    if (!rc)
        rc = eg_flow_list(db, &eg_suggestion_kind, who, &q, &rows, &next, eg_http_err(rq));
    if (rc)
        return rc;
    json_t *o = json_pack("{s:o,s:s?}", "items", rows, "next_cursor", next);
    free(next);
    return eg_http_reply_json(rq, 200, o);
}

static int h_sugg_create(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    json_t *body, *out = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = eg_http_body_json(rq, &body);
    if (!rc)
        rc = eg_flow_create(db, &eg_suggestion_kind, who, body, &out, eg_http_err(rq));
    return reply(rq, rc, 201, out);
}

/* ---- attachments (evidence: 佐证材料) ---- */

static int h_attach(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    size_t len = 0;
    json_t *out = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (rc)
        return rc;
    const char *body = eg_http_body(rq, &len);
    const char *name = NULL;
    if ((rc = arg_str(rq, "name", &name)))
        return rc;
    if (!len)
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_request", -1,
                          "the request body is the file (JPEG, PNG, WebP or PDF); ?name= its name");
    rc = eg_flow_attach(db, kind_of(rq), who, id, name ? name : "", body, len, &out,
                        eg_http_err(rq));
    return reply(rq, rc, 201, out);
}

static int h_attachment(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id, aid;
    void *data = NULL;
    size_t len = 0;
    char type[64];
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = arg_int(rq, "aid", &aid);
    if (!rc)
        rc = eg_flow_attachment_read(db, kind_of(rq), who, id, aid, &data, &len, type,
                                     eg_http_err(rq));
    if (rc)
        return rc;
    rc = eg_http_reply_raw(rq, 200, type, data, len);
    free(data);
    return rc;
}

/* ---- plans ---- */

static int h_plans(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    json_t *a = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = eg_plan_list(db, who, &a, eg_http_err(rq));
    return items(rq, rc, a);
}

static int h_plan_status(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    int fmt = EG_HTTP_FMT_JSON;
    const char *f = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = arg_str(rq, "format", &f);
    if (rc)
        return rc;
    if (f && !strcmp(f, "csv"))
        fmt = EG_HTTP_FMT_CSV;
    else if (f && !strcmp(f, "xlsx"))
        fmt = EG_HTTP_FMT_XLSX;
    if (fmt == EG_HTTP_FMT_JSON) {
        json_t *out = NULL;
        rc = eg_plan_status(db, who, id, eg_time_now(), &out, eg_http_err(rq));
        return reply(rq, rc, 200, out);
    }
    struct eg_buf b = {0};
    rc = eg_plan_status_export(db, who, id, eg_time_now(), fmt == EG_HTTP_FMT_XLSX, &b,
                               eg_http_err(rq));
    return reply_file(rq, rc, fmt == EG_HTTP_FMT_XLSX, "plan-status", &b);
}

static int h_task_progress(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id = 0;
    json_t *body;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = eg_http_body_json(rq, &body);
    if (!rc)
        rc = eg_plan_progress_add(db, who, id, body, eg_http_err(rq));
    return reply(rq, rc, 201,
                 json_pack("{s:I,s:s}", "task_id", (json_int_t)id, "status", "recorded"));
}

/* ---- the routes, documented (parameters, bodies with examples, answers, access) ----

   The examples work on the documentation test's fixture, walked in this order: the round the
   POST creates is round 1, the application to it (unit 2, an enterprise) application 1, the
   suggestion suggestion 1; the fixture has no plan loaded (the plan routes answer 404 there). */

#define P_ID(zh, en)                                                                               \
    {                                                                                              \
        .name = "id", .in = EG_PIN_PATH, .type = EG_PT_ID, .description_zh = zh,                   \
        .description_en = en, .example = "1"                                                       \
    }
#define P_AID                                                                                      \
    {                                                                                              \
        .name = "aid", .in = EG_PIN_PATH, .type = EG_PT_ID,                                        \
        .description_zh = "附件编号 (上传时返回的 id)",                                            \
        .description_en = "attachment id (the id the upload answered)", .example = "1"             \
    }
#define P_ACTION(values, ex)                                                                       \
    {                                                                                              \
        .name = "action", .in = EG_PIN_PATH, .type = EG_PT_ENUM, .enum_values = values,            \
        .description_zh = "操作 (记录的 actions 列出当前可做的)",                                  \
        .description_en = "the action; the record's \"actions\" list those possible now",          \
        .example = ex                                                                              \
    }
#define P_NAME                                                                                     \
    {                                                                                              \
        .name = "name", .type = EG_PT_STRING, .max_len = 255,                                      \
        .description_zh = "文件名 (仅用于显示; 类型由内容判定)",                                   \
        .description_en = "the file's name, shown only (its type is read from its bytes)",         \
        .example = "evidence.pdf"                                                                  \
    }
#define P_FILE_FORMAT                                                                              \
    {                                                                                              \
        .name = "format", .type = EG_PT_ENUM, .enum_values = "csv|xlsx", .dflt = "csv",            \
        .description_zh = "文件格式: csv (UTF-8 带 BOM) 或 xlsx",                                  \
        .description_en = "file format: csv (UTF-8 with BOM) or xlsx", .example = "csv"            \
    }

#define APP_ACTIONS                                                                                \
    "submit|withdraw|return|evaluate|recommend|not_recommend|approve|report|select|not_select"
#define TASK_ACTIONS "start|complete|reopen|close|assign"
#define SUGG_ACTIONS "send|accept|assign|handle|implement|return|feed_back"

static const struct eg_http_param_spec round_id_params[] = {P_ID("批次编号", "round id"), {0}};
static const struct eg_http_param_spec round_file_params[] = {
    P_ID("批次编号", "round id"), P_FILE_FORMAT, {0}};
static const struct eg_http_param_spec apps_params[] = {
    {.name = "round_id",
     .type = EG_PT_ID,
     .description_zh = "申报批次",
     .description_en = "only this round's applications",
     .example = "1"},
    {.name = "state",
     .type = EG_PT_ENUM,
     .enum_values = "draft|submitted|evaluated|recommended|not_recommended|approved|reported|"
                    "selected|not_selected|withdrawn",
     .description_zh = "状态",
     .description_en = "only applications in this state"},
    {0}};
static const struct eg_http_param_spec app_id_params[] = {P_ID("申报编号", "application id"), {0}};
static const struct eg_http_param_spec app_act_params[] = {
    P_ID("申报编号", "application id"), P_ACTION(APP_ACTIONS, "submit"), {0}};
static const struct eg_http_param_spec app_attach_params[] = {
    P_ID("申报编号", "application id"), P_NAME, {0}};
static const struct eg_http_param_spec app_attachment_params[] = {
    P_ID("申报编号", "application id"), P_AID, {0}};
static const struct eg_http_param_spec plan_status_params[] = {
    P_ID("计划编号", "plan id"),
    {.name = "format",
     .type = EG_PT_ENUM,
     .enum_values = "json|csv|xlsx",
     .dflt = "json",
     .description_zh = "格式: json, 或供会议使用的 csv (UTF-8 带 BOM) / xlsx",
     .description_en = "json, or csv (UTF-8 with BOM) / xlsx for a meeting"},
    {0}};
static const struct eg_http_param_spec task_id_params[] = {P_ID("任务编号", "plan task id"), {0}};
static const struct eg_http_param_spec task_act_params[] = {
    P_ID("任务编号", "plan task id"), P_ACTION(TASK_ACTIONS, "start"), {0}};
static const struct eg_http_param_spec task_attach_params[] = {
    P_ID("任务编号", "plan task id"), P_NAME, {0}};
static const struct eg_http_param_spec task_attachment_params[] = {
    P_ID("任务编号", "plan task id"), P_AID, {0}};
static const struct eg_http_param_spec sugg_list_params[] = {
    {.name = "state",
     .type = EG_PT_ENUM,
     .enum_values = "formed|sent|accepted|assigned|handled|implemented|fed_back",
     .description_zh = "状态",
     .description_en = "only suggestions in this state"},
    {.name = "q",
     .type = EG_PT_STRING,
     .max_len = 200,
     .description_zh = "标题中的文字",
     .description_en = "text in the title",
     .example = "监测"},
    {.name = "limit",
     .type = EG_PT_INT,
     .min = 1,
     .max = 1000,
     .dflt = "100",
     .description_zh = "每页条数",
     .description_en = "rows per page"},
    {.name = "cursor",
     .type = EG_PT_STRING,
     .max_len = 64,
     .description_zh = "下一页 (上一页的 next_cursor)",
     .description_en = "the next page (next_cursor of the previous one)"},
    {0}};
static const struct eg_http_param_spec sugg_id_params[] = {P_ID("建议编号", "suggestion id"), {0}};
static const struct eg_http_param_spec sugg_act_params[] = {
    P_ID("建议编号", "suggestion id"), P_ACTION(SUGG_ACTIONS, "send"), {0}};
static const struct eg_http_param_spec sugg_attach_params[] = {
    P_ID("建议编号", "suggestion id"), P_NAME, {0}};
static const struct eg_http_param_spec sugg_attachment_params[] = {
    P_ID("建议编号", "suggestion id"), P_AID, {0}};

/* bodies */
static const char round_body[] =
    "{\"type\":\"object\",\"required\":[\"name\",\"deadline\",\"rule\",\"quotas\"],\"properties\":{"
    "\"name\":{\"type\":\"string\",\"description\":\"批次名称\"},\"deadline\":{\"type\":\"string\","
    "\"description\":\"申报截止 (北京时间 YYYY-MM-DD[ HH:MM])\"},\"rule\":{\"type\":\"string\","
    "\"enum\":[\"mean\",\"trimmed\"],\"description\":\"创新性汇总: mean 平均; trimmed 去掉最高最低"
    "后平均 (需至少 5 位专家)\"},\"catalogue\":{\"type\":\"string\",\"default\":\"pilot/"
    "catalogue_2021.tsv\",\"description\":\"申报条件目录\"},\"min_total\":{\"type\":\"number\","
    "\"description\":\"推荐的最低总分\"},\"quotas\":{\"type\":\"object\",\"additionalProperties\":{"
    "\"type\":\"integer\"},\"description\":\"每类推荐名额 (park, enterprise, street, community, "
    "building)\"}},\"example\":{\"name\":\"第二批试点示范\",\"deadline\":\"2099-09-30\",\"rule\":"
    "\"mean\",\"quotas\":{\"enterprise\":1,\"park\":1}}}";
static const char expert_body[] =
    "{\"type\":\"object\",\"required\":[\"user_id\"],\"properties\":{\"user_id\":{\"type\":"
    "\"integer\",\"description\":\"专家的账号编号\"}},\"example\":{\"user_id\":5}}";
#define APP_ANSWERS                                                                                       \
    "\"conditions\":{\"type\":\"string\",\"description\":\"申报条件逐项 1/0, 如 111\"},"           \
    "\"mandatory\":{\"type\":\"string\",\"description\":\"必备事项逐项 1/0, 如 11111111\"},"       \
    "\"directions\":{\"type\":\"string\",\"description\":\"创新方向编号, 逗号分隔, 如 1,2\"}," \
    "\"innovation\":{\"type\":\"string\",\"description\":\"创新点\"},\"evidence\":{\"type\":"          \
    "\"string\",\"description\":\"佐证材料说明\"}"
static const char app_body[] =
    "{\"type\":\"object\",\"required\":[\"round_id\",\"unit_id\"],\"properties\":{\"round_id\":{"
    "\"type\":\"integer\",\"description\":\"申报批次\"},\"unit_id\":{\"type\":\"integer\","
    "\"description\":\"申报单位 (其类别即申报类别)\"}," APP_ANSWERS
    "},\"example\":{\"round_id\":1,\"unit_id\":2,\"innovation\":\"排污许可与在线监测联动\"}}";
static const char app_patch_body[] =
    "{\"type\":\"object\",\"properties\":{" APP_ANSWERS "},\"example\":{\"conditions\":\"111\","
    "\"mandatory\":\"11111111\",\"directions\":\"1,2\",\"innovation\":\"排污许可与在线监测联动\"}}";
static const char scores_body[] =
    "{\"type\":\"object\",\"required\":[\"scores\"],\"properties\":{\"scores\":{\"type\":\"array\","
    "\"minItems\":3,\"maxItems\":3,\"items\":{\"type\":\"number\",\"minimum\":0,\"maximum\":20},"
    "\"description\":\"创新性, 成效, 可复制、可推广性: 各 0–20 分\"}},\"example\":{\"scores\":[16,"
    "15,14]}}";
static const char act_body[] =
    "{\"type\":\"object\",\"description\":\"可省略; 需要的字段见记录的 actions.needs\","
    "\"properties\":{\"version\":{\"type\":\"integer\",\"description\":\"记录版本 (过期则拒绝)\"},"
    "\"reason\":{\"type\":\"string\",\"description\":\"理由 (退回、不予推荐等)\"},\"feedback\":{"
    "\"type\":\"object\",\"properties\":{\"finding\":{\"type\":\"string\"},\"measure\":{\"type\":"
    "\"string\"},\"result\":{\"type\":\"string\"}},\"description\":\"反馈 (报完成、反馈)\"},"
    "\"to_unit_id\":{\"type\":\"integer\",\"description\":\"交办给单位\"},\"to_region_id\":{"
    "\"type\":"
    "\"integer\",\"description\":\"交办给街镇\"},\"due_at\":{\"type\":\"string\",\"description\":"
    "\"期限 (北京时间)\"},\"note\":{\"type\":\"string\",\"description\":\"备注\"}},\"example\":{}}";
static const char progress_body[] =
    "{\"type\":\"object\",\"required\":[\"period\",\"percent\",\"status\",\"text\"],\"properties\":"
    "{"
    "\"period\":{\"type\":\"string\",\"description\":\"报送期\"},\"percent\":{\"type\":\"number\","
    "\"minimum\":0,\"maximum\":100,\"description\":\"完成百分比\"},\"status\":{\"type\":\"string\","
    "\"enum\":[\"on_track\",\"at_risk\",\"delayed\"],\"description\":\"进度\"},\"text\":{\"type\":"
    "\"string\",\"description\":\"进展情况\"}},\"example\":{\"period\":\"2024年第一季度\","
    "\"percent\":30,\"status\":\"on_track\",\"text\":\"方案已制定\"}}";
static const char sugg_body[] =
    "{\"type\":\"object\",\"required\":[\"title\",\"source\",\"text\"],\"properties\":{\"title\":{"
    "\"type\":\"string\",\"description\":\"标题\"},\"source\":{\"type\":\"string\",\"enum\":["
    "\"committee\",\"leader\",\"other\"],\"description\":\"来源: 委员建言|领导批示|其他\"},"
    "\"source_ref\":{\"type\":\"string\",\"description\":\"来源文号\"},\"text\":{\"type\":"
    "\"string\",\"description\":\"建议内容\"},\"responsible\":{\"type\":\"string\","
    "\"description\":\"责任单位\"}},\"example\":{\"title\":\"完善现代生态环境监测体系\","
    "\"source\":\"committee\",\"text\":\"完善生态环境监测网络\",\"responsible\":\"区生态环境局\"}}";
static const char file_body[] =
    "{\"type\":\"string\",\"format\":\"binary\",\"description\":\"the file itself as the body: "
    "JPEG, PNG, WebP or PDF, read from its bytes (文件本身; 类型按内容判定)\"}";

/* answers */
#define OBJ "{\"type\":\"object\"}"
#define LIST_OF(item)                                                                              \
    "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" item           \
    "},\"next_cursor\":{\"type\":\"string\",\"nullable\":true}}}"
#define ROUND_SCHEMA                                                                               \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":{\"type\":"       \
    "\"string\"},\"deadline\":{\"type\":\"string\",\"description\":\"Beijing time\"},\"rule\":{"   \
    "\"type\":\"string\"},\"rule_zh\":{\"type\":\"string\"},\"catalogue\":{\"type\":\"string\"},"  \
    "\"min_total\":{\"type\":\"number\"},\"quotas\":" OBJ ",\"kinds\":{\"type\":\"array\","        \
    "\"items\":{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\"},\"label_zh\":{" \
    "\"type\":\"string\"},\"conditions\":{\"type\":\"array\",\"items\":" OBJ "},\"mandatory\":{"   \
    "\"type\":\"array\",\"items\":" OBJ "},\"innovation\":{\"type\":\"array\",\"items\":" OBJ      \
    "}}}},\"criteria\":{\"type\":\"array\",\"items\":" OBJ "}}}"
#define RECORD_SCHEMA                                                                              \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"kind\":{\"type\":"       \
    "\"string\"},\"state\":{\"type\":\"string\"},\"state_zh\":{\"type\":\"string\"},\"title\":{"   \
    "\"type\":\"string\"},\"unit_id\":{\"type\":\"integer\",\"nullable\":true},\"region_id\":{"    \
    "\"type\":\"integer\",\"nullable\":true},\"due_at\":{\"type\":\"string\",\"nullable\":true,"   \
    "\"description\":\"Beijing time\"},\"overdue\":{\"type\":\"boolean\"},\"version\":{\"type\":"  \
    "\"integer\"},\"actions\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{" \
    "\"action\":{\"type\":\"string\"},\"label_zh\":{\"type\":\"string\"},\"needs\":{\"type\":"     \
    "\"array\",\"items\":{\"type\":\"string\"}}}}}}}"
static const char round_answer[] = ROUND_SCHEMA;
static const char rounds_answer[] = LIST_OF(ROUND_SCHEMA);
static const char record_answer[] = RECORD_SCHEMA;
static const char records_answer[] = LIST_OF(RECORD_SCHEMA);
static const char app_answer[] =
    "{\"allOf\":[" RECORD_SCHEMA ",{\"type\":\"object\",\"properties\":{\"round_id\":{\"type\":"
    "\"integer\"},\"pilot_kind\":{\"type\":\"string\"}," APP_ANSWERS ",\"results\":{\"type\":"
    "\"object\",\"description\":\"once evaluated: points, total, rank, recommended\"},\"scores\":{"
    "\"type\":\"array\",\"items\":" OBJ ",\"description\":\"each expert's (staff only)\"}}}]}";
static const char expert_answer[] =
    "{\"type\":\"object\",\"properties\":{\"round_id\":{\"type\":\"integer\"},\"user_id\":{"
    "\"type\":\"integer\"}}}";
static const char evaluate_answer[] =
    "{\"type\":\"object\",\"properties\":{\"evaluated\":{\"type\":\"integer\"},\"recommended\":{"
    "\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}},\"ineligible\":{"
    "\"type\":\"integer\"}}}";
static const char scores_answer[] =
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"scores\":{\"type\":"
    "\"array\",\"items\":{\"type\":\"number\"}}}}";
static const char history_answer[] =
    "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"object\",\"properties\":{\"at\":{\"type\":\"string\"},\"by\":{\"type\":\"string\"},"
    "\"role\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\",\"enum\":[\"transition\","
    "\"comment\"]},\"action\":{\"type\":\"string\"},\"from\":{\"type\":\"string\","
    "\"nullable\":true},\"to\":{\"type\":\"string\"},\"text\":" OBJ "}}}}}";
static const char attachment_answer[] =
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"sha256\":{\"type\":"
    "\"string\"},\"size\":{\"type\":\"integer\"},\"type\":{\"type\":\"string\"},\"name\":{"
    "\"type\":\"string\"},\"at\":{\"type\":\"string\"},\"by\":{\"type\":\"string\"}}}";
static const char file_answer[] =
    "{\"type\":\"string\",\"format\":\"binary\",\"description\":\"the file (CSV or XLSX; "
    "an attachment in the type detected when it was stored)\"}";
static const char plans_answer[] =
    LIST_OF("{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":{\"type\":"
            "\"string\"},\"source\":{\"type\":\"string\"},\"tasks\":{\"type\":\"integer\"}}}");
static const char status_answer[] =
    "{\"type\":\"object\",\"properties\":{\"plan\":" OBJ ",\"tasks\":{\"type\":\"array\","
    "\"items\":{\"allOf\":[" RECORD_SCHEMA ",{\"type\":\"object\",\"properties\":{\"lead_units\":{"
    "\"type\":\"string\"},\"at_risk\":{\"type\":\"boolean\"},\"at_risk_reason\":{\"type\":"
    "\"string\",\"nullable\":true}}}]}},\"summary\":" OBJ "}}";
static const char progress_answer[] =
    "{\"type\":\"object\",\"properties\":{\"task_id\":{\"type\":\"integer\"},\"status\":{"
    "\"type\":\"string\",\"enum\":[\"recorded\"]}}}";

#define ACCESS_STAFF "bureau, admin"
#define ACCESS_APPS                                                                                \
    "logged in; bureau, admin: every application; enterprise: its own unit's; street: the "        \
    "units of its region; an expert (any account the bureau assigned): the applications of "       \
    "its round to score. Others answer 404."
#define ACCESS_TASKS                                                                               \
    "logged in; bureau, admin: every task; street, enterprise: the tasks addressed to them. "      \
    "Others answer 404."
#define ACCESS_SUGG                                                                                \
    "logged in; bureau, admin: every suggestion; street, enterprise: the ones assigned to "        \
    "them. Others answer 404."

#define A EG_ROUTE_AUTH
#define B (EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON)

/* The routes each kind on the workflow engine repeats (applications, plan tasks, suggestions):
   one row per kind and operation, the kind's words and parameter lists by its prefix K (APP,
   TASK, SUGG; k: app, task, sugg). The strings are those the routes always had, so the OpenAPI
   document is unchanged. */
#define APP_PATH "/api/v1/pilot/applications"
#define APP_NOUN "an application"
#define APP_NOUN_CAP "An application"
#define APP_ZH "申报"
#define APP_ZH_FILES "申报"
#define APP_ACCESS ACCESS_APPS
#define APP_ACT_SUMMARY                                                                            \
    "Take an action: submit, withdraw, return, evaluate, recommend, not_recommend, "               \
    "approve, report, select, not_select"
#define APP_ACT_ZH "办理操作: 提交、撤回、退回修改、评审、推荐、审议通过、报送市局、入选…"
#define APP_ACT_ACCESS                                                                             \
    "submit, withdraw: the applicant and bureau, admin (submit before the round's "                \
    "deadline, with every answer); the rest: bureau, admin"
#define TASK_PATH "/api/v1/plan-tasks"
#define TASK_NOUN "a plan task"
#define TASK_NOUN_CAP "A plan task"
#define TASK_ZH "计划任务"
#define TASK_ZH_FILES "任务"
#define TASK_ACCESS ACCESS_TASKS
#define TASK_ACT_SUMMARY "Take an action: start, complete, reopen, close, assign"
#define TASK_ACT_ZH "办理操作: 启动、报完成、退回、销号、交办"
#define TASK_ACT_ACCESS                                                                            \
    "start, complete: bureau, admin and the addressed street or enterprise; reopen, "              \
    "close, assign: bureau, admin"
#define SUGG_PATH "/api/v1/suggestions"
#define SUGG_NOUN "a suggestion"
#define SUGG_NOUN_CAP "A suggestion"
#define SUGG_ZH "建议事项"
#define SUGG_ZH_FILES "建议事项"
#define SUGG_ACCESS ACCESS_SUGG
#define SUGG_ACT_SUMMARY                                                                           \
    "Take an action: send, accept, assign, handle, implement, return, feed_back"
#define SUGG_ACT_ZH "办理操作: 报送、受理、交办、办理、落实、退回重办、反馈"
#define SUGG_ACT_ACCESS                                                                            \
    "send, accept, assign, return: bureau, admin; handle, implement, feed_back: also "             \
    "the street or enterprise it is assigned to (feed_back needs the feedback)"

#define ROUTE_ONE(K, k)                                                                            \
    {                                                                                              \
        .method = "GET", .pattern = K##_PATH "/{id}", .fn = h_get, .flags = A,                     \
        .summary = K##_NOUN_CAP ", with the actions the caller may take now",                      \
        .summary_zh = K##_ZH "详情", .params = k##_id_params, .answer_schema = record_answer,      \
        .access = K##_ACCESS                                                                       \
    }
#define ROUTE_HISTORY(K, k)                                                                        \
    {                                                                                              \
        .method = "GET", .pattern = K##_PATH "/{id}/history", .fn = h_history, .flags = A,         \
        .summary = K##_NOUN_CAP "'s timeline", .summary_zh = K##_ZH "办理记录",                    \
        .params = k##_id_params, .answer_schema = history_answer, .access = K##_ACCESS             \
    }
#define ROUTE_ACT(K, k)                                                                            \
    {                                                                                              \
        .method = "POST", .pattern = K##_PATH "/{id}/actions/{action}", .fn = h_act, .flags = B,   \
        .summary = K##_ACT_SUMMARY, .summary_zh = K##_ACT_ZH, .params = k##_act_params,            \
        .body_schema = act_body, .answer_schema = record_answer, .access = K##_ACT_ACCESS          \
    }
#define ROUTE_ATTACH(K, k)                                                                         \
    {                                                                                              \
        .method = "POST", .pattern = K##_PATH "/{id}/attachments", .fn = h_attach, .flags = A,     \
        .summary = "Attach a file (evidence) to " K##_NOUN ": the body, ?name=",                   \
        .summary_zh = "上传" K##_ZH_FILES "佐证材料", .params = k##_attach_params,                 \
        .body_schema = file_body, .answer_schema = attachment_answer, .access = K##_ACCESS,        \
        .status = 201                                                                              \
    }
#define ROUTE_FILE(K, k)                                                                           \
    {                                                                                              \
        .method = "GET", .pattern = K##_PATH "/{id}/attachments/{aid}", .fn = h_attachment,        \
        .flags = A, .summary = "An attachment's bytes", .summary_zh = "下载" K##_ZH_FILES "附件",  \
        .params = k##_attachment_params, .answer_schema = file_answer, .access = K##_ACCESS        \
    }

static const struct eg_http_route_spec plans_specs[] = {
    /* rounds */
    {.method = "GET",
     .pattern = "/api/v1/pilot/rounds",
     .fn = h_rounds,
     .flags = A,
     .summary = "Pilot-demonstration rounds",
     .summary_zh = "试点示范申报批次",
     .answer_schema = rounds_answer,
     .access = "any logged-in user (applicants need the rounds and their catalogues)"},
    {.method = "POST",
     .pattern = "/api/v1/pilot/rounds",
     .fn = h_round_create,
     .flags = B,
     .summary = "Open a round: name, deadline, rule (mean|trimmed), quotas per kind",
     .summary_zh = "发布申报批次: 名称、截止时间、评分汇总规则、各类推荐名额",
     .body_schema = round_body,
     .answer_schema = round_answer,
     .access = ACCESS_STAFF,
     .status = 201},
    {.method = "GET",
     .pattern = "/api/v1/pilot/rounds/{id}",
     .fn = h_round,
     .flags = A,
     .summary = "A round with its catalogue (conditions, mandatory items, directions)",
     .summary_zh = "申报批次及其目录 (申报条件、必备事项、创新方向)",
     .params = round_id_params,
     .answer_schema = round_answer,
     .access = "any logged-in user"},
    {.method = "POST",
     .pattern = "/api/v1/pilot/rounds/{id}/experts",
     .fn = h_round_expert,
     .flags = B,
     .summary = "Assign an expert (an account) to a round",
     .summary_zh = "为批次指定评审专家 (账号)",
     .params = round_id_params,
     .body_schema = expert_body,
     .answer_schema = expert_answer,
     .access = ACCESS_STAFF,
     .status = 201},
    {.method = "GET",
     .pattern = "/api/v1/pilot/rounds/{id}/scoring",
     .fn = h_round_scoring,
     .flags = A,
     .summary = "The applications an expert scores, with the expert's own scores",
     .summary_zh = "专家待评审的申报及本人评分",
     .params = round_id_params,
     .answer_schema = LIST_OF(OBJ),
     .access = "the round's experts only"},
    {.method = "POST",
     .pattern = "/api/v1/pilot/rounds/{id}/evaluate",
     .fn = h_round_evaluate,
     .flags = A,
     .summary = "Evaluate a round: conditions gate, points, ranking, cut to the quotas",
     .summary_zh = "评审汇总: 条件审核、计分、排序、按名额确定推荐",
     .params = round_id_params,
     .answer_schema = evaluate_answer,
     .access = ACCESS_STAFF},
    {.method = "GET",
     .pattern = "/api/v1/pilot/rounds/{id}/list",
     .fn = h_round_list,
     .flags = A,
     .summary = "The recommended list in the 附表 layout (csv or xlsx)",
     .summary_zh = "推荐名单 (附表格式, csv 或 xlsx)",
     .params = round_file_params,
     .answer_schema = file_answer,
     .access = ACCESS_STAFF},
    {.method = "GET",
     .pattern = "/api/v1/pilot/rounds/{id}/sheet",
     .fn = h_round_sheet,
     .flags = A,
     .summary = "The per-applicant score sheet (csv or xlsx)",
     .summary_zh = "评分汇总表 (csv 或 xlsx)",
     .params = round_file_params,
     .answer_schema = file_answer,
     .access = ACCESS_STAFF},
    /* applications */
    {.method = "GET",
     .pattern = "/api/v1/pilot/applications",
     .fn = h_apps,
     .flags = A,
     .summary = "Pilot applications in the caller's scope",
     .summary_zh = "试点示范申报列表",
     .params = apps_params,
     .answer_schema = LIST_OF(RECORD_SCHEMA),
     .access = ACCESS_APPS},
    {.method = "POST",
     .pattern = "/api/v1/pilot/applications",
     .fn = h_app_create,
     .flags = B,
     .summary = "Apply: round_id, unit_id and the answers (a draft; answers may be left empty)",
     .summary_zh = "申报 (草稿): 批次、申报单位及逐项答复",
     .body_schema = app_body,
     .answer_schema = app_answer,
     .access = "enterprise: for its own unit; street: for the units of its region; bureau, admin",
     .status = 201},
    {.method = "GET",
     .pattern = "/api/v1/pilot/applications/{id}",
     .fn = h_app,
     .flags = A,
     .summary = "An application with its results once evaluated",
     .summary_zh = "申报详情 (评审后含结果)",
     .params = app_id_params,
     .answer_schema = app_answer,
     .access = ACCESS_APPS},
    {.method = "PATCH",
     .pattern = "/api/v1/pilot/applications/{id}",
     .fn = h_app_update,
     .flags = B,
     .summary = "Change a draft's answers",
     .summary_zh = "修改草稿的答复",
     .params = app_id_params,
     .body_schema = app_patch_body,
     .answer_schema = app_answer,
     .access = "the applicant (its enterprise or street) and bureau, admin; a draft only"},
    ROUTE_ACT(APP, app),
    ROUTE_HISTORY(APP, app),
    {.method = "PUT",
     .pattern = "/api/v1/pilot/applications/{id}/scores",
     .fn = h_app_scores,
     .flags = B,
     .summary = "An expert's three scores (0–20 each), audited",
     .summary_zh = "专家评分 (创新性、成效、可复制可推广性, 各 0–20 分), 留痕",
     .params = app_id_params,
     .body_schema = scores_body,
     .answer_schema = scores_answer,
     .access = "the experts of the application's round"},
    ROUTE_ATTACH(APP, app),
    ROUTE_FILE(APP, app),
    /* plans and their tasks */
    {.method = "GET",
     .pattern = "/api/v1/plans",
     .fn = h_plans,
     .flags = A,
     .summary = "Action plans",
     .summary_zh = "行动计划",
     .answer_schema = plans_answer,
     .access = "any logged-in user"},
    {.method = "GET",
     .pattern = "/api/v1/plans/{id}/status",
     .fn = h_plan_status,
     .flags = A,
     .summary = "A plan's tasks with overdue and at-risk flags, for a meeting (json, csv, xlsx)",
     .summary_zh = "计划推进情况: 各任务及逾期、滞后标记 (json、csv、xlsx)",
     .params = plan_status_params,
     .answer_schema = status_answer,
     .access = ACCESS_TASKS},
    ROUTE_ONE(TASK, task),
    ROUTE_HISTORY(TASK, task),
    {.method = "POST",
     .pattern = "/api/v1/plan-tasks/{id}/progress",
     .fn = h_task_progress,
     .flags = B,
     .summary = "Report progress: period, percent, status, text (audited)",
     .summary_zh = "报送进展: 报送期、完成百分比、进度、情况",
     .params = task_id_params,
     .body_schema = progress_body,
     .answer_schema = progress_answer,
     .access = "bureau, admin, and the street or enterprise the task is addressed to",
     .status = 201},
    ROUTE_ACT(TASK, task),
    ROUTE_ATTACH(TASK, task),
    ROUTE_FILE(TASK, task),
    /* suggestions */
    {.method = "GET",
     .pattern = "/api/v1/suggestions",
     .fn = h_sugg_list,
     .flags = A,
     .summary = "Suggestions and requests in the caller's scope, newest first",
     .summary_zh = "建议事项列表",
     .params = sugg_list_params,
     .answer_schema = records_answer,
     .access = ACCESS_SUGG},
    {.method = "POST",
     .pattern = "/api/v1/suggestions",
     .fn = h_sugg_create,
     .flags = B,
     .summary = "Form a suggestion: title, source, text, responsible",
     .summary_zh = "形成建议事项: 标题、来源、内容、责任单位",
     .body_schema = sugg_body,
     .answer_schema = record_answer,
     .access = ACCESS_STAFF,
     .status = 201},
    ROUTE_ONE(SUGG, sugg),
    ROUTE_HISTORY(SUGG, sugg),
    ROUTE_ACT(SUGG, sugg),
    ROUTE_ATTACH(SUGG, sugg),
    ROUTE_FILE(SUGG, sugg),
};

int eg_http_api_plans_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(plans_specs); i++)
        rc |= eg_http_route_add_spec(srv, &plans_specs[i]);
    return rc ? EG_EINVAL : 0;
}
