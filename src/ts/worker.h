/*
 * ts_worker: the background maintenance of `envgov serve` (DESIGN.md "background workers"):
 * recomputes stale hourly/daily means (eg_ts_aggregate) every agg_interval_s and compacts closed
 * days into blocks (eg_ts_compact) every compact_interval_s, as one periodic job "ts.maintenance"
 * on the application's job pool (base/app.h), on its own database connection, so neither runs
 * on the HTTP or HJ 212 threads. Both are safe while ingestion writes (short transactions).
 */
#ifndef EG_TS_WORKER_H
#define EG_TS_WORKER_H

#include "base/app.h"
#include "base/base.h"

#include <stdint.h>

struct eg_ts_worker;

/* Opens db_path and schedules the job on jobs; intervals in seconds (>= 1). */
int eg_ts_worker_start(struct eg_jobs *jobs, const char *db_path, int64_t agg_interval_s,
                       int64_t compact_interval_s, struct eg_ts_worker **out, struct eg_err *err);
/* Cancels the job (a running pass finishes first) and closes its connection. */
void eg_ts_worker_stop(struct eg_ts_worker *w);
/* Passes completed so far (for tests and /metrics). */
uint64_t eg_ts_worker_passes(struct eg_ts_worker *w);

#endif
