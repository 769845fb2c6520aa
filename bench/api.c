/*
 * bench/api.c: the HTTP API under load (issue 3 "Benchmark"). Starts `envgov serve` on the demo
 * database and, in the same run, nginx (Debian) serving the very same JSON bytes as static
 * files on another loopback port — the ceiling a C HTTP server can reach on this machine —
 * then runs wrk (Debian) at 64 connections against:
 *   GET one enterprise      /api/v1/units/{id}            (with a bureau user's bearer token)
 *   GET a page of 50        /api/v1/units?kind=enterprise&limit=50
 *   GET a page of 50, every request a different page key with the same bytes (the page cache
 *                           misses): the same page reached through 90 different cursors and
 *                           sorts that all start before the first enterprise (a wrk Lua script
 *                           rotates them); the rows' text comes from the worker's row cache
 *   the same, on a second server started with EG_LIST_CACHE=off: no page or row kept, every
 *                           page read from every column and written afresh
 * and prints requests/s, p50 and p99 latency for each, and envgov's rate as a share of nginx's
 * serving the same bytes in the same run.
 * Targets: >= 20,000 req/s for GET one on 2 cores, p99 < 10 ms, >= 1/3 of nginx; a page of 50 at
 * >= 1/3 of nginx (issue 11 §8).
 *
 * Needs: build/envgov, wrk and nginx (scripts/deps.sh bench). EG_BENCH_SECONDS (default 5)
 * sets each wrk run's duration; EG_BIN the binary.
 */
#include "base/base.h"

#include <sodium.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[256];

static const char *bin(void)
{
    const char *b = getenv("EG_BIN");
    return b ? b : "build/envgov";
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) ||
        getsockname(fd, (struct sockaddr *)&a, &n))
        return -1;
    close(fd);
    return ntohs(a.sin_port);
}

/* Runs argv with stdin from `in`, stdout into *out (malloc'd); returns the exit status. */
static int run(const char *const *argv, const char *in, char **out)
{
    int pin[2], pout[2];
    if (pipe(pin) || pipe(pout))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        close(pin[1]);
        close(pout[0]);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    if (in && write(pin[1], in, strlen(in)) < 0)
        perror("write");
    close(pin[1]);
    struct eg_buf b = {0};
    char chunk[4096];
    ssize_t r;
    while ((r = read(pout[0], chunk, sizeof chunk)) > 0)
        eg_buf_append(&b, chunk, (size_t)r);
    close(pout[0]);
    eg_buf_append(&b, "", 1);
    int st;
    waitpid(pid, &st, 0);
    if (out)
        *out = b.data;
    else
        eg_buf_free(&b);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static pid_t spawn(const char *const *argv, const char *logpath)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* A whole HTTP/1.1 exchange over loopback (Connection: close); body into *out. */
static int http(int port, const char *method, const char *path, const char *token, const char *body,
                char **out)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct eg_buf rq = {0};
    eg_buf_printf(&rq, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", method, path);
    if (token)
        eg_buf_printf(&rq, "Authorization: Bearer %s\r\n", token);
    if (body)
        eg_buf_printf(&rq, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                      strlen(body), body);
    else
        eg_buf_puts(&rq, "\r\n");
    if (write(fd, rq.data, rq.len) != (ssize_t)rq.len) {
        close(fd);
        eg_buf_free(&rq);
        return -1;
    }
    eg_buf_free(&rq);
    struct eg_buf b = {0};
    char chunk[65536];
    ssize_t r;
    while ((r = read(fd, chunk, sizeof chunk)) > 0)
        eg_buf_append(&b, chunk, (size_t)r);
    close(fd);
    eg_buf_append(&b, "", 1);
    int status = 0;
    if (sscanf(b.data, "HTTP/1.%*d %d", &status) != 1)
        status = -1;
    char *sep = strstr(b.data, "\r\n\r\n");
    if (out)
        *out = eg_strdup(sep ? sep + 4 : "");
    eg_buf_free(&b);
    return status;
}

/* The value of "key":"…" or "key":N in a flat JSON text (good enough for our own answers). */
static int json_field(const char *json, const char *key, char *out, size_t outsz)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    size_t n = 0;
    if (*p == '"') {
        p++;
        while (p[n] && p[n] != '"')
            n++;
    } else {
        while (p[n] && p[n] != ',' && p[n] != '}')
            n++;
    }
    if (n + 1 > outsz)
        return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

static int write_file(const char *path, const char *data)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(data, f);
    return fclose(f);
}

