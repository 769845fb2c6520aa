/*
 * plan_db.c: action plans and their numbered tasks on the workflow engine (issue 14 item 5):
 * a plan imported from its data file (seed 003's forty tasks and lead units), tasks with lead
 * and co-units, deadlines, indicators and targets (the eval module's quality_targets id where
 * the target is measurable), periodic progress reports, overdue and at-risk flags, and the
 * plan's status for a meeting as CSV or XLSX.
 */
#include "plans/internal.h"

#include "base/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define AT_RISK_BEHIND 25 /* points of percent behind the time elapsed */

static const struct eg_field task_fields[] = {
    {"plan_id", "所属计划", EG_FT_INT, EG_FF_REQUIRED, NULL, NULL, 0, NULL},
    {"no", "序号", EG_FT_INT, EG_FF_REQUIRED, NULL, NULL, 0, NULL},
    {"no_zh", "编号", EG_FT_TEXT, 0, NULL, NULL, 64, NULL},
    {"chapter", "章节", EG_FT_TEXT, 0, NULL, NULL, 1000, NULL},
    {"text", "任务内容", EG_FT_TEXT, EG_FF_SEARCH, NULL, NULL, 16384, NULL},
    {"lead_units", "牵头单位", EG_FT_TEXT, EG_FF_SEARCH, NULL, NULL, 2000, NULL},
    {"co_units", "配合单位", EG_FT_TEXT, 0, NULL, NULL, 2000, NULL},
    {"indicator", "指标", EG_FT_TEXT, 0, NULL, NULL, 1000, NULL},
    {"target", "目标值", EG_FT_TEXT, 0, NULL, NULL, 1000, NULL},
    {"target_id", "关联考核目标", EG_FT_TEXT, 0, NULL, NULL, 128, NULL},
    {"report_every_days", "报送周期（天）", EG_FT_INT, 0, NULL, NULL, 0, NULL},
};

static const struct eg_flow_state task_states[] = {
    {"assigned", "已分解", EG_FLOW_INITIAL},
    {"in_progress", "推进中", 0},
    {"completed", "已完成", 0},
    {"closed", "已销号", EG_FLOW_TERMINAL},
};

#define UNITS (EG_FLOW_ROLE(EG_ROLE_STREET) | EG_FLOW_ROLE(EG_ROLE_ENTERPRISE))
static const struct eg_flow_transition task_transitions[] = {
    {"start", "启动", "assigned", "in_progress", EG_FLOW_STAFF | UNITS, 0, NULL, NULL},
    {"complete", "报完成", "in_progress", "completed", EG_FLOW_STAFF | UNITS, EG_FLOW_NEED_FEEDBACK,
     NULL, NULL},
    {"reopen", "退回", "completed", "in_progress", EG_FLOW_STAFF, EG_FLOW_NEED_REASON, NULL, NULL},
    {"close", "销号", "completed", "closed", EG_FLOW_STAFF, 0, NULL, NULL},
    {"assign", "交办", "*", "assigned", EG_FLOW_STAFF, EG_FLOW_NEED_ASSIGNEE, NULL, NULL},
};

const struct eg_flow_kind eg_plan_task_kind = {
    .name = "plan_task",
    .label_zh = "行动计划任务",
    .table = "plan_tasks",
    .fields = task_fields,
    .nfields = (int)EG_ARRAY_LEN(task_fields),
    .states = task_states,
    .nstates = (int)EG_ARRAY_LEN(task_states),
    .transitions = task_transitions,
    .ntransitions = (int)EG_ARRAY_LEN(task_transitions),
    .create_roles = EG_FLOW_STAFF,
    .read_roles = UNITS | EG_FLOW_STAFF,
};

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

