/*
 * openapi.c: the OpenAPI 3.0 document (GET /api/v1/openapi.json), generated from the route
 * table and the registry's resource descriptions, so it cannot drift from what the server does:
 * every registered route is a path operation; a route serving a resource gets that resource's
 * schema (field types, enums, lengths, Chinese labels as x-label-zh), list routes their query
 * parameters, and every operation the error responses the server can give.
 */
#include "http/http_internal.h"

#include <ctype.h>
#include <string.h>

static json_t *field_schema(const struct eg_field *f)
{
    json_t *s = json_object();
    switch (f->type) {
    case EG_FT_INT:
    case EG_FT_REF:
        json_object_set_new(s, "type", json_string("integer"));
        json_object_set_new(s, "format", json_string("int64"));
        break;
    case EG_FT_REAL:
        json_object_set_new(s, "type", json_string("number"));
        break;
    case EG_FT_BOOL:
        json_object_set_new(s, "type", json_string("boolean"));
        break;
    case EG_FT_DATE:
        json_object_set_new(s, "type", json_string("string"));
        json_object_set_new(s, "format", json_string("date"));
        break;
    case EG_FT_ENUM: {
        json_object_set_new(s, "type", json_string("string"));
        json_t *e = json_array();
        for (const char *p = f->enum_values ? f->enum_values : ""; *p;) {
            const char *bar = strchr(p, '|');
            size_t n = bar ? (size_t)(bar - p) : strlen(p);
            json_array_append_new(e, json_stringn(p, n));
            p += n + (bar != NULL);
        }
        json_object_set_new(s, "enum", e);
        break;
    }
    default:
        json_object_set_new(s, "type", json_string("string"));
        json_object_set_new(s, "maxLength", json_integer(f->max_len ? f->max_len : 256));
        if (f->flags & EG_FF_CREDIT_CODE) {
            json_object_set_new(s, "minLength", json_integer(18));
            json_object_set_new(s, "description",
                                json_string("统一社会信用代码, GB 32100-2015 check character"));
        }
    }
    if (f->type == EG_FT_REF && f->ref)
        json_object_set_new(s, "x-references", json_string(f->ref));
    json_object_set_new(s, "x-label-zh", json_string(f->label_zh ? f->label_zh : f->name));
    if (f->flags & EG_FF_SECRET)
        json_object_set_new(s, "writeOnly", json_true());
    if (f->flags & EG_FF_READONLY)
        json_object_set_new(s, "readOnly", json_true());
    if (!(f->flags & EG_FF_REQUIRED) && f->type != EG_FT_BOOL)
        json_object_set_new(s, "nullable", json_true());
    return s;
}

static json_t *resource_schema(const struct eg_resource *r)
{
    json_t *props = json_object(), *req = json_array();
    json_object_set_new(
        props, "id",
        json_pack("{s:s,s:s,s:b}", "type", "integer", "format", "int64", "readOnly", 1));
    for (int i = 0; i < r->nfields; i++) {
        json_object_set_new(props, r->fields[i].name, field_schema(&r->fields[i]));
        if (r->fields[i].flags & EG_FF_REQUIRED)
            json_array_append_new(req, json_string(r->fields[i].name));
    }
    json_t *s = json_pack("{s:s,s:s,s:o,s:b}", "type", "object", "title", r->label_zh, "properties",
                          props, "additionalProperties", 0);
    if (json_array_size(req))
        json_object_set_new(s, "required", req);
    else
        json_decref(req);
    return s;
}

static json_t *ref(const char *name)
{
    char buf[128];
    snprintf(buf, sizeof buf, "#/components/schemas/%s", name);
    return json_pack("{s:s}", "$ref", buf);
}

static json_t *json_content(json_t *schema)
{
    return json_pack("{s:{s:o}}", "application/json", "schema", schema);
}

static json_t *param(const char *name, const char *in, int required, json_t *schema,
                     const char *desc)
{
    return json_pack("{s:s,s:s,s:b,s:o,s:s}", "name", name, "in", in, "required", required,
                     "schema", schema, "description", desc);
}

