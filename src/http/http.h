/*
 * http: the HTTP JSON API (/api/v1/…), /healthz and /metrics, on libmicrohttpd.
 *
 * One struct eg_http_server holds everything: the listening daemon (a pool of worker threads,
 * each owning its connections and its own lazily opened struct eg_db), the route table and
 * the limits. A route is a method, a pattern ("/api/v1/units/{id}"), a handler and flags; the
 * handler reads the request through struct eg_http_req and answers with one eg_http_reply_*.
 *
 * Adding an API: write src/http/api_<x>.c with a function
 *     int eg_http_api_<x>_routes(struct eg_http_server *srv);
 * that calls eg_http_route_add_spec() for each endpoint (a table of its parameters, body and
 * answer: see "routes that carry their documentation" below), and add that function to the
 * table in src/http/routes.c (one declaration + one line). The OpenAPI document, the API index
 * (/api/v1/), the docs page (/api/v1/docs) and /metrics pick it up.
 *
 * Errors: a handler may return a negative EG_E* without replying; the server then answers
 * {"error":{"code":…,"message":…}} from the request's struct eg_err (eg_http_err()), with the
 * status from eg_http_status_for(): 400 malformed / wrong type / unknown field, 422 semantic
 * validation, 401, 403, 404, 409, 413, 429, 503 with Retry-After: 1 for an EG_EDB or EG_ENOMEM
 * whose code is "busy" (the database locked by another writer past the busy timeout, or the
 * server at its budget of request bodies in flight), else 500. An EG_EINVAL is a 400 when its
 * err.code is one of bad_request, bad_json, not_object, bad_type, wrong_type, unknown_field,
 * readonly_field, bad_query, unknown_filter, bad_filter, bad_format, bad_limit, bad_sort,
 * bad_cursor, bad_csv, unknown_parameter, missing_parameter (and the registry's cursor, sort,
 * limit, q, query, body); any other code (a field name, "credit_code") is a 422. A 500 shows the
 * client a generic message only; the real one goes to the log.
 */
#ifndef EG_HTTP_H
#define EG_HTTP_H

#include "base/app.h"
#include "base/base.h"
#include "db/db.h"
#include "registry/registry.h"

#include <jansson.h>
#include <stdint.h>

struct eg_http_server;
struct eg_http_req;

/* What the server needs to run; zeroed fields take the documented defaults. */
struct eg_http_config {
    const char *address; /* "127.0.0.1" (default), "0.0.0.0", "::1" */
    int port;            /* 0: any free port (see eg_http_server_port) */
    const char *db_path; /* database each worker opens; required for routes that use it */
    int threads;         /* worker threads; 0 = number of online CPUs */
    size_t body_limit;   /* bytes; larger bodies get 413. 0 = 1 MiB */
    size_t upload_limit; /* the same for CSV uploads (imports). 0 = 16 MiB */
    int timeout_s;       /* idle connection timeout; 0 = 30 s */
    int head_timeout_s;  /* the whole request head must arrive within this; 0 = 10 s */
    int per_ip_limit;    /* open connections from one address; 0 = 64, -1 = no limit */
    /* open connections in all; 0 = the descriptor limit (RLIMIT_NOFILE) less a quarter of it
       (at least 64) kept for the database, the HJ 212 listener and logs; only lowers that */
    int max_connections;
    /* bytes of request bodies held in memory by all requests together; a body that would pass
       it gets 503 with Retry-After: 1. 0 = 64 MiB; never below one body at the limit */
    size_t upload_budget;
    int access_log;      /* 1: one info line per request (method, path, status, ms) */
    int64_t token_ttl_s; /* login session lifetime; 0 = the store's default (12 h) */
    struct eg_app *app;  /* the application context handlers reach (eg_http_app); may be NULL */
};

/* A handler returns 0 after replying, or a negative EG_E* (with eg_http_err(rq) filled) and the
   server replies with the error. */
typedef int (*eg_http_handler)(struct eg_http_req *rq);

