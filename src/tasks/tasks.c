/*
 * tasks.c: the 三监联动 task loop (tasks.h) declared on the workflow engine, eg_task_raise for
 * the modules that raise tasks, and the periodic job that flags overdue tasks.
 *
 * Who does what (governance.md §6; seeds 001, 003 (三十三)): the issuer — the bureau, or the
 * street that raised the task — sends it, closes it, returns it for rework, reassigns a
 * rejected one or cancels it; the receiver — the street (to_region_id, grids included) or the
 * unit (to_unit_id) it is addressed to, or the bureau for a task addressed to no one — receives
 * it, rejects it when it is not the right party (with a reason), works on it, reports it
 * executed and feeds back the finding, the measure taken and the result. A fed-back task
 * closes only with that feedback stored; where the task asks for evidence (enforcement and
 * rectification by default) the feedback needs an attachment. The bureau may act in either
 * part. An enterprise sees only the tasks addressed to it (addressed_only), a steward those
 * addressed to its contracted units; a street every task of its region.
 */
#include "tasks/tasks.h"

#include "base/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R(x) EG_FLOW_ROLE(EG_ROLE_##x)
#define RECEIVER (EG_FLOW_STAFF | R(STREET) | R(ENTERPRISE))
#define ISSUER (EG_FLOW_STAFF | R(STREET))

static const struct eg_flow_state task_states[] = {
    {"raised", "已发起", EG_FLOW_INITIAL},
    {"received", "已接收", 0},
    {"in_progress", "办理中", 0},
    {"executed", "已执行", 0},
    {"fed_back", "已反馈", 0},
    /* back with the issuer: the receiver's deadline does not run out meanwhile */
    {"rejected", "已退回", EG_FLOW_PAUSED},
    {"closed", "已办结", EG_FLOW_TERMINAL},
    {"cancelled", "已撤销", EG_FLOW_TERMINAL},
};

static const struct eg_field task_fields[] = {
    {"task_type", "任务类型", EG_FT_ENUM, EG_FF_REQUIRED | EG_FF_FILTER, EG_TASK_TYPES, NULL, 0,
     "监督|监测|执法|投诉处理|整改"},
    {"origin", "任务来源", EG_FT_ENUM, EG_FF_REQUIRED | EG_FF_FILTER, EG_TASK_ORIGINS, NULL, 0,
     "告警|投诉|检查发现|环保管家|案件|人工发起"},
    {"origin_id", "来源编号", EG_FT_INT, 0, NULL, NULL, 0, NULL},
    {"outlet_id", "排放口", EG_FT_REF, 0, NULL, "outlets", 0, NULL},
    {"station_id", "监测站点", EG_FT_REF, 0, NULL, "stations", 0, NULL},
    {"place", "地点", EG_FT_TEXT, EG_FF_SEARCH, NULL, NULL, 200, NULL},
    {"description", "任务内容", EG_FT_TEXT, EG_FF_SEARCH, NULL, NULL, 4000, NULL},
    {"evidence_required", "需附证据", EG_FT_BOOL, 0, NULL, NULL, 0, NULL},
    {"issuer", "发起单位", EG_FT_TEXT, EG_FF_READONLY, NULL, NULL, 100, NULL},
    {"issuer_region_id", "发起街镇", EG_FT_REF, EG_FF_READONLY, NULL, "regions", 0, NULL},
    {"feedback_finding", "反馈：发现问题", EG_FT_TEXT, EG_FF_READONLY, NULL, NULL, EG_FLOW_MAX_TEXT,
     NULL},
    {"feedback_measure", "反馈：采取措施", EG_FT_TEXT, EG_FF_READONLY, NULL, NULL, EG_FLOW_MAX_TEXT,
     NULL},
    {"feedback_result", "反馈：处理结果", EG_FT_TEXT, EG_FF_READONLY, NULL, NULL, EG_FLOW_MAX_TEXT,
     NULL},
    {"fed_back_at", "反馈时间", EG_FT_INT, EG_FF_READONLY, NULL, NULL, 0, NULL},
};

/* ---- who is the receiver, who the issuer ---- */

