/*
 * permits.c: permits drive supervision (一证式, seed 004; governance.md §7; issue 13 item 7):
 * the execution reports each permit requires (cadences set per permit) and those submitted, the
 * reports missing on a date, the permits expiring within a window (renewal is applied for at
 * least 60 days before expiry: 排污许可管理办法 Art. 14), and the park coverage rate (seed 000:
 * every enterprise of a park holds a permit or a registration). Cases are filed against the
 * unit's permit in cases.c.
 */
#include "govern/internal.h"
#include "rules/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cadence_ok(const char *c)
{
    return c && (!strcmp(c, "annual") || !strcmp(c, "semiannual") || !strcmp(c, "quarterly") ||
                 !strcmp(c, "monthly"));
}

static const char *cadence_zh(const char *c)
{
    return !strcmp(c, "annual")       ? "年度执行报告"
           : !strcmp(c, "semiannual") ? "半年执行报告"
           : !strcmp(c, "quarterly")  ? "季度执行报告"
                                      : "月度执行报告";
}

/* The period label of a cadence ending with month m (1..12) of year y, or 0 when no period of
   that cadence ends then. */
static int period_ending(const char *c, int y, int m, char out[32])
{
    if (!strcmp(c, "monthly"))
        snprintf(out, 32, "%04d-%02d", y, m);
    else if (!strcmp(c, "quarterly") && m % 3 == 0)
        snprintf(out, 32, "%04d-Q%d", y, m / 3);
    else if (!strcmp(c, "semiannual") && m % 6 == 0)
        snprintf(out, 32, "%04d-H%d", y, m / 6);
    else if (!strcmp(c, "annual") && m == 12)
        snprintf(out, 32, "%04d", y);
    else
        return 0;
    return 1;
}

