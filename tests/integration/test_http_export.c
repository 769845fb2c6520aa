/*
 * test_http_export.c: exports a person can read (issue 11 §5), over the real `envgov serve`:
 * every CSV and XLSX export shows references by name with the id in a column of its own
 * (region → its name, permit → its number, outlet → its code and name, steward → its name),
 * booleans as 是/否, times as Beijing "YYYY-MM-DD HH:MM:SS" (the audit log's epoch seconds
 * included), enum values by their Chinese labels. The CSV is parsed with the project's CSV
 * reader; the XLSX (a zip) is opened with zlib and its shared strings and sheet read back.
 * Names obey the reader's scope: a role that may not read the referenced row gets its id only.
 */
#include "base/base.h"
#include "base/csv.h"
#include "integration/http_client.h"
#include "test.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static struct eg_hf fx;
static struct eg_hs srv;

static void setup(void)
{
    char db[600];
    snprintf(db, sizeof db, "%s/export.db", eg_test_tmpdir());
    REQUIRE(eg_hf_build(db, &fx) == 0);
    REQUIRE(eg_hs_start(&srv, db, NULL) == 0);
}

/* A CSV export parsed: header and rows as a JSON array of arrays of strings. */
static json_t *get_csv(const char *token, const char *path, int *status)
{
    struct eg_hc_resp r;
    REQUIRE(!eg_hc_request(srv.port, "GET", path, token, NULL, NULL, 0, &r));
    *status = r.status;
    json_t *rows = json_array();
    if (r.status == 200) {
        CHECK(r.body_len >= 3 && !memcmp(r.body, "\xEF\xBB\xBF", 3)); /* BOM for Excel */
        struct eg_csv c;
        struct eg_err err;
        REQUIRE(eg_csv_open(&c, r.body, r.body_len, NULL, &err) == 0);
        while (eg_csv_next(&c, &err) == 1) {
            json_t *rec = json_array();
            for (int i = 0; i < c.nfields; i++) {
                size_t n;
                const char *f = eg_csv_field(&c, i, &n);
                json_array_append_new(rec, json_stringn(f, n));
            }
            json_array_append_new(rows, rec);
        }
        eg_csv_close(&c);
    }
    eg_hc_free(&r);
    return rows;
}

static int col_of(json_t *rows, const char *header)
{
    json_t *h = json_array_get(rows, 0);
    for (size_t i = 0; i < json_array_size(h); i++)
        if (!strcmp(json_string_value(json_array_get(h, i)), header))
            return (int)i;
    return -1;
}

/* The row whose column `key` holds `val`, or NULL. */
static json_t *row_where(json_t *rows, const char *key, const char *val)
{
    int k = col_of(rows, key);
    for (size_t i = 1; k >= 0 && i < json_array_size(rows); i++) {
        json_t *row = json_array_get(rows, i);
        if (!strcmp(json_string_value(json_array_get(row, (size_t)k)), val))
            return row;
    }
    return NULL;
}

static const char *cell(json_t *rows, json_t *row, const char *header)
{
    int k = col_of(rows, header);
    const char *s = k < 0 ? NULL : json_string_value(json_array_get(row, (size_t)k));
    return s ? s : "(no such column)";
}

static const char *idtext(long long id)
{
    static char b[4][24];
    static int i;
    i = (i + 1) % 4;
    snprintf(b[i], sizeof b[i], "%lld", id);
    return b[i];
}

/* "YYYY-MM-DD HH:MM:SS" */
static int is_beijing_time(const char *s)
{
    static const char pat[] = "dddd-dd-dd dd:dd:dd";
    if (strlen(s) != sizeof pat - 1)
        return 0;
    for (size_t i = 0; pat[i]; i++)
        if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
            return 0;
    return 1;
}

