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

/* The export columns of a resource: id, then every field that may be shown. */
static int columns(const struct eg_resource *res, struct eg_http_column *cols, int max)
{
    int n = 0;
    cols[n++] = (struct eg_http_column){"id", "ID", NULL, NULL};
    for (int i = 0; i < res->nfields && n < max; i++) {
        const struct eg_field *f = &res->fields[i];
        if (f->flags & EG_FF_SECRET)
            continue;
        cols[n++] = (struct eg_http_column){f->name, f->label_zh,
                                            f->type == EG_FT_ENUM ? f->enum_values : NULL,
                                            f->type == EG_FT_ENUM ? f->enum_zh : NULL};
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
        /* a filter value the field cannot hold (region_id=abc) is a malformed query: 400 */
        struct eg_err *e = eg_http_err(rq);
        for (int i = 0; rc == EG_EINVAL && i < a.n; i++)
            if (!strcmp(e->code, a.names[i]))
                snprintf(e->code, sizeof e->code, "bad_filter");
        return rc;
    }
    struct eg_http_column cols[64];
    int ncols = columns(res, cols, (int)EG_ARRAY_LEN(cols));
    rc = eg_http_reply_list(rq, res->label_zh, res->name, cols, ncols, items, next);
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
