/*
 * api_registry.c: the generic handlers that serve every resource of eg_registry_resources
 * (regions, units, outlets, permits, limits, stations, devices, users, …) from its description:
 *
 *   GET    /api/v1/<res>          list: field filters, q, sort, limit, cursor, format=csv|xlsx
 *   POST   /api/v1/<res>          create (201 + Location)
 *   GET    /api/v1/<res>/{id}     get
 *   PATCH  /api/v1/<res>/{id}     update the fields given
 *   PUT    /api/v1/<res>/{id}     the same as PATCH (fields absent are left as they are)
 *   DELETE /api/v1/<res>/{id}     delete (204)
 *
 * The split of validation: this file refuses what is malformed for the resource's shape — not a
 * JSON object, an unknown field, a read-only field, a value of the wrong JSON type — with 400;
 * the registry judges the values (credit code checksum, enum members, references, scope) and
 * its EG_EINVAL become 422. Who may see and change what is decided by the registry alone.
 */
#include "http/http_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILTERS 32
#define EXPORT_PAGE 1000
#define EXPORT_MAX_ROWS 200000 /* a whole district's registry is a few ten thousand rows */

static const char *type_word(enum eg_field_type t)
{
    switch (t) {
    case EG_FT_INT:
    case EG_FT_REF:
        return "an integer";
    case EG_FT_REAL:
        return "a number";
    case EG_FT_BOOL:
        return "true or false";
    default:
        return "a string";
    }
}

/* 400 for what does not fit the resource's shape; values are left to the registry (422). */
static int check_shape(struct eg_http_req *rq, const struct eg_resource *res, json_t *body,
                       int64_t path_id)
{
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        if (!strcmp(k, "id")) {
            if (path_id && json_is_integer(v) && json_integer_value(v) == path_id)
                continue; /* a PUT of the record as it was read */
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "readonly_field", -1,
                              "field 'id' is set by the server");
        }
        const struct eg_field *f = NULL;
        for (int i = 0; i < res->nfields && !f; i++)
            if (!strcmp(res->fields[i].name, k))
                f = &res->fields[i];
        if (!f) {
            /* the name comes from the client: quote it only as far as it is plain text */
            char shown[65];
            size_t n = 0;
            for (const char *p = k; *p && n + 1 < sizeof shown; p++)
                shown[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
            shown[n] = '\0';
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "unknown_field", -1,
                              "%s has no field '%s' (see /api/v1/openapi.json)", res->name, shown);
        }
        if (f->flags & EG_FF_READONLY)
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "readonly_field", -1,
                              "field '%s' is set by the server", f->name);
        if (json_is_null(v))
            continue; /* clearing a field: whether it may be empty is the registry's call */
        int ok;
        switch (f->type) {
        case EG_FT_INT:
        case EG_FT_REF:
            ok = json_is_integer(v);
            break;
        case EG_FT_REAL:
            ok = json_is_number(v);
            break;
        case EG_FT_BOOL:
            ok = json_is_boolean(v);
            break;
        default:
            ok = json_is_string(v);
        }
        if (!ok)
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_type", -1, "field '%s' must be %s",
                              f->name, type_word(f->type));
    }
    return 0;
}

/* The export columns of a resource: id, then every field that may be shown; a reference as
   the name of what it points to (eg_registry_ref_names) followed by its id in a column of its
   own; enum values by their Chinese labels; time fields in Beijing time. */
struct export_cols {
    struct eg_http_column c[64];
    char names[32][80], labels[32][96]; /* a reference's name key and its id column's header */
};

static int columns(const struct eg_resource *res, struct export_cols *x)
{
    int n = 0, nref = 0, max = (int)EG_ARRAY_LEN(x->c);
    x->c[n++] = (struct eg_http_column){"id", "ID", NULL, NULL, EG_HTTP_COL_AUTO};
    for (int i = 0; i < res->nfields && n < max; i++) {
        const struct eg_field *f = &res->fields[i];
        if (f->flags & EG_FF_SECRET)
            continue;
        if (f->type == EG_FT_REF && nref < (int)EG_ARRAY_LEN(x->names) && n + 1 < max) {
            eg_registry_ref_name_key(f, x->names[nref], sizeof x->names[nref]);
            snprintf(x->labels[nref], sizeof x->labels[nref], "%sID", f->label_zh);
            x->c[n++] =
                (struct eg_http_column){x->names[nref], f->label_zh, NULL, NULL, EG_HTTP_COL_AUTO};
            x->c[n++] =
                (struct eg_http_column){f->name, x->labels[nref], NULL, NULL, EG_HTTP_COL_AUTO};
            nref++;
            continue;
        }
        x->c[n++] = (struct eg_http_column){
            f->name, f->label_zh, f->enum_zh ? f->enum_values : NULL, f->enum_zh,
            (f->flags & EG_FF_TIME) ? EG_HTTP_COL_TIME : EG_HTTP_COL_AUTO};
    }
    return n;
}

