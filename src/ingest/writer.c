/*
 * writer.c: the writer thread (group commits) and the auth thread, and the queues that feed
 * them.
 *
 * The writer pops up to batch_max jobs, writes them in ONE transaction on its own connection
 * (WAL, synchronous=FULL: COMMIT returns after the WAL fsync), and only then hands the prepared
 * 9014 acknowledgements back to the loop (completion list + eventfd). While it commits, the
 * loop keeps filling the queue, so batches grow with the load (group commit): one fsync covers
 * thousands of packets. If a batch fails, it is rolled back and NO acknowledgement is sent:
 * the devices resend (HJ 212-2017 Table 1: 3 retries), and writes are idempotent (same series
 * and time stored once), so a retry after a crash between COMMIT and the ack is harmless.
 *
 * The auth thread verifies (MN, PW) pairs (Argon2id in the registry) off the loop.
 */
#include "devices/devices.h"
#include "ingest/internal.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define AUTH_QUEUE_MAX 4096

struct eg__ing_job *eg__ingest_job_new(int kind, int nvalues)
{
    struct eg__ing_job *j =
        eg_calloc(1, sizeof *j + (size_t)(nvalues > 0 ? nvalues : 0) * sizeof j->values[0]);
    j->kind = kind;
    return j;
}

void eg__ingest_job_free(struct eg__ing_job *j)
{
    free(j->ack);
    free(j->text);
    free(j);
}

void eg__ingest_enqueue(struct eg_ingest *srv, struct eg__ing_job *j)
{
    j->next = NULL;
    pthread_mutex_lock(&srv->mu);
    if (srv->q_tail)
        srv->q_tail->next = j;
    else
        srv->q_head = j;
    srv->q_tail = j;
    atomic_fetch_add(&srv->q_len, 1);
    pthread_cond_signal(&srv->writer_cv);
    pthread_mutex_unlock(&srv->mu);
}

int eg__ingest_auth_submit(struct eg_ingest *srv, const char *mn, const char *pw)
{
    pthread_mutex_lock(&srv->mu);
    if (srv->aq_len >= AUTH_QUEUE_MAX) {
        pthread_mutex_unlock(&srv->mu);
        return EG_ENOMEM;
    }
    struct eg__auth_req *r = eg_calloc(1, sizeof *r);
    snprintf(r->mn, sizeof r->mn, "%s", mn);
    snprintf(r->pw, sizeof r->pw, "%s", pw);
    if (srv->aq_tail)
        srv->aq_tail->next = r;
    else
        srv->aq_head = r;
    srv->aq_tail = r;
    srv->aq_len++;
    pthread_cond_signal(&srv->auth_cv);
    pthread_mutex_unlock(&srv->mu);
    return 0;
}

/* ---- the registry check (default auth) ---- */

int eg__ingest_registry_auth(struct eg_db *st, const char *mn, const char *pw,
                             struct eg_ingest_device *dev, struct eg_err *err)
{
    int64_t id = 0;
    int rc = eg_registry_device_check(st, mn, pw, strlen(pw), &id, err);
    if (rc < 0)
        return rc;
    struct eg_registry_device_wire wire;
    int found = 0;
    rc = eg_registry_device_wire(st, id, &wire, &found, err);
    if (rc < 0)
        return rc;
    if (!found)
        return eg_err_set(err, EG_ENOTFOUND, "unknown_device", -1, "device %s vanished", mn);
    memset(dev, 0, sizeof *dev);
    dev->id = id;
    dev->edition = wire.edition;
    dev->crc_modbus_swapped = wire.crc_modbus_swapped;
    dev->lenient = wire.lenient;
    dev->interval_s = wire.interval_s;
    return 0;
}

