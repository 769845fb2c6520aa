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

static int get_int(struct eg_http_req *rq, const char *name, int64_t dflt, int64_t *out)
{
    const char *v = eg_http_query(rq, name);
    *out = dflt;
    if (!v)
        return 0;
    if (eg_parse_int64(v, strlen(v), out))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_query", -1, "%s must be an integer",
                          name);
    return 0;
}

/* kind= (default 2051 minute), computed= (default 0) and field= (default Rtd for real-time
   data, else Avg) of a series query. */
static int get_series_kind(struct eg_http_req *rq, int64_t *kind, int64_t *computed,
                           const char **field)
{
    int rc;
    if ((rc = get_int(rq, "kind", EG_TS_KIND_MINUTE, kind)) ||
        (rc = get_int(rq, "computed", 0, computed)))
        return rc;
    *field = eg_http_query(rq, "field");
    if (!*field)
        *field = *kind == EG_TS_KIND_RTD ? "Rtd" : "Avg";
    return 0;
}

static int get_time(struct eg_http_req *rq, const char *name, int64_t *out)
{
    const char *v = eg_http_query(rq, name);
    if (!v)
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_query", -1,
                          "%s is required (Beijing time, YYYY-MM-DD[ HH:MM[:SS]])", name);
    if (eg_time_parse_beijing(v, strlen(v), out))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_time", -1,
                          "%s '%.40s' is not an existing Beijing time", name, v);
    return 0;
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
    const char *source = eg_http_query(rq, "source"), *pollutant = eg_http_query(rq, "pollutant");
    if (!source || !pollutant)
        return bad(rq, "bad_query", "source and pollutant are required");
    int64_t kind, computed, from, to;
    const char *field;
    if ((rc = get_series_kind(rq, &kind, &computed, &field)) ||
        (rc = get_time(rq, "from", &from)) || (rc = get_time(rq, "to", &to)))
        return rc;
    const char *bucket = eg_http_query(rq, "bucket"), *tier_s = eg_http_query(rq, "tier");
    int64_t bucket_s = 0;
    if (bucket && !strcmp(bucket, "1h"))
        bucket_s = 3600;
    else if (bucket && !strcmp(bucket, "1d"))
        bucket_s = 86400;
    else if (bucket && strcmp(bucket, "raw"))
        return bad(rq, "bad_query", "bucket must be raw, 1h or 1d");
    int tier = EG_TS_PRELIMINARY;
    if (tier_s && !strcmp(tier_s, "reviewed"))
        tier = EG_TS_REVIEWED;
    else if (tier_s && strcmp(tier_s, "preliminary"))
        return bad(rq, "bad_query", "tier must be preliminary or reviewed");
    int fmt;
    if ((rc = eg_http_format(rq, &fmt)))
        return rc;
    if (!can_read(st, eg_http_principal(rq), source))
        return eg_err_set(eg_http_err(rq), EG_ENOTFOUND, "unknown_series", -1,
                          "no series %.64s/%.16s visible to you", source, pollutant);
    struct eg_ts *ts;
    if ((rc = eg_ts_open(st, &ts, eg_http_err(rq))))
        return rc;
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
    eg_ts_close(ts);
    if (rc) {
        json_decref(items);
        return rc;
    }
    /* HJ 212-2017 Table 11 (数据标记) and the officers' review, by their Chinese names */
    static const struct eg_http_column raw_cols[] = {
        {.name = "time", .label_zh = "时间", .kind = EG_HTTP_COL_TIME},
        {.name = "value", .label_zh = "监测值"},
        {.name = "flag",
         .label_zh = "数据标记",
         .enum_values = "N|F|M|S|D|C|T|B",
         .enum_zh = "正常|停运|维护|手工输入|故障|校准|超测上限|通讯异常"},
        {.name = "valid", .label_zh = "有效"},
        {.name = "declared", .label_zh = "异常申报"},
        {.name = "review",
         .label_zh = "审核结论",
         .enum_values = "valid|invalid",
         .enum_zh = "有效|无效"}};
    static const struct eg_http_column bucket_cols[] = {
        {.name = "time", .label_zh = "时间", .kind = EG_HTTP_COL_TIME},
        {.name = "avg", .label_zh = "均值"},
        {.name = "min", .label_zh = "最小值"},
        {.name = "max", .label_zh = "最大值"},
        {.name = "count", .label_zh = "有效个数"},
        {.name = "total", .label_zh = "样本个数"}};
    return eg_http_reply_list(rq, "监测数据", "series", bucket_s ? bucket_cols : raw_cols, 6, items,
                              NULL);
}

static int h_latest(struct eg_http_req *rq)
{
    struct eg_db *st;
    int rc = eg_http_store(rq, &st);
    if (rc)
        return rc;
    const char *keys = eg_http_query(rq, "keys");
    if (!keys || !*keys)
        return bad(rq, "bad_query", "keys=SOURCE:POLLUTANT,… is required");
    int64_t kind, computed;
    const char *field;
    if ((rc = get_series_kind(rq, &kind, &computed, &field)))
        return rc;
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
        k[m++] = (struct eg_ts_key){p, colon + 1, (int)kind, field, computed ? 1 : 0};
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
    const char *reason = json_string_value(json_object_get(b, "reason"));
    const char *note = json_string_value(json_object_get(b, "note"));
    int64_t from, to;
    if (!source || !reason || json_time(b, "from", &from) || json_time(b, "to", &to))
        return bad(rq, "wrong_type",
                   "source, reason (strings), from and to (Beijing time) are "
                   "required");
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
    const char *source = eg_http_query(rq, "source");
    if (!source)
        return bad(rq, "bad_query", "source is required");
    int64_t kind, from, to;
    if ((rc = get_int(rq, "kind", EG_TS_KIND_MINUTE, &kind)) ||
        (rc = get_time(rq, "from", &from)) || (rc = get_time(rq, "to", &to)))
        return rc;
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

int eg_http_api_series_routes(struct eg_http_server *srv)
{
    int rc = 0;
    rc |= eg_http_route_add(srv, "GET", "/api/v1/series", h_series, EG_ROUTE_PUBLIC | EG_ROUTE_LIST,
                            "Samples of one series (raw or avg/min/max per 1h/1d bucket), "
                            "with flags and validity; CSV/XLSX export",
                            NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/series/latest", h_latest, EG_ROUTE_PUBLIC,
                            "Latest sample of many series at once (maps)", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/observations", h_observations,
                            EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
                            "Submit a JSON batch of ambient observations (idempotent)", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/series/declarations", h_declare,
                            EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
                            "Declare an abnormal condition (stopped, fault, maintenance, "
                            "calibration) of a source for a window",
                            NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/series/reviews", h_review,
                            EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
                            "Officer review (数据审核) of a series' samples: invalid or valid, "
                            "with a reason; audited, raw values kept",
                            NULL);
    rc |=
        eg_http_route_add(srv, "GET", "/api/v1/series/rates", h_rates, EG_ROUTE_PUBLIC,
                          "Transmission rate and valid-data rate of a source over a period", NULL);
    return rc ? EG_EINVAL : 0;
}
