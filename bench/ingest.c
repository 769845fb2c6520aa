/*
 * bench/ingest.c: the HJ 212 ingestion server under 10,000 concurrent simulated devices over
 * loopback (issue 5 targets on 2 cores: >= 50,000 packets/s durably, 10,000 connections under
 * 256 MB RSS, acknowledgement p99 < 1.5 s).
 *
 * The server runs in a child process (its own fd limit and peak RSS), with the real writer
 * (WAL + synchronous=FULL group commits into the time-series store). Device authentication
 * uses an in-memory hook instead of the registry's Argon2id: the cache makes Argon2id a one-off
 * per connection; its cost is measured separately below and reported as the warm-up a real
 * start of 10,000 devices pays. The simulator (src/ingest/sim.c) runs in this process with two
 * client threads, sharing the same 2 cores.
 *
 * Baseline in the same run: a naive server, one thread per connection, one INSERT (its own
 * durable transaction) per value, then the 9014 — at a smaller scale (it cannot hold 10,000
 * threads), reported as a ratio of acknowledged packets/s.
 */
#include "ingest/ingest.h"
#include "auth/auth.h"
#include "db/db.h"
#include "hj212/hj212.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct eg_sim_device *g_devs;
static int g_ndevs;

/* auth hook: MN known and PW matches (linear tables are fine: it runs once per device) */
static int bench_auth(void *arg, const char *mn, const char *pw, struct eg_ingest_device *dev,
                      struct eg_err *err)
{
    (void)arg;
    for (int i = 0; i < g_ndevs; i++)
        if (!strcmp(g_devs[i].mn, mn)) {
            if (strcmp(g_devs[i].pw, pw))
                return eg_err_set(err, EG_EAUTH, "bad_pw", -1, "wrong password");
            memset(dev, 0, sizeof *dev);
            dev->id = i + 1;
            dev->edition = 2017;
            dev->interval_s = 60;
            return 0;
        }
    return eg_err_set(err, EG_ENOTFOUND, "unknown", -1, "unknown MN");
}

static void raise_nofile(void)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
}

struct child_report {
    long maxrss_kb;
    struct eg_ingest_stats st;
};

static pid_t start_server(const char *db, int port, int wfd)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    raise_nofile();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1); /* start of the measured phase (after the warm-up) */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct eg_ingest_config c;
    eg_ingest_config_default(&c);
    c.db_path = db;
    c.addr = "127.0.0.1";
    c.port = port;
    c.max_conns = 12000;
    c.max_conns_per_addr = 12000; /* every simulated device comes from 127.0.0.1 */
    c.auth = bench_auth;
    /* EG_BENCH_NO_STORE=1: everything but the time-series write (to see where time goes) */
    c.store_samples = getenv("EG_BENCH_NO_STORE") ? 0 : 1;
    /* EG_BENCH_QUEUE / EG_BENCH_BATCH: writer queue and group-commit sizes (packets) */
    if (getenv("EG_BENCH_QUEUE"))
        c.queue_cap = atoi(getenv("EG_BENCH_QUEUE"));
    if (getenv("EG_BENCH_BATCH"))
        c.batch_max = atoi(getenv("EG_BENCH_BATCH"));
    if (getenv("EG_BENCH_LANDING")) /* 0: values into the store in the acknowledging commit */
        c.landing = atoi(getenv("EG_BENCH_LANDING"));
    if (getenv("EG_BENCH_FOLD_MS"))
        c.fold_interval_ms = atoi(getenv("EG_BENCH_FOLD_MS"));
    struct eg_ingest *srv;
    struct eg_err e = {0};
    if (eg_ingest_start(&c, &srv, &e) < 0) {
        fprintf(stderr, "server: %s\n", e.msg);
        _exit(3);
    }
    int port_now = eg_ingest_port(srv);
    if (write(wfd, &port_now, sizeof port_now) != (ssize_t)sizeof port_now)
        _exit(3);
    int sig;
    struct eg_ingest_stats base = {0};
    while (sigwait(&set, &sig) == 0 && sig == SIGUSR1)
        eg_ingest_stats_get(srv, &base);
    struct child_report r;
    eg_ingest_stats_get(srv, &r.st);
    r.st.packets -= base.packets;
    r.st.values -= base.values;
    r.st.packets_stored -= base.packets_stored;
    r.st.values_stored -= base.values_stored;
    r.st.batches -= base.batches;
    eg_ingest_stop(srv);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    r.maxrss_kb = ru.ru_maxrss;
    ssize_t w = write(wfd, &r, sizeof r);
    (void)w;
    _exit(0);
}

