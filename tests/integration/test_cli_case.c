/* `envgov case open|list|show|act|attach|fine|types` through the real binary over a real
   database file, on the shipped discretion rule set discretion-gd-2022 (GD 2022 Art. 6, weight
   accumulation: start 10 % + impact medium 6 % + duration 3–6 months 5 % + second violation 5 %
   + verified complaint 15 % = 41 % × 1,000,000 = 410,000 元; 按日连续处罚 (环境保护部令第28号
   Art. 17, 19): served 06-01, re-check 06-11 = 10 days × 410,000 = 4,100,000 元). Scene: 甲厂
   (unit 1, permit 11 valid, an expired permit 10), 乙厂 (unit 2, no permit), alert 7 about
   甲厂 opened 2024-05-01 (Beijing). Usage errors exit 2, refusals exit 1 with what to do. */
#include "db/db.h"
#include "test.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *path_of(const char *name)
{
    static char p[4][600];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", eg_test_tmpdir(), name);
    return p[k];
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    fwrite(data, 1, n, f);
    fclose(f);
}

/* Runs envgov with args; returns the exit code, keeps stdout and stderr until the next call. */
static char *out, *err;
static int run(const char *const *args)
{
    free(out);
    free(err);
    out = err = NULL;
    int rc = eg_test_run(args, NULL, 0, &out, &err);
    if (!out)
        out = strdup("");
    if (!err)
        err = strdup("");
    return rc;
}

static const char *scene_db(void)
{
    const char *db = path_of("case.db");
    struct eg_db *st;
    struct eg_err e;
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    REQUIRE(eg_db_exec(st,
                       "INSERT INTO regions (id, code, name, level) VALUES (1, 'D', '区', "
                       "'district');"
                       "INSERT INTO units (id, name, kind, region_id) VALUES (1, '甲厂', "
                       "'enterprise', 1), (2, '乙厂', 'enterprise', 1);"
                       "INSERT INTO permits (id, number, unit_id, category, valid_from, valid_to) "
                       "VALUES (10, 'P0', 1, 'key', '2010-01-01', '2015-01-01'), (11, 'P1', 1, "
                       "'key', '2020-01-01', '2099-12-31');"
                       "INSERT INTO alerts (id, rule, subject, source, unit_id, severity, title, "
                       "evidence, opened_at, last_seen_at) VALUES (7, 'exceedance', 'MN1|a21026', "
                       "'MN1', 1, 3, '甲厂二氧化硫小时均值超标', '{}', 1714521600, 1714521600);",
                       &e) == 0);
    eg_db_close(st);
    return db;
}

