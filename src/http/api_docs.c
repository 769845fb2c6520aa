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
 * Cache-Control: public, max-age=86400. Only the files named in the table below are served.
 * When the renderer is not installed, /api/v1/docs says so and how to install it (503), and
 * still links the OpenAPI document.
 */
#include "http/http_internal.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* ---------------------------------------------------------------- the files */

struct asset {
    const char *name;  /* as requested under /api/v1/docs/ */
    const char *file;  /* in the renderer's folder, or NULL for an embedded one */
    const char *embed; /* data/ path of an embedded file */
    const char *ctype;
    /* loaded */
    char *data, *gz;
    size_t len, gzlen;
    char etag[40];
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

static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    struct eg_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < (64u << 20))
        eg_buf_append(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        eg_buf_free(&b);
        return -1;
    }
    *out = b.data ? b.data : eg_strdup("");
    *len = b.len;
    return 0;
}

static void gzip_of(struct asset *a)
{
    z_stream z = {0};
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return;
    uLong cap = deflateBound(&z, (uLong)a->len) + 32;
    a->gz = eg_malloc(cap);
    z.next_in = (Bytef *)a->data;
    z.avail_in = (uInt)a->len;
    z.next_out = (Bytef *)a->gz;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= a->len) {
        free(a->gz); /* not smaller: served as it is */
        a->gz = NULL;
    } else {
        a->gzlen = z.total_out;
    }
    deflateEnd(&z);
}

/* The renderer's folder: the first candidate that has swagger-ui-bundle.js. */
static void find_web_dir(void)
{
    char exe[PATH_MAX], cand[6][PATH_MAX];
    int n = 0;
    const char *env = getenv("EG_WEB_DIR");
    if (env && *env)
        snprintf(cand[n++], PATH_MAX, "%s", env);
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0'; /* the binary's folder (build/) */
            snprintf(cand[n++], PATH_MAX, "%.3000s/../node_modules/swagger-ui-dist", exe);
            snprintf(cand[n++], PATH_MAX, "%.3000s/node_modules/swagger-ui-dist", exe);
            /* build/asan/envgov, build/tsan/envgov */
            snprintf(cand[n++], PATH_MAX, "%.3000s/../../node_modules/swagger-ui-dist", exe);
        }
    }
    snprintf(cand[n++], PATH_MAX, "node_modules/swagger-ui-dist");
    snprintf(cand[n++], PATH_MAX, "/usr/share/envgov/swagger-ui-dist");
    for (int i = 0; i < n; i++) {
        char probe[PATH_MAX + 32];
        snprintf(probe, sizeof probe, "%.4000s/swagger-ui-bundle.js", cand[i]);
        if (access(probe, R_OK) == 0) {
            snprintf(web_dir, sizeof web_dir, "%.4000s", cand[i]);
            return;
        }
    }
    web_dir[0] = '\0';
}

static void load_all(void)
{
    find_web_dir();
    for (size_t i = 0; i < EG_ARRAY_LEN(assets); i++) {
        struct asset *a = &assets[i];
        if (a->embed) {
            const struct eg_embedded *e = eg_embedded_find(a->embed);
            if (!e)
                continue;
            a->data = eg_malloc(e->len + 1);
            memcpy(a->data, e->data, e->len);
            a->len = e->len;
        } else {
            char path[PATH_MAX + 64];
            if (!web_dir[0])
                continue;
            snprintf(path, sizeof path, "%s/%s", web_dir, a->file);
            if (read_file(path, &a->data, &a->len))
                continue;
        }
        /* the ETag: the content's length and a 64-bit FNV-1a of it */
        uint64_t h = 1469598103934665603ull;
        for (size_t j = 0; j < a->len; j++)
            h = (h ^ (unsigned char)a->data[j]) * 1099511628211ull;
        snprintf(a->etag, sizeof a->etag, "\"%zx-%016llx\"", a->len, (unsigned long long)h);
        gzip_of(a);
        a->loaded = 1;
    }
    if (!web_dir[0])
        eg_log(EG_LOG_WARN, "http: the API page's renderer (npm swagger-ui-dist) is not installed: "
                            "run scripts/deps.sh (npm ci) to serve /api/v1/docs");
}

static int accepts_gzip(struct eg_http_req *rq)
{
    const char *ae = eg_http_header(rq, "Accept-Encoding");
    return ae && strstr(ae, "gzip") != NULL;
}

static int serve(struct eg_http_req *rq, const struct asset *a)
{
    const char *inm = eg_http_header(rq, "If-None-Match");
    int rc;
    if (inm && !strcmp(inm, a->etag)) {
        rc = eg_http_reply_raw(rq, 304, NULL, NULL, 0);
    } else if (a->gz && accepts_gzip(rq)) {
        rc = eg_http_reply_raw(rq, 200, a->ctype, a->gz, a->gzlen);
        eg_http_add_header(rq, "Content-Encoding", "gzip");
    } else {
        rc = eg_http_reply_raw(rq, 200, a->ctype, a->data, a->len);
    }
    eg__http_cacheable(rq, a->file ? "public, max-age=86400" : "public, max-age=300");
    eg_http_add_header(rq, "ETag", a->etag);
    eg_http_add_header(rq, "Vary", "Accept-Encoding");
    return rc;
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
