/*
 * bench/govern_credit.c: a credit rating run over N enterprise units (default 100,000), target
 * under 1 s on one core (issue 13, Benchmark).
 *
 *   engine:   the scheme compiled once (sh-credit-2020: 13 indicators, min_of_indicators, and
 *             cn-credit-2013: 8 indicators + 7 vetoes, weighted_sum), every unit rated from its
 *             inputs (eg_credit_rate) — the loop of eg_credit_run.
 *   baseline: the straightforward way, beside it in the same process: per unit and indicator
 *             the rule set's entries looked up by key and the tier strings parsed again
 *             (eg_rs_find / eg_rs_text / strtod on every "LO .. HI -> SCORE"), same answers.
 *   full run: eg_credit_run into an SQLite file — providers, officers' entries (10 % of the
 *             units), one stored rating per unit with its inputs (the explanation is rebuilt from
 * them on reading), one transaction. Inputs are synthetic and seeded (xorshift): most units clean,
 * a few with penalties, complaints, low compliance. CPU time of this thread
 * (CLOCK_THREAD_CPUTIME_ID) is the "one core" figure. Usage: build/bench/govern_credit [units]
 */
#include "govern/govern.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ull;
static double rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* Synthetic inputs for unit u of scheme s into in[ninputs]. */
static void fill(const struct eg_credit_scheme *s, double *in)
{
    for (int k = 0; k < s->ninputs; k++) {
        const char *n = s->inputs[k];
        double r = rnd();
        if (!strcmp(n, "compliance_rate"))
            in[k] = r < 0.8 ? 1.0 : 0.4 + 0.6 * rnd();
        else if (!strncmp(n, "veto_", 5))
            in[k] = r < 0.002 ? 1 : NAN;
        else if (r < 0.85)
            in[k] = NAN;
        else
            in[k] = floor(rnd() * 4);
    }
}

/* The straightforward rating: the rule set read by key for every unit and indicator. */
static int rate_baseline(const struct eg_ruleset *rs, const struct eg_credit_scheme *s,
                         const double *in, double *score)
{
    const char *agg;
    eg_rs_text(rs, NULL, "aggregation", 1, &agg, NULL);
    int wsum = !strcmp(agg, "weighted_sum");
    double sum = 0, w = 0, mn = 100;
    int veto = 0;
    for (int i = 0; i < rs->nsections; i++) {
        const struct eg_rs_section *sec = &rs->sections[i];
        const char *input;
        if (!strcmp(sec->type, "veto")) {
            eg_rs_text(rs, sec, "input", 1, &input, NULL);
            for (int k = 0; k < s->ninputs; k++)
                if (!strcmp(s->inputs[k], input) && !isnan(in[k]) && in[k] > 0)
                    veto = 1;
            continue;
        }
        if (strcmp(sec->type, "indicator"))
            continue;
        eg_rs_text(rs, sec, "input", 1, &input, NULL);
        double v = NAN, sc, wt = 1;
        eg_rs_number(rs, sec, "missing", 1, 0, 100, &sc, NULL);
        if (wsum)
            eg_rs_number(rs, sec, "weight", 1, 0, 1000, &wt, NULL);
        for (int k = 0; k < s->ninputs; k++)
            if (!strcmp(s->inputs[k], input))
                v = in[k];
        if (!isnan(v))
            for (int j = 0; j < sec->nentries; j++) {
                if (strcmp(sec->entries[j].key, "tier"))
                    continue;
                char *e;
                double lo = strtod(sec->entries[j].value, &e);
                double hi = strtod(strstr(e, "..") + 2, &e);
                double t = strtod(strstr(e, "->") + 2, NULL);
                if (lo <= v && v <= hi) {
                    sc = t;
                    break;
                }
            }
        sum += wt * sc;
        w += wt;
        if (sc < mn)
            mn = sc;
    }
    *score = round((wsum ? sum / w : mn) * 100) / 100;
    if (veto)
        return s->ngrades - 1;
    for (int g = 0; g < s->ngrades; g++) {
        double m;
        for (int i = 0; i < rs->nsections; i++)
            if (!strcmp(rs->sections[i].type, "grade") &&
                !strcmp(rs->sections[i].name, s->grades[g].name)) {
                eg_rs_number(rs, &rs->sections[i], "min_score", 1, 0, 100, &m, NULL);
                if (*score >= m)
                    return g;
            }
    }
    return s->ngrades - 1;
}