int eg_plan_import(struct eg_db *db, const struct eg_principal *who, const char *name,
                   const char *source, const struct eg_plan_file *pf, int64_t due, int64_t *plan_id,
                   struct eg_err *err)
{
    if (who->role != EG_ROLE_ADMIN && who->role != EG_ROLE_BUREAU)
        return eg_err_set(err, who->role == EG_ROLE_ANON ? EG_EAUTH : EG_EPERM, "forbidden", -1,
                          "only the bureau imports plans");
    if (!name || !*name || strlen(name) > 300)
        return eg_err_set(err, EG_EINVAL, "name", -1, "the plan's name (1 to 300 bytes)");
    int own = !eg_db_in_tx(db);
    int rc = own ? eg_db_begin(db, err) : 0;
    if (rc < 0)
        return rc;
    struct eg_stmt *s;
    rc = eg_db_prepare(db,
                       "INSERT INTO plans(name, source, created_at) VALUES (?1, ?2, ?3) "
                       "ON CONFLICT (name) DO NOTHING",
                       &s, err);
    if (rc == 0) {
        eg_stmt_bind_text(s, 1, name, strlen(name));
        eg_stmt_bind_text(s, 2, source ? source : "", source ? strlen(source) : 0);
        eg_stmt_bind_int(s, 3, eg_time_now());
        rc = eg_stmt_step(s, err);
        eg_stmt_done(s);
        if (rc >= 0 && eg_db_changes(db) == 0)
            rc = eg_err_set(err, EG_ECONFLICT, "name", -1, "a plan named %s exists", name);
    }
    int64_t id = rc >= 0 ? eg_db_last_id(db) : 0;
    for (int i = 0; i < pf->ntasks && rc >= 0; i++) {
        const struct eg_plan_task *t = &pf->tasks[i];
        struct eg_buf lead = {0}, title = {0};
        for (int j = 0; j < t->nlead; j++)
            eg_buf_printf(&lead, "%s%s", j ? "、" : "", t->lead[j]);
        eg_buf_printf(&title, "%s%s", t->no_zh, t->title);
        json_t *in =
            json_pack("{s:s,s:I,s:i,s:s,s:s,s:s,s:s}", "title", title.data, "plan_id",
                      (json_int_t)id, "no", t->no, "no_zh", t->no_zh, "chapter", t->chapter, "text",
                      t->text, "lead_units", lead.data ? lead.data : "");
        if (due)
            json_object_set_new(in, "due_at", json_integer(due));
        rc = eg_flow_create(db, &eg_plan_task_kind, who, in, NULL, err);
        json_decref(in);
        eg_buf_free(&lead);
        eg_buf_free(&title);
    }
    if (rc >= 0) {
        json_t *a = json_pack("{s:s,s:i}", "name", name, "tasks", pf->ntasks);
        rc = eg_audit_append(db, who, "plan", id, "create", NULL, a, err);
        json_decref(a);
    }
    if (own) {
        if (rc < 0)
            eg_db_rollback(db);
        else
            rc = eg_db_commit(db, err);
    }
    if (rc < 0)
        return rc;
    if (plan_id)
        *plan_id = id;
    return 0;
}

#define DEMO_PLAN "深入打好污染防治攻坚战 持续推进美丽闵行生态文明样板区建设工作方案"

int eg_plan_load_demo(struct eg_db *db, struct eg_err *err)
{
    int64_t n = 0;
    int found = 0;
    int rc = eg_db_query_int(db, "SELECT count(*) FROM plans WHERE ?1 = 0 AND name = ?2", 0,
                             DEMO_PLAN, &n, &found, err);
    if (rc < 0 || n > 0)
        return rc < 0 ? rc : 0;
    const struct eg_embedded *e = eg_embedded_find("plans/minhang_2023_workplan.tsv");
    if (!e)
        return eg_err_set(err, EG_ENOTFOUND, "plan", -1, "the seed 003 plan file is missing");
    struct eg_plan_file *pf;
    if ((rc = eg_plan_file_parse(e->data, e->len, e->path, &pf, err)) < 0)
        return rc;
    struct eg_civil end = {
        .year = 2025, .month = 12, .day = 31, .hour = 23, .minute = 59, .second = 59};
    rc = eg_plan_import(db, &eg_principal_system, DEMO_PLAN, "seed 003", pf,
                        eg_time_from_beijing(&end), NULL, err);
    eg_plan_file_free(pf);
    return rc;
}

int eg_plan_list(struct eg_db *db, const struct eg_principal *who, json_t **out, struct eg_err *err)
{
    *out = NULL;
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "auth", -1, "log in first");
    struct eg_stmt *s;
    int rc = eg_db_prepare(db,
                           "SELECT p.id, p.name, p.source, (SELECT count(*) FROM plan_tasks t "
                           "WHERE t.plan_id = p.id) FROM plans p ORDER BY p.id",
                           &s, err);
    if (rc < 0)
        return rc;
    json_t *a = json_array();
    while ((rc = eg_stmt_step(s, err)) == 1)
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:I}", "id", (json_int_t)eg_stmt_int(s, 0),
                                           "name", eg_stmt_text(s, 1, NULL), "source",
                                           eg_stmt_text(s, 2, NULL), "tasks",
                                           (json_int_t)eg_stmt_int(s, 3)));
    eg_stmt_done(s);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return 0;
}

