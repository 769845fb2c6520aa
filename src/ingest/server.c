/*
 * server.c: the listener and the epoll event loop of the HJ 212 ingestion server.
 *
 * One thread owns every connection. Sockets are non-blocking and edge triggered; a readable
 * connection goes on a ready list and gets at most one read of READ_CHUNK bytes per turn, so a
 * flooding sender cannot starve the others (round robin). Reading stops while the writer queue
 * is full (backpressure on TCP instead of unbounded memory). Limits: total connections,
 * connections per remote address, bytes per frame (the framer's one buffer), unsent bytes per
 * connection, idle time, time to complete a started packet (slowloris), time to authenticate,
 * and malformed frames / garbage bytes per connection. Timers are a once-a-second scan.
 */
#include "ingest/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CHUNK 16384
#define ACCEPTS_PER_TURN 256
#define LISTEN_TAG 0xFFFFFFFFu
#define WAKE_TAG 0xFFFFFFFEu

void eg_ingest_config_default(struct eg_ingest_config *c)
{
    memset(c, 0, sizeof *c);
    c->addr = "0.0.0.0";
    c->max_conns = 20000;
    c->max_conns_per_addr = 2000;
    c->max_packet = EG_HJ212_DEFAULT_MAX_SEGMENT + EG_HJ212_FRAME_OVERHEAD;
    c->max_outbuf = 65536;
    c->idle_timeout_ms = 600000;
    c->packet_timeout_ms = 30000;
    c->auth_timeout_ms = 60000;
    c->auth_fail_close = 3;
    c->garbage_close = 20;
    c->queue_cap = 8192;
    c->batch_max = 4096;
    c->subpacket_timeout_ms = 60000;
    c->cmd_timeout_ms = 10000;
    c->negative_cache_ms = 60000;
    c->store_samples = 1;
    c->landing = 1;
    c->fold_max = 4000;
    c->fold_interval_ms = 10000;
}

int eg_ingest_port(const struct eg_ingest *srv)
{
    return srv->port;
}

void eg__ingest_wake(struct eg_ingest *srv)
{
    if (srv->wakefd < 0)
        return; /* detached (fuzzing): nobody to wake */
    uint64_t one = 1;
    ssize_t r = write(srv->wakefd, &one, sizeof one);
    (void)r; /* EAGAIN: the counter is already non-zero, the loop will wake */
}

/* Logs at most 20 lines per 10 s (refused devices may retry many times a second). */
void eg__ingest_logf(struct eg_ingest *srv, const char *fmt, ...)
{
    uint64_t now = eg_nanos();
    if (now - srv->log_window_ns > 10000000000ull) {
        if (srv->log_count > 20)
            eg_log(EG_LOG_WARN, "ingest: %d more messages suppressed", srv->log_count - 20);
        srv->log_window_ns = now;
        srv->log_count = 0;
    }
    if (++srv->log_count > 20)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    eg_log(EG_LOG_WARN, "ingest: %s", line);
}

/* ---- per-address counts ---- */

static uint32_t key_hash(const unsigned char k[16])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

static struct eg__addr_count **addr_slot(struct eg_ingest *srv, const unsigned char k[16])
{
    struct eg__addr_count **pp = &srv->addr_tab[key_hash(k) & (srv->addr_tab_size - 1)];
    while (*pp && memcmp((*pp)->key, k, 16))
        pp = &(*pp)->next;
    return pp;
}

static void addr_release(struct eg_ingest *srv, const unsigned char k[16])
{
    struct eg__addr_count **pp = addr_slot(srv, k);
    if (*pp && --(*pp)->n <= 0) {
        struct eg__addr_count *a = *pp;
        *pp = a->next;
        free(a);
    }
}

/* ---- connections ---- */

struct eg__conn *eg__ingest_conn_get(struct eg_ingest *srv, uint32_t slot, uint32_t gen)
{
    if (slot == 0 || slot >= srv->nslots)
        return NULL;
    struct eg__conn *c = srv->conns[slot];
    return c && c->gen == gen && !c->closing ? c : NULL;
}

static void ready_push(struct eg_ingest *srv, struct eg__conn *c)
{
    if (c->in_ready)
        return;
    c->in_ready = 1;
    c->ready_next = NULL;
    if (srv->ready_tail)
        srv->ready_tail->ready_next = c;
    else
        srv->ready_head = c;
    srv->ready_tail = c;
}

static void conn_free(struct eg_ingest *srv, struct eg__conn *c)
{
    eg__ingest_conn_gone(srv, c);
    addr_release(srv, c->addr_key);
    if (c->fd >= 0)
        close(c->fd);
    eg_hj212_framer_free(&c->fr);
    eg_buf_free(&c->out);
    eg_buf_free(&c->held);
    srv->conns[c->slot] = NULL;
    srv->free_slots[srv->nfree++] = c->slot;
    atomic_fetch_sub(&srv->st_conns_open, 1);
    free(c);
}

