/*
 * complaint.c: complaints (投诉) as a kind on the workflow engine — anonymous intake located into
 * its street, a task for that street, the public projection by receipt code, photos, publishing
 * the result (issue 12 item 5; intake.h).
 */
#include "intake/intake.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct eg_principal eg_intake_principal = {
    .role = EG_ROLE_BUREAU, .user_id = 0, .username = "intake", .region = "", .unit_id = 0};

#define STREET EG_FLOW_ROLE(EG_ROLE_STREET)

static const struct eg_flow_state complaint_states[] = {
    {"received", "已受理", EG_FLOW_INITIAL},
    {"handling", "办理中", 0},
    {"resolved", "已办结", EG_FLOW_TERMINAL},
    {"rejected", "不予受理", EG_FLOW_TERMINAL},
};

static const struct eg_flow_transition complaint_transitions[] = {
    {"handle", "受理办理", "received", "handling", EG_FLOW_STAFF | STREET, 0, NULL, NULL},
    {"resolve", "办结", "handling", "resolved", EG_FLOW_STAFF | STREET, EG_FLOW_NEED_REASON, NULL,
     NULL},
    {"reject", "不予受理", "received", "rejected", EG_FLOW_STAFF | STREET, EG_FLOW_NEED_REASON,
     NULL, NULL},
    {"reject", "不予受理", "handling", "rejected", EG_FLOW_STAFF | STREET, EG_FLOW_NEED_REASON,
     NULL, NULL},
};

static const struct eg_field complaint_fields[] = {
    {"complaint_type", "投诉类型", EG_FT_ENUM, EG_FF_REQUIRED | EG_FF_FILTER, EG_INTAKE_KINDS, NULL,
     0, EG_INTAKE_KINDS_ZH},
    {"description", "投诉内容", EG_FT_TEXT, EG_FF_REQUIRED | EG_FF_SEARCH, NULL, NULL, 8000, NULL},
    {"address", "地址", EG_FT_TEXT, 0, NULL, NULL, 800, NULL},
    {"lon", "经度(WGS-84)", EG_FT_REAL, 0, NULL, NULL, 0, NULL},
    {"lat", "纬度(WGS-84)", EG_FT_REAL, 0, NULL, NULL, 0, NULL},
    {"contact", "联系方式", EG_FT_TEXT, 0, NULL, NULL, 400, NULL},
    {"source", "来源", EG_FT_ENUM, EG_FF_FILTER, "public|open311|patrol", NULL, 0,
     "群众投诉|Open311|网格巡查"},
};

const struct eg_flow_kind eg_complaint_kind = {
    .name = "complaint",
    .label_zh = "环境投诉",
    .table = "complaints",
    .fields = complaint_fields,
    .nfields = (int)EG_ARRAY_LEN(complaint_fields),
    .states = complaint_states,
    .nstates = (int)EG_ARRAY_LEN(complaint_states),
    .transitions = complaint_transitions,
    .ntransitions = (int)EG_ARRAY_LEN(complaint_transitions),
    .create_roles = EG_FLOW_STAFF | STREET,
    .read_roles = EG_FLOW_STAFF | STREET,
    .default_due_s = 7 * 86400,
    .max_attachment = EG_INTAKE_MAX_PHOTO,
    .attachment_types = EG_INTAKE_PHOTO_TYPES,
    .on_create = NULL,
};

static const char *orempty(const char *s)
{
    return s ? s : "";
}

/* ---- regions (through the registry) ---- */
struct region {
    int64_t id, parent_id;
    char code[32], name[64], level[16];
};

static int region_by_id(struct eg_db *db, int64_t id, struct region *r, struct eg_err *err)
{
    json_t *row = NULL;
    int rc = eg_registry_get(db, eg_registry_find("regions"), &eg_principal_system, id, &row, err);
    if (rc)
        return rc;
    memset(r, 0, sizeof *r);
    r->id = id;
    json_t *p = json_object_get(row, "parent_id");
    r->parent_id = json_is_integer(p) ? json_integer_value(p) : 0;
    snprintf(r->code, sizeof r->code, "%s",
             orempty(json_string_value(json_object_get(row, "code"))));
    snprintf(r->name, sizeof r->name, "%s",
             orempty(json_string_value(json_object_get(row, "name"))));
    snprintf(r->level, sizeof r->level, "%s",
             orempty(json_string_value(json_object_get(row, "level"))));
    json_decref(row);
    return 0;
}

