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
 *
 * Then the whole draw from the database (draw_pools.c, draw_runs.c): a SQLite file with the
 * same units as enterprises (10 % key), 2 % penalised in the year, 1 % on the positive list,
 * 20 % with a published credit grade, 2,000 inspectors and 5,000 recusals, under the shipped
 * plan sh-draw-plan-2024.
 *   engine:   eg_draw_pool (one query per table, the credit grades in effect in one query) and
 *             eg_draw_make (pool, draw, store the run and its items, audit) — one core, wall too.
 *   baseline: the straightforward pool build: one query for the units, then per unit its
 *             penalties, positive-list entry and eg_credit_grade_of (N + 1 queries).
 */
#include "db/db.h"
#include "govern/govern.h"

#include <sodium.h>
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

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exec_or_die(struct eg_db *db, const char *sql)
{
    struct eg_err err = {0};
    if (eg_db_exec(db, sql, &err) < 0) {
        fprintf(stderr, "bench sql: %s\n", err.msg);
        exit(1);
    }
    return 0;
}

/* The straightforward pool build: N + 1 queries. Returns the objects classified. */
static int baseline_pool(struct eg_db *db, const char *date, const char *from)
{
    struct eg_err err = {0};
    struct eg_stmt *u, *pen, *pl;
    eg_db_prepare(db, "SELECT id, key_air FROM units WHERE kind = 'enterprise' ORDER BY id", &u,
                  &err);
    int n = 0;
    while (eg_stmt_step(u, &err) == 1) {
        int64_t id = eg_stmt_int(u, 0);
        eg_db_prepare(db,
                      "SELECT count(*) FROM govern_poslist_events WHERE unit_id = ? AND kind = "
                      "'penalty' AND on_date > ? AND on_date <= ?",
                      &pen, &err);
        eg_stmt_bind_int(pen, 1, id);
        eg_stmt_bind_text(pen, 2, from, 10);
        eg_stmt_bind_text(pen, 3, date, 10);
        eg_stmt_step(pen, &err);
        int64_t np = eg_stmt_int(pen, 0);
        eg_stmt_done(pen);
        eg_db_prepare(db,
                      "SELECT count(*) FROM govern_poslist WHERE unit_id = ? AND status = "
                      "'active' AND included_on <= ? AND valid_until >= ?",
                      &pl, &err);
        eg_stmt_bind_int(pl, 1, id);
        eg_stmt_bind_text(pl, 2, date, 10);
        eg_stmt_bind_text(pl, 3, date, 10);
        eg_stmt_step(pl, &err);
        int64_t listed = eg_stmt_int(pl, 0);
        eg_stmt_done(pl);
        char g[32];
        struct eg_err e2 = {0};
        eg_credit_grade_of(db, id, date, g, &e2);
        n += (np >= 0 && listed >= 0);
    }
    eg_stmt_done(u);
    return n;
}

