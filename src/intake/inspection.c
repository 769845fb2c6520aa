/*
 * inspection.c: stewards' inspections (环保管家巡查, seed 001; issue 12 item 6) as a kind on the
 * workflow engine: a steward records an inspection of a contracted unit from a checklist; each
 * finding whose severity needs action raises a rectification task addressed to the unit, in
 * the unit's street (intake.h).
 */
#include "intake/intake.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREET EG_FLOW_ROLE(EG_ROLE_STREET)
#define STEWARD EG_FLOW_ROLE(EG_ROLE_STEWARD)
#define ENTERPRISE EG_FLOW_ROLE(EG_ROLE_ENTERPRISE)

static const struct eg_flow_state insp_states[] = {
    {"recorded", "已记录", EG_FLOW_INITIAL},
    {"reviewed", "已审阅", EG_FLOW_TERMINAL},
};

static const struct eg_flow_transition insp_transitions[] = {
    {"review", "审阅", "recorded", "reviewed", EG_FLOW_STAFF | STREET, 0, NULL, NULL},
};

static const struct eg_field insp_fields[] = {
    {"checklist", "检查表", EG_FT_TEXT, EG_FF_REQUIRED | EG_FF_FILTER, NULL, NULL, 32, NULL},
    {"visited_on", "检查日期", EG_FT_DATE, EG_FF_REQUIRED, NULL, NULL, 0, NULL},
    {"summary", "检查小结", EG_FT_TEXT, 0, NULL, NULL, 8000, NULL},
};

const struct eg_flow_kind eg_inspection_kind = {
    .name = "inspection",
    .label_zh = "环保管家巡查",
    .table = "steward_inspections",
    .fields = insp_fields,
    .nfields = (int)EG_ARRAY_LEN(insp_fields),
    .states = insp_states,
    .nstates = (int)EG_ARRAY_LEN(insp_states),
    .transitions = insp_transitions,
    .ntransitions = (int)EG_ARRAY_LEN(insp_transitions),
    .create_roles = EG_FLOW_STAFF | STEWARD,
    .read_roles = EG_FLOW_STAFF | STREET | STEWARD | ENTERPRISE,
    .default_due_s = 0,
    .max_attachment = EG_INTAKE_MAX_PHOTO,
    .attachment_types = EG_INTAKE_PHOTO_TYPES,
    .on_create = NULL,
};

struct finding {
    const struct eg_checklist_item *item;
    const struct eg_checklist_severity *sev;
    const char *note;
    int64_t task_id;
};

static int bad_finding(struct eg_err *err, size_t i, const char *fmt, const char *what)
{
    char m[160];
    snprintf(m, sizeof m, fmt, what);
    return eg_err_set(err, EG_EINVAL, "findings", (long)i, "findings[%zu]: %s", i, m);
}