static void *auth_main(void *arg)
{
    struct eg_ingest *srv = arg;
    struct eg_db *st = NULL;
    for (;;) {
        pthread_mutex_lock(&srv->mu);
        while (!srv->aq_head && !srv->auth_exit)
            pthread_cond_wait(&srv->auth_cv, &srv->mu);
        struct eg__auth_req *r = srv->aq_head;
        if (!r) {
            pthread_mutex_unlock(&srv->mu);
            break;
        }
        srv->aq_head = r->next;
        if (!srv->aq_head)
            srv->aq_tail = NULL;
        srv->aq_len--;
        pthread_mutex_unlock(&srv->mu);

        struct eg_err e;
        eg_err_clear(&e);
        if (srv->cfg.auth) {
            r->status = srv->cfg.auth(srv->cfg.auth_arg, r->mn, r->pw, &r->dev, &e);
        } else {
            if (!st && eg_db_open(srv->cfg.db_path, &st, &e) < 0) {
                eg_log(EG_LOG_ERROR, "ingest auth: %s", e.msg);
                st = NULL;
                r->status = EG_EDB;
            } else {
                r->status = eg__ingest_registry_auth(st, r->mn, r->pw, &r->dev, &e);
            }
        }
        r->next = NULL;
        pthread_mutex_lock(&srv->mu);
        if (srv->ar_tail)
            srv->ar_tail->next = r;
        else
            srv->ar_head = r;
        srv->ar_tail = r;
        pthread_mutex_unlock(&srv->mu);
        eg__ingest_wake(srv);
    }
    if (st)
        eg_db_close(st);
    return NULL;
}

/* ---- the writer ---- */

/* Device status rows are updated once per device per flush (at most once a second),
   not per packet: with 10,000 devices per-batch upserts would cost as much as the values. */
#define STATUS_FLUSH_NS 1000000000ull
#define FOLD_SLICE_NS 40000000ull /* a fold slice aims at 20-40 ms of writer time */
#define FOLD_GAP_NS 100000000ull  /* under load: at most one slice per 100 ms ... */
#define FOLD_SHORT_QUEUE 1024     /* ... and only while the queue is short */

struct status_agg {
    struct eg__ing_job **tab;
    size_t cap, n;
};

#define STOP_FOLD_NS 30000000000ull /* on stop, fold what landed for at most 30 s */

/* The writer thread's own state (no other thread touches it). */
struct writer {
    struct eg_db *st;
    struct eg__sink *sink;
    struct status_agg agg;
    uint64_t last_flush_ns;
    int queue_idle; /* nothing queued behind the current batch: flush status now */
    int exiting;    /* srv->writer_exit as last read under the lock */
    int landed;     /* the landing table may hold packets to fold */
    int folding;    /* the last fold slice moved packets: keep folding while idle */
    int slice;      /* packets per fold slice (adaptive, see fold_resize) */
    uint64_t last_fold;
    int broken;          /* the last write failed on I/O: reopen, probe until it works */
    uint64_t next_probe; /* when broken and idle: the next reopen + probe (eg_nanos) */
    int probe_ms;        /* its backoff: 500 ms doubling to 8 s */
};

/* The writer's connection: durable (every commit on disk before it returns, see ingest.h).
   Values of thousands of devices land on scattered pages of the series index: a page cache of
   64 MiB (SQLite's default is 2 MiB) keeps them in memory between group commits. */
static const struct eg_db_opts writer_opts = {.durable = 1, .cache_kib = 65536};

/* Closes and reopens the writer's connection and sink (issue 10 item 15): after an I/O error
   SQLite may keep a connection read-only for its life (a WAL or -shm it could open only
   read-only), so that nothing is written even after the file is writable again. On failure the
   writer has no connection (w->st NULL) until the next try. */
static int writer_reopen(struct eg_ingest *srv, struct writer *w, struct eg_err *err)
{
    eg__sink_close(w->sink);
    if (w->st)
        eg_db_close(w->st);
    w->sink = srv->writer_sink = NULL;
    w->st = srv->writer_store = NULL;
    struct eg_db *st;
    int rc = eg_db_open_opts(srv->cfg.db_path, &writer_opts, &st, err);
    if (rc < 0)
        return rc;
    struct eg__sink *sink = NULL;
    rc = eg__sink_open(&sink, st, err);
    if (rc < 0) {
        eg_db_close(st);
        return rc;
    }
    eg__sink_set_events(sink, srv->cfg.events);
    w->st = srv->writer_store = st;
    w->sink = srv->writer_sink = sink;
    return 0;
}

