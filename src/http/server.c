/*
 * server.c: the HTTP server on libmicrohttpd — daemon setup (a pool of worker threads, each
 * with its own epoll loop and its own database connection), the route table and matching, the
 * request lifecycle (body collected up to the limit, bearer token checked, handler called,
 * exactly one reply queued), the access log and the request metrics.
 *
 * Why a thread pool and a connection per thread: SQLite connections are not shared across
 * threads here (db.h caches prepared statements per connection), and a request's database
 * work is short (a few indexed reads), so a worker runs it inline; N workers on N cores keep
 * every core busy without a queue hop. The connection is opened on a worker's first request
 * that needs it and closed when the worker exits (a pthread key destructor).
 */
#include "http/http_internal.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARAMS 8

struct route {
    char *method, *pattern;
    char **segs;        /* literal text, or the name for a {placeholder} */
    unsigned char *var; /* 1 where segs[i] is a placeholder */
    int nsegs;
    eg_http_handler fn;
    unsigned flags;
    char *summary;
    const struct eg_resource *res;
    char *label;                           /* 'route="…"' for metrics, escaped once */
    const struct eg_http_route_spec *spec; /* its table (eg_http_route_add_spec), or NULL */
};

/* A TCP connection as the head deadline sees it (libmicrohttpd's socket context): while in_head,
   the request head has not arrived in full since head_start. */
struct conn_track {
    struct conn_track *prev, *next;
    int fd;
    int in_head;
    uint64_t head_start;
};

struct eg_http_server {
    struct eg_http_config cfg;
    char *address, *db_path;
    struct route *routes;
    int nroutes;
    struct MHD_Daemon *daemon;
    pthread_key_t store_key;
    pthread_key_t epoch_key; /* eg_health_epoch when this thread's connection was opened */
    int have_key;
    int port;
    eg__http_auth_fn auth;   /* NULL until an API with logins is added: tokens are refused */
    _Atomic size_t inflight; /* bytes of request bodies held in memory, all requests together */
    /* the head deadline: every open connection, and the thread that cuts the slow ones */
    pthread_mutex_t conns_mu;
    pthread_cond_t reaper_cv;
    struct conn_track conns; /* list head */
    pthread_t reaper;
    int reaper_on, reaper_stop;
    unsigned conn_limit; /* the total connection limit in effect */
    void **kept;         /* eg__http_server_keep */
    int nkept;
    _Atomic uint64_t auth_generation; /* bumped by every non-GET: empties the token caches */
    struct route fallback; /* eg__http_server_set_fallback: GET of a path outside the API */
};

struct eg_http_req {
    struct eg_http_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    char *path;     /* decoded path, without the query */
    char *pathsegs; /* a copy of path cut into segments; params point into it */
    const struct route *route;
    const char *pnames[MAX_PARAMS];
    const char *pvals[MAX_PARAMS];
    int nparams;
    struct eg_buf body;
    size_t limit;    /* body_limit, or upload_limit for CSV uploads */
    size_t reserved; /* bytes of srv->inflight this request holds (its body buffer) */
    int match;       /* route_match's answer, made when the headers arrive */
    int too_big;
    int over_budget; /* the bodies in flight together are over cfg.upload_budget: 503 */
    int authed;      /* authenticate() ran (on the headers); auth_rc is its answer */
    int auth_rc;
    json_t *json;
    struct eg_principal who;
    char *token;
    char client[64];
    struct eg_err err;
    uint64_t t0;
    int status; /* of the reply, 0 until there is one */
    struct MHD_Response *resp;
};

/* The head deadline's bookkeeping (see "slow clients" below): in_head 0 when the access handler
   sees a request's head, 1 when the request is done and the connection waits for the next. */
static void conn_track_set(struct eg_http_server *srv, struct MHD_Connection *conn, int in_head);

/* ---------------------------------------------------------------- routes */

static void route_free(struct route *r)
{
    for (int i = 0; i < r->nsegs; i++)
        free(r->segs[i]);
    free(r->segs);
    free(r->var);
    free(r->method);
    free(r->pattern);
    free(r->summary);
    free(r->label);
}

int eg_http_route_add(struct eg_http_server *srv, const char *method, const char *pattern,
                      eg_http_handler fn, unsigned flags, const char *summary,
                      const struct eg_resource *res)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    int ok = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(methods); i++)
        ok |= !strcmp(method, methods[i]);
    /* the table is read by the workers without a lock: it is fixed once the server runs */
    if (!ok || pattern[0] != '/' || !fn || srv->daemon)
        return EG_EINVAL;
    for (int i = 0; i < srv->nroutes; i++)
        if (!strcmp(srv->routes[i].method, method) && !strcmp(srv->routes[i].pattern, pattern))
            return EG_ECONFLICT;
    struct route r = {0};
    r.method = eg_strdup(method);
    r.pattern = eg_strdup(pattern);
    r.fn = fn;
    r.flags = flags;
    r.summary = eg_strdup(summary ? summary : "");
    r.res = res;
    for (const char *p = pattern + 1;;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        r.segs = eg_realloc(r.segs, (size_t)(r.nsegs + 1) * sizeof *r.segs);
        r.var = eg_realloc(r.var, (size_t)(r.nsegs + 1));
        int var = n >= 2 && p[0] == '{' && p[n - 1] == '}';
        r.segs[r.nsegs] = var ? eg_strndup(p + 1, n - 2) : eg_strndup(p, n);
        r.var[r.nsegs] = (unsigned char)var;
        r.nsegs++;
        if (!e)
            break;
        p = e + 1;
    }
    struct eg_buf lb = {0};
    eg_buf_puts(&lb, "route=\"");
    eg_metrics_label_escape(&lb, pattern);
    eg_buf_puts(&lb, "\"");
    r.label = lb.data;
    srv->routes = eg_realloc(srv->routes, (size_t)(srv->nroutes + 1) * sizeof *srv->routes);
    srv->routes[srv->nroutes++] = r;
    return 0;
}

/* 1 when s is a JSON object text (a body or answer schema). */
static int schema_ok(const char *s)
{
    if (!s)
        return 1;
    json_t *j = json_loads(s, 0, NULL);
    int ok = json_is_object(j);
    json_decref(j);
    return ok;
}

int eg_http_route_add_spec(struct eg_http_server *srv, const struct eg_http_route_spec *spec)
{
    if (!spec || !spec->method || !spec->pattern || !schema_ok(spec->body_schema) ||
        !schema_ok(spec->answer_schema))
        return EG_EINVAL;
    for (const struct eg_http_param_spec *p = spec->params; p && p->name; p++) {
        if (!p->name[0] || (p->type == EG_PT_ENUM && (!p->enum_values || !p->enum_values[0])))
            return EG_EINVAL;
        if (p->in == EG_PIN_PATH) { /* a path parameter names a {placeholder} of the pattern */
            char ph[80];
            snprintf(ph, sizeof ph, "{%s}", p->name);
            if (!strstr(spec->pattern, ph))
                return EG_EINVAL;
        }
    }
    int rc = eg_http_route_add(srv, spec->method, spec->pattern, spec->fn, spec->flags,
                               spec->summary, spec->res);
    if (rc)
        return rc;
    srv->routes[srv->nroutes - 1].spec = spec;
    return 0;
}

int eg_http_route_count(const struct eg_http_server *srv)
{
    return srv->nroutes;
}

const struct eg_http_route_spec *eg_http_route_spec_of(const struct eg_http_server *srv, int i)
{
    return i >= 0 && i < srv->nroutes ? srv->routes[i].spec : NULL;
}

/* 1 when path has the shape of r's pattern (any method). */
static int route_same_path(const struct route *r, const char *path)
{
    const char *p = path + (path[0] == '/');
    for (int s = 0; s < r->nsegs; s++) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (r->var[s] ? n == 0 : (strlen(r->segs[s]) != n || memcmp(r->segs[s], p, n)))
            return 0;
        if (s + 1 < r->nsegs && !e)
            return 0;
        if (s + 1 == r->nsegs && e)
            return 0;
        p = e ? e + 1 : p + n;
    }
    return 1;
}

