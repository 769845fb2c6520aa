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

#include "auth/auth.h"
#include "base/base.h"
#include "db/db.h"

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
    EG_FF_UNIQUE = 1 << 1,      /* duplicate -> EG_ECONFLICT (409) */
    EG_FF_SEARCH = 1 << 2,      /* matched by ?q= (substring, Chinese names) */
    EG_FF_FILTER = 1 << 3,      /* ?name=value filters */
    EG_FF_SECRET = 1 << 4,      /* write-only (device password): stored hashed, never returned */
    EG_FF_READONLY = 1 << 5,    /* set by the system, refused on input */
    EG_FF_CREDIT_CODE = 1 << 6, /* 统一社会信用代码, GB 32100-2015 checksum */
    EG_FF_TIME = 1 << 7         /* EG_FT_INT of UTC epoch seconds: exports show Beijing time */
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
                            accepted on import and shown in exports; NULL if none. A read-only
                            EG_FT_TEXT may carry both too: exports show the label, input is
                            not checked against them */
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

enum eg_action { EG_ACT_READ, EG_ACT_CREATE, EG_ACT_UPDATE, EG_ACT_DELETE };

struct eg_list_query {
    const char *q;                   /* text search over EG_FF_SEARCH fields, or NULL */
    const char *sort;                /* field name, "-field" for descending, NULL = id */
    int limit;                       /* 1..1000, default 50 */
    const char *cursor;              /* opaque, from the previous page, or NULL */
    const char *const *filter_names; /* parallel arrays of nfilters field=value filters */
    const char *const *filter_values;
    int nfilters;
    /* eg_registry_list_json only, may be NULL: the rows' text kept by this thread across lists
       (eg_registry_rows_*), set to the registry version the caller read before the list */
    struct eg_registry_rows *rows;
};

/* Rows' JSON text kept across lists by one thread (issue 11 §8). A row's text depends on the
   row alone, not on the reader or the page, so a list whose rows are kept reads only their ids
   (through an index) and copies the text. At most max_bytes of text and 4,096 rows are kept.
   eg_registry_rows_version: the registry version (eg_registry_version) read before the list;
   a different one than the rows were kept under empties the cache. Use only with a versioned
   resource, outside a write transaction. */
struct eg_registry_rows;
struct eg_registry_rows *eg_registry_rows_new(size_t max_bytes);
void eg_registry_rows_free(struct eg_registry_rows *c); /* NULL is fine */
void eg_registry_rows_version(struct eg_registry_rows *c, int64_t version);

/* CRUD. Errors: EG_EINVAL (400/422 with err.code naming the field), EG_ENOTFOUND, EG_ECONFLICT,
   EG_EPERM (authenticated but out of scope), EG_EAUTH (anonymous where login is needed).
   Every change appends to the audit log (who, when, what, before/after) in the same transaction. */
int eg_registry_list(struct eg_db *st, const struct eg_resource *res,
                     const struct eg_principal *who, const struct eg_list_query *q, json_t **rows,
                     char **next_cursor, struct eg_err *err);
/* The same list written as JSON text into out (appended): the array of rows, byte for byte what
   eg_registry_list's rows give through the HTTP serializer, without building jansson values
   (issue 11 §8: a page of 50 as fast as one record). On error out is left as it was. */
int eg_registry_list_json(struct eg_db *st, const struct eg_resource *res,
                          const struct eg_principal *who, const struct eg_list_query *q,
                          struct eg_buf *out, char **next_cursor, struct eg_err *err);
/* The version of res's rows for a cache of its lists: an opaque value that changes with every
   committed change to any registry table (migration 003: triggers set a new random value), so a
   list read while it was v is still what the list says while it is v — every scope (regions,
   units, contracts) is made of registry tables too. *cacheable = 0 for a resource whose table
   is not versioned (the audit log, which auth also writes): never cache its lists. */
int eg_registry_version(struct eg_db *st, const struct eg_resource *res, int64_t *version,
                        int *cacheable, struct eg_err *err);
int eg_registry_get(struct eg_db *st, const struct eg_resource *res, const struct eg_principal *who,
                    int64_t id, json_t **row, struct eg_err *err);
int eg_registry_create(struct eg_db *st, const struct eg_resource *res,
                       const struct eg_principal *who, json_t *in, json_t **row,
                       struct eg_err *err);
int eg_registry_update(struct eg_db *st, const struct eg_resource *res,
                       const struct eg_principal *who, int64_t id, json_t *patch, json_t **row,
                       struct eg_err *err);
int eg_registry_delete(struct eg_db *st, const struct eg_resource *res,
                       const struct eg_principal *who, int64_t id, struct eg_err *err);