/* Marks closing; the memory is released at the end of the loop turn (the ready list and the
   caller may still hold the pointer). */
void eg__ingest_close(struct eg_ingest *srv, struct eg__conn *c, const char *why)
{
    if (c->closing)
        return;
    c->closing = 1;
    if (why)
        eg_log(EG_LOG_DEBUG, "ingest: closing %s (%s): %s", c->addr, c->dev ? c->dev->mn : "-",
               why);
    if (c->fd >= 0)
        epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    c->close_next = srv->close_head; /* freed by reap() once off the ready list */
    srv->close_head = c;
}

void eg__ingest_reap(struct eg_ingest *srv)
{
    struct eg__conn **pp = &srv->close_head;
    while (*pp) {
        struct eg__conn *c = *pp;
        if (c->in_ready) {
            pp = &c->close_next;
            continue;
        }
        *pp = c->close_next;
        conn_free(srv, c);
    }
}

static int flush_out(struct eg_ingest *srv, struct eg__conn *c)
{
    if (c->fd < 0)
        return 0; /* detached connection (fuzzing): c->out is the capture of what was sent */
    while (c->out_off < c->out.len) {
        ssize_t w = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (w > 0) {
            c->out_off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        eg__ingest_close(srv, c, "send failed");
        return -1;
    }
    if (c->out_off == c->out.len) {
        c->out.len = 0;
        c->out_off = 0;
    } else if (c->out_off > 4096 && c->out_off * 2 > c->out.len) {
        memmove(c->out.data, c->out.data + c->out_off, c->out.len - c->out_off);
        c->out.len -= c->out_off;
        c->out_off = 0;
    }
    return 0;
}

int eg__ingest_send(struct eg_ingest *srv, struct eg__conn *c, const char *p, size_t n)
{
    if (c->closing)
        return -1;
    if (c->out.len - c->out_off + n > (size_t)srv->cfg.max_outbuf) {
        /* The peer does not read its acknowledgements: it cannot be served. */
        atomic_fetch_add(&srv->st_conns_closed_abuse, 1);
        eg__ingest_close(srv, c, "output buffer limit");
        return -1;
    }
    eg_buf_append(&c->out, p, n);
    return flush_out(srv, c);
}

static void accept_some(struct eg_ingest *srv)
{
    for (int i = 0; i < ACCEPTS_PER_TURN; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(srv->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE)
                eg__ingest_logf(srv, "accept: out of file descriptors");
            return;
        }
        unsigned char key[16] = {0};
        char addr[48] = "?";
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            key[10] = key[11] = 0xff;
            memcpy(key + 12, &a->sin_addr, 4);
            inet_ntop(AF_INET, &a->sin_addr, addr, sizeof addr);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            memcpy(key, &a->sin6_addr, 16);
            inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof addr);
        }
        struct eg__addr_count **pp = addr_slot(srv, key);
        if (srv->nfree == 0 || atomic_load(&srv->st_conns_open) >= (uint64_t)srv->cfg.max_conns ||
            (*pp && (*pp)->n >= srv->cfg.max_conns_per_addr)) {
            atomic_fetch_add(&srv->st_conns_refused_limit, 1);
            eg__ingest_logf(srv, "connection from %s refused: connection limit", addr);
            close(fd);
            continue;
        }
        if (!*pp) {
            *pp = eg_calloc(1, sizeof **pp);
            memcpy((*pp)->key, key, 16);
        }
        (*pp)->n++;
        struct eg__conn *c = eg_calloc(1, sizeof *c);
        c->fd = fd;
        c->slot = srv->free_slots[--srv->nfree];
        c->gen = ++srv->gens[c->slot];
        memcpy(c->addr_key, key, 16);
        snprintf(c->addr, sizeof c->addr, "%s", addr);
        if (eg_hj212_framer_init(&c->fr, (size_t)srv->cfg.max_packet) < 0) {
            /* max_packet was validated at start; cannot happen */
            close(fd);
            free(c);
            continue;
        }
        c->opened_ns = c->last_packet_ns = eg_nanos();
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        srv->conns[c->slot] = c;
        atomic_fetch_add(&srv->st_conns_open, 1);
        atomic_fetch_add(&srv->st_conns_accepted, 1);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                                 .data.u64 = ((uint64_t)c->gen << 32) | c->slot};
        if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            eg__ingest_close(srv, c, "epoll_ctl");
            continue;
        }
        c->readable = 1; /* data may have arrived with the handshake */
        ready_push(srv, c);
    }
}

