/*
 * api_devices.c: HJ 212 device status and reverse control over HTTP (src/ingest/).
 *
 *   GET  /api/v1/devices/{mn}/status    online/offline, last packet, counters
 *   GET  /api/v1/devices/offline        devices without data for ?multiple=K (default 3) x
 *                                       their interval, or never
 *   POST /api/v1/devices/{mn}/commands  {"cn":1011,"cp":"…"} -> 202 {"qn":…}; the command is
 *                                       sent to the connected device and followed (9011, 9012)
 *   GET  /api/v1/devices/{mn}/commands  command history with outcomes (newest first)
 *
 * Who may see a device is decided by the registry (the device must be visible to the caller
 * through eg_registry_list, the one place scope is enforced); commands are for the bureau and
 * administrators; the offline list for them (all devices, or ?region=) and for a street officer
 * (the devices of its region, streets and grids included: issue 11 item 6).
 */
#include "devices/devices.h"
#include "http/http_internal.h"
#include "ingest/ingest.h"
#include "registry/registry.h"

#include <stdlib.h>
#include <string.h>

static int visible(struct eg_http_req *rq, struct eg_db *st, const char *mn)
{
    const char *names[] = {"mn"};
    const char *values[] = {mn};
    struct eg_list_query q = {
        .limit = 1, .filter_names = names, .filter_values = values, .nfilters = 1};
    json_t *rows = NULL;
    char *next = NULL;
    int rc = eg_registry_list(st, eg_registry_find("devices"), eg_http_principal(rq), &q, &rows,
                              &next, eg_http_err(rq));
    free(next);
    if (rc == 0 && json_array_size(rows) == 0)
        rc = eg_err_set(eg_http_err(rq), EG_ENOTFOUND, "unknown_device", -1, "no device with MN %s",
                        mn);
    json_decref(rows);
    return rc;
}

static int staff_only(struct eg_http_req *rq)
{
    enum eg_role r = eg_http_principal(rq)->role;
    if (r == EG_ROLE_ADMIN || r == EG_ROLE_BUREAU)
        return 0;
    return eg_err_set(eg_http_err(rq), EG_EPERM, "forbidden", -1,
                      "only bureau staff and administrators may do this");
}

static int multiple_of(struct eg_http_req *rq, int *out)
{
    int64_t v = 3;
    int rc = eg_http_arg_int(rq, "multiple", &v);
    if (rc < 0)
        return rc;
    *out = (int)v;
    return 0;
}

static int reply_buf_json(struct eg_http_req *rq, int status, struct eg_buf *b)
{
    return eg_http_reply_buf(rq, status, "application/json; charset=utf-8", b);
}

static int h_status(struct eg_http_req *rq)
{
    struct eg_db *st;
    const char *mn = eg_http_param(rq, "mn");
    int multiple;
    int rc = multiple_of(rq, &multiple);
    if (!rc)
        rc = eg_http_store(rq, &st);
    if (!rc)
        rc = visible(rq, st, mn);
    if (rc)
        return rc;
    struct eg_buf b = {0};
    rc = eg_devices_status_json(st, mn, eg_time_now(), multiple, &b, eg_http_err(rq));
    if (rc) {
        eg_buf_free(&b);
        return rc;
    }
    return reply_buf_json(rq, 200, &b);
}

/* The MNs of the devices who may see, within region (a code or id, with the regions under it)
   when given: a sorted array of strings. */
static int visible_mns(struct eg_http_req *rq, struct eg_db *st, const char *region, json_t **out)
{
    const char *names[] = {"in_region"}, *values[] = {region};
    struct eg_list_query q = {
        .limit = 1000, .filter_names = names, .filter_values = values, .nfilters = region ? 1 : 0};
    json_t *mns = json_object();
    char *next = NULL;
    int rc;
    do {
        json_t *rows = NULL;
        char *cur = next;
        next = NULL;
        q.cursor = cur;
        rc = eg_registry_list(st, eg_registry_find("devices"), eg_http_principal(rq), &q, &rows,
                              &next, eg_http_err(rq));
        free(cur);
        size_t i;
        json_t *d;
        json_array_foreach(rows, i, d)
        {
            const char *mn = json_string_value(json_object_get(d, "mn"));
            if (mn)
                json_object_set_new(mns, mn, json_true());
        }
        json_decref(rows);
    } while (rc == 0 && next);
    free(next);
    if (rc) {
        json_decref(mns);
        return rc;
    }
    *out = mns;
    return 0;
}

