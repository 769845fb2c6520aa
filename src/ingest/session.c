/*
 * session.c: what happens to one frame a device sent (loop thread).
 *
 *   parse -> identify (MN, PW) through the in-memory auth cache -> dispatch by CN:
 *     - uploads (2011/2051/2061/2031/2041/2021/2081/3015, 2005's 2072): values copied into a
 *       writer job, with the 9014 prepared when the Flag's A bit asks for it (2017 Table 3,
 *       §6.1 / Table C.14; 2005 responses carry the QN inside CP, built by the codec);
 *     - subpackets (Flag D bit, PNUM/PNO, 2017 App. C Tables C.47-C.50): each part has its own
 *       QN, so parts are grouped by MN + CN + DataTime + PNUM, stored together when complete (or
 *       what arrived when the group times out), and each part gets its own 9014;
 *     - answers to platform commands (9011/9012/9013, or an upload echoing the command's QN):
 *       command.c;
 *     - 1013 time-calibration request: 9013, then the platform sets the clock (1012).
 *
 * Authentication never blocks the loop: an unverified (MN, PW) is sent to the auth thread and
 * the connection's frames wait (bounded) until the answer comes back; verified pairs are cached
 * (TTL), refused ones are refused from a negative cache without re-running Argon2id.
 */
#include "ingest/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUTH_TTL_NS (600ull * 1000000000ull) /* re-verify a cached pair after 10 min */
#define HELD_MAX_FRAMES 64
#define HELD_MAX_BYTES 65536
#define GROUP_MAX_PARTS 256 /* PNUM accepted (the 4-digit field allows 9999) */
#define GROUP_MAX_VALUES 8192
#define GROUPS_MAX 4096

