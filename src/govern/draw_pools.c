/*
 * draw_pools.c: the two pools of 双随机 (一单两库, governance-research.md §2.1) — the register of
 * testing agencies (检测机构) and stewards (环保管家) with their qualifications and contracts,
 * the inspector pool (执法证号, 执法单位) with recusals (回避, 行政处罚法 Art. 43), category
 * overrides with their reasons, and the pool build: every object's category computed from the
 * registry (重点排污单位 flags), its credit grade in effect (eg_credit_grade_of's rule, every
 * unit's in one query), its penalties and positive-list membership, as the published draw document
 * that eg_draw_run draws from.
 */
#include "govern/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int forbidden(struct eg_err *err)
{
    return eg_err_set(err, EG_EPERM, "forbidden", -1,
                      "only the bureau keeps the draw registers: ask an officer of the bureau");
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int need_text(const char *field, const char *v, size_t max, struct eg_err *err)
{
    if (!v || !*v)
        return eg_err_set(err, EG_EINVAL, "missing_field", -1, "field '%s' is required (text)",
                          field);
    if (strlen(v) > max)
        return eg_err_set(err, EG_EINVAL, "too_long", -1, "field '%s': at most %zu bytes", field,
                          max);
    return 0;
}

/* 1 when the row exists (SQL with one ? for the id). */
static int exists(struct eg_db *db, const char *sql, int64_t id, struct eg_err *err)
{
    int64_t n = 0;
    int found = 0;
    int rc = eg_db_query_int(db, sql, id, NULL, &n, &found, err);
    return rc < 0 ? rc : n > 0;
}

int eg_draw_agency_add(struct eg_db *db, const struct eg_principal *who, json_t *in, int64_t *id,
                       struct eg_err *err)
{
    if (!eg__gov_staff(who))
        return forbidden(err);
    const char *kind = jstr(in, "kind"), *q = jstr(in, "qualification"),
               *qn = jstr(in, "qualification_no"), *vt = jstr(in, "qualification_valid_to");
    json_t *uj = json_object_get(in, "unit_id"), *usr = json_object_get(in, "user_id");
    if (!kind || (strcmp(kind, "testing_agency") && strcmp(kind, "steward")))
        return eg_err_set(err, EG_EINVAL, "kind", -1,
                          "kind must be testing_agency (检测机构) or steward (环保管家)");
    if (!json_is_integer(uj))
        return eg_err_set(err, EG_EINVAL, "missing_field", -1,
                          "field 'unit_id' is required: register the agency as a unit first");
    int rc = need_text("qualification", q, 200, err);
    if (rc >= 0)
        rc = need_text("qualification_no", qn, 100, err);
    if (rc < 0)
        return rc;
    if (vt && !eg__gov_date_ok(vt))
        return eg_err_set(err, EG_EINVAL, "bad_date", -1,
                          "qualification_valid_to: give the date as YYYY-MM-DD");
    if (usr && !json_is_integer(usr))
        return eg_err_set(err, EG_EINVAL, "wrong_type", -1, "field 'user_id' must be an integer");
    int64_t unit = json_integer_value(uj);
    rc = exists(db, "SELECT count(*) FROM units WHERE id = ?", unit, err);
    if (rc == 0)
        return eg_err_set(err, EG_ENOTFOUND, "unknown_unit", -1,
                          "unit %lld does not exist: create the agency's unit first",
                          (long long)unit);
    if (rc >= 0 && usr) {
        rc = exists(db, "SELECT count(*) FROM users WHERE id = ? AND role = 'steward'",
                    json_integer_value(usr), err);
        if (rc == 0)
            return eg_err_set(err, EG_EINVAL, "user_id", -1,
                              "user %lld is not a steward account (role steward)",
                              (long long)json_integer_value(usr));
    }
    if (rc < 0)
        return rc;
    int own;
    if ((rc = eg__gov_tx_begin(db, &own, err)) < 0)
        return rc;
    struct eg_stmt *st;
    rc = eg_db_prepare(db,
                       "INSERT INTO draw_agencies (kind, unit_id, qualification, qualification_no, "
                       "qualification_valid_to, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (unit_id) DO NOTHING",
                       &st, err);
    if (rc >= 0) {
        eg_stmt_bind_text(st, 1, kind, strlen(kind));
        eg_stmt_bind_int(st, 2, unit);
        eg_stmt_bind_text(st, 3, q, strlen(q));
        eg_stmt_bind_text(st, 4, qn, strlen(qn));
        if (vt)
            eg_stmt_bind_text(st, 5, vt, 10);
        else
            eg_stmt_bind_null(st, 5);
        if (usr)
            eg_stmt_bind_int(st, 6, json_integer_value(usr));
        else
            eg_stmt_bind_null(st, 6);
        eg_stmt_bind_int(st, 7, eg_time_now());
        rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
    }
    if (rc >= 0 && eg_db_changes(db) == 0)
        rc = eg_err_set(err, EG_ECONFLICT, "exists", -1,
                        "unit %lld is already registered as an agency", (long long)unit);
    if (rc >= 0) {
        *id = eg_db_last_id(db);
        rc = eg__gov_audit(db, who, "draw_agencies", *id, "create", NULL, json_deep_copy(in), err);
    }
    return eg__gov_tx_end(db, own, rc, err);
}

int eg_draw_agency_contract_add(struct eg_db *db, const struct eg_principal *who, int64_t agency_id,
                                json_t *in, int64_t *id, struct eg_err *err)
{
    if (!eg__gov_staff(who))
        return forbidden(err);
    const char *svc = jstr(in, "service"), *from = jstr(in, "valid_from"),
               *to = jstr(in, "valid_to");
    json_t *cj = json_object_get(in, "client_unit_id");
    if (!json_is_integer(cj))
        return eg_err_set(err, EG_EINVAL, "missing_field", -1,
                          "field 'client_unit_id' is required (an integer)");
    int rc = need_text("service", svc, 200, err);
    if (rc < 0)
        return rc;
    if (!from || !eg__gov_date_ok(from) || (to && !eg__gov_date_ok(to)))
        return eg_err_set(err, EG_EINVAL, "bad_date", -1,
                          "valid_from (required) and valid_to: give dates as YYYY-MM-DD");
    if (to && strcmp(to, from) < 0)
        return eg_err_set(err, EG_EINVAL, "bad_range", -1, "valid_to is before valid_from");
    rc = exists(db, "SELECT count(*) FROM draw_agencies WHERE id = ?", agency_id, err);
    if (rc == 0)
        return eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "agency %lld is not registered",
                          (long long)agency_id);
    if (rc >= 0 && (rc = exists(db, "SELECT count(*) FROM units WHERE id = ?",
                                json_integer_value(cj), err)) == 0)
        return eg_err_set(err, EG_ENOTFOUND, "unknown_unit", -1, "client unit %lld does not exist",
                          (long long)json_integer_value(cj));
    if (rc < 0)
        return rc;
    int own;
    if ((rc = eg__gov_tx_begin(db, &own, err)) < 0)
        return rc;
    struct eg_stmt *st;
    rc = eg_db_prepare(db,
                       "INSERT INTO draw_agency_contracts (agency_id, client_unit_id, service, "
                       "valid_from, valid_to) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       &st, err);
    if (rc >= 0) {
        eg_stmt_bind_int(st, 1, agency_id);
        eg_stmt_bind_int(st, 2, json_integer_value(cj));
        eg_stmt_bind_text(st, 3, svc, strlen(svc));
        eg_stmt_bind_text(st, 4, from, 10);
        if (to)
            eg_stmt_bind_text(st, 5, to, 10);
        else
            eg_stmt_bind_null(st, 5);
        rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
    }
    if (rc >= 0 && eg_db_changes(db) == 0)
        rc = eg_err_set(err, EG_ECONFLICT, "exists", -1, "this contract is already registered");
    if (rc >= 0) {
        *id = eg_db_last_id(db);
        json_t *a = json_deep_copy(in);
        json_object_set_new(a, "agency_id", json_integer(agency_id));
        rc = eg__gov_audit(db, who, "draw_agency_contracts", *id, "create", NULL, a, err);
    }
    return eg__gov_tx_end(db, own, rc, err);
}

int eg_draw_agencies(struct eg_db *db, const struct eg_principal *who, json_t **rows,
                     struct eg_err *err)
{
    *rows = NULL;
    if (!eg__gov_staff(who))
        return forbidden(err);
    struct eg_stmt *st;
    int rc = eg_db_prepare(
        db,
        "SELECT a.id, a.kind, a.unit_id, u.name, a.qualification, a.qualification_no, "
        "a.qualification_valid_to, a.user_id, a.active, (SELECT json_group_array(json_object("
        "'id', c.id, 'client_unit_id', c.client_unit_id, 'client', cu.name, 'service', "
        "c.service, 'valid_from', c.valid_from, 'valid_to', c.valid_to)) FROM "
        "draw_agency_contracts c JOIN units cu ON cu.id = c.client_unit_id WHERE c.agency_id = "
        "a.id), (SELECT json_group_array(json_object('client_unit_id', sc.unit_id, 'client', "
        "su.name, 'valid_from', sc.valid_from, 'valid_to', sc.valid_to)) FROM "
        "steward_contracts sc JOIN units su ON su.id = sc.unit_id WHERE sc.user_id = "
        "a.user_id) FROM draw_agencies a JOIN units u ON u.id = a.unit_id ORDER BY a.id",
        &st, err);
    if (rc < 0)
        return rc;
    json_t *a = json_array();
    while ((rc = eg_stmt_step(st, err)) == 1) {
        json_t *r = json_pack(
            "{s:I,s:s,s:s,s:I,s:s,s:s,s:s,s:s?,s:b,s:o,s:o}", "id", (json_int_t)eg_stmt_int(st, 0),
            "kind", eg_stmt_text(st, 1, NULL), "kind_zh",
            eg__draw_object_zh(eg_stmt_text(st, 1, NULL)), "unit_id",
            (json_int_t)eg_stmt_int(st, 2), "name", eg_stmt_text(st, 3, NULL), "qualification",
            eg_stmt_text(st, 4, NULL), "qualification_no", eg_stmt_text(st, 5, NULL),
            "qualification_valid_to", eg_stmt_text(st, 6, NULL), "active", (int)eg_stmt_int(st, 8),
            "contracts", json_loads(eg_stmt_text(st, 9, NULL), 0, NULL) ?: json_array(),
            "account_contracts",
            eg_stmt_is_null(st, 10)
                ? json_array()
                : (json_loads(eg_stmt_text(st, 10, NULL), 0, NULL) ?: json_array()));
        if (!eg_stmt_is_null(st, 7))
            json_object_set_new(r, "user_id", json_integer(eg_stmt_int(st, 7)));
        json_array_append_new(a, r);
    }
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *rows = a;
    return 0;
}

int eg_draw_inspector_add(struct eg_db *db, const struct eg_principal *who, int64_t user_id,
                          const char *cert_no, const char *org, int64_t *id, struct eg_err *err)
{
    if (!eg__gov_staff(who))
        return forbidden(err);
    int rc = need_text("cert_no", cert_no, 64, err);
    if (rc >= 0)
        rc = need_text("org", org, 200, err);
    if (rc < 0)
        return rc;
    rc = exists(db,
                "SELECT count(*) FROM users WHERE id = ? AND disabled = 0 AND role IN ('admin', "
                "'bureau', 'street')",
                user_id, err);
    if (rc == 0)
        return eg_err_set(err, EG_EINVAL, "not_an_officer", -1,
                          "user %lld is not an active officer account (admin, bureau or street): "
                          "only officers holding an enforcement certificate join the pool",
                          (long long)user_id);
    if (rc < 0)
        return rc;
    int own;
    if ((rc = eg__gov_tx_begin(db, &own, err)) < 0)
        return rc;
    struct eg_stmt *st;
    rc = eg_db_prepare(db,
                       "INSERT INTO draw_inspectors (user_id, cert_no, org, created_at) VALUES "
                       "(?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       &st, err);
    if (rc >= 0) {
        eg_stmt_bind_int(st, 1, user_id);
        eg_stmt_bind_text(st, 2, cert_no, strlen(cert_no));
        eg_stmt_bind_text(st, 3, org, strlen(org));
        eg_stmt_bind_int(st, 4, eg_time_now());
        rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
    }
    if (rc >= 0 && eg_db_changes(db) == 0)
        rc = eg_err_set(err, EG_ECONFLICT, "exists", -1,
                        "user %lld or certificate '%.40s' is already in the inspector pool",
                        (long long)user_id, cert_no);
    if (rc >= 0) {
        *id = eg_db_last_id(db);
        rc = eg__gov_audit(db, who, "draw_inspectors", *id, "create", NULL,
                           json_pack("{s:I,s:s,s:s}", "user_id", (json_int_t)user_id, "cert_no",
                                     cert_no, "org", org),
                           err);
    }
    return eg__gov_tx_end(db, own, rc, err);
}

int eg_draw_inspector_set_active(struct eg_db *db, const struct eg_principal *who, int64_t id,
                                 int active, struct eg_err *err)
{
    if (!eg__gov_staff(who))
        return forbidden(err);
    int own, rc;
    if ((rc = eg__gov_tx_begin(db, &own, err)) < 0)
        return rc;
    struct eg_stmt *st;
    rc = eg_db_prepare(db, "UPDATE draw_inspectors SET active = ? WHERE id = ?", &st, err);
    if (rc >= 0) {
        eg_stmt_bind_int(st, 1, active ? 1 : 0);
        eg_stmt_bind_int(st, 2, id);
        rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
    }
    if (rc >= 0 && eg_db_changes(db) == 0)
        rc = eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "inspector %lld is not in the pool",
                        (long long)id);
    if (rc >= 0)
        rc = eg__gov_audit(db, who, "draw_inspectors", id, "update", NULL,
                           json_pack("{s:b}", "active", active), err);
    return eg__gov_tx_end(db, own, rc, err);
}

int eg_draw_inspectors(struct eg_db *db, const struct eg_principal *who, json_t **rows,
                       struct eg_err *err)
{
    *rows = NULL;
    if (!eg__gov_staff(who))
        return forbidden(err);
    struct eg_stmt *st;
    int rc = eg_db_prepare(
        db,
        "SELECT i.id, i.user_id, u.username, coalesce(u.display_name, u.username), i.cert_no, "
        "i.org, i.active, (SELECT json_group_array(json_object('unit_id', r.unit_id, 'reason', "
        "r.reason)) FROM draw_recusals r WHERE r.inspector_id = i.id) FROM draw_inspectors i "
        "JOIN users u ON u.id = i.user_id ORDER BY i.id",
        &st, err);
    if (rc < 0)
        return rc;
    json_t *a = json_array();
    while ((rc = eg_stmt_step(st, err)) == 1)
        json_array_append_new(
            a, json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:b,s:o}", "id", (json_int_t)eg_stmt_int(st, 0),
                         "user_id", (json_int_t)eg_stmt_int(st, 1), "username",
                         eg_stmt_text(st, 2, NULL), "name", eg_stmt_text(st, 3, NULL), "cert_no",
                         eg_stmt_text(st, 4, NULL), "org", eg_stmt_text(st, 5, NULL), "active",
                         (int)eg_stmt_int(st, 6), "recusals",
                         json_loads(eg_stmt_text(st, 7, NULL), 0, NULL) ?: json_array()));
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *rows = a;
    return 0;
}

