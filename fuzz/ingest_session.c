/*
 * fuzz/ingest_session.c: libFuzzer target for the ingestion server's session layer — what the
 * loop does with the bytes of a connection: framing, the auth state machine (held frames, the
 * positive and negative caches, replays), subpacket reassembly (2017 App. C Tables C.47-C.50),
 * answers to platform commands (9011/9012/9013), heartbeats, 1013, and what is queued for the
 * writer and answered. It drives a detached server (internal.h: no socket, no epoll, no thread,
 * no SQLite): the same code as the server, with an in-memory auth answer and a capture of the
 * bytes sent.
 *
 * Input: lines. A line starting with '~' is an action, any other line (with its '\n') is bytes
 * the current connection sent, fed in chunks whose sizes come from the input:
 *   ~a[o|n|p|e]  answer the pending verifications: default by password ("123456" ok, MN starting
 *                with 'X' unknown, other passwords wrong); o ok, n unknown, p wrong, e db error
 *   ~w           the writer commits: queued jobs are taken and their 9014s sent
 *   ~cCN[;K]     the platform sends command CN (CP the K-th of a fixed list: an operator's CP is
 *                the API's to check) to the current connection's device; QNs are
 *                20300101000000001, …002, … so that seeds can answer them (9011/9012/uploads)
 *   ~tN          timers run N seconds ahead (subpacket and command timeouts)
 *   ~n / ~sK / ~x  new connection / switch to connection K / close the current one
 * Invariants checked (abort on failure): every byte the server sends is a sequence of frames
 * that pass the strict parser (the lenient one for a device set lenient: commands echo its ST);
 * queued data jobs carry an MN and a sane value count; the open connection count matches the table.
 * Seed corpus: fuzz/corpus/ingest_session/.
 */
#include "ingest/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXCONN 4

static struct eg_hj212_packet out_pkt;

/* Everything the server wrote to c must be whole, strictly valid frames. */
/* A frame to a device set lenient may echo what that device sent (its ST, in commands): it
   must parse leniently. */
static int lenient_ok(struct eg_ingest *srv, const char *f, size_t n)
{
    struct eg_hj212_options o;
    eg_hj212_options_default(&o);
    o.lenient = 1;
    struct eg_err e;
    if (eg_hj212_parse(f, n, &o, &out_pkt, &e) < 0 || !out_pkt.mn.p ||
        out_pkt.mn.n >= EG__ING_MN_MAX)
        return 0;
    char mn[EG__ING_MN_MAX];
    eg__ingest_span_copy(mn, sizeof mn, out_pkt.mn);
    struct eg__dev *d = eg__ingest_dev_find(srv, mn, 0);
    return d && d->dev.lenient;
}

static void check_output(struct eg_ingest *srv, struct eg__conn *c)
{
    if (c->out.len < c->out_off)
        abort();
    struct eg_hj212_framer f;
    if (eg_hj212_framer_init(&f, EG_HJ212_MAX_SEGMENT + EG_HJ212_FRAME_OVERHEAD) < 0)
        abort();
    size_t pos = c->out_off, n = c->out.len;
    while (pos < n) {
        pos += eg_hj212_framer_feed(&f, c->out.data + pos, n - pos);
        struct eg_hj212_frame fr;
        struct eg_err e;
        int r;
        while ((r = eg_hj212_framer_next(&f, &fr, &e)) != 0) {
            if (r < 0)
                abort();
            if (eg_hj212_parse(fr.data, fr.len, NULL, &out_pkt, &e) < 0 &&
                !lenient_ok(srv, fr.data, fr.len)) {
                fprintf(stderr, "server sent an invalid frame (%s: %s): %.*s\n", e.code, e.msg,
                        (int)fr.len, fr.data);
                abort();
            }
        }
    }
    if (f.len != 0) /* a partial frame left over */
        abort();
    eg_hj212_framer_free(&f);
    c->out.len = 0;
    c->out_off = 0;
}

