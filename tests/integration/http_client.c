/*
 * http_client.c: the HTTP test client and server launcher of http_client.h. Plain sockets and
 * fork/exec of the real binary: what is tested is what runs.
 */
#include "integration/http_client.h"
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads to EOF (the server closes: every request says Connection: close) and splits. */
static int read_response(int fd, struct eg_hc_resp *out)
{
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 65536 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t r = recv(fd, buf + len, cap - len - 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    memset(out, 0, sizeof *out);
    char *sep = NULL;
    for (size_t i = 0; i + 3 < len; i++)
        if (!memcmp(buf + i, "\r\n\r\n", 4)) {
            sep = buf + i;
            break;
        }
    if (!sep || sscanf(buf, "HTTP/1.%*d %d", &out->status) != 1) {
        free(buf);
        return -1;
    }
    size_t hlen = (size_t)(sep - buf);
    out->head = malloc(hlen + 1);
    memcpy(out->head, buf, hlen);
    out->head[hlen] = '\0';
    size_t blen = len - hlen - 4;
    const char *te = eg_hc_header(out, "Transfer-Encoding");
    out->body = malloc(blen + 1);
    if (te && !strcasecmp(te, "chunked")) {
        /* de-chunk */
        const char *p = sep + 4, *end = buf + len;
        size_t o = 0;
        while (p < end) {
            char *e;
            unsigned long n = strtoul(p, &e, 16);
            const char *crlf = strstr(p, "\r\n");
            if (!crlf || n == 0)
                break;
            p = crlf + 2;
            if ((size_t)(end - p) < n)
                n = (unsigned long)(end - p);
            memcpy(out->body + o, p, n);
            o += n;
            p += n + 2;
        }
        blen = o;
    } else {
        memcpy(out->body, sep + 4, blen);
    }
    out->body[blen] = '\0';
    out->body_len = blen;
    free(buf);
    return 0;
}

int eg_hc_request(int port, const char *method, const char *path, const char *token,
                  const char *extra_headers, const char *body, size_t body_len,
                  struct eg_hc_resp *out)
{
    memset(out, 0, sizeof *out);
    int fd = dial(port);
    if (fd < 0)
        return -1;
    size_t cap = 1024 + strlen(path) + (extra_headers ? strlen(extra_headers) : 0) +
                 (token ? strlen(token) : 0);
    char *req = malloc(cap + body_len);
    int n = snprintf(req, cap,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s%s%s%s",
                     method, path, port, token ? "Authorization: Bearer " : "", token ? token : "",
                     token ? "\r\n" : "", extra_headers ? extra_headers : "");
    if (body)
        n += snprintf(req + n, cap - (size_t)n, "Content-Length: %zu\r\n", body_len);
    n += snprintf(req + n, cap - (size_t)n, "\r\n");
    if (body)
        memcpy(req + n, body, body_len);
    int rc = send_all(fd, req, (size_t)n + (body ? body_len : 0));
    free(req);
    if (!rc)
        rc = read_response(fd, out);
    close(fd);
    return rc;
}

int eg_hc_raw(int port, const void *bytes, size_t n, int half_close, struct eg_hc_resp *out)
{
    memset(out, 0, sizeof *out);
    int fd = dial(port);
    if (fd < 0)
        return -1;
    int rc = send_all(fd, bytes, n);
    if (half_close)
        shutdown(fd, SHUT_WR);
    if (!rc)
        rc = read_response(fd, out);
    close(fd);
    return rc;
}

const char *eg_hc_header(const struct eg_hc_resp *r, const char *name)
{
    static char val[1024];
    size_t nl = strlen(name);
    if (!r->head)
        return NULL;
    for (const char *p = strstr(r->head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (!strncasecmp(line, name, nl) && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            size_t vn = e ? (size_t)(e - v) : strlen(v);
            if (vn >= sizeof val)
                vn = sizeof val - 1;
            memcpy(val, v, vn);
            val[vn] = '\0';
            return val;
        }
    }
    return NULL;
}

json_t *eg_hc_json(const struct eg_hc_resp *r)
{
    if (!r->body)
        return NULL;
    return json_loadb(r->body, r->body_len, JSON_ALLOW_NUL, NULL);
}

void eg_hc_free(struct eg_hc_resp *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

static void print_log(const struct eg_hs *s)
{
    char *l = eg_test_read_file(s->log, NULL);
    fprintf(stderr, "    --- envgov serve log ---\n%s\n", l ? l : "(none)");
    free(l);
}

int eg_hs_start(struct eg_hs *s, const char *db, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    snprintf(s->db, sizeof s->db, "%s", db);
    snprintf(s->log, sizeof s->log, "%s/serve-%d.log", eg_test_tmpdir(), (int)getpid());
    s->port = eg_test_free_port();
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
    const char *argv[32] = {eg_test_bin(), "serve", "--db", db, "--http", listen, "--threads", "2"};
    int n = 8;
    for (int i = 0; extra && extra[i] && n < 31; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    s->pid = fork();
    if (s->pid == 0) {
        int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0), dup2(fd, 1), dup2(fd, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    /* Up to 20 s: the ASan build is slow to start. */
    for (int i = 0; i < 400; i++) {
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            print_log(s);
            return -1;
        }
        struct eg_hc_resp r;
        if (!eg_hc_request(s->port, "GET", "/healthz", NULL, NULL, NULL, 0, &r) &&
            r.status == 200) {
            eg_hc_free(&r);
            return 0;
        }
        eg_hc_free(&r);
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    print_log(s);
    eg_hs_stop(s);
    return -1;
}

int eg_hs_stop(struct eg_hs *s)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    int st = 0;
    waitpid(s->pid, &st, 0);
    s->pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *eg_hc_login(int port, const char *user, const char *password)
{
    json_t *b = json_pack("{s:s,s:s}", "username", user, "password", password);
    char *body = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    struct eg_hc_resp r;
    char *tok = NULL;
    if (!eg_hc_request(port, "POST", "/api/v1/login", NULL,
                       "Content-Type: application/json\r\n", body, strlen(body), &r) &&
        r.status == 200) {
        json_t *j = eg_hc_json(&r);
        const char *t = json_string_value(json_object_get(j, "token"));
        if (t)
            tok = strdup(t);
        json_decref(j);
    }
    eg_hc_free(&r);
    free(body);
    return tok;
}
