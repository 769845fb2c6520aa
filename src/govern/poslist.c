/*
 * poslist.c: the enforcement positive list (正面清单, governance.md §3, research §3): inclusion
 * checked against the rule set in force with every reason shown, validity, automatic removal on
 * a penalty, incident or serious violation, and the rule that an on-site inspection of a listed
 * unit names a trigger (seed 004 (七)).
 */
#include "govern/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void today(char out[16])
{
    char t[32];
    eg_time_format_beijing(eg_time_now(), t, sizeof t);
    memcpy(out, t, 10);
    out[10] = 0;
}

static const char *date_or_today(const char *date, char buf[16])
{
    if (date)
        return date;
    today(buf);
    return buf;
}

/* date plus months, as a date (the day clamped); minus when months < 0. */
static void date_add_months(const char *date, int months, char out[40])
{
    int y = atoi(date), m = atoi(date + 5), d = atoi(date + 8);
    int total = y * 12 + (m - 1) + months;
    y = total / 12;
    int mm = total % 12;
    int dim = eg_days_in_month(y, mm + 1);
    snprintf(out, 40, "%04d-%02d-%02d", y, mm + 1, d > dim ? dim : d);
}

static int load_rules(struct eg_db *db, const char *date, struct eg_ruleset **rs,
                      struct eg_err *err)
{
    return eg_ruleset_in_force(db, "poslist_conditions", NULL, date, rs, err);
}

static int word_in(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = list; (p = strstr(p, w)); p += n)
        if ((p == list || p[-1] == ' ' || p[-1] == ',') &&
            (p[n] == 0 || p[n] == ' ' || p[n] == ','))
            return 1;
    return 0;
}

static int check_with(struct eg_db *db, const struct eg_ruleset *rs, int64_t unit_id,
                      const char *date, int *eligible, json_t **reasons, struct eg_err *err)
{
    *eligible = 1;
    json_t *a = json_array();
    int rc = 0;
    for (int i = 0; rc >= 0 && i < rs->nsections; i++) {
        const struct eg_rs_section *s = &rs->sections[i];
        if (strcmp(s->type, "condition"))
            continue;
        const char *label = NULL;
        rc = eg_rs_text(rs, s, "label", 1, &label, err);
        if (rc < 0)
            break;
        int met = 0;
        char detail[200] = "";
        if (!strcmp(s->name, "credit")) {
            const char *grades;
            if ((rc = eg_rs_text(rs, s, "grades", 1, &grades, err)) < 0)
                break;
            char g[32];
            struct eg_err e2 = {0};
            int r = eg_credit_grade_of(db, unit_id, date, g, &e2);
            if (r == EG_ENOTFOUND)
                snprintf(detail, sizeof detail, "无已公布的信用等级（需为 %s 之一）", grades);
            else if (r < 0) {
                rc = r;
                *err = e2;
                break;
            } else {
                met = word_in(grades, g);
                snprintf(detail, sizeof detail, "信用等级 %s%s", g,
                         met ? "，符合" : "，不在所需等级之内");
            }
        } else if (!strcmp(s->name, "no_penalty")) {
            const char *events;
            double months = 24;
            if ((rc = eg_rs_text(rs, s, "events", 1, &events, err)) < 0 ||
                (rc = eg_rs_number(rs, s, "lookback_months", 1, 1, 240, &months, err)) < 0)
                break;
            char from[40];
            date_add_months(date, -(int)months, from);
            struct eg_stmt *st;
            rc = eg_db_prepare(db,
                               "SELECT kind, on_date, coalesce(ref, '') FROM "
                               "govern_poslist_events WHERE unit_id = ? AND on_date > ? AND "
                               "on_date <= ? ORDER BY on_date DESC",
                               &st, err);
            if (rc < 0)
                break;
            eg_stmt_bind_int(st, 1, unit_id);
            eg_stmt_bind_text(st, 2, from, 10);
            eg_stmt_bind_text(st, 3, date, 10);
            met = 1;
            while ((rc = eg_stmt_step(st, err)) == 1)
                if (met && word_in(events, eg_stmt_text(st, 0, NULL))) {
                    met = 0;
                    snprintf(detail, sizeof detail, "%s 有记录：%s %s", eg_stmt_text(st, 1, NULL),
                             eg_stmt_text(st, 0, NULL), eg_stmt_text(st, 2, NULL));
                }
            eg_stmt_done(st);
            if (rc < 0)
                break;
            if (met)
                snprintf(detail, sizeof detail, "%s 至 %s 无 %s 记录", from, date, events);
        } else if (!strcmp(s->name, "permit")) {
            int64_t permit = 0;
            rc = eg_permit_in_force_for_unit(db, unit_id, date, &permit, err);
            if (rc < 0)
                break;
            met = permit > 0;
            snprintf(detail, sizeof detail, "%s", met ? "持有有效许可或登记" : "无有效排污许可");
        } else {
            rc = eg_err_set(err, EG_EINVAL, "bad_ruleset", s->line,
                            "%s:%d: [condition %s]: unknown condition: use credit, no_penalty or "
                            "permit",
                            rs->file, s->line, s->name);
            break;
        }
        if (!met)
            *eligible = 0;
        json_array_append_new(a, json_pack("{s:s,s:s,s:b,s:s}", "condition", s->name, "label_zh",
                                           label, "met", met, "detail", detail));
    }
    if (rc < 0) {
        json_decref(a);
        *reasons = NULL;
        return rc;
    }
    *reasons = a;
    return 0;
}

