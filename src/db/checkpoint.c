/*
 * checkpoint.c: the periodic checkpoint job of db.h (issue 10 item 16). SQLite checkpoints by
 * itself at the end of a commit once the WAL is over 1000 pages, but a failure there is not
 * reported to anyone: with the database file immutable the WAL grew 4 -> 380 MB in 60 s without
 * a log line. This job checkpoints on its own connection, says when it fails, and cuts the WAL
 * back (TRUNCATE) when it is over the limit.
 */
#include "base/app.h"
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

struct eg_db_checkpointer {
    struct eg_jobs *jobs;
    int64_t job;
    struct eg_db *st;
    int64_t limit;
    int failing; /* only the job touches it */
};

static int run(void *arg, struct eg_err *err)
{
    struct eg_db_checkpointer *c = arg;
    struct eg_db_ckpt k = {0};
    struct eg_err e;
    eg_err_clear(&e);
    int rc = eg_db_checkpoint(c->st, 0, &k, &e);
    if (rc == 0 && c->limit > 0 && k.wal_bytes > c->limit) {
        int64_t before = k.wal_bytes;
        rc = eg_db_checkpoint(c->st, 1, &k, &e);
        if (rc == 0)
            eg_log(EG_LOG_INFO,
                   "db checkpoint: WAL of %lld bytes over the limit of %lld: "
                   "truncated to %lld",
                   (long long)before, (long long)c->limit, (long long)k.wal_bytes);
        else if (!strcmp(e.code, "busy"))
            rc = 0; /* readers still need the old frames: the next pass tries again */
    }
    eg_metrics_gauge_set("envgov_db_wal_bytes", NULL, (double)k.wal_bytes);
    if (rc < 0) {
        eg_metrics_counter_add("envgov_db_checkpoint_failures_total", NULL, 1);
        eg_log(EG_LOG_ERROR, "db checkpoint failed: %s (WAL %lld bytes, %d frames)", e.msg,
               (long long)k.wal_bytes, k.wal_frames);
        c->failing = 1;
    } else if (c->failing) {
        eg_log(EG_LOG_INFO, "db checkpoint works again (WAL %lld bytes)", (long long)k.wal_bytes);
        c->failing = 0;
    }
    (void)err;
    return 0; /* logged and counted here; the job runs again at its next time */
}

int eg_db_checkpointer_start(struct eg_jobs *jobs, const char *path, int64_t interval_ms,
                             int64_t wal_limit_bytes, struct eg_db_checkpointer **out,
                             struct eg_err *err)
{
    *out = NULL;
    if (interval_ms < 1)
        return eg_err_set(err, EG_EINVAL, "bad_interval", -1,
                          "the checkpoint interval must be at least 1 ms");
    struct eg_db_checkpointer *c = eg_calloc(1, sizeof *c);
    c->jobs = jobs;
    c->limit = wal_limit_bytes;
    int rc = eg_db_open(path, &c->st, err);
    if (rc < 0) {
        free(c);
        return rc;
    }
    eg_metrics_describe("envgov_db_checkpoint_failures_total", EG_METRIC_COUNTER,
                        "WAL checkpoints that failed (the WAL grows until one works)");
    eg_metrics_describe("envgov_db_wal_bytes", EG_METRIC_GAUGE,
                        "size of the database's WAL file after the last checkpoint");
    c->job = eg_jobs_every(jobs, "db.checkpoint", interval_ms, interval_ms, run, c);
    if (c->job < 0) {
        eg_db_close(c->st);
        free(c);
        return eg_err_set(err, EG_ENOMEM, "jobs", -1, "cannot schedule the checkpoint job");
    }
    *out = c;
    return 0;
}

void eg_db_checkpointer_stop(struct eg_db_checkpointer *c)
{
    if (!c)
        return;
    eg_jobs_cancel(c->jobs, c->job);
    eg_db_close(c->st);
    free(c);
}
