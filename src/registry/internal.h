/*
 * internal.h: what the registry's own files (registry.c, resources.c, import.c, users.c) share,
 * not part of its public header.
 */
#ifndef EG_REGISTRY_INTERNAL_H
#define EG_REGISTRY_INTERNAL_H

#include "registry/registry.h"

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
    int (*check)(struct eg_db *st, json_t *row, int64_t id, struct eg_err *err);
    /* Field-level policy that depends on the writer, beyond the role x action bits and the row
       scope: may refuse (EG_EPERM) or set fields in body, the input about to be written (a copy
       the caller owns). before is the row before an update, NULL on create. NULL = none. */
    int (*authorize)(const struct eg_principal *who, json_t *body, json_t *before,
                     struct eg_err *err);
};
const struct eg__res_impl *eg__registry_impl(const struct eg_resource *res);

/* A create in two steps, so that an import does its slow work (Argon2id) before it takes the
   write lock. _check: the checks that need no database (role, fields, types, required) and the
   secrets of in hashed into hashed (name -> hash); _hashed: the create itself (references,
   cross-field checks, insert, scope, audit) with those hashes, as eg_registry_create. */
int eg__registry_create_check(const struct eg_resource *res, const struct eg_principal *who,
                              json_t *in, json_t *hashed, struct eg_err *err);
int eg__registry_create_hashed(struct eg_db *st, const struct eg_resource *res,
                               const struct eg_principal *who, json_t *in, json_t *hashed,
                               struct eg_err *err);

#endif
