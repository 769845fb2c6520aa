/*
 * scope.c: who sees which record (flow.h, "Scope"), decided in one predicate over the record's
 * four scope columns, so that a list, a get, an act and eg_flow_in_scope never disagree; and
 * the small helpers the engine's files share (binds, transactions, actors, text checks).
 *
 * The rule follows the registry's row scope (registry.c scope_sql): admin and bureau see every
 * record; a street user the records whose region_id or to_region_id is its street or a region
 * below it (grids, and their children); an enterprise user those whose unit_id or to_unit_id is
 * its unit; a steward those whose unit_id or to_unit_id is under one of its contracts in force
 * today (Beijing calendar day). Anonymous sees nothing here.
 */
#include "flow/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void eg__flow_bind_i(struct eg__flow_binds *b, int64_t v)
{
    if (b->n >= EG__FLOW_MAX_BINDS) {
        eg_log(EG_LOG_ERROR, "flow: too many SQL parameters");
        abort();
    }
    b->v[b->n++] = (struct eg__flow_bind){.kind = 0, .i = v};
}

void eg__flow_bind_s(struct eg__flow_binds *b, const char *s)
{
    if (b->n >= EG__FLOW_MAX_BINDS) {
        eg_log(EG_LOG_ERROR, "flow: too many SQL parameters");
        abort();
    }
    b->v[b->n++] = (struct eg__flow_bind){.kind = 1, .s = s, .len = strlen(s)};
}

void eg__flow_bind_apply(const struct eg__flow_binds *b, struct eg_stmt *s, int first)
{
    for (int i = 0; i < b->n; i++) {
        if (b->v[i].kind == 0)
            eg_stmt_bind_int(s, first + i, b->v[i].i);
        else
            eg_stmt_bind_text(s, first + i, b->v[i].s, b->v[i].len);
    }
}

void eg__flow_region_sql(const char *col, const char *code, struct eg_buf *sql,
                         struct eg__flow_binds *b)
{
    /* the region itself, its children (grids) and their children: the registry's three levels */
    eg_buf_printf(sql,
                  "%s IN (SELECT g0.id FROM regions g0 WHERE g0.code = ? UNION "
                  "SELECT g1.id FROM regions g1 JOIN regions p1 ON g1.parent_id = p1.id "
                  "WHERE p1.code = ? UNION SELECT g2.id FROM regions g2 JOIN regions c2 ON "
                  "g2.parent_id = c2.id JOIN regions p2 ON c2.parent_id = p2.id WHERE p2.code = ?)",
                  col);
    for (int i = 0; i < 3; i++)
        eg__flow_bind_s(b, code);
}

void eg__flow_scope_sql(const struct eg_flow_kind *kind, const struct eg_principal *who,
                        struct eg_buf *sql, struct eg__flow_binds *b)
{
    int addressed = (kind->addressed_only & EG_FLOW_ROLE(who->role)) != 0;
    eg_buf_puts(sql, "(");
    switch (who->role) {
    case EG_ROLE_ADMIN:
    case EG_ROLE_BUREAU:
        eg_buf_puts(sql, "1 = 1");
        break;
    case EG_ROLE_STREET:
        if (who->region[0]) {
            eg__flow_region_sql("r.region_id", who->region, sql, b);
            eg_buf_puts(sql, " OR ");
            eg__flow_region_sql("r.to_region_id", who->region, sql, b);
        } else {
            eg_buf_puts(sql, "0 = 1");
        }
        break;
    case EG_ROLE_ENTERPRISE:
        if (who->unit_id && addressed) {
            eg_buf_puts(sql, "r.to_unit_id = ?");
            eg__flow_bind_i(b, who->unit_id);
        } else if (who->unit_id) {
            eg_buf_puts(sql, "r.unit_id = ? OR r.to_unit_id = ?");
            eg__flow_bind_i(b, who->unit_id);
            eg__flow_bind_i(b, who->unit_id);
        } else {
            eg_buf_puts(sql, "0 = 1");
        }
        break;
    case EG_ROLE_STEWARD: {
        struct eg_civil c;
        eg_time_to_beijing(eg_time_now(), &c);
        snprintf(b->today, sizeof b->today, "%04d-%02d-%02d", c.year % 10000, c.month % 100,
                 c.day % 100);
        static const char *const cols[2] = {"r.unit_id", "r.to_unit_id"};
        for (int i = addressed; i < 2; i++) {
            eg_buf_printf(sql,
                          "%s%s IN (SELECT sc.unit_id FROM steward_contracts sc WHERE "
                          "sc.user_id = ? AND (sc.valid_from IS NULL OR sc.valid_from <= ?) "
                          "AND (sc.valid_to IS NULL OR sc.valid_to >= ?))",
                          i > addressed ? " OR " : "", cols[i]);
            eg__flow_bind_i(b, who->user_id);
            eg__flow_bind_s(b, b->today);
            eg__flow_bind_s(b, b->today);
        }
        break;
    }
    default:
        eg_buf_puts(sql, "0 = 1");
        break;
    }
    eg_buf_puts(sql, ")");
}