static int region_by_code(struct eg_db *db, const char *code, struct region *r, struct eg_err *err)
{
    static const struct eg_field f = {"region", "区域", EG_FT_REF, 0, NULL, "regions", 0, NULL};
    json_t *v = NULL;
    struct eg_err e = {0};
    int rc = eg_registry_value_from_text(db, &f, code, strlen(code), &v, &e);
    if (rc || !json_is_integer(v)) {
        json_decref(v);
        if (rc == EG_EDB)
            return eg_err_set(err, rc, e.code, -1, "%s", e.msg);
        return EG_ENOTFOUND;
    }
    int64_t id = json_integer_value(v);
    json_decref(v);
    return region_by_id(db, id, r, err);
}

int eg_intake_locate(struct eg_db *db, const struct eg_intake_input *v, struct eg_intake_place *out,
                     struct eg_err *err)
{
    memset(out, 0, sizeof *out);
    struct region street = {0}, picked = {0};
    int have_street = 0, rc;
    if (v->has_point) {
        char code[16];
        const char *name = NULL;
        if (!eg_geo_locate(eg_geo_embedded(), v->lon, v->lat, code, &name)) {
            rc = region_by_code(db, code, &street, err);
            if (rc && rc != EG_ENOTFOUND)
                return rc;
            have_street = !rc;
            if (!have_street && !v->region_code)
                return eg_err_set(err, EG_EINVAL, "location", -1,
                                  "the point lies in %s, which this bureau does not cover; "
                                  "choose the street (region code) or call 12345",
                                  name);
        } else if (!v->region_code) {
            return eg_err_set(err, EG_EINVAL, "location", -1,
                              "the point (%.5f, %.5f) lies in no street of the map (the coast, "
                              "the river, or a boundary not drawn); choose the street (region "
                              "code)",
                              v->in_lat, v->in_lon);
        }
    }
    if (v->region_code) {
        rc = region_by_code(db, v->region_code, &picked, err);
        if (rc == EG_ENOTFOUND ||
            (!rc && strcmp(picked.level, "street") && strcmp(picked.level, "grid")))
            return eg_err_set(err, EG_EINVAL, "region", -1,
                              "region must be the code of a street (街镇) or a grid (网格) of the "
                              "district");
        if (rc)
            return rc;
        struct region st = picked;
        if (!strcmp(picked.level, "grid")) {
            if (!picked.parent_id || region_by_id(db, picked.parent_id, &st, err) ||
                strcmp(st.level, "street"))
                return eg_err_set(err, EG_EINVAL, "region", -1,
                                  "the grid %s is not under a street in the registry", picked.code);
        }
        if (have_street && st.id != street.id)
            return eg_err_set(err, EG_EINVAL, "region", -1,
                              "the point lies in %s, but the region chosen is in %s: correct "
                              "one of them",
                              street.name, st.name);
        street = st;
        have_street = 1;
    } else {
        picked = street;
    }
    out->region_id = picked.id;
    out->street_id = street.id;
    snprintf(out->region_code, sizeof out->region_code, "%s", picked.code);
    snprintf(out->street_code, sizeof out->street_code, "%s", street.code);
    snprintf(out->street_name, sizeof out->street_name, "%s", street.name);
    out->by_point = v->has_point;
    return 0;
}

/* ---- intake ---- */
static void beijing(int64_t t, char out[32])
{
    struct eg_civil c;
    eg_time_to_beijing(t, &c);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", c.year, c.month, c.day, c.hour,
             c.minute, c.second);
}

static int update_private(struct eg_db *db, int64_t id, const char *receipt,
                          const struct eg_intake_input *v, const char *addr, int64_t task_id,
                          int64_t now, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(db,
                           "UPDATE complaints SET receipt = ?2, client_addr = ?3, task_id = ?4, "
                           "received_at = ?5, coord_system = ?6, in_lon = ?7, in_lat = ?8 "
                           "WHERE record_id = ?1",
                           &s, err);
    if (rc)
        return rc;
    eg_stmt_bind_int(s, 1, id);
    eg_stmt_bind_text(s, 2, receipt, strlen(receipt));
    if (addr)
        eg_stmt_bind_text(s, 3, addr, strlen(addr));
    else
        eg_stmt_bind_null(s, 3);
    eg_stmt_bind_int(s, 4, task_id);
    eg_stmt_bind_int(s, 5, now);
    if (v->has_point) {
        eg_stmt_bind_text(s, 6, v->coord_system, strlen(v->coord_system));
        eg_stmt_bind_double(s, 7, v->in_lon);
        eg_stmt_bind_double(s, 8, v->in_lat);
    } else {
        eg_stmt_bind_null(s, 6);
        eg_stmt_bind_null(s, 7);
        eg_stmt_bind_null(s, 8);
    }
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (rc < 0)
        return rc;
    if (eg_db_changes(db) != 1)
        return eg_err_set(err, EG_EDB, "complaint", -1, "complaint row %lld missing",
                          (long long)id);
    return 0;
}

