/*
 * cases.c: administrative penalty cases (行政处罚案件, governance.md §5, issue 13 item 6) as a
 * flow kind "case": 立案 (filed) → 调查取证 (investigating) → 告知 (notified; the fine computed
 * from the discretion rule set in force on the violation date, step by step, and the hearing
 * right when the fine reaches the rule set's hearing_threshold) → 听证 (hearing, when the party
 * asks and has the right) → 决定 (decided: penalty or no penalty) → 送达 (served) → 执行
 * (executing) → 结案 (closed); 撤销 (dismissed) before the notice. A case comes from an
 * inspection, an alert, a complaint or a task (origin, origin_ref), is filed against the unit's
 * permit (一证式: permit_id filled from the unit's valid permit when not given), carries its
 * evidence as attachments (needed to notify), and a decided penalty is recorded with
 * eg_poslist_on_penalty (removes the unit from the positive list; counts in the credit input
 * "penalties"); the decision runs the minor-violation exemption check (eg_exempt_check) when
 * the officer gives its facts, and an exempt case cannot be decided with a penalty.
 */
#include "govern/internal.h"
#include "intake/intake.h"
#include "rules/rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct eg_field case_fields[] = {
    {"origin", "案件来源", EG_FT_ENUM, EG_FF_REQUIRED | EG_FF_FILTER,
     "inspection|alert|complaint|task|other", NULL, 0, "现场检查|预警|信访投诉|任务|其他"},
    {"origin_ref", "来源编号", EG_FT_TEXT, 0, NULL, NULL, 128, NULL},
    {"permit_id", "排污许可证", EG_FT_REF, EG_FF_FILTER, NULL, "permits", 0, NULL},
    {"inspection_ref", "检查记录", EG_FT_TEXT, 0, NULL, NULL, 128, NULL},
    {"violation", "违法行为类型", EG_FT_TEXT, EG_FF_REQUIRED, NULL, NULL, 64, NULL},
    {"violation_date", "违法行为发生日期", EG_FT_DATE, EG_FF_REQUIRED, NULL, NULL, 0, NULL},
    {"fine", "罚款金额（元）", EG_FT_REAL, EG_FF_READONLY, NULL, NULL, 0, NULL},
    {"discretion", "裁量计算过程", EG_FT_TEXT, EG_FF_READONLY, NULL, NULL, 65536, NULL},
    {"hearing_right", "享有听证权利", EG_FT_BOOL, EG_FF_READONLY, NULL, NULL, 0, NULL},
    {"decision", "处理决定", EG_FT_ENUM, EG_FF_READONLY, "penalty|no_penalty", NULL, 0,
     "予以处罚|不予处罚"},
    {"exemption", "免罚清单核查", EG_FT_TEXT, EG_FF_READONLY, NULL, NULL, 4096, NULL},
};

static const struct eg_flow_state case_states[] = {
    {"filed", "立案", EG_FLOW_INITIAL},
    {"investigating", "调查取证", 0},
    {"notified", "告知", EG_FLOW_PAUSED},
    {"hearing", "听证", EG_FLOW_PAUSED},
    {"decided", "决定", 0},
    {"served", "送达", 0},
    {"executing", "执行", 0},
    {"closed", "结案", EG_FLOW_TERMINAL},
    {"dismissed", "撤销立案", EG_FLOW_TERMINAL},
};

static int64_t rec_id(json_t *rec)
{
    return (int64_t)json_integer_value(json_object_get(rec, "id"));
}

static void today(char out[11])
{
    char t[40];
    eg_time_format_beijing(eg_time_now(), t, sizeof t);
    memcpy(out, t, 10);
    out[10] = 0;
}

