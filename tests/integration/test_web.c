/* The web UI served by `envgov serve` (issue 15 item 1), over the real server and real sockets:
   index.html at / with no-cache and its security headers; a hashed file under assets/ gzipped
   when accepted (the same bytes once gunzipped), immutable for a year, 304 on its ETag; any
   other path outside /api/ answers index.html (history routing) while /api/ and /open311/ keep
   their JSON 404; a missing hashed file is 404, not the page; traversal and hidden names are
   refused and a file beside the folder is never read; without a built UI the page says how to
   build it (503); the map's street boundaries come from envgov itself (ODbL attribution). The
   UI folder is a fixture (EG_UI_DIR), so the test does not depend on npm. */
#include "base/base.h"
#include "integration/http_client.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static const char INDEX[] = "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                            "<title>envgov 生态环境治理平台</title><script type=\"module\" "
                            "src=\"/assets/app-1a2b3c4d.js\"></script></head><body><div "
                            "id=\"app\"></div></body></html>";

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    REQUIRE(fwrite(data, 1, n, f) == n);
    REQUIRE(fclose(f) == 0);
}

/* A built UI in TMP/ui: index.html, assets/app-1a2b3c4d.js (80 KB of script, compressible),
   assets/logo-9f8e7d6c.png, favicon.ico, a hidden .env; and TMP/secret.txt beside the folder.
   Returns the script's bytes (caller frees) in *js, *js_len. */
static void make_ui(char *dir, size_t cap, char **js, size_t *js_len)
{
    char p[800];
    snprintf(dir, cap, "%s/ui", eg_test_tmpdir());
    REQUIRE(mkdir(dir, 0755) == 0);
    snprintf(p, sizeof p, "%s/assets", dir);
    REQUIRE(mkdir(p, 0755) == 0);
    snprintf(p, sizeof p, "%s/index.html", dir);
    write_file(p, INDEX, sizeof INDEX - 1);
    struct eg_buf b = {0};
    for (int i = 0; b.len < 80000; i++)
        eg_buf_printf(&b, "export function f%d(x){return x*%d+\"站点\";}\n", i, i);
    snprintf(p, sizeof p, "%s/assets/app-1a2b3c4d.js", dir);
    write_file(p, b.data, b.len);
    *js = b.data;
    *js_len = b.len;
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    snprintf(p, sizeof p, "%s/assets/logo-9f8e7d6c.png", dir);
    write_file(p, png, sizeof png - 1);
    snprintf(p, sizeof p, "%s/favicon.ico", dir);
    write_file(p, "ico", 3);
    snprintf(p, sizeof p, "%s/.env", dir);
    write_file(p, "SECRET=hidden-env", 17);
    snprintf(p, sizeof p, "%s/secret.txt", eg_test_tmpdir());
    write_file(p, "TOP-SECRET-OUTSIDE", 18);
}

