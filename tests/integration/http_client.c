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
    int n =
        snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s%s%s%s",
                 method, path, port, token ? "Authorization: Bearer " : "", token ? token : "",
                 token ? "\r\n" : "", extra_headers ? extra_headers : "");
    if (body)
        n += snprintf(req + n, cap - (size_t)n, "Content-Length: %zu\r\n", body_len);
    n += snprintf(req + n, cap - (size_t)n, "\r\n");
    if (body)
        memcpy(req + n, body, body_len);
    int rc = send_all(fd, req, (size_t)n + (body ? body_len : 0));
    free(req);
    /* A server may answer before it has read the whole body (413 on the headers) and close:
       the send then fails, but the answer is there to read, as curl reads it. */
    int rrc = read_response(fd, out);
    if (rc && (rrc || !out->status))
        rc = -1;
    else
        rc = rrc;
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

/* One attempt on a fresh port: 0 started, 1 the port was taken meanwhile, -1 failed. */
static int hs_try(struct eg_hs *s, const char *db, const char *const *extra)
{
    s->port = eg_test_free_port();
    char listen[64], banner[96];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
    snprintf(banner, sizeof banner, "listening on http://127.0.0.1:%d/", s->port);
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
            char *log = eg_test_read_file(s->log, NULL);
            int taken = log && strstr(log, "cannot listen");
            free(log);
            return taken ? 1 : -1;
        }
        struct eg_hc_resp r;
        if (!eg_hc_request(s->port, "GET", "/healthz", NULL, NULL, NULL, 0, &r) &&
            r.status == 200) {
            eg_hc_free(&r);
            /* and it is our server answering, not another test's on a reused port */
            char *log = eg_test_read_file(s->log, NULL);
            int ours = log && strstr(log, banner);
            free(log);
            if (ours)
                return 0;
        }
        eg_hc_free(&r);
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    eg_hs_stop(s);
    return -1;
}

