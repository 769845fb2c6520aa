/*
 * web.c: the browser UI served by envgov itself (issue 15 item 1), and the files-from-memory
 * code it shares with the API page (api_docs.c).
 *
 *   GET /                      the web UI (Vue, built by Vite into build/web by `make web`)
 *   GET /assets/...            its hashed files: Cache-Control immutable, a year
 *   GET /<any other path>      index.html (history routing: /station/3 is a page of the UI);
 *                              never under /api/ or /open311/, which answer JSON 404 as before
 *   GET /api/v1/geo/{name}     the street boundaries of data/geo/ (embedded, OSM, ODbL) that the
 *                              UI's map draws: no map data is fetched from another host
 *
 * The UI's folder is found like the API page's renderer: $EG_UI_DIR when set (only it), else the
 * first of build/web
 * beside the binary's folder or its parent's (build/envgov, build/asan/envgov); ./build/web;
 * /usr/share/envgov/web. Its files (at most WEB_MAX_FILES, WEB_MAX_BYTES in all) are read once,
 * on the first request, and kept in memory with a gzip copy (answered when the client accepts
 * gzip) and an ETag (304 on If-None-Match). index.html is answered with no-cache, so a rebuilt
 * UI is picked up by a browser on its next visit (after a restart of the server). A path with a
 * "." or ".." segment, a backslash or a NUL is refused (400) before anything is looked up; the
 * lookup is by exact name in the table read at start, so nothing outside the folder is ever read.
 * Without a built UI every page answers 503 saying how to build it.
 */
#include "http/http_internal.h"

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define WEB_MAX_FILES 4000
#define WEB_MAX_BYTES (128u << 20)
#define WEB_MAX_DEPTH 8

/* ---------------------------------------------------------------- files from memory (shared) */

int eg__http_asset_read(const char *path, char **out, size_t *len)
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

static void gzip_of(struct eg__http_asset *a)
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

void eg__http_asset_set(struct eg__http_asset *a, char *data, size_t len, int compress)
{
    a->data = data;
    a->len = len;
    /* the ETag: the content's length and a 64-bit FNV-1a of it */
    uint64_t h = 1469598103934665603ull;
    for (size_t j = 0; j < len; j++)
        h = (h ^ (unsigned char)data[j]) * 1099511628211ull;
    snprintf(a->etag, sizeof a->etag, "\"%zx-%016llx\"", len, (unsigned long long)h);
    if (compress)
        gzip_of(a);
}

void eg__http_asset_free(struct eg__http_asset *a)
{
    free(a->data);
    free(a->gz);
    a->data = a->gz = NULL;
}

static int accepts_gzip(struct eg_http_req *rq)
{
    const char *ae = eg_http_header(rq, "Accept-Encoding");
    return ae && strstr(ae, "gzip") != NULL;
}

int eg__http_asset_reply(struct eg_http_req *rq, const struct eg__http_asset *a, const char *ctype,
                         const char *cache_control)
{
    const char *inm = eg_http_header(rq, "If-None-Match");
    int rc;
    if (inm && !strcmp(inm, a->etag)) {
        rc = eg_http_reply_raw(rq, 304, NULL, NULL, 0);
    } else if (a->gz && accepts_gzip(rq)) {
        rc = eg_http_reply_raw(rq, 200, ctype, a->gz, a->gzlen);
        eg_http_add_header(rq, "Content-Encoding", "gzip");
    } else {
        rc = eg_http_reply_raw(rq, 200, ctype, a->data, a->len);
    }
    eg__http_cacheable(rq, cache_control);
    eg_http_add_header(rq, "ETag", a->etag);
    eg_http_add_header(rq, "Vary", "Accept-Encoding");
    return rc;
}

