/*
 * ruleset.c: rule sets as data (govern.h, "rule sets as data"): the parser of the .rs form, the
 * readers whose errors name file:line: field, storage in govern_rulesets with audit, and the rule
 * set in force for a date among the stored ones and the shipped defaults (data/govern/ *.rs).
 */
#include "govern/internal.h"

#include "base/csv.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parsed rule set with the one buffer its strings point into. */
struct rs_full {
    struct eg_ruleset rs;
    char *buf;
};

static int rs_err(struct eg_err *err, const char *file, int line, const char *field,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int rs_err(struct eg_err *err, const char *file, int line, const char *field,
                  const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return eg_err_set(err, EG_EINVAL, "bad_ruleset", line, "%s:%d: %s: %s", file, line, field,
                      what);
}

int eg__gov_date_ok(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    struct eg_civil c = {atoi(s), atoi(s + 5), atoi(s + 8), 0, 0, 0, 0};
    return c.year >= 1900 && eg_civil_valid(&c);
}

int eg__gov_audit(struct eg_db *db, const struct eg_principal *who, const char *resource,
                  int64_t row, const char *action, json_t *before, json_t *after,
                  struct eg_err *err)
{
    int rc = eg_audit_append(db, who, resource, row, action, before, after, err);
    json_decref(before);
    json_decref(after);
    return rc;
}

int eg__gov_staff(const struct eg_principal *who)
{
    return who && (who->role == EG_ROLE_ADMIN || who->role == EG_ROLE_BUREAU);
}

int eg__gov_tx_begin(struct eg_db *db, int *own, struct eg_err *err)
{
    *own = !eg_db_in_tx(db);
    return *own ? eg_db_begin(db, err) : eg_db_exec(db, "SAVEPOINT eg_gov", err);
}

int eg__gov_tx_end(struct eg_db *db, int own, int rc, struct eg_err *err)
{
    if (own) {
        if (rc < 0) {
            eg_db_rollback(db);
            return rc;
        }
        return eg_db_commit(db, err);
    }
    if (rc < 0) {
        eg_db_exec(db, "ROLLBACK TO eg_gov; RELEASE eg_gov", NULL);
        return rc;
    }
    return eg_db_exec(db, "RELEASE eg_gov", err);
}

static char *trim(char *s, char **end)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    *e = '\0';
    if (end)
        *end = e;
    return s;
}

static int ident_ok(const char *s, int allow_dot)
{
    if (!*s)
        return 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || (allow_dot && c == '.')))
            return 0;
    }
    return 1;
}

static void push_entry(struct eg_rs_entry **v, int *n, int *cap, const char *k, const char *val,
                       int line)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *v = eg_realloc(*v, (size_t)*cap * sizeof **v);
    }
    (*v)[*n].key = k;
    (*v)[*n].value = val;
    (*v)[*n].line = line;
    (*n)++;
}

static const char *hdr(const struct eg_ruleset *rs, const char *key, int *line)
{
    for (int i = 0; i < rs->nheader; i++)
        if (!strcmp(rs->header[i].key, key)) {
            if (line)
                *line = rs->header[i].line;
            return rs->header[i].value;
        }
    return NULL;
}

void eg_ruleset_free(struct eg_ruleset *rs)
{
    if (!rs)
        return;
    struct rs_full *f = (struct rs_full *)rs;
    free(rs->header);
    for (int i = 0; i < rs->nsections; i++)
        free(rs->sections[i].entries);
    free(rs->sections);
    free((char *)rs->file);
    free(f->buf);
    free(f);
}