static int64_t rec_int(json_t *rec, const char *name)
{
    return json_integer_value(json_object_get(rec, name));
}

static int receiver_guard(struct eg_db *db, const struct eg_flow_kind *kind,
                          const struct eg_principal *who, json_t *rec, const char *action,
                          json_t *input, struct eg_err *err)
{
    if (who->role == EG_ROLE_ADMIN || who->role == EG_ROLE_BUREAU)
        return 0;
    int64_t to_unit = rec_int(rec, "to_unit_id"), to_region = rec_int(rec, "to_region_id");
    int ok = 0;
    if (who->role == EG_ROLE_ENTERPRISE)
        ok = to_unit && to_unit == who->unit_id;
    else if (who->role == EG_ROLE_STREET)
        ok = to_region && eg_flow_in_scope(db, kind, who, 0, 0, 0, to_region, NULL) == 0;
    if (ok)
        return 0;
    return eg_err_set(err, EG_EPERM, "not_receiver", -1,
                      "task %lld is not addressed to %s: only the receiving street or unit (or "
                      "the bureau) may %s it",
                      (long long)rec_int(rec, "id"), who->username, action);
}

static int issuer_guard(struct eg_db *db, const struct eg_flow_kind *kind,
                        const struct eg_principal *who, json_t *rec, const char *action,
                        json_t *input, struct eg_err *err)
{
    if (who->role == EG_ROLE_ADMIN || who->role == EG_ROLE_BUREAU)
        return 0;
    int64_t issuer = rec_int(rec, "issuer_region_id");
    if (who->role == EG_ROLE_STREET && issuer &&
        eg_flow_in_scope(db, kind, who, 0, issuer, 0, 0, NULL) == 0)
        return 0;
    return eg_err_set(err, EG_EPERM, "not_issuer", -1,
                      "task %lld was issued by %s: only its issuer (or the bureau) may %s it",
                      (long long)rec_int(rec, "id"),
                      json_string_value(json_object_get(rec, "issuer"))
                          ? json_string_value(json_object_get(rec, "issuer"))
                          : "the bureau",
                      action);
}

/* Feedback: by the receiver, with evidence attached where the task asks for it. */
static int feedback_guard(struct eg_db *db, const struct eg_flow_kind *kind,
                          const struct eg_principal *who, json_t *rec, const char *action,
                          json_t *input, struct eg_err *err)
{
    int r = receiver_guard(db, kind, who, rec, action, input, err);
    if (r < 0 || !json_is_true(json_object_get(rec, "evidence_required")))
        return r;
    json_t *full = NULL;
    r = eg_flow_get(db, kind, who, rec_int(rec, "id"), &full, err);
    if (r < 0)
        return r;
    size_t n = json_array_size(json_object_get(full, "attachments"));
    json_decref(full);
    return n ? 0
             : eg_err_set(err, EG_EINVAL, "attachment", -1,
                          "this %s task needs evidence with its feedback: attach a photo or a "
                          "PDF (现场照片、监测报告) first",
                          json_string_value(json_object_get(rec, "task_type")));
}

static int feedback_effect(struct eg_db *db, const struct eg_flow_kind *kind,
                           const struct eg_principal *who, json_t *rec, const char *action,
                           json_t *input, struct eg_err *err)
{
    json_t *fb = json_object_get(input, "feedback");
    struct eg_stmt *s;
    int r = eg_db_prepare(db,
                          "UPDATE tasks SET feedback_finding = ?, feedback_measure = ?, "
                          "feedback_result = ?, fed_back_at = ? WHERE record_id = ?",
                          &s, err);
    if (r < 0)
        return r;
    static const char *const parts[] = {"finding", "measure", "result"};
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(fb, parts[i]);
        eg_stmt_bind_text(s, i + 1, json_string_value(v), json_string_length(v));
    }
    eg_stmt_bind_int(s, 4, eg_time_now());
    eg_stmt_bind_int(s, 5, rec_int(rec, "id"));
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

