/*
 * api_series.c: the time-series API over ts/ts.h.
 *
 *   GET  /api/v1/series?source=&pollutant=&kind=&field=&computed=&from=&to=&bucket=&tier=&format=
 *        raw samples (time, value, flag, validity marks) or, with bucket=1h|1d, avg/min/max/count
 *        per bucket; format=json (default), csv or xlsx (export). Times are Beijing time
 *        "YYYY-MM-DD HH:MM:SS" in and out.
 *   GET  /api/v1/series/latest?keys=SRC:POL,SRC:POL…&kind=&field=   latest of many (maps)
 *   POST /api/v1/observations   {"observations":[{station,time,pollutant,value,flag,kind,field}…]}
 *        JSON batch of ambient observations; idempotent; rejected items reported by index.
 *   POST /api/v1/series/declarations  abnormal condition of a source (enterprise: its own
 *        confirmed outlet devices, never a station)
 *   POST /api/v1/series/reviews       数据审核 (bureau): verdict + reason, audited in ts_review
 *   GET  /api/v1/series/rates         传输率 / 有效数据率 of a source
 *
 * Who may read a series is the registry's rule, decided in one place
 * (eg_registry_source_readable, docs/registry.md): a readable station, a readable device, or a
 * device measuring a readable station — so admin and bureau every source; a street user its
 * region's stations and devices and the public stations; an enterprise its own devices; a
 * steward its contracted units' devices; everyone the public stations and their devices.
 * Writes: observations and reviews admin and bureau; declarations also an enterprise for its
 * own devices.
 */
#include "http/http_internal.h"
#include "registry/registry.h"
#include "ts/ts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LATEST 10000
#define MAX_OBS 50000

/* Whether who may read the measurements of SOURCE (a station code or device MN): the
   registry's rule, decided there only (eg_registry_source_readable, docs/registry.md). */
static int can_read(struct eg_db *st, const struct eg_principal *who, const char *source)
{
    return eg_registry_source_readable(st, who, source, NULL) == 0;
}

/* Whether SOURCE is a confirmed device of the enterprise's own outlets: the devices it may see
   in the registry (row scope "own outlets"; devices are never public), resolved through the
   registry by MN, so never a station (device MNs and station codes are disjoint, registry.h).
   A device the bureau has not confirmed does not count for compliance, so its owner cannot
   excuse its data with a declaration either. */
static int own_device(struct eg_db *st, const struct eg_principal *who, const char *source)
{
    const char *names[] = {"mn", "confirmed"}, *values[] = {source, "true"};
    struct eg_list_query q = {
        .limit = 1, .filter_names = names, .filter_values = values, .nfilters = 2};
    json_t *rows = NULL;
    int ok = who->role == EG_ROLE_ENTERPRISE &&
             eg_registry_list(st, eg_registry_find("devices"), who, &q, &rows, NULL, NULL) == 0 &&
             json_array_size(rows) == 1;
    json_decref(rows);
    return ok;
}

/* The store and JSON body of a POST; DENIED, when given, answers 403 to anyone but admin and
   bureau. */
static int post_begin(struct eg_http_req *rq, const char *denied, struct eg_db **st, json_t **body)
{
    const struct eg_principal *who = eg_http_principal(rq);
    if (denied && who->role != EG_ROLE_ADMIN && who->role != EG_ROLE_BUREAU)
        return eg_err_set(eg_http_err(rq), EG_EPERM, "forbidden", -1, "%s", denied);
    int rc = eg_http_store(rq, st);
    return rc ? rc : eg_http_body_json(rq, body);
}

static int bad(struct eg_http_req *rq, const char *code, const char *msg)
{
    return eg_err_set(eg_http_err(rq), EG_EINVAL, code, -1, "%s", msg);
}

/* kind= and computed= of a series query, from the route's table, and field= (default Rtd for
   real-time data, else Avg). kind absent: decided by pick_kind once the source is known. */
static int get_series_kind(struct eg_http_req *rq, int64_t *kind, int64_t *computed,
                           const char **field, int *kind_given)
{
    const char *k = NULL;
    int c = 0, rc;
    if ((rc = eg_http_arg_str(rq, "kind", &k)) < 0 ||
        (rc = eg_http_arg_bool(rq, "computed", &c)) < 0)
        return rc;
    *kind_given = k != NULL && eg_http_query(rq, "kind") != NULL;
    *kind = k ? strtol(k, NULL, 10) : EG_TS_KIND_MINUTE;
    *computed = c;
    *field = NULL;
    if ((rc = eg_http_arg_str(rq, "field", field)) < 0)
        return rc;
    if (!*field)
        *field = *kind == EG_TS_KIND_RTD ? "Rtd" : "Avg";
    return 0;
}

/* A pollutant as the store names it: the HJ 212 code, or the code of a common name (PM2.5,
   PM10, SO2, NO2, O3, CO; docs/timeseries.md), into buf. */
static const char *pollutant_code(const char *name, char *buf, size_t n)
{
    const char *code = eg_ts_pollutant_code(name, strlen(name));
    snprintf(buf, n, "%s", code ? code : name);
    return buf;
}

