/*
 * engine.c: the rules engine — for each event of a commit (which series got which hours) it
 * finds what the source is through the registry (a device on an outlet of a unit, with its
 * permit limits; a device on a station; a station), reads the values through ts.h and eval.h,
 * runs the detectors of detect.c and opens, updates or closes alerts (alerts.c). The periodic
 * job runs the rules that need time to pass (offline devices, missing data) and the webhook
 * delivery. All reads go through public functions of registry/, ts/, eval/ and devices/.
 *
 * Connections: the event subscriber, the periodic job and the webhook job each have their own
 * (they may run at once on different job threads), opened on first use.
 *
 * Decisions (docs/rules.md):
 *   - an outlet's hourly value is the device's own hourly report (CN 2061) when it sent one,
 *     else the mean of its minute data (2051), else of its real-time data (2011); for a waste
 *     gas outlet the converted concentration (Zs…) when the device reports it, as permit limits
 *     of waste gas are set on converted concentrations (GB 13223, GB 16297 折算浓度);
 *   - an alert is closed by the engine when the rule, run on data of the last two hours, no
 *     longer holds; late data for older hours never closes a live alert;
 *   - compliance rules skip unconfirmed devices (registry.h: devices.confirmed) and permits
 *     that are not valid.
 */
#include "devices/devices.h"
#include "eval/eval.h"
#include "registry/registry.h"
#include "rules/internal.h"
#include "rules/rules.h"
#include "tasks/tasks.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct conn {
    struct eg_db *db;
    struct eg_ts *ts;
};

struct eg_rules {
    char *db_path;
    struct eg_rules_config cfg;
    struct eg_rules_ranges ranges;
    struct conn ev, sched, hook;
    int64_t now;
    pthread_mutex_t mu; /* stats */
    struct eg_rules_stats stats;
    /* service */
    struct eg_app *app;
    int64_t job_sched, job_hook;
    _Atomic int stopped; /* set by the stop, read by the feed subscriber */
    /* events heard and not yet evaluated (coalesced: see on_feed) */
    pthread_mutex_t pend_mu;
    struct pend *pend;
    size_t npend, cappend;
    int eval_scheduled; /* a rules.evaluate job is scheduled or running (under pend_mu) */
};

/* One series and a range of hours waiting for evaluation. */
struct pend {
    char source[65], pollutant[17];
    int kind;
    int64_t h0, h1;
};

/* Beyond this many series-hour ranges waiting, new ones are dropped (logged): bounded memory. */
#define EG_RULES_MAX_PENDING 1000000

static int64_t now_of(struct eg_rules *r)
{
    return r->now ? r->now : eg_time_now();
}

static void count(struct eg_rules *r, int64_t *field, int64_t by)
{
    pthread_mutex_lock(&r->mu);
    *field += by;
    pthread_mutex_unlock(&r->mu);
}

static int conn_open(struct eg_rules *r, struct conn *c, struct eg_err *err)
{
    if (c->db)
        return 0;
    int rc = eg_db_open(r->db_path, &c->db, err);
    if (!rc)
        rc = eg_ts_open(c->db, &c->ts, err);
    if (rc) {
        if (c->db)
            eg_db_close(c->db);
        c->db = NULL;
        return rc;
    }
    if (r->now)
        eg_ts_set_now(c->ts, r->now);
    return 0;
}

static void conn_close(struct conn *c)
{
    if (c->ts)
        eg_ts_close(c->ts);
    if (c->db)
        eg_db_close(c->db);
    c->ts = NULL;
    c->db = NULL;
}

int eg_rules_new(const char *db_path, const struct eg_rules_config *cfg, struct eg_rules **out,
                 struct eg_err *err)
{
    struct eg_rules *r = eg_calloc(1, sizeof *r);
    r->db_path = eg_strdup(db_path);
    r->cfg = *cfg;
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->pend_mu, NULL);
    int rc;
    if (cfg->ranges_file[0]) {
        size_t len = 0;
        char *buf = NULL;
        FILE *f = fopen(cfg->ranges_file, "rb");
        if (f) {
            struct eg_buf b = {0};
            char chunk[4096];
            size_t k;
            while ((k = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < (1u << 20))
                eg_buf_append(&b, chunk, k);
            fclose(f);
            buf = b.data;
            len = b.len;
            rc = eg_rules_ranges_load(&r->ranges, buf ? buf : "", len, err);
            free(buf);
        } else {
            rc = eg_err_set(err, EG_EIO, "ranges_file", -1, "cannot read the ranges file %s",
                            cfg->ranges_file);
        }
    } else {
        const struct eg_embedded *e = eg_embedded_find("rules/ranges.csv");
        rc = e ? eg_rules_ranges_load(&r->ranges, e->data, e->len, err)
               : eg_err_set(err, EG_EIO, "ranges_file", -1, "data/rules/ranges.csv not embedded");
    }
    if (rc) {
        eg_rules_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void eg_rules_free(struct eg_rules *r)
{
    if (!r)
        return;
    conn_close(&r->ev);
    conn_close(&r->sched);
    conn_close(&r->hook);
    eg_rules_ranges_free(&r->ranges);
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->pend_mu);
    free(r->pend);
    free(r->db_path);
    free(r);
}

void eg_rules_set_now(struct eg_rules *r, int64_t now)
{
    r->now = now;
    struct conn *cs[] = {&r->ev, &r->sched, &r->hook};
    for (size_t i = 0; i < 3; i++)
        if (cs[i]->ts)
            eg_ts_set_now(cs[i]->ts, now);
}

void eg_rules_stats(struct eg_rules *r, struct eg_rules_stats *out)
{
    pthread_mutex_lock(&r->mu);
    *out = r->stats;
    pthread_mutex_unlock(&r->mu);
}

/* ---- what a source is (registry) ---- */

struct subject {
    char source[65];
    int is_device, confirmed, has_outlet, has_station, gas;
    int64_t device_id, outlet_id, unit_id, region_id, station_id;
    char outlet_code[33], unit_name[129];
    struct eg_eval_station stn;
};

static int64_t jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : "";
}

