/*
 * api_intake.c: complaints (投诉) and stewards' inspections (环保管家巡查), issue 12 items 5-7, on
 * intake/intake.h.
 *
 *   POST /api/v1/complaints                      anonymous intake (rate limited per address);
 *                                                201 {"receipt",…}; a street user's is a patrol
 *   GET  /api/v1/complaints/locate?lat=&long=[&coord_system=gcj02]   the street of a point
 *   GET  /api/v1/complaints/status/{receipt}     public: state and published result only
 *   POST /api/v1/complaints/photos/{receipt}     public: a photo (raw bytes, ≤ 5 MB, ≤ 3)
 *   GET  /api/v1/complaints                      staff and streets (scope): list
 *   GET  /api/v1/complaints/{id}                 the record, with contact (staff, the street)
 *   GET  /api/v1/complaints/{id}/history         transitions and comments
 *   POST /api/v1/complaints/{id}/publish         bureau: {"result"} published to the public
 *   POST /api/v1/complaints/{id}/unpublish       bureau
 *   POST /api/v1/complaints/{id}/{action}        handle | resolve {"reason"} | reject {"reason"}
 *   GET  /api/v1/complaints/{id}/attachments/{aid}   a photo (staff, the street)
 *   GET  /api/v1/checklists                      the stewards' checklists
 *   POST /api/v1/inspections                     steward: an inspection of a contracted unit
 *   GET  /api/v1/inspections                     in scope: list
 *   GET  /api/v1/inspections/{id}                with findings
 *   POST /api/v1/inspections/{id}/photos         steward: a photo (raw bytes)
 *   GET  /api/v1/inspections/{id}/attachments/{aid}  a photo (whoever reads the inspection)
 *   POST /api/v1/inspections/{id}/review         staff or street
 */
#include "http/http_internal.h"
#include "intake/intake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int store(struct eg_http_req *rq, struct eg_db **db)
{
    return eg_http_store(rq, db);
}

int eg__http_intake_rate_limit(struct eg_http_req *rq)
{
    struct eg_app *app = eg_http_app(rq);
    const char *v = app && app->cfg ? eg_config_get(app->cfg, "intake.rate_limit") : NULL;
    int64_t n;
    if (v && !eg_parse_int64(v, strlen(v), &n) && n >= -1 && n <= 1000000)
        return n == -1 ? -1 : (int)n;
    return EG_INTAKE_RATE_LIMIT;
}

/* Replies 429 to an EG_ERATE of the intake rate limit, with Retry-After: the seconds to the
   window's end (the limiter puts them in err.offset). */
int eg__http_intake_reply_rate(struct eg_http_req *rq)
{
    char s[24];
    long ra = eg_http_err(rq)->offset;
    snprintf(s, sizeof s, "%ld", ra > 0 && ra <= EG_INTAKE_RATE_WINDOW ? ra : 60);
    eg_http_reply_error(rq, eg_http_err(rq));
    eg_http_add_header(rq, "Retry-After", s);
    return 0;
}

static int h_submit(struct eg_http_req *rq)
{
    json_t *in, *out = NULL;
    struct eg_db *db;
    int rc = eg_http_body_json(rq, &in);
    if (rc || (rc = store(rq, &db)))
        return rc;
    const struct eg_principal *who = eg_http_principal(rq);
    int patrol = who && who->role == EG_ROLE_STREET;
    rc = eg_complaint_submit(db, in, patrol ? "patrol" : "public", eg_http_client_addr(rq),
                             patrol ? -1 : eg__http_intake_rate_limit(rq), &out, eg_http_err(rq));
    if (rc == EG_ERATE)
        return eg__http_intake_reply_rate(rq);
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 201, out);
}

static int h_locate(struct eg_http_req *rq)
{
    json_t *in = json_object();
    static const char *const keys[] = {"lat", "long", "coord_system", "region"};
    for (size_t i = 0; i < EG_ARRAY_LEN(keys); i++) {
        const char *v = eg_http_query(rq, keys[i]);
        if (v)
            json_object_set_new(in, keys[i], json_string(v));
    }
    json_object_set_new(in, "kind", json_string("other"));
    json_object_set_new(in, "description", json_string("-"));
    struct eg_intake_input v;
    struct eg_intake_place pl;
    struct eg_db *db;
    int rc = eg_intake_validate(in, &v, eg_http_err(rq));
    if (!rc && !(rc = store(rq, &db)))
        rc = eg_intake_locate(db, &v, &pl, eg_http_err(rq));
    json_decref(in);
    if (rc)
        return rc;
    json_t *o = json_pack("{s:s,s:s,s:s,s:f,s:f,s:s}", "region", pl.region_code, "street",
                          pl.street_code, "street_name", pl.street_name, "lon_wgs84", v.lon,
                          "lat_wgs84", v.lat, "located_by", pl.by_point ? "point" : "region");
    return eg_http_reply_json(rq, 200, o);
}