/* After a failed write: an I/O error (or no connection) marks the writer broken and reopens. */
static void writer_failed(struct eg_ingest *srv, struct writer *w, int rc)
{
    if (rc != EG_EIO && w->st)
        return;
    if (!w->broken) { /* a new fault: the idle probes start again at 0.5 s */
        w->probe_ms = 500;
        w->next_probe = eg_nanos() + 500000000ull;
    }
    w->broken = 1;
    struct eg_err e;
    eg_err_clear(&e);
    if (writer_reopen(srv, w, &e) < 0)
        eg_log(EG_LOG_ERROR, "ingest writer: reopening the database: %s", e.msg);
}

/* Broken and idle: reopen and probe, with a growing pause; healthy again when it commits. */
static void writer_probe(struct eg_ingest *srv, struct writer *w)
{
    struct eg_err e;
    eg_err_clear(&e);
    int rc = writer_reopen(srv, w, &e);
    if (rc == 0)
        rc = eg_db_probe_write(w->st, &e);
    if (rc == 0 || !strcmp(e.code, "busy")) {
        w->broken = 0;
        eg_health_write_result(EG_HEALTH_INGEST, 1, NULL);
        eg_log(EG_LOG_INFO, "ingest writer: the database is writable again");
        return;
    }
    eg_health_write_result(EG_HEALTH_INGEST, 0, e.msg);
    eg_log(EG_LOG_ERROR, "ingest writer: the database still refuses writes: %s", e.msg);
    w->probe_ms = w->probe_ms < 4000 ? w->probe_ms * 2 : 8000;
    w->next_probe = eg_nanos() + (uint64_t)w->probe_ms * 1000000ull;
}

static int write_status(struct writer *w, const struct eg__ing_job *j, struct eg_err *err)
{
    if (j->kind != EG__JOB_DATA)
        return eg_devices_status_connection(w->st, j->mn, j->device_id, j->interval_s, j->connected,
                                            j->addr, j->recv_time, err);
    struct eg_devices_traffic t = {
        .mn = j->mn,
        .device_id = j->device_id,
        .interval_s = j->interval_s,
        .last_packet_at = j->recv_time,
        .last_data_time = j->data_time,
        .last_cn = j->cn,
        .packets = j->qnrtn, /* reused field: see status_add */
        .values = j->nvalues,
    };
    return eg_devices_status_traffic(w->st, &t, err);
}

/* 1072 executed: the registry keeps the device's new password (Argon2id, device cost). */
static int write_password(struct writer *w, const struct eg__ing_job *j, struct eg_err *err)
{
    return eg_registry_device_password_set(w->st, j->mn, j->text, strlen(j->text), err);
}

static int write_cmd(struct writer *w, const struct eg__ing_job *j, struct eg_err *err)
{
    struct eg_devices_command c = {
        .mn = j->mn,
        .qn = j->qn,
        .cn = j->cn,
        .status = j->status,
        .text = j->text,
        .qn_rtn = j->qnrtn,
        .exe_rtn = j->exertn,
        .at = j->recv_time,
    };
    if (j->kind == EG__JOB_CMD_NEW)
        return eg_devices_command_add(w->st, &c, err);
    return eg_devices_command_update(w->st, &c, err);
}

