/*
 * validate.c: complaint kinds, receipt codes, intake validation (text, coordinates, photos by
 * their bytes) and the per-address rate limit of anonymous intake.
 */
#include "intake/intake.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

const struct eg_intake_kind eg_intake_kinds[] = {
    {"noise", "噪声扰民", "施工、生产、商业或社会生活噪声"},
    {"odour", "异味臭气", "工厂、餐饮、垃圾等散发的异味或臭气"},
    {"smoke", "烟尘黑烟", "烟囱冒黑烟、露天焚烧、油烟"},
    {"waste_water", "污水排放", "向河道、雨水管或地面排放污水，水体发黑发臭"},
    {"dust", "扬尘", "工地、堆场、道路扬尘"},
    {"waste", "固体废物", "乱倒垃圾、建筑垃圾、危险废物"},
    {"other", "其他", "其他生态环境问题"},
};
const int eg_intake_nkinds = (int)EG_ARRAY_LEN(eg_intake_kinds);

const struct eg_intake_kind *eg_intake_kind_find(const char *s)
{
    if (!s)
        return NULL;
    for (int i = 0; i < eg_intake_nkinds; i++)
        if (!strcmp(s, eg_intake_kinds[i].code) || !strcmp(s, eg_intake_kinds[i].label_zh))
            return &eg_intake_kinds[i];
    return NULL;
}

/* ---- receipt codes ---- */
static const char B32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; /* Crockford */

void eg_intake_receipt_new(char out[EG_RECEIPT_LEN + 1])
{
    unsigned char r[EG_RECEIPT_LEN];
    randombytes_buf(r, sizeof r);
    for (int i = 0; i < EG_RECEIPT_LEN; i++)
        out[i] = B32[r[i] & 31]; /* 5 uniform bits of each byte: 50 bits in all */
    out[EG_RECEIPT_LEN] = 0;
    sodium_memzero(r, sizeof r);
}

int eg_intake_receipt_norm(const char *in, char out[EG_RECEIPT_LEN + 1], struct eg_err *err)
{
    size_t k = 0;
    for (const char *p = in ? in : ""; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '-')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c == 'O')
            c = '0';
        else if (c == 'I' || c == 'L')
            c = '1';
        if (!strchr(B32, c) || !c || k == EG_RECEIPT_LEN)
            return eg_err_set(err, EG_EINVAL, "receipt", -1,
                              "a receipt code is %d letters and digits as printed on the "
                              "receipt (回执码)",
                              EG_RECEIPT_LEN);
        out[k++] = c;
    }
    if (k != EG_RECEIPT_LEN)
        return eg_err_set(err, EG_EINVAL, "receipt", -1,
                          "a receipt code is %d letters and digits as printed on the receipt "
                          "(回执码)",
                          EG_RECEIPT_LEN);
    out[k] = 0;
    return 0;
}

/* ---- text ---- */
/* Length of the UTF-8 sequence at p (n bytes left), 0 when invalid (overlong, surrogate, >
 * U+10FFFF). */
static size_t utf8_len(const unsigned char *p, size_t n, uint32_t *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t len;
    uint32_t c, min;
    if ((p[0] & 0xE0) == 0xC0) {
        len = 2, c = p[0] & 0x1Fu, min = 0x80;
    } else if ((p[0] & 0xF0) == 0xE0) {
        len = 3, c = p[0] & 0x0Fu, min = 0x800;
    } else if ((p[0] & 0xF8) == 0xF0) {
        len = 4, c = p[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

int eg_intake_text_check(const char *s, size_t n, size_t max, int required, const char *field,
                         struct eg_err *err)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t chars = 0, nonspace = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = utf8_len(p + i, n - i, &cp);
        if (!l)
            return eg_err_set(err, EG_EINVAL, field, (long)i,
                              "%s is not valid UTF-8 text (byte %zu)", field, i);
        if ((cp < 0x20 && cp != '\n' && cp != '\r' && cp != '\t') || cp == 0x7F ||
            (cp >= 0x80 && cp < 0xA0))
            return eg_err_set(err, EG_EINVAL, field, (long)i,
                              "%s contains a control character (byte %zu): remove it", field, i);
        if (cp != ' ' && cp != '\n' && cp != '\r' && cp != '\t' && cp != 0x3000)
            nonspace++;
        chars++;
        i += l;
    }
    if (chars > max)
        return eg_err_set(err, EG_EINVAL, field, -1,
                          "%s has %zu characters; at most %zu are accepted: shorten it", field,
                          chars, max);
    if (required && !nonspace)
        return eg_err_set(err, EG_EINVAL, field, -1, "%s is required: describe the problem", field);
    return 0;
}

static int text_field(json_t *in, const char *name, const char *alt, size_t max, int required,
                      const char **out, struct eg_err *err)
{
    json_t *v = json_object_get(in, name);
    const char *used = name;
    if (!v && alt) {
        v = json_object_get(in, alt);
        used = alt;
    }
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return eg_err_set(err, EG_EINVAL, name, -1, "%s is required", name);
        return 0;
    }
    if (!json_is_string(v))
        return eg_err_set(err, EG_EINVAL, "wrong_type", -1, "%s must be text", used);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n)
        return eg_err_set(err, EG_EINVAL, used, -1, "%s contains a NUL character", used);
    int rc = eg_intake_text_check(s, n, max, required, used, err);
    if (rc)
        return rc;
    *out = n ? s : NULL;
    return 0;
}