static int list_one(struct eg_db *db, const char *res, const char *const *names,
                    const char *const *values, int nf, json_t **row, struct eg_err *err)
{
    struct eg_list_query q = {
        .limit = 1, .filter_names = names, .filter_values = values, .nfilters = nf};
    json_t *rows = NULL;
    char *next = NULL;
    *row = NULL;
    int rc =
        eg_registry_list(db, eg_registry_find(res), &eg_principal_system, &q, &rows, &next, err);
    free(next);
    if (!rc && json_array_size(rows))
        *row = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return rc;
}

static int resolve(struct conn *c, const char *source, struct subject *s, struct eg_err *err)
{
    memset(s, 0, sizeof *s);
    snprintf(s->source, sizeof s->source, "%s", source);
    const char *names[] = {"mn"}, *values[] = {source};
    json_t *dev = NULL;
    int rc = list_one(c->db, "devices", names, values, 1, &dev, err);
    if (rc)
        return rc;
    if (dev) {
        s->is_device = 1;
        s->device_id = jint(dev, "id");
        s->confirmed = json_is_true(json_object_get(dev, "confirmed"));
        s->outlet_id = jint(dev, "outlet_id");
        s->station_id = jint(dev, "station_id");
        json_decref(dev);
        if (s->outlet_id) {
            json_t *o = NULL, *u = NULL;
            rc = eg_registry_get(c->db, eg_registry_find("outlets"), &eg_principal_system,
                                 s->outlet_id, &o, err);
            if (rc)
                return rc;
            s->has_outlet = 1;
            s->unit_id = jint(o, "unit_id");
            s->gas = !strcmp(jstr(o, "type"), "waste_gas");
            snprintf(s->outlet_code, sizeof s->outlet_code, "%s", jstr(o, "code"));
            json_decref(o);
            rc = eg_registry_get(c->db, eg_registry_find("units"), &eg_principal_system, s->unit_id,
                                 &u, err);
            if (rc)
                return rc;
            s->region_id = jint(u, "region_id");
            snprintf(s->unit_name, sizeof s->unit_name, "%s", jstr(u, "name"));
            json_decref(u);
            return 0;
        }
        if (s->station_id) {
            json_t *st = NULL;
            rc = eg_registry_get(c->db, eg_registry_find("stations"), &eg_principal_system,
                                 s->station_id, &st, err);
            if (rc)
                return rc;
            char code[65];
            snprintf(code, sizeof code, "%s", jstr(st, "code"));
            json_decref(st);
            rc = eg_eval_station_get(c->db, NULL, NULL, code, &s->stn, err);
            if (!rc) {
                s->has_station = 1;
                s->region_id = 0;
            }
            return rc == EG_ENOTFOUND ? 0 : rc;
        }
        return 0;
    }
    struct eg_err e2 = {0};
    rc = eg_eval_station_get(c->db, NULL, NULL, source, &s->stn, &e2);
    if (!rc) {
        s->has_station = 1;
        s->station_id = s->stn.id;
        return 0;
    }
    if (rc != EG_ENOTFOUND) {
        *err = e2;
        return rc;
    }
    return 0; /* a series of nothing registered: no rule applies */
}

struct limit {
    int found;
    double conc, annual_t;
    char unit[17], permit[65], standard[129];
};

static int limit_of(struct conn *c, const struct subject *s, const char *pollutant, struct limit *l,
                    struct eg_err *err)
{
    memset(l, 0, sizeof *l);
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)s->outlet_id);
    const char *names[] = {"outlet_id", "pollutant"}, *values[] = {oid, pollutant};
    json_t *row = NULL;
    int rc = list_one(c->db, "permit_limits", names, values, 2, &row, err);
    if (rc || !row)
        return rc;
    json_t *p = NULL;
    rc = eg_registry_get(c->db, eg_registry_find("permits"), &eg_principal_system,
                         jint(row, "permit_id"), &p, err);
    if (!rc && !strcmp(jstr(p, "status"), "valid")) {
        json_t *cl = json_object_get(row, "conc_limit"), *at = json_object_get(row, "annual_t");
        l->found = 1;
        l->conc = json_is_number(cl) ? json_number_value(cl) : NAN;
        l->annual_t = json_is_number(at) ? json_number_value(at) : NAN;
        snprintf(l->unit, sizeof l->unit, "%s", jstr(row, "conc_unit"));
        snprintf(l->standard, sizeof l->standard, "%s", jstr(row, "standard"));
        snprintf(l->permit, sizeof l->permit, "%s", jstr(p, "number"));
    }
    json_decref(p);
    json_decref(row);
    return rc;
}

/* ---- alerts with evidence ---- */

static json_t *params_json(struct eg_rules *r, enum eg_rule_id id)
{
    json_t *o = json_object();
    const struct eg_rule_def *d = &eg_rule_defs[id];
    for (int j = 0; j < d->nparams; j++)
        json_object_set_new(o, d->params[j].name, json_real(r->cfg.p[id][j]));
    return o;
}

static void put_time(json_t *o, const char *k, int64_t t)
{
    char b[32];
    eg_time_format_beijing(t, b, sizeof b);
    json_object_set_new(o, k, json_string(b));
}

static json_t *evidence_new(struct eg_rules *r, enum eg_rule_id id, const struct subject *s,
                            const char *pollutant, const struct eg_rules_hit *h)
{
    const struct eg_rule_def *d = &eg_rule_defs[id];
    json_t *e = json_object();
    json_object_set_new(e, "rule", json_string(d->name));
    json_object_set_new(e, "rule_zh", json_string(d->name_zh));
    json_object_set_new(e, "description_zh", json_string(d->desc_zh));
    json_object_set_new(e, "params", params_json(r, id));
    json_object_set_new(e, "source", json_string(s->source));
    if (pollutant)
        json_object_set_new(e, "pollutant", json_string(pollutant));
    if (s->has_outlet) {
        json_object_set_new(e, "unit", json_string(s->unit_name));
        json_object_set_new(e, "outlet", json_string(s->outlet_code));
    }
    if (s->has_station) {
        json_object_set_new(e, "station", json_string(s->stn.code));
        json_object_set_new(e, "station_name", json_string(s->stn.name));
    }
    if (h) {
        put_time(e, "from", h->t_from);
        put_time(e, "to", h->t_to);
        json_object_set_new(e, "from_utc", json_integer(h->t_from));
        json_object_set_new(e, "to_utc", json_integer(h->t_to));
        json_object_set_new(e, "count", json_integer((json_int_t)h->count));
        json_object_set_new(e, "value", json_real(h->value));
    }
    return e;
}

