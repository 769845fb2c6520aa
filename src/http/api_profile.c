/*
 * api_profile.c: what each role looks for first (issue 11 item 6).
 *
 *   GET /api/v1/units/{id}/profile        一企一档: one call for an enterprise — the unit, its
 *                                         outlets with their limits, its permits, its devices
 *                                         with their status and latest values, each limit with
 *                                         the latest value measured against it, and a summary
 *   GET /api/v1/stations/by-code/{code}   a station by its code, with the latest value of each
 *                                         of its series and where to read more (the public: the
 *                                         public stations)
 *
 * Scope: every part is read through the registry as the caller (eg_registry_get / _list), so
 * the profile shows exactly the rows the caller may see — an enterprise its own unit, a steward
 * its contracted units, a street officer the units of its region, the bureau all, the public
 * the public units without their devices (devices are never public). A unit or station out of
 * scope answers as an unknown one (404).
 *
 * The profile is built by sections, one function each in the table `sections` below; the
 * answer lists them in "sections". Later issues add theirs (alerts, tasks, inspections, credit,
 * penalties) as one function and one line in that table.
 *
 * Latest values against limits: for each limit of an outlet, each confirmed device on that
 * outlet is looked up for the limit's pollutant, as the hourly mean when there is one (2061
 * Avg: permit limits are judged on hourly means, HJ 75-2017 / HJ 76-2017), else the minute mean
 * (2051 Avg), else the real-time value (2011 Rtd); the newest of them is compared with
 * conc_limit: ratio = value / limit, exceeds = value > limit. Unconfirmed devices are shown but
 * never judged (registry.h: rules that judge an outlet skip unconfirmed devices).
 */
#include "devices/devices.h"
#include "http/http_internal.h"
#include "registry/registry.h"
#include "ts/ts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROFILE_MAX_ROWS 5000

/* Every row of res matching one filter that who may see (pages of 1000, at most
   PROFILE_MAX_ROWS). */
