/* Tests of registry/import.c: CSV in UTF-8, UTF-8 with BOM and GBK (as Excel writes on Chinese
   Windows), English and Chinese headers, RFC 4180 quoting with line numbers, dry runs, and
   all-or-nothing: one rejected row writes nothing and every rejected row is reported. */
#include "auth/auth.h"
#include "registry/registry.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_db *open_db(void)
{
    return eg_tfx_open(
        "imp.db", "INSERT INTO regions(code,name,level) VALUES ('310115','浦东新区','district');"
                  "INSERT INTO regions(code,name,level,parent_id) VALUES "
                  "('310115005','陆家嘴街道','street',1);"
                  "INSERT INTO regions(code,name,level,parent_id) VALUES "
                  "('310115125','张江镇','street',1);");
}

static int64_t count(struct eg_db *st, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    struct eg_stmt *s;
    REQUIRE(eg_db_prepare(st, sql, &s, NULL) == 0);
    REQUIRE(eg_stmt_step(s, NULL) == 1);
    int64_t n = eg_stmt_int(s, 0);
    eg_stmt_done(s);
    return n;
}

static int import(struct eg_db *st, const char *res, const char *csv, size_t len, int dry,
                  struct eg_import_report *rep, struct eg_err *err)
{
    struct eg_import_opts o = {.dry_run = dry};
    return eg_import_csv(st, eg_registry_find(res), &eg_principal_system, csv,
                         len ? len : strlen(csv), &o, rep, err);
}

/* valid GB 32100-2015 codes */
#define CC1 "91310115MA1000017Q"
#define CC2 "91310115MA1000025K"
#define CC3 "91310115MA1000033E"

TEST(import_utf8_english_headers_all_rows_written)
{
    struct eg_db *st = open_db();
    const char *csv = "name,kind,credit_code,region_id,key_air,lon,lat\n"
                      "甲化工有限公司（演示）,enterprise," CC1 ",310115005,1,121.5,31.2\n"
                      "乙电子有限公司（演示）,enterprise," CC2 ",310115125,0,,\n";
    struct eg_import_report rep;
    struct eg_err err;
    CHECK_EQ_INT(import(st, "units", csv, 0, 0, &rep, &err), 0);
    CHECK_STR(rep.encoding, "utf-8");
    CHECK_EQ_INT(rep.rows, 2);
    CHECK_EQ_INT(rep.accepted, 2);
    CHECK_EQ_INT(rep.written, 1);
    CHECK_EQ_INT(count(st, "units"), 2);
    CHECK_EQ_INT(count(st, "audit_log"), 2);
    eg_import_report_free(&rep);
    eg_db_close(st);
}

TEST(import_bom_chinese_headers_and_chinese_values)
{
    struct eg_db *st = open_db();
    const char *csv =
        "\xEF\xBB\xBF单位名称,单位类型,统一社会信用代码,所属区域,大气环境重点排污单位,公开\r\n"
        "甲化工有限公司（演示）,排污单位," CC1 ",310115005,是,否\r\n"
        "示例园区,园区,,310115125,否,是\r\n";
    struct eg_import_report rep;
    struct eg_err err;
    CHECK_EQ_INT(import(st, "units", csv, 0, 0, &rep, &err), 0);
    CHECK_STR(rep.encoding, "utf-8-bom");
    CHECK_EQ_INT(rep.accepted, 2);
    json_t *row = NULL;
    REQUIRE(eg_registry_get(st, eg_registry_find("units"), &eg_principal_system, 1, &row, NULL) ==
            0);
    CHECK_STR(json_string_value(json_object_get(row, "kind")), "enterprise");
    CHECK(json_is_true(json_object_get(row, "key_air")));
    CHECK_STR(json_string_value(json_object_get(row, "name")), "甲化工有限公司（演示）");
    json_decref(row);
    eg_import_report_free(&rep);
    eg_db_close(st);
}

TEST(import_gbk_as_excel_writes_it_on_chinese_windows)
{
    struct eg_db *st = open_db();
    const char *utf8 = "单位名称,单位类型,统一社会信用代码,地址\r\n"
                       "甲化工有限公司,排污单位," CC1 ",上海市浦东新区张江镇\r\n";
    /* convert to GBK the way Excel saves "CSV" on zh-CN Windows */
    char gbk[512];
    size_t n = eg_tfx_gbk(utf8, gbk, sizeof gbk);
    struct eg_import_report rep;
    struct eg_err err;
    CHECK_EQ_INT(import(st, "units", gbk, n, 0, &rep, &err), 0);
    CHECK_STR(rep.encoding, "gb18030");
    json_t *row = NULL;
    REQUIRE(eg_registry_get(st, eg_registry_find("units"), &eg_principal_system, 1, &row, NULL) ==
            0);
    CHECK_STR(json_string_value(json_object_get(row, "name")), "甲化工有限公司");
    CHECK_STR(json_string_value(json_object_get(row, "address")), "上海市浦东新区张江镇");
    json_decref(row);
    eg_import_report_free(&rep);
    /* bytes that are neither UTF-8 nor GB 18030 */
    CHECK_EQ_INT(import(st, "units", "name,kind\n\xFF\xFF,park\n", 0, 0, &rep, &err), EG_EINVAL);
    CHECK_STR(err.code, "encoding");
    eg_import_report_free(&rep);
    eg_db_close(st);
}