int eg_poslist_check(struct eg_db *db, int64_t unit_id, const char *date, int *eligible,
                     json_t **reasons, struct eg_err *err)
{
    char buf[16];
    date = date_or_today(date, buf);
    *reasons = NULL;
    *eligible = 0;
    if (!eg__gov_date_ok(date))
        return eg_err_set(err, EG_EINVAL, "date", -1, "'%.40s': give the date as YYYY-MM-DD", date);
    struct eg_ruleset *rs;
    int rc = load_rules(db, date, &rs, err);
    if (rc < 0)
        return rc;
    rc = check_with(db, rs, unit_id, date, eligible, reasons, err);
    eg_ruleset_free(rs);
    return rc;
}

int eg_poslist_listed(struct eg_db *db, int64_t unit_id, const char *date, int *listed,
                      int64_t *entry_id, struct eg_err *err)
{
    char buf[16];
    date = date_or_today(date, buf);
    *listed = 0;
    if (!eg__gov_date_ok(date))
        return eg_err_set(err, EG_EINVAL, "date", -1, "'%.40s': give the date as YYYY-MM-DD", date);
    int64_t id = 0;
    int found = 0;
    int rc = eg_db_query_int(db,
                             "SELECT id FROM govern_poslist WHERE unit_id = ? AND status = "
                             "'active' AND included_on <= ?2 AND valid_until >= ?2 ORDER BY id "
                             "DESC LIMIT 1",
                             unit_id, date, &id, &found, err);
    if (rc < 0)
        return rc;
    *listed = found;
    if (entry_id)
        *entry_id = id;
    return 0;
}