/* The schema of a parameter of a route's table (http.h). */
static json_t *param_schema(const struct eg_http_param_spec *p)
{
    json_t *s;
    switch (p->type) {
    case EG_PT_INT:
    case EG_PT_ID:
        s = json_pack("{s:s,s:s}", "type", "integer", "format", "int64");
        if (p->type == EG_PT_ID)
            json_object_set_new(s, "minimum", json_integer(1));
        else if (p->max > p->min) {
            json_object_set_new(s, "minimum", json_integer((json_int_t)p->min));
            json_object_set_new(s, "maximum", json_integer((json_int_t)p->max));
        }
        break;
    case EG_PT_NUMBER:
        s = json_pack("{s:s}", "type", "number");
        if (p->max > p->min) {
            json_object_set_new(s, "minimum", json_integer((json_int_t)p->min));
            json_object_set_new(s, "maximum", json_integer((json_int_t)p->max));
        }
        break;
    case EG_PT_BOOL:
        s = json_pack("{s:s}", "type", "boolean");
        break;
    case EG_PT_ENUM: {
        json_t *e = json_array();
        for (const char *q = p->enum_values; *q;) {
            const char *bar = strchr(q, '|');
            size_t n = bar ? (size_t)(bar - q) : strlen(q);
            json_array_append_new(e, json_stringn(q, n));
            q += n + (bar != NULL);
        }
        s = json_pack("{s:s,s:o}", "type", "string", "enum", e);
        break;
    }
    case EG_PT_TIME:
        s = json_pack("{s:s,s:s,s:s}", "type", "string", "x-format", "beijing-time", "pattern",
                      "^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$");
        break;
    case EG_PT_DATE:
        s = json_pack("{s:s,s:s}", "type", "string", "format", "date");
        break;
    case EG_PT_LIST:
        s = json_pack("{s:s,s:{s:s}}", "type", "array", "items", "type", "string");
        if (p->max_len > 0)
            json_object_set_new(s, "maxItems", json_integer(p->max_len));
        break;
    default:
        s = json_pack("{s:s}", "type", "string");
        if (p->max_len > 0)
            json_object_set_new(s, "maxLength", json_integer(p->max_len));
    }
    if (p->dflt) {
        json_t *d = NULL;
        int64_t i;
        double x;
        if ((p->type == EG_PT_INT || p->type == EG_PT_ID) &&
            !eg_parse_int64(p->dflt, strlen(p->dflt), &i))
            d = json_integer((json_int_t)i);
        else if (p->type == EG_PT_NUMBER && !eg_parse_double(p->dflt, strlen(p->dflt), &x))
            d = json_real(x);
        else if (p->type == EG_PT_BOOL)
            d = json_boolean(!strcmp(p->dflt, "true") || !strcmp(p->dflt, "1"));
        else if (p->type != EG_PT_LIST)
            d = json_string(p->dflt);
        if (d)
            json_object_set_new(s, "default", d);
    }
    return s;
}

static json_t *spec_param(const struct eg_http_param_spec *p)
{
    char desc[1024];
    snprintf(desc, sizeof desc, "%s%s%s", p->description_zh ? p->description_zh : "",
             p->description_zh && p->description_en ? " · " : "",
             p->description_en ? p->description_en : "");
    if ((p->flags & EG_PF_RANGE_END) && strlen(desc) + 80 < sizeof desc)
        strcat(desc, " (a date alone means the whole day: 只写日期即含当天全天)");
    json_t *j = param(p->name, p->in == EG_PIN_PATH ? "path" : "query",
                      p->in == EG_PIN_PATH || (p->flags & EG_PF_REQUIRED), param_schema(p), desc);
    if (p->type == EG_PT_LIST) {
        json_object_set_new(j, "style", json_string("form"));
        json_object_set_new(j, "explode", json_false());
    }
    if (p->example)
        json_object_set_new(j, "example", json_string(p->example));
    if (p->description_zh)
        json_object_set_new(j, "x-description-zh", json_string(p->description_zh));
    if (p->description_en)
        json_object_set_new(j, "x-description-en", json_string(p->description_en));
    return j;
}

