/*
 * credit_repair.c: credit repair (信用修复, governance.md §1, research §1.3) as a flow kind: the
 * enterprise applies for a published rating once the shortest publication period has passed
 * (3 months general, 1 year for listed fields: 沪府办规〔2024〕8号; the periods are the rule
 * set's [repair] section, kept with the run) and it declares the obligations performed and the
 * violation corrected; the bureau reviews and approves (the rating gets its repaired grade) or
 * rejects with a reason. A rating past its longest period (3 years, NDRC Order 58) has expired
 * and needs no repair.
 */
#include "govern/internal.h"

#include <stdio.h>
#include <string.h>

static const struct eg_field repair_fields[] = {
    {"rating_id", "信用评价结果编号", EG_FT_INT, EG_FF_REQUIRED, NULL, NULL, 0, NULL},
    {"listed_field", "属特定领域（一年最短公示期）", EG_FT_BOOL, 0, NULL, NULL, 0, NULL},
    {"obligations_performed", "已履行处罚决定义务", EG_FT_BOOL, EG_FF_REQUIRED, NULL, NULL, 0,
     NULL},
    {"corrected", "违法行为已整改", EG_FT_BOOL, EG_FF_REQUIRED, NULL, NULL, 0, NULL},
    {"grade_requested", "申请修复至等级", EG_FT_TEXT, 0, NULL, NULL, 32, NULL},
};

static const struct eg_flow_state repair_states[] = {
    {"applied", "已申请", EG_FLOW_INITIAL},    {"under_review", "审核中", 0},
    {"approved", "已修复", EG_FLOW_TERMINAL},  {"rejected", "不予修复", EG_FLOW_TERMINAL},
    {"withdrawn", "已撤回", EG_FLOW_TERMINAL},
};

/* The rating a repair names, with its run's periods. */
struct rating {
    int64_t unit_id, published_at, repaired_at;
    int min_general, min_listed, expiry;
    char grade[32], sha256[65];
};

static int load_rating(struct eg_db *db, int64_t id, struct rating *r, struct eg_err *err)
{
    struct eg_stmt *st;
    int rc =
        eg_db_prepare(db,
                      "SELECT r.unit_id, coalesce(r.published_at, 0), "
                      "coalesce(r.repaired_at, 0), run.min_months_general, "
                      "run.min_months_listed, run.expiry_months, r.grade, run.ruleset_sha256 FROM "
                      "govern_credit_ratings r JOIN govern_credit_runs run ON run.id = "
                      "r.run_id WHERE r.id = ?",
                      &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, id);
    rc = eg_stmt_step(st, err);
    if (rc == 1) {
        r->unit_id = eg_stmt_int(st, 0);
        r->published_at = eg_stmt_int(st, 1);
        r->repaired_at = eg_stmt_int(st, 2);
        r->min_general = (int)eg_stmt_int(st, 3);
        r->min_listed = (int)eg_stmt_int(st, 4);
        r->expiry = (int)eg_stmt_int(st, 5);
        snprintf(r->grade, sizeof r->grade, "%s", eg_stmt_text(st, 6, NULL));
        snprintf(r->sha256, sizeof r->sha256, "%s", eg_stmt_text(st, 7, NULL));
        rc = 0;
    } else if (rc == 0)
        rc = EG_ENOTFOUND;
    eg_stmt_done(st);
    return rc;
}

/* The grade a repair gives: the requested one, which must be better than the rating's in its
   scheme, or else the next better grade. */
static int repaired_grade(struct eg_db *db, const struct rating *r, const char *req, char out[32],
                          struct eg_err *err)
{
    struct eg_ruleset *rs;
    struct eg_credit_scheme *s;
    int rc = eg__gov_ruleset_by_sha(db, r->sha256, &rs, err);
    if (rc < 0 || (rc = eg_credit_scheme_compile(rs, &s, err)) < 0)
        return rc;
    int cur = 0, want = -1;
    while (cur < s->ngrades && strcmp(s->grades[cur].name, r->grade))
        cur++;
    if (req && *req) {
        for (int g = 0; g < s->ngrades; g++)
            if (!strcmp(s->grades[g].name, req))
                want = g;
        if (want < 0 || want >= cur)
            rc = eg_err_set(err, EG_EINVAL, "grade_requested", -1,
                            "grade_requested '%.32s' is not a grade better than '%s' in %s", req,
                            r->grade, s->rs->id);
    } else if (cur == 0)
        rc = eg_err_set(err, EG_EINVAL, "rating_id", -1,
                        "the rating has the best grade already: there is nothing to repair");
    else
        want = cur - 1;
    if (rc >= 0)
        snprintf(out, 32, "%s", s->grades[want].name);
    eg_credit_scheme_free(s);
    return rc < 0 ? rc : 0;
}