int eg_ruleset_parse(const char *file, const char *text, size_t len, struct eg_ruleset **out,
                     struct eg_err *err)
{
    *out = NULL;
    if (!file || !*file)
        file = "(rule set)";
    if (len > EG_RS_MAX_BYTES)
        return eg_err_set(err, EG_ETOOBIG, "too_big", -1,
                          "%s: %zu bytes; a rule set may have at most %u bytes: split it", file,
                          len, EG_RS_MAX_BYTES);
    if (!text && len)
        return eg_err_set(err, EG_EINVAL, "bad_ruleset", -1, "%s: no text", file);
    struct rs_full *f = eg_calloc(1, sizeof *f);
    struct eg_ruleset *rs = &f->rs;
    rs->file = eg_strdup(file);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)text, len);
    for (size_t i = 0; i < sizeof h; i++)
        snprintf(rs->sha256 + 2 * i, 3, "%02x", h[i]);
    size_t skip = len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    f->buf = eg_malloc(len - skip + 1);
    if (len > skip)
        memcpy(f->buf, text + skip, len - skip);
    f->buf[len - skip] = '\0';
    int hcap = 0, scap = 0, ecap = 0, rc = 0, line = 0;
    char *p = f->buf, *end = f->buf + (len - skip);
    while (p < end) {
        line++;
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        size_t ll = (size_t)(le - p);
        if (memchr(p, '\0', ll)) {
            rc = rs_err(err, file, line, "text", "a NUL byte: a rule set is UTF-8 text");
            goto fail;
        }
        if (!eg_utf8_valid(p, ll)) {
            rc = rs_err(err, file, line, "text", "not UTF-8: save the file as UTF-8");
            goto fail;
        }
        *le = '\0';
        char *next = nl ? nl + 1 : end;
        char *e;
        char *s = trim(p, &e);
        p = next;
        if (!*s || *s == '#')
            continue;
        if (*s == '[') {
            if (e[-1] != ']') {
                rc = rs_err(err, file, line, "section", "'[' without a closing ']'");
                goto fail;
            }
            e[-1] = '\0';
            char *in = trim(s + 1, NULL);
            char *sp = in;
            while (*sp && *sp != ' ' && *sp != '\t')
                sp++;
            char *name = sp;
            if (*sp) {
                *sp = '\0';
                name = trim(sp + 1, NULL);
            }
            if (!*in) {
                rc = rs_err(err, file, line, "section", "a section needs a type: [type name]");
                goto fail;
            }
            if (!ident_ok(in, 0)) {
                rc = rs_err(err, file, line, "section",
                            "type '%.40s' may have only letters, digits, '_' and '-'", in);
                goto fail;
            }
            if (rs->nsections == scap) {
                scap = scap ? scap * 2 : 8;
                rs->sections = eg_realloc(rs->sections, (size_t)scap * sizeof *rs->sections);
            }
            struct eg_rs_section *sec = &rs->sections[rs->nsections++];
            sec->type = in;
            sec->name = name;
            sec->line = line;
            sec->entries = NULL;
            sec->nentries = 0;
            ecap = 0;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = rs_err(err, file, line, "line", "expected 'key = value' or '[type name]'");
            goto fail;
        }
        *eq = '\0';
        char *key = trim(s, NULL);
        char *val = trim(eq + 1, NULL);
        if (!ident_ok(key, 1)) {
            rc = rs_err(err, file, line, *key ? key : "key",
                        "a key may have only letters, digits, '_', '-' and '.'");
            goto fail;
        }
        if (rs->nsections) {
            struct eg_rs_section *sec = &rs->sections[rs->nsections - 1];
            push_entry(&sec->entries, &sec->nentries, &ecap, key, val, line);
        } else {
            if (hdr(rs, key, NULL)) {
                int first = 0;
                hdr(rs, key, &first);
                rc = rs_err(err, file, line, key, "given twice in the header (first at line %d)",
                            first);
                goto fail;
            }
            push_entry(&rs->header, &rs->nheader, &hcap, key, val, line);
        }
    }
    static const char *const required[] = {"kind", "id", "version", "jurisdiction", "valid_from"};
    for (size_t i = 0; i < EG_ARRAY_LEN(required); i++) {
        int l = 0;
        const char *v = hdr(rs, required[i], &l);
        if (!v || !*v) {
            rc = rs_err(err, file, v ? l : 1, required[i],
                        "required in the header (before the first [section])");
            goto fail;
        }
    }
    int l = 0;
    rs->kind = hdr(rs, "kind", NULL);
    rs->id = hdr(rs, "id", &l);
    if (!ident_ok(rs->id, 1) || strlen(rs->id) > 64) {
        rc = rs_err(err, file, l, "id", "'%.40s': at most 64 letters, digits, '_', '-' and '.'",
                    rs->id);
        goto fail;
    }
    hdr(rs, "kind", &l);
    if (!ident_ok(rs->kind, 0)) {
        rc = rs_err(err, file, l, "kind", "'%.40s' is not a kind name", rs->kind);
        goto fail;
    }
    const char *ver = hdr(rs, "version", &l);
    if (eg_parse_int64(ver, strlen(ver), &rs->version) < 0 || rs->version < 1) {
        rc = rs_err(err, file, l, "version", "'%.40s' is not a positive integer", ver);
        goto fail;
    }
    rs->jurisdiction = hdr(rs, "jurisdiction", NULL);
    rs->valid_from = hdr(rs, "valid_from", &l);
    if (!eg__gov_date_ok(rs->valid_from)) {
        rc = rs_err(err, file, l, "valid_from", "'%.40s' is not a date YYYY-MM-DD", rs->valid_from);
        goto fail;
    }
    rs->valid_to = hdr(rs, "valid_to", &l);
    if (rs->valid_to && !*rs->valid_to)
        rs->valid_to = NULL;
    if (rs->valid_to) {
        if (!eg__gov_date_ok(rs->valid_to)) {
            rc = rs_err(err, file, l, "valid_to", "'%.40s' is not a date YYYY-MM-DD", rs->valid_to);
            goto fail;
        }
        if (strcmp(rs->valid_to, rs->valid_from) < 0) {
            rc = rs_err(err, file, l, "valid_to", "%s is before valid_from %s", rs->valid_to,
                        rs->valid_from);
            goto fail;
        }
    }
    rs->source = hdr(rs, "source", NULL);
    *out = rs;
    return 0;