static int h_status(struct eg_http_req *rq)
{
    struct eg_db *db;
    json_t *out;
    int rc = store(rq, &db);
    if (rc || (rc = eg_complaint_status(db, eg_http_param(rq, "receipt"), &out, eg_http_err(rq))))
        return rc;
    return eg_http_reply_json(rq, 200, out);
}

static int h_photo(struct eg_http_req *rq)
{
    struct eg_db *db;
    json_t *out;
    size_t len;
    const char *body = eg_http_body(rq, &len);
    int rc = store(rq, &db);
    if (rc || (rc = eg_complaint_photo(db, eg_http_param(rq, "receipt"), body, len, &out,
                                       eg_http_err(rq))))
        return rc;
    return eg_http_reply_json(rq, 201, out);
}

/* ---- staff views over the engine ---- */
static const struct eg_http_column complaint_cols[] = {
    {"id", "ID", NULL, NULL},
    {"state_zh", "状态", NULL, NULL},
    {"complaint_type", "投诉类型", EG_INTAKE_KINDS, EG_INTAKE_KINDS_ZH},
    {"title", "标题", NULL, NULL},
    {"description", "投诉内容", NULL, NULL},
    {"address", "地址", NULL, NULL},
    {"created_at", "受理时间", NULL, NULL},
    {"due_at", "办理期限", NULL, NULL},
    {"overdue", "超期", NULL, NULL},
};
static const struct eg_http_column inspection_cols[] = {
    {"id", "ID", NULL, NULL},
    {"state_zh", "状态", NULL, NULL},
    {"title", "标题", NULL, NULL},
    {"unit_id", "单位ID", NULL, NULL},
    {"checklist", "检查表", NULL, NULL},
    {"visited_on", "检查日期", NULL, NULL},
};

static int list_kind(struct eg_http_req *rq, const struct eg_flow_kind *kind,
                     const struct eg_http_column *cols, int ncols)
{
    struct eg_flow_query q = {0};
    int fmt, rc;
    struct eg_db *db;
    if ((rc = eg_http_format(rq, &fmt)) || (rc = store(rq, &db)))
        return rc;
    q.state = eg_http_query(rq, "state");
    q.region = eg_http_query(rq, "region");
    q.q = eg_http_query(rq, "q");
    q.cursor = eg_http_query(rq, "cursor");
    const char *v;
    int64_t n;
    if ((v = eg_http_query(rq, "limit"))) {
        if (eg_parse_int64(v, strlen(v), &n) || n < 1 || n > 1000)
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_limit", -1,
                              "limit must be 1 to 1000");
        q.limit = (int)n;
    }
    if ((v = eg_http_query(rq, "unit_id"))) {
        if (eg_parse_int64(v, strlen(v), &n) || n < 1)
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_query", -1,
                              "unit_id must be a unit id");
        q.unit_id = n;
    }
    q.overdue = (v = eg_http_query(rq, "overdue")) && !strcmp(v, "1");
    q.open = (v = eg_http_query(rq, "open")) && !strcmp(v, "1");
    json_t *rows = NULL;
    char *next = NULL;
    if ((rc = eg_flow_list(db, kind, eg_http_principal(rq), &q, &rows, &next, eg_http_err(rq))))
        return rc;
    rc = eg_http_reply_list(rq, kind->label_zh, kind->name, cols, ncols, rows, next);
    free(next);
    return rc;
}

static int h_list(struct eg_http_req *rq)
{
    return list_kind(rq, &eg_complaint_kind, complaint_cols, (int)EG_ARRAY_LEN(complaint_cols));
}

static int h_get(struct eg_http_req *rq)
{
    int64_t id;
    struct eg_db *db;
    json_t *out;
    int rc = eg_http_param_id(rq, "id", &id);
    if (rc || (rc = store(rq, &db)) ||
        (rc =
             eg_flow_get(db, &eg_complaint_kind, eg_http_principal(rq), id, &out, eg_http_err(rq))))
        return rc;
    return eg_http_reply_json(rq, 200, out);
}