int eg_complaint_submit(struct eg_db *db, json_t *in, const char *source, const char *client_addr,
                        int rate_limit, json_t **out, struct eg_err *err)
{
    *out = NULL;
    struct eg_intake_input v;
    int rc = eg_intake_validate(in, &v, err);
    if (rc)
        return rc;
    if (!source ||
        (strcmp(source, "public") && strcmp(source, "open311") && strcmp(source, "patrol")))
        source = "public";
    int64_t now = eg_time_now();
    if (rate_limit >= 0) {
        int64_t retry;
        rc =
            eg_intake_rate_hit(db, client_addr, now, rate_limit ? rate_limit : EG_INTAKE_RATE_LIMIT,
                               EG_INTAKE_RATE_WINDOW, &retry, err);
        if (rc)
            return rc;
    }
    struct eg_intake_place pl;
    if ((rc = eg_intake_locate(db, &v, &pl, err)))
        return rc;

    char title[200], excerpt[64];
    size_t n = 0, chars = 0;
    const unsigned char *d = (const unsigned char *)v.description;
    while (d[n] && chars < 20 && n < sizeof excerpt - 5) {
        size_t l = d[n] < 0x80 ? 1 : (d[n] & 0xE0) == 0xC0 ? 2 : (d[n] & 0xF0) == 0xE0 ? 3 : 4;
        if (n + l > sizeof excerpt - 5)
            break;
        n += l;
        chars++;
    }
    memcpy(excerpt, v.description, n);
    excerpt[n] = 0;
    for (char *p = excerpt; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    snprintf(title, sizeof title, "%s投诉（%s）：%s%s", v.kind->label_zh, pl.street_name, excerpt,
             d[n] ? "…" : "");

    char receipt[EG_RECEIPT_LEN + 1];
    eg_intake_receipt_new(receipt);

    json_t *rec_in =
        json_pack("{s:s,s:I,s:I,s:s,s:s,s:s}", "title", title, "region_id",
                  (json_int_t)pl.region_id, "to_region_id", (json_int_t)pl.street_id,
                  "complaint_type", v.kind->code, "description", v.description, "source", source);
    if (v.address)
        json_object_set_new(rec_in, "address", json_string(v.address));
    if (v.contact)
        json_object_set_new(rec_in, "contact", json_string(v.contact));
    if (v.has_point) {
        json_object_set_new(rec_in, "lon", json_real(v.lon));
        json_object_set_new(rec_in, "lat", json_real(v.lat));
    }
    int own = !eg_db_in_tx(db);
    if (own && (rc = eg_db_begin(db, err))) {
        json_decref(rec_in);
        return rc;
    }
    json_t *rec = NULL;
    rc = eg_flow_create(db, &eg_complaint_kind, &eg_intake_principal, rec_in, &rec, err);
    json_decref(rec_in);
    if (rc)
        goto fail;
    int64_t id = json_integer_value(json_object_get(rec, "id"));
    /* the task's place (≤ 200 bytes there): the address cut at a character boundary, else the
       point, else the region picked */
    char place[200] = "";
    if (v.address) {
        size_t pn = strlen(v.address);
        if (pn >= sizeof place) {
            pn = sizeof place - 1;
            while (pn && ((unsigned char)v.address[pn] & 0xC0) == 0x80)
                pn--;
        }
        memcpy(place, v.address, pn);
        place[pn] = 0;
    } else if (v.has_point) {
        snprintf(place, sizeof place, "%.6f,%.6f", v.lon, v.lat);
    } else {
        snprintf(place, sizeof place, "%s（%s）", pl.street_name, pl.region_code);
    }
    struct eg_task_new t = {
        .task_type = "complaint",
        .title = title,
        .description = v.description,
        .origin = "complaint",
        .origin_id = id,
        .place = place,
        .region_id = pl.region_id,
        .to_region_id = pl.street_id,
    };
    int64_t task_id = 0;
    if ((rc = eg_task_raise(db, &eg_intake_principal, &t, &task_id, err)))
        goto fail;
    /* 50 random bits: a collision is all but impossible; if one happens, draw again */
    for (int tries = 0; (rc = update_private(db, id, receipt, &v, client_addr, task_id, now,
                                             err)) == EG_ECONFLICT &&
                        tries < 3;
         tries++)
        eg_intake_receipt_new(receipt);
    if (rc)
        goto fail;
    if (own && (rc = eg_db_commit(db, err)))
        goto fail_nort;
    char when[32];
    beijing(now, when);
    *out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "receipt", receipt, "state",
                     "received", "state_zh", "已受理", "region", pl.region_code, "street",
                     pl.street_code, "street_name", pl.street_name, "service_code", v.kind->code,
                     "kind_zh", v.kind->label_zh, "requested_datetime", when);
    json_object_set_new(*out, "located_by", json_string(pl.by_point ? "point" : "region"));
    json_decref(rec);
    return 0;
fail:
    if (own)
        eg_db_rollback(db);
fail_nort:
    json_decref(rec);
    return rc;
}

