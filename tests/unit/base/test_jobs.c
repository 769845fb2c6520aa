/* Tests of the job and timer facility (base/jobs.c) with real threads and real clocks: periodic
   and one-off runs, cancel waiting for a run in progress, the bound, failures counted. */
#include "base/app.h"
#include "test.h"

#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

struct counter {
    atomic_int runs, inside, overlap;
    int sleep_ms;
    int fail;
};

static int count_job(void *arg, struct eg_err *err)
{
    struct counter *c = arg;
    if (atomic_fetch_add(&c->inside, 1) > 0)
        atomic_fetch_add(&c->overlap, 1);
    if (c->sleep_ms)
        usleep((useconds_t)c->sleep_ms * 1000);
    atomic_fetch_sub(&c->inside, 1);
    atomic_fetch_add(&c->runs, 1);
    return c->fail ? eg_err_set(err, EG_EIO, "test", -1, "failed on purpose") : 0;
}

TEST(jobs_every_runs_periodically_and_cancel_stops_it)
{
    struct eg_jobs *js;
    struct eg_err err;
    REQUIRE(eg_jobs_new(2, 8, &js, &err) == 0);
    struct counter c = {0};
    int64_t id = eg_jobs_every(js, "tick", 0, 30, count_job, &c);
    REQUIRE(id > 0);
    usleep(400 * 1000);
    CHECK(atomic_load(&c.runs) >= 5);
    CHECK(atomic_load(&c.runs) <= 16);
    CHECK_EQ_INT(eg_jobs_cancel(js, id), 0);
    int after = atomic_load(&c.runs);
    usleep(150 * 1000);
    CHECK_EQ_INT(atomic_load(&c.runs), after);
    CHECK_EQ_INT(eg_jobs_cancel(js, id), EG_ENOTFOUND);
    eg_jobs_free(js);
}

TEST(jobs_after_runs_once_after_its_delay)
{
    struct eg_jobs *js;
    struct eg_err err;
    REQUIRE(eg_jobs_new(1, 8, &js, &err) == 0);
    struct counter c = {0};
    uint64_t t0 = eg_nanos();
    REQUIRE(eg_jobs_after(js, "once", 100, count_job, &c) > 0);
    while (atomic_load(&c.runs) == 0 && eg_nanos() - t0 < 2000000000u)
        usleep(5000);
    CHECK(eg_nanos() - t0 >= 100000000u);
    usleep(100 * 1000);
    CHECK_EQ_INT(atomic_load(&c.runs), 1);
    eg_jobs_free(js);
}

TEST(jobs_a_slow_periodic_job_never_runs_twice_at_once)
{
    struct eg_jobs *js;
    struct eg_err err;
    REQUIRE(eg_jobs_new(4, 8, &js, &err) == 0);
    struct counter c = {.sleep_ms = 60};
    int64_t id = eg_jobs_every(js, "slow", 0, 10, count_job, &c);
    REQUIRE(id > 0);
    usleep(300 * 1000);
    CHECK_EQ_INT(eg_jobs_cancel(js, id), 0);
    CHECK_EQ_INT(atomic_load(&c.overlap), 0);
    CHECK(atomic_load(&c.runs) >= 2);
    eg_jobs_free(js);
}

TEST(jobs_cancel_waits_for_the_run_in_progress)
{
    struct eg_jobs *js;
    struct eg_err err;
    REQUIRE(eg_jobs_new(1, 8, &js, &err) == 0);
    struct counter c = {.sleep_ms = 200};
    int64_t id = eg_jobs_after(js, "long", 0, count_job, &c);
    REQUIRE(id > 0);
    while (atomic_load(&c.inside) == 0)
        usleep(1000);
    CHECK_EQ_INT(eg_jobs_cancel(js, id), 0);
    CHECK_EQ_INT(atomic_load(&c.runs), 1); /* the run finished before cancel returned */
    eg_jobs_free(js);
}

TEST(jobs_are_bounded_and_refused_after_stop)
{
    struct eg_jobs *js;
    struct eg_err err;
    REQUIRE(eg_jobs_new(1, 2, &js, &err) == 0);
    struct counter c = {0};
    CHECK(eg_jobs_after(js, "a", 60000, count_job, &c) > 0);
    CHECK(eg_jobs_after(js, "b", 60000, count_job, &c) > 0);
    CHECK_EQ_INT(eg_jobs_after(js, "c", 60000, count_job, &c), EG_ENOMEM);
    CHECK_EQ_INT(eg_jobs_every(js, "d", 0, 0, count_job, &c), EG_EINVAL);
    eg_jobs_stop(js);
    CHECK_EQ_INT(eg_jobs_after(js, "e", 0, count_job, &c), EG_EINVAL);
    eg_jobs_free(js);
    CHECK_EQ_INT(atomic_load(&c.runs), 0); /* dropped, never run */
    CHECK(eg_jobs_new(0, 2, &js, &err) == EG_EINVAL);
}

TEST(jobs_failures_are_counted_by_name)
{
    struct eg_jobs *js;
    struct eg_err err;
    REQUIRE(eg_jobs_new(1, 8, &js, &err) == 0);
    struct counter c = {.fail = 1};
    REQUIRE(eg_jobs_after(js, "bad_job", 0, count_job, &c) > 0);
    while (atomic_load(&c.runs) == 0)
        usleep(1000);
    eg_jobs_stop(js); /* the run's bookkeeping is done once the threads are joined */
    struct eg_buf b = {0};
    eg_metrics_render(&b);
    eg_buf_append(&b, "", 1);
    CHECK(strstr(b.data, "envgov_jobs_failures_total{job=\"bad_job\"} 1\n") != NULL);
    CHECK(strstr(b.data, "envgov_jobs_runs_total{job=\"bad_job\"} 1\n") != NULL);
    eg_buf_free(&b);
    eg_jobs_free(js);
}
