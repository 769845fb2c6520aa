/*
 * registry: the bureau's records (一企一档) — regions, units, outlets, permits and limits,
 * stations, devices, users — described as data (struct eg_resource), so that CRUD, validation,
 * scope checks, the HTTP handlers, CSV/XLSX exports, imports and the OpenAPI document are all
 * generated from one description and a new resource is one table entry plus one migration.
 *
 * Records travel as jansson objects (json_t): field name -> value, plus "id".
 * Who may see and change what is decided here, in one place (eg_registry_* take the principal).
 */
#ifndef EG_REGISTRY_H
#define EG_REGISTRY_H

#include "base/base.h"
#include "store/store.h"

#include <jansson.h>
#include <stdint.h>

enum eg_field_type {
    EG_FT_TEXT,
    EG_FT_INT,
    EG_FT_REAL,
    EG_FT_BOOL,
    EG_FT_DATE, /* "YYYY-MM-DD" (Beijing calendar day) */
    EG_FT_ENUM, /* one of enum_values ("a|b|c") */
    EG_FT_REF,  /* id of a row of ref_resource */
};

enum eg_field_flag {
    EG_FF_REQUIRED = 1 << 0,
    EG_FF_UNIQUE = 1 << 1,     /* duplicate -> EG_ECONFLICT (409) */
    EG_FF_SEARCH = 1 << 2,     /* matched by ?q= (substring, Chinese names) */
    EG_FF_FILTER = 1 << 3,     /* ?name=value filters */
    EG_FF_SECRET = 1 << 4,     /* write-only (device password): stored hashed, never returned */
    EG_FF_READONLY = 1 << 5,   /* set by the system, refused on input */
    EG_FF_CREDIT_CODE = 1 << 6 /* 统一社会信用代码, GB 32100-2015 checksum */
};

struct eg_field {
    const char *name;     /* JSON and column name, English snake_case */
    const char *label_zh; /* Chinese column header for exports and imports */
    enum eg_field_type type;
    unsigned flags;
    const char *enum_values; /* EG_FT_ENUM: "a|b|c" */
    const char *ref;         /* EG_FT_REF: resource name */
    int max_len;             /* EG_FT_TEXT: bytes, 0 = 256 */
    const char *enum_zh; /* EG_FT_ENUM: Chinese labels parallel to enum_values ("重点管理|…"),
                            accepted on import and shown in exports; NULL if none */
};

struct eg_resource {
    const char *name;     /* URL segment and CLI noun: "units", "outlets", … */
    const char *table;    /* SQL table */
    const char *label_zh; /* 排污单位 … */
    const struct eg_field *fields;
    int nfields;
};

extern const struct eg_resource *const eg_registry_resources[]; /* NULL-terminated */
const struct eg_resource *eg_registry_find(const char *name);

/* Who is asking. Anonymous has role EG_ROLE_ANON and sees only what is public. */
enum eg_role {
    EG_ROLE_ANON,
    EG_ROLE_ADMIN,
    EG_ROLE_BUREAU,
    EG_ROLE_STREET,
    EG_ROLE_ENTERPRISE,
    EG_ROLE_STEWARD
};
struct eg_principal {
    enum eg_role role;
    int64_t user_id; /* 0 for anonymous and the CLI's system principal */
    char username[64];
    char region[32]; /* street users: their region code (covers its grids) */
    int64_t unit_id; /* enterprise users: their unit */
};
const char *eg_role_name(enum eg_role role);
int eg_role_parse(const char *s, enum eg_role *out);
/* The principal used by operator commands on the server itself (full rights, audited as "system").
 */
extern const struct eg_principal eg_principal_system;

enum eg_action { EG_ACT_READ, EG_ACT_CREATE, EG_ACT_UPDATE, EG_ACT_DELETE };

struct eg_list_query {
    const char *q;                   /* text search over EG_FF_SEARCH fields, or NULL */
    const char *sort;                /* field name, "-field" for descending, NULL = id */
    int limit;                       /* 1..1000, default 50 */
    const char *cursor;              /* opaque, from the previous page, or NULL */
    const char *const *filter_names; /* parallel arrays of nfilters field=value filters */
    const char *const *filter_values;
    int nfilters;
};

/* CRUD. Errors: EG_EINVAL (400/422 with err.code naming the field), EG_ENOTFOUND, EG_ECONFLICT,
   EG_EPERM (authenticated but out of scope), EG_EAUTH (anonymous where login is needed).
   Every change appends to the audit log (who, when, what, before/after) in the same transaction. */
int eg_registry_list(struct eg_store *st, const struct eg_resource *res,
                     const struct eg_principal *who, const struct eg_list_query *q, json_t **rows,
                     char **next_cursor, struct eg_err *err);
int eg_registry_get(struct eg_store *st, const struct eg_resource *res,
                    const struct eg_principal *who, int64_t id, json_t **row, struct eg_err *err);
int eg_registry_create(struct eg_store *st, const struct eg_resource *res,
                       const struct eg_principal *who, json_t *in, json_t **row,
                       struct eg_err *err);
int eg_registry_update(struct eg_store *st, const struct eg_resource *res,
                       const struct eg_principal *who, int64_t id, json_t *patch, json_t **row,
                       struct eg_err *err);
int eg_registry_delete(struct eg_store *st, const struct eg_resource *res,
                       const struct eg_principal *who, int64_t id, struct eg_err *err);

/* 统一社会信用代码 (GB 32100-2015): 18 characters, check character valid. */
int eg_credit_code_valid(const char *s, size_t n);

/* The role-level policy (role x resource x action), without row scope: 0 when the role may
   perform the action on some rows of res; EG_EAUTH for anonymous, EG_EPERM otherwise. Row scope
   (region, unit, contract, public) is applied by the CRUD functions above; see registry.c.
   Exposed so the HTTP layer, its OpenAPI document and the matrix tests use the same table. */
int eg_registry_allowed(const struct eg_principal *who, const struct eg_resource *res,
                        enum eg_action act);
const struct eg_field *eg_registry_field(const struct eg_resource *res, const char *name);

/* Whether who may read the measurements of a time-series source, named by a station code or a
   device MN, under the same scope as the registry rows: 0 when the station is readable, or the
   device is readable, or the device measures a readable station; EG_ENOTFOUND otherwise
   (unknown and out-of-scope sources answer alike). For the time-series endpoints, so that their
   scope is the registry's and is decided in one place. */
int eg_registry_source_readable(struct eg_store *st, const struct eg_principal *who,
                                const char *source, struct eg_err *err);

/* Converts the text of a CSV cell, a query-string filter or an import to the JSON value of
   field f: numbers parsed strictly, booleans from 1/0/true/false/是/否, enums from their value or
   Chinese label, references from an id or the natural key of the referenced row (regions: code,
   units: credit_code, permits: number, stations: code, users: username, outlets:
   CREDITCODE/OUTLETCODE). Empty text is JSON null. EG_EINVAL with err.code = field name. */
int eg_registry_value_from_text(struct eg_store *st, const struct eg_field *f, const char *s,
                                size_t n, json_t **out, struct eg_err *err);

#endif
