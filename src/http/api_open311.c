/*
 * api_open311.c: Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), the open standard
 * city complaint systems and their apps speak, over the same intake as /api/v1/complaints.
 * JSON only (the spec's XML form is not offered: a request for .xml answers 404).
 *
 *   GET  /open311/v2/services.json          the complaint kinds as services (service_code =
 *                                           noise, odour, smoke, waste_water, dust, waste, other)
 *   POST /open311/v2/requests.json          a service request: form-encoded (as the spec) or
 *                                           JSON; service_code, description, lat+long or
 *                                           address_string with region, email/phone (private).
 *                                           Answers [{"service_request_id","service_notice"}]
 *   GET  /open311/v2/requests.json          published requests: service_code, start_date,
 *                                           end_date (ISO 8601), status=open|closed
 *   GET  /open311/v2/requests/{id}.json     one request by its id — the receipt code
 *
 * service_request_id is the receipt code (never the database id): whoever holds it may follow
 * the request. A request's description, place and status_notes are shown only once the bureau
 * published its result; before that GET requests/{id}.json answers its status alone. Errors use
 * the spec's form: [{"code": <HTTP status>, "description": "…"}]. api_key is accepted and ignored
 * (intake is anonymous and rate limited per address).
 */
#include "http/http_internal.h"
#include "intake/intake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int o311_error(struct eg_http_req *rq, int rc)
{
    struct eg_err *e = eg_http_err(rq);
    if (e->status != rc)
        eg_err_set(e, rc, "error", -1, "%s", eg_status_name(rc));
    int status = eg_http_status_for(e);
    if (status >= 500)
        return rc; /* the server's generic 500/503 (no detail leaks) */
    json_t *arr = json_pack("[{s:i,s:s}]", "code", status, "description", e->msg);
    eg_http_reply_json(rq, status, arr);
    if (rc == EG_ERATE) {
        char s[24];
        snprintf(s, sizeof s, "%ld", e->offset > 0 ? e->offset : 60);
        eg_http_add_header(rq, "Retry-After", s);
    }
    return 0;
}

static int h_services(struct eg_http_req *rq)
{
    json_t *arr = json_array();
    for (int i = 0; i < eg_intake_nkinds; i++)
        json_array_append_new(
            arr, json_pack("{s:s,s:s,s:s,s:b,s:s,s:s,s:s}", "service_code", eg_intake_kinds[i].code,
                           "service_name", eg_intake_kinds[i].label_zh, "description",
                           eg_intake_kinds[i].desc_zh, "metadata", 0, "type", "realtime",
                           "keywords", eg_intake_kinds[i].code, "group", "生态环境"));
    return eg_http_reply_json(rq, 200, arr);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* application/x-www-form-urlencoded into a JSON object of strings; EG_EINVAL on a bad escape
   or a repeated name. */
static int form_decode(const char *s, size_t n, json_t **out, struct eg_err *err)
{
    json_t *o = json_object();
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '&')
            j++;
        struct eg_buf name = {0}, val = {0};
        struct eg_buf *cur = &name;
        for (size_t k = i; k < j; k++) {
            char c = s[k];
            if (c == '=' && cur == &name) {
                cur = &val;
                continue;
            }
            if (c == '+')
                c = ' ';
            else if (c == '%') {
                int h = k + 2 < j ? hexval(s[k + 1]) : -1, l = k + 2 < j ? hexval(s[k + 2]) : -1;
                if (h < 0 || l < 0) {
                    eg_buf_free(&name);
                    eg_buf_free(&val);
                    json_decref(o);
                    return eg_err_set(err, EG_EINVAL, "bad_request", -1,
                                      "the form body has a bad %%-escape");
                }
                c = (char)(h * 16 + l);
                k += 2;
            }
            eg_buf_append(cur, &c, 1);
        }
        eg_buf_append(&name, "", 1);
        if (name.len > 1) {
            if (json_object_get(o, name.data)) {
                eg_buf_free(&name);
                eg_buf_free(&val);
                json_decref(o);
                return eg_err_set(err, EG_EINVAL, "bad_request", -1,
                                  "a field appears twice in the form");
            }
            json_t *v = json_stringn_nocheck(val.data ? val.data : "", val.len);
            json_object_set_new(o, name.data, v);
        }
        eg_buf_free(&name);
        eg_buf_free(&val);
        i = j + 1;
    }
    *out = o;
    return 0;
}

