/*
 * api_flow.c: the HTTP face of the workflow engine (flow/flow.h), generic over the record kinds
 * of the table below — 三监联动 tasks now; complaints, cases, pilot applications get the same
 * routes by adding their kind there:
 *
 *   GET  /api/v1/<kinds>                         list: state, region, unit_id, overdue, open,
 *                                                q, from, to, limit, cursor, format=csv|xlsx
 *   POST /api/v1/<kinds>                         raise one (201 + Location)
 *   GET  /api/v1/<kinds>/{id}                    one, with "actions" the caller may take now
 *   POST /api/v1/<kinds>/{id}/{action}           take a transition (receive, feed_back, close…)
 *   GET  /api/v1/<kinds>/{id}/history            transitions and comments in time order
 *   POST /api/v1/<kinds>/{id}/comments           {"text": "…"} (201)
 *   POST /api/v1/<kinds>/{id}/attachments?name=  the file as the raw body (201)
 *   GET  /api/v1/<kinds>/{id}/attachments/{aid}  the file's bytes
 *
 * Every route needs a login; who sees and may do what is the engine's decision (its scope and
 * the kind's roles), answered 404 for what the caller cannot see. An attachment's type is read
 * from its bytes by the engine: the request's Content-Type is ignored, and its size is refused
 * on the Content-Length header (413) before the body is read (EG_ROUTE_BODY_FILE).
 */
#include "govern/govern.h"
#include "http/http_internal.h"
#include "tasks/tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT_PAGE 1000
#define EXPORT_MAX_ROWS 200000

_Static_assert(EG_HTTP_FILE_LIMIT == EG_FLOW_MAX_ATTACHMENT,
               "the HTTP file limit is the engine's attachment limit");

/* The kinds served: URL segment (plural) and the kind. */
static const struct {
    const char *path;
    const struct eg_flow_kind *kind;
    const char *create_example; /* a raise that works on the demo data (the documentation) */
} kinds[] = {
    {"tasks", &eg_task_kind,
     "{\"title\":\"排放口颗粒物超标核查\",\"task_type\":\"supervision\",\"origin\":"
     "\"person\",\"unit_id\":1,\"description\":\"在线监测小时均值超过许可限值\"}"},
    {"credit_repairs", &eg_credit_repair_kind, NULL},
    {"cases", &eg_case_kind,
     "{\"title\":\"超标排放大气污染物\",\"unit_id\":1,\"origin\":\"alert\",\"violation\":"
     "\"air_exceedance\",\"violation_date\":\"2024-05-01\"}"},
};

/* The kind of the request, from its path "/api/v1/<kinds>/…". */
static const struct eg_flow_kind *kind_of(struct eg_http_req *rq, const char **path)
{
    const char *p = eg_http_path(rq);
    const char *prefix = "/api/v1/";
    if (strncmp(p, prefix, strlen(prefix)))
        return NULL;
    p += strlen(prefix);
    size_t n = strcspn(p, "/");
    for (size_t i = 0; i < EG_ARRAY_LEN(kinds); i++)
        if (strlen(kinds[i].path) == n && !memcmp(kinds[i].path, p, n)) {
            if (path)
                *path = kinds[i].path;
            return kinds[i].kind;
        }
    return NULL;
}

static int no_kind(struct eg_http_req *rq)
{
    return eg_err_set(eg_http_err(rq), EG_ENOTFOUND, "not_found", -1, "no such resource");
}

/* ---- list ---- */

static int flag_arg(struct eg_http_req *rq, const char *name, int *out)
{
    const char *v = eg_http_query(rq, name);
    *out = 0;
    if (!v)
        return 0;
    if (!strcmp(v, "1") || !strcmp(v, "true"))
        *out = 1;
    else if (strcmp(v, "0") && strcmp(v, "false"))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_filter", -1,
                          "%s must be 1, 0, true or false", name);
    return 0;
}

