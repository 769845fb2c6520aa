/*
 * bench/fold.c: the ingest writer's fold of landed packets into the time-series store (issue 11
 * item 1), durable (synchronous=FULL, every commit fsynced), with many series getting a few
 * points each: DEVICES devices x 15 series (5 pollutants x Avg/Min/Max of CN 2051 minute data),
 * each fold moving PKTS packets per device (a few minutes of every series) in one transaction,
 * through the writer's own code (eg__ingest_fold: scan the landing table, write the store, drop,
 * commit). Then the same in fold slices of 256 packets (what the writer does under load, where
 * the acknowledgements wait behind a slice): time per slice.
 *
 * Baseline in the same run: a plain INSERT loop of the same values, one row per value
 * (series_id, t, v, flag) keyed (series_id, t), one transaction per fold, synchronous=FULL: the
 * ceiling of the row-per-value layout the store had before migration 103 (its fold measured
 * below that loop). The wall time and the folding thread's CPU time are both printed (the VM is
 * shared; CPU time is the one-core figure).
 *
 * Also printed: the file size per stored value after compaction of the closed days and the
 * incremental vacuum (issue 11 item 7).
 *
 * build/bench/fold [DEVICES=1000] [FOLDS=15] [PKTS=4]
 */
#include "db/db.h"
#include "devices/devices.h"
#include "ingest/internal.h"
#include "ts/ts.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define POLS 5
#define FIELDS 3
#define PER_DEV (POLS * FIELDS)

static const char *const pol[POLS] = {"a21026", "a21002", "a34013", "a21005", "a05024"};
static const char *const fld[FIELDS] = {"Avg", "Min", "Max"};