/* 1 when the route's table declares a parameter of this name. */
static int spec_has(const struct eg_http_route_spec *sp, const char *name)
{
    for (const struct eg_http_param_spec *p = sp ? sp->params : NULL; p && p->name; p++)
        if (!strcmp(p->name, name))
            return 1;
    return 0;
}

static void add_error(json_t *responses, const char *status, const char *desc)
{
    json_object_set_new(
        responses, status,
        json_pack("{s:s,s:o}", "description", desc, "content", json_content(ref("Error"))));
}

static json_t *operation(const struct eg__http_route_info *ri, const struct eg_http_route_spec *sp)
{
    json_t *op = json_object(), *params = json_array(), *responses = json_object();
    json_object_set_new(op, "summary", json_string(ri->summary));
    if (sp) {
        struct eg_buf d = {0};
        if (sp->summary_zh) {
            json_object_set_new(op, "x-summary-zh", json_string(sp->summary_zh));
            eg_buf_printf(&d, "%s\n\n", sp->summary_zh);
        }
        if (sp->description)
            eg_buf_printf(&d, "%s\n\n", sp->description);
        if (sp->access) {
            eg_buf_printf(&d, "**Access 权限:** %s\n", sp->access);
            json_object_set_new(op, "x-access", json_string(sp->access));
        }
        if (d.len)
            json_object_set_new(op, "description", json_stringn(d.data, d.len));
        eg_buf_free(&d);
    } else {
        /* added with eg_http_route_add(): what it accepts is not declared */
        json_object_set_new(op, "x-undocumented", json_true());
    }
    /* operationId: method + pattern, letters and digits only */
    char id[160];
    size_t o = 0;
    for (const char *p = ri->method; *p && o + 1 < sizeof id; p++)
        id[o++] = (char)tolower((unsigned char)*p);
    for (const char *p = ri->pattern; *p && o + 1 < sizeof id; p++)
        if (isalnum((unsigned char)*p))
            id[o++] = *p;
        else if (o && id[o - 1] != '_')
            id[o++] = '_';
    id[o] = '\0';
    json_object_set_new(op, "operationId", json_string(id));
    /* tag: the resource, else the first segment after /api/v1/ (series, devices, …) */
    char tag[64] = "ops";
    if (ri->res) {
        snprintf(tag, sizeof tag, "%s", ri->res->name);
    } else if (!strncmp(ri->pattern, "/api/v1/", 8) && !strstr(ri->pattern, "openapi")) {
        const char *seg = ri->pattern + 8;
        size_t n = strcspn(seg, "/");
        if ((n == 5 && !strncmp(seg, "login", 5)) || (n == 6 && !strncmp(seg, "logout", 6)) ||
            (n == 2 && !strncmp(seg, "me", 2)))
            snprintf(tag, sizeof tag, "session");
        else
            snprintf(tag, sizeof tag, "%.*s", (int)(n < 63 ? n : 63), seg);
    }
    json_object_set_new(op, "tags", json_pack("[s]", tag));

    /* path parameters, from the {placeholders} */
    for (const char *p = strchr(ri->pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        if (!e)
            break;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(e - p - 1), p + 1);
        const struct eg_http_param_spec *ps = NULL;
        for (const struct eg_http_param_spec *q = sp ? sp->params : NULL; q && q->name; q++)
            if (q->in == EG_PIN_PATH && !strcmp(q->name, name))
                ps = q;
        if (ps) {
            json_array_append_new(params, spec_param(ps));
            continue;
        }
        json_t *sch = !strcmp(name, "id")
                          ? json_pack("{s:s,s:s}", "type", "integer", "format", "int64")
                          : json_pack("{s:s}", "type", "string");
        json_array_append_new(params, param(name, "path", 1, sch, "record id"));
    }
    for (const struct eg_http_param_spec *q = sp ? sp->params : NULL; q && q->name; q++)
        if (q->in == EG_PIN_QUERY)
            json_array_append_new(params, spec_param(q));
    if ((ri->flags & EG_ROUTE_LIST) && !spec_has(sp, "format") && !ri->res) {
        /* a list that is not a registry resource: the export formats only */
        json_array_append_new(params, param("format", "query", 0,
                                            json_pack("{s:s,s:[sss],s:s}", "type", "string", "enum",
                                                      "json", "csv", "xlsx", "default", "json"),
                                            "导出格式 · csv: UTF-8 with BOM; xlsx: Excel workbook; "
                                            "both with Chinese headers"));
    } else if (ri->flags & EG_ROUTE_LIST) {
        json_array_append_new(params, param("q", "query", 0, json_pack("{s:s}", "type", "string"),
                                            "text search over names (substring, Chinese)"));
        json_array_append_new(params,
                              param("sort", "query", 0, json_pack("{s:s}", "type", "string"),
                                    "field name, '-field' for descending"));
        json_array_append_new(params, param("limit", "query", 0,
                                            json_pack("{s:s,s:i,s:i,s:i}", "type", "integer",
                                                      "minimum", 1, "maximum", 1000, "default", 50),
                                            "page size"));
        json_array_append_new(params,
                              param("cursor", "query", 0, json_pack("{s:s}", "type", "string"),
                                    "next_cursor of the previous page"));
        json_array_append_new(params, param("format", "query", 0,
                                            json_pack("{s:s,s:[sss],s:s}", "type", "string", "enum",
                                                      "json", "csv", "xlsx", "default", "json"),
                                            "csv: UTF-8 with BOM; xlsx: Excel workbook; both with "
                                            "Chinese headers and every matching row"));
        if (ri->res)
            for (int i = 0; i < ri->res->nfields; i++)
                if ((ri->res->fields[i].flags & EG_FF_FILTER) &&
                    !(ri->res->fields[i].flags & EG_FF_SECRET) &&
                    !spec_has(sp, ri->res->fields[i].name))
                    json_array_append_new(params, param(ri->res->fields[i].name, "query", 0,
                                                        field_schema(&ri->res->fields[i]),
                                                        "equality filter"));
        for (const struct eg_registry_xfilter *x = ri->res ? eg_registry_extra_filters(ri->res)
                                                           : NULL;
             x && x->name; x++) {
            char d[256];
            snprintf(d, sizeof d, "%s · %s", x->label_zh, x->description_en);
            json_t *pj =
                param(x->name, "query", 0,
                      !strcmp(x->name, "unit_id") ? json_pack("{s:s,s:s,s:i}", "type", "integer",
                                                              "format", "int64", "minimum", 1)
                                                  : json_pack("{s:s}", "type", "string"),
                      d);
            json_object_set_new(pj, "x-description-zh", json_string(x->label_zh));
            json_object_set_new(pj, "x-description-en", json_string(x->description_en));
            json_array_append_new(params, pj);
        }
    }
    if ((ri->flags & EG_ROUTE_BODY_CSV) && !spec_has(sp, "dry_run"))
        json_array_append_new(params,
                              param("dry_run", "query", 0, json_pack("{s:s}", "type", "boolean"),
                                    "validate and report rejected rows without writing"));
    if (json_array_size(params))
        json_object_set_new(op, "parameters", params);
    else
        json_decref(params);

    if (sp && sp->body_schema) {
        json_t *schema = json_loads(sp->body_schema, 0, NULL);
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b,s:o}", "required", 1, "content",
                                      json_content(schema ? schema : json_object())));
    } else if (ri->flags & EG_ROUTE_BODY_JSON) {
        json_t *schema = ri->res ? ref(ri->res->name) : NULL;
        if (!schema && strstr(ri->pattern, "login"))
            schema = json_pack("{s:s,s:{s:{s:s},s:{s:s,s:s}},s:[ss],s:b}", "type", "object",
                               "properties", "username", "type", "string", "password", "type",
                               "string", "format", "password", "required", "username", "password",
                               "additionalProperties", 0);
        if (!schema)
            schema = json_pack("{s:s}", "type", "object");
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b,s:o}", "required", 1, "content", json_content(schema)));
    } else if (ri->flags & EG_ROUTE_BODY_CSV) {
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b,s:{s:{s:{s:s}}}}", "required", 1, "content", "text/csv",
                                      "schema", "type", "string"));
    }

    /* success */
    json_t *ok;
    const char *okstatus = "200";
    if (sp && sp->answer_schema) {
        json_t *schema = json_loads(sp->answer_schema, 0, NULL);
        char st[8];
        snprintf(st, sizeof st, "%d", sp->status ? sp->status : 200);
        json_t *content = json_content(schema ? schema : json_object());
        if (ri->flags & EG_ROUTE_LIST) {
            json_object_set_new(content, "text/csv",
                                json_pack("{s:{s:s}}", "schema", "type", "string"));
            json_object_set_new(
                content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                json_pack("{s:{s:s,s:s}}", "schema", "type", "string", "format", "binary"));
        }
        ok = json_pack("{s:s,s:o}", "description", "ok", "content", content);
        json_object_set_new(responses, st, ok);
        ok = NULL;
    } else if (!strcmp(ri->method, "DELETE") || strstr(ri->pattern, "logout")) {
        okstatus = "204";
        ok = json_pack("{s:s}", "description", "done");
    } else if (ri->flags & EG_ROUTE_LIST) {
        json_t *items = ri->res ? ref(ri->res->name) : json_pack("{s:s}", "type", "object");
        json_t *page = json_pack("{s:s,s:{s:{s:s,s:o},s:{s:s,s:b}}}", "type", "object",
                                 "properties", "items", "type", "array", "items", items,
                                 "next_cursor", "type", "string", "nullable", 1);
        json_t *content = json_content(page);
        json_object_set_new(content, "text/csv",
                            json_pack("{s:{s:s}}", "schema", "type", "string"));
        json_object_set_new(
            content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            json_pack("{s:{s:s,s:s}}", "schema", "type", "string", "format", "binary"));
        ok = json_pack("{s:s,s:o}", "description", "a page of records", "content", content);
    } else {
        if (!strcmp(ri->method, "POST") && ri->res && (ri->flags & EG_ROUTE_BODY_JSON))
            okstatus = "201";
        json_t *schema = ri->res && !(ri->flags & EG_ROUTE_BODY_CSV)
                             ? ref(ri->res->name)
                             : json_pack("{s:s}", "type", "object");
        if (!strcmp(ri->pattern, "/metrics"))
            ok = json_pack("{s:s,s:{s:{s:{s:s}}}}", "description", "Prometheus text format 0.0.4",
                           "content", "text/plain", "schema", "type", "string");
        else
            ok = json_pack("{s:s,s:o}", "description", "ok", "content", json_content(schema));
        if (!strcmp(ri->pattern, "/metrics"))
            json_decref(schema);
    }
    if (ok)
        json_object_set_new(responses, okstatus, ok);
    if (sp && sp->params && sp->params->name && !(ri->flags & EG_ROUTE_LIST) &&
        !(ri->flags & (EG_ROUTE_BODY_JSON | EG_ROUTE_BODY_CSV)))
        add_error(responses, "400",
                  "a query parameter is unknown, missing or of the wrong type (the message says "
                  "which and what it must be)");
    if (ri->flags & (EG_ROUTE_BODY_JSON | EG_ROUTE_BODY_CSV | EG_ROUTE_LIST)) {
        add_error(responses, "400",
                  "malformed request: bad JSON, wrong type, unknown field or "
                  "query parameter");
        add_error(responses, "413", "body over the configured limit");
    }
    if (ri->flags & (EG_ROUTE_BODY_JSON | EG_ROUTE_BODY_CSV))
        add_error(responses, "422", "a value is not acceptable (e.g. a credit code)");
    if (!(ri->flags & EG_ROUTE_NO_DB)) {
        add_error(responses, "401", "login required, or the token is unknown or expired");
        if (ri->res)
            add_error(responses, "403", "outside the caller's scope");
    }
    if (strchr(ri->pattern, '{'))
        add_error(responses, "404", "no such record");
    if (ri->res && (ri->flags & (EG_ROUTE_BODY_JSON | EG_ROUTE_BODY_CSV)))
        add_error(responses, "409", "duplicate code or number");
    if (strstr(ri->pattern, "login"))
        add_error(responses, "429", "too many failed logins; retry later");
    add_error(responses, "500", "server failure (details in the server log)");
    json_object_set_new(op, "responses", responses);
    if (ri->res && !(ri->flags & EG_ROUTE_BODY_CSV)) {
        /* who may call it at all (the registry's role policy; row scope applies on top) */
        enum eg_action act = !strcmp(ri->method, "GET")      ? EG_ACT_READ
                             : !strcmp(ri->method, "POST")   ? EG_ACT_CREATE
                             : !strcmp(ri->method, "DELETE") ? EG_ACT_DELETE
                                                             : EG_ACT_UPDATE;
        static const enum eg_role roles[] = {EG_ROLE_ANON,   EG_ROLE_ADMIN,      EG_ROLE_BUREAU,
                                             EG_ROLE_STREET, EG_ROLE_ENTERPRISE, EG_ROLE_STEWARD};
        json_t *who = json_array();
        for (size_t i = 0; i < EG_ARRAY_LEN(roles); i++) {
            struct eg_principal p = {.role = roles[i]};
            if (eg_registry_allowed(&p, ri->res, act) == 0)
                json_array_append_new(
                    who,
                    json_string(roles[i] == EG_ROLE_ANON ? "anonymous" : eg_role_name(roles[i])));
        }
        json_object_set_new(op, "x-roles", who);
    }
    if (ri->flags & EG_ROUTE_AUTH)
        json_object_set_new(op, "security", json_pack("[{s:[]}]", "bearer"));
    else if (!(ri->flags & EG_ROUTE_NO_DB))
        json_object_set_new(op, "security", json_pack("[{},{s:[]}]", "bearer"));
    return op;
}

