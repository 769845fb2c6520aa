/*
 * events.c: the feed of new data (app.h). A committing writer collects what it stored into a
 * batch (one entry per distinct series and hour, deduplicated in a hash table as points are
 * added), publishes it after its COMMIT, and goes on: publishing only appends the batch to a
 * bounded queue and schedules one delivery job. The delivery job (on the job pool) turns each
 * batch into sorted runs of hours and calls every subscriber, batch after batch in publish order.
 * A slow subscriber therefore delays later deliveries, never the writer; when max_pending
 * batches are waiting, new ones are dropped and counted.
 */
#include "base/app.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    uint64_t hash;
    char *source, *pollutant;
    int series_kind;
    int64_t hour;
};

struct eg_event_batch {
    struct eg_event_batch *next; /* the pending queue */
    enum eg_event_kind kind;
    struct entry *tab; /* open addressing, cap a power of two; hash 0 = empty */
    size_t cap, n;
    struct entry *last; /* points of one packet share series and hour: skip the lookup */
};

struct sub {
    eg_event_fn fn;
    void *ctx;
};

struct eg_events {
    struct eg_jobs *jobs;
    size_t max_pending;
    pthread_mutex_t mu;
    pthread_cond_t idle_cv; /* the queue emptied and no delivery runs */
    struct eg_event_batch *head, *tail;
    size_t npending;
    int scheduled; /* a delivery job is scheduled or running */
    struct sub *subs;
    size_t nsubs;
    _Atomic size_t active; /* nsubs, readable without the lock */
};

static uint64_t hash_key(const char *s, const char *p, int kind, int64_t hour)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ (uint64_t)(uint32_t)kind) * 1099511628211ull;
    h = (h ^ (uint64_t)hour) * 1099511628211ull;
    return h | 1;
}

static int same(const struct entry *e, const char *s, const char *p, int kind, int64_t hour)
{
    return e->hour == hour && e->series_kind == kind && !strcmp(e->source, s) &&
           !strcmp(e->pollutant, p);
}

struct eg_event_batch *eg_event_batch_new(enum eg_event_kind kind)
{
    struct eg_event_batch *b = eg_calloc(1, sizeof *b);
    b->kind = kind;
    return b;
}

static void grow(struct eg_event_batch *b)
{
    size_t ncap = b->cap ? b->cap * 2 : 64;
    struct entry *nt = eg_calloc(ncap, sizeof *nt);
    for (size_t i = 0; i < b->cap; i++) {
        if (!b->tab[i].hash)
            continue;
        size_t k = b->tab[i].hash & (ncap - 1);
        while (nt[k].hash)
            k = (k + 1) & (ncap - 1);
        nt[k] = b->tab[i];
    }
    free(b->tab);
    b->tab = nt;
    b->cap = ncap;
    b->last = NULL;
}

void eg_event_batch_add(struct eg_event_batch *b, const char *source, const char *pollutant,
                        int series_kind, int64_t t)
{
    int64_t hour = t - ((t % 3600) + 3600) % 3600;
    if (b->last && same(b->last, source, pollutant, series_kind, hour))
        return;
    if ((b->n + 1) * 2 > b->cap)
        grow(b);
    uint64_t h = hash_key(source, pollutant, series_kind, hour);
    size_t k = h & (b->cap - 1);
    while (b->tab[k].hash) {
        if (b->tab[k].hash == h && same(&b->tab[k], source, pollutant, series_kind, hour)) {
            b->last = &b->tab[k];
            return;
        }
        k = (k + 1) & (b->cap - 1);
    }
    struct entry *e = &b->tab[k];
    e->hash = h;
    e->source = eg_strdup(source);
    e->pollutant = eg_strdup(pollutant);
    e->series_kind = series_kind;
    e->hour = hour;
    b->n++;
    b->last = e;
}

size_t eg_event_batch_hours(const struct eg_event_batch *b)
{
    return b ? b->n : 0;
}

void eg_event_batch_free(struct eg_event_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->cap; i++)
        if (b->tab[i].hash) {
            free(b->tab[i].source);
            free(b->tab[i].pollutant);
        }
    free(b->tab);
    free(b);
}

static int cmp_entry(const void *x, const void *y)
{
    const struct entry *a = *(const struct entry *const *)x, *b = *(const struct entry *const *)y;
    int c = strcmp(a->source, b->source);
    if (!c)
        c = strcmp(a->pollutant, b->pollutant);
    if (!c)
        c = (a->series_kind > b->series_kind) - (a->series_kind < b->series_kind);
    if (!c)
        c = (a->hour > b->hour) - (a->hour < b->hour);
    return c;
}

/* The batch as events: sorted, consecutive hours of a series merged. *n gets the count. */
static struct eg_event *batch_events(const struct eg_event_batch *b, size_t *n)
{
    struct entry **v = eg_malloc((b->n ? b->n : 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < b->cap; i++)
        if (b->tab[i].hash)
            v[m++] = &b->tab[i];
    qsort(v, m, sizeof *v, cmp_entry);
    struct eg_event *ev = eg_malloc((m ? m : 1) * sizeof *ev);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        struct eg_event *p = k ? &ev[k - 1] : NULL;
        if (p && p->hour_to + 3600 == v[i]->hour && p->series_kind == v[i]->series_kind &&
            !strcmp(p->source, v[i]->source) && !strcmp(p->pollutant, v[i]->pollutant)) {
            p->hour_to = v[i]->hour;
            continue;
        }
        ev[k++] = (struct eg_event){b->kind,           v[i]->source, v[i]->pollutant,
                                    v[i]->series_kind, v[i]->hour,   v[i]->hour};
    }
    free(v);
    *n = k;
    return ev;
}