TEST(cli_case_open_act_show_list_by_permit)
{
    const char *db = scene_db();
    const char *help[] = {"case", "--help", NULL};
    CHECK_EQ_INT(run(help), 0);
    CHECK(strstr(out, "立案") != NULL);
    const char *none[] = {"case", NULL};
    CHECK_EQ_INT(run(none), 2);
    const char *bad_verb[] = {"case", "frobnicate", NULL};
    CHECK_EQ_INT(run(bad_verb), 2);
    CHECK(strstr(err, "unknown verb") != NULL);

    /* From the alert: its unit, title and opening day (2024-05-01 08:00 Beijing); the permit in
       force on that day is filed (一证式), not the expired one. */
    const char *o1[] = {"case",           "open",   "--alert", "7", "--violation",
                        "air_exceedance", "--json", "--db",    db,  NULL};
    CHECK_EQ_INT(run(o1), 0);
    json_t *j = json_loads(out, 0, NULL);
    REQUIRE(j);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "unit_id")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "permit_id")), 11);
    CHECK_STR(json_string_value(json_object_get(j, "origin_ref")), "alert:7");
    CHECK_STR(json_string_value(json_object_get(j, "violation_date")), "2024-05-01");
    CHECK_STR(json_string_value(json_object_get(j, "title")), "甲厂二氧化硫小时均值超标");
    CHECK_STR(json_string_value(json_object_get(j, "state_zh")), "立案");
    long long id = json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    char sid[24];
    snprintf(sid, sizeof sid, "%lld", id);

    /* Refusals: an unknown violation names the ones allowed; another unit than the alert's;
       an unknown alert; no origin and no unit (usage). */
    const char *o2[] = {"case", "open", "--alert", "7", "--violation", "nope", "--db", db, NULL};
    CHECK_EQ_INT(run(o2), 1);
    CHECK(strstr(err, "use one of air_exceedance") != NULL);
    const char *o3[] = {"case",        "open",           "--alert", "7", "--unit", "2",
                        "--violation", "air_exceedance", "--db",    db,  NULL};
    CHECK_EQ_INT(run(o3), 1);
    CHECK(strstr(err, "leave the unit out") != NULL);
    const char *o4[] = {"case",           "open", "--alert", "999", "--violation",
                        "air_exceedance", "--db", db,        NULL};
    CHECK_EQ_INT(run(o4), 1);
    const char *o5[] = {"case", "open", "--violation", "air_exceedance", "--db", db, NULL};
    CHECK_EQ_INT(run(o5), 2);
    const char *o6[] = {"case",        "open", "--alert", "7", "--task", "3",
                        "--violation", "x",    "--db",    db,  NULL};
    CHECK_EQ_INT(run(o6), 2);
    const char *o7[] = {"case", "open", "--alert", "-3", "--violation", "x", "--db", db, NULL};
    CHECK_EQ_INT(run(o7), 2);
    const char *o8[] = {
        "case",           "open",  "--unit",       "2",    "--date", "2024-13-45", "--violation",
        "air_exceedance", "--ref", "纸质检查单 7", "--db", db,       NULL};
    CHECK_EQ_INT(run(o8), 1);
    CHECK(strstr(err, "violation_date") != NULL);
    /* Another origin with a unit and no permit in force: filed without one, shown as 无. */
    const char *o9[] = {"case",   "open",         "--unit",      "2",
                        "--date", "2024-06-01",   "--violation", "vocs_no_control",
                        "--ref",  "纸质检查单 7", "--db",        db,
                        NULL};
    CHECK_EQ_INT(run(o9), 0);
    CHECK(strstr(out, "排污许可证 无") != NULL);

    /* The workflow: forbidden steps refused (exit 1, the message names the state and what is
       possible), evidence needed to notify, the fine computed at 告知. */
    const char *a1[] = {"case", "act", sid, "notify", "--db", db, NULL};
    CHECK_EQ_INT(run(a1), 1);
    CHECK(strstr(err, "(state)") != NULL);
    const char *a2[] = {"case", "act", sid, "investigate", "--db", db, NULL};
    CHECK_EQ_INT(run(a2), 0);
    CHECK(strstr(out, "调查取证") != NULL);
    CHECK_EQ_INT(run(a1), 1);
    CHECK(strstr(err, "(attachment)") != NULL);
    const char *txt = path_of("note.txt");
    write_file(txt, "not a photo", 11);
    const char *t1[] = {"case", "attach", sid, txt, "--db", db, NULL};
    CHECK_EQ_INT(run(t1), 1);
    static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0};
    const char *jp = path_of("现场照片.jpg");
    write_file(jp, (const char *)jpeg, sizeof jpeg);
    const char *t2[] = {"case", "attach", sid, jp, "--db", db, NULL};
    CHECK_EQ_INT(run(t2), 0);
    CHECK(strstr(out, "image/jpeg") != NULL);
    const char *a3[] = {"case", "act", sid, "notify", "--factor", "impactmedium", "--db", db, NULL};
    CHECK_EQ_INT(run(a3), 2);
    const char *a4[] = {"case", "act", sid, "notify", "--factor", "impact=huge", "--db", db, NULL};
    CHECK_EQ_INT(run(a4), 1);
    CHECK(strstr(err, "use small, medium, large, major") != NULL);
    const char *a5[] = {"case",     "act",
                        sid,        "notify",
                        "--factor", "impact=medium",
                        "--factor", "duration=m3_6",
                        "--factor", "count=second",
                        "--factor", "complaint=verified",
                        "--db",     db,
                        NULL};
    CHECK_EQ_INT(run(a5), 0);
    CHECK(strstr(out, "告知") != NULL);
    CHECK(strstr(out, "41% × 法定最高罚款 1000000 元 = 410000.00 元") != NULL);
    CHECK(strstr(out, "罚款金额: 410000 元") != NULL);
    CHECK(strstr(out, "享有听证权利: 是") != NULL);
    const char *a6[] = {"case", "act", sid, "decide", "--decision", "penalty", "--db", db, NULL};
    CHECK_EQ_INT(run(a6), 1); /* a decision needs its reason */
    CHECK(strstr(err, "(reason)") != NULL);
    const char *a7[] = {"case",     "act",      sid,    "decide", "--decision", "penalty",
                        "--reason", "经查属实", "--db", db,       NULL};
    CHECK_EQ_INT(run(a7), 0);

    /* show: the computation step by step, the permit, the history in Chinese. */
    const char *s1[] = {"case", "show", sid, "--db", db, NULL};
    CHECK_EQ_INT(run(s1), 0);
    CHECK(strstr(out, "排污许可证: 编号 11") != NULL);
    CHECK(strstr(out, "案件来源: 预警 alert:7") != NULL);
    CHECK(strstr(out, "裁量起点 10%") != NULL);
    CHECK(strstr(out, "近一年信访投诉：经查实的信访投诉，+15%") != NULL);
    CHECK(strstr(out, "处理决定: 予以处罚") != NULL);
    CHECK(strstr(out, "告知 → 决定  理由: 经查属实") != NULL);
    CHECK(strstr(out, "serve（送达）") != NULL);
    const char *s2[] = {"case", "show", sid, "--json", "--db", db, NULL};
    CHECK_EQ_INT(run(s2), 0);
    j = json_loads(out, 0, NULL);
    REQUIRE(j);
    CHECK_EQ_DBL(json_number_value(json_object_get(json_object_get(j, "discretion"), "fine")),
                 410000, 0);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "history")), 4);
    json_decref(j);
    const char *s3[] = {"case", "show", "999", "--db", db, NULL};
    CHECK_EQ_INT(run(s3), 1);
    const char *s4[] = {"case", "show", "abc", "--db", db, NULL};
    CHECK_EQ_INT(run(s4), 2);

    /* list: Chinese header; by permit 11 only 甲厂's case; by state. */
    const char *l1[] = {"case", "list", "--db", db, NULL};
    CHECK_EQ_INT(run(l1), 0);
    CHECK(strstr(out, "编号\t状态\t单位\t排污许可证\t违法行为\t罚款（元）\t标题") != NULL);
    CHECK(strstr(out, "乙厂\t无\tvocs_no_control") != NULL);
    const char *l2[] = {"case", "list", "--permit", "11", "--json", "--db", db, NULL};
    CHECK_EQ_INT(run(l2), 0);
    CHECK(strstr(out, "乙厂") == NULL);
    CHECK(strstr(out, "\"permit_id\":11") != NULL);
    const char *l3[] = {"case", "list", "--state", "filed", "--db", db, NULL};
    CHECK_EQ_INT(run(l3), 0);
    CHECK(strstr(out, "乙厂") != NULL && strstr(out, "甲厂") == NULL);
    const char *l4[] = {"case", "list", "--state", "nonsense", "--db", db, NULL};
    CHECK_EQ_INT(run(l4), 1);
    const char *l5[] = {"case", "list", "extra", "--db", db, NULL};
    CHECK_EQ_INT(run(l5), 2);
    free(out);
    free(err);
    out = err = NULL;
}