/* For exports a person reads (issue 11 §5): sets in every row of rows (a list as
   eg_registry_list returns it) the display name of what each reference field points to, under
   the key eg_registry_ref_name_key(field) — a region, unit or station by its name, a permit by
   its number, an outlet by its code and name, a limit by its pollutant, a device by its name or
   MN, a user by display name or username. Names are read with who's scope: a referenced row
   who may not read gets no name (its id stays). */
int eg_registry_ref_names(struct eg_db *st, const struct eg_resource *res,
                          const struct eg_principal *who, json_t *rows, struct eg_err *err);
/* The row key of a reference field's display name: "<field>_name" written into out. */
void eg_registry_ref_name_key(const struct eg_field *f, char *out, size_t outsz);

/* 统一社会信用代码 (GB 32100-2015): 18 characters, check character valid. */
int eg_credit_code_valid(const char *s, size_t n);

/* The role-level policy (role x resource x action), without row scope: 0 when the role may
   perform the action on some rows of res; EG_EAUTH for anonymous, EG_EPERM otherwise. Row scope
   (region, unit, contract, public) is applied by the CRUD functions above; see registry.c.
   Exposed so the HTTP layer, its OpenAPI document and the matrix tests use the same table. */
int eg_registry_allowed(const struct eg_principal *who, const struct eg_resource *res,
                        enum eg_action act);
const struct eg_field *eg_registry_field(const struct eg_resource *res, const char *name);

/* Series ownership (issue 10 item 1). A time-series source (ts.h: struct eg_ts_key.source)
   resolves to exactly one registry object: the station with that code or the device with that
   MN. The registry keeps the two names disjoint — a device MN never equals a station code and a
   station code never equals a device MN (EG_ECONFLICT, 409, on create, update and import; the
   cross-field checks of resources.c run inside the write transaction) — and every path that
   takes a source from a user resolves it here (eg_registry_source_readable for reads, the
   devices list by MN for declarations). Decision: no source kind in ts_series. The disjoint
   namespaces make a device's series and a station's series different strings, and HJ 212 data
   is only written under the MN of a registered device (eg_registry_device_check), so a kind
   column would duplicate what the registry already decides; it would be needed only if the two
   namespaces were ever allowed to overlap. What stays outside: series written under a name no
   registry object has (an observation import of an unregistered station code) are readable by
   admin and bureau only, and would be adopted by a station or device registered later under
   that name — that is what registering it means.
   A station's series and evaluation take only its code and the devices attached to it
   (devices.station_id); a device on an outlet never counts for a station (eval/data.c). A device
   an enterprise created or moved is unconfirmed (confirmed = false) until the bureau confirms
   it; rules that judge an outlet against its limits must skip unconfirmed devices.

   Whether who may read the measurements of a time-series source, named by a station code or a
   device MN, under the same scope as the registry rows: 0 when the station is readable, or the
   device is readable, or the device measures a readable station; EG_ENOTFOUND otherwise
   (unknown and out-of-scope sources answer alike). For the time-series endpoints, so that their
   scope is the registry's and is decided in one place. */
int eg_registry_source_readable(struct eg_db *st, const struct eg_principal *who,
                                const char *source, struct eg_err *err);

/* Filters of a list beyond its fields' equality filters (issue 11 item 6), named in
   struct eg_list_query like the others:
     in_region=CODE|ID  rows lying in that region or any region under it — a street's own rows
                        and its grids', a district's everything (resources with a region: regions,
                        units, stations, outlets, permits, devices, …)
     unit_id=ID         rows belonging to that unit through another row, on resources without
                        a unit_id field of their own: devices (through their outlet) and permit
                        limits (through their permit) — "the devices of an enterprise"
   The row scope applies on top, so a filter never widens what a reader sees. An unknown region
   is EG_EINVAL "bad_filter" (regions are readable by everyone: no existence oracle). The
   array ends with a NULL name. */
struct eg_registry_xfilter {
    const char *name, *label_zh, *description_en;
};
const struct eg_registry_xfilter *eg_registry_extra_filters(const struct eg_resource *res);

/* Converts the text of a CSV cell, a query-string filter or an import to the JSON value of
   field f: numbers parsed strictly, booleans from 1/0/true/false/是/否, enums from their value or
   Chinese label, references from an id or the natural key of the referenced row (regions: code,
   units: credit_code, permits: number, stations: code, users: username, outlets:
   CREDITCODE/OUTLETCODE). Empty text is JSON null. EG_EINVAL with err.code = field name. */
int eg_registry_value_from_text(struct eg_db *st, const struct eg_field *f, const char *s, size_t n,
                                json_t **out, struct eg_err *err);