/* Closing: by the issuer, and only with the feedback stored (seed 003: 反馈 before 办结). */
static int close_guard(struct eg_db *db, const struct eg_flow_kind *kind,
                       const struct eg_principal *who, json_t *rec, const char *action,
                       json_t *input, struct eg_err *err)
{
    int r = issuer_guard(db, kind, who, rec, action, input, err);
    if (r < 0)
        return r;
    static const char *const parts[] = {"feedback_finding", "feedback_measure", "feedback_result"};
    for (int i = 0; i < 3; i++) {
        const char *v = json_string_value(json_object_get(rec, parts[i]));
        if (!v || !*v)
            return eg_err_set(err, EG_EINVAL, "feedback", -1,
                              "task %lld has no feedback (finding, measure, result): it cannot "
                              "be closed before the receiver feeds back",
                              (long long)rec_int(rec, "id"));
    }
    return 0;
}

/* ---- creation: the subject, the issuer, the evidence rule ---- */

static int task_on_create(struct eg_db *db, const struct eg_flow_kind *kind,
                          const struct eg_principal *who, json_t *rec, const char *action,
                          json_t *input, struct eg_err *err)
{
    int64_t unit = rec_int(rec, "unit_id"), outlet = rec_int(rec, "outlet_id");
    const char *place = json_string_value(json_object_get(rec, "place"));
    if (!unit && !outlet && !rec_int(rec, "station_id") && !(place && *place))
        return eg_err_set(err, EG_EINVAL, "subject", -1,
                          "a task needs a subject: unit_id (and outlet_id), station_id, or place "
                          "(an address or \"lon,lat\")");
    if (outlet) {
        json_t *o = NULL;
        int r =
            eg_registry_get(db, eg_registry_find("outlets"), &eg_principal_system, outlet, &o, err);
        if (r < 0)
            return r == EG_ENOTFOUND ? eg_err_set(err, EG_EINVAL, "outlet_id", -1,
                                                  "there is no outlet %lld", (long long)outlet)
                                     : r;
        int64_t owner = json_integer_value(json_object_get(o, "unit_id"));
        json_decref(o);
        if (owner != unit)
            return eg_err_set(err, EG_EINVAL, "outlet_id", -1,
                              "outlet %lld belongs to unit %lld, not to the task's unit %lld",
                              (long long)outlet, (long long)owner, (long long)unit);
    }
    const char *type = json_string_value(json_object_get(rec, "task_type"));
    const char *origin = json_string_value(json_object_get(rec, "origin"));
    if (origin && strcmp(origin, "person") && rec_int(rec, "origin_id") <= 0)
        return eg_err_set(err, EG_EINVAL, "origin_id", -1,
                          "a task from a%s %s names it: origin_id is required",
                          origin[0] == 'a' ? "n" : "", origin);
    json_t *ev = json_object_get(input, "evidence_required");
    int evidence = ev && !json_is_null(ev)
                       ? json_is_true(ev)
                       : type && (!strcmp(type, "enforcement") || !strcmp(type, "rectification"));
    int64_t issuer_region = 0;
    char issuer[96];
    if (who->role == EG_ROLE_STREET) {
        static const struct eg_field region_ref = {
            "issuer_region_id", "发起街镇", EG_FT_REF, 0, NULL, "regions", 0, NULL};
        json_t *v = NULL;
        if (eg_registry_value_from_text(db, &region_ref, who->region, strlen(who->region), &v,
                                        NULL) == 0)
            issuer_region = json_integer_value(v);
        json_decref(v);
        snprintf(issuer, sizeof issuer, "街镇 %s", who->region);
    } else {
        snprintf(issuer, sizeof issuer, "%s", who->user_id ? "生态环境局" : "生态环境局（系统）");
    }
    struct eg_stmt *s;
    int r = eg_db_prepare(db,
                          "UPDATE tasks SET evidence_required = ?, issuer = ?, issuer_region_id = "
                          "? WHERE record_id = ?",
                          &s, err);
    if (r < 0)
        return r;
    eg_stmt_bind_int(s, 1, evidence);
    eg_stmt_bind_text(s, 2, issuer, strlen(issuer));
    if (issuer_region)
        eg_stmt_bind_int(s, 3, issuer_region);
    else
        eg_stmt_bind_null(s, 3);
    eg_stmt_bind_int(s, 4, rec_int(rec, "id"));
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

static const struct eg_flow_transition task_transitions[] = {
    {"receive", "接收", "raised", "received", RECEIVER, 0, receiver_guard, NULL},
    {"reject", "退回发起方", "raised", "rejected", RECEIVER, EG_FLOW_NEED_REASON, receiver_guard,
     NULL},
    {"reject", "退回发起方", "received", "rejected", RECEIVER, EG_FLOW_NEED_REASON, receiver_guard,
     NULL},
    {"start", "开始办理", "received", "in_progress", RECEIVER, 0, receiver_guard, NULL},
    {"execute", "执行完毕", "in_progress", "executed", RECEIVER, 0, receiver_guard, NULL},
    {"feed_back", "反馈", "executed", "fed_back", RECEIVER, EG_FLOW_NEED_FEEDBACK, feedback_guard,
     feedback_effect},
    {"return", "退回返工", "fed_back", "in_progress", ISSUER, EG_FLOW_NEED_REASON, issuer_guard,
     NULL},
    {"close", "办结", "fed_back", "closed", ISSUER, 0, close_guard, NULL},
    {"reassign", "重新交办", "rejected", "raised", ISSUER, EG_FLOW_NEED_ASSIGNEE, issuer_guard,
     NULL},
    {"cancel", "撤销", "*", "cancelled", ISSUER, EG_FLOW_NEED_REASON, issuer_guard, NULL},
};

const struct eg_flow_kind eg_task_kind = {
    .name = "task",
    .label_zh = "三监联动任务",
    .table = "tasks",
    .fields = task_fields,
    .nfields = (int)EG_ARRAY_LEN(task_fields),
    .states = task_states,
    .nstates = (int)EG_ARRAY_LEN(task_states),
    .transitions = task_transitions,
    .ntransitions = (int)EG_ARRAY_LEN(task_transitions),
    .create_roles = ISSUER,
    .read_roles = R(STREET) | R(ENTERPRISE) | R(STEWARD),
    .default_due_s = EG_TASK_DEFAULT_DUE_S,
    .max_attachment = 0,
    .attachment_types = NULL,
    .on_create = task_on_create,
    .addressed_only = R(ENTERPRISE) | R(STEWARD),
};

/* ---- raising ---- */

static void set_id(json_t *o, const char *name, int64_t v)
{
    if (v)
        json_object_set_new(o, name, json_integer(v));
}

static void set_text(json_t *o, const char *name, const char *v)
{
    if (v)
        json_object_set_new(o, name, json_string(v)); /* NULL for broken UTF-8: refused below */
}

int eg_task_raise(struct eg_db *db, const struct eg_principal *who, const struct eg_task_new *t,
                  int64_t *task_id, struct eg_err *err)
{
    if (task_id)
        *task_id = 0;
    if (!t || !t->title)
        return eg_err_set(err, EG_EINVAL, "title", -1, "a task needs a title");
    json_t *in = json_object();
    set_text(in, "title", t->title);
    set_text(in, "description", t->description);
    set_text(in, "task_type", t->task_type);
    set_text(in, "origin", t->origin);
    set_text(in, "place", t->place);
    set_id(in, "origin_id", t->origin_id);
    set_id(in, "outlet_id", t->outlet_id);
    set_id(in, "station_id", t->station_id);
    set_id(in, "to_region_id", t->to_region_id);
    set_id(in, "to_unit_id", t->to_unit_id);
    set_id(in, "due_at", t->due_at);
    int64_t unit = t->unit_id, region = t->region_id;
    int r = 0;
    /* the subject's unit from its outlet, the region from its station (the unit's own region
       the engine fills in) */
    if (!unit && t->outlet_id) {
        json_t *o = NULL;
        if ((r = eg_registry_get(db, eg_registry_find("outlets"), &eg_principal_system,
                                 t->outlet_id, &o, err)) == 0)
            unit = json_integer_value(json_object_get(o, "unit_id"));
        json_decref(o);
    }
    if (r == 0 && !region && !unit && t->station_id) {
        json_t *o = NULL;
        if ((r = eg_registry_get(db, eg_registry_find("stations"), &eg_principal_system,
                                 t->station_id, &o, err)) == 0)
            region = json_integer_value(json_object_get(o, "region_id"));
        json_decref(o);
    }
    if (r == EG_ENOTFOUND)
        r = eg_err_set(err, EG_EINVAL, t->outlet_id ? "outlet_id" : "station_id", -1,
                       "the task's %s does not exist", t->outlet_id ? "outlet" : "station");
    set_id(in, "unit_id", unit);
    set_id(in, "region_id", region);
    json_t *out = NULL;
    if (r == 0)
        r = eg_flow_create(db, &eg_task_kind, who, in, &out, err);
    if (r == 0 && task_id)
        *task_id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    json_decref(in);
    return r;
}

/* ---- the overdue job ---- */

struct eg_tasks_overdue {
    struct eg_jobs *jobs;
    int64_t job;
    struct eg_db *db;
};

static int overdue_run(void *arg, struct eg_err *err)
{
    struct eg_tasks_overdue *o = arg;
    int marked = 0;
    int r = eg_flow_mark_overdue(o->db, &eg_task_kind, eg_time_now(), &marked, err);
    if (r == 0 && marked > 0) {
        eg_metrics_counter_add("envgov_tasks_overdue_marked_total", NULL, marked);
        eg_log(EG_LOG_INFO, "tasks: %d task(s) became overdue", marked);
    }
    return r;
}

int eg_tasks_overdue_start(struct eg_jobs *jobs, const char *db_path, int64_t interval_ms,
                           struct eg_tasks_overdue **out, struct eg_err *err)
{
    *out = NULL;
    if (interval_ms < 1)
        return eg_err_set(err, EG_EINVAL, "bad_interval", -1,
                          "the overdue check interval must be at least 1 ms");
    struct eg_tasks_overdue *o = eg_calloc(1, sizeof *o);
    o->jobs = jobs;
    int r = eg_db_open(db_path, &o->db, err);
    if (r < 0) {
        free(o);
        return r;
    }
    eg_metrics_describe("envgov_tasks_overdue_marked_total", EG_METRIC_COUNTER,
                        "tasks flagged overdue by the periodic check (deadline passed)");
    /* a first pass soon after the start, then every interval */
    o->job = eg_jobs_every(jobs, "tasks.overdue", 1000, interval_ms, overdue_run, o);
    if (o->job < 0) {
        eg_db_close(o->db);
        free(o);
        return eg_err_set(err, EG_ENOMEM, "jobs", -1, "cannot schedule the overdue check");
    }
    *out = o;
    return 0;
}

void eg_tasks_overdue_stop(struct eg_tasks_overdue *o)
{
    if (!o)
        return;
    eg_jobs_cancel(o->jobs, o->job);
    eg_db_close(o->db);
    free(o);
}

int eg_tasks_count_by_unit(struct eg_db *db, enum eg_tasks_count what, int64_t from, int64_t to,
                           int (*fn)(void *arg, int64_t unit_id, int64_t count), void *arg,
                           struct eg_err *err)
{
    const char *cond = what == EG_TASKS_ENFORCEMENT ? "t.task_type = 'enforcement'"
                       : what == EG_TASKS_OVERDUE   ? "f.overdue = 1"
                                                    : "t.origin = 'complaint'";
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT f.unit_id, count(*) FROM flow_records f JOIN tasks t ON t.record_id = f.id "
             "WHERE f.unit_id IS NOT NULL AND %s AND f.created_at >= ? AND f.created_at < ? "
             "GROUP BY f.unit_id",
             cond);
    struct eg_stmt *st;
    int rc = eg_db_prepare(db, sql, &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, from);
    eg_stmt_bind_int(st, 2, to);
    while ((rc = eg_stmt_step(st, err)) == 1)
        if ((rc = fn(arg, eg_stmt_int(st, 0), eg_stmt_int(st, 1))) < 0)
            break;
    eg_stmt_done(st);
    return rc < 0 ? rc : 0;
}