static void add_limit(json_t *e, const struct limit *l)
{
    json_object_set_new(e, "limit",
                        json_pack("{s:f,s:s,s:s,s:s}", "value", l->conc, "unit", l->unit, "permit",
                                  l->permit, "standard", l->standard));
}

/* Cuts UTF-8 text to at most cap - 1 bytes at a character boundary. */
static void utf8_cut(char *s, size_t cap)
{
    size_t n = strlen(s);
    if (n < cap)
        return;
    n = cap - 1;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    s[n] = 0;
}

/* An alert that just opened at or above the configured severity raises its task (三监联动,
   origin "alert"), once: the alert keeps the task's id, in the same transaction. Compliance
   rules raise an enforcement task (执法), the others a monitoring task (监测); addressed to the
   subject's street, or the bureau when it has none. */
static int task_for(struct eg_rules *r, struct conn *c, int64_t alert_id,
                    const struct eg_alert_new *a, const struct subject *s, struct eg_err *err)
{
    if (!r->cfg.task_severity || a->severity < r->cfg.task_severity)
        return 0;
    char title[201];
    snprintf(title, sizeof title, "%s", a->title);
    utf8_cut(title, sizeof title);
    struct eg_task_new t = {
        .task_type = eg_rule_defs[a->rule].compliance ? "enforcement" : "monitoring",
        .title = title,
        .description = eg_rule_defs[a->rule].desc_zh,
        .origin = "alert",
        .origin_id = alert_id,
        .unit_id = s->has_outlet ? s->unit_id : 0,
        .outlet_id = s->has_outlet ? s->outlet_id : 0,
        .station_id = s->has_station && !s->has_outlet ? s->station_id : 0,
        .region_id = a->region_id,
        .to_region_id = a->region_id,
    };
    int64_t task_id = 0;
    int rc = eg_task_raise(c->db, &eg_principal_system, &t, &task_id, err);
    if (!rc)
        rc = eg_alerts_set_task(c->db, alert_id, task_id, err);
    if (!rc)
        count(r, &r->stats.tasks, 1);
    return rc;
}

static int raise(struct eg_rules *r, struct conn *c, enum eg_rule_id id, const struct subject *s,
                 const char *pollutant, json_t *evidence, const char *title, struct eg_err *err)
{
    char subject[96];
    snprintf(subject, sizeof subject, "%s%s%s",
             s->has_station && !s->has_outlet ? s->stn.code : s->source, pollutant ? "|" : "",
             pollutant ? pollutant : "");
    struct eg_alert_new a = {
        .rule = id,
        .subject = subject,
        .source = s->has_station && !s->has_outlet ? s->stn.code : s->source,
        .pollutant = pollutant,
        .unit_id = s->has_outlet ? s->unit_id : 0,
        .outlet_id = s->has_outlet ? s->outlet_id : 0,
        .station_id = s->has_station ? s->station_id : 0,
        .region_id = s->region_id,
        .severity = r->cfg.severity[id],
        .title = title,
        .evidence = evidence,
        .at = now_of(r),
    };
    int64_t alert_id = 0;
    int opened = 0;
    int rc = eg_db_begin(c->db, err);
    if (!rc)
        rc = eg_alerts_raise(c->db, &a, r->cfg.webhook_url[0] != 0, &alert_id, &opened, err);
    if (!rc && opened)
        rc = task_for(r, c, alert_id, &a, s, err);
    if (rc) {
        eg_db_rollback(c->db);
        return rc;
    }
    rc = eg_db_commit(c->db, err);
    if (!rc)
        count(r, opened ? &r->stats.opened : &r->stats.updated, 1);
    return rc;
}

static int resolve_alert(struct eg_rules *r, struct conn *c, enum eg_rule_id id,
                         const struct subject *s, const char *pollutant, struct eg_err *err)
{
    char subject[96];
    snprintf(subject, sizeof subject, "%s%s%s",
             s->has_station && !s->has_outlet ? s->stn.code : s->source, pollutant ? "|" : "",
             pollutant ? pollutant : "");
    int closed = 0;
    int rc = eg_alerts_resolve(c->db, id, subject, "条件已解除（规则不再成立）", now_of(r),
                               r->cfg.webhook_url[0] != 0, &closed, err);
    if (!rc && closed)
        count(r, &r->stats.closed, 1);
    return rc;
}

/* Fires or clears: raises with evidence when fired; closes when not and the data is recent. */
static int outcome(struct eg_rules *r, struct conn *c, enum eg_rule_id id, const struct subject *s,
                   const char *pollutant, const struct eg_rules_hit *h, json_t *extra,
                   int64_t hour_to, struct eg_err *err)
{
    int rc = 0;
    count(r, &r->stats.evaluations, 1);
    if (h->fired) {
        json_t *e = evidence_new(r, id, s, pollutant, h);
        if (extra)
            json_object_update(e, extra);
        char title[400];
        snprintf(title, sizeof title, "%s：%s%s%s%s%s", eg_rule_defs[id].name_zh,
                 s->has_outlet    ? s->unit_name
                 : s->has_station ? s->stn.name
                                  : "",
                 s->has_outlet ? " " : "", s->has_outlet ? s->outlet_code : "",
                 pollutant ? " " : "", pollutant ? pollutant : "");
        rc = raise(r, c, id, s, pollutant, e, title, err);
        json_decref(e);
    } else if (hour_to >= now_of(r) - 2 * 3600) {
        rc = resolve_alert(r, c, id, s, pollutant, err);
    }
    json_decref(extra);
    return rc;
}