fail:
    eg_ruleset_free(rs);
    return rc;
}

/* ---- readers ---- */

const struct eg_rs_entry *eg_rs_find(const struct eg_rs_section *s, const char *key)
{
    if (!s)
        return NULL;
    for (int i = 0; i < s->nentries; i++)
        if (!strcmp(s->entries[i].key, key))
            return &s->entries[i];
    return NULL;
}

static const struct eg_rs_entry *find_any(const struct eg_ruleset *rs,
                                          const struct eg_rs_section *s, const char *key)
{
    if (s)
        return eg_rs_find(s, key);
    for (int i = 0; i < rs->nheader; i++)
        if (!strcmp(rs->header[i].key, key))
            return &rs->header[i];
    return NULL;
}

static int missing(const struct eg_ruleset *rs, const struct eg_rs_section *s, const char *key,
                   struct eg_err *err)
{
    if (s)
        return rs_err(err, rs->file, s->line, key, "required in [%s%s%s]", s->type,
                      *s->name ? " " : "", s->name);
    return rs_err(err, rs->file, 1, key, "required in the header");
}

int eg_rs_fail(const struct eg_ruleset *rs, const struct eg_rs_entry *e, struct eg_err *err,
               const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return rs_err(err, rs->file, e ? e->line : 0, e ? e->key : "?", "%s", what);
}

int eg_rs_text(const struct eg_ruleset *rs, const struct eg_rs_section *s, const char *key,
               int required, const char **out, struct eg_err *err)
{
    const struct eg_rs_entry *e = find_any(rs, s, key);
    *out = e ? e->value : NULL;
    if (required && (!e || !*e->value))
        return e ? eg_rs_fail(rs, e, err, "must not be empty") : missing(rs, s, key, err);
    return 0;
}

int eg_rs_number(const struct eg_ruleset *rs, const struct eg_rs_section *s, const char *key,
                 int required, double min, double max, double *out, struct eg_err *err)
{
    const struct eg_rs_entry *e = find_any(rs, s, key);
    if (!e)
        return required ? missing(rs, s, key, err) : 0;
    double v;
    if (eg_parse_double(e->value, strlen(e->value), &v) < 0)
        return eg_rs_fail(rs, e, err, "'%.40s' is not a number", e->value);
    if (v < min || v > max)
        return eg_rs_fail(rs, e, err, "%g is outside %g .. %g", v, min, max);
    *out = v;
    return 0;
}

/* ---- storage ---- */

static json_t *summary(const struct eg_ruleset *rs)
{
    return json_pack("{s:s,s:s,s:I,s:s,s:s,s:s?,s:s?,s:s,s:s}", "kind", rs->kind, "id", rs->id,
                     "version", (json_int_t)rs->version, "jurisdiction", rs->jurisdiction,
                     "valid_from", rs->valid_from, "valid_to", rs->valid_to, "source", rs->source,
                     "file", rs->file, "sha256", rs->sha256);
}