static int wait_port(int port)
{
    for (int i = 0; i < 200; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            return 0;
        usleep(50000);
    }
    return -1;
}

/* ---- the naive baseline ---- */

struct naive {
    int lfd;
    const char *db;
    volatile int stop;
};

static void *naive_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    extern struct naive g_naive;
    sqlite3 *db;
    sqlite3_open(g_naive.db, &db);
    sqlite3_busy_timeout(db, 60000);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", NULL, NULL, NULL);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(
        db, "INSERT OR IGNORE INTO naive (mn, cn, code, field, t, v) VALUES (?,?,?,?,?,?)", -1,
        &ins, NULL);
    struct eg_hj212_framer fr;
    eg_hj212_framer_init(&fr, 4096);
    struct eg_hj212_packet *p = malloc(sizeof *p);
    for (;;) {
        size_t avail;
        char *sp = eg_hj212_framer_space(&fr, &avail);
        ssize_t n = sp && avail ? recv(fd, sp, avail, 0) : -1;
        if (n <= 0)
            break;
        eg_hj212_framer_commit(&fr, (size_t)n);
        struct eg_hj212_frame f;
        int r;
        while ((r = eg_hj212_framer_next(&fr, &f, NULL)) != 0) {
            if (r < 0 || eg_hj212_parse(f.data, f.len, NULL, p, NULL) < 0)
                continue;
            for (unsigned i = 0; i < p->nitems; i++) {
                const struct eg_hj212_item *it = &p->items[i];
                if (!it->has_num || it->field == EG_HJ212_F_FLAG || !it->code.n)
                    continue;
                /* one INSERT per value, each its own (durable) transaction */
                sqlite3_bind_text(ins, 1, p->mn.p, (int)p->mn.n, SQLITE_TRANSIENT);
                sqlite3_bind_int(ins, 2, p->cn_num);
                sqlite3_bind_text(ins, 3, it->code.p, (int)it->code.n, SQLITE_TRANSIENT);
                sqlite3_bind_text(ins, 4, it->name.p, (int)it->name.n, SQLITE_TRANSIENT);
                sqlite3_bind_int64(ins, 5, p->datatime);
                sqlite3_bind_double(ins, 6, it->num);
                sqlite3_step(ins);
                sqlite3_reset(ins);
            }
            char ack[256];
            size_t al;
            if (eg_hj212_flag_ack(p) && eg_hj212_build_data_ack(ack, sizeof ack, p, &al, NULL) == 0)
                send(fd, ack, al, MSG_NOSIGNAL);
        }
    }
    free(p);
    eg_hj212_framer_free(&fr);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    close(fd);
    return NULL;
}

struct naive g_naive;

static void *naive_accept(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(g_naive.lfd, NULL, NULL);
        if (fd < 0)
            return NULL;
        pthread_t th;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        pthread_create(&th, &at, naive_conn, (void *)(intptr_t)fd);
        pthread_attr_destroy(&at);
    }
}

static double run_sim_at(int port, struct eg_sim_device *devs, int n, double speed, double secs,
                         int threads, long count, int64_t start, struct eg_sim_result *r);

static double run_sim(int port, struct eg_sim_device *devs, int n, double speed, double secs,
                      int threads, struct eg_sim_result *r)
{
    int64_t start = eg_time_now() - 6 * 3600;
    return run_sim_at(port, devs, n, speed, secs, threads, 0, start - start % 60, r);
}

