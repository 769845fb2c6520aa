/* Tests of the reproducible draw (src/govern/draw.c, algorithm EG_DRAW_ALGORITHM in govern.h):
   the same seed and pools give the same list across runs (and, by the pinned list below, across
   machines and builds), pool order does not matter, the draw follows the quotas, fairness over
   many draws (binomial and chi-square bounds, stated at each check), recusal (回避), teams of at
   least two (双随机: two random choices, objects and inspectors), malformed published draws, and
   `envgov draw run|verify`. */
#include "govern/govern.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PINNED                                                                                     \
    "[{\"object\":\"u19\",\"category\":\"general\",\"unit_id\":19,\"team\":[\"i06\",\"i11\"]},"    \
    "{\"object\":\"u14\",\"category\":\"general\",\"unit_id\":14,\"team\":[\"i08\",\"i05\"]},"     \
    "{\"object\":\"u11\",\"category\":\"general\",\"unit_id\":11,\"team\":[\"i05\",\"i02\"]},"     \
    "{\"object\":\"u09\",\"category\":\"general\",\"unit_id\":9,\"team\":[\"i06\",\"i07\"]},"      \
    "{\"object\":\"u15\",\"category\":\"general\",\"unit_id\":15,\"team\":[\"i08\",\"i07\"]},"     \
    "{\"object\":\"u25\",\"category\":\"key\",\"unit_id\":25,\"team\":[\"i08\",\"i12\"]},"         \
    "{\"object\":\"u27\",\"category\":\"key\",\"unit_id\":27,\"team\":[\"i03\",\"i10\"]},"         \
    "{\"object\":\"u29\",\"category\":\"key\",\"unit_id\":29,\"team\":[\"i03\",\"i08\"]}]"
#define NO 30
#define NI 12

struct pools {
    char okeys[NO][16], ikeys[NI][16];
    struct eg_draw_object obj[NO];
    struct eg_draw_inspector ins[NI];
};

/* 20 general (一般) units u1..u20 and 10 key (重点) units u21..u30; inspectors i1..i12 (ids 1..12).
 */
static void make_pools(struct pools *p, int reversed)
{
    for (int k = 0; k < NO; k++) {
        int i = reversed ? NO - 1 - k : k;
        snprintf(p->okeys[k], sizeof p->okeys[k], "u%02d", i + 1);
        p->obj[k] = (struct eg_draw_object){p->okeys[k], i < 20 ? "general" : "key", i + 1};
    }
    for (int k = 0; k < NI; k++) {
        int i = reversed ? NI - 1 - k : k;
        snprintf(p->ikeys[k], sizeof p->ikeys[k], "i%02d", i + 1);
        p->ins[k] = (struct eg_draw_inspector){p->ikeys[k], i + 1};
    }
}

static const struct eg_draw_quota quotas[] = {{"general", 5}, {"key", 3}};

static struct eg_draw_input input(const struct pools *p, const char *seed)
{
    return (struct eg_draw_input){seed, 2, p->obj, NO, p->ins, NI, quotas, 2, NULL, 0};
}