static int from_database(int nu, int ni, int nr)
{
    char path[256];
    snprintf(path, sizeof path, "%s/eg-bench-draw-%d.db",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    unlink(path);
    struct eg_db *db;
    struct eg_err err = {0};
    if (eg_db_open(path, &db, &err) < 0) {
        fprintf(stderr, "bench db: %s\n", err.msg);
        return 0;
    }
    char date[32], from[32];
    eg_time_format_beijing(eg_time_now(), date, sizeof date);
    date[10] = 0;
    snprintf(from, sizeof from, "%04d%.6s", atoi(date) - 1, date + 4);
    double l0 = wall_s();
    exec_or_die(db, "BEGIN");
    exec_or_die(db,
                "INSERT INTO regions (id, code, name, level) VALUES (1, 'D', '区', 'district');"
                "INSERT INTO govern_credit_runs (id, year, jurisdiction, ruleset_id, "
                "ruleset_version, ruleset_sha256, run_at, run_by, units, min_months_general, "
                "min_months_listed, expiry_months) VALUES (1, 2025, '上海市', 'sh-credit-2020', "
                "1, 'x', 0, 'bench', 0, 3, 12, 36)");
    struct eg_stmt *st;
    eg_db_prepare(db,
                  "INSERT INTO units (id, name, kind, region_id, key_air) VALUES (?, ?, "
                  "'enterprise', 1, ?)",
                  &st, &err);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 1; i <= nu; i++) {
        char name[32];
        snprintf(name, sizeof name, "单位%06d", i);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        eg_stmt_bind_int(st, 1, i);
        eg_stmt_bind_text(st, 2, name, strlen(name));
        eg_stmt_bind_int(st, 3, x % 10 == 0);
        eg_stmt_step(st, &err);
        eg_stmt_done(st);
    }
    int64_t now = eg_time_now();
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO govern_poslist_events (unit_id, kind, on_date, recorded_at) SELECT id, "
             "'penalty', '%s', 0 FROM units WHERE id %% 50 = 7;"
             "INSERT INTO govern_poslist (unit_id, included_on, valid_until, status, ruleset_id, "
             "ruleset_version, ruleset_sha256, reasons, included_by) SELECT id, '2020-01-01', "
             "'2099-12-31', 'active', 'p', 1, 'x', '[]', 'b' FROM units WHERE id %% 100 = 3;",
             date);
    exec_or_die(db, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO govern_credit_ratings (run_id, unit_id, score, grade, grade_zh, inputs, "
             "sources, published_at) SELECT 1, id, 90, CASE id %% 3 WHEN 0 THEN 'very_good' WHEN "
             "1 THEN 'good' ELSE 'poor' END, '-', '[]', '', %lld FROM units WHERE id %% 5 = 1",
             (long long)(now - 86400));
    exec_or_die(db, sql);
    eg_db_prepare(db,
                  "INSERT INTO users (id, username, role, password) VALUES (?, ?, 'bureau', 'x')",
                  &st, &err);
    for (int i = 1; i <= ni; i++) {
        char name[32];
        snprintf(name, sizeof name, "officer%05d", i);
        eg_stmt_bind_int(st, 1, i);
        eg_stmt_bind_text(st, 2, name, strlen(name));
        eg_stmt_step(st, &err);
        eg_stmt_done(st);
    }
    snprintf(sql, sizeof sql,
             "INSERT INTO draw_inspectors (id, user_id, cert_no, org, created_at) SELECT id, id, "
             "'沪执' || printf('%%06d', id), '执法大队', 0 FROM users");
    exec_or_die(db, sql);
    eg_db_prepare(db,
                  "INSERT INTO draw_recusals (inspector_id, unit_id, reason, created_at) VALUES "
                  "(?, ?, 'bench', 0) ON CONFLICT DO NOTHING",
                  &st, &err);
    for (int r = 0; r < nr; r++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        eg_stmt_bind_int(st, 1, (int64_t)(x % (uint64_t)ni) + 1);
        eg_stmt_bind_int(st, 2, (int64_t)((x >> 20) % (uint64_t)nu) + 1);
        eg_stmt_step(st, &err);
        eg_stmt_done(st);
    }
    exec_or_die(db, "COMMIT");
    double l1 = wall_s();
    struct eg_draw_plan *p = NULL;
    if (eg_draw_plan_for(db, NULL, date, &p, &err) < 0) {
        fprintf(stderr, "bench plan: %s\n", err.msg);
        return 0;
    }
    const struct eg_principal *sys = &eg_principal_system;
    double best_pool = 1e9, best_pd = 1e9, best_base = 1e9, best_make = 1e9, wall_make = 1e9;
    int nobj = 0, nbase = 0;
    int64_t drawn = 0;
    for (int run = 0; run < 3; run++) {
        json_t *doc = NULL;
        double t0 = cpu_s();
        if (eg_draw_pool(db, sys, p, date, NULL, &doc, &err) < 0) {
            fprintf(stderr, "bench pool: %s\n", err.msg);
            return 0;
        }
        double t1 = cpu_s();
        nobj = (int)json_array_size(json_object_get(doc, "objects"));
        /* the draw on the pools just built: what "a draw including the pool build" is */
        json_object_set_new(doc, "seed", json_string("bench-2026"));
        struct eg_draw_input din;
        void *store = NULL;
        struct eg_draw_result dr;
        if (eg_draw_input_from_json(doc, &din, &store, &err) < 0 ||
            eg_draw_run(&din, &dr, &err) < 0) {
            fprintf(stderr, "bench draw: %s\n", err.msg);
            return 0;
        }
        double t1b = cpu_s();
        eg_draw_result_free(&dr);
        eg_draw_input_release(&din, store);
        json_decref(doc);
        if (t1b - t0 < best_pd)
            best_pd = t1b - t0;
        double t2 = cpu_s();
        nbase = baseline_pool(db, date, from);
        double t3 = cpu_s();
        json_t *in =
            json_pack("{s:s,s:s,s:s}", "title", "bench", "inspect_on", date, "seed", "bench-2026");
        int64_t id = 0;
        double w0 = wall_s(), t4 = cpu_s();
        if (eg_draw_make(db, sys, in, &id, NULL, &err) < 0) {
            fprintf(stderr, "bench make: %s\n", err.msg);
            return 0;
        }
        double t5 = cpu_s(), w1 = wall_s();
        json_decref(in);
        eg_db_query_int(db, "SELECT drawn FROM draw_runs WHERE id = ?", id, NULL, &drawn, &(int){0},
                        &err);
        if (t1 - t0 < best_pool)
            best_pool = t1 - t0;
        if (t3 - t2 < best_base)
            best_base = t3 - t2;
        if (t5 - t4 < best_make)
            best_make = t5 - t4;
        if (w1 - w0 < wall_make)
            wall_make = w1 - w0;
    }
    eg_draw_plan_free(p);
    eg_db_close(db);
    unlink(path);
    char side[300];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    printf("govern_draw from the database: %d units, %d inspectors, %d recusals (loaded in %.1f "
           "s)\n",
           nu, ni, nr, l1 - l0);
    printf("  engine   pool (eg_draw_pool):             %8.1f ms CPU, %d objects in the pool\n",
           best_pool * 1e3, nobj);
    printf("  baseline pool (N+1 queries per unit):     %8.1f ms CPU, %d units\n", best_base * 1e3,
           nbase);
    printf("  ratio baseline/engine (pool): %.1fx\n", best_base / best_pool);
    printf("  pool build + draw (eg_draw_pool, eg_draw_run): %.1f ms CPU  (target < 1000 ms)  "
           "%s\n",
           best_pd * 1e3, best_pd < 1.0 ? "target met" : "TARGET MISSED");
    printf("  whole draw (eg_draw_make: pool, draw, store, audit): %.1f ms CPU, %.1f ms wall, "
           "%lld drawn\n",
           best_make * 1e3, wall_make * 1e3, (long long)drawn);
    return best_pd < 1.0;
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
    int db_ok = from_database(nu, ni, NR);
    return best_e < 1.0 && db_ok ? 0 : 1;
}