static int time_arg(struct eg_http_req *rq, const char *name, int end, int64_t *out)
{
    const char *v = eg_http_query(rq, name);
    *out = 0;
    if (!v)
        return 0;
    if (eg_time_parse_beijing(v, strlen(v), out))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_filter", -1,
                          "%s must be a Beijing time YYYY-MM-DD[ HH:MM[:SS]]", name);
    if (end && strlen(v) == 10)
        *out += 86399; /* a date alone as the end: the whole day */
    return 0;
}

/* The export columns: the common ones, then the kind's own fields. */
static int columns(const struct eg_flow_kind *kind, struct eg_http_column *cols, int cap)
{
    static const struct eg_http_column common[] = {
        {"id", "编号", NULL, NULL, EG_HTTP_COL_AUTO},
        {"title", "标题", NULL, NULL, EG_HTTP_COL_AUTO},
        {"state_zh", "状态", NULL, NULL, EG_HTTP_COL_AUTO},
        {"unit_name", "对象单位", NULL, NULL, EG_HTTP_COL_AUTO},
        {"region_name", "所属区域", NULL, NULL, EG_HTTP_COL_AUTO},
        {"to_unit_name", "承办单位", NULL, NULL, EG_HTTP_COL_AUTO},
        {"to_region_name", "承办街镇", NULL, NULL, EG_HTTP_COL_AUTO},
        {"due_at", "办理期限（北京时间）", NULL, NULL, EG_HTTP_COL_TIME},
        {"overdue_zh", "是否逾期", NULL, NULL, EG_HTTP_COL_AUTO},
        {"created_at", "发起时间（北京时间）", NULL, NULL, EG_HTTP_COL_TIME},
        {"created_by", "发起人", NULL, NULL, EG_HTTP_COL_AUTO},
        {"updated_at", "更新时间（北京时间）", NULL, NULL, EG_HTTP_COL_TIME},
    };
    int n = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(common) && n < cap; i++)
        cols[n++] = common[i];
    for (int i = 0; i < kind->nfields && n < cap; i++) {
        const struct eg_field *f = &kind->fields[i];
        cols[n++] = (struct eg_http_column){
            f->name, f->label_zh, f->type == EG_FT_ENUM ? f->enum_values : NULL,
            f->type == EG_FT_ENUM ? f->enum_zh : NULL,
            (f->flags & EG_FF_TIME) ? EG_HTTP_COL_TIME : EG_HTTP_COL_AUTO};
    }
    return n;
}

