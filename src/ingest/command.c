/*
 * command.c: reverse control (反控) — the platform sends a command to a connected device and
 * follows the answer flow of HJ 212-2017 §6.1 / App. C:
 *   request ('R'):   request (Flag=5) -> 9011 QnRtn -> [uploads with the request's QN, or data
 *                    packets for history requests] -> 9012 ExeRtn      (Tables C.1-C.3, C.20-C.23)
 *   start ('S'):     2011/2021 start real-time / status data -> 9011, then the device uploads
 *                    continuously; there is no 9012 (Tables C.10, C.12)
 *   notify ('N'):    2012/2022 stop -> 9013                              (Tables C.11, C.13)
 * 2005 devices put the QN inside CP of their answers; the codec exposes it as cp_qn.
 * Every step has cmd_timeout_ms (Table 1: 10 s over GPRS); each state change is written to
 * ingest_commands by the writer thread.
 */
#include "ingest/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD_RETRIES 3

const struct eg_ingest_cn_info eg_ingest_cn_table[] = {
    {1000, 'R', "set timeout and retries (OverTime, ReCount)"},
    {1011, 'R', "read the device clock (answer: 1011 SystemTime)"},
    {1012, 'R', "set the device clock (SystemTime)"},
    {1061, 'R', "read the real-time data interval (answer: 1061 RtdInterval)"},
    {1062, 'R', "set the real-time data interval (RtdInterval, 30..3600 s)"},
    {1063, 'R', "read the minute data interval (answer: 1063 MinInterval)"},
    {1064, 'R', "set the minute data interval (MinInterval)"},
    {1072, 'R', "set the device password (NewPW)"},
    {2011, 'S', "start real-time data"},
    {2012, 'N', "stop real-time data"},
    {2021, 'S', "start facility status data"},
    {2022, 'N', "stop facility status data"},
    {2031, 'R', "re-upload day data for BeginTime..EndTime"},
    {2041, 'R', "re-upload facility run-time day data for BeginTime..EndTime"},
    {2051, 'R', "re-upload minute data for BeginTime..EndTime"},
    {2061, 'R', "re-upload hour data for BeginTime..EndTime"},
    {3011, 'R', "zero / span calibration (PolId)"},
    {3012, 'R', "immediate sampling (PolId)"},
    {3013, 'R', "start cleaning / back-flush (PolId)"},
    {3014, 'R', "comparison sampling (PolId)"},
    {3015, 'R', "over-limit sample retention (answer: 3015 DataTime, VaseNo)"},
    {3016, 'R', "set the sampling period (PolId, CstartTime, Ctime)"},
    {3017, 'R', "read the sampling period (answer: 3017)"},
    {3018, 'R', "read the sample output time (answer: 3018 Stime)"},
    {3019, 'R', "read the instrument SN (answer: 3019 xxxxxx-SN)"},
    {3020, 'R', "read device information (answer: 3020 xxxxxx-Info)"},
    {3021, 'R', "set device parameters (PolId, InfoId, xxxxxx-Info)"},
    {0, 0, NULL},
};

int eg_ingest_command_known(int cn, char *kind_out)
{
    for (const struct eg_ingest_cn_info *i = eg_ingest_cn_table; i->cn; i++)
        if (i->cn == cn) {
            if (kind_out)
                *kind_out = i->kind;
            return 1;
        }
    return 0;
}

