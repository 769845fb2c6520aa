/*
 * bench/rules.c: the rules engine (src/rules) on one day of minute data from 1,000 devices x 8
 * pollutants (11.5 M samples), and the delay from a packet's acknowledgement to its alert under
 * ingest load.
 *
 *   1. detectors: the data rules (flatline, zero/negative, range, jump, held flags) and the
 *      compliance rules (hourly means, exceedance, N-hour run, limit-hugging test) over every
 *      series in memory, one pass each (src/rules/detect.c); baseline in the same process: the
 *      straightforward streaming engine that, for each arriving minute, re-runs each rule over
 *      its trailing window (what a per-packet rule check does). CPU time of this thread.
 *   2. engine: the same day written into a real database (1,000 confirmed devices on waste-gas
 *      outlets with permit limits, one compressed block per series and day) and evaluated
 *      through eg_rules_on_events as the ingest writer's events arrive (one event per series
 *      for the 24 hours): registry look-ups, ts reads, detectors, alerts (10 devices carry an
 *      exceedance, 10 a flatline). CPU and wall time.
 *   3. delay: the HJ 212 server and the rules service in one process (as `envgov serve`);
 *      LOAD_CONNS devices send minute data as fast as they are acknowledged, while a probe
 *      device sends one over-limit hourly packet every 200 ms; for each probe, the time from its
 *      acknowledgement to the alert's hit being visible in the database. p50 / p99 / max.
 *
 *   make build/bench/rules && build/bench/rules [devices] [delay_seconds]   (1000, 10)
 */
#include "rules/rules.h"
#include "base/app.h"
#include "db/db.h"
#include "hj212/hj212.h"
#include "ingest/ingest.h"
#include "registry/registry.h"
#include "ts/ts.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NPOL 8
#define MIN_PER_DAY 1440
static const char *const pols[NPOL] = {"a21026", "a21002", "a34013", "a19001",
                                       "a01012", "a01011", "a21005", "a05002"};
