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
#include "auth/auth.h"
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
    struct eg_stmt *s;
    rc = eg_db_prepare(st, "SELECT protocol, crc, lenient, interval_s FROM devices WHERE id = ?",
                       &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, id);
    rc = eg_stmt_step(s, err);
    memset(dev, 0, sizeof *dev);
    dev->id = id;
    dev->edition = 2017;
    dev->interval_s = 60;
    if (rc == 1) {
        const char *proto = eg_stmt_text(s, 0, NULL);
        const char *crc = eg_stmt_text(s, 1, NULL);
        dev->edition = proto && !strcmp(proto, "2005") ? 2005 : 2017;
        dev->crc_modbus_swapped = crc && !strcmp(crc, "modbus_swapped");
        dev->lenient = (int)eg_stmt_int(s, 2);
        dev->interval_s = (int)eg_stmt_int(s, 3);
        rc = 0;
    } else if (rc == 0) {
        rc = eg_err_set(err, EG_ENOTFOUND, "unknown_device", -1, "device %s vanished", mn);
    }
    eg_stmt_done(s);
    return rc;
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
};

static int write_status(struct writer *w, const struct eg__ing_job *j, struct eg_err *err)
{
    static const char data_sql[] =
        "INSERT INTO ingest_device_status (mn, device_id, interval_s, last_packet_at, "
        "last_data_time, last_cn, packets, values_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7) "
        "ON CONFLICT(mn) DO UPDATE SET device_id = ?2, interval_s = ?3, last_packet_at = "
        "max(coalesce(last_packet_at, 0), ?4), last_data_time = max(coalesce(last_data_time, 0), "
        "?5), "
        "last_cn = ?6, packets = packets + ?8, values_count = values_count + ?7";
    static const char conn_sql[] =
        "INSERT INTO ingest_device_status (mn, device_id, interval_s, connected, last_addr, "
        "connected_at, connections) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4) "
        "ON CONFLICT(mn) DO UPDATE SET connected = ?4, last_addr = ?5, "
        "connected_at = CASE WHEN ?4 = 1 THEN ?6 ELSE connected_at END, "
        "disconnected_at = CASE WHEN ?4 = 0 THEN ?6 ELSE disconnected_at END, "
        "connections = connections + ?4";
    int data = j->kind == EG__JOB_DATA;
    struct eg_stmt *s;
    int rc = eg_db_prepare(w->st, data ? data_sql : conn_sql, &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(s, 1, j->mn, strlen(j->mn));
    eg_stmt_bind_int(s, 2, j->device_id);
    eg_stmt_bind_int(s, 3, j->interval_s > 0 ? j->interval_s : 60);
    if (data) {
        eg_stmt_bind_int(s, 4, j->recv_time);
        eg_stmt_bind_int(s, 5, j->data_time);
        eg_stmt_bind_int(s, 6, j->cn);
        eg_stmt_bind_int(s, 7, j->nvalues);
        eg_stmt_bind_int(s, 8, j->qnrtn); /* packets (reused field: see status_add) */
    } else {
        eg_stmt_bind_int(s, 4, j->connected);
        eg_stmt_bind_text(s, 5, j->addr, strlen(j->addr));
        eg_stmt_bind_int(s, 6, j->recv_time);
    }
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

/* 1072 executed: the registry keeps the device's new password (Argon2id, device cost). */
static int write_password(struct writer *w, const struct eg__ing_job *j, struct eg_err *err)
{
    char hash[128];
    int rc = eg_auth_hash_password(j->text, strlen(j->text), 1, hash, err);
    if (rc < 0)
        return rc;
    struct eg_stmt *s;
    rc = eg_db_prepare(w->st, "UPDATE devices SET password = ? WHERE mn = ?", &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(s, 1, hash, strlen(hash));
    eg_stmt_bind_text(s, 2, j->mn, strlen(j->mn));
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

static int write_cmd(struct writer *w, const struct eg__ing_job *j, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc;
    if (j->kind == EG__JOB_CMD_NEW) {
        rc = eg_db_prepare(w->st,
                           "INSERT OR IGNORE INTO ingest_commands (mn, qn, cn, params, status, "
                           "requested_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           &s, err);
        if (rc < 0)
            return rc;
        eg_stmt_bind_text(s, 1, j->mn, strlen(j->mn));
        eg_stmt_bind_text(s, 2, j->qn, strlen(j->qn));
        eg_stmt_bind_int(s, 3, j->cn);
        eg_stmt_bind_text(s, 4, j->text ? j->text : "", j->text ? strlen(j->text) : 0);
        eg_stmt_bind_text(s, 5, j->status, strlen(j->status));
        eg_stmt_bind_int(s, 6, j->recv_time);
        eg_stmt_bind_int(s, 7, j->recv_time);
    } else {
        rc = eg_db_prepare(w->st,
                           "UPDATE ingest_commands SET status = ?3, updated_at = ?4, "
                           "qn_rtn = coalesce(?5, qn_rtn), exe_rtn = coalesce(?6, exe_rtn), "
                           "result = coalesce(?7, result) WHERE mn = ?1 AND qn = ?2",
                           &s, err);
        if (rc < 0)
            return rc;
        eg_stmt_bind_text(s, 1, j->mn, strlen(j->mn));
        eg_stmt_bind_text(s, 2, j->qn, strlen(j->qn));
        eg_stmt_bind_text(s, 3, j->status, strlen(j->status));
        eg_stmt_bind_int(s, 4, j->recv_time);
        if (j->qnrtn)
            eg_stmt_bind_int(s, 5, j->qnrtn);
        else
            eg_stmt_bind_null(s, 5);
        if (j->exertn)
            eg_stmt_bind_int(s, 6, j->exertn);
        else
            eg_stmt_bind_null(s, 6);
        if (j->text)
            eg_stmt_bind_text(s, 7, j->text, strlen(j->text));
        else
            eg_stmt_bind_null(s, 7);
    }
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
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
    struct eg_stmt *s;
    int rc = eg_db_prepare(
        w->st, "INSERT INTO ingest_landing (mn, cn, t, n, vals) VALUES (?, ?, ?, ?, ?)", &s, err);
    if (rc < 0)
        return rc;
    for (struct eg__ing_job *j = jobs; j && rc == 0; j = j->next) {
        if (j->kind != EG__JOB_DATA || !j->nvalues)
            continue;
        eg_stmt_bind_text(s, 1, j->mn, strlen(j->mn));
        eg_stmt_bind_int(s, 2, j->cn);
        eg_stmt_bind_int(s, 3, j->data_time);
        eg_stmt_bind_int(s, 4, j->nvalues);
        eg_stmt_bind_blob(s, 5, j->values, (size_t)j->nvalues * sizeof j->values[0]);
        rc = eg_stmt_step(s, err);
        eg_stmt_done(s);
        rc = rc < 0 ? rc : 0;
    }
    return rc;
}

/* Moves up to max landed packets into the time-series store in one transaction (the store sorts
   the points by series, so each series' fixed costs are paid once per fold, not per packet).
   *moved gets the count; 0 when the landing table is empty. */
static int fold_landing(struct eg_ingest *srv, struct writer *w, int max, int *moved,
                        struct eg_err *err)
{
    *moved = 0;
    int rc = eg_db_begin(w->st, err);
    if (rc < 0)
        return rc;
    struct eg_stmt *s;
    rc = eg_db_prepare(w->st,
                       "SELECT id, mn, cn, t, n, vals FROM ingest_landing WHERE format = 1 "
                       "ORDER BY id LIMIT ?",
                       &s, err);
    struct eg__ing_job *head = NULL, *tail = NULL;
    int64_t maxid = 0;
    if (rc == 0) {
        eg_stmt_bind_int(s, 1, max);
        while ((rc = eg_stmt_step(s, err)) == 1) {
            size_t bl = 0, ml = 0;
            const void *b = eg_stmt_blob(s, 5, &bl);
            const char *mn = eg_stmt_text(s, 1, &ml);
            int64_t nv = eg_stmt_int(s, 4);
            maxid = eg_stmt_int(s, 0);
            if (nv <= 0 || (size_t)nv * sizeof head->values[0] != bl || !mn || ml >= EG__ING_MN_MAX)
                continue; /* not this build's layout: dropped (cannot be read) */
            struct eg__ing_job *j = eg__ingest_job_new(EG__JOB_DATA, (int)nv);
            memcpy(j->mn, mn, ml);
            j->cn = (int)eg_stmt_int(s, 2);
            j->data_time = eg_stmt_int(s, 3);
            j->nvalues = (int)nv;
            memcpy(j->values, b, bl);
            if (tail)
                tail->next = j;
            else
                head = j;
            tail = j;
            (*moved)++;
        }
        eg_stmt_done(s);
    }
    if (rc == 0 && head)
        rc = eg__sink_write_batch(w->sink, head, err);
    if (rc == 0 && maxid) {
        rc = eg_db_prepare(w->st, "DELETE FROM ingest_landing WHERE id <= ?", &s, err);
        if (rc == 0) {
            eg_stmt_bind_int(s, 1, maxid);
            rc = eg_stmt_step(s, err);
            eg_stmt_done(s);
            rc = rc < 0 ? rc : 0;
        }
    }
    while (head) {
        struct eg__ing_job *n = head->next;
        eg__ingest_job_free(head);
        head = n;
    }
    if (rc < 0) {
        eg_db_rollback(w->st);
        *moved = 0;
        return rc;
    }
    rc = eg_db_commit(w->st, err);
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
        rc = eg__sink_write_batch(w->sink, jobs, err);
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
    if (!srv->q_head && !srv->writer_exit && w->folding) {
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
    int rc = fold_landing(srv, w, max, &moved, &e);
    if (rc == 0 && moved == max && !q->exiting)
        fold_resize(srv, w, eg_nanos() - f0);
    w->folding = rc == 0 && moved > 0;
    if (rc == 0) {
        eg__sink_publish(w->sink);
    } else {
        eg__sink_discard(w->sink);
        eg_log(EG_LOG_ERROR, "ingest writer: fold into the time-series store: %s", e.msg);
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
        rc = write_batch(srv, w, batch, &e);
        if (rc == 0) {
            eg__sink_publish(w->sink); /* direct mode: the values are in the store now */
        } else {
            eg__sink_discard(w->sink);
            eg_log(EG_LOG_ERROR, "ingest writer: batch of %d not stored: %s", n, e.msg);
            usleep(100000);
        }
    } while (rc < 0 && ++tries < 3);
    atomic_fetch_add(&srv->st_batches, 1);
    if (rc == 0 && srv->cfg.landing && srv->cfg.store_samples)
        w->landed = 1;
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
    if (w->agg.n) {
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
        w.folding = 0;
        if (fold_due(srv, &w, &q, now) && fold_step(srv, &w, &q, now))
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
    int rc = eg_db_open(srv->cfg.db_path, &st, err);
    if (rc < 0)
        return rc;
    /* durability: fsync the WAL at every commit (see ingest.h) */
    rc = eg_db_exec(st, "PRAGMA synchronous=FULL", err);
    /* Values of thousands of devices land on scattered pages of the series index: a page cache
       of 64 MiB (SQLite's default is 2 MiB) keeps them in memory between group commits. */
    if (rc == 0)
        rc = eg_db_exec(st, "PRAGMA cache_size=-65536", err);
    struct eg__sink *sink = NULL;
    if (rc == 0)
        rc = eg__sink_open(&sink, st, err);
    if (rc < 0) {
        eg_db_close(st);
        return rc;
    }
    srv->writer_store = st;
    srv->writer_sink = sink;
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
    eg_db_close(srv->writer_store);
}
