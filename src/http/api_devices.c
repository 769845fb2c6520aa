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
 * through eg_registry_list, the one place scope is enforced); the offline list and commands are
 * for the bureau and administrators.
 */
#include "devices/devices.h"
#include "http/http_internal.h"
#include "ingest/ingest.h"

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
    const char *m = eg_http_query(rq, "multiple");
    int64_t v = 3;
    if (m && (eg_parse_int64(m, strlen(m), &v) || v < 1 || v > 1000))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_multiple", -1,
                          "multiple must be an integer 1..1000");
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

static int h_offline(struct eg_http_req *rq)
{
    struct eg_db *st;
    int multiple;
    int rc = staff_only(rq);
    if (!rc)
        rc = multiple_of(rq, &multiple);
    if (!rc)
        rc = eg_http_store(rq, &st);
    if (rc)
        return rc;
    struct eg_buf b = {0};
    eg_buf_puts(&b, "{\"items\":");
    rc = eg_devices_offline_json(st, eg_time_now(), multiple, &b, eg_http_err(rq));
    if (rc) {
        eg_buf_free(&b);
        return rc;
    }
    eg_buf_puts(&b, "}");
    return reply_buf_json(rq, 200, &b);
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
    const char *l = eg_http_query(rq, "limit");
    int64_t limit = 100;
    if (l && (eg_parse_int64(l, strlen(l), &limit) || limit < 1 || limit > 1000))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_limit", -1, "limit must be 1..1000");
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

int eg_http_api_devices_routes(struct eg_http_server *srv)
{
    int rc = 0;
    rc |= eg_http_route_add(srv, "GET", "/api/v1/devices/{mn}/status", h_status, EG_ROUTE_AUTH,
                            "HJ 212 device status: online/offline, last packet, counters", NULL);
    rc |=
        eg_http_route_add(srv, "GET", "/api/v1/devices/offline", h_offline, EG_ROUTE_AUTH,
                          "devices without data for longer than ?multiple= x their interval", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/devices/{mn}/commands", h_command,
                            EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
                            "send an HJ 212 command (CN, CP) to a connected device", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/devices/{mn}/commands", h_history, EG_ROUTE_AUTH,
                            "command history of a device with outcomes", NULL);
    return rc;
}
