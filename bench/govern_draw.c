/*
 * bench/govern_draw.c: a draw of random inspections over N units (default 100,000) and M
 * inspectors (default 2,000), target under 1 s on one core (issue 13, Benchmark).
 *
 *   engine:   eg_draw_run (algorithm eg-draw-1): 3 categories (重点 10 %, 一般 70 %, 特殊 20 % of
 *             the units) with quotas 20 %, 5 %, 10 % of each, teams of 2, 5,000 recusal pairs;
 *             objects sorted by category and key, partial Fisher–Yates, recusal by binary search.
 *   baseline: the straightforward way beside it, same stream and pools: every object of a
 *             category gets a random 32-bit word and the category is sorted by it (a full
 *             shuffle by sort), the first quota taken; for a team, inspectors are drawn with
 *             rejection of repeats and the recusal list scanned linearly for each candidate.
 * Inputs are synthetic and seeded; CPU time of this thread (CLOCK_THREAD_CPUTIME_ID) is the
 * "one core" figure; best of 3 runs each. Usage: build/bench/govern_draw [units] [inspectors]
 */
#include "govern/govern.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The baseline's random words: the same ChaCha20 stream, one block call per word (simple). */
static unsigned char bkey[32];
static uint64_t bctr;
static uint32_t bword(void)
{
    static const unsigned char nonce[8];
    unsigned char b[64] = {0};
    crypto_stream_chacha20_xor_ic(b, b, 64, nonce, bctr++, bkey);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

struct tagged {
    uint32_t r;
    int i;
};
static int cmp_tagged(const void *a, const void *b)
{
    const struct tagged *x = a, *y = b;
    return x->r < y->r ? -1 : x->r > y->r;
}

/* Returns the number drawn. */
static int baseline(const struct eg_draw_input *in, int *drawn, int *teams)
{
    crypto_hash_sha256(bkey, (const unsigned char *)in->seed, strlen(in->seed));
    bctr = 0;
    int nd = 0;
    struct tagged *t = malloc(sizeof *t * (size_t)in->nobjects);
    for (int q = 0; q < in->nquotas; q++) {
        int n = 0;
        for (int i = 0; i < in->nobjects; i++)
            if (!strcmp(in->objects[i].category, in->quotas[q].category))
                t[n++] = (struct tagged){bword(), i};
        qsort(t, (size_t)n, sizeof *t, cmp_tagged);
        for (int i = 0; i < in->quotas[q].count && i < n; i++)
            drawn[nd++] = t[i].i;
    }
    free(t);
    for (int d = 0; d < nd; d++) {
        int got = 0;
        while (got < in->team_size) {
            int c = (int)(bword() % (uint32_t)in->ninspectors), ok = 1;
            for (int g = 0; g < got; g++)
                ok &= teams[d * in->team_size + g] != c;
            for (int r = 0; r < in->nrecusals && ok; r++)
                if (in->recusals[r][0] == in->inspectors[c].id &&
                    in->recusals[r][1] == in->objects[drawn[d]].unit_id)
                    ok = 0;
            if (ok)
                teams[d * in->team_size + got++] = c;
        }
    }
    return nd;
}

int main(int argc, char **argv)
{
    int nu = argc > 1 ? atoi(argv[1]) : 100000, ni = argc > 2 ? atoi(argv[2]) : 2000;
    if (nu < 10 || ni < 4 || sodium_init() < 0) {
        fprintf(stderr, "usage: govern_draw [units >= 10] [inspectors >= 4]\n");
        return 2;
    }
    struct eg_draw_object *obj = calloc((size_t)nu, sizeof *obj);
    char *okeys = calloc((size_t)nu, 24);
    struct eg_draw_inspector *ins = calloc((size_t)ni, sizeof *ins);
    char *ikeys = calloc((size_t)ni, 16);
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < nu; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        snprintf(okeys + 24 * i, 24, "9131%07d%05d", i, (int)(x % 99991));
        int c = (int)(x % 10);
        obj[i] = (struct eg_draw_object){okeys + 24 * i,
                                         c == 0  ? "key"
                                         : c < 8 ? "general"
                                                 : "special",
                                         i + 1};
    }
    for (int i = 0; i < ni; i++) {
        snprintf(ikeys + 16 * i, 16, "insp%06d", i);
        ins[i] = (struct eg_draw_inspector){ikeys + 16 * i, i + 1};
    }
    int nk = 0, ng = 0, ns = 0;
    for (int i = 0; i < nu; i++)
        *(!strcmp(obj[i].category, "key")       ? &nk
          : !strcmp(obj[i].category, "general") ? &ng
                                                : &ns) += 1;
    struct eg_draw_quota quotas[] = {{"key", eg_draw_quota_for_share(0.20, nk)},
                                     {"general", eg_draw_quota_for_share(0.05, ng)},
                                     {"special", eg_draw_quota_for_share(0.10, ns)}};
    enum { NR = 5000 };
    static int64_t rec[NR][2];
    for (int r = 0; r < NR; r++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        rec[r][0] = (int64_t)(x % (uint64_t)ni) + 1;
        rec[r][1] = (int64_t)((x >> 20) % (uint64_t)nu) + 1;
    }
    struct eg_draw_input in = {"bench 2026 第4季度",     2, obj, nu, ins, ni, quotas, 3,
                               (const int64_t(*)[2])rec, NR};
    double best_e = 1e9, best_b = 1e9;
    int nd_e = 0, nd_b = 0;
    int *bd = malloc(sizeof(int) * (size_t)nu), *bt = malloc(sizeof(int) * (size_t)nu * 2);
    for (int run = 0; run < 3; run++) {
        struct eg_draw_result r;
        struct eg_err err = {0};
        double t0 = cpu_s();
        if (eg_draw_run(&in, &r, &err) < 0) {
            fprintf(stderr, "draw: %s\n", err.msg);
            return 1;
        }
        double t1 = cpu_s();
        nd_e = r.ndrawn;
        eg_draw_result_free(&r);
        double t2 = cpu_s();
        nd_b = baseline(&in, bd, bt);
        double t3 = cpu_s();
        if (t1 - t0 < best_e)
            best_e = t1 - t0;
        if (t3 - t2 < best_b)
            best_b = t3 - t2;
    }
    printf("govern_draw: %d units (重点 %d, 一般 %d, 特殊 %d), %d inspectors, %d recusals, teams "
           "of 2\n",
           nu, nk, ng, ns, ni, NR);
    printf("  engine   (eg_draw_run):               %8.1f ms CPU, %d drawn  (target < 1000 ms)\n",
           best_e * 1e3, nd_e);
    printf("  baseline (sort by random key, linear): %8.1f ms CPU, %d drawn\n", best_b * 1e3, nd_b);
    printf("  ratio baseline/engine: %.1fx  %s\n", best_b / best_e,
           best_e < 1.0 ? "target met" : "TARGET MISSED");
    free(bd);
    free(bt);
    free(obj);
    free(okeys);
    free(ins);
    free(ikeys);
    return best_e < 1.0 ? 0 : 1;
}