/* The data jobs are summed into one pseudo-job per MN until the next flush. */
static void status_add(struct status_agg *a, const struct eg__ing_job *j)
{
    if (a->n * 2 >= a->cap) {
        size_t ncap = a->cap ? a->cap * 2 : 256;
        struct eg__ing_job **nt = eg_calloc(ncap, sizeof *nt);
        for (size_t i = 0; i < a->cap; i++) {
            struct eg__ing_job *x = a->tab[i];
            if (!x)
                continue;
            uint32_t h = 2166136261u;
            for (const char *p = x->mn; *p; p++)
                h = (h ^ (unsigned char)*p) * 16777619u;
            size_t k = h & (ncap - 1);
            while (nt[k])
                k = (k + 1) & (ncap - 1);
            nt[k] = x;
        }
        free(a->tab);
        a->tab = nt;
        a->cap = ncap;
    }
    uint32_t h = 2166136261u;
    for (const char *p = j->mn; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    size_t k = h & (a->cap - 1);
    while (a->tab[k] && strcmp(a->tab[k]->mn, j->mn))
        k = (k + 1) & (a->cap - 1);
    struct eg__ing_job *x = a->tab[k];
    if (!x) {
        x = a->tab[k] = eg__ingest_job_new(EG__JOB_DATA, 0);
        memcpy(x->mn, j->mn, sizeof x->mn);
        a->n++;
    }
    x->device_id = j->device_id;
    x->interval_s = j->interval_s;
    x->cn = j->cn;
    if (j->recv_time > x->recv_time)
        x->recv_time = j->recv_time;
    if (j->data_time > x->data_time)
        x->data_time = j->data_time;
    x->nvalues += j->nvalues;
    x->qnrtn++; /* packets */
}

/* ---- landing (migration 202) ---- */

static int land_batch(struct writer *w, struct eg__ing_job *jobs, struct eg_err *err)
{
    struct eg_devices_landed chunk[64]; /* a chunk per statement lookup, not one per packet */
    size_t n = 0;
    int rc = 0;
    for (struct eg__ing_job *j = jobs; j && rc == 0; j = j->next) {
        if (j->kind != EG__JOB_DATA || !j->nvalues)
            continue;
        chunk[n++] = (struct eg_devices_landed){
            .mn = j->mn,
            .mnlen = strlen(j->mn),
            .cn = j->cn,
            .t = j->data_time,
            .n = j->nvalues,
            .vals = j->values,
            .vals_len = (size_t)j->nvalues * sizeof j->values[0],
        };
        if (n == EG_ARRAY_LEN(chunk)) {
            rc = eg_devices_land(w->st, chunk, n, err);
            n = 0;
        }
    }
    if (rc == 0 && n)
        rc = eg_devices_land(w->st, chunk, n, err);
    return rc;
}

/* Landed rows read back as data jobs, in order. */
struct fold_list {
    struct eg__ing_job *head, *tail;
    int moved;
};

static int fold_take(void *arg, const struct eg_devices_landed *p)
{
    struct fold_list *l = arg;
    if (p->n <= 0 || (size_t)p->n * sizeof l->head->values[0] != p->vals_len || !p->mn ||
        p->mnlen >= EG__ING_MN_MAX)
        return 0; /* not this build's layout: dropped (cannot be read) */
    struct eg__ing_job *j = eg__ingest_job_new(EG__JOB_DATA, (int)p->n);
    memcpy(j->mn, p->mn, p->mnlen);
    j->cn = p->cn;
    j->data_time = p->t;
    j->nvalues = (int)p->n;
    memcpy(j->values, p->vals, p->vals_len);
    if (l->tail)
        l->tail->next = j;
    else
        l->head = j;
    l->tail = j;
    l->moved++;
    return 0;
}

/* Moves up to max landed packets into the time-series store in one transaction (the store sorts
   the points by series, so each series' fixed costs are paid once per fold, not per packet).
   whole: the store writes without savepoints (see EG_TS_NO_SAVEPOINT). *moved gets the count;
   0 when the landing table is empty. */
int eg__ingest_fold_once(struct eg_db *st, struct eg__sink *sink, int max, int whole, int *moved,
                         struct eg_err *err)
{
    *moved = 0;
    int rc = eg_db_begin(st, err);
    if (rc < 0)
        return rc;
    struct fold_list l = {0};
    int64_t maxid = 0;
    rc = eg_devices_landing_scan(st, max, fold_take, &l, &maxid, err);
    if (rc == 0 && l.head)
        rc = eg__sink_write_batch(sink, l.head, whole, err);
    if (rc == 0 && maxid)
        rc = eg_devices_landing_drop(st, maxid, err);
    while (l.head) {
        struct eg__ing_job *n = l.head->next;
        eg__ingest_job_free(l.head);
        l.head = n;
    }
    if (rc < 0) {
        eg_db_rollback(st);
        return rc;
    }
    rc = eg_db_commit(st, err);
    if (rc == 0)
        *moved = l.moved;
    return rc;
}

int eg__ingest_fold(struct eg_db *st, struct eg__sink *sink, int max, int *moved,
                    struct eg_err *err)
{
    int rc = eg__ingest_fold_once(st, sink, max, 1, moved, err);
    /* a bad packet (or a closed day the store refuses) failed the whole fold and nothing of it
       was kept: again with a savepoint per write, so the sink can leave that packet out */
    if (rc == EG_EINVAL || rc == EG_ETOOBIG)
        rc = eg__ingest_fold_once(st, sink, max, 0, moved, err);
    return rc;
}

static int fold_landing(struct eg_ingest *srv, struct writer *w, int max, int *moved,
                        struct eg_err *err)
{
    int rc = eg__ingest_fold(w->st, w->sink, max, moved, err);
    if (rc == 0 && *moved)
        atomic_fetch_add(&srv->st_folded, (uint64_t)*moved);
    return rc;
}

static int write_batch(struct eg_ingest *srv, struct writer *w, struct eg__ing_job *jobs,
                       struct eg_err *err)
{
    int rc = eg_db_begin(w->st, err);
    if (rc < 0)
        return rc;
    if (srv->cfg.store_samples && srv->cfg.landing)
        rc = land_batch(w, jobs, err);
    else if (srv->cfg.store_samples)
        rc = eg__sink_write_batch(w->sink, jobs, 0, err);
    if (rc < 0) {
        eg_db_rollback(w->st);
        return rc;
    }
    struct status_agg *agg = &w->agg;
    for (struct eg__ing_job *j = jobs; j; j = j->next) {
        switch (j->kind) {
        case EG__JOB_DATA:
            status_add(agg, j);
            break;
        case EG__JOB_SET_PW:
            rc = write_password(w, j, err);
            break;
        case EG__JOB_CONN_EVENT:
            rc = write_status(w, j, err);
            break;
        default:
            rc = write_cmd(w, j, err);
            break;
        }
        if (rc < 0)
            break;
    }
    uint64_t now = eg_nanos();
    if (rc == 0 && (now - w->last_flush_ns > STATUS_FLUSH_NS || w->exiting ||
                    atomic_load(&srv->stopping) || w->queue_idle)) {
        for (size_t i = 0; i < agg->cap; i++) {
            if (agg->tab[i] && rc == 0)
                rc = write_status(w, agg->tab[i], err);
            if (agg->tab[i] && rc == 0) {
                eg__ingest_job_free(agg->tab[i]);
                agg->tab[i] = NULL;
            }
        }
        if (rc == 0) {
            agg->n = 0;
            w->last_flush_ns = now;
        }
    }
    if (rc < 0) {
        eg_db_rollback(w->st);
        return rc;
    }
    return eg_db_commit(w->st, err);
}

/* ---- the writer loop: one job per function ----
   wait_for_work (locking, the idle timing) -> fold_step (fold sizing) -> take_batch (the queue)
   -> commit_batch (group commit, retries) -> hand_back (acknowledgements, counters). */

/* What the writer saw of the queue, read under the lock. */
struct look {
    int idle;    /* nothing arrived for a while (or the last fold slice moved packets) */
    int exiting; /* writer_exit */
    int have;    /* jobs are queued */
    long qlen;
};

/* Waits for jobs: without landed packets until one arrives or stop; with landed packets at most
   50 ms (no packet for 50 ms = idle: fold; the queue is briefly empty between batches under
   load too, that is not idle), or not at all while the last fold slice moved packets. */
static void wait_for_work(struct eg_ingest *srv, struct writer *w, struct look *q)
{
    pthread_mutex_lock(&srv->mu);
    q->idle = 0;
    if (!srv->q_head && !srv->writer_exit && w->broken) {
        uint64_t now = eg_nanos();
        if (w->next_probe > now) {
            uint64_t wait = w->next_probe - now;
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += (time_t)(wait / 1000000000u);
            ts.tv_nsec += (long)(wait % 1000000000u);
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&srv->writer_cv, &srv->mu, &ts);
        }
    } else if (!srv->q_head && !srv->writer_exit && w->folding) {
        q->idle = 1;
    } else if (!srv->q_head && !srv->writer_exit && w->landed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&srv->writer_cv, &srv->mu, &ts);
        q->idle = !srv->q_head;
    } else {
        while (!srv->q_head && !srv->writer_exit)
            pthread_cond_wait(&srv->writer_cv, &srv->mu);
    }
    q->exiting = w->exiting = srv->writer_exit;
    q->have = srv->q_head != NULL;
    q->qlen = atomic_load(&srv->q_len);
    pthread_mutex_unlock(&srv->mu);
}

