/*
 * catalogue.c: the pilot catalogue — the annex of a round's notice (seed 000 附件1 "上海市现代
 * 环境治理体系试点示范项目实施指引") as data: per subject kind its conditions, mandatory items
 * and innovation directions, verbatim, and the three innovation criteria. A new round can
 * bring a new file; nothing of the annex's text is in C.
 */
#include "plans/internal.h"

#include <stdlib.h>
#include <string.h>

#define HEADER "kind\tsection\tno\tshort\ttext"

static void free_items(struct eg_pilot_item *it, int n)
{
    for (int i = 0; i < n; i++) {
        free(it[i].short_zh);
        free(it[i].text);
    }
    free(it);
}

void eg_pilot_catalogue_free(struct eg_pilot_catalogue *c)
{
    if (!c)
        return;
    for (int k = 0; k < c->nkinds; k++) {
        struct eg_pilot_kind *kd = &c->kinds[k];
        free(kd->label_zh);
        free_items(kd->conditions, kd->nconditions);
        free_items(kd->mandatory, kd->nmandatory);
        free_items(kd->innovation, kd->ninnovation);
    }
    for (int i = 0; i < EG_PILOT_CRITERIA; i++) {
        free(c->criteria[i].short_zh);
        free(c->criteria[i].text);
    }
    free(c);
}

const struct eg_pilot_kind *eg_pilot_kind_find(const struct eg_pilot_catalogue *c, const char *code)
{
    for (int k = 0; c && code && k < c->nkinds; k++)
        if (!strcmp(c->kinds[k].code, code))
            return &c->kinds[k];
    return NULL;
}