/* A coordinate as a JSON number or a decimal string (Open311 form posts send text). */
static int coord_field(json_t *in, const char *name, const char *alt, int *has, double *out,
                       struct eg_err *err)
{
    json_t *v = json_object_get(in, name);
    const char *used = name;
    if (!v && alt) {
        v = json_object_get(in, alt);
        used = alt;
    }
    *has = 0;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_number(v)) {
        *out = json_number_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (eg_parse_double(s, json_string_length(v), out))
            return eg_err_set(err, EG_EINVAL, used, -1, "%s must be a decimal number of degrees",
                              used);
    } else {
        return eg_err_set(err, EG_EINVAL, "wrong_type", -1, "%s must be a number of degrees", used);
    }
    if (!isfinite(*out))
        return eg_err_set(err, EG_EINVAL, used, -1, "%s must be a finite number", used);
    *has = 1;
    return 0;
}

/* Shanghai's bounding box with a margin (WGS-84): points outside cannot be ours. */
#define SH_MIN_LON 120.8
#define SH_MAX_LON 122.2
#define SH_MIN_LAT 30.6
#define SH_MAX_LAT 31.9

int eg_intake_validate(json_t *in, struct eg_intake_input *out, struct eg_err *err)
{
    static const char *const known[] = {"kind",
                                        "service_code",
                                        "description",
                                        "lat",
                                        "long",
                                        "lon",
                                        "coord_system",
                                        "address",
                                        "address_string",
                                        "region",
                                        "contact",
                                        "email",
                                        "phone",
                                        "first_name",
                                        "last_name",
                                        "api_key",
                                        "jurisdiction_id",
                                        "device_id",
                                        "account_id",
                                        "media_url"};
    memset(out, 0, sizeof *out);
    if (!json_is_object(in))
        return eg_err_set(err, EG_EINVAL, "not_object", -1, "the body must be a JSON object");
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v)
    {
        size_t i = 0;
        while (i < EG_ARRAY_LEN(known) && strcmp(k, known[i]))
            i++;
        if (i == EG_ARRAY_LEN(known)) {
            char f[64];
            return eg_err_set(err, EG_EINVAL, "unknown_field", -1,
                              "unknown field \"%s\"; the fields are kind, description, lat, "
                              "long, coord_system, address, region, contact",
                              eg_log_field(f, sizeof f, k));
        }
    }
    json_t *jk = json_object_get(in, "kind");
    if (!jk)
        jk = json_object_get(in, "service_code");
    if (!jk || json_is_null(jk))
        return eg_err_set(err, EG_EINVAL, "kind", -1,
                          "kind is required: one of " EG_INTAKE_KINDS " (" EG_INTAKE_KINDS_ZH ")");
    if (!json_is_string(jk))
        return eg_err_set(err, EG_EINVAL, "wrong_type", -1, "kind must be text");
    out->kind = eg_intake_kind_find(json_string_value(jk));
    if (!out->kind)
        return eg_err_set(err, EG_EINVAL, "kind", -1,
                          "unknown kind; choose one of " EG_INTAKE_KINDS " (" EG_INTAKE_KINDS_ZH
                          ")");
    int rc;
    if ((rc = text_field(in, "description", NULL, EG_INTAKE_MAX_TEXT, 1, &out->description, err)))
        return rc;
    if ((rc = text_field(in, "address", "address_string", EG_INTAKE_MAX_ADDRESS, 0, &out->address,
                         err)))
        return rc;
    if ((rc = text_field(in, "contact", NULL, EG_INTAKE_MAX_CONTACT, 0, &out->contact, err)))
        return rc;
    if (!out->contact &&
        (rc = text_field(in, "phone", "email", EG_INTAKE_MAX_CONTACT, 0, &out->contact, err)))
        return rc;
    if ((rc = text_field(in, "region", NULL, 32, 0, &out->region_code, err)))
        return rc;
    const char *cs = NULL;
    if ((rc = text_field(in, "coord_system", NULL, 16, 0, &cs, err)))
        return rc;
    if (cs && strcmp(cs, "wgs84") && strcmp(cs, "gcj02"))
        return eg_err_set(err, EG_EINVAL, "coord_system", -1,
                          "coord_system is wgs84 (GPS, the default) or gcj02 (高德/腾讯 maps)");
    out->coord_system = cs ? cs : "wgs84";
    int hlat, hlon;
    double lat = 0, lon = 0;
    if ((rc = coord_field(in, "lat", NULL, &hlat, &lat, err)))
        return rc;
    if ((rc = coord_field(in, "long", "lon", &hlon, &lon, err)))
        return rc;
    if (hlat != hlon)
        return eg_err_set(err, EG_EINVAL, hlat ? "long" : "lat", -1,
                          "give both lat and long, or neither");
    if (hlat) {
        if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
            return eg_err_set(err, EG_EINVAL, "lat", -1,
                              "lat must be within -90..90 and long within -180..180 degrees");
        out->in_lon = lon;
        out->in_lat = lat;
        if (!strcmp(out->coord_system, "gcj02"))
            eg_geo_gcj02_to_wgs84(lon, lat, &lon, &lat);
        if (lon < SH_MIN_LON || lon > SH_MAX_LON || lat < SH_MIN_LAT || lat > SH_MAX_LAT)
            return eg_err_set(err, EG_EINVAL, "location", -1,
                              "the point (%.5f, %.5f) is outside Shanghai; check that lat and "
                              "long are not swapped, or choose the street (region)",
                              out->in_lat, out->in_lon);
        out->has_point = 1;
        out->lon = lon;
        out->lat = lat;
    }
    if (!out->has_point && !out->region_code)
        return eg_err_set(err, EG_EINVAL, "location", -1,
                          "say where: give lat and long, or choose the street or grid (region "
                          "code); an address alone cannot be placed");
    return 0;
}