/* Fold landed packets when idle (slice after slice), between batches while the queue is short
   (a slice every FOLD_GAP_NS: the store keeps pace under moderate load), and at least every
   fold_interval_ms under any load so that it never stops catching up. */
static int fold_due(const struct eg_ingest *srv, const struct writer *w, const struct look *q,
                    uint64_t now)
{
    return w->landed && ((!q->have && (q->idle || q->exiting)) ||
                         (q->qlen < FOLD_SHORT_QUEUE && now - w->last_fold > FOLD_GAP_NS) ||
                         now - w->last_fold > (uint64_t)srv->cfg.fold_interval_ms * 1000000ull);
}

/* Folds run in slices sized to take about FOLD_SLICE_NS: the acknowledging commits wait behind a
   fold (one writer, one connection), so a fold of fold_max packets (~0.5 s on the 2-core box)
   put every packet arriving meanwhile half a second late. The slice follows the measured time
   of full slices: halved when slower, doubled (up to fold_max) when much faster. */
static void fold_resize(const struct eg_ingest *srv, struct writer *w, uint64_t took)
{
    if (took > FOLD_SLICE_NS && w->slice > 16)
        w->slice /= 2;
    else if (took < FOLD_SLICE_NS / 2 && w->slice < srv->cfg.fold_max)
        w->slice = w->slice * 2 < srv->cfg.fold_max ? w->slice * 2 : srv->cfg.fold_max;
}