/* The drawn list as text "obj:team,team;…". */
static char *listing(const struct eg_draw_input *in, const struct eg_draw_result *r)
{
    json_t *j = eg_draw_result_json(in, r);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

TEST(draw_same_seed_same_list_and_pinned)
{
    struct pools p, q;
    make_pools(&p, 0);
    make_pools(&q, 1); /* the same pools listed in the opposite order */
    struct eg_draw_input a = input(&p, "2026年第4季度 双随机 seed 7f3a"), b = input(&q, a.seed);
    struct eg_draw_result ra, rb, rc2;
    struct eg_err err = {0};
    REQUIRE(eg_draw_run(&a, &ra, &err) == 0);
    REQUIRE(eg_draw_run(&b, &rb, &err) == 0);
    REQUIRE(eg_draw_run(&a, &rc2, &err) == 0);
    char *sa = listing(&a, &ra), *sb = listing(&b, &rb), *sc = listing(&a, &rc2);
    CHECK_STR(sa, sb);
    CHECK_STR(sa, sc);
    CHECK_EQ_INT(ra.ndrawn, 8);
    /* Pinned: the list this seed gives under eg-draw-1 on any machine (computed once on x86-64
       Debian 12, libsodium 1.0.18; a change here means the algorithm changed). */
    CHECK_STR(sa, PINNED);
    free(sa);
    free(sb);
    free(sc);
    /* another seed, another list */
    struct eg_draw_input d = input(&p, "2026年第4季度 双随机 seed 7f3b");
    struct eg_draw_result rd;
    REQUIRE(eg_draw_run(&d, &rd, &err) == 0);
    char *sd = listing(&d, &rd), *s2 = listing(&a, &ra);
    CHECK(strcmp(sd, s2) != 0);
    free(sd);
    free(s2);
    eg_draw_result_free(&ra);
    eg_draw_result_free(&rb);
    eg_draw_result_free(&rc2);
    eg_draw_result_free(&rd);
}

TEST(draw_quotas_teams_and_recusal)
{
    struct pools p;
    make_pools(&p, 0);
    /* every inspector but i01 and i02 is recused for every unit: the teams must be {i01,i02} */
    static int64_t rec[NO * (NI - 2)][2];
    int nr = 0;
    for (int u = 1; u <= NO; u++)
        for (int i = 3; i <= NI; i++) {
            rec[nr][0] = i;
            rec[nr][1] = u;
            nr++;
        }
    struct eg_draw_input in = input(&p, "recusal");
    in.recusals = (const int64_t(*)[2])rec;
    in.nrecusals = nr;
    struct eg_draw_result r;
    struct eg_err err = {0};
    REQUIRE(eg_draw_run(&in, &r, &err) == 0);
    CHECK_EQ_INT(r.ndrawn, 8);
    int general = 0, key = 0;
    for (int d = 0; d < r.ndrawn; d++) {
        const struct eg_draw_object *o = &in.objects[r.drawn[d]];
        general += !strcmp(o->category, "general");
        key += !strcmp(o->category, "key");
        int64_t t0 = in.inspectors[r.teams[2 * d]].id, t1 = in.inspectors[r.teams[2 * d + 1]].id;
        CHECK(t0 != t1);
        CHECK((t0 == 1 || t0 == 2) && (t1 == 1 || t1 == 2));
        for (int e = 0; e < d; e++)
            CHECK(r.drawn[e] != r.drawn[d]); /* an object is drawn once */
    }
    CHECK_EQ_INT(general, 5);
    CHECK_EQ_INT(key, 3);
    eg_draw_result_free(&r);

    /* i02 also recused for u21..u30: a key unit cannot have a team of two */
    static int64_t rec2[NO * (NI - 2) + 10][2];
    memcpy(rec2, rec, sizeof rec);
    for (int u = 21; u <= 30; u++) {
        rec2[nr][0] = 2;
        rec2[nr][1] = u;
        nr++;
    }
    in.recusals = (const int64_t(*)[2])rec2;
    in.nrecusals = nr;
    CHECK_EQ_INT(eg_draw_run(&in, &r, &err), EG_EINVAL);
    CHECK_STR(err.code, "too_few_inspectors");
    CHECK(r.drawn == NULL);

    /* team_size 3 with a larger pool; team of 1 refused (检查人员不少于两人) */
    in = input(&p, "teams of three");
    in.team_size = 3;
    REQUIRE(eg_draw_run(&in, &r, &err) == 0);
    for (int d = 0; d < r.ndrawn; d++) {
        int a = r.teams[3 * d], b = r.teams[3 * d + 1], c = r.teams[3 * d + 2];
        CHECK(a != b && b != c && a != c);
    }
    eg_draw_result_free(&r);
    in.team_size = 1;
    CHECK_EQ_INT(eg_draw_run(&in, &r, &err), EG_EINVAL);
    CHECK_STR(err.code, "team_size");
    in.team_size = 2;
    in.seed = "";
    CHECK_EQ_INT(eg_draw_run(&in, &r, &err), EG_EINVAL);
    CHECK_STR(err.code, "seed_required");
    /* a quota above the category's size draws the whole category */
    static const struct eg_draw_quota big[] = {{"key", 99}};
    in = input(&p, "all key");
    in.quotas = big;
    in.nquotas = 1;
    REQUIRE(eg_draw_run(&in, &r, &err) == 0);
    CHECK_EQ_INT(r.ndrawn, 10);
    eg_draw_result_free(&r);
    /* duplicate keys refused */
    struct pools dup;
    make_pools(&dup, 0);
    dup.obj[1].key = dup.obj[0].key;
    in = input(&dup, "dup");
    CHECK_EQ_INT(eg_draw_run(&in, &r, &err), EG_EINVAL);
    CHECK_STR(err.code, "duplicate_key");
    CHECK_EQ_INT(eg_draw_quota_for_share(0.05, 100), 5);
    CHECK_EQ_INT(eg_draw_quota_for_share(0.05, 101), 6); /* ceil */
    CHECK_EQ_INT(eg_draw_quota_for_share(0, 100), 0);
    CHECK_EQ_INT(eg_draw_quota_for_share(1.5, 100), 100);
}

/* Fairness. N = 4000 draws with seeds "fair-0".."fair-3999". General: 5 of 20, p = 0.25; key:
   3 of 10, p = 0.3. Each unit's count is Binomial(N, p) (mean Np, variance Np(1-p)); bound 1:
   every unit within 5 standard deviations (false alarm < 30 · 6e-7). Bound 2: per category
   X² = Σ (c - Np)² / (Np(1-p)) against the chi-square 99.9 % point for k-1 degrees of freedom
   (the counts sum to N·quota exactly): 43.82 (19 df), 27.88 (9 df). Inspectors: each of 12 in a
   team of 2 for 8 objects per draw: p = 2/12 per object, count ~ N·8·(1/6), same bounds with
   11 df (31.26). Seeds are fixed, so the test is deterministic; the bounds say what it shows. */
TEST(draw_fairness_binomial_and_chi_square)
{
    struct pools p;
    make_pools(&p, 0);
    enum { N = 4000 };
    static int cnt[NO], icnt[NI];
    memset(cnt, 0, sizeof cnt);
    memset(icnt, 0, sizeof icnt);
    char seed[32];
    struct eg_err err = {0};
    for (int s = 0; s < N; s++) {
        snprintf(seed, sizeof seed, "fair-%d", s);
        struct eg_draw_input in = input(&p, seed);
        struct eg_draw_result r;
        REQUIRE(eg_draw_run(&in, &r, &err) == 0);
        for (int d = 0; d < r.ndrawn; d++) {
            cnt[in.objects[r.drawn[d]].unit_id - 1]++;
            icnt[in.inspectors[r.teams[2 * d]].id - 1]++;
            icnt[in.inspectors[r.teams[2 * d + 1]].id - 1]++;
        }
        eg_draw_result_free(&r);
    }
    double x_general = 0, x_key = 0, x_ins = 0;
    for (int u = 0; u < NO; u++) {
        double pr = u < 20 ? 0.25 : 0.3, mean = N * pr, var = N * pr * (1 - pr);
        double z = (cnt[u] - mean) / sqrt(var);
        if (fabs(z) > 5)
            eg_test_fail(__FILE__, __LINE__, "unit %d drawn %d times, expected %.0f (z %.2f)",
                         u + 1, cnt[u], mean, z);
        *(u < 20 ? &x_general : &x_key) += z * z;
    }
    double mean = N * 8.0 / 6.0, var = N * 8.0 * (1.0 / 6.0) * (5.0 / 6.0);
    for (int i = 0; i < NI; i++) {
        double z = (icnt[i] - mean) / sqrt(var);
        CHECK(fabs(z) < 5);
        x_ins += z * z;
    }
    if (x_general > 43.82 || x_key > 27.88 || x_ins > 31.26)
        eg_test_fail(__FILE__, __LINE__,
                     "chi-square general %.2f (< 43.82), key %.2f (< 27.88), "
                     "inspectors %.2f (< 31.26)",
                     x_general, x_key, x_ins);
}

static const char *published_doc =
    "{\"algorithm\":\"" EG_DRAW_ALGORITHM "\",\"seed\":\"s-1\",\"team_size\":2,"
    "\"quotas\":{\"general\":2,\"key\":1},"
    "\"objects\":[{\"key\":\"a\",\"category\":\"general\",\"unit_id\":1},"
    "{\"key\":\"b\",\"category\":\"general\",\"unit_id\":2},"
    "{\"key\":\"c\",\"category\":\"general\",\"unit_id\":3},"
    "{\"key\":\"d\",\"category\":\"key\",\"unit_id\":4},"
    "{\"key\":\"e\",\"category\":\"key\",\"unit_id\":5}],"
    "\"inspectors\":[{\"key\":\"x\",\"id\":1},{\"key\":\"y\",\"id\":2},{\"key\":\"z\",\"id\":3}],"
    "\"recusals\":[[1,4],[1,5]]}";

TEST(draw_published_json_verify_and_malformed)
{
    json_error_t je;
    json_t *doc = json_loads(published_doc, 0, &je);
    REQUIRE(doc);
    struct eg_draw_input in;
    void *store;
    struct eg_err err = {0};
    REQUIRE(eg_draw_input_from_json(doc, &in, &store, &err) == 0);
    struct eg_draw_result r;
    REQUIRE(eg_draw_run(&in, &r, &err) == 0);
    CHECK_EQ_INT(r.ndrawn, 3);
    json_t *res = eg_draw_result_json(&in, &r);
    for (int d = 0; d < r.ndrawn; d++)
        if (in.objects[r.drawn[d]].unit_id >= 4) /* x (id 1) recused for d and e */
            for (int t = 0; t < 2; t++)
                CHECK(in.inspectors[r.teams[2 * d + t]].id != 1);
    eg_draw_result_free(&r);
    eg_draw_input_release(&in, store);
    json_object_set(doc, "result", res);
    CHECK_EQ_INT(eg_draw_verify(doc, &err), 0);
    /* tamper: swap a team member → mismatch named */
    json_t *team = json_object_get(json_array_get(res, 0), "team");
    json_t *first = json_incref(json_array_get(team, 0));
    json_array_set(team, 0, json_array_get(team, 1));
    json_array_set_new(team, 1, first);
    CHECK_EQ_INT(eg_draw_verify(doc, &err), EG_EINVAL);
    CHECK_STR(err.code, "mismatch");
    CHECK(strstr(err.msg, "result[0].team[0]") != NULL);
    /* another seed → mismatch */
    json_object_set_new(doc, "seed", json_string("s-2"));
    CHECK_EQ_INT(eg_draw_verify(doc, &err), EG_EINVAL);
    CHECK_STR(err.code, "mismatch");
    json_decref(res);
    json_decref(doc);

    /* malformed, wrong-type, hostile */
    static const char *const bad[] = {
        "[]",
        "{}",
        "{\"seed\":\"\",\"team_size\":2,\"objects\":[],\"inspectors\":[],\"quotas\":{}}",
        "{\"seed\":7,\"team_size\":2,\"objects\":[],\"inspectors\":[],\"quotas\":{}}",
        "{\"seed\":\"s\",\"team_size\":1,\"objects\":[],\"inspectors\":[],\"quotas\":{}}",
        "{\"seed\":\"s\",\"team_size\":\"2\",\"objects\":[],\"inspectors\":[],\"quotas\":{}}",
        "{\"seed\":\"s\",\"team_size\":2,\"objects\":{},\"inspectors\":[],\"quotas\":{}}",
        "{\"seed\":\"s\",\"team_size\":2,\"objects\":[1],\"inspectors\":[],\"quotas\":{}}",
        "{\"seed\":\"s\",\"team_size\":2,\"objects\":[{\"key\":\"a\"}],\"inspectors\":[],"
        "\"quotas\":{}}",
        "{\"seed\":\"s\",\"team_size\":2,\"objects\":[],\"inspectors\":[{\"key\":5}],\"quotas\":{}"
        "}",
        "{\"seed\":\"s\",\"team_size\":2,\"objects\":[],\"inspectors\":[],\"quotas\":{\"g\":-1}}",
        "{\"seed\":\"s\",\"team_size\":2,\"objects\":[],\"inspectors\":[],\"quotas\":{\"g\":1.5}}",
        "{\"seed\":\"s\",\"team_size\":2,\"objects\":[],\"inspectors\":[],\"quotas\":[]}",
        "{\"seed\":\"s\",\"team_size\":2,\"objects\":[],\"inspectors\":[],\"quotas\":{},"
        "\"recusals\":[[1]]}",
        "{\"seed\":\"s\",\"team_size\":2,\"objects\":[],\"inspectors\":[],\"quotas\":{},"
        "\"recusals\":[[1,\"x\"]]}",
        "{\"algorithm\":\"md5-shuffle\",\"seed\":\"s\",\"team_size\":2,\"objects\":[],"
        "\"inspectors\":[],\"quotas\":{}}",
        "{\"seed\":\"s\",\"team_size\":99999999999,\"objects\":[],\"inspectors\":[],\"quotas\":{}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *j = json_loads(bad[i], 0, &je);
        REQUIRE(j);
        int rc = eg_draw_input_from_json(j, &in, &store, &err);
        if (rc != EG_EINVAL)
            eg_test_fail(__FILE__, __LINE__, "case %zu accepted: %s", i, bad[i]);
        CHECK(store == NULL);
        json_decref(j);
    }
    /* no result to verify */
    json_t *j = json_loads(published_doc, 0, &je);
    CHECK_EQ_INT(eg_draw_verify(j, &err), EG_EINVAL);
    CHECK(strstr(err.msg, "result") != NULL);
    json_decref(j);
}

/* `envgov draw run FILE` prints the published draw with its result; `envgov draw verify FILE`
   exits 0 on it and 1 (naming the difference) on a tampered copy; 2 on usage faults. */
TEST(draw_cli_run_and_verify)
{
    char in_path[512], pub_path[512];
    snprintf(in_path, sizeof in_path, "%s/draw-in.json", eg_test_tmpdir());
    snprintf(pub_path, sizeof pub_path, "%s/draw-pub.json", eg_test_tmpdir());
    FILE *f = fopen(in_path, "w");
    REQUIRE(f);
    fputs(published_doc, f);
    fclose(f);
    const char *run[] = {"draw", "run", in_path, NULL};
    char *out = NULL, *errs = NULL;
    int rc = eg_test_run(run, NULL, 0, &out, &errs);
    if (rc != 0)
        eg_test_fail(__FILE__, __LINE__, "draw run: %d: %s", rc, errs ? errs : "");
    REQUIRE(rc == 0);
    json_error_t je;
    json_t *pub = json_loads(out, 0, &je);
    REQUIRE(pub);
    CHECK_EQ_INT((long long)json_array_size(json_object_get(pub, "result")), 3);
    f = fopen(pub_path, "w");
    REQUIRE(f);
    fputs(out, f);
    fclose(f);
    free(out);
    free(errs);
    const char *verify[] = {"draw", "verify", pub_path, NULL};
    CHECK_EQ_INT(eg_test_run(verify, NULL, 0, &out, &errs), 0);
    CHECK(out && strstr(out, "ok") != NULL);
    free(out);
    free(errs);
    /* tampered: another seed */
    json_object_set_new(pub, "seed", json_string("forged"));
    REQUIRE(json_dump_file(pub, pub_path, 0) == 0);
    CHECK_EQ_INT(eg_test_run(verify, NULL, 0, &out, &errs), 1);
    CHECK(errs && strstr(errs, "mismatch") != NULL);
    free(out);
    free(errs);
    json_decref(pub);
    /* not JSON; missing file; no argument */
    f = fopen(pub_path, "w");
    REQUIRE(f);
    fputs("{\"seed\": \"trunc", f);
    fclose(f);
    CHECK_EQ_INT(eg_test_run(verify, NULL, 0, NULL, NULL), 1);
    const char *missing[] = {"draw", "verify", "/nonexistent/draw.json", NULL};
    CHECK_EQ_INT(eg_test_run(missing, NULL, 0, NULL, NULL), 1);
    const char *none[] = {"draw", "verify", NULL};
    CHECK_EQ_INT(eg_test_run(none, NULL, 0, NULL, NULL), 2);
}
