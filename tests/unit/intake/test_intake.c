/*
 * test_intake.c: the parts of intake that need no workflow engine — locating (GCJ-02 and
 * point in polygon over data/geo), receipt codes, validation of hostile input, photos by their
 * bytes, the rate limit, the checklist loader.
 */
#include "intake/intake.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *locate(double lon, double lat, char code[16])
{
    const char *name = NULL;
    if (eg_geo_locate(eg_geo_embedded(), lon, lat, code, &name))
        return NULL;
    return name;
}

/* The three shipped maps hold 36 + 10 + 13 streets (data/geo/README.md). */
TEST(intake_geo_embedded_maps_hold_59_streets)
{
    CHECK_EQ_INT(eg_geo_count(eg_geo_embedded()), 59);
}

TEST(intake_geo_locates_points_into_their_streets)
{
    char code[16];
    CHECK_STR(locate(121.504, 31.2409, code), "陆家嘴街道");
    CHECK_STR(code, "310115005");
    CHECK_STR(locate(121.6207, 31.1894, code), "张江镇");
    CHECK_STR(code, "310115125");
    /* 东明路街道 lies wholly inside 三林镇, whose polygon carries it as a hole (data/geo/README) */
    CHECK_STR(locate(121.507, 31.1449, code), "东明路街道");
    CHECK_STR(code, "310115015");
    CHECK_STR(locate(121.5057, 31.1339, code), "三林镇");
    /* 人民广场 is in 黄浦区, whose streets are not shipped; the East China Sea; NaN */
    CHECK(locate(121.4737, 31.2304, code) == NULL);
    CHECK(locate(122.5, 31.0, code) == NULL);
    CHECK(locate(NAN, 31.0, code) == NULL);
}

/* GCJ-02: in Shanghai about 420 m east and 220 m south of WGS-84 (the shared geo README, checked
   against 1,248 DataV vertices); the inverse returns the WGS-84 point within 1e-6 degrees. */
TEST(intake_gcj02_round_trip_and_offset)
{
    double glon, glat, wlon, wlat;
    eg_geo_wgs84_to_gcj02(121.5, 31.2279, &glon, &glat);
    double east_m = (glon - 121.5) * 111320.0 * cos(31.2279 * M_PI / 180);
    double north_m = (glat - 31.2279) * 110574.0;
    CHECK(east_m > 380 && east_m < 460);
    CHECK(north_m < -180 && north_m > -260);
    eg_geo_gcj02_to_wgs84(glon, glat, &wlon, &wlat);
    CHECK_EQ_DBL(wlon, 121.5, 1e-6);
    CHECK_EQ_DBL(wlat, 31.2279, 1e-6);
}

/* A point of 陆家嘴 near its border with 潍坊新村: its GCJ-02 coordinates read as WGS-84 would
   place the complaint in the wrong street; converted, they place it right. */
TEST(intake_gcj02_point_lands_in_the_right_street_only_when_converted)
{
    double glon, glat, wlon, wlat;
    char code[16];
    eg_geo_wgs84_to_gcj02(121.5, 31.2279, &glon, &glat);
    CHECK_STR(locate(121.5, 31.2279, code), "陆家嘴街道");
    CHECK_STR(locate(glon, glat, code), "潍坊新村街道");
    json_t *in = json_pack("{s:s,s:s,s:f,s:f,s:s}", "kind", "noise", "description", "夜间施工",
                           "lat", glat, "long", glon, "coord_system", "gcj02");
    struct eg_intake_input v;
    struct eg_err err = {0};
    REQUIRE(eg_intake_validate(in, &v, &err) == 0);
    eg_geo_gcj02_to_wgs84(glon, glat, &wlon, &wlat);
    CHECK_EQ_DBL(v.lon, wlon, 1e-9);
    CHECK_STR(locate(v.lon, v.lat, code), "陆家嘴街道");
    json_decref(in);
}