/* One fold slice (everything, up to fold_max, when exiting). Returns 1 when stopping and there
   is more to fold (the caller folds again before taking jobs: everything for at most 30 s after
   stop, the rest at the next start). */
static int fold_step(struct eg_ingest *srv, struct writer *w, const struct look *q, uint64_t now)
{
    struct eg_err e;
    eg_err_clear(&e);
    int moved = 0;
    int max = q->exiting ? srv->cfg.fold_max : w->slice;
    uint64_t f0 = eg_nanos();
    int rc = w->st ? fold_landing(srv, w, max, &moved, &e)
                   : eg_err_set(&e, EG_EIO, "db_io", -1, "no database connection");
    if (rc == 0 && moved == max && !q->exiting)
        fold_resize(srv, w, eg_nanos() - f0);
    w->folding = rc == 0 && moved > 0;
    if (rc == 0) {
        eg__sink_publish(w->sink);
    } else {
        if (w->sink)
            eg__sink_discard(w->sink);
        eg_log(EG_LOG_ERROR, "ingest writer: fold into the time-series store: %s", e.msg);
        eg_health_write_result(EG_HEALTH_INGEST, 0, e.msg);
        writer_failed(srv, w, rc);
        moved = 0;
        if (!q->have && !q->exiting)
            usleep(100000);
    }
    w->last_fold = eg_nanos();
    w->landed = moved > 0 || q->have;
    return q->exiting && moved > 0 && now - srv->stop_ns < STOP_FOLD_NS;
}

/* Takes up to batch_max jobs off the queue; NULL when it is empty (*stop then says whether the
   writer is done: stopping, and nothing left to fold or the 30 s for it are over). */
static struct eg__ing_job *take_batch(struct eg_ingest *srv, struct writer *w, int *n, int *stop)
{
    pthread_mutex_lock(&srv->mu);
    *stop = 0;
    if (!srv->q_head) {
        int ex = srv->writer_exit;
        pthread_mutex_unlock(&srv->mu);
        *stop = ex && (!w->landed || eg_nanos() - srv->stop_ns >= STOP_FOLD_NS);
        return NULL;
    }
    struct eg__ing_job *batch = srv->q_head, *last = batch;
    *n = 1;
    while (last->next && *n < srv->cfg.batch_max) {
        last = last->next;
        (*n)++;
    }
    srv->q_head = last->next;
    if (!srv->q_head)
        srv->q_tail = NULL;
    last->next = NULL;
    w->queue_idle = srv->q_head == NULL && *n < 256; /* light load, not a busy writer */
    pthread_mutex_unlock(&srv->mu);
    return batch;
}