int eg_ruleset_store(struct eg_db *db, const struct eg_principal *who, const char *text, size_t len,
                     const char *file, int64_t *ruleset_row, struct eg_err *err)
{
    if (!eg__gov_staff(who))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau loads rule sets: ask an officer of the bureau");
    struct eg_ruleset *rs;
    int rc = eg_ruleset_parse(file, text, len, &rs, err);
    if (rc < 0)
        return rc;
    int own;
    rc = eg__gov_tx_begin(db, &own, err);
    if (rc < 0) {
        eg_ruleset_free(rs);
        return rc;
    }
    struct eg_stmt *st;
    rc = eg_db_prepare(db, "SELECT id, sha256 FROM govern_rulesets WHERE rs_id = ? AND version = ?",
                       &st, err);
    if (rc == 0) {
        eg_stmt_bind_text(st, 1, rs->id, strlen(rs->id));
        eg_stmt_bind_int(st, 2, rs->version);
        rc = eg_stmt_step(st, err);
        if (rc == 1) {
            int same = !strcmp(eg_stmt_text(st, 1, NULL), rs->sha256);
            int64_t row = eg_stmt_int(st, 0);
            eg_stmt_done(st);
            if (same) {
                if (ruleset_row)
                    *ruleset_row = row;
                rc = 0;
                goto out; /* the same text again: nothing to do */
            }
            rc = eg_err_set(err, EG_ECONFLICT, "duplicate", -1,
                            "%s: rule set %s version %lld is already loaded with another text: "
                            "give the new text a higher version",
                            rs->file, rs->id, (long long)rs->version);
            goto out;
        }
        eg_stmt_done(st);
    }
    if (rc < 0)
        goto out;
    rc = eg_db_prepare(db,
                       "INSERT INTO govern_rulesets (kind, rs_id, version, jurisdiction, "
                       "valid_from, valid_to, source, file, sha256, text, loaded_at, loaded_by) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                       &st, err);
    if (rc < 0)
        goto out;
    eg_stmt_bind_text(st, 1, rs->kind, strlen(rs->kind));
    eg_stmt_bind_text(st, 2, rs->id, strlen(rs->id));
    eg_stmt_bind_int(st, 3, rs->version);
    eg_stmt_bind_text(st, 4, rs->jurisdiction, strlen(rs->jurisdiction));
    eg_stmt_bind_text(st, 5, rs->valid_from, strlen(rs->valid_from));
    if (rs->valid_to)
        eg_stmt_bind_text(st, 6, rs->valid_to, strlen(rs->valid_to));
    else
        eg_stmt_bind_null(st, 6);
    if (rs->source)
        eg_stmt_bind_text(st, 7, rs->source, strlen(rs->source));
    else
        eg_stmt_bind_null(st, 7);
    eg_stmt_bind_text(st, 8, rs->file, strlen(rs->file));
    eg_stmt_bind_text(st, 9, rs->sha256, 64);
    eg_stmt_bind_text(st, 10, text, len);
    eg_stmt_bind_int(st, 11, eg_time_now());
    eg_stmt_bind_text(st, 12, who->username, strlen(who->username));
    rc = eg_stmt_step(st, err);
    eg_stmt_done(st);
    if (rc < 0)
        goto out;
    int64_t row = eg_db_last_id(db);
    rc = eg__gov_audit(db, who, "govern_rulesets", row, "create", NULL, summary(rs), err);
    if (rc == 0 && ruleset_row)
        *ruleset_row = row;
out:
    eg_ruleset_free(rs);
    return eg__gov_tx_end(db, own, rc < 0 ? rc : 0, err);
}

/* ---- in force ---- */

static int covers(const struct eg_ruleset *rs, const char *kind, const char *jurisdiction,
                  const char *date)
{
    return !strcmp(rs->kind, kind) && (!jurisdiction || !strcmp(rs->jurisdiction, jurisdiction)) &&
           strcmp(rs->valid_from, date) <= 0 && (!rs->valid_to || strcmp(rs->valid_to, date) >= 0);
}

/* Keeps cand in *best when it beats it: the same id: the higher version (a stored one before a
   shipped one of the same version); another id: the later valid_from, then the id. */
static void consider(struct eg_ruleset **best, struct eg_ruleset *cand)
{
    struct eg_ruleset *b = *best;
    int win;
    if (!b)
        win = 1;
    else if (!strcmp(b->id, cand->id))
        win = cand->version > b->version;
    else {
        int c = strcmp(cand->valid_from, b->valid_from);
        win = c > 0 || (c == 0 && strcmp(cand->id, b->id) < 0);
    }
    if (win) {
        eg_ruleset_free(b);
        *best = cand;
    } else
        eg_ruleset_free(cand);
}

int eg_ruleset_in_force(struct eg_db *db, const char *kind, const char *jurisdiction,
                        const char *date, struct eg_ruleset **out, struct eg_err *err)
{
    *out = NULL;
    if (!kind || !date || !eg__gov_date_ok(date))
        return eg_err_set(err, EG_EINVAL, "bad_date", -1,
                          "'%.40s' is not a date: give the date as YYYY-MM-DD",
                          date ? date : "(none)");
    /* Per id the best version first, then across ids: a version of an id beats the older ones
       of the same id even when it starts later. */
    struct eg_ruleset **by_id = NULL;
    int n = 0, cap = 0, rc = 0;
    struct eg_stmt *st;
    if (db) {
        rc = eg_db_prepare(db,
                           "SELECT text, file FROM govern_rulesets WHERE kind = ? AND valid_from "
                           "<= ? AND (valid_to IS NULL OR valid_to >= ?) ORDER BY id",
                           &st, err);
        if (rc < 0)
            return rc;
        eg_stmt_bind_text(st, 1, kind, strlen(kind));
        eg_stmt_bind_text(st, 2, date, 10);
        eg_stmt_bind_text(st, 3, date, 10);
        while ((rc = eg_stmt_step(st, err)) == 1) {
            size_t tl;
            const char *t = eg_stmt_text(st, 0, &tl);
            struct eg_ruleset *rs;
            if (eg_ruleset_parse(eg_stmt_text(st, 1, NULL), t, tl, &rs, err) < 0) {
                rc = EG_EINVAL;
                break;
            }
            if (!covers(rs, kind, jurisdiction, date)) {
                eg_ruleset_free(rs);
                continue;
            }
            int k = 0;
            while (k < n && strcmp(by_id[k]->id, rs->id))
                k++;
            if (k == n) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 4;
                    by_id = eg_realloc(by_id, (size_t)cap * sizeof *by_id);
                }
                by_id[n++] = NULL;
            }
            consider(&by_id[k], rs);
        }
        eg_stmt_done(st);
    }
    for (const struct eg_embedded *e = eg_embedded_files; rc >= 0 && e->path; e++) {
        size_t pl = strlen(e->path);
        if (strncmp(e->path, "govern/", 7) || pl < 4 || strcmp(e->path + pl - 3, ".rs"))
            continue;
        struct eg_ruleset *rs;
        if (eg_ruleset_parse(e->path + 7, e->data, e->len, &rs, err) < 0) {
            rc = EG_EINVAL;
            break;
        }
        if (!covers(rs, kind, jurisdiction, date)) {
            eg_ruleset_free(rs);
            continue;
        }
        int k = 0;
        while (k < n && strcmp(by_id[k]->id, rs->id))
            k++;
        if (k == n) {
            if (n == cap) {
                cap = cap ? cap * 2 : 4;
                by_id = eg_realloc(by_id, (size_t)cap * sizeof *by_id);
            }
            by_id[n++] = NULL;
        }
        consider(&by_id[k], rs); /* same version: the stored one stays */
    }
    struct eg_ruleset *best = NULL;
    for (int k = 0; k < n; k++) {
        if (rc < 0)
            eg_ruleset_free(by_id[k]);
        else
            consider(&best, by_id[k]);
    }
    free(by_id);
    if (rc < 0)
        return rc;
    if (!best)
        return eg_err_set(err, EG_ENOTFOUND, "no_ruleset", -1,
                          "no %s rule set%s%s is in force on %s: load one with `envgov ruleset "
                          "load FILE`",
                          kind, jurisdiction ? " for " : "", jurisdiction ? jurisdiction : "",
                          date);
    *out = best;
    return 0;
}

