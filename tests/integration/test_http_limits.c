/*
 * test_http_limits.c: issue 10 items 2 and 4 over the real `envgov serve` on loopback —
 * uploads are refused on their headers (401 anonymous, 413 over the route's limit, 503 over the
 * budget of bodies in flight) without the server reading or keeping the body, and slow clients
 * (headers dripped a byte at a time, many connections from one address) neither hold a
 * connection past the head deadline nor keep a normal client from being served.
 */
#include "base/base.h"
#include "db/db.h"
#include "integration/http_client.h"
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct eg_hf fx;
static struct eg_hs srv;

/* A TCP connection to the server from source address src ("127.0.0.1", "127.0.0.2", …: the
   whole 127/8 is loopback on Linux), or -1. */
static int tcp_from(const char *src, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, src, &a.sin_addr);
    struct sockaddr_in d = {0};
    d.sin_family = AF_INET;
    d.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &d.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || connect(fd, (struct sockaddr *)&d, sizeof d)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The resident memory of process pid in KiB (VmRSS), or -1. */
static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

/* Reads the status code of the reply on fd (waits up to ms), or 0. The head lands in head. */
static int read_status(int fd, int ms, char *head, size_t headsz)
{
    size_t n = 0;
    uint64_t until = eg_nanos() + (uint64_t)ms * 1000000u;
    while (n + 1 < headsz && eg_nanos() < until) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t r = recv(fd, head + n, headsz - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        head[n] = '\0';
        if (strstr(head, "\r\n\r\n"))
            break;
    }
    head[n] = '\0';
    int st = 0;
    if (n >= 12 && !strncmp(head, "HTTP/1.", 7))
        st = atoi(head + 9);
    return st;
}

/* One upload: the head with Content-Length total, then the body in 64 KiB pieces until
   stop_after bytes are sent or the server has answered (it answers on the headers). */
struct upload {
    int port;
    const char *token;
    size_t total, stop_after;
    _Atomic int status; /* read by the sampling thread while the upload runs */
    size_t sent;
    char retry_after[16];
    int fd; /* left open when keep_open */
    int keep_open;
    int expect; /* send Expect: 100-continue and wait for the 100 before the body: the server
                   has then taken the headers (and the body's share of the budget) */
};