struct series_list {
    struct eg_buf text; /* "a34004 kind=2061 field=Avg, …" */
    int n;
    const char *pollutant, *field;
    int computed, want_computed;
    int best_kind; /* the finest kind the source has for pollutant (and field) */
};

static int kind_rank(int kind)
{
    return kind == EG_TS_KIND_RTD      ? 0
           : kind == EG_TS_KIND_MINUTE ? 1
           : kind == EG_TS_KIND_HOUR   ? 2
                                       : 3;
}

static int series_list_one(void *arg, const struct eg_ts_series_row *r)
{
    struct series_list *l = arg;
    if (l->n < 12)
        eg_buf_printf(&l->text, "%s%s kind=%d field=%s%s", l->n ? ", " : "", r->key.pollutant,
                      r->key.kind, r->key.field, r->key.computed ? " computed=true" : "");
    l->n++;
    if (l->pollutant && !strcmp(r->key.pollutant, l->pollutant) &&
        (!l->field || !strcmp(r->key.field, l->field)) && r->key.computed == l->want_computed &&
        (!l->best_kind || kind_rank(r->key.kind) < kind_rank(l->best_kind)))
        l->best_kind = r->key.kind;
    return 0;
}

/* When kind= is not given: the minute series if the source has one for pollutant, else the
   finest kind it has (a station's observations are hourly, 2061). The default stays 2051 when
   the source has no such series at all (the 404 then lists what it has). */
static int pick_kind(struct eg_ts *ts, const char *source, const char *pollutant, const char *field,
                     int computed, int64_t *kind, const char **field_out, struct eg_err *err)
{
    struct series_list l = {.pollutant = pollutant, .field = field, .want_computed = computed};
    int rc = eg_ts_series_each(ts, source, series_list_one, &l, err);
    eg_buf_free(&l.text);
    if (rc)
        return rc;
    if (l.best_kind && l.best_kind != *kind) {
        *kind = l.best_kind;
        if (!field)
            *field_out = *kind == EG_TS_KIND_RTD ? "Rtd" : "Avg";
    }
    return 0;
}

/* A 404 for a series the source does not have, naming the ones it has. */
static int no_series(struct eg_http_req *rq, struct eg_ts *ts, const struct eg_ts_key *k)
{
    struct series_list l = {0};
    struct eg_err e;
    eg_err_clear(&e);
    eg_ts_series_each(ts, k->source, series_list_one, &l, &e);
    eg_buf_append(&l.text, "", 1);
    int rc;
    if (l.n)
        rc = eg_err_set(eg_http_err(rq), EG_ENOTFOUND, "unknown_series", -1,
                        "%.64s has no series %s kind=%d field=%s%s; it has: %s%s — ask for one "
                        "of these (kind=, field=, computed=)",
                        k->source, k->pollutant, k->kind, k->field,
                        k->computed ? " computed=true" : "", l.text.data, l.n > 12 ? ", …" : "");
    else
        rc = eg_err_set(eg_http_err(rq), EG_ENOTFOUND, "unknown_series", -1,
                        "%.64s has no data yet: a device's series appear when it sends HJ 212 "
                        "data, a station's when observations are imported (envgov observations "
                        "import, POST /api/v1/observations)",
                        k->source);
    eg_buf_free(&l.text);
    return rc;
}

static json_t *tstr(int64_t t)
{
    char b[32];
    eg_time_format_beijing(t, b, sizeof b);
    return json_string(b);
}

