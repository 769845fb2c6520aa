/*
 * score.c: the scoring of a pilot application (spec/pilot.md "Scoring", seed 000 附件1): the
 * conditions gate, 40 mandatory points shared by the kind's items, 60 innovation points from the
 * experts' three criteria aggregated by the round's rule, the ranking per kind and the cut to
 * each kind's quota. Pure: arrays in, numbers out.
 */
#include "plans/plans.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int eg_pilot_rule_parse(const char *s, enum eg_pilot_rule *out)
{
    if (s && !strcmp(s, "mean"))
        *out = EG_PILOT_MEAN;
    else if (s && !strcmp(s, "trimmed"))
        *out = EG_PILOT_TRIMMED;
    else
        return EG_EINVAL;
    return 0;
}

const char *eg_pilot_rule_name(enum eg_pilot_rule r)
{
    return r == EG_PILOT_TRIMMED ? "trimmed" : "mean";
}

const char *eg_pilot_rule_zh(enum eg_pilot_rule r)
{
    return r == EG_PILOT_TRIMMED ? "去掉一个最高分和一个最低分后平均" : "算术平均";
}

double eg_pilot_mandatory_points(int done, int n)
{
    if (n <= 0 || done <= 0)
        return 0;
    if (done > n)
        done = n;
    return EG_PILOT_MANDATORY_POINTS * done / n;
}

int eg_pilot_aggregate(const double *scores, int nexperts, enum eg_pilot_rule rule,
                       double criteria[EG_PILOT_CRITERIA], int *used, struct eg_err *err)
{
    for (int c = 0; c < EG_PILOT_CRITERIA; c++)
        criteria[c] = 0;
    *used = 0;
    if (nexperts <= 0)
        return eg_err_set(err, EG_EINVAL, "experts", -1,
                          "no expert has scored the innovation criteria yet");
    if (nexperts > EG_PILOT_MAX_EXPERTS)
        return eg_err_set(err, EG_EINVAL, "experts", -1, "%d experts, at most %d", nexperts,
                          EG_PILOT_MAX_EXPERTS);
    if (rule == EG_PILOT_TRIMMED && nexperts < 5)
        return eg_err_set(err, EG_EINVAL, "experts", -1,
                          "the round drops the highest and lowest score, which needs at least 5 "
                          "experts; %d have scored",
                          nexperts);
    static const char *const zh[] = {"创新性", "成效", "可复制、可推广性"};
    int hi = -1, lo = -1;
    double his = 0, los = 0;
    for (int e = 0; e < nexperts; e++) {
        double sum = 0;
        for (int c = 0; c < EG_PILOT_CRITERIA; c++) {
            double v = scores[e * EG_PILOT_CRITERIA + c];
            if (!isfinite(v) || v < 0 || v > EG_PILOT_CRITERION_POINTS)
                return eg_err_set(err, EG_EINVAL, "scores", -1,
                                  "expert %d, criterion %d (%s): a score from 0 to 20 is needed",
                                  e + 1, c + 1, zh[c]);
            sum += v;
        }
        if (hi < 0 || sum > his)
            hi = e, his = sum;
        if (lo < 0 || sum < los)
            lo = e, los = sum;
    }
    if (rule == EG_PILOT_TRIMMED && hi == lo)
        lo = hi == 0 ? 1 : 0; /* all equal: drop two different experts */
    int n = 0;
    for (int e = 0; e < nexperts; e++) {
        if (rule == EG_PILOT_TRIMMED && (e == hi || e == lo))
            continue;
        for (int c = 0; c < EG_PILOT_CRITERIA; c++)
            criteria[c] += scores[e * EG_PILOT_CRITERIA + c];
        n++;
    }
    for (int c = 0; c < EG_PILOT_CRITERIA; c++)
        criteria[c] /= n;
    *used = n;
    return 0;
}