static int history(struct eg_http_req *rq, const struct eg_flow_kind *kind)
{
    int64_t id;
    struct eg_db *db;
    json_t *out;
    int rc = eg_http_param_id(rq, "id", &id);
    if (rc || (rc = store(rq, &db)) ||
        (rc = eg_flow_history(db, kind, eg_http_principal(rq), id, &out, eg_http_err(rq))))
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:o}", "items", out));
}

static int h_history(struct eg_http_req *rq)
{
    return history(rq, &eg_complaint_kind);
}

static int publish(struct eg_http_req *rq, int on)
{
    int64_t id;
    struct eg_db *db;
    json_t *in = NULL;
    int rc = eg_http_param_id(rq, "id", &id);
    if (rc || (rc = store(rq, &db)))
        return rc;
    const char *result = NULL;
    if (on) {
        if ((rc = eg_http_body_json(rq, &in)))
            return rc;
        json_t *r = json_object_get(in, "result");
        if (r && !json_is_string(r))
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "wrong_type", -1, "result must be text");
        result = json_string_value(r);
    }
    if ((rc = eg_complaint_publish(db, eg_http_principal(rq), id, result, on, eg_http_err(rq))))
        return rc;
    json_t *out;
    if ((rc =
             eg_flow_get(db, &eg_complaint_kind, eg_http_principal(rq), id, &out, eg_http_err(rq))))
        return rc;
    return eg_http_reply_json(rq, 200, out);
}

static int h_publish(struct eg_http_req *rq)
{
    return publish(rq, 1);
}

static int h_unpublish(struct eg_http_req *rq)
{
    return publish(rq, 0);
}

static int act(struct eg_http_req *rq, const struct eg_flow_kind *kind, const char *action)
{
    int64_t id;
    struct eg_db *db;
    json_t *in = NULL, *out = NULL;
    size_t len;
    int rc = eg_http_param_id(rq, "id", &id);
    if (rc || (rc = store(rq, &db)))
        return rc;
    eg_http_body(rq, &len);
    if (len && (rc = eg_http_body_json(rq, &in)))
        return rc;
    json_t *empty = in ? NULL : json_object();
    rc = eg_flow_act(db, kind, eg_http_principal(rq), id, action, in ? in : empty, &out,
                     eg_http_err(rq));
    json_decref(empty);
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 200, out);
}

static int h_act(struct eg_http_req *rq)
{
    return act(rq, &eg_complaint_kind, eg_http_param(rq, "action"));
}

/* ---- checklists and inspections ---- */
static int h_checklists(struct eg_http_req *rq)
{
    json_t *all;
    int rc = eg_checklists_json(&all, eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:o}", "items", all));
}

static int h_insp_create(struct eg_http_req *rq)
{
    json_t *in, *out;
    struct eg_db *db;
    int rc = eg_http_body_json(rq, &in);
    if (rc || (rc = store(rq, &db)) ||
        (rc = eg_inspection_record(db, eg_http_principal(rq), in, &out, eg_http_err(rq))))
        return rc;
    return eg_http_reply_json(rq, 201, out);
}

static int h_insp_list(struct eg_http_req *rq)
{
    return list_kind(rq, &eg_inspection_kind, inspection_cols, (int)EG_ARRAY_LEN(inspection_cols));
}

static int h_insp_get(struct eg_http_req *rq)
{
    int64_t id;
    struct eg_db *db;
    json_t *out;
    int rc = eg_http_param_id(rq, "id", &id);
    if (rc || (rc = store(rq, &db)) ||
        (rc = eg_inspection_get(db, eg_http_principal(rq), id, &out, eg_http_err(rq))))
        return rc;
    return eg_http_reply_json(rq, 200, out);
}

static int h_insp_photo(struct eg_http_req *rq)
{
    int64_t id;
    struct eg_db *db;
    json_t *out;
    size_t len;
    const char *body = eg_http_body(rq, &len);
    const char *type;
    char name[32];
    int rc = eg_http_param_id(rq, "id", &id);
    if (rc || (rc = eg_intake_photo_check(body, len, &type, eg_http_err(rq))) ||
        (rc = store(rq, &db)))
        return rc;
    snprintf(name, sizeof name, "photo%s",
             !strcmp(type, "image/png")    ? ".png"
             : !strcmp(type, "image/webp") ? ".webp"
                                           : ".jpg");
    if ((rc = eg_flow_attach(db, &eg_inspection_kind, eg_http_principal(rq), id, name, body, len,
                             &out, eg_http_err(rq))))
        return rc;
    return eg_http_reply_json(rq, 201, out);
}

