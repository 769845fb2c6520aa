/*
 * bench/timeseries.c: the time-series store (issue 4 "Benchmark").
 *
 *  1. codec: bytes per sample on the real HJ 212 capture and on realistic synthetic minute data
 *     (8 outlet pollutants with their usual decimals), decimal vs XOR value coding;
 *  2. batch writes of minute data for 1,000 devices x 8 pollutants (8,000 series) with
 *     synchronous=FULL (every commit fsynced: durable), through eg_ts_write_batch, for
 *     EG_BENCH_DAYS closed days (default 2: a year, 4.2 billion values, would take an hour at the
 *     measured rate, so the figure is a rate over a representative slice, extrapolated) — plus
 *     the row path of the open day (one batch of 8,000 values a minute, as ingestion writes);
 *  3. bytes per sample after compaction (block payload, and the whole database file);
 *  4. queries: one series' day, one series' year by hour (a year of minute data is written for
 *     one device), latest of 8,000 series;
 *  5. the naive baseline in the same run: one row per sample, one INSERT per transaction.
 *
 * Prints the figures and the ratio; bench/README.md keeps them.
 */
#include "db/db.h"
#include "ts/ts.h"
#include "unit/ts/ts_capture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEVICES 1000
#define POLS 8
#define NSER (DEVICES * POLS)

static const struct {
    const char *code;
    double base, sigma;
    int decimals;
} pol[POLS] = {
    {"w01018", 30, 0.3, 1},    /* COD mg/L */
    {"w21003", 1.5, 0.02, 2},  /* NH3-N mg/L */
    {"w21011", 0.3, 0.004, 3}, /* TP mg/L */
    {"w01001", 7.2, 0.01, 2},  /* pH */
    {"w00000", 120, 2, 1},     /* flow L/s */
    {"a21026", 35, 1, 1},      /* SO2 mg/m3 */
    {"a21002", 80, 2, 1},      /* NOx mg/m3 */
    {"a34013", 5, 0.1, 2},     /* dust mg/m3 */
};

static char names[DEVICES][16];