static int h_list(struct eg_http_req *rq)
{
    const struct eg_flow_kind *kind = kind_of(rq, NULL);
    if (!kind)
        return no_kind(rq);
    int fmt, rc;
    if ((rc = eg_http_format(rq, &fmt)))
        return rc;
    struct eg_flow_query q = {0};
    q.state = eg_http_query(rq, "state");
    q.region = eg_http_query(rq, "region");
    q.q = eg_http_query(rq, "q");
    q.cursor = eg_http_query(rq, "cursor");
    const char *unit = eg_http_query(rq, "unit_id");
    if (unit && (eg_parse_int64(unit, strlen(unit), &q.unit_id) || q.unit_id <= 0))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_filter", -1,
                          "unit_id must be a unit's id (a positive integer)");
    /* a reference field the kind marks as a filter (a case's permit_id: 一证式) */
    for (int i = 0; i < kind->nfields && !q.field; i++) {
        const struct eg_field *f = &kind->fields[i];
        const char *v =
            (f->flags & EG_FF_FILTER) && f->type == EG_FT_REF ? eg_http_query(rq, f->name) : NULL;
        if (v && (eg_parse_int64(v, strlen(v), &q.field_value) || q.field_value <= 0))
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_filter", -1,
                              "%s must be a positive id", f->name);
        if (v)
            q.field = f->name;
    }
    if ((rc = flag_arg(rq, "overdue", &q.overdue)) || (rc = flag_arg(rq, "open", &q.open)) ||
        (rc = time_arg(rq, "from", 0, &q.from)) || (rc = time_arg(rq, "to", 1, &q.to)))
        return rc;
    const char *lim = eg_http_query(rq, "limit");
    int64_t limit = 50;
    if (lim && (eg_parse_int64(lim, strlen(lim), &limit) || limit < 1 || limit > 1000))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_limit", -1,
                          "limit must be an integer from 1 to 1000");
    /* an export without an explicit limit is the whole list, every page in order */
    int all = fmt != EG_HTTP_FMT_JSON && !lim;
    q.limit = all ? EXPORT_PAGE : (int)limit;
    struct eg_db *db;
    if ((rc = eg_http_store(rq, &db)))
        return rc;
    json_t *items = NULL;
    char *next = NULL;
    const struct eg_principal *who = eg_http_principal(rq);
    rc = eg_flow_list(db, kind, who, &q, &items, &next, eg_http_err(rq));
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
        rc = eg_flow_list(db, kind, who, &q, &more, &next, eg_http_err(rq));
        free(cur);
        if (!rc)
            json_array_extend(items, more);
        json_decref(more);
    }
    if (rc) {
        /* a filter the engine refuses (an unknown state, a bad cursor) is a malformed query */
        struct eg_err *e = eg_http_err(rq);
        if (rc == EG_EINVAL && strcmp(e->code, "limit") && strcmp(e->code, "cursor"))
            snprintf(e->code, sizeof e->code, "bad_filter");
        json_decref(items);
        free(next);
        return rc;
    }
    size_t i;
    json_t *row;
    json_array_foreach(items, i, row)
    {
        json_object_set_new(
            row, "overdue_zh",
            json_string(json_is_true(json_object_get(row, "overdue")) ? "是" : "否"));
    }
    struct eg_http_column cols[64];
    int ncols = columns(kind, cols, (int)EG_ARRAY_LEN(cols));
    const char *path = NULL;
    kind_of(rq, &path);
    rc = eg_http_reply_list(rq, kind->label_zh, path, cols, ncols, items, next);
    free(next);
    return rc;
}

/* ---- one record ---- */

static int h_create(struct eg_http_req *rq)
{
    const char *path = NULL;
    const struct eg_flow_kind *kind = kind_of(rq, &path);
    if (!kind)
        return no_kind(rq);
    json_t *body, *rec = NULL;
    struct eg_db *db;
    int rc = eg_http_body_json(rq, &body);
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_flow_create(db, kind, eg_http_principal(rq), body, &rec, eg_http_err(rq));
    if (rc)
        return rc;
    char loc[128];
    snprintf(loc, sizeof loc, "/api/v1/%s/%lld", path,
             (long long)json_integer_value(json_object_get(rec, "id")));
    eg_http_reply_json(rq, 201, rec);
    return eg_http_add_header(rq, "Location", loc);
}

static int h_get(struct eg_http_req *rq)
{
    const struct eg_flow_kind *kind = kind_of(rq, NULL);
    if (!kind)
        return no_kind(rq);
    int64_t id;
    struct eg_db *db;
    json_t *rec = NULL;
    int rc = eg_http_param_id(rq, "id", &id);
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_flow_get(db, kind, eg_http_principal(rq), id, &rec, eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 200, rec);
}

static int h_act(struct eg_http_req *rq)
{
    const struct eg_flow_kind *kind = kind_of(rq, NULL);
    if (!kind)
        return no_kind(rq);
    int64_t id;
    struct eg_db *db;
    json_t *body = NULL, *rec = NULL;
    size_t len = 0;
    int rc = eg_http_param_id(rq, "id", &id);
    const char *action = eg_http_param(rq, "action");
    eg_http_body(rq, &len);
    if (!rc && len) /* an action without input may come without a body */
        rc = eg_http_body_json(rq, &body);
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_flow_act(db, kind, eg_http_principal(rq), id, action, body, &rec, eg_http_err(rq));
    if (rc == EG_EINVAL && !strcmp(eg_http_err(rq)->code, "action"))
        eg_http_err(rq)->status = rc = EG_ENOTFOUND; /* no such action: no such URL */
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 200, rec);
}