static void die(const char *what, const struct eg_err *err)
{
    fprintf(stderr, "bench/fold: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

static double secs(uint64_t ns)
{
    return (double)ns / 1e9;
}

static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static off_t file_size(const char *path)
{
    struct stat sb;
    char wal[300];
    off_t n = stat(path, &sb) == 0 ? sb.st_size : 0;
    snprintf(wal, sizeof wal, "%s-wal", path);
    return n + (stat(wal, &sb) == 0 ? sb.st_size : 0);
}

/* One packet's values (the writer's landing layout, format 1). */
static void packet(int dev, int64_t t, struct eg__ing_value *v)
{
    for (int p = 0; p < POLS; p++)
        for (int f = 0; f < FIELDS; f++) {
            struct eg__ing_value *x = &v[p * FIELDS + f];
            memset(x, 0, sizeof *x);
            snprintf(x->code, sizeof x->code, "%s", pol[p]);
            snprintf(x->field, sizeof x->field, "%s", fld[f]);
            double base = 20.0 + p * 7 + (double)(dev % 13);
            x->v = round((base + (double)((t / 60 + dev * 7 + f) % 17) * 0.37) * 10) / 10;
            x->flag = 'N';
        }
}

/* Lands pkts packets per device (minute data from t) as the acknowledging commits do. */
static void land(struct eg_db *st, int devices, int pkts, int64_t t, char (*mn)[32])
{
    struct eg_err err;
    struct eg__ing_value vals[PER_DEV];
    if (eg_db_begin(st, &err))
        die("begin", &err);
    for (int k = 0; k < pkts; k++)
        for (int d = 0; d < devices; d++) {
            packet(d, t + k * 60, vals);
            struct eg_devices_landed l = {.mn = mn[d],
                                          .mnlen = strlen(mn[d]),
                                          .cn = 2051,
                                          .t = t + k * 60,
                                          .n = PER_DEV,
                                          .vals = vals,
                                          .vals_len = sizeof vals};
            if (eg_devices_land(st, &l, 1, &err))
                die("land", &err);
        }
    if (eg_db_commit(st, &err))
        die("commit", &err);
}

/* Baseline: one INSERT per value, one transaction per fold. */
static double baseline(const char *path, int devices, int folds, int pkts, int64_t t0)
{
    struct eg_db *st;
    struct eg_err err;
    const struct eg_db_opts o = {.durable = 1, .cache_kib = 65536};
    if (eg_db_open_opts(path, &o, &st, &err))
        die("open baseline", &err);
    if (eg_db_exec(st,
                   "CREATE TABLE plain (series_id INTEGER NOT NULL, t INTEGER NOT NULL, v REAL "
                   "NOT NULL, flag INTEGER NOT NULL, PRIMARY KEY (series_id, t)) WITHOUT ROWID",
                   &err))
        die("create", &err);
    struct eg__ing_value vals[PER_DEV];
    uint64_t total = 0;
    for (int r = 0; r <= folds; r++) {
        int64_t t = t0 + (int64_t)r * pkts * 60;
        uint64_t a = eg_nanos();
        if (eg_db_begin(st, &err))
            die("begin", &err);
        for (int k = 0; k < pkts; k++)
            for (int d = 0; d < devices; d++) {
                packet(d, t + k * 60, vals);
                for (int i = 0; i < PER_DEV; i++) {
                    struct eg_stmt *s;
                    if (eg_db_prepare(st,
                                      "INSERT INTO plain (series_id, t, v, flag) VALUES (?, ?, "
                                      "?, ?) ON CONFLICT (series_id, t) DO NOTHING",
                                      &s, &err))
                        die("prepare", &err);
                    eg_stmt_bind_int(s, 1, (int64_t)d * PER_DEV + i + 1);
                    eg_stmt_bind_int(s, 2, t + k * 60);
                    eg_stmt_bind_double(s, 3, vals[i].v);
                    eg_stmt_bind_int(s, 4, vals[i].flag);
                    if (eg_stmt_step(s, &err) < 0)
                        die("insert", &err);
                    eg_stmt_done(s);
                }
            }
        if (eg_db_commit(st, &err))
            die("commit", &err);
        if (r > 0) /* the first fold creates the pages: warm-up, as for the store */
            total += eg_nanos() - a;
    }
    eg_db_close(st);
    return (double)devices * PER_DEV * pkts * folds / secs(total);
}

static void unlink_db(const char *path)
{
    char x[300];
    unlink(path);
    snprintf(x, sizeof x, "%s-wal", path);
    unlink(x);
    snprintf(x, sizeof x, "%s-shm", path);
    unlink(x);
}

/* Lands and folds FOLDS x PKTS packets per device, then the slices; prints and returns the
   fold rate (values/s). whole: the fold as it is now (1) or with savepoints (0, before). */
static double fold_run(const char *path, int whole, int devices, int folds, int pkts, int64_t t0,
                       char (*mn)[32])
{
    struct eg_err err;
    struct eg_db *st;
    const struct eg_db_opts o = {.durable = 1, .cache_kib = 65536}; /* the writer's options */
    if (eg_db_open_opts(path, &o, &st, &err))
        die("open", &err);
    struct eg__sink *sink;
    if (eg__sink_open(&sink, st, &err))
        die("sink", &err);
    uint64_t total = 0, worst = 0, cpu = 0;
    int64_t values = 0;
    for (int r = 0; r <= folds; r++) {
        int64_t t = t0 + (int64_t)r * pkts * 60;
        land(st, devices, pkts, t, mn);
        uint64_t a = eg_nanos(), c = cpu_ns();
        int moved = 0;
        if (eg__ingest_fold_once(st, sink, devices * pkts, whole, &moved, &err))
            die("fold", &err);
        uint64_t took = eg_nanos() - a;
        if (r > 0)
            cpu += cpu_ns() - c;
        if (moved != devices * pkts) {
            fprintf(stderr, "bench/fold: moved %d of %d packets\n", moved, devices * pkts);
            exit(1);
        }
        if (r == 0) { /* creates the series: not timed */
            printf("  warm-up fold (creates %d series): %.3f s\n", devices * PER_DEV, secs(took));
            continue;
        }
        total += took;
        worst = took > worst ? took : worst;
        values += (int64_t)moved * PER_DEV;
    }
    double rate = (double)values / secs(total);
    printf("  fold: %lld values in %.3f s = %.0f values/s durable (%.1f ms per fold, worst "
           "%.1f ms); CPU of the folding thread %.3f s = %.0f values per CPU-second\n",
           (long long)values, secs(total), rate, secs(total) * 1000 / folds, secs(worst) * 1000,
           secs(cpu), (double)values / secs(cpu));

    /* slices of 256 packets, as under load (the acknowledgements wait behind each) */
    int64_t ts1 = t0 + (int64_t)(folds + 1) * pkts * 60;
    land(st, devices, pkts, ts1, mn);
    uint64_t stotal = 0, sworst = 0;
    int slices = 0, moved = 1;
    while (moved > 0) {
        uint64_t a = eg_nanos();
        if (eg__ingest_fold_once(st, sink, 256, whole, &moved, &err))
            die("fold slice", &err);
        uint64_t took = eg_nanos() - a;
        if (!moved)
            break;
        stotal += took;
        sworst = took > sworst ? took : sworst;
        slices++;
    }
    printf("  slices of 256 packets (%d values): %d slices, %.1f ms each on average, worst %.1f "
           "ms, %.0f values/s\n",
           256 * PER_DEV, slices, secs(stotal) * 1000 / slices, secs(sworst) * 1000,
           (double)devices * pkts * PER_DEV / secs(stotal));

    /* disk: bytes of file per stored value, rows (open day) then after compaction */
    int64_t stored = (int64_t)devices * PER_DEV * pkts * (folds + 2);
    if (eg_db_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)", &err))
        die("checkpoint", &err);
    off_t rows_bytes = file_size(path);
    if (whole)
        printf("  file as rows (open day): %.1f bytes per stored value (%lld values, %.1f MB)\n",
               (double)rows_bytes / (double)stored, (long long)stored, (double)rows_bytes / 1e6);
    if (whole) { /* disk (issue 11 item 7): compaction of the closed days, then the vacuum */
        struct eg_ts *ts;
        if (eg_ts_open(st, &ts, &err))
            die("ts", &err);
        eg_ts_set_now(ts, eg_time_now() + 3 * 86400);
        size_t days = 0;
        uint64_t c0 = eg_nanos();
        if (eg_ts_compact(ts, &days, &err))
            die("compact", &err);
        double csec = secs(eg_nanos() - c0);
        if (eg_db_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)", &err))
            die("checkpoint", &err);
        off_t compacted = file_size(path);
        int64_t freed = 0;
        c0 = eg_nanos();
        if (eg_ts_vacuum(ts, INT64_MAX, &freed, &err))
            die("vacuum", &err);
        double vsec = secs(eg_nanos() - c0);
        if (eg_db_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)", &err))
            die("checkpoint", &err);
        off_t vacuumed = file_size(path);
        printf("  compaction of %zu series-days: %.2f s; file %.1f bytes per stored value before "
               "the vacuum (%.1f MB), %.2f after it (%.1f MB; %lld pages given back in %.2f "
               "s)\n",
               days, csec, (double)compacted / (double)stored, (double)compacted / 1e6,
               (double)vacuumed / (double)stored, (double)vacuumed / 1e6, (long long)freed, vsec);
        eg_ts_close(ts);
    }
    eg__sink_close(sink);
    eg_db_close(st);
    return rate;
}

/* ---- acknowledgements while the maintenance runs (issue 11: ack p99) ---- */

struct maint {
    const char *path;
    int64_t now;
    atomic_int done;
    double agg_s, compact_s;
    size_t days, series_days;
};

static void *maint_main(void *arg)
{
    struct maint *m = arg;
    struct eg_db *st;
    struct eg_ts *ts;
    struct eg_err err;
    if (eg_db_open(m->path, &st, &err) || eg_ts_open(st, &ts, &err))
        die("maintenance open", &err);
    eg_ts_set_now(ts, m->now);
    struct eg_ts_agg_stats as;
    uint64_t a = eg_nanos();
    if (eg_ts_aggregate(ts, &as, &err))
        die("aggregate", &err);
    m->agg_s = secs(eg_nanos() - a);
    m->series_days = as.days;
    eg_ts_set_now(ts, m->now + 3 * 86400);
    a = eg_nanos();
    if (eg_ts_compact(ts, &m->days, &err))
        die("compact", &err);
    m->compact_s = secs(eg_nanos() - a);
    eg_ts_close(ts);
    eg_db_close(st);
    atomic_store(&m->done, 1);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Six hours of minute data for `series` series (dirty days to aggregate, rows to compact); then
   the maintenance (aggregation, compaction) on its own connection while this thread commits one
   landed packet at a time, durably, as the ingest writer acknowledges: the commit latencies. */
static void ack_during_maintenance(const char *path, int series, int sqlite_busy)
{
    struct eg_db *st;
    struct eg_ts *ts;
    struct eg_err err;
    const struct eg_db_opts o = {.durable = 1, .cache_kib = 65536};
    if (eg_db_open_opts(path, &o, &st, &err) || eg_ts_open(st, &ts, &err))
        die("open", &err);
    int64_t now = eg_time_now();
    int64_t t0 = now - now % 3600 - 6 * 3600;
    if (eg_ts_day_of(t0) != eg_ts_day_of(now))
        t0 = eg_ts_day_start(eg_ts_day_of(now));
    int mins = (int)((now - t0) / 60);
    if (mins > 360)
        mins = 360;
    struct eg_ts_point *p = malloc((size_t)mins * sizeof *p);
    char src[32];
    for (int s = 0; s < series; s++) {
        snprintf(src, sizeof src, "MAINT%05d", s);
        for (int m = 0; m < mins; m++)
            p[m] = (struct eg_ts_point){
                {src, "a34004", EG_TS_KIND_MINUTE, "Avg", 0}, t0 + m * 60, 30 + (m % 11), 'N'};
        if (eg_ts_write_batch(ts, p, (size_t)mins, EG_TS_CREATE, NULL, &err))
            die("write", &err);
    }
    free(p);
    eg_ts_close(ts);
    if (sqlite_busy && eg_db_exec(st, "PRAGMA busy_timeout=5000", &err)) /* SQLite's own */
        die("busy_timeout", &err);
    struct maint m = {.path = path, .now = now};
    pthread_t th;
    pthread_create(&th, NULL, maint_main, &m);
    size_t cap = 1 << 16, n = 0;
    uint64_t *lat = malloc(cap * sizeof *lat);
    struct eg__ing_value vals[PER_DEV];
    packet(0, now, vals);
    struct eg_devices_landed l = {.mn = "ACKBENCH0001",
                                  .mnlen = 12,
                                  .cn = 2051,
                                  .t = now,
                                  .n = PER_DEV,
                                  .vals = vals,
                                  .vals_len = sizeof vals};
    while (!atomic_load(&m.done) && n < cap) {
        uint64_t a = eg_nanos();
        if (eg_db_begin(st, &err) || eg_devices_land(st, &l, 1, &err) || eg_db_commit(st, &err))
            die("ack commit", &err);
        lat[n++] = eg_nanos() - a;
        struct timespec gap = {0, 2000000};
        nanosleep(&gap, NULL);
    }
    pthread_join(th, NULL);
    qsort(lat, n, sizeof *lat, cmp_u64);
    printf("  %s: acknowledging commits during the maintenance (aggregation of %zu series-days "
           "%.2f s, compaction of %zu %.2f s): %zu commits, p50 %.1f ms, p99 %.1f ms, max %.1f "
           "ms\n",
           sqlite_busy ? "SQLite's busy_timeout (before)" : "busy wait polled every 1 ms (now)",
           m.series_days, m.agg_s, m.days, m.compact_s, n, n ? (double)lat[n / 2] / 1e6 : 0,
           n ? (double)lat[n * 99 / 100] / 1e6 : 0, n ? (double)lat[n - 1] / 1e6 : 0);
    free(lat);
    eg_db_close(st);
}

int main(int argc, char **argv)
{
    int devices = argc > 1 ? atoi(argv[1]) : 1000;
    int folds = argc > 2 ? atoi(argv[2]) : 15;
    int pkts = argc > 3 ? atoi(argv[3]) : 4;
    if (devices < 1 || devices > 100000 || folds < 1 || folds > 1000 || pkts < 1 || pkts > 60) {
        fprintf(stderr, "usage: fold [DEVICES 1-100000] [FOLDS 1-1000] [PKTS 1-60]\n");
        return 2;
    }
    char dir[] = "/tmp/eg_bench_fold_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char path[256], bpath[256];
    snprintf(path, sizeof path, "%s/fold.db", dir);
    snprintf(bpath, sizeof bpath, "%s/plain.db", dir);
    char(*mn)[32] = calloc((size_t)devices, sizeof *mn);
    for (int d = 0; d < devices; d++)
        snprintf(mn[d], sizeof mn[d], "BENCHFOLD%06d", d);

    /* minute data of today (Beijing), in the past, a whole number of folds back */
    int64_t now = eg_time_now();
    int64_t t0 = now - now % 60 - (int64_t)(folds + 2) * pkts * 60 * 2;
    if (eg_ts_day_of(t0) != eg_ts_day_of(now))
        t0 = eg_ts_day_start(eg_ts_day_of(now));
    printf("fold: %d devices x %d series (%d series), %d packets per device per fold "
           "(%d values), %d folds, synchronous=FULL\n",
           devices, PER_DEV, devices * PER_DEV, pkts, devices * pkts * PER_DEV, folds);
    printf(" the fold now (one transaction, no savepoints):\n");
    double rate = fold_run(path, 1, devices, folds, pkts, t0, mn);
    unlink_db(path);
    if (getenv("EG_BENCH_FOLD_ONLY")) { /* profiling the fold alone */
        rmdir(dir);
        free(mn);
        return 0;
    }
    printf(" the fold with a savepoint around the store's write (its retry path; before issue "
           "11 the only one):\n");
    double before = fold_run(path, 0, devices, folds, pkts, t0, mn);
    unlink_db(path);
    printf(" the ingest writer's commits while the maintenance runs (2,000 series, 6 h of "
           "minutes):\n");
    ack_during_maintenance(path, 2000, 0);
    unlink_db(path);
    ack_during_maintenance(path, 2000, 1);
    unlink_db(path);
    double base = baseline(bpath, devices, folds, pkts, t0);
    printf("  baseline, plain INSERT loop, one row per value: %.0f values/s durable\n", base);
    printf("  ratio: fold %.2fx the plain INSERT loop (a row per value), %.2fx the fold with a "
           "savepoint\n",
           rate / base, rate / before);
    unlink(path);
    unlink(bpath);
    char x[300];
    snprintf(x, sizeof x, "%s-wal", path);
    unlink(x);
    snprintf(x, sizeof x, "%s-shm", path);
    unlink(x);
    snprintf(x, sizeof x, "%s-wal", bpath);
    unlink(x);
    snprintf(x, sizeof x, "%s-shm", bpath);
    unlink(x);
    rmdir(dir);
    free(mn);
    return 0;
}
