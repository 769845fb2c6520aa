/*
 * principal.c: roles, the system principal, and the audit log (audit_log, migration 001 range)
 * that every module appends its changes to.
 */
#include "auth/auth.h"

#include <stdlib.h>
#include <string.h>

const struct eg_principal eg_principal_system = {EG_ROLE_ADMIN, 0, "system", "", 0};

static const char *const role_names[] = {"anonymous", "admin",      "bureau",
                                         "street",    "enterprise", "steward"};

const char *eg_role_name(enum eg_role role)
{
    return (unsigned)role < EG_ARRAY_LEN(role_names) ? role_names[role] : "unknown";
}

int eg_role_parse(const char *s, enum eg_role *out)
{
    for (size_t i = 1; i < EG_ARRAY_LEN(role_names); i++)
        if (s && !strcmp(s, role_names[i])) {
            *out = (enum eg_role)i;
            return 0;
        }
    return EG_EINVAL;
}

static char *audit_json(json_t *row)
{
    return row ? json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

int eg_audit_append(struct eg_db *st, const struct eg_principal *who, const char *resource,
                    int64_t row_id, const char *action, json_t *before, json_t *after,
                    struct eg_err *err)
{
    char *b = audit_json(before), *a = audit_json(after);
    struct eg_stmt *s;
    int r = eg_db_prepare(st,
                          "INSERT INTO audit_log(at, actor_id, actor, resource, row_id, "
                          "action, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          &s, err);
    if (r == 0) {
        const char *actor = who->role == EG_ROLE_ANON ? "anonymous" : who->username;
        eg_stmt_bind_int(s, 1, eg_time_now());
        if (who->user_id)
            eg_stmt_bind_int(s, 2, who->user_id);
        eg_stmt_bind_text(s, 3, actor, strlen(actor));
        eg_stmt_bind_text(s, 4, resource, strlen(resource));
        if (row_id)
            eg_stmt_bind_int(s, 5, row_id);
        eg_stmt_bind_text(s, 6, action, strlen(action));
        if (b)
            eg_stmt_bind_text(s, 7, b, strlen(b));
        if (a)
            eg_stmt_bind_text(s, 8, a, strlen(a));
        r = eg_stmt_step(s, err);
        eg_stmt_done(s);
    }
    free(b);
    free(a);
    return r < 0 ? r : 0;
}