/* ---- photos ---- */
const char *eg_intake_photo_type(const void *data, size_t len)
{
    const unsigned char *p = data;
    if (len >= 4 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return "image/jpeg";
    if (len >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
        return "image/png";
    if (len >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
        return "image/webp";
    return NULL;
}

int eg_intake_photo_check(const void *data, size_t len, const char **type, struct eg_err *err)
{
    if (len > EG_INTAKE_MAX_PHOTO)
        return eg_err_set(err, EG_ETOOBIG, "photo", -1,
                          "the photo has %zu bytes; at most %u MB each are accepted: send a "
                          "smaller one",
                          len, EG_INTAKE_MAX_PHOTO >> 20);
    const char *t = eg_intake_photo_type(data, len);
    if (!t)
        return eg_err_set(err, EG_EINVAL, "photo", -1,
                          "the file is not a JPEG, PNG or WebP photo (judged by its content, "
                          "not its name)");
    if (type)
        *type = t;
    return 0;
}

/* ---- rate limit ---- */
int eg_intake_rate_hit(struct eg_db *db, const char *addr, int64_t now, int limit, int64_t window_s,
                       int64_t *retry_after, struct eg_err *err)
{
    if (window_s <= 0)
        window_s = EG_INTAKE_RATE_WINDOW;
    int64_t win = now - now % window_s;
    int own = !eg_db_in_tx(db);
    int rc = own ? eg_db_begin(db, err) : 0;
    if (rc)
        return rc;
    struct eg_stmt *s;
    if ((rc = eg_db_prepare(db, "DELETE FROM intake_rate WHERE win < ?1", &s, err)))
        goto fail;
    eg_stmt_bind_int(s, 1, win);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (rc < 0)
        goto fail;
    int64_t n = 0;
    int found = 0;
    if ((rc = eg_db_prepare(db, "SELECT n FROM intake_rate WHERE addr = ?1 AND win = ?2", &s, err)))
        goto fail;
    eg_stmt_bind_text(s, 1, addr ? addr : "-", strlen(addr ? addr : "-"));
    eg_stmt_bind_int(s, 2, win);
    rc = eg_stmt_step(s, err);
    if (rc == 1) {
        n = eg_stmt_int(s, 0);
        found = 1;
    }
    eg_stmt_done(s);
    if (rc < 0)
        goto fail;
    if (n >= limit) {
        if (own)
            eg_db_rollback(db);
        if (retry_after)
            *retry_after = win + window_s - now;
        return eg_err_set(err, EG_ERATE, "rate_limited", (long)(win + window_s - now),
                          "too many complaints from this address (%d per %lld minutes); try "
                          "again in %lld minutes or call 12345",
                          limit, (long long)(window_s / 60),
                          (long long)((win + window_s - now + 59) / 60));
    }
    if ((rc = eg_db_prepare(db,
                            found ? "UPDATE intake_rate SET n = n + 1 WHERE addr = ?1 AND win = ?2"
                                  : "INSERT INTO intake_rate (addr, win, n) VALUES (?1, ?2, 1)",
                            &s, err)))
        goto fail;
    eg_stmt_bind_text(s, 1, addr ? addr : "-", strlen(addr ? addr : "-"));
    eg_stmt_bind_int(s, 2, win);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (rc < 0)
        goto fail;
    if (own && (rc = eg_db_commit(db, err)))
        return rc;
    return 0;
fail:
    if (own)
        eg_db_rollback(db);
    return rc;
}
