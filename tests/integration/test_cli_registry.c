/* Integration tests of the registry commands through the real envgov binary: db migrate,
   db backup, user add/list (password on standard input), import (UTF-8, GBK, dry run,
   all-or-nothing, exit codes), demo (Pudong's 36 streets and towns, counts, speed, printed
   logins that work), and --help for each. */
#include "auth/auth.h"
#include "registry/registry.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *db_path(const char *name)
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

TEST(cli_registry_db_migrate_creates_and_is_idempotent)
{
    const char *db = db_path("m.db");
    char *out = NULL, *err = NULL;
    const char *a1[] = {"db", "migrate", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(a1, NULL, 0, &out, &err), 0);
    CHECK(strstr(out, "schema version") != NULL);
    free(out);
    free(err);
    CHECK_EQ_INT(eg_test_run(a1, NULL, 0, &out, &err), 0);
    free(out);
    free(err);
    CHECK(q(db, "SELECT COUNT(*) FROM schema_version") >= 1);
    /* EG_DB is the default when --db is absent: checked through usage errors instead of env */
    const char *bad[] = {"db", "migrate", "extra", NULL};
    CHECK_EQ_INT(eg_test_run(bad, NULL, 0, NULL, NULL), 2);
    const char *help[] = {"db", "migrate", "--help", NULL};
    CHECK_EQ_INT(eg_test_run(help, NULL, 0, &out, NULL), 0);
    CHECK(strstr(out, "--db PATH") != NULL);
    free(out);
}

TEST(cli_registry_user_add_reads_password_from_stdin_and_lists)
{
    const char *db = db_path("u.db");
    char *out = NULL, *err = NULL;
    const char *add[] = {"user", "add", "alice", "--role", "bureau", "--password-stdin",
                         "--db", db,    NULL};
    CHECK_EQ_INT(eg_test_run(add, "alice-password\n", 15, &out, &err), 0);
    CHECK(strstr(out, "alice-password") == NULL);
    CHECK(strstr(err, "alice-password") == NULL);
    free(out);
    free(err);
    /* the password works, without its newline */
    struct eg_db *st = NULL;
    REQUIRE(eg_db_open(db, &st, NULL) == 0);
    char tok[EG_AUTH_TOKEN_LEN + 1];
    CHECK_EQ_INT(eg_auth_login(st, "alice", "alice-password", NULL, 0, tok, NULL, NULL), 0);
    eg_db_close(st);
    /* duplicate, too short, missing role, unknown role, street without region */
    CHECK_EQ_INT(eg_test_run(add, "alice-password\n", 15, NULL, NULL), 1);
    const char *add2[] = {"user", "add", "bob", "--role", "bureau", "--password-stdin",
                          "--db", db,    NULL};
    CHECK_EQ_INT(eg_test_run(add2, "short\n", 6, NULL, &err), 1);
    CHECK(strstr(err, "password") != NULL);
    free(err);
    const char *add3[] = {"user", "add", "bob", "--password-stdin", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(add3, "long-enough\n", 12, NULL, NULL), 2);
    const char *add4[] = {"user", "add", "bob", "--role", "emperor", "--password-stdin",
                          "--db", db,    NULL};
    CHECK_EQ_INT(eg_test_run(add4, "long-enough\n", 12, NULL, NULL), 2);
    const char *add5[] = {"user", "add", "bob", "--role", "street", "--password-stdin",
                          "--db", db,    NULL};
    CHECK_EQ_INT(eg_test_run(add5, "long-enough\n", 12, NULL, NULL), 1);
    const char *list[] = {"user", "list", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(list, NULL, 0, &out, NULL), 0);
    CHECK(strstr(out, "alice\tbureau") != NULL);
    CHECK(strstr(out, "bob") == NULL);
    CHECK(strstr(out, "argon2") == NULL);
    free(out);
}