int eg__flow_may_read(const struct eg_flow_kind *kind, const struct eg_principal *who,
                      struct eg_err *err)
{
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "login_required", -1, "log in to read %s records",
                          kind->name);
    if ((EG_FLOW_STAFF | kind->read_roles) & EG_FLOW_ROLE(who->role))
        return 0;
    return eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "no such %s record", kind->name);
}

int eg_flow_in_scope(struct eg_db *db, const struct eg_flow_kind *kind,
                     const struct eg_principal *who, int64_t unit_id, int64_t region_id,
                     int64_t to_unit_id, int64_t to_region_id, struct eg_err *err)
{
    int r = eg__flow_may_read(kind, who, err);
    if (r < 0)
        return r;
    if (who->role == EG_ROLE_ADMIN || who->role == EG_ROLE_BUREAU)
        return 0;
    struct eg_buf sql = {0};
    struct eg__flow_binds b = {0};
    const int64_t cols[4] = {unit_id, region_id, to_unit_id, to_region_id};
    /* the scope predicate over one row made of the four values (0 = NULL) */
    eg_buf_puts(&sql, "SELECT 1 FROM (SELECT CAST(? AS INTEGER) AS unit_id, CAST(? AS INTEGER) "
                      "AS region_id, CAST(? AS INTEGER) AS to_unit_id, CAST(? AS INTEGER) AS "
                      "to_region_id) r WHERE ");
    eg__flow_scope_sql(kind, who, &sql, &b);
    struct eg_stmt *s;
    r = eg_db_prepare(db, sql.data, &s, err);
    eg_buf_free(&sql);
    if (r < 0)
        return r;
    for (int i = 0; i < 4; i++) {
        if (cols[i])
            eg_stmt_bind_int(s, i + 1, cols[i]);
        else
            eg_stmt_bind_null(s, i + 1);
    }
    eg__flow_bind_apply(&b, s, 5); /* the predicate's own binds follow the four values */
    r = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (r < 0)
        return r;
    return r == 1 ? 0
                  : eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "no such %s record", kind->name);
}

/* ---- transactions ---- */

int eg__flow_tx_begin(struct eg_db *db, int *own, struct eg_err *err)
{
    *own = !eg_db_in_tx(db);
    return *own ? eg_db_begin(db, err) : eg_db_exec(db, "SAVEPOINT eg_flow", err);
}

int eg__flow_tx_commit(struct eg_db *db, int own, struct eg_err *err)
{
    return own ? eg_db_commit(db, err) : eg_db_exec(db, "RELEASE eg_flow", err);
}

void eg__flow_tx_abort(struct eg_db *db, int own)
{
    if (own)
        eg_db_rollback(db);
    else
        eg_db_exec(db, "ROLLBACK TO eg_flow; RELEASE eg_flow", NULL);
}

/* ---- actors, text, time ---- */

const char *eg__flow_actor(const struct eg_principal *who)
{
    return who->role == EG_ROLE_ANON ? "anonymous" : who->username[0] ? who->username : "system";
}

void eg__flow_bind_actor(struct eg_stmt *s, int first, const struct eg_principal *who)
{
    const char *name = eg__flow_actor(who), *role = eg_role_name(who->role);
    if (who->user_id)
        eg_stmt_bind_int(s, first, who->user_id);
    else
        eg_stmt_bind_null(s, first);
    eg_stmt_bind_text(s, first + 1, name, strlen(name));
    eg_stmt_bind_text(s, first + 2, role, strlen(role));
}

int eg__flow_text_ok(json_t *v, const char *field, struct eg_err *err)
{
    if (!json_is_string(v))
        return eg_err_set(err, EG_EINVAL, field, -1, "%s is required: a non-empty text", field);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > EG_FLOW_MAX_TEXT)
        return eg_err_set(err, EG_EINVAL, field, -1, "%s is %zu bytes, at most %u are accepted",
                          field, n, (unsigned)EG_FLOW_MAX_TEXT);
    int blank = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f)
            return eg_err_set(err, EG_EINVAL, field, (long)i,
                              "%s holds a control character (byte %zu): plain text only", field, i);
        if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
            blank = 0;
    }
    if (blank)
        return eg_err_set(err, EG_EINVAL, field, -1, "%s is required: a non-empty text", field);
    return 0;
}

json_t *eg__flow_time_json(int64_t t)
{
    char b[32];
    eg_time_format_beijing(t, b, sizeof b);
    return json_string(b);
}

int eg__flow_audit(struct eg_db *db, const struct eg_principal *who,
                   const struct eg_flow_kind *kind, int64_t id, const char *action, json_t *before,
                   json_t *after, struct eg_err *err)
{
    char res[64];
    snprintf(res, sizeof res, "flow.%s", kind->name);
    json_t *a = after ? json_deep_copy(after) : json_object();
    json_object_set_new(a, "action", json_string(action));
    int r = eg_audit_append(db, who, res, id, strcmp(action, "create") ? "update" : "create",
                            before, a, err);
    json_decref(a);
    return r;
}