static int list_all(struct eg_db *st, const char *res, const struct eg_principal *who,
                    const char *fname, const char *fvalue, json_t **out, struct eg_err *err)
{
    const char *names[] = {fname}, *values[] = {fvalue};
    struct eg_list_query q = {
        .limit = 1000, .filter_names = names, .filter_values = values, .nfilters = 1};
    *out = json_array();
    char *next = NULL;
    int rc;
    do {
        json_t *rows = NULL;
        char *cur = next;
        next = NULL;
        q.cursor = cur;
        rc = eg_registry_list(st, eg_registry_find(res), who, &q, &rows, &next, err);
        free(cur);
        if (rc == 0)
            json_array_extend(*out, rows);
        json_decref(rows);
    } while (rc == 0 && next && json_array_size(*out) < PROFILE_MAX_ROWS);
    free(next);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

static json_t *tstr(int64_t t)
{
    char b[32];
    eg_time_format_beijing(t, b, sizeof b);
    return json_string(b);
}

/* ---------------------------------------------------------------- the profile */

struct profile {
    struct eg_http_req *rq;
    struct eg_db *st;
    struct eg_ts *ts;
    const struct eg_principal *who;
    int64_t unit_id, now;
    json_t *unit, *outlets, *permits, *limits, *devices; /* registry rows as the caller sees them */
    json_t *out;
};

/* The newest of a device's hourly mean, minute mean and real-time value of pollutant. */
static int latest_of(struct profile *p, const char *mn, const char *pollutant, json_t **out)
{
    static const struct {
        int kind;
        const char *field;
    } order[] = {{EG_TS_KIND_HOUR, "Avg"}, {EG_TS_KIND_MINUTE, "Avg"}, {EG_TS_KIND_RTD, "Rtd"}};
    struct eg_ts_key k[3];
    struct eg_ts_row r[3];
    int found[3] = {0};
    for (int i = 0; i < 3; i++)
        k[i] = (struct eg_ts_key){mn, pollutant, order[i].kind, order[i].field, 0};
    int rc = eg_ts_latest(p->ts, k, 3, r, found, eg_http_err(p->rq));
    *out = NULL;
    if (rc)
        return rc;
    for (int i = 0; i < 3; i++)
        if (found[i]) {
            char f[2] = {r[i].flag, 0};
            *out =
                json_pack("{s:s,s:i,s:s,s:o,s:f,s:s}", "device", mn, "kind", order[i].kind, "field",
                          order[i].field, "time", tstr(r[i].t), "value", r[i].v, "flag", f);
            json_object_set_new(*out, "age_s", json_integer((json_int_t)(p->now - r[i].t)));
            break;
        }
    return 0;
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int64_t jid(json_t *o, const char *k)
{
    return (int64_t)json_integer_value(json_object_get(o, k));
}

/* devices: each with its status (online, last data) and the latest value of each of its
   pollutants */
static int sec_devices(struct profile *p)
{
    size_t i;
    json_t *d;
    json_t *arr = json_array();
    json_object_set_new(p->out, "devices", arr);
    json_array_foreach(p->devices, i, d)
    {
        json_t *o = json_deep_copy(d);
        const char *mn = jstr(d, "mn");
        struct eg_buf b = {0};
        int rc = mn ? eg_devices_status_json(p->st, mn, p->now, 3, &b, eg_http_err(p->rq)) : 0;
        if (rc) {
            eg_buf_free(&b);
            json_decref(o);
            return rc;
        }
        json_t *status = b.len ? json_loadb(b.data, b.len, 0, NULL) : NULL;
        eg_buf_free(&b);
        json_object_set_new(o, "status", status ? status : json_null());
        json_t *latest = json_array();
        const char *pols = jstr(d, "pollutants");
        for (const char *q = pols ? pols : ""; mn && *q;) {
            const char *comma = strchr(q, ',');
            size_t n = comma ? (size_t)(comma - q) : strlen(q);
            char pol[17];
            if (n > 0 && n < sizeof pol) {
                memcpy(pol, q, n);
                pol[n] = '\0';
                json_t *v = NULL;
                if ((rc = latest_of(p, mn, pol, &v))) {
                    json_decref(latest);
                    json_decref(o);
                    return rc;
                }
                json_array_append_new(latest,
                                      v ? json_pack("{s:s,s:o}", "pollutant", pol, "latest", v)
                                        : json_pack("{s:s,s:n}", "pollutant", pol, "latest"));
            }
            q += n + (comma != NULL);
        }
        json_object_set_new(o, "latest", latest);
        json_array_append_new(arr, o);
    }
    return 0;
}

/* A limit with the latest value measured against it on its outlet's confirmed devices. */
static int judged_limit(struct profile *p, json_t *l, json_t **out)
{
    json_t *o = json_deep_copy(l);
    int64_t outlet = jid(l, "outlet_id");
    const char *pol = jstr(l, "pollutant");
    json_t *lim = json_object_get(l, "conc_limit");
    json_t *best = NULL, *unjudged = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(p->devices, i, d)
    {
        if (!outlet || jid(d, "outlet_id") != outlet || !pol || !jstr(d, "mn"))
            continue;
        json_t *v = NULL;
        int rc = latest_of(p, jstr(d, "mn"), pol, &v);
        if (rc) {
            json_decref(o);
            json_decref(best);
            json_decref(unjudged);
            return rc;
        }
        if (!v)
            continue;
        if (!json_is_true(json_object_get(d, "confirmed"))) {
            json_array_append_new(unjudged, v); /* shown, never judged */
            continue;
        }
        if (!best || strcmp(jstr(v, "time"), jstr(best, "time")) > 0) {
            json_decref(best);
            best = v;
        } else {
            json_decref(v);
        }
    }
    json_object_set_new(o, "latest", best ? best : json_null());
    if (best && json_is_number(lim) && json_number_value(lim) > 0) {
        double v = json_number_value(json_object_get(best, "value")), L = json_number_value(lim);
        json_object_set_new(o, "ratio", json_real(round(v / L * 1000) / 1000));
        json_object_set_new(o, "exceeds", json_boolean(v > L));
    } else {
        json_object_set_new(o, "ratio", json_null());
        json_object_set_new(o, "exceeds", json_null());
    }
    if (json_array_size(unjudged))
        json_object_set_new(o, "unconfirmed_devices", unjudged);
    else
        json_decref(unjudged);
    *out = o;
    return 0;
}

/* outlets: each with its devices (MNs) and its limits judged against the latest values */
static int sec_outlets(struct profile *p)
{
    json_t *arr = json_array();
    json_object_set_new(p->out, "outlets", arr);
    size_t i, j;
    json_t *ot, *x;
    json_array_foreach(p->outlets, i, ot)
    {
        json_t *o = json_deep_copy(ot), *mns = json_array(), *lims = json_array();
        int64_t id = jid(ot, "id");
        json_array_foreach(p->devices, j, x)
        {
            if (jid(x, "outlet_id") == id)
                json_array_append_new(mns, json_string(jstr(x, "mn")));
        }
        json_array_foreach(p->limits, j, x)
        {
            if (jid(x, "outlet_id") != id)
                continue;
            json_t *l = NULL;
            int rc = judged_limit(p, x, &l);
            if (rc) {
                json_decref(o);
                json_decref(mns);
                json_decref(lims);
                return rc;
            }
            /* the permit it comes from, by number */
            json_t *pm;
            size_t k;
            json_array_foreach(p->permits, k, pm)
            {
                if (jid(pm, "id") == jid(x, "permit_id"))
                    json_object_set_new(l, "permit_number", json_string(jstr(pm, "number")));
            }
            json_array_append_new(lims, l);
        }
        json_object_set_new(o, "devices", mns);
        json_object_set_new(o, "limits", lims);
        json_array_append_new(arr, o);
    }
    return 0;
}

/* permits: each with the ids of its limits (limits without an outlet are listed here only) */
static int sec_permits(struct profile *p)
{
    json_t *arr = json_array();
    json_object_set_new(p->out, "permits", arr);
    size_t i, j;
    json_t *pm, *l;
    json_array_foreach(p->permits, i, pm)
    {
        json_t *o = json_deep_copy(pm), *ids = json_array(), *loose = json_array();
        json_array_foreach(p->limits, j, l)
        {
            if (jid(l, "permit_id") != jid(pm, "id"))
                continue;
            json_array_append_new(ids, json_integer(jid(l, "id")));
            if (!jid(l, "outlet_id"))
                json_array_append_new(loose, json_deep_copy(l));
        }
        json_object_set_new(o, "limit_ids", ids);
        json_object_set_new(o, "limits_without_outlet", loose);
        json_array_append_new(arr, o);
    }
    return 0;
}

/* summary: the counts an officer reads first */
static int sec_summary(struct profile *p)
{
    int online = 0, with_data = 0, exceeded = 0, unconfirmed = 0;
    size_t i, j;
    json_t *x, *l;
    json_array_foreach(json_object_get(p->out, "devices"), i, x)
    {
        online += json_is_true(json_object_get(json_object_get(x, "status"), "online"));
        unconfirmed += !json_is_true(json_object_get(x, "confirmed"));
    }
    json_array_foreach(json_object_get(p->out, "outlets"), i, x)
    {
        json_array_foreach(json_object_get(x, "limits"), j, l)
        {
            with_data += !json_is_null(json_object_get(l, "latest"));
            exceeded += json_is_true(json_object_get(l, "exceeds"));
        }
    }
    json_object_set_new(p->out, "summary",
                        json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "outlets",
                                  (json_int_t)json_array_size(p->outlets), "permits",
                                  (json_int_t)json_array_size(p->permits), "limits",
                                  (json_int_t)json_array_size(p->limits), "devices",
                                  (json_int_t)json_array_size(p->devices), "devices_online", online,
                                  "devices_unconfirmed", unconfirmed, "limits_with_data", with_data,
                                  "limits_exceeded", exceeded));
    return 0;
}

/* The sections of the profile, in order. A later issue adds its own (alerts, tasks,
   inspections, credit, penalties) as one function over struct profile and one line here. */
static const struct {
    const char *name;
    int (*build)(struct profile *p);
} sections[] = {
    {"devices", sec_devices},
    {"outlets", sec_outlets},
    {"permits", sec_permits},
    {"summary", sec_summary},
};

static int h_profile(struct eg_http_req *rq)
{
    struct profile p = {.rq = rq, .who = eg_http_principal(rq)};
    int rc;
    if ((rc = eg_http_arg_int(rq, "id", &p.unit_id)) < 0 || (rc = eg_http_store(rq, &p.st)))
        return rc;
    struct eg_err *err = eg_http_err(rq);
    if ((rc = eg_registry_get(p.st, eg_registry_find("units"), p.who, p.unit_id, &p.unit, err)))
        return rc;
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)p.unit_id);
    /* devices are never public: the public sees a unit's profile without them */
    int devices_readable =
        eg_registry_allowed(p.who, eg_registry_find("devices"), EG_ACT_READ) == 0;
    if ((rc = list_all(p.st, "outlets", p.who, "unit_id", idtext, &p.outlets, err)) ||
        (rc = list_all(p.st, "permits", p.who, "unit_id", idtext, &p.permits, err)) ||
        (rc = list_all(p.st, "permit_limits", p.who, "unit_id", idtext, &p.limits, err)))
        goto done;
    if (devices_readable)
        rc = list_all(p.st, "devices", p.who, "unit_id", idtext, &p.devices, err);
    else
        p.devices = json_array();
    if (rc || (rc = eg_ts_open(p.st, &p.ts, err)))
        goto done;
    p.now = eg_ts_now(p.ts);
    p.out = json_pack("{s:O,s:o}", "unit", p.unit, "as_of", tstr(p.now));
    json_t *names = json_array();
    for (size_t i = 0; i < EG_ARRAY_LEN(sections) && rc == 0; i++) {
        rc = sections[i].build(&p);
        json_array_append_new(names, json_string(sections[i].name));
    }
    json_object_set_new(p.out, "sections", names);
    eg_ts_close(p.ts);
