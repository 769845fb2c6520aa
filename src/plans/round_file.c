/*
 * round_file.c: a round's applications as a file — each applicant's answers to its kind's
 * conditions and mandatory items, its innovation directions, its 创新点 and the experts' scores.
 * The seed fixture (data/pilot/round2_pudong.tsv: seed 000's 42 applications) and the demo
 * load it; checked against the round's catalogue.
 */
#include "plans/internal.h"

#include <stdlib.h>
#include <string.h>

#define HEADER "kind\tunit\tconditions\tmandatory\tdirections\tscores\tinnovation"

void eg_pilot_round_free(struct eg_pilot_round_file *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->napps; i++) {
        free(r->rows[i].unit);
        free(r->rows[i].innovation);
        free(r->rows[i].scores);
    }
    free(r->rows);
    free(r->apps);
    free(r);
}

static int flags(const struct eg__plans_tsv *t, int f, const char *field, int want,
                 unsigned char *out, struct eg_err *err)
{
    if (t->n[f] != (size_t)want)
        return eg__plans_tsv_fail(t, err, field,
                                  "%zu answers, the kind has %d items (one 1 or 0 "
                                  "each)",
                                  t->n[f], want);
    for (int i = 0; i < want; i++) {
        if (t->f[f][i] != '0' && t->f[f][i] != '1')
            return eg__plans_tsv_fail(t, err, field, "answer %d is not 1 or 0", i + 1);
        out[i] = t->f[f][i] == '1';
    }
    return 0;
}

static int directions(const struct eg__plans_tsv *t, const struct eg_pilot_kind *kd,
                      struct eg_pilot_round_row *row, struct eg_err *err)
{
    const char *s = t->f[4], *e = s + t->n[4];
    if (s == e)
        return eg__plans_tsv_fail(t, err, "directions", "choose at least one innovation direction");
    while (s < e) {
        const char *c = memchr(s, ',', (size_t)(e - s));
        const char *fe = c ? c : e;
        int64_t v;
        if (eg_parse_int64(s, (size_t)(fe - s), &v) < 0 || v < 1 || v > kd->ninnovation)
            return eg__plans_tsv_fail(
                t, err, "directions", "\"%.*s\" is not a direction of %s (1 to %d)",
                (int)(fe - s > 20 ? 20 : fe - s), s, kd->label_zh, kd->ninnovation);
        for (int i = 0; i < row->ndirections; i++)
            if (row->directions[i] == (int)v)
                return eg__plans_tsv_fail(t, err, "directions", "direction %d chosen twice",
                                          (int)v);
        row->directions[row->ndirections++] = (int)v;
        s = c ? c + 1 : e;
    }
    return 0;
}

static int scores(const struct eg__plans_tsv *t, struct eg_pilot_round_row *row, int *nexp,
                  struct eg_err *err)
{
    const char *s = t->f[5], *e = s + t->n[5];
    int n = 0;
    *nexp = 0;
    if (s == e)
        return 0; /* not scored yet */
    row->scores = eg_malloc(EG_PILOT_MAX_EXPERTS * EG_PILOT_CRITERIA * sizeof(double));
    while (s <= e) {
        if (n == EG_PILOT_MAX_EXPERTS)
            return eg__plans_tsv_fail(t, err, "scores", "more than %d experts",
                                      EG_PILOT_MAX_EXPERTS);
        const char *semi = memchr(s, ';', (size_t)(e - s));
        const char *xe = semi ? semi : e;
        for (int c = 0; c < EG_PILOT_CRITERIA; c++) {
            const char *comma = c < EG_PILOT_CRITERIA - 1 ? memchr(s, ',', (size_t)(xe - s)) : NULL;
            const char *fe = comma ? comma : xe;
            double v;
            if ((c < EG_PILOT_CRITERIA - 1 && !comma) ||
                eg_parse_double(s, (size_t)(fe - s), &v) < 0 || v < 0 ||
                v > EG_PILOT_CRITERION_POINTS)
                return eg__plans_tsv_fail(t, err, "scores",
                                          "expert %d: three scores from 0 to 20 separated by "
                                          "commas are needed (criterion %d)",
                                          n + 1, c + 1);
            row->scores[n * EG_PILOT_CRITERIA + c] = v;
            s = fe + 1;
        }
        n++;
        if (!semi)
            break;
        s = semi + 1;
    }
    *nexp = n;
    return 0;
}

int eg_pilot_round_parse(const struct eg_pilot_catalogue *cat, const char *data, size_t len,
                         const char *file, struct eg_pilot_round_file **out, struct eg_err *err)
{
    *out = NULL;
    struct eg__plans_tsv t;
    int rc = eg__plans_tsv_open(&t, data, len, file, HEADER, err);
    if (rc < 0)
        return rc;
    struct eg_pilot_round_file *r = eg_calloc(1, sizeof *r);
    int cap = 0;
    while ((rc = eg__plans_tsv_next(&t, 7, err)) == 1) {
        char code[32];
        if (t.n[0] >= sizeof code) {
            rc = eg__plans_tsv_fail(&t, err, "kind", "not a kind of the catalogue");
            break;
        }
        memcpy(code, t.f[0], t.n[0]);
        code[t.n[0]] = '\0';
        const struct eg_pilot_kind *kd = eg_pilot_kind_find(cat, code);
        if (!kd) {
            rc = eg__plans_tsv_fail(&t, err, "kind", "\"%s\" is not a kind of the catalogue", code);
            break;
        }
        if (!t.n[1] || t.n[1] > 200) {
            rc = eg__plans_tsv_fail(&t, err, "unit", "the applicant's name (1 to 200 bytes)");
            break;
        }
        if (t.n[6] > EG_PILOT_MAX_TEXT) {
            rc = eg__plans_tsv_fail(&t, err, "innovation", "%zu bytes, over %d", t.n[6],
                                    EG_PILOT_MAX_TEXT);
            break;
        }
        if (r->napps == 10000) {
            rc = eg__plans_tsv_fail(&t, err, NULL, "more than 10000 applications");
            break;
        }
        if (r->napps == cap) {
            cap = cap ? cap * 2 : 64;
            r->rows = eg_realloc(r->rows, (size_t)cap * sizeof *r->rows);
            r->apps = eg_realloc(r->apps, (size_t)cap * sizeof *r->apps);
        }
        struct eg_pilot_round_row *row = &r->rows[r->napps];
        struct eg_pilot_app *app = &r->apps[r->napps];
        memset(row, 0, sizeof *row);
        memset(app, 0, sizeof *app);
        r->napps++;
        row->unit = eg__plans_tsv_dup(&t, 1);
        row->innovation = eg__plans_tsv_dup(&t, 6);
        if ((rc = flags(&t, 2, "conditions", kd->nconditions, row->conditions, err)) < 0 ||
            (rc = flags(&t, 3, "mandatory", kd->nmandatory, row->mandatory, err)) < 0 ||
            (rc = directions(&t, kd, row, err)) < 0 ||
            (rc = scores(&t, row, &app->nexperts, err)) < 0)
            break;
        app->kind = kd->code;
        app->unit = row->unit;
        app->innovation = row->innovation;
        app->conditions = row->conditions;
        app->nconditions = kd->nconditions;
        app->mandatory = row->mandatory;
        app->nmandatory = kd->nmandatory;
        app->scores = row->scores;
    }
    if (rc < 0) {
        eg_pilot_round_free(r);
        return rc;
    }
    *out = r;
    return 0;
}