struct result {
    double rps, p50_ms, p99_ms;
    long errors;
};

/* wrk's "50%    1.23ms" lines: the unit is us, ms or s. */
static double latency_ms(const char *out, const char *pct)
{
    char pat[16];
    snprintf(pat, sizeof pat, "%s ", pct);
    const char *p = strstr(out, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    char *end;
    double v = strtod(p, &end);
    if (!strncmp(end, "us", 2))
        return v / 1000;
    if (!strncmp(end, "ms", 2))
        return v;
    if (*end == 's')
        return v * 1000;
    if (!strncmp(end, "m", 1))
        return v * 60000;
    return -1;
}

/* script: a wrk Lua script (the requests' paths), or NULL for path alone. */
static int wrk(int port, const char *path, const char *token, int seconds, const char *script,
               struct result *res)
{
    char url[512], dur[16], auth[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    snprintf(dur, sizeof dur, "%ds", seconds);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : "none");
    const char *argv[] = {
        "wrk",  "-t2", "-c64", "-d", dur, "--latency", "-H", auth, script ? "-s" : url,
        script, url,   NULL};
    char *out = NULL;
    int rc = run(argv, NULL, &out);
    memset(res, 0, sizeof *res);
    const char *p = out ? strstr(out, "Requests/sec:") : NULL;
    if (rc || !p) {
        fprintf(stderr, "wrk failed (%d):\n%s\n", rc, out ? out : "");
        free(out);
        return -1;
    }
    res->rps = strtod(p + 13, NULL);
    res->p50_ms = latency_ms(out, "50%");
    res->p99_ms = latency_ms(out, "99%");
    const char *e = strstr(out, "Non-2xx or 3xx responses:");
    if (e)
        res->errors = strtol(e + 25, NULL, 10);
    free(out);
    return 0;
}

static int wait_http(int port)
{
    for (int i = 0; i < 200; i++) {
        if (http(port, "GET", "/healthz", NULL, NULL, NULL) >= 200)
            return 0;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

int main(void)
{
    int seconds = 5;
    const char *s = getenv("EG_BENCH_SECONDS");
    int64_t v;
    if (s && !eg_parse_int64(s, strlen(s), &v) && v > 0 && v <= 60)
        seconds = (int)v;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/envgov-bench-api-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    char db[512], log[512], www[512], conf[512], nlog[512], path[600];
    snprintf(db, sizeof db, "%s/demo.db", tmpdir);
    snprintf(log, sizeof log, "%s/serve.log", tmpdir);
    snprintf(www, sizeof www, "%s/www", tmpdir);
    snprintf(conf, sizeof conf, "%s/nginx.conf", tmpdir);
    snprintf(nlog, sizeof nlog, "%s/nginx.out", tmpdir);

    /* the demo district, and a bureau user of our own (the demo's passwords are printed once) */
    const char *demo[] = {bin(), "demo", "--db", db, NULL};
    if (run(demo, NULL, NULL)) {
        fprintf(stderr, "bench api: envgov demo failed\n");
        return 1;
    }
    const char *add[] = {bin(),  "user", "add", "bench", "--role", "bureau", "--password-stdin",
                         "--db", db,     NULL};
    if (run(add, "bench-password-1\n", NULL)) {
        fprintf(stderr, "bench api: envgov user add failed\n");
        return 1;
    }
    int port = free_port(), nport = free_port();
    while (nport == port)
        nport = free_port();
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    /* the access log is a line per request on stderr: off, as a loaded server would log to a
       collector, not a terminal */
    const char *serve[] = {bin(),  "serve",        "--db", db,  "--http",
                           listen, "--access-log", "off",  NULL};
    pid_t spid = spawn(serve, log);
    if (wait_http(port)) {
        fprintf(stderr, "bench api: envgov serve did not start (see %s)\n", log);
        kill(spid, SIGTERM);
        return 1;
    }
    /* the same server with its list caches off, for the page computed afresh */
    int cport = free_port();
    while (cport == port)
        cport = free_port();
    char clisten[64], clog[600];
    snprintf(clisten, sizeof clisten, "127.0.0.1:%d", cport);
    snprintf(clog, sizeof clog, "%s/serve-nocache.log", tmpdir);
    const char *serve_nc[] = {bin(),   "serve",        "--db", db,  "--http",
                              clisten, "--access-log", "off",  NULL};
    setenv("EG_LIST_CACHE", "off", 1);
    pid_t cpid = spawn(serve_nc, clog);
    unsetenv("EG_LIST_CACHE");
    if (wait_http(cport)) {
        fprintf(stderr, "bench api: envgov serve (no caches) did not start (see %s)\n", clog);
        kill(spid, SIGTERM);
        kill(cpid, SIGTERM);
        return 1;
    }
    char *body = NULL, tok[128], id[32];
    if (http(port, "POST", "/api/v1/login", NULL,
             "{\"username\":\"bench\",\"password\":\"bench-password-1\"}", &body) != 200 ||
        json_field(body, "token", tok, sizeof tok)) {
        fprintf(stderr, "bench api: login failed: %s\n", body ? body : "");
        kill(spid, SIGTERM);
        kill(cpid, SIGTERM);
        return 1;
    }
    free(body);
    char *page = NULL, *one = NULL;
    const char *page_path = "/api/v1/units?kind=enterprise&limit=50";
    if (http(port, "GET", page_path, tok, NULL, &page) != 200 ||
        json_field(page, "id", id, sizeof id)) {
        fprintf(stderr, "bench api: no enterprise in the demo database\n");
        kill(spid, SIGTERM);
        kill(cpid, SIGTERM);
        return 1;
    }
    char one_path[128];
    snprintf(one_path, sizeof one_path, "/api/v1/units/%s", id);
    if (http(port, "GET", one_path, tok, NULL, &one) != 200) {
        fprintf(stderr, "bench api: GET %s failed\n", one_path);
        kill(spid, SIGTERM);
        kill(cpid, SIGTERM);
        return 1;
    }

    /* nginx: the same bytes as static files, 2 workers (one per core), no access log */
    mkdir(www, 0755);
    snprintf(path, sizeof path, "%s/one.json", www);
    write_file(path, one);
    snprintf(path, sizeof path, "%s/page.json", www);
    write_file(path, page);
    FILE *f = fopen(conf, "w");
    if (!f)
        return 1;
    fprintf(f,
            "worker_processes 2;\nuser root;\nerror_log %s/nginx-error.log;\npid %s/nginx.pid;\n"
            "events { worker_connections 1024; }\n"
            "http { access_log off; default_type application/json;\n"
            "  client_body_temp_path %s/tmp; proxy_temp_path %s/tmp; fastcgi_temp_path %s/tmp;\n"
            "  uwsgi_temp_path %s/tmp; scgi_temp_path %s/tmp;\n"
            "  server { listen 127.0.0.1:%d; root %s; } }\n",
            tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, nport, www);
    fclose(f);
    const char *ng[] = {"nginx", "-p", tmpdir, "-c", conf, "-g", "daemon off;", NULL};
    pid_t npid = spawn(ng, nlog);
    if (wait_http(nport)) {
        fprintf(stderr, "bench api: nginx did not start (see %s)\n", nlog);
        kill(spid, SIGTERM);
        kill(cpid, SIGTERM);
        kill(npid, SIGTERM);
        return 1;
    }

    printf(
        "bench api: wrk -t2 -c64 -d%ds, %ld online CPUs, response sizes: one %zu B, page %zu B\n",
        seconds, sysconf(_SC_NPROCESSORS_ONLN), strlen(one), strlen(page));
    /* the page of 50 under 90 keys: cursors ["id",null,K] (sort id, ascending, after id K) for
       every K below the first enterprise's id, with and without sort=id */
    char script[600];
    snprintf(script, sizeof script, "%s/pages.lua", tmpdir);
    f = fopen(script, "w");
    if (!f)
        return 1;
    fputs("paths = {}\n", f);
    long first = strtol(id, NULL, 10);
    int nkeys = 0;
    char last_path[400] = "";
    for (long k = 0; k < first && nkeys < 90; k++)
        for (int sorted = 0; sorted < 2 && nkeys < 90; sorted++) {
            char js[64], b64[128];
            int jn = snprintf(js, sizeof js, "[\"id\",null,%ld]", k);
            sodium_bin2base64(b64, sizeof b64, (const unsigned char *)js, (size_t)jn,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING);
            snprintf(last_path, sizeof last_path, "%s%s&cursor=%s", page_path,
                     sorted ? "&sort=id" : "", b64);
            fprintf(f, "paths[%d] = \"%s\"\n", ++nkeys, last_path);
        }
    fputs("i = 0\nrequest = function()\n  i = i + 1\n"
          "  return wrk.format(nil, paths[(i % #paths) + 1])\nend\n",
          f);
    fclose(f);
    char *same = NULL;
    if (http(port, "GET", last_path, tok, NULL, &same) != 200 || strcmp(same, page)) {
        fprintf(stderr, "bench api: %s is not the same page\n", last_path);
        kill(spid, SIGTERM);
        kill(cpid, SIGTERM);
        kill(npid, SIGTERM);
        return 1;
    }
    free(same);
    same = NULL;
    if (http(cport, "GET", last_path, tok, NULL, &same) != 200 || strcmp(same, page)) {
        fprintf(stderr, "bench api: the server without caches says another page\n");
        kill(spid, SIGTERM);
        kill(cpid, SIGTERM);
        kill(npid, SIGTERM);
        return 1;
    }
    free(same);
    printf("page of 50, new keys: %d page keys rotated (the page cache keeps 64 per worker)\n",
           nkeys);

    struct {
        const char *name, *eg_path, *ng_path, *script;
        int no_cache;
    } cases[] = {{"GET one enterprise", one_path, "/one.json", NULL, 0},
                 {"GET page of 50", page_path, "/page.json", NULL, 0},
                 {"page of 50 new keys", page_path, "/page.json", script, 0},
                 {"page of 50 no caches", page_path, "/page.json", script, 1}};
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        struct result e, n;
        if (wrk(cases[i].no_cache ? cport : port, cases[i].eg_path, tok, seconds, cases[i].script,
                &e) ||
            wrk(nport, cases[i].ng_path, tok, seconds, NULL, &n)) {
            rc = 1;
            break;
        }
        printf("%-20s envgov %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  non-2xx %ld\n", cases[i].name,
               e.rps, e.p50_ms, e.p99_ms, e.errors);
        printf("%-20s nginx  %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms\n", "", n.rps, n.p50_ms,
               n.p99_ms);
        printf("%-20s ratio envgov/nginx %.2f\n", "", n.rps > 0 ? e.rps / n.rps : 0);
        if (e.errors)
            rc = 1;
    }
    free(one);
    free(page);
    kill(npid, SIGTERM);
    kill(spid, SIGTERM);
    kill(cpid, SIGTERM);
    waitpid(npid, NULL, 0);
    waitpid(spid, NULL, 0);
    waitpid(cpid, NULL, 0);
    char rmcmd[300];
    snprintf(rmcmd, sizeof rmcmd, "rm -rf %s", tmpdir);
    if (system(rmcmd))
        fprintf(stderr, "bench api: could not remove %s\n", tmpdir);
    return rc;
}