int eg_poslist_include(struct eg_db *db, const struct eg_principal *who, int64_t unit_id,
                       const char *date, int64_t *entry_id, json_t **reasons, struct eg_err *err)
{
    char buf[16];
    date = date_or_today(date, buf);
    if (reasons)
        *reasons = NULL;
    if (!eg__gov_staff(who))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau manages the positive list: ask an officer");
    if (!eg__gov_date_ok(date))
        return eg_err_set(err, EG_EINVAL, "date", -1, "'%.40s': give the date as YYYY-MM-DD", date);
    int64_t region = 0;
    int found = 0;
    int rc = eg_registry_unit_region(db, unit_id, &region, &found, err);
    if (rc < 0)
        return rc;
    if (!found)
        return eg_err_set(err, EG_ENOTFOUND, "unit_id", -1, "unit %lld does not exist",
                          (long long)unit_id);
    struct eg_ruleset *rs;
    if ((rc = load_rules(db, date, &rs, err)) < 0)
        return rc;
    int own = 0, listed = 0, eligible = 0;
    json_t *why = NULL;
    rc = eg__gov_tx_begin(db, &own, err);
    if (rc < 0) {
        eg_ruleset_free(rs);
        return rc;
    }
    rc = eg_poslist_listed(db, unit_id, date, &listed, NULL, err);
    if (rc >= 0 && listed)
        rc =
            eg_err_set(err, EG_ECONFLICT, "listed", -1,
                       "unit %lld is already on the positive list on %s", (long long)unit_id, date);
    if (rc >= 0)
        rc = check_with(db, rs, unit_id, date, &eligible, &why, err);
    if (rc >= 0 && !eligible) {
        char failed[160] = "";
        size_t i;
        json_t *r;
        json_array_foreach(why, i, r)
        {
            if (!json_is_true(json_object_get(r, "met"))) {
                size_t l = strlen(failed);
                snprintf(failed + l, sizeof failed - l, "%s%s", l ? "、" : "",
                         json_string_value(json_object_get(r, "label_zh")));
            }
        }
        rc = eg_err_set(err, EG_EINVAL, "conditions_not_met", -1,
                        "unit %lld does not meet the conditions of %s: %s", (long long)unit_id,
                        rs->id, failed);
    }
    double months = 36;
    if (rc >= 0)
        rc = eg_rs_number(rs, NULL, "validity_months", 0, 1, 240, &months, err);
    int64_t id = 0;
    if (rc >= 0) {
        char until[40], t[40];
        date_add_months(date, (int)months, t);
        /* the last day of validity: the day before the same date months later */
        struct eg_civil c = {atoi(t), atoi(t + 5), atoi(t + 8), 0, 0, 0, 0};
        int64_t days = eg_days_from_civil(c.year, c.month, c.day) - 1;
        eg_civil_from_days(days, &c.year, &c.month, &c.day);
        snprintf(until, sizeof until, "%04d-%02d-%02d", c.year, c.month, c.day);
        char *reasons_text = json_dumps(why, JSON_COMPACT);
        struct eg_stmt *st;
        rc = eg_db_prepare(db,
                           "INSERT INTO govern_poslist (unit_id, included_on, valid_until, "
                           "status, ruleset_id, ruleset_version, ruleset_sha256, reasons, "
                           "included_by) VALUES (?,?,?,'active',?,?,?,?,?)",
                           &st, err);
        if (rc == 0) {
            eg_stmt_bind_int(st, 1, unit_id);
            eg_stmt_bind_text(st, 2, date, 10);
            eg_stmt_bind_text(st, 3, until, 10);
            eg_stmt_bind_text(st, 4, rs->id, strlen(rs->id));
            eg_stmt_bind_int(st, 5, rs->version);
            eg_stmt_bind_text(st, 6, rs->sha256, 64);
            eg_stmt_bind_text(st, 7, reasons_text, strlen(reasons_text));
            eg_stmt_bind_text(st, 8, who->username, strlen(who->username));
            rc = eg_stmt_step(st, err);
            eg_stmt_done(st);
            id = eg_db_last_id(db);
        }
        free(reasons_text);
        if (rc >= 0)
            rc = eg__gov_audit(db, who, "govern_poslist", id, "create", NULL,
                               json_pack("{s:I,s:s,s:s,s:s,s:O}", "unit_id", (json_int_t)unit_id,
                                         "included_on", date, "valid_until", until, "ruleset",
                                         rs->id, "reasons", why),
                               err);
    }
    eg_ruleset_free(rs);
    rc = eg__gov_tx_end(db, own, rc < 0 ? rc : 0, err);
    if (reasons)
        *reasons = why;
    else
        json_decref(why);
    if (rc >= 0 && entry_id)
        *entry_id = id;
    return rc < 0 ? rc : 0;
}