/* ---- the public projection ---- */
struct crow {
    int64_t id, published_at, received_at;
    char type[16];
    char *result, *description, *address;
    int has_point;
    double lon, lat;
    char receipt[EG_RECEIPT_LEN + 1];
};

static void crow_free(struct crow *c)
{
    free(c->result);
    free(c->description);
    free(c->address);
}

#define CROW_COLS                                                                                  \
    "record_id, complaint_type, result, description, address, lon, lat, published_at, receipt, "   \
    "received_at"

static void crow_read(struct eg_stmt *s, struct crow *c)
{
    memset(c, 0, sizeof *c);
    c->id = eg_stmt_int(s, 0);
    snprintf(c->type, sizeof c->type, "%s", orempty(eg_stmt_text(s, 1, NULL)));
    const char *t;
    if ((t = eg_stmt_text(s, 2, NULL)))
        c->result = eg_strdup(t);
    if ((t = eg_stmt_text(s, 3, NULL)))
        c->description = eg_strdup(t);
    if ((t = eg_stmt_text(s, 4, NULL)))
        c->address = eg_strdup(t);
    c->has_point = !eg_stmt_is_null(s, 5) && !eg_stmt_is_null(s, 6);
    c->lon = eg_stmt_double(s, 5);
    c->lat = eg_stmt_double(s, 6);
    c->published_at = eg_stmt_is_null(s, 7) ? 0 : eg_stmt_int(s, 7);
    snprintf(c->receipt, sizeof c->receipt, "%s", orempty(eg_stmt_text(s, 8, NULL)));
    c->received_at = eg_stmt_is_null(s, 9) ? 0 : eg_stmt_int(s, 9);
}

static int projection(struct eg_db *db, const struct crow *c, json_t **out, struct eg_err *err)
{
    json_t *rec = NULL;
    int rc = eg_flow_get(db, &eg_complaint_kind, &eg_principal_system, c->id, &rec, err);
    if (rc)
        return rc;
    const struct eg_intake_kind *k = eg_intake_kind_find(c->type);
    char when[32], upd[32];
    json_t *ca = json_object_get(rec, "created_at"), *ua = json_object_get(rec, "updated_at");
    beijing(json_is_integer(ca) ? json_integer_value(ca) : c->received_at, when);
    beijing(json_is_integer(ua) ? json_integer_value(ua) : c->received_at, upd);
    const char *state = json_string_value(json_object_get(rec, "state"));
    const struct eg_flow_state *st = eg_flow_state_find(&eg_complaint_kind, state ? state : "");
    json_t *reg = json_object_get(rec, "to_region_id");
    struct region r = {0};
    if (json_is_integer(reg))
        region_by_id(db, json_integer_value(reg), &r, NULL);
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "receipt", c->receipt, "service_code",
                  c->type, "kind_zh", k ? k->label_zh : "", "state", state ? state : "", "state_zh",
                  st ? st->label_zh : "", "region_name", r.name, "requested_datetime", when,
                  "updated_datetime", upd, "published", c->published_at != 0);
    if (c->published_at) {
        char pub[32];
        beijing(c->published_at, pub);
        json_object_set_new(o, "published_datetime", json_string(pub));
        json_object_set_new(o, "result", json_string(c->result ? c->result : ""));
        json_object_set_new(o, "description", json_string(c->description ? c->description : ""));
        if (c->address)
            json_object_set_new(o, "address", json_string(c->address));
        if (c->has_point) {
            json_object_set_new(o, "lat", json_real(c->lat));
            json_object_set_new(o, "long", json_real(c->lon));
        }
    }
    json_decref(rec);
    *out = o;
    return 0;
}