static int h_post(struct eg_http_req *rq)
{
    const char *ct = eg_http_header(rq, "Content-Type");
    json_t *in = NULL, *owned = NULL, *out = NULL;
    struct eg_db *db;
    int rc;
    size_t blen;
    const char *bb = eg_http_body(rq, &blen);
    if ((ct && !strncmp(ct, "application/json", 16)) || (bb && blen && bb[0] == '{')) {
        if ((rc = eg_http_body_json(rq, &in)))
            return o311_error(rq, rc);
    } else {
        size_t len;
        const char *b = eg_http_body(rq, &len);
        if ((rc = form_decode(b ? b : "", b ? len : 0, &owned, eg_http_err(rq))))
            return o311_error(rq, rc);
        in = owned;
    }
    /* fields of the spec this intake does not keep */
    static const char *const drop[] = {"api_key",    "jurisdiction_id", "device_id", "account_id",
                                       "first_name", "last_name",       "media_url"};
    json_t *copy = json_deep_copy(in);
    json_decref(owned);
    for (size_t i = 0; i < EG_ARRAY_LEN(drop); i++)
        json_object_del(copy, drop[i]);
    if ((rc = eg_http_store(rq, &db)) == 0)
        rc = eg_complaint_submit(db, copy, "open311", eg_http_client_addr(rq),
                                 eg__http_intake_rate_limit(rq), &out, eg_http_err(rq));
    json_decref(copy);
    if (rc)
        return o311_error(rq, rc);
    char notice[200];
    snprintf(notice, sizeof notice, "已受理，转%s办理。凭回执码 %s 查询进度。",
             json_string_value(json_object_get(out, "street_name")),
             json_string_value(json_object_get(out, "receipt")));
    json_t *arr =
        json_pack("[{s:O,s:s,s:n}]", "service_request_id", json_object_get(out, "receipt"),
                  "service_notice", notice, "account_id");
    json_decref(out);
    return eg_http_reply_json(rq, 201, arr);
}

/* A status projection (intake.h) in GeoReport v2 field names. */
static json_t *o311_request(json_t *p)
{
    const char *state = json_string_value(json_object_get(p, "state"));
    int closed = state && (!strcmp(state, "resolved") || !strcmp(state, "rejected"));
    json_t *o = json_pack("{s:O,s:s,s:O,s:O,s:O,s:O,s:O}", "service_request_id",
                          json_object_get(p, "receipt"), "status", closed ? "closed" : "open",
                          "service_code", json_object_get(p, "service_code"), "service_name",
                          json_object_get(p, "kind_zh"), "requested_datetime",
                          json_object_get(p, "requested_datetime"), "updated_datetime",
                          json_object_get(p, "updated_datetime"), "agency_responsible",
                          json_object_get(p, "region_name"));
    json_t *res = json_object_get(p, "result");
    json_object_set_new(o, "status_notes",
                        res ? json_incref(res)
                            : json_string(json_string_value(json_object_get(p, "state_zh"))));
    if (json_is_true(json_object_get(p, "published"))) {
        json_object_set(o, "description", json_object_get(p, "description"));
        json_t *a = json_object_get(p, "address");
        json_object_set_new(o, "address", a ? json_incref(a) : json_null());
        json_t *lat = json_object_get(p, "lat"), *lon = json_object_get(p, "long");
        json_object_set_new(o, "lat", lat ? json_incref(lat) : json_null());
        json_object_set_new(o, "long", lon ? json_incref(lon) : json_null());
    }
    json_object_set_new(o, "media_url", json_null());
    return o;
}

static int h_one(struct eg_http_req *rq)
{
    const char *f = eg_http_param(rq, "file");
    size_t n = f ? strlen(f) : 0;
    char id[32];
    struct eg_db *db;
    json_t *p = NULL;
    if (n < 6 || n > 5 + 20 || strcmp(f + n - 5, ".json"))
        return o311_error(rq, eg_err_set(eg_http_err(rq), EG_ENOTFOUND, "not_found", -1,
                                         "requests/{service_request_id}.json (JSON only)"));
    snprintf(id, sizeof id, "%.*s", (int)(n - 5), f);
    int rc = eg_http_store(rq, &db);
    if (rc || (rc = eg_complaint_status(db, id, &p, eg_http_err(rq))))
        return o311_error(rq, rc);
    json_t *arr = json_array();
    json_array_append_new(arr, o311_request(p));
    json_decref(p);
    return eg_http_reply_json(rq, 200, arr);
}