static int h_history(struct eg_http_req *rq)
{
    const struct eg_flow_kind *kind = kind_of(rq, NULL);
    if (!kind)
        return no_kind(rq);
    int64_t id;
    struct eg_db *db;
    json_t *h = NULL;
    int rc = eg_http_param_id(rq, "id", &id);
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_flow_history(db, kind, eg_http_principal(rq), id, &h, eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:o}", "items", h));
}

static int h_comment(struct eg_http_req *rq)
{
    const struct eg_flow_kind *kind = kind_of(rq, NULL);
    if (!kind)
        return no_kind(rq);
    int64_t id;
    struct eg_db *db;
    json_t *body;
    int rc = eg_http_param_id(rq, "id", &id);
    if (!rc)
        rc = eg_http_body_json(rq, &body);
    if (!rc) {
        const char *k;
        json_t *v;
        json_object_foreach(body, k, v)
        {
            if (strcmp(k, "text"))
                return eg_err_set(eg_http_err(rq), EG_EINVAL, "unknown_field", -1,
                                  "a comment is {\"text\": \"…\"} and nothing else");
        }
        json_t *t = json_object_get(body, "text");
        if (!json_is_string(t))
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_type", -1,
                              "text must be a string: the comment");
        if (strlen(json_string_value(t)) != json_string_length(t))
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "comment", -1,
                              "the comment holds a NUL character: plain text only");
        rc = eg_http_store(rq, &db);
        if (!rc)
            rc = eg_flow_comment(db, kind, eg_http_principal(rq), id, json_string_value(t),
                                 eg_http_err(rq));
    }
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 201, json_pack("{s:b}", "ok", 1));
}

static int h_attach(struct eg_http_req *rq)
{
    const struct eg_flow_kind *kind = kind_of(rq, NULL);
    if (!kind)
        return no_kind(rq);
    int64_t id;
    struct eg_db *db;
    size_t len = 0;
    int rc = eg_http_param_id(rq, "id", &id);
    const char *data = eg_http_body(rq, &len);
    json_t *out = NULL;
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_flow_attach(db, kind, eg_http_principal(rq), id, eg_http_query(rq, "name"), data,
                            len, &out, eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 201, out);
}

static int h_attachment(struct eg_http_req *rq)
{
    const struct eg_flow_kind *kind = kind_of(rq, NULL);
    if (!kind)
        return no_kind(rq);
    int64_t id, aid;
    struct eg_db *db;
    void *data = NULL;
    size_t len = 0;
    char type[64];
    int rc = eg_http_param_id(rq, "id", &id);
    if (!rc)
        rc = eg_http_param_id(rq, "aid", &aid);
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_flow_attachment_read(db, kind, eg_http_principal(rq), id, aid, &data, &len, type,
                                     eg_http_err(rq));
    if (rc)
        return rc;
    /* the type the engine detected, never sniffed again by the browser, never shown inline */
    rc = eg_http_reply_raw(rq, 200, type, data, len);
    free(data);
    char disp[64];
    snprintf(disp, sizeof disp, "attachment; filename=\"attachment-%lld\"", (long long)aid);
    eg_http_add_header(rq, "X-Content-Type-Options", "nosniff");
    eg_http_add_header(rq, "Content-Disposition", disp);
    return rc;
}

/* ---- the routes, documented (parameters, bodies, access) ---- */

/* A route spec built at registration (per kind and operation), freed with the server. */
struct built {
    struct eg_http_route_spec spec;
    struct eg_http_param_spec params[12];
    char pattern[128], summary[256], summary_zh[192], access[320];
    char enums[1024];  /* the kind's states or actions, "a|b|c" */
    char schema[4096]; /* the body's JSON Schema */
};