/* The framer's buffer is full of one partial frame that cannot grow: let next() report it.
   Returns 1 when room was made, 0 when the connection was closed. */
int eg__ingest_input_stuck(struct eg_ingest *srv, struct eg__conn *c)
{
    struct eg_hj212_frame fr;
    struct eg_err e;
    int r = eg_hj212_framer_next(&c->fr, &fr, &e);
    if (r == 0) {
        eg__ingest_close(srv, c, "framer stuck");
        return 0;
    }
    if (r > 0) {
        eg__ingest_on_frame(srv, c, fr.data, fr.len);
        return !c->closing;
    }
    atomic_fetch_add(&srv->st_malformed, 1);
    size_t again = 0;
    if (++c->garbage >= srv->cfg.garbage_close || !eg_hj212_framer_space(&c->fr, &again) ||
        again == 0) {
        /* no room made: never spin on a full buffer */
        atomic_fetch_add(&srv->st_conns_closed_abuse, 1);
        eg__ingest_close(srv, c, "framer buffer full of garbage");
        return 0;
    }
    return 1;
}

/* n bytes were placed in the framer's space: frame them, handle each frame, bound garbage and
   start the slow-sender clock. Returns 1 while the connection stays open. */
int eg__ingest_input(struct eg_ingest *srv, struct eg__conn *c, size_t n)
{
    eg_hj212_framer_commit(&c->fr, n);
    c->bytes_since_good += (uint64_t)n;
    for (;;) {
        struct eg_hj212_frame fr;
        struct eg_err e;
        int r = eg_hj212_framer_next(&c->fr, &fr, &e);
        if (r == 0)
            break;
        if (r > 0) {
            eg__ingest_on_frame(srv, c, fr.data, fr.len);
            if (c->closing)
                return 0;
            continue;
        }
        atomic_fetch_add(&srv->st_malformed, 1);
        if (++c->garbage >= srv->cfg.garbage_close) {
            atomic_fetch_add(&srv->st_conns_closed_abuse, 1);
            eg__ingest_logf(srv, "%s: %d malformed frames (%s), closing", c->addr, c->garbage,
                            e.code);
            eg__ingest_close(srv, c, "malformed frames");
            return 0;
        }
    }
    /* Garbage without "##" is dropped silently by the framer: bound it here. */
    if (c->bytes_since_good > (uint64_t)srv->cfg.max_packet * 8 + 65536) {
        atomic_fetch_add(&srv->st_conns_closed_abuse, 1);
        eg__ingest_logf(srv, "%s: %llu bytes without a valid packet, closing", c->addr,
                        (unsigned long long)c->bytes_since_good);
        eg__ingest_close(srv, c, "garbage");
        return 0;
    }
    if (c->fr.len > 0 && c->partial_since_ns == 0)
        c->partial_since_ns = eg_nanos();
    else if (c->fr.len == 0)
        c->partial_since_ns = 0;
    return !c->closing;
}

/* One read of at most READ_CHUNK bytes, framed and handled. Returns 1 if more may be waiting. */
static int read_some(struct eg_ingest *srv, struct eg__conn *c)
{
    size_t total = 0;
    while (total < READ_CHUNK && !c->closing) {
        size_t avail = 0;
        char *space = eg_hj212_framer_space(&c->fr, &avail);
        if (!space || avail == 0) {
            if (!eg__ingest_input_stuck(srv, c))
                return 0;
            continue;
        }
        if (avail > READ_CHUNK - total)
            avail = READ_CHUNK - total;
        ssize_t n = recv(c->fd, space, avail, 0);
        if (n == 0) {
            eg__ingest_close(srv, c, "peer closed");
            return 0;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                c->readable = 0;
                return 0;
            }
            eg__ingest_close(srv, c, "recv failed");
            return 0;
        }
        total += (size_t)n;
        if (!eg__ingest_input(srv, c, (size_t)n))
            return 0;
    }
    return !c->closing;
}

static void drain_done(struct eg_ingest *srv)
{
    pthread_mutex_lock(&srv->mu);
    struct eg__ing_done *d = srv->done_head;
    srv->done_head = srv->done_tail = NULL;
    struct eg__auth_req *a = srv->ar_head;
    srv->ar_head = srv->ar_tail = NULL;
    pthread_mutex_unlock(&srv->mu);
    while (d) {
        struct eg__ing_done *next = d->next;
        struct eg__conn *c = eg__ingest_conn_get(srv, d->slot, d->gen);
        if (c && d->ack) {
            /* count the 9014s: each frame ends with CRLF */
            uint64_t n = 0;
            for (size_t i = 0; i < d->acklen; i++)
                n += d->ack[i] == '\n';
            if (eg__ingest_send(srv, c, d->ack, d->acklen) == 0)
                atomic_fetch_add(&srv->st_acks_sent, n);
        }
        free(d->ack);
        free(d);
        d = next;
    }
    while (a) {
        struct eg__auth_req *next = a->next;
        eg__ingest_auth_done(srv, a);
        free(a);
        a = next;
    }
}