done:
    json_decref(p.unit);
    json_decref(p.outlets);
    json_decref(p.permits);
    json_decref(p.limits);
    json_decref(p.devices);
    if (rc) {
        json_decref(p.out);
        return rc;
    }
    return eg_http_reply_json(rq, 200, p.out);
}

/* ---------------------------------------------------------------- a station by its code */

struct station_series {
    json_t *items;
    const char *code;
};

static int station_series_one(void *arg, const struct eg_ts_series_row *r)
{
    struct station_series *s = arg;
    json_t *o = json_pack("{s:s,s:i,s:s,s:b}", "pollutant", r->key.pollutant, "kind", r->key.kind,
                          "field", r->key.field, "computed", r->key.computed != 0);
    const char *name = NULL;
    static const char *const common[] = {"PM2.5", "PM10", "SO2", "NO2", "O3", "CO"};
    for (size_t i = 0; i < EG_ARRAY_LEN(common) && !name; i++) {
        const char *c = eg_ts_pollutant_code(common[i], strlen(common[i]));
        if (c && !strcmp(c, r->key.pollutant))
            name = common[i];
    }
    if (name)
        json_object_set_new(o, "name", json_string(name));
    if (r->has_latest) {
        json_object_set_new(o, "time", tstr(r->latest_t));
        json_object_set_new(o, "value", json_real(r->latest_v));
    } else {
        json_object_set_new(o, "time", json_null());
        json_object_set_new(o, "value", json_null());
    }
    char url[256];
    snprintf(url, sizeof url, "/api/v1/series?source=%s&pollutant=%s&kind=%d&field=%s%s", s->code,
             r->key.pollutant, r->key.kind, r->key.field, r->key.computed ? "&computed=true" : "");
    json_object_set_new(o, "series", json_string(url));
    json_array_append_new(s->items, o);
    return 0;
}