/* ---- the hourly value of an outlet ---- */

struct hours {
    int64_t *t;
    double *v;
    size_t n;
    char field[8];
    int kind;
};

static void hours_free(struct hours *h)
{
    free(h->t);
    free(h->v);
    memset(h, 0, sizeof *h);
}

static int hourly(struct conn *c, const char *mn, const char *pollutant, int gas, int64_t from,
                  int64_t to, struct hours *out, struct eg_err *err)
{
    memset(out, 0, sizeof *out);
    static const struct {
        int kind;
        const char *zs, *plain;
    } tries[] = {{EG_TS_KIND_HOUR, "ZsAvg", "Avg"},
                 {EG_TS_KIND_MINUTE, "ZsAvg", "Avg"},
                 {EG_TS_KIND_RTD, "ZsRtd", "Rtd"}};
    for (size_t i = 0; i < EG_ARRAY_LEN(tries); i++) {
        for (int z = gas ? 0 : 1; z < 2; z++) {
            struct eg_ts_key k = {mn, pollutant, tries[i].kind, z ? tries[i].plain : tries[i].zs,
                                  0};
            struct eg_ts_bucket *b = NULL;
            size_t n = 0;
            struct eg_err e = {0};
            int rc = eg_ts_query_buckets(c->ts, &k, from, to, 3600, EG_TS_PRELIMINARY, &b, &n, &e);
            if (rc == EG_ENOTFOUND)
                continue;
            if (rc) {
                *err = e;
                return rc;
            }
            size_t m = 0;
            out->t = eg_calloc(n ? n : 1, sizeof *out->t);
            out->v = eg_calloc(n ? n : 1, sizeof *out->v);
            for (size_t j = 0; j < n; j++)
                if (b[j].count && isfinite(b[j].avg)) {
                    out->t[m] = b[j].t;
                    out->v[m] = b[j].avg;
                    m++;
                }
            free(b);
            out->n = m;
            if (m) {
                snprintf(out->field, sizeof out->field, "%s", k.field);
                out->kind = k.kind;
                return 0;
            }
            hours_free(out);
        }
    }
    return 0;
}

static json_t *hours_json(const struct hours *h, size_t last)
{
    json_t *a = json_array();
    size_t from = h->n > last ? h->n - last : 0;
    for (size_t i = from; i < h->n; i++) {
        json_t *o = json_object();
        put_time(o, "time", h->t[i]);
        json_object_set_new(o, "value", json_real(h->v[i]));
        json_array_append_new(a, o);
    }
    return a;
}