static void timers(struct eg_ingest *srv, uint64_t now)
{
    uint64_t idle = (uint64_t)srv->cfg.idle_timeout_ms * 1000000ull;
    uint64_t partial = (uint64_t)srv->cfg.packet_timeout_ms * 1000000ull;
    uint64_t auth = (uint64_t)srv->cfg.auth_timeout_ms * 1000000ull;
    for (uint32_t s = 1; s < srv->nslots; s++) {
        struct eg__conn *c = srv->conns[s];
        if (!c || c->closing)
            continue;
        const char *why = NULL;
        /* bytes waiting on our side (reading paused while the writer queue is full) are not
           the peer's fault: no idle or slow-sender verdict then */
        if (c->in_ready && c->readable)
            continue;
        if (now - c->last_packet_ns > idle)
            why = "idle timeout";
        else if (c->partial_since_ns && now - c->partial_since_ns > partial)
            why = "packet not completed in time (slow sender)";
        else if (!c->dev && now - c->opened_ns > auth)
            why = "no authenticated packet in time";
        if (why) {
            atomic_fetch_add(&srv->st_conns_closed_idle, 1);
            eg__ingest_logf(srv, "%s (%s): %s", c->addr, c->dev ? c->dev->mn : "-", why);
            eg__ingest_close(srv, c, why);
        }
    }
    eg__ingest_timers(srv, now);
}

static void *loop_main(void *arg)
{
    struct eg_ingest *srv = arg;
    struct epoll_event evs[512];
    uint64_t next_timer = eg_nanos() + 1000000000ull;
    int draining = 0;
    uint64_t drain_started = 0;
    for (;;) {
        int timeout = srv->ready_head ? 0 : 200;
        if (srv->ready_head && atomic_load(&srv->q_len) >= srv->cfg.queue_cap)
            timeout = 20; /* queue full: the writer's hand-back wakes us */
        int n = epoll_wait(srv->epfd, evs, 512, timeout);
        for (int i = 0; i < n; i++) {
            uint32_t slot = (uint32_t)evs[i].data.u64, gen = (uint32_t)(evs[i].data.u64 >> 32);
            if (slot == LISTEN_TAG) {
                if (!draining)
                    accept_some(srv);
                continue;
            }
            if (slot == WAKE_TAG) {
                uint64_t v;
                ssize_t r = read(srv->wakefd, &v, sizeof v);
                (void)r;
                continue;
            }
            struct eg__conn *c = eg__ingest_conn_get(srv, slot, gen);
            if (!c)
                continue;
            if (evs[i].events & EPOLLOUT)
                flush_out(srv, c);
            if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                c->readable = 1;
                ready_push(srv, c);
            }
        }
        /* listener readiness is level triggered: more accepts next turn if any remain */
        drain_done(srv);
        eg__ingest_cmd_requests(srv);
        if (!draining && atomic_load(&srv->stopping)) {
            draining = 1;
            drain_started = eg_nanos();
            epoll_ctl(srv->epfd, EPOLL_CTL_DEL, srv->lfd, NULL);
            close(srv->lfd);
            srv->lfd = -1;
            eg__ingest_flush_groups(srv);
        }
        /* ready list: one turn each; none while the writer queue is full (the list is kept
           as it is: walking 10,000 connections every few ms would steal the writer's CPU) */
        if (!draining && srv->ready_head && atomic_load(&srv->q_len) >= srv->cfg.queue_cap) {
            atomic_fetch_add(&srv->st_queue_full, 1);
        } else {
            struct eg__conn *c = srv->ready_head;
            srv->ready_head = srv->ready_tail = NULL;
            while (c) {
                struct eg__conn *next = c->ready_next;
                if (!draining && atomic_load(&srv->q_len) >= srv->cfg.queue_cap) {
                    /* full in the middle of the pass: the rest keep their place, first */
                    struct eg__conn *rest_tail = c;
                    while (rest_tail->ready_next)
                        rest_tail = rest_tail->ready_next;
                    rest_tail->ready_next = srv->ready_head;
                    if (!srv->ready_head)
                        srv->ready_tail = rest_tail;
                    srv->ready_head = c;
                    break;
                }
                c->in_ready = 0;
                if (!c->closing && !draining && c->readable) {
                    if (read_some(srv, c) && !c->closing)
                        ready_push(srv, c);
                }
                c = next;
            }
        }
        eg__ingest_reap(srv);
        uint64_t now = eg_nanos();
        if (now >= next_timer) {
            timers(srv, now);
            next_timer = now + 1000000000ull;
        }
        if (draining) {
            pthread_mutex_lock(&srv->mu);
            int idle = srv->q_head == NULL && srv->done_head == NULL && srv->aq_head == NULL;
            pthread_mutex_unlock(&srv->mu);
            /* q_len reaches 0 only after the writer's last commit and hand-back */
            if ((idle && atomic_load(&srv->q_len) == 0) || now - drain_started > 30000000000ull) {
                drain_done(srv);
                break;
            }
        }
    }
    /* close everything, flushing what the kernel takes */
    for (struct eg__conn *c = srv->ready_head; c; c = c->ready_next)
        c->in_ready = 0;
    srv->ready_head = srv->ready_tail = NULL;
    eg__ingest_reap(srv);
    for (uint32_t s = 1; s < srv->nslots; s++) {
        struct eg__conn *cc = srv->conns[s];
        if (!cc)
            continue;
        flush_out(srv, cc);
        cc->closing = 1;
        epoll_ctl(srv->epfd, EPOLL_CTL_DEL, cc->fd, NULL);
        conn_free(srv, cc);
    }
    srv->loop_done = 1;
    return NULL;
}