enum eg_http_route_flag {
    EG_ROUTE_PUBLIC = 0,         /* anonymous allowed; the registry still decides what it sees */
    EG_ROUTE_AUTH = 1 << 0,      /* a valid bearer token is required (401 otherwise) */
    EG_ROUTE_LIST = 1 << 1,      /* answers a list: ?format=csv|xlsx, limit/cursor (documented) */
    EG_ROUTE_BODY_JSON = 1 << 2, /* takes a JSON object body (documented) */
    EG_ROUTE_BODY_CSV = 1 << 3,  /* takes a CSV upload body (documented) */
    EG_ROUTE_NO_DB = 1 << 4,     /* never touches the database (healthz, metrics) */
    EG_ROUTE_BODY_FILE = 1 << 5, /* takes a file as the raw body (attachments): at most
                                    EG_HTTP_FILE_LIMIT (and the upload limit), refused on the
                                    Content-Length header; its Content-Type is not read */
};
#define EG_HTTP_FILE_LIMIT (10u << 20) /* = EG_FLOW_MAX_ATTACHMENT (flow/flow.h) */

int eg_http_server_new(const struct eg_http_config *cfg, struct eg_http_server **out,
                       struct eg_err *err);
/* Registers every API module of routes.c (what `envgov serve` runs). */
int eg_http_server_add_api(struct eg_http_server *srv, struct eg_err *err);
/* Before eg_http_server_start only (EG_EINVAL after; EG_ECONFLICT for a duplicate).
   method: "GET", "POST", "PUT", "PATCH", "DELETE". pattern: literal segments and {name}
   placeholders. summary: one line for the OpenAPI document. res: the registry resource the
   route serves (for the OpenAPI schemas and eg_http_resource()), or NULL. */
int eg_http_route_add(struct eg_http_server *srv, const char *method, const char *pattern,
                      eg_http_handler fn, unsigned flags, const char *summary,
                      const struct eg_resource *res);
/* --- routes that carry their documentation ---

   A route declared with eg_http_route_add_spec() carries a table of its path and query
   parameters, the JSON Schema of its body and of its answer. The same table serves three
   readers: the server, which refuses before the handler runs a query argument the table does
   not name (400 "unknown_parameter", listing the accepted names), a missing required one
   (400 "missing_parameter") and a value of the wrong type (400 "bad_query", in the table's own
   words: "limit must be an integer from 1 to 1000 (每页条数)"); the handler, which reads its
   arguments through eg_http_arg_*(); and the OpenAPI document (eg_http_openapi), which
   documents exactly what the server accepts. A route added with eg_http_route_add() has no
   table: nothing is checked and the document shows only what the flags imply (such a route
   counts as undocumented in the documentation test).

   The implicit arguments need no entry: on an EG_ROUTE_LIST route q, sort, limit, cursor,
   format and the resource's filter fields (EG_FF_FILTER); on an EG_ROUTE_BODY_CSV route
   dry_run. An entry of the same name replaces the implicit one. */