int eg_draw_recusal_add(struct eg_db *db, const struct eg_principal *who, int64_t inspector_id,
                        int64_t unit_id, const char *reason, int64_t *id, struct eg_err *err)
{
    if (!eg__gov_staff(who))
        return forbidden(err);
    int rc = need_text("reason", reason, 1000, err);
    if (rc < 0)
        return rc;
    rc = exists(db, "SELECT count(*) FROM draw_inspectors WHERE id = ?", inspector_id, err);
    if (rc == 0)
        return eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "inspector %lld is not in the pool",
                          (long long)inspector_id);
    if (rc >= 0 && (rc = exists(db, "SELECT count(*) FROM units WHERE id = ?", unit_id, err)) == 0)
        return eg_err_set(err, EG_ENOTFOUND, "unknown_unit", -1, "unit %lld does not exist",
                          (long long)unit_id);
    if (rc < 0)
        return rc;
    int own;
    if ((rc = eg__gov_tx_begin(db, &own, err)) < 0)
        return rc;
    struct eg_stmt *st;
    rc = eg_db_prepare(db,
                       "INSERT INTO draw_recusals (inspector_id, unit_id, reason, created_at) "
                       "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       &st, err);
    if (rc >= 0) {
        eg_stmt_bind_int(st, 1, inspector_id);
        eg_stmt_bind_int(st, 2, unit_id);
        eg_stmt_bind_text(st, 3, reason, strlen(reason));
        eg_stmt_bind_int(st, 4, eg_time_now());
        rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
    }
    if (rc >= 0 && eg_db_changes(db) == 0)
        rc = eg_err_set(err, EG_ECONFLICT, "exists", -1, "this recusal is already recorded");
    if (rc >= 0) {
        *id = eg_db_last_id(db);
        rc = eg__gov_audit(db, who, "draw_recusals", *id, "create", NULL,
                           json_pack("{s:I,s:I,s:s}", "inspector_id", (json_int_t)inspector_id,
                                     "unit_id", (json_int_t)unit_id, "reason", reason),
                           err);
    }
    return eg__gov_tx_end(db, own, rc, err);
}