static int compliance(struct eg_rules *r, struct conn *c, const struct subject *s,
                      const struct eg_event *ev, struct eg_err *err)
{
    struct limit l;
    int rc = limit_of(c, s, ev->pollutant, &l, err);
    if (rc || !l.found)
        return rc;
    const struct eg_rules_config *cf = &r->cfg;
    int64_t hug_days = (int64_t)eg_rules_param(cf, EG_RULE_HUGGING, "window_days");
    int64_t run_h = (int64_t)eg_rules_param(cf, EG_RULE_LIMIT_RUN, "hours");
    int64_t back = hug_days * 24 > run_h ? hug_days * 24 : run_h;
    int64_t to = ev->hour_to + 3600;
    struct hours h;
    rc = hourly(c, s->source, ev->pollutant, s->gas, to - back * 3600, to, &h, err);
    if (rc || !h.n)
        return rc;
    /* the latest hour of the event that has a value */
    size_t last = h.n;
    while (last > 0 && h.t[last - 1] > ev->hour_to)
        last--;
    if (last && isfinite(l.conc) && h.t[last - 1] >= ev->hour_from) {
        json_t *x = json_object();
        add_limit(x, &l);
        json_object_set_new(x, "field", json_string(h.field));
        json_object_set_new(x, "series_kind", json_integer(h.kind));
        struct eg_rules_hit hit = {0};
        hit.fired = cf->enabled[EG_RULE_LIMIT_EXCEED] && h.v[last - 1] > l.conc;
        hit.t_from = hit.t_to = h.t[last - 1];
        hit.count = 1;
        hit.value = h.v[last - 1];
        json_t *x1 = json_deep_copy(x);
        json_object_set_new(x1, "values", hours_json(&h, 24 < last ? 24 : last));
        rc = outcome(r, c, EG_RULE_LIMIT_EXCEED, s, ev->pollutant, &hit, x1, ev->hour_to, err);
        if (!rc && cf->enabled[EG_RULE_LIMIT_RUN]) {
            eg_rules_over_limit_run(h.t, h.v, last, l.conc, (double)run_h, &hit);
            json_t *x2 = json_deep_copy(x);
            json_object_set_new(x2, "values", hours_json(&h, hit.count ? hit.count : 1));
            rc = outcome(r, c, EG_RULE_LIMIT_RUN, s, ev->pollutant, &hit, x2, ev->hour_to, err);
        }
        if (!rc && cf->enabled[EG_RULE_HUGGING]) {
            eg_rules_hugging(h.v, last, l.conc, eg_rules_param(cf, EG_RULE_HUGGING, "band"),
                             eg_rules_param(cf, EG_RULE_HUGGING, "min_n"),
                             eg_rules_param(cf, EG_RULE_HUGGING, "alpha"), &hit);
            if (hit.fired) {
                hit.t_from = h.t[0];
                hit.t_to = h.t[last - 1];
            }
            json_t *x3 = json_deep_copy(x);
            json_object_set_new(x3, "share_in_upper_band", json_real(hit.value));
            json_object_set_new(x3, "p_value", json_real(hit.value2));
            json_object_set_new(x3, "test",
                                json_string("单侧精确二项检验：限值下方 2×band 区间内的值落在上半"
                                            "区间的概率应为 1/2"));
            rc = outcome(r, c, EG_RULE_HUGGING, s, ev->pollutant, &hit, x3, ev->hour_to, err);
        }
        json_decref(x);
    }
    hours_free(&h);
    if (rc || !cf->enabled[EG_RULE_DAILY_AMOUNT] || !isfinite(l.annual_t) || !(l.annual_t > 0))
        return rc;
    /* the day's amount: the hourly amounts (2061 Cou, kg in HJ 212-2017 Table B) of the
       Beijing day of the event's last hour */
    int64_t day0 = eg_ts_day_start(eg_ts_day_of(ev->hour_to));
    struct eg_ts_key k = {s->source, ev->pollutant, EG_TS_KIND_HOUR, "Cou", 0};
    struct eg_ts_row *rows = NULL;
    size_t n = 0;
    struct eg_err e = {0};
    rc = eg_ts_query(c->ts, &k, day0, day0 + 86400, EG_TS_PRELIMINARY, 100, &rows, &n, &e);
    if (rc == EG_ENOTFOUND)
        return 0;
    if (rc) {
        *err = e;
        return rc;
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += rows[i].v;
    double days = eg_rules_param(cf, EG_RULE_DAILY_AMOUNT, "days_per_year");
    double allowed = l.annual_t * 1000.0 / days; /* t/a -> kg/d */
    struct eg_rules_hit hit = {.fired = n > 0 && sum > allowed,
                               .t_from = n ? rows[0].t : day0,
                               .t_to = n ? rows[n - 1].t : day0,
                               .count = n,
                               .value = sum};
    free(rows);
    json_t *x = json_object();
    add_limit(x, &l);
    json_object_set_new(x, "annual_t", json_real(l.annual_t));
    json_object_set_new(x, "daily_allowed_kg", json_real(allowed));
    json_object_set_new(x, "daily_amount_kg", json_real(sum));
    return outcome(r, c, EG_RULE_DAILY_AMOUNT, s, ev->pollutant, &hit, x, ev->hour_to, err);
}

static int data_rules(struct eg_rules *r, struct conn *c, const struct subject *s,
                      const struct eg_event *ev, struct eg_err *err)
{
    const struct eg_rules_config *cf = &r->cfg;
    if (ev->series_kind != EG_TS_KIND_RTD && ev->series_kind != EG_TS_KIND_MINUTE &&
        ev->series_kind != EG_TS_KIND_HOUR)
        return 0;
    double flat_min = eg_rules_param(cf, EG_RULE_FLATLINE, "minutes");
    double flag_min = eg_rules_param(cf, EG_RULE_FLAG_HELD, "minutes");
    int64_t back = (int64_t)((flat_min > flag_min ? flat_min : flag_min) * 60);
    int64_t from = ev->hour_from - back, to = ev->hour_to + 3600;
    struct eg_ts_key k = {s->source, ev->pollutant, ev->series_kind,
                          ev->series_kind == EG_TS_KIND_RTD ? "Rtd" : "Avg", 0};
    struct eg_ts_row *rows = NULL;
    size_t n = 0;
    struct eg_err e = {0};
    int rc = eg_ts_query(c->ts, &k, from, to, EG_TS_PRELIMINARY, 200000, &rows, &n, &e);
    if (rc == EG_ENOTFOUND)
        return 0;
    if (rc) {
        *err = e;
        return rc;
    }
    const struct eg_rules_range *rg = eg_rules_range_of(&r->ranges, ev->pollutant);
    struct eg_rules_hit h;
    json_t *x;
    if (cf->enabled[EG_RULE_FLATLINE]) {
        eg_rules_flatline(rows, n, flat_min * 60, eg_rules_param(cf, EG_RULE_FLATLINE, "epsilon"),
                          &h);
        x = json_pack("{s:s}", "field", k.field);
        rc = outcome(r, c, EG_RULE_FLATLINE, s, ev->pollutant, &h, x, ev->hour_to, err);
    }
    if (!rc && rg && rg->min >= 0 && cf->enabled[EG_RULE_IMPOSSIBLE]) {
        eg_rules_impossible(rows, n, rg->zero_possible,
                            eg_rules_param(cf, EG_RULE_IMPOSSIBLE, "min_count"), &h);
        x = json_pack("{s:s,s:b}", "field", k.field, "zero_possible", rg->zero_possible);
        rc = outcome(r, c, EG_RULE_IMPOSSIBLE, s, ev->pollutant, &h, x, ev->hour_to, err);
    }
    if (!rc && rg && cf->enabled[EG_RULE_RANGE]) {
        eg_rules_out_of_range(rows, n, rg->min, rg->max,
                              eg_rules_param(cf, EG_RULE_RANGE, "min_count"), &h);
        x = json_pack("{s:s,s:f,s:f}", "field", k.field, "range_min", rg->min, "range_max",
                      rg->max);
        rc = outcome(r, c, EG_RULE_RANGE, s, ev->pollutant, &h, x, ev->hour_to, err);
    }
    if (!rc && rg && cf->enabled[EG_RULE_JUMP]) {
        double step = eg_rules_param(cf, EG_RULE_JUMP, "fraction_of_range") * (rg->max - rg->min);
        eg_rules_jump(rows, n, step, (int64_t)eg_rules_param(cf, EG_RULE_JUMP, "max_gap_s"), &h);
        x = json_pack("{s:s,s:f,s:f}", "field", k.field, "max_step", step, "previous_value",
                      h.value2);
        rc = outcome(r, c, EG_RULE_JUMP, s, ev->pollutant, &h, x, ev->hour_to, err);
    }
    if (!rc && cf->enabled[EG_RULE_FLAG_HELD]) {
        eg_rules_flag_held(rows, n, flag_min * 60, &h);
        char flag[2] = {(char)h.value, 0};
        x = json_pack("{s:s,s:s}", "field", k.field, "flag", h.fired ? flag : "");
        rc = outcome(r, c, EG_RULE_FLAG_HELD, s, ev->pollutant, &h, x, ev->hour_to, err);
    }
    free(rows);
    return rc;
}

/* Ambient rules of a station, once per commit. */
static int ambient(struct eg_rules *r, struct conn *c, const struct subject *s,
                   const struct eg_event *ev, struct eg_err *err)
{
    const struct eg_rules_config *cf = &r->cfg;
    const struct eg_eval_station *stn = &s->stn;
    int rc = 0;
    struct eg_rules_hit h = {0};
    if (!strcmp(stn->kind, "air") && cf->enabled[EG_RULE_AQI]) {
        struct eg_eval_aqi *a = NULL;
        size_t n = 0;
        int64_t to = ev->hour_to + 3600, from = ev->hour_from;
        if (to - from > 48 * 3600)
            from = to - 48 * 3600;
        rc = eg_eval_aqi_hourly(c->ts, stn, 1, from, to, EG_TS_PRELIMINARY, &a, &n, err);
        if (rc)
            return rc;
        if (!n) {
            free(a);
            return 0;
        }
        double thr = eg_rules_param(cf, EG_RULE_AQI, "threshold");
        const struct eg_eval_aqi *lastv = &a[n - 1];
        h.fired = lastv->r.aqi > thr;
        h.t_from = h.t_to = lastv->t;
        h.count = 1;
        h.value = lastv->r.aqi;
        json_t *x = json_pack("{s:i,s:i,s:f}", "aqi", lastv->r.aqi, "level", lastv->r.level,
                              "threshold", thr);
        free(a);
        rc = outcome(r, c, EG_RULE_AQI, s, NULL, &h, x, ev->hour_to, err);
    } else if (!strcmp(stn->kind, "water") && cf->enabled[EG_RULE_WATER_CLASS]) {
        struct eg_civil cv;
        eg_time_to_beijing(ev->hour_to, &cv);
        struct eg_eval_water_period p[13];
        rc = eg_eval_water(c->ts, stn, cv.year, EG_QW_RIVER, EG_TS_PRELIMINARY, p, err);
        if (rc)
            return rc;
        const struct eg_eval_water_period *m = &p[cv.month - 1];
        int target = stn->water_class ? stn->water_class : 3;
        h.fired = m->samples > 0 && m->r.cls > target;
        h.t_from = h.t_to = ev->hour_to;
        h.count = (size_t)m->samples;
        h.value = m->r.cls;
        json_t *x =
            json_pack("{s:s,s:s,s:i}", "class", eg_quality_water_class_name(m->r.cls),
                      "target_class", eg_quality_water_class_name(target), "month", cv.month);
        rc = outcome(r, c, EG_RULE_WATER_CLASS, s, NULL, &h, x, ev->hour_to, err);
    } else if (!strcmp(stn->kind, "noise") && cf->enabled[EG_RULE_NOISE_NIGHT]) {
        int64_t day = eg_ts_day_of(ev->hour_to);
        struct eg_eval_noise nz;
        memset(&nz, 0, sizeof nz);
        rc = eg_eval_noise_station(c->ts, stn, day, day, -1, EG_TS_PRELIMINARY, &nz, err);
        if (rc)
            return rc;
        h.fired = nz.days && nz.d[0].r.night_ok == 0;
        h.t_from = h.t_to = ev->hour_to;
        h.count = 1;
        h.value = nz.days ? nz.d[0].ln : NAN;
        json_t *x =
            json_pack("{s:f,s:i}", "ln", nz.days ? nz.d[0].ln : 0.0, "night_limit", nz.night_limit);
        free(nz.d);
        rc = outcome(r, c, EG_RULE_NOISE_NIGHT, s, NULL, &h, x, ev->hour_to, err);
    }
    return rc;
}

int eg_rules_on_events(struct eg_rules *r, const struct eg_event *ev, size_t n, struct eg_err *err)
{
    int rc = conn_open(r, &r->ev, err);
    if (rc)
        return rc;
    count(r, &r->stats.events, (int64_t)n);
    struct subject s;
    char last_src[65] = "", last_station[65] = "";
    int have = 0;
    int first_rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct eg_err e = {0};
        if (!have || strcmp(last_src, ev[i].source)) {
            rc = resolve(&r->ev, ev[i].source, &s, &e);
            if (rc) {
                if (!first_rc) {
                    first_rc = rc;
                    *err = e;
                }
                have = 0;
                continue;
            }
            snprintf(last_src, sizeof last_src, "%s", ev[i].source);
            have = 1;
        }
        rc = 0;
        if (s.is_device && s.has_outlet) {
            rc = data_rules(r, &r->ev, &s, &ev[i], &e);
            if (!rc && s.confirmed)
                rc = compliance(r, &r->ev, &s, &ev[i], &e);
        } else if (s.is_device) {
            rc = data_rules(r, &r->ev, &s, &ev[i], &e);
        }
        if (!rc && s.has_station && strcmp(last_station, s.stn.code)) {
            rc = ambient(r, &r->ev, &s, &ev[i], &e);
            snprintf(last_station, sizeof last_station, "%s", s.stn.code);
        }
        if (rc && !first_rc) {
            first_rc = rc;
            *err = e;
        }
    }
    return first_rc;
}