TEST(cli_registry_import_utf8_gbk_dry_run_and_rejections)
{
    const char *db = db_path("i.db");
    const char *mig[] = {"db", "migrate", "--db", db, NULL};
    REQUIRE(eg_test_run(mig, NULL, 0, NULL, NULL) == 0);
    const char *good =
        "单位名称,单位类型,统一社会信用代码\n甲化工有限公司,排污单位,91310115MA1000017Q\n";
    const char *file = db_path("units.csv");
    write_file(file, good, strlen(good));
    char *out = NULL, *err = NULL;
    const char *dry[] = {"import", "units", file, "--dry-run", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(dry, NULL, 0, &out, &err), 0);
    CHECK(strstr(out, "dry run") != NULL);
    free(out);
    free(err);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM units"), 0);
    const char *real[] = {"import", "units", file, "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(real, NULL, 0, NULL, NULL), 0);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM units"), 1);
    /* GBK file with one good and one bad row: exit 1, the bad line reported, nothing written */
    const char *utf8 = "单位名称,单位类型,统一社会信用代码\n乙电子有限公司,排污单位,"
                       "91310115MA1000025K\n丙公司,排污单位,123\n";
    char gbk[512];
    size_t gbk_len = eg_tfx_gbk(utf8, gbk, sizeof gbk);
    const char *gfile = db_path("units-gbk.csv");
    write_file(gfile, gbk, gbk_len);
    const char *imp[] = {"import", "units", gfile, "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(imp, NULL, 0, &out, &err), 1);
    CHECK(strstr(out, "line 3: credit_code:") != NULL);
    free(out);
    free(err);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM units"), 1);
    /* missing file, no file, --help with the column mapping */
    const char *nofile[] = {"import", "units", "/nonexistent.csv", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(nofile, NULL, 0, NULL, NULL), 1);
    const char *noarg[] = {"import", "units", NULL};
    CHECK_EQ_INT(eg_test_run(noarg, NULL, 0, NULL, NULL), 2);
    const char *help[] = {"import", "devices", "--help", NULL};
    CHECK_EQ_INT(eg_test_run(help, NULL, 0, &out, NULL), 0);
    CHECK(strstr(out, "设备MN号") != NULL && strstr(out, "CREDITCODE/OUTLETCODE") != NULL);
    free(out);
}

