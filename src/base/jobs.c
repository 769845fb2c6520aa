/*
 * jobs.c: the background job and timer facility of app.h. A few worker threads share one list
 * of scheduled jobs under one mutex; each thread takes the due job with the earliest time, runs
 * it unlocked, and sleeps on a condition variable until the next one is due (no separate timer
 * thread). A job is never run by two threads at once, so a periodic job that overruns its
 * interval is delayed, not doubled. The list is bounded (max_jobs) and scanned linearly: it
 * holds tens of timers and short bursts of one-off runs, not a work queue of millions.
 */
#include "base/app.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct job {
    struct job *next;
    int64_t id;
    char name[48];
    eg_job_fn fn;
    void *arg;
    uint64_t due_ns;      /* eg_nanos() clock */
    uint64_t interval_ns; /* 0: once */
    int running, cancelled;
};

struct eg_jobs {
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* a job was added or became due; stop */
    pthread_cond_t done_cv; /* a run finished (cancel waits on it) */
    struct job *list;
    int njobs, max_jobs;
    int64_t next_id;
    int stopping, joined;
    pthread_t *threads;
    int nthreads;
};

static void metrics_describe_once(void)
{
    eg_metrics_describe("envgov_jobs_runs_total", EG_METRIC_COUNTER,
                        "background job runs, by job name");
    eg_metrics_describe("envgov_jobs_failures_total", EG_METRIC_COUNTER,
                        "background job runs that returned an error, by job name");
}

static void job_done_metrics(const struct job *j, int rc)
{
    char lb[96];
    snprintf(lb, sizeof lb, "job=\"%s\"", j->name); /* names are ours: no escaping needed */
    eg_metrics_counter_add("envgov_jobs_runs_total", lb, 1);
    if (rc < 0)
        eg_metrics_counter_add("envgov_jobs_failures_total", lb, 1);
}

static void unlink_job(struct eg_jobs *js, struct job *j)
{
    for (struct job **p = &js->list; *p; p = &(*p)->next)
        if (*p == j) {
            *p = j->next;
            js->njobs--;
            free(j);
            return;
        }
}

/* The due job with the earliest time, or NULL; *wait_ns gets the time to the next one. */
static struct job *next_due(struct eg_jobs *js, uint64_t now, uint64_t *wait_ns)
{
    struct job *best = NULL;
    uint64_t soonest = UINT64_MAX;
    for (struct job *j = js->list; j; j = j->next) {
        if (j->running || j->cancelled)
            continue;
        if (j->due_ns <= now && (!best || j->due_ns < best->due_ns))
            best = j;
        if (j->due_ns < soonest)
            soonest = j->due_ns;
    }
    *wait_ns = soonest == UINT64_MAX ? UINT64_MAX : soonest > now ? soonest - now : 0;
    return best;
}

static void timed_wait(struct eg_jobs *js, uint64_t wait_ns)
{
    if (wait_ns == UINT64_MAX) {
        pthread_cond_wait(&js->work_cv, &js->mu);
        return;
    }
    struct timespec until; /* work_cv waits on CLOCK_MONOTONIC: a clock step moves no timer */
    clock_gettime(CLOCK_MONOTONIC, &until);
    uint64_t ns = (uint64_t)until.tv_nsec + wait_ns % 1000000000ull;
    until.tv_sec += (time_t)(wait_ns / 1000000000ull + ns / 1000000000ull);
    until.tv_nsec = (long)(ns % 1000000000ull);
    pthread_cond_timedwait(&js->work_cv, &js->mu, &until);
}

/* Runs j unlocked (the caller holds the lock and gets it back). */
static void run_job(struct eg_jobs *js, struct job *j)
{
    j->running = 1;
    pthread_mutex_unlock(&js->mu);
    struct eg_err err;
    eg_err_clear(&err);
    int rc = j->fn(j->arg, &err);
    if (rc < 0)
        eg_log(EG_LOG_WARN, "job %s failed: %s", j->name, err.msg[0] ? err.msg : "(no message)");
    job_done_metrics(j, rc);
    pthread_mutex_lock(&js->mu);
    j->running = 0;
    if (j->interval_ns && !j->cancelled) {
        uint64_t now = eg_nanos();
        j->due_ns += j->interval_ns;
        if (j->due_ns < now) /* overran: the next run is an interval from now */
            j->due_ns = now + j->interval_ns;
    } else {
        unlink_job(js, j);
    }
    pthread_cond_broadcast(&js->done_cv);
}