int eg_plan_task_at_risk(int64_t now, int64_t created, int64_t due, int last_percent,
                         const char *last_status, int64_t last_at, int report_every_days,
                         const char **reason)
{
    *reason = NULL;
    if (last_status && (!strcmp(last_status, "at_risk") || !strcmp(last_status, "delayed"))) {
        *reason = !strcmp(last_status, "delayed") ? "最近一次报送为滞后" : "最近一次报送为有风险";
        return 1;
    }
    int64_t every = (int64_t)(report_every_days > 0 ? report_every_days : 90) * 86400;
    int64_t since = last_at ? last_at : created;
    if (now - since > every) {
        *reason = last_at ? "超过报送周期未报送进展" : "从未报送进展且已超过报送周期";
        return 1;
    }
    if (due > created && now > created && now < due) {
        double elapsed = 100.0 * (double)(now - created) / (double)(due - created);
        if (elapsed - (last_at ? last_percent : 0) >= AT_RISK_BEHIND) {
            *reason = "进度落后于时间进度25个百分点以上";
            return 1;
        }
    }
    return 0;
}

struct last_report {
    int percent;
    char status[16];
    char period[64];
    int64_t at;
};

static int last_report(struct eg_db *db, int64_t id, struct last_report *lr, struct eg_err *err)
{
    memset(lr, 0, sizeof *lr);
    struct eg_stmt *s;
    int rc = eg_db_prepare(db,
                           "SELECT percent, status, period, at FROM plan_progress WHERE record_id "
                           "= ?1 ORDER BY at DESC, id DESC LIMIT 1",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, id);
    if ((rc = eg_stmt_step(s, err)) == 1) {
        lr->percent = (int)eg_stmt_int(s, 0);
        snprintf(lr->status, sizeof lr->status, "%s", eg_stmt_text(s, 1, NULL));
        snprintf(lr->period, sizeof lr->period, "%s", eg_stmt_text(s, 2, NULL));
        lr->at = eg_stmt_int(s, 3);
    }
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

static int64_t beijing_field(json_t *rec, const char *k)
{
    json_t *v = json_object_get(rec, k);
    if (json_is_integer(v))
        return json_integer_value(v);
    const char *t = json_string_value(v);
    int64_t x = 0;
    if (t && eg_time_parse_beijing(t, strlen(t), &x) < 0)
        x = 0;
    return x;
}

int eg_plan_status(struct eg_db *db, const struct eg_principal *who, int64_t plan_id, int64_t now,
                   json_t **out, struct eg_err *err)
{
    *out = NULL;
    json_t *plans;
    int rc = eg_plan_list(db, who, &plans, err);
    if (rc < 0)
        return rc;
    json_t *plan = NULL;
    size_t i;
    json_t *p;
    json_array_foreach(plans, i, p) if (json_integer_value(json_object_get(p, "id")) == plan_id)
        plan = json_incref(p);
    json_decref(plans);
    if (!plan)
        return eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "no plan %lld", (long long)plan_id);
    struct eg_flow_query q = {.limit = 1000};
    json_t *rows, *tasks = json_array();
    char *next = NULL;
    if ((rc = eg_flow_list(db, &eg_plan_task_kind, who, &q, &rows, &next, err)) < 0) {
        json_decref(plan);
        json_decref(tasks);
        return rc;
    }
    free(next);
    int n = 0, overdue = 0, risk = 0, done = 0;
    /* in task order (the list is newest first) */
    for (int no = 1; no <= EG_PLAN_MAX_TASKS && rc >= 0; no++) {
        json_t *r = NULL;
        json_array_foreach(rows, i,
                           p) if (json_integer_value(json_object_get(p, "plan_id")) == plan_id &&
                                  json_integer_value(json_object_get(p, "no")) == no) r = p;
        if (!r)
            continue;
        int64_t id = json_integer_value(json_object_get(r, "id"));
        struct last_report lr;
        if ((rc = last_report(db, id, &lr, err)) < 0)
            break;
        const char *st = jstr(r, "state");
        int finished = st && (!strcmp(st, "completed") || !strcmp(st, "closed"));
        const char *reason = NULL;
        int at_risk =
            !finished &&
            eg_plan_task_at_risk(now, beijing_field(r, "created_at"), beijing_field(r, "due_at"),
                                 lr.percent, lr.at ? lr.status : NULL, lr.at,
                                 (int)json_integer_value(json_object_get(r, "report_every_days")),
                                 &reason);
        json_t *t = json_deep_copy(r);
        json_object_set_new(t, "at_risk", json_boolean(at_risk));
        if (reason)
            json_object_set_new(t, "at_risk_reason", json_string(reason));
        if (lr.at) {
            char at[32];
            eg_time_format_beijing(lr.at, at, sizeof at);
            json_object_set_new(t, "last_report",
                                json_pack("{s:s,s:i,s:s,s:s}", "period", lr.period, "percent",
                                          lr.percent, "status", lr.status, "at", at));
        }
        n++;
        overdue += json_is_true(json_object_get(r, "overdue"));
        risk += at_risk;
        done += finished;
        json_array_append_new(tasks, t);
    }
    json_decref(rows);
    if (rc < 0) {
        json_decref(plan);
        json_decref(tasks);
        return rc;
    }
    *out = json_pack("{s:o,s:o,s:{s:i,s:i,s:i,s:i}}", "plan", plan, "tasks", tasks, "summary",
                     "tasks", n, "done", done, "overdue", overdue, "at_risk", risk);
    return 0;
}