/* 1 when period is a well-formed label of cadence c. */
static int period_ok(const char *c, const char *p)
{
    size_t n = strlen(p);
    for (int i = 0; i < 4; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    if (!strcmp(c, "annual"))
        return n == 4;
    if (n != 7 || p[4] != '-')
        return 0;
    if (!strcmp(c, "monthly"))
        return p[5] >= '0' && p[5] <= '1' && p[6] >= '0' && p[6] <= '9' &&
               (p[5] - '0') * 10 + (p[6] - '0') >= 1 && (p[5] - '0') * 10 + (p[6] - '0') <= 12;
    if (!strcmp(c, "quarterly"))
        return p[5] == 'Q' && p[6] >= '1' && p[6] <= '4';
    return p[5] == 'H' && (p[6] == '1' || p[6] == '2');
}

static int permit_unit(struct eg_db *db, int64_t permit_id, int64_t *unit, struct eg_err *err)
{
    return eg_permit_unit(db, permit_id, unit, err);
}

int eg_permit_report_plan_set(struct eg_db *db, const struct eg_principal *who, int64_t permit_id,
                              const char *cadence, int required, struct eg_err *err)
{
    if (!eg__gov_staff(who))
        return eg_err_set(err, who->role == EG_ROLE_ANON ? EG_EAUTH : EG_EPERM, "forbidden", -1,
                          "only bureau staff set a permit's execution-report cadences");
    if (!cadence_ok(cadence))
        return eg_err_set(err, EG_EINVAL, "cadence", -1,
                          "cadence: use annual, semiannual, quarterly or monthly");
    int64_t unit;
    int rc = permit_unit(db, permit_id, &unit, err);
    if (rc < 0)
        return rc;
    int64_t have = 0;
    int found = 0;
    if ((rc = eg_db_query_int(db,
                              "SELECT count(*) FROM govern_permit_report_plans WHERE permit_id = "
                              "?1 AND cadence = ?2",
                              permit_id, cadence, &have, &found, err)) < 0)
        return rc;
    if (required ? have > 0 : have == 0)
        return 0;
    struct eg_stmt *st;
    rc = eg_db_prepare(db,
                       required ? "INSERT INTO govern_permit_report_plans (permit_id, cadence) "
                                  "VALUES (?, ?)"
                                : "DELETE FROM govern_permit_report_plans WHERE permit_id = ? AND "
                                  "cadence = ?",
                       &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, permit_id);
    eg_stmt_bind_text(st, 2, cadence, strlen(cadence));
    rc = eg_stmt_step(st, err);
    eg_stmt_done(st);
    if (rc < 0)
        return rc;
    json_t *after = json_pack("{s:s}", "cadence", cadence);
    rc = eg_audit_append(db, who, "govern_permit_report_plans", permit_id,
                         required ? "create" : "delete", NULL, after, err);
    json_decref(after); /* eg_audit_append does not take it */
    return rc;
}

int eg_permit_report_submit(struct eg_db *db, const struct eg_principal *who, int64_t permit_id,
                            const char *cadence, const char *period, const char *date,
                            int64_t *report_id, struct eg_err *err)
{
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "auth", -1, "log in to submit a report");
    if (!cadence_ok(cadence))
        return eg_err_set(err, EG_EINVAL, "cadence", -1,
                          "cadence: use annual, semiannual, quarterly or monthly");
    if (!period || !period_ok(cadence, period))
        return eg_err_set(err, EG_EINVAL, "period", -1, "period: for %s give %s", cadence,
                          !strcmp(cadence, "annual")       ? "YYYY (2024)"
                          : !strcmp(cadence, "semiannual") ? "YYYY-H1 or YYYY-H2"
                          : !strcmp(cadence, "quarterly")  ? "YYYY-Q1 .. YYYY-Q4"
                                                           : "YYYY-MM");
    if (!date || !eg__gov_date_ok(date))
        return eg_err_set(err, EG_EINVAL, "date", -1, "date: give YYYY-MM-DD (Beijing)");
    int64_t unit;
    int rc = permit_unit(db, permit_id, &unit, err);
    if (rc < 0)
        return rc;
    /* The enterprise its own permits only; unknown and out-of-scope answer alike. */
    if (!eg__gov_staff(who) && !(who->role == EG_ROLE_ENTERPRISE && who->unit_id == unit))
        return eg_err_set(err, EG_ENOTFOUND, "permit_id", -1, "permit %lld does not exist",
                          (long long)permit_id);
    struct eg_stmt *st;
    rc = eg_db_prepare(db,
                       "INSERT INTO govern_permit_reports (permit_id, cadence, period, "
                       "submitted_on, submitted_by) VALUES (?, ?, ?, ?, ?)",
                       &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, permit_id);
    eg_stmt_bind_text(st, 2, cadence, strlen(cadence));
    eg_stmt_bind_text(st, 3, period, strlen(period));
    eg_stmt_bind_text(st, 4, date, strlen(date));
    eg_stmt_bind_text(st, 5, who->username, strlen(who->username));
    rc = eg_stmt_step(st, err);
    eg_stmt_done(st);
    if (rc == EG_ECONFLICT)
        return eg_err_set(err, EG_ECONFLICT, "period", -1,
                          "the %s of permit %lld for %s has already been submitted",
                          cadence_zh(cadence), (long long)permit_id, period);
    if (rc < 0)
        return rc;
    int64_t id = eg_db_last_id(db);
    if (report_id)
        *report_id = id;
    json_t *after = json_pack("{s:I,s:s,s:s,s:s}", "permit_id", (json_int_t)permit_id, "cadence",
                              cadence, "period", period, "submitted_on", date);
    rc = eg_audit_append(db, who, "govern_permit_reports", id, "create", NULL, after, err);
    json_decref(after);
    return rc;
}

static int ymd(const char *d, int *y, int *m, int *dd)
{
    return sscanf(d, "%4d-%2d-%2d", y, m, dd) == 3 ? 0 : -1;
}