TEST(cli_registry_demo_loads_pudong_fast_and_its_logins_work)
{
    const char *db = db_path("demo.db");
    const char *pw = db_path("devices.csv");
    char *out = NULL, *err = NULL;
    const char *demo[] = {"demo", "--db",           db,  "--device-passwords",
                          pw,     "--history-days", "0", NULL};
    uint64_t t0 = eg_nanos();
    int rc = eg_test_run(demo, NULL, 0, &out, &err);
    double secs = (double)(eg_nanos() - t0) / 1e9;
    if (rc)
        fprintf(stderr, "%s\n", err);
    REQUIRE(rc == 0);
    fprintf(stderr, "    demo loaded in %.2f s\n", secs);
    /* the time is a figure (bench/README.md), not asserted: on a loaded machine it measures the
       machine */
    /* Pudong: 12 streets (街道) and 24 towns (镇) under 310115 */
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM regions WHERE level = 'street'"), 36);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM regions WHERE level = 'street' AND name LIKE '%街道'"),
                 12);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM regions WHERE name = '潍坊新村街道'"), 1);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM regions WHERE name = '南汇新城镇'"), 1);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM units WHERE kind = 'enterprise'"), 300);
    CHECK_EQ_INT(
        q(db, "SELECT COUNT(*) FROM units WHERE kind = 'enterprise' AND name NOT LIKE '%（演示）'"),
        0);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM stations WHERE kind = 'air'"), 30);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM stations WHERE kind = 'water'"), 10);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM stations WHERE kind = 'noise'"), 20);
    CHECK(q(db, "SELECT COUNT(*) FROM permit_limits WHERE standard IS NULL") == 0);
    CHECK(q(db, "SELECT COUNT(*) FROM devices") >= 60);
    CHECK_EQ_INT(q(db, "SELECT COUNT(DISTINCT role) FROM users"), 5);
    /* every printed login works */
    struct eg_db *st = NULL;
    REQUIRE(eg_db_open(db, &st, NULL) == 0);
    static const char *const names[] = {"admin", "bureau", "lujiazui", "enterprise", "steward"};
    for (int i = 0; i < 5; i++) {
        char key[32], name[64], role[32], pass[64];
        snprintf(key, sizeof key, "\n  %s ", names[i]);
        const char *line = strstr(out, key);
        REQUIRE(line);
        REQUIRE(sscanf(line, " %63s %31s %63s", name, role, pass) == 3);
        char tok[EG_AUTH_TOKEN_LEN + 1];
        struct eg_principal p;
        CHECK_EQ_INT(eg_auth_login(st, name, pass, "127.0.0.1", 0, tok, &p, NULL), 0);
        CHECK_STR(eg_role_name(p.role), role);
    }
    /* the device passwords file works for ingest's check */
    size_t n = 0;
    char *pwf = eg_test_read_file(pw, &n);
    REQUIRE(pwf);
    char mn[32], dpw[64];
    const char *l2 = strchr(pwf, '\n');
    REQUIRE(l2 && sscanf(l2 + 1, "%31[^,],%63s", mn, dpw) == 2);
    CHECK_EQ_INT(eg_registry_device_check(st, mn, dpw, strlen(dpw), NULL, NULL), 0);
    free(pwf);
    eg_db_close(st);
    free(out);
    free(err);
    /* deterministic apart from passwords; and it refuses a database that is not empty */
    const char *db2 = db_path("demo2.db");
    const char *demo2[] = {"demo", "--db", db2, "--history-days", "0", NULL};
    REQUIRE(eg_test_run(demo2, NULL, 0, NULL, NULL) == 0);
    const char *fp = "SELECT SUM(LENGTH(name) * id) + SUM(LENGTH(COALESCE(credit_code,'')) * id) + "
                     "SUM(CAST(COALESCE(lon, 0) * 1000 AS INTEGER)) FROM units";
    CHECK_EQ_INT(q(db, fp), q(db2, fp));
    CHECK_EQ_INT(q(db, "SELECT SUM(CAST(conc_limit * 10 AS INTEGER) * id) FROM permit_limits"),
                 q(db2, "SELECT SUM(CAST(conc_limit * 10 AS INTEGER) * id) FROM permit_limits"));
    CHECK_EQ_INT(eg_test_run(demo2, NULL, 0, NULL, NULL), 1);
}

TEST(cli_registry_db_backup_copies_the_database)
{
    const char *db = db_path("b.db");
    const char *add[] = {"user", "add", "carol", "--role", "admin", "--password-stdin",
                         "--db", db,    NULL};
    REQUIRE(eg_test_run(add, "carol-password", 14, NULL, NULL) == 0);
    const char *dest = db_path("b-copy.db");
    const char *bk[] = {"db", "backup", dest, "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(bk, NULL, 0, NULL, NULL), 0);
    CHECK_EQ_INT(q(dest, "SELECT COUNT(*) FROM users WHERE username = 'carol'"), 1);
    const char *bad[] = {"db", "backup", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(bad, NULL, 0, NULL, NULL), 2);
}

TEST(cli_registry_import_long_file_prints_progress_on_stderr)
{
    const char *db = db_path("p.db");
    struct eg_buf csv = {0};
    eg_buf_puts(&csv, "name,kind,public\n");
    for (int i = 0; i < 600; i++)
        eg_buf_printf(&csv, "楼宇%03d（演示）,building,%s\n", i, i % 2 ? "是" : "否");
    const char *file = db_path("buildings.csv");
    write_file(file, csv.data, csv.len);
    eg_buf_free(&csv);
    char *out = NULL, *err = NULL;
    const char *imp[] = {"import", "units", file, "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(imp, NULL, 0, &out, &err), 0);
    CHECK(strstr(err, "import: 600 rows, 100%") != NULL);
    CHECK(strstr(out, "600 rows accepted") != NULL);
    free(out);
    free(err);
    CHECK_EQ_INT(q(db, "SELECT COUNT(*) FROM units WHERE public = 1"), 300);
}