/* Matches rq->path against the table. Among routes whose segments match, the one with the
   most literal segments wins (so /api/v1/import/units beats /api/v1/{x}/{y}). Returns 0, or
   EG_ENOTFOUND (404), or 1 when the path exists under another method (405). */
static int route_match(struct eg_http_req *rq)
{
    char *segv[64];
    int nseg = 0;
    rq->pathsegs = eg_strdup(rq->path);
    char *p = rq->pathsegs + (rq->pathsegs[0] == '/');
    for (;;) {
        if (nseg == (int)EG_ARRAY_LEN(segv))
            return EG_ENOTFOUND;
        segv[nseg++] = p;
        char *e = strchr(p, '/');
        if (!e)
            break;
        *e = '\0';
        p = e + 1;
    }
    const struct route *best = NULL;
    int best_lit = -1, other_method = 0;
    for (int i = 0; i < rq->srv->nroutes; i++) {
        const struct route *r = &rq->srv->routes[i];
        if (r->nsegs != nseg)
            continue;
        int lit = 0, ok = 1;
        for (int s = 0; s < nseg && ok; s++) {
            if (r->var[s])
                ok = segv[s][0] != '\0';
            else
                ok = !strcmp(r->segs[s], segv[s]), lit++;
        }
        if (!ok)
            continue;
        if (strcmp(r->method, rq->method)) {
            other_method = 1;
            continue;
        }
        if (lit > best_lit)
            best = r, best_lit = lit;
    }
    if (!best && !other_method && rq->srv->fallback.fn &&
        (!strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD")) &&
        strncmp(rq->path, "/api/", 5) && strcmp(rq->path, "/api") &&
        strncmp(rq->path, "/open311/", 9)) {
        rq->route = &rq->srv->fallback;
        return 0;
    }
    if (!best)
        return other_method ? 1 : EG_ENOTFOUND;
    rq->route = best;
    for (int s = 0; s < nseg && rq->nparams < MAX_PARAMS; s++)
        if (best->var[s]) {
            rq->pnames[rq->nparams] = best->segs[s];
            rq->pvals[rq->nparams++] = segv[s];
        }
    return 0;
}

/* ---------------------------------------------------------------- request accessors */

const char *eg_http_method(const struct eg_http_req *rq)
{
    return rq->method;
}

const char *eg_http_path(const struct eg_http_req *rq)
{
    return rq->path;
}

const char *eg_http_param(const struct eg_http_req *rq, const char *name)
{
    for (int i = 0; i < rq->nparams; i++)
        if (!strcmp(rq->pnames[i], name))
            return rq->pvals[i];
    return NULL;
}

int eg_http_param_id(struct eg_http_req *rq, const char *name, int64_t *out)
{
    const char *v = eg_http_param(rq, name);
    if (!v || eg_parse_int64(v, strlen(v), out) || *out <= 0)
        return eg_err_set(&rq->err, EG_ENOTFOUND, "not_found", -1,
                          "no record with id '%s' (ids are positive integers)", v ? v : "");
    return 0;
}

const char *eg_http_query(const struct eg_http_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_iter {
    int (*fn)(void *arg, const char *name, const char *value);
    void *arg;
};

static enum MHD_Result query_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    struct query_iter *it = cls;
    (void)kind;
    return it->fn(it->arg, key, value ? value : "") ? MHD_NO : MHD_YES;
}

void eg_http_query_each(const struct eg_http_req *rq,
                        int (*fn)(void *arg, const char *name, const char *value), void *arg)
{
    struct query_iter it = {fn, arg};
    MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, query_cb, &it);
}

const char *eg_http_header(const struct eg_http_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *eg_http_body(const struct eg_http_req *rq, size_t *len)
{
    if (len)
        *len = rq->body.len;
    return rq->body.data ? rq->body.data : "";
}

int eg_http_body_json(struct eg_http_req *rq, json_t **out)
{
    if (!rq->json) {
        json_error_t je;
        if (!rq->body.len)
            return eg_err_set(&rq->err, EG_EINVAL, "bad_json", 0,
                              "the request needs a JSON object body");
        /* NULs inside strings are data (stored verbatim); duplicate keys are ambiguous. */
        json_t *j =
            json_loadb(rq->body.data, rq->body.len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &je);
        if (!j)
            return eg_err_set(&rq->err, EG_EINVAL, "bad_json", je.position,
                              "malformed JSON at line %d column %d: %s", je.line, je.column,
                              je.text);
        if (!json_is_object(j)) {
            json_decref(j);
            return eg_err_set(&rq->err, EG_EINVAL, "not_object", 0,
                              "the request body must be a JSON object");
        }
        rq->json = j;
    }
    *out = rq->json;
    return 0;
}

const struct eg_principal *eg_http_principal(const struct eg_http_req *rq)
{
    return &rq->who;
}

const char *eg_http_token(const struct eg_http_req *rq)
{
    return rq->token;
}

const char *eg_http_client_addr(const struct eg_http_req *rq)
{
    return rq->client;
}

const struct eg_resource *eg_http_resource(const struct eg_http_req *rq)
{
    return rq->route ? rq->route->res : NULL;
}

struct eg_http_server *eg_http_req_server(const struct eg_http_req *rq)
{
    return rq->srv;
}

struct eg_err *eg_http_err(struct eg_http_req *rq)
{
    return &rq->err;
}

/* ---------------------------------------------------------------- arguments (the route's table) */

static const struct eg_http_param_spec *param_find(const struct route *r, const char *name)
{
    if (!r || !r->spec)
        return NULL;
    for (const struct eg_http_param_spec *p = r->spec->params; p && p->name; p++)
        if (!strcmp(p->name, name))
            return p;
    return NULL;
}

/* The description of a parameter for a message: " (description_en; description_zh)". */
static void param_words(struct eg_buf *b, const struct eg_http_param_spec *p)
{
    if (p->description_en || p->description_zh)
        eg_buf_printf(b, " (%s%s%s)", p->description_en ? p->description_en : "",
                      p->description_en && p->description_zh ? "; " : "",
                      p->description_zh ? p->description_zh : "");
}

/* What a value of p must be, as a phrase: "an integer from 1 to 1000". */
static void param_type_words(struct eg_buf *b, const struct eg_http_param_spec *p)
{
    switch (p->type) {
    case EG_PT_INT:
        if (p->max > p->min)
            eg_buf_printf(b, "an integer from %lld to %lld", (long long)p->min, (long long)p->max);
        else
            eg_buf_puts(b, "an integer");
        break;
    case EG_PT_NUMBER:
        if (p->max > p->min)
            eg_buf_printf(b, "a number from %lld to %lld", (long long)p->min, (long long)p->max);
        else
            eg_buf_puts(b, "a number");
        break;
    case EG_PT_ID:
        eg_buf_puts(b, "a record id (a positive integer)");
        break;
    case EG_PT_BOOL:
        eg_buf_puts(b, "true or false");
        break;
    case EG_PT_ENUM:
        eg_buf_puts(b, "one of ");
        for (const char *q = p->enum_values; *q; q++)
            eg_buf_append(b, *q == '|' ? ", " : q, *q == '|' ? 2 : 1);
        break;
    case EG_PT_TIME:
        eg_buf_puts(b, "a Beijing time YYYY-MM-DD[ HH:MM[:SS]]");
        break;
    case EG_PT_DATE:
        eg_buf_puts(b, "a date YYYY-MM-DD");
        break;
    case EG_PT_LIST:
        if (p->max_len > 0)
            eg_buf_printf(b, "a comma-separated list of at most %d items", p->max_len);
        else
            eg_buf_puts(b, "a comma-separated list");
        break;
    default:
        if (p->max_len > 0)
            eg_buf_printf(b, "text of at most %d bytes", p->max_len);
        else
            eg_buf_puts(b, "text");
    }
}

static int enum_has(const char *values, const char *v)
{
    size_t n = strlen(v);
    for (const char *q = values; *q;) {
        const char *bar = strchr(q, '|');
        size_t k = bar ? (size_t)(bar - q) : strlen(q);
        if (k == n && !memcmp(q, v, n))
            return 1;
        q += k + (bar != NULL);
    }
    return 0;
}

static int parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "1"))
        return *out = 1, 0;
    if (!strcmp(v, "false") || !strcmp(v, "0"))
        return *out = 0, 0;
    return EG_EINVAL;
}