static void *worker_main(void *arg)
{
    struct eg_jobs *js = arg;
    pthread_mutex_lock(&js->mu);
    while (!js->stopping) {
        uint64_t wait_ns;
        struct job *j = next_due(js, eg_nanos(), &wait_ns);
        if (j)
            run_job(js, j);
        else
            timed_wait(js, wait_ns);
    }
    pthread_mutex_unlock(&js->mu);
    return NULL;
}

int eg_jobs_new(int threads, int max_jobs, struct eg_jobs **out, struct eg_err *err)
{
    if (threads < 1 || threads > 64 || max_jobs < 1)
        return eg_err_set(err, EG_EINVAL, "bad_jobs", -1,
                          "job pool: threads must be 1..64 and max_jobs at least 1");
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, metrics_describe_once);
    struct eg_jobs *js = eg_calloc(1, sizeof *js);
    pthread_mutex_init(&js->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&js->work_cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&js->done_cv, NULL);
    js->max_jobs = max_jobs;
    js->threads = eg_calloc((size_t)threads, sizeof *js->threads);
    for (; js->nthreads < threads; js->nthreads++)
        if (pthread_create(&js->threads[js->nthreads], NULL, worker_main, js)) {
            eg_jobs_free(js);
            return eg_err_set(err, EG_EIO, "thread", -1, "cannot start a job thread");
        }
    *out = js;
    return 0;
}

static int64_t schedule(struct eg_jobs *js, const char *name, int64_t delay_ms, int64_t interval_ms,
                        eg_job_fn fn, void *arg)
{
    if (delay_ms < 0)
        delay_ms = 0;
    pthread_mutex_lock(&js->mu);
    if (js->stopping) {
        pthread_mutex_unlock(&js->mu);
        return EG_EINVAL;
    }
    if (js->njobs >= js->max_jobs) {
        pthread_mutex_unlock(&js->mu);
        return EG_ENOMEM;
    }
    struct job *j = eg_calloc(1, sizeof *j);
    j->id = ++js->next_id;
    snprintf(j->name, sizeof j->name, "%s", name);
    j->fn = fn;
    j->arg = arg;
    j->due_ns = eg_nanos() + (uint64_t)delay_ms * 1000000ull;
    j->interval_ns = (uint64_t)interval_ms * 1000000ull;
    j->next = js->list;
    js->list = j;
    js->njobs++;
    int64_t id = j->id;
    pthread_cond_signal(&js->work_cv);
    pthread_mutex_unlock(&js->mu);
    return id;
}

int64_t eg_jobs_every(struct eg_jobs *js, const char *name, int64_t first_ms, int64_t interval_ms,
                      eg_job_fn fn, void *arg)
{
    if (interval_ms < 1)
        return EG_EINVAL;
    return schedule(js, name, first_ms, interval_ms, fn, arg);
}

int64_t eg_jobs_after(struct eg_jobs *js, const char *name, int64_t delay_ms, eg_job_fn fn,
                      void *arg)
{
    return schedule(js, name, delay_ms, 0, fn, arg);
}

int eg_jobs_cancel(struct eg_jobs *js, int64_t id)
{
    pthread_mutex_lock(&js->mu);
    struct job *j = js->list;
    while (j && j->id != id)
        j = j->next;
    if (!j || j->cancelled) {
        pthread_mutex_unlock(&js->mu);
        return EG_ENOTFOUND;
    }
    j->cancelled = 1;
    if (!j->running) {
        unlink_job(js, j);
    } else {
        /* run_job unlinks (frees) a cancelled job when its run ends: wait for that */
        for (;;) {
            struct job *k = js->list;
            while (k && k->id != id)
                k = k->next;
            if (!k)
                break;
            pthread_cond_wait(&js->done_cv, &js->mu);
        }
    }
    pthread_mutex_unlock(&js->mu);
    return 0;
}

void eg_jobs_stop(struct eg_jobs *js)
{
    pthread_mutex_lock(&js->mu);
    js->stopping = 1;
    pthread_cond_broadcast(&js->work_cv);
    int join = !js->joined;
    js->joined = 1;
    pthread_mutex_unlock(&js->mu);
    if (!join)
        return;
    for (int i = 0; i < js->nthreads; i++)
        pthread_join(js->threads[i], NULL);
}

void eg_jobs_free(struct eg_jobs *js)
{
    if (!js)
        return;
    eg_jobs_stop(js);
    while (js->list) {
        struct job *n = js->list->next;
        free(js->list);
        js->list = n;
    }
    pthread_mutex_destroy(&js->mu);
    pthread_cond_destroy(&js->work_cv);
    pthread_cond_destroy(&js->done_cv);
    free(js->threads);
    free(js);
}