int eg__gov_ruleset_by_sha(struct eg_db *db, const char *sha256, struct eg_ruleset **out,
                           struct eg_err *err)
{
    *out = NULL;
    struct eg_stmt *st;
    int rc = eg_db_prepare(db, "SELECT text, file FROM govern_rulesets WHERE sha256 = ?", &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(st, 1, sha256, strlen(sha256));
    rc = eg_stmt_step(st, err);
    if (rc == 1) {
        size_t l;
        const char *t = eg_stmt_text(st, 0, &l);
        rc = eg_ruleset_parse(eg_stmt_text(st, 1, NULL), t, l, out, err);
    }
    eg_stmt_done(st);
    if (rc < 0 || *out)
        return rc < 0 ? rc : 0;
    for (const struct eg_embedded *e = eg_embedded_files; e->path; e++) {
        size_t pl = strlen(e->path);
        if (strncmp(e->path, "govern/", 7) || pl < 4 || strcmp(e->path + pl - 3, ".rs"))
            continue;
        struct eg_ruleset *rs;
        if (eg_ruleset_parse(e->path + 7, e->data, e->len, &rs, err) < 0)
            continue;
        if (!strcmp(rs->sha256, sha256)) {
            *out = rs;
            return 0;
        }
        eg_ruleset_free(rs);
    }
    return eg_err_set(err, EG_ENOTFOUND, "no_ruleset", -1,
                      "the rule set %.12s… that produced this result is no longer known", sha256);
}