static int code_ok(const char *s, size_t n)
{
    if (!n || n >= sizeof(((struct eg_pilot_kind *)0)->code))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' || (i && s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

static int add_item(const struct eg__plans_tsv *t, struct eg_pilot_item **items, int *n, int no,
                    const char *section, struct eg_err *err)
{
    if (no != *n + 1)
        return eg__plans_tsv_fail(t, err, "no",
                                  "expected %d after %d (%s items are numbered in "
                                  "order from 1)",
                                  *n + 1, *n, section);
    if (*n >= EG_PILOT_MAX_ITEMS)
        return eg__plans_tsv_fail(t, err, "no", "more than %d %s items", EG_PILOT_MAX_ITEMS,
                                  section);
    *items = eg_realloc(*items, (size_t)(*n + 1) * sizeof **items);
    struct eg_pilot_item *it = &(*items)[*n];
    it->no = no;
    it->short_zh = t->n[3] ? eg__plans_tsv_dup(t, 3) : NULL;
    it->text = eg__plans_tsv_dup(t, 4);
    (*n)++;
    return 0;
}

static int parse_row(const struct eg__plans_tsv *t, struct eg_pilot_catalogue *c,
                     struct eg_err *err)
{
    static const char *const sections[] = {"name", "condition", "mandatory", "innovation",
                                           "criterion"};
    int sec = -1;
    for (int i = 0; i < 5; i++)
        if (t->n[1] == strlen(sections[i]) && !memcmp(t->f[1], sections[i], t->n[1]))
            sec = i;
    if (sec < 0)
        return eg__plans_tsv_fail(t, err, "section",
                                  "\"%.*s\" is not one of name, condition, mandatory, innovation, "
                                  "criterion",
                                  t->n[1] > 40 ? 40 : (int)t->n[1], t->f[1]);
    if (!t->n[4])
        return eg__plans_tsv_fail(t, err, "text", "empty; every item needs its text");
    if (t->n[4] > EG_PILOT_MAX_TEXT)
        return eg__plans_tsv_fail(t, err, "text", "%zu bytes, over %d", t->n[4], EG_PILOT_MAX_TEXT);
    if (t->n[3] > 64)
        return eg__plans_tsv_fail(t, err, "short", "%zu bytes, over 64", t->n[3]);
    int no;
    if (sec == 4) {
        if (t->n[0] != 1 || t->f[0][0] != '*')
            return eg__plans_tsv_fail(t, err, "kind", "criteria are common: kind must be *");
        if (eg__plans_tsv_int(t, 2, "no", 1, EG_PILOT_CRITERIA, &no, err) < 0)
            return EG_EINVAL;
        struct eg_pilot_item *it = &c->criteria[no - 1];
        if (it->text)
            return eg__plans_tsv_fail(t, err, "no", "criterion %d given twice", no);
        if (!t->n[3])
            return eg__plans_tsv_fail(t, err, "short", "a criterion needs its short name (创新性)");
        it->no = no;
        it->short_zh = eg__plans_tsv_dup(t, 3);
        it->text = eg__plans_tsv_dup(t, 4);
        return 0;
    }
    if (!code_ok(t->f[0], t->n[0]))
        return eg__plans_tsv_fail(t, err, "kind",
                                  "\"%.*s\" is not a kind code (a-z, 0-9, _; up to 31)",
                                  t->n[0] > 40 ? 40 : (int)t->n[0], t->f[0]);
    struct eg_pilot_kind *kd = NULL;
    for (int k = 0; k < c->nkinds; k++)
        if (strlen(c->kinds[k].code) == t->n[0] && !memcmp(c->kinds[k].code, t->f[0], t->n[0]))
            kd = &c->kinds[k];
    if (sec == 0) {
        if (eg__plans_tsv_int(t, 2, "no", 0, 0, &no, err) < 0)
            return EG_EINVAL;
        if (kd)
            return eg__plans_tsv_fail(t, err, "kind", "kind %s named twice", kd->code);
        if (c->nkinds == EG_PILOT_MAX_KINDS)
            return eg__plans_tsv_fail(t, err, "kind", "more than %d kinds", EG_PILOT_MAX_KINDS);
        kd = &c->kinds[c->nkinds++];
        memcpy(kd->code, t->f[0], t->n[0]);
        kd->code[t->n[0]] = '\0';
        kd->label_zh = eg__plans_tsv_dup(t, 4);
        return 0;
    }
    if (!kd)
        return eg__plans_tsv_fail(t, err, "kind",
                                  "kind %.*s has no name row before its items (section name, "
                                  "no 0)",
                                  (int)t->n[0], t->f[0]);
    if (eg__plans_tsv_int(t, 2, "no", 1, EG_PILOT_MAX_ITEMS + 1, &no, err) < 0)
        return EG_EINVAL;
    if (sec == 1)
        return add_item(t, &kd->conditions, &kd->nconditions, no, "condition", err);
    if (sec == 2)
        return add_item(t, &kd->mandatory, &kd->nmandatory, no, "mandatory", err);
    return add_item(t, &kd->innovation, &kd->ninnovation, no, "innovation", err);
}

int eg_pilot_catalogue_parse(const char *data, size_t len, const char *file,
                             struct eg_pilot_catalogue **out, struct eg_err *err)
{
    *out = NULL;
    struct eg__plans_tsv t;
    int rc = eg__plans_tsv_open(&t, data, len, file, HEADER, err);
    if (rc < 0)
        return rc;
    struct eg_pilot_catalogue *c = eg_calloc(1, sizeof *c);
    while ((rc = eg__plans_tsv_next(&t, 5, err)) == 1)
        if ((rc = parse_row(&t, c, err)) < 0)
            break;
    if (rc == 0) {
        const char *miss = NULL;
        const struct eg_pilot_kind *kd = NULL;
        for (int k = 0; k < c->nkinds && !miss; k++) {
            kd = &c->kinds[k];
            miss = !kd->nconditions   ? "condition"
                   : !kd->nmandatory  ? "mandatory"
                   : !kd->ninnovation ? "innovation"
                                      : NULL;
        }
        if (miss)
            rc = eg_err_set(err, EG_EINVAL, "section", t.line,
                            "%s: kind %s has no %s item; every kind needs conditions, mandatory "
                            "items and innovation directions",
                            file, kd->code, miss);
        else if (!c->nkinds)
            rc = eg_err_set(err, EG_EINVAL, "kind", t.line, "%s: no kind of subject", file);
        for (int i = 0; i < EG_PILOT_CRITERIA && !rc; i++)
            if (!c->criteria[i].text)
                rc = eg_err_set(err, EG_EINVAL, "criterion", t.line,
                                "%s: criterion %d is missing (kind *, section criterion)", file,
                                i + 1);
    }
    if (rc < 0) {
        eg_pilot_catalogue_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int eg_pilot_catalogue_load(const char *path, struct eg_pilot_catalogue **out, struct eg_err *err)
{
    const struct eg_embedded *e = eg_embedded_find(path);
    if (!e) {
        *out = NULL;
        return eg_err_set(err, EG_ENOTFOUND, "catalogue", -1,
                          "no catalogue %s among envgov's data files", path);
    }
    return eg_pilot_catalogue_parse(e->data, e->len, path, out, err);
}