int eg__http_find_dir(const char *env, const char *rel, const char *installed, const char *probe,
                      char *out, size_t cap)
{
    char exe[PATH_MAX], cand[6][PATH_MAX];
    int n = 0;
    const char *e = env ? getenv(env) : NULL;
    if (e && *e)
        snprintf(cand[n++], PATH_MAX, "%.4000s", e);
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0'; /* the binary's folder (build/) */
            snprintf(cand[n++], PATH_MAX, "%.3000s/../%.900s", exe, rel);
            snprintf(cand[n++], PATH_MAX, "%.3000s/%.900s", exe, rel);
            /* build/asan/envgov, build/tsan/envgov */
            snprintf(cand[n++], PATH_MAX, "%.3000s/../../%.900s", exe, rel);
        }
    }
    snprintf(cand[n++], PATH_MAX, "%.4000s", rel);
    snprintf(cand[n++], PATH_MAX, "%.4000s", installed);
    for (int i = 0; i < n; i++) {
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%.4000s/%.60s", cand[i], probe);
        if (access(p, R_OK) == 0) {
            snprintf(out, cap, "%.4000s", cand[i]);
            return 0;
        }
    }
    if (cap)
        out[0] = '\0';
    return -1;
}

/* ---------------------------------------------------------------- the UI's files */

struct web_file {
    char *name; /* relative to the folder, no leading slash ("assets/index-abc.js") */
    const char *ctype;
    struct eg__http_asset a;
};

static struct {
    pthread_once_t once;
    char dir[PATH_MAX];
    struct web_file *files;
    size_t n;
    size_t bytes;
    const struct web_file *index;
} ui = {.once = PTHREAD_ONCE_INIT};

static const struct {
    const char *ext, *ctype;
    int compress;
} types[] = {
    {.ext = ".html", .ctype = "text/html; charset=utf-8", .compress = 1},
    {.ext = ".js", .ctype = "application/javascript; charset=utf-8", .compress = 1},
    {.ext = ".mjs", .ctype = "application/javascript; charset=utf-8", .compress = 1},
    {.ext = ".css", .ctype = "text/css; charset=utf-8", .compress = 1},
    {.ext = ".json", .ctype = "application/json; charset=utf-8", .compress = 1},
    {.ext = ".geojson", .ctype = "application/geo+json; charset=utf-8", .compress = 1},
    {.ext = ".svg", .ctype = "image/svg+xml", .compress = 1},
    {.ext = ".txt", .ctype = "text/plain; charset=utf-8", .compress = 1},
    {.ext = ".map", .ctype = "application/json; charset=utf-8", .compress = 1},
    {.ext = ".ico", .ctype = "image/x-icon", .compress = 1},
    {.ext = ".png", .ctype = "image/png", .compress = 0},
    {.ext = ".jpg", .ctype = "image/jpeg", .compress = 0},
    {.ext = ".webp", .ctype = "image/webp", .compress = 0},
    {.ext = ".woff2", .ctype = "font/woff2", .compress = 0},
    {.ext = ".woff", .ctype = "font/woff", .compress = 0},
    {.ext = ".ttf", .ctype = "font/ttf", .compress = 1},
    {.ext = NULL, .ctype = NULL, .compress = 0},
};

static int type_of(const char *name, const char **ctype)
{
    size_t n = strlen(name);
    for (int i = 0; types[i].ext; i++) {
        size_t e = strlen(types[i].ext);
        if (n > e && !strcmp(name + n - e, types[i].ext)) {
            *ctype = types[i].ctype;
            return types[i].compress;
        }
    }
    *ctype = "application/octet-stream";
    return 0;
}

static int file_cmp(const void *a, const void *b)
{
    return strcmp(((const struct web_file *)a)->name, ((const struct web_file *)b)->name);
}