/* ---- scheduled rules ---- */

static int offline_rule(struct eg_rules *r, struct conn *c, struct eg_err *err)
{
    struct eg_buf b = {0};
    int mult = (int)eg_rules_param(&r->cfg, EG_RULE_OFFLINE, "multiple");
    int rc = eg_devices_offline_json(c->db, now_of(r), mult, &b, err);
    json_t *arr = rc ? NULL : json_loadb(b.data, b.len, 0, NULL);
    eg_buf_free(&b);
    if (rc)
        return rc;
    size_t i;
    json_t *d;
    json_t *offline = json_object();
    json_array_foreach(arr, i, d)
    {
        if (json_is_null(json_object_get(d, "last_packet_at")))
            continue; /* never sent: not installed yet, not gone offline */
        const char *mn = jstr(d, "mn");
        struct subject s;
        rc = resolve(c, mn, &s, err);
        if (rc)
            break;
        json_object_set_new(offline, mn, json_true());
        struct eg_rules_hit h = {.fired = 1, .count = 1};
        json_t *silent = json_object_get(d, "silent_s");
        h.value = json_is_integer(silent) ? (double)json_integer_value(silent) : 0;
        h.t_from = h.t_to = now_of(r);
        json_t *x =
            json_pack("{s:O,s:O,s:O}", "last_packet_at", json_object_get(d, "last_packet_at"),
                      "interval_s", json_object_get(d, "interval_s"), "silent_s", silent);
        rc = outcome(r, c, EG_RULE_OFFLINE, &s, NULL, &h, x, now_of(r), err);
        if (rc)
            break;
    }
    json_decref(arr);
    /* close the offline alerts of devices that came back */
    json_t *live = NULL;
    struct eg_alerts_filter f = {.state = "live", .rule = "offline", .limit = 1000};
    if (!rc)
        rc = eg_alerts_list(c->db, &eg_principal_system, &f, &live, err);
    json_array_foreach(live, i, d)
    {
        if (rc)
            break;
        const char *src = jstr(d, "source");
        if (json_object_get(offline, src))
            continue;
        int closed = 0;
        rc = eg_alerts_resolve(c->db, EG_RULE_OFFLINE, jstr(d, "subject"), "设备已恢复上传数据",
                               now_of(r), r->cfg.webhook_url[0] != 0, &closed, err);
        if (!rc && closed)
            count(r, &r->stats.closed, 1);
    }
    json_decref(live);
    json_decref(offline);
    return rc;
}