static const struct eg_draw_category *category_of(const struct eg_draw_plan *p, const char *name)
{
    for (int i = 0; i < p->ncats; i++)
        if (!strcmp(p->cats[i].name, name))
            return &p->cats[i];
    return NULL;
}

static void category_names(const struct eg_draw_plan *p, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; i < p->ncats && n + 2 < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", p->cats[i].name);
}

int eg_draw_override_set(struct eg_db *db, const struct eg_principal *who, int64_t unit_id,
                         const char *category, const char *reason, struct eg_err *err)
{
    if (!eg__gov_staff(who))
        return forbidden(err);
    int rc = need_text("reason", reason, 1000, err);
    if (rc < 0)
        return rc;
    rc =
        exists(db, "SELECT count(*) FROM units WHERE id = ? AND kind = 'enterprise'", unit_id, err);
    if (rc == 0)
        return eg_err_set(err, EG_ENOTFOUND, "unknown_unit", -1,
                          "unit %lld is not an enterprise of the registry", (long long)unit_id);
    if (rc < 0)
        return rc;
    if (category) {
        char d[32];
        eg_time_format_beijing(eg_time_now(), d, sizeof d);
        d[10] = 0;
        struct eg_draw_plan *p;
        if ((rc = eg_draw_plan_for(db, NULL, d, &p, err)) < 0)
            return rc;
        const struct eg_draw_category *c = category_of(p, category);
        if (!c || strcmp(c->object, "enterprise")) {
            char names[400];
            category_names(p, names, sizeof names);
            rc = eg_err_set(err, EG_EINVAL, "unknown_category", -1,
                            "category '%.40s' is not an enterprise category of draw plan %s "
                            "(categories: %s)",
                            category, p->rs->id, names);
        }
        eg_draw_plan_free(p);
        if (rc < 0)
            return rc;
    }
    int own;
    if ((rc = eg__gov_tx_begin(db, &own, err)) < 0)
        return rc;
    struct eg_stmt *st;
    rc = eg_db_prepare(db,
                       category ? "INSERT INTO draw_overrides (unit_id, category, reason, set_by, "
                                  "set_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (unit_id) DO "
                                  "UPDATE SET category = ?2, reason = ?3, set_by = ?4, set_at = ?5"
                                : "DELETE FROM draw_overrides WHERE unit_id = ?1",
                       &st, err);
    if (rc >= 0) {
        eg_stmt_bind_int(st, 1, unit_id);
        if (category) {
            eg_stmt_bind_text(st, 2, category, strlen(category));
            eg_stmt_bind_text(st, 3, reason, strlen(reason));
            eg_stmt_bind_text(st, 4, who->username, strlen(who->username));
            eg_stmt_bind_int(st, 5, eg_time_now());
        }
        rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
    }
    if (rc >= 0)
        rc = eg__gov_audit(db, who, "draw_overrides", unit_id, category ? "update" : "delete", NULL,
                           json_pack("{s:I,s:s?,s:s}", "unit_id", (json_int_t)unit_id, "category",
                                     category, "reason", reason),
                           err);
    return eg__gov_tx_end(db, own, rc, err);
}

