/*
 * app.h: what the services of one process share (DESIGN.md "Services share one application
 * context"): the background job and timer facility (jobs.c), the event feed published after
 * each commit of new data (events.c), and the application context that holds them with the
 * settings and the running services (app.c), as redis shares its server struct.
 *
 * It lives in base so that every module can take a struct eg_app without including the modules
 * above it: the running services are held by pointers to their structs, declared here only by
 * name (the modules that own them fill them in).
 */
#ifndef EG_BASE_APP_H
#define EG_BASE_APP_H

#include "base/base.h"

#include <stddef.h>
#include <stdint.h>

/* ---- jobs: a small pool of worker threads and timers (jobs.c) ------------------------------ */

/* A job: returns 0, or a negative EG_E* with err filled; a failure is logged with the job's
   name and counted (envgov_jobs_failures_total{job="…"}) and a periodic job runs again at its
   next time. Runs on a pool thread, never concurrently with itself. */
typedef int (*eg_job_fn)(void *arg, struct eg_err *err);

struct eg_jobs;

/* threads worker threads (1..64); at most max_jobs scheduled at once (timers and pending runs). */
int eg_jobs_new(int threads, int max_jobs, struct eg_jobs **out, struct eg_err *err);
/* Runs fn every interval_ms, the first time first_ms from now. A run that takes longer than the
   interval delays the next one (no pile-up). Returns the job id (> 0), or EG_ENOMEM when
   max_jobs are scheduled, EG_EINVAL when stopping or interval_ms < 1. name is copied. */
int64_t eg_jobs_every(struct eg_jobs *jobs, const char *name, int64_t first_ms, int64_t interval_ms,
                      eg_job_fn fn, void *arg);
/* Runs fn once, delay_ms from now (0: as soon as a thread is free). Same returns. */
int64_t eg_jobs_after(struct eg_jobs *jobs, const char *name, int64_t delay_ms, eg_job_fn fn,
                      void *arg);
/* Removes a job; if it is running, waits until that run returns (so its arg may be freed
   afterwards). Never call it from inside the job itself. EG_ENOTFOUND when already gone. */
int eg_jobs_cancel(struct eg_jobs *jobs, int64_t id);
/* Stops: no new runs start, the runs in progress finish, the threads are joined. Jobs not yet
   started are dropped. Idempotent. */
void eg_jobs_stop(struct eg_jobs *jobs);
/* Stops (if not yet) and frees. NULL is fine. */
void eg_jobs_free(struct eg_jobs *jobs);

/* ---- events: which series got which hours, after each commit (events.c) ------------------- */

enum eg_event_kind {
    EG_EVENT_INGEST = 1, /* HJ 212 data, now in the time-series store (ingest writer) */
    EG_EVENT_IMPORT = 2, /* an observations file import (ts/import.c) */
};

/* One series and a run of consecutive hours it got data for (data of a series for hours 3 and
   7 in one commit is two events). Hours are UTC seconds at the start of the hour; the range is
   inclusive. The strings live as long as the delivery call. */
struct eg_event {
    enum eg_event_kind kind;
    const char *source;    /* device MN or station code */
    const char *pollutant; /* HJ 212-2017 code, e.g. "a34004" */
    int series_kind;       /* HJ 212 CN of the data: 2011, 2051, 2061, 2031 (ts.h EG_TS_KIND_*) */
    int64_t hour_from, hour_to;
};

/* A subscriber: gets the events of one commit in one call, ordered by (source, pollutant,
   series_kind, hour). Runs on a job thread, never on the writer's; commits are delivered in
   the order they were published, one at a time. */
typedef void (*eg_event_fn)(void *ctx, const struct eg_event *ev, size_t n);

struct eg_events;
/* The events of one commit, collected point by point by the committing code. */
struct eg_event_batch;

/* Delivery runs on jobs; at most max_pending batches wait for delivery: beyond, a publish is
   dropped (logged, envgov_events_dropped_total) rather than blocking the publisher. */