/* 1 when v has the shape of a Beijing time or date (digits and separators where they go),
   whether or not that time exists. */
static int time_shaped(const char *v, size_t n)
{
    static const char *const shapes[] = {"dddddddd", "dddddddddddddd", "dddd-dd-dd",
                                         "dddd-dd-dd dd:dd", "dddd-dd-dd dd:dd:dd"};
    for (size_t k = 0; k < EG_ARRAY_LEN(shapes); k++) {
        if (strlen(shapes[k]) != n)
            continue;
        size_t i = 0;
        for (; i < n; i++) {
            char c = shapes[k][i], x = v[i];
            if (c == 'd' ? (x < '0' || x > '9') : c == ' ' ? (x != ' ' && x != 'T') : x != c)
                break;
        }
        if (i == n)
            return 1;
    }
    return 0;
}

/* Parses v as p says: 0; EG_EINVAL when v is not of the type (400); 1 when it is, but out of
   the bounds or not an existing time (422). Numbers into *i / *d, times into *i. */
static int param_parse(const struct eg_http_param_spec *p, const char *v, int64_t *i, double *d)
{
    size_t n = strlen(v);
    int b;
    switch (p->type) {
    case EG_PT_INT:
        if (eg_parse_int64(v, n, i))
            return EG_EINVAL;
        return p->max > p->min && (*i < p->min || *i > p->max) ? 1 : 0;
    case EG_PT_ID:
        return eg_parse_int64(v, n, i) || *i <= 0 ? EG_EINVAL : 0;
    case EG_PT_NUMBER:
        if (eg_parse_double(v, n, d))
            return EG_EINVAL;
        return p->max > p->min && (*d < (double)p->min || *d > (double)p->max) ? 1 : 0;
    case EG_PT_BOOL:
        if (parse_bool(v, &b))
            return EG_EINVAL;
        *i = b;
        return 0;
    case EG_PT_ENUM:
        return enum_has(p->enum_values, v) ? 0 : EG_EINVAL;
    case EG_PT_DATE:
        if (n != 10)
            return EG_EINVAL;
        /* fall through */
    case EG_PT_TIME:
        if (!time_shaped(v, n))
            return EG_EINVAL;
        if (eg_time_parse_beijing(v, n, i))
            return 1;
        if ((p->flags & EG_PF_RANGE_END) && (n == 10 || n == 8))
            *i += 86400 - 1; /* a date alone is the whole day: its last second */
        return 0;
    case EG_PT_LIST:
        if (p->max_len > 0) {
            int items = 1;
            for (const char *q = v; *q; q++)
                items += *q == ',';
            if (items > p->max_len)
                return 1;
        }
        return 0;
    default:
        return p->max_len > 0 && n > (size_t)p->max_len ? EG_EINVAL : 0;
    }
}

/* Refuses v for p (why: param_parse's answer) in the table's words. */
static int param_refuse(struct eg_err *err, const struct eg_http_param_spec *p, const char *v,
                        int why)
{
    struct eg_buf b = {0};
    param_type_words(&b, p);
    param_words(&b, p);
    eg_buf_append(&b, "", 1);
    const char *code = why != 1                                         ? "bad_query"
                       : p->type == EG_PT_TIME || p->type == EG_PT_DATE ? "bad_time"
                                                                        : "out_of_range";
    int rc =
        eg_err_set(err, EG_EINVAL, code, -1, "%s must be %s; got '%.40s'%s", p->name, b.data, v,
                   why == 1 && (p->type == EG_PT_TIME || p->type == EG_PT_DATE)
                       ? ", which is not an existing Beijing time"
                       : "");
    eg_buf_free(&b);
    return rc;
}

int eg__http_param_check(const struct eg_http_param_spec *p, const char *value, int64_t *i,
                         double *d, struct eg_err *err)
{
    int why = param_parse(p, value, i, d);
    return why ? param_refuse(err, p, value, why) : 0;
}

/* The implicit arguments of a route (see http.h). */
static int param_implicit(const struct route *r, const char *name)
{
    static const char *const list[] = {"q", "sort", "limit", "cursor", "format", "id"};
    if ((r->flags & EG_ROUTE_LIST) && !r->res)
        return !strcmp(name, "format"); /* a list that is not a registry resource */
    if (r->flags & EG_ROUTE_LIST) {
        for (size_t i = 0; i < EG_ARRAY_LEN(list); i++)
            if (!strcmp(name, list[i]))
                return 1;
        for (int i = 0; r->res && i < r->res->nfields; i++)
            if ((r->res->fields[i].flags & EG_FF_FILTER) &&
                !(r->res->fields[i].flags & EG_FF_SECRET) && !strcmp(r->res->fields[i].name, name))
                return 1;
        for (const struct eg_registry_xfilter *x = eg_registry_extra_filters(r->res); x->name; x++)
            if (!strcmp(x->name, name))
                return 1;
    }
    return (r->flags & EG_ROUTE_BODY_CSV) && !strcmp(name, "dry_run");
}

struct args_walk {
    struct eg_http_req *rq;
    int rc;
};

static int args_walk_one(void *arg, const char *name, const char *value)
{
    struct args_walk *w = arg;
    const struct route *r = w->rq->route;
    const struct eg_http_param_spec *p = param_find(r, name);
    if (p && p->in == EG_PIN_QUERY) {
        int64_t i;
        double d;
        int why = param_parse(p, value, &i, &d);
        if (why) {
            w->rc = param_refuse(&w->rq->err, p, value, why);
            return 1;
        }
        if (!(p->flags & EG_PF_REPEAT)) { /* twice: which one counts would be a guess */
            const char *first = eg_http_query(w->rq, name);
            if (first != value) {
                w->rc = eg_err_set(&w->rq->err, EG_EINVAL, "bad_query", -1,
                                   "%s is given more than once; give it once", name);
                return 1;
            }
        }
        return 0;
    }
    if (param_implicit(r, name))
        return 0;
    struct eg_buf b = {0};
    for (const struct eg_http_param_spec *q = r->spec->params; q && q->name; q++)
        if (q->in == EG_PIN_QUERY)
            eg_buf_printf(&b, "%s%s", b.len ? ", " : "", q->name);
    if ((r->flags & EG_ROUTE_LIST) && !r->res)
        eg_buf_printf(&b, "%sformat", b.len ? ", " : "");
    if ((r->flags & EG_ROUTE_LIST) && r->res) {
        eg_buf_printf(&b, "%sq, sort, limit, cursor, format, id", b.len ? ", " : "");
        for (int i = 0; i < r->res->nfields; i++)
            if ((r->res->fields[i].flags & EG_FF_FILTER) &&
                !(r->res->fields[i].flags & EG_FF_SECRET))
                eg_buf_printf(&b, ", %s", r->res->fields[i].name);
        for (const struct eg_registry_xfilter *x = eg_registry_extra_filters(r->res); x->name; x++)
            eg_buf_printf(&b, ", %s", x->name);
    }
    if (r->flags & EG_ROUTE_BODY_CSV)
        eg_buf_printf(&b, "%sdry_run", b.len ? ", " : "");
    eg_buf_append(&b, "", 1);
    char nm[80];
    /* a registry list keeps its own word for it: a filter it does not have */
    int filter = (r->flags & EG_ROUTE_LIST) && r->res;
    w->rc = eg_err_set(&w->rq->err, EG_EINVAL, filter ? "unknown_filter" : "unknown_parameter", -1,
                       "unknown query parameter '%s': %s %s accepts %s (see /api/v1/docs)",
                       eg_log_field(nm, sizeof nm, name), r->method, r->pattern,
                       b.len > 1 ? b.data : "no query parameters");
    eg_buf_free(&b);
    return 1;
}