/* Creates a user (audited as the system principal). region: a region code, or NULL; unit_id: 0
   for none. Street users need a region, enterprise users a unit. EG_ECONFLICT if the name is
   taken; EG_EINVAL with err.code naming the field otherwise. */
int eg_registry_user_add(struct eg_db *st, const char *username, const char *role,
                         const char *region, int64_t unit_id, const char *password,
                         struct eg_err *err);

/* HJ 212 device authentication: MN and PW as received. Returns 0 and the device id when the MN
   is registered and the password matches; EG_ENOTFOUND for an unknown MN; EG_EAUTH otherwise. */
int eg_registry_device_check(struct eg_db *st, const char *mn, const char *pw, size_t pwlen,
                             int64_t *device_id, struct eg_err *err);

/* ---- CSV import ----
 *
   import: CSV files into the registry — the engine behind `envgov import RES FILE` and the HTTP
 * upload endpoint, so both accept the same files and report the same errors.
 *
 * Input: CSV (RFC 4180: commas, "quoted" fields with "" inside, CRLF or LF, newlines inside
 * quotes) in UTF-8 with or without BOM, or GBK/GB 18030 as Excel writes it on Chinese Windows
 * (detected: a file that is not valid UTF-8 is converted from GB 18030 with iconv). The first
 * row names the columns, each by its field name (English) or its Chinese label (label_zh), in
 * any order; cells are read with eg_registry_value_from_text (Chinese enum labels, 是/否,
 * natural keys for references). An empty cell leaves the field unset.
 *
 * All or nothing: every row is checked and every rejected row is reported with its line number
 * and reason; if any row is rejected, or on a dry run, nothing is written. Two passes, so that
 * the write lock is held briefly: first every row is converted, checked and its passwords
 * hashed (Argon2id, the slow part) outside any transaction; then one transaction (a savepoint
 * per row) reads the rows again and creates them with those hashes (references, cross-field
 * rules, duplicates, scope), and commits, or rolls back when any row was rejected.
 */
#define EG_IMPORT_MAX_BYTES (64u << 20) /* default refusal size */
#define EG_IMPORT_MAX_REPORTED 1000     /* rejected rows listed (all are counted) */
/* Enterprise, street and steward users import at most this much at once (413 "too_large" /
   "too_many_rows" beyond); admin and bureau up to EG_IMPORT_MAX_BYTES (or opts.max_bytes). The
   write transaction takes about 0.1 ms a row, so 5,000 rows hold the write lock well under the
   5 s other writers wait for it. */
#define EG_IMPORT_SCOPED_MAX_ROWS 5000
#define EG_IMPORT_SCOPED_MAX_BYTES (2u << 20)

struct eg_import_opts {
    int dry_run;
    size_t max_bytes; /* 0 = EG_IMPORT_MAX_BYTES */
    /* Called about once a second on long files (rows done, bytes done of total). */
    void (*progress)(void *ctx, long rows, size_t done, size_t total);
    void *progress_ctx;
};

struct eg_import_report {
    const char *encoding; /* "utf-8", "utf-8-bom" or "gb18030" */
    long rows;            /* data rows read */
    long accepted;        /* rows that passed (written unless dry run or any rejected) */
    long rejected;
    int written;    /* 1 when the rows were committed */
    json_t *errors; /* [{"line":N,"field":"…","code":"…","message":"…"}] */
};

/* Imports buf[0..len) into res as who. Returns 0 when every row was accepted (and written unless
   dry_run); EG_EINVAL when rows were rejected (nothing written; rep->errors lists them); other
   errors (encoding, header, size EG_ETOOBIG, database) with err filled and the report partial. */
int eg_import_csv(struct eg_db *st, const struct eg_resource *res, const struct eg_principal *who,
                  const char *buf, size_t len, const struct eg_import_opts *opts,
                  struct eg_import_report *rep, struct eg_err *err);
void eg_import_report_free(struct eg_import_report *rep);

/* ---- lookups other modules need (lookup.c) ---- */

/* The id of the station with this code; EG_ENOTFOUND ("unknown_station") when none. */
int eg_registry_station_id(struct eg_db *st, const char *code, int64_t *id, struct eg_err *err);

/* *is_device = 1 when source is the MN of a registered device: station observations (which
   name their station by code) are refused under it, so that they never enter a device's series
   (registry.h, "Series ownership"). */
int eg_registry_is_device_mn(struct eg_db *st, const char *source, int *is_device,
                             struct eg_err *err);

/* How a registered device speaks HJ 212. *found = 0 when the id is unknown. */
struct eg_registry_device_wire {
    int edition;            /* 2017 or 2005 */
    int crc_modbus_swapped; /* crc = "modbus_swapped" */
    int lenient;
    int interval_s;
};
int eg_registry_device_wire(struct eg_db *st, int64_t id, struct eg_registry_device_wire *out,
                            int *found, struct eg_err *err);