struct list_args {
    struct eg_http_req *rq;
    const struct eg_resource *res;
    const char *names[MAX_FILTERS], *values[MAX_FILTERS];
    int n;
    int rc;
};

static int collect_filter(void *arg, const char *name, const char *value)
{
    struct list_args *a = arg;
    static const char *const reserved[] = {"q", "sort", "limit", "cursor", "format"};
    for (size_t i = 0; i < EG_ARRAY_LEN(reserved); i++)
        if (!strcmp(name, reserved[i]))
            return 0;
    const struct eg_field *f = NULL;
    if (!strcmp(name, "id"))
        goto add; /* the registry filters by id too */
    for (int i = 0; i < a->res->nfields && !f; i++)
        if (!strcmp(a->res->fields[i].name, name))
            f = &a->res->fields[i];
    for (const struct eg_registry_xfilter *x = eg_registry_extra_filters(a->res); !f && x->name;
         x++)
        if (!strcmp(x->name, name))
            goto add; /* in_region, unit_id: the registry's own */
    if (!f || !(f->flags & EG_FF_FILTER) || (f->flags & EG_FF_SECRET)) {
        a->rc = eg_err_set(eg_http_err(a->rq), EG_EINVAL, "unknown_filter", -1,
                           "%s cannot be filtered by '%.64s'", a->res->name, name);
        return 1;
    }
add:
    if (a->n == MAX_FILTERS) {
        a->rc = eg_err_set(eg_http_err(a->rq), EG_EINVAL, "bad_query", -1, "too many filters");
        return 1;
    }
    a->names[a->n] = name;
    a->values[a->n++] = value;
    return 0;
}

/* ---- the page cache (issue 11 §8) ----
 *
 * A page of a list costs a scoped SELECT and its rows written as JSON; the same page asked again
 * is the same bytes while the registry has not changed. Each worker thread keeps the JSON pages
 * it answered, keyed by everything the answer depends on — the resource, the reader's scope
 * (role, user, unit, region), the Beijing date (steward contracts are in force by day) and every
 * query argument in order — and tagged with the registry version read before the rows
 * (eg_registry_version: a new random value with every committed change to a registry table, by
 * this process or any other). A page is served from the cache only while the version is the one
 * it was read under; lists whose rows are not versioned (the audit log) are never cached. A
 * version is read before the rows, so a page is never tagged newer than its rows. */
#define PAGE_SLOTS 64
#define PAGE_MAX_BYTES (256u << 10) /* larger pages (limit=1000) are not kept */
#define PAGE_CACHE_BYTES (4u << 20) /* per worker: a 16-core server holds at most 64 MiB */
#define ROWS_CACHE_BYTES (4u << 20) /* per worker, the rows' text (4,096 rows at most) */

struct page_slot {
    char *key, *body;
    size_t keylen, len;
    int64_t version;
};
struct page_cache {
    struct page_slot s[PAGE_SLOTS];
    size_t bytes;                  /* of every key and body kept */
    struct eg_registry_rows *rows; /* the rows' text, for pages not kept (registry.h) */
};

static pthread_key_t page_key;
static pthread_once_t page_once = PTHREAD_ONCE_INIT;
/* EG_LIST_CACHE=off in the server's environment: every page computed from every column, no
   page or row kept (what bench/api measures as "no caches"; a check when a cache is suspected) */
static int caches_off;

static void page_cache_free(void *p)
{
    struct page_cache *c = p;
    for (int i = 0; i < PAGE_SLOTS; i++) {
        free(c->s[i].key);
        free(c->s[i].body);
    }
    eg_registry_rows_free(c->rows);
    free(c);
}

static void page_key_make(void)
{
    if (pthread_key_create(&page_key, page_cache_free))
        abort();
    const char *env = getenv("EG_LIST_CACHE");
    caches_off = env && !strcmp(env, "off");
}