static json_t *num_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static int h_series(struct eg_http_req *rq)
{
    struct eg_db *st;
    int rc = eg_http_store(rq, &st);
    if (rc)
        return rc;
    const char *source = NULL, *pollutant = NULL, *bucket = NULL, *tier_s = NULL;
    char pbuf[24];
    int64_t kind, computed, from, to;
    const char *field;
    int kind_given;
    if ((rc = eg_http_arg_str(rq, "source", &source)) < 0 ||
        (rc = eg_http_arg_str(rq, "pollutant", &pollutant)) < 0 ||
        (rc = get_series_kind(rq, &kind, &computed, &field, &kind_given)) < 0 ||
        (rc = eg__http_range(rq, "from", "to", &from, &to)) < 0 ||
        (rc = eg_http_arg_str(rq, "bucket", &bucket)) < 0 ||
        (rc = eg_http_arg_str(rq, "tier", &tier_s)) < 0)
        return rc;
    pollutant = pollutant_code(pollutant, pbuf, sizeof pbuf);
    int64_t bucket_s = !strcmp(bucket, "1h") ? 3600 : !strcmp(bucket, "1d") ? 86400 : 0;
    int tier = !strcmp(tier_s, "reviewed") ? EG_TS_REVIEWED : EG_TS_PRELIMINARY;
    int fmt;
    if ((rc = eg_http_format(rq, &fmt)))
        return rc;
    if (!can_read(st, eg_http_principal(rq), source))
        return eg_err_set(eg_http_err(rq), EG_ENOTFOUND, "unknown_series", -1,
                          "no series %.64s/%.16s visible to you", source, pollutant);
    struct eg_ts *ts;
    if ((rc = eg_ts_open(st, &ts, eg_http_err(rq))))
        return rc;
    if (!kind_given && (rc = pick_kind(ts, source, pollutant, eg_http_query(rq, "field"),
                                       (int)computed, &kind, &field, eg_http_err(rq)))) {
        eg_ts_close(ts);
        return rc;
    }
    struct eg_ts_key key = {source, pollutant, (int)kind, field, computed ? 1 : 0};
    json_t *items = json_array();
    if (bucket_s) {
        struct eg_ts_bucket *b;
        size_t n;
        rc = eg_ts_query_buckets(ts, &key, from, to, bucket_s, tier, &b, &n, eg_http_err(rq));
        for (size_t i = 0; rc == 0 && i < n; i++)
            json_array_append_new(
                items, json_pack("{s:o,s:o,s:o,s:o,s:i,s:i}", "time", tstr(b[i].t), "avg",
                                 num_or_null(b[i].avg), "min", num_or_null(b[i].min), "max",
                                 num_or_null(b[i].max), "count", (json_int_t)b[i].count, "total",
                                 (json_int_t)b[i].total));
        if (rc == 0)
            free(b);
    } else {
        struct eg_ts_row *r;
        size_t n;
        /* raw answers are bounded; a longer range asks for buckets */
        rc = eg_ts_query(ts, &key, from, to, tier, 200000, &r, &n, eg_http_err(rq));
        for (size_t i = 0; rc == 0 && i < n; i++) {
            char f[2] = {r[i].flag, 0};
            const char *rev = r[i].mark & EG_TS_MARK_REVIEW_INVALID ? "invalid"
                              : r[i].mark & EG_TS_MARK_REVIEW_VALID ? "valid"
                                                                    : NULL;
            json_array_append_new(
                items, json_pack("{s:o,s:f,s:s,s:b,s:b,s:o}", "time", tstr(r[i].t), "value", r[i].v,
                                 "flag", f, "valid", (r[i].mark & EG_TS_MARK_VALID) != 0,
                                 "declared", (r[i].mark & EG_TS_MARK_DECLARED) != 0, "review",
                                 rev ? json_string(rev) : json_null()));
        }
        if (rc == 0)
            free(r);
    }
    if (rc == EG_ENOTFOUND && !strcmp(eg_http_err(rq)->code, "unknown_series"))
        rc = no_series(rq, ts, &key);
    eg_ts_close(ts);
    if (rc) {
        json_decref(items);
        return rc;
    }
    static const struct eg_http_column raw_cols[] = {
        {.name = "time", .label_zh = "时间"},         {.name = "value", .label_zh = "监测值"},
        {.name = "flag", .label_zh = "数据标记"},     {.name = "valid", .label_zh = "有效"},
        {.name = "declared", .label_zh = "异常申报"}, {.name = "review", .label_zh = "审核结论"}};
    static const struct eg_http_column bucket_cols[] = {
        {.name = "time", .label_zh = "时间"},      {.name = "avg", .label_zh = "均值"},
        {.name = "min", .label_zh = "最小值"},     {.name = "max", .label_zh = "最大值"},
        {.name = "count", .label_zh = "有效个数"}, {.name = "total", .label_zh = "样本个数"}};
    return eg_http_reply_list(rq, "监测数据", "series", bucket_s ? bucket_cols : raw_cols, 6, items,
                              NULL);
}

static int h_latest(struct eg_http_req *rq)
{
    struct eg_db *st;
    int rc = eg_http_store(rq, &st);
    if (rc)
        return rc;
    const char *keys = NULL;
    int64_t kind, computed;
    const char *field;
    int kind_given;
    if ((rc = eg_http_arg_str(rq, "keys", &keys)) < 0 ||
        (rc = get_series_kind(rq, &kind, &computed, &field, &kind_given)) < 0)
        return rc;
    if (!*keys)
        return bad(rq, "bad_query", "keys=SOURCE:POLLUTANT,… is required");
    size_t n = 1;
    for (const char *p = keys; *p; p++)
        n += *p == ',';
    if (n > MAX_LATEST)
        return eg_err_set(eg_http_err(rq), EG_ETOOBIG, "too_many_keys", -1,
                          "at most %d series at once", MAX_LATEST);
    char *copy = eg_strdup(keys);
    struct eg_ts_key *k = eg_calloc(n, sizeof *k);
    size_t m = 0;
    for (char *p = copy; p;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        char *colon = strchr(p, ':');
        if (!colon) {
            free(copy);
            free(k);
            return bad(rq, "bad_query", "each key is SOURCE:POLLUTANT");
        }
        *colon = '\0';
        const char *code = eg_ts_pollutant_code(colon + 1, strlen(colon + 1));
        k[m++] = (struct eg_ts_key){p, code ? code : colon + 1, (int)kind, field, computed ? 1 : 0};
        p = comma ? comma + 1 : NULL;
    }
    const struct eg_principal *who = eg_http_principal(rq);
    struct eg_ts *ts;
    struct eg_ts_row *out = eg_calloc(m, sizeof *out);
    int *found = eg_calloc(m, sizeof *found);
    rc = eg_ts_open(st, &ts, eg_http_err(rq));
    if (rc == 0) {
        rc = eg_ts_latest(ts, k, m, out, found, eg_http_err(rq));
        eg_ts_close(ts);
    }
    json_t *items = json_array();
    for (size_t i = 0; rc == 0 && i < m; i++) {
        int vis = found[i] && can_read(st, who, k[i].source);
        char f[2] = {out[i].flag, 0};
        json_array_append_new(items, vis ? json_pack("{s:s,s:s,s:o,s:f,s:s}", "source", k[i].source,
                                                     "pollutant", k[i].pollutant, "time",
                                                     tstr(out[i].t), "value", out[i].v, "flag", f)
                                         : json_pack("{s:s,s:s,s:n,s:n,s:n}", "source", k[i].source,
                                                     "pollutant", k[i].pollutant, "time", "value",
                                                     "flag"));
    }
    free(copy);
    free(k);
    free(out);
    free(found);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return eg_http_reply_json(rq, 200, json_pack("{s:o}", "items", items));
}