static const struct eg_http_param_spec id_param = {.name = "id",
                                                   .in = EG_PIN_PATH,
                                                   .type = EG_PT_ID,
                                                   .description_zh = "记录编号",
                                                   .description_en = "record id",
                                                   .example = "1"};

/* "a|b|c" of the kind's state names (states) or distinct action names (!states). */
static void kind_enum(const struct eg_flow_kind *kind, int states, char *out, size_t cap)
{
    struct eg_buf b = {0};
    if (states) {
        for (int i = 0; i < kind->nstates; i++)
            eg_buf_printf(&b, "%s%s", i ? "|" : "", kind->states[i].name);
    } else {
        for (int i = 0; i < kind->ntransitions; i++) {
            int seen = 0;
            for (int j = 0; j < i && !seen; j++)
                seen = !strcmp(kind->transitions[j].action, kind->transitions[i].action);
            if (!seen)
                eg_buf_printf(&b, "%s%s", b.len ? "|" : "", kind->transitions[i].action);
        }
    }
    eg_buf_append(&b, "", 1);
    snprintf(out, cap, "%s", b.data);
    eg_buf_free(&b);
}

static json_t *field_schema(const struct eg_field *f)
{
    static const char *const types[] = {"string", "integer", "number", "boolean",
                                        "string", "string",  "integer"};
    json_t *o = json_pack("{s:s, s:s}", "type", types[f->type], "description",
                          f->label_zh ? f->label_zh : f->name);
    if (f->type == EG_FT_TEXT)
        json_object_set_new(o, "maxLength", json_integer(f->max_len > 0 ? f->max_len : 256));
    if (f->type == EG_FT_DATE)
        json_object_set_new(o, "format", json_string("date"));
    if (f->type == EG_FT_ENUM) {
        json_t *e = json_array();
        for (const char *p = f->enum_values; p && *p;) {
            const char *bar = strchr(p, '|');
            size_t n = bar ? (size_t)(bar - p) : strlen(p);
            json_array_append_new(e, json_stringn(p, n));
            p = bar ? bar + 1 : NULL;
        }
        json_object_set_new(o, "enum", e);
    }
    return o;
}

/* The JSON Schema of a raise: the common fields and the kind's writable ones, with example. */
static void create_schema(const struct eg_flow_kind *kind, const char *example, char *out,
                          size_t cap)
{
    json_t *props = json_pack(
        "{s:{s:s,s:i,s:s}, s:{s:s,s:s}, s:{s:s,s:s}, s:{s:s,s:s}, s:{s:s,s:s}, s:{s:s,s:s}}",
        "title", "type", "string", "maxLength", 200, "description", "标题", "unit_id", "type",
        "integer", "description", "对象单位 (units.id)", "region_id", "type", "integer",
        "description", "所属街镇或网格 (regions.id; default: the unit's)", "to_unit_id", "type",
        "integer", "description", "承办单位 (units.id)", "to_region_id", "type", "integer",
        "description", "承办街镇 (regions.id)", "due_at", "type", "string", "description",
        "办理期限: Beijing time YYYY-MM-DD[ HH:MM] (a date: its end) or UTC seconds");
    json_t *req = json_pack("[s]", "title");
    for (int i = 0; i < kind->nfields; i++) {
        const struct eg_field *f = &kind->fields[i];
        if (f->flags & EG_FF_READONLY)
            continue;
        json_object_set_new(props, f->name, field_schema(f));
        if (f->flags & EG_FF_REQUIRED)
            json_array_append_new(req, json_string(f->name));
    }
    json_t *s = json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", props, "required",
                          req, "additionalProperties", 0);
    json_t *ex = example ? json_loads(example, 0, NULL) : NULL;
    if (ex)
        json_object_set_new(s, "example", ex);
    char *d = json_dumps(s, JSON_COMPACT);
    snprintf(out, cap, "%s", d ? d : "{}");
    free(d);
    json_decref(s);
}