/* ---- a minimal XLSX (zip) reader: the central directory, stored or deflated entries ---- */

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* The entry `name` of the zip [z, z+n) inflated into a malloc'd NUL-terminated text, or NULL. */
static char *zip_entry(const char *zbytes, size_t n, const char *name)
{
    const unsigned char *z = (const unsigned char *)zbytes;
    size_t eocd = n >= 22 ? n - 22 : 0;
    while (eocd > 0 && le32(z + eocd) != 0x06054b50)
        eocd--;
    if (n < 22 || le32(z + eocd) != 0x06054b50)
        return NULL;
    size_t entries = le16(z + eocd + 10), at = le32(z + eocd + 16);
    for (size_t e = 0; e < entries && at + 46 <= n && le32(z + at) == 0x02014b50; e++) {
        uint16_t method = le16(z + at + 10), nlen = le16(z + at + 28), xlen = le16(z + at + 30),
                 clen = le16(z + at + 32);
        uint32_t csize = le32(z + at + 20), usize = le32(z + at + 24), loc = le32(z + at + 42);
        if (at + 46 + nlen > n)
            return NULL;
        if (nlen == strlen(name) && !memcmp(z + at + 46, name, nlen)) {
            if ((size_t)loc + 30 > n)
                return NULL;
            size_t data = loc + 30u + le16(z + loc + 26) + le16(z + loc + 28);
            if (data + csize > n || usize > (64u << 20))
                return NULL;
            char *out = malloc((size_t)usize + 1);
            REQUIRE(out);
            if (method == 0) {
                memcpy(out, z + data, usize);
            } else {
                z_stream s = {0};
                REQUIRE(inflateInit2(&s, -MAX_WBITS) == Z_OK);
                s.next_in = (Bytef *)(z + data);
                s.avail_in = csize;
                s.next_out = (Bytef *)out;
                s.avail_out = usize;
                int rc = inflate(&s, Z_FINISH);
                inflateEnd(&s);
                if (rc != Z_STREAM_END) {
                    free(out);
                    return NULL;
                }
            }
            out[usize] = '\0';
            return out;
        }
        at += 46u + nlen + xlen + clen;
    }
    return NULL;
}

/* The text of every shared string and inline string of the workbook, one per line. */
static char *xlsx_strings(const char *zbytes, size_t n, char **sheet_out)
{
    char *ss = zip_entry(zbytes, n, "xl/sharedStrings.xml");
    char *sheet = zip_entry(zbytes, n, "xl/worksheets/sheet1.xml");
    REQUIRE(sheet);
    struct eg_buf b = {0};
    const char *srcs[] = {ss, sheet};
    for (int k = 0; k < 2; k++)
        for (const char *p = srcs[k]; p && (p = strstr(p, "<t")) != NULL;) {
            const char *gt = strchr(p, '>');
            if (!gt)
                break;
            if (p[2] != '>' && p[2] != ' ') { /* <tableParts …>, not a text */
                p += 2;
                continue;
            }
            const char *end = strstr(gt, "</t>");
            if (!end)
                break;
            eg_buf_append(&b, gt + 1, (size_t)(end - gt - 1));
            eg_buf_append(&b, "\n", 1);
            p = end;
        }
    eg_buf_append(&b, "", 1);
    free(ss);
    *sheet_out = sheet;
    return b.data;
}