/* ---- the pool build ---- */

struct idval {
    int64_t id, v;
};
static int cmp_idval(const void *a, const void *b)
{
    const struct idval *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}
/* id -> value pairs from SQL "SELECT id, value …" (? binds: date texts, in order). */
static int load_pairs(struct eg_db *db, const char *sql, const char *d1, const char *d2,
                      struct idval **out, int *n, struct eg_err *err)
{
    *out = NULL;
    *n = 0;
    struct eg_stmt *st;
    int rc = eg_db_prepare(db, sql, &st, err);
    if (rc < 0)
        return rc;
    if (d1)
        eg_stmt_bind_text(st, 1, d1, strlen(d1));
    if (d2)
        eg_stmt_bind_text(st, 2, d2, strlen(d2));
    int cap = 0;
    while ((rc = eg_stmt_step(st, err)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            *out = eg_realloc(*out, sizeof **out * (size_t)cap);
        }
        (*out)[(*n)++] = (struct idval){eg_stmt_int(st, 0), eg_stmt_int(st, 1)};
    }
    eg_stmt_done(st);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        return rc;
    }
    if (*n > 1)
        qsort(*out, (size_t)*n, sizeof **out, cmp_idval);
    return 0;
}
static int64_t pair_of(const struct idval *a, int n, int64_t id, int64_t dflt)
{
    struct idval k = {id, 0};
    const struct idval *f = n ? bsearch(&k, a, (size_t)n, sizeof *a, cmp_idval) : NULL;
    return f ? f->v : dflt;
}

