/*
 * http_internal.h: what the files of src/http share and nobody else needs — the route table
 * as the OpenAPI generator reads it, the token check the server runs before every handler,
 * and the API modules routes.c registers.
 */
#ifndef EG_HTTP_INTERNAL_H
#define EG_HTTP_INTERNAL_H

#include "http/http.h"

struct eg__http_route_info {
    const char *method, *pattern, *summary;
    unsigned flags;
    const struct eg_resource *res;
};
int eg__http_server_route_count(const struct eg_http_server *srv);
void eg__http_server_route_info(const struct eg_http_server *srv, int i,
                                struct eg__http_route_info *out);

int64_t eg__http_server_token_ttl(const struct eg_http_server *srv);

/* Checks one argument value against its table entry as the server does before a handler runs
   (fuzz/http_params.c): 0 with *i / *d set (integers, booleans and times in *i, numbers in *d),
   or the EG_EINVAL the server answers, with err filled in the table's words. */
int eg__http_param_check(const struct eg_http_param_spec *p, const char *value, int64_t *i,
                         double *d, struct eg_err *err);

/* Replaces the reply's Cache-Control: no-store (static files of the API page). */
void eg__http_cacheable(struct eg_http_req *rq, const char *cache_control);

/* The handler of a GET (or HEAD) that no route matches, outside /api/ and /open311/ (the web
   UI, web.c): no login, no database; what it answers is its own. */
void eg__http_server_set_fallback(struct eg_http_server *srv, eg_http_handler fn);

/* Files served from memory (web.c; the web UI and the API page): the bytes, a gzip copy when
   smaller, an ETag. */
struct eg__http_asset {
    char *data, *gz;
    size_t len, gzlen;
    char etag[40];
};
/* Takes data (malloc'd, len bytes); computes the ETag, and the gzip copy when compress. */
void eg__http_asset_set(struct eg__http_asset *a, char *data, size_t len, int compress);
void eg__http_asset_free(struct eg__http_asset *a);
/* A whole file (at most 64 MiB) into *out (malloc'd); 0, or -1 when it cannot be read. */
int eg__http_asset_read(const char *path, char **out, size_t *len);
/* 200 with the gzip copy when the client accepts it (else the bytes), or 304 on a matching
   If-None-Match; with ETag, Vary and the given Cache-Control. */
int eg__http_asset_reply(struct eg_http_req *rq, const struct eg__http_asset *a, const char *ctype,
                         const char *cache_control);
/* The first folder that holds the file probe, of: $env; rel beside the binary's folder, in it,
   beside its parent's (build/asan/envgov); rel under the working directory; installed. 0 with
   out filled, or -1 (out ""). */
int eg__http_find_dir(const char *env, const char *rel, const char *installed, const char *probe,
                      char *out, size_t cap);

/* The server frees p with itself: route specs built at registration (one per registry resource). */
void eg__http_server_keep(struct eg_http_server *srv, void *p);

/* A time range of a route's table, from FROM and TO (EG_PT_TIME; TO with EG_PF_RANGE_END) as the
   half-open [*from, *to) the stores take: an explicit time of TO is its end (as before), a date
   alone the whole day (from=D&to=D is day D). EG_EINVAL "bad_range" when the range is empty. */
int eg__http_range(struct eg_http_req *rq, const char *from, const char *to, int64_t *out_from,
                   int64_t *out_to);

/* Resolves a bearer token to its principal; EG_EAUTH when the token is unknown or expired.
   api_auth.c installs the one over auth/auth.h when it registers its routes; a server without
   it (a test server with its own routes) refuses every token. */
typedef int (*eg__http_auth_fn)(struct eg_db *st, const char *token, struct eg_principal *who,
                                struct eg_err *err);
void eg__http_server_set_auth(struct eg_http_server *srv, eg__http_auth_fn fn);

/* Compact JSON of j appended to b (json_out.c): what every JSON reply is written with. */
void eg__http_json_write(struct eg_buf *b, json_t *j);

/* The JSON form of a principal, as /me and /login return it. */
json_t *eg__http_principal_json(const struct eg_principal *who);

/* The API modules, one function per src/http/api_<x>.c that registers its routes; routes.c
   holds the table that calls them. */
int eg_http_api_meta_routes(struct eg_http_server *srv);     /* healthz, metrics, openapi */
int eg_http_api_auth_routes(struct eg_http_server *srv);     /* login, logout, me */
int eg_http_api_registry_routes(struct eg_http_server *srv); /* CRUD */
int eg_http_api_import_routes(struct eg_http_server *srv);   /* CSV uploads */
int eg_http_api_devices_routes(struct eg_http_server *srv);  /* HJ 212 device status, commands */
int eg_http_api_series_routes(struct eg_http_server *srv);   /* time series, observations */
int eg_http_api_quality_routes(struct eg_http_server *srv);  /* AQI, evaluations, targets */
int eg_http_api_plans_routes(struct eg_http_server *srv);    /* pilots, plans, suggestions */
int eg_http_api_docs_routes(struct eg_http_server *srv);     /* /api/v1/ index, /api/v1/docs */
int eg_http_api_profile_routes(struct eg_http_server *srv);  /* 一企一档 and role views */
int eg_http_api_alerts_routes(struct eg_http_server *srv);   /* rules and alerts */
int eg_http_api_flow_routes(struct eg_http_server *srv);     /* tasks and other flow kinds */
int eg_http_api_intake_routes(struct eg_http_server *srv);   /* complaints, inspections */
int eg_http_api_open311_routes(struct eg_http_server *srv);  /* Open311 GeoReport v2 */
/* api_intake.c, for api_open311.c: the configured intake rate limit, the 429 with Retry-After. */
int eg__http_intake_rate_limit(struct eg_http_req *rq);
int eg__http_intake_reply_rate(struct eg_http_req *rq);
int eg_http_api_credit_routes(struct eg_http_server *srv); /* rule sets, credit, lists */
int eg_http_api_cases_routes(struct eg_http_server *srv);  /* discretion, permit supervision */
int eg_http_api_draws_routes(struct eg_http_server *srv);  /* random inspections (双随机) */
int eg_http_web_routes(struct eg_http_server *srv);        /* the web UI at /, map boundaries */

#endif