/* Writes and commits the batch, up to three tries; 0 when committed. */
static int commit_batch(struct eg_ingest *srv, struct writer *w, struct eg__ing_job *batch, int n)
{
    struct eg_err e;
    int rc, tries = 0;
    do {
        eg_err_clear(&e);
        rc = w->st ? write_batch(srv, w, batch, &e)
                   : eg_err_set(&e, EG_EIO, "db_io", -1, "no database connection");
        if (rc == 0) {
            eg__sink_publish(w->sink); /* direct mode: the values are in the store now */
        } else {
            if (w->sink)
                eg__sink_discard(w->sink);
            eg_log(EG_LOG_ERROR, "ingest writer: batch of %d not stored: %s", n, e.msg);
            /* an I/O error: a new connection for the next try (item 15), 100/200 ms apart */
            writer_failed(srv, w, rc);
            if (tries < 2)
                usleep(100000u << tries);
        }
    } while (rc < 0 && ++tries < 3);
    atomic_fetch_add(&srv->st_batches, 1);
    /* what /healthz and /metrics report (issue 10 item 14) */
    if (rc < 0)
        eg_metrics_counter_add("envgov_ingest_batches_failed_total", NULL, 1);
    eg_health_write_result(EG_HEALTH_INGEST, rc == 0, e.msg);
    if (rc == 0 && srv->cfg.landing && srv->cfg.store_samples)
        w->landed = 1;
    if (rc == 0 && w->broken) {
        w->broken = 0;
        eg_log(EG_LOG_INFO, "ingest writer: the database is writable again");
    }
    return rc;
}

/* Frees the batch; when it was committed, counts it and hands its acknowledgements to the loop
   (only now: a 9014 is never sent before the commit returned). */
static void hand_back(struct eg_ingest *srv, struct eg__ing_job *batch, int n, int committed)
{
    struct eg__ing_done *dh = NULL, *dt = NULL;
    for (struct eg__ing_job *j = batch; j;) {
        struct eg__ing_job *next = j->next;
        if (committed && j->kind == EG__JOB_DATA) {
            atomic_fetch_add(&srv->st_packets_stored, 1);
            atomic_fetch_add(&srv->st_values_stored, (uint64_t)j->nvalues);
        }
        if (committed && j->ack) {
            struct eg__ing_done *d = eg_calloc(1, sizeof *d);
            d->slot = j->slot;
            d->gen = j->gen;
            d->ack = j->ack;
            d->acklen = j->acklen;
            j->ack = NULL;
            if (dt)
                dt->next = d;
            else
                dh = d;
            dt = d;
        }
        eg__ingest_job_free(j);
        j = next;
    }
    pthread_mutex_lock(&srv->mu);
    if (dh) {
        if (srv->done_tail)
            srv->done_tail->next = dh;
        else
            srv->done_head = dh;
        srv->done_tail = dt;
    }
    atomic_fetch_sub(&srv->q_len, n);
    pthread_mutex_unlock(&srv->mu);
    eg__ingest_wake(srv);
}

/* At exit: the device status not yet flushed, then the aggregation table freed. */
static void writer_finish(struct writer *w)
{
    struct eg_err e;
    eg_err_clear(&e);
    if (w->agg.n && w->st) {
        w->last_flush_ns = 0;
        if (eg_db_begin(w->st, &e) == 0) {
            int rc = 0;
            for (size_t i = 0; i < w->agg.cap && rc == 0; i++)
                if (w->agg.tab[i])
                    rc = write_status(w, w->agg.tab[i], &e);
            if (rc == 0)
                eg_db_commit(w->st, &e);
            else
                eg_db_rollback(w->st);
        }
    }
    for (size_t i = 0; i < w->agg.cap; i++)
        if (w->agg.tab[i])
            eg__ingest_job_free(w->agg.tab[i]);
    free(w->agg.tab);
}

