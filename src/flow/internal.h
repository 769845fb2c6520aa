/*
 * flow/internal.h: what the engine's files share — parameter lists for generated SQL, the scope
 * predicate, transactions (own or a savepoint in the caller's), the record loader.
 */
#ifndef EG_FLOW_INTERNAL_H
#define EG_FLOW_INTERNAL_H

#include "flow/flow.h"

#define EG__FLOW_MAX_BINDS 128 /* a list: scope 6, filters up to 16, one per searched field */

struct eg__flow_bind {
    int kind; /* 0 int, 1 text */
    int64_t i;
    const char *s;
    size_t len;
};
struct eg__flow_binds {
    int n;
    struct eg__flow_bind v[EG__FLOW_MAX_BINDS];
    char today[16]; /* Beijing calendar day, for steward contracts */
};
void eg__flow_bind_i(struct eg__flow_binds *b, int64_t v);
void eg__flow_bind_s(struct eg__flow_binds *b, const char *s);
/* Binds b at parameters first, first + 1, … */
void eg__flow_bind_apply(const struct eg__flow_binds *b, struct eg_stmt *s, int first);

/* The read-scope predicate for who over alias r (columns unit_id, region_id, to_unit_id,
   to_region_id), parenthesised. Anonymous: never true. */
void eg__flow_scope_sql(const struct eg_flow_kind *kind, const struct eg_principal *who,
                        struct eg_buf *sql, struct eg__flow_binds *b);
/* "r.COL IN (<ids of region code ? and below>)" with three binds of code. */
void eg__flow_region_sql(const char *col, const char *code, struct eg_buf *sql,
                         struct eg__flow_binds *b);
/* 0 when the role may read the kind at all (admin and bureau always; others by read_roles);
   EG_EAUTH for anonymous, EG_ENOTFOUND otherwise. */
int eg__flow_may_read(const struct eg_flow_kind *kind, const struct eg_principal *who,
                      struct eg_err *err);

int eg__flow_tx_begin(struct eg_db *db, int *own, struct eg_err *err);
int eg__flow_tx_commit(struct eg_db *db, int own, struct eg_err *err);
void eg__flow_tx_abort(struct eg_db *db, int own);

/* The record row (common fields, the kind's fields), scoped to who (NULL: unscoped). *out is
   NULL when absent or out of scope. */
int eg__flow_load(struct eg_db *db, const struct eg_flow_kind *kind, const struct eg_principal *who,
                  int64_t id, json_t **out, struct eg_err *err);
/* Loads for a call of who: EG_EAUTH / EG_ENOTFOUND ("not_found", same for out of scope). */
int eg__flow_load_for(struct eg_db *db, const struct eg_flow_kind *kind,
                      const struct eg_principal *who, int64_t id, json_t **out, struct eg_err *err);

/* The actor columns: user id (0 = NULL), name, role name. */
const char *eg__flow_actor(const struct eg_principal *who);
void eg__flow_bind_actor(struct eg_stmt *s, int first, const struct eg_principal *who);

/* Text a person wrote: a JSON string, non-empty after trimming, at most EG_FLOW_MAX_TEXT bytes,
   valid UTF-8 (jansson guarantees it), no control characters but newline and tab. */
int eg__flow_text_ok(json_t *v, const char *field, struct eg_err *err);

json_t *eg__flow_time_json(int64_t t); /* Beijing "YYYY-MM-DD HH:MM:SS" */

/* attach.c: a record's attachments as eg_flow_attach describes each, in order. */
int eg__flow_attachments_json(struct eg_db *db, int64_t id, json_t **out, struct eg_err *err);

/* The audit-log row of a change to record id (resource "flow.<kind>"). audit_log admits the
   actions create/update/delete (migration 001, owned by auth): every change but the creation is
   an "update" whose after JSON names the engine's action ("close", "attach", "comment", …). */
int eg__flow_audit(struct eg_db *db, const struct eg_principal *who,
                   const struct eg_flow_kind *kind, int64_t id, const char *action, json_t *before,
                   json_t *after, struct eg_err *err);

/* kind.c: a kind's field validated (EG_EINVAL, err.code the check, the message naming the
   field), bound as a parameter, read from a column. */
int eg__flow_field_check(struct eg_db *db, const struct eg_field *f, json_t *v, struct eg_err *err);
void eg__flow_field_bind(const struct eg_field *f, json_t *v, struct eg_stmt *s, int i);
json_t *eg__flow_field_value(const struct eg_field *f, struct eg_stmt *s, int col);
/* The transition action resolves to from state: a declared one, else "*" when not terminal. */
const struct eg_flow_transition *eg__flow_transition(const struct eg_flow_kind *kind,
                                                     const char *state, const char *action);
json_t *eg__flow_needs_json(unsigned needs);
/* Sets rec["actions"]: what who may take now. */
void eg__flow_add_actions(const struct eg_flow_kind *kind, const struct eg_principal *who,
                          json_t *rec);

#endif