int eg_poslist_on_penalty(struct eg_db *db, const struct eg_principal *who, int64_t unit_id,
                          const char *kind, const char *date, const char *ref, int *removed,
                          struct eg_err *err)
{
    char buf[16];
    date = date_or_today(date, buf);
    if (removed)
        *removed = 0;
    if (!eg__gov_staff(who))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau records penalties and incidents: ask an officer");
    if (!kind ||
        (strcmp(kind, "penalty") && strcmp(kind, "incident") && strcmp(kind, "serious_violation")))
        return eg_err_set(err, EG_EINVAL, "kind", -1,
                          "kind '%.32s': use penalty, incident or serious_violation",
                          kind ? kind : "");
    if (!eg__gov_date_ok(date))
        return eg_err_set(err, EG_EINVAL, "date", -1, "'%.40s': give the date as YYYY-MM-DD", date);
    struct eg_ruleset *rs = NULL;
    struct eg_err e2 = {0};
    int rc = load_rules(db, date, &rs, &e2);
    if (rc < 0 && rc != EG_ENOTFOUND) { /* no list in force that day: the event still counts */
        if (err)
            *err = e2;
        return rc;
    }
    int removal = 0;
    for (int i = 0; rs && i < rs->nsections; i++)
        if (!strcmp(rs->sections[i].type, "removal") && !strcmp(rs->sections[i].name, kind))
            removal = 1;
    int own;
    rc = eg__gov_tx_begin(db, &own, err);
    if (rc < 0) {
        eg_ruleset_free(rs);
        return rc;
    }
    /* 一证式: filed against the unit's permit in force on the event's date */
    int64_t permit = 0;
    rc = eg_permit_in_force_for_unit(db, unit_id, date, &permit, err);
    struct eg_stmt *st;
    if (rc == 0)
        rc = eg_db_prepare(db,
                           "INSERT INTO govern_poslist_events (unit_id, kind, on_date, ref, "
                           "recorded_at, permit_id) VALUES (?,?,?,?,?,?)",
                           &st, err);
    if (rc == 0) {
        eg_stmt_bind_int(st, 1, unit_id);
        eg_stmt_bind_text(st, 2, kind, strlen(kind));
        eg_stmt_bind_text(st, 3, date, 10);
        if (ref)
            eg_stmt_bind_text(st, 4, ref, strlen(ref));
        else
            eg_stmt_bind_null(st, 4);
        eg_stmt_bind_int(st, 5, eg_time_now());
        if (permit)
            eg_stmt_bind_int(st, 6, permit);
        else
            eg_stmt_bind_null(st, 6);
        rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
        if (rc == EG_ECONFLICT)
            rc = eg_err_set(err, EG_ENOTFOUND, "unit_id", -1, "unit %lld does not exist",
                            (long long)unit_id);
    }
    int64_t entry = 0;
    int listed = 0;
    if (rc >= 0 && removal)
        rc = eg_poslist_listed(db, unit_id, date, &listed, &entry, err);
    if (rc >= 0 && listed) {
        rc = eg_db_prepare(db,
                           "UPDATE govern_poslist SET status = 'removed', removed_on = ?, "
                           "removal_reason = ?, removal_ref = ? WHERE id = ?",
                           &st, err);
        if (rc == 0) {
            eg_stmt_bind_text(st, 1, date, 10);
            eg_stmt_bind_text(st, 2, kind, strlen(kind));
            if (ref)
                eg_stmt_bind_text(st, 3, ref, strlen(ref));
            else
                eg_stmt_bind_null(st, 3);
            eg_stmt_bind_int(st, 4, entry);
            rc = eg_stmt_step(st, err);
            eg_stmt_done(st);
        }
        if (rc >= 0)
            rc = eg__gov_audit(db, who, "govern_poslist", entry, "update", NULL,
                               json_pack("{s:s,s:s,s:s,s:s?}", "status", "removed", "removed_on",
                                         date, "removal_reason", kind, "removal_ref", ref),
                               err);
        if (rc >= 0 && removed)
            *removed = 1;
    }
    eg_ruleset_free(rs);
    rc = eg__gov_tx_end(db, own, rc < 0 ? rc : 0, err);
    return rc < 0 ? rc : 0;
}

