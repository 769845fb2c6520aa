/*
 * metrics.c: the process-wide metrics registry behind GET /metrics (Prometheus text exposition
 * format 0.0.4), the one registry of the process: every metric is named envgov_*. Lives in base,
 * not http, so that every module (ingest, rules, store) can count without depending on the HTTP
 * layer. A series is (name, labels); the registry is one mutex-guarded open-addressing table — the
 * hot path (one counter and one histogram per HTTP request) is a hash, a compare and an add under
 * an uncontended-most-of-the-time lock.
 */
#include "base/base.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Histogram buckets in seconds: request latencies from sub-millisecond to slow exports. */
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKETS ((int)EG_ARRAY_LEN(buckets))

struct series {
    char *name, *labels;
    uint64_t hash;
    enum eg_metric_type type;
    double value;              /* counter, gauge; histogram sum */
    uint64_t count;            /* histogram */
    uint64_t bcount[NBUCKETS]; /* histogram, per bucket (not cumulative) */
};

struct desc {
    char *name, *help;
    enum eg_metric_type type;
};

struct collector {
    void (*fn)(struct eg_buf *out, void *arg);
    void *arg;
};

/* The registry: the one piece of global state here, guarded by its lock. */
static struct {
    pthread_mutex_t lock;
    struct series *slots; /* open addressing, cap a power of two */
    size_t cap, n;
    struct desc *descs;
    size_t ndescs;
    struct collector *colls;
    size_t ncolls;
} reg = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t hash2(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *a; a++)
        h = (h ^ (unsigned char)*a) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (; *b; b++)
        h = (h ^ (unsigned char)*b) * 1099511628211ull;
    return h | 1; /* 0 marks an empty slot */
}

static void grow(void)
{
    size_t ncap = reg.cap ? reg.cap * 2 : 256;
    struct series *ns = eg_calloc(ncap, sizeof *ns);
    for (size_t i = 0; i < reg.cap; i++) {
        struct series *s = &reg.slots[i];
        if (!s->hash)
            continue;
        size_t j = s->hash & (ncap - 1);
        while (ns[j].hash)
            j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    free(reg.slots);
    reg.slots = ns;
    reg.cap = ncap;
}

/* The series for (name, labels), created on first use. Called with the lock held. */
static struct series *find(const char *name, const char *labels, enum eg_metric_type type)
{
    if (!labels)
        labels = "";
    if ((reg.n + 1) * 2 > reg.cap)
        grow();
    uint64_t h = hash2(name, labels);
    size_t j = h & (reg.cap - 1);
    while (reg.slots[j].hash) {
        struct series *s = &reg.slots[j];
        if (s->hash == h && !strcmp(s->name, name) && !strcmp(s->labels, labels))
            return s;
        j = (j + 1) & (reg.cap - 1);
    }
    struct series *s = &reg.slots[j];
    s->hash = h;
    s->name = eg_strdup(name);
    s->labels = eg_strdup(labels);
    s->type = type;
    reg.n++;
    return s;
}

void eg_metrics_describe(const char *name, enum eg_metric_type type, const char *help)
{
    pthread_mutex_lock(&reg.lock);
    for (size_t i = 0; i < reg.ndescs; i++)
        if (!strcmp(reg.descs[i].name, name)) {
            pthread_mutex_unlock(&reg.lock);
            return;
        }
    reg.descs = eg_realloc(reg.descs, (reg.ndescs + 1) * sizeof *reg.descs);
    reg.descs[reg.ndescs++] = (struct desc){eg_strdup(name), eg_strdup(help), type};
    pthread_mutex_unlock(&reg.lock);
}

void eg_metrics_counter_add(const char *name, const char *labels, double value)
{
    pthread_mutex_lock(&reg.lock);
    find(name, labels, EG_METRIC_COUNTER)->value += value;
    pthread_mutex_unlock(&reg.lock);
}

void eg_metrics_counter_set(const char *name, const char *labels, double value)
{
    pthread_mutex_lock(&reg.lock);
    find(name, labels, EG_METRIC_COUNTER)->value = value;
    pthread_mutex_unlock(&reg.lock);
}

void eg_metrics_gauge_set(const char *name, const char *labels, double value)
{
    pthread_mutex_lock(&reg.lock);
    find(name, labels, EG_METRIC_GAUGE)->value = value;
    pthread_mutex_unlock(&reg.lock);
}

void eg_metrics_histogram_observe(const char *name, const char *labels, double value)
{
    int b = 0;
    while (b < NBUCKETS && value > buckets[b])
        b++;
    pthread_mutex_lock(&reg.lock);
    struct series *s = find(name, labels, EG_METRIC_HISTOGRAM);
    s->value += value;
    s->count++;
    if (b < NBUCKETS)
        s->bcount[b]++;
    pthread_mutex_unlock(&reg.lock);
}

void eg_metrics_collector_add(void (*fn)(struct eg_buf *out, void *arg), void *arg)
{
    pthread_mutex_lock(&reg.lock);
    reg.colls = eg_realloc(reg.colls, (reg.ncolls + 1) * sizeof *reg.colls);
    reg.colls[reg.ncolls++] = (struct collector){fn, arg};
    pthread_mutex_unlock(&reg.lock);
}

void eg_metrics_collector_remove(void (*fn)(struct eg_buf *out, void *arg), void *arg)
{
    pthread_mutex_lock(&reg.lock);
    for (size_t i = 0; i < reg.ncolls; i++)
        if (reg.colls[i].fn == fn && reg.colls[i].arg == arg) {
            memmove(&reg.colls[i], &reg.colls[i + 1], (reg.ncolls - i - 1) * sizeof *reg.colls);
            reg.ncolls--;
            break;
        }
    pthread_mutex_unlock(&reg.lock);
}

void eg_metrics_label_escape(struct eg_buf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            eg_buf_puts(out, "\\\\");
        else if (*s == '"')
            eg_buf_puts(out, "\\\"");
        else if (*s == '\n')
            eg_buf_puts(out, "\\n");
        else
            eg_buf_append(out, s, 1);
    }
}