json_t *eg_http_openapi(const struct eg_http_server *srv)
{
    json_t *paths = json_object(), *schemas = json_object();
    json_object_set_new(schemas, "Error",
                        json_pack("{s:s,s:{s:{s:s,s:{s:{s:s},s:{s:s}},s:[ss]}},s:[s]}", "type",
                                  "object", "properties", "error", "type", "object", "properties",
                                  "code", "type", "string", "message", "type", "string", "required",
                                  "code", "message", "required", "error"));
    for (const struct eg_resource *const *r = eg_registry_resources; *r; r++)
        json_object_set_new(schemas, (*r)->name, resource_schema(*r));
    int n = eg__http_server_route_count(srv);
    for (int i = 0; i < n; i++) {
        struct eg__http_route_info ri;
        eg__http_server_route_info(srv, i, &ri);
        json_t *item = json_object_get(paths, ri.pattern);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, ri.pattern, item);
        }
        char m[16];
        size_t k = 0;
        for (; ri.method[k] && k + 1 < sizeof m; k++)
            m[k] = (char)tolower((unsigned char)ri.method[k]);
        m[k] = '\0';
        json_object_set_new(item, m, operation(&ri, eg_http_route_spec_of(srv, i)));
    }
    return json_pack("{s:s,s:{s:s,s:s,s:s},s:o,s:{s:o,s:{s:{s:s,s:s}}}}", "openapi", "3.0.3",
                     "info", "title", "envgov API", "version", EG_VERSION, "description",
                     "The registry (一企一档) and governance API of envgov. Errors are "
                     "{\"error\":{\"code\",\"message\"}}.",
                     "paths", paths, "components", "schemas", schemas, "securitySchemes", "bearer",
                     "type", "http", "scheme", "bearer");
}