static int h_observations(struct eg_http_req *rq)
{
    struct eg_db *st;
    json_t *body;
    int rc = post_begin(rq, "only bureau and admin users submit observations", &st, &body);
    if (rc)
        return rc;
    json_t *arr = json_object_get(body, "observations");
    if (!json_is_array(arr))
        return bad(rq, "wrong_type", "body must be {\"observations\":[…]}");
    size_t n = json_array_size(arr);
    if (n > MAX_OBS)
        return eg_err_set(eg_http_err(rq), EG_ETOOBIG, "too_many", -1,
                          "at most %d observations per request", MAX_OBS);
    struct eg_ts_point *p = eg_calloc(n ? n : 1, sizeof *p);
    char(*pol)[17] = eg_calloc(n ? n : 1, sizeof *pol);
    size_t np = 0;
    json_t *rejected = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        const char *why = NULL;
        json_t *jt = json_object_get(o, "time"), *jv = json_object_get(o, "value");
        const char *station = json_string_value(json_object_get(o, "station"));
        const char *pn = json_string_value(json_object_get(o, "pollutant"));
        const char *flag = json_string_value(json_object_get(o, "flag"));
        const char *field = json_string_value(json_object_get(o, "field"));
        json_t *jk = json_object_get(o, "kind");
        int64_t t = 0;
        if (!json_is_object(o))
            why = "not an object";
        else if (!station || !pn)
            why = "station and pollutant are required strings";
        else if (!json_is_number(jv) || !isfinite(json_number_value(jv)))
            why = "value must be a finite number";
        else if (json_is_integer(jt))
            t = json_integer_value(jt);
        else if (!json_is_string(jt) ||
                 eg_time_parse_beijing(json_string_value(jt), json_string_length(jt), &t))
            why = "time must be an existing Beijing time (YYYY-MM-DD HH:MM[:SS]) or UTC seconds";
        if (!why && flag && (strlen(flag) != 1 || flag[0] < 'A' || flag[0] > 'Z'))
            why = "flag must be one HJ 212 letter (N F M S D C T B)";
        if (!why && jk && !json_is_integer(jk))
            why = "kind must be 2011, 2051, 2061 or 2031";
        struct eg_err kerr;
        eg_err_clear(&kerr);
        if (!why) {
            const char *code = eg_ts_pollutant_code(pn, strlen(pn));
            snprintf(pol[np], sizeof pol[np], "%s", code ? code : pn);
            p[np] = (struct eg_ts_point){{station, pol[np],
                                          jk ? (int)json_integer_value(jk) : EG_TS_KIND_HOUR,
                                          field ? field : "Avg", 0},
                                         t,
                                         json_number_value(jv),
                                         flag ? flag[0] : 'N'};
            if (strlen(pn) > 16)
                why = "pollutant must be an HJ 212 code (at most 16 characters)";
            else if (eg_ts_key_valid(&p[np].key, &kerr))
                why = kerr.msg;
        }
        int is_device = 0;
        if (!why && (rc = eg_registry_is_device_mn(st, station, &is_device, eg_http_err(rq))))
            break;
        if (!why && is_device)
            why = "station names a device MN: a device's data arrives over HJ 212, never as "
                  "station observations";
        if (why)
            json_array_append_new(rejected,
                                  json_pack("{s:i,s:s}", "index", (json_int_t)i, "reason", why));
        else
            np++;
    }
    if (rc) {
        free(p);
        free(pol);
        json_decref(rejected);
        return rc;
    }
    struct eg_ts *ts = NULL;
    struct eg_ts_report rep = {0};
    rc = eg_ts_open(st, &ts, eg_http_err(rq));
    if (rc == 0 && np) {
        rc = eg_ts_write_batch(ts, p, np, EG_TS_CREATE, &rep, eg_http_err(rq));
        if (rc == 0)
            rc = eg_ts_aggregate(ts, NULL, eg_http_err(rq));
    }
    if (ts)
        eg_ts_close(ts);
    free(p);
    free(pol);
    if (rc) {
        json_decref(rejected);
        return rc;
    }
    int status = np == 0 && n > 0 ? 422 : 200;
    return eg_http_reply_json(
        rq, status,
        json_pack("{s:i,s:i,s:i,s:i,s:i,s:o}", "written", (json_int_t)rep.written, "duplicates",
                  (json_int_t)rep.duplicates, "replaced", (json_int_t)rep.replaced, "quarantined",
                  (json_int_t)rep.quarantined, "accepted", (json_int_t)np, "rejected", rejected));
}