/* Checks the request's arguments against its route's table before the handler runs. */
static int args_check(struct eg_http_req *rq)
{
    const struct route *r = rq->route;
    if (!r->spec)
        return 0;
    struct args_walk w = {rq, 0};
    eg_http_query_each(rq, args_walk_one, &w);
    if (w.rc)
        return w.rc;
    for (const struct eg_http_param_spec *p = r->spec->params; p && p->name; p++) {
        int64_t i;
        double d;
        if (p->in == EG_PIN_PATH) {
            const char *v = eg_http_param(rq, p->name);
            int why = v ? param_parse(p, v, &i, &d) : 0;
            if (why && p->type == EG_PT_ID)
                return eg_err_set(&rq->err, EG_ENOTFOUND, "not_found", -1,
                                  "no record with id '%.40s' (ids are positive integers)", v);
            if (why) { /* the path names what is asked for: a value not of its type names nothing */
                param_refuse(&rq->err, p, v, why);
                rq->err.status = EG_ENOTFOUND;
                snprintf(rq->err.code, sizeof rq->err.code, "not_found");
                return EG_ENOTFOUND;
            }
        } else if ((p->flags & EG_PF_REQUIRED) && !eg_http_query(rq, p->name)) {
            struct eg_buf b = {0};
            param_type_words(&b, p);
            param_words(&b, p);
            eg_buf_append(&b, "", 1);
            int rc = eg_err_set(&rq->err, EG_EINVAL, "missing_parameter", -1, "%s is required: %s",
                                p->name, b.data);
            eg_buf_free(&b);
            return rc;
        }
    }
    return 0;
}

/* The raw text of a declared argument (the table's default when absent); 1 given, 0 absent. */
static int arg_get(struct eg_http_req *rq, const char *name, const struct eg_http_param_spec **pp,
                   const char **v)
{
    const struct eg_http_param_spec *p = param_find(rq->route, name);
    if (!p)
        return eg_err_set(&rq->err, EG_EINVAL, "bad_request", -1,
                          "this endpoint reads '%s', which its table does not declare", name);
    *pp = p;
    *v = p->in == EG_PIN_PATH ? eg_http_param(rq, name) : eg_http_query(rq, name);
    if (*v)
        return 1;
    *v = p->dflt;
    return 0;
}

int eg_http_arg_str(struct eg_http_req *rq, const char *name, const char **out)
{
    const struct eg_http_param_spec *p;
    const char *v;
    int given = arg_get(rq, name, &p, &v);
    if (given < 0)
        return given;
    if (v) {
        int64_t i;
        double d;
        int why = param_parse(p, v, &i, &d);
        if (why)
            return param_refuse(&rq->err, p, v, why);
        *out = v;
    }
    return given;
}

static int arg_typed(struct eg_http_req *rq, const char *name, int want, int64_t *i, double *d)
{
    const struct eg_http_param_spec *p;
    const char *v;
    int given = arg_get(rq, name, &p, &v);
    if (given < 0)
        return given;
    int kind = p->type == EG_PT_INT || p->type == EG_PT_ID      ? 0
               : p->type == EG_PT_NUMBER                        ? 1
               : p->type == EG_PT_BOOL                          ? 2
               : p->type == EG_PT_TIME || p->type == EG_PT_DATE ? 3
                                                                : -1;
    if (kind != want)
        return eg_err_set(&rq->err, EG_EINVAL, "bad_request", -1,
                          "this endpoint reads '%s' as another type than its table declares", name);
    if (v) {
        int64_t ti;
        double td;
        int why = param_parse(p, v, &ti, &td);
        if (why)
            return param_refuse(&rq->err, p, v, why);
        if (want == 1)
            *d = td;
        else
            *i = ti;
    }
    return given;
}

int eg_http_arg_int(struct eg_http_req *rq, const char *name, int64_t *out)
{
    return arg_typed(rq, name, 0, out, NULL);
}

int eg_http_arg_real(struct eg_http_req *rq, const char *name, double *out)
{
    return arg_typed(rq, name, 1, NULL, out);
}

int eg_http_arg_bool(struct eg_http_req *rq, const char *name, int *out)
{
    int64_t v = 0;
    int rc = arg_typed(rq, name, 2, &v, NULL);
    if (rc >= 0 && (rc == 1 || param_find(rq->route, name)->dflt))
        *out = (int)v;
    return rc;
}

int eg_http_arg_time(struct eg_http_req *rq, const char *name, int64_t *out)
{
    return arg_typed(rq, name, 3, out, NULL);
}

static void store_destroy(void *p)
{
    eg_db_close(p);
}

int eg_http_store(struct eg_http_req *rq, struct eg_db **out)
{
    struct eg_http_server *srv = rq->srv;
    struct eg_db *st = srv->have_key ? pthread_getspecific(srv->store_key) : NULL;
    /* a connection opened before the database recovered from a write fault may have been left
       read-only by SQLite: a new one (issue 10 item 15) */
    uint64_t epoch = eg_health_epoch();
    if (st && (uint64_t)(uintptr_t)pthread_getspecific(srv->epoch_key) != epoch) {
        eg_db_close(st);
        pthread_setspecific(srv->store_key, NULL);
        st = NULL;
    }
    if (!st) {
        if (!srv->db_path || !srv->have_key)
            return eg_err_set(&rq->err, EG_EDB, "no_database", -1, "no database configured");
        int rc = eg_db_open(srv->db_path, &st, &rq->err);
        if (rc)
            return rc;
        pthread_setspecific(srv->store_key, st);
        pthread_setspecific(srv->epoch_key, (void *)(uintptr_t)epoch);
    }
    *out = st;
    return 0;
}

void eg_http_store_drop(struct eg_http_req *rq)
{
    struct eg_http_server *srv = rq->srv;
    struct eg_db *st = srv->have_key ? pthread_getspecific(srv->store_key) : NULL;
    if (st) {
        eg_db_close(st);
        pthread_setspecific(srv->store_key, NULL);
    }
}

/* ---------------------------------------------------------------- replies */

static int set_response(struct eg_http_req *rq, int status, const char *ctype,
                        struct MHD_Response *resp)
{
    if (rq->resp) /* one reply per request: a second one is a bug in a handler */
        MHD_destroy_response(rq->resp);
    rq->resp = resp;
    rq->status = status;
    if (ctype)
        MHD_add_response_header(resp, "Content-Type", ctype);
    /* answers carry records and tokens: no browser sniffing, no caching on the way */
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    return 0;
}

int eg_http_reply_buf(struct eg_http_req *rq, int status, const char *content_type,
                      struct eg_buf *buf)
{
    struct MHD_Response *r =
        buf->len ? MHD_create_response_from_buffer(buf->len, buf->data, MHD_RESPMEM_MUST_FREE)
                 : MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!buf->len)
        free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return set_response(rq, status, content_type, r);
}

int eg_http_reply_raw(struct eg_http_req *rq, int status, const char *content_type,
                      const void *data, size_t len)
{
    struct eg_buf b = {0};
    eg_buf_append(&b, data, len);
    return eg_http_reply_buf(rq, status, content_type, &b);
}

int eg_http_reply_json(struct eg_http_req *rq, int status, json_t *j)
{
    if (!j) { /* a json_pack that failed: a bug, but the client still gets an answer */
        eg_log(EG_LOG_ERROR, "http %s %s: reply could not be built", rq->method, rq->path);
        static const char msg[] = "{\"error\":{\"code\":\"internal\",\"message\":\"internal "
                                  "error (see the server log)\"}}";
        return eg_http_reply_raw(rq, 500, "application/json; charset=utf-8", msg, sizeof msg - 1);
    }
    struct eg_buf b = {0};
    eg__http_json_write(&b, j);
    json_decref(j);
    return eg_http_reply_buf(rq, status, "application/json; charset=utf-8", &b);
}

