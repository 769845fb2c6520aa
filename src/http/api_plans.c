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

static int id_param(struct eg_http_req *rq, int64_t *id)
{
    return eg_http_param_id(rq, "id", id);
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

/* ?format=csv|xlsx for the files; json refused where there is none */
static int file_format(struct eg_http_req *rq, int *xlsx)
{
    int fmt;
    int rc = eg_http_format(rq, &fmt);
    if (rc)
        return rc;
    *xlsx = fmt == EG_HTTP_FMT_XLSX;
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
    int64_t id;
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
    int64_t id;
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
    int64_t id;
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
    int64_t id;
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
    int64_t id;
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
    const char *r = eg_http_query(rq, "round_id");
    int rc = setup(rq, &db, &who);
    if (!rc && r && eg_parse_int64(r, strlen(r), &round_id))
        rc = eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_query", -1, "round_id: a round's id");
    if (!rc)
        rc = eg_pilot_app_list(db, who, round_id, eg_http_query(rq, "state"), &a, eg_http_err(rq));
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
    int64_t id;
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
    int64_t id;
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
    int64_t id;
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
    int64_t id;
    json_t *body = NULL, *out = NULL;
    size_t len = 0;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    eg_http_body(rq, &len);
    if (!rc && len)
        rc = eg_http_body_json(rq, &body);
    if (rc)
        return rc;
    json_t *in = body ? json_incref(body) : json_object();
    rc = eg_flow_act(db, kind_of(rq), who, id, eg_http_param(rq, "action"), in, &out,
                     eg_http_err(rq));
    json_decref(in);
    return reply(rq, rc, 200, out);
}

static int h_get(struct eg_http_req *rq)
{
    struct eg_db *db;
    const struct eg_principal *who;
    int64_t id;
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
    int64_t id;
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
    struct eg_flow_query q = {.state = eg_http_query(rq, "state"),
                              .q = eg_http_query(rq, "q"),
                              .cursor = eg_http_query(rq, "cursor"),
                              .limit = 100};
    int rc = setup(rq, &db, &who);
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
    int64_t id;
    size_t len = 0;
    json_t *out = NULL;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (rc)
        return rc;
    const char *body = eg_http_body(rq, &len);
    const char *name = eg_http_query(rq, "name");
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
        rc = eg_http_param_id(rq, "aid", &aid);
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
    int64_t id;
    int fmt;
    int rc = setup(rq, &db, &who);
    if (!rc)
        rc = id_param(rq, &id);
    if (!rc)
        rc = eg_http_format(rq, &fmt);
    if (rc)
        return rc;
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
    int64_t id;
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

int eg_http_api_plans_routes(struct eg_http_server *srv)
{
    const unsigned A = EG_ROUTE_AUTH, B = EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON;
    int rc = 0;
    rc |= eg_http_route_add(srv, "GET", "/api/v1/pilot/rounds", h_rounds, A,
                            "pilot-demonstration rounds (试点示范申报批次)", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/pilot/rounds", h_round_create, B,
                            "open a round: name, deadline, rule (mean|trimmed), quotas per kind",
                            NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/pilot/rounds/{id}", h_round, A,
                            "a round with its catalogue (conditions, mandatory items, directions)",
                            NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/pilot/rounds/{id}/experts", h_round_expert, B,
                            "assign an expert (an account) to a round", NULL);
    rc |=
        eg_http_route_add(srv, "GET", "/api/v1/pilot/rounds/{id}/scoring", h_round_scoring, A,
                          "the applications an expert scores, with the expert's own scores", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/pilot/rounds/{id}/evaluate", h_round_evaluate, A,
                            "evaluate a round: gate, points, ranking, quotas", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/pilot/rounds/{id}/list", h_round_list, A,
                            "the recommended list in the 附表 layout (?format=csv|xlsx)", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/pilot/rounds/{id}/sheet", h_round_sheet, A,
                            "the per-applicant score sheet (?format=csv|xlsx)", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/pilot/applications", h_apps, A,
                            "pilot applications in scope (?round_id=&state=)", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/pilot/applications", h_app_create, B,
                            "apply: round_id, unit_id, answers (a draft)", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/pilot/applications/{id}", h_app, A,
                            "an application with its results once evaluated", NULL);
    rc |= eg_http_route_add(srv, "PATCH", "/api/v1/pilot/applications/{id}", h_app_update, B,
                            "change a draft's answers (the applicant)", NULL);
    rc |=
        eg_http_route_add(srv, "POST", "/api/v1/pilot/applications/{id}/actions/{action}", h_act, A,
                          "submit, withdraw, return, evaluate, recommend, not_recommend, "
                          "approve, report, select, not_select",
                          NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/pilot/applications/{id}/history", h_history, A,
                            "an application's timeline", NULL);
    rc |= eg_http_route_add(srv, "PUT", "/api/v1/pilot/applications/{id}/scores", h_app_scores, B,
                            "an expert's three scores (0–20 each), audited", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/pilot/applications/{id}/attachments", h_attach, A,
                            "attach a file (evidence) to an application: the body, ?name=", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/pilot/applications/{id}/attachments/{aid}",
                            h_attachment, A, "an attachment's bytes", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/plan-tasks/{id}/attachments", h_attach, A,
                            "attach a file (evidence) to a plan task: the body, ?name=", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/plan-tasks/{id}/attachments/{aid}", h_attachment,
                            A, "an attachment's bytes", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/suggestions/{id}/attachments", h_attach, A,
                            "attach a file (evidence) to a suggestion: the body, ?name=", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/suggestions/{id}/attachments/{aid}", h_attachment,
                            A, "an attachment's bytes", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/plans", h_plans, A, "action plans", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/plans/{id}/status", h_plan_status, A,
                            "a plan's tasks with overdue/at-risk flags (?format=csv|xlsx)", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/plan-tasks/{id}", h_get, A, "a plan task", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/plan-tasks/{id}/history", h_history, A,
                            "a plan task's timeline", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/plan-tasks/{id}/progress", h_task_progress, B,
                            "report progress: period, percent, status, text", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/plan-tasks/{id}/actions/{action}", h_act, A,
                            "start, complete, reopen, close, assign", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/suggestions", h_sugg_list, A,
                            "suggestions and requests in scope (?state=&q=)", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/suggestions", h_sugg_create, B,
                            "form a suggestion: title, source, text, responsible", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/suggestions/{id}", h_get, A, "a suggestion", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/suggestions/{id}/history", h_history, A,
                            "a suggestion's timeline", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/suggestions/{id}/actions/{action}", h_act, A,
                            "send, accept, assign, handle, implement, return, feed_back", NULL);
    return rc;
}