static int listen_on(struct eg_ingest *srv, struct eg_err *err)
{
    const char *addr = srv->cfg.addr ? srv->cfg.addr : "0.0.0.0";
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    int fam;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
        fam = AF_INET;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)srv->cfg.port);
        sl = sizeof *a4;
    } else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
        fam = AF_INET6;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)srv->cfg.port);
        sl = sizeof *a6;
    } else {
        return eg_err_set(err, EG_EINVAL, "bad_address", -1,
                          "listen address '%s' is not an IPv4 or IPv6 address", addr);
    }
    int fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return eg_err_set(err, EG_EIO, "socket", -1, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 4096) < 0) {
        int e = errno;
        close(fd);
        return eg_err_set(err, EG_EIO, "bind", -1, "cannot listen on %s:%d: %s", addr,
                          srv->cfg.port, strerror(e));
    }
    sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    srv->port = ntohs(fam == AF_INET ? a4->sin_port : a6->sin6_port);
    srv->lfd = fd;
    return 0;
}

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t p = 64;
    while (p < n)
        p <<= 1;
    return p;
}

/* The server struct with its loop-owned tables, no sockets, no threads. */
static struct eg_ingest *srv_alloc(const struct eg_ingest_config *c)
{
    struct eg_ingest *srv = eg_calloc(1, sizeof *srv);
    srv->cfg = *c;
    srv->lfd = srv->epfd = srv->wakefd = -1;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->writer_cv, NULL);
    pthread_cond_init(&srv->auth_cv, NULL);
    srv->nslots = (uint32_t)c->max_conns + 1;
    srv->conns = eg_calloc(srv->nslots, sizeof *srv->conns);
    srv->gens = eg_calloc(srv->nslots, sizeof *srv->gens);
    srv->free_slots = eg_calloc(srv->nslots, sizeof *srv->free_slots);
    for (uint32_t s = srv->nslots - 1; s >= 1; s--)
        srv->free_slots[srv->nfree++] = s;
    srv->addr_tab_size = pow2_at_least((uint32_t)c->max_conns);
    srv->addr_tab = eg_calloc(srv->addr_tab_size, sizeof *srv->addr_tab);
    srv->dev_tab_size = pow2_at_least((uint32_t)c->max_conns * 2);
    srv->dev_tab = eg_calloc(srv->dev_tab_size, sizeof *srv->dev_tab);
    srv->pkt = eg_malloc(sizeof *srv->pkt);
    return srv;
}