int eg_pilot_score(const struct eg_pilot_catalogue *cat, const struct eg_pilot_app *app,
                   enum eg_pilot_rule rule, struct eg_pilot_result *res, struct eg_err *err)
{
    memset(res, 0, sizeof *res);
    const struct eg_pilot_kind *kd = eg_pilot_kind_find(cat, app->kind);
    if (!kd)
        return eg_err_set(err, EG_EINVAL, "kind", -1,
                          "%s is not a kind of subject of this round's catalogue",
                          app->kind ? app->kind : "(none)");
    if (app->nconditions != kd->nconditions)
        return eg_err_set(err, EG_EINVAL, "conditions", -1,
                          "%s has %d conditions (申报条件); %d answers were given", kd->label_zh,
                          kd->nconditions, app->nconditions);
    if (app->nmandatory != kd->nmandatory)
        return eg_err_set(err, EG_EINVAL, "mandatory", -1,
                          "%s has %d mandatory items (必选项); %d answers were given", kd->label_zh,
                          kd->nmandatory, app->nmandatory);
    res->eligible = 1;
    for (int i = 0; i < kd->nconditions; i++)
        if (!app->conditions[i]) {
            res->eligible = 0;
            res->failed[res->nfailed++] = i + 1;
        }
    for (int i = 0; i < kd->nmandatory; i++)
        res->mandatory_done += app->mandatory[i] ? 1 : 0;
    res->mandatory_points = eg_pilot_mandatory_points(res->mandatory_done, kd->nmandatory);
    res->experts = app->nexperts;
    if (!res->eligible) {
        res->total = res->mandatory_points;
        return 0;
    }
    int rc = eg_pilot_aggregate(app->scores, app->nexperts, rule, res->criteria, &res->experts_used,
                                err);
    if (rc < 0)
        return rc;
    for (int c = 0; c < EG_PILOT_CRITERIA; c++)
        res->innovation_points += res->criteria[c];
    res->total = res->mandatory_points + res->innovation_points;
    return 0;
}

/* Scores compare at the precision shown (0.01), so that 1/3 + 2/3 and 1 rank as equals. */
static long long cents(double v)
{
    return llround(v * 100.0);
}

struct rank_ctx {
    const struct eg_pilot_result *res;
    int i;
};

static int rank_cmp(const void *a, const void *b)
{
    const struct rank_ctx *x = a, *y = b;
    const struct eg_pilot_result *p = x->res, *q = y->res;
    long long d;
    if ((d = cents(q->total) - cents(p->total)) != 0)
        return d > 0 ? 1 : -1;
    if ((d = cents(q->innovation_points) - cents(p->innovation_points)) != 0)
        return d > 0 ? 1 : -1;
    if ((d = cents(q->criteria[0]) - cents(p->criteria[0])) != 0)
        return d > 0 ? 1 : -1;
    return x->i - y->i;
}

void eg_pilot_rank(const struct eg_pilot_app *apps, struct eg_pilot_result *res, int n,
                   const struct eg_pilot_quota *quotas, int nquotas, double min_total)
{
    struct rank_ctx *v = eg_calloc(n > 0 ? (size_t)n : 1, sizeof *v);
    for (int i = 0; i < n; i++) {
        res[i].rank = 0;
        res[i].recommended = 0;
    }
    for (int i = 0; i < n; i++) {
        if (res[i].rank || !res[i].eligible)
            continue;
        /* one kind at a time: the eligible applications of apps[i].kind */
        int m = 0;
        for (int j = i; j < n; j++)
            if (res[j].eligible && !strcmp(apps[j].kind, apps[i].kind))
                v[m++] = (struct rank_ctx){&res[j], j};
        qsort(v, (size_t)m, sizeof *v, rank_cmp);
        int quota = 0;
        for (int q = 0; q < nquotas; q++)
            if (quotas[q].kind && !strcmp(quotas[q].kind, apps[i].kind))
                quota = quotas[q].quota;
        for (int k = 0; k < m; k++) {
            struct eg_pilot_result *r = &res[v[k].i];
            r->rank = k + 1;
            r->recommended = k < quota && (min_total <= 0 || cents(r->total) >= cents(min_total));
        }
    }
    free(v);
}

void eg_pilot_fmt(double v, char *out, size_t outsz)
{
    snprintf(out, outsz, "%.2f", (double)cents(v) / 100.0);
    char *dot = strchr(out, '.');
    if (!dot)
        return;
    size_t l = strlen(out);
    while (l > 0 && out[l - 1] == '0')
        out[--l] = '\0';
    if (l > 0 && out[l - 1] == '.')
        out[--l] = '\0';
}