static int cmp_series(const void *a, const void *b)
{
    const struct series *x = *(const struct series *const *)a,
                        *y = *(const struct series *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->labels, y->labels);
}

static const char *type_name(enum eg_metric_type t)
{
    return t == EG_METRIC_COUNTER ? "counter" : t == EG_METRIC_GAUGE ? "gauge" : "histogram";
}

/* One sample line; labels joined with an extra label (le) when given. */
static void sample(struct eg_buf *out, const char *name, const char *suffix, const char *labels,
                   const char *extra, double v)
{
    eg_buf_printf(out, "%s%s", name, suffix);
    int has = labels && *labels;
    if (has || extra) {
        eg_buf_printf(out, "{%s%s%s}", has ? labels : "", has && extra ? "," : "",
                      extra ? extra : "");
    }
    eg_buf_printf(out, " %.17g\n", v);
}

/* Collectors run first and unlocked: they copy values kept elsewhere (atomics of a service)
   into the registry, which is then rendered as one table. A collector is removed (under the
   lock) before its service is freed; the copy of the list protects only against a concurrent
   add, so removal and a scrape must not overlap for the same arg: serve stops HTTP first. */
static void run_collectors(struct eg_buf *out)
{
    pthread_mutex_lock(&reg.lock);
    size_t ncolls = reg.ncolls;
    struct collector *colls = eg_malloc((ncolls ? ncolls : 1) * sizeof *colls);
    if (ncolls)
        memcpy(colls, reg.colls, ncolls * sizeof *colls);
    pthread_mutex_unlock(&reg.lock);
    for (size_t i = 0; i < ncolls; i++)
        colls[i].fn(out, colls[i].arg);
    free(colls);
}

void eg_metrics_render(struct eg_buf *out)
{
    struct eg_buf extra = {0};
    run_collectors(&extra);
    pthread_mutex_lock(&reg.lock);
    struct series **v = eg_malloc((reg.n ? reg.n : 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < reg.cap; i++)
        if (reg.slots[i].hash)
            v[n++] = &reg.slots[i];
    qsort(v, n, sizeof *v, cmp_series);
    const char *last = NULL;
    for (size_t i = 0; i < n; i++) {
        struct series *s = v[i];
        if (!last || strcmp(last, s->name)) {
            const char *help = NULL;
            for (size_t d = 0; d < reg.ndescs; d++)
                if (!strcmp(reg.descs[d].name, s->name))
                    help = reg.descs[d].help;
            if (help)
                eg_buf_printf(out, "# HELP %s %s\n", s->name, help);
            eg_buf_printf(out, "# TYPE %s %s\n", s->name, type_name(s->type));
            last = s->name;
        }
        if (s->type != EG_METRIC_HISTOGRAM) {
            sample(out, s->name, "", s->labels, NULL, s->value);
            continue;
        }
        uint64_t cum = 0;
        for (int b = 0; b < NBUCKETS; b++) {
            char le[48];
            cum += s->bcount[b];
            snprintf(le, sizeof le, "le=\"%g\"", buckets[b]);
            sample(out, s->name, "_bucket", s->labels, le, (double)cum);
        }
        sample(out, s->name, "_bucket", s->labels, "le=\"+Inf\"", (double)s->count);
        sample(out, s->name, "_sum", s->labels, NULL, s->value);
        sample(out, s->name, "_count", s->labels, NULL, (double)s->count);
    }
    free(v);
    pthread_mutex_unlock(&reg.lock);
    if (extra.len)
        eg_buf_append(out, extra.data, extra.len);
    eg_buf_free(&extra);
}