int eg_http_add_header(struct eg_http_req *rq, const char *name, const char *value)
{
    if (!rq->resp || MHD_add_response_header(rq->resp, name, value) != MHD_YES)
        return EG_EINVAL;
    return 0;
}

int eg_http_status_for(const struct eg_err *err)
{
    switch (err->status) {
    case EG_EINVAL:
        if (!strcmp(err->code, "method_not_allowed"))
            return 405;
        /* 400: the request is not well-formed (syntax, types, unknown names); 422: it is, but
           a value is not acceptable (a credit code with a wrong check character). */
        if (!strcmp(err->code, "bad_json") || !strcmp(err->code, "not_object") ||
            !strcmp(err->code, "bad_type") || !strcmp(err->code, "wrong_type") ||
            !strcmp(err->code, "unknown_field") || !strcmp(err->code, "bad_query") ||
            !strcmp(err->code, "unknown_filter") || !strcmp(err->code, "bad_filter") ||
            !strcmp(err->code, "bad_cursor") || !strcmp(err->code, "bad_format") ||
            !strcmp(err->code, "bad_limit") || !strcmp(err->code, "bad_sort") ||
            !strcmp(err->code, "bad_request") || !strcmp(err->code, "readonly_field") ||
            !strcmp(err->code, "bad_csv") || !strcmp(err->code, "unknown_parameter") ||
            !strcmp(err->code, "missing_parameter") ||
            /* the registry's names for malformed list parameters */
            !strcmp(err->code, "cursor") || !strcmp(err->code, "sort") ||
            !strcmp(err->code, "limit") || !strcmp(err->code, "q") || !strcmp(err->code, "query") ||
            !strcmp(err->code, "body"))
            return 400;
        return 422;
    case EG_EUSAGE:
        return 400;
    case EG_EAUTH:
        return 401;
    case EG_EPERM:
        return 403;
    case EG_ENOTFOUND:
        return 404;
    case EG_ECONFLICT:
        return 409;
    case EG_ETOOBIG:
        return 413;
    case EG_ERATE:
        return 429;
    case EG_EDB:
    case EG_ENOMEM:
        /* the database is locked by another writer past the busy timeout, or the server is at
           its memory budget for request bodies: try again shortly (503 with Retry-After) */
        if (!strcmp(err->code, "busy"))
            return 503;
        return 500;
    case EG_EIO:
        /* the database file, its WAL or the disk refuse writes (full, read-only): the service
           is unavailable, not broken by this request */
        if (!strcmp(err->code, "db_io"))
            return 503;
        /* the HJ 212 listener is not running in this process: the message says how to start it */
        if (!strcmp(err->code, "no_listener"))
            return 503;
        return 500;
    default:
        return 500;
    }
}

int eg_http_reply_error(struct eg_http_req *rq, const struct eg_err *err)
{
    int status = eg_http_status_for(err);
    const char *code = err->code[0] ? err->code : eg_status_name(err->status);
    /* A 500 says what failed in the log, not to the client. */
    const char *msg = status == 500 ? "internal error (see the server log)" : err->msg;
    if (status == 500)
        eg_log(EG_LOG_ERROR, "http %s %s: %s (%s)", rq->method, rq->path, err->msg, code);
    if (err->status == EG_EDB)
        eg_metrics_counter_add("envgov_db_errors_total", NULL, 1);
    json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    if (!j) /* the message was not UTF-8 (a byte quoted from the input): say so plainly */
        j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", "invalid input");
    eg_http_reply_json(rq, status, j);
    if (status == 401)
        eg_http_add_header(rq, "WWW-Authenticate", "Bearer realm=\"envgov\"");
    if (status == 503)
        eg_http_add_header(rq, "Retry-After", "1");
    return err->status;
}

static void reply_errorf(struct eg_http_req *rq, int st, const char *code, const char *msg)
{
    struct eg_err e;
    eg_err_set(&e, st, code, -1, "%s", msg);
    eg_http_reply_error(rq, &e);
}

/* ---------------------------------------------------------------- lifecycle */

/* Takes n more bytes of the server's budget for bodies in flight; 0, or -1 (nothing taken)
   when that would pass cfg.upload_budget. */
static int budget_take(struct eg_http_req *rq, size_t n)
{
    size_t was = atomic_fetch_add(&rq->srv->inflight, n);
    if (was + n > rq->srv->cfg.upload_budget) {
        atomic_fetch_sub(&rq->srv->inflight, n);
        return -1;
    }
    rq->reserved += n;
    return 0;
}

static void req_free(struct eg_http_req *rq)
{
    if (rq->reserved)
        atomic_fetch_sub(&rq->srv->inflight, rq->reserved);
    if (rq->resp)
        MHD_destroy_response(rq->resp);
    json_decref(rq->json);
    if (rq->body.data) /* a login body holds a password: wipe it before the memory is reused */
        memset(rq->body.data, 0, rq->body.len);
    eg_buf_free(&rq->body);
    free(rq->path);
    free(rq->pathsegs);
    if (rq->token) {
        /* the token is a credential: wipe it before the memory is reused */
        memset(rq->token, 0, strlen(rq->token));
        free(rq->token);
    }
    free(rq);
}

/* Token check cache. Resolving a token is a BLAKE2b and an indexed read joined to the user —
   a sixth of the time of a small GET (bench/api). Each worker keeps the principals of the
   tokens it resolved in the last AUTH_CACHE_NS, keyed by BLAKE2b of the token (the token itself
   is not kept), compared in constant time. Every non-GET request through this server (logout,
   a changed or disabled user, a write of any kind) bumps the server's auth_generation and so
   empties every worker's cache (the cache is per thread, and a thread belongs to one server); a
   change made outside this process (another node, the CLI) is seen within AUTH_CACHE_NS, and a
   token works at most that long past its expiry. */
#define AUTH_CACHE_SLOTS 64
#define AUTH_CACHE_NS 2000000000ull
struct auth_slot {
    unsigned char key[crypto_generichash_BYTES];
    uint64_t until, generation;
    struct eg_principal who;
};
static _Thread_local struct auth_slot auth_cache[AUTH_CACHE_SLOTS];

static struct auth_slot *auth_cache_slot(const char *token, unsigned char key[])
{
    crypto_generichash(key, crypto_generichash_BYTES, (const unsigned char *)token, strlen(token),
                       NULL, 0);
    return &auth_cache[key[0] % AUTH_CACHE_SLOTS];
}

/* Reads "Authorization: Bearer …" and resolves the principal. Absent: anonymous. */
static int authenticate(struct eg_http_req *rq)
{
    const char *h = eg_http_header(rq, "Authorization");
    if (rq->route->flags & EG_ROUTE_NO_DB)
        return 0; /* public documents: a token, good or bad, changes nothing */
    if (!h) {
        if (rq->route->flags & EG_ROUTE_AUTH)
            return eg_err_set(&rq->err, EG_EAUTH, "login_required", -1,
                              "this endpoint needs a login (Authorization: Bearer TOKEN)");
        return 0;
    }
    if (strncasecmp(h, "Bearer ", 7) || !h[7])
        return eg_err_set(&rq->err, EG_EAUTH, "bad_authorization", -1,
                          "the Authorization header must be 'Bearer TOKEN'");
    const char *t = h + 7;
    while (*t == ' ')
        t++;
    rq->token = eg_strdup(t);
    if (!rq->srv->auth)
        return eg_err_set(&rq->err, EG_EAUTH, "bad_token", -1, "this server has no logins");
    unsigned char key[crypto_generichash_BYTES];
    struct auth_slot *slot = auth_cache_slot(rq->token, key);
    uint64_t now = eg_nanos(), gen = atomic_load(&rq->srv->auth_generation);
    if (slot->generation == gen && slot->until > now &&
        sodium_memcmp(slot->key, key, sizeof key) == 0) {
        rq->who = slot->who;
        return 0;
    }
    struct eg_db *st;
    int rc = eg_http_store(rq, &st);
    if (rc)
        return rc;
    rc = rq->srv->auth(st, rq->token, &rq->who, &rq->err);
    if (rc == 0) {
        memcpy(slot->key, key, sizeof key);
        slot->who = rq->who;
        slot->until = now + AUTH_CACHE_NS;
        slot->generation = gen;
    }
    return rc;
}