/* This worker's cache (freed when the thread ends). */
static struct page_cache *page_cache(void)
{
    pthread_once(&page_once, page_key_make);
    struct page_cache *c = pthread_getspecific(page_key);
    if (!c) {
        c = eg_calloc(1, sizeof *c);
        c->rows = eg_registry_rows_new(ROWS_CACHE_BYTES);
        pthread_setspecific(page_key, c);
    }
    return c;
}

static int page_key_arg(void *arg, const char *name, const char *value)
{
    struct eg_buf *k = arg;
    eg_buf_append(k, name, strlen(name) + 1);
    if (value)
        eg_buf_append(k, value, strlen(value));
    eg_buf_append(k, "", 1);
    return 0;
}

static struct page_slot *page_slot(struct eg_http_req *rq, const struct eg_resource *res,
                                   struct eg_buf *key, struct page_cache **cache)
{
    const struct eg_principal *who = eg_http_principal(rq);
    struct eg_civil c;
    eg_time_to_beijing(eg_time_now(), &c);
    eg_buf_printf(key, "%s%c%d %lld %lld %s%c%04d-%02d-%02d%c", res->name, 0, (int)who->role,
                  (long long)who->user_id, (long long)who->unit_id, who->region, 0, c.year, c.month,
                  c.day, 0);
    eg_http_query_each(rq, page_key_arg, key);
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < key->len; i++)
        h = (h ^ (unsigned char)key->data[i]) * 1099511628211ull;
    *cache = page_cache();
    return &(*cache)->s[h % PAGE_SLOTS];
}

/* A filter value the field cannot hold (region_id=abc) is a malformed query: 400. */
static int bad_filter(struct eg_http_req *rq, const struct list_args *a, int rc)
{
    struct eg_err *e = eg_http_err(rq);
    for (int i = 0; rc == EG_EINVAL && i < a->n; i++)
        if (!strcmp(e->code, a->names[i]))
            snprintf(e->code, sizeof e->code, "bad_filter");
    return rc;
}