static int insert_finding(struct eg_db *db, int64_t id, const struct finding *f, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(db,
                           "INSERT INTO steward_findings (inspection_id, item, severity, level, "
                           "action, note, task_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           &s, err);
    if (rc)
        return rc;
    eg_stmt_bind_int(s, 1, id);
    eg_stmt_bind_text(s, 2, f->item->code, strlen(f->item->code));
    eg_stmt_bind_text(s, 3, f->sev->name, strlen(f->sev->name));
    eg_stmt_bind_int(s, 4, f->sev->level);
    eg_stmt_bind_int(s, 5, f->sev->action);
    if (f->note)
        eg_stmt_bind_text(s, 6, f->note, strlen(f->note));
    else
        eg_stmt_bind_null(s, 6);
    if (f->task_id)
        eg_stmt_bind_int(s, 7, f->task_id);
    else
        eg_stmt_bind_null(s, 7);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

static int set_steward(struct eg_db *db, int64_t id, int64_t uid, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(
        db, "UPDATE steward_inspections SET steward_id = ?2 WHERE record_id = ?1", &s, err);
    if (rc)
        return rc;
    eg_stmt_bind_int(s, 1, id);
    eg_stmt_bind_int(s, 2, uid);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

static json_t *findings_json(struct eg_db *db, int64_t id, struct eg_err *err, int *rcp)
{
    struct eg_stmt *s;
    json_t *arr = json_array();
    *rcp = eg_db_prepare(db,
                         "SELECT item, severity, level, action, note, task_id FROM "
                         "steward_findings WHERE inspection_id = ?1 ORDER BY id",
                         &s, err);
    if (*rcp)
        return arr;
    eg_stmt_bind_int(s, 1, id);
    int rc;
    while ((rc = eg_stmt_step(s, err)) == 1) {
        json_t *o = json_pack("{s:s,s:s,s:I,s:b}", "item", eg_stmt_text(s, 0, NULL), "severity",
                              eg_stmt_text(s, 1, NULL), "level", (json_int_t)eg_stmt_int(s, 2),
                              "action", (int)eg_stmt_int(s, 3));
        if (!eg_stmt_is_null(s, 4))
            json_object_set_new(o, "note", json_string(eg_stmt_text(s, 4, NULL)));
        json_object_set_new(o, "task_id",
                            eg_stmt_is_null(s, 5) ? json_null() : json_integer(eg_stmt_int(s, 5)));
        json_array_append_new(arr, o);
    }
    eg_stmt_done(s);
    *rcp = rc < 0 ? rc : 0;
    return arr;
}

int eg_inspection_get(struct eg_db *db, const struct eg_principal *who, int64_t id, json_t **out,
                      struct eg_err *err)
{
    *out = NULL;
    json_t *rec = NULL;
    int rc = eg_flow_get(db, &eg_inspection_kind, who, id, &rec, err);
    if (rc)
        return rc;
    json_t *f = findings_json(db, id, err, &rc);
    if (rc) {
        json_decref(f);
        json_decref(rec);
        return rc;
    }
    json_object_set_new(rec, "findings", f);
    *out = rec;
    return 0;
}

int eg_inspection_record(struct eg_db *db, const struct eg_principal *who, json_t *in, json_t **out,
                         struct eg_err *err)
{
    *out = NULL;
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "auth", -1, "log in as a steward (环保管家)");
    if (who->role != EG_ROLE_STEWARD && who->role != EG_ROLE_ADMIN && who->role != EG_ROLE_BUREAU)
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "inspections are recorded by stewards (环保管家) and the bureau");
    if (!json_is_object(in))
        return eg_err_set(err, EG_EINVAL, "not_object", -1, "the body must be a JSON object");
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v)
    {
        if (strcmp(k, "unit_id") && strcmp(k, "checklist") && strcmp(k, "visited_on") &&
            strcmp(k, "summary") && strcmp(k, "findings")) {
            char f[64];
            return eg_err_set(err, EG_EINVAL, "unknown_field", -1,
                              "unknown field \"%s\"; the fields are unit_id, checklist, "
                              "visited_on, summary, findings",
                              eg_log_field(f, sizeof f, k));
        }
    }
    json_t *ju = json_object_get(in, "unit_id");
    if (!json_is_integer(ju) || json_integer_value(ju) <= 0)
        return eg_err_set(err, EG_EINVAL, "unit_id", -1,
                          "unit_id is required: the id of the unit inspected");
    int64_t unit_id = json_integer_value(ju);
    const char *cl = json_string_value(json_object_get(in, "checklist"));
    if (!cl)
        return eg_err_set(err, EG_EINVAL, "checklist", -1,
                          "checklist is required: the code of a checklist (GET "
                          "/api/v1/checklists)");
    const char *summary = NULL;
    json_t *js = json_object_get(in, "summary");
    int rc;
    if (js && !json_is_null(js)) {
        if (!json_is_string(js))
            return eg_err_set(err, EG_EINVAL, "wrong_type", -1, "summary must be text");
        summary = json_string_value(js);
        if ((rc = eg_intake_text_check(summary, json_string_length(js), EG_INTAKE_MAX_TEXT, 0,
                                       "summary", err)))
            return rc;
    }
    char today[16];
    const char *visited = json_string_value(json_object_get(in, "visited_on"));
    if (!visited) {
        struct eg_civil c;
        eg_time_to_beijing(eg_time_now(), &c);
        snprintf(today, sizeof today, "%04d-%02d-%02d", c.year, c.month, c.day);
        visited = today;
    }
    json_t *jf = json_object_get(in, "findings");
    if (!json_is_array(jf))
        return eg_err_set(err, EG_EINVAL, "findings", -1,
                          "findings is required: a list of {item, severity, note}");

    /* the unit must be in this steward's contracts: the engine's one scope rule */
    rc = eg_flow_in_scope(db, &eg_inspection_kind, who, unit_id, 0, unit_id, 0, err);
    if (rc)
        return rc;
    json_t *unit = NULL;
    if ((rc = eg_registry_get(db, eg_registry_find("units"), &eg_principal_system, unit_id, &unit,
                              err)))
        return rc;
    json_t *jr = json_object_get(unit, "region_id");
    int64_t region_id = json_is_integer(jr) ? json_integer_value(jr) : 0;
    char uname[128];
    const char *un = json_string_value(json_object_get(unit, "name"));
    snprintf(uname, sizeof uname, "%s", un ? un : "");
    json_decref(unit);

    struct eg_checklist *c = NULL;
    if ((rc = eg_checklist_load(cl, &c, err))) {
        if (rc == EG_ENOTFOUND)
            rc = eg_err_set(err, EG_EINVAL, "checklist", -1,
                            "no checklist with this code; GET /api/v1/checklists lists them");
        return rc;
    }
    size_t nf = json_array_size(jf);
    struct finding *fs = eg_calloc(nf ? nf : 1, sizeof *fs);
    json_t *rec = NULL, *rec_in = NULL;
    if (nf > (size_t)c->nitems) {
        rc = eg_err_set(err, EG_EINVAL, "findings", -1,
                        "more findings (%zu) than the checklist has items (%d)", nf, c->nitems);
        goto out;
    }
    for (size_t i = 0; i < nf; i++) {
        json_t *o = json_array_get(jf, i);
        if (!json_is_object(o)) {
            rc = bad_finding(err, i, "must be an object {item, severity, note}%s", "");
            goto out;
        }
        const char *item = json_string_value(json_object_get(o, "item"));
        const char *sev = json_string_value(json_object_get(o, "severity"));
        fs[i].item = eg_checklist_item(c, item);
        fs[i].sev = eg_checklist_severity(c, sev);
        if (!fs[i].item) {
            rc = bad_finding(err, i, "item is not an item of checklist %s", c->code);
            goto out;
        }
        if (!fs[i].sev) {
            rc = bad_finding(err, i, "severity must be a name of the scale of checklist %s",
                             c->code);
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (fs[j].item == fs[i].item) {
                rc = bad_finding(err, i, "item %s is judged twice", fs[i].item->code);
                goto out;
            }
        json_t *jn = json_object_get(o, "note");
        if (jn && !json_is_null(jn)) {
            if (!json_is_string(jn)) {
                rc = bad_finding(err, i, "note must be text%s", "");
                goto out;
            }
            fs[i].note = json_string_value(jn);
            struct eg_err e = {0};
            if (eg_intake_text_check(fs[i].note, json_string_length(jn), EG_INTAKE_MAX_TEXT, 0,
                                     "note", &e)) {
                rc = bad_finding(err, i, "%s", e.msg);
                goto out;
            }
        }
        if (fs[i].sev->action && !fs[i].note) {
            rc = bad_finding(err, i, "a finding that needs action needs a note (what was found)%s",
                             "");
            goto out;
        }
    }

    char title[256];
    snprintf(title, sizeof title, "环保管家巡查：%s（%s）", uname, visited);
    rec_in =
        json_pack("{s:s,s:I,s:I,s:s,s:s}", "title", title, "unit_id", (json_int_t)unit_id,
                  "to_unit_id", (json_int_t)unit_id, "checklist", c->code, "visited_on", visited);
    if (region_id)
        json_object_set_new(rec_in, "region_id", json_integer(region_id));
    if (summary)
        json_object_set_new(rec_in, "summary", json_string(summary));
    int own = !eg_db_in_tx(db);
    if (own && (rc = eg_db_begin(db, err)))
        goto out;
    if ((rc = eg_flow_create(db, &eg_inspection_kind, who, rec_in, &rec, err)))
        goto rollback;
    int64_t id = json_integer_value(json_object_get(rec, "id"));
    if ((rc = set_steward(db, id, who->user_id, err)))
        goto rollback;
    for (size_t i = 0; i < nf; i++) {
        if (fs[i].sev->action) {
            char tt[200];
            snprintf(tt, sizeof tt, "整改：%s — %s（%s）", uname, fs[i].item->category_zh,
                     fs[i].sev->label_zh);
            char desc[1200];
            snprintf(desc, sizeof desc, "%s %s\n问题：%s\n（环保管家 %s，%s）", fs[i].item->code,
                     fs[i].item->text_zh, fs[i].note, who->username, visited);
            struct eg_task_new t = {
                .task_type = "rectification",
                .title = tt,
                .description = desc,
                .origin = "steward",
                .origin_id = id,
                .unit_id = unit_id,
                .region_id = region_id,
                .to_unit_id = unit_id,
            };
            if ((rc = eg_task_raise(db, &eg_principal_system, &t, &fs[i].task_id, err)))
                goto rollback;
        }
        if ((rc = insert_finding(db, id, &fs[i], err)))
            goto rollback;
    }
    if (own && (rc = eg_db_commit(db, err)))
        goto out;
    json_decref(rec);
    rec = NULL;
    rc = eg_inspection_get(db, who, id, out, err);
    goto out;
rollback:
    if (own)
        eg_db_rollback(db);
out:
    json_decref(rec);
    json_decref(rec_in);
    free(fs);
    eg_checklist_free(c);
    return rc;
}