/* Reads a Beijing time (text) or UTC seconds (integer) member of a JSON object. */
static int json_time(json_t *o, const char *name, int64_t *t)
{
    json_t *v = json_object_get(o, name);
    if (json_is_integer(v)) {
        *t = json_integer_value(v);
        return 0;
    }
    if (json_is_string(v) && !eg_time_parse_beijing(json_string_value(v), json_string_length(v), t))
        return 0;
    return -1;
}

/* POST /api/v1/series/declarations {source, pollutant?, from, to, reason, note?}:
   an enterprise declares for its own devices, bureau and admin for any source. */
static int h_declare(struct eg_http_req *rq)
{
    const struct eg_principal *who = eg_http_principal(rq);
    struct eg_db *st;
    json_t *b;
    int rc = post_begin(rq, NULL, &st, &b);
    if (rc)
        return rc;
    const char *source = json_string_value(json_object_get(b, "source"));
    const char *pollutant = json_string_value(json_object_get(b, "pollutant"));
    /* "condition" is what the field means (停运 stopped, 故障 fault, 维护 maintenance, 校准
       calibration); "reason", its first name, is still accepted */
    const char *reason = json_string_value(json_object_get(b, "condition"));
    if (!reason)
        reason = json_string_value(json_object_get(b, "reason"));
    const char *note = json_string_value(json_object_get(b, "note"));
    char pbuf[24];
    if (pollutant)
        pollutant = pollutant_code(pollutant, pbuf, sizeof pbuf);
    int64_t from, to;
    if (!source || !reason || json_time(b, "from", &from) || json_time(b, "to", &to))
        return bad(rq, "wrong_type",
                   "source, condition (stopped, fault, maintenance or calibration), from and to "
                   "(Beijing time) are required");
    if (who->role != EG_ROLE_ADMIN && who->role != EG_ROLE_BUREAU && !own_device(st, who, source))
        return eg_err_set(eg_http_err(rq), EG_EPERM, "forbidden", -1,
                          "you may declare only for your own devices the bureau has "
                          "confirmed");
    struct eg_ts *ts;
    if ((rc = eg_ts_open(st, &ts, eg_http_err(rq))))
        return rc;
    int64_t id = 0;
    rc = eg_ts_declare(ts, source, pollutant, from, to, reason, note, who->username, &id,
                       eg_http_err(rq));
    eg_ts_close(ts);
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

/* POST /api/v1/series/reviews {source, pollutant, kind?, field?, from, to, verdict, reason}:
   数据审核 by bureau officers; the officer is the logged-in user. */
static int h_review(struct eg_http_req *rq)
{
    const struct eg_principal *who = eg_http_principal(rq);
    struct eg_db *st;
    json_t *b;
    int rc = post_begin(rq, "only bureau officers review data", &st, &b);
    if (rc)
        return rc;
    const char *source = json_string_value(json_object_get(b, "source"));
    const char *pollutant = json_string_value(json_object_get(b, "pollutant"));
    const char *field = json_string_value(json_object_get(b, "field"));
    const char *verdict = json_string_value(json_object_get(b, "verdict"));
    const char *reason = json_string_value(json_object_get(b, "reason"));
    json_t *jk = json_object_get(b, "kind");
    char pbuf[24];
    if (pollutant)
        pollutant = pollutant_code(pollutant, pbuf, sizeof pbuf);
    int64_t from, to;
    if (!source || !pollutant || !verdict || json_time(b, "from", &from) ||
        json_time(b, "to", &to) || (jk && !json_is_integer(jk)))
        return bad(rq, "wrong_type",
                   "source, pollutant, verdict (strings), from and to (Beijing "
                   "time) are required; kind is an integer");
    int kind = jk ? (int)json_integer_value(jk) : EG_TS_KIND_MINUTE;
    struct eg_ts_key key = {source, pollutant, kind,
                            field                    ? field
                            : kind == EG_TS_KIND_RTD ? "Rtd"
                                                     : "Avg",
                            0};
    struct eg_ts *ts;
    if ((rc = eg_ts_open(st, &ts, eg_http_err(rq))))
        return rc;
    int64_t id = 0;
    rc = eg_ts_review(ts, &key, from, to, verdict, reason, who->username, &id, eg_http_err(rq));
    eg_ts_close(ts);
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

/* GET /api/v1/series/rates?source=&kind=&from=&to=  传输率 / 有效数据率 */
static int h_rates(struct eg_http_req *rq)
{
    struct eg_db *st;
    int rc = eg_http_store(rq, &st);
    if (rc)
        return rc;
    const char *source = NULL, *ks = NULL;
    int64_t kind, from, to;
    if ((rc = eg_http_arg_str(rq, "source", &source)) < 0 ||
        (rc = eg_http_arg_str(rq, "kind", &ks)) < 0 ||
        (rc = eg__http_range(rq, "from", "to", &from, &to)) < 0)
        return rc;
    kind = strtol(ks, NULL, 10);
    if (!can_read(st, eg_http_principal(rq), source))
        return eg_err_set(eg_http_err(rq), EG_ENOTFOUND, "unknown_source", -1,
                          "no source %.64s visible to you", source);
    struct eg_ts *ts;
    if ((rc = eg_ts_open(st, &ts, eg_http_err(rq))))
        return rc;
    struct eg_ts_rates r;
    rc = eg_ts_rates(ts, source, (int)kind, from, to, &r, eg_http_err(rq));
    eg_ts_close(ts);
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 200,
                              json_pack("{s:s,s:i,s:i,s:I,s:I,s:I,s:f,s:f}", "source", source,
                                        "kind", (int)kind, "series", r.series, "expected",
                                        (json_int_t)r.expected, "received", (json_int_t)r.received,
                                        "valid", (json_int_t)r.valid, "transmission_rate",
                                        r.transmission_rate, "valid_rate", r.valid_rate));
}

/* ---- the route tables */

#define KIND_PARAM                                                                                 \
    {                                                                                              \
        .name = "kind", .type = EG_PT_ENUM, .enum_values = "2011|2051|2061|2031",                  \
        .description_zh = "数据类型 (HJ 212 CN): 2011 实时, 2051 分钟, 2061 小时, 2031 日",        \
        .description_en = "HJ 212 data kind: 2011 real-time, 2051 minute, 2061 hour, 2031 day; "   \
                          "default the finest the source has for the pollutant (2051 when it has " \
                          "several, 2061 for a station's hourly observations)",                    \
        .example = "2061"                                                                          \
    }
#define FIELD_PARAM                                                                                \
    {                                                                                              \
        .name = "field", .type = EG_PT_ENUM,                                                       \
        .enum_values = "Rtd|Avg|Min|Max|Cou|ZsRtd|ZsAvg|ZsMin|ZsMax|ZsCou",                        \
        .description_zh = "数据项, 实时数据默认 Rtd, 其余默认 Avg",                                \
        .description_en = "HJ 212 field; default Rtd for kind 2011, else Avg"                      \
    }
#define COMPUTED_PARAM                                                                             \
    {                                                                                              \
        .name = "computed", .type = EG_PT_BOOL, .dflt = "false",                                   \
        .description_zh = "平台计算的小时/日均值 (true) 或设备上报值 (false)",                     \
        .description_en = "the platform's own hourly/daily means (true) rather than the device's"  \
    }
#define FROM_PARAM                                                                                 \
    {                                                                                              \
        .name = "from", .type = EG_PT_TIME, .flags = EG_PF_REQUIRED,                               \
        .description_zh = "起始时间 (北京时间, 含)",                                               \
        .description_en = "start, Beijing time, inclusive", .example = "2026-12-01"                \
    }
#define TO_PARAM                                                                                   \
    {                                                                                              \
        .name = "to", .type = EG_PT_TIME, .flags = EG_PF_REQUIRED | EG_PF_RANGE_END,               \
        .description_zh = "结束时间 (北京时间, 不含; 只写日期即含当天)",                           \
        .description_en = "end, Beijing time, exclusive; a date alone includes that whole day",    \
        .example = "2026-12-03"                                                                    \
    }
#define SOURCE_PARAM                                                                               \
    {                                                                                              \
        .name = "source", .type = EG_PT_STRING, .flags = EG_PF_REQUIRED, .max_len = 64,            \
        .description_zh = "监测站点编码或设备 MN 号",                                              \
        .description_en = "station code or device MN", .example = "SH-PD-AIR-01"                   \
    }

static const struct eg_http_param_spec series_params[] = {
    SOURCE_PARAM,
    {.name = "pollutant",
     .type = EG_PT_STRING,
     .flags = EG_PF_REQUIRED,
     .max_len = 16,
     .description_zh = "污染物: HJ 212 编码 (a34004) 或常用名 PM2.5 PM10 SO2 NO2 O3 CO",
     .description_en = "pollutant: HJ 212-2017 code (a34004, w01018) or PM2.5, PM10, SO2, NO2, "
                       "O3, CO",
     .example = "PM2.5"},
    KIND_PARAM,
    FIELD_PARAM,
    COMPUTED_PARAM,
    FROM_PARAM,
    TO_PARAM,
    {.name = "bucket",
     .type = EG_PT_ENUM,
     .enum_values = "raw|1h|1d",
     .dflt = "raw",
     .description_zh = "原始数据, 或按小时/日统计 (均值、最小、最大、个数)",
     .description_en = "raw samples, or avg/min/max/count per hour or day"},
    {.name = "tier",
     .type = EG_PT_ENUM,
     .enum_values = "preliminary|reviewed",
     .dflt = "preliminary",
     .description_zh = "原始数据, 或审核后的数据",
     .description_en = "as received, or with the officers' reviews applied"},
    {0},
};

static const struct eg_http_param_spec latest_params[] = {
    {.name = "keys",
     .type = EG_PT_LIST,
     .flags = EG_PF_REQUIRED,
     .max_len = MAX_LATEST,
     .description_zh = "序列列表 SOURCE:POLLUTANT, 逗号分隔",
     .description_en = "series as SOURCE:POLLUTANT, comma-separated (pollutant: code or "
                       "common name)",
     .example = "SH-PD-AIR-01:PM2.5,88888880000001:a21026"},
    {.name = "kind",
     .type = EG_PT_ENUM,
     .enum_values = "2011|2051|2061|2031",
     .dflt = "2051",
     .description_zh = "数据类型 (HJ 212 CN): 2011 实时, 2051 分钟, 2061 小时, 2031 日",
     .description_en = "HJ 212 data kind of every key: 2011 real-time, 2051 minute, 2061 hour, "
                       "2031 day",
     .example = "2061"},
    FIELD_PARAM,
    COMPUTED_PARAM,
    {0},
};

static const struct eg_http_param_spec rates_params[] = {
    SOURCE_PARAM,
    {.name = "kind",
     .type = EG_PT_ENUM,
     .enum_values = "2011|2051|2061|2031",
     .dflt = "2051",
     .description_zh = "按哪类数据计算 (HJ 212 CN)",
     .description_en = "the data kind the rates count (HJ 212 CN)"},
    FROM_PARAM,
    TO_PARAM,
    {0},
};

#define TIME_SCHEMA                                                                                \
    "{\"oneOf\":[{\"type\":\"string\",\"description\":\"Beijing time YYYY-MM-DD HH:MM[:SS]\"},"    \
    "{\"type\":\"integer\",\"description\":\"UTC epoch seconds\"}]}"

static const struct eg_http_route_spec series_specs[] = {
    {.method = "GET",
     .pattern = "/api/v1/series",
     .fn = h_series,
     .flags = EG_ROUTE_PUBLIC | EG_ROUTE_LIST,
     .summary = "Samples of one series (raw or avg/min/max per 1h/1d bucket), with flags and "
                "validity; CSV/XLSX export",
     .summary_zh = "单个序列的监测数据 (原始或小时/日统计), 可导出 CSV/XLSX",
     .description = "Times are Beijing time in and out. The range is [from, to); a date alone as "
                    "`to` includes that day, so `from=2026-12-03&to=2026-12-03` is the whole day.",
     .params = series_params,
     .answer_schema =
         "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{"
         "\"type\":\"object\",\"properties\":{\"time\":{\"type\":\"string\"},\"value\":{\"type\":"
         "\"number\"},\"flag\":{\"type\":\"string\",\"description\":\"HJ 212 flag N F M S D C T "
         "B\"},\"valid\":{\"type\":\"boolean\"},\"declared\":{\"type\":\"boolean\"},\"review\":{"
         "\"type\":\"string\",\"nullable\":true,\"enum\":[\"valid\",\"invalid\"]},\"avg\":{"
         "\"type\":\"number\",\"nullable\":true},\"min\":{\"type\":\"number\",\"nullable\":true},"
         "\"max\":{\"type\":\"number\",\"nullable\":true},\"count\":{\"type\":\"integer\"},"
         "\"total\":{\"type\":\"integer\"}}}},\"next_cursor\":{\"type\":\"string\",\"nullable\":"
         "true}}}",
     .access = "everyone: public stations and their devices; street: its region's stations and "
               "devices; enterprise: its own devices; steward: its contracted units' devices; "
               "bureau and admin: every source"},
    {.method = "GET",
     .pattern = "/api/v1/series/latest",
     .fn = h_latest,
     .flags = EG_ROUTE_PUBLIC,
     .summary = "Latest sample of many series at once (maps)",
     .summary_zh = "多个序列的最新值 (地图)",
     .params = latest_params,
     .answer_schema =
         "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":"
         "\"object\",\"properties\":{\"source\":{\"type\":\"string\"},\"pollutant\":{\"type\":"
         "\"string\"},\"time\":{\"type\":\"string\",\"nullable\":true},\"value\":{\"type\":"
         "\"number\",\"nullable\":true},\"flag\":{\"type\":\"string\",\"nullable\":true}}}}}}",
     .access = "as /api/v1/series; series not visible to the caller answer null"},
    {.method = "POST",
     .pattern = "/api/v1/observations",
     .fn = h_observations,
     .flags = EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     .summary = "Submit a JSON batch of ambient observations (idempotent)",
     .summary_zh = "批量提交环境质量监测数据 (幂等)",
     .body_schema =
         "{\"type\":\"object\",\"required\":[\"observations\"],\"properties\":{\"observations\":{"
         "\"type\":\"array\",\"maxItems\":50000,\"items\":{\"type\":\"object\",\"required\":["
         "\"station\",\"time\",\"pollutant\",\"value\"],\"properties\":{\"station\":{\"type\":"
         "\"string\",\"description\":\"station code (never a device MN)\"},\"time\":" TIME_SCHEMA
         ",\"pollutant\":{\"type\":\"string\",\"maxLength\":16,\"description\":\"HJ 212 code or "
         "PM2.5 PM10 SO2 NO2 O3 CO\"},\"value\":{\"type\":\"number\"},\"flag\":{\"type\":"
         "\"string\",\"minLength\":1,\"maxLength\":1,\"default\":\"N\"},\"kind\":{\"type\":"
         "\"integer\",\"enum\":[2011,2051,2061,2031],\"default\":2061},\"field\":{\"type\":"
         "\"string\",\"default\":\"Avg\"}}}}},\"example\":{\"observations\":[{\"station\":\"SH-PD-"
         "AIR-01\",\"time\":\"2026-12-01 08:00\",\"pollutant\":\"PM2.5\",\"value\":35}]}}",
     .answer_schema =
         "{\"type\":\"object\",\"properties\":{\"written\":{\"type\":\"integer\"},\"duplicates\":{"
         "\"type\":\"integer\"},\"replaced\":{\"type\":\"integer\"},\"quarantined\":{\"type\":"
         "\"integer\"},\"accepted\":{\"type\":\"integer\"},\"rejected\":{\"type\":\"array\","
         "\"items\":{\"type\":\"object\",\"properties\":{\"index\":{\"type\":\"integer\"},"
         "\"reason\":{\"type\":\"string\"}}}}}}",
     .access = "bureau, admin"},
    {.method = "POST",
     .pattern = "/api/v1/series/declarations",
     .fn = h_declare,
     .flags = EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     .summary = "Declare an abnormal condition (stopped, fault, maintenance, calibration) of a "
                "source for a window",
     .summary_zh = "异常申报: 停运、故障、维护、校准时段内的数据不计入有效数据",
     .body_schema =
         "{\"type\":\"object\",\"required\":[\"source\",\"condition\",\"from\",\"to\"],"
         "\"properties\":{\"source\":{\"type\":\"string\",\"description\":\"device MN (an "
         "enterprise: its own confirmed devices) or station code\"},\"pollutant\":{\"type\":"
         "\"string\",\"description\":\"one pollutant (code or common name); absent: all of the "
         "source's\"},\"condition\":{\"type\":\"string\",\"enum\":[\"stopped\",\"fault\","
         "\"maintenance\",\"calibration\"],\"description\":\"the abnormal condition: 停运 "
         "stopped, 故障 fault, 维护 maintenance, 校准 calibration\"},\"reason\":{\"type\":"
         "\"string\",\"deprecated\":true,\"description\":\"the former name of condition, still "
         "accepted\"},\"from\":" TIME_SCHEMA ",\"to\":" TIME_SCHEMA
         ",\"note\":{\"type\":\"string\",\"description\":\"free text: what happened 说明\"}},"
         "\"example\":{\"source\":\"88888880000001\",\"condition\":\"maintenance\",\"from\":"
         "\"2026-12-01 08:00\",\"to\":\"2026-12-01 10:00\",\"note\":\"更换采样管\"}}",
     .answer_schema = "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}}}",
     .status = 201,
     .access = "enterprise: its own devices the bureau has confirmed; bureau, admin: any source"},
    {.method = "POST",
     .pattern = "/api/v1/series/reviews",
     .fn = h_review,
     .flags = EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     .summary = "Officer review (数据审核) of a series' samples: invalid or valid, with a reason; "
                "audited, raw values kept",
     .summary_zh = "数据审核: 将一段数据判为有效或无效, 留痕, 原始值保留",
     .body_schema =
         "{\"type\":\"object\",\"required\":[\"source\",\"pollutant\",\"from\",\"to\","
         "\"verdict\",\"reason\"],\"properties\":{\"source\":{\"type\":\"string\"},\"pollutant\":{"
         "\"type\":\"string\"},\"kind\":{\"type\":\"integer\",\"enum\":[2011,2051,2061,2031],"
         "\"default\":2051},\"field\":{\"type\":\"string\"},\"from\":" TIME_SCHEMA
         ",\"to\":" TIME_SCHEMA ",\"verdict\":{\"type\":\"string\",\"enum\":[\"invalid\","
         "\"valid\"]},\"reason\":{\"type\":\"string\",\"description\":\"why: the officer's "
         "words 审核理由\"}},\"example\":{\"source\":\"88888880000001\",\"pollutant\":\"a34013\","
         "\"from\":\"2026-12-01 08:00\",\"to\":\"2026-12-01 09:00\",\"verdict\":\"invalid\","
         "\"reason\":\"仪器漂移\"}}",
     .answer_schema = "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}}}",
     .status = 201,
     .access = "bureau, admin"},
    {.method = "GET",
     .pattern = "/api/v1/series/rates",
     .fn = h_rates,
     .flags = EG_ROUTE_PUBLIC,
     .summary = "Transmission rate and valid-data rate of a source over a period",
     .summary_zh = "数据传输率与有效数据率",
     .params = rates_params,
     .answer_schema =
         "{\"type\":\"object\",\"properties\":{\"source\":{\"type\":\"string\"},\"kind\":{"
         "\"type\":\"integer\"},\"series\":{\"type\":\"integer\"},\"expected\":{\"type\":"
         "\"integer\"},\"received\":{\"type\":\"integer\"},\"valid\":{\"type\":\"integer\"},"
         "\"transmission_rate\":{\"type\":\"number\"},\"valid_rate\":{\"type\":\"number\"}}}",
     .access = "as /api/v1/series"},
};

int eg_http_api_series_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(series_specs); i++)
        rc |= eg_http_route_add_spec(srv, &series_specs[i]);
    return rc ? EG_EINVAL : 0;
}