int eg_plan_progress_add(struct eg_db *db, const struct eg_principal *who, int64_t task_id,
                         json_t *in, struct eg_err *err)
{
    if (!json_is_object(in))
        return eg_err_set(err, EG_EINVAL, "not_object", -1, "a JSON object is needed");
    json_t *rec;
    int rc = eg_flow_get(db, &eg_plan_task_kind, who, task_id, &rec, err);
    if (rc < 0)
        return rc;
    const char *state = jstr(rec, "state");
    int closed = state && !strcmp(state, "closed");
    json_decref(rec);
    if (who->role == EG_ROLE_STEWARD)
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "progress is reported by the bureau or the task's units");
    if (closed)
        return eg_err_set(err, EG_EINVAL, "state", -1, "the task is closed (已销号)");
    const char *period = jstr(in, "period"), *status = jstr(in, "status"), *text = jstr(in, "text");
    json_t *pc = json_object_get(in, "percent");
    if (!period || !*period || strlen(period) > 60)
        return eg_err_set(err, EG_EINVAL, "period", -1,
                          "period: the reporting period, e.g. 2024年第一季度 (1 to 60 bytes)");
    if (!json_is_integer(pc) || json_integer_value(pc) < 0 || json_integer_value(pc) > 100)
        return eg_err_set(err, EG_EINVAL, "percent", -1, "percent: a whole number from 0 to 100");
    if (!status ||
        (strcmp(status, "on_track") && strcmp(status, "at_risk") && strcmp(status, "delayed")))
        return eg_err_set(err, EG_EINVAL, "status", -1, "status: on_track, at_risk or delayed");
    if (!text || !*text || strlen(text) > EG_FLOW_MAX_TEXT)
        return eg_err_set(err, EG_EINVAL, "text", -1, "text: what was done (1 to %d bytes)",
                          EG_FLOW_MAX_TEXT);
    const char *k;
    json_t *v;
    json_object_foreach(
        in, k,
        v) if (strcmp(k, "period") && strcmp(k, "status") && strcmp(k, "text") &&
               strcmp(k, "percent")) return eg_err_set(err, EG_EINVAL, "unknown_field", -1,
                                                       "%.40s is not a field of a progress report",
                                                       k);
    int own = !eg_db_in_tx(db);
    if (own && (rc = eg_db_begin(db, err)) < 0)
        return rc;
    struct eg_stmt *s;
    rc =
        eg_db_prepare(db,
                      "INSERT INTO plan_progress(record_id, period, percent, status, text, at, by) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                      &s, err);
    if (rc == 0) {
        eg_stmt_bind_int(s, 1, task_id);
        eg_stmt_bind_text(s, 2, period, strlen(period));
        eg_stmt_bind_int(s, 3, json_integer_value(pc));
        eg_stmt_bind_text(s, 4, status, strlen(status));
        eg_stmt_bind_text(s, 5, text, strlen(text));
        eg_stmt_bind_int(s, 6, eg_time_now());
        eg_stmt_bind_text(s, 7, who->username, strlen(who->username));
        rc = eg_stmt_step(s, err);
        eg_stmt_done(s);
    }
    if (rc >= 0)
        rc = eg_audit_append(db, who, "flow.plan_task", task_id, "create", NULL, in, err);
    if (own) {
        if (rc < 0)
            eg_db_rollback(db);
        else
            rc = eg_db_commit(db, err);
    }
    return rc < 0 ? rc : 0;
}