TEST(cli_case_fine_dry_run_and_hostile_input)
{
    const char *db = scene_db();
    /* GD 2022 Art. 6: 41 % × 1,000,000 = 410,000; 28号令 Art. 17, 19: 10 days. */
    const char *f1[] = {"case",        "fine",
                        "--date",      "2024-05-01",
                        "--violation", "air_exceedance",
                        "--factor",    "impact=medium",
                        "--factor",    "duration=m3_6",
                        "--factor",    "count=second",
                        "--factor",    "complaint=verified",
                        "--daily",     "2024-06-01,2024-06-11",
                        "--db",        db,
                        NULL};
    CHECK_EQ_INT(run(f1), 0);
    CHECK(strstr(out, "罚款金额: 410000 元") != NULL);
    CHECK(strstr(out, "410000 元/日 × 10 日 = 4100000 元") != NULL);
    CHECK(strstr(out, "试算，未保存") != NULL);
    const char *f2[] = {"case",           "fine",   "--date", "2024-05-01", "--violation",
                        "air_exceedance", "--json", "--db",   db,           NULL};
    CHECK_EQ_INT(run(f2), 0);
    json_t *j = json_loads(out, 0, NULL);
    REQUIRE(j);
    /* no factor established: the lowest options (GD Art. 5), 10 % × 1,000,000 = 100,000 */
    CHECK_EQ_DBL(json_number_value(json_object_get(j, "fine")), 100000, 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "ruleset"), "id")),
              "discretion-gd-2022");
    json_decref(j);
    /* the same facts as a JSON file */
    const char *in = path_of("facts.json");
    const char *facts = "{\"violation\":\"air_exceedance\",\"factors\":{\"impact\":\"medium\","
                        "\"duration\":\"m3_6\",\"count\":\"second\",\"complaint\":\"verified\"}}";
    write_file(in, facts, strlen(facts));
    const char *f3[] = {"case", "fine", "--date", "2024-05-01", "--input", in, "--db", db, NULL};
    CHECK_EQ_INT(run(f3), 0);
    CHECK(strstr(out, "罚款金额: 410000 元") != NULL);
    /* malformed, truncated, wrong types, oversized, hostile */
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"{\"violation\":", "envgov case fine:"},
        {"[1,2]", "give an object"},
        {"{\"violation\":5}", "violation: give"},
        {"{\"violation\":\"air_exceedance\",\"factors\":[\"impact\"]}", "factors: give an object"},
        {"{\"violation\":\"air_exceedance\",\"factors\":{\"impact\":3}}", "factors.impact"},
        {"{\"violation\":\"air_exceedance\",\"circumstances\":\"apology\"}", "circumstances:"},
        {"{\"violation\":\"air_exceedance\",\"circumstances\":[\"apology\",\"apology\"]}",
         "given twice"},
        {"{\"violation\":\"air\\u0000_exceedance\"}", "is not allowed"},
        {"{\"violation\":\"air_exceedance\",\"factors\":{\"impact\":\"medium\\u0000x\"}}",
         "is not allowed"},
        {"{\"violation\":\"'; DROP TABLE govern_cases; --\"}", "use one of"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(in, bad[i].text, strlen(bad[i].text));
        CHECK_EQ_INT(run(f3), 1);
        if (!strstr(err, bad[i].want))
            eg_test_fail(__FILE__, __LINE__, "case %zu: '%s' not in '%s'", i, bad[i].want, err);
    }
    char *big = malloc(70000);
    REQUIRE(big);
    memset(big, ' ', 70000);
    write_file(in, big, 70000);
    free(big);
    CHECK_EQ_INT(run(f3), 1);
    CHECK(strstr(err, "over 65536 bytes") != NULL);
    const char *f4[] = {"case", "fine", "--violation", "air_exceedance", "--daily", "2024-06-01",
                        "--db", db,     NULL};
    CHECK_EQ_INT(run(f4), 2);
    const char *f5[] = {"case",        "fine",
                        "--date",      "2024-05-01",
                        "--violation", "vocs_no_control",
                        "--daily",     "2024-06-01,2024-06-11",
                        "--db",        db,
                        NULL};
    CHECK_EQ_INT(run(f5), 1);
    CHECK(strstr(err, "does not apply") != NULL);
    const char *f6[] = {"case",        "fine",
                        "--date",      "2024-05-01",
                        "--violation", "air_exceedance",
                        "--daily",     "2024-06-11,2024-06-01",
                        "--db",        db,
                        NULL};
    CHECK_EQ_INT(run(f6), 1);
    CHECK(strstr(err, "must come after") != NULL);
    const char *f7[] = {"case", "fine", "--db", db, NULL};
    CHECK_EQ_INT(run(f7), 2);
    const char *f8[] = {"case",           "fine", "--date", "1990-01-01", "--violation",
                        "air_exceedance", "--db", db,       NULL};
    CHECK_EQ_INT(run(f8), 1); /* no discretion rule set in force then: the error says so */
    const char *t1[] = {"case", "types", "--date", "2024-05-01", "--db", db, NULL};
    CHECK_EQ_INT(run(t1), 0);
    CHECK(strstr(out, "--factor impact=…  违法行为的环境影响程度") != NULL);
    const char *m1[] = {"case", "list", "--db", path_of("missing.db"), NULL};
    CHECK_EQ_INT(run(m1), 1);
    free(out);
    free(err);
    out = err = NULL;
}
