/*
 * test_ingest_session.c: the session layer driven without socket or thread (the detached seam of
 * internal.h, also used by fuzz/ingest_session.c): regression tests for what the fuzzer found.
 */
#include "ingest/internal.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Feeds bytes to a detached connection the way the loop does after recv(). */
static void feed(struct eg_ingest *srv, struct eg__conn *c, const char *p, size_t n)
{
    size_t pos = 0;
    while (pos < n && !c->closing) {
        size_t avail = 0;
        char *space = eg_hj212_framer_space(&c->fr, &avail);
        if (!space || avail == 0) {
            if (!eg__ingest_input_stuck(srv, c))
                return;
            continue;
        }
        size_t k = n - pos < avail ? n - pos : avail;
        memcpy(space, p + pos, k);
        pos += k;
        if (!eg__ingest_input(srv, c, k))
            return;
    }
}

/* Answers every pending verification "ok" (devices set lenient when asked); returns how many. */
static int answer_all_lenient(struct eg_ingest *srv, int lenient)
{
    struct eg__auth_req *r = srv->aq_head;
    srv->aq_head = srv->aq_tail = NULL;
    srv->aq_len = 0;
    int n = 0;
    while (r) {
        struct eg__auth_req *next = r->next;
        r->status = 0;
        memset(&r->dev, 0, sizeof r->dev);
        r->dev.id = ++n;
        r->dev.edition = 2005;
        r->dev.lenient = lenient;
        eg__ingest_auth_done(srv, r);
        free(r);
        r = next;
    }
    return n;
}

static int answer_all(struct eg_ingest *srv)
{
    return answer_all_lenient(srv, 0);
}

/* Frames of several devices alternating on one connection while their (MN, PW) are verified
   (a concentrator forwarding several loggers, hj212.md: one MN per packet, not per connection).
   Found by fuzz/ingest_session: the connection was listed again on a device's wait list at every
   switch, each answer replayed it once per listing and the replays re-listed it on the devices
   still pending, so the work multiplied from one device to the next (24 s of loop time from
   5.7 kB of input). Now: listed once per device, 64 held frames stored once each, quickly. */
TEST(ingest_session_alternating_mns_while_verifying_is_linear)
{
    size_t len = 0;
    char *text = eg_test_read_file(
        eg_test_shared(
            "data/real/hj212_xiaoyao9184_hj-t212-parser/AllData_2016-08-24_05_first3000lines.h212"),
        &len);
    REQUIRE(text != NULL);
    /* 8 real 2005 uploads (CN 2011/2051/2061) of 8 different MNs */
    enum { NDEV = 8 };
    const char *line[NDEV];
    size_t llen[NDEV];
    char mns[NDEV][40];
    int found = 0;
    for (char *p = text; p && *p && found < NDEV;) {
        char *nl = memchr(p, '\n', len - (size_t)(p - text));
        size_t n = nl ? (size_t)(nl - p) + 1 : len - (size_t)(p - text);
        char *mn = memmem(p, n, "MN=", 3);
        char *cn = memmem(p, n, "CN=20", 5);
        if (mn && cn && n < 1000) {
            char m[40];
            size_t ml = strcspn(mn + 3, ";");
            snprintf(m, sizeof m, "%.*s", (int)(ml < 39 ? ml : 39), mn + 3);
            int dup = 0;
            for (int i = 0; i < found; i++)
                dup |= !strcmp(mns[i], m);
            if (!dup) {
                snprintf(mns[found], sizeof mns[found], "%s", m);
                line[found] = p;
                llen[found++] = n;
            }
        }
        p = nl ? nl + 1 : NULL;
    }
    REQUIRE(found == NDEV);

    struct eg_ingest_config cfg;
    eg_ingest_config_default(&cfg);
    cfg.max_conns = 4;
    struct eg_ingest *srv = eg__ingest_detached_new(&cfg);
    struct eg__conn *c = eg__ingest_detached_conn(srv, "10.0.0.1");
    REQUIRE(c != NULL);
    for (int round = 0; round < 8; round++)
        for (int i = 0; i < NDEV; i++)
            feed(srv, c, line[i], llen[i]);
    CHECK_EQ_INT(c->nheld, 64);
    for (int i = 0; i < NDEV; i++) {
        struct eg__dev *d = eg__ingest_dev_find(srv, mns[i], 0);
        REQUIRE(d != NULL);
        CHECK_EQ_INT(d->state, EG__AUTH_PENDING);
        CHECK_EQ_INT(d->nw, 1); /* listed once, not once per switch (was 8) */
    }
    uint64_t t0 = eg_nanos();
    int answered = 0;
    for (int k = 0; k < 20 && srv->aq_head; k++)
        answered += answer_all(srv);
    double ms = (double)(eg_nanos() - t0) / 1e6;
    CHECK_EQ_INT(answered, NDEV);
    CHECK_EQ_INT(c->nheld, 0);
    /* every held frame queued exactly once */
    int jobs = 0;
    for (struct eg__ing_job *j = srv->q_head; j; j = j->next)
        jobs += j->kind == EG__JOB_DATA;
    CHECK_EQ_INT(jobs, 64);
    CHECK(ms < 1000);
    eg__ingest_detached_free(srv);
    free(text);
}