static uint64_t rng = 88172645463325252ull;
static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}
static double nrand(void)
{
    double u = urand() + 1e-12, v = urand();
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* A day of minute values of one series: mean-reverting walk at the device's decimals, a
   30-minute maintenance window (flag M) on some days, rare faults (D). */
static void gen_day(int dev, int p, int64_t t0, double *state, struct eg_ts_sample *out)
{
    double scale = pow(10, pol[p].decimals);
    int maint = (dev + (int)(t0 / 86400)) % 7 == 0 ? 600 + dev % 300 : -1000;
    for (int i = 0; i < 1440; i++) {
        *state += 0.05 * (pol[p].base - *state) + pol[p].sigma * nrand();
        if (*state < 0)
            *state = 0;
        char f = 'N';
        if (i >= maint && i < maint + 30)
            f = 'M';
        else if (urand() < 0.0005)
            f = 'D';
        out[i] = (struct eg_ts_sample){t0 + i * 60, nearbyint(*state * scale) / scale, f};
    }
}

static double secs(uint64_t ns)
{
    return (double)ns / 1e9;
}

static int64_t q1(struct eg_db *st, const char *sql)
{
    struct eg_stmt *s;
    if (eg_db_prepare(st, sql, &s, NULL))
        return -1;
    int64_t v = eg_stmt_step(s, NULL) == 1 ? eg_stmt_int(s, 0) : -1;
    eg_stmt_done(s);
    return v;
}

static void die(const char *what, const struct eg_err *err)
{
    fprintf(stderr, "bench/timeseries: %s: %s\n", what, err->msg);
    exit(1);
}

static void codec_figures(void)
{
    /* real capture: marginal cost of a sample beyond the first two of a series (a block
       header is paid once per series-day; see tests/unit/ts/test_ts_compress.c) */
    const char *dir = getenv("EG_SHARED") ? getenv("EG_SHARED") : "../shared";
    char path[512];
    snprintf(
        path, sizeof path,
        "%s/data/real/hj212_xiaoyao9184_hj-t212-parser/AllData_2016-08-24_05_first3000lines.h212",
        dir);
    FILE *f = fopen(path, "rb");
    if (f) {
        struct eg_buf b = {0};
        char tmp[65536];
        size_t n;
        while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
            eg_buf_append(&b, tmp, n);
        fclose(f);
        struct cap c = {0};
        cap_load(&c, b.data, b.len);
        size_t bytes[3] = {0}, two[3] = {0}, extra = 0, whole = 0, all = 0;
        for (size_t i = 0; i < c.n; i++) {
            struct eg_buf o = {0};
            eg_ts_block_encode(c.v[i].s, c.v[i].n, -1, &o, NULL);
            whole += o.len;
            all += c.v[i].n;
            eg_buf_free(&o);
            if (c.v[i].n < 3)
                continue;
            for (int m = 0; m < 3; m++) {
                struct eg_buf x = {0}, y = {0};
                eg_ts_block_encode(c.v[i].s, c.v[i].n, m - 1, &x, NULL);
                eg_ts_block_encode(c.v[i].s, 2, m - 1, &y, NULL);
                bytes[m] += x.len;
                two[m] += y.len;
                eg_buf_free(&x);
                eg_buf_free(&y);
            }
            extra += c.v[i].n - 2;
        }
        printf("codec, real capture (%zu series, %zu samples, ~1 h of ~280 devices):\n", c.n,
               c.samples);
        printf("  steady-state bytes/sample: chosen %.3f, decimal %.3f, xor %.3f\n",
               (double)(bytes[0] - two[0]) / (double)extra,
               (double)(bytes[1] - two[1]) / (double)extra,
               (double)(bytes[2] - two[2]) / (double)extra);
        printf("  whole short blocks (%.1f samples each, header-bound): %.2f bytes/sample\n",
               (double)all / (double)c.n, (double)whole / (double)all);
        cap_free(&c);
        eg_buf_free(&b);
    } else {
        printf("codec, real capture: %s not found (set EG_SHARED)\n", path);
    }
    /* synthetic: a day block per series, 100 devices */
    size_t n = 0, by[3] = {0};
    double bypol[POLS][2] = {{0}};
    struct eg_ts_sample day[1440];
    for (int d = 0; d < 100; d++)
        for (int p = 0; p < POLS; p++) {
            double state = pol[p].base;
            gen_day(d, p, 1767196800 + d * 86400, &state, day);
            for (int m = 0; m < 3; m++) {
                struct eg_buf x = {0};
                eg_ts_block_encode(day, 1440, m - 1, &x, NULL);
                by[m] += x.len;
                if (m)
                    bypol[p][m - 1] += (double)x.len;
                eg_buf_free(&x);
            }
            n += 1440;
        }
    printf("codec, synthetic minute day blocks (100 devices x 8 pollutants):\n");
    printf("  bytes/sample: chosen %.3f, decimal %.3f, xor %.3f\n", (double)by[0] / (double)n,
           (double)by[1] / (double)n, (double)by[2] / (double)n);
    for (int p = 0; p < POLS; p++)
        printf("    %s (%d decimals): decimal %.2f xor %.2f\n", pol[p].code, pol[p].decimals,
               bypol[p][0] / (100.0 * 1440), bypol[p][1] / (100.0 * 1440));
}

int main(void)
{
    codec_figures();
    int days = getenv("EG_BENCH_DAYS") ? atoi(getenv("EG_BENCH_DAYS")) : 2;
    if (days < 0 || days > 365)
        days = 2;
    char dir[] = "/tmp/eg_bench_ts_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char path[256], npath[256];
    snprintf(path, sizeof path, "%s/ts.db", dir);
    snprintf(npath, sizeof npath, "%s/naive.db", dir);
    struct eg_db *st;
    struct eg_ts *ts;
    struct eg_err err;
    if (eg_db_open(path, &st, &err) || eg_ts_open(st, &ts, &err))
        die("open", &err);
    eg_db_exec(st, "PRAGMA synchronous=FULL", &err); /* durable: fsync at every commit */
    for (int d = 0; d < DEVICES; d++)
        snprintf(names[d], sizeof names[d], "MN%012d", 310115000 + d);
    int64_t day0 = eg_ts_day_start(eg_ts_day_of(1767196800)); /* 2026-01-01 Beijing */
    eg_ts_set_now(ts, day0 + (int64_t)(days + 1) * 86400 + 43200);
    double *state = malloc(NSER * sizeof *state);
    for (int i = 0; i < NSER; i++)
        state[i] = pol[i % POLS].base;

    /* --- batch writes of closed days (history, supplementary uploads, imports) --- */
    const int per_batch = 100; /* devices a batch: 800 series x 1440 = 1,152,000 values */
    struct eg_ts_point *pts = malloc((size_t)per_batch * POLS * 1440 * sizeof *pts);
    struct eg_ts_sample day[1440];
    uint64_t t_write = 0, t_gen = 0;
    size_t total = 0;
    for (int d = 0; d < days; d++)
        for (int b = 0; b < DEVICES; b += per_batch) {
            uint64_t g0 = eg_nanos();
            size_t n = 0;
            for (int dev = b; dev < b + per_batch; dev++)
                for (int p = 0; p < POLS; p++) {
                    gen_day(dev, p, day0 + d * 86400, &state[dev * POLS + p], day);
                    for (int i = 0; i < 1440; i++)
                        pts[n++] = (struct eg_ts_point){
                            {names[dev], pol[p].code, EG_TS_KIND_MINUTE, "Avg", 0},
                            day[i].t,
                            day[i].v,
                            day[i].flag};
                }
            uint64_t w0 = eg_nanos();
            t_gen += w0 - g0;
            struct eg_ts_report rep = {0};
            if (eg_ts_write_batch(ts, pts, n, EG_TS_CREATE, &rep, &err))
                die("write", &err);
            t_write += eg_nanos() - w0;
            total += n;
        }
    double rate = total ? (double)total / secs(t_write) : 0;
    printf(
        "\nbatch write, closed days straight to blocks (synchronous=FULL, %d days x 8,000 series "
        "= %zu values, batches of %d values):\n",
        days, total, per_batch * POLS * 1440);
    printf("  %.0f values/s durably (%.2f s; generating the data took %.2f s more)\n", rate,
           secs(t_write), secs(t_gen));
    printf("  a year (4.2e9 values) at this rate: %.0f min\n", 4.2048e9 / rate / 60);

    /* --- the open day as rows: first one batch of 8,000 values a minute (a district's
       minute per commit), then batches of 10 minutes (80,000 values: an ingest writer's group
       commit under load) --- */
    eg_ts_set_now(ts, day0 + (int64_t)days * 86400 + 7200);
    const int minutes = 60;
    uint64_t t_rows[2] = {0, 0};
    for (int m = 0; m < minutes;) {
        int group = m < 30 ? 1 : 10;
        size_t n = 0;
        for (int mm = m; mm < m + group; mm++)
            for (int dev = 0; dev < DEVICES; dev++)
                for (int p = 0; p < POLS; p++) {
                    double *s = &state[dev * POLS + p];
                    *s += 0.05 * (pol[p].base - *s) + pol[p].sigma * nrand();
                    double sc = pow(10, pol[p].decimals);
                    pts[n++] =
                        (struct eg_ts_point){{names[dev], pol[p].code, EG_TS_KIND_MINUTE, "Avg", 0},
                                             day0 + (int64_t)days * 86400 + mm * 60,
                                             nearbyint(*s * sc) / sc,
                                             'N'};
                }
        uint64_t w0 = eg_nanos();
        if (eg_ts_write_batch(ts, pts, n, EG_TS_CREATE, NULL, &err))
            die("write rows", &err);
        t_rows[group > 1] += eg_nanos() - w0;
        m += group;
    }
    double rrate = (double)(30 * NSER) / secs(t_rows[0]);
    double rrate10 = (double)(30 * NSER) / secs(t_rows[1]);
    printf("open day as rows: batches of 8,000 (a district's minute): %.0f values/s, %.1f ms a "
           "batch; batches of 80,000 (group commits): %.0f values/s\n",
           rrate, secs(t_rows[0]) * 1000 / 30, rrate10);
    /* compaction of that hour of rows once the day closes */
    eg_ts_set_now(ts, day0 + (int64_t)(days + 2) * 86400);
    size_t cdays;
    uint64_t c0 = eg_nanos();
    if (eg_ts_compact(ts, &cdays, &err))
        die("compact", &err);
    printf("compaction of those rows: %zu series-days in %.2f s (%.0f values/s)\n", cdays,
           secs(eg_nanos() - c0), (double)(minutes * NSER) / secs(eg_nanos() - c0));

    /* --- a year for one device (8 series) for the year-by-hour query --- */
    eg_ts_set_now(ts, day0 + 400LL * 86400);
    uint64_t y0 = eg_nanos();
    for (int d = 0; d < 365; d++) {
        size_t n = 0;
        for (int p = 0; p < POLS; p++) {
            gen_day(0, p, day0 - 365LL * 86400 + d * 86400, &state[p], day);
            for (int i = 0; i < 1440; i++)
                pts[n++] =
                    (struct eg_ts_point){{"YEARDEVICE", pol[p].code, EG_TS_KIND_MINUTE, "Avg", 0},
                                         day[i].t,
                                         day[i].v,
                                         day[i].flag};
        }
        if (eg_ts_write_batch(ts, pts, n, EG_TS_CREATE, NULL, &err))
            die("write year", &err);
    }
    printf("a year of minute data for one device (8 series, 4.2 M values): written in %.2f s\n",
           secs(eg_nanos() - y0));

    /* --- size --- */
    int64_t samples = q1(st, "SELECT SUM(n) FROM ts_block");
    int64_t payload = q1(st, "SELECT SUM(length(data)) FROM ts_block");
    eg_db_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)", &err);
    struct stat sb;
    stat(path, &sb);
    printf("\nafter compaction: %lld samples in blocks; %.3f bytes/sample of block payload, %.3f "
           "bytes/sample of database file (%lld bytes, page overhead included)\n",
           (long long)samples, (double)payload / (double)samples,
           (double)sb.st_size / (double)samples, (long long)sb.st_size);

    /* --- queries --- */
    struct eg_ts_row *rows;
    size_t n;
    uint64_t q0 = eg_nanos();
    for (int i = 0; i < 100; i++) {
        int dev = (int)(urand() * DEVICES);
        struct eg_ts_key k = {names[dev], pol[i % POLS].code, EG_TS_KIND_MINUTE, "Avg", 0};
        int64_t d = day0 + (int64_t)(urand() * days) * 86400;
        if (eg_ts_query(ts, &k, d, d + 86400, EG_TS_PRELIMINARY, 100000, &rows, &n, &err))
            die("day query", &err);
        free(rows);
    }
    printf("day query of one series (1,440 samples, flags and marks): %.3f ms\n",
           secs(eg_nanos() - q0) * 1000 / 100);
    struct eg_ts_key yk = {"YEARDEVICE", "w01018", EG_TS_KIND_MINUTE, "Avg", 0};
    struct eg_ts_bucket *bk;
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 5; i++) {
        q0 = eg_nanos();
        if (eg_ts_query_buckets(ts, &yk, day0 - 365LL * 86400, day0, 3600, EG_TS_PRELIMINARY, &bk,
                                &n, &err))
            die("year query", &err);
        uint64_t e = eg_nanos() - q0;
        best = e < best ? e : best;
        free(bk);
    }
    printf("year-by-hour query of one series (525,600 samples -> %zu hourly avg/min/max/count): "
           "%.1f ms (best of 5)\n",
           n, secs(best) * 1000);
    struct eg_ts_key *keys = malloc(NSER * sizeof *keys);
    for (int i = 0; i < NSER; i++)
        keys[i] =
            (struct eg_ts_key){names[i / POLS], pol[i % POLS].code, EG_TS_KIND_MINUTE, "Avg", 0};
    struct eg_ts_row *last = malloc(NSER * sizeof *last);
    int *found = malloc(NSER * sizeof *found);
    struct eg_ts *cold;
    eg_ts_open(st, &cold, &err);
    q0 = eg_nanos();
    if (eg_ts_latest(cold, keys, NSER, last, found, &err))
        die("latest", &err);
    double cold_ms = secs(eg_nanos() - q0) * 1000;
    q0 = eg_nanos();
    eg_ts_latest(cold, keys, NSER, last, found, &err);
    double warm_ms = secs(eg_nanos() - q0) * 1000;
    int nf = 0;
    for (int i = 0; i < NSER; i++)
        nf += found[i];
    printf("latest of 8,000 series: %.1f ms with a fresh handle (ids looked up), %.1f ms warm "
           "(%d found)\n",
           cold_ms, warm_ms, nf);
    eg_ts_close(cold);
    eg_ts_close(ts);
    eg_db_close(st);

    /* --- naive baseline: one row per sample, one INSERT per transaction --- */
    struct eg_db *nv;
    if (eg_db_open(npath, &nv, &err))
        die("open naive", &err);
    eg_db_exec(nv, "PRAGMA synchronous=FULL", &err);
    eg_db_exec(nv,
               "CREATE TABLE naive (source TEXT, pollutant TEXT, t INTEGER, v REAL, flag TEXT, "
               "PRIMARY KEY (source, pollutant, t))",
               &err);
    struct eg_stmt *s;
    if (eg_db_prepare(nv, "INSERT INTO naive VALUES (?, ?, ?, ?, ?)", &s, &err))
        die("naive prepare", &err);
    const int naive_n = 3000;
    q0 = eg_nanos();
    for (int i = 0; i < naive_n; i++) {
        eg_stmt_bind_text(s, 1, names[i % DEVICES], strlen(names[i % DEVICES]));
        eg_stmt_bind_text(s, 2, pol[i % POLS].code, 6);
        eg_stmt_bind_int(s, 3, day0 + i * 60);
        eg_stmt_bind_double(s, 4, 30.1);
        eg_stmt_bind_text(s, 5, "N", 1);
        if (eg_stmt_step(s, &err) < 0)
            die("naive insert", &err);
        eg_stmt_done(s);
    }
    double naive_rate = naive_n / secs(eg_nanos() - q0);
    /* its size per sample: a day of 100 series in one transaction */
    eg_db_begin(nv, &err);
    for (int i = 0; i < 100 * 1440; i++) {
        eg_stmt_bind_text(s, 1, names[i % 100], strlen(names[i % 100]));
        eg_stmt_bind_text(s, 2, pol[i % POLS].code, 6);
        eg_stmt_bind_int(s, 3, day0 + 86400 + (i / 100) * 60);
        eg_stmt_bind_double(s, 4, 30.1 + i % 17);
        eg_stmt_bind_text(s, 5, "N", 1);
        eg_stmt_step(s, &err);
        eg_stmt_done(s);
    }
    eg_db_commit(nv, &err);
    eg_db_exec(nv, "PRAGMA wal_checkpoint(TRUNCATE)", &err);
    stat(npath, &sb);
    eg_db_close(nv);
    printf("\nnaive baseline (one row per sample, one INSERT per transaction, synchronous=FULL): "
           "%.0f values/s; %.1f bytes/sample on disk\n",
           naive_rate, (double)sb.st_size / (double)(naive_n + 100 * 1440));
    printf("ratio: batch writes %.0fx the naive rate (rows path %.0fx, %.0fx in group commits); "
           "size %.1fx smaller\n",
           rate / naive_rate, rrate / naive_rate, rrate10 / naive_rate,
           ((double)sb.st_size / (double)(naive_n + 100 * 1440)) /
               ((double)payload / (double)samples));
    printf("targets: >= 1,000,000 values/s %s; <= 3 bytes/sample %s; year-by-hour < 20 ms %s; "
           "latest of 8,000 < 50 ms %s\n",
           rate >= 1e6 ? "met" : "NOT met",
           (double)payload / (double)samples <= 3 ? "met" : "NOT met",
           secs(best) * 1000 < 20 ? "met" : "NOT met", cold_ms < 50 ? "met" : "NOT met");
    unlink(path);
    unlink(npath);
    char p2[300];
    snprintf(p2, sizeof p2, "%s-wal", path);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", path);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-wal", npath);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", npath);
    unlink(p2);
    rmdir(dir);
    free(pts);
    free(state);
    free(keys);
    free(last);
    free(found);
    return 0;
}