/* An ISO 8601 date-time of the spec ("2010-01-01T00:00:00Z", "…+08:00", or a date) or a
   Beijing time into UTC seconds. */
static int iso_time(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n > 6 && (s[n - 1] == 'Z' || ((s[n - 6] == '+' || s[n - 6] == '-') && s[n - 3] == ':'))) {
        int64_t off = 0;
        size_t body = n - 1;
        if (s[n - 1] != 'Z') {
            int64_t hh, mm;
            if (eg_parse_int64(s + n - 5, 2, &hh) || eg_parse_int64(s + n - 2, 2, &mm))
                return EG_EINVAL;
            off = (hh * 3600 + mm * 60) * (s[n - 6] == '-' ? -1 : 1);
            body = n - 6;
        }
        int64_t t;
        if (eg_time_parse_beijing(s, body, &t))
            return EG_EINVAL;
        *out = t + EG_BEIJING_OFFSET - off; /* the text was read as Beijing (+08:00) */
        return 0;
    }
    return eg_time_parse_beijing(s, n, out);
}

static int h_list(struct eg_http_req *rq)
{
    const char *code = eg_http_query(rq, "service_code");
    const char *sd = eg_http_query(rq, "start_date"), *ed = eg_http_query(rq, "end_date");
    const char *status = eg_http_query(rq, "status");
    int64_t from = 0, to = 0;
    struct eg_err *e = eg_http_err(rq);
    if (code && !eg_intake_kind_find(code))
        return o311_error(rq, eg_err_set(e, EG_EINVAL, "bad_query", -1,
                                         "service_code must be one of " EG_INTAKE_KINDS));
    if ((sd && iso_time(sd, &from)) || (ed && iso_time(ed, &to)))
        return o311_error(rq, eg_err_set(e, EG_EINVAL, "bad_query", -1,
                                         "start_date and end_date are ISO 8601 date-times, e.g. "
                                         "2026-12-01T00:00:00+08:00"));
    if (status && strcmp(status, "open") && strcmp(status, "closed"))
        return o311_error(rq,
                          eg_err_set(e, EG_EINVAL, "bad_query", -1, "status is open or closed"));
    if (!sd)
        from = (to ? to : eg_time_now()) - 90 * 86400; /* the spec's default window */
    struct eg_db *db;
    json_t *items = NULL;
    int rc = eg_http_store(rq, &db);
    if (rc || (rc = eg_complaint_published(db, code ? eg_intake_kind_find(code)->code : NULL, from,
                                           to, 1000, &items, e)))
        return o311_error(rq, rc);
    json_t *arr = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(items, i, p)
    {
        json_t *o = o311_request(p);
        if (status && strcmp(status, json_string_value(json_object_get(o, "status")))) {
            json_decref(o);
            continue;
        }
        json_array_append_new(arr, o);
    }
    json_decref(items);
    return eg_http_reply_json(rq, 200, arr);
}

static const struct eg_http_param_spec p_list[] = {
    {.name = "service_code",
     .type = EG_PT_ENUM,
     .enum_values = EG_INTAKE_KINDS,
     .description_zh = "投诉类型",
     .description_en = "service code (complaint kind)"},
    {.name = "start_date",
     .type = EG_PT_STRING,
     .max_len = 40,
     .description_zh = "起始时间 (ISO 8601)",
     .description_en = "ISO 8601; default 90 days ago",
     .example = "2026-01-01T00:00:00+08:00"},
    {.name = "end_date",
     .type = EG_PT_STRING,
     .max_len = 40,
     .description_zh = "截止时间",
     .description_en = "ISO 8601"},
    {.name = "status",
     .type = EG_PT_ENUM,
     .enum_values = "open|closed",
     .description_zh = "状态",
     .description_en = "open or closed"},
    {.name = "jurisdiction_id",
     .type = EG_PT_STRING,
     .max_len = 100,
     .description_zh = "(忽略)",
     .description_en = "accepted and ignored (one jurisdiction)"},
    {0}};