static int h_station_by_code(struct eg_http_req *rq)
{
    const char *code = NULL;
    struct eg_db *st;
    int rc;
    if ((rc = eg_http_arg_str(rq, "code", &code)) < 0 || (rc = eg_http_store(rq, &st)))
        return rc;
    struct eg_err *err = eg_http_err(rq);
    const char *names[] = {"code"}, *values[] = {code};
    struct eg_list_query q = {
        .limit = 1, .filter_names = names, .filter_values = values, .nfilters = 1};
    json_t *rows = NULL;
    rc = eg_registry_list(st, eg_registry_find("stations"), eg_http_principal(rq), &q, &rows, NULL,
                          err);
    if (rc == 0 && json_array_size(rows) == 0)
        rc = eg_err_set(err, EG_ENOTFOUND, "unknown_station", -1,
                        "no station with code '%.64s' visible to you (the public sees the public "
                        "stations; GET /api/v1/stations lists them)",
                        code);
    if (rc) {
        json_decref(rows);
        return rc;
    }
    json_t *station = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    struct eg_ts *ts;
    struct station_series s = {json_array(), code};
    if ((rc = eg_ts_open(st, &ts, err)) == 0) {
        rc = eg_ts_series_each(ts, code, station_series_one, &s, err);
        eg_ts_close(ts);
    }
    if (rc) {
        json_decref(station);
        json_decref(s.items);
        return rc;
    }
    json_t *links = json_object();
    const char *kind = jstr(station, "kind");
    char url[256];
    if (kind && !strcmp(kind, "air")) {
        snprintf(url, sizeof url, "/api/v1/aqi/latest?station=%s", code);
        json_object_set_new(links, "aqi_latest", json_string(url));
        snprintf(url, sizeof url, "/api/v1/aqi/daily?station=%s&from=YYYY-MM-DD&to=YYYY-MM-DD",
                 code);
        json_object_set_new(links, "aqi_daily", json_string(url));
    } else if (kind && !strcmp(kind, "water")) {
        snprintf(url, sizeof url, "/api/v1/eval/water?section=%s&year=YYYY", code);
        json_object_set_new(links, "water", json_string(url));
    } else if (kind && !strcmp(kind, "noise")) {
        snprintf(url, sizeof url, "/api/v1/eval/noise?station=%s&from=YYYY-MM-DD&to=YYYY-MM-DD",
                 code);
        json_object_set_new(links, "noise", json_string(url));
    }
    return eg_http_reply_json(
        rq, 200, json_pack("{s:o,s:o,s:o}", "station", station, "series", s.items, "links", links));
}