static void describe(void)
{
    eg_metrics_describe("envgov_events_published_total", EG_METRIC_COUNTER,
                        "event batches (one per commit of new data) queued for subscribers");
    eg_metrics_describe("envgov_events_dropped_total", EG_METRIC_COUNTER,
                        "event batches dropped because too many waited for delivery");
}

struct eg_events *eg_events_new(struct eg_jobs *jobs, size_t max_pending)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, describe);
    struct eg_events *ev = eg_calloc(1, sizeof *ev);
    ev->jobs = jobs;
    ev->max_pending = max_pending ? max_pending : 1;
    pthread_mutex_init(&ev->mu, NULL);
    pthread_cond_init(&ev->idle_cv, NULL);
    return ev;
}

void eg_events_subscribe(struct eg_events *ev, eg_event_fn fn, void *ctx)
{
    pthread_mutex_lock(&ev->mu);
    ev->subs = eg_realloc(ev->subs, (ev->nsubs + 1) * sizeof *ev->subs);
    ev->subs[ev->nsubs++] = (struct sub){fn, ctx};
    ev->active = ev->nsubs;
    pthread_mutex_unlock(&ev->mu);
}

int eg_events_active(struct eg_events *ev)
{
    return ev && ev->active > 0;
}

/* Delivers one batch to every subscriber (unlocked: subscribers may take their time). */
static void deliver(struct eg_events *ev, struct eg_event_batch *b)
{
    pthread_mutex_lock(&ev->mu);
    size_t nsubs = ev->nsubs;
    struct sub *subs = eg_malloc((nsubs ? nsubs : 1) * sizeof *subs);
    if (nsubs)
        memcpy(subs, ev->subs, nsubs * sizeof *subs);
    pthread_mutex_unlock(&ev->mu);
    size_t n;
    struct eg_event *e = batch_events(b, &n);
    for (size_t i = 0; i < nsubs && n; i++)
        subs[i].fn(subs[i].ctx, e, n);
    free(e);
    free(subs);
    eg_event_batch_free(b);
}

/* Takes the next pending batch, or clears `scheduled` and returns NULL. Lock held. */
static struct eg_event_batch *take(struct eg_events *ev)
{
    struct eg_event_batch *b = ev->head;
    if (!b) {
        ev->scheduled = 0;
        pthread_cond_broadcast(&ev->idle_cv);
        return NULL;
    }
    ev->head = b->next;
    if (!ev->head)
        ev->tail = NULL;
    ev->npending--;
    return b;
}

/* The delivery job: drains the queue, batch after batch. */
static int deliver_job(void *arg, struct eg_err *err)
{
    (void)err;
    struct eg_events *ev = arg;
    for (;;) {
        pthread_mutex_lock(&ev->mu);
        struct eg_event_batch *b = take(ev);
        pthread_mutex_unlock(&ev->mu);
        if (!b)
            return 0;
        deliver(ev, b);
    }
}

int eg_events_publish(struct eg_events *ev, struct eg_event_batch *b)
{
    if (!ev || !b || !b->n || !eg_events_active(ev)) {
        eg_event_batch_free(b);
        return 0;
    }
    pthread_mutex_lock(&ev->mu);
    if (ev->npending >= ev->max_pending) {
        pthread_mutex_unlock(&ev->mu);
        eg_metrics_counter_add("envgov_events_dropped_total", NULL, 1);
        eg_log(EG_LOG_WARN, "events: %zu batches wait for delivery; one of %zu hours dropped",
               ev->max_pending, b->n);
        eg_event_batch_free(b);
        return EG_ENOMEM;
    }
    b->next = NULL;
    if (ev->tail)
        ev->tail->next = b;
    else
        ev->head = b;
    ev->tail = b;
    ev->npending++;
    int schedule = !ev->scheduled;
    ev->scheduled = 1;
    pthread_mutex_unlock(&ev->mu);
    eg_metrics_counter_add("envgov_events_published_total", NULL, 1);
    if (schedule && eg_jobs_after(ev->jobs, "events.deliver", 0, deliver_job, ev) < 0) {
        /* the pool is full or stopping: deliver on the next publish, flush or free */
        pthread_mutex_lock(&ev->mu);
        ev->scheduled = 0;
        pthread_cond_broadcast(&ev->idle_cv);
        pthread_mutex_unlock(&ev->mu);
    }
    return 0;
}

void eg_events_flush(struct eg_events *ev)
{
    if (!ev)
        return;
    pthread_mutex_lock(&ev->mu);
    while (ev->scheduled)
        pthread_cond_wait(&ev->idle_cv, &ev->mu);
    /* nothing scheduled: deliver what is left here (a failed schedule) */
    ev->scheduled = 1;
    pthread_mutex_unlock(&ev->mu);
    deliver_job(ev, NULL);
}

void eg_events_free(struct eg_events *ev)
{
    if (!ev)
        return;
    eg_events_flush(ev);
    pthread_mutex_destroy(&ev->mu);
    pthread_cond_destroy(&ev->idle_cv);
    free(ev->subs);
    free(ev);
}