static const char act_schema[] =
    "{\"type\":\"object\",\"properties\":{\"version\":{\"type\":\"integer\",\"description\":"
    "\"the version the record was read with: refused (409) when it changed since\"},\"reason\":{"
    "\"type\":\"string\",\"maxLength\":8192,\"description\":\"why (理由): rejection, return, "
    "cancel\"},\"feedback\":{\"type\":\"object\",\"required\":[\"finding\",\"measure\","
    "\"result\"],\"properties\":{\"finding\":{\"type\":\"string\",\"description\":\"发现问题\"},"
    "\"measure\":{\"type\":\"string\",\"description\":\"采取措施\"},\"result\":{\"type\":"
    "\"string\",\"description\":\"处理结果\"}}},\"to_unit_id\":{\"type\":\"integer\"},"
    "\"to_region_id\":{\"type\":\"integer\"},\"due_at\":{\"type\":\"string\"},\"note\":{\"type\":"
    "\"string\",\"maxLength\":8192}},\"example\":{\"note\":\"已接收，安排现场核查\"}}";

static const char comment_schema[] =
    "{\"type\":\"object\",\"required\":[\"text\"],\"additionalProperties\":false,\"properties\":{"
    "\"text\":{\"type\":\"string\",\"maxLength\":8192,\"description\":\"备注\"}},\"example\":{"
    "\"text\":\"已电话联系企业，约定明日现场核查\"}}";

#define RECORD_SCHEMA                                                                              \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"kind\":{\"type\":"       \
    "\"string\"},\"state\":{\"type\":\"string\"},\"state_zh\":{\"type\":\"string\"},\"title\":{"   \
    "\"type\":\"string\"},\"unit_id\":{\"type\":\"integer\",\"nullable\":true},\"region_id\":{"    \
    "\"type\":\"integer\",\"nullable\":true},\"to_unit_id\":{\"type\":\"integer\",\"nullable\":"   \
    "true},\"to_region_id\":{\"type\":\"integer\",\"nullable\":true},\"due_at\":{\"type\":"        \
    "\"string\",\"nullable\":true,\"description\":\"Beijing time\"},\"overdue\":{\"type\":"        \
    "\"boolean\"},\"version\":{\"type\":\"integer\"},\"actions\":{\"type\":\"array\",\"items\":{"  \
    "\"type\":\"object\",\"properties\":{\"action\":{\"type\":\"string\"},\"label_zh\":{\"type\":" \
    "\"string\"},\"needs\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}}}}"

static const char record_answer[] = RECORD_SCHEMA;
static const char list_answer[] =
    "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" RECORD_SCHEMA
    "},\"next_cursor\":{\"type\":\"string\",\"nullable\":true}}}";
static const char history_answer[] =
    "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"object\",\"properties\":{\"at\":{\"type\":\"string\"},\"by\":{\"type\":\"string\"},"
    "\"role\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\",\"enum\":[\"transition\","
    "\"comment\"]},\"action\":{\"type\":\"string\"},\"from\":{\"type\":\"string\","
    "\"nullable\":true},\"to\":{\"type\":\"string\"},\"text\":{\"type\":\"object\"}}}}}}";
static const char comment_answer[] =
    "{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"}}}";
static const char attachment_answer[] =
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"sha256\":{\"type\":"
    "\"string\"},\"size\":{\"type\":\"integer\"},\"type\":{\"type\":\"string\"},\"name\":{"
    "\"type\":\"string\"},\"at\":{\"type\":\"string\"},\"by\":{\"type\":\"string\"}}}";
static const char file_answer[] = "{\"type\":\"string\",\"format\":\"binary\"}";