int eg_ingest_start(const struct eg_ingest_config *cfg, struct eg_ingest **out, struct eg_err *err)
{
    struct eg_ingest_config c = *cfg;
    if (c.max_conns <= 0 || c.max_conns > 1000000)
        return eg_err_set(err, EG_EINVAL, "bad_config", -1, "max_conns must be 1..1000000");
    if (c.max_packet < 64 || c.max_packet > EG_HJ212_MAX_SEGMENT + EG_HJ212_FRAME_OVERHEAD)
        return eg_err_set(err, EG_EINVAL, "bad_config", -1, "max_packet must be 64..%d",
                          EG_HJ212_MAX_SEGMENT + EG_HJ212_FRAME_OVERHEAD);
    if (c.fold_max <= 0)
        c.fold_max = 4000;
    if (c.fold_interval_ms <= 0)
        c.fold_interval_ms = 10000;
    if (c.queue_cap <= 0 || c.batch_max <= 0 || c.max_outbuf < 1024 || c.max_conns_per_addr <= 0)
        return eg_err_set(err, EG_EINVAL, "bad_config", -1,
                          "queue_cap, batch_max, max_conns_per_addr must be positive, "
                          "max_outbuf >= 1024");
    if (!c.db_path)
        return eg_err_set(err, EG_EINVAL, "bad_config", -1, "a database path is needed");
    struct eg_ingest *srv = srv_alloc(&c);
    int rc = listen_on(srv, err);
    if (rc < 0)
        goto fail;
    srv->epfd = epoll_create1(EPOLL_CLOEXEC);
    srv->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (srv->epfd < 0 || srv->wakefd < 0) {
        rc = eg_err_set(err, EG_EIO, "epoll", -1, "epoll/eventfd: %s", strerror(errno));
        goto fail;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = LISTEN_TAG};
    epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &ev);
    ev.data.u64 = WAKE_TAG;
    epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->wakefd, &ev);
    rc = eg__ingest_threads_start(srv, err);
    if (rc < 0)
        goto fail;
    if (pthread_create(&srv->loop_th, NULL, loop_main, srv) != 0) {
        eg__ingest_threads_stop(srv);
        rc = eg_err_set(err, EG_EIO, "thread", -1, "cannot start the event loop thread");
        goto fail;
    }
    eg_log(EG_LOG_INFO, "ingest: HJ 212 listener on %s:%d", c.addr ? c.addr : "0.0.0.0", srv->port);
    *out = srv;
    return 0;
fail:
    if (srv->lfd >= 0)
        close(srv->lfd);
    if (srv->epfd >= 0)
        close(srv->epfd);
    if (srv->wakefd >= 0)
        close(srv->wakefd);
    free(srv->conns);
    free(srv->gens);
    free(srv->free_slots);
    free(srv->addr_tab);
    free(srv->dev_tab);
    free(srv->pkt);
    free(srv);
    return rc;
}

/* Frees what the loop owns (auth cache, address counts, commands). */
static void srv_free_loop_state(struct eg_ingest *srv)
{
    /* loop-owned leftovers */
    for (uint32_t i = 0; i < srv->dev_tab_size; i++) {
        struct eg__dev *d = srv->dev_tab[i];
        while (d) {
            struct eg__dev *n = d->next;
            free(d->wslot);
            free(d->wgen);
            free(d);
            d = n;
        }
    }
    for (uint32_t i = 0; i < srv->addr_tab_size; i++) {
        struct eg__addr_count *a = srv->addr_tab[i];
        while (a) {
            struct eg__addr_count *n = a->next;
            free(a);
            a = n;
        }
    }
    while (srv->cmds) {
        struct eg__cmd *n = srv->cmds->next;
        eg_buf_free(&srv->cmds->result);
        free(srv->cmds->frame);
        free(srv->cmds);
        srv->cmds = n;
    }
    while (srv->cq_head) {
        struct eg__cmd_req *n = srv->cq_head->next;
        free(srv->cq_head->cp);
        free(srv->cq_head);
        srv->cq_head = n;
    }
}

void eg_ingest_stop(struct eg_ingest *srv)
{
    if (!srv)
        return;
    atomic_store(&srv->stopping, 1);
    eg__ingest_wake(srv);
    pthread_join(srv->loop_th, NULL);
    eg__ingest_threads_stop(srv);
    srv_free_loop_state(srv);
    close(srv->epfd);
    close(srv->wakefd);
    if (srv->lfd >= 0)
        close(srv->lfd);
    pthread_mutex_destroy(&srv->mu);
    pthread_cond_destroy(&srv->writer_cv);
    pthread_cond_destroy(&srv->auth_cv);
    free(srv->conns);
    free(srv->gens);
    free(srv->free_slots);
    free(srv->addr_tab);
    free(srv->dev_tab);
    free(srv->multi_slot);
    free(srv->multi_gen);
    free(srv->pkt);
    eg_log(EG_LOG_INFO, "ingest: stopped");
    free(srv);
}

/* ---- detached sessions (fuzzing, unit tests): internal.h ---- */

struct eg_ingest *eg__ingest_detached_new(const struct eg_ingest_config *cfg)
{
    struct eg_ingest_config c = *cfg;
    if (c.max_conns <= 0 || c.max_conns > 1024)
        c.max_conns = 16;
    if (c.max_packet < 64 || c.max_packet > EG_HJ212_MAX_SEGMENT + EG_HJ212_FRAME_OVERHEAD)
        c.max_packet = EG_HJ212_MAX_SEGMENT + EG_HJ212_FRAME_OVERHEAD;
    return srv_alloc(&c);
}

