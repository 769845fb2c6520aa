/* Issue 4 "durability": a crash in the middle of a compaction loses nothing. A child process
   compacts a real SQLite file and is SIGKILLed at a random moment, several times; after each
   kill every sample must be present exactly once, and no (series, day) may be both in rows and
   in a block. Between kills, late data is merged into already compacted days. */
#include "db/db.h"
#include "test.h"
#include "ts/ts.h"
#include "unit/db/db_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSER 40
#define STEP 120 /* two-minute data: 720 a day */
#define FAR_FUTURE ((int64_t)1900000000)

static int64_t base_day(void)
{
    return eg_ts_day_of(1767196800); /* 2026-01-01 Beijing */
}

static double value_of(int s, int64_t t)
{
    return s * 1000 + (double)((t / STEP) % 997) / 10.0;
}

static char src_name[NSER][16];

static struct eg_ts_key key_of(int s)
{
    return (struct eg_ts_key){src_name[s], "a21026", EG_TS_KIND_MINUTE, "Avg", 0};
}

static void write_days(struct eg_ts *ts, int64_t d0, int ndays, int stride)
{
    struct eg_err err;
    size_t per = (size_t)(86400 / STEP / stride);
    struct eg_ts_point *p = malloc(NSER * per * sizeof *p);
    for (int d = 0; d < ndays; d++) {
        size_t n = 0;
        int64_t t0 = eg_ts_day_start(d0 + d);
        for (int s = 0; s < NSER; s++)
            for (size_t i = 0; i < per; i++) {
                int64_t t = t0 + (int64_t)i * STEP * stride + (stride > 1 ? STEP / 2 : 0);
                p[n++] = (struct eg_ts_point){key_of(s), t, value_of(s, t), 'N'};
            }
        int r = eg_ts_write_batch(ts, p, n, EG_TS_CREATE, NULL, &err);
        if (r)
            fprintf(stderr, "write: %s\n", err.msg);
        REQUIRE(r == 0);
    }
    free(p);
}

/* Every sample of days [d0, d1) present once with its value; odd-slot late samples on the
   days listed in late[] too. */
static void verify(struct eg_db *st, struct eg_ts *ts, int64_t d0, int64_t d1, const int *late,
                   int nlate)
{
    struct eg_err err;
    for (int s = 0; s < NSER; s++) {
        struct eg_ts_key k = key_of(s);
        struct eg_ts_row *rows;
        size_t n;
        REQUIRE(eg_ts_query(ts, &k, eg_ts_day_start(d0), eg_ts_day_start(d1), 0, 10000000, &rows,
                            &n, &err) == 0);
        size_t want = (size_t)(d1 - d0) * (86400 / STEP);
        for (int i = 0; i < nlate; i++)
            want += 86400 / STEP / 4;
        CHECK_EQ_INT(n, want);
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                REQUIRE(rows[i].t > rows[i - 1].t);
            REQUIRE(rows[i].v == value_of(s, rows[i].t));
        }
        free(rows);
    }
    REQUIRE(eg_ts_rows_view(ts, &err) == 0); /* the open-day rows, decoded (TEMP ts_raw) */
    CHECK_EQ_INT(eg_tfx_int(st,
                            "SELECT COUNT(*) FROM ts_block b WHERE EXISTS (SELECT 1 FROM ts_raw r "
                            "WHERE r.series_id = b.series_id AND r.t >= b.day * 86400 - 28800 AND "
                            "r.t < b.day * 86400 + 57600)"),
                 0);
}

TEST(ts_compaction_killed_at_random_points_loses_nothing)
{
    char path[512];
    snprintf(path, sizeof path, "%s/crash.db", eg_test_tmpdir());
    for (int s = 0; s < NSER; s++)
        snprintf(src_name[s], sizeof src_name[s], "STN%03d", s);
    struct eg_err err;
    int64_t d0 = base_day();
    int late[8], nlate = 0;
    uint64_t full_ns = 0;
    int killed_midway = 0;
    unsigned seed = (unsigned)time(NULL);
    fprintf(stderr, "crash test seed %u\n", seed);
    srand(seed);
    for (int it = 0; it < 6; it++) {
        struct eg_db *st;
        struct eg_ts *ts;
        REQUIRE(eg_db_open(path, &st, &err) == 0);
        REQUIRE(eg_ts_open(st, &ts, &err) == 0);
        eg_ts_set_now(ts, eg_ts_day_start(d0 + 2 * it + 1) + 3600);
        eg_ts_set_open_days(ts, 10000); /* everything lands in rows ... */
        write_days(ts, d0 + 2 * it, 2, 1);
        if (it >= 2) { /* ... except late data for a day compacted earlier: merged into it */
            late[nlate] = 2 * (it - 2);
            write_days(ts, d0 + late[nlate], 1, 4);
            nlate++;
        }
        eg_ts_close(ts);
        eg_db_close(st);

        int pfd[2];
        REQUIRE(pipe(pfd) == 0);
        uint64_t t_start = eg_nanos();
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            close(pfd[0]);
            struct eg_db *cst;
            struct eg_ts *cts;
            if (eg_db_open(path, &cst, &err) || eg_ts_open(cst, &cts, &err))
                _exit(3);
            eg_ts_set_now(cts, FAR_FUTURE);
            eg_ts_set_open_days(cts, 1);
            if (write(pfd[1], "g", 1) != 1)
                _exit(4);
            size_t days;
            int r = eg_ts_compact(cts, &days, &err);
            eg_ts_close(cts);
            eg_db_close(cst);
            _exit(r ? 5 : 0);
        }
        close(pfd[1]);
        char c;
        REQUIRE(read(pfd[0], &c, 1) == 1);
        close(pfd[0]);
        int status;
        if (it == 0) { /* first run: measure a whole compaction */
            REQUIRE(waitpid(pid, &status, 0) == pid);
            REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
            full_ns = eg_nanos() - t_start;
        } else {
            uint64_t at = (uint64_t)rand() % (full_ns + 1);
            struct timespec ts_sleep = {(time_t)(at / 1000000000u), (long)(at % 1000000000u)};
            nanosleep(&ts_sleep, NULL);
            kill(pid, SIGKILL);
            REQUIRE(waitpid(pid, &status, 0) == pid);
        }
        REQUIRE(eg_db_open(path, &st, &err) == 0);
        REQUIRE(eg_ts_open(st, &ts, &err) == 0);
        int64_t raw = eg_tfx_int(st, "SELECT COALESCE(SUM(n), 0) FROM ts_run");
        if (WIFSIGNALED(status) && raw > 0 && eg_tfx_int(st, "SELECT COUNT(*) FROM ts_block") > 0)
            killed_midway++;
        verify(st, ts, d0, d0 + 2 * it + 2, late, nlate);
        eg_ts_close(ts);
        eg_db_close(st);
    }
    fprintf(stderr, "full compaction %.0f ms; killed mid-compaction in %d of 5 runs\n",
            (double)full_ns / 1e6, killed_midway);
    CHECK(killed_midway >= 1);
}