static char *gunzip(const char *p, size_t n, size_t *out_len)
{
    z_stream z = {0};
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return NULL;
    size_t cap = n * 20 + 1024;
    char *out = malloc(cap);
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = inflate(&z, Z_FINISH);
    *out_len = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

static struct eg_hs srv;

static void start(const char *ui_dir)
{
    char db[600];
    snprintf(db, sizeof db, "%s/web.db", eg_test_tmpdir());
    REQUIRE(setenv("EG_UI_DIR", ui_dir, 1) == 0);
    REQUIRE(eg_hs_start(&srv, db, NULL) == 0);
}

static int get(const char *path, const char *hdrs, struct eg_hc_resp *r)
{
    return eg_hc_request(srv.port, "GET", path, NULL, hdrs, NULL, 0, r) ? -1 : r->status;
}

static const char *err_code(const struct eg_hc_resp *r)
{
    static char code[64];
    json_t *j = eg_hc_json(r);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    snprintf(code, sizeof code, "%s", c ? c : "");
    json_decref(j);
    return code;
}

TEST(web_index_asset_gzip_cache_headers_and_history_fallback)
{
    char dir[700];
    char *js;
    size_t js_len;
    make_ui(dir, sizeof dir, &js, &js_len);
    start(dir);
    struct eg_hc_resp r;

    /* the page: no-cache (a rebuilt UI is seen at once), the page runs only its own scripts */
    REQUIRE(get("/", NULL, &r) == 200);
    CHECK(strstr(eg_hc_header(&r, "Content-Type"), "text/html") != NULL);
    CHECK_STR(eg_hc_header(&r, "Cache-Control"), "no-cache");
    CHECK(strstr(eg_hc_header(&r, "Content-Security-Policy"), "script-src 'self'") != NULL);
    CHECK(strstr(eg_hc_header(&r, "Content-Security-Policy"), "frame-ancestors 'none'") != NULL);
    CHECK(r.body_len == sizeof INDEX - 1 && !memcmp(r.body, INDEX, r.body_len));
    eg_hc_free(&r);
    REQUIRE(get("/index.html", NULL, &r) == 200);
    CHECK_STR(eg_hc_header(&r, "Cache-Control"), "no-cache");
    eg_hc_free(&r);

    /* a hashed asset: gzip when accepted, the same bytes gunzipped, immutable, its ETag -> 304 */
    REQUIRE(get("/assets/app-1a2b3c4d.js", "Accept-Encoding: gzip, deflate, br\r\n", &r) == 200);
    CHECK_STR(eg_hc_header(&r, "Content-Encoding"), "gzip");
    CHECK_STR(eg_hc_header(&r, "Cache-Control"), "public, max-age=31536000, immutable");
    CHECK(strstr(eg_hc_header(&r, "Content-Type"), "application/javascript") != NULL);
    CHECK_STR(eg_hc_header(&r, "Vary"), "Accept-Encoding");
    size_t n = 0;
    char *plain = gunzip(r.body, r.body_len, &n);
    REQUIRE(plain != NULL);
    CHECK(n == js_len && !memcmp(plain, js, n));
    printf("  asset: %zu bytes, %zu gzipped (%.1f%%)\n", js_len, r.body_len,
           100.0 * (double)r.body_len / (double)js_len);
    CHECK(r.body_len < js_len / 3);
    free(plain);
    char inm[128];
    snprintf(inm, sizeof inm, "If-None-Match: %s\r\n", eg_hc_header(&r, "ETag"));
    eg_hc_free(&r);
    REQUIRE(get("/assets/app-1a2b3c4d.js", inm, &r) == 304);
    CHECK(r.body_len == 0);
    eg_hc_free(&r);
    /* without Accept-Encoding: the bytes as they are */
    REQUIRE(get("/assets/app-1a2b3c4d.js", NULL, &r) == 200);
    CHECK(eg_hc_header(&r, "Content-Encoding") == NULL);
    CHECK(r.body_len == js_len && !memcmp(r.body, js, js_len));
    eg_hc_free(&r);
    /* an image is not recompressed; a file outside assets/ is cached an hour, not for ever */
    REQUIRE(get("/assets/logo-9f8e7d6c.png", "Accept-Encoding: gzip\r\n", &r) == 200);
    CHECK_STR(eg_hc_header(&r, "Content-Type"), "image/png");
    CHECK(eg_hc_header(&r, "Content-Encoding") == NULL);
    eg_hc_free(&r);
    REQUIRE(get("/favicon.ico", NULL, &r) == 200);
    CHECK_STR(eg_hc_header(&r, "Cache-Control"), "public, max-age=3600");
    eg_hc_free(&r);
    /* HEAD of the page: headers only */
    REQUIRE(eg_hc_request(srv.port, "HEAD", "/", NULL, NULL, NULL, 0, &r) == 0);
    CHECK_EQ_INT(r.status, 200);
    eg_hc_free(&r);

    /* history routing: a page of the UI typed into the address bar, with a query, is the page */
    const char *pages[] = {"/overview",         "/station/3?tab=daily", "/enterprise/47",
                           "/portal/complaint", "/admin/users?page=2",  "/%E7%AB%99%E7%82%B9"};
    for (size_t i = 0; i < EG_ARRAY_LEN(pages); i++) {
        REQUIRE(get(pages[i], NULL, &r) == 200);
        CHECK(r.body_len == sizeof INDEX - 1 && !memcmp(r.body, INDEX, r.body_len));
        CHECK_STR(eg_hc_header(&r, "Cache-Control"), "no-cache");
        eg_hc_free(&r);
    }
    /* ... but the API keeps its JSON 404s, and a missing hashed file is not the page */
    REQUIRE(get("/api/v1/nope", NULL, &r) == 404);
    CHECK_STR(err_code(&r), "no_route");
    eg_hc_free(&r);
    REQUIRE(get("/api/nope", NULL, &r) == 404);
    CHECK_STR(err_code(&r), "no_route");
    eg_hc_free(&r);
    REQUIRE(get("/open311/v2/nope.json", NULL, &r) == 404);
    CHECK_STR(err_code(&r), "no_route");
    eg_hc_free(&r);
    REQUIRE(get("/assets/app-00000000.js", NULL, &r) == 404);
    CHECK(strstr(r.body, "reload") != NULL);
    eg_hc_free(&r);
    /* only GET reads the UI: a POST to a page is the JSON 404 it was */
    REQUIRE(eg_hc_request(srv.port, "POST", "/overview", NULL, NULL, "{}", 2, &r) == 0);
    CHECK_EQ_INT(r.status, 404);
    eg_hc_free(&r);
    /* the API still answers beside it */
    REQUIRE(get("/healthz", NULL, &r) == 200);
    eg_hc_free(&r);
    free(js);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

TEST(web_path_traversal_and_hidden_names_refused)
{
    char dir[700];
    char *js;
    size_t js_len;
    make_ui(dir, sizeof dir, &js, &js_len);
    free(js);
    start(dir);
    struct eg_hc_resp r;
    /* sent as they are (no client-side normalisation), percent-encoded too: the server decodes */
    const char *hostile[] = {
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/%2E%2E/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/.env",
        "/assets/./app-1a2b3c4d.js",
        "/a\\..\\secret.txt",
        "/a%5c..%5csecret.txt",
        "//etc/passwd",
        "/..",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(hostile); i++) {
        char req[512];
        int k = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                         hostile[i]);
        REQUIRE(eg_hc_raw(srv.port, req, (size_t)k, 0, &r) == 0);
        if (r.status != 400)
            printf("  %s -> %d\n", hostile[i], r.status);
        CHECK_EQ_INT(r.status, 400);
        CHECK(strstr(r.body, "TOP-SECRET") == NULL && strstr(r.body, "hidden-env") == NULL &&
              strstr(r.body, "root:") == NULL);
        eg_hc_free(&r);
    }
    /* an oversized path and a NUL byte: refused without the server falling over */
    struct eg_buf b = {0};
    eg_buf_puts(&b, "GET /");
    for (int i = 0; i < 20000; i++)
        eg_buf_puts(&b, "a/");
    eg_buf_puts(&b, " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    REQUIRE(eg_hc_raw(srv.port, b.data, b.len, 0, &r) == 0);
    CHECK(r.status == 0 || r.status >= 400);
    eg_hc_free(&r);
    eg_buf_free(&b);
    static const char nul[] =
        "GET /index.html%00.js HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    REQUIRE(eg_hc_raw(srv.port, nul, sizeof nul - 1, 0, &r) == 0);
    CHECK(r.status == 200 || r.status >= 400); /* the page itself at most, never another file */
    CHECK(r.body == NULL || strstr(r.body, "TOP-SECRET") == NULL);
    eg_hc_free(&r);
    REQUIRE(get("/healthz", NULL, &r) == 200);
    eg_hc_free(&r);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

TEST(web_not_built_says_how_to_build_it)
{
    char dir[700];
    snprintf(dir, sizeof dir, "%s/empty", eg_test_tmpdir());
    REQUIRE(mkdir(dir, 0755) == 0);
    start(dir); /* an explicit folder without index.html: not papered over by ./build/web */
    struct eg_hc_resp r;
    REQUIRE(get("/", NULL, &r) == 503);
    CHECK(strstr(eg_hc_header(&r, "Content-Type"), "text/html") != NULL);
    CHECK(strstr(r.body, "make web") != NULL);
    CHECK(strstr(r.body, "网页界面尚未构建") != NULL);
    eg_hc_free(&r);
    REQUIRE(get("/overview", NULL, &r) == 503);
    eg_hc_free(&r);
    REQUIRE(get("/api/v1/", NULL, &r) == 200); /* the API works meanwhile */
    eg_hc_free(&r);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

TEST(web_map_boundaries_served_by_envgov_with_osm_attribution)
{
    char dir[700];
    snprintf(dir, sizeof dir, "%s/empty", eg_test_tmpdir());
    REQUIRE(mkdir(dir, 0755) == 0);
    start(dir);
    struct eg_hc_resp r;
    REQUIRE(get("/api/v1/geo/pudong_streets", "Accept-Encoding: gzip\r\n", &r) == 200);
    CHECK_STR(eg_hc_header(&r, "Content-Encoding"), "gzip");
    CHECK_STR(eg_hc_header(&r, "Cache-Control"), "public, max-age=86400");
    size_t n = 0;
    char *plain = gunzip(r.body, r.body_len, &n);
    REQUIRE(plain != NULL);
    json_t *j = json_loadb(plain, n, 0, NULL);
    REQUIRE(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "type")), "FeatureCollection");
    /* data/geo/README.md: 36 街镇 of 浦东新区, OSM admin_level=8, ODbL 1.0 */
    CHECK_EQ_INT((long long)json_array_size(json_object_get(j, "features")), 36);
    CHECK(strstr(json_string_value(json_object_get(j, "attribution")), "OpenStreetMap") != NULL);
    printf("  pudong_streets: %zu bytes, %zu gzipped\n", n, r.body_len);
    json_decref(j);
    free(plain);
    eg_hc_free(&r);
    REQUIRE(get("/api/v1/geo/minhang_streets", NULL, &r) == 200);
    eg_hc_free(&r);
    /* a name not in the list, a path, a wrong type: 404 with the names' page named */
    const char *bad[] = {"/api/v1/geo/shanghai", "/api/v1/geo/..%2Fmigrations%2F001",
                         "/api/v1/geo/pudong_streets.geojson", "/api/v1/geo/%00"};
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        REQUIRE(get(bad[i], NULL, &r) > 0);
        CHECK(r.status == 404 || r.status == 400);
        CHECK(strstr(r.body, "FeatureCollection") == NULL);
        eg_hc_free(&r);
    }
    REQUIRE(get("/api/v1/geo/pudong_streets?x=1", NULL, &r) == 400);
    eg_hc_free(&r);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}