static int has_line(const char *lines, const char *want)
{
    size_t n = strlen(want);
    for (const char *p = lines; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len == n && !memcmp(p, want, n))
            return 1;
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

TEST(http_export_csv_names_booleans_enums_and_ids_in_their_own_columns)
{
    setup();
    char *adm = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    REQUIRE(adm);
    int st;
    /* units: region 124 → 陆家嘴街道 with its id beside it, 是/否, 排污单位 */
    json_t *u = get_csv(adm, "/api/v1/units?format=csv", &st);
    CHECK_EQ_INT(st, 200);
    json_t *e1 = row_where(u, "ID", idtext(fx.e1));
    REQUIRE(e1);
    CHECK_STR(cell(u, e1, "所属区域"), "陆家嘴街道");
    CHECK_STR(cell(u, e1, "所属区域ID"), idtext(fx.s1));
    CHECK_STR(cell(u, e1, "单位类型"), "排污单位");
    CHECK_STR(cell(u, e1, "公开"), "否");
    CHECK_STR(cell(u, row_where(u, "ID", idtext(fx.e2)), "公开"), "是");
    CHECK_STR(cell(u, row_where(u, "ID", idtext(fx.e2)), "所属区域"), "川沙新镇");
    CHECK_STR(cell(u, e1, "所属园区"), "示例产业园");
    CHECK_STR(cell(u, e1, "所属园区ID"), idtext(fx.park));
    /* an empty reference stays empty in both columns */
    CHECK_STR(cell(u, row_where(u, "ID", idtext(fx.e2)), "所属园区"), "");
    CHECK_STR(cell(u, row_where(u, "ID", idtext(fx.e2)), "所属园区ID"), "");
    /* no boolean column anywhere holds 0/1 or true/false */
    int pub = col_of(u, "公开"), keyair = col_of(u, "大气环境重点排污单位");
    REQUIRE(pub > 0 && keyair > 0);
    for (size_t i = 1; i < json_array_size(u); i++) {
        const char *a = json_string_value(json_array_get(json_array_get(u, i), (size_t)pub));
        const char *b = json_string_value(json_array_get(json_array_get(u, i), (size_t)keyair));
        CHECK(!strcmp(a, "是") || !strcmp(a, "否"));
        CHECK(!strcmp(b, "是") || !strcmp(b, "否") || !strcmp(b, ""));
    }
    json_decref(u);

    /* limits: permit 1 → its number, outlet → its code and name, ids kept */
    json_t *l = get_csv(adm, "/api/v1/permit_limits?format=csv", &st);
    CHECK_EQ_INT(st, 200);
    json_t *l1 = row_where(l, "ID", idtext(fx.l1));
    REQUIRE(l1);
    CHECK_STR(cell(l, l1, "排污许可证"), "91310115XX001V");
    CHECK_STR(cell(l, l1, "排污许可证ID"), idtext(fx.pm1));
    CHECK_STR(cell(l, l1, "排放口"), "DA001 1号排气筒");
    CHECK_STR(cell(l, l1, "排放口ID"), idtext(fx.o1));
    CHECK_STR(cell(l, row_where(l, "ID", idtext(fx.l2)), "排放口"), "DW001"); /* no name */
    json_decref(l);

    /* permits: the unit by name, the category by its label */
    json_t *p = get_csv(adm, "/api/v1/permits?format=csv", &st);
    json_t *pm1 = row_where(p, "ID", idtext(fx.pm1));
    REQUIRE(pm1);
    CHECK_STR(cell(p, pm1, "持证单位"), "虚构精细化工有限公司");
    CHECK_STR(cell(p, pm1, "管理类别"), "重点管理");
    json_decref(p);

    /* the audit log: Beijing time, never epoch seconds; actions and resources in Chinese */
    json_t *a = get_csv(adm, "/api/v1/audit?format=csv&resource=units", &st);
    CHECK_EQ_INT(st, 200);
    REQUIRE(json_array_size(a) > 1);
    for (size_t i = 1; i < json_array_size(a); i++) {
        json_t *row = json_array_get(a, i);
        CHECK(is_beijing_time(cell(a, row, "时间")));
        CHECK_STR(cell(a, row, "资源"), "单位");
        CHECK_STR(cell(a, row, "操作"), "新增");
    }
    /* the time is today's, in Beijing: it matches the server's own clock within a day */
    char now[32];
    eg_time_format_beijing(eg_time_now(), now, sizeof now);
    const char *t0 = cell(a, json_array_get(a, 1), "时间");
    int64_t t, tn;
    CHECK(eg_time_parse_beijing(t0, strlen(t0), &t) == 0);
    CHECK(eg_time_parse_beijing(now, strlen(now), &tn) == 0);
    CHECK(tn - t >= 0 && tn - t < 86400);
    json_decref(a);
    /* filters of the audit log still take the stored values */
    a = get_csv(adm, "/api/v1/audit?format=csv&action=create&resource=permits", &st);
    CHECK_EQ_INT(st, 200);
    CHECK_EQ_INT((int)json_array_size(a), 1 + 2);
    json_decref(a);
    free(adm);
    eg_hs_stop(&srv);
}

TEST(http_export_reference_names_follow_each_roles_scope)
{
    setup();
    /* steward contracts name the steward (a user): only who may read users sees the name */
    static const struct {
        const char *user;
        int status;
        const char *steward_name;
    } cases[] = {
        {"admin", 200, "steward"}, {"bureau", 200, ""}, /* bureau may not read users: the id only */
        {"street", 200, ""},     /* the contract is in its street; the user is not its */
        {"enterprise", 200, ""}, /* its own unit's contract */
        {"steward", 200, ""},    /* its own contract; users are not readable by stewards */
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        char pw[64];
        snprintf(pw, sizeof pw, "pw-%s-123456", cases[i].user);
        char *tok = eg_hc_login(srv.port, cases[i].user, pw);
        REQUIRE(tok);
        int st;
        json_t *c = get_csv(tok, "/api/v1/steward_contracts?format=csv", &st);
        CHECK_EQ_INT(st, cases[i].status);
        json_t *row = row_where(c, "ID", idtext(fx.contract));
        REQUIRE(row);
        CHECK_STR(cell(c, row, "环保管家用户"), cases[i].steward_name);
        CHECK_STR(cell(c, row, "环保管家用户ID"), idtext(fx.steward_uid));
        CHECK_STR(cell(c, row, "服务单位"), "虚构精细化工有限公司");
        json_decref(c);
        /* devices: the outlet by code and name for every role that sees the device */
        json_t *d = get_csv(tok, "/api/v1/devices?format=csv", &st);
        json_t *dv = row_where(d, "ID", idtext(fx.dv1));
        REQUIRE(dv);
        CHECK_STR(cell(d, dv, "排放口"), "DA001 1号排气筒");
        CHECK_STR(cell(d, dv, "监测站点"), "");
        CHECK(!strcmp(cell(d, dv, "已确认"), "是") || !strcmp(cell(d, dv, "已确认"), "否"));
        json_decref(d);
        free(tok);
    }
    /* anonymous: the public enterprise with its street's name; E1's park is never named */
    int st;
    json_t *u = get_csv(NULL, "/api/v1/units?format=csv&kind=enterprise", &st);
    CHECK_EQ_INT(st, 200);
    CHECK_EQ_INT((int)json_array_size(u), 2);
    CHECK_STR(cell(u, json_array_get(u, 1), "所属区域"), "川沙新镇");
    json_decref(u);
    /* the anonymous reader gets the devices export refused, as the list is */
    json_t *d = get_csv(NULL, "/api/v1/devices?format=csv", &st);
    CHECK_EQ_INT(st, 401);
    json_decref(d);
    eg_hs_stop(&srv);
}

TEST(http_export_names_are_neutralised_against_formula_injection)
{
    setup();
    char *adm = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    REQUIRE(adm);
    /* a hostile region name travels into the units export through the reference */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/regions/%lld", fx.s2);
    struct eg_hc_resp r;
    const char *body = "{\"name\":\"=HYPERLINK(\\\"http://x\\\",\\\"点我\\\")\"}";
    REQUIRE(!eg_hc_request(srv.port, "PATCH", path, adm, NULL, body, strlen(body), &r));
    CHECK_EQ_INT(r.status, 200);
    eg_hc_free(&r);
    int st;
    json_t *u = get_csv(adm, "/api/v1/units?format=csv", &st);
    CHECK_STR(cell(u, row_where(u, "ID", idtext(fx.e2)), "所属区域"),
              "'=HYPERLINK(\"http://x\",\"点我\")");
    json_decref(u);
    /* and into the workbook only as a string, never a formula */
    REQUIRE(!eg_hc_request(srv.port, "GET", "/api/v1/units?format=xlsx", adm, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 200);
    char *sheet = NULL, *strs = xlsx_strings(r.body, r.body_len, &sheet);
    CHECK(strstr(sheet, "<f>") == NULL);
    CHECK(strstr(strs, "=HYPERLINK(") != NULL);
    free(strs);
    free(sheet);
    eg_hc_free(&r);
    free(adm);
    eg_hs_stop(&srv);
}

TEST(http_export_xlsx_shows_names_yes_no_and_beijing_time)
{
    setup();
    char *adm = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    REQUIRE(adm);
    struct eg_hc_resp r;
    REQUIRE(!eg_hc_request(srv.port, "GET", "/api/v1/units?format=xlsx", adm, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 200);
    char *sheet = NULL, *strs = xlsx_strings(r.body, r.body_len, &sheet);
    REQUIRE(strs && sheet);
    CHECK(has_line(strs, "所属区域"));
    CHECK(has_line(strs, "所属区域ID"));
    CHECK(has_line(strs, "陆家嘴街道"));
    CHECK(has_line(strs, "川沙新镇"));
    CHECK(has_line(strs, "排污单位"));
    CHECK(has_line(strs, "是") && has_line(strs, "否"));
    CHECK(strstr(sheet, "t=\"b\"") == NULL); /* no TRUE/FALSE cells */
    CHECK(!has_line(strs, "enterprise"));
    free(strs);
    free(sheet);
    eg_hc_free(&r);

    REQUIRE(!eg_hc_request(srv.port, "GET", "/api/v1/audit?format=xlsx", adm, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 200);
    strs = xlsx_strings(r.body, r.body_len, &sheet);
    int times = 0;
    for (const char *p = strs; p && *p;) {
        const char *nl = strchr(p, '\n');
        char line[64];
        size_t len = (size_t)(nl - p);
        if (len < sizeof line) {
            memcpy(line, p, len);
            line[len] = '\0';
            times += is_beijing_time(line);
        }
        p = nl + 1;
    }
    CHECK(times >= 20); /* every audit row's time (the fixture made more than 20 records) */
    CHECK(has_line(strs, "新增") && has_line(strs, "排污许可证"));
    /* the time is a text cell, not the epoch number (which would be a <v> of 10 digits) */
    char epoch[32];
    snprintf(epoch, sizeof epoch, "<v>%lld", (long long)eg_time_now() / 100000);
    CHECK(strstr(sheet, epoch) == NULL);
    free(strs);
    free(sheet);
    eg_hc_free(&r);
    free(adm);
    eg_hs_stop(&srv);
}

TEST(http_export_malformed_format_and_truncated_zip_are_refused)
{
    setup();
    char *adm = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    REQUIRE(adm);
    int st;
    static const char *const bad[] = {"/api/v1/units?format=CSV", "/api/v1/units?format=xls",
                                      "/api/v1/units?format=", "/api/v1/audit?format=csv&limit=0",
                                      "/api/v1/units?format=csv&limit=0"};
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        json_t *x = get_csv(adm, bad[i], &st);
        if (st != 400)
            fprintf(stderr, "    %s answered %d\n", bad[i], st);
        CHECK_EQ_INT(st, 400);
        json_decref(x);
    }
    /* an oversized reference filter is refused, not looked up */
    char path[1200] = "/api/v1/units?format=csv&region_id=";
    size_t n = strlen(path);
    memset(path + n, '9', 1000);
    path[n + 1000] = '\0';
    json_t *x = get_csv(adm, path, &st);
    CHECK(st == 400 || st == 422);
    json_decref(x);
    /* the reader itself refuses a truncated workbook */
    struct eg_hc_resp r;
    REQUIRE(!eg_hc_request(srv.port, "GET", "/api/v1/units?format=xlsx", adm, NULL, NULL, 0, &r));
    CHECK(zip_entry(r.body, r.body_len / 2, "xl/worksheets/sheet1.xml") == NULL);
    eg_hc_free(&r);
    free(adm);
    eg_hs_stop(&srv);
}