static const double limits[NPOL] = {50, 100, 10, NAN, NAN, NAN, NAN, NAN};

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double urand(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double wall_ms(void)
{
    return (double)eg_nanos() / 1e6;
}

/* Typical levels of the pollutants without a limit: O2 %, flue temperature, velocity, CO, CH4. */
static const double typical[NPOL] = {0, 0, 0, 12, 120, 12, 5, 3};

/* One series: values around 40 % of the limit (or a typical level), two decimals. */
static void gen(struct eg_ts_row *s, int64_t t0, int p, int anomaly)
{
    double base = isfinite(limits[p]) ? limits[p] * 0.4 : typical[p];
    double ar = 0;
    for (int i = 0; i < MIN_PER_DAY; i++) {
        ar = 0.9 * ar + 0.1 * (urand() - 0.5) * base;
        s[i].t = t0 + (int64_t)i * 60;
        s[i].v = round((base + ar + 0.05 * base * (urand() - 0.5)) * 100) / 100;
        s[i].flag = 'N';
        s[i].mark = 0;
    }
    if (anomaly == 1) /* exceedance: the last 4 hours at 1.5 x the limit */
        for (int i = MIN_PER_DAY - 240; i < MIN_PER_DAY; i++)
            s[i].v = round(limits[p] * (1.5 + 0.1 * urand()) * 100) / 100;
    if (anomaly == 2) /* flatline of 3 hours */
        for (int i = 600; i < 780; i++)
            s[i].v = 17.25;
}

/* ---- 1. detectors vs the per-packet baseline ---- */

struct found {
    long flat, neg, range, jump, flag, exceed, run, hug;
};

static void detect_all(const struct eg_ts_row *s, int p, struct found *f)
{
    struct eg_rules_hit h;
    eg_rules_flatline(s, MIN_PER_DAY, 7200, 0, &h);
    f->flat += h.fired;
    eg_rules_impossible(s, MIN_PER_DAY, 1, 5, &h);
    f->neg += h.fired;
    eg_rules_out_of_range(s, MIN_PER_DAY, 0, 5000, 3, &h);
    f->range += h.fired;
    eg_rules_jump(s, MIN_PER_DAY, 2500, 600, &h);
    f->jump += h.fired;
    eg_rules_flag_held(s, MIN_PER_DAY, 14400, &h);
    f->flag += h.fired;
    if (!isfinite(limits[p]))
        return;
    int64_t t[24];
    double v[24];
    for (int k = 0; k < 24; k++) {
        double sum = 0;
        for (int i = k * 60; i < k * 60 + 60; i++)
            sum += s[i].v;
        t[k] = s[k * 60].t;
        v[k] = sum / 60;
    }
    f->exceed += v[23] > limits[p];
    eg_rules_over_limit_run(t, v, 24, limits[p], 3, &h);
    f->run += h.fired;
    eg_rules_hugging(v, 24, limits[p], 0.1, 24, 0.001, &h);
    f->hug += h.fired;
}

/* The straightforward streaming engine: at each minute, every rule re-reads its window. */
static void baseline_all(const struct eg_ts_row *s, int p, struct found *f)
{
    int flat = 0, neg = 0, range = 0, jump = 0, flag = 0, exceed = 0, run = 0;
    for (int i = 0; i < MIN_PER_DAY; i++) {
        /* flatline: is the trailing 120 minutes constant? */
        if (i >= 120) {
            int same = 1;
            for (int j = i - 120; j <= i; j++)
                same &= s[j].v == s[i].v && s[j].flag == 'N';
            flat |= same;
        }
        /* negatives: count over the trailing hour */
        int c = 0, cr = 0;
        for (int j = i >= 59 ? i - 59 : 0; j <= i; j++) {
            c += s[j].v < 0;
            cr += s[j].v > 5000 || s[j].v < 0 || s[j].flag == 'T';
        }
        neg |= c >= 5;
        range |= cr >= 3;
        jump |= i > 0 && fabs(s[i].v - s[i - 1].v) > 2500;
        /* held flags: the trailing 240 minutes all M/C/D */
        if (i >= 240) {
            int held = 1;
            for (int j = i - 240; j <= i; j++)
                held &= s[j].flag == 'M' || s[j].flag == 'C' || s[j].flag == 'D';
            flag |= held;
        }
        if (isfinite(limits[p]) && i % 60 == 59) {
            /* hour closed: recompute every hour mean of the day so far, then the rules */
            double v[24];
            int nh = i / 60 + 1;
            for (int k = 0; k < nh; k++) {
                double sum = 0;
                for (int j = k * 60; j < k * 60 + 60; j++)
                    sum += s[j].v;
                v[k] = sum / 60;
            }
            exceed = v[nh - 1] > limits[p];
            int r = 0;
            for (int k = nh - 1; k >= 0 && v[k] > limits[p]; k--)
                r++;
            run = r >= 3;
        }
    }
    f->flat += flat;
    f->neg += neg;
    f->range += range;
    f->jump += jump;
    f->flag += flag;
    f->exceed += exceed;
    f->run += run;
}

/* ---- 2. through the engine and a real database ---- */

static int check(int rc, const struct eg_err *e, const char *what)
{
    if (rc) {
        fprintf(stderr, "bench/rules: %s: %s\n", what, e->msg);
        exit(1);
    }
    return 0;
}

static void mn_of(int d, char out[32])
{
    snprintf(out, 32, "BENCHRULES%014d", d);
}

static void build_db(const char *path, int ndev)
{
    struct eg_db *st;
    struct eg_err e = {0};
    check(eg_db_open(path, &st, &e), &e, "open");
    check(eg_db_begin(st, &e), &e, "begin");
    struct eg_buf b = {0};
    eg_buf_puts(&b, "INSERT INTO regions (id, code, name, level) VALUES (1, '310115', '区', "
                    "'district');");
    check(eg_db_exec(st, b.data, &e), &e, "region");
    for (int d = 0; d < ndev; d++) {
        b.len = 0;
        char mn[32];
        mn_of(d, mn);
        eg_buf_printf(&b,
                      "INSERT INTO units (id, name, kind, region_id) VALUES (%d, '单位%d', "
                      "'enterprise', 1);"
                      "INSERT INTO outlets (id, unit_id, code, type) VALUES (%d, %d, 'DA001', "
                      "'waste_gas');"
                      "INSERT INTO permits (id, number, unit_id, category) VALUES (%d, 'P%d', %d, "
                      "'key');"
                      "INSERT INTO devices (mn, password, outlet_id) VALUES ('%s', 'x', %d);",
                      d + 1, d, d + 1, d + 1, d + 1, d, d + 1, mn, d + 1);
        for (int p = 0; p < 3; p++)
            eg_buf_printf(&b,
                          "INSERT INTO permit_limits (permit_id, outlet_id, pollutant, conc_limit, "
                          "conc_unit) VALUES (%d, %d, '%s', %g, 'mg/m3');",
                          d + 1, d + 1, pols[p], limits[p]);
        eg_buf_append(&b, "", 1);
        check(eg_db_exec(st, b.data, &e), &e, "registry rows");
    }
    check(eg_db_commit(st, &e), &e, "commit");
    eg_buf_free(&b);
    eg_db_close(st);
}

/* ---- 3. ack -> alert delay ---- */

struct load {
    int port, idx;
    volatile int *stop;
    long sent;
};

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
        perror("connect");
        exit(1);
    }
    return fd;
}