struct missing_ctx {
    struct eg_rules *r;
    struct conn *c;
    struct eg_err *err;
};

static int missing_one(void *arg, const struct eg_registry_device_row *d)
{
    struct missing_ctx *m = arg;
    struct eg_rules *r = m->r;
    double hours = eg_rules_param(&r->cfg, EG_RULE_MISSING, "window_hours");
    double min_rate = eg_rules_param(&r->cfg, EG_RULE_MISSING, "min_rate");
    int64_t to = now_of(r) / 60 * 60, from = to - (int64_t)(hours * 3600);
    struct eg_ts_rates rt;
    struct eg_err e = {0};
    int rc = eg_ts_rates(m->c->ts, d->mn, EG_TS_KIND_MINUTE, from, to, &rt, &e);
    if (rc == EG_ENOTFOUND || (!rc && (rt.series == 0 || rt.received == 0)))
        return 0; /* no minute data at all: the offline rule speaks */
    if (rc) {
        *m->err = e;
        return rc;
    }
    struct subject s;
    rc = resolve(m->c, d->mn, &s, m->err);
    if (rc)
        return rc;
    struct eg_rules_hit h = {.fired = rt.transmission_rate < min_rate,
                             .t_from = from,
                             .t_to = to,
                             .count = (size_t)rt.received,
                             .value = rt.transmission_rate};
    json_t *x = json_pack("{s:I,s:I,s:f}", "expected", (json_int_t)rt.expected, "received",
                          (json_int_t)rt.received, "transmission_rate", rt.transmission_rate);
    return outcome(r, m->c, EG_RULE_MISSING, &s, NULL, &h, x, now_of(r), m->err);
}

int eg_rules_run_scheduled(struct eg_rules *r, struct eg_err *err)
{
    int rc = conn_open(r, &r->sched, err);
    if (rc)
        return rc;
    if (r->cfg.enabled[EG_RULE_OFFLINE])
        rc = offline_rule(r, &r->sched, err);
    if (!rc && r->cfg.enabled[EG_RULE_MISSING]) {
        struct missing_ctx m = {r, &r->sched, err};
        rc = eg_registry_devices_each(r->sched.db, 100000, missing_one, &m, err);
    }
    return rc;
}

/* ---- webhook delivery ---- */

int eg_rules_deliver(struct eg_rules *r, int *sent, int *failed, struct eg_err *err)
{
    if (sent)
        *sent = 0;
    if (failed)
        *failed = 0;
    if (!r->cfg.webhook_url[0])
        return 0;
    int rc = conn_open(r, &r->hook, err);
    if (rc)
        return rc;
    struct eg__rules_outbox *v = NULL;
    size_t n = 0;
    int64_t now = eg_time_now();
    rc = eg__rules_outbox_due(r->hook.db, now, 50, &v, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        char sig[80];
        size_t len = strlen(v[i].payload);
        eg_rules_sign(r->cfg.webhook_secret, v[i].payload, len, sig, sizeof sig);
        json_t *p = json_loads(v[i].payload, 0, NULL);
        const char *event = p ? jstr(p, "event") : "";
        struct eg_err e = {0};
        int ok = eg__rules_http_post(r->cfg.webhook_url, v[i].payload, len, sig, event,
                                     r->cfg.webhook_timeout_ms, &e) == 0;
        json_decref(p);
        int attempts = v[i].attempts + 1;
        int64_t next = 0;
        if (!ok && attempts < r->cfg.webhook_max_attempts) {
            int64_t delay = r->cfg.webhook_backoff_ms;
            for (int k = 1; k < attempts && delay < 3600000; k++)
                delay *= 2;
            if (delay > 3600000)
                delay = 3600000;
            next = now + (delay + 999) / 1000;
        }
        if (!ok)
            eg_log(EG_LOG_WARN, "rules: webhook delivery %lld (alert %lld) attempt %d: %s",
                   (long long)v[i].id, (long long)v[i].alert_id, attempts, e.msg);
        rc = eg__rules_outbox_mark(r->hook.db, v[i].id, ok, now, next, ok ? NULL : e.msg, err);
        if (ok) {
            count(r, &r->stats.delivered, 1);
            if (sent)
                (*sent)++;
        } else {
            count(r, &r->stats.delivery_failures, 1);
            if (failed)
                (*failed)++;
        }
    }
    eg__rules_outbox_free(v, n);
    return rc;
}

/* ---- the service ---- */