int eg_ingest_command(struct eg_ingest *srv, const char *mn, int cn, const char *cp, char *qn_out,
                      struct eg_err *err)
{
    if (!mn || !*mn || strlen(mn) >= EG__ING_MN_MAX)
        return eg_err_set(err, EG_EINVAL, "bad_mn", -1, "MN must be 1..%d characters",
                          EG__ING_MN_MAX - 1);
    if (!eg_ingest_command_known(cn, NULL))
        return eg_err_set(err, EG_EINVAL, "bad_cn", -1,
                          "CN %d is not a platform command this server sends (see the list in "
                          "`envgov device command --help`)",
                          cn);
    size_t n = cp ? strlen(cp) : 0;
    if (n > 900)
        return eg_err_set(err, EG_ETOOBIG, "cp_too_long", -1, "CP is limited to 900 bytes");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)cp[i];
        if (ch < 0x20 || ch == 0x7f || (ch == '&' && i + 1 < n && cp[i + 1] == '&'))
            return eg_err_set(err, EG_EINVAL, "bad_cp", (long)i,
                              "CP must be key=value items separated by ';' (no control "
                              "characters, no \"&&\")");
    }
    struct eg__cmd_req *r = eg_calloc(1, sizeof *r);
    snprintf(r->mn, sizeof r->mn, "%s", mn);
    r->cn = cn;
    r->cp = eg_strdup(cp ? cp : "");
    pthread_mutex_lock(&srv->mu);
    int64_t ms = eg_time_now() * 1000 + (int64_t)((eg_nanos() / 1000000) % 1000);
    if (ms <= srv->last_qn_ms)
        ms = srv->last_qn_ms + 1; /* QN identifies one interaction: unique per platform */
    srv->last_qn_ms = ms;
    r->qn_ms = ms;
    char qn[18];
    eg_hj212_qn_from_ms(ms, qn);
    snprintf(r->qn, sizeof r->qn, "%s", qn);
    if (srv->cq_tail)
        srv->cq_tail->next = r;
    else
        srv->cq_head = r;
    srv->cq_tail = r;
    pthread_mutex_unlock(&srv->mu);
    if (qn_out)
        snprintf(qn_out, 18, "%s", qn);
    eg__ingest_wake(srv);
    return 0;
}

static void history(struct eg_ingest *srv, int kind, const char *mn, const char *qn, int cn,
                    const char *status, const char *text, int qnrtn, int exertn)
{
    struct eg__ing_job *j = eg__ingest_job_new(kind, 0);
    snprintf(j->mn, sizeof j->mn, "%s", mn);
    snprintf(j->qn, sizeof j->qn, "%s", qn);
    snprintf(j->status, sizeof j->status, "%s", status);
    j->cn = cn;
    j->text = text ? eg_strdup(text) : NULL;
    j->qnrtn = qnrtn;
    j->exertn = exertn;
    j->recv_time = eg_time_now();
    eg__ingest_enqueue(srv, j);
}

static void cmd_finish(struct eg_ingest *srv, struct eg__cmd *c, const char *status, int qnrtn,
                       int exertn)
{
    struct eg__cmd **pp = &srv->cmds;
    while (*pp && *pp != c)
        pp = &(*pp)->next;
    if (*pp)
        *pp = c->next;
    eg_buf_append(&c->result, "", 1);
    history(srv, EG__JOB_CMD_UPDATE, c->mn, c->qn, c->cn, status,
            c->result.len > 1 ? c->result.data : NULL, qnrtn, exertn);
    if (c->cn == 1072 && c->newpw[0] && !strcmp(status, "ok")) {
        /* the device now signs with NewPW: the cache takes it at once (its next packet must
           not be refused), the registry gets its hash in the writer's next batch */
        struct eg__dev *d = eg__ingest_dev_find(srv, c->mn, 0);
        if (d) {
            snprintf(d->pw, sizeof d->pw, "%s", c->newpw);
            d->state = EG__AUTH_OK;
            d->verified_ns = eg_nanos();
            d->bad_pw[0] = 0;
            struct eg__ing_job *j = eg__ingest_job_new(EG__JOB_SET_PW, 0);
            snprintf(j->mn, sizeof j->mn, "%s", c->mn);
            j->device_id = d->dev.id;
            j->text = eg_strdup(c->newpw);
            eg__ingest_enqueue(srv, j);
        }
    }
    if (!strcmp(status, "ok"))
        atomic_fetch_add(&srv->st_cmd_ok, 1);
    else if (!strcmp(status, "timeout"))
        atomic_fetch_add(&srv->st_cmd_timeout, 1);
    else
        atomic_fetch_add(&srv->st_cmd_failed, 1);
    eg_buf_free(&c->result);
    free(c->frame);
    free(c);
}

/* Splits "k=v;k=v" (also ',' as 2005 App. C writes BeginTime=…,EndTime=…) into kv. */
static size_t split_cp(char *cp, struct eg_hj212_kv *kv, size_t cap)
{
    size_t n = 0;
    char *p = cp;
    while (*p && n < cap) {
        char *end = p + strcspn(p, ";,");
        char sep = *end;
        *end = 0;
        char *eq = strchr(p, '=');
        if (eq && eq != p) {
            *eq = 0;
            kv[n].key = p;
            kv[n].value = eq + 1;
            n++;
        }
        if (!sep)
            break;
        p = end + 1;
    }
    return n;
}