static void dispatch(struct eg_http_req *rq)
{
    int rc = rq->match;
    if (rc == EG_ENOTFOUND) {
        reply_errorf(rq, EG_ENOTFOUND, "no_route", "no such endpoint (see /api/v1/openapi.json)");
        return;
    }
    if (rc == 1) {
        struct eg_err e;
        eg_err_set(&e, EG_EINVAL, "method_not_allowed", -1, "method %s not allowed here",
                   rq->method);
        eg_http_reply_error(rq, &e);
        /* RFC 9110 §15.5.6: a 405 lists the methods the resource has */
        struct eg_buf allow = {0};
        for (int i = 0; i < rq->srv->nroutes; i++)
            if (route_same_path(&rq->srv->routes[i], rq->path))
                eg_buf_printf(&allow, "%s%s", allow.len ? ", " : "", rq->srv->routes[i].method);
        if (allow.len) {
            eg_buf_append(&allow, "", 1);
            eg_http_add_header(rq, "Allow", allow.data);
        }
        eg_buf_free(&allow);
        return;
    }
    if (!rq->authed) {
        rq->auth_rc = authenticate(rq);
        rq->authed = 1;
    }
    if (rq->auth_rc) { /* before the size: an anonymous client learns nothing about limits */
        eg_http_reply_error(rq, &rq->err);
        return;
    }
    if (rq->too_big) {
        char m[128];
        snprintf(m, sizeof m, "the request body is over the limit of %zu bytes", rq->limit);
        reply_errorf(rq, EG_ETOOBIG, "body_too_large", m);
        return;
    }
    if (rq->over_budget) {
        reply_errorf(rq, EG_ENOMEM, "busy",
                     "the server holds too many request bodies at once; retry shortly");
        return;
    }
    rc = args_check(rq);
    if (!rc)
        rc = rq->route->fn(rq);
    /* anything but a read may have ended a session or changed a user: drop cached principals */
    if (strcmp(rq->method, "GET"))
        atomic_fetch_add(&rq->srv->auth_generation, 1);
    if (rc < 0) {
        if (!rq->err.status)
            eg_err_set(&rq->err, rc, eg_status_name(rc), -1, "%s", eg_status_name(rc));
        /* the file, its WAL or the disk refused a write: SQLite may keep this connection
           read-only; the next request opens a new one, so writes work once the fault is gone
           (issue 10 item 15) */
        if (rq->err.status == EG_EIO && !strcmp(rq->err.code, "db_io")) {
            eg_http_store_drop(rq);
            eg_health_write_result(EG_HEALTH_HTTP, 0, rq->err.msg);
        }
        eg_http_reply_error(rq, &rq->err);
    } else if (!rq->resp) {
        reply_errorf(rq, EG_EIO, "no_reply", "the handler gave no reply");
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    struct eg_http_server *srv = cls;
    struct eg_http_req *rq = *con_cls;
    (void)version;
    if (!rq) {
        conn_track_set(srv, conn, 0); /* the head is in: the deadline stops */
        rq = eg_calloc(1, sizeof *rq);
        rq->t0 = eg_nanos();
        rq->srv = srv;
        rq->conn = conn;
        rq->method = method;
        rq->path = eg_strdup(url);
        rq->who.role = EG_ROLE_ANON;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                          rq->client, sizeof rq->client);
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                          rq->client, sizeof rq->client);
        }
        *con_cls = rq;
        rq->match = route_match(rq);
        rq->limit = rq->match == 0 && (rq->route->flags & EG_ROUTE_BODY_CSV) ? srv->cfg.upload_limit
                                                                             : srv->cfg.body_limit;
        if (rq->match == 0 && (rq->route->flags & EG_ROUTE_BODY_FILE))
            rq->limit = srv->cfg.upload_limit < EG_HTTP_FILE_LIMIT ? srv->cfg.upload_limit
                                                                   : EG_HTTP_FILE_LIMIT;
        /* Everything that can be decided on the headers is decided before a byte of the body
           is read: the route, the token, the declared length against the route's limit, and
           room in the budget of bodies in flight. A refusal is queued now; libmicrohttpd then
           answers without reading the body and closes the connection after the reply. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding");
        int64_t n = 0;
        if (cl && (eg_parse_int64(cl, strlen(cl), &n) || n < 0))
            n = 0; /* libmicrohttpd refuses a malformed Content-Length itself */
        int has_body = n > 0 || te;
        if (n > (int64_t)rq->limit)
            rq->too_big = 1;
        if (rq->match == 0) {
            rq->auth_rc = authenticate(rq);
            rq->authed = 1;
        }
        /* the whole declared body at once (no doubling on the way): what the budget counts */
        if (has_body && rq->match == 0 && !rq->auth_rc && !rq->too_big && n > 0) {
            /* +2: the NUL after the body, and eg_buf's own byte of slack */
            if (budget_take(rq, (size_t)n + 2) < 0) {
                rq->over_budget = 1;
            } else {
                rq->body.data = eg_malloc((size_t)n + 2);
                rq->body.cap = (size_t)n + 2;
            }
        }
        if (has_body && (rq->match != 0 || rq->auth_rc || rq->too_big || rq->over_budget)) {
            dispatch(rq);
            return MHD_queue_response(conn, (unsigned)rq->status, rq->resp);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!rq->too_big && !rq->over_budget && !rq->status) {
            size_t want = rq->body.len + *upload_size;
            if (want > rq->limit) {
                rq->too_big = 1; /* chunked or lying Content-Length: stop keeping it */
                eg_buf_free(&rq->body);
            } else {
                /* chunked (or a body longer than declared, which MHD does not allow): the
                   buffer grows by doubling, and the budget counts what it will hold */
                size_t cap = rq->body.cap;
                if (want + 2 > cap) {
                    cap = cap ? cap : 256;
                    while (cap < want + 2)
                        cap *= 2;
                    if (cap > rq->limit + 2)
                        cap = rq->limit + 2;
                }
                if (cap > rq->reserved && budget_take(rq, cap - rq->reserved) < 0) {
                    rq->over_budget = 1;
                    eg_buf_free(&rq->body);
                } else {
                    if (cap > rq->body.cap) {
                        rq->body.data = eg_realloc(rq->body.data, cap);
                        rq->body.cap = cap;
                    }
                    eg_buf_append(&rq->body, upload_data, *upload_size);
                }
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (rq->status) /* answered already (413 on the declared length) */
        return MHD_YES;
    eg_buf_reserve(&rq->body, 1);
    rq->body.data[rq->body.len] = '\0';
    dispatch(rq);
    return MHD_queue_response(conn, (unsigned)rq->status, rq->resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct eg_http_server *srv = cls;
    struct eg_http_req *rq = *con_cls;
    conn_track_set(srv, conn, 1); /* a kept-alive connection: the next head's deadline starts */
    if (!rq)
        return;
    *con_cls = NULL;
    double secs = (double)(eg_nanos() - rq->t0) / 1e9;
    int status = rq->status ? rq->status : 499; /* client went away before a reply */
    /* built without printf: this runs for every request */
    char st[4] = {(char)('0' + status / 100 % 10), (char)('0' + status / 10 % 10),
                  (char)('0' + status % 10), 0};
    struct eg_buf lb = {0};
    eg_buf_reserve(&lb, 128);
    eg_buf_puts(&lb, rq->route ? rq->route->label : "route=\"unmatched\"");
    eg_buf_puts(&lb, ",method=\"");
    /* the route's own method, or "other": a client must not mint series with made-up methods */
    eg_buf_puts(&lb, rq->route ? rq->route->method : "other");
    eg_buf_puts(&lb, "\",status=\"");
    eg_buf_puts(&lb, st);
    eg_buf_append(&lb, "\"", 2); /* with the NUL */
    eg_metrics_counter_add("envgov_http_requests_total", lb.data, 1);
    eg_metrics_histogram_observe("envgov_http_request_duration_seconds",
                                 rq->route ? rq->route->label : "route=\"unmatched\"", secs);
    eg_buf_free(&lb);
    if (srv->cfg.access_log) {
        /* The path only: the query may carry a cursor or search text but never a credential;
           the Authorization header and bodies are never logged. Then the client address and
           the user name ("-" for anonymous) the token resolved to. */
        char path[256], user[256]; /* escaped: a client's bytes never forge a line or field */
        eg_log(EG_LOG_INFO, "http %s %s %d %.2fms %s %s%s", rq->method,
               eg_log_field(path, sizeof path, rq->path), status, secs * 1e3, rq->client,
               rq->who.username[0] ? eg_log_field(user, sizeof user, rq->who.username) : "-",
               toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    }
    req_free(rq);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    (void)cls;
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    /* mostly clients that misbehave (closed early, malformed request): not the server's fault */
    eg_log(EG_LOG_INFO, "http: %s", line);
}

/* ---------------------------------------------------------------- slow clients

   libmicrohttpd's timeout is an idle timeout: a client that drips its headers a byte at a time
   is never idle and held a connection (and a descriptor) forever. The head deadline bounds the
   time from a connection's start (or the end of its previous request) to the access handler's
   first call, which libmicrohttpd makes once the whole head has arrived: every connection is
   tracked from libmicrohttpd's connect notification to its close notification, and a thread
   wakes four times a second and shuts down (shutdown(2), so that libmicrohttpd sees the
   connection end and closes it itself) the sockets whose head is late. The list lock is held
   from the close notification, which libmicrohttpd makes before it closes the descriptor, so a
   descriptor is never shut down after it has been reused. Together with a per-address limit
   and a total limit below the descriptor limit, one address cannot take the server's
   connections, and the server never runs out of descriptors for its database and logs. */

static void conn_track_set(struct eg_http_server *srv, struct MHD_Connection *conn, int in_head)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn_track *t = ci ? ci->socket_context : NULL;
    if (!t)
        return;
    pthread_mutex_lock(&srv->conns_mu);
    t->in_head = in_head;
    t->head_start = eg_nanos();
    pthread_mutex_unlock(&srv->conns_mu);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct eg_http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn_track *t = eg_calloc(1, sizeof *t);
        t->fd = ci ? ci->connect_fd : -1;
        t->in_head = 1;
        t->head_start = eg_nanos();
        pthread_mutex_lock(&srv->conns_mu);
        t->next = srv->conns.next;
        t->prev = &srv->conns;
        srv->conns.next->prev = t;
        srv->conns.next = t;
        pthread_mutex_unlock(&srv->conns_mu);
        *socket_context = t;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct conn_track *t = *socket_context;
        if (!t)
            return;
        pthread_mutex_lock(&srv->conns_mu);
        t->prev->next = t->next;
        t->next->prev = t->prev;
        pthread_mutex_unlock(&srv->conns_mu);
        free(t);
        *socket_context = NULL;
    }
}

static void *reaper_main(void *arg)
{
    struct eg_http_server *srv = arg;
    uint64_t deadline = (uint64_t)srv->cfg.head_timeout_s * 1000000000u;
    pthread_mutex_lock(&srv->conns_mu);
    while (!srv->reaper_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&srv->reaper_cv, &srv->conns_mu, &ts);
        uint64_t now = eg_nanos();
        for (struct conn_track *t = srv->conns.next; t != &srv->conns; t = t->next)
            if (t->in_head && t->fd >= 0 && now - t->head_start > deadline) {
                t->in_head = 0; /* once */
                shutdown(t->fd, SHUT_RDWR);
                eg_metrics_counter_add("envgov_http_head_timeouts_total", NULL, 1);
            }
    }
    pthread_mutex_unlock(&srv->conns_mu);
    return NULL;
}

