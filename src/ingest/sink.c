/*
 * sink.c: where the writer puts the values of data packets: the time-series store
 * (ts/ts.h), inside the writer's group-commit transaction (eg_ts_write_batch joins it).
 * A series is (MN, pollutant, kind = CN 2011/2051/2061/2031, field); the store keeps a
 * (series, time) once, so a packet the device resends after a lost 9014 is stored once.
 *
 * The store refuses a whole batch for one bad point, so points are checked here first and
 * what it cannot hold is left out (counted): fields other than the value fields (RS, RT, noise
 * Data …), CNs other than the four data kinds, codes or flags outside its syntax. If a batch is
 * still refused as invalid, it is retried job by job so one device's packet cannot block the
 * others' acknowledgements.
 *
 * With an event feed that has subscribers, the points written in the open transaction are noted
 * (series and hour) and published by the writer after the COMMIT, or discarded on rollback.
 */
#include "ingest/internal.h"
#include "ts/ts.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct eg__sink {
    struct eg_ts *ts;
    struct eg_ts_point *pts;
    size_t n, cap;
    uint64_t skipped;
    struct eg_events *events;      /* NULL: no feed */
    struct eg_event_batch *landed; /* written in the open transaction, published after COMMIT */
};

int eg__sink_open(struct eg__sink **out, struct eg_db *st, struct eg_err *err)
{
    struct eg__sink *s = eg_calloc(1, sizeof *s);
    int rc = eg_ts_open(st, &s->ts, err);
    if (rc < 0) {
        free(s);
        return rc;
    }
    /* a device whose clock restarted (real capture: 2000-02-02) goes to quarantine */
    eg_ts_set_max_late(s->ts, 366 * 86400);
    *out = s;
    return 0;
}

static int kind_ok(int cn)
{
    return cn == 2011 || cn == 2051 || cn == 2061 || cn == 2031;
}

static int field_ok(const char *f)
{
    static const char *const ok[] = {"Rtd",   "Avg",   "Min",   "Max",   "Cou",
                                     "ZsRtd", "ZsAvg", "ZsMin", "ZsMax", "ZsCou"};
    for (size_t i = 0; i < EG_ARRAY_LEN(ok); i++)
        if (!strcmp(f, ok[i]))
            return 1;
    return 0;
}

static int code_ok(const char *c)
{
    size_t n = strlen(c);
    if (n == 0 || n > 16)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)c[i]) && c[i] != '_')
            return 0;
    return 1;
}

static void add_job(struct eg__sink *s, const struct eg__ing_job *j)
{
    if (!kind_ok(j->cn) || strchr(j->mn, '|')) {
        s->skipped += (uint64_t)j->nvalues;
        return;
    }
    for (int i = 0; i < j->nvalues; i++) {
        const struct eg__ing_value *v = &j->values[i];
        if (!field_ok(v->field) || !code_ok(v->code) || !isfinite(v->v)) {
            s->skipped++;
            continue;
        }
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 4096;
            s->pts = eg_realloc(s->pts, s->cap * sizeof *s->pts);
        }
        struct eg_ts_point *p = &s->pts[s->n++];
        p->key.source = j->mn;
        p->key.pollutant = v->code;
        p->key.kind = j->cn;
        p->key.field = v->field;
        p->key.computed = 0;
        p->t = j->data_time;
        p->v = v->v;
        p->flag = (v->flag >= 'A' && v->flag <= 'Z') ? v->flag : 'N';
    }
}

/* Notes the points just written (s->pts) for the event feed. */
static void note_written(struct eg__sink *s)
{
    if (!s->n || !eg_events_active(s->events))
        return;
    if (!s->landed)
        s->landed = eg_event_batch_new(EG_EVENT_INGEST);
    for (size_t i = 0; i < s->n; i++)
        eg_event_batch_add(s->landed, s->pts[i].key.source, s->pts[i].key.pollutant,
                           s->pts[i].key.kind, s->pts[i].t);
}

void eg__sink_set_events(struct eg__sink *s, struct eg_events *events)
{
    s->events = events;
}

void eg__sink_publish(struct eg__sink *s)
{
    struct eg_event_batch *b = s->landed;
    s->landed = NULL;
    if (b)
        eg_events_publish(s->events, b);
}

void eg__sink_discard(struct eg__sink *s)
{
    eg_event_batch_free(s->landed);
    s->landed = NULL;
}

int eg__sink_write_batch(struct eg__sink *s, struct eg__ing_job *jobs, int whole,
                         struct eg_err *err)
{
    s->n = 0;
    for (struct eg__ing_job *j = jobs; j; j = j->next)
        if (j->kind == EG__JOB_DATA && j->nvalues)
            add_job(s, j);
    if (s->n == 0)
        return 0;
    int rc = eg_ts_write_batch(s->ts, s->pts, s->n, EG_TS_CREATE | (whole ? EG_TS_NO_SAVEPOINT : 0),
                               NULL, err);
    if (rc == 0)
        note_written(s);
    if (rc != EG_EINVAL || whole)
        return rc;
    /* one bad point refused everything: isolate it job by job */
    for (struct eg__ing_job *j = jobs; j; j = j->next) {
        if (j->kind != EG__JOB_DATA || !j->nvalues)
            continue;
        s->n = 0;
        add_job(s, j);
        if (!s->n)
            continue;
        struct eg_err e;
        rc = eg_ts_write_batch(s->ts, s->pts, s->n, EG_TS_CREATE, NULL, &e);
        if (rc == EG_EINVAL) {
            eg_log(EG_LOG_WARN, "ingest: MN=%s CN %d values not stored: %s", j->mn, j->cn, e.msg);
            continue;
        }
        if (rc < 0) {
            if (err)
                *err = e;
            return rc;
        }
        note_written(s);
    }
    return 0;
}

void eg__sink_close(struct eg__sink *s)
{
    if (!s)
        return;
    eg_ts_close(s->ts);
    eg_event_batch_free(s->landed);
    free(s->pts);
    free(s);
}
