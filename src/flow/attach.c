/*
 * attach.c: files attached to records — evidence photos, scanned decisions, reports.
 *
 * A file is never trusted by its name or by the client's Content-Type: its media type is read
 * from its first bytes (the magic numbers of each format's specification: JPEG SOI FF D8 FF,
 * PNG's 8-byte signature, RIFF….WEBP, "%PDF-", …) and checked against the kind's list; a file
 * named photo.jpg whose bytes are a PDF is stored as a PDF (if PDFs are accepted) and one whose
 * bytes are a Windows executable is refused. The bytes are stored once per SHA-256 in
 * flow_blobs, however often they are attached; the name is kept only as text to show, without
 * its path and control characters.
 */
#include "flow/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PER_RECORD 100 /* attachments of one record */

const char *eg_flow_detect_type(const void *data, size_t len)
{
    const unsigned char *p = data;
    if (!p)
        return NULL;
    static const struct {
        size_t off;
        const char *magic;
        size_t n;
        const char *type;
    } sigs[] = {
        {0, "\xFF\xD8\xFF", 3, "image/jpeg"},
        {0, "\x89PNG\r\n\x1A\n", 8, "image/png"},
        {0, "GIF87a", 6, "image/gif"},
        {0, "GIF89a", 6, "image/gif"},
        {0, "%PDF-", 5, "application/pdf"},
        {0, "MZ", 2, "application/x-msdownload"},
        {0,
         "\x7F"
         "ELF",
         4, "application/x-executable"},
        {0, "PK\x03\x04", 4, "application/zip"},
        {0, "\x1F\x8B", 2, "application/gzip"},
        {4, "ftypheic", 8, "image/heic"},
        {4, "ftypheix", 8, "image/heic"},
        {4, "ftypmif1", 8, "image/heif"},
        {4, "ftypisom", 8, "video/mp4"},
        {4, "ftypmp42", 8, "video/mp4"},
    };
    if (len >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
        return "image/webp";
    for (size_t i = 0; i < EG_ARRAY_LEN(sigs); i++)
        if (len >= sigs[i].off + sigs[i].n && !memcmp(p + sigs[i].off, sigs[i].magic, sigs[i].n))
            return sigs[i].type;
    return NULL;
}

static int type_allowed(const char *list, const char *type)
{
    size_t n = strlen(type);
    for (const char *p = list; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && !memcmp(p, type, n))
            return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

/* The name to show: its last path component, without control characters, valid UTF-8 cut at a
   character boundary within 255 bytes; "attachment" when nothing is left. */
static void clean_name(const char *name, char out[256])
{
    const char *base = name ? name : "";
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)base;
    while (*p) {
        size_t clen = *p < 0x80             ? 1
                      : (*p & 0xE0) == 0xC0 ? 2
                      : (*p & 0xF0) == 0xE0 ? 3
                      : (*p & 0xF8) == 0xF0 ? 4
                                            : 0;
        int ok = clen > 0 && (clen > 1 || (*p >= 0x20 && *p != 0x7F));
        for (size_t i = 1; ok && i < clen; i++)
            ok = (p[i] & 0xC0) == 0x80;
        if (!ok) { /* a control character or a broken sequence: dropped */
            p++;
            continue;
        }
        if (o + clen > 255)
            break;
        memcpy(out + o, p, clen);
        o += clen;
        p += clen;
    }
    out[o] = 0;
    json_t *check = json_string(out); /* overlong or surrogate forms: jansson refuses them */
    if (!o || !check || !strcmp(out, ".") || !strcmp(out, ".."))
        snprintf(out, 256, "attachment");
    json_decref(check);
}

int eg_flow_attach(struct eg_db *db, const struct eg_flow_kind *kind,
                   const struct eg_principal *who, int64_t id, const char *name, const void *data,
                   size_t len, json_t **out, struct eg_err *err)
{
    if (out)
        *out = NULL;
    size_t max = kind->max_attachment ? kind->max_attachment : EG_FLOW_MAX_ATTACHMENT;
    const char *types = kind->attachment_types ? kind->attachment_types : EG_FLOW_ATTACHMENT_TYPES;
    json_t *rec = NULL;
    /* scope first: an unknown record and a foreign one answer alike, whatever the file */
    int r = eg__flow_load_for(db, kind, who, id, &rec, err);
    if (r < 0)
        return r;
    const char *state = json_string_value(json_object_get(rec, "state"));
    const struct eg_flow_state *st = eg_flow_state_find(kind, state);
    int closed = st && (st->flags & EG_FLOW_TERMINAL);
    json_decref(rec);
    if (closed)
        return eg_err_set(err, EG_EINVAL, "state", -1,
                          "%s %lld is closed (%s): it takes no more attachments", kind->name,
                          (long long)id, st->label_zh);
    if (!data || len == 0)
        return eg_err_set(err, EG_EINVAL, "attachment", -1, "the file is empty");
    if (len > max)
        return eg_err_set(err, EG_ETOOBIG, "too_large", -1,
                          "the file is %zu bytes; %s records take files up to %zu bytes", len,
                          kind->name, max);
    const char *type = eg_flow_detect_type(data, len);
    if (!type || !type_allowed(types, type))
        return eg_err_set(err, EG_EINVAL, "attachment_type", -1,
                          "the file's content is %s, not one of %s (its name and declared type "
                          "do not count): attach a photo or a PDF",
                          type ? type : "of no known type", types);

    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    char shown[256];
    clean_name(name, shown);
    int64_t now = eg_time_now();

    int own;
    if ((r = eg__flow_tx_begin(db, &own, err)) < 0)
        return r;
    int64_t n = 0;
    int found;
    r = eg_db_query_int(db, "SELECT COUNT(*) FROM flow_attachments WHERE record_id = ?", id, NULL,
                        &n, &found, err);
    if (r == 0 && n >= MAX_PER_RECORD)
        r = eg_err_set(err, EG_ETOOBIG, "too_many", -1,
                       "%s %lld has %d attachments already, the most one record takes", kind->name,
                       (long long)id, MAX_PER_RECORD);
    struct eg_stmt *s;
    if (r == 0 && (r = eg_db_prepare(db,
                                     "INSERT INTO flow_blobs (sha256, size, type, data) VALUES "
                                     "(?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                                     &s, err)) == 0) {
        eg_stmt_bind_text(s, 1, hex, strlen(hex));
        eg_stmt_bind_int(s, 2, (int64_t)len);
        eg_stmt_bind_text(s, 3, type, strlen(type));
        eg_stmt_bind_blob(s, 4, data, len);
        r = eg_stmt_step(s, err);
        eg_stmt_done(s);
    }
    if (r == 0 && (r = eg_db_prepare(db,
                                     "INSERT INTO flow_attachments (record_id, sha256, name, "
                                     "size, type, at, actor_id, actor) VALUES (?, ?, ?, ?, ?, ?, "
                                     "?, ?)",
                                     &s, err)) == 0) {
        eg_stmt_bind_int(s, 1, id);
        eg_stmt_bind_text(s, 2, hex, strlen(hex));
        eg_stmt_bind_text(s, 3, shown, strlen(shown));
        eg_stmt_bind_int(s, 4, (int64_t)len);
        eg_stmt_bind_text(s, 5, type, strlen(type));
        eg_stmt_bind_int(s, 6, now);
        if (who->user_id)
            eg_stmt_bind_int(s, 7, who->user_id);
        else
            eg_stmt_bind_null(s, 7);
        const char *actor = eg__flow_actor(who);
        eg_stmt_bind_text(s, 8, actor, strlen(actor));
        r = eg_stmt_step(s, err);
        eg_stmt_done(s);
    }
    json_t *o = NULL;
    if (r == 0) {
        o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:o, s:s}", "id", (json_int_t)eg_db_last_id(db),
                      "sha256", hex, "size", (json_int_t)len, "type", type, "name", shown, "at",
                      eg__flow_time_json(now), "by", eg__flow_actor(who));
        r = eg__flow_audit(db, who, kind, id, "attach", NULL, o, err);
    }
    if (r == 0)
        r = eg__flow_tx_commit(db, own, err);
    if (r < 0) {
        eg__flow_tx_abort(db, own);
        json_decref(o);
        return r;
    }
    if (out)
        *out = o;
    else
        json_decref(o);
    return 0;
}

int eg__flow_attachments_json(struct eg_db *db, int64_t id, json_t **out, struct eg_err *err)
{
    *out = NULL;
    struct eg_stmt *s;
    int r = eg_db_prepare(db,
                          "SELECT id, sha256, size, type, name, at, actor FROM flow_attachments "
                          "WHERE record_id = ? ORDER BY id",
                          &s, err);
    if (r < 0)
        return r;
    eg_stmt_bind_int(s, 1, id);
    json_t *a = json_array();
    while ((r = eg_stmt_step(s, err)) == 1) {
        size_t n[4];
        const char *sha = eg_stmt_text(s, 1, &n[0]), *type = eg_stmt_text(s, 3, &n[1]);
        const char *name = eg_stmt_text(s, 4, &n[2]), *by = eg_stmt_text(s, 6, &n[3]);
        json_array_append_new(a, json_pack("{s:I, s:s%, s:I, s:s%, s:s%, s:o, s:s%}", "id",
                                           (json_int_t)eg_stmt_int(s, 0), "sha256", sha ? sha : "",
                                           n[0], "size", (json_int_t)eg_stmt_int(s, 2), "type",
                                           type ? type : "", n[1], "name", name ? name : "", n[2],
                                           "at", eg__flow_time_json(eg_stmt_int(s, 5)), "by",
                                           by ? by : "", n[3]));
    }
    eg_stmt_done(s);
    if (r < 0) {
        json_decref(a);
        return r;
    }
    *out = a;
    return 0;
}

int eg_flow_attachment_read(struct eg_db *db, const struct eg_flow_kind *kind,
                            const struct eg_principal *who, int64_t record_id,
                            int64_t attachment_id, void **data, size_t *len, char type[64],
                            struct eg_err *err)
{
    *data = NULL;
    *len = 0;
    json_t *rec = NULL;
    int r = eg__flow_load_for(db, kind, who, record_id, &rec, err);
    json_decref(rec);
    if (r < 0)
        return r;
    struct eg_stmt *s;
    r = eg_db_prepare(db,
                      "SELECT a.type, b.data FROM flow_attachments a JOIN flow_blobs b ON "
                      "b.sha256 = a.sha256 WHERE a.id = ? AND a.record_id = ?",
                      &s, err);
    if (r < 0)
        return r;
    eg_stmt_bind_int(s, 1, attachment_id);
    eg_stmt_bind_int(s, 2, record_id);
    r = eg_stmt_step(s, err);
    if (r == 1) {
        size_t tn, n;
        const char *t = eg_stmt_text(s, 0, &tn);
        snprintf(type, 64, "%.*s", (int)(tn < 63 ? tn : 63), t ? t : "");
        const void *b = eg_stmt_blob(s, 1, &n);
        *data = eg_malloc(n ? n : 1);
        if (n)
            memcpy(*data, b, n);
        *len = n;
        r = 0;
    } else if (r == 0) {
        r = eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "no attachment %lld on %s %lld",
                       (long long)attachment_id, kind->name, (long long)record_id);
    }
    eg_stmt_done(s);
    return r;
}