int eg_permit_reports_missing(struct eg_db *db, const char *date, json_t **rows, struct eg_err *err)
{
    *rows = NULL;
    int y, m, dd;
    if (!date || !eg__gov_date_ok(date) || ymd(date, &y, &m, &dd) < 0)
        return eg_err_set(err, EG_EINVAL, "date", -1, "date: give YYYY-MM-DD (Beijing)");
    struct eg_stmt *st;
    int rc = eg_db_prepare(
        db,
        "SELECT p.id, p.number, p.unit_id, u.name, pl.cadence, coalesce(p.valid_from, ''), "
        "coalesce(p.valid_to, '9999-12-31') FROM govern_permit_report_plans pl JOIN permits p ON "
        "p.id = pl.permit_id JOIN units u ON u.id = p.unit_id WHERE p.status = 'valid' ORDER BY "
        "p.id, pl.cadence",
        &st, err);
    if (rc < 0)
        return rc;
    json_t *out = json_array();
    struct plan {
        int64_t permit, unit;
        char number[64], unit_name[128], cadence[16], from[16], to[16];
    } *plans = NULL;
    int nplans = 0;
    while ((rc = eg_stmt_step(st, err)) == 1) {
        plans = eg_realloc(plans, (size_t)(nplans + 1) * sizeof *plans);
        struct plan *p = &plans[nplans++];
        p->permit = eg_stmt_int(st, 0);
        snprintf(p->number, sizeof p->number, "%s", eg_stmt_text(st, 1, NULL));
        p->unit = eg_stmt_int(st, 2);
        snprintf(p->unit_name, sizeof p->unit_name, "%s", eg_stmt_text(st, 3, NULL));
        snprintf(p->cadence, sizeof p->cadence, "%s", eg_stmt_text(st, 4, NULL));
        snprintf(p->from, sizeof p->from, "%s", eg_stmt_text(st, 5, NULL));
        snprintf(p->to, sizeof p->to, "%s", eg_stmt_text(st, 6, NULL));
    }
    eg_stmt_done(st);
    for (int i = 0; rc >= 0 && i < nplans; i++) {
        const struct plan *p = &plans[i];
        /* Periods ending in the 13 months before the date's month whose report was due (the
           15th of the next month) on or before the date, within the permit's validity. */
        for (int k = 13; k >= 1 && rc >= 0; k--) {
            int em = m - k, ey = y;
            while (em < 1) {
                em += 12;
                ey--;
            }
            char period[32], end[32], due[32];
            if (!period_ending(p->cadence, ey, em, period))
                continue;
            snprintf(end, sizeof end, "%04d-%02d-28", ey, em);
            snprintf(due, sizeof due, "%04d-%02d-15", em == 12 ? ey + 1 : ey,
                     em == 12 ? 1 : em + 1);
            if (strcmp(due, date) > 0 || strcmp(end, p->from) < 0 || strncmp(end, p->to, 7) > 0)
                continue;
            int64_t n = 0;
            int found = 0;
            struct eg_stmt *q;
            if ((rc = eg_db_prepare(db,
                                    "SELECT count(*) FROM govern_permit_reports WHERE permit_id "
                                    "= ? AND cadence = ? AND period = ?",
                                    &q, err)) < 0)
                break;
            eg_stmt_bind_int(q, 1, p->permit);
            eg_stmt_bind_text(q, 2, p->cadence, strlen(p->cadence));
            eg_stmt_bind_text(q, 3, period, strlen(period));
            if ((rc = eg_stmt_step(q, err)) == 1) {
                n = eg_stmt_int(q, 0);
                found = 1;
            }
            eg_stmt_done(q);
            if (rc < 0)
                break;
            rc = 0;
            if (found && n == 0)
                json_array_append_new(out, json_pack("{s:I,s:s,s:I,s:s,s:s,s:s,s:s,s:s}",
                                                     "permit_id", (json_int_t)p->permit, "number",
                                                     p->number, "unit_id", (json_int_t)p->unit,
                                                     "unit", p->unit_name, "cadence", p->cadence,
                                                     "cadence_zh", cadence_zh(p->cadence), "period",
                                                     period, "due_on", due));
        }
    }
    free(plans);
    if (rc < 0) {
        json_decref(out);
        return rc;
    }
    *rows = out;
    return 0;
}

struct expiring_ctx {
    json_t *out;
    int64_t today;
};

static int expiring_row(void *arg, const struct eg_registry_permit_row *p)
{
    struct expiring_ctx *c = arg;
    if (!p->valid_to || !eg__gov_date_ok(p->valid_to))
        return 0; /* a malformed date in the registry: not listed */
    int64_t left = eg__gov_day_number(p->valid_to) - c->today;
    json_array_append_new(c->out,
                          json_pack("{s:I,s:s,s:I,s:s,s:s,s:s,s:I,s:b,s:s}", "permit_id",
                                    (json_int_t)p->permit_id, "number", p->number, "unit_id",
                                    (json_int_t)p->unit_id, "unit", p->unit, "category",
                                    p->category, "valid_to", p->valid_to, "days_left",
                                    (json_int_t)left, "renewal_overdue", left < 60, "note_zh",
                                    "有效期届满60日前应提出延续申请（排污许可管理办法第十四条）"));
    return 0;
}