static uint32_t str_hash(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

struct eg__dev *eg__ingest_dev_find(struct eg_ingest *srv, const char *mn, int create)
{
    struct eg__dev **pp = &srv->dev_tab[str_hash(mn) & (srv->dev_tab_size - 1)];
    for (struct eg__dev *d = *pp; d; d = d->next)
        if (!strcmp(d->mn, mn))
            return d;
    if (!create)
        return NULL;
    struct eg__dev *d = eg_calloc(1, sizeof *d);
    snprintf(d->mn, sizeof d->mn, "%s", mn);
    d->next = *pp;
    *pp = d;
    return d;
}

void eg__ingest_span_copy(char *dst, size_t cap, struct eg_hj212_span s)
{
    size_t n = s.p ? s.n : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = 0;
}

static int is_value_field(int f)
{
    switch (f) {
    case EG_HJ212_F_RTD:
    case EG_HJ212_F_MIN:
    case EG_HJ212_F_AVG:
    case EG_HJ212_F_MAX:
    case EG_HJ212_F_COU:
    case EG_HJ212_F_ZSRTD:
    case EG_HJ212_F_ZSMIN:
    case EG_HJ212_F_ZSAVG:
    case EG_HJ212_F_ZSMAX:
    case EG_HJ212_F_ZSCOU:
    case EG_HJ212_F_RS:
    case EG_HJ212_F_RT:
    case EG_HJ212_F_DATA:
    case EG_HJ212_F_DAYDATA:
    case EG_HJ212_F_NIGHTDATA:
    case EG_HJ212_F_ALA:
        return 1;
    default:
        return 0;
    }
}

static int is_data_cn(int cn)
{
    switch (cn) {
    case 2011:
    case 2051:
    case 2061:
    case 2031:
    case 2041:
    case 2021:
    case 2081:
    case 3015:
    case 2072:
    case 2071:
        return 1;
    default:
        return 0;
    }
}

/* Copies the numeric values of p into v (up to cap); returns the count. */
static int copy_values(const struct eg_hj212_packet *p, struct eg__ing_value *v, int cap)
{
    int n = 0;
    for (unsigned i = 0; i < p->nitems && n < cap; i++) {
        const struct eg_hj212_item *it = &p->items[i];
        if (!it->has_num || !is_value_field(it->field) || it->pollutant == EG_HJ212_NO_POLLUTANT)
            continue;
        const struct eg_hj212_pollutant *pol = &p->pollutants[it->pollutant];
        struct eg__ing_value *o = &v[n++];
        if (pol->code2017)
            snprintf(o->code, sizeof o->code, "%s", pol->code2017);
        else
            eg__ingest_span_copy(o->code, sizeof o->code, pol->code);
        snprintf(o->field, sizeof o->field, "%s", eg_hj212_field_name(it->field));
        o->v = it->num;
        o->flag = it->flag ? it->flag : (pol->flag ? pol->flag : 'N');
    }
    return n;
}

static int count_values(const struct eg_hj212_packet *p)
{
    int n = 0;
    for (unsigned i = 0; i < p->nitems; i++)
        n += p->items[i].has_num && is_value_field(p->items[i].field) &&
             p->items[i].pollutant != EG_HJ212_NO_POLLUTANT;
    return n;
}

static void conn_event(struct eg_ingest *srv, struct eg__conn *c, struct eg__dev *d, int up)
{
    struct eg__ing_job *j = eg__ingest_job_new(EG__JOB_CONN_EVENT, 0);
    snprintf(j->mn, sizeof j->mn, "%s", d->mn);
    j->device_id = d->dev.id;
    j->interval_s = d->dev.interval_s;
    j->connected = up;
    snprintf(j->addr, sizeof j->addr, "%s", c->addr);
    j->recv_time = eg_time_now();
    eg__ingest_enqueue(srv, j);
}

void eg__ingest_conn_gone(struct eg_ingest *srv, struct eg__conn *c)
{
    eg__ingest_cmd_conn_gone(srv, c);
    /* devices whose current connection this was */
    if (c->dev && c->dev->slot == c->slot && c->dev->gen == c->gen) {
        c->dev->slot = 0;
        conn_event(srv, c, c->dev, 0);
    }
}

/* ---- subpacket groups ---- */

static void group_emit(struct eg_ingest *srv, struct eg__subgroup *g)
{
    struct eg__ing_job *j = eg__ingest_job_new(EG__JOB_DATA, g->nvalues);
    snprintf(j->mn, sizeof j->mn, "%s", g->mn);
    j->device_id = g->device_id;
    j->interval_s = g->interval_s;
    j->cn = g->cn;
    j->data_time = g->data_time;
    j->recv_time = eg_time_now();
    j->slot = g->slot;
    j->gen = g->gen;
    if (g->nvalues)
        memcpy(j->values, g->values, (size_t)g->nvalues * sizeof *g->values);
    j->nvalues = g->nvalues;
    if (g->ack.len) {
        j->ack = g->ack.data;
        j->acklen = g->ack.len;
        g->ack.data = NULL;
    }
    atomic_fetch_add(&srv->st_packets, 1);
    atomic_fetch_add(&srv->st_values, (uint64_t)g->nvalues);
    eg__ingest_enqueue(srv, j);
}

static void group_free(struct eg__subgroup *g)
{
    free(g->have);
    free(g->values);
    eg_buf_free(&g->ack);
    free(g);
}

/* Writes every pending group as it is (drain on stop). */
void eg__ingest_flush_groups(struct eg_ingest *srv)
{
    while (srv->groups) {
        struct eg__subgroup *g = srv->groups;
        srv->groups = g->next;
        group_emit(srv, g);
        group_free(g);
    }
    srv->ngroups = 0;
}

static void subpacket(struct eg_ingest *srv, struct eg__conn *c, struct eg__dev *d,
                      const struct eg_hj212_packet *p, const char *ack, size_t acklen)
{
    if (p->pnum > GROUP_MAX_PARTS || p->pno < 1 || p->pno > p->pnum) {
        atomic_fetch_add(&srv->st_malformed, 1);
        eg__ingest_logf(srv, "%s: PNO %d of PNUM %d refused (at most %d parts)", d->mn, p->pno,
                        p->pnum, GROUP_MAX_PARTS);
        return;
    }
    struct eg__subgroup *g = srv->groups;
    for (; g; g = g->next)
        if (g->cn == p->cn_num && g->pnum == p->pnum && g->data_time == p->datatime &&
            !strcmp(g->mn, d->mn))
            break;
    if (!g) {
        if (srv->ngroups >= GROUPS_MAX) {
            eg__ingest_logf(srv, "%s: too many open subpacket groups, part dropped", d->mn);
            return;
        }
        g = eg_calloc(1, sizeof *g);
        snprintf(g->mn, sizeof g->mn, "%s", d->mn);
        g->cn = p->cn_num;
        g->pnum = p->pnum;
        g->data_time = p->datatime;
        g->have = eg_calloc((size_t)p->pnum + 1, 1);
        g->deadline_ns = eg_nanos() + (uint64_t)srv->cfg.subpacket_timeout_ms * 1000000ull;
        g->device_id = d->dev.id;
        g->interval_s = d->dev.interval_s;
        g->next = srv->groups;
        srv->groups = g;
        srv->ngroups++;
    }
    g->slot = c->slot; /* acknowledgements go to the connection of the last part */
    g->gen = c->gen;
    if (ack)
        eg_buf_append(&g->ack, ack, acklen);
    if (!g->have[p->pno]) {
        g->have[p->pno] = 1;
        g->got++;
        int nv = count_values(p);
        if (g->nvalues + nv > GROUP_MAX_VALUES)
            nv = GROUP_MAX_VALUES - g->nvalues;
        if (g->nvalues + nv > g->capvalues) {
            g->capvalues = g->nvalues + nv + 64;
            g->values = eg_realloc(g->values, (size_t)g->capvalues * sizeof *g->values);
        }
        g->nvalues += copy_values(p, g->values + g->nvalues, nv);
    }
    if (g->got == g->pnum) {
        struct eg__subgroup **pp = &srv->groups;
        while (*pp != g)
            pp = &(*pp)->next;
        *pp = g->next;
        srv->ngroups--;
        atomic_fetch_add(&srv->st_subgroups, 1);
        group_emit(srv, g);
        group_free(g);
    }
}

void eg__ingest_timers(struct eg_ingest *srv, uint64_t now)
{
    struct eg__subgroup **pp = &srv->groups;
    while (*pp) {
        struct eg__subgroup *g = *pp;
        if (now < g->deadline_ns) {
            pp = &g->next;
            continue;
        }
        /* Incomplete: every part is a valid packet on its own (C.47-C.50), so what arrived is
           stored and acknowledged; the missing parts will come with the device's retry. */
        *pp = g->next;
        srv->ngroups--;
        atomic_fetch_add(&srv->st_subtimeouts, 1);
        eg__ingest_logf(srv, "%s: CN %d subpackets %d of %d at timeout, stored as received", g->mn,
                        g->cn, g->got, g->pnum);
        group_emit(srv, g);
        group_free(g);
    }
    eg__ingest_cmd_timers(srv, now);
}

/* ---- authentication ---- */

static void hold_frame(struct eg_ingest *srv, struct eg__conn *c, struct eg__dev *d, const char *f,
                       size_t n)
{
    if (c->nheld >= HELD_MAX_FRAMES || c->held.len + n + 4 > HELD_MAX_BYTES)
        return; /* dropped, not acknowledged: the device sends it again */
    uint32_t len = (uint32_t)n;
    eg_buf_append(&c->held, &len, sizeof len);
    eg_buf_append(&c->held, f, n);
    c->nheld++;
    if (c->waiting == d)
        return;
    if (c->waiting && !c->waiting_multi) {
        c->waiting_multi = 1;
        if (srv->nmulti == srv->capmulti) {
            srv->capmulti = srv->capmulti ? srv->capmulti * 2 : 64;
            srv->multi_slot = eg_realloc(srv->multi_slot, (size_t)srv->capmulti * sizeof(uint32_t));
            srv->multi_gen = eg_realloc(srv->multi_gen, (size_t)srv->capmulti * sizeof(uint32_t));
        }
        srv->multi_slot[srv->nmulti] = c->slot;
        srv->multi_gen[srv->nmulti++] = c->gen;
    }
    c->waiting = d;
    /* once per device: frames alternating between MNs would otherwise list the connection again
       at every switch, and each answer replays it once per listing — a replay re-holds frames
       for the devices still pending, so the lists (and the replays) multiplied from one device
       to the next: seconds of loop time from one connection (found by fuzz/ingest_session) */
    for (int i = 0; i < d->nw; i++)
        if (d->wslot[i] == c->slot && d->wgen[i] == c->gen)
            return;
    if (d->nw == d->capw) {
        d->capw = d->capw ? d->capw * 2 : 4;
        d->wslot = eg_realloc(d->wslot, (size_t)d->capw * sizeof(uint32_t));
        d->wgen = eg_realloc(d->wgen, (size_t)d->capw * sizeof(uint32_t));
    }
    d->wslot[d->nw] = c->slot;
    d->wgen[d->nw++] = c->gen;
}

static void refuse(struct eg_ingest *srv, struct eg__conn *c, struct eg__dev *d, int unknown)
{
    if (unknown)
        atomic_fetch_add(&srv->st_auth_unknown, 1);
    else
        atomic_fetch_add(&srv->st_auth_badpw, 1);
    eg__ingest_logf(srv, "%s: packet refused: %s MN=%s", c->addr,
                    unknown ? "unknown device" : "wrong password for", d->mn);
    if (++c->auth_failures >= srv->cfg.auth_fail_close) {
        atomic_fetch_add(&srv->st_conns_closed_abuse, 1);
        eg__ingest_close(srv, c, "repeated authentication failures");
    }
}

/* Replays the frames a connection held while its pair was verified. */
static void replay_held(struct eg_ingest *srv, struct eg__conn *c)
{
    struct eg_buf held = c->held;
    int n = c->nheld;
    memset(&c->held, 0, sizeof c->held);
    c->nheld = 0;
    c->waiting = NULL;
    c->waiting_multi = 0;
    size_t off = 0;
    for (int i = 0; i < n && !c->closing; i++) {
        uint32_t len;
        memcpy(&len, held.data + off, sizeof len);
        off += sizeof len;
        eg__ingest_on_frame(srv, c, held.data + off, len);
        off += len;
    }
    eg_buf_free(&held);
}

void eg__ingest_auth_done(struct eg_ingest *srv, struct eg__auth_req *r)
{
    struct eg__dev *d = eg__ingest_dev_find(srv, r->mn, 1);
    uint64_t now = eg_nanos();
    if (r->status == 0) {
        d->state = EG__AUTH_OK;
        snprintf(d->pw, sizeof d->pw, "%s", r->pw);
        d->dev = r->dev;
        if (d->dev.interval_s <= 0)
            d->dev.interval_s = 60;
        d->verified_ns = now;
        d->unknown = 0;
        if (!strcmp(d->bad_pw, r->pw))
            d->bad_pw[0] = 0;
    } else {
        if (d->state == EG__AUTH_PENDING)
            d->state = d->pw[0] ? EG__AUTH_OK : EG__AUTH_NONE;
        if (r->status == EG_ENOTFOUND) {
            d->unknown = 1;
            d->state = EG__AUTH_NONE;
            d->pw[0] = 0;
            d->bad_until_ns = now + (uint64_t)srv->cfg.negative_cache_ms * 1000000ull;
        } else if (r->status == EG_EAUTH) {
            snprintf(d->bad_pw, sizeof d->bad_pw, "%s", r->pw);
            d->bad_until_ns = now + (uint64_t)srv->cfg.negative_cache_ms * 1000000ull;
        } else {
            eg__ingest_logf(srv, "MN=%s: could not verify the device (database error)", r->mn);
        }
    }
    d->pending_pw[0] = 0;
    /* connections with frames held for this device (or for several): replay them, they now
       hit the cache, positive or negative. The lists are taken first: a replay may hold again. */
    uint32_t *ws = d->wslot, *wg = d->wgen, *ms = srv->multi_slot, *mg = srv->multi_gen;
    int nw = d->nw, nm = srv->nmulti;
    d->wslot = d->wgen = NULL;
    d->nw = d->capw = 0;
    srv->multi_slot = srv->multi_gen = NULL;
    srv->nmulti = srv->capmulti = 0;
    int checked = r->status == 0 || r->status == EG_ENOTFOUND || r->status == EG_EAUTH;
    for (int i = 0; i < nw + nm; i++) {
        struct eg__conn *c = i < nw ? eg__ingest_conn_get(srv, ws[i], wg[i])
                                    : eg__ingest_conn_get(srv, ms[i - nw], mg[i - nw]);
        if (!c || !c->nheld)
            continue;
        if (checked) {
            replay_held(srv, c);
        } else {
            /* could not check (database): drop, unacknowledged, rather than retry in a loop;
               the device resends (Table 1) */
            c->held.len = 0;
            c->nheld = 0;
            c->waiting = NULL;
            c->waiting_multi = 0;
        }
    }
    free(ws);
    free(wg);
    free(ms);
    free(mg);
}

/* 1: authorised; 0: refused or waiting (frame held). */
static int authorise(struct eg_ingest *srv, struct eg__conn *c, struct eg__dev *d, const char *pw,
                     const char *frame, size_t n)
{
    uint64_t now = eg_nanos();
    if (d->state == EG__AUTH_OK && !strcmp(pw, d->pw) && now - d->verified_ns < AUTH_TTL_NS)
        return 1;
    if (d->unknown && now < d->bad_until_ns) {
        refuse(srv, c, d, 1);
        return 0;
    }
    if (d->bad_pw[0] && !strcmp(pw, d->bad_pw) && now < d->bad_until_ns) {
        refuse(srv, c, d, 0);
        return 0;
    }
    if (d->state == EG__AUTH_PENDING && !strcmp(d->pending_pw, pw)) {
        hold_frame(srv, c, d, frame, n);
        return 0;
    }
    if (d->state == EG__AUTH_PENDING) {
        /* another password is being checked for this MN: one verification at a time */
        hold_frame(srv, c, d, frame, n);
        return 0;
    }
    if (eg__ingest_auth_submit(srv, d->mn, pw) < 0) {
        eg__ingest_logf(srv, "auth queue full, packet from MN=%s dropped", d->mn);
        return 0;
    }
    d->state = EG__AUTH_PENDING;
    snprintf(d->pending_pw, sizeof d->pending_pw, "%s", pw);
    hold_frame(srv, c, d, frame, n);
    return 0;
}

/* ---- dispatch ---- */

/* Whether the packet's QN may be echoed in a response. 2017 §6.3.2: QN is YYYYMMDDhhmmsszzz;
   a lenient device may send something else, and a response echoes it — in the 2005 form inside
   CP ("CP=&&QN=…&&"), where an '&' (or ';', '=') would end or split the data area (found by
   fuzz/ingest_session). Such a packet is handled without a response. */
static int qn_echoable(struct eg_ingest *srv, const struct eg_hj212_packet *p, const char *mn)
{
    if (!p->qn.p)
        return 1;
    for (size_t i = 0; i < p->qn.n; i++) {
        char ch = p->qn.p[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'))) {
            eg__ingest_logf(srv, "MN=%s: QN '%.*s' cannot be echoed; no response sent", mn,
                            (int)(p->qn.n < 40 ? p->qn.n : 40), p->qn.p);
            return 0;
        }
    }
    return 1;
}

static void send_now(struct eg_ingest *srv, struct eg__conn *c, const char *b, size_t n)
{
    if (eg__ingest_send(srv, c, b, n) == 0)
        atomic_fetch_add(&srv->st_acks_sent, 1);
}

static int parse_for(struct eg_ingest *srv, const char *f, size_t n, int lenient, struct eg_err *e)
{
    struct eg_hj212_options o;
    eg_hj212_options_default(&o);
    o.lenient = lenient;
    o.crc = EG_HJ212_CRC_MODBUS_SWAPPED; /* checked against the device's setting below */
    o.max_segment = (size_t)srv->cfg.max_packet - EG_HJ212_FRAME_OVERHEAD;
    return eg_hj212_parse(f, n, &o, srv->pkt, e);
}

void eg__ingest_on_frame(struct eg_ingest *srv, struct eg__conn *c, const char *f, size_t n)
{
    struct eg_err e;
    struct eg_hj212_packet *p = srv->pkt;
    int strict_ok = 1;
    if (parse_for(srv, f, n, 0, &e) < 0) {
        strict_ok = 0;
        if (parse_for(srv, f, n, 1, &e) < 0) {
            atomic_fetch_add(&srv->st_malformed, 1);
            if (++c->garbage >= srv->cfg.garbage_close) {
                atomic_fetch_add(&srv->st_conns_closed_abuse, 1);
                eg__ingest_logf(srv, "%s: %d malformed packets (last: %s), closing", c->addr,
                                c->garbage, e.code);
                eg__ingest_close(srv, c, "malformed packets");
            }
            return;
        }
    }
    char mn[EG__ING_MN_MAX], pw[EG__ING_PW_MAX];
    if (!p->mn.p || p->mn.n == 0 || p->mn.n >= sizeof mn || !p->pw.p || p->pw.n >= sizeof pw) {
        atomic_fetch_add(&srv->st_malformed, 1);
        eg__ingest_logf(srv, "%s: packet without a usable MN/PW refused", c->addr);
        if (++c->auth_failures >= srv->cfg.auth_fail_close)
            eg__ingest_close(srv, c, "packets without MN");
        return;
    }
    eg__ingest_span_copy(mn, sizeof mn, p->mn);
    eg__ingest_span_copy(pw, sizeof pw, p->pw);
    struct eg__dev *d = eg__ingest_dev_find(srv, mn, 1);
    if (!authorise(srv, c, d, pw, f, n))
        return;
    /* the device's own settings: lenient parsing and the CRC variant */
    if (p->crc_variant == EG_HJ212_CRC_MODBUS_SWAPPED && !d->dev.crc_modbus_swapped) {
        atomic_fetch_add(&srv->st_malformed, 1);
        eg__ingest_logf(srv,
                        "MN=%s: CRC matches only the byte-swapped Modbus variant, which "
                        "this device is not set to use; packet refused",
                        mn);
        c->garbage++;
        return;
    }
    if (!strict_ok && !d->dev.lenient) {
        parse_for(srv, f, n, 0, &e); /* for the message */
        atomic_fetch_add(&srv->st_malformed, 1);
        eg__ingest_logf(srv, "MN=%s: packet refused (%s: %s); the device is not set lenient", mn,
                        e.code, e.msg);
        c->garbage++;
        return;
    }
    if (!strict_ok)
        parse_for(srv, f, n, 1, &e); /* p was overwritten by the strict attempt above */
    c->last_packet_ns = eg_nanos();
    c->bytes_since_good = 0;
    c->garbage = 0;
    c->auth_failures = 0;
    if (d->slot != c->slot || d->gen != c->gen) {
        d->slot = c->slot;
        d->gen = c->gen;
        conn_event(srv, c, d, 1);
    }
    c->dev = d;

    if (eg__ingest_cmd_on_packet(srv, c, p))
        return;

    char ack[512];
    size_t acklen = 0;
    int cn = p->cn_num;
    if (cn == 1013) {
        /* 2017 Table 9: time calibration request (notification) -> 9013, then set the clock */
        if (qn_echoable(srv, p, mn) &&
            eg_hj212_build_notify_ack(ack, sizeof ack, p, &acklen, NULL) == 0)
            send_now(srv, c, ack, acklen);
        char qn[24];
        char cp[40];
        char t[15];
        eg_hj212_time_format(eg_time_now(), t);
        t[14] = 0;
        snprintf(cp, sizeof cp, "SystemTime=%s", t);
        eg_ingest_command(srv, mn, 1012, cp, qn, NULL);
        return;
    }
    if (!is_data_cn(cn)) {
        /* heartbeats (8013, field practice) and other notices: acknowledge when asked */
        if (eg_hj212_flag_ack(p) && qn_echoable(srv, p, mn) &&
            eg_hj212_build_data_ack(ack, sizeof ack, p, &acklen, NULL) == 0)
            send_now(srv, c, ack, acklen);
        return;
    }
    if (eg_hj212_flag_ack(p) && (!qn_echoable(srv, p, mn) ||
                                 eg_hj212_build_data_ack(ack, sizeof ack, p, &acklen, NULL) < 0))
        acklen = 0;
    if (eg_hj212_flag_subpacket(p) && p->pnum > 1) {
        subpacket(srv, c, d, p, acklen ? ack : NULL, acklen);
        return;
    }
    int nv = count_values(p);
    struct eg__ing_job *j = eg__ingest_job_new(EG__JOB_DATA, nv);
    snprintf(j->mn, sizeof j->mn, "%s", mn);
    j->device_id = d->dev.id;
    j->interval_s = d->dev.interval_s;
    j->cn = cn;
    j->data_time = p->has_datatime ? p->datatime : 0;
    j->recv_time = eg_time_now();
    j->nvalues = copy_values(p, j->values, nv);
    j->slot = c->slot;
    j->gen = c->gen;
    if (acklen) {
        j->ack = eg_malloc(acklen);
        memcpy(j->ack, ack, acklen);
        j->acklen = acklen;
    }
    atomic_fetch_add(&srv->st_packets, 1);
    atomic_fetch_add(&srv->st_values, (uint64_t)j->nvalues);
    eg__ingest_enqueue(srv, j);
}