int eg_hs_start(struct eg_hs *s, const char *db, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    snprintf(s->db, sizeof s->db, "%s", db);
    snprintf(s->log, sizeof s->log, "%s/serve-%d.log", eg_test_tmpdir(), (int)getpid());
    /* the free port may be taken by another process before serve binds it: try again */
    int rc = 1;
    for (int attempt = 0; attempt < 3 && rc == 1; attempt++)
        rc = hs_try(s, db, extra);
    if (rc)
        print_log(s);
    return rc ? -1 : 0;
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
    if (!eg_hc_request(port, "POST", "/api/v1/login", NULL, "Content-Type: application/json\r\n",
                       body, strlen(body), &r) &&
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

/* ---------------------------------------------------------------- fixture */

#include "auth/auth.h"
#include "registry/registry.h"

void eg_hf_credit_code(const char *body17, char out[19])
{
    /* GB 32100-2015 §4.3: code set of 31 characters, weights 3^(i) mod 31, check = 31 - sum%31 */
    static const char set[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        const char *p = strchr(set, body17[i]);
        sum += (int)(p - set) * w[i];
        out[i] = body17[i];
    }
    int c = 31 - sum % 31;
    out[17] = set[c == 31 ? 0 : c];
    out[18] = '\0';
}

static long long mk(struct eg_db *st, const char *res, json_t *in)
{
    json_t *row = NULL;
    struct eg_err err = {0};
    int rc = eg_registry_create(st, eg_registry_find(res), &eg_principal_system, in, &row, &err);
    json_decref(in);
    if (rc) {
        fprintf(stderr, "    fixture: create %s: %s (%s)\n", res, err.msg, err.code);
        return -1;
    }
    long long id = (long long)json_integer_value(json_object_get(row, "id"));
    json_decref(row);
    return id;
}

static long long user_id(struct eg_db *st, const char *name)
{
    const char *fn[] = {"username"}, *fv[] = {name};
    struct eg_list_query q = {.limit = 1, .filter_names = fn, .filter_values = fv, .nfilters = 1};
    json_t *rows = NULL;
    char *next = NULL;
    struct eg_err err;
    long long id = -1;
    if (!eg_registry_list(st, eg_registry_find("users"), &eg_principal_system, &q, &rows, &next,
                          &err) &&
        json_array_size(rows) == 1)
        id = (long long)json_integer_value(json_object_get(json_array_get(rows, 0), "id"));
    json_decref(rows);
    free(next);
    return id;
}

int eg_hf_build(const char *db, struct eg_hf *f)
{
    struct eg_db *st;
    struct eg_err err;
    if (eg_db_open(db, &st, &err)) {
        fprintf(stderr, "    fixture: open: %s\n", err.msg);
        return -1;
    }
    char cc1[19], cc2[19];
    eg_hf_credit_code("91310115MA1K3YJ5X", cc1);
    eg_hf_credit_code("91310115MA1H7A2B3", cc2);
    memset(f, 0, sizeof *f);
    f->district =
        mk(st, "regions",
           json_pack("{s:s,s:s,s:s}", "code", "310115", "name", "浦东新区", "level", "district"));
    f->s1 = mk(st, "regions",
               json_pack("{s:s,s:s,s:s,s:I}", "code", "310115005", "name", "陆家嘴街道", "level",
                         "street", "parent_id", f->district));
    f->s2 = mk(st, "regions",
               json_pack("{s:s,s:s,s:s,s:I}", "code", "310115125", "name", "川沙新镇", "level",
                         "street", "parent_id", f->district));
    f->grid = mk(st, "regions",
                 json_pack("{s:s,s:s,s:s,s:I}", "code", "310115005001", "name", "陆家嘴第一网格",
                           "level", "grid", "parent_id", f->s1));
    f->park =
        mk(st, "units",
           json_pack("{s:s,s:s,s:I}", "name", "示例产业园", "kind", "park", "region_id", f->s1));
    f->e1 = mk(st, "units",
               json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:b}", "name", "虚构精细化工有限公司", "kind",
                         "enterprise", "credit_code", cc1, "industry", "化工", "region_id", f->s1,
                         "park_id", f->park, "key_air", 1));
    f->e2 = mk(st, "units",
               json_pack("{s:s,s:s,s:s,s:I,s:b}", "name", "虚构电镀科技有限公司", "kind",
                         "enterprise", "credit_code", cc2, "region_id", f->s2, "public", 1));
    f->o1 = mk(st, "outlets",
               json_pack("{s:I,s:s,s:s,s:s}", "unit_id", f->e1, "code", "DA001", "name",
                         "1号排气筒", "type", "waste_gas"));
    f->o2 =
        mk(st, "outlets",
           json_pack("{s:I,s:s,s:s}", "unit_id", f->e2, "code", "DW001", "type", "waste_water"));
    f->pm1 = mk(st, "permits",
                json_pack("{s:s,s:I,s:s,s:s,s:s}", "number", "91310115XX001V", "unit_id", f->e1,
                          "category", "key", "valid_from", "2024-01-01", "valid_to", "2028-12-31"));
    f->l1 = mk(st, "permit_limits",
               json_pack("{s:I,s:I,s:s,s:s,s:f,s:s,s:s}", "permit_id", f->pm1, "outlet_id", f->o1,
                         "pollutant", "a21026", "pollutant_name", "二氧化硫", "conc_limit", 50.0,
                         "conc_unit", "mg/m3", "standard", "DB31/933-2015"));
    f->pm2 = mk(st, "permits",
                json_pack("{s:s,s:I,s:s}", "number", "91310115XX002W", "unit_id", f->e2, "category",
                          "simplified"));
    f->l2 = mk(st, "permit_limits",
               json_pack("{s:I,s:I,s:s,s:f}", "permit_id", f->pm2, "outlet_id", f->o2, "pollutant",
                         "w01018", "conc_limit", 50.0));
    f->st1 = mk(st, "stations",
                json_pack("{s:s,s:s,s:s,s:I,s:b}", "code", "SH-PD-AIR-01", "name", "陆家嘴空气站",
                          "kind", "air", "region_id", f->s1, "public", 1));
    f->dv1 = mk(st, "devices",
                json_pack("{s:s,s:s,s:I,s:s}", "mn", "88888880000001", "password", "device-pw-1",
                          "outlet_id", f->o1, "pollutants", "a21026,a21002"));
    for (int i = 0; i < 6; i++) {
        char name[32];
        snprintf(name, sizeof name, "备用楼宇%d", i);
        f->spare[i] =
            mk(st, "units",
               json_pack("{s:s,s:s,s:I}", "name", name, "kind", "building", "region_id", f->s1));
    }
    static const char *const roles[] = {"admin", "bureau", "street", "enterprise", "steward"};
    int rc = 0;
    for (int i = 0; i < 5 && !rc; i++) {
        char pw[64];
        snprintf(pw, sizeof pw, "pw-%s-123456", roles[i]);
        rc = eg_registry_user_add(st, roles[i], roles[i],
                                  !strcmp(roles[i], "street") ? "310115005" : NULL,
                                  !strcmp(roles[i], "enterprise") ? f->e1 : 0, pw, &err);
        if (rc)
            fprintf(stderr, "    fixture: user %s: %s\n", roles[i], err.msg);
    }
    f->steward_uid = user_id(st, "steward");
    f->bureau_uid = user_id(st, "bureau");
    f->contract = mk(st, "steward_contracts",
                     json_pack("{s:I,s:I,s:s,s:s}", "user_id", f->steward_uid, "unit_id", f->e1,
                               "valid_from", "2025-01-01", "valid_to", "2027-12-31"));
    eg_db_close(st);
    long long *all = &f->district;
    for (size_t i = 0; i < sizeof *f / sizeof(long long); i++)
        if (all[i] <= 0)
            return -1;
    return rc ? -1 : 0;
}

