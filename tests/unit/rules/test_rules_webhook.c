/*
 * test_rules_webhook.c: webhook delivery from the durable outbox to a real listener on a
 * loopback port: the body is the alert as JSON, the X-Envgov-Signature header is the
 * HMAC-SHA256 of the body under the shared secret (checked here with libsodium's one-shot
 * crypto_auth_hmacsha256), a failed delivery (HTTP 500) is retried after its back-off, by a new
 * engine as after a restart (nothing is lost), and a webhook that never answers is given up
 * after max_attempts with its last error kept.
 */
#include "db/db.h"
#include "rules/rules.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct listener {
    int fd, port;
    int answers[4]; /* status to answer, per connection */
    int served;
    char req[4][8192];
};

static void *serve(void *arg)
{
    struct listener *l = arg;
    for (int i = 0; i < 4 && l->answers[i]; i++) {
        int c = accept(l->fd, NULL, NULL);
        if (c < 0)
            break;
        size_t n = 0;
        char *buf = l->req[i];
        /* read the head, then Content-Length bytes */
        for (;;) {
            ssize_t r = recv(c, buf + n, sizeof l->req[i] - 1 - n, 0);
            if (r <= 0)
                break;
            n += (size_t)r;
            buf[n] = 0;
            char *end = strstr(buf, "\r\n\r\n");
            char *cl = strstr(buf, "Content-Length: ");
            if (end && cl && n >= (size_t)(end + 4 - buf) + (size_t)atoi(cl + 16))
                break;
        }
        char ans[128];
        int len =
            snprintf(ans, sizeof ans, "HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n", l->answers[i]);
        send(c, ans, (size_t)len, MSG_NOSIGNAL);
        close(c);
        l->served = i + 1;
    }
    return NULL;
}

static void listen_on(struct listener *l)
{
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(l->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(l->fd, (struct sockaddr *)&a, sizeof a) == 0);
    REQUIRE(listen(l->fd, 8) == 0);
    socklen_t sl = sizeof a;
    REQUIRE(getsockname(l->fd, (struct sockaddr *)&a, &sl) == 0);
    l->port = ntohs(a.sin_port);
}

static const char *db_with_alert(void)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/hook.db", eg_test_tmpdir());
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(path, &st, &e) == 0);
    json_t *ev = json_pack("{s:f}", "value", 25.0);
    struct eg_alert_new a = {.rule = EG_RULE_LIMIT_EXCEED,
                             .subject = "MN1|a34013",
                             .source = "MN1",
                             .pollutant = "a34013",
                             .severity = 3,
                             .title = "小时均值超许可排放限值：测试",
                             .evidence = ev,
                             .at = eg_time_now()};
    int64_t id;
    int opened;
    REQUIRE(eg_alerts_raise(st, &a, 1, &id, &opened, &e) == 0);
    CHECK(opened);
    json_decref(ev);
    eg_db_close(st);
    return path;
}

static int64_t q(const char *db, const char *sql)
{
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    int64_t v = 0;
    int found;
    REQUIRE(eg_db_query_int(st, sql, 0, NULL, &v, &found, &e) == 0);
    eg_db_close(st);
    return v;
}