TEST(import_one_bad_row_writes_nothing_and_every_bad_row_is_reported)
{
    struct eg_db *st = open_db();
    const char *csv = "name,kind,credit_code\n"
                      "good one,enterprise," CC1 "\n"
                      "bad checksum,enterprise,91310115MA1000017R\n"
                      "good two,enterprise," CC2 "\n"
                      "bad kind,factory,\n"
                      "dup,enterprise," CC1 "\n"
                      "too,many,fields,here\n"
                      "good three,enterprise," CC3 "\n";
    struct eg_import_report rep;
    struct eg_err err;
    CHECK_EQ_INT(import(st, "units", csv, 0, 0, &rep, &err), EG_EINVAL);
    CHECK_EQ_INT(rep.rows, 7);
    CHECK_EQ_INT(rep.accepted, 3);
    CHECK_EQ_INT(rep.rejected, 4);
    CHECK_EQ_INT(rep.written, 0);
    CHECK_EQ_INT(count(st, "units"), 0);
    CHECK_EQ_INT(count(st, "audit_log"), 0);
    REQUIRE(json_array_size(rep.errors) == 4);
    static const int lines[] = {3, 5, 6, 7};
    static const char *const fields[] = {"credit_code", "kind", NULL, NULL};
    for (int i = 0; i < 4; i++) {
        json_t *e = json_array_get(rep.errors, (size_t)i);
        CHECK_EQ_INT(json_integer_value(json_object_get(e, "line")), lines[i]);
        if (fields[i])
            CHECK_STR(json_string_value(json_object_get(e, "field")), fields[i]);
    }
    CHECK_STR(json_string_value(json_object_get(json_array_get(rep.errors, 2), "code")),
              "duplicate");
    eg_import_report_free(&rep);
    eg_db_close(st);
}

TEST(import_dry_run_checks_and_writes_nothing)
{
    struct eg_db *st = open_db();
    const char *csv = "name,kind\nA,park\nB,building\n";
    struct eg_import_report rep;
    struct eg_err err;
    CHECK_EQ_INT(import(st, "units", csv, 0, 1, &rep, &err), 0);
    CHECK_EQ_INT(rep.accepted, 2);
    CHECK_EQ_INT(rep.written, 0);
    CHECK_EQ_INT(count(st, "units"), 0);
    eg_import_report_free(&rep);
    eg_db_close(st);
}

TEST(import_rfc4180_quotes_commas_newlines_and_line_numbers)
{
    struct eg_db *st = open_db();
    const char *csv = "name,kind,address\n"
                      "\"Smith, \"\"Ltd\"\"\",park,\"line one\nline two\"\n"
                      "\n"
                      "\"O'Brien; DROP TABLE units;--\",park,100%\n"
                      "bad,planet,x\n";
    struct eg_import_report rep;
    struct eg_err err;
    CHECK_EQ_INT(import(st, "units", csv, 0, 1, &rep, &err), EG_EINVAL);
    CHECK_EQ_INT(rep.rows, 3);
    REQUIRE(json_array_size(rep.errors) == 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(rep.errors, 0), "line")), 6);
    eg_import_report_free(&rep);
    csv = "name,kind,address\n\"Smith, \"\"Ltd\"\"\",park,\"line one\nline two\"\n";
    CHECK_EQ_INT(import(st, "units", csv, 0, 0, &rep, &err), 0);
    json_t *row = NULL;
    /* the id is not always 1: on PostgreSQL the rolled-back import used ids (sequences are not
       transactional) */
    int64_t id = eg_tfx_int(st, "SELECT MAX(id) FROM units");
    REQUIRE(eg_registry_get(st, eg_registry_find("units"), &eg_principal_system, id, &row, NULL) ==
            0);
    CHECK_STR(json_string_value(json_object_get(row, "name")), "Smith, \"Ltd\"");
    CHECK_STR(json_string_value(json_object_get(row, "address")), "line one\nline two");
    json_decref(row);
    eg_import_report_free(&rep);
    /* an unterminated quote is reported with its line, nothing written */
    CHECK_EQ_INT(import(st, "units", "name,kind\nA,park\n\"B,park\n", 0, 0, &rep, &err), EG_EINVAL);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(rep.errors, 0), "line")), 3);
    CHECK_EQ_INT(count(st, "units"), 1);
    eg_import_report_free(&rep);
    eg_db_close(st);
}