enum eg_http_param_type {
    EG_PT_STRING = 0, /* any text (max_len applies when set) */
    EG_PT_INT,        /* decimal integer; min/max apply when max > min */
    EG_PT_NUMBER,     /* decimal number; min/max apply when max > min */
    EG_PT_BOOL,       /* true|false|1|0 */
    EG_PT_ENUM,       /* one of enum_values "a|b|c" */
    EG_PT_TIME,       /* Beijing time "YYYY-MM-DD[ HH:MM[:SS]]" (or "…T…") */
    EG_PT_DATE,       /* "YYYY-MM-DD" */
    EG_PT_LIST,       /* comma-separated items (max_len bounds the item count when set) */
    EG_PT_ID,         /* positive decimal int64 (a record id) */
};
enum eg_http_param_in { EG_PIN_QUERY = 0, EG_PIN_PATH };
enum eg_http_param_flag {
    EG_PF_REQUIRED = 1 << 0,  /* absent: 400 "missing_parameter" */
    EG_PF_RANGE_END = 1 << 1, /* EG_PT_TIME: a date alone means the whole day (its 23:59:59) */
    EG_PF_REPEAT = 1 << 2,    /* may be given more than once (read with eg_http_query_each) */
};
struct eg_http_param_spec {
    const char *name; /* NULL ends a table */
    enum eg_http_param_in in;
    enum eg_http_param_type type;
    unsigned flags;          /* EG_PF_* */
    const char *enum_values; /* EG_PT_ENUM: "a|b|c" */
    const char *description_zh;
    const char *description_en;
    const char *dflt;    /* the value taken when absent, as text (documented), or NULL */
    const char *example; /* a value that works on the demo data (documentation test), or NULL */
    int64_t min, max;    /* EG_PT_INT / EG_PT_NUMBER bounds, when max > min */
    int max_len;         /* EG_PT_STRING: bytes; EG_PT_LIST: items; 0 = no bound */
};
struct eg_http_route_spec {
    const char *method, *pattern; /* as for eg_http_route_add */
    eg_http_handler fn;
    unsigned flags;                          /* EG_ROUTE_* */
    const char *summary;                     /* one line, English */
    const char *summary_zh;                  /* one line, Chinese */
    const char *description;                 /* longer text (Markdown), or NULL */
    const struct eg_resource *res;           /* the registry resource served, or NULL */
    const struct eg_http_param_spec *params; /* ended by an entry with name NULL; or NULL */
    const char *body_schema;   /* JSON Schema (OpenAPI 3.0 subset) of the JSON body, or NULL */
    const char *answer_schema; /* JSON Schema of the success answer; NULL: from res and flags */
    const char *access;        /* who may call it and what each role sees, or NULL */
    int status;                /* the success status; 0: 200 (201/204 as the method implies) */
};
/* Before eg_http_server_start only. The spec and everything it points to must outlive the
   server (static tables). Errors as eg_http_route_add, and EG_EINVAL for a malformed table (an
   unnamed {placeholder}, an enum without values, a body_schema or answer_schema that is not
   a JSON object). */
int eg_http_route_add_spec(struct eg_http_server *srv, const struct eg_http_route_spec *spec);
/* The spec of a route (NULL for one added with eg_http_route_add) — for the documents. */
const struct eg_http_route_spec *eg_http_route_spec_of(const struct eg_http_server *srv, int i);
int eg_http_route_count(const struct eg_http_server *srv);

/* Arguments read through the route's table. Each returns 1 when the argument was given, 0 when
   absent (out then gets the table's dflt when there is one, else is left as it was), or a
   negative EG_E* with eg_http_err(rq) filled: EG_EINVAL when the route's table does not name
   the argument or gives it another type (a bug in the handler), or the value is not of the
   type (the server checks before the handler runs, so only a handler that skipped the table
   sees this). Path parameters ({id}) are read the same way. */
int eg_http_arg_str(struct eg_http_req *rq, const char *name, const char **out);
int eg_http_arg_int(struct eg_http_req *rq, const char *name, int64_t *out); /* INT, ID */
int eg_http_arg_real(struct eg_http_req *rq, const char *name, double *out); /* NUMBER */
int eg_http_arg_bool(struct eg_http_req *rq, const char *name, int *out);
/* EG_PT_TIME / EG_PT_DATE as epoch seconds; with EG_PF_RANGE_END a date alone gives the last
   second of that day, so from=D&to=D is the whole day D. */
int eg_http_arg_time(struct eg_http_req *rq, const char *name, int64_t *out);
int eg_http_server_start(struct eg_http_server *srv, struct eg_err *err);
int eg_http_server_port(const struct eg_http_server *srv); /* the bound port, after start */
void eg_http_server_stop(struct eg_http_server *srv);      /* finishes requests in flight */
void eg_http_server_free(struct eg_http_server *srv);