static int wait_ack(int fd, int ms)
{
    char buf[4096];
    size_t n = 0;
    uint64_t end = eg_nanos() + (uint64_t)ms * 1000000u;
    while (eg_nanos() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0)
            continue;
        ssize_t r = recv(fd, buf + n, sizeof buf - 1 - n, 0);
        if (r <= 0)
            return 0;
        n += (size_t)r;
        buf[n] = 0;
        if (strstr(buf, "CN=9014"))
            return 1;
        if (n > sizeof buf / 2)
            n = 0;
    }
    return 0;
}

static size_t upload(char *out, size_t cap, const char *mn, int cn, int64_t dt, int64_t qn,
                     const struct eg_hj212_value *v, size_t nv)
{
    struct eg_hj212_upload u = {.edition = 2017,
                                .qn_ms = qn,
                                .st = "32",
                                .pw = "123456",
                                .mn = mn,
                                .cn = cn,
                                .flag = 5,
                                .datatime = dt,
                                .has_datatime = 1,
                                .values = v,
                                .nvalues = nv};
    size_t len = 0;
    struct eg_err e = {0};
    check(eg_hj212_build_upload(out, cap, &u, &len, &e), &e, "build");
    return len;
}

static void *load_thread(void *arg)
{
    struct load *l = arg;
    char mn[32];
    mn_of(l->idx, mn);
    int fd = connect_to(l->port);
    char f[2048];
    int64_t t = eg_time_now() / 60 * 60 - 86400;
    struct eg_hj212_value v[] = {{"a21026", "Avg", "20.1"}, {"a21026", "Flag", "N"},
                                 {"a21002", "Avg", "40.2"}, {"a21002", "Flag", "N"},
                                 {"a34013", "Avg", "4.3"},  {"a34013", "Flag", "N"}};
    while (!*l->stop) {
        size_t n = upload(f, sizeof f, mn, 2051, t, t * 1000 + l->sent, v, EG_ARRAY_LEN(v));
        send_all(fd, f, n);
        if (!wait_ack(fd, 5000))
            break;
        l->sent++;
        t += 60;
    }
    close(fd);
    return NULL;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void set_passwords(const char *path, int n)
{
    struct eg_db *st;
    struct eg_err e = {0};
    check(eg_db_open(path, &st, &e), &e, "open");
    char hash[128];
    check(eg_auth_hash_password("123456", 6, 1, hash, &e), &e, "hash");
    struct eg_buf b = {0};
    eg_buf_printf(&b, "UPDATE devices SET password = '%s' WHERE id <= %d", hash, n);
    eg_buf_append(&b, "", 1);
    check(eg_db_exec(st, b.data, &e), &e, "passwords");
    eg_buf_free(&b);
    eg_db_close(st);
}

#define LOAD_CONNS 32

/* Hits of the live exceedance alert of the probe device (0 when none). */
static int64_t hits_of(struct eg_db *st, const char *mn)
{
    int64_t hits = 0;
    int found = 0;
    struct eg_err e = {0};
    eg_db_query_int(st,
                    "SELECT coalesce(max(hits), 0) FROM alerts WHERE rule = 'limit_exceed' AND "
                    "source = ?2 AND state <> 'closed' AND ?1 = ?1",
                    0, mn, &hits, &found, &e);
    return hits;
}

static void delay_bench(const char *path, int seconds, int nload)
{
    set_passwords(path, LOAD_CONNS + 1);
    struct eg_app app;
    struct eg_err e = {0};
    check(eg_app_init(&app, path, &e), &e, "app");
    struct eg_rules_config rc;
    eg_rules_config_default(&rc);
    struct eg_rules *rules;
    check(eg_rules_service_start(&app, &rc, &rules, &e), &e, "rules service");
    struct eg_ingest_config c;
    eg_ingest_config_default(&c);
    c.db_path = path;
    c.addr = "127.0.0.1";
    c.port = 0;
    c.events = app.events;
    struct eg_ingest *srv;
    check(eg_ingest_start(&c, &srv, &e), &e, "ingest");
    int port = eg_ingest_port(srv);
    volatile int stop = 0;
    struct load ld[LOAD_CONNS];
    pthread_t th[LOAD_CONNS];
    for (int i = 0; i < nload; i++) {
        ld[i] = (struct load){.port = port, .idx = i + 1, .stop = &stop};
        pthread_create(&th[i], NULL, load_thread, &ld[i]);
    }
    char mn[32];
    mn_of(0, mn);
    int fd = connect_to(port);
    struct eg_db *st;
    check(eg_db_open(path, &st, &e), &e, "open");
    int nprobe = seconds * 5;
    double *lat = calloc((size_t)nprobe, sizeof *lat);
    int got = 0;
    int64_t hour = eg_time_now() / 3600 * 3600 - 3600;
    char f[2048];
    uint64_t t_start = eg_nanos();
    for (int i = 0; i < nprobe; i++) {
        char zs[16];
        snprintf(zs, sizeof zs, "%d.5", 80 + i);
        struct eg_hj212_value v[] = {{"a21026", "ZsAvg", zs}, {"a21026", "Flag", "N"}};
        size_t n = upload(f, sizeof f, mn, 2061, hour, hour * 1000 + i, v, EG_ARRAY_LEN(v));
        int64_t before = hits_of(st, mn);
        send_all(fd, f, n);
        if (!wait_ack(fd, 5000)) {
            fprintf(stderr, "probe %d: no acknowledgement\n", i);
            continue;
        }
        uint64_t acked = eg_nanos();
        /* the alert's hits move past what they were before the packet */
        for (;;) {
            if (hits_of(st, mn) > before) {
                lat[got++] = (double)(eg_nanos() - acked) / 1e6;
                break;
            }
            if ((eg_nanos() - acked) / 1000000u > 30000) {
                fprintf(stderr, "probe %d: no alert after 30 s\n", i);
                break;
            }
            usleep(2000);
        }
        int64_t left = 200 - (int64_t)((eg_nanos() - acked) / 1000000u);
        if (left > 0)
            usleep((useconds_t)left * 1000);
    }
    double secs = (double)(eg_nanos() - t_start) / 1e9;
    stop = 1;
    long sent = 0;
    for (int i = 0; i < nload; i++) {
        pthread_join(th[i], NULL);
        sent += ld[i].sent;
    }
    close(fd);
    eg_db_close(st);
    eg_ingest_stop(srv);
    eg_rules_service_stop(&app, rules);
    eg_app_fini(&app);
    qsort(lat, (size_t)got, sizeof *lat, cmp_d);
    if (got) {
        double p50 = lat[got / 2], p99 = lat[(int)((got - 1) * 0.99)], mx = lat[got - 1];
        printf("delay ack -> alert, %s: %d probes, load %d connections (%.0f packets/s, %.0f "
               "values/s acknowledged): p50 %.0f ms, p99 %.0f ms, max %.0f ms%s\n",
               nload ? "under load" : "baseline, idle server", got, nload, (double)sent / secs,
               (double)sent * 3 / secs, p50, p99, mx,
               nload ? (p99 < 5000 ? " (target p99 < 5000 ms: met)"
                                   : " (target p99 < 5000 ms: "
                                     "NOT met)")
                     : "");
    }
    free(lat);
}

int main(int argc, char **argv)
{
    int ndev = argc > 1 ? atoi(argv[1]) : 1000;
    int delay_s = argc > 2 ? atoi(argv[2]) : 10;
    if (ndev < 10 || ndev > 100000 || delay_s < 1 || delay_s > 3600) {
        fprintf(stderr, "usage: bench/rules [devices 10..100000] [delay_seconds 1..3600]\n");
        return 2;
    }
    size_t nser = (size_t)ndev * NPOL;
    int64_t day0 = eg_ts_day_start(eg_ts_day_of(eg_time_now()) - 3);
    struct eg_ts_row *all = malloc(nser * MIN_PER_DAY * sizeof *all);
    if (!all)
        return 1;
    for (size_t k = 0; k < nser; k++) {
        int d = (int)(k / NPOL), p = (int)(k % NPOL);
        int anomaly = (d < 10 && p == 0) ? 1 : (d >= 10 && d < 20 && p == 3) ? 2 : 0;
        gen(all + k * MIN_PER_DAY, day0, p, anomaly);
    }
    printf("rules bench: %d devices x %d pollutants x %d minutes = %zu samples\n", ndev, NPOL,
           MIN_PER_DAY, nser * MIN_PER_DAY);

    /* 1 */
    struct found f = {0}, g = {0};
    double c0 = cpu_ms();
    for (size_t k = 0; k < nser; k++)
        detect_all(all + k * MIN_PER_DAY, (int)(k % NPOL), &f);
    double c1 = cpu_ms();
    for (size_t k = 0; k < nser; k++)
        baseline_all(all + k * MIN_PER_DAY, (int)(k % NPOL), &g);
    double c2 = cpu_ms();
    printf("detectors: %.0f ms CPU (%.1f ns/sample); per-packet baseline %.0f ms: %.1fx\n", c1 - c0,
           (c1 - c0) * 1e6 / (double)(nser * MIN_PER_DAY), c2 - c1, (c2 - c1) / (c1 - c0));
    printf("  fired: exceed %ld/%ld run %ld/%ld flatline %ld/%ld hugging %ld, negatives %ld/%ld "
           "range %ld/%ld jump %ld/%ld flags %ld/%ld (detectors/baseline)\n",
           f.exceed, g.exceed, f.run, g.run, f.flat, g.flat, f.hug, f.neg, g.neg, f.range, g.range,
           f.jump, g.jump, f.flag, g.flag);

    /* 2 */
    char path[256];
    snprintf(path, sizeof path, "/tmp/envgov-bench-rules-%d.db", (int)getpid());
    remove(path);
    build_db(path, ndev);
    struct eg_db *st;
    struct eg_ts *ts;
    struct eg_err e = {0};
    check(eg_db_open(path, &st, &e), &e, "open");
    check(eg_ts_open(st, &ts, &e), &e, "ts");
    double w0 = wall_ms();
    struct eg_ts_point *pts = malloc(NPOL * MIN_PER_DAY * sizeof *pts);
    char mn[32];
    for (int d = 0; d < ndev; d++) {
        mn_of(d, mn);
        size_t n = 0;
        for (int p = 0; p < NPOL; p++) {
            const struct eg_ts_row *s = all + ((size_t)d * NPOL + (size_t)p) * MIN_PER_DAY;
            for (int i = 0; i < MIN_PER_DAY; i++)
                pts[n++] = (struct eg_ts_point){
                    {mn, pols[p], EG_TS_KIND_MINUTE, p < 3 ? "ZsAvg" : "Avg", 0},
                    s[i].t,
                    s[i].v,
                    'N'};
        }
        check(eg_ts_write_batch(ts, pts, n, EG_TS_CREATE, NULL, &e), &e, "write");
    }
    free(pts);
    printf("engine setup: %zu samples written in %.1f s (not timed below)\n", nser * MIN_PER_DAY,
           (wall_ms() - w0) / 1e3);
    eg_ts_close(ts);
    eg_db_close(st);
    struct eg_rules_config rc;
    eg_rules_config_default(&rc);
    struct eg_rules *r;
    check(eg_rules_new(path, &rc, &r, &e), &e, "rules");
    eg_rules_set_now(r, day0 + 86400 + 60);
    struct eg_event *ev = malloc(nser * sizeof *ev);
    char(*mns)[32] = malloc((size_t)ndev * 32);
    for (size_t k = 0; k < nser; k++) {
        int d = (int)(k / NPOL);
        mn_of(d, mns[d]);
        ev[k] = (struct eg_event){EG_EVENT_INGEST,   mns[d], pols[k % NPOL],
                                  EG_TS_KIND_MINUTE, day0,   day0 + 23 * 3600};
    }
    double e0 = cpu_ms(), ew0 = wall_ms();
    check(eg_rules_on_events(r, ev, nser, &e), &e, "events");
    double e1 = cpu_ms(), ew1 = wall_ms();
    struct eg_rules_stats s;
    eg_rules_stats(r, &s);
    printf("engine: %zu events (series x 24 h) evaluated in %.0f ms CPU, %.0f ms wall "
           "(target < 2000 ms on one core: %s); %lld rule evaluations, %lld alerts opened\n",
           nser, e1 - e0, ew1 - ew0, e1 - e0 < 2000 ? "met" : "NOT met", (long long)s.evaluations,
           (long long)s.opened);
    printf("  vs the in-memory detectors above: %.1fx (registry look-ups, ts block reads, "
           "alert writes)\n",
           (e1 - e0) / (c1 - c0));
    {
        struct eg_db *adb;
        check(eg_db_open(path, &adb, &e), &e, "open");
        printf("  alerts by rule:");
        for (int i = 0; i < EG_RULE_COUNT; i++) {
            struct eg_alerts_filter af = {.rule = eg_rule_defs[i].name, .limit = 1000};
            json_t *l = NULL;
            check(eg_alerts_list(adb, &eg_principal_system, &af, &l, &e), &e, "alerts");
            if (json_array_size(l))
                printf(" %s %zu", eg_rule_defs[i].name, json_array_size(l));
            json_decref(l);
        }
        printf("\n");
        eg_db_close(adb);
    }
    eg_rules_free(r);
    free(ev);
    free(mns);
    free(all);

    /* 3 */
    delay_bench(path, delay_s, 0);
    delay_bench(path, delay_s, LOAD_CONNS);
    remove(path);
    char side[300];
    snprintf(side, sizeof side, "%s-wal", path);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", path);
    remove(side);
    return 0;
}
