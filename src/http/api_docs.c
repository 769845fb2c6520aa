/*
 * api_docs.c: the API explains itself (issue 11 item 3).
 *
 *   GET /api/v1/ (and /api/v1)     an index of the API: every route with its method, summary in
 *                                  English and Chinese, who may call it, and where the documents
 * are GET /api/v1/docs               a human-readable API page: Swagger UI over
 * /api/v1/openapi.json GET /api/v1/docs/{file}        the page's files: the Swagger UI bundle and
 * stylesheet (from the npm package swagger-ui-dist that scripts/deps.sh installs with `npm ci` into
 * node_modules/), and the page's own script (data/web)
 *
 * Offline: nothing is fetched from another host. The renderer's files are read once, on the first
 * request for them, from the first of: $EG_WEB_DIR; node_modules/swagger-ui-dist beside the
 * binary's folder or its parent's (build/envgov, build/asan/envgov -> ./node_modules);
 * ./node_modules/swagger-ui-dist;
 * /usr/share/envgov/swagger-ui-dist. They are kept in memory with a gzip copy, and answered with
 * Content-Encoding: gzip when the client accepts it, an ETag (a 304 for If-None-Match) and
 * Cache-Control: public, max-age=86400 (the files-from-memory code of web.c). Only the files named
 * in the table below are served. When the renderer is not installed, /api/v1/docs says so and how
 * to install it (503), and still links the OpenAPI document.
 */
#include "http/http_internal.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the files */

struct asset {
    const char *name;  /* as requested under /api/v1/docs/ */
    const char *file;  /* in the renderer's folder, or NULL for an embedded one */
    const char *embed; /* data/ path of an embedded file */
    const char *ctype;
    struct eg__http_asset a; /* loaded (web.c) */
    int loaded;
};

static struct asset assets[] = {
    {.name = "swagger-ui-bundle.js",
     .file = "swagger-ui-bundle.js",
     .embed = NULL,
     .ctype = "application/javascript; charset=utf-8"},
    {.name = "swagger-ui.css",
     .file = "swagger-ui.css",
     .embed = NULL,
     .ctype = "text/css; charset=utf-8"},
    {.name = "favicon-32x32.png", .file = "favicon-32x32.png", .embed = NULL, .ctype = "image/png"},
    {.name = "favicon-16x16.png", .file = "favicon-16x16.png", .embed = NULL, .ctype = "image/png"},
    {.name = "init.js",
     .file = NULL,
     .embed = "web/apidocs-init.js",
     .ctype = "application/javascript; charset=utf-8"},
    {.name = "",
     .file = NULL,
     .embed = "web/apidocs.html",
     .ctype = "text/html; charset=utf-8"}, /* the page itself */
};

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char web_dir[PATH_MAX]; /* where the renderer was found, or "" */

static void load_all(void)
{
    eg__http_find_dir("EG_WEB_DIR", "node_modules/swagger-ui-dist",
                      "/usr/share/envgov/swagger-ui-dist", "swagger-ui-bundle.js", web_dir,
                      sizeof web_dir);
    for (size_t i = 0; i < EG_ARRAY_LEN(assets); i++) {
        struct asset *a = &assets[i];
        char *data;
        size_t len;
        if (a->embed) {
            const struct eg_embedded *e = eg_embedded_find(a->embed);
            if (!e)
                continue;
            data = eg_malloc(e->len + 1);
            memcpy(data, e->data, e->len);
            len = e->len;
        } else {
            char path[PATH_MAX + 64];
            if (!web_dir[0])
                continue;
            snprintf(path, sizeof path, "%s/%s", web_dir, a->file);
            if (eg__http_asset_read(path, &data, &len))
                continue;
        }
        eg__http_asset_set(&a->a, data, len, 1);
        a->loaded = 1;
    }
    if (!web_dir[0])
        eg_log(EG_LOG_WARN, "http: the API page's renderer (npm swagger-ui-dist) is not installed: "
                            "run scripts/deps.sh (npm ci) to serve /api/v1/docs");
}

static int serve(struct eg_http_req *rq, const struct asset *a)
{
    return eg__http_asset_reply(rq, &a->a, a->ctype,
                                a->file ? "public, max-age=86400" : "public, max-age=300");
}

static const struct asset *asset_named(const char *name)
{
    pthread_once(&load_once, load_all);
    for (size_t i = 0; i < EG_ARRAY_LEN(assets); i++)
        if (!strcmp(assets[i].name, name))
            return assets[i].loaded ? &assets[i] : NULL;
    return NULL;
}

static int h_page(struct eg_http_req *rq)
{
    const struct asset *a = asset_named("");
    if (!a || !asset_named("swagger-ui-bundle.js")) {
        static const char msg[] =
            "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>envgov API</title>"
            "<p>API 文档页面的渲染器未安装: 请在源码目录运行 <code>scripts/deps.sh</code> "
            "(npm ci 安装 swagger-ui-dist) 后重启服务。</p><p>The API page's renderer is not "
            "installed: run <code>scripts/deps.sh</code> (npm ci) in the source tree and "
            "restart. The API is described in <a href=\"/api/v1/openapi.json\">"
            "/api/v1/openapi.json</a> and indexed at <a href=\"/api/v1/\">/api/v1/</a>.</p>";
        return eg_http_reply_raw(rq, 503, "text/html; charset=utf-8", msg, sizeof msg - 1);
    }
    return serve(rq, a);
}

