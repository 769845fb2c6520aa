/*
 * detect.c: the detectors of the rules, pure functions over arrays of samples in time order
 * (rules.h). No database, no allocation: the engine feeds them what ts returns, the tests and
 * bench/rules.c feed them simulated series. Each is one pass over the samples.
 */
#include "rules/rules.h"

#include <math.h>
#include <string.h>

static void hit_init(struct eg_rules_hit *h)
{
    memset(h, 0, sizeof *h);
}

void eg_rules_flatline(const struct eg_ts_row *s, size_t n, double min_s, double eps,
                       struct eg_rules_hit *out)
{
    hit_init(out);
    size_t start = 0, len = 0, best = 0;
    int64_t best_from = 0, best_to = 0;
    double best_v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].flag != 'N')
            continue;
        if (len && fabs(s[i].v - s[start].v) <= eps) {
            len++;
        } else {
            start = i;
            len = 1;
        }
        if (len > 1 && s[i].t - s[start].t >= (int64_t)min_s &&
            s[i].t - s[start].t >= best_to - best_from) {
            best = len;
            best_from = s[start].t;
            best_to = s[i].t;
            best_v = s[start].v;
        }
    }
    if (best) {
        out->fired = 1;
        out->t_from = best_from;
        out->t_to = best_to;
        out->count = best;
        out->value = best_v;
    }
}

void eg_rules_impossible(const struct eg_ts_row *s, size_t n, int zero_possible, double min_count,
                         struct eg_rules_hit *out)
{
    hit_init(out);
    for (size_t i = 0; i < n; i++) {
        if (s[i].flag != 'N')
            continue;
        if (s[i].v < 0 || (!zero_possible && s[i].v == 0)) {
            if (!out->count || s[i].v < out->value)
                out->value = s[i].v;
            if (!out->count)
                out->t_from = s[i].t;
            out->t_to = s[i].t;
            out->count++;
        }
    }
    out->fired = out->count && (double)out->count >= min_count;
}

void eg_rules_out_of_range(const struct eg_ts_row *s, size_t n, double lo, double hi,
                           double min_count, struct eg_rules_hit *out)
{
    hit_init(out);
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double over = s[i].v > hi ? s[i].v - hi : s[i].v < lo ? lo - s[i].v : 0;
        if (over > 0 || s[i].flag == 'T') {
            if (!out->count || over > worst) {
                worst = over;
                out->value = s[i].v;
            }
            if (!out->count)
                out->t_from = s[i].t;
            out->t_to = s[i].t;
            out->count++;
        }
    }
    out->fired = out->count && (double)out->count >= min_count;
}

void eg_rules_jump(const struct eg_ts_row *s, size_t n, double max_step, int64_t max_gap_s,
                   struct eg_rules_hit *out)
{
    hit_init(out);
    const struct eg_ts_row *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i].flag != 'N')
            continue;
        if (prev && s[i].t - prev->t <= max_gap_s) {
            double d = fabs(s[i].v - prev->v);
            if (d > max_step) {
                if (!out->count || d > fabs(out->value - out->value2)) {
                    out->value = s[i].v;
                    out->value2 = prev->v;
                    out->t_from = prev->t;
                    out->t_to = s[i].t;
                }
                out->count++;
            }
        }
        prev = &s[i];
    }
    out->fired = out->count > 0;
}

static int held_flag(char f)
{
    return f == 'M' || f == 'C' || f == 'D'; /* HJ 212-2017 Table 8: 维护, 校准, 故障 */
}

void eg_rules_flag_held(const struct eg_ts_row *s, size_t n, double min_s, struct eg_rules_hit *out)
{
    hit_init(out);
    size_t start = 0, len = 0;
    for (size_t i = 0; i < n; i++) {
        if (!held_flag(s[i].flag)) {
            len = 0;
            continue;
        }
        if (!len)
            start = i;
        len++;
        if (s[i].t - s[start].t >= (int64_t)min_s &&
            s[i].t - s[start].t >= out->t_to - out->t_from) {
            out->fired = 1;
            out->t_from = s[start].t;
            out->t_to = s[i].t;
            out->count = len;
            out->value = (double)(unsigned char)s[i].flag;
        }
    }
}

void eg_rules_over_limit_run(const int64_t *t, const double *v, size_t n, double limit,
                             double min_hours, struct eg_rules_hit *out)
{
    hit_init(out);
    if (!n || !(v[n - 1] > limit))
        return;
    size_t i = n - 1;
    double peak = v[i];
    /* back over consecutive hours over the limit */
    while (i > 0 && v[i - 1] > limit && t[i] - t[i - 1] == 3600) {
        i--;
        if (v[i] > peak)
            peak = v[i];
    }
    out->count = n - i;
    out->t_from = t[i];
    out->t_to = t[n - 1];
    out->value = peak;
    out->fired = (double)out->count >= min_hours;
}

double eg_rules_binom_tail_half(size_t n, size_t k)
{
    if (k == 0)
        return 1.0;
    if (k > n)
        return 0.0;
    /* sum_{j>=k} C(n,j) / 2^n, in logs to stay finite for large n */
    double lfn = lgamma((double)n + 1), sum = 0;
    for (size_t j = k; j <= n; j++)
        sum += exp(lfn - lgamma((double)j + 1) - lgamma((double)(n - j) + 1) - (double)n * M_LN2);
    return sum > 1 ? 1 : sum;
}

void eg_rules_hugging(const double *v, size_t n, double limit, double band, double min_n,
                      double alpha, struct eg_rules_hit *out)
{
    hit_init(out);
    if (!(limit > 0))
        return;
    double lo = limit * (1 - 2 * band), mid = limit * (1 - band);
    size_t total = 0, upper = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        if (v[i] >= limit) { /* over the limit: counts in the trial, against hugging */
            total++;
        } else if (v[i] >= lo) {
            total++;
            upper += v[i] >= mid;
        }
    }
    out->count = total;
    out->value = total ? (double)upper / (double)total : 0;
    out->value2 = eg_rules_binom_tail_half(total, upper);
    out->fired = (double)total >= min_n && out->value2 < alpha;
}