/* Offline devices: the bureau and admin see all (or a region's with ?region=); a street officer
   the devices of its own region (its streets and grids), the registry's row scope deciding. */
static int h_offline(struct eg_http_req *rq)
{
    struct eg_db *st;
    int multiple;
    const char *region = NULL;
    enum eg_role role = eg_http_principal(rq)->role;
    int rc = role == EG_ROLE_STREET ? 0 : staff_only(rq);
    if (!rc)
        rc = multiple_of(rq, &multiple);
    if (!rc && (rc = eg_http_arg_str(rq, "region", &region)) > 0)
        rc = 0;
    if (!rc)
        rc = eg_http_store(rq, &st);
    if (rc)
        return rc;
    struct eg_buf b = {0};
    rc = eg_devices_offline_json(st, eg_time_now(), multiple, &b, eg_http_err(rq));
    if (rc) {
        eg_buf_free(&b);
        return rc;
    }
    if (role != EG_ROLE_STREET && !region) { /* all of them, as the devices module wrote them */
        struct eg_buf o = {0};
        eg_buf_puts(&o, "{\"items\":");
        eg_buf_append(&o, b.data, b.len);
        eg_buf_puts(&o, "}");
        eg_buf_free(&b);
        return reply_buf_json(rq, 200, &o);
    }
    json_t *all = json_loadb(b.data, b.len, 0, NULL), *mns = NULL;
    eg_buf_free(&b);
    if (!json_is_array(all)) {
        json_decref(all);
        return eg_err_set(eg_http_err(rq), EG_EIO, "bad_state", -1, "offline list unreadable");
    }
    if ((rc = visible_mns(rq, st, region, &mns))) {
        json_decref(all);
        return rc;
    }
    json_t *items = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(all, i, d)
    {
        const char *mn = json_string_value(json_object_get(d, "mn"));
        if (mn && json_object_get(mns, mn))
            json_array_append(items, d);
    }
    json_decref(all);
    json_decref(mns);
    return eg_http_reply_json(rq, 200, json_pack("{s:o}", "items", items));
}

static int h_history(struct eg_http_req *rq)
{
    struct eg_db *st;
    const char *mn = eg_http_param(rq, "mn");
    int rc = eg_http_store(rq, &st);
    if (!rc)
        rc = visible(rq, st, mn);
    if (rc)
        return rc;
    int64_t limit = 100;
    if ((rc = eg_http_arg_int(rq, "limit", &limit)) < 0)
        return rc;
    struct eg_buf b = {0};
    eg_buf_puts(&b, "{\"items\":");
    rc = eg_devices_command_history_json(st, mn, (int)limit, &b, eg_http_err(rq));
    if (rc) {
        eg_buf_free(&b);
        return rc;
    }
    eg_buf_puts(&b, "}");
    return reply_buf_json(rq, 200, &b);
}

static int h_command(struct eg_http_req *rq)
{
    struct eg_db *st;
    const char *mn = eg_http_param(rq, "mn");
    json_t *body;
    int rc = staff_only(rq);
    if (!rc)
        rc = eg_http_store(rq, &st);
    if (!rc)
        rc = visible(rq, st, mn);
    if (!rc)
        rc = eg_http_body_json(rq, &body);
    if (rc)
        return rc;
    json_t *cn = json_object_get(body, "cn"), *cp = json_object_get(body, "cp");
    if (!json_is_integer(cn) || (cp && !json_is_string(cp)))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_field", -1,
                          "body must be {\"cn\": <HJ 212 command code>, \"cp\": \"k=v;k=v\"}");
    struct eg_app *app = eg_http_app(rq);
    struct eg_ingest *srv = app ? app->ingest : NULL;
    if (!srv)
        return eg_err_set(eg_http_err(rq), EG_EIO, "no_listener", -1,
                          "the HJ 212 listener is not running (envgov serve --hj212 ADDR:PORT)");
    char qn[18];
    rc = eg_ingest_command(srv, mn, (int)json_integer_value(cn), cp ? json_string_value(cp) : "",
                           qn, eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 202,
                              json_pack("{s:s,s:s,s:I,s:s}", "mn", mn, "qn", qn, "cn",
                                        (json_int_t)json_integer_value(cn), "status", "queued"));
}

/* ---- the route tables */

#define MN_PARAM                                                                                   \
    {                                                                                              \
        .name = "mn", .in = EG_PIN_PATH, .type = EG_PT_STRING, .max_len = 64,                      \
        .description_zh = "设备 MN 号", .description_en = "the device's MN (HJ 212)",              \
        .example = "88888880000001"                                                                \
    }