static void *upload_run(void *arg)
{
    struct upload *u = arg;
    static char chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    u->fd = tcp_from("127.0.0.1", u->port);
    if (u->fd < 0)
        return NULL;
    char head[1024];
    int hn =
        snprintf(head, sizeof head,
                 "POST /api/v1/import/units HTTP/1.1\r\nHost: t\r\nContent-Type: text/csv\r\n"
                 "%s%s%s%sContent-Length: %zu\r\n\r\n",
                 u->token ? "Authorization: Bearer " : "", u->token ? u->token : "",
                 u->token ? "\r\n" : "", u->expect ? "Expect: 100-continue\r\n" : "", u->total);
    send(u->fd, head, (size_t)hn, MSG_NOSIGNAL);
    if (u->expect) {
        char cont[256];
        int st = read_status(u->fd, 10000, cont, sizeof cont);
        if (st != 100) { /* an answer instead of the go-ahead: the upload is over */
            u->status = st;
            close(u->fd);
            u->fd = -1;
            return NULL;
        }
    }
    while (u->sent < u->stop_after) {
        struct pollfd p = {u->fd, POLLIN | POLLOUT, 0};
        if (poll(&p, 1, 5000) <= 0)
            break;
        if (p.revents & (POLLIN | POLLHUP | POLLERR))
            break; /* the server answered (or closed): stop sending */
        size_t n = u->stop_after - u->sent < sizeof chunk ? u->stop_after - u->sent : sizeof chunk;
        ssize_t w = send(u->fd, chunk, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (w <= 0)
            break;
        u->sent += (size_t)w;
    }
    if (u->keep_open && u->sent >= u->stop_after && u->stop_after < u->total)
        return NULL; /* the caller finishes it */
    char resp[4096];
    u->status = read_status(u->fd, 5000, resp, sizeof resp);
    const char *ra = strcasestr(resp, "\r\nRetry-After:");
    if (ra)
        snprintf(u->retry_after, sizeof u->retry_after, "%.*s", (int)strcspn(ra + 15, "\r\n"),
                 ra + 15);
    close(u->fd);
    u->fd = -1;
    return NULL;
}

/* Issue 10 item 2: 20 anonymous 16 MB uploads in parallel each get 401 on their headers, and
   the server's memory does not grow by their bodies (before the fix each body was read whole,
   then refused: 20 × 16 MB). An authenticated upload declared over the limit gets 413 the same
   way; bodies in flight together are bounded by the budget (503 with Retry-After). */
TEST(http_limits_uploads_refused_on_headers_and_memory_bounded)
{
    char db[600];
    snprintf(db, sizeof db, "%s/limits.db", eg_test_tmpdir());
    REQUIRE(eg_hf_build(db, &fx) == 0);
    const char *extra[] = {"--access-log", "off", "--upload-budget", "3000000", NULL};
    REQUIRE(eg_hs_start(&srv, db, extra) == 0);
    char *adm = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    REQUIRE(adm);

    /* warm the workers (database connections, token cache) so that the baseline is fair */
    for (int i = 0; i < 8; i++) {
        struct eg_hc_resp r;
        eg_hc_request(srv.port, "GET", "/api/v1/units?limit=5", adm, NULL, NULL, 0, &r);
        eg_hc_free(&r);
    }
    long before = rss_kib(srv.pid);
    REQUIRE(before > 0);

    enum { N = 20 };
    const size_t big = 16u * 1000u * 1000u; /* 16 MB, under the 16 MiB upload limit */
    struct upload up[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        up[i] = (struct upload){.port = srv.port, .total = big, .stop_after = big, .fd = -1};
        REQUIRE(pthread_create(&th[i], NULL, upload_run, &up[i]) == 0);
    }
    long peak = before;
    for (int k = 0; k < 100; k++) { /* sample while they run (at most ~5 s) */
        long now = rss_kib(srv.pid);
        if (now > peak)
            peak = now;
        int done = 1;
        for (int i = 0; i < N; i++)
            done &= up[i].status != 0;
        if (done)
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    size_t sent_max = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(up[i].status, 401);
        if (up[i].sent > sent_max)
            sent_max = up[i].sent;
    }
    long after = rss_kib(srv.pid);
    if (after > peak)
        peak = after;
    printf("  rss before %ld KiB, peak %ld KiB (+%ld), after %ld KiB; most body bytes a client "
           "got to send %zu of %zu\n",
           before, peak, peak - before, after, sent_max, big);
    /* The bodies are not kept: 20 × 16 MB would be +312 MiB. The bound allows the workers'
       libmicrohttpd connection pools (32 KiB each), thread stacks touched, the allocator. */
    CHECK(peak - before < 30 * 1024);
    /* and not read: a client gets its answer long before it could send its 16 MB (the socket
       buffers on the way hold a few MB at most) */
    CHECK(sent_max < big / 2);

    /* the same with a token that is not valid: 401 on the headers */
    struct upload bad = {.port = srv.port, .token = "nope", .total = big, .stop_after = big};
    upload_run(&bad);
    CHECK_EQ_INT(bad.status, 401);
    CHECK(bad.sent < big / 2);

    /* authenticated, declared over the 16 MiB limit: 413 on the headers */
    struct upload over = {.port = srv.port, .token = adm, .total = 17u << 20, .stop_after = big};
    upload_run(&over);
    CHECK_EQ_INT(over.status, 413);
    CHECK(over.sent < big / 2);

    /* the budget (3,000,000 bytes here; raised to one upload at the limit, 16 MiB + 2): one
       upload of 10 MB held open half-sent, a second of 10 MB does not fit → 503 Retry-After */
    struct upload a = {.port = srv.port,
                       .token = adm,
                       .total = 10000000,
                       .stop_after = 1000000,
                       .keep_open = 1,
                       .expect = 1};
    upload_run(&a);
    REQUIRE(a.fd >= 0);
    struct upload b = {.port = srv.port, .token = adm, .total = 10000000, .stop_after = 10000000};
    upload_run(&b);
    CHECK_EQ_INT(b.status, 503);
    CHECK_STR(b.retry_after, "1");
    CHECK(b.sent < 5000000);
    close(a.fd); /* its reservation is given back when the server sees it go */
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    /* a small authenticated upload still works (a CSV with a header only: nothing to import) */
    struct eg_hc_resp r;
    const char *csv = "credit_code,name\r\n";
    CHECK_EQ_INT(eg_hc_request(srv.port, "POST", "/api/v1/import/units?dry_run=1", adm,
                               "Content-Type: text/csv\r\n", csv, strlen(csv), &r),
                 0);
    CHECK(r.status == 200 || r.status == 422);
    eg_hc_free(&r);
    free(adm);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

/* GET /healthz from source address src; the status (0 when refused or no answer within 3 s),
   the time taken in *ms. */
static int healthz_from(const char *src, int port, double *ms)
{
    uint64_t t0 = eg_nanos();
    int fd = tcp_from(src, port);
    int st = 0;
    if (fd >= 0) {
        const char *req = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
        send(fd, req, strlen(req), MSG_NOSIGNAL);
        char head[2048];
        st = read_status(fd, 3000, head, sizeof head);
        close(fd);
    }
    *ms = (double)(eg_nanos() - t0) / 1e6;
    return st;
}

/* 1 when the server has closed fd (EOF, reset, or a refusal it sent before closing). */
static int closed_by_server(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0)
        return 0;
    if (p.revents & (POLLHUP | POLLERR))
        return 1;
    char b[512];
    ssize_t r = recv(fd, b, sizeof b, MSG_DONTWAIT);
    return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || r > 0;
}

/* Issue 10 item 4: slowloris. N connections from one address drip their request head a byte
   every 100 ms (never idle, so the idle timeout never fires). Those over the per-address limit
   are closed at once; the rest are closed by the head deadline (2 s here) although they keep
   sending; a normal client (another address) is answered quickly all along. Before the fix
   every dripping connection stayed open past the 30 s idle timeout. */
TEST(http_limits_slowloris_head_deadline_and_per_address_limit)
{
    char db[600];
    snprintf(db, sizeof db, "%s/slow.db", eg_test_tmpdir());
    REQUIRE(eg_hf_build(db, &fx) == 0);
    const char *extra[] = {
        "--access-log", "off", "--head-timeout", "2", "--per-ip-limit", "8", "--timeout",
        "30",           NULL};
    REQUIRE(eg_hs_start(&srv, db, extra) == 0);

    enum { N = 20 };
    int fd[N];
    double closed_at[N];
    for (int i = 0; i < N; i++) {
        fd[i] = tcp_from("127.0.0.1", srv.port);
        REQUIRE(fd[i] >= 0);
        closed_at[i] = -1;
    }
    const char *head = "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ";
    size_t pos = 0;
    uint64_t t0 = eg_nanos();
    double worst_ms = 0;
    int normal_ok = 0, normal_tries = 0, open_left = N;
    /* at most 6 s: the deadline (2 s) plus the reaper's period, with room for a slow machine */
    for (int round = 0; round < 60 && open_left > 0; round++) {
        double t = (double)(eg_nanos() - t0) / 1e9;
        char c = pos < strlen(head) ? head[pos] : 'a';
        pos++;
        for (int i = 0; i < N; i++) {
            if (closed_at[i] >= 0)
                continue;
            if (closed_by_server(fd[i]) || send(fd[i], &c, 1, MSG_NOSIGNAL) != 1) {
                closed_at[i] = t;
                open_left--;
            }
        }
        if (round % 5 == 2) { /* a normal client, twice a second */
            double ms;
            int st = healthz_from("127.0.0.2", srv.port, &ms);
            normal_tries++;
            normal_ok += st == 200;
            if (ms > worst_ms)
                worst_ms = ms;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int early = 0, by_deadline = 0, still_open = 0;
    for (int i = 0; i < N; i++) {
        if (closed_at[i] < 0)
            still_open++;
        else if (closed_at[i] < 1.0)
            early++;
        else if (closed_at[i] >= 1.5)
            by_deadline++;
        close(fd[i]);
    }
    printf("  %d slow connections: %d closed at once (per-address limit 8), %d by the 2 s head "
           "deadline, %d still open; normal client %d/%d answered, slowest %.1f ms\n",
           N, early, by_deadline, still_open, normal_ok, normal_tries, worst_ms);
    CHECK_EQ_INT(still_open, 0);
    CHECK_EQ_INT(early, N - 8);
    CHECK_EQ_INT(by_deadline, 8);
    CHECK_EQ_INT(normal_ok, normal_tries);
    CHECK(normal_tries >= 4);
    CHECK(worst_ms < 1000);
    /* the same address is served again once its slow connections are gone */
    double ms;
    CHECK_EQ_INT(healthz_from("127.0.0.1", srv.port, &ms), 200);
    struct eg_hc_resp r;
    REQUIRE(!eg_hc_request(srv.port, "GET", "/metrics", NULL, NULL, NULL, 0, &r));
    CHECK(r.body && strstr(r.body, "envgov_http_head_timeouts_total 8"));
    eg_hc_free(&r);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

/* Admin PATCHes, one every 100 ms in a thread, until stop: their statuses and latencies. */
struct patcher {
    int port;
    const char *token;
    long long unit;
    _Atomic int stop;
    int n, ok2xx, busy503, other, retry_after_ok;
    double worst_ms;
};

static void *patch_run(void *arg)
{
    struct patcher *p = arg;
    char path[64];
    snprintf(path, sizeof path, "/api/v1/units/%lld", p->unit);
    for (int i = 0; i < 600 && !p->stop; i++) {
        char body[96];
        snprintf(body, sizeof body, "{\"name\":\"改名 %d\"}", i);
        uint64_t t0 = eg_nanos();
        struct eg_hc_resp r;
        int rc = eg_hc_request(p->port, "PATCH", path, p->token,
                               "Content-Type: application/json\r\n", body, strlen(body), &r);
        double ms = (double)(eg_nanos() - t0) / 1e6;
        p->n++;
        if (ms > p->worst_ms)
            p->worst_ms = ms;
        if (!rc && r.status >= 200 && r.status < 300) {
            p->ok2xx++;
        } else if (!rc && r.status == 503) {
            p->busy503++;
            const char *ra = eg_hc_header(&r, "Retry-After");
            p->retry_after_ok += ra && !strcmp(ra, "1");
        } else {
            p->other++;
            printf("  PATCH answered %d: %.200s\n", rc ? -1 : r.status, r.body ? r.body : "");
        }
        eg_hc_free(&r);
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* Issue 10 item 3: a large enterprise import of devices (5,000 rows, each with an Argon2id
   password) while an admin edits: the edits answer 2xx or 503 with Retry-After, never 500, and
   the write lock is held only for the short write transaction (the hashing is done before it;
   before the fix the lock was held for the whole import). A database locked past the busy
   timeout answers 503 with Retry-After: 1, not 500. An enterprise may not import more than
   5,000 rows at once. */
TEST(http_limits_import_short_write_lock_busy_is_503)
{
    char db[600];
    snprintf(db, sizeof db, "%s/imp.db", eg_test_tmpdir());
    REQUIRE(eg_hf_build(db, &fx) == 0);
    REQUIRE(eg_hs_start(&srv, db, NULL) == 0);
    char *adm = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    char *ent = eg_hc_login(srv.port, "enterprise", "pw-enterprise-123456");
    REQUIRE(adm && ent);

    enum { ROWS = 5000 };
    struct eg_buf csv = {0};
    eg_buf_puts(&csv, "mn,password,outlet_id\r\n");
    for (int i = 0; i < ROWS; i++)
        eg_buf_printf(&csv, "7%013d,dev-pw-%06d,%lld\r\n", i, i, fx.o1);
    struct patcher p = {.port = srv.port, .token = adm, .unit = fx.e2};
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, patch_run, &p) == 0);
    uint64_t t0 = eg_nanos();
    struct eg_hc_resp r;
    REQUIRE(!eg_hc_request(srv.port, "POST", "/api/v1/import/devices", ent,
                           "Content-Type: text/csv\r\n", csv.data, csv.len, &r));
    double import_s = (double)(eg_nanos() - t0) / 1e9;
    p.stop = 1;
    pthread_join(th, NULL);
    CHECK_EQ_INT(r.status, 200);
    if (r.status != 200)
        printf("  import: %.300s\n", r.body ? r.body : "");
    eg_hc_free(&r);
    /* the server logs how long the write transaction held the lock */
    char *log = eg_test_read_file(srv.log, NULL);
    const char *held = log ? strstr(log, "import devices: ") : NULL;
    double held_ms = -1;
    if (held && strstr(held, "transaction held "))
        held_ms = atof(strstr(held, "transaction held ") + 17);
    printf("  import of %d devices took %.2f s; write lock held %.0f ms; admin PATCHes: %d "
           "(%d 2xx, %d 503, %d other), slowest %.0f ms\n",
           ROWS, import_s, held_ms, p.n, p.ok2xx, p.busy503, p.other, p.worst_ms);
    free(log);
    CHECK_EQ_INT(p.other, 0);
    CHECK_EQ_INT(p.retry_after_ok, p.busy503);
    CHECK(p.n >= 3);
    CHECK(held_ms >= 0);
    /* the lock is held for the writes only: well under the import (the hashing), and under
       the 5 s a writer waits for it */
    CHECK(held_ms < import_s * 1000 / 2);
    /* The PATCHes' slowest answer is printed, not asserted: on a loaded machine it measures the
       machine (it was 4.3 s under ASan with eight builds beside it); the lock's own hold time
       against the import's is the check that fails when the lock spans the hashing. */

    /* over the enterprise bound: 413 before anything is hashed or written */
    struct eg_buf big = {0};
    eg_buf_puts(&big, "mn,password,outlet_id\r\n");
    for (int i = 0; i < ROWS + 1; i++)
        eg_buf_printf(&big, "6%013d,dev-pw-%06d,%lld\r\n", i, i, fx.o1);
    REQUIRE(!eg_hc_request(srv.port, "POST", "/api/v1/import/devices", ent,
                           "Content-Type: text/csv\r\n", big.data, big.len, &r));
    CHECK_EQ_INT(r.status, 413);
    CHECK(r.body && strstr(r.body, "too_many_rows"));
    eg_hc_free(&r);
    eg_buf_free(&big);
    eg_buf_free(&csv);

    /* the database locked by another writer past the busy timeout (5 s): 503, Retry-After */
    struct eg_db *st = NULL;
    struct eg_err e;
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    REQUIRE(eg_db_begin(st, &e) == 0);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/units/%lld", fx.e2);
    const char *body = "{\"name\":\"锁住时改名\"}";
    REQUIRE(!eg_hc_request(srv.port, "PATCH", path, adm, "Content-Type: application/json\r\n", body,
                           strlen(body), &r));
    CHECK_EQ_INT(r.status, 503);
    const char *ra = eg_hc_header(&r, "Retry-After");
    CHECK(ra && !strcmp(ra, "1"));
    CHECK(r.body && strstr(r.body, "\"busy\""));
    eg_hc_free(&r);
    eg_db_rollback(st);
    eg_db_close(st);
    REQUIRE(!eg_hc_request(srv.port, "PATCH", path, adm, "Content-Type: application/json\r\n", body,
                           strlen(body), &r));
    CHECK_EQ_INT(r.status, 200);
    eg_hc_free(&r);
    free(adm);
    free(ent);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}
