/* `envgov db vacuum` (issue 11 item 7, the command left open): the one-time conversion of a
   database made before auto_vacuum was set (a full VACUUM, refused while serve runs, warned
   about), and --step, which gives free pages back in short transactions while the service may
   run. On a real SQLite file whose dropped data left free pages; sizes read from the file. */
#include "db/db.h"
#include "test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int64_t size_of(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

/* Fills and drops about n KB, leaving n free pages' worth in the file. */
static void junk(const char *path, int n)
{
    struct eg_db *st;
    struct eg_err err;
    REQUIRE(eg_db_open(path, &st, &err) == 0);
    char sql[400];
    snprintf(sql, sizeof sql,
             "CREATE TABLE junk(x); INSERT INTO junk SELECT randomblob(1000) FROM (WITH "
             "RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d) SELECT i "
             "FROM c); DROP TABLE junk",
             n);
    REQUIRE(eg_db_exec(st, sql, &err) == 0);
    REQUIRE(eg_db_checkpoint(st, 1, NULL, &err) == 0);
    eg_db_close(st);
}

static int vac(const char *const *args, char **out, char **err)
{
    return eg_test_run(args, NULL, 0, out, err);
}

TEST(cli_db_vacuum_converts_once_refuses_while_served_and_steps)
{
    char db[600], marker[640];
    snprintf(db, sizeof db, "%s/old.db", eg_test_tmpdir());
    snprintf(marker, sizeof marker, "%s.running", db);
    char *out, *err;
    /* a database as made before auto_vacuum was set: NONE, then 5 MB dropped */
    struct eg_db *st;
    struct eg_err e;
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    REQUIRE(eg_db_exec(st, "PRAGMA auto_vacuum=NONE", &e) == 0);
    REQUIRE(eg_db_exec(st, "VACUUM", &e) == 0);
    CHECK_EQ_INT(eg_db_vacuum_enabled(st), 0);
    eg_db_close(st);
    junk(db, 5000);
    int64_t before = size_of(db);
    CHECK(before > 5000 * 1000);

    /* --step gives nothing back from such a file: it says to convert */
    const char *stp[] = {"db", "vacuum", "--step", "--db", db, NULL};
    CHECK_EQ_INT(vac(stp, &out, &err), 1);
    CHECK(strstr(err, "convert it once with `envgov db vacuum`") != NULL);
    free(out), free(err);

    /* serve up (a live pid in the running marker): the full VACUUM is refused, file untouched */
    FILE *f = fopen(marker, "w");
    REQUIRE(f);
    fprintf(f, "pid %ld, started 2026-12-03 10:00:00 +08\n", (long)getpid());
    fclose(f);
    const char *full[] = {"db", "vacuum", "--db", db, NULL};
    CHECK_EQ_INT(vac(full, &out, &err), 1);
    CHECK(strstr(err, "is being served") && strstr(err, "Stop `envgov serve` first"));
    CHECK_EQ_INT(size_of(db), before);
    free(out), free(err);
    /* a marker left by a crash (its pid is gone) does not block it */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    f = fopen(marker, "w");
    REQUIRE(f);
    fprintf(f, "pid %ld, started 2026-12-03 10:00:00 +08\n", (long)child);
    fclose(f);
    CHECK_EQ_INT(vac(full, &out, &err), 0);
    CHECK(strstr(err, "WARNING: converting") && strstr(err, "free disk"));
    CHECK(strstr(out, "converted to auto_vacuum=INCREMENTAL") != NULL);
    CHECK(strstr(out, "before: file") && strstr(out, "after: file"));
    int64_t after = size_of(db);
    printf("  conversion: %lld -> %lld bytes\n", (long long)before, (long long)after);
    CHECK(after < before - 4000 * 1000); /* the 5 MB dropped are given back */
    free(out), free(err);
    unlink(marker);
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    CHECK_EQ_INT(eg_db_vacuum_enabled(st), 1);
    eg_db_close(st);

    /* converted: --step gives pages back, --pages bounds it, and it runs beside a server */
    junk(db, 3000);
    int64_t b2 = size_of(db);
    const char *ten[] = {"db", "vacuum", "--step", "--pages", "10", "--db", db, NULL};
    CHECK_EQ_INT(vac(ten, &out, &err), 0);
    CHECK(strstr(out, "gave back 10 free pages") != NULL);
    free(out), free(err);
    f = fopen(marker, "w");
    REQUIRE(f);
    fprintf(f, "pid %ld, started 2026-12-03 10:00:00 +08\n", (long)getpid());
    fclose(f);
    CHECK_EQ_INT(vac(stp, &out, &err), 0);
    CHECK(strstr(out, ", 0 still free") != NULL);
    free(out), free(err);
    unlink(marker);
    int64_t a2 = size_of(db);
    printf("  --step: %lld -> %lld bytes\n", (long long)b2, (long long)a2);
    CHECK(a2 < b2 - 2500 * 1000);
}

TEST(cli_db_vacuum_usage_errors_and_missing_database)
{
    char db[600];
    snprintf(db, sizeof db, "%s/none.db", eg_test_tmpdir());
    char *out, *err;
    const char *missing[] = {"db", "vacuum", "--db", db, NULL};
    CHECK_EQ_INT(vac(missing, &out, &err), 1);
    CHECK(strstr(err, "no database at") != NULL);
    CHECK_EQ_INT((int)size_of(db), -1); /* not created */
    free(out), free(err);
    const char *const bad[][7] = {
        {"db", "vacuum", "--step", "--pages", "0", NULL},
        {"db", "vacuum", "--step", "--pages", "x", NULL},
        {"db", "vacuum", "--step", "--pages", "-5", NULL},
        {"db", "vacuum", "--pages", "10", NULL},
        {"db", "vacuum", "extra", NULL},
        {"db", "vacuum", "--db", ":memory:", NULL},
        {"db", "vacuum", "--bogus", NULL},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        CHECK_EQ_INT(vac(bad[i], &out, &err), 2);
        free(out), free(err);
    }
    const char *h[] = {"db", "vacuum", "--help", NULL};
    CHECK_EQ_INT(vac(h, &out, &err), 0);
    CHECK(strstr(out, "--step") && strstr(out, "refused while `envgov serve` runs"));
    free(out), free(err);
}