void eg__ingest_cmd_requests(struct eg_ingest *srv)
{
    pthread_mutex_lock(&srv->mu);
    struct eg__cmd_req *r = srv->cq_head;
    srv->cq_head = srv->cq_tail = NULL;
    pthread_mutex_unlock(&srv->mu);
    while (r) {
        struct eg__cmd_req *next = r->next;
        struct eg__dev *d = eg__ingest_dev_find(srv, r->mn, 0);
        struct eg__conn *c = d && d->state == EG__AUTH_OK && d->slot
                                 ? eg__ingest_conn_get(srv, d->slot, d->gen)
                                 : NULL;
        char kind = 'R';
        eg_ingest_command_known(r->cn, &kind);
        if (!c) {
            history(srv, EG__JOB_CMD_NEW, r->mn, r->qn, r->cn, "not_connected", r->cp, 0, 0);
            atomic_fetch_add(&srv->st_cmd_failed, 1);
        } else {
            char cpbuf[960];
            snprintf(cpbuf, sizeof cpbuf, "%s", r->cp);
            struct eg_hj212_kv kv[32];
            size_t nkv = split_cp(cpbuf, kv, EG_ARRAY_LEN(kv));
            struct eg_hj212_request rq = {
                .edition = d->dev.edition == 2005 ? 2005 : 2017,
                .qn_ms = r->qn_ms,
                .st = d->st[0] ? d->st : "32",
                .cn = r->cn,
                .pw = d->pw,
                .mn = d->mn,
                .ack = 1,
                .kv = kv,
                .nkv = nkv,
            };
            char frame[1200];
            size_t flen = 0;
            struct eg_err e;
            if (eg_hj212_build_request(frame, sizeof frame, &rq, &flen, &e) < 0) {
                history(srv, EG__JOB_CMD_NEW, r->mn, r->qn, r->cn, "failed", r->cp, 0, 0);
                eg__ingest_logf(srv, "command %d to %s not built: %s", r->cn, r->mn, e.msg);
            } else {
                history(srv, EG__JOB_CMD_NEW, r->mn, r->qn, r->cn, "sent", r->cp, 0, 0);
                struct eg__cmd *t = eg_calloc(1, sizeof *t);
                snprintf(t->mn, sizeof t->mn, "%s", r->mn);
                snprintf(t->qn, sizeof t->qn, "%s", r->qn);
                t->cn = r->cn;
                t->kind = kind;
                t->slot = c->slot;
                t->gen = c->gen;
                t->deadline_ns = eg_nanos() + (uint64_t)srv->cfg.cmd_timeout_ms * 1000000ull;
                if (r->cn == 1072) {
                    for (size_t k = 0; k < nkv; k++) {
                        size_t vl = strlen(kv[k].value);
                        int ok = !strcmp(kv[k].key, "NewPW") && vl > 0 && vl < sizeof t->newpw;
                        for (size_t x = 0; ok && x < vl; x++)
                            ok = (kv[k].value[x] >= '0' && kv[k].value[x] <= '9') ||
                                 (kv[k].value[x] >= 'a' && kv[k].value[x] <= 'z') ||
                                 (kv[k].value[x] >= 'A' && kv[k].value[x] <= 'Z');
                        if (ok)
                            snprintf(t->newpw, sizeof t->newpw, "%s", kv[k].value);
                    }
                }
                t->frame = eg_malloc(flen);
                memcpy(t->frame, frame, flen);
                t->framelen = flen;
                t->next = srv->cmds;
                srv->cmds = t;
                atomic_fetch_add(&srv->st_cmd_sent, 1);
                eg__ingest_send(srv, c, frame, flen);
            }
        }
        free(r->cp);
        free(r);
        r = next;
    }
}

static struct eg__cmd *cmd_find(struct eg_ingest *srv, const char *mn, struct eg_hj212_span qn)
{
    if (!qn.p || qn.n == 0)
        return NULL;
    for (struct eg__cmd *c = srv->cmds; c; c = c->next)
        if (strlen(c->qn) == qn.n && !memcmp(c->qn, qn.p, qn.n) && !strcmp(c->mn, mn))
            return c;
    return NULL;
}