static void engine_vs_baseline(const char *jur, int n)
{
    struct eg_credit_scheme *s;
    struct eg_err err;
    if (eg_credit_scheme_for_year(NULL, 2020, jur, &s, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    size_t cells = (size_t)n * (size_t)s->ninputs;
    double *in = malloc(cells * sizeof *in);
    for (int u = 0; u < n; u++)
        fill(s, in + (size_t)u * (size_t)s->ninputs);
    int *ga = malloc((size_t)n * sizeof *ga), *gb = malloc((size_t)n * sizeof *gb);
    double best_e = 1e9, best_b = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = cpu_s();
        for (int u = 0; u < n; u++) {
            double sc;
            int veto;
            ga[u] = eg_credit_rate(s, in + (size_t)u * (size_t)s->ninputs, &sc, &veto, NULL, NULL);
        }
        double t1 = cpu_s();
        for (int u = 0; u < n; u++) {
            double sc;
            gb[u] = rate_baseline(s->rs, s, in + (size_t)u * (size_t)s->ninputs, &sc);
        }
        double t2 = cpu_s();
        if (t1 - t0 < best_e)
            best_e = t1 - t0;
        if (t2 - t1 < best_b)
            best_b = t2 - t1;
    }
    int same = 0, counts[8] = {0};
    for (int u = 0; u < n; u++) {
        same += ga[u] == gb[u];
        counts[ga[u] < 8 ? ga[u] : 7]++;
    }
    printf("%-16s %d units: engine %.1f ms (%.0f ns/unit), baseline %.1f ms, %.1fx; same grade "
           "%d/%d; by grade",
           s->rs->id, n, best_e * 1e3, best_e * 1e9 / n, best_b * 1e3, best_b / best_e, same, n);
    for (int g = 0; g < s->ngrades; g++)
        printf(" %s=%d", s->grades[g].name, counts[g]);
    printf("\n");
    free(in);
    free(ga);
    free(gb);
    eg_credit_scheme_free(s);
}

static void full_run(int n)
{
    char path[] = "/tmp/eg_bench_credit_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        exit(1);
    close(fd);
    unlink(path);
    struct eg_db *db;
    struct eg_err err;
    if (eg_db_open(path, &db, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    eg_db_begin(db, &err);
    struct eg_stmt *st;
    eg_db_prepare(db, "INSERT INTO units (id, name, kind) VALUES (?, ?, 'enterprise')", &st, &err);
    for (int u = 1; u <= n; u++) {
        char name[32];
        snprintf(name, sizeof name, "企业%d", u);
        eg_stmt_bind_int(st, 1, u);
        eg_stmt_bind_text(st, 2, name, strlen(name));
        eg_stmt_step(st, &err);
        eg_stmt_done(st);
    }
    eg_db_prepare(db,
                  "INSERT INTO govern_credit_inputs (unit_id, year, input, value, entered_by, "
                  "entered_at) VALUES (?, 2020, ?, ?, 'bench', 0)",
                  &st, &err);
    for (int u = 1; u <= n; u += 10) {
        eg_stmt_bind_int(st, 1, u);
        eg_stmt_bind_text(st, 2, u % 20 == 1 ? "penalties" : "compliance_rate",
                          u % 20 == 1 ? 9u : 15u);
        eg_stmt_bind_double(st, 3, u % 20 == 1 ? 1 : 0.85);
        eg_stmt_step(st, &err);
        eg_stmt_done(st);
    }
    eg_db_commit(db, &err);
    double w0 = (double)eg_nanos() / 1e9, t0 = cpu_s();
    json_t *sum = NULL;
    int64_t run;
    if (eg_credit_run(db, &eg_principal_system, 2020, "上海市", &run, &sum, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    double t1 = cpu_s(), w1 = (double)eg_nanos() / 1e9;
    char *s = json_dumps(json_object_get(sum, "by_grade"), JSON_COMPACT);
    printf("full run (eg_credit_run, SQLite file, %d units, ratings with their inputs stored): "
           "CPU %.0f ms, wall %.0f ms; %s\n",
           n, (t1 - t0) * 1e3, (w1 - w0) * 1e3, s);
    free(s);
    json_decref(sum);
    eg_db_close(db);
    unlink(path);
    char side[64];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    if (n < 1)
        n = 100000;
    engine_vs_baseline("上海市", n);
    engine_vs_baseline("国家", n);
    full_run(n);
    return 0;
}