TEST(intake_geo_refuses_malformed_maps_naming_the_feature)
{
    static const char *const bad[] = {
        "",
        "{",
        "{\"features\":3}",
        "{\"features\":[{\"properties\":{\"name\":\"x\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}}]}",
        "{\"features\":[{\"properties\":{\"name\":\"x\",\"adcode\":310115005},\"geometry\":"
        "{\"type\":\"Point\",\"coordinates\":[0,0]}}]}",
        "{\"features\":[{\"properties\":{\"name\":\"x\",\"adcode\":310115005},\"geometry\":"
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}}]}",
        "{\"features\":[{\"properties\":{\"name\":\"x\",\"adcode\":310115005},\"geometry\":"
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,\"a\"],[1,1],[0,0]]]}}]}",
        "{\"features\":[{\"properties\":{\"name\":\"x\",\"adcode\":310115005},\"geometry\":"
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,91],[0,0]]]}}]}",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        struct eg_geo *g = eg_geo_new();
        struct eg_err err = {0};
        CHECK_EQ_INT(eg_geo_add(g, "t.geojson", bad[i], strlen(bad[i]), &err), EG_EINVAL);
        CHECK(strstr(err.msg, "t.geojson") != NULL);
        eg_geo_free(g);
    }
}

TEST(intake_receipt_codes_are_random_base32_and_normalise)
{
    char a[EG_RECEIPT_LEN + 1], b[EG_RECEIPT_LEN + 1], n[EG_RECEIPT_LEN + 1];
    eg_intake_receipt_new(a);
    eg_intake_receipt_new(b);
    CHECK_EQ_INT(strlen(a), 10);
    CHECK(strcmp(a, b) != 0);
    CHECK(strspn(a, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") == 10);
    struct eg_err err = {0};
    CHECK_EQ_INT(eg_intake_receipt_norm("abcd-efgh o1", n, &err), 0);
    CHECK_STR(n, "ABCDEFGH01");
    CHECK_EQ_INT(eg_intake_receipt_norm("il00000000", n, &err), 0);
    CHECK_STR(n, "1100000000");
    CHECK_EQ_INT(eg_intake_receipt_norm("ABCDEFGH0", n, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_intake_receipt_norm("ABCDEFGH012", n, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_intake_receipt_norm("ABCDEFGH0U", n, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_intake_receipt_norm("1' OR '1'='", n, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_intake_receipt_norm(NULL, n, &err), EG_EINVAL);
    /* 1,000 codes: no two alike (50 bits each) */
    char(*many)[EG_RECEIPT_LEN + 1] = malloc(1000 * sizeof *many);
    for (int i = 0; i < 1000; i++)
        eg_intake_receipt_new(many[i]);
    int dup = 0;
    for (int i = 0; i < 1000; i++)
        for (int j = i + 1; j < 1000; j++)
            dup += !strcmp(many[i], many[j]);
    CHECK_EQ_INT(dup, 0);
    free(many);
}

static int validate_code(const char *json, char code[32])
{
    json_error_t je;
    json_t *in = json_loads(json, JSON_ALLOW_NUL, &je);
    struct eg_intake_input v;
    struct eg_err err = {0};
    int rc = in ? eg_intake_validate(in, &v, &err) : -100;
    snprintf(code, 32, "%s", err.code);
    json_decref(in);
    return rc;
}

TEST(intake_validate_accepts_a_plain_complaint_and_chinese_kind)
{
    json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "kind", "异味臭气", "description",
                           "<script>alert(1)</script>'; DROP TABLE units;--", "region", "310115005",
                           "address_string", "浦东南路1号");
    struct eg_intake_input v;
    struct eg_err err = {0};
    REQUIRE(eg_intake_validate(in, &v, &err) == 0);
    CHECK_STR(v.kind->code, "odour");
    CHECK_STR(v.region_code, "310115005");
    CHECK_STR(v.address, "浦东南路1号");
    CHECK(!v.has_point);
    /* text is kept as given (it is data, escaped where shown), not "sanitised" */
    CHECK(strstr(v.description, "DROP TABLE") != NULL);
    json_decref(in);
}

TEST(intake_validate_refuses_hostile_input_with_the_field)
{
    char code[32];
    CHECK_EQ_INT(validate_code("[]", code), EG_EINVAL);
    CHECK_STR(code, "not_object");
    CHECK_EQ_INT(validate_code("{\"description\":\"x\",\"region\":\"310115005\"}", code),
                 EG_EINVAL);
    CHECK_STR(code, "kind");
    CHECK_EQ_INT(validate_code("{\"kind\":\"alien\",\"description\":\"x\",\"region\":\"1\"}", code),
                 EG_EINVAL);
    CHECK_STR(code, "kind");
    CHECK_EQ_INT(validate_code("{\"kind\":7,\"description\":\"x\",\"region\":\"1\"}", code),
                 EG_EINVAL);
    CHECK_STR(code, "wrong_type");
    CHECK_EQ_INT(
        validate_code("{\"kind\":\"noise\",\"description\":\"  \",\"region\":\"1\"}", code),
        EG_EINVAL);
    CHECK_STR(code, "description");
    CHECK_EQ_INT(
        validate_code("{\"kind\":\"noise\",\"description\":\"a\\u0000b\",\"region\":\"1\"}", code),
        EG_EINVAL);
    CHECK_STR(code, "description");
    CHECK_EQ_INT(
        validate_code("{\"kind\":\"noise\",\"description\":\"a\\u001bb\",\"region\":\"1\"}", code),
        EG_EINVAL);
    CHECK_STR(code, "description");
    CHECK_EQ_INT(validate_code("{\"kind\":\"noise\",\"description\":\"x\",\"admin\":true,"
                               "\"region\":\"1\"}",
                               code),
                 EG_EINVAL);
    CHECK_STR(code, "unknown_field");
    CHECK_EQ_INT(validate_code("{\"kind\":\"noise\",\"description\":\"x\"}", code), EG_EINVAL);
    CHECK_STR(code, "location");
    CHECK_EQ_INT(validate_code("{\"kind\":\"noise\",\"description\":\"x\",\"lat\":31.2}", code),
                 EG_EINVAL);
    CHECK_STR(code, "long");
    CHECK_EQ_INT(validate_code("{\"kind\":\"noise\",\"description\":\"x\",\"lat\":\"abc\","
                               "\"long\":121.5}",
                               code),
                 EG_EINVAL);
    CHECK_STR(code, "lat");
    CHECK_EQ_INT(validate_code("{\"kind\":\"noise\",\"description\":\"x\",\"lat\":true,"
                               "\"long\":121.5}",
                               code),
                 EG_EINVAL);
    CHECK_STR(code, "wrong_type");
    CHECK_EQ_INT(validate_code("{\"kind\":\"noise\",\"description\":\"x\",\"lat\":95,"
                               "\"long\":121.5}",
                               code),
                 EG_EINVAL);
    CHECK_STR(code, "lat");
    /* lat and long swapped: outside Shanghai, the message says so */
    CHECK_EQ_INT(validate_code("{\"kind\":\"noise\",\"description\":\"x\",\"lat\":121.5,"
                               "\"long\":31.2}",
                               code),
                 EG_EINVAL);
    CHECK_EQ_INT(validate_code("{\"kind\":\"noise\",\"description\":\"x\",\"lat\":39.9,"
                               "\"long\":116.4}",
                               code),
                 EG_EINVAL);
    CHECK_STR(code, "location");
    CHECK_EQ_INT(validate_code("{\"kind\":\"noise\",\"description\":\"x\",\"lat\":31.2,"
                               "\"long\":121.5,\"coord_system\":\"bd09\"}",
                               code),
                 EG_EINVAL);
    CHECK_STR(code, "coord_system");
    CHECK_EQ_INT(validate_code("{\"kind\":\"noise\",\"description\":\"x\",\"region\":"
                               "\"310115005\",\"contact\":{\"phone\":1}}",
                               code),
                 EG_EINVAL);
    CHECK_STR(code, "wrong_type");
}

/* The text limit counts characters, not bytes: 2,000 Chinese characters (6,000 bytes) pass,
   2,001 do not; invalid UTF-8 (an overlong '/', a lone surrogate) is refused. */
TEST(intake_text_limit_counts_characters_and_refuses_bad_utf8)
{
    struct eg_buf b = {0};
    for (int i = 0; i < 2000; i++)
        eg_buf_puts(&b, "噪");
    struct eg_err err = {0};
    CHECK_EQ_INT(eg_intake_text_check(b.data, b.len, EG_INTAKE_MAX_TEXT, 1, "description", &err),
                 0);
    eg_buf_puts(&b, "a");
    CHECK_EQ_INT(eg_intake_text_check(b.data, b.len, EG_INTAKE_MAX_TEXT, 1, "description", &err),
                 EG_EINVAL);
    CHECK(strstr(err.msg, "2001") != NULL);
    eg_buf_free(&b);
    CHECK_EQ_INT(eg_intake_text_check("\xC0\xAF", 2, 10, 1, "d", &err), EG_EINVAL);
    CHECK_EQ_INT(eg_intake_text_check("\xED\xA0\x80", 3, 10, 1, "d", &err), EG_EINVAL);
    CHECK_EQ_INT(eg_intake_text_check("\xE5\x99", 2, 10, 1, "d", &err), EG_EINVAL);
    CHECK_EQ_INT(eg_intake_text_check("a\r\nb\tc", 6, 10, 1, "d", &err), 0);
}

TEST(intake_photos_judged_by_their_bytes)
{
    static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'};
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
    static const unsigned char webp[] = "RIFF\x10\0\0\0WEBPVP8 ";
    static const unsigned char exe[] = "MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff";
    static const char html[] = "<html><script>alert(1)</script>";
    static const char pdf[] = "%PDF-1.7\n";
    const char *t = NULL;
    struct eg_err err = {0};
    CHECK_EQ_INT(eg_intake_photo_check(jpeg, sizeof jpeg, &t, &err), 0);
    CHECK_STR(t, "image/jpeg");
    CHECK_EQ_INT(eg_intake_photo_check(png, sizeof png, &t, &err), 0);
    CHECK_STR(t, "image/png");
    CHECK_EQ_INT(eg_intake_photo_check(webp, sizeof webp - 1, &t, &err), 0);
    CHECK_STR(t, "image/webp");
    CHECK_EQ_INT(eg_intake_photo_check(exe, sizeof exe, &t, &err), EG_EINVAL);
    CHECK_STR(err.code, "photo");
    CHECK_EQ_INT(eg_intake_photo_check(html, strlen(html), &t, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_intake_photo_check(pdf, strlen(pdf), &t, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_intake_photo_check(jpeg, 2, &t, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_intake_photo_check("", 0, &t, &err), EG_EINVAL);
    /* a JPEG head on 5 MB + 1 byte: too big, whatever it is */
    size_t big = EG_INTAKE_MAX_PHOTO + 1;
    unsigned char *p = calloc(1, big);
    memcpy(p, jpeg, sizeof jpeg);
    CHECK_EQ_INT(eg_intake_photo_check(p, big, &t, &err), EG_ETOOBIG);
    CHECK_EQ_INT(eg_intake_photo_check(p, big - 1, &t, &err), 0);
    free(p);
}

TEST(intake_rate_limit_per_address_and_window)
{
    struct eg_db *db = eg_tfx_open("rate.db", NULL);
    REQUIRE(db);
    struct eg_err err = {0};
    int64_t t0 = 1700000000 - 1700000000 % 3600, ra = 0;
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(eg_intake_rate_hit(db, "10.0.0.1", t0 + i, 5, 3600, &ra, &err), 0);
    CHECK_EQ_INT(eg_intake_rate_hit(db, "10.0.0.1", t0 + 10, 5, 3600, &ra, &err), EG_ERATE);
    CHECK_STR(err.code, "rate_limited");
    CHECK_EQ_INT(ra, 3590);
    /* another address is not affected */
    CHECK_EQ_INT(eg_intake_rate_hit(db, "10.0.0.2", t0 + 10, 5, 3600, &ra, &err), 0);
    /* the next window starts afresh and prunes the old one */
    CHECK_EQ_INT(eg_intake_rate_hit(db, "10.0.0.1", t0 + 3600, 5, 3600, &ra, &err), 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM intake_rate"), 1);
    eg_db_close(db);
}

static int parse_err(const char *text, char msg[256])
{
    struct eg_checklist *c = NULL;
    struct eg_err err = {0};
    int rc = eg_checklist_parse("x.tsv", text, strlen(text), &c, &err);
    snprintf(msg, 256, "%s", err.msg);
    eg_checklist_free(c);
    return rc;
}

TEST(intake_checklists_shipped_all_load)
{
    json_t *all = NULL;
    struct eg_err err = {0};
    REQUIRE(eg_checklists_json(&all, &err) == 0);
    CHECK(json_array_size(all) >= 2);
    struct eg_checklist *c = NULL;
    REQUIRE(eg_checklist_load("general_industry", &c, &err) == 0);
    CHECK_STR(c->title_zh, "一般工业企业环保管家现场巡查");
    CHECK(c->nitems >= 10);
    CHECK(eg_checklist_item(c, "D02") != NULL);
    const struct eg_checklist_severity *s = eg_checklist_severity(c, "major");
    REQUIRE(s);
    CHECK_EQ_INT(s->action, 1);
    CHECK_EQ_INT(eg_checklist_severity(c, "advice")->action, 0);
    eg_checklist_free(c);
    CHECK_EQ_INT(eg_checklist_load("../migrations/001_registry", &c, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_checklist_load("nosuch", &c, &err), EG_ENOTFOUND);
    json_decref(all);
}

TEST(intake_checklist_errors_name_file_line_and_field)
{
    char m[256];
    const char *head = "checklist\tt\t测试\nseverity\t0\tok\t符合\t0\nseverity\t2\tbad\t问题\t1\n";
    char buf[1024];
    snprintf(buf, sizeof buf, "%sitem\tA1\t类\t内容\n", head);
    CHECK_EQ_INT(parse_err(buf, m), 0);
    snprintf(buf, sizeof buf, "%s# c\n\nitem\ta1\t类\t内容\n", head);
    CHECK_EQ_INT(parse_err(buf, m), EG_EINVAL);
    CHECK(strstr(m, "x.tsv:6: item.code") != NULL);
    snprintf(buf, sizeof buf, "%sitem\tA1\t类\n", head);
    CHECK_EQ_INT(parse_err(buf, m), EG_EINVAL);
    CHECK(strstr(m, "x.tsv:4: item:") != NULL);
    snprintf(buf, sizeof buf, "%sitem\tA1\t类\t内容\nitem\tA1\t类\t又\n", head);
    CHECK_EQ_INT(parse_err(buf, m), EG_EINVAL);
    CHECK(strstr(m, "x.tsv:5: item.code: appears twice") != NULL);
    CHECK_EQ_INT(parse_err("checklist\tt\t测试\nseverity\tx\tok\t符合\t0\n", m), EG_EINVAL);
    CHECK(strstr(m, "x.tsv:2: severity.level") != NULL);
    CHECK_EQ_INT(
        parse_err("checklist\tt\t测试\nseverity\t1\tok\t符合\t0\nseverity\t1\tb\tb\t1\n", m),
        EG_EINVAL);
    CHECK(strstr(m, "x.tsv:3: severity.level") != NULL);
    CHECK_EQ_INT(parse_err("checklist\tt\t测试\nseverity\t1\tok\t符合\t2\n", m), EG_EINVAL);
    CHECK(strstr(m, "severity.action") != NULL);
    CHECK_EQ_INT(parse_err("checklist\tt\t测试\nseverity\t1\tok\t符合\t0\nitem\tA\tb\tc\n", m),
                 EG_EINVAL);
    CHECK(strstr(m, "action 0 and one with action 1") != NULL);
    CHECK_EQ_INT(parse_err("item\tA\tb\tc\n", m), EG_EINVAL);
    CHECK(strstr(m, "x.tsv:1: checklist") != NULL);
    CHECK_EQ_INT(parse_err(head, m), EG_EINVAL);
    CHECK(strstr(m, "no items") != NULL);
    CHECK_EQ_INT(parse_err("", m), EG_EINVAL);
    snprintf(buf, sizeof buf, "%sbogus\tA1\n", head);
    CHECK_EQ_INT(parse_err(buf, m), EG_EINVAL);
    CHECK(strstr(m, "x.tsv:4: record: unknown record \"bogus\"") != NULL);
    snprintf(buf, sizeof buf, "%sitem\tA1\t类\t\xff\xfe\n", head);
    CHECK_EQ_INT(parse_err(buf, m), EG_EINVAL);
    CHECK(strstr(m, "x.tsv:4: item.text_zh") != NULL);
    /* CRLF and a BOM are fine */
    CHECK_EQ_INT(
        parse_err("\xEF\xBB\xBF"
                  "checklist\tt\t测\r\nseverity\t0\tok\t符合\t0\r\nseverity\t1\tb\tb\t1\r\n"
                  "item\tA\tb\tc\r\n",
                  m),
        0);
}