static int item_int(const struct eg_hj212_packet *p, const char *key)
{
    const struct eg_hj212_item *it = eg_hj212_find_key(p, key);
    return it && it->has_num ? (int)it->num : 0;
}

int eg__ingest_cmd_on_packet(struct eg_ingest *srv, struct eg__conn *conn,
                             const struct eg_hj212_packet *p)
{
    char mn[EG__ING_MN_MAX];
    eg__ingest_span_copy(mn, sizeof mn, p->mn);
    if (p->st.p && p->st.n < sizeof conn->dev->st)
        eg__ingest_span_copy(conn->dev->st, sizeof conn->dev->st, p->st);
    int cn = p->cn_num;
    /* 2017 answers carry the QN in the header, 2005 answers inside CP */
    struct eg_hj212_span qn = p->cp_qn.p ? p->cp_qn : p->qn;
    struct eg__cmd *c = cmd_find(srv, mn, qn);
    if (!c && p->cp_qn.p)
        c = cmd_find(srv, mn, p->qn);
    if (cn == 9011 || cn == 9012 || cn == 9013 || cn == 9014) {
        if (!c) {
            if (cn != 9014)
                eg__ingest_logf(srv, "MN=%s: CN %d for no pending command", mn, cn);
            return 1;
        }
        uint64_t now = eg_nanos();
        if (cn == 9011) {
            int q = item_int(p, "QnRtn");
            if (q != 1) {
                cmd_finish(srv, c, "rejected", q, 0);
            } else if (c->kind == 'S') {
                cmd_finish(srv, c, "ok", q, 0);
            } else {
                c->step = 1;
                c->deadline_ns = now + (uint64_t)srv->cfg.cmd_timeout_ms * 1000000ull;
                history(srv, EG__JOB_CMD_UPDATE, c->mn, c->qn, c->cn, "acked", NULL, q, 0);
            }
        } else if (cn == 9012) {
            int x = item_int(p, "ExeRtn");
            cmd_finish(srv, c, x == 1 ? "ok" : "failed", 0, x);
        } else if (cn == 9013) {
            cmd_finish(srv, c, "ok", 0, 0);
        }
        return 1;
    }
    if (!c)
        return 0;
    /* an upload answering the request (same QN): 1011 SystemTime, 1061 RtdInterval, 3019 SN… */
    if (c->result.len)
        eg_buf_append(&c->result, ";", 1);
    if (c->result.len < 4096 && p->cp.p)
        eg_buf_append(&c->result, p->cp.p, p->cp.n);
    c->deadline_ns = eg_nanos() + (uint64_t)srv->cfg.cmd_timeout_ms * 1000000ull;
    /* data packets answering a re-upload request are stored like any other */
    return !(cn == 2011 || cn == 2021 || cn == 2031 || cn == 2041 || cn == 2051 || cn == 2061);
}

void eg__ingest_cmd_timers(struct eg_ingest *srv, uint64_t now)
{
    struct eg__cmd *c = srv->cmds;
    while (c) {
        struct eg__cmd *next = c->next;
        if (now > c->deadline_ns) {
            struct eg__conn *conn = eg__ingest_conn_get(srv, c->slot, c->gen);
            if (c->step == 0 && c->retries < CMD_RETRIES && conn) {
                /* no answer to the request: send it again with the same QN (2017 Table 1:
                   timeout, then up to 3 retries; the QN identifies the interaction) */
                c->retries++;
                c->deadline_ns = now + (uint64_t)srv->cfg.cmd_timeout_ms * 1000000ull;
                eg__ingest_send(srv, conn, c->frame, c->framelen);
            } else {
                cmd_finish(srv, c, "timeout", 0, 0);
            }
        }
        c = next;
    }
}

void eg__ingest_cmd_conn_gone(struct eg_ingest *srv, struct eg__conn *conn)
{
    struct eg__cmd *c = srv->cmds;
    while (c) {
        struct eg__cmd *next = c->next;
        if (c->slot == conn->slot && c->gen == conn->gen)
            cmd_finish(srv, c, "disconnected", 0, 0);
        c = next;
    }
}