static const char access_read[] =
    "logged in; admin and bureau: every record; street: its region and the grids under it "
    "(subject or receiving street); enterprise: records addressed to its unit; steward: "
    "records addressed to its contracted units. Others answer 404.";

static int add(struct eg_http_server *srv, const struct eg_flow_kind *kind, const char *path,
               const char *method, const char *tail, eg_http_handler fn, unsigned flags,
               const char *summary, const char *zh, int status, const char *answer)
{
    struct built *b = eg_calloc(1, sizeof *b);
    snprintf(b->pattern, sizeof b->pattern, "/api/v1/%s%s", path, tail);
    snprintf(b->summary, sizeof b->summary, "%s (%s: %s)", summary, path, kind->name);
    snprintf(b->summary_zh, sizeof b->summary_zh, "%s%s", kind->label_zh, zh);
    snprintf(b->access, sizeof b->access, "%s", access_read);
    b->spec = (struct eg_http_route_spec){.method = method,
                                          .pattern = b->pattern,
                                          .fn = fn,
                                          .flags = flags,
                                          .summary = b->summary,
                                          .summary_zh = b->summary_zh,
                                          .params = b->params,
                                          .access = b->access,
                                          .answer_schema = answer,
                                          .status = status};
    int np = 0;
    if (strstr(tail, "{id}"))
        b->params[np++] = id_param;
    if (strstr(tail, "{aid}")) {
        b->params[np] = id_param;
        b->params[np].name = "aid";
        b->params[np++].description_zh = "附件编号";
    }
    if (strstr(tail, "{action}")) {
        kind_enum(kind, 0, b->enums, sizeof b->enums);
        b->params[np++] = (struct eg_http_param_spec){
            .name = "action",
            .in = EG_PIN_PATH,
            .type = EG_PT_ENUM,
            .enum_values = b->enums,
            .description_zh = "操作 (记录的 actions 列出当前可做的)",
            .description_en = "the action; the record's \"actions\" list those possible now",
            .example = kind->transitions[0].action};
        b->spec.body_schema = act_schema;
    }
    if (flags & EG_ROUTE_LIST) {
        kind_enum(kind, 1, b->enums, sizeof b->enums);
        const struct eg_http_param_spec list[] = {
            {.name = "state",
             .type = EG_PT_ENUM,
             .enum_values = b->enums,
             .description_zh = "状态",
             .description_en = "state"},
            {.name = "region",
             .type = EG_PT_STRING,
             .description_zh = "区域代码: 该区域及其下级网格",
             .description_en = "region code: that region and the ones below it",
             .max_len = 31},
            {.name = "unit_id",
             .type = EG_PT_ID,
             .description_zh = "对象或承办单位",
             .description_en = "the subject or receiving unit"},
            {.name = "overdue",
             .type = EG_PT_BOOL,
             .description_zh = "只列逾期",
             .description_en = "only records past their deadline"},
            {.name = "open",
             .type = EG_PT_BOOL,
             .description_zh = "只列未办结",
             .description_en = "only records not closed"},
            {.name = "q",
             .type = EG_PT_STRING,
             .description_zh = "标题、地点、内容中的文字",
             .description_en = "text in the title or the searched fields",
             .max_len = 200},
            {.name = "from",
             .type = EG_PT_TIME,
             .description_zh = "发起时间起 (北京时间)",
             .description_en = "raised at or after (Beijing time)"},
            {.name = "to",
             .type = EG_PT_TIME,
             .flags = EG_PF_RANGE_END,
             .description_zh = "发起时间止 (北京时间; 只给日期即含当天)",
             .description_en = "raised at or before (Beijing time; a date alone: that whole day)"},
            {.name = "limit",
             .type = EG_PT_INT,
             .description_zh = "每页条数",
             .description_en = "rows per page (an export without it: every row)",
             .dflt = "50",
             .min = 1,
             .max = 1000},
            {.name = "cursor",
             .type = EG_PT_STRING,
             .description_zh = "下一页 (上一页的 next_cursor)",
             .description_en = "the next page (next_cursor of the previous one)",
             .max_len = 24},
        };
        for (size_t i = 0; i < EG_ARRAY_LEN(list); i++)
            b->params[np++] = list[i];
        for (int i = 0; i < kind->nfields && np < (int)EG_ARRAY_LEN(b->params) - 1; i++)
            if ((kind->fields[i].flags & EG_FF_FILTER) && kind->fields[i].type == EG_FT_REF)
                b->params[np++] = (struct eg_http_param_spec){
                    .name = kind->fields[i].name,
                    .type = EG_PT_ID,
                    .description_zh = kind->fields[i].label_zh,
                    .description_en = "only the records filed against this one (一证式: a permit)"};
    }
    if (flags & EG_ROUTE_BODY_FILE)
        b->params[np++] = (struct eg_http_param_spec){
            .name = "name",
            .type = EG_PT_STRING,
            .description_zh = "文件名 (仅用于显示; 类型由内容判定)",
            .description_en = "the file's name, shown only (its type is read from its bytes)",
            .example = "photo.jpg",
            .max_len = 255};
    if (!strcmp(method, "POST") && !strcmp(tail, "")) {
        const char *ex = NULL;
        for (size_t i = 0; i < EG_ARRAY_LEN(kinds); i++)
            if (kinds[i].kind == kind)
                ex = kinds[i].create_example;
        create_schema(kind, ex, b->schema, sizeof b->schema);
        b->spec.body_schema = b->schema;
        snprintf(b->access, sizeof b->access,
                 "the roles that may raise a %s (the bureau; a street in its region), within "
                 "their scope",
                 kind->name);
    }
    if (!strcmp(tail, "/{id}/comments"))
        b->spec.body_schema = comment_schema;
    int rc = eg_http_route_add_spec(srv, &b->spec);
    if (rc)
        free(b);
    else
        eg__http_server_keep(srv, b);
    return rc;
}