/* ---------------------------------------------------------------- the route tables */

static const struct eg_http_param_spec profile_params[] = {{.name = "id",
                                                            .in = EG_PIN_PATH,
                                                            .type = EG_PT_ID,
                                                            .description_zh = "单位编号",
                                                            .description_en = "the unit's id",
                                                            .example = "3"},
                                                           {0}};
static const struct eg_http_param_spec by_code_params[] = {{.name = "code",
                                                            .in = EG_PIN_PATH,
                                                            .type = EG_PT_STRING,
                                                            .max_len = 64,
                                                            .description_zh = "站点编码",
                                                            .description_en = "the station's code",
                                                            .example = "SH-PD-AIR-01"},
                                                           {0}};

static const struct eg_http_route_spec profile_specs[] = {
    {.method = "GET",
     .pattern = "/api/v1/units/{id}/profile",
     .fn = h_profile,
     .flags = EG_ROUTE_PUBLIC,
     .summary = "一企一档 in one call: the unit, its outlets with their limits judged against the "
                "latest values, its permits, its devices with status and latest values, a summary",
     .summary_zh = "一企一档: 单位、排放口及许可限值 (对照最新监测值)、许可证、设备状态及最新值",
     .description =
         "Each limit of an outlet is compared with the newest value of its pollutant on the "
         "outlet's confirmed devices: the hourly mean (2061 Avg) when there is one, else the "
         "minute mean (2051), else the real-time value (2011); `ratio` = value / conc_limit, "
         "`exceeds` = value > conc_limit. `sections` lists the parts of the answer; later "
         "issues add alerts, tasks, inspections, credit and penalties as further sections.",
     .params = profile_params,
     .answer_schema =
         "{\"type\":\"object\",\"properties\":{\"unit\":{\"$ref\":\"#/components/schemas/"
         "units\"},\"as_of\":{\"type\":\"string\"},\"sections\":{\"type\":\"array\",\"items\":{"
         "\"type\":\"string\"}},\"outlets\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
         "\"properties\":{\"devices\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
         "\"limits\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
         "\"pollutant\":{\"type\":\"string\"},\"conc_limit\":{\"type\":\"number\"},\"latest\":{"
         "\"type\":\"object\",\"nullable\":true,\"properties\":{\"device\":{\"type\":\"string\"},"
         "\"kind\":{\"type\":\"integer\"},\"time\":{\"type\":\"string\"},\"value\":{\"type\":"
         "\"number\"},\"age_s\":{\"type\":\"integer\"}}},\"ratio\":{\"type\":\"number\","
         "\"nullable\":true},\"exceeds\":{\"type\":\"boolean\",\"nullable\":true}}}}}}},"
         "\"permits\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},\"devices\":{\"type\":"
         "\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"mn\":{\"type\":\"string\"},"
         "\"status\":{\"type\":\"object\"},\"latest\":{\"type\":\"array\",\"items\":{\"type\":"
         "\"object\"}}}}},\"summary\":{\"type\":\"object\",\"properties\":{\"outlets\":{\"type\":"
         "\"integer\"},\"devices\":{\"type\":\"integer\"},\"devices_online\":{\"type\":"
         "\"integer\"},\"limits\":{\"type\":\"integer\"},\"limits_with_data\":{\"type\":"
         "\"integer\"},\"limits_exceeded\":{\"type\":\"integer\"}}}}}",
     .access = "whoever may read the unit: enterprise its own, steward its contracted units, "
               "street the units of its region, bureau and admin all, the public the public "
               "units (without devices); each part shows only the rows the caller may see"},
    {.method = "GET",
     .pattern = "/api/v1/stations/by-code/{code}",
     .fn = h_station_by_code,
     .flags = EG_ROUTE_PUBLIC,
     .summary = "A station by its code, with the latest value of each of its series and links to "
                "its data",
     .summary_zh = "按站点编码查看站点及其各项最新监测值",
     .params = by_code_params,
     .answer_schema =
         "{\"type\":\"object\",\"properties\":{\"station\":{\"$ref\":\"#/components/schemas/"
         "stations\"},\"series\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
         "\"properties\":{\"pollutant\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},"
         "\"kind\":{\"type\":\"integer\"},\"field\":{\"type\":\"string\"},\"time\":{\"type\":"
         "\"string\",\"nullable\":true},\"value\":{\"type\":\"number\",\"nullable\":true},"
         "\"series\":{\"type\":\"string\"}}}},\"links\":{\"type\":\"object\"}}}",
     .access = "everyone: the public stations; street: also its region's; bureau, admin: all"},
};

int eg_http_api_profile_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(profile_specs); i++)
        rc |= eg_http_route_add_spec(srv, &profile_specs[i]);
    return rc ? EG_EINVAL : 0;
}