TEST(rules_webhook_signed_retried_after_500_and_durable_across_restart)
{
    REQUIRE(sodium_init() >= 0);
    const char *db = db_with_alert();
    struct listener l = {.answers = {500, 200}};
    listen_on(&l);
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, serve, &l) == 0);
    struct eg_rules_config c;
    eg_rules_config_default(&c);
    snprintf(c.webhook_url, sizeof c.webhook_url, "http://127.0.0.1:%d/hooks/envgov", l.port);
    snprintf(c.webhook_secret, sizeof c.webhook_secret, "s3cret-key");
    c.webhook_backoff_ms = 10;
    struct eg_rules *r;
    struct eg_err e = {0};
    REQUIRE(eg_rules_new(db, &c, &r, &e) == 0);
    int sent, failed;
    REQUIRE(eg_rules_deliver(r, &sent, &failed, &e) == 0);
    CHECK_EQ_INT(sent, 0);
    CHECK_EQ_INT(failed, 1);
    eg_rules_free(r); /* "restart" */
    CHECK_EQ_INT(q(db, "SELECT attempts FROM alerts_outbox"), 1);
    CHECK_EQ_INT(q(db, "SELECT delivered_at IS NULL AND failed_at IS NULL FROM alerts_outbox"), 1);
    CHECK(q(db, "SELECT next_at - strftime('%s','now') FROM alerts_outbox") >= 0);
    sleep(2); /* the back-off (10 ms rounded up to the next second) */
    REQUIRE(eg_rules_new(db, &c, &r, &e) == 0);
    REQUIRE(eg_rules_deliver(r, &sent, &failed, &e) == 0);
    CHECK_EQ_INT(sent, 1);
    CHECK_EQ_INT(failed, 0);
    eg_rules_free(r);
    pthread_join(th, NULL);
    close(l.fd);
    CHECK_EQ_INT(l.served, 2);
    CHECK_EQ_INT(q(db, "SELECT delivered_at IS NOT NULL FROM alerts_outbox"), 1);
    /* the second request: path, event header, body and signature */
    const char *req = l.req[1];
    CHECK(!strncmp(req, "POST /hooks/envgov HTTP/1.1\r\n", 29));
    CHECK(strstr(req, "X-Envgov-Event: opened\r\n") != NULL);
    const char *body = strstr(req, "\r\n\r\n");
    REQUIRE(body);
    body += 4;
    json_t *j = json_loads(body, 0, NULL);
    REQUIRE(j);
    CHECK_STR(json_string_value(json_object_get(j, "event")), "opened");
    json_t *a = json_object_get(j, "alert");
    CHECK_STR(json_string_value(json_object_get(a, "rule")), "limit_exceed");
    CHECK_EQ_DBL(json_number_value(json_object_get(json_object_get(a, "evidence"), "value")), 25,
                 0);
    json_decref(j);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    unsigned char key[crypto_auth_hmacsha256_KEYBYTES] = {0};
    memcpy(key, "s3cret-key", 10); /* a key shorter than 32 bytes, zero-padded (RFC 2104) */
    crypto_auth_hmacsha256(mac, (const unsigned char *)body, strlen(body), key);
    char hex[65], want[128];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(want, sizeof want, "X-Envgov-Signature: sha256=%s\r\n", hex);
    CHECK(strstr(req, want) != NULL);
    char sig[80];
    eg_rules_sign("s3cret-key", body, strlen(body), sig, sizeof sig);
    CHECK(!strncmp(sig, "sha256=", 7) && !strcmp(sig + 7, hex));
}

TEST(rules_webhook_gives_up_after_max_attempts_without_blocking)
{
    const char *db = db_with_alert();
    /* a port nobody listens on: connection refused at once */
    int port = eg_test_free_port();
    struct eg_rules_config c;
    eg_rules_config_default(&c);
    snprintf(c.webhook_url, sizeof c.webhook_url, "http://127.0.0.1:%d/", port);
    c.webhook_backoff_ms = 10;
    c.webhook_max_attempts = 2;
    struct eg_rules *r;
    struct eg_err e = {0};
    REQUIRE(eg_rules_new(db, &c, &r, &e) == 0);
    int sent, failed;
    uint64_t t0 = eg_nanos();
    REQUIRE(eg_rules_deliver(r, &sent, &failed, &e) == 0);
    CHECK_EQ_INT(failed, 1);
    sleep(2);
    REQUIRE(eg_rules_deliver(r, &sent, &failed, &e) == 0);
    CHECK_EQ_INT(failed, 1);
    REQUIRE(eg_rules_deliver(r, &sent, &failed, &e) == 0);
    CHECK_EQ_INT(failed, 0); /* given up: not due any more */
    CHECK((eg_nanos() - t0) / 1000000000u < 10);
    eg_rules_free(r);
    CHECK_EQ_INT(q(db, "SELECT failed_at IS NOT NULL AND attempts = 2 FROM alerts_outbox"), 1);
    CHECK_EQ_INT(q(db, "SELECT last_error LIKE '%connect%' FROM alerts_outbox"), 1);
}