int eg_plan_status_export(struct eg_db *db, const struct eg_principal *who, int64_t plan_id,
                          int64_t now, int xlsx, struct eg_buf *out, struct eg_err *err)
{
    json_t *st;
    int rc = eg_plan_status(db, who, plan_id, now, &st, err);
    if (rc < 0)
        return rc;
    static const char *const head[] = {"编号",       "任务",          "牵头单位",    "状态",
                                       "截止时间",   "是否逾期",      "是否有风险",  "风险原因",
                                       "最近报送期", "完成进度（%）", "最近报送时间"};
    enum { NCOL = 11 };
    json_t *tasks = json_object_get(st, "tasks");
    size_t nrows = json_array_size(tasks);
    char ***cells = eg_calloc(nrows + 1, sizeof *cells);
    for (size_t r = 0; r < nrows; r++) {
        json_t *t = json_array_get(tasks, r), *lr = json_object_get(t, "last_report");
        char pct[16] = "";
        if (lr)
            snprintf(pct, sizeof pct, "%lld",
                     (long long)json_integer_value(json_object_get(lr, "percent")));
        const char *vals[NCOL] = {jstr(t, "no_zh"),
                                  jstr(t, "title"),
                                  jstr(t, "lead_units"),
                                  jstr(t, "state_zh") ? jstr(t, "state_zh") : jstr(t, "state"),
                                  jstr(t, "due_at"),
                                  json_is_true(json_object_get(t, "overdue")) ? "是" : "否",
                                  json_is_true(json_object_get(t, "at_risk")) ? "是" : "否",
                                  jstr(t, "at_risk_reason"),
                                  lr ? jstr(lr, "period") : NULL,
                                  pct,
                                  lr ? jstr(lr, "at") : NULL};
        cells[r] = eg_calloc(NCOL, sizeof **cells);
        for (int c = 0; c < NCOL; c++)
            cells[r][c] = eg_strdup(vals[c] ? vals[c] : "");
    }
    if (!xlsx) {
        eg_buf_puts(out, "\xEF\xBB\xBF");
        for (int c = 0; c < NCOL; c++) {
            if (c)
                eg_buf_puts(out, ",");
            eg_buf_puts(out, head[c]);
        }
        eg_buf_puts(out, "\r\n");
        for (size_t r = 0; r < nrows; r++) {
            for (int c = 0; c < NCOL; c++) {
                if (c)
                    eg_buf_puts(out, ",");
                eg_csv_put(out, cells[r][c], strlen(cells[r][c]), EG_CSV_NEUTRALISE);
            }
            eg_buf_puts(out, "\r\n");
        }
    } else {
        const char *tmp = getenv("TMPDIR");
        char path[512];
        snprintf(path, sizeof path, "%s/envgov-plan-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        int fd = mkstemp(path);
        lxw_workbook *wb = NULL;
        if (fd >= 0) {
            close(fd);
            wb = workbook_new(path);
        }
        if (!wb) {
            rc = eg_err_set(err, EG_EIO, "export_failed", -1, "cannot start the workbook");
        } else {
            lxw_worksheet *ws = workbook_add_worksheet(wb, "计划进展");
            lxw_format *bold = workbook_add_format(wb), *wrap = workbook_add_format(wb);
            format_set_bold(bold);
            format_set_text_wrap(wrap);
            worksheet_set_column(ws, 1, 1, 40, NULL);
            worksheet_set_column(ws, 2, 2, 30, NULL);
            for (int c = 0; c < NCOL; c++)
                worksheet_write_string(ws, 0, (lxw_col_t)c, head[c], bold);
            for (size_t r = 0; r < nrows; r++)
                for (int c = 0; c < NCOL; c++)
                    worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, cells[r][c], wrap);
            lxw_error e = workbook_close(wb);
            FILE *f = e == LXW_NO_ERROR ? fopen(path, "rb") : NULL;
            if (!f) {
                rc = eg_err_set(err, EG_EIO, "export_failed", -1, "writing the workbook failed");
            } else {
                char chunk[65536];
                size_t k;
                while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
                    eg_buf_append(out, chunk, k);
                fclose(f);
            }
        }
        if (fd >= 0)
            unlink(path);
    }
    for (size_t r = 0; r < nrows; r++) {
        for (int c = 0; c < NCOL; c++)
            free(cells[r][c]);
        free(cells[r]);
    }
    free(cells);
    json_decref(st);
    return rc;
}