/* The total connection limit: the descriptor limit less a reserve for what else the process
   opens (the database files of every worker, the HJ 212 listener and its devices, logs, the
   workers' epoll and signalling descriptors): a quarter of the limit, at least 64. The
   configured max_connections may only lower it. */
static unsigned connection_limit(const struct eg_http_config *cfg)
{
    struct rlimit rl;
    rlim_t nofile = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        nofile = rl.rlim_cur;
    else if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        nofile = 1 << 20;
    rlim_t reserve = nofile / 4 > 64 ? nofile / 4 : 64;
    rlim_t lim = nofile > reserve + 16 ? nofile - reserve : 16;
    if (cfg->max_connections > 0 && (rlim_t)cfg->max_connections < lim)
        lim = (rlim_t)cfg->max_connections;
    return lim > 1000000 ? 1000000u : (unsigned)lim;
}

/* ---------------------------------------------------------------- server */

int eg_http_server_new(const struct eg_http_config *cfg, struct eg_http_server **out,
                       struct eg_err *err)
{
    struct eg_http_server *srv = eg_calloc(1, sizeof *srv);
    atomic_init(&srv->auth_generation, 1); /* never 0: an empty cache slot has generation 0 */
    srv->cfg = *cfg;
    srv->address = eg_strdup(cfg->address && *cfg->address ? cfg->address : "127.0.0.1");
    srv->db_path = cfg->db_path ? eg_strdup(cfg->db_path) : NULL;
    srv->cfg.address = srv->address;
    srv->cfg.db_path = srv->db_path;
    if (!srv->cfg.body_limit)
        srv->cfg.body_limit = 1 << 20;
    if (!srv->cfg.upload_limit)
        srv->cfg.upload_limit = 16 << 20;
    if (srv->cfg.timeout_s <= 0)
        srv->cfg.timeout_s = 30;
    if (srv->cfg.head_timeout_s <= 0)
        srv->cfg.head_timeout_s = 10;
    if (srv->cfg.per_ip_limit < 0)
        srv->cfg.per_ip_limit = 0;
    else if (srv->cfg.per_ip_limit == 0)
        srv->cfg.per_ip_limit = 64;
    pthread_mutex_init(&srv->conns_mu, NULL);
    pthread_cond_init(&srv->reaper_cv, NULL);
    srv->conns.next = srv->conns.prev = &srv->conns;
    if (!srv->cfg.upload_budget)
        srv->cfg.upload_budget = 64 << 20;
    /* one upload at the limit must always fit (when nothing else is in flight) */
    if (srv->cfg.upload_budget < srv->cfg.upload_limit + 2)
        srv->cfg.upload_budget = srv->cfg.upload_limit + 2;
    if (srv->cfg.upload_budget < srv->cfg.body_limit + 2)
        srv->cfg.upload_budget = srv->cfg.body_limit + 2;
    if (srv->cfg.threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        srv->cfg.threads = n > 0 && n < 256 ? (int)n : 2;
    }
    if (srv->cfg.port < 0 || srv->cfg.port > 65535) {
        eg_http_server_free(srv);
        return eg_err_set(err, EG_EINVAL, "bad_port", -1, "port %d out of range", cfg->port);
    }
    if (sodium_init() < 0) { /* the token cache hashes with BLAKE2b */
        eg_http_server_free(srv);
        return eg_err_set(err, EG_EIO, "sodium_init", -1, "libsodium failed to initialise");
    }
    if (pthread_key_create(&srv->store_key, store_destroy) == 0 &&
        pthread_key_create(&srv->epoch_key, NULL) == 0)
        srv->have_key = 1;
    eg_metrics_describe("envgov_http_requests_total", EG_METRIC_COUNTER,
                        "HTTP requests answered, by route pattern, method and status.");
    eg_metrics_describe("envgov_http_request_duration_seconds", EG_METRIC_HISTOGRAM,
                        "Time from request headers to the reply being sent, by route.");
    eg_metrics_describe("envgov_db_errors_total", EG_METRIC_COUNTER,
                        "Database failures met while answering HTTP requests.");
    eg_metrics_counter_add("envgov_db_errors_total", NULL, 0); /* present (at 0) from the start */
    eg_metrics_describe("envgov_http_head_timeouts_total", EG_METRIC_COUNTER,
                        "Connections closed because the request head took longer than the "
                        "head deadline (slow clients).");
    eg_metrics_counter_add("envgov_http_head_timeouts_total", NULL, 0);
    *out = srv;
    return 0;
}