/* A photo's bytes, for whoever may read its record: the type the engine detected, never
   sniffed by the browser, offered as a download. */
static int attachment(struct eg_http_req *rq, const struct eg_flow_kind *kind)
{
    int64_t id, aid;
    struct eg_db *db;
    void *data = NULL;
    size_t len = 0;
    char type[64];
    int rc = eg_http_param_id(rq, "id", &id);
    if (rc || (rc = eg_http_param_id(rq, "aid", &aid)) || (rc = store(rq, &db)) ||
        (rc = eg_flow_attachment_read(db, kind, eg_http_principal(rq), id, aid, &data, &len, type,
                                      eg_http_err(rq))))
        return rc;
    rc = eg_http_reply_raw(rq, 200, type, data, len);
    free(data);
    char disp[64];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s-%lld\"", kind->name, (long long)aid);
    eg_http_add_header(rq, "X-Content-Type-Options", "nosniff");
    eg_http_add_header(rq, "Content-Disposition", disp);
    return rc;
}

static int h_attachment(struct eg_http_req *rq)
{
    return attachment(rq, &eg_complaint_kind);
}

static int h_insp_attachment(struct eg_http_req *rq)
{
    return attachment(rq, &eg_inspection_kind);
}

static int h_insp_review(struct eg_http_req *rq)
{
    return act(rq, &eg_inspection_kind, "review");
}

int eg_http_api_intake_routes(struct eg_http_server *srv)
{
    int rc = 0;
    rc |= eg_http_route_add(srv, "POST", "/api/v1/complaints", h_submit,
                            EG_ROUTE_PUBLIC | EG_ROUTE_BODY_JSON,
                            "file a complaint (投诉), anonymous: kind, description, lat/long or "
                            "region; answers the receipt code",
                            NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/complaints/locate", h_locate, EG_ROUTE_PUBLIC,
                            "the street (街镇) a point lies in (lat, long, coord_system)", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/complaints/status/{receipt}", h_status,
                            EG_ROUTE_PUBLIC,
                            "a complaint's state and published result by its receipt code", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/complaints/photos/{receipt}", h_photo,
                            EG_ROUTE_PUBLIC | EG_ROUTE_BODY_FILE,
                            "add a photo to a complaint (raw JPEG/PNG/WebP bytes, at most 5 MB, "
                            "3 per complaint, within 24 h)",
                            NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/complaints", h_list, EG_ROUTE_AUTH | EG_ROUTE_LIST,
                            "complaints in scope (state, region, unit_id, overdue, open, q)", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/complaints/{id}", h_get, EG_ROUTE_AUTH,
                            "a complaint with the actions open to the caller", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/complaints/{id}/history", h_history, EG_ROUTE_AUTH,
                            "a complaint's transitions and comments", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/complaints/{id}/publish", h_publish,
                            EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
                            "publish a complaint's result to the public (bureau): {\"result\"}",
                            NULL);
    rc |=
        eg_http_route_add(srv, "POST", "/api/v1/complaints/{id}/unpublish", h_unpublish,
                          EG_ROUTE_AUTH, "withdraw a complaint's published result (bureau)", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/complaints/{id}/{action}", h_act,
                            EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
                            "take a transition: handle, resolve {\"reason\"}, reject "
                            "{\"reason\"}",
                            NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/complaints/{id}/attachments/{aid}", h_attachment,
                            EG_ROUTE_AUTH, "a complaint's photo (the record's attachments list)",
                            NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/inspections/{id}/attachments/{aid}",
                            h_insp_attachment, EG_ROUTE_AUTH, "an inspection's photo", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/checklists", h_checklists, EG_ROUTE_PUBLIC,
                            "the stewards' checklists (环保管家检查表): items and severity scale",
                            NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/inspections", h_insp_create,
                            EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
                            "record a steward's inspection of a contracted unit (findings raise "
                            "rectification tasks)",
                            NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/inspections", h_insp_list,
                            EG_ROUTE_AUTH | EG_ROUTE_LIST, "stewards' inspections in scope", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/inspections/{id}", h_insp_get, EG_ROUTE_AUTH,
                            "an inspection with its findings", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/inspections/{id}/photos", h_insp_photo,
                            EG_ROUTE_AUTH | EG_ROUTE_BODY_FILE,
                            "add a photo to an inspection (raw JPEG/PNG/WebP bytes, at most 5 MB)",
                            NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/inspections/{id}/review", h_insp_review,
                            EG_ROUTE_AUTH, "mark an inspection reviewed (bureau or street)", NULL);
    return rc;
}