static int pend_cmp(const void *a, const void *b)
{
    const struct pend *x = a, *y = b;
    int c = strcmp(x->source, y->source);
    if (!c)
        c = strcmp(x->pollutant, y->pollutant);
    if (!c)
        c = (x->kind > y->kind) - (x->kind < y->kind);
    if (!c)
        c = (x->h0 > y->h0) - (x->h0 < y->h0);
    return c;
}

/* The evaluation job: takes everything heard so far, merges the ranges of each series (sorted
   by series, the hours of one series joined into one range), evaluates, and goes on while more
   arrived meanwhile. Only one runs at a time (eval_scheduled). */
static int job_eval(void *arg, struct eg_err *err)
{
    struct eg_rules *r = arg;
    int rc = 0;
    for (;;) {
        pthread_mutex_lock(&r->pend_mu);
        struct pend *p = r->pend;
        size_t n = r->npend;
        r->pend = NULL;
        r->npend = r->cappend = 0;
        if (!n || r->stopped) {
            r->eval_scheduled = 0;
            pthread_mutex_unlock(&r->pend_mu);
            free(p);
            return rc;
        }
        pthread_mutex_unlock(&r->pend_mu);
        qsort(p, n, sizeof *p, pend_cmp);
        struct eg_event *ev = eg_calloc(n, sizeof *ev);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (m && !strcmp(ev[m - 1].source, p[i].source) &&
                !strcmp(ev[m - 1].pollutant, p[i].pollutant) &&
                ev[m - 1].series_kind == p[i].kind) {
                if (p[i].h1 > ev[m - 1].hour_to)
                    ev[m - 1].hour_to = p[i].h1;
                continue;
            }
            ev[m++] = (struct eg_event){EG_EVENT_INGEST, p[i].source, p[i].pollutant,
                                        p[i].kind,       p[i].h0,     p[i].h1};
        }
        struct eg_err e = {0};
        int one = eg_rules_on_events(r, ev, m, &e);
        if (one && !rc) {
            rc = one;
            *err = e;
        }
        free(ev);
        free(p);
    }
}

/* The feed subscriber (on the events' job thread): copies the events into the pending set and
   makes sure an evaluation job is scheduled. Under load the evaluation takes what several
   commits brought at once, so a busy series is evaluated once per round instead of once per
   commit, and the feed never waits for the rules. */
static void on_feed(void *ctx, const struct eg_event *ev, size_t n)
{
    struct eg_rules *r = ctx;
    if (r->stopped)
        return;
    pthread_mutex_lock(&r->pend_mu);
    size_t dropped = 0;
    for (size_t i = 0; i < n; i++) {
        if (r->npend >= EG_RULES_MAX_PENDING || strlen(ev[i].source) >= 65 ||
            strlen(ev[i].pollutant) >= 17) {
            dropped++;
            continue;
        }
        if (r->npend == r->cappend) {
            r->cappend = r->cappend ? r->cappend * 2 : 256;
            r->pend = eg_realloc(r->pend, r->cappend * sizeof *r->pend);
        }
        struct pend *p = &r->pend[r->npend++];
        memcpy(p->source, ev[i].source, strlen(ev[i].source) + 1);
        memcpy(p->pollutant, ev[i].pollutant, strlen(ev[i].pollutant) + 1);
        p->kind = ev[i].series_kind;
        p->h0 = ev[i].hour_from;
        p->h1 = ev[i].hour_to;
    }
    if (!r->eval_scheduled && r->npend) {
        if (eg_jobs_after(r->app->jobs, "rules.evaluate", 0, job_eval, r) > 0)
            r->eval_scheduled = 1;
        else
            eg_log(EG_LOG_ERROR, "rules: no room to schedule the evaluation job; retried on the "
                                 "next commit");
    }
    pthread_mutex_unlock(&r->pend_mu);
    if (dropped)
        eg_log(EG_LOG_WARN, "rules: %zu events dropped (over %d waiting, or names too long)",
               dropped, EG_RULES_MAX_PENDING);
}

static int job_sched(void *arg, struct eg_err *err)
{
    return eg_rules_run_scheduled(arg, err);
}

static int job_hook(void *arg, struct eg_err *err)
{
    return eg_rules_deliver(arg, NULL, NULL, err);
}

int eg_rules_service_start(struct eg_app *app, const struct eg_rules_config *cfg,
                           struct eg_rules **out, struct eg_err *err)
{
    struct eg_rules *r;
    int rc = eg_rules_new(app->db_path, cfg, &r, err);
    if (rc)
        return rc;
    r->app = app;
    r->job_sched = eg_jobs_every(app->jobs, "rules.scheduled", cfg->schedule_ms, cfg->schedule_ms,
                                 job_sched, r);
    int64_t hook_ms = cfg->webhook_backoff_ms < 1000 ? cfg->webhook_backoff_ms : 1000;
    r->job_hook = cfg->webhook_url[0]
                      ? eg_jobs_every(app->jobs, "rules.webhook", hook_ms, hook_ms, job_hook, r)
                      : 1;
    if (r->job_sched <= 0 || r->job_hook <= 0) {
        if (r->job_sched > 0)
            eg_jobs_cancel(app->jobs, r->job_sched);
        eg_rules_free(r);
        return eg_err_set(err, EG_ENOMEM, "jobs_full", -1, "no room for the rules jobs");
    }
    if (!cfg->webhook_url[0])
        r->job_hook = 0;
    eg_events_subscribe(app->events, on_feed, r);
    *out = r;
    return 0;
}

void eg_rules_service_stop(struct eg_app *app, struct eg_rules *r)
{
    if (!r)
        return;
    eg_events_flush(app->events);
    r->stopped = 1;
    /* wait for a running or scheduled evaluation to finish (it stops at its next round) */
    for (;;) {
        pthread_mutex_lock(&r->pend_mu);
        int busy = r->eval_scheduled;
        pthread_mutex_unlock(&r->pend_mu);
        if (!busy)
            break;
        usleep(2000);
    }
    if (r->job_sched > 0)
        eg_jobs_cancel(app->jobs, r->job_sched);
    if (r->job_hook > 0)
        eg_jobs_cancel(app->jobs, r->job_hook);
    eg_rules_free(r);
}
