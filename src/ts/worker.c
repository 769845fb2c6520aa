/*
 * ts_worker.c: the maintenance thread behind ts_worker.h. It sleeps on a condition variable so
 * that stop is immediate, and logs failures without stopping: the next pass retries, since
 * aggregation and compaction both pick up whatever is still marked dirty or still in rows.
 */
#include "ts/worker.h"

#include "db/db.h"
#include "ts/ts.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct eg_ts_worker {
    struct eg_db *st;
    struct eg_ts *ts;
    int64_t agg_interval_s, compact_interval_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopping;
    uint64_t passes;
};

static void run_pass(struct eg_ts_worker *w, int compact)
{
    struct eg_err err;
    eg_err_clear(&err);
    struct eg_ts_agg_stats agg = {0};
    if (eg_ts_aggregate(w->ts, &agg, &err))
        eg_log(EG_LOG_WARN, "ts worker: aggregation failed: %s (retried next pass)", err.msg);
    else if (agg.days)
        eg_log(EG_LOG_DEBUG, "ts worker: recomputed %zu series-days (%zu valid hours)", agg.days,
               agg.hours_valid);
    if (!compact)
        return;
    size_t days = 0;
    eg_err_clear(&err);
    if (eg_ts_compact(w->ts, &days, &err))
        eg_log(EG_LOG_WARN, "ts worker: compaction failed: %s (retried next pass)", err.msg);
    else if (days)
        eg_log(EG_LOG_INFO, "ts worker: compacted %zu series-days into blocks", days);
}

static void *worker_main(void *arg)
{
    struct eg_ts_worker *w = arg;
    /* First compaction a minute after start (or sooner when the interval is shorter), so a
       restart does not wait a whole interval to compact what accumulated while it was down. */
    int64_t next_compact =
        eg_time_now() + (w->compact_interval_s < 60 ? w->compact_interval_s : 60);
    pthread_mutex_lock(&w->mu);
    while (!w->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)w->agg_interval_s;
        while (!w->stopping) {
            int rc = pthread_cond_timedwait(&w->cv, &w->mu, &until);
            if (rc == ETIMEDOUT)
                break;
        }
        if (w->stopping)
            break;
        pthread_mutex_unlock(&w->mu);
        int64_t now = eg_time_now();
        int compact = now >= next_compact;
        if (compact)
            next_compact = now + w->compact_interval_s;
        run_pass(w, compact);
        pthread_mutex_lock(&w->mu);
        w->passes++;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int eg_ts_worker_start(const char *db_path, int64_t agg_interval_s, int64_t compact_interval_s,
                       struct eg_ts_worker **out, struct eg_err *err)
{
    if (agg_interval_s < 1 || compact_interval_s < 1)
        return eg_err_set(err, EG_EINVAL, "bad_interval", -1,
                          "maintenance intervals must be at least 1 second");
    struct eg_ts_worker *w = eg_calloc(1, sizeof *w);
    w->agg_interval_s = agg_interval_s;
    w->compact_interval_s = compact_interval_s;
    int rc = eg_db_open(db_path, &w->st, err);
    if (!rc)
        rc = eg_ts_open(w->st, &w->ts, err);
    if (rc) {
        if (w->st)
            eg_db_close(w->st);
        free(w);
        return rc;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w)) {
        eg_ts_close(w->ts);
        eg_db_close(w->st);
        free(w);
        return eg_err_set(err, EG_EIO, "thread", -1, "could not start the maintenance thread");
    }
    *out = w;
    return 0;
}

void eg_ts_worker_stop(struct eg_ts_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    eg_ts_close(w->ts);
    eg_db_close(w->st);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

uint64_t eg_ts_worker_passes(struct eg_ts_worker *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t n = w->passes;
    pthread_mutex_unlock(&w->mu);
    return n;
}