static int by_receipt(struct eg_db *db, const char *receipt, struct crow *c, struct eg_err *err)
{
    char code[EG_RECEIPT_LEN + 1];
    if (eg_intake_receipt_norm(receipt, code, NULL))
        return eg_err_set(err, EG_ENOTFOUND, "not_found", -1,
                          "no complaint with this receipt code; check the code on the receipt "
                          "(10 letters and digits)");
    struct eg_stmt *s;
    int rc = eg_db_prepare(db, "SELECT " CROW_COLS " FROM complaints WHERE receipt = ?1", &s, err);
    if (rc)
        return rc;
    eg_stmt_bind_text(s, 1, code, strlen(code));
    rc = eg_stmt_step(s, err);
    if (rc == 1)
        crow_read(s, c);
    eg_stmt_done(s);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return eg_err_set(err, EG_ENOTFOUND, "not_found", -1,
                          "no complaint with this receipt code; check the code on the receipt "
                          "(10 letters and digits)");
    return 0;
}

int eg_complaint_status(struct eg_db *db, const char *receipt, json_t **out, struct eg_err *err)
{
    *out = NULL;
    struct crow c;
    int rc = by_receipt(db, receipt, &c, err);
    if (rc)
        return rc;
    rc = projection(db, &c, out, err);
    crow_free(&c);
    return rc;
}

int eg_complaint_published(struct eg_db *db, const char *service_code, int64_t from, int64_t to,
                           int limit, json_t **items, struct eg_err *err)
{
    *items = NULL;
    if (limit <= 0 || limit > 1000)
        limit = 50;
    struct eg_stmt *s;
    int rc = eg_db_prepare(db,
                           "SELECT " CROW_COLS " FROM complaints WHERE published_at IS NOT NULL "
                           "AND (?1 IS NULL OR complaint_type = ?1) AND received_at >= ?2 AND "
                           "received_at <= ?3 ORDER BY received_at DESC, record_id DESC LIMIT ?4",
                           &s, err);
    if (rc)
        return rc;
    if (service_code)
        eg_stmt_bind_text(s, 1, service_code, strlen(service_code));
    else
        eg_stmt_bind_null(s, 1);
    eg_stmt_bind_int(s, 2, from);
    eg_stmt_bind_int(s, 3, to ? to : INT64_MAX);
    eg_stmt_bind_int(s, 4, limit);
    struct crow *rows = NULL;
    size_t n = 0, cap = 0;
    while ((rc = eg_stmt_step(s, err)) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            rows = eg_realloc(rows, cap * sizeof *rows);
        }
        crow_read(s, &rows[n++]);
    }
    eg_stmt_done(s);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = NULL;
        if (rc == 0 && (rc = projection(db, &rows[i], &o, err)) == 0)
            json_array_append_new(arr, o);
        crow_free(&rows[i]);
    }
    free(rows);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *items = arr;
    return 0;
}