/* The device with this MN takes password pw (stored as an Argon2id hash at the device cost):
   HJ 212-2017 CN 1072 executed. Not audited (the device changed it, as the command history
   shows); no row changes when the MN is unknown. */
int eg_registry_device_password_set(struct eg_db *st, const char *mn, const char *pw, size_t n,
                                    struct eg_err *err);

/* Devices in id order, at most limit, with what a simulator needs to play them. The strings are
   valid during the call only (NULL when unset). fn returning < 0 stops with that code. */
struct eg_registry_device_row {
    int64_t id;
    const char *mn, *protocol;
    const char *outlet_type;  /* of its outlet, or NULL */
    const char *station_kind; /* of its station, or NULL */
};
int eg_registry_devices_each(struct eg_db *st, int limit,
                             int (*fn)(void *arg, const struct eg_registry_device_row *d),
                             void *arg, struct eg_err *err);

/* Users in id order (no password hashes). region: its code or NULL; unit_id 0 when none. */
struct eg_registry_user_row {
    int64_t id;
    const char *username, *role, *region;
    int64_t unit_id;
    int disabled;
};
int eg_registry_users_each(struct eg_db *st,
                           int (*fn)(void *arg, const struct eg_registry_user_row *u), void *arg,
                           struct eg_err *err);

/* ---- unit lookups for the governance engines (permits.c) ---- */

/* Valid permits whose valid_to lies in [from, to] (Beijing dates), soonest first, with their
   unit's name: for the permits-expiring list (govern). Strings valid during the call. */
struct eg_registry_permit_row {
    int64_t permit_id, unit_id;
    const char *number, *unit, *category, *valid_to;
};
int eg_registry_permits_expiring_each(struct eg_db *st, const char *from, const char *to,
                                      int (*fn)(void *arg, const struct eg_registry_permit_row *p),
                                      void *arg, struct eg_err *err);
/* Parks (units of kind park; park_id 0 = all) and their enterprises (units.park_id), park by
   park; covered = 1 when the enterprise holds a permit or registration valid on date. A park
   without enterprises comes once with unit_id 0. For the park coverage rate (seed 000). */
struct eg_registry_park_member {
    int64_t park_id, unit_id;
    const char *park, *unit;
    int covered;
};
int eg_registry_park_members_each(struct eg_db *st, int64_t park_id, const char *date,
                                  int (*fn)(void *arg, const struct eg_registry_park_member *m),
                                  void *arg, struct eg_err *err);

/* The ids of every unit of a kind ("enterprise", "park", …), ascending; *ids malloc'd. */
int eg_registry_unit_ids(struct eg_db *st, const char *kind, int64_t **ids, int *n,
                         struct eg_err *err);
/* A unit's region (0 when it has none); *found = 0 for an unknown unit. */
int eg_registry_unit_region(struct eg_db *st, int64_t unit_id, int64_t *region_id, int *found,
                            struct eg_err *err);

/* ---- permits for supervision (permits.c): 一证式, seed 004 ---- */

/* The permit in force for a unit on a Beijing date "YYYY-MM-DD": status valid and the date within
   valid_from .. valid_to (an open end counts as open); a permit before a registration (登记), then
   the latest valid_from. *permit_id = 0 when the unit holds none in force on that date. Every
   alert, case, penalty and inspection is filed against it (the draws' inspections too). */
int eg_permit_in_force_for_unit(struct eg_db *st, int64_t unit_id, const char *date,
                                int64_t *permit_id, struct eg_err *err);
/* The unit a permit belongs to; EG_ENOTFOUND (code permit_id) for an unknown permit. */
int eg_permit_unit(struct eg_db *st, int64_t permit_id, int64_t *unit_id, struct eg_err *err);
/* Every series a permit limit applies to: an outlet's device (MN) and a pollutant with a
   concentration limit, in unit, outlet, MN, pollutant order — what an exceedance rate counts
   (credit: exceedance hours / hours of data per outlet). Strings valid during the call. */
struct eg_registry_limited {
    int64_t unit_id, outlet_id;
    const char *outlet_code, *mn, *pollutant;
};
int eg_registry_limited_series_each(struct eg_db *st,
                                    int (*fn)(void *arg, const struct eg_registry_limited *l),
                                    void *arg, struct eg_err *err);

/* ---- for loaders (registry/empty.c) ---- */

/* *empty = 1 when there are no regions, units or users (nothing was ever loaded). */
int eg_registry_is_empty(struct eg_db *st, int *empty, struct eg_err *err);

#endif