int eg_permits_expiring(struct eg_db *db, const char *date, int days, json_t **rows,
                        struct eg_err *err)
{
    *rows = NULL;
    if (!date || !eg__gov_date_ok(date))
        return eg_err_set(err, EG_EINVAL, "date", -1, "date: give YYYY-MM-DD (Beijing)");
    if (days < 1 || days > 3660)
        return eg_err_set(err, EG_EINVAL, "days", -1, "days: give 1..3660 (default 60)");
    char last[11];
    struct expiring_ctx c = {json_array(), eg__gov_day_number(date)};
    eg__gov_day_date(c.today + days, last);
    int rc = eg_registry_permits_expiring_each(db, date, last, expiring_row, &c, err);
    if (rc < 0) {
        json_decref(c.out);
        return rc;
    }
    *rows = c.out;
    return 0;
}

struct coverage_ctx {
    json_t *out, *cur;
    int64_t cur_id, n, covered;
};

static void coverage_close(struct coverage_ctx *c)
{
    if (!c->cur)
        return;
    json_object_set_new(c->cur, "enterprises", json_integer((json_int_t)c->n));
    json_object_set_new(c->cur, "covered", json_integer((json_int_t)c->covered));
    json_object_set_new(c->cur, "rate",
                        c->n ? json_real((double)c->covered / (double)c->n) : json_null());
}

static int coverage_row(void *arg, const struct eg_registry_park_member *m)
{
    struct coverage_ctx *c = arg;
    if (m->park_id != c->cur_id) {
        coverage_close(c);
        c->cur = json_pack("{s:I,s:s,s:[]}", "park_id", (json_int_t)m->park_id, "park",
                           m->park ? m->park : "", "uncovered");
        json_array_append_new(c->out, c->cur);
        c->cur_id = m->park_id;
        c->n = c->covered = 0;
    }
    if (!m->unit_id)
        return 0;
    c->n++;
    if (m->covered)
        c->covered++;
    else
        json_array_append_new(json_object_get(c->cur, "uncovered"),
                              json_pack("{s:I,s:s}", "unit_id", (json_int_t)m->unit_id, "unit",
                                        m->unit ? m->unit : ""));
    return 0;
}

int eg_park_coverage(struct eg_db *db, int64_t park_id, const char *date, json_t **rows,
                     struct eg_err *err)
{
    *rows = NULL;
    if (!date || !eg__gov_date_ok(date))
        return eg_err_set(err, EG_EINVAL, "date", -1, "date: give YYYY-MM-DD (Beijing)");
    struct coverage_ctx c = {json_array(), NULL, -1, 0, 0};
    int rc = eg_registry_park_members_each(db, park_id, date, coverage_row, &c, err);
    coverage_close(&c);
    if (rc < 0) {
        json_decref(c.out);
        return rc;
    }
    if (park_id && !json_array_size(c.out)) {
        json_decref(c.out);
        return eg_err_set(err, EG_ENOTFOUND, "park_id", -1, "unit %lld is not a park",
                          (long long)park_id);
    }
    *rows = c.out;
    return 0;
}

int eg_permit_supervision(struct eg_db *db, const struct eg_principal *who, int64_t permit_id,
                          json_t **out, struct eg_err *err)
{
    *out = NULL;
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "login_required", -1, "log in to see a permit's records");
    if (!eg__gov_staff(who) && who->role != EG_ROLE_ENTERPRISE)
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau and the permit's holder see what is filed against it");
    json_t *permit = NULL, *cases = NULL, *alerts = NULL, *pen = NULL;
    /* the registry's row scope decides whether who may read the permit at all */
    int rc = eg_registry_get(db, eg_registry_find("permits"), who, permit_id, &permit, err);
    if (rc == 0 && !eg__gov_staff(who) &&
        json_integer_value(json_object_get(permit, "unit_id")) != who->unit_id)
        rc = eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "no permit %lld", (long long)permit_id);
    struct eg_flow_query q = {.limit = 1000, .field = "permit_id", .field_value = permit_id};
    if (rc == 0)
        rc = eg_flow_list(db, &eg_case_kind, who, &q, &cases, NULL, err);
    struct eg_alerts_filter f = {.permit_id = permit_id, .limit = 1000};
    if (rc == 0)
        rc = eg_alerts_list(db, who, &f, &alerts, err);
    if (rc == 0)
        rc = eg_poslist_events_of_permit(db, permit_id, &pen, err);
    if (rc < 0) {
        json_decref(permit);
        json_decref(cases);
        json_decref(alerts);
        return rc;
    }
    *out = json_pack("{s:o, s:o, s:o, s:o}", "permit", permit, "cases", cases, "alerts", alerts,
                     "penalties", pen);
    return 0;
}