static int cmp_grade(const void *a, const void *b)
{
    const struct eg__credit_grade *x = a, *y = b;
    return x->unit_id < y->unit_id ? -1 : x->unit_id > y->unit_id;
}
/* the unit's grade in effect from eg__gov_credit_grades_on's list (sorted by unit), or NULL */
static const struct eg__credit_grade *grade_in(const struct eg__credit_grade *a, int n,
                                               int64_t unit)
{
    struct eg__credit_grade k = {.unit_id = unit};
    return n ? bsearch(&k, a, (size_t)n, sizeof *a, cmp_grade) : NULL;
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

static const json_t *trigger_for(const json_t *triggers, int64_t unit)
{
    size_t i;
    const json_t *t;
    json_array_foreach(triggers, i, t)
    {
        if (json_integer_value(json_object_get(t, "unit_id")) == unit)
            return t;
    }
    return NULL;
}

static double adjust_of(const struct eg_draw_plan *p, const char *grade)
{
    for (int i = 0; i < p->nadjusts; i++)
        if (!strcmp(p->adjusts[i].grade, grade))
            return p->adjusts[i].factor;
    return -1;
}

struct cat_count {
    char name[128];
    const struct eg_draw_category *cat;
    char grade[32];
    double factor;
    int n;
};

int eg_draw_pool(struct eg_db *db, const struct eg_principal *who, const struct eg_draw_plan *p,
                 const char *date, const json_t *triggers, json_t **doc, struct eg_err *err)
{
    *doc = NULL;
    if (!eg__gov_staff(who))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau builds the draw pools: ask an officer of the bureau");
    if (!date || !eg__gov_date_ok(date))
        return eg_err_set(err, EG_EINVAL, "bad_date", -1, "give the pool date as YYYY-MM-DD");
    if (triggers && !json_is_array(triggers))
        return eg_err_set(err, EG_EINVAL, "triggers", -1,
                          "triggers must be [{\"unit_id\",\"trigger\",\"ref\"}]");
    char from[32];
    snprintf(from, sizeof from, "%04d%.6s", atoi(date) - 1, date + 4);
    struct idval *pen = NULL, *listed = NULL;
    struct eg__credit_grade *rated = NULL;
    int npen = 0, nlisted = 0, nrated = 0;
    int rc = load_pairs(db,
                        "SELECT unit_id, count(*) FROM govern_poslist_events WHERE kind = "
                        "'penalty' AND on_date > ? AND on_date <= ? GROUP BY unit_id",
                        from, date, &pen, &npen, err);
    if (rc >= 0)
        rc = load_pairs(db,
                        "SELECT unit_id, 1 FROM govern_poslist WHERE status = 'active' AND "
                        "included_on <= ?1 AND valid_until >= ?1 GROUP BY unit_id",
                        date, NULL, &listed, &nlisted, err);
    if (rc >= 0)
        rc = eg__gov_credit_grades_on(db, date, &rated, &nrated, err);
    json_t *objs = json_array(), *excl = json_array(), *insp = json_array(), *recs = json_array();
    struct cat_count *cc = NULL;
    int ncc = 0, capcc = 0;
    struct eg_stmt *st = NULL;
    if (rc >= 0)
        rc = eg_db_prepare(
            db,
            "SELECT u.id, u.name, 'enterprise', CASE WHEN u.key_water + u.key_air + u.key_soil + "
            "u.key_noise + u.key_risk > 0 THEN 1 ELSE 0 END, o.category, o.reason FROM units u "
            "LEFT JOIN "
            "draw_overrides o ON o.unit_id = u.id WHERE u.kind = 'enterprise' AND u.id NOT IN "
            "(SELECT unit_id FROM draw_agencies) UNION ALL SELECT u.id, u.name, a.kind, 0, NULL, "
            "NULL FROM draw_agencies a JOIN units u ON u.id = a.unit_id WHERE a.active = 1 AND "
            "(a.qualification_valid_to IS NULL OR a.qualification_valid_to >= ?1) ORDER BY 1",
            &st, err);
    if (rc >= 0)
        eg_stmt_bind_text(st, 1, date, strlen(date));
    while (rc >= 0 && (rc = eg_stmt_step(st, err)) == 1) {
        int64_t unit = eg_stmt_int(st, 0);
        const char *name = eg_stmt_text(st, 1, NULL), *kind = eg_stmt_text(st, 2, NULL);
        int is_key = (int)eg_stmt_int(st, 3);
        const char *ovr = eg_stmt_is_null(st, 4) ? NULL : eg_stmt_text(st, 4, NULL);
        char grade[32] = "";
        const struct eg__credit_grade *rg = grade_in(rated, nrated, unit);
        if (rg)
            memcpy(grade, rg->grade, sizeof grade);
        int64_t npenalties = pair_of(pen, npen, unit, 0);
        const struct eg_draw_category *cat = NULL;
        char why[300];
        why[0] = 0;
        if (ovr && (cat = category_of(p, ovr)) && !strcmp(cat->object, kind))
            snprintf(why, sizeof why, "人工调整：%s", eg_stmt_text(st, 5, NULL));
        else
            cat = NULL;
        for (int i = 0; !cat && i < p->ncats; i++) {
            const struct eg_draw_category *c = &p->cats[i];
            if (strcmp(c->object, kind))
                continue;
            if (!c->has_condition)
                snprintf(why, sizeof why, "%s", eg__draw_object_zh(kind));
            else if (c->key_unit && is_key)
                snprintf(why, sizeof why, "登记为重点排污单位");
            else if (c->grades && grade[0] && word_in(c->grades, grade))
                snprintf(why, sizeof why, "信用等级 %s", grade);
            else if (c->min_penalties > 0 && npenalties >= c->min_penalties)
                snprintf(why, sizeof why, "近一年受到行政处罚 %lld 次", (long long)npenalties);
            else
                continue;
            cat = c;
        }
        if (!cat) {
            json_array_append_new(excl, json_pack("{s:I,s:s,s:s,s:s}", "unit_id", (json_int_t)unit,
                                                  "name", name, "kind", kind, "reason_zh",
                                                  "抽查计划中没有适用的监管对象类别"));
            continue;
        }
        const json_t *trig = NULL;
        if (pair_of(listed, nlisted, unit, 0)) {
            trig = trigger_for(triggers, unit);
            struct eg_err e2 = {0};
            if (!trig || eg_poslist_check_inspection(
                             db, unit, date, json_string_value(json_object_get(trig, "trigger")),
                             json_string_value(json_object_get(trig, "ref")), &e2) < 0) {
                json_array_append_new(
                    excl, json_pack("{s:I,s:s,s:s,s:s,s:s}", "unit_id", (json_int_t)unit, "name",
                                    name, "kind", kind, "reason_zh",
                                    "正面清单单位：仅在信访举报核实、突发生态环境事件、在线监测数"
                                    "据异常等触发情形下现场检查",
                                    "detail", trig ? e2.msg : "no trigger given"));
                continue;
            }
        }
        const char *gname = grade[0] ? grade : "unrated";
        double f = adjust_of(p, gname);
        char dcat[128];
        if (f >= 0)
            snprintf(dcat, sizeof dcat, "%s.%s", cat->name, gname);
        else
            snprintf(dcat, sizeof dcat, "%s", cat->name);
        int k = 0;
        while (k < ncc && strcmp(cc[k].name, dcat))
            k++;
        if (k == ncc) {
            if (ncc == capcc) {
                capcc = capcc ? capcc * 2 : 16;
                cc = eg_realloc(cc, sizeof *cc * (size_t)capcc);
            }
            memset(&cc[ncc], 0, sizeof cc[ncc]);
            snprintf(cc[ncc].name, sizeof cc[ncc].name, "%s", dcat);
            cc[ncc].cat = cat;
            if (f >= 0)
                snprintf(cc[ncc].grade, sizeof cc[ncc].grade, "%s", gname);
            cc[ncc].factor = f >= 0 ? f : 1;
            ncc++;
        }
        cc[k].n++;
        char key[32];
        snprintf(key, sizeof key, "u:%lld", (long long)unit);
        /* keys in sorted order: the stored text (sorted keys) is written without sorting */
        json_t *o = json_object();
        json_object_set_new(o, "category", json_string(dcat));
        json_object_set_new(o, "category_zh", json_string(cat->label));
        if (grade[0])
            json_object_set_new(o, "grade", json_string(grade));
        json_object_set_new(o, "key", json_string(key));
        json_object_set_new(o, "kind", json_string(kind));
        json_object_set_new(o, "name", json_string(name));
        if (trig)
            json_object_set_new(o, "trigger", json_deep_copy(trig));
        json_object_set_new(o, "unit_id", json_integer((json_int_t)unit));
        json_object_set_new(o, "why", json_string(why));
        if (json_object_size(o) != 7u + !!grade[0] + !!trig) { /* as a failed json_pack: left out */
            json_decref(o);
            continue;
        }
        json_array_append_new(objs, o);
    }
    eg_stmt_done(st);
    st = NULL;
    int ninsp = 0;
    if (rc >= 0)
        rc = eg_db_prepare(db,
                           "SELECT i.id, i.cert_no, i.org, i.user_id FROM draw_inspectors i JOIN "
                           "users u ON "
                           "u.id = i.user_id WHERE i.active = 1 AND u.disabled = 0 ORDER BY i.id",
                           &st, err);
    while (rc >= 0 && (rc = eg_stmt_step(st, err)) == 1) {
        json_array_append_new(insp, json_pack("{s:s,s:I,s:s,s:I}", "key", eg_stmt_text(st, 1, NULL),
                                              "id", (json_int_t)eg_stmt_int(st, 0), "org",
                                              eg_stmt_text(st, 2, NULL), "user_id",
                                              (json_int_t)eg_stmt_int(st, 3)));
        ninsp++;
    }
    eg_stmt_done(st);
    st = NULL;
    if (rc >= 0)
        rc = eg_db_prepare(db,
                           "SELECT inspector_id, unit_id FROM draw_recusals ORDER BY "
                           "inspector_id, unit_id",
                           &st, err);
    while (rc >= 0 && (rc = eg_stmt_step(st, err)) == 1)
        json_array_append_new(recs, json_pack("[I,I]", (json_int_t)eg_stmt_int(st, 0),
                                              (json_int_t)eg_stmt_int(st, 1)));
    eg_stmt_done(st);
    free(pen);
    free(listed);
    free(rated);
    if (rc < 0) {
        free(cc);
        json_decref(objs);
        json_decref(excl);
        json_decref(insp);
        json_decref(recs);
        return rc;
    }
    /* quotas: the category's share (or inspectors × per_inspector over its whole size), times
       the grade's factor, of each draw category */
    json_t *quotas = json_object(), *cats = json_array();
    for (int k = 0; k < ncc; k++) {
        const struct eg_draw_category *c = cc[k].cat;
        int total = 0;
        for (int j = 0; j < ncc; j++)
            if (cc[j].cat == c)
                total += cc[j].n;
        double share = c->share >= 0
                           ? c->share
                           : (total ? (double)ninsp * c->per_inspector / (double)total : 0);
        if (share > 1)
            share = 1;
        double s = share * cc[k].factor;
        if (s > 1)
            s = 1;
        int q = eg_draw_quota_for_share(s, cc[k].n);
        json_object_set_new(quotas, cc[k].name, json_integer(q));
        json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:f,s:f,s:i,s:i}", "name", cc[k].name, "category",
                                c->name, "label_zh", c->label, "object", c->object, "share", share,
                                "factor", cc[k].factor, "pool", cc[k].n, "quota", q);
        if (cc[k].grade[0])
            json_object_set_new(row, "grade", json_string(cc[k].grade));
        if (c->share < 0)
            json_object_set_new(row, "per_inspector", json_real(c->per_inspector));
        json_array_append_new(cats, row);
    }
    free(cc);
    *doc = json_pack("{s:s,s:i,s:s,s:{s:s,s:I,s:s},s:o,s:o,s:o,s:o,s:o,s:o}", "algorithm",
                     EG_DRAW_ALGORITHM, "team_size", p->team_size, "pool_date", date, "plan", "id",
                     p->rs->id, "version", (json_int_t)p->rs->version, "sha256", p->rs->sha256,
                     "categories", cats, "quotas", quotas, "objects", objs, "inspectors", insp,
                     "recusals", recs, "excluded", excl);
    return 0;
}