/* The conditions of an application, checked when it is raised. */
static int repair_check(struct eg_db *db, const struct eg_flow_kind *kind,
                        const struct eg_principal *who, json_t *rec, const char *action,
                        json_t *input, struct eg_err *err)
{
    int64_t rating_id = json_integer_value(json_object_get(rec, "rating_id"));
    int64_t unit_id = json_integer_value(json_object_get(rec, "unit_id"));
    struct rating r;
    int rc = load_rating(db, rating_id, &r, err);
    if (rc < 0 || r.unit_id != unit_id)
        return eg_err_set(err, EG_EINVAL, "rating_id", -1,
                          "rating %lld is not a credit rating of unit %lld: take rating_id from "
                          "GET /api/v1/credit/units/%lld",
                          (long long)rating_id, (long long)unit_id, (long long)unit_id);
    if (!r.published_at)
        return eg_err_set(err, EG_EINVAL, "rating_id", -1,
                          "rating %lld has not been published: only a published grade is repaired",
                          (long long)rating_id);
    if (r.repaired_at)
        return eg_err_set(err, EG_ECONFLICT, "rating_id", -1,
                          "rating %lld has already been repaired", (long long)rating_id);
    if (!json_is_true(json_object_get(rec, "obligations_performed")))
        return eg_err_set(err, EG_EINVAL, "obligations_performed", -1,
                          "repair needs the obligations of the penalty decision fully performed "
                          "(沪府办规〔2024〕8号): perform them first");
    if (!json_is_true(json_object_get(rec, "corrected")))
        return eg_err_set(err, EG_EINVAL, "corrected", -1,
                          "repair needs the violation corrected (沪府办规〔2024〕8号): correct "
                          "it first");
    int listed = json_is_true(json_object_get(rec, "listed_field"));
    int64_t now = eg_time_now();
    int64_t earliest = eg__gov_add_months(r.published_at, listed ? r.min_listed : r.min_general);
    if (now >= eg__gov_add_months(r.published_at, r.expiry))
        return eg_err_set(err, EG_EINVAL, "rating_id", -1,
                          "rating %lld has expired (published more than %d months ago): it is no "
                          "longer in effect and needs no repair",
                          (long long)rating_id, r.expiry);
    if (now < earliest) {
        char when[32];
        eg_time_format_beijing(earliest, when, sizeof when);
        return eg_err_set(err, EG_EINVAL, "waiting_period", -1,
                          "the shortest publication period (%d months%s) has not passed: apply "
                          "on or after %.10s",
                          listed ? r.min_listed : r.min_general, listed ? ", listed field" : "",
                          when);
    }
    char g[32];
    if ((rc = repaired_grade(db, &r, json_string_value(json_object_get(rec, "grade_requested")), g,
                             err)) < 0)
        return rc;
    int64_t open = 0;
    int found = 0;
    rc = eg_db_query_int(db,
                         "SELECT count(*) FROM govern_credit_repairs p JOIN flow_records f ON "
                         "f.id = p.record_id WHERE p.rating_id = ? AND f.state IN ('applied', "
                         "'under_review')",
                         rating_id, NULL, &open, &found, err);
    if (rc < 0)
        return rc;
    if (open > 1)
        return eg_err_set(err, EG_ECONFLICT, "rating_id", -1,
                          "rating %lld already has a repair application under way",
                          (long long)rating_id);
    return 0;
}

/* Approval: the rating gets the requested grade, or the next better one of its run. */
static int repair_approve(struct eg_db *db, const struct eg_flow_kind *kind,
                          const struct eg_principal *who, json_t *rec, const char *action,
                          json_t *input, struct eg_err *err)
{
    int64_t rating_id = json_integer_value(json_object_get(rec, "rating_id"));
    struct rating r;
    int rc = load_rating(db, rating_id, &r, err);
    if (rc < 0)
        return eg_err_set(err, EG_EINVAL, "rating_id", -1, "rating %lld is gone",
                          (long long)rating_id);
    char grade[32];
    rc = repaired_grade(db, &r, json_string_value(json_object_get(rec, "grade_requested")), grade,
                        err);
    if (rc < 0)
        return rc;
    struct eg_stmt *st;
    rc = eg_db_prepare(db,
                       "UPDATE govern_credit_ratings SET repaired_grade = ?, repaired_at = ? "
                       "WHERE id = ?",
                       &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(st, 1, grade, strlen(grade));
    eg_stmt_bind_int(st, 2, eg_time_now());
    eg_stmt_bind_int(st, 3, rating_id);
    rc = eg_stmt_step(st, err);
    eg_stmt_done(st);
    if (rc < 0)
        return rc;
    return eg__gov_audit(db, who, "govern_credit_ratings", rating_id, "update", NULL,
                         json_pack("{s:s,s:s,s:I}", "grade", r.grade, "repaired_grade", grade,
                                   "repair_record",
                                   (json_int_t)json_integer_value(json_object_get(rec, "id"))),
                         err);
}

static const struct eg_flow_transition repair_transitions[] = {
    {"review", "受理审核", "applied", "under_review", EG_FLOW_STAFF, 0, NULL, NULL},
    {"approve", "同意修复", "under_review", "approved", EG_FLOW_STAFF, 0, NULL, repair_approve},
    {"reject", "不予修复", "under_review", "rejected", EG_FLOW_STAFF, EG_FLOW_NEED_REASON, NULL,
     NULL},
    {"withdraw", "撤回申请", "applied", "withdrawn",
     EG_FLOW_STAFF | EG_FLOW_ROLE(EG_ROLE_ENTERPRISE), 0, NULL, NULL},
};

const struct eg_flow_kind eg_credit_repair_kind = {
    "credit_repair",
    "信用修复申请",
    "govern_credit_repairs",
    repair_fields,
    (int)EG_ARRAY_LEN(repair_fields),
    repair_states,
    (int)EG_ARRAY_LEN(repair_states),
    repair_transitions,
    (int)EG_ARRAY_LEN(repair_transitions),
    EG_FLOW_STAFF | EG_FLOW_ROLE(EG_ROLE_ENTERPRISE),
    EG_FLOW_ROLE(EG_ROLE_ENTERPRISE) | EG_FLOW_ROLE(EG_ROLE_STREET),
    0,
    0,
    NULL,
    repair_check,
    0,
};