static const struct eg_http_param_spec p_one[] = {{.name = "file",
                                                   .in = EG_PIN_PATH,
                                                   .type = EG_PT_STRING,
                                                   .max_len = 40,
                                                   .description_zh = "回执码.json",
                                                   .description_en = "{service_request_id}.json",
                                                   .example = "ABCDEFGH01.json"},
                                                  {0}};
static const char services_answer[] =
    "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"service_code\":{"
    "\"type\":\"string\"},\"service_name\":{\"type\":\"string\"},\"description\":{\"type\":"
    "\"string\"},\"metadata\":{\"type\":\"boolean\"},\"type\":{\"type\":\"string\"},"
    "\"keywords\":{\"type\":\"string\"},\"group\":{\"type\":\"string\"}}}}";
static const char requests_answer[] =
    "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"service_request_id\":"
    "{\"type\":\"string\"},\"status\":{\"type\":\"string\",\"enum\":[\"open\",\"closed\"]},"
    "\"status_notes\":{\"type\":\"string\"},\"service_code\":{\"type\":\"string\"},"
    "\"service_name\":{\"type\":\"string\"},\"description\":{\"type\":\"string\"},"
    "\"agency_responsible\":{\"type\":\"string\"},\"requested_datetime\":{\"type\":\"string\"},"
    "\"updated_datetime\":{\"type\":\"string\"},\"address\":{\"type\":\"string\",\"nullable\":"
    "true},\"lat\":{\"type\":\"number\",\"nullable\":true},\"long\":{\"type\":\"number\","
    "\"nullable\":true},\"media_url\":{\"type\":\"string\",\"nullable\":true}}}}";
static const char post_answer[] =
    "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"service_request_id\":"
    "{\"type\":\"string\"},\"service_notice\":{\"type\":\"string\"},\"account_id\":{\"type\":"
    "\"string\",\"nullable\":true}}}}";
static const char post_body[] =
    "{\"type\":\"object\",\"description\":\"the spec's form fields (application/"
    "x-www-form-urlencoded), or the same as JSON\",\"required\":[\"service_code\","
    "\"description\"],\"properties\":{\"service_code\":{\"type\":\"string\"},\"description\":{"
    "\"type\":\"string\",\"maxLength\":2000},\"lat\":{\"type\":\"number\"},\"long\":{\"type\":"
    "\"number\"},\"address_string\":{\"type\":\"string\"},\"region\":{\"type\":\"string\"},"
    "\"email\":{\"type\":\"string\"},\"phone\":{\"type\":\"string\"},\"api_key\":{\"type\":"
    "\"string\"}},\"example\":{\"service_code\":\"odour\",\"description\":\"化工厂异味\","
    "\"lat\":31.2409,\"long\":121.504}}";

static const struct eg_http_route_spec specs[] = {
    {.method = "GET",
     .pattern = "/open311/v2/services.json",
     .fn = h_services,
     .summary = "Open311 GeoReport v2: the complaint kinds as services",
     .summary_zh = "Open311 服务类型 (投诉类型)",
     .answer_schema = services_answer,
     .access = "anyone"},
    {.method = "POST",
     .pattern = "/open311/v2/requests.json",
     .fn = h_post,
     .summary = "Open311 GeoReport v2: file a service request (form or JSON)",
     .summary_zh = "Open311 提交投诉",
     .body_schema = post_body,
     .answer_schema = post_answer,
     .access = "anyone (rate limited per address)",
     .status = 201},
    {.method = "GET",
     .pattern = "/open311/v2/requests.json",
     .fn = h_list,
     .summary = "Open311 GeoReport v2: published service requests",
     .summary_zh = "Open311 已公开的投诉",
     .params = p_list,
     .answer_schema = requests_answer,
     .access = "anyone: published requests only"},
    {.method = "GET",
     .pattern = "/open311/v2/requests/{file}",
     .fn = h_one,
     .summary = "Open311 GeoReport v2: one request by its id (the receipt code), {id}.json",
     .summary_zh = "Open311 查询一件投诉",
     .params = p_one,
     .answer_schema = requests_answer,
     .access = "anyone holding the receipt code"},
};

int eg_http_api_open311_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(specs); i++)
        rc |= eg_http_route_add_spec(srv, &specs[i]);
    return rc;
}