static void *writer_main(void *arg)
{
    struct eg_ingest *srv = arg;
    struct writer w = {0};
    /* opened by threads_start (so a bad path fails the start) */
    w.st = srv->writer_store;
    w.sink = srv->writer_sink;
    eg__sink_set_events(w.sink, srv->cfg.events);
    w.landed = srv->cfg.landing && srv->cfg.store_samples; /* what a crash left: fold it */
    w.slice = srv->cfg.fold_max < 256 ? srv->cfg.fold_max : 256;
    for (;;) {
        struct look q;
        wait_for_work(srv, &w, &q);
        uint64_t now = eg_nanos();
        if (w.broken && !q.have && !q.exiting && now >= w.next_probe) {
            writer_probe(srv, &w);
            continue;
        }
        w.folding = 0;
        /* while broken, the probes (or a batch that commits) find out when writes work again */
        if (!w.broken && fold_due(srv, &w, &q, now) && fold_step(srv, &w, &q, now))
            continue;
        int n = 0, stop;
        struct eg__ing_job *batch = take_batch(srv, &w, &n, &stop);
        if (!batch) {
            if (stop)
                break;
            continue;
        }
        int rc = commit_batch(srv, &w, batch, n);
        hand_back(srv, batch, n, rc == 0);
    }
    writer_finish(&w);
    return NULL;
}

int eg__ingest_threads_start(struct eg_ingest *srv, struct eg_err *err)
{
    struct eg_db *st;
    int rc = eg_db_open_opts(srv->cfg.db_path, &writer_opts, &st, err);
    if (rc < 0)
        return rc;
    struct eg__sink *sink = NULL;
    rc = eg__sink_open(&sink, st, err);
    if (rc < 0) {
        eg_db_close(st);
        return rc;
    }
    srv->writer_store = st;
    srv->writer_sink = sink;
    eg_metrics_describe("envgov_ingest_batches_failed_total", EG_METRIC_COUNTER,
                        "HJ 212 batches not stored after their retries (nothing acknowledged)");
    if (pthread_create(&srv->writer_th, NULL, writer_main, srv) != 0) {
        eg__sink_close(sink);
        eg_db_close(st);
        return eg_err_set(err, EG_EIO, "thread", -1, "cannot start the writer thread");
    }
    if (pthread_create(&srv->auth_th, NULL, auth_main, srv) != 0) {
        pthread_mutex_lock(&srv->mu);
        srv->writer_exit = 1;
        pthread_cond_signal(&srv->writer_cv);
        pthread_mutex_unlock(&srv->mu);
        pthread_join(srv->writer_th, NULL);
        eg__sink_close(sink);
        eg_db_close(st);
        return eg_err_set(err, EG_EIO, "thread", -1, "cannot start the auth thread");
    }
    return 0;
}

void eg__ingest_threads_stop(struct eg_ingest *srv)
{
    pthread_mutex_lock(&srv->mu);
    srv->stop_ns = eg_nanos();
    srv->writer_exit = 1;
    srv->auth_exit = 1;
    pthread_cond_broadcast(&srv->writer_cv);
    pthread_cond_broadcast(&srv->auth_cv);
    pthread_mutex_unlock(&srv->mu);
    pthread_join(srv->writer_th, NULL);
    pthread_join(srv->auth_th, NULL);
    /* anything the loop handed over after its last look (nothing after a clean drain) */
    while (srv->q_head) {
        struct eg__ing_job *n = srv->q_head->next;
        eg__ingest_job_free(srv->q_head);
        srv->q_head = n;
    }
    while (srv->done_head) {
        struct eg__ing_done *n = srv->done_head->next;
        free(srv->done_head->ack);
        free(srv->done_head);
        srv->done_head = n;
    }
    while (srv->aq_head) {
        struct eg__auth_req *n = srv->aq_head->next;
        free(srv->aq_head);
        srv->aq_head = n;
    }
    while (srv->ar_head) {
        struct eg__auth_req *n = srv->ar_head->next;
        free(srv->ar_head);
        srv->ar_head = n;
    }
    eg__sink_close(srv->writer_sink);
    if (srv->writer_store)
        eg_db_close(srv->writer_store);
}