/* Reads the files under dir/rel (rel "" or "x/y/"), depth-first, within the limits. */
static void walk(const char *rel, int depth)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%.3000s/%.1000s", ui.dir, rel);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') /* ., .., and hidden files are never served */
            continue;
        char sub[1300], full[sizeof ui.dir + sizeof sub + 2];
        snprintf(sub, sizeof sub, "%.1000s%.255s", rel, de->d_name);
        snprintf(full, sizeof full, "%s/%s", ui.dir, sub);
        struct stat sb;
        if (stat(full, &sb))
            continue;
        if (S_ISDIR(sb.st_mode)) {
            if (depth < WEB_MAX_DEPTH) {
                strcat(sub, "/");
                walk(sub, depth + 1);
            }
            continue;
        }
        if (!S_ISREG(sb.st_mode) || ui.n >= WEB_MAX_FILES ||
            ui.bytes + (size_t)sb.st_size > WEB_MAX_BYTES) {
            if (S_ISREG(sb.st_mode))
                eg_log(EG_LOG_WARN, "http: web UI file %s left out (over %u files or %u MiB)", sub,
                       WEB_MAX_FILES, WEB_MAX_BYTES >> 20);
            continue;
        }
        char *data;
        size_t len;
        if (eg__http_asset_read(full, &data, &len))
            continue;
        ui.files = eg_realloc(ui.files, (ui.n + 1) * sizeof *ui.files);
        struct web_file *f = &ui.files[ui.n++];
        memset(f, 0, sizeof *f);
        f->name = eg_strdup(sub);
        eg__http_asset_set(&f->a, data, len, type_of(sub, &f->ctype));
        ui.bytes += len;
    }
    closedir(d);
}

static void ui_load(void)
{
    const char *env = getenv("EG_UI_DIR");
    /* an explicit folder is the only one looked at: a wrong setting is said, not papered over */
    if (eg__http_find_dir("EG_UI_DIR", "build/web", "/usr/share/envgov/web", "index.html", ui.dir,
                          sizeof ui.dir) ||
        (env && *env && strcmp(env, ui.dir))) {
        ui.dir[0] = '\0';
        eg_log(EG_LOG_WARN, "http: the web UI is not built: run `make web` in the source tree "
                            "(or set EG_UI_DIR) and restart to serve it at /");
        return;
    }
    walk("", 0);
    if (ui.n)
        qsort(ui.files, ui.n, sizeof *ui.files, file_cmp);
    struct web_file key = {.name = "index.html"};
    ui.index = ui.n ? bsearch(&key, ui.files, ui.n, sizeof *ui.files, file_cmp) : NULL;
    eg_log(EG_LOG_INFO, "http: web UI from %s: %zu files, %zu bytes", ui.dir, ui.n, ui.bytes);
}

/* 1 when the decoded path may be looked up: no "." or ".." segment (nor any hidden name), no
   backslash, no empty segment but a trailing one. */
static int path_ok(const char *p)
{
    if (strchr(p, '\\'))
        return 0;
    for (const char *s = p; *s;) {
        while (*s == '/')
            s++;
        if (*s == '.')
            return 0;
        s += strcspn(s, "/");
    }
    return !strstr(p, "//");
}

static int h_web(struct eg_http_req *rq)
{
    const char *path = eg_http_path(rq);
    if (!path_ok(path))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_request", -1,
                          "this path is not allowed (no '.', '..' or hidden names in a web "
                          "address); open / for the web UI");
    pthread_once(&ui.once, ui_load);
    if (!ui.index) {
        static const char msg[] =
            "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>envgov</title>"
            "<h1>网页界面尚未构建</h1><p>请在源码目录运行 <code>make web</code>（首次先运行 "
            "<code>scripts/deps.sh</code> 安装依赖），然后重启 <code>envgov serve</code>。</p>"
            "<p>The web UI is not built: run <code>make web</code> in the source tree and "
            "restart the server. The API works meanwhile: <a href=\"/api/v1/docs\">/api/v1/docs"
            "</a>.</p>";
        int rc = eg_http_reply_raw(rq, 503, "text/html; charset=utf-8", msg, sizeof msg - 1);
        eg_http_add_header(rq, "Retry-After", "60");
        return rc;
    }
    struct web_file key = {.name = (char *)(path[0] == '/' ? path + 1 : path)};
    const struct web_file *f =
        key.name[0] ? bsearch(&key, ui.files, ui.n, sizeof *ui.files, file_cmp) : NULL;
    if (f && f != ui.index)
        return eg__http_asset_reply(rq, &f->a, f->ctype,
                                    strncmp(f->name, "assets/", 7)
                                        ? "public, max-age=3600"
                                        : "public, max-age=31536000, immutable");
    /* a file of the build that is not there (an old hashed name): 404, not the page, so that the
       browser does not run HTML as a script */
    if (!strncmp(key.name, "assets/", 7))
        return eg_err_set(eg_http_err(rq), EG_ENOTFOUND, "not_found", -1,
                          "no file '%.80s' in the web UI (reload the page)", key.name);
    int rc = eg__http_asset_reply(rq, &ui.index->a, ui.index->ctype, "no-cache");
    /* the page runs only its own scripts; styles inline (Element Plus, ECharts set them) */
    eg_http_add_header(rq, "Content-Security-Policy",
                       "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
                       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
    eg_http_add_header(rq, "Referrer-Policy", "same-origin");
    return rc;
}

