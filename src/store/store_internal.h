/*
 * store_internal.h: helpers shared by the store module's own files (registry, auth, import),
 * not part of the public seam in store.h.
 */
#ifndef EG_STORE_INTERNAL_H
#define EG_STORE_INTERNAL_H

#include "store/store.h"

/* 1 when a transaction is open on this connection (so a caller-owned transaction is joined
   with a SAVEPOINT instead of a nested BEGIN). */
int eg__store_in_tx(struct eg_store *st);

#endif

#include "store/registry.h"

/* What registry.c needs to know about a resource beyond its fields: who may act on it, how a
   row maps to a unit, a region and public disclosure (SQL expressions over the row alias t, or
   NULL when the notion does not apply), and its cross-field checks. One per resource, in
   resources.c, beside the field lists. */
enum { EG_P_R = 1, EG_P_C = 2, EG_P_U = 4, EG_P_D = 8, EG_P_ALL = 15 };
struct eg__res_impl {
    const struct eg_resource *res;
    unsigned char policy[6]; /* by enum eg_role: EG_P_* bits */
    const char *unit_expr;   /* the unit the row belongs to */
    const char *region_expr; /* the region the row lies in */
    const char *public_expr; /* true when the row is disclosed to the public */
    const char *self_expr;   /* the user the row belongs to (steward contracts) */
    const char *natural_key; /* column naming a row in imports and filters, or NULL */
    int secret_cost;         /* eg_auth_hash_password cost for EG_FF_SECRET fields */
    /* Cross-field checks on the row as it will be after the change (row has every field that is
       set; id is 0 on create). */
    int (*check)(struct eg_store *st, json_t *row, int64_t id, struct eg_err *err);
};
const struct eg__res_impl *eg__registry_impl(const struct eg_resource *res);

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int eg__utf8_valid(const char *s, size_t n);

/* Queries one integer (first column of the first row) with a bound at ?1 and, when text is not
   NULL, text at ?2; *found = 0 (and *out = 0) when there is no row. */
int eg__store_query_int(struct eg_store *st, const char *sql, int64_t a, const char *text,
                        int64_t *out, int *found, struct eg_err *err);

/* Appends an audit row (who, now, resource, id, action, before/after JSON without secrets). */
int eg__registry_audit(struct eg_store *st, const struct eg_principal *who, const char *resource,
                       int64_t row_id, const char *action, json_t *before, json_t *after,
                       struct eg_err *err);
