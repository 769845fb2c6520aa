/*
 * checklist.c: stewards' checklists (环保管家现场检查表) as data files — the loader (format in
 * intake.h), strict, naming file, line and field on every error; fuzz/intake_checklist.c runs
 * it on arbitrary bytes.
 */
#include "intake/intake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void eg_checklist_free(struct eg_checklist *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->nsev; i++) {
        free(c->sev[i].name);
        free(c->sev[i].label_zh);
    }
    for (int i = 0; i < c->nitems; i++) {
        free(c->items[i].code);
        free(c->items[i].category_zh);
        free(c->items[i].text_zh);
        free(c->items[i].basis);
    }
    free(c->sev);
    free(c->items);
    free(c->code);
    free(c->title_zh);
    free(c);
}

#define MAXF 8
struct line {
    const char *f[MAXF];
    size_t n[MAXF];
    int nf;
};

static int bad(struct eg_err *err, const char *file, int line, const char *field, const char *fmt,
               const char *detail)
{
    char msg[300];
    snprintf(msg, sizeof msg, fmt, detail ? detail : "");
    return eg_err_set(err, EG_EINVAL, "checklist", line, "%s:%d: %s: %s", file, line, field, msg);
}

static int text_ok(const char *s, size_t n, size_t max, const char *file, int line,
                   const char *field, struct eg_err *err)
{
    struct eg_err e = {0};
    if (!n)
        return bad(err, file, line, field, "is empty%s", NULL);
    if (eg_intake_text_check(s, n, max, 1, field, &e))
        return bad(err, file, line, field, "%s", e.msg);
    return 0;
}

static int code_ok(const char *s, size_t n, const char *allowed, size_t max, const char *file,
                   int line, const char *field, struct eg_err *err)
{
    if (!n || n > max)
        return bad(err, file, line, field, "must be 1 to 16 characters of %s", allowed);
    for (size_t i = 0; i < n; i++)
        if (!strchr(allowed, s[i]) || !s[i])
            return bad(err, file, line, field, "may hold only the characters %s", allowed);
    return 0;
}