TEST(import_header_errors)
{
    struct eg_db *st = open_db();
    struct eg_import_report rep;
    struct eg_err err;
    CHECK_EQ_INT(import(st, "units", "name,colour\nA,red\n", 0, 0, &rep, &err), EG_EINVAL);
    CHECK_STR(err.code, "header");
    eg_import_report_free(&rep);
    CHECK_EQ_INT(import(st, "units", "name,单位名称\nA,B\n", 0, 0, &rep, &err), EG_EINVAL);
    CHECK_STR(err.code, "header");
    eg_import_report_free(&rep);
    CHECK_EQ_INT(import(st, "units", "", 0, 0, &rep, &err), EG_EINVAL);
    eg_import_report_free(&rep);
    CHECK_EQ_INT(import(st, "audit", "actor\nx\n", 0, 0, &rep, &err), EG_EPERM);
    eg_import_report_free(&rep);
    struct eg_import_opts o = {.max_bytes = 10};
    CHECK_EQ_INT(eg_import_csv(st, eg_registry_find("units"), &eg_principal_system,
                               "name,kind\nA,park\n", 17, &o, &rep, &err),
                 EG_ETOOBIG);
    eg_import_report_free(&rep);
    CHECK_EQ_INT(count(st, "units"), 0);
    eg_db_close(st);
}

TEST(import_chain_units_outlets_permits_limits_devices_by_natural_keys)
{
    struct eg_db *st = open_db();
    struct eg_import_report rep;
    struct eg_err err;
    CHECK_EQ_INT(
        import(st, "units", "name,kind,credit_code\n甲,enterprise," CC1 "\n", 0, 0, &rep, &err), 0);
    eg_import_report_free(&rep);
    CHECK_EQ_INT(import(st, "outlets",
                        "所属单位,排放口编号,排放口类型\n" CC1 ",DA001,废气\n" CC1 ",DW001,废水\n",
                        0, 0, &rep, &err),
                 0);
    eg_import_report_free(&rep);
    CHECK_EQ_INT(import(st, "permits",
                        "许可证编号,持证单位,管理类别,有效期起,有效期止\n" CC1 "001V," CC1
                        ",重点管理,2023/1/1,2027/12/31\n",
                        0, 0, &rep, &err),
                 0);
    eg_import_report_free(&rep);
    CHECK_EQ_INT(import(st, "permit_limits",
                        "permit_id,outlet_id,pollutant,conc_limit,conc_unit,standard\n" CC1
                        "001V," CC1 "/DA001,a24088,70,mg/m3,DB31/933-2015\n",
                        0, 0, &rep, &err),
                 0);
    eg_import_report_free(&rep);
    int r =
        import(st, "devices",
               "设备MN号,访问密码,排放口,监测因子\n31011510000001,s3cret," CC1 "/DA001,a24088\n", 0,
               0, &rep, &err);
    if (r < 0)
        fprintf(stderr, "%s\n", err.msg);
    CHECK_EQ_INT(r, 0);
    eg_import_report_free(&rep);
    int64_t id = 0;
    CHECK_EQ_INT(eg_registry_device_check(st, "31011510000001", "s3cret", 6, &id, &err), 0);
    CHECK_EQ_INT(count(st, "permit_limits"), 1);
    eg_db_close(st);
}

TEST(import_respects_scope_street_user_outside_region_rejected)
{
    struct eg_db *st = open_db();
    struct eg_principal street = {EG_ROLE_STREET, 7, "str", "310115005", 0};
    struct eg_import_opts o = {0};
    struct eg_import_report rep;
    struct eg_err err;
    const char *csv =
        "name,kind,region_id\n社区甲,community,310115005\n社区乙,community,310115125\n";
    CHECK_EQ_INT(
        eg_import_csv(st, eg_registry_find("units"), &street, csv, strlen(csv), &o, &rep, &err),
        EG_EINVAL);
    CHECK_EQ_INT(rep.rejected, 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(rep.errors, 0), "line")), 3);
    eg_import_report_free(&rep);
    struct eg_principal anon = {EG_ROLE_ANON, 0, "", "", 0};
    CHECK_EQ_INT(
        eg_import_csv(st, eg_registry_find("units"), &anon, csv, strlen(csv), &o, &rep, &err),
        EG_EAUTH);
    eg_import_report_free(&rep);
    CHECK_EQ_INT(count(st, "units"), 0);
    eg_db_close(st);
}