struct eg_events *eg_events_new(struct eg_jobs *jobs, size_t max_pending);
/* Delivers what is pending (on the caller's thread), then frees. NULL is fine. */
void eg_events_free(struct eg_events *ev);
/* Subscribers are added before the services start or while they run; never removed. */
void eg_events_subscribe(struct eg_events *ev, eg_event_fn fn, void *ctx);
/* 1 when someone listens: publishers skip collecting events otherwise. NULL ev: 0. */
int eg_events_active(struct eg_events *ev);
/* Takes b (even on failure). Never blocks on subscribers: queues b and schedules its delivery.
   An empty batch is dropped silently. EG_ENOMEM when dropped for lack of room. */
int eg_events_publish(struct eg_events *ev, struct eg_event_batch *b);
/* Waits until everything published before the call is delivered (tests, shutdown). */
void eg_events_flush(struct eg_events *ev);

struct eg_event_batch *eg_event_batch_new(enum eg_event_kind kind);
/* Notes that (source, pollutant, series_kind) got a value at UTC time t. Copies the strings. */
void eg_event_batch_add(struct eg_event_batch *b, const char *source, const char *pollutant,
                        int series_kind, int64_t t);
size_t eg_event_batch_hours(const struct eg_event_batch *b); /* distinct (series, hour) so far */
void eg_event_batch_free(struct eg_event_batch *b);

/* ---- the application context (app.c) ------------------------------------------------------ */

struct eg_ingest;      /* ingest/ingest.h */
struct eg_http_server; /* http/http.h */
struct eg_ts_worker;   /* ts/worker.h */

struct eg_app {
    const struct eg_config *cfg; /* the settings `serve` loaded (NULL in tests and tools) */
    const char *db_path;         /* the database every service opens its connections on */
    int64_t session_seconds;     /* login session lifetime (auth.token_ttl) */
    struct eg_jobs *jobs;        /* background jobs and timers */
    struct eg_events *events;    /* the feed of new data */
    /* The running services, NULL when not started. Set by their start before the services
       that use them start (serve starts them in order), cleared after those stopped. */
    struct eg_ingest *ingest;
    struct eg_http_server *http;
    struct eg_ts_worker *ts_worker;
};

/* ---- durability health (issue 10 items 14, 15, 17) --------------------------------------- */

/* What the writers of acknowledged data last saw, for /healthz: process-wide, thread-safe.
   source: who wrote (EG_HEALTH_INGEST the HJ 212 writer, EG_HEALTH_HTTP the API's connections
   and the /healthz probe); ok 1: a commit worked; ok 0: one failed (what: a short reason). */
enum { EG_HEALTH_INGEST, EG_HEALTH_HTTP, EG_HEALTH_SOURCES };
void eg_health_write_result(int source, int ok, const char *what);
/* 1 when a source's last write failed and none worked since: msg gets "source: reason",
 *since_ns (eg_nanos) the first failure of that streak. */
int eg_health_write_failing(char *msg, size_t cap, uint64_t *since_ns);
/* Bumped each time every source is fine again after a failure: a connection opened in an older
   epoch may have been left read-only by SQLite and is reopened (issue 10 item 15). */
uint64_t eg_health_epoch(void);
/* A standing warning /healthz shows in its details until the process ends (e.g. an unclean stop
   whose WAL is gone). NULL clears. */
void eg_health_set_warning(const char *msg);
int eg_health_warning(char *msg, size_t cap); /* 1 when there is one */

#define EG_APP_JOB_THREADS 2
#define EG_APP_MAX_JOBS 1024
#define EG_APP_MAX_PENDING_EVENTS 1024

/* Fills app: db_path (not copied), the default session lifetime, a job pool and an event feed.
   The metrics registry stays the process's own (base.h eg_metrics_*): one table, one prefix
   "envgov_". */
int eg_app_init(struct eg_app *app, const char *db_path, struct eg_err *err);
/* Delivers pending events, stops the jobs, frees what eg_app_init made. The services must be
   stopped first. */
void eg_app_fini(struct eg_app *app);

#endif
