/*
 * exempt.c: the minor-violation exemption list (轻微违法违规行为免罚清单, governance.md §4,
 * research §4): a violation is checked against the list in force on its date; the item, every
 * condition met or not, the decision and the education given are recorded (行政处罚法 Art. 33:
 * minor, corrected in time, no harm -> no penalty; the party still receives education).
 */
#include "govern/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *label_zh;
} conds[] = {
    {"first_discovery", "首次被发现"},
    {"corrected_on_spot", "当场整改"},
    {"stopped_and_restored", "及时停止并恢复原状"},
    {"corrected", "及时纠正"},
    {"corrected_within", "在规定期限内改正"},
    {"no_harm", "没有造成危害后果"},
};

static const char *cond_label(const char *name)
{
    for (size_t i = 0; i < EG_ARRAY_LEN(conds); i++)
        if (!strcmp(conds[i].name, name))
            return conds[i].label_zh;
    return NULL;
}

/* Adds each word of list to the conditions array, evaluated on the facts. */
static int eval_list(const struct eg_ruleset *rs, const struct eg_rs_entry *e, const char *list,
                     const struct eg_exempt_facts *f, int first, double within, json_t *out,
                     int *all, struct eg_err *err)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *w = strtok_r(buf, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
        const char *label = cond_label(w);
        if (!label)
            return eg_rs_fail(rs, e, err,
                              "'%.40s' is not a condition: use first_discovery, corrected_on_spot, "
                              "stopped_and_restored, corrected, corrected_within, no_harm",
                              w);
        int met;
        char detail[120];
        if (!strcmp(w, "first_discovery")) {
            met = first;
            snprintf(detail, sizeof detail, "%s",
                     met ? "首次被发现" : "此前已有同类违法记录或认定非首次");
        } else if (!strcmp(w, "corrected_on_spot")) {
            met = f->corrected_on_spot;
            snprintf(detail, sizeof detail, "%s", met ? "已当场整改" : "未当场整改");
        } else if (!strcmp(w, "stopped_and_restored")) {
            met = f->stopped_and_restored;
            snprintf(detail, sizeof detail, "%s", met ? "已及时停止并恢复原状" : "未恢复原状");
        } else if (!strcmp(w, "corrected")) {
            met = f->corrected_days >= 0;
            if (met)
                snprintf(detail, sizeof detail, "已改正（用时 %g 日）", f->corrected_days);
            else
                snprintf(detail, sizeof detail, "未改正");
        } else if (!strcmp(w, "corrected_within")) {
            met = f->corrected_days >= 0 && f->corrected_days <= within;
            snprintf(detail, sizeof detail, "规定 %g 日内改正，%s", within,
                     f->corrected_days < 0 ? "未改正"
                     : met                 ? "已按期改正"
                                           : "逾期改正");
        } else {
            met = f->no_harm;
            snprintf(detail, sizeof detail, "%s", met ? "未造成危害后果" : "造成了危害后果");
        }
        if (!met)
            *all = 0;
        json_array_append_new(out, json_pack("{s:s,s:s,s:b,s:s}", "condition", w, "label_zh", label,
                                             "met", met, "detail", detail));
    }
    return 0;
}