static int h_list(struct eg_http_req *rq)
{
    const struct eg_resource *res = eg_http_resource(rq);
    struct list_args a = {.rq = rq, .res = res};
    struct eg_list_query q = {0};
    int fmt, rc;
    struct eg_db *st;
    if ((rc = eg_http_format(rq, &fmt)))
        return rc;
    eg_http_query_each(rq, collect_filter, &a);
    if (a.rc)
        return a.rc;
    q.q = eg_http_query(rq, "q");
    q.sort = eg_http_query(rq, "sort");
    q.cursor = eg_http_query(rq, "cursor");
    q.filter_names = a.names;
    q.filter_values = a.values;
    q.nfilters = a.n;
    const char *lim = eg_http_query(rq, "limit");
    int64_t limit = 50;
    if (lim && (eg_parse_int64(lim, strlen(lim), &limit) || limit < 1 || limit > 1000))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_limit", -1,
                          "limit must be an integer from 1 to 1000");
    /* An export without an explicit limit is the whole list: every page, in order. */
    int all = fmt != EG_HTTP_FMT_JSON && !lim;
    q.limit = all ? EXPORT_PAGE : (int)limit;
    if ((rc = eg_http_store(rq, &st)))
        return rc;
    json_t *items = NULL;
    char *next = NULL;
    if (fmt == EG_HTTP_FMT_JSON) {
        int64_t version;
        int cacheable;
        if ((rc = eg_registry_version(st, res, &version, &cacheable, eg_http_err(rq))))
            return rc;
        struct eg_buf key = {0}, b = {0};
        struct page_slot *slot = NULL;
        struct page_cache *cache = NULL;
        pthread_once(&page_once, page_key_make);
        if (cacheable && !caches_off && !eg_db_in_tx(st)) {
            slot = page_slot(rq, res, &key, &cache);
            if (slot->body && slot->version == version && slot->keylen == key.len &&
                !memcmp(slot->key, key.data, key.len)) {
                eg_buf_free(&key);
                eg_buf_append(&b, slot->body, slot->len);
                return eg_http_reply_buf(rq, 200, "application/json; charset=utf-8", &b);
            }
            /* a page not kept is made of the rows kept under the same version */
            eg_registry_rows_version(cache->rows, version);
            q.rows = cache->rows;
        }
        /* rows from SQLite straight to JSON text: no jansson values */
        eg_buf_append(&b, "{\"items\":", 9);
        rc = eg_registry_list_json(st, res, eg_http_principal(rq), &q, &b, &next, eg_http_err(rq));
        if (rc) {
            eg_buf_free(&b);
            eg_buf_free(&key);
            return bad_filter(rq, &a, rc);
        }
        eg_buf_append(&b, ",\"next_cursor\":", 15);
        if (next)
            eg_buf_json_text(&b, next, strlen(next));
        else
            eg_buf_append(&b, "null", 4);
        eg_buf_append(&b, "}", 1);
        free(next);
        if (slot) { /* the slot's page is replaced, or dropped when the new one is not kept */
            cache->bytes -= slot->keylen + slot->len;
            free(slot->key);
            free(slot->body);
            *slot = (struct page_slot){0};
        }
        if (slot && b.len <= PAGE_MAX_BYTES && cache->bytes + key.len + b.len <= PAGE_CACHE_BYTES) {
            cache->bytes += key.len + b.len;
            slot->key = key.data; /* the slot takes the key's memory */
            slot->keylen = key.len;
            key = (struct eg_buf){0};
            slot->body = eg_malloc(b.len);
            memcpy(slot->body, b.data, b.len);
            slot->len = b.len;
            slot->version = version;
        }
        eg_buf_free(&key);
        return eg_http_reply_buf(rq, 200, "application/json; charset=utf-8", &b);
    }
    rc = eg_registry_list(st, res, eg_http_principal(rq), &q, &items, &next, eg_http_err(rq));
    while (!rc && all && next) {
        if (json_array_size(items) >= EXPORT_MAX_ROWS) {
            json_decref(items);
            free(next);
            return eg_err_set(eg_http_err(rq), EG_ETOOBIG, "export_too_large", -1,
                              "more than %d rows: narrow the export with filters", EXPORT_MAX_ROWS);
        }
        json_t *more = NULL;
        char *cur = next;
        next = NULL;
        q.cursor = cur;
        rc = eg_registry_list(st, res, eg_http_principal(rq), &q, &more, &next, eg_http_err(rq));
        free(cur);
        if (!rc)
            json_array_extend(items, more);
        json_decref(more);
    }
    if (rc) {
        json_decref(items);
        free(next);
        return bad_filter(rq, &a, rc);
    }
    if (fmt != EG_HTTP_FMT_JSON &&
        (rc = eg_registry_ref_names(st, res, eg_http_principal(rq), items, eg_http_err(rq)))) {
        json_decref(items);
        free(next);
        return rc;
    }
    struct export_cols *x = eg_malloc(sizeof *x);
    int ncols = columns(res, x);
    rc = eg_http_reply_list(rq, res->label_zh, res->name, x->c, ncols, items, next);
    free(x);
    free(next);
    return rc;
}

static int h_get(struct eg_http_req *rq)
{
    int64_t id;
    struct eg_db *st;
    json_t *row = NULL;
    int rc = eg_http_param_id(rq, "id", &id);
    if (!rc)
        rc = eg_http_store(rq, &st);
    if (!rc)
        rc = eg_registry_get(st, eg_http_resource(rq), eg_http_principal(rq), id, &row,
                             eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 200, row);
}

static int h_create(struct eg_http_req *rq)
{
    const struct eg_resource *res = eg_http_resource(rq);
    json_t *body, *row = NULL;
    struct eg_db *st;
    int rc = eg_http_body_json(rq, &body);
    if (!rc)
        rc = check_shape(rq, res, body, 0);
    if (!rc)
        rc = eg_http_store(rq, &st);
    if (!rc)
        rc = eg_registry_create(st, res, eg_http_principal(rq), body, &row, eg_http_err(rq));
    if (rc)
        return rc;
    char loc[128];
    snprintf(loc, sizeof loc, "/api/v1/%s/%lld", res->name,
             (long long)json_integer_value(json_object_get(row, "id")));
    eg_http_reply_json(rq, 201, row);
    return eg_http_add_header(rq, "Location", loc);
}

static int h_update(struct eg_http_req *rq)
{
    const struct eg_resource *res = eg_http_resource(rq);
    json_t *body, *row = NULL;
    struct eg_db *st;
    int64_t id;
    int rc = eg_http_param_id(rq, "id", &id);
    if (!rc)
        rc = eg_http_body_json(rq, &body);
    if (!rc)
        rc = check_shape(rq, res, body, id);
    if (!rc) {
        json_object_del(body, "id");
        rc = eg_http_store(rq, &st);
    }
    if (!rc)
        rc = eg_registry_update(st, res, eg_http_principal(rq), id, body, &row, eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 200, row);
}