struct eg__conn *eg__ingest_detached_conn(struct eg_ingest *srv, const char *addr)
{
    if (srv->nfree == 0)
        return NULL;
    struct eg__conn *c = eg_calloc(1, sizeof *c);
    if (eg_hj212_framer_init(&c->fr, (size_t)srv->cfg.max_packet) < 0) {
        free(c);
        return NULL;
    }
    c->fd = -1;
    c->slot = srv->free_slots[--srv->nfree];
    c->gen = ++srv->gens[c->slot];
    snprintf(c->addr, sizeof c->addr, "%s", addr ? addr : "detached");
    struct eg__addr_count **pp = addr_slot(srv, c->addr_key);
    if (!*pp)
        *pp = eg_calloc(1, sizeof **pp);
    (*pp)->n++;
    c->opened_ns = c->last_packet_ns = eg_nanos();
    srv->conns[c->slot] = c;
    atomic_fetch_add(&srv->st_conns_open, 1);
    return c;
}

void eg__ingest_detached_free(struct eg_ingest *srv)
{
    eg__ingest_reap(srv);
    for (uint32_t s = 1; s < srv->nslots; s++)
        if (srv->conns[s])
            conn_free(srv, srv->conns[s]);
    while (srv->groups) {
        struct eg__subgroup *g = srv->groups;
        srv->groups = g->next;
        free(g->have);
        free(g->values);
        eg_buf_free(&g->ack);
        free(g);
    }
    while (srv->q_head) {
        struct eg__ing_job *n = srv->q_head->next;
        eg__ingest_job_free(srv->q_head);
        srv->q_head = n;
    }
    struct eg__auth_req *lists[2] = {srv->aq_head, srv->ar_head};
    for (int i = 0; i < 2; i++)
        while (lists[i]) {
            struct eg__auth_req *n = lists[i]->next;
            free(lists[i]);
            lists[i] = n;
        }
    srv_free_loop_state(srv);
    pthread_mutex_destroy(&srv->mu);
    pthread_cond_destroy(&srv->writer_cv);
    pthread_cond_destroy(&srv->auth_cv);
    free(srv->conns);
    free(srv->gens);
    free(srv->free_slots);
    free(srv->addr_tab);
    free(srv->dev_tab);
    free(srv->multi_slot);
    free(srv->multi_gen);
    free(srv->pkt);
    free(srv);
}

int eg_ingest_serve_forever(const struct eg_ingest_config *c, struct eg_err *err)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, &old); /* threads inherit the mask: only sigwait sees them */
    signal(SIGPIPE, SIG_IGN);
    struct eg_ingest *srv;
    int rc = eg_ingest_start(c, &srv, err);
    if (rc < 0) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return rc;
    }
    printf("listening %d\n", srv->port);
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    eg_log(EG_LOG_INFO, "ingest: signal %d, draining", sig);
    eg_ingest_stop(srv);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return 0;
}

void eg_ingest_stats_get(struct eg_ingest *srv, struct eg_ingest_stats *o)
{
    o->conns_open = atomic_load(&srv->st_conns_open);
    o->conns_accepted = atomic_load(&srv->st_conns_accepted);
    o->conns_refused_limit = atomic_load(&srv->st_conns_refused_limit);
    o->conns_closed_idle = atomic_load(&srv->st_conns_closed_idle);
    o->conns_closed_abuse = atomic_load(&srv->st_conns_closed_abuse);
    o->packets = atomic_load(&srv->st_packets);
    o->values = atomic_load(&srv->st_values);
    o->packets_stored = atomic_load(&srv->st_packets_stored);
    o->values_stored = atomic_load(&srv->st_values_stored);
    o->packets_folded = atomic_load(&srv->st_folded);
    o->acks_sent = atomic_load(&srv->st_acks_sent);
    o->malformed = atomic_load(&srv->st_malformed);
    o->auth_refused_unknown_mn = atomic_load(&srv->st_auth_unknown);
    o->auth_refused_bad_pw = atomic_load(&srv->st_auth_badpw);
    o->subpacket_groups = atomic_load(&srv->st_subgroups);
    o->subpacket_timeouts = atomic_load(&srv->st_subtimeouts);
    o->batches = atomic_load(&srv->st_batches);
    o->queue_full_waits = atomic_load(&srv->st_queue_full);
    o->commands_sent = atomic_load(&srv->st_cmd_sent);
    o->commands_ok = atomic_load(&srv->st_cmd_ok);
    o->commands_failed = atomic_load(&srv->st_cmd_failed);
    o->commands_timeout = atomic_load(&srv->st_cmd_timeout);
    o->queue_len = (uint64_t)atomic_load(&srv->q_len);
}