static const char LOWER[] = "abcdefghijklmnopqrstuvwxyz_0123456789";
static const char UPPER[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";

int eg_checklist_parse(const char *file, const char *data, size_t len, struct eg_checklist **out,
                       struct eg_err *err)
{
    *out = NULL;
    if (!file)
        file = "checklist";
    if (len > EG_CHECKLIST_MAX_BYTES)
        return eg_err_set(err, EG_ETOOBIG, "checklist", -1, "%s: over %u KiB", file,
                          EG_CHECKLIST_MAX_BYTES >> 10);
    struct eg_checklist *c = eg_calloc(1, sizeof *c);
    int capsev = 0, capit = 0, lineno = 0, rc = 0;
    size_t pos = 0;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        pos = 3; /* a BOM some editors write */
    while (pos < len) {
        lineno++;
        const char *s = data + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (n && s[n - 1] == '\r')
            n--;
        if (!n || s[0] == '#')
            continue;
        if (memchr(s, 0, n)) {
            rc = bad(err, file, lineno, "line", "contains a NUL byte%s", NULL);
            goto fail;
        }
        struct line L = {0};
        const char *p = s, *end = s + n;
        while (1) {
            const char *t = memchr(p, '\t', (size_t)(end - p));
            if (L.nf == MAXF) {
                rc = bad(err, file, lineno, "line", "has too many fields (TAB-separated)%s", NULL);
                goto fail;
            }
            L.f[L.nf] = p;
            L.n[L.nf] = t ? (size_t)(t - p) : (size_t)(end - p);
            L.nf++;
            if (!t)
                break;
            p = t + 1;
        }
        if (L.n[0] == 9 && !memcmp(L.f[0], "checklist", 9)) {
            if (c->code) {
                rc = bad(err, file, lineno, "checklist", "appears twice%s", NULL);
                goto fail;
            }
            if (lineno > 0 && (c->nsev || c->nitems)) {
                rc = bad(err, file, lineno, "checklist", "must be the first record%s", NULL);
                goto fail;
            }
            if (L.nf != 3) {
                rc = bad(err, file, lineno, "checklist",
                         "needs 3 fields: checklist, code, title_zh%s", NULL);
                goto fail;
            }
            if ((rc = code_ok(L.f[1], L.n[1], LOWER, 32, file, lineno, "checklist.code", err)) ||
                (rc = text_ok(L.f[2], L.n[2], 100, file, lineno, "checklist.title_zh", err)))
                goto fail;
            c->code = eg_strndup(L.f[1], L.n[1]);
            c->title_zh = eg_strndup(L.f[2], L.n[2]);
            continue;
        }
        if (!c->code) {
            rc = bad(err, file, lineno, "checklist",
                     "the first record must be: checklist <TAB> code <TAB> title_zh%s", NULL);
            goto fail;
        }
        if (L.n[0] == 8 && !memcmp(L.f[0], "severity", 8)) {
            if (L.nf != 5) {
                rc = bad(err, file, lineno, "severity",
                         "needs 5 fields: severity, level, name, label_zh, action%s", NULL);
                goto fail;
            }
            if (c->nitems) {
                rc = bad(err, file, lineno, "severity", "must come before the items%s", NULL);
                goto fail;
            }
            int64_t level, action;
            if (eg_parse_int64(L.f[1], L.n[1], &level) || level < 0 || level > 9) {
                rc = bad(err, file, lineno, "severity.level", "must be a digit 0 to 9%s", NULL);
                goto fail;
            }
            if (c->nsev && level <= c->sev[c->nsev - 1].level) {
                rc = bad(err, file, lineno, "severity.level",
                         "must be greater than the level before (ascending, unique)%s", NULL);
                goto fail;
            }
            if ((rc = code_ok(L.f[2], L.n[2], LOWER, 16, file, lineno, "severity.name", err)) ||
                (rc = text_ok(L.f[3], L.n[3], 20, file, lineno, "severity.label_zh", err)))
                goto fail;
            for (int i = 0; i < c->nsev; i++)
                if (strlen(c->sev[i].name) == L.n[2] && !memcmp(c->sev[i].name, L.f[2], L.n[2])) {
                    rc = bad(err, file, lineno, "severity.name", "appears twice%s", NULL);
                    goto fail;
                }
            if (eg_parse_int64(L.f[4], L.n[4], &action) || (action != 0 && action != 1)) {
                rc = bad(err, file, lineno, "severity.action",
                         "must be 1 (needs action: raises a task) or 0%s", NULL);
                goto fail;
            }
            if (c->nsev == capsev) {
                capsev = capsev ? capsev * 2 : 4;
                c->sev = eg_realloc(c->sev, (size_t)capsev * sizeof *c->sev);
            }
            struct eg_checklist_severity *sv = &c->sev[c->nsev++];
            sv->level = (int)level;
            sv->name = eg_strndup(L.f[2], L.n[2]);
            sv->label_zh = eg_strndup(L.f[3], L.n[3]);
            sv->action = (int)action;
            continue;
        }
        if (L.n[0] == 4 && !memcmp(L.f[0], "item", 4)) {
            if (L.nf != 4 && L.nf != 5) {
                rc = bad(err, file, lineno, "item",
                         "needs 4 or 5 fields: item, code, category_zh, text_zh [, basis]%s", NULL);
                goto fail;
            }
            if (c->nitems == EG_CHECKLIST_MAX_ITEMS) {
                rc = bad(err, file, lineno, "item", "too many items (at most 500)%s", NULL);
                goto fail;
            }
            if ((rc = code_ok(L.f[1], L.n[1], UPPER, 16, file, lineno, "item.code", err)) ||
                (rc = text_ok(L.f[2], L.n[2], 50, file, lineno, "item.category_zh", err)) ||
                (rc = text_ok(L.f[3], L.n[3], 500, file, lineno, "item.text_zh", err)) ||
                (L.nf == 5 && (rc = text_ok(L.f[4], L.n[4], 200, file, lineno, "item.basis", err))))
                goto fail;
            for (int i = 0; i < c->nitems; i++)
                if (strlen(c->items[i].code) == L.n[1] &&
                    !memcmp(c->items[i].code, L.f[1], L.n[1])) {
                    rc = bad(err, file, lineno, "item.code", "appears twice%s", NULL);
                    goto fail;
                }
            if (c->nitems == capit) {
                capit = capit ? capit * 2 : 16;
                c->items = eg_realloc(c->items, (size_t)capit * sizeof *c->items);
            }
            struct eg_checklist_item *it = &c->items[c->nitems++];
            it->code = eg_strndup(L.f[1], L.n[1]);
            it->category_zh = eg_strndup(L.f[2], L.n[2]);
            it->text_zh = eg_strndup(L.f[3], L.n[3]);
            it->basis = L.nf == 5 ? eg_strndup(L.f[4], L.n[4]) : NULL;
            continue;
        }
        {
            char what[40];
            snprintf(what, sizeof what, "%.*s", (int)(L.n[0] > 20 ? 20 : L.n[0]), L.f[0]);
            char safe[64];
            eg_log_field(safe, sizeof safe, what);
            rc = bad(err, file, lineno, "record",
                     "unknown record \"%s\"; records are checklist, severity, item", safe);
            goto fail;
        }
    }
    if (!c->code) {
        rc = bad(err, file, lineno, "checklist", "the file holds no checklist record%s", NULL);
        goto fail;
    }
    int act0 = 0, act1 = 0;
    for (int i = 0; i < c->nsev; i++)
        if (c->sev[i].action)
            act1++;
        else
            act0++;
    if (!act0 || !act1) {
        rc = bad(err, file, lineno, "severity",
                 "the scale needs a severity with action 0 and one with action 1%s", NULL);
        goto fail;
    }
    if (!c->nitems) {
        rc = bad(err, file, lineno, "item", "the checklist has no items%s", NULL);
        goto fail;
    }
    *out = c;
    return 0;
fail:
    eg_checklist_free(c);
    return rc;
}

const struct eg_checklist_item *eg_checklist_item(const struct eg_checklist *c, const char *code)
{
    for (int i = 0; c && code && i < c->nitems; i++)
        if (!strcmp(c->items[i].code, code))
            return &c->items[i];
    return NULL;
}

const struct eg_checklist_severity *eg_checklist_severity(const struct eg_checklist *c,
                                                          const char *name)
{
    for (int i = 0; c && name && i < c->nsev; i++)
        if (!strcmp(c->sev[i].name, name))
            return &c->sev[i];
    return NULL;
}

int eg_checklist_load(const char *code, struct eg_checklist **out, struct eg_err *err)
{
    *out = NULL;
    if (!code || code_ok(code, strlen(code), LOWER, 32, "-", 0, "code", NULL))
        return eg_err_set(err, EG_ENOTFOUND, "checklist", -1, "no such checklist");
    char path[64];
    snprintf(path, sizeof path, "checklists/%s.tsv", code);
    const struct eg_embedded *e = eg_embedded_find(path);
    if (!e)
        return eg_err_set(err, EG_ENOTFOUND, "checklist", -1,
                          "no checklist \"%s\"; GET /api/v1/checklists lists them", code);
    int rc = eg_checklist_parse(path, e->data, e->len, out, err);
    if (!rc && strcmp((*out)->code, code)) {
        eg_checklist_free(*out);
        *out = NULL;
        return eg_err_set(err, EG_EINVAL, "checklist", 1,
                          "%s: the checklist record's code differs from the file name", path);
    }
    return rc;
}

json_t *eg_checklist_json(const struct eg_checklist *c)
{
    json_t *sev = json_array(), *items = json_array();
    for (int i = 0; i < c->nsev; i++)
        json_array_append_new(sev, json_pack("{s:i,s:s,s:s,s:b}", "level", c->sev[i].level, "name",
                                             c->sev[i].name, "label_zh", c->sev[i].label_zh,
                                             "action", c->sev[i].action));
    for (int i = 0; i < c->nitems; i++) {
        json_t *it = json_pack("{s:s,s:s,s:s}", "code", c->items[i].code, "category_zh",
                               c->items[i].category_zh, "text_zh", c->items[i].text_zh);
        if (c->items[i].basis)
            json_object_set_new(it, "basis", json_string(c->items[i].basis));
        json_array_append_new(items, it);
    }
    return json_pack("{s:s,s:s,s:o,s:o}", "code", c->code, "title_zh", c->title_zh, "severities",
                     sev, "items", items);
}

int eg_checklists_json(json_t **out, struct eg_err *err)
{
    json_t *arr = json_array();
    for (const struct eg_embedded *e = eg_embedded_files; e->path; e++) {
        size_t n = strlen(e->path);
        if (strncmp(e->path, "checklists/", 11) || n < 16 || strcmp(e->path + n - 4, ".tsv"))
            continue;
        char code[64];
        snprintf(code, sizeof code, "%.*s", (int)(n - 15), e->path + 11);
        struct eg_checklist *c;
        int rc = eg_checklist_load(code, &c, err);
        if (rc) {
            json_decref(arr);
            return rc;
        }
        json_array_append_new(arr, eg_checklist_json(c));
        eg_checklist_free(c);
    }
    *out = arr;
    return 0;
}
