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
} kinds[] = {
    {"tasks", &eg_task_kind},
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

struct list_args {
    struct eg_http_req *rq;
    int rc;
};

static int check_arg(void *arg, const char *name, const char *value)
{
    struct list_args *a = arg;
    static const char *const known[] = {"state", "region", "unit_id", "overdue", "open",  "q",
                                        "from",  "to",     "limit",   "cursor",  "format"};
    for (size_t i = 0; i < EG_ARRAY_LEN(known); i++)
        if (!strcmp(name, known[i]))
            return 0;
    char shown[65];
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < sizeof shown; p++)
        shown[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
    shown[n] = '\0';
    a->rc = eg_err_set(eg_http_err(a->rq), EG_EINVAL, "unknown_filter", -1,
                       "unknown filter '%s': use state, region, unit_id, overdue, open, q, from, "
                       "to, limit, cursor, format",
                       shown);
    return 1;
}

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
        {"id", "编号", NULL, NULL},
        {"title", "标题", NULL, NULL},
        {"state_zh", "状态", NULL, NULL},
        {"unit_name", "对象单位", NULL, NULL},
        {"region_name", "所属区域", NULL, NULL},
        {"to_unit_name", "承办单位", NULL, NULL},
        {"to_region_name", "承办街镇", NULL, NULL},
        {"due_at", "办理期限（北京时间）", NULL, NULL},
        {"overdue_zh", "是否逾期", NULL, NULL},
        {"created_at", "发起时间（北京时间）", NULL, NULL},
        {"created_by", "发起人", NULL, NULL},
        {"updated_at", "更新时间（北京时间）", NULL, NULL},
    };
    int n = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(common) && n < cap; i++)
        cols[n++] = common[i];
    for (int i = 0; i < kind->nfields && n < cap; i++) {
        const struct eg_field *f = &kind->fields[i];
        cols[n++] = (struct eg_http_column){f->name, f->label_zh,
                                            f->type == EG_FT_ENUM ? f->enum_values : NULL,
                                            f->type == EG_FT_ENUM ? f->enum_zh : NULL};
    }
    return n;
}

static int h_list(struct eg_http_req *rq)
{
    const struct eg_flow_kind *kind = kind_of(rq, NULL);
    if (!kind)
        return no_kind(rq);
    struct list_args a = {.rq = rq};
    eg_http_query_each(rq, check_arg, &a);
    if (a.rc)
        return a.rc;
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

int eg_http_api_flow_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(kinds); i++) {
        const char *p = kinds[i].path, *zh = kinds[i].kind->label_zh;
        char pat[8][128], s[8][192];
        snprintf(pat[0], sizeof pat[0], "/api/v1/%s", p);
        snprintf(pat[1], sizeof pat[1], "/api/v1/%s/{id}", p);
        snprintf(pat[2], sizeof pat[2], "/api/v1/%s/{id}/{action}", p);
        snprintf(pat[3], sizeof pat[3], "/api/v1/%s/{id}/history", p);
        snprintf(pat[4], sizeof pat[4], "/api/v1/%s/{id}/comments", p);
        snprintf(pat[5], sizeof pat[5], "/api/v1/%s/{id}/attachments", p);
        snprintf(pat[6], sizeof pat[6], "/api/v1/%s/{id}/attachments/{aid}", p);
        snprintf(s[0], sizeof s[0],
                 "List %s (%s) in the caller's scope: state, region, unit_id, overdue, open, q, "
                 "from, to, limit, cursor, csv/xlsx export",
                 p, zh);
        snprintf(s[1], sizeof s[1], "Raise one of %s (%s)", p, zh);
        snprintf(s[2], sizeof s[2], "One of %s (%s), with the actions the caller may take", p, zh);
        snprintf(s[3], sizeof s[3],
                 "Take an action on one of %s (%s): the actions its \"actions\" list names", p, zh);
        snprintf(s[4], sizeof s[4], "The history of one of %s (%s): transitions and comments", p,
                 zh);
        snprintf(s[5], sizeof s[5], "Comment on one of %s (%s): {\"text\"}", p, zh);
        snprintf(s[6], sizeof s[6],
                 "Attach a file (raw body, ?name=; type read from its bytes) to one of %s (%s)", p,
                 zh);
        snprintf(s[7], sizeof s[7], "An attachment's bytes, of one of %s (%s)", p, zh);
        rc |= eg_http_route_add(srv, "GET", pat[0], h_list, EG_ROUTE_AUTH | EG_ROUTE_LIST, s[0],
                                NULL);
        rc |= eg_http_route_add(srv, "POST", pat[0], h_create, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
                                s[1], NULL);
        rc |= eg_http_route_add(srv, "GET", pat[1], h_get, EG_ROUTE_AUTH, s[2], NULL);
        rc |= eg_http_route_add(srv, "POST", pat[2], h_act, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
                                s[3], NULL);
        rc |= eg_http_route_add(srv, "GET", pat[3], h_history, EG_ROUTE_AUTH, s[4], NULL);
        rc |= eg_http_route_add(srv, "POST", pat[4], h_comment, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
                                s[5], NULL);
        rc |= eg_http_route_add(srv, "POST", pat[5], h_attach, EG_ROUTE_AUTH | EG_ROUTE_BODY_FILE,
                                s[6], NULL);
        rc |= eg_http_route_add(srv, "GET", pat[6], h_attachment, EG_ROUTE_AUTH, s[7], NULL);
    }
    return rc ? EG_EINVAL : 0;
}