static int h_delete(struct eg_http_req *rq)
{
    int64_t id;
    struct eg_db *st;
    int rc = eg_http_param_id(rq, "id", &id);
    if (!rc)
        rc = eg_http_store(rq, &st);
    if (!rc)
        rc = eg_registry_delete(st, eg_http_resource(rq), eg_http_principal(rq), id,
                                eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_raw(rq, 204, NULL, NULL, 0);
}

/* A route spec built at registration (one per resource and operation), freed with the server. */
struct built_spec {
    struct eg_http_route_spec spec;
    struct eg_http_param_spec params[2];
    char pattern[112], summary[192], summary_zh[192];
};

static const struct eg_http_param_spec id_param = {.name = "id",
                                                   .in = EG_PIN_PATH,
                                                   .type = EG_PT_ID,
                                                   .description_zh = "记录编号",
                                                   .description_en = "record id",
                                                   .example = "1"};

static int add(struct eg_http_server *srv, const struct eg_resource *res, const char *method,
               const char *pattern, eg_http_handler fn, unsigned flags, const char *summary,
               const char *zh_verb)
{
    struct built_spec *b = eg_calloc(1, sizeof *b);
    snprintf(b->pattern, sizeof b->pattern, "%s", pattern);
    snprintf(b->summary, sizeof b->summary, "%s", summary);
    snprintf(b->summary_zh, sizeof b->summary_zh, "%s%s", zh_verb, res->label_zh);
    b->spec = (struct eg_http_route_spec){
        .method = method,
        .pattern = b->pattern,
        .fn = fn,
        .flags = flags,
        .summary = b->summary,
        .summary_zh = b->summary_zh,
        .res = res,
        .access = "the roles in x-roles; each sees and changes only the rows of its scope "
                  "(street: its region and the regions under it; enterprise: its own unit; "
                  "steward: its contracted units; public rows for everyone)",
    };
    if (strchr(pattern, '{')) {
        b->params[0] = id_param;
        if (!strcmp(method, "DELETE"))
            b->params[0].example = "999999"; /* the documentation test deletes nothing */
        b->spec.params = b->params;
    }
    int rc = eg_http_route_add_spec(srv, &b->spec);
    if (rc)
        free(b);
    else
        eg__http_server_keep(srv, b);
    return rc;
}

int eg_http_api_registry_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (const struct eg_resource *const *r = eg_registry_resources; *r; r++) {
        const struct eg_resource *res = *r;
        char coll[96], item[112], s[5][192];
        snprintf(coll, sizeof coll, "/api/v1/%s", res->name);
        snprintf(item, sizeof item, "/api/v1/%s/{id}", res->name);
        snprintf(s[0], sizeof s[0],
                 "List %s (%s): filters, q, sort, limit, cursor, csv/xlsx export", res->name,
                 res->label_zh);
        snprintf(s[1], sizeof s[1], "Create one of %s (%s)", res->name, res->label_zh);
        snprintf(s[2], sizeof s[2], "Get one of %s (%s) by id", res->name, res->label_zh);
        snprintf(s[3], sizeof s[3], "Update fields of one of %s (%s)", res->name, res->label_zh);
        snprintf(s[4], sizeof s[4], "Delete one of %s (%s)", res->name, res->label_zh);
        rc |= add(srv, res, "GET", coll, h_list, EG_ROUTE_LIST, s[0], "列表: ");
        rc |= add(srv, res, "POST", coll, h_create, EG_ROUTE_BODY_JSON, s[1], "新建: ");
        rc |= add(srv, res, "GET", item, h_get, EG_ROUTE_PUBLIC, s[2], "查看: ");
        rc |= add(srv, res, "PATCH", item, h_update, EG_ROUTE_BODY_JSON, s[3], "修改: ");
        rc |= add(srv, res, "PUT", item, h_update, EG_ROUTE_BODY_JSON,
                  "The same as PATCH: the fields given are replaced, others kept", "修改: ");
        rc |= add(srv, res, "DELETE", item, h_delete, EG_ROUTE_PUBLIC, s[4], "删除: ");
    }
    return rc ? EG_EINVAL : 0;
}