/* ---- one HTTP test's scene (eg_hx) ---- */

int eg_hx_start(struct eg_hx *x, const char *name, unsigned flags, const char *const *users,
                int nusers, const char *const *extra)
{
    memset(x, 0, sizeof *x);
    if (nusers > EG_HX_MAX_USERS)
        return -1;
    snprintf(x->db, sizeof x->db, "%s/%s", eg_test_tmpdir(), name);
    if (eg_hf_build(x->db, &x->fx))
        return -1;
    struct eg_db *st;
    struct eg_err err;
    if (eg_db_open(x->db, &st, &err))
        return -1;
    int rc = 0;
    if (flags & EG_HX_STREET2)
        rc |= eg_registry_user_add(st, "street2", "street", "310115125", 0, "pw-street2-123456",
                                   &err);
    if (flags & EG_HX_ENTERPRISE2)
        rc |= eg_registry_user_add(st, "enterprise2", "enterprise", NULL, x->fx.e2,
                                   "pw-enterprise2-123456", &err);
    if (flags & EG_HX_HJ212) {
        /* an HJ 212 PW is letters and digits (the strict parser refuses "device-pw-1") */
        json_t *patch = json_pack("{s:s}", "password", "123456"), *row = NULL;
        rc |= eg_registry_update(st, eg_registry_find("devices"), &eg_principal_system, x->fx.dv1,
                                 patch, &row, &err);
        json_decref(patch);
        json_decref(row);
    }
    eg_db_close(st);
    if (rc) {
        fprintf(stderr, "    eg_hx_start: %s\n", err.msg);
        return -1;
    }
    const char *args[32];
    int na = 0;
    char listen[64];
    if (flags & EG_HX_HJ212) {
        x->hj212_port = eg_test_free_port();
        snprintf(listen, sizeof listen, "127.0.0.1:%d", x->hj212_port);
        args[na++] = "--hj212";
        args[na++] = listen;
    }
    for (int i = 0; extra && extra[i] && na < 31; i++)
        args[na++] = extra[i];
    args[na] = NULL;
    if (eg_hs_start(&x->hs, x->db, args))
        return -1;
    x->nusers = nusers;
    for (int i = 0; i < nusers; i++) {
        if (!users[i])
            continue;
        char pw[64];
        snprintf(pw, sizeof pw, "pw-%s-123456", users[i]);
        if (!(x->tok[i] = eg_hc_login(x->hs.port, users[i], pw))) {
            fprintf(stderr, "    eg_hx_start: %s could not log in\n", users[i]);
            eg_hx_stop(x);
            return -1;
        }
    }
    return 0;
}

int eg_hx_stop(struct eg_hx *x)
{
    for (int i = 0; i < x->nusers; i++) {
        free(x->tok[i]);
        x->tok[i] = NULL;
    }
    return eg_hs_stop(&x->hs);
}

int eg_hx_call(const struct eg_hx *x, int user, const char *method, const char *path,
               const char *body, json_t **out)
{
    struct eg_hc_resp r;
    const char *tok = user >= 0 && user < x->nusers ? x->tok[user] : NULL;
    int rc = eg_hc_request(x->hs.port, method, path, tok, NULL, body, body ? strlen(body) : 0, &r);
    int status = rc ? -1 : r.status;
    if (out)
        *out = rc ? NULL : eg_hc_json(&r);
    eg_hc_free(&r);
    return status;
}