static int set_text(struct eg_db *db, const char *sql, int64_t id, const char *v,
                    struct eg_err *err)
{
    struct eg_stmt *st;
    int rc = eg_db_prepare(db, sql, &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(st, 1, v, strlen(v));
    eg_stmt_bind_int(st, 2, id);
    rc = eg_stmt_step(st, err);
    eg_stmt_done(st);
    return rc < 0 ? rc : 0;
}

/* Raising: the violation must be one of the discretion rule set in force on its date; the
   permit, when given, must be the unit's; when not given, the unit's permit in force on the
   violation date is filed (一证式, seed 004; none when the unit holds none then). */
static int case_create(struct eg_db *db, const struct eg_flow_kind *kind,
                       const struct eg_principal *who, json_t *rec, const char *action,
                       json_t *input, struct eg_err *err)
{
    const char *date = json_string_value(json_object_get(rec, "violation_date"));
    const char *viol = json_string_value(json_object_get(rec, "violation"));
    int64_t unit = (int64_t)json_integer_value(json_object_get(rec, "unit_id"));
    if (!unit)
        return eg_err_set(err, EG_EINVAL, "unit_id", -1,
                          "unit_id: a case is filed against a unit: give the unit's id");
    struct eg_discretion *d;
    int rc = eg_discretion_for_date(db, date, NULL, &d, err);
    if (rc < 0)
        return rc;
    if (!eg_discretion_violation(d, viol)) {
        char buf[400];
        size_t o = 0;
        buf[0] = 0;
        for (int i = 0; i < d->nviolations && o < sizeof buf; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "",
                                  d->violations[i].name);
        rc = eg_err_set(err, EG_EINVAL, "violation", -1,
                        "violation '%.40s' is not in the discretion rule set %s in force on %s: "
                        "use one of %s",
                        viol, d->rs->id, date, buf);
        eg_discretion_free(d);
        return rc;
    }
    eg_discretion_free(d);
    json_t *jp = json_object_get(rec, "permit_id");
    int64_t permit = 0, owner = 0;
    if (json_is_integer(jp)) {
        permit = (int64_t)json_integer_value(jp);
        if ((rc = eg_permit_unit(db, permit, &owner, err)) < 0 && rc != EG_ENOTFOUND)
            return rc;
        if (rc == EG_ENOTFOUND || owner != unit)
            return eg_err_set(err, EG_EINVAL, "permit_id", -1,
                              "permit %lld is not a permit of unit %lld: give the unit's permit "
                              "or leave permit_id out",
                              (long long)permit, (long long)unit);
        return 0;
    }
    /* 一证式 (seed 004): the unit's permit in force on the violation date, when it holds one. */
    if ((rc = eg_permit_in_force_for_unit(db, unit, date, &permit, err)) < 0)
        return rc;
    if (!permit)
        return 0;
    struct eg_stmt *st;
    if ((rc = eg_db_prepare(db, "UPDATE govern_cases SET permit_id = ? WHERE record_id = ?", &st,
                            err)) < 0)
        return rc;
    eg_stmt_bind_int(st, 1, permit);
    eg_stmt_bind_int(st, 2, rec_id(rec));
    rc = eg_stmt_step(st, err);
    eg_stmt_done(st);
    return rc < 0 ? rc : 0;
}

/* 告知: the fine from the discretion facts {"discretion":{"factors":{…},"circumstances":[…]}}
   of the act body, computed with the rule set in force on the violation date. */
static int case_notify(struct eg_db *db, const struct eg_flow_kind *kind,
                       const struct eg_principal *who, json_t *rec, const char *action,
                       json_t *input, struct eg_err *err)
{
    json_t *facts = json_object_get(input, "discretion");
    if (facts && !json_is_object(facts))
        return eg_err_set(err, EG_EINVAL, "discretion", -1,
                          "discretion: give {\"factors\":{\"factor\":\"option\"},"
                          "\"circumstances\":[…]}");
    const char *date = json_string_value(json_object_get(rec, "violation_date"));
    struct eg_discretion *d;
    int rc = eg_discretion_for_date(db, date, NULL, &d, err);
    if (rc < 0)
        return rc;
    json_t *in =
        json_pack("{s:s}", "violation", json_string_value(json_object_get(rec, "violation")));
    if (facts) {
        json_t *f = json_object_get(facts, "factors"), *c = json_object_get(facts, "circumstances");
        if (f)
            json_object_set(in, "factors", f);
        if (c)
            json_object_set(in, "circumstances", c);
    }
    json_t *out = NULL;
    rc = eg_discretion_compute_json(d, in, &out, err);
    json_decref(in);
    if (rc < 0) {
        eg_discretion_free(d);
        return rc;
    }
    double fine = json_real_value(json_object_get(out, "fine"));
    int hearing = fine >= d->hearing_threshold;
    eg_discretion_free(d);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    struct eg_stmt *st;
    rc = eg_db_prepare(db,
                       "UPDATE govern_cases SET fine = ?, discretion = ?, hearing_right = ? WHERE "
                       "record_id = ?",
                       &st, err);
    if (rc >= 0) {
        eg_stmt_bind_double(st, 1, fine);
        eg_stmt_bind_text(st, 2, text, strlen(text));
        eg_stmt_bind_int(st, 3, hearing);
        eg_stmt_bind_int(st, 4, rec_id(rec));
        rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
    }
    free(text);
    return rc < 0 ? rc : 0;
}

/* 听证: only when the notice gave the right (行政处罚法 Art. 63). */
static int hearing_guard(struct eg_db *db, const struct eg_flow_kind *kind,
                         const struct eg_principal *who, json_t *rec, const char *action,
                         json_t *input, struct eg_err *err)
{
    if (!json_is_true(json_object_get(rec, "hearing_right")))
        return eg_err_set(err, EG_EINVAL, "hearing_right", -1,
                          "this case gives no hearing right (the fine is below the hearing "
                          "threshold of the discretion rule set): decide without a hearing");
    return 0;
}

static int decide_guard(struct eg_db *db, const struct eg_flow_kind *kind,
                        const struct eg_principal *who, json_t *rec, const char *action,
                        json_t *input, struct eg_err *err)
{
    const char *dec = json_string_value(json_object_get(input, "decision"));
    if (!dec || (strcmp(dec, "penalty") && strcmp(dec, "no_penalty")))
        return eg_err_set(err, EG_EINVAL, "decision", -1,
                          "decision: give \"penalty\" or \"no_penalty\"");
    return 0;
}

/* The minor-violation exemption check (免罚清单, eg_exempt_check) of a decision, from the act
   body's {"exemption":{"violation","first_discovery","corrected_on_spot","stopped_and_restored",
   "no_harm","corrected_days","education"}} on the violation date; without it the case records
   that the check was not done. An exempt case cannot be decided with a penalty (行政处罚法
   Art. 33). */
static int case_exemption(struct eg_db *db, const struct eg_principal *who, json_t *rec,
                          json_t *input, const char *dec, struct eg_err *err)
{
    int64_t id = rec_id(rec);
    json_t *ex = json_object_get(input, "exemption");
    if (!ex)
        return set_text(db, "UPDATE govern_cases SET exemption = ? WHERE record_id = ?", id,
                        "{\"checked\":false,\"note_zh\":\"未进行免罚清单核查\"}", err);
    if (!json_is_object(ex) || !json_is_string(json_object_get(ex, "violation")))
        return eg_err_set(err, EG_EINVAL, "exemption", -1,
                          "exemption: give {\"violation\": the exemption list's code, "
                          "\"first_discovery\", \"corrected_on_spot\", \"stopped_and_restored\", "
                          "\"no_harm\" (true/false), \"corrected_days\", \"education\"}");
    json_t *cd = json_object_get(ex, "corrected_days");
    char ref[48];
    snprintf(ref, sizeof ref, "case:%lld", (long long)id);
    struct eg_exempt_facts f = {json_string_value(json_object_get(ex, "violation")),
                                json_string_value(json_object_get(rec, "violation_date")),
                                json_is_true(json_object_get(ex, "first_discovery")),
                                json_is_true(json_object_get(ex, "corrected_on_spot")),
                                json_is_true(json_object_get(ex, "stopped_and_restored")),
                                json_is_true(json_object_get(ex, "no_harm")),
                                json_is_number(cd) ? json_number_value(cd) : -1,
                                json_string_value(json_object_get(ex, "education")),
                                ref};
    json_t *d = NULL;
    int rc = eg_exempt_check(db, who, (int64_t)json_integer_value(json_object_get(rec, "unit_id")),
                             &f, &d, err);
    if (rc < 0)
        return rc;
    int exempt = json_is_true(json_object_get(d, "exempt"));
    json_object_set_new(d, "checked", json_true());
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    rc = set_text(db, "UPDATE govern_cases SET exemption = ? WHERE record_id = ?", id, text, err);
    free(text);
    if (rc >= 0 && exempt && !strcmp(dec, "penalty"))
        rc = eg_err_set(err, EG_EINVAL, "exemption", -1,
                        "the violation is on the exemption list in force and its conditions are "
                        "met (行政处罚法第三十三条): decide no_penalty");
    return rc;
}

/* 决定: records the decision; a penalty is recorded against the unit (positive list removal,
   credit input "penalties"). */
static int case_decide(struct eg_db *db, const struct eg_flow_kind *kind,
                       const struct eg_principal *who, json_t *rec, const char *action,
                       json_t *input, struct eg_err *err)
{
    const char *dec = json_string_value(json_object_get(input, "decision"));
    int64_t id = rec_id(rec);
    int rc = set_text(db, "UPDATE govern_cases SET decision = ? WHERE record_id = ?", id, dec, err);
    if (rc < 0 || (rc = case_exemption(db, who, rec, input, dec, err)) < 0)
        return rc;
    if (strcmp(dec, "penalty"))
        return 0;
    char d[11], ref[48];
    today(d);
    snprintf(ref, sizeof ref, "case:%lld", (long long)id);
    int removed = 0;
    int rc2 =
        eg_poslist_on_penalty(db, who, (int64_t)json_integer_value(json_object_get(rec, "unit_id")),
                              "penalty", d, ref, &removed, err);
    /* 一证式: the penalty is filed against the case's permit */
    json_t *jp = json_object_get(rec, "permit_id");
    if (rc2 < 0 || !json_is_integer(jp))
        return rc2;
    struct eg_stmt *st;
    if ((rc2 = eg_db_prepare(db,
                             "UPDATE govern_poslist_events SET permit_id = ? WHERE ref = ? AND "
                             "kind = 'penalty'",
                             &st, err)) < 0)
        return rc2;
    eg_stmt_bind_int(st, 1, (int64_t)json_integer_value(jp));
    eg_stmt_bind_text(st, 2, ref, strlen(ref));
    rc2 = eg_stmt_step(st, err);
    eg_stmt_done(st);
    return rc2 < 0 ? rc2 : 0;
}

/* 结案 straight after 送达 only for a decision of no penalty (nothing to execute). */
static int close_served_guard(struct eg_db *db, const struct eg_flow_kind *kind,
                              const struct eg_principal *who, json_t *rec, const char *action,
                              json_t *input, struct eg_err *err)
{
    const char *dec = json_string_value(json_object_get(rec, "decision"));
    if (!dec || strcmp(dec, "no_penalty"))
        return eg_err_set(err, EG_EINVAL, "state", -1,
                          "a penalty must be executed before the case is closed: take "
                          "\"execute\" first");
    return 0;
}

#define STAFF EG_FLOW_STAFF
#define ENT EG_FLOW_ROLE(EG_ROLE_ENTERPRISE)
static const struct eg_flow_transition case_transitions[] = {
    {"investigate", "调查取证", "filed", "investigating", STAFF, 0, NULL, NULL},
    {"notify", "告知", "investigating", "notified", STAFF, EG_FLOW_NEED_ATTACHMENT, NULL,
     case_notify},
    {"request_hearing", "申请听证", "notified", "hearing", STAFF | ENT, 0, hearing_guard, NULL},
    {"decide", "作出决定", "notified", "decided", STAFF, EG_FLOW_NEED_REASON, decide_guard,
     case_decide},
    {"decide", "作出决定", "hearing", "decided", STAFF, EG_FLOW_NEED_REASON, decide_guard,
     case_decide},
    {"serve", "送达", "decided", "served", STAFF, 0, NULL, NULL},
    {"execute", "执行", "served", "executing", STAFF, 0, NULL, NULL},
    {"close", "结案", "executing", "closed", STAFF, 0, NULL, NULL},
    {"close", "结案", "served", "closed", STAFF, 0, close_served_guard, NULL},
    {"dismiss", "撤销立案", "filed", "dismissed", STAFF, EG_FLOW_NEED_REASON, NULL, NULL},
    {"dismiss", "撤销立案", "investigating", "dismissed", STAFF, EG_FLOW_NEED_REASON, NULL, NULL},
};

const struct eg_flow_kind eg_case_kind = {
    "case",
    "行政处罚案件",
    "govern_cases",
    case_fields,
    (int)EG_ARRAY_LEN(case_fields),
    case_states,
    (int)EG_ARRAY_LEN(case_states),
    case_transitions,
    (int)EG_ARRAY_LEN(case_transitions),
    EG_FLOW_STAFF,
    EG_FLOW_ROLE(EG_ROLE_ENTERPRISE),
    0,
    0,
    NULL,
    case_create,
    0,
};

/* ---- opening a case from its origin (the CLI's `envgov case open`) ---- */

static int origin_record(struct eg_db *db, const struct eg_principal *who, const char *origin,
                         int64_t id, json_t **rec, struct eg_err *err)
{
    if (!strcmp(origin, "alert"))
        return eg_alerts_get(db, who, id, rec, err);
    const struct eg_flow_kind *k = !strcmp(origin, "task")        ? &eg_task_kind
                                   : !strcmp(origin, "complaint") ? &eg_complaint_kind
                                                                  : &eg_inspection_kind;
    return eg_flow_get(db, k, who, id, rec, err);
}

int eg_case_open(struct eg_db *db, const struct eg_principal *who, const struct eg_case_new *n,
                 json_t **out, struct eg_err *err)
{
    if (out)
        *out = NULL;
    static const char *const origins[] = {"inspection", "alert", "complaint", "task", "other"};
    int known = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(origins) && n->origin; i++)
        known |= !strcmp(n->origin, origins[i]);
    if (!known)
        return eg_err_set(err, EG_EINVAL, "origin", -1,
                          "origin: give inspection, alert, complaint, task (with its id) or "
                          "other");
    int other = !strcmp(n->origin, "other");
    if (!other && n->origin_id <= 0)
        return eg_err_set(err, EG_EINVAL, "origin_id", -1,
                          "a case from %s names the %s's id it comes from", n->origin, n->origin);
    json_t *src = NULL;
    int64_t unit = n->unit_id;
    char date[11] = "", ref[64] = "";
    const char *title = n->title;
    if (!other) {
        int rc = origin_record(db, who, n->origin, n->origin_id, &src, err);
        if (rc < 0)
            return rc;
        int64_t su = (int64_t)json_integer_value(json_object_get(src, "unit_id"));
        if (su && unit && su != unit) {
            json_decref(src);
            return eg_err_set(err, EG_EINVAL, "unit_id", -1,
                              "the %s %lld is about unit %lld, not %lld: leave the unit out or "
                              "give that one",
                              n->origin, (long long)n->origin_id, (long long)su, (long long)unit);
        }
        if (!unit)
            unit = su;
        /* the day the alert opened or the record was raised, in Beijing time */
        const char *at = json_string_value(
            json_object_get(src, !strcmp(n->origin, "alert") ? "opened_at" : "created_at"));
        if (at && strlen(at) >= 10) {
            memcpy(date, at, 10);
            date[10] = 0;
        }
        if (!title)
            title = json_string_value(json_object_get(src, "title"));
        snprintf(ref, sizeof ref, "%s:%lld", n->origin, (long long)n->origin_id);
    }
    if (n->violation_date)
        snprintf(date, sizeof date, "%s", n->violation_date);
    int rc = 0;
    if (!unit)
        rc = eg_err_set(err, EG_EINVAL, "unit_id", -1,
                        "the origin names no unit: give the unit the case is filed against");
    else if (!*date || !eg__gov_date_ok(date))
        rc = eg_err_set(err, EG_EINVAL, "violation_date", -1,
                        "violation_date: give the day of the violation as YYYY-MM-DD");
    else if (!n->violation || !*n->violation)
        rc = eg_err_set(err, EG_EINVAL, "violation", -1,
                        "violation: give the violation type of the discretion rule set (see "
                        "`envgov case fine --help`)");
    if (rc < 0) {
        json_decref(src);
        return rc;
    }
    char tbuf[200];
    if (!title || !*title) {
        snprintf(tbuf, sizeof tbuf, "%s 违法案件", n->violation);
        title = tbuf;
    }
    json_t *in = json_pack("{s:s, s:I, s:s, s:s, s:s}", "title", title, "unit_id", (json_int_t)unit,
                           "origin", n->origin, "violation", n->violation, "violation_date", date);
    if (*ref)
        json_object_set_new(in, "origin_ref", json_string(ref));
    else if (n->origin_ref)
        json_object_set_new(in, "origin_ref", json_string(n->origin_ref));
    if (!strcmp(n->origin, "inspection"))
        json_object_set_new(in, "inspection_ref", json_string(ref));
    else if (n->inspection_ref)
        json_object_set_new(in, "inspection_ref", json_string(n->inspection_ref));
    if (n->permit_id)
        json_object_set_new(in, "permit_id", json_integer(n->permit_id));
    json_decref(src);
    rc = eg_flow_create(db, &eg_case_kind, who, in, out, err);
    json_decref(in);
    return rc;
}