static void check_all(struct eg_ingest *srv)
{
    eg__ingest_reap(srv);
    uint64_t open = 0;
    for (uint32_t s = 1; s < srv->nslots; s++)
        if (srv->conns[s]) {
            open++;
            check_output(srv, srv->conns[s]);
        }
    if (open != atomic_load(&srv->st_conns_open))
        abort();
    for (struct eg__ing_job *j = srv->q_head; j; j = j->next)
        if (j->kind == EG__JOB_DATA && (!j->mn[0] || j->nvalues < 0 || j->nvalues > 8192))
            abort();
}

static void answer_auth(struct eg_ingest *srv, char how)
{
    struct eg__auth_req *r = srv->aq_head;
    srv->aq_head = srv->aq_tail = NULL;
    srv->aq_len = 0;
    while (r) {
        struct eg__auth_req *next = r->next;
        memset(&r->dev, 0, sizeof r->dev);
        switch (how) {
        case 'o':
            r->status = 0;
            break;
        case 'n':
            r->status = EG_ENOTFOUND;
            break;
        case 'p':
            r->status = EG_EAUTH;
            break;
        case 'e':
            r->status = EG_EIO;
            break;
        default:
            r->status = r->mn[0] == 'X' ? EG_ENOTFOUND : strcmp(r->pw, "123456") ? EG_EAUTH : 0;
        }
        if (r->status == 0) {
            size_t l = strlen(r->mn);
            r->dev.id = (int64_t)l + 1;
            r->dev.edition = l == 14 ? 2005 : 2017;
            r->dev.lenient = l && (r->mn[l - 1] & 1);
            r->dev.crc_modbus_swapped = l && (r->mn[l - 1] & 2);
            r->dev.interval_s = 60;
        }
        eg__ingest_auth_done(srv, r);
        free(r);
        r = next;
    }
}

/* The writer's part after a durable commit: each job's 9014s go to its connection. */
static void commit(struct eg_ingest *srv)
{
    struct eg__ing_job *j = srv->q_head;
    srv->q_head = srv->q_tail = NULL;
    atomic_store(&srv->q_len, 0);
    while (j) {
        struct eg__ing_job *next = j->next;
        struct eg__conn *c = eg__ingest_conn_get(srv, j->slot, j->gen);
        if (c && j->ack && eg__ingest_send(srv, c, j->ack, j->acklen) == 0)
            atomic_fetch_add(&srv->st_acks_sent, 1);
        eg__ingest_job_free(j);
        j = next;
    }
}

static void feed(struct eg_ingest *srv, struct eg__conn *c, const uint8_t *p, size_t n, uint32_t *x)
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
        *x = *x * 1103515245u + 12345u;
        size_t chunk = 1 + (*x >> 16) % 512;
        if (chunk > avail)
            chunk = avail;
        if (chunk > n - pos)
            chunk = n - pos;
        memcpy(space, p + pos, chunk);
        pos += chunk;
        if (!eg__ingest_input(srv, c, chunk))
            return;
    }
}