/* ---------------------------------------------------------------- map boundaries */

#define GEO_MAX 16
static struct {
    pthread_once_t once;
    int n;
    char name[GEO_MAX][48];
    struct eg__http_asset a[GEO_MAX];
} geo = {.once = PTHREAD_ONCE_INIT};

static void geo_load(void)
{
    for (const struct eg_embedded *e = eg_embedded_files; e->path && geo.n < GEO_MAX; e++) {
        size_t n = strlen(e->path);
        if (strncmp(e->path, "geo/", 4) || n < 13 || n - 12 >= sizeof geo.name[0] ||
            strcmp(e->path + n - 8, ".geojson"))
            continue;
        snprintf(geo.name[geo.n], sizeof geo.name[0], "%.*s", (int)(n - 12), e->path + 4);
        char *copy = eg_malloc(e->len + 1);
        memcpy(copy, e->data, e->len);
        eg__http_asset_set(&geo.a[geo.n], copy, e->len, 1);
        geo.n++;
    }
}

static int h_geo(struct eg_http_req *rq)
{
    const char *name = NULL;
    int rc = eg_http_arg_str(rq, "name", &name);
    if (rc < 0)
        return rc;
    pthread_once(&geo.once, geo_load);
    for (int i = 0; i < geo.n; i++)
        if (!strcmp(geo.name[i], name))
            return eg__http_asset_reply(rq, &geo.a[i], "application/geo+json; charset=utf-8",
                                        "public, max-age=86400");
    return eg_err_set(eg_http_err(rq), EG_ENOTFOUND, "not_found", -1,
                      "no boundaries named '%.40s' (see /api/v1/docs for the names)", name);
}

static const struct eg_http_param_spec geo_params[] = {
    {.name = "name",
     .in = EG_PIN_PATH,
     .type = EG_PT_ENUM,
     .enum_values = "pudong_streets|putuo_streets|minhang_streets",
     .description_zh = "区的街镇边界 (data/geo, OpenStreetMap, ODbL 1.0, WGS-84)",
     .description_en = "a district's street boundaries (data/geo, OpenStreetMap, ODbL 1.0, "
                       "WGS-84)",
     .example = "pudong_streets"},
    {.name = NULL}};

static const struct eg_http_route_spec geo_spec = {
    .method = "GET",
    .pattern = "/api/v1/geo/{name}",
    .fn = h_geo,
    .flags = EG_ROUTE_NO_DB,
    .summary = "Street boundaries of a district for the map: GeoJSON, WGS-84 [lon, lat], "
               "© OpenStreetMap contributors (ODbL 1.0), gzip, cached",
    .summary_zh = "地图用街镇边界 (GeoJSON, WGS-84; © OpenStreetMap 贡献者, ODbL)",
    .params = geo_params,
    .answer_schema = "{\"type\":\"object\",\"properties\":{\"type\":{\"type\":\"string\"},"
                     "\"attribution\":{\"type\":\"string\"},\"features\":{\"type\":\"array\"}}}",
    .access = "everyone"};

int eg_http_web_routes(struct eg_http_server *srv)
{
    int rc = eg_http_route_add_spec(srv, &geo_spec);
    if (!rc)
        eg__http_server_set_fallback(srv, h_web);
    return rc;
}