int eg_exempt_check(struct eg_db *db, const struct eg_principal *who, int64_t unit_id,
                    const struct eg_exempt_facts *f, json_t **decision, struct eg_err *err)
{
    *decision = NULL;
    if (!eg__gov_staff(who))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau decides on exemptions: ask an officer of the bureau");
    if (!f || !f->violation || !*f->violation || strlen(f->violation) > 64)
        return eg_err_set(err, EG_EINVAL, "violation", -1,
                          "violation: give the violation code of the exemption list");
    if (!eg__gov_date_ok(f->date))
        return eg_err_set(err, EG_EINVAL, "date", -1,
                          "date '%.40s': give the violation's date as YYYY-MM-DD",
                          f->date ? f->date : "");
    if (f->education && strlen(f->education) > 4000)
        return eg_err_set(err, EG_ETOOBIG, "education", -1, "education: at most 4000 bytes");
    int64_t found_unit = 0;
    int found = 0;
    int rc = eg_registry_unit_region(db, unit_id, &found_unit, &found, err);
    if (rc < 0)
        return rc;
    if (!found)
        return eg_err_set(err, EG_ENOTFOUND, "unit_id", -1, "unit %lld does not exist",
                          (long long)unit_id);
    struct eg_ruleset *rs = NULL;
    struct eg_err e2 = {0};
    rc = eg_ruleset_in_force(db, "exemption_list", NULL, f->date, &rs, &e2);
    if (rc < 0 && rc != EG_ENOTFOUND) {
        if (err)
            *err = e2;
        return rc;
    }
    /* The item for the violation. */
    const struct eg_rs_section *item = NULL;
    for (int i = 0; rs && i < rs->nsections; i++) {
        const struct eg_rs_entry *v = eg_rs_find(&rs->sections[i], "violation");
        if (!strcmp(rs->sections[i].type, "item") && v && !strcmp(v->value, f->violation))
            item = &rs->sections[i];
    }
    /* First discovery: the officer's finding, and no earlier check of this violation. */
    int64_t earlier = 0;
    rc = eg_db_query_int(db,
                         "SELECT count(*) FROM govern_exemptions WHERE unit_id = ? AND violation "
                         "= ?",
                         unit_id, f->violation, &earlier, &found, err);
    if (rc < 0) {
        eg_ruleset_free(rs);
        return rc;
    }
    int first = f->first_discovery && earlier == 0;
    json_t *cs = json_array();
    int all = 1;
    const char *label = NULL;
    char reason[300];
    if (item) {
        const char *base = NULL, *list = NULL;
        double within = 0;
        rc = eg_rs_text(rs, item, "label", 1, &label, err);
        if (rc >= 0)
            rc = eg_rs_text(rs, NULL, "base_conditions", 0, &base, err);
        if (rc >= 0)
            rc = eg_rs_text(rs, item, "conditions", 0, &list, err);
        if (rc >= 0)
            rc = eg_rs_number(rs, item, "within_days", 0, 0, 365, &within, err);
        if (rc >= 0 && base) {
            const struct eg_rs_entry *be = NULL;
            for (int i = 0; i < rs->nheader; i++)
                if (!strcmp(rs->header[i].key, "base_conditions"))
                    be = &rs->header[i];
            rc = eval_list(rs, be, base, f, first, within, cs, &all, err);
        }
        if (rc >= 0 && list)
            rc = eval_list(rs, eg_rs_find(item, "conditions"), list, f, first, within, cs, &all,
                           err);
        if (rc >= 0)
            snprintf(reason, sizeof reason, "%s第%s项：%s", all ? "符合免罚清单" : "不符合免罚清单",
                     item->name, all ? "条件均满足，不予行政处罚，应予教育" : "有条件未满足");
    } else {
        all = 0;
        snprintf(reason, sizeof reason, "%s",
                 rs ? "该违法行为不在免罚清单内" : "该日期无有效的免罚清单");
    }
    if (rc >= 0 && all && (!f->education || !*f->education))
        rc = eg_err_set(err, EG_EINVAL, "education", -1,
                        "the violation is exempt: record the education given to the party "
                        "(行政处罚法第三十三条：对当事人进行教育)");
    int own = 0, began = 0;
    int64_t id = 0;
    char *ctext = NULL;
    if (rc >= 0) {
        rc = eg__gov_tx_begin(db, &own, err);
        began = rc >= 0;
    }
    if (rc >= 0) {
        ctext = json_dumps(cs, JSON_COMPACT);
        struct eg_stmt *st;
        rc = eg_db_prepare(db,
                           "INSERT INTO govern_exemptions (unit_id, violation, on_date, case_ref, "
                           "item, exempt, conditions, education, ruleset_id, ruleset_version, "
                           "ruleset_sha256, decided_at, decided_by) VALUES "
                           "(?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           &st, err);
        if (rc == 0) {
            eg_stmt_bind_int(st, 1, unit_id);
            eg_stmt_bind_text(st, 2, f->violation, strlen(f->violation));
            eg_stmt_bind_text(st, 3, f->date, 10);
            if (f->case_ref)
                eg_stmt_bind_text(st, 4, f->case_ref, strlen(f->case_ref));
            else
                eg_stmt_bind_null(st, 4);
            if (item)
                eg_stmt_bind_text(st, 5, item->name, strlen(item->name));
            else
                eg_stmt_bind_null(st, 5);
            eg_stmt_bind_int(st, 6, all);
            eg_stmt_bind_text(st, 7, ctext, strlen(ctext));
            if (f->education)
                eg_stmt_bind_text(st, 8, f->education, strlen(f->education));
            else
                eg_stmt_bind_null(st, 8);
            if (rs) {
                eg_stmt_bind_text(st, 9, rs->id, strlen(rs->id));
                eg_stmt_bind_int(st, 10, rs->version);
                eg_stmt_bind_text(st, 11, rs->sha256, 64);
            } else {
                eg_stmt_bind_null(st, 9);
                eg_stmt_bind_null(st, 10);
                eg_stmt_bind_null(st, 11);
            }
            eg_stmt_bind_int(st, 12, eg_time_now());
            eg_stmt_bind_text(st, 13, who->username, strlen(who->username));
            rc = eg_stmt_step(st, err);
            eg_stmt_done(st);
            id = eg_db_last_id(db);
        }
    }
    json_t *d = NULL;
    if (rc >= 0) {
        d = json_pack("{s:I,s:I,s:s,s:s,s:b,s:s?,s:s?,s:O,s:s?,s:s}", "id", (json_int_t)id,
                      "unit_id", (json_int_t)unit_id, "violation", f->violation, "date", f->date,
                      "exempt", all, "item", item ? item->name : NULL, "label_zh", label,
                      "conditions", cs, "education", f->education, "reason_zh", reason);
        if (rs)
            json_object_set_new(d, "ruleset",
                                json_pack("{s:s,s:I,s:s}", "id", rs->id, "version",
                                          (json_int_t)rs->version, "sha256", rs->sha256));
        rc = eg__gov_audit(db, who, "govern_exemptions", id, "create", NULL, json_incref(d), err);
    }
    if (began)
        rc = eg__gov_tx_end(db, own, rc < 0 ? rc : 0, err);
    free(ctext);
    json_decref(cs);
    eg_ruleset_free(rs);
    if (rc < 0) {
        json_decref(d);
        return rc;
    }
    *decision = d;
    return 0;
}

int eg_exempt_list(struct eg_db *db, const struct eg_principal *who, int64_t unit_id, json_t **rows,
                   struct eg_err *err)
{
    *rows = NULL;
    if (!eg__gov_staff(who) && !(who && who->role == EG_ROLE_ENTERPRISE && who->unit_id == unit_id))
        return eg_err_set(err, EG_ENOTFOUND, "not_found", -1,
                          "no exemption decisions of unit %lld that you may see",
                          (long long)unit_id);
    struct eg_stmt *st;
    int rc = eg_db_prepare(db,
                           "SELECT id, violation, on_date, case_ref, item, exempt, conditions, "
                           "education, ruleset_id, decided_at FROM govern_exemptions WHERE "
                           "unit_id = ? ORDER BY id DESC LIMIT 1000",
                           &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, unit_id);
    json_t *a = json_array();
    while ((rc = eg_stmt_step(st, err)) == 1) {
        size_t l;
        const char *c = eg_stmt_text(st, 6, &l);
        char when[32];
        eg_time_format_beijing(eg_stmt_int(st, 9), when, sizeof when);
        json_array_append_new(
            a, json_pack("{s:I,s:s,s:s,s:s?,s:s?,s:b,s:o,s:s?,s:s?,s:s}", "id",
                         (json_int_t)eg_stmt_int(st, 0), "violation", eg_stmt_text(st, 1, NULL),
                         "date", eg_stmt_text(st, 2, NULL), "case_ref", eg_stmt_text(st, 3, NULL),
                         "item", eg_stmt_text(st, 4, NULL), "exempt", (int)eg_stmt_int(st, 5),
                         "conditions", json_loadb(c, l, 0, NULL), "education",
                         eg_stmt_text(st, 7, NULL), "ruleset", eg_stmt_text(st, 8, NULL),
                         "decided_at", when));
    }
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *rows = a;
    return 0;
}