#define MULTIPLE_PARAM                                                                             \
    {                                                                                              \
        .name = "multiple", .type = EG_PT_INT, .min = 1, .max = 1000, .dflt = "3",                 \
        .description_zh = "超过上报周期的几倍无数据即判为离线",                                    \
        .description_en = "offline after this many of its reporting intervals without data"        \
    }

static const struct eg_http_param_spec status_params[] = {MN_PARAM, MULTIPLE_PARAM, {0}};
static const struct eg_http_param_spec offline_params[] = {
    MULTIPLE_PARAM,
    {.name = "region",
     .type = EG_PT_STRING,
     .max_len = 32,
     .description_zh = "只看该区域 (含下级街镇、网格) 的设备",
     .description_en = "only the devices in this region (with its streets and grids)"},
    {0}};
static const struct eg_http_param_spec command_params[] = {MN_PARAM, {0}};
static const struct eg_http_param_spec history_params[] = {
    MN_PARAM,
    {.name = "limit",
     .type = EG_PT_INT,
     .min = 1,
     .max = 1000,
     .dflt = "100",
     .description_zh = "最多条数 (最新在前)",
     .description_en = "at most this many, newest first"},
    {0}};

#define DEVICE_STATUS_SCHEMA                                                                       \
    "{\"type\":\"object\",\"properties\":{\"mn\":{\"type\":\"string\"},\"online\":{\"type\":"      \
    "\"boolean\"},\"last_seen\":{\"type\":\"string\",\"nullable\":true},\"interval_s\":{"          \
    "\"type\":\"integer\"},\"packets\":{\"type\":\"integer\"}}}"

static const struct eg_http_route_spec device_specs[] = {
    {.method = "GET",
     .pattern = "/api/v1/devices/{mn}/status",
     .fn = h_status,
     .flags = EG_ROUTE_AUTH,
     .summary = "HJ 212 device status: online/offline, last packet, counters",
     .summary_zh = "设备在线状态、最后上报时间、计数",
     .params = status_params,
     .answer_schema = DEVICE_STATUS_SCHEMA,
     .access = "whoever may see the device in the registry (bureau, admin: all; street: its "
               "region's; enterprise: its own; steward: its contracted units')"},
    {.method = "GET",
     .pattern = "/api/v1/devices/offline",
     .fn = h_offline,
     .flags = EG_ROUTE_AUTH,
     .summary = "Devices without data for longer than ?multiple= x their interval",
     .summary_zh = "离线设备 (超过上报周期若干倍无数据, 或从未上报)",
     .params = offline_params,
     .answer_schema = "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
                      "\"items\":" DEVICE_STATUS_SCHEMA "}}}",
     .access = "bureau, admin: all devices; street: the devices of its region (streets and "
               "grids under it)"},
    {.method = "POST",
     .pattern = "/api/v1/devices/{mn}/commands",
     .fn = h_command,
     .flags = EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     .summary = "Send an HJ 212 command (CN, CP) to a connected device",
     .summary_zh = "向在线设备下发 HJ 212 命令 (反控)",
     .params = command_params,
     .body_schema =
         "{\"type\":\"object\",\"required\":[\"cn\"],\"properties\":{\"cn\":{\"type\":"
         "\"integer\",\"description\":\"HJ 212-2017 command code, e.g. 1011 read the time, 1012 "
         "set the time, 2011 real-time data\"},\"cp\":{\"type\":\"string\",\"description\":\"the "
         "CP area, k=v;k=v\"}},\"example\":{\"cn\":1011}}",
     .answer_schema = "{\"type\":\"object\",\"properties\":{\"mn\":{\"type\":\"string\"},\"qn\":{"
                      "\"type\":\"string\"},\"cn\":{\"type\":\"integer\"},\"status\":{\"type\":"
                      "\"string\",\"enum\":[\"queued\"]}}}",
     .status = 202,
     .access = "bureau, admin"},
    {.method = "GET",
     .pattern = "/api/v1/devices/{mn}/commands",
     .fn = h_history,
     .flags = EG_ROUTE_AUTH,
     .summary = "Command history of a device with outcomes",
     .summary_zh = "设备反控命令记录及结果",
     .params = history_params,
     .answer_schema = "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
                      "\"items\":{\"type\":\"object\"}}}}",
     .access = "whoever may see the device in the registry"},
};

int eg_http_api_devices_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(device_specs); i++)
        rc |= eg_http_route_add_spec(srv, &device_specs[i]);
    return rc ? EG_EINVAL : 0;
}