int eg_http_api_flow_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(kinds); i++) {
        const struct eg_flow_kind *k = kinds[i].kind;
        const char *p = kinds[i].path;
        rc |= add(srv, k, p, "GET", "", h_list, EG_ROUTE_AUTH | EG_ROUTE_LIST,
                  "List in the caller's scope, newest first; csv/xlsx export", "列表", 0,
                  list_answer);
        rc |= add(srv, k, p, "POST", "", h_create, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON, "Raise one",
                  "发起", 201, record_answer);
        rc |= add(srv, k, p, "GET", "/{id}", h_get, EG_ROUTE_AUTH,
                  "One record, with the actions the caller may take now", "详情", 0, record_answer);
        rc |= add(srv, k, p, "POST", "/{id}/{action}", h_act, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
                  "Take an action (a transition): what it needs is in the record's actions",
                  "办理操作", 200, record_answer);
        rc |= add(srv, k, p, "GET", "/{id}/history", h_history, EG_ROUTE_AUTH,
                  "The history: transitions and comments in time order", "办理记录", 0,
                  history_answer);
        rc |=
            add(srv, k, p, "POST", "/{id}/comments", h_comment, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
                "Comment (changes no state)", "备注", 201, comment_answer);
        rc |= add(srv, k, p, "POST", "/{id}/attachments", h_attach,
                  EG_ROUTE_AUTH | EG_ROUTE_BODY_FILE,
                  "Attach a file: the raw body (at most 10 MiB), its type read from its bytes "
                  "(JPEG, PNG, WebP, PDF), never from its name or Content-Type",
                  "上传附件", 201, attachment_answer);
        rc |= add(srv, k, p, "GET", "/{id}/attachments/{aid}", h_attachment, EG_ROUTE_AUTH,
                  "An attachment's bytes, with the type detected when it was stored", "下载附件", 0,
                  file_answer);
    }
    return rc ? EG_EINVAL : 0;
}
