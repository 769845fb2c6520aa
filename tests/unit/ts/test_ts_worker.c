/* Tests of the serve maintenance job (ts/worker.c) on a job pool: it recomputes hourly means of
   data written while it runs, and stops at once when asked. */
#include "base/app.h"
#include "db/db.h"
#include "test.h"
#include "ts/ts.h"
#include "ts/worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

TEST(ts_worker_aggregates_fresh_minute_data_in_the_background)
{
    char path[512];
    snprintf(path, sizeof path, "%s/worker.db", eg_test_tmpdir());
    struct eg_db *st;
    struct eg_ts *ts;
    struct eg_err err;
    REQUIRE(eg_db_open(path, &st, &err) == 0);
    REQUIRE(eg_ts_open(st, &ts, &err) == 0);
    /* The last full hour before now: 60 minute values of 20 (GB 3095 Table 4: >= 45 needed). */
    int64_t hour = (eg_time_now() / 3600 - 1) * 3600;
    struct eg_ts_key minute = {"WSTA", "a21026", EG_TS_KIND_MINUTE, "Avg", 0};
    struct eg_ts_point p[60];
    for (int m = 0; m < 60; m++)
        p[m] = (struct eg_ts_point){minute, hour + m * 60, 20, 'N'};
    REQUIRE(eg_ts_write_batch(ts, p, 60, EG_TS_CREATE, NULL, &err) == 0);

    struct eg_jobs *jobs;
    REQUIRE(eg_jobs_new(2, 16, &jobs, &err) == 0);
    struct eg_ts_worker *w;
    REQUIRE(eg_ts_worker_start(jobs, path, 1, 1, &w, &err) == 0);
    for (int i = 0; i < 100 && eg_ts_worker_passes(w) < 2; i++)
        usleep(100 * 1000);
    CHECK(eg_ts_worker_passes(w) >= 2);
    uint64_t t0 = eg_nanos();
    eg_ts_worker_stop(w);
    CHECK((eg_nanos() - t0) < 2000000000u); /* stop does not wait out the interval */
    eg_jobs_free(jobs);

    struct eg_ts_key hourly = {"WSTA", "a21026", EG_TS_KIND_HOUR, "Avg", 1};
    struct eg_ts_row *rows;
    size_t n;
    REQUIRE(eg_ts_query(ts, &hourly, hour, hour + 3600, EG_TS_PRELIMINARY, 10, &rows, &n, &err) ==
            0);
    REQUIRE(n == 1);
    CHECK_EQ_DBL(rows[0].v, 20, 1e-9);
    CHECK_EQ_INT(rows[0].flag, 'N');
    free(rows);
    eg_ts_close(ts);
    eg_db_close(st);
}

TEST(ts_worker_refuses_zero_intervals_and_missing_directories)
{
    struct eg_ts_worker *w;
    struct eg_err err;
    struct eg_jobs *jobs;
    REQUIRE(eg_jobs_new(1, 4, &jobs, &err) == 0);
    CHECK(eg_ts_worker_start(jobs, "/tmp/x.db", 0, 1, &w, &err) == EG_EINVAL);
    CHECK(eg_ts_worker_start(jobs, "/nonexistent-dir/x/y.db", 1, 1, &w, &err) != 0);
    eg_jobs_free(jobs);
}
