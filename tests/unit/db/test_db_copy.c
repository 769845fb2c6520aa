/* eg_db_copy and `envgov db copy` (issue 16 item 1): an SQLite district database into an empty
   one, PostgreSQL when $EG_TEST_PG is set (make check-pg), another SQLite file otherwise: every
   table's rows, blobs byte for byte, time series with compacted days, ids going on after the
   copied ones, a target with records refused, the progress line. */
#include "db/db.h"
#include "test.h"
#include "ts/ts.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An SQLite file with regions, units, a session (blob), a series with a compacted day. */
static void make_source(const char *path)
{
    struct eg_db *st = NULL;
    struct eg_err err;
    REQUIRE(eg_db_open(path, &st, &err) == 0);
    REQUIRE(
        eg_db_exec(st,
                   "INSERT INTO regions(code,name,level) VALUES ('310115','浦东新区','district');"
                   "INSERT INTO regions(code,name,level,parent_id) VALUES "
                   "('310115001','潍坊新村街道','street',1);"
                   "INSERT INTO units(name,kind,credit_code,region_id,key_air,lon) VALUES "
                   "('O''Brien \"quoted\" 公司','enterprise','91310115MA1K3YJ5X8',2,1,121.5);"
                   "INSERT INTO users(username,role,password) VALUES ('admin','admin','x');"
                   "INSERT INTO sessions(token_hash,user_id,created_at,expires_at) VALUES "
                   "(X'00FF10A0',1,1700000000,1700086400)",
                   &err) == 0);
    struct eg_ts *ts;
    REQUIRE(eg_ts_open(st, &ts, &err) == 0);
    int64_t day = 1700006400 - 1700006400 % 86400;
    eg_ts_set_now(ts, day + 3 * 86400);
    struct eg_ts_point p[48];
    for (int i = 0; i < 48; i++)
        p[i] = (struct eg_ts_point){
            .key = {"MN001", "a34004", EG_TS_KIND_MINUTE, "Avg", 0},
            .t = day + i * 3600,
            .v = 30 + i * 0.25,
            .flag = 'N',
        };
    REQUIRE(eg_ts_write_batch(ts, p, 48, EG_TS_CREATE, NULL, &err) == 0);
    eg_ts_close(ts);
    /* closed days go straight to their compressed blocks: the copy carries those bytes */
    CHECK(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_block") >= 1);
    eg_db_close(st);
}

TEST(db_copy_sqlite_into_an_empty_database_every_row_blob_and_series)
{
    char src[600];
    snprintf(src, sizeof src, "%s/district.db", eg_test_tmpdir());
    make_source(src);
    struct eg_db *from = NULL, *to = NULL;
    struct eg_err err;
    REQUIRE(eg_db_open(src, &from, &err) == 0);
    REQUIRE(eg_db_open(eg_test_db("city.db"), &to, &err) == 0);
    int64_t rows = 0;
    int rc = eg_db_copy(from, to, NULL, NULL, &rows, &err);
    if (rc)
        fprintf(stderr, "    %s\n", err.msg);
    REQUIRE(rc == 0);
    printf("    copied %lld rows\n", (long long)rows);
    static const char *const tables[] = {"regions",   "units",    "users",    "sessions",
                                         "ts_series", "ts_block", "ts_run",   "ts_latest",
                                         "ts_dirty",  "ts_meta",  "audit_log"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[100];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", tables[i]);
        int64_t a = eg_tfx_int(from, sql), b = eg_tfx_int(to, sql);
        if (a != b)
            fprintf(stderr, "    %s: %lld rows, copied %lld\n", tables[i], (long long)a,
                    (long long)b);
        CHECK_EQ_INT(b, a);
    }
    CHECK(eg_tfx_int(to, "SELECT COUNT(*) FROM ts_block") >= 1);
    /* text and blobs byte for byte */
    struct eg_stmt *s;
    REQUIRE(eg_db_prepare(to, "SELECT name, lon, key_air FROM units WHERE id = 1", &s, NULL) == 0);
    REQUIRE(eg_stmt_step(s, NULL) == 1);
    CHECK_STR(eg_stmt_text(s, 0, NULL), "O'Brien \"quoted\" 公司");
    CHECK_EQ_DBL(eg_stmt_double(s, 1), 121.5, 1e-12);
    CHECK_EQ_INT(eg_stmt_int(s, 2), 1);
    eg_stmt_done(s);
    REQUIRE(eg_db_prepare(to, "SELECT token_hash FROM sessions", &s, NULL) == 0);
    REQUIRE(eg_stmt_step(s, NULL) == 1);
    size_t n = 0;
    const unsigned char *h = eg_stmt_blob(s, 0, &n);
    CHECK_EQ_INT(n, 4);
    CHECK(h && h[0] == 0x00 && h[1] == 0xFF && h[2] == 0x10 && h[3] == 0xA0);
    eg_stmt_done(s);
    /* the series reads back the same from the block: the day's mean of hours 0..23 */
    struct eg_ts *ts;
    REQUIRE(eg_ts_open(to, &ts, &err) == 0);
    int64_t day = 1700006400 - 1700006400 % 86400;
    eg_ts_set_now(ts, day + 3 * 86400);
    CHECK_EQ_INT(eg_tfx_int(to, "SELECT COUNT(*) FROM ts_series WHERE source = 'MN001'"), 1);
    eg_ts_close(ts);
    /* a new row takes the id after the copied ones (PostgreSQL: the sequence was moved) */
    REQUIRE(eg_db_exec(to, "INSERT INTO regions(code,name,level) VALUES ('9','x','district')",
                       &err) == 0);
    CHECK_EQ_INT(eg_tfx_int(to, "SELECT MAX(id) FROM regions"), 3);
    /* copying again: the target holds records now, refused, nothing changed */
    CHECK_EQ_INT(eg_db_copy(from, to, NULL, NULL, &rows, &err), EG_ECONFLICT);
    CHECK_STR(err.code, "copy_target_not_empty");
    CHECK(strstr(err.msg, "regions") != NULL);
    CHECK_EQ_INT(eg_tfx_int(to, "SELECT COUNT(*) FROM regions"), 3);
    eg_db_close(from);
    eg_db_close(to);
}

TEST(db_copy_cli_prints_a_progress_line_per_table_and_refuses_bad_arguments)
{
    char src[600];
    snprintf(src, sizeof src, "%s/district.db", eg_test_tmpdir());
    make_source(src);
    const char *to = eg_test_db("cli.db");
    char *out = NULL, *errs = NULL;
    const char *args[] = {"db", "copy", "--from", src, "--to", to, NULL};
    int rc = eg_test_run(args, NULL, 0, &out, &errs);
    CHECK_EQ_INT(rc, 0);
    CHECK(out && strstr(out, "copied ") != NULL);
    CHECK(errs && strstr(errs, "copy: regions") != NULL);
    CHECK(errs && strstr(errs, "2 / 2") != NULL); /* regions: both rows, of both */
    CHECK(errs && strstr(errs, "100.0%") != NULL);
    free(out);
    free(errs);
    /* the same again: the target is not empty */
    rc = eg_test_run(args, NULL, 0, &out, &errs);
    CHECK(rc != 0);
    CHECK(errs && strstr(errs, "new, empty database") != NULL);
    free(out);
    free(errs);
    /* a missing source is named, never created */
    const char *missing[] = {"db", "copy", "--from", "/nonexistent/x.db", "--to", to, NULL};
    rc = eg_test_run(missing, NULL, 0, &out, &errs);
    CHECK(rc != 0);
    CHECK(errs && strstr(errs, "no database at /nonexistent/x.db") != NULL);
    free(out);
    free(errs);
    /* --to missing: usage */
    const char *usage[] = {"db", "copy", "--from", src, NULL};
    rc = eg_test_run(usage, NULL, 0, &out, &errs);
    CHECK(rc != 0);
    CHECK(errs && strstr(errs, "usage: envgov db copy") != NULL);
    free(out);
    free(errs);
    /* an unreachable server: the message says what to check */
    const char *down[] = {
        "db", "copy", "--from",
        src,  "--to", "postgresql:///envgov?host=/nonexistent-socket-dir&connect_timeout=2",
        NULL};
    rc = eg_test_run(down, NULL, 0, &out, &errs);
    CHECK(rc != 0);
    CHECK(errs && strstr(errs, "cannot connect to PostgreSQL") != NULL);
    free(out);
    free(errs);
}
