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
    {"id", "ID", NULL, NULL, EG_HTTP_COL_AUTO},
    {"state_zh", "状态", NULL, NULL, EG_HTTP_COL_AUTO},
    {"complaint_type", "投诉类型", EG_INTAKE_KINDS, EG_INTAKE_KINDS_ZH, EG_HTTP_COL_AUTO},
    {"title", "标题", NULL, NULL, EG_HTTP_COL_AUTO},
    {"description", "投诉内容", NULL, NULL, EG_HTTP_COL_AUTO},
    {"address", "地址", NULL, NULL, EG_HTTP_COL_AUTO},
    {"created_at", "受理时间", NULL, NULL, EG_HTTP_COL_TIME},
    {"due_at", "办理期限", NULL, NULL, EG_HTTP_COL_TIME},
    {"overdue", "超期", NULL, NULL, EG_HTTP_COL_AUTO},
};
static const struct eg_http_column inspection_cols[] = {
    {"id", "ID", NULL, NULL, EG_HTTP_COL_AUTO},
    {"state_zh", "状态", NULL, NULL, EG_HTTP_COL_AUTO},
    {"title", "标题", NULL, NULL, EG_HTTP_COL_AUTO},
    {"unit_id", "单位ID", NULL, NULL, EG_HTTP_COL_AUTO},
    {"checklist", "检查表", NULL, NULL, EG_HTTP_COL_AUTO},
    {"visited_on", "检查日期", NULL, NULL, EG_HTTP_COL_AUTO},
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

/* ---- the route tables (parameters, bodies, answers: the server, the OpenAPI document) ---- */
#define P_ID                                                                                       \
    {                                                                                              \
        .name = "id", .in = EG_PIN_PATH, .type = EG_PT_ID, .description_zh = "记录编号",           \
        .description_en = "record id", .example = "1"                                              \
    }
#define P_AID                                                                                      \
    {                                                                                              \
        .name = "aid", .in = EG_PIN_PATH, .type = EG_PT_ID, .description_zh = "附件编号",          \
        .description_en = "attachment id (the record's attachments list)", .example = "1"          \
    }
#define P_RECEIPT                                                                                  \
    {                                                                                              \
        .name = "receipt", .in = EG_PIN_PATH, .type = EG_PT_STRING, .max_len = 64,                 \
        .description_zh = "回执码 (10 位字母数字)",                                                \
        .description_en = "receipt code (10 letters and digits; case, spaces and dashes ignored)", \
        .example = "ABCDEFGH01"                                                                    \
    }

static const struct eg_http_param_spec p_id[] = {P_ID, {0}};
static const struct eg_http_param_spec p_id_aid[] = {P_ID, P_AID, {0}};
static const struct eg_http_param_spec p_receipt[] = {P_RECEIPT, {0}};
static const struct eg_http_param_spec p_act[] = {
    P_ID,
    {.name = "action",
     .in = EG_PIN_PATH,
     .type = EG_PT_ENUM,
     .enum_values = "handle|resolve|reject",
     .description_zh =
         "操作：受理办理 handle、办结 resolve (需 reason)、不予受理 reject (需 reason)",
     .description_en = "handle; resolve and reject need a reason",
     .example = "handle"},
    {0}};
static const struct eg_http_param_spec p_locate[] = {
    {.name = "lat",
     .type = EG_PT_STRING,
     .max_len = 32,
     .description_zh = "纬度",
     .description_en = "latitude, degrees",
     .example = "31.2409"},
    {.name = "long",
     .type = EG_PT_STRING,
     .max_len = 32,
     .description_zh = "经度",
     .description_en = "longitude, degrees",
     .example = "121.504"},
    {.name = "coord_system",
     .type = EG_PT_ENUM,
     .enum_values = "wgs84|gcj02",
     .description_zh = "坐标系：wgs84 (GPS) 或 gcj02 (高德/腾讯地图)",
     .description_en = "wgs84 (GPS) or gcj02 (AutoNavi/Tencent maps)",
     .dflt = "wgs84"},
    {.name = "region",
     .type = EG_PT_STRING,
     .max_len = 32,
     .description_zh = "街镇或网格编码",
     .description_en = "street or grid code (instead of, or to refine, the point)"},
    {0}};
static const struct eg_http_param_spec p_list[] = {
    {.name = "state",
     .type = EG_PT_STRING,
     .max_len = 32,
     .description_zh = "状态",
     .description_en = "state name"},
    {.name = "region",
     .type = EG_PT_STRING,
     .max_len = 32,
     .description_zh = "区域编码 (含下级)",
     .description_en = "region code, with the regions under it"},
    {.name = "unit_id",
     .type = EG_PT_ID,
     .description_zh = "单位编号",
     .description_en = "unit id"},
    {.name = "overdue",
     .type = EG_PT_ENUM,
     .enum_values = "0|1",
     .description_zh = "只看超期",
     .description_en = "1: overdue only"},
    {.name = "open",
     .type = EG_PT_ENUM,
     .enum_values = "0|1",
     .description_zh = "只看未办结",
     .description_en = "1: not closed only"},
    {.name = "q",
     .type = EG_PT_STRING,
     .max_len = 100,
     .description_zh = "标题或内容包含",
     .description_en = "text in the title or the description"},
    {.name = "limit",
     .type = EG_PT_INT,
     .min = 1,
     .max = 1000,
     .dflt = "50",
     .description_zh = "每页条数",
     .description_en = "page size"},
    {.name = "cursor",
     .type = EG_PT_STRING,
     .max_len = 200,
     .description_zh = "翻页游标",
     .description_en = "next_cursor of the previous page"},
    {0}};

static const char submit_body[] =
    "{\"type\":\"object\",\"required\":[\"kind\",\"description\"],\"additionalProperties\":false,"
    "\"properties\":{\"kind\":{\"type\":\"string\",\"enum\":[\"noise\",\"odour\",\"smoke\","
    "\"waste_water\",\"dust\",\"waste\",\"other\"],\"description\":\"投诉类型 (or its Chinese "
    "label)\"},\"description\":{\"type\":\"string\",\"maxLength\":2000,\"description\":\"投诉内容, "
    "at most 2000 characters\"},\"lat\":{\"type\":\"number\"},\"long\":{\"type\":\"number\"},"
    "\"coord_system\":{\"type\":\"string\",\"enum\":[\"wgs84\",\"gcj02\"]},\"region\":{\"type\":"
    "\"string\",\"description\":\"街镇或网格编码\"},\"address\":{\"type\":\"string\",\"maxLength\":"
    "200},\"contact\":{\"type\":\"string\",\"maxLength\":100,\"description\":\"联系方式 (never "
    "shown to the public)\"}},\"example\":{\"kind\":\"noise\",\"description\":\"夜间施工噪声扰民\","
    "\"lat\":31.2409,\"long\":121.504}}";
static const char submit_answer[] =
    "{\"type\":\"object\",\"properties\":{\"receipt\":{\"type\":\"string\"},\"state\":{\"type\":"
    "\"string\"},\"state_zh\":{\"type\":\"string\"},\"region\":{\"type\":\"string\"},\"street\":{"
    "\"type\":\"string\"},\"street_name\":{\"type\":\"string\"},\"service_code\":{\"type\":"
    "\"string\"},\"kind_zh\":{\"type\":\"string\"},\"requested_datetime\":{\"type\":\"string\"},"
    "\"located_by\":{\"type\":\"string\",\"enum\":[\"point\",\"region\"]}}}";
static const char locate_answer[] =
    "{\"type\":\"object\",\"properties\":{\"region\":{\"type\":\"string\"},\"street\":{\"type\":"
    "\"string\"},\"street_name\":{\"type\":\"string\"},\"lon_wgs84\":{\"type\":\"number\"},"
    "\"lat_wgs84\":{\"type\":\"number\"},\"located_by\":{\"type\":\"string\"}}}";
static const char status_answer[] =
    "{\"type\":\"object\",\"properties\":{\"receipt\":{\"type\":\"string\"},\"service_code\":{"
    "\"type\":\"string\"},\"kind_zh\":{\"type\":\"string\"},\"state\":{\"type\":\"string\"},"
    "\"state_zh\":{\"type\":\"string\"},\"region_name\":{\"type\":\"string\"},"
    "\"requested_datetime\":{\"type\":\"string\"},\"updated_datetime\":{\"type\":\"string\"},"
    "\"published\":{\"type\":\"boolean\"},\"result\":{\"type\":\"string\",\"description\":"
    "\"once published\"},\"description\":{\"type\":\"string\"},\"address\":{\"type\":\"string\"},"
    "\"lat\":{\"type\":\"number\"},\"long\":{\"type\":\"number\"}}}";
static const char photo_answer[] =
    "{\"type\":\"object\",\"properties\":{\"sha256\":{\"type\":\"string\"},\"size\":{\"type\":"
    "\"integer\"},\"type\":{\"type\":\"string\"}}}";
static const char record_answer[] =
    "{\"type\":\"object\",\"description\":\"the engine's record: id, state, state_zh, title, "
    "region_id, to_region_id, unit_id, to_unit_id, due_at, overdue, published, version, actions, "
    "attachments, and the kind's fields\"}";
static const char list_answer[] =
    "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"object\"}},\"next_cursor\":{\"type\":\"string\",\"nullable\":true}}}";
static const char items_answer[] =
    "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"object\"}}}}";
static const char file_answer[] = "{\"type\":\"string\",\"format\":\"binary\"}";
static const char publish_body[] =
    "{\"type\":\"object\",\"required\":[\"result\"],\"properties\":{\"result\":{\"type\":"
    "\"string\",\"maxLength\":2000,\"description\":\"办理结果 (the public reads it)\"}},"
    "\"example\":{\"result\":\"经核实，施工单位已调整作业时间。\"}}";
static const char act_body[] =
    "{\"type\":\"object\",\"properties\":{\"reason\":{\"type\":\"string\",\"description\":"
    "\"理由 (resolve, reject)\"},\"version\":{\"type\":\"integer\"},\"note\":{\"type\":"
    "\"string\"}},\"example\":{\"note\":\"已安排现场核查\"}}";
static const char inspection_body[] =
    "{\"type\":\"object\",\"required\":[\"unit_id\",\"checklist\",\"findings\"],"
    "\"additionalProperties\":false,\"properties\":{\"unit_id\":{\"type\":\"integer\"},"
    "\"checklist\":{\"type\":\"string\",\"description\":\"GET /api/v1/checklists\"},"
    "\"visited_on\":{\"type\":\"string\",\"format\":\"date\"},\"summary\":{\"type\":"
    "\"string\"},\"findings\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":["
    "\"item\",\"severity\"],\"properties\":{\"item\":{\"type\":\"string\"},\"severity\":{"
    "\"type\":\"string\"},\"note\":{\"type\":\"string\",\"description\":\"required when the "
    "severity needs action\"}}}}},\"example\":{\"unit_id\":1,\"checklist\":\"general_industry\","
    "\"findings\":[{\"item\":\"A01\",\"severity\":\"ok\"}]}}";

static const char access_public[] = "anyone (anonymous intake is rate limited per address)";
static const char access_staff[] =
    "admin, bureau: every complaint; street: those of its region (and grids); others 404";
static const char access_insp[] =
    "steward: its contracted units; the unit; its street; admin, bureau; others 404";

static const struct eg_http_route_spec specs[] = {
    {.method = "POST",
     .pattern = "/api/v1/complaints",
     .fn = h_submit,
     .flags = EG_ROUTE_PUBLIC | EG_ROUTE_BODY_JSON,
     .summary = "file a complaint, anonymous: kind, description, lat/long or region; answers the "
                "receipt code",
     .summary_zh = "提交投诉 (匿名)，返回回执码",
     .body_schema = submit_body,
     .answer_schema = submit_answer,
     .access = access_public,
     .status = 201},
    {.method = "GET",
     .pattern = "/api/v1/complaints/locate",
     .fn = h_locate,
     .summary = "the street a point lies in",
     .summary_zh = "坐标所在街镇",
     .params = p_locate,
     .answer_schema = locate_answer,
     .access = access_public},
    {.method = "GET",
     .pattern = "/api/v1/complaints/status/{receipt}",
     .fn = h_status,
     .summary = "a complaint's state and published result by its receipt code",
     .summary_zh = "凭回执码查询投诉进度与公开结果",
     .params = p_receipt,
     .answer_schema = status_answer,
     .access = "anyone holding the receipt code"},
    {.method = "POST",
     .pattern = "/api/v1/complaints/photos/{receipt}",
     .fn = h_photo,
     .flags = EG_ROUTE_PUBLIC | EG_ROUTE_BODY_FILE,
     .summary = "add a photo (raw JPEG/PNG/WebP bytes, at most 5 MB, 3 per complaint, within "
                "24 h)",
     .summary_zh = "上传投诉照片",
     .params = p_receipt,
     .answer_schema = photo_answer,
     .access = "anyone holding the receipt code",
     .status = 201},
    {.method = "GET",
     .pattern = "/api/v1/complaints",
     .fn = h_list,
     .flags = EG_ROUTE_AUTH | EG_ROUTE_LIST,
     .summary = "complaints in scope",
     .summary_zh = "投诉列表",
     .params = p_list,
     .answer_schema = list_answer,
     .access = access_staff},
    {.method = "GET",
     .pattern = "/api/v1/complaints/{id}",
     .fn = h_get,
     .flags = EG_ROUTE_AUTH,
     .summary = "a complaint, with contact and the actions open to the caller",
     .summary_zh = "投诉详情",
     .params = p_id,
     .answer_schema = record_answer,
     .access = access_staff},
    {.method = "GET",
     .pattern = "/api/v1/complaints/{id}/history",
     .fn = h_history,
     .flags = EG_ROUTE_AUTH,
     .summary = "a complaint's transitions and comments",
     .summary_zh = "投诉办理记录",
     .params = p_id,
     .answer_schema = items_answer,
     .access = access_staff},
    {.method = "POST",
     .pattern = "/api/v1/complaints/{id}/publish",
     .fn = h_publish,
     .flags = EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     .summary = "publish a complaint's result to the public",
     .summary_zh = "公开投诉办理结果",
     .params = p_id,
     .body_schema = publish_body,
     .answer_schema = record_answer,
     .access = "admin, bureau"},
    {.method = "POST",
     .pattern = "/api/v1/complaints/{id}/unpublish",
     .fn = h_unpublish,
     .flags = EG_ROUTE_AUTH,
     .summary = "withdraw a complaint's published result",
     .summary_zh = "撤回公开结果",
     .params = p_id,
     .answer_schema = record_answer,
     .access = "admin, bureau"},
    {.method = "POST",
     .pattern = "/api/v1/complaints/{id}/{action}",
     .fn = h_act,
     .flags = EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     .summary = "take a transition: handle, resolve, reject",
     .summary_zh = "投诉办理操作",
     .params = p_act,
     .body_schema = act_body,
     .answer_schema = record_answer,
     .access = "admin, bureau, the addressed street"},
    {.method = "GET",
     .pattern = "/api/v1/complaints/{id}/attachments/{aid}",
     .fn = h_attachment,
     .flags = EG_ROUTE_AUTH,
     .summary = "a complaint's photo",
     .summary_zh = "投诉照片",
     .params = p_id_aid,
     .answer_schema = file_answer,
     .access = access_staff},
    {.method = "GET",
     .pattern = "/api/v1/checklists",
     .fn = h_checklists,
     .summary = "the stewards' checklists: items and severity scale",
     .summary_zh = "环保管家检查表",
     .answer_schema = items_answer,
     .access = "anyone"},
    {.method = "POST",
     .pattern = "/api/v1/inspections",
     .fn = h_insp_create,
     .flags = EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     .summary = "record a steward's inspection of a contracted unit (findings that need action "
                "raise rectification tasks)",
     .summary_zh = "记录环保管家巡查",
     .body_schema = inspection_body,
     .answer_schema = record_answer,
     .access = "steward (its contracted units), admin, bureau",
     .status = 201},
    {.method = "GET",
     .pattern = "/api/v1/inspections",
     .fn = h_insp_list,
     .flags = EG_ROUTE_AUTH | EG_ROUTE_LIST,
     .summary = "stewards' inspections in scope",
     .summary_zh = "环保管家巡查列表",
     .params = p_list,
     .answer_schema = list_answer,
     .access = access_insp},
    {.method = "GET",
     .pattern = "/api/v1/inspections/{id}",
     .fn = h_insp_get,
     .flags = EG_ROUTE_AUTH,
     .summary = "an inspection with its findings",
     .summary_zh = "巡查详情",
     .params = p_id,
     .answer_schema = record_answer,
     .access = access_insp},
    {.method = "POST",
     .pattern = "/api/v1/inspections/{id}/photos",
     .fn = h_insp_photo,
     .flags = EG_ROUTE_AUTH | EG_ROUTE_BODY_FILE,
     .summary = "add a photo to an inspection (raw JPEG/PNG/WebP bytes, at most 5 MB)",
     .summary_zh = "上传巡查照片",
     .params = p_id,
     .answer_schema = photo_answer,
     .access = "the steward who recorded it, admin, bureau",
     .status = 201},
    {.method = "GET",
     .pattern = "/api/v1/inspections/{id}/attachments/{aid}",
     .fn = h_insp_attachment,
     .flags = EG_ROUTE_AUTH,
     .summary = "an inspection's photo",
     .summary_zh = "巡查照片",
     .params = p_id_aid,
     .answer_schema = file_answer,
     .access = access_insp},
    {.method = "POST",
     .pattern = "/api/v1/inspections/{id}/review",
     .fn = h_insp_review,
     .flags = EG_ROUTE_AUTH,
     .summary = "mark an inspection reviewed",
     .summary_zh = "审阅巡查记录",
     .params = p_id,
     .answer_schema = record_answer,
     .access = "admin, bureau, the unit's street"},
};

int eg_http_api_intake_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(specs); i++)
        rc |= eg_http_route_add_spec(srv, &specs[i]);
    return rc;
}