/* Copies the counters into the process's metrics registry (one registry, prefix envgov_). */
void eg_ingest_stats_to_metrics(struct eg_ingest *srv)
{
    struct eg_ingest_stats s;
    eg_ingest_stats_get(srv, &s);
    struct {
        const char *name, *type, *help;
        uint64_t v;
    } m[] = {
        {"envgov_hj212_connections", "gauge", "open device connections", s.conns_open},
        {"envgov_hj212_connections_accepted_total", "counter", "accepted connections",
         s.conns_accepted},
        {"envgov_hj212_connections_refused_total", "counter", "connections refused by a limit",
         s.conns_refused_limit},
        {"envgov_hj212_connections_timed_out_total", "counter",
         "closed: idle, slow or unauthenticated", s.conns_closed_idle},
        {"envgov_hj212_connections_abusive_total", "counter",
         "closed: garbage, malformed or unread output", s.conns_closed_abuse},
        {"envgov_hj212_packets_total", "counter", "data packets accepted", s.packets},
        {"envgov_hj212_values_total", "counter", "values accepted", s.values},
        {"envgov_hj212_packets_stored_total", "counter", "data packets committed",
         s.packets_stored},
        {"envgov_hj212_values_stored_total", "counter", "values committed", s.values_stored},
        {"envgov_hj212_packets_folded_total", "counter",
         "landed packets moved into the time-series store", s.packets_folded},
        {"envgov_hj212_acks_total", "counter", "9014 acknowledgements sent after commit",
         s.acks_sent},
        {"envgov_hj212_malformed_total", "counter", "malformed frames", s.malformed},
        {"envgov_hj212_auth_refused_unknown_mn_total", "counter", "packets refused: unknown MN",
         s.auth_refused_unknown_mn},
        {"envgov_hj212_auth_refused_bad_password_total", "counter", "packets refused: wrong PW",
         s.auth_refused_bad_pw},
        {"envgov_hj212_subpacket_groups_total", "counter", "PNUM/PNO groups reassembled",
         s.subpacket_groups},
        {"envgov_hj212_subpacket_timeouts_total", "counter",
         "PNUM/PNO groups incomplete at timeout", s.subpacket_timeouts},
        {"envgov_hj212_batches_total", "counter", "group commits", s.batches},
        {"envgov_hj212_queue_full_total", "counter", "reads deferred: writer queue full",
         s.queue_full_waits},
        {"envgov_hj212_queue_length", "gauge", "packets waiting for the writer", s.queue_len},
        {"envgov_hj212_commands_sent_total", "counter", "commands sent to devices",
         s.commands_sent},
        {"envgov_hj212_commands_ok_total", "counter", "commands executed (ExeRtn=1)",
         s.commands_ok},
        {"envgov_hj212_commands_failed_total", "counter", "commands refused or failed",
         s.commands_failed},
        {"envgov_hj212_commands_timeout_total", "counter", "commands without answer in time",
         s.commands_timeout},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(m); i++) {
        int gauge = !strcmp(m[i].type, "gauge");
        eg_metrics_describe(m[i].name, gauge ? EG_METRIC_GAUGE : EG_METRIC_COUNTER, m[i].help);
        if (gauge)
            eg_metrics_gauge_set(m[i].name, NULL, (double)m[i].v);
        else
            eg_metrics_counter_set(m[i].name, NULL, (double)m[i].v);
    }
}

void eg_ingest_stats_prometheus(struct eg_ingest *srv, struct eg_buf *out)
{
    eg_ingest_stats_to_metrics(srv);
    eg_metrics_render(out);
}

/* ---- the service of `envgov serve` ---- */

static void metrics_collect(struct eg_buf *out, void *arg)
{
    (void)out;
    eg_ingest_stats_to_metrics(arg);
}

int eg_ingest_service_start(struct eg_app *app, const char *addr, int port, struct eg_err *err)
{
    struct eg_ingest_config c;
    eg_ingest_config_default(&c);
    c.addr = addr;
    c.port = port;
    c.db_path = app->db_path;
    c.events = app->events;
    struct eg_ingest *srv;
    int rc = eg_ingest_start(&c, &srv, err);
    if (rc < 0)
        return rc;
    eg_metrics_collector_add(metrics_collect, srv);
    app->ingest = srv;
    printf("envgov: HJ 212 device listener on %s:%d\n", addr, srv->port);
    fflush(stdout);
    return 0;
}

void eg_ingest_service_stop(struct eg_app *app)
{
    struct eg_ingest *srv = app->ingest;
    if (!srv)
        return;
    app->ingest = NULL;
    eg_metrics_collector_remove(metrics_collect, srv);
    eg_ingest_stop(srv);
}