static int num(const uint8_t *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n && i < 6 && p[i] >= '0' && p[i] <= '9'; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        eg_log_set_level(EG_LOG_ERROR);
        quiet = 1;
    }
    struct eg_ingest_config cfg;
    eg_ingest_config_default(&cfg);
    cfg.max_conns = MAXCONN;
    cfg.max_packet = 4096;
    struct eg_ingest *srv = eg__ingest_detached_new(&cfg);
    /* commands get QN 20300101000000001, 002, … (a QN is "after the last one"): seeds can answer */
    struct eg_civil qn0 = {.year = 2030, .month = 1, .day = 1};
    srv->last_qn_ms = eg_time_from_beijing(&qn0) * 1000;
    struct eg__conn *conns[MAXCONN] = {0};
    uint32_t slot[MAXCONN] = {0}, gen[MAXCONN] = {0};
    int cur = 0;
    conns[0] = eg__ingest_detached_conn(srv, "10.0.0.1");
    slot[0] = conns[0]->slot;
    gen[0] = conns[0]->gen;
    uint32_t x = (uint32_t)size * 2654435761u;
    size_t pos = 0;
    while (pos < size) {
        const uint8_t *line = data + pos;
        const uint8_t *nl = memchr(line, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - line) + 1 : size - pos;
        pos += len;
        struct eg__conn *c = eg__ingest_conn_get(srv, slot[cur], gen[cur]);
        if (len >= 2 && line[0] == '~') {
            size_t al = len - 2 - (nl != NULL); /* argument after "~X", without '\n' */
            const uint8_t *arg = line + 2;
            switch (line[1]) {
            case 'a':
                answer_auth(srv, al ? (char)arg[0] : 0);
                break;
            case 'w':
                commit(srv);
                break;
            case 't':
                eg__ingest_timers(srv, eg_nanos() + (uint64_t)num(arg, al) * UINT64_C(1000000000));
                break;
            case 'c': {
                if (!c || !c->dev)
                    break;
                /* the CP comes from a fixed list: an operator's CP is the API's to check,
                   what is fuzzed here is the device's side */
                static const char *cps[] = {"",
                                            "SystemTime=20240101120000",
                                            "NewPW=654321",
                                            "RtdInterval=30",
                                            "PolId=a34004",
                                            "BeginTime=20240101000000;EndTime=20240101120000"};
                const uint8_t *semi = memchr(arg, ';', al);
                const char *cp = cps[semi && semi + 1 < arg + al ? semi[1] % 6 : 0];
                char qn[24];
                if (eg_ingest_command(srv, c->dev->mn, num(arg, al), cp, qn, NULL) == 0)
                    eg__ingest_cmd_requests(srv);
                break;
            }
            case 'n':
                for (int k = 0; k < MAXCONN; k++)
                    if (!eg__ingest_conn_get(srv, slot[k], gen[k])) {
                        eg__ingest_reap(srv);
                        struct eg__conn *nc = eg__ingest_detached_conn(srv, "10.0.0.2");
                        if (nc) {
                            conns[k] = nc;
                            slot[k] = nc->slot;
                            gen[k] = nc->gen;
                            cur = k;
                        }
                        break;
                    }
                break;
            case 's':
                cur = al ? arg[0] % MAXCONN : 0;
                break;
            case 'x':
                if (c)
                    eg__ingest_close(srv, c, NULL);
                break;
            default:
                break;
            }
        } else if (c) {
            feed(srv, c, line, len, &x);
        }
        check_all(srv);
    }
    /* the end of the session: verifications answered, everything committed, timers expired */
    answer_auth(srv, 0);
    eg__ingest_timers(srv, eg_nanos() + 3600ull * 1000000000ull);
    commit(srv);
    check_all(srv);
    if (getenv("EG_FUZZ_VERBOSE")) /* to see what a seed reaches */
        fprintf(stderr,
                "packets %llu acks %llu malformed %llu unknown %llu badpw %llu subgroups "
                "%llu subtimeouts %llu cmd sent %llu ok %llu failed %llu timeout %llu\n",
                (unsigned long long)srv->st_packets, (unsigned long long)srv->st_acks_sent,
                (unsigned long long)srv->st_malformed, (unsigned long long)srv->st_auth_unknown,
                (unsigned long long)srv->st_auth_badpw, (unsigned long long)srv->st_subgroups,
                (unsigned long long)srv->st_subtimeouts, (unsigned long long)srv->st_cmd_sent,
                (unsigned long long)srv->st_cmd_ok, (unsigned long long)srv->st_cmd_failed,
                (unsigned long long)srv->st_cmd_timeout);
    eg__ingest_detached_free(srv);
    return 0;
}
