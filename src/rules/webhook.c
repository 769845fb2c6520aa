/*
 * webhook.c: delivery of the alerts outbox to the configured webhook. A job takes the due rows,
 * POSTs each as JSON with its signature — X-Envgov-Signature: sha256=<hex HMAC-SHA256 of the
 * body under the shared secret> (libsodium crypto_auth_hmacsha256, the scheme GitHub webhooks
 * use) — and marks it delivered on a 2xx answer; otherwise it is retried after
 * backoff_ms x 2^(attempts-1) (capped at one hour) until max_attempts, then given up (kept,
 * with the last error). The rows are written in the alert's own transaction, so a restart
 * loses none; ingestion never waits for the webhook (it runs on the jobs, on its own
 * connection).
 *
 * The HTTP client is deliberately small: http:// only (a TLS-terminating proxy goes in front
 * for https), one request per connection, the status line read and the rest ignored.
 */
#include "rules/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void eg_rules_sign(const char *secret, const char *body, size_t len, char *out, size_t cap)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    char hex[2 * sizeof mac + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, cap, "sha256=%s", hex);
}

static int wait_fd(int fd, short ev, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - (int64_t)(eg_nanos() / 1000000);
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = ev};
        int r = poll(&p, 1, (int)left);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

int eg__rules_http_post(const char *url, const char *body, size_t len, const char *signature,
                        const char *event, int64_t timeout_ms, struct eg_err *err)
{
    if (strncmp(url, "http://", 7))
        return eg_err_set(err, EG_EINVAL, "bad_url", -1, "webhook URL must start with http://");
    const char *h = url + 7, *slash = strchr(h, '/');
    const char *path = slash ? slash : "/";
    size_t hl = slash ? (size_t)(slash - h) : strlen(h);
    char host[256], port[8] = "80";
    if (hl == 0 || hl >= sizeof host)
        return eg_err_set(err, EG_EINVAL, "bad_url", -1, "webhook URL has no usable host");
    memcpy(host, h, hl);
    host[hl] = 0;
    char *colon = strrchr(host, ':');
    if (colon && !strchr(colon, ']')) {
        *colon = 0;
        snprintf(port, sizeof port, "%s", colon + 1);
    }
    char *hp = host;
    if (hp[0] == '[') { /* [v6] */
        hp++;
        char *rb = strchr(hp, ']');
        if (rb)
            *rb = 0;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(hp, port, &hints, &ai) || !ai)
        return eg_err_set(err, EG_EIO, "webhook_resolve", -1, "cannot resolve webhook host %s", hp);
    int64_t deadline = (int64_t)(eg_nanos() / 1000000) + timeout_ms;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int rc = 0;
    if (fd < 0) {
        freeaddrinfo(ai);
        return eg_err_set(err, EG_EIO, "webhook_socket", -1, "socket: %s", strerror(errno));
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) {
        rc = eg_err_set(err, EG_EIO, "webhook_connect", -1, "connect to %s:%s: %s", hp, port,
                        strerror(errno));
    } else if (wait_fd(fd, POLLOUT, deadline) <= 0) {
        rc = eg_err_set(err, EG_EIO, "webhook_timeout", -1, "connect to %s:%s timed out", hp, port);
    } else {
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (soerr)
            rc = eg_err_set(err, EG_EIO, "webhook_connect", -1, "connect to %s:%s: %s", hp, port,
                            strerror(soerr));
    }
    freeaddrinfo(ai);
    struct eg_buf req = {0};
    if (!rc) {
        eg_buf_printf(&req,
                      "POST %s HTTP/1.1\r\nHost: %.*s\r\nContent-Type: application/json; "
                      "charset=utf-8\r\nContent-Length: %zu\r\nX-Envgov-Event: %s\r\n"
                      "X-Envgov-Signature: %s\r\nConnection: close\r\n\r\n",
                      path, (int)hl, h, len, event, signature);
        eg_buf_append(&req, body, len);
        size_t off = 0;
        while (!rc && off < req.len) {
            ssize_t w = send(fd, req.data + off, req.len - off, MSG_NOSIGNAL);
            if (w > 0) {
                off += (size_t)w;
            } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
                if (wait_fd(fd, POLLOUT, deadline) <= 0)
                    rc = eg_err_set(err, EG_EIO, "webhook_timeout", -1, "sending timed out");
            } else {
                rc = eg_err_set(err, EG_EIO, "webhook_send", -1, "send: %s", strerror(errno));
            }
        }
    }
    if (!rc) {
        char ans[256];
        size_t got = 0;
        while (!rc && got < sizeof ans - 1 && !memchr(ans, '\n', got)) {
            ssize_t r = recv(fd, ans + got, sizeof ans - 1 - got, 0);
            if (r > 0)
                got += (size_t)r;
            else if (r == 0)
                break;
            else if (errno == EAGAIN || errno == EINTR) {
                if (wait_fd(fd, POLLIN, deadline) <= 0)
                    rc = eg_err_set(err, EG_EIO, "webhook_timeout", -1, "no answer in time");
            } else
                rc = eg_err_set(err, EG_EIO, "webhook_recv", -1, "recv: %s", strerror(errno));
        }
        ans[got] = 0;
        int status = 0;
        if (!rc && (sscanf(ans, "HTTP/1.%*d %d", &status) != 1 || status < 200 || status > 299))
            rc = eg_err_set(err, EG_EIO, "webhook_status", -1, "webhook answered %d",
                            status ? status : -1);
    }
    eg_buf_free(&req);
    close(fd);
    return rc;
}