int eg_complaint_photo(struct eg_db *db, const char *receipt, const void *data, size_t len,
                       json_t **out, struct eg_err *err)
{
    *out = NULL;
    const char *type;
    int rc = eg_intake_photo_check(data, len, &type, err);
    if (rc)
        return rc;
    struct crow c;
    if ((rc = by_receipt(db, receipt, &c, err)))
        return rc;
    int64_t id = c.id, received = c.received_at, published = c.published_at;
    crow_free(&c);
    json_t *rec = NULL;
    if ((rc = eg_flow_get(db, &eg_complaint_kind, &eg_principal_system, id, &rec, err)))
        return rc;
    const char *state = json_string_value(json_object_get(rec, "state"));
    int initial = state && !strcmp(state, "received");
    json_decref(rec);
    if (!initial || published || eg_time_now() - received > 86400)
        return eg_err_set(err, EG_ECONFLICT, "photo", -1,
                          "photos are taken within 24 hours of the complaint and before it is "
                          "handled; tell the street office instead");
    int64_t nphotos = 0;
    int found = 0;
    if ((rc = eg_db_query_int(db, "SELECT photos FROM complaints WHERE record_id = ?1", id, NULL,
                              &nphotos, &found, err)))
        return rc;
    if (nphotos >= EG_INTAKE_MAX_PHOTOS)
        return eg_err_set(err, EG_ECONFLICT, "photo", -1,
                          "a complaint takes at most %d photos; this one has them",
                          EG_INTAKE_MAX_PHOTOS);
    char name[32];
    snprintf(name, sizeof name, "photo-%lld%s", (long long)nphotos + 1,
             !strcmp(type, "image/png")    ? ".png"
             : !strcmp(type, "image/webp") ? ".webp"
                                           : ".jpg");
    json_t *a = NULL;
    if ((rc = eg_db_begin(db, err)))
        return rc;
    struct eg_stmt *s;
    if ((rc = eg_db_prepare(db,
                            "UPDATE complaints SET photos = photos + 1 WHERE record_id = ?1 AND "
                            "photos < ?2",
                            &s, err)))
        goto fail;
    eg_stmt_bind_int(s, 1, id);
    eg_stmt_bind_int(s, 2, EG_INTAKE_MAX_PHOTOS);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (rc < 0)
        goto fail;
    if (eg_db_changes(db) != 1) {
        rc = eg_err_set(err, EG_ECONFLICT, "photo", -1,
                        "a complaint takes at most %d photos; this one has them",
                        EG_INTAKE_MAX_PHOTOS);
        goto fail;
    }
    if ((rc = eg_flow_attach(db, &eg_complaint_kind, &eg_intake_principal, id, name, data, len, &a,
                             err)))
        goto fail;
    if ((rc = eg_db_commit(db, err)))
        goto fail_nort;
    *out = json_pack("{s:O,s:O,s:O}", "sha256", json_object_get(a, "sha256"), "size",
                     json_object_get(a, "size"), "type", json_object_get(a, "type"));
    json_decref(a);
    return 0;
fail:
    eg_db_rollback(db);
fail_nort:
    json_decref(a);
    return rc;
}

int eg_complaint_publish(struct eg_db *db, const struct eg_principal *who, int64_t id,
                         const char *result, int published, struct eg_err *err)
{
    if (who->role != EG_ROLE_ADMIN && who->role != EG_ROLE_BUREAU)
        return eg_err_set(err, who->role == EG_ROLE_ANON ? EG_EAUTH : EG_EPERM, "forbidden", -1,
                          "only the bureau publishes complaint results");
    int rc;
    if (published) {
        if (!result)
            return eg_err_set(err, EG_EINVAL, "result", -1,
                              "result is required: the text the public will read");
        if ((rc = eg_intake_text_check(result, strlen(result), EG_INTAKE_MAX_TEXT, 1, "result",
                                       err)))
            return rc;
    }
    int own = !eg_db_in_tx(db);
    if (own && (rc = eg_db_begin(db, err)))
        return rc;
    if ((rc = eg_flow_publish(db, &eg_complaint_kind, who, id, published, err)))
        goto fail;
    struct eg_stmt *s;
    if ((rc = eg_db_prepare(db,
                            "UPDATE complaints SET result = ?2, published_at = ?3 WHERE "
                            "record_id = ?1",
                            &s, err)))
        goto fail;
    eg_stmt_bind_int(s, 1, id);
    if (published) {
        eg_stmt_bind_text(s, 2, result, strlen(result));
        eg_stmt_bind_int(s, 3, eg_time_now());
    } else {
        eg_stmt_bind_null(s, 2);
        eg_stmt_bind_null(s, 3);
    }
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (rc < 0)
        goto fail;
    /* the engine audited the flag; this row records the text the public reads (audit_log
       admits create/update/delete: the action goes into after_json, as the engine does) */
    json_t *after = json_pack("{s:s,s:b}", "action", "publish_result", "published", published);
    if (published)
        json_object_set_new(after, "result", json_string(result));
    rc = eg_audit_append(db, who, "flow.complaint", id, "update", NULL, after, err);
    json_decref(after);
    if (rc)
        goto fail;
    if (own && (rc = eg_db_commit(db, err)))
        return rc;
    return 0;
fail:
    if (own)
        eg_db_rollback(db);
    return rc;
}