static void reaper_end(struct eg_http_server *srv)
{
    if (!srv->reaper_on)
        return;
    pthread_mutex_lock(&srv->conns_mu);
    srv->reaper_stop = 1;
    pthread_cond_signal(&srv->reaper_cv);
    pthread_mutex_unlock(&srv->conns_mu);
    pthread_join(srv->reaper, NULL);
    srv->reaper_on = 0;
}

int eg_http_server_start(struct eg_http_server *srv, struct eg_err *err)
{
    struct sockaddr_in in4 = {0};
    struct sockaddr_in6 in6 = {0};
    const struct sockaddr *sa;
    /* ITC: needed by MHD_quiesce_daemon for the graceful stop */
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TURBO | MHD_USE_ITC;
    if (inet_pton(AF_INET, srv->address, &in4.sin_addr) == 1) {
        in4.sin_family = AF_INET;
        in4.sin_port = htons((uint16_t)srv->cfg.port);
        sa = (const struct sockaddr *)&in4;
    } else if (inet_pton(AF_INET6, srv->address, &in6.sin6_addr) == 1) {
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons((uint16_t)srv->cfg.port);
        sa = (const struct sockaddr *)&in6;
        flags |= MHD_USE_IPv6;
    } else {
        return eg_err_set(err, EG_EINVAL, "bad_address", -1,
                          "'%s' is not a numeric IPv4 or IPv6 address", srv->address);
    }
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
        flags |= MHD_USE_EPOLL;
    srv->conn_limit = connection_limit(&srv->cfg);
    /* a pool thread gets its share of the total: keep at least a few per thread */
    if (srv->conn_limit < 4u * (unsigned)srv->cfg.threads)
        srv->conn_limit = 4u * (unsigned)srv->cfg.threads;
    if (!srv->reaper_on) {
        srv->reaper_stop = 0;
        if (pthread_create(&srv->reaper, NULL, reaper_main, srv))
            return eg_err_set(err, EG_EIO, "thread", -1, "cannot start the head deadline thread");
        srv->reaper_on = 1;
    }
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)srv->cfg.port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, NULL, MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)srv->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)srv->cfg.timeout_s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        srv, MHD_OPTION_CONNECTION_LIMIT, srv->conn_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)srv->cfg.per_ip_limit, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!srv->daemon) {
        reaper_end(srv);
        return eg_err_set(err, EG_EIO, "listen_failed", -1, "cannot listen on %s port %d",
                          srv->address, srv->cfg.port);
    }
    eg_log(EG_LOG_INFO,
           "http: at most %u connections (descriptor limit less a reserve), %d per address, "
           "request head deadline %d s",
           srv->conn_limit, srv->cfg.per_ip_limit, srv->cfg.head_timeout_s);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : srv->cfg.port;
    return 0;
}

int eg_http_server_port(const struct eg_http_server *srv)
{
    return srv->port;
}

/* Graceful stop: stop accepting, give the connections in flight up to 2 s to finish their
   exchange (a request being handled is answered), then close the rest and join the workers
   (their database connections close on the way out). */
void eg_http_server_stop(struct eg_http_server *srv)
{
    if (!srv->daemon)
        return;
    MHD_socket lfd = MHD_quiesce_daemon(srv->daemon);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    uint64_t until = eg_nanos() + 2000000000ull;
    while (eg_nanos() < until) {
        const union MHD_DaemonInfo *di =
            MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!di || di->num_connections == 0)
            break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    reaper_end(srv); /* after the daemon: its connections are closed */
    /* libmicrohttpd notifies every close; should one have gone unnotified, free it here */
    pthread_mutex_lock(&srv->conns_mu);
    while (srv->conns.next != &srv->conns) {
        struct conn_track *t = srv->conns.next;
        srv->conns.next = t->next;
        free(t);
    }
    srv->conns.prev = &srv->conns;
    pthread_mutex_unlock(&srv->conns_mu);
}

void eg_http_server_free(struct eg_http_server *srv)
{
    if (!srv)
        return;
    eg_http_server_stop(srv);
    if (srv->have_key) {
        pthread_key_delete(srv->store_key);
        pthread_key_delete(srv->epoch_key);
    }
    for (int i = 0; i < srv->nroutes; i++)
        route_free(&srv->routes[i]);
    free(srv->routes);
    route_free(&srv->fallback);
    for (int i = 0; i < srv->nkept; i++)
        free(srv->kept[i]);
    free(srv->kept);
    free(srv->address);
    free(srv->db_path);
    pthread_mutex_destroy(&srv->conns_mu);
    pthread_cond_destroy(&srv->reaper_cv);
    free(srv);
}

int eg__http_server_route_count(const struct eg_http_server *srv)
{
    return srv->nroutes;
}

void eg__http_server_route_info(const struct eg_http_server *srv, int i,
                                struct eg__http_route_info *out)
{
    const struct route *r = &srv->routes[i];
    out->method = r->method;
    out->pattern = r->pattern;
    out->flags = r->flags;
    out->summary = r->summary;
    out->res = r->res;
}

struct eg_app *eg_http_app(const struct eg_http_req *rq)
{
    return rq->srv->cfg.app;
}

int64_t eg__http_server_token_ttl(const struct eg_http_server *srv)
{
    return srv->cfg.token_ttl_s;
}

void eg__http_cacheable(struct eg_http_req *rq, const char *cache_control)
{
    if (!rq->resp)
        return;
    MHD_del_response_header(rq->resp, "Cache-Control", "no-store");
    MHD_add_response_header(rq->resp, "Cache-Control", cache_control);
}

void eg__http_server_keep(struct eg_http_server *srv, void *p)
{
    srv->kept = eg_realloc(srv->kept, (size_t)(srv->nkept + 1) * sizeof *srv->kept);
    srv->kept[srv->nkept++] = p;
}

int eg__http_range(struct eg_http_req *rq, const char *from, const char *to, int64_t *out_from,
                   int64_t *out_to)
{
    int rc;
    if ((rc = eg_http_arg_time(rq, from, out_from)) < 0 ||
        (rc = eg_http_arg_time(rq, to, out_to)) < 0)
        return rc;
    const char *v = eg_http_query(rq, to);
    if (v && (strlen(v) == 10 || strlen(v) == 8))
        *out_to += 1; /* the day's last second, inclusive: its end */
    if (*out_from >= *out_to)
        return eg_err_set(&rq->err, EG_EINVAL, "bad_range", -1,
                          "%s must be before %s (a date alone as %s means the whole day: "
                          "%s=2026-12-03&%s=2026-12-03 is that day)",
                          from, to, to, from, to);
    return 0;
}

void eg__http_server_set_fallback(struct eg_http_server *srv, eg_http_handler fn)
{
    struct route *r = &srv->fallback;
    if (!r->fn) {
        r->method = eg_strdup("GET");
        r->pattern = eg_strdup("/{web}");
        r->summary = eg_strdup("the web UI");
        r->label = eg_strdup("route=\"/ (web UI)\"");
    }
    r->fn = fn;
    r->flags = EG_ROUTE_NO_DB;
}

void eg__http_server_set_auth(struct eg_http_server *srv, eg__http_auth_fn fn)
{
    srv->auth = fn;
}
