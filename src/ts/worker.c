/*
 * ts_worker.c: the maintenance job behind ts_worker.h. One periodic job every agg_interval_s
 * does the aggregation and, when compact_interval_s has passed, the compaction too, so that the
 * two never run at once on the one connection. A failure is logged and the next pass retries,
 * since aggregation and compaction both pick up whatever is still marked dirty or still in rows.
 */
#include "ts/worker.h"

#include "db/db.h"
#include "ts/ts.h"

#include <stdatomic.h>
#include <stdlib.h>

struct eg_ts_worker {
    struct eg_jobs *jobs;
    int64_t job;
    struct eg_db *st;
    struct eg_ts *ts;
    int64_t compact_interval_s;
    int64_t next_compact; /* only the job touches it (a job never runs twice at once) */
    atomic_ullong passes;
};

static int pass(void *arg, struct eg_err *err)
{
    struct eg_ts_worker *w = arg;
    int64_t now = eg_time_now();
    int compact = now >= w->next_compact;
    if (compact)
        w->next_compact = now + w->compact_interval_s;
    struct eg_ts_agg_stats agg = {0};
    int rc = eg_ts_aggregate(w->ts, &agg, err);
    if (rc < 0)
        eg_log(EG_LOG_WARN, "ts worker: aggregation failed: %s (retried next pass)", err->msg);
    else if (agg.days)
        eg_log(EG_LOG_DEBUG, "ts worker: recomputed %zu series-days (%zu valid hours)", agg.days,
               agg.hours_valid);
    if (compact) {
        size_t days = 0;
        struct eg_err e;
        eg_err_clear(&e);
        int crc = eg_ts_compact(w->ts, &days, &e);
        if (crc < 0) {
            eg_log(EG_LOG_WARN, "ts worker: compaction failed: %s (retried next pass)", e.msg);
            if (rc == 0)
                *err = e;
            rc = crc;
        } else if (days) {
            eg_log(EG_LOG_INFO, "ts worker: compacted %zu series-days into blocks", days);
        }
        /* the rows compaction deleted are free pages: give them back (at most 1 GiB a pass) */
        int64_t freed = 0;
        if (crc >= 0 && eg_ts_vacuum(w->ts, 262144, &freed, &e) < 0)
            eg_log(EG_LOG_WARN, "ts worker: giving free pages back failed: %s", e.msg);
        else if (freed)
            eg_log(EG_LOG_INFO, "ts worker: gave %lld free pages back to the file system",
                   (long long)freed);
    }
    atomic_fetch_add(&w->passes, 1);
    return rc;
}

int eg_ts_worker_start(struct eg_jobs *jobs, const char *db_path, int64_t agg_interval_s,
                       int64_t compact_interval_s, struct eg_ts_worker **out, struct eg_err *err)
{
    if (agg_interval_s < 1 || compact_interval_s < 1)
        return eg_err_set(err, EG_EINVAL, "bad_interval", -1,
                          "maintenance intervals must be at least 1 second");
    struct eg_ts_worker *w = eg_calloc(1, sizeof *w);
    w->jobs = jobs;
    w->compact_interval_s = compact_interval_s;
    /* First compaction a minute after start (or sooner when the interval is shorter), so a
       restart does not wait a whole interval to compact what accumulated while it was down. */
    w->next_compact = eg_time_now() + (compact_interval_s < 60 ? compact_interval_s : 60);
    int rc = eg_db_open(db_path, &w->st, err);
    if (!rc)
        rc = eg_ts_open(w->st, &w->ts, err);
    if (!rc) {
        w->job = eg_jobs_every(jobs, "ts.maintenance", agg_interval_s * 1000, agg_interval_s * 1000,
                               pass, w);
        if (w->job < 0)
            rc = eg_err_set(err, (int)w->job, "jobs", -1, "cannot schedule the maintenance job");
    }
    if (rc) {
        eg_ts_close(w->ts);
        if (w->st)
            eg_db_close(w->st);
        free(w);
        return rc;
    }
    *out = w;
    return 0;
}

void eg_ts_worker_stop(struct eg_ts_worker *w)
{
    if (!w)
        return;
    eg_jobs_cancel(w->jobs, w->job);
    eg_ts_close(w->ts);
    eg_db_close(w->st);
    free(w);
}

uint64_t eg_ts_worker_passes(struct eg_ts_worker *w)
{
    return atomic_load(&w->passes);
}