int eg_poslist_check_inspection(struct eg_db *db, int64_t unit_id, const char *date,
                                const char *trigger, const char *ref, struct eg_err *err)
{
    char buf[16];
    date = date_or_today(date, buf);
    int listed = 0;
    int rc = eg_poslist_listed(db, unit_id, date, &listed, NULL, err);
    if (rc < 0 || !listed)
        return rc;
    struct eg_ruleset *rs;
    if ((rc = load_rules(db, date, &rs, err)) < 0)
        return rc;
    char names[256] = "";
    int ok = 0;
    for (int i = 0; i < rs->nsections; i++) {
        const struct eg_rs_section *s = &rs->sections[i];
        if (strcmp(s->type, "trigger"))
            continue;
        const struct eg_rs_entry *l = eg_rs_find(s, "label");
        size_t n = strlen(names);
        snprintf(names + n, sizeof names - n, "%s%s (%s)", n ? ", " : "", s->name,
                 l ? l->value : "");
        if (trigger && !strcmp(trigger, s->name))
            ok = 1;
    }
    eg_ruleset_free(rs);
    if (!ok)
        return eg_err_set(err, EG_EINVAL, "trigger_required", -1,
                          "unit %lld is on the positive list (supervised off site): an on-site "
                          "inspection must name a trigger: %s",
                          (long long)unit_id, names);
    if (!ref || !*ref)
        return eg_err_set(err, EG_EINVAL, "trigger_ref", -1,
                          "trigger %s needs a reference (the complaint, event or alert it "
                          "verifies)",
                          trigger);
    return 0;
}

int eg_poslist_list(struct eg_db *db, int active_only, json_t **rows, struct eg_err *err)
{
    *rows = NULL;
    struct eg_stmt *st;
    int rc = eg_db_prepare(db,
                           "SELECT p.id, p.unit_id, u.name, p.included_on, p.valid_until, "
                           "p.status, p.reasons, p.removed_on, p.removal_reason, p.ruleset_id, "
                           "p.ruleset_version FROM govern_poslist p JOIN units u ON u.id = "
                           "p.unit_id WHERE (? = 0 OR p.status = 'active') ORDER BY p.id DESC "
                           "LIMIT 10000",
                           &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, active_only);
    json_t *a = json_array();
    while ((rc = eg_stmt_step(st, err)) == 1) {
        size_t l;
        const char *r = eg_stmt_text(st, 6, &l);
        json_array_append_new(
            a,
            json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:o,s:s?,s:s?,s:{s:s,s:I}}", "id",
                      (json_int_t)eg_stmt_int(st, 0), "unit_id", (json_int_t)eg_stmt_int(st, 1),
                      "unit", eg_stmt_text(st, 2, NULL), "included_on", eg_stmt_text(st, 3, NULL),
                      "valid_until", eg_stmt_text(st, 4, NULL), "status", eg_stmt_text(st, 5, NULL),
                      "reasons", json_loadb(r, l, 0, NULL), "removed_on", eg_stmt_text(st, 7, NULL),
                      "removal_reason", eg_stmt_text(st, 8, NULL), "ruleset", "id",
                      eg_stmt_text(st, 9, NULL), "version", (json_int_t)eg_stmt_int(st, 10)));
    }
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *rows = a;
    return 0;
}

int eg_poslist_events_of_permit(struct eg_db *db, int64_t permit_id, json_t **rows,
                                struct eg_err *err)
{
    static const char *const zh[][2] = {
        {"penalty", "行政处罚"}, {"incident", "突发环境事件"}, {"serious_violation", "严重违法"}};
    *rows = NULL;
    struct eg_stmt *st;
    int rc = eg_db_prepare(db,
                           "SELECT id, unit_id, kind, on_date, coalesce(ref, '') FROM "
                           "govern_poslist_events WHERE permit_id = ? ORDER BY on_date DESC, id "
                           "DESC",
                           &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, permit_id);
    json_t *a = json_array();
    while ((rc = eg_stmt_step(st, err)) == 1) {
        const char *kind = eg_stmt_text(st, 2, NULL);
        const char *kz = "";
        for (size_t i = 0; i < EG_ARRAY_LEN(zh); i++)
            if (kind && !strcmp(kind, zh[i][0]))
                kz = zh[i][1];
        json_array_append_new(a, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:I}", "id",
                                           (json_int_t)eg_stmt_int(st, 0), "unit_id",
                                           (json_int_t)eg_stmt_int(st, 1), "kind", kind ? kind : "",
                                           "kind_zh", kz, "on_date", eg_stmt_text(st, 3, NULL),
                                           "ref", eg_stmt_text(st, 4, NULL), "permit_id",
                                           (json_int_t)permit_id));
    }
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *rows = a;
    return 0;
}