static double run_sim_at(int port, struct eg_sim_device *devs, int n, double speed, double secs,
                         int threads, long count, int64_t start, struct eg_sim_result *r)
{
    struct eg_sim_config c = {0};
    c.host = "127.0.0.1";
    c.port = port;
    c.devices = devs;
    c.ndevices = n;
    c.interval_s = 60;
    c.speed = speed;
    c.duration_s = secs;
    c.threads = threads;
    c.connect_per_tick = 200;
    c.max_packets = count;
    c.start_time = start;
    struct eg_err e = {0};
    if (eg_sim_run(&c, NULL, r, &e) < 0) {
        fprintf(stderr, "sim: %s\n", e.msg);
        exit(1);
    }
    return (double)r->acked / secs;
}

int main(int argc, char **argv)
{
    int ndev = argc > 1 ? atoi(argv[1]) : 10000;
    double secs = argc > 2 ? atof(argv[2]) : 20;
    double speed = argc > 3 ? atof(argv[3]) : 180; /* 3 real-time + 3 minute packets/s/device */
    /* the paced run: a controlled offered load (issue 5: sustain 50,000 packets/s with ack p99
       < 1.5 s). The max run above offers more than the server commits (open loop), so its
       latency measures the queue growing for the length of the run, not the service. */
    double paced_rate = argc > 4 ? atof(argv[4]) : 50000;
    double paced_secs = secs * 0.75;
    raise_nofile();
    signal(SIGPIPE, SIG_IGN);
    eg_log_set_level(EG_LOG_WARN);
    char dir[] = "/tmp/envgov-bench-ingest-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char db[256], ndb[256];
    snprintf(db, sizeof db, "%s/ingest.db", dir);
    snprintf(ndb, sizeof ndb, "%s/naive.db", dir);
    struct eg_db *st;
    struct eg_err e = {0};
    if (eg_db_open(db, &st, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    /* Argon2id cost of a device check (what the auth cache saves per packet) */
    char hash[128];
    eg_auth_hash_password("123456", 6, 1, hash, &e);
    uint64_t t0 = eg_nanos();
    int nver = 200;
    for (int i = 0; i < nver; i++)
        eg_auth_verify_password(hash, "123456", 6);
    double ver_ms = (double)(eg_nanos() - t0) / 1e6 / nver;
    eg_db_close(st);

    g_ndevs = ndev;
    g_devs = eg_sim_devices_generate(ndev, 2026);
    int pfd[2];
    if (pipe(pfd) < 0)
        return 1;
    pid_t pid = start_server(db, 0, pfd[1]);
    int port = 0;
    if (read(pfd[0], &port, sizeof port) != (ssize_t)sizeof port || wait_port(port) < 0) {
        fprintf(stderr, "server did not start\n");
        return 1;
    }
    /* warm-up: every device connects, authenticates and creates its series (2011 and 2051),
       so that the measured phase is the sustained rate */
    struct eg_sim_result r;
    int64_t start = eg_time_now() - 6 * 3600;
    start -= start % 3600;
    uint64_t tw = eg_nanos();
    run_sim_at(port, g_devs, ndev, 600, 60, 2, 2, start - 7200, &r);
    double warm_s = (double)(eg_nanos() - tw) / 1e9;
    sleep(2); /* let the writer finish the warm-up */
    /* paced: 2 packets (2011 + 2051) per device per virtual minute, so rate = ndev * 2 *
       speed / 60 */
    struct eg_sim_result pr;
    double ppps =
        run_sim_at(port, g_devs, ndev, paced_rate * 30 / ndev, paced_secs, 2, 0, start, &pr);
    sleep(2);
    /* max throughput, later virtual hours (no resend of the paced run's DataTimes) */
    kill(pid, SIGUSR1);
    double pps = run_sim_at(port, g_devs, ndev, speed, secs, 2, 0, start + 3 * 3600, &r);
    kill(pid, SIGTERM);
    struct child_report cr = {0};
    ssize_t got = read(pfd[0], &cr, sizeof cr);
    int status;
    waitpid(pid, &status, 0);
    if (got != (ssize_t)sizeof cr) {
        fprintf(stderr, "no report from the server\n");
        return 1;
    }
    /* committed during the run (the report is taken at SIGTERM, before the drain) */
    double vps = (double)cr.st.values_stored / secs;

    /* baseline: thread per connection, INSERT per value, at 1/50 of the scale */
    int nn = ndev / 50 > 10 ? ndev / 50 : 10;
    sqlite3 *nd;
    sqlite3_open(ndb, &nd);
    sqlite3_exec(nd,
                 "PRAGMA journal_mode=WAL; CREATE TABLE naive (mn TEXT, cn INT, code TEXT, "
                 "field TEXT, t INT, v REAL, PRIMARY KEY (mn, cn, code, field, t))",
                 NULL, NULL, NULL);
    sqlite3_close(nd);
    g_naive.db = ndb;
    g_naive.lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(g_naive.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(g_naive.lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(g_naive.lfd, 1024) < 0 ||
        getsockname(g_naive.lfd, (struct sockaddr *)&a, &al) < 0)
        return 1;
    int nport = ntohs(a.sin_port);
    pthread_t at;
    pthread_create(&at, NULL, naive_accept, NULL);
    struct eg_sim_result nr;
    double nsecs = secs / 2 > 5 ? secs / 2 : 5;
    double npps = run_sim(nport, g_devs, nn, speed, nsecs, 1, &nr);
    shutdown(g_naive.lfd, SHUT_RDWR);

    printf("ingest bench: %d device connections, %.0f s measured after a %.1f s warm-up (connect, "
           "authenticate, create series), 2 client threads, same 2 cores\n",
           ndev, secs, warm_s);
    printf("  paced run (%.0f s, offered %.0f packets/s target %.0f): acknowledged %.0f packets/s, "
           "ack latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
           paced_secs, (double)pr.sent / paced_secs, paced_rate, ppps, pr.lat_p50_ms, pr.lat_p99_ms,
           pr.lat_max_ms);
    printf("  max-throughput run (%.0f s, open loop, as fast as the clients go):\n", secs);
    printf("  offered              %.0f packets/s (%llu sent, %llu resent)\n",
           (double)r.sent / secs, (unsigned long long)r.sent, (unsigned long long)r.resent);
    printf("  acknowledged         %.0f packets/s durably (WAL, synchronous=FULL, 9014 after "
           "commit)\n",
           pps);
    printf("  stored (committed)   %.0f packets/s, %.0f values/s (%llu group commits; %llu packets "
           "received)\n",
           (double)cr.st.packets_stored / secs, vps, (unsigned long long)cr.st.batches,
           (unsigned long long)cr.st.packets);
    printf("  ack latency          p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", r.lat_p50_ms,
           r.lat_p99_ms, r.lat_max_ms);
    printf("  connections          %llu accepted, %llu open at the end of the run\n",
           (unsigned long long)cr.st.conns_accepted, (unsigned long long)r.connected);
    printf("  server peak RSS      %.1f MB\n", (double)cr.maxrss_kb / 1024.0);
    printf("  Argon2id device check %.2f ms each: %.1f s of auth-thread time to admit %d new "
           "devices once (cached after)\n",
           ver_ms, ver_ms * ndev / 1000, ndev);
    printf("  baseline (thread per connection, INSERT per value): %d connections, %.0f packets/s "
           "acknowledged, p99 %.1f ms\n",
           nn, npps, nr.lat_p99_ms);
    printf("  ratio                %.1fx the baseline's packets/s\n", npps > 0 ? pps / npps : 0);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    int rc = system(cmd);
    (void)rc;
    free(g_devs);
    return 0;
}