static int h_asset(struct eg_http_req *rq)
{
    const char *name = NULL;
    int rc = eg_http_arg_str(rq, "file", &name);
    if (rc < 0)
        return rc;
    const struct asset *a = name && *name ? asset_named(name) : NULL;
    if (!a)
        return eg_err_set(eg_http_err(rq), EG_ENOTFOUND, "not_found", -1,
                          "no file '%.64s' in the API page (see /api/v1/docs)", name ? name : "");
    return serve(rq, a);
}

/* ---------------------------------------------------------------- the index */

static int h_index(struct eg_http_req *rq)
{
    const struct eg_http_server *srv = eg_http_req_server(rq);
    json_t *routes = json_array();
    int n = eg_http_route_count(srv);
    for (int i = 0; i < n; i++) {
        struct eg__http_route_info ri;
        eg__http_server_route_info(srv, i, &ri);
        if (!strncmp(ri.pattern, "/api/v1/docs/", 13))
            continue; /* the page's files */
        const struct eg_http_route_spec *sp = eg_http_route_spec_of(srv, i);
        json_t *o =
            json_pack("{s:s,s:s,s:s,s:b}", "method", ri.method, "path", ri.pattern, "summary",
                      ri.summary, "login_required", (ri.flags & EG_ROUTE_AUTH) != 0);
        if (sp && sp->summary_zh)
            json_object_set_new(o, "summary_zh", json_string(sp->summary_zh));
        if (sp && sp->access)
            json_object_set_new(o, "access", json_string(sp->access));
        json_t *params = json_array();
        for (const struct eg_http_param_spec *p = sp ? sp->params : NULL; p && p->name; p++)
            if (p->in == EG_PIN_QUERY)
                json_array_append_new(params, json_string(p->name));
        if (ri.flags & EG_ROUTE_LIST)
            json_array_append_new(params, json_string("format"));
        if (json_array_size(params))
            json_object_set_new(o, "query", params);
        else
            json_decref(params);
        json_array_append_new(routes, o);
    }
    json_t *j = json_pack(
        "{s:s,s:s,s:s,s:s,s:{s:s,s:s,s:s,s:s},s:s,s:o}", "name", "envgov API", "name_zh",
        "envgov 生态环境监管平台接口", "version", EG_VERSION, "description",
        "JSON over HTTP. Log in with POST /api/v1/login and send Authorization: Bearer TOKEN; "
        "anonymous callers see public data. Times are Beijing time. Errors are "
        "{\"error\":{\"code\",\"message\"}} and the message says what to do. 登录后在请求头带 "
        "Authorization: Bearer TOKEN; 匿名只能看到公开数据; 时间均为北京时间。",
        "documents", "docs", "/api/v1/docs", "openapi", "/api/v1/openapi.json", "health",
        "/healthz", "metrics", "/metrics", "login", "/api/v1/login", "routes", routes);
    return eg_http_reply_json(rq, 200, j);
}

/* ---------------------------------------------------------------- the route tables */

static const struct eg_http_param_spec asset_params[] = {
    {.name = "file",
     .in = EG_PIN_PATH,
     .type = EG_PT_ENUM,
     .enum_values = "swagger-ui-bundle.js|swagger-ui.css|favicon-32x32.png|favicon-16x16.png|"
                    "init.js",
     .description_zh = "文档页面使用的文件",
     .description_en = "a file of the API page",
     .example = "swagger-ui.css"},
    {0}};

#define INDEX_SCHEMA                                                                               \
    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"version\":{\"type\":"   \
    "\"string\"},\"documents\":{\"type\":\"object\",\"additionalProperties\":{\"type\":"           \
    "\"string\"}},\"routes\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"  \
    "\"method\":{\"type\":\"string\"},\"path\":{\"type\":\"string\"},\"summary\":{\"type\":"       \
    "\"string\"},\"summary_zh\":{\"type\":\"string\"},\"login_required\":{\"type\":\"boolean\"},"  \
    "\"access\":{\"type\":\"string\"},\"query\":{\"type\":\"array\",\"items\":{\"type\":"          \
    "\"string\"}}}}}}}"

static const struct eg_http_route_spec docs_specs[] = {
    {.method = "GET",
     .pattern = "/api/v1/",
     .fn = h_index,
     .flags = EG_ROUTE_NO_DB,
     .summary = "Index of the API: every route, what it is for, who may call it, where the "
                "documents are",
     .summary_zh = "接口索引: 全部接口、用途、权限及文档地址",
     .answer_schema = INDEX_SCHEMA,
     .access = "everyone"},
    {.method = "GET",
     .pattern = "/api/v1",
     .fn = h_index,
     .flags = EG_ROUTE_NO_DB,
     .summary = "The same index as /api/v1/",
     .summary_zh = "接口索引 (同 /api/v1/)",
     .answer_schema = INDEX_SCHEMA,
     .access = "everyone"},
    {.method = "GET",
     .pattern = "/api/v1/docs",
     .fn = h_page,
     .flags = EG_ROUTE_NO_DB,
     .summary = "The API page: every route with its parameters, bodies and answers, to read and "
                "try (Swagger UI, served offline)",
     .summary_zh = "API 文档页面 (可在线试用)",
     .answer_schema = "{\"type\":\"string\",\"description\":\"text/html\"}",
     .access = "everyone"},
    {.method = "GET",
     .pattern = "/api/v1/docs/{file}",
     .fn = h_asset,
     .flags = EG_ROUTE_NO_DB,
     .summary = "A file of the API page (gzip, cached)",
     .summary_zh = "文档页面所用文件",
     .params = asset_params,
     .answer_schema = "{\"type\":\"string\"}",
     .access = "everyone"},
};

int eg_http_api_docs_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(docs_specs); i++)
        rc |= eg_http_route_add_spec(srv, &docs_specs[i]);
    return rc ? EG_EINVAL : 0;
}