/* A whole frame around seg: "##" length seg CRC CRLF (2017 §6.3.1). */
static size_t make_frame(char *out, size_t cap, const char *seg)
{
    size_t n = strlen(seg);
    int k = snprintf(out, cap, "##%04zu%s%04X\r\n", n, seg, eg_hj212_crc(seg, n));
    return k > 0 ? (size_t)k : 0;
}

/* 2005 responses carry the packet's QN inside CP ("CP=&&QN=…;CN=…&&", 2005 §6.6). A lenient
   device's QN with an '&' went into that data area as is: the server sent a frame no parser
   accepts (found by fuzz/ingest_session). Now the packet is stored but not answered; a packet
   with a proper QN is answered as before. */
TEST(ingest_session_qn_with_ampersand_is_not_echoed_2005_response)
{
    struct eg_ingest_config cfg;
    eg_ingest_config_default(&cfg);
    cfg.max_conns = 4;
    struct eg_ingest *srv = eg__ingest_detached_new(&cfg);
    struct eg__conn *c = eg__ingest_detached_conn(srv, "10.0.0.1");
    REQUIRE(c != NULL);
    char f[600];
    size_t n = make_frame(f, sizeof f,
                          "QN=202401011&0000012;ST=22;CN=2011;PW=123456;MN=LD130121000243;Flag=1;"
                          "CP=&&DataTime=20240101120000;a34004-Rtd=35.2,a34004-Flag=N&&");
    feed(srv, c, f, n);
    CHECK_EQ_INT(answer_all_lenient(srv, 1), 1);
    n = make_frame(f, sizeof f,
                   "QN=20240101120100000;ST=22;CN=2011;PW=123456;MN=LD130121000243;Flag=1;"
                   "CP=&&DataTime=20240101120100;a34004-Rtd=36.0,a34004-Flag=N&&");
    feed(srv, c, f, n);
    int jobs = 0, acks = 0;
    for (struct eg__ing_job *j = srv->q_head; j; j = j->next) {
        jobs += j->kind == EG__JOB_DATA;
        if (j->ack) {
            acks++;
            CHECK(memmem(j->ack, j->acklen, "QN=20240101120100000", 20) != NULL);
            struct eg_hj212_packet *p = malloc(sizeof *p);
            struct eg_err e;
            CHECK(eg_hj212_parse(j->ack, j->acklen, NULL, p, &e) == 0);
            free(p);
        }
    }
    CHECK_EQ_INT(jobs, 2); /* both stored */
    CHECK_EQ_INT(acks, 1); /* only the proper QN answered */
    CHECK_EQ_INT((int)c->out.len, 0);
    eg__ingest_detached_free(srv);
}
