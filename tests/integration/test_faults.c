/* Integration tests of issue 10's "reliability under faults" through the real envgov binary and
   server: imports that are not cleanly one encoding are refused naming the line of the first bad
   byte (item 13). */
#include "db/db.h"
#include "integration/http_client.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *tpath(const char *name)
{
    static char p[4][600];
    static int k;
    char *b = p[k++ % 4];
    snprintf(b, 600, "%s/%s", eg_test_tmpdir(), name);
    return b;
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    REQUIRE(fwrite(data, 1, n, f) == n);
    fclose(f);
}

static int64_t q(const char *db, const char *sql)
{
    struct eg_db *st = NULL;
    REQUIRE(eg_db_open(db, &st, NULL) == 0);
    struct eg_stmt *s;
    REQUIRE(eg_db_prepare(st, sql, &s, NULL) == 0);
    REQUIRE(eg_stmt_step(s, NULL) == 1);
    int64_t v = eg_stmt_int(s, 0);
    eg_stmt_done(s);
    eg_db_close(st);
    return v;
}

/* ---- item 13: the encoding of imports ---- */

/* 19 parks "上海甲乙N化工园区" after a header; line `cut` (2..20) holds "上海甲乙N化工区" with
   its last byte cut (so the whole file happens to decode as GB 18030: it was accepted garbled),
   and from line `gbk_from` on the lines are GBK (0: none). */
static size_t parks_file(char *out, size_t cap, int cut, int gbk_from)
{
    struct eg_buf b = {0};
    eg_buf_printf(&b, "name,kind\n");
    for (int line = 2; line <= 20; line++) {
        char row[128];
        if (line == cut) {
            snprintf(row, sizeof row, "上海甲乙%d化工区", line - 1);
            row[strlen(row) - 1] = '\0'; /* 区 is E5 8C BA: cut after E5 8C */
            strcat(row, ",park\n");
        } else {
            snprintf(row, sizeof row, "上海甲乙%d化工园区,park\n", line - 1);
        }
        if (gbk_from && line >= gbk_from) {
            char g[128];
            size_t n = eg_tfx_gbk(row, g, sizeof g);
            eg_buf_append(&b, g, n);
        } else {
            eg_buf_append(&b, row, strlen(row));
        }
    }
    REQUIRE(b.len <= cap);
    memcpy(out, b.data, b.len);
    size_t n = b.len;
    eg_buf_free(&b);
    return n;
}

static void import_refused(const char *db, const char *file, const char *want)
{
    char *out = NULL, *err = NULL;
    const char *imp[] = {"import", "units", file, "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(imp, NULL, 0, &out, &err), 1);
    if (!err || !strstr(err, want))
        eg_test_fail(__FILE__, __LINE__, "want \"%s\" in: %s%s", want, out ? out : "",
                     err ? err : "");
    free(out);
    free(err);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM units"), 0);
}

TEST(faults_import_cli_refuses_cut_and_mixed_utf8_naming_the_line)
{
    char db[600];
    snprintf(db, sizeof db, "%s", tpath("enc.db"));
    const char *mig[] = {"db", "migrate", "--db", db, NULL};
    REQUIRE(eg_test_run(mig, NULL, 0, NULL, NULL) == 0);
    char buf[4096];
    /* UTF-8 Chinese cut mid-character on line 7 (the old reader took it as GB 18030) */
    size_t n = parks_file(buf, sizeof buf, 7, 0);
    const char *cut = tpath("cut.csv");
    write_file(cut, buf, n);
    import_refused(db, cut, "line 7: byte 0xE5");
    import_refused(db, cut, "not valid UTF-8");
    /* half UTF-8, half GBK: the first GBK byte (上 is C9 CF) is on line 11 */
    n = parks_file(buf, sizeof buf, 0, 11);
    const char *mix = tpath("mix.csv");
    write_file(mix, buf, n);
    import_refused(db, mix, "line 11: byte 0xC9");
    import_refused(db, mix, "mixes UTF-8 and GBK");
    /* valid in neither: a lone 0xFF on line 4 */
    const char *junk = "name,kind\n甲园区,park\n乙园区,park\nbad\xFF,park\n";
    const char *jf = tpath("junk.csv");
    write_file(jf, junk, strlen(junk));
    import_refused(db, jf, "line 4: byte 0xFF");
    /* pure GBK is still read as GB 18030, the names right */
    n = parks_file(buf, sizeof buf, 0, 2);
    const char *gf = tpath("gbk.csv");
    write_file(gf, buf, n);
    char *out = NULL, *err = NULL;
    const char *imp[] = {"import", "units", gf, "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(imp, NULL, 0, &out, &err), 0);
    CHECK(out && strstr(out, "19 rows accepted (gb18030); written"));
    free(out);
    free(err);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM units WHERE name = '上海甲乙6化工园区'"), 1);
}

TEST(faults_import_upload_refuses_cut_and_mixed_utf8_naming_the_line)
{
    char db[600];
    snprintf(db, sizeof db, "%s/up.db", eg_test_tmpdir());
    struct eg_hf fx;
    REQUIRE(eg_hf_build(db, &fx) == 0);
    int64_t before = q(db, "SELECT COUNT(*) FROM units");
    struct eg_hs srv;
    REQUIRE(eg_hs_start(&srv, db, NULL) == 0);
    char *adm = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    REQUIRE(adm);
    char buf[4096];
    struct {
        int cut, gbk_from, status;
        const char *want;
    } cases[] = {
        {7, 0, 422, "line 7: byte 0xE5"},
        {0, 11, 422, "line 11: byte 0xC9"},
        {0, 2, 200, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = parks_file(buf, sizeof buf, cases[i].cut, cases[i].gbk_from);
        struct eg_hc_resp r;
        REQUIRE(!eg_hc_request(srv.port, "POST", "/api/v1/import/units?dry_run=1", adm,
                               "Content-Type: text/csv\r\n", buf, n, &r));
        CHECK_EQ_INT(r.status, cases[i].status);
        json_t *j = eg_hc_json(&r);
        if (cases[i].want) {
            if (!strstr(r.body, cases[i].want))
                eg_test_fail(__FILE__, __LINE__, "want \"%s\" in %.*s", cases[i].want,
                             (int)r.body_len, r.body);
        } else {
            CHECK_STR(json_string_value(json_object_get(json_object_get(j, "report"), "encoding")),
                      "gb18030");
        }
        json_decref(j);
        eg_hc_free(&r);
    }
    /* and for real: refused files write nothing */
    size_t n = parks_file(buf, sizeof buf, 0, 11);
    struct eg_hc_resp r;
    REQUIRE(!eg_hc_request(srv.port, "POST", "/api/v1/import/units", adm,
                           "Content-Type: text/csv\r\n", buf, n, &r));
    CHECK_EQ_INT(r.status, 422);
    CHECK(strstr(r.body, "line 11: byte 0xC9") != NULL);
    eg_hc_free(&r);
    free(adm);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM units"), before);
}