/* --- the request --- */
const char *eg_http_method(const struct eg_http_req *rq);
const char *eg_http_path(const struct eg_http_req *rq); /* decoded, without the query */
const char *eg_http_param(const struct eg_http_req *rq, const char *name); /* {name} or NULL */
/* {name} as a positive decimal id; EG_ENOTFOUND (err filled) when not one. */
int eg_http_param_id(struct eg_http_req *rq, const char *name, int64_t *out);
const char *eg_http_query(const struct eg_http_req *rq, const char *name); /* or NULL */
/* Calls fn for every query argument in order; stops when fn returns non-zero. */
void eg_http_query_each(const struct eg_http_req *rq,
                        int (*fn)(void *arg, const char *name, const char *value), void *arg);
const char *eg_http_header(const struct eg_http_req *rq, const char *name);
const char *eg_http_body(const struct eg_http_req *rq, size_t *len); /* NUL-terminated */
/* The body parsed as a JSON object (owned by rq). EG_EINVAL "bad_json" / "not_object". */
int eg_http_body_json(struct eg_http_req *rq, json_t **out);
const struct eg_principal *eg_http_principal(const struct eg_http_req *rq);
/* The bearer token the request carried, or NULL (logout needs it; never log it). */
const char *eg_http_token(const struct eg_http_req *rq);
const char *eg_http_client_addr(const struct eg_http_req *rq);
const struct eg_resource *eg_http_resource(const struct eg_http_req *rq);
struct eg_http_server *eg_http_req_server(const struct eg_http_req *rq);
/* The application context of the server (eg_http_config.app), or NULL. */
struct eg_app *eg_http_app(const struct eg_http_req *rq);
/* This worker's database connection, opened on first use. */
int eg_http_store(struct eg_http_req *rq, struct eg_db **out);
/* Closes this worker's connection (after an I/O error): the next eg_http_store opens anew. */
void eg_http_store_drop(struct eg_http_req *rq);
struct eg_err *eg_http_err(struct eg_http_req *rq);

/* --- replies (exactly one per request) --- */
/* Takes the reference to j. */
int eg_http_reply_json(struct eg_http_req *rq, int status, json_t *j);
/* Copies data. */
int eg_http_reply_raw(struct eg_http_req *rq, int status, const char *content_type,
                      const void *data, size_t len);
/* Takes ownership of buf's memory. */
int eg_http_reply_buf(struct eg_http_req *rq, int status, const char *content_type,
                      struct eg_buf *buf);
int eg_http_add_header(struct eg_http_req *rq, const char *name, const char *value);
/* {"error":{"code":…,"message":…}} with the mapped status. Returns err->status. */
int eg_http_reply_error(struct eg_http_req *rq, const struct eg_err *err);
int eg_http_status_for(const struct eg_err *err);

/* A column of a list export: the JSON field and its Chinese header. */
struct eg_http_column {
    const char *name;
    const char *label_zh;
    const char *enum_values; /* "a|b|c": exports show the parallel enum_zh label instead */
    const char *enum_zh;
};
/* Answers a list according to ?format=: json (default) {"items":[…],"next_cursor":…},
   csv (UTF-8 with BOM, Chinese headers), xlsx (one sheet named sheet_zh). Takes items. */
int eg_http_reply_list(struct eg_http_req *rq, const char *sheet_zh, const char *file_stem,
                       const struct eg_http_column *cols, int ncols, json_t *items,
                       const char *next_cursor);
/* The export format asked for: 0 json, 1 csv, 2 xlsx; EG_EINVAL for anything else. */
enum { EG_HTTP_FMT_JSON, EG_HTTP_FMT_CSV, EG_HTTP_FMT_XLSX };
int eg_http_format(struct eg_http_req *rq, int *fmt);
/* The export writers, usable on their own. */
void eg_http_csv_write(struct eg_buf *out, const struct eg_http_column *cols, int ncols,
                       json_t *items);
int eg_http_xlsx_write(struct eg_buf *out, const char *sheet_zh, const struct eg_http_column *cols,
                       int ncols, json_t *items, struct eg_err *err);

/* --- the documents --- */
/* The OpenAPI 3.0 document of every registered route (caller decrefs). */
json_t *eg_http_openapi(const struct eg_http_server *srv);

#endif
