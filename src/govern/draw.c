/*
 * draw.c: the reproducible draw of random inspections (双随机、一公开) — the algorithm is
 * documented in govern.h (EG_DRAW_ALGORITHM): ChaCha20 keyed by SHA-256 of the published seed,
 * objects ordered by category then key, a partial Fisher–Yates per category, teams of at least
 * two by a partial Fisher–Yates over the inspectors with recusal. Pure: no database, no clock.
 */
#include "govern/govern.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The random stream: ChaCha20 keystream blocks, read as little-endian uint32 words. */
#define STREAM_BLOCKS 64
struct stream {
    unsigned char key[crypto_stream_chacha20_KEYBYTES];
    unsigned char buf[64 * STREAM_BLOCKS];
    size_t pos;
    uint64_t next_block;
};

static void stream_init(struct stream *st, const char *seed)
{
    crypto_hash_sha256(st->key, (const unsigned char *)seed, strlen(seed));
    st->pos = sizeof st->buf;
    st->next_block = 0;
}

static uint32_t stream_word(struct stream *st)
{
    if (st->pos + 4 > sizeof st->buf) {
        static const unsigned char nonce[crypto_stream_chacha20_NONCEBYTES];
        memset(st->buf, 0, sizeof st->buf);
        crypto_stream_chacha20_xor_ic(st->buf, st->buf, sizeof st->buf, nonce, st->next_block,
                                      st->key);
        st->next_block += STREAM_BLOCKS;
        st->pos = 0;
    }
    const unsigned char *p = st->buf + st->pos;
    st->pos += 4;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Uniform in [0, n), n >= 1: rejection of the top partial range (no modulo bias). */
static uint32_t uniform(struct stream *st, uint32_t n)
{
    uint64_t lim = (UINT64_C(1) << 32) - ((UINT64_C(1) << 32) % n);
    for (;;) {
        uint32_t w = stream_word(st);
        if (w < lim)
            return w % n;
    }
}

static int cmp_object(const void *a, const void *b, void *ctx)
{
    const struct eg_draw_input *in = ctx;
    const struct eg_draw_object *x = &in->objects[*(const int *)a];
    const struct eg_draw_object *y = &in->objects[*(const int *)b];
    int c = strcmp(x->category, y->category);
    return c ? c : strcmp(x->key, y->key);
}
static int cmp_inspector(const void *a, const void *b, void *ctx)
{
    const struct eg_draw_input *in = ctx;
    return strcmp(in->inspectors[*(const int *)a].key, in->inspectors[*(const int *)b].key);
}
static int cmp_pair(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}

int eg_draw_quota_for_share(double share, int n)
{
    if (!(share > 0) || n <= 0)
        return 0;
    if (share >= 1)
        return n;
    double q = share * (double)n;
    int k = (int)q;
    return (double)k < q ? k + 1 : k;
}

void eg_draw_result_free(struct eg_draw_result *r)
{
    if (!r)
        return;
    free(r->drawn);
    free(r->teams);
    memset(r, 0, sizeof *r);
}

static int invalid(struct eg_err *err, const char *code, const char *fmt, const char *a)
{
    return eg_err_set(err, EG_EINVAL, code, -1, fmt, a);
}

int eg_draw_run(const struct eg_draw_input *in, struct eg_draw_result *out, struct eg_err *err)
{
    memset(out, 0, sizeof *out);
    if (!in->seed || !*in->seed)
        return invalid(err, "seed_required", "%s", "a draw needs a published seed (随机种子)");
    if (in->team_size < 2 || in->team_size > 64)
        return eg_err_set(err, EG_EINVAL, "team_size", -1,
                          "team_size must be 2..64 (检查人员至少两人), not %d", in->team_size);
    if (in->nobjects < 0 || in->ninspectors < 0 || in->nquotas < 0 || in->nrecusals < 0)
        return invalid(err, "invalid_input", "%s", "negative pool size");
    for (int q = 0; q < in->nquotas; q++)
        if (in->quotas[q].count < 0 || !in->quotas[q].category)
            return invalid(err, "quota", "the quota of category '%s' must be 0 or more",
                           in->quotas[q].category ? in->quotas[q].category : "");
    int no = in->nobjects, ni = in->ninspectors;
    int *ord = eg_malloc(sizeof(int) * (size_t)(no + 1));
    int *ins = eg_malloc(sizeof(int) * (size_t)(ni + 1));
    for (int i = 0; i < no; i++) {
        if (!in->objects[i].key || !in->objects[i].category) {
            free(ord);
            free(ins);
            return invalid(err, "object", "%s", "every object needs a key and a category");
        }
        ord[i] = i;
    }
    for (int i = 0; i < ni; i++) {
        if (!in->inspectors[i].key) {
            free(ord);
            free(ins);
            return invalid(err, "inspector", "%s", "every inspector needs a key");
        }
        ins[i] = i;
    }
    qsort_r(ord, (size_t)no, sizeof(int), cmp_object, (void *)in);
    qsort_r(ins, (size_t)ni, sizeof(int), cmp_inspector, (void *)in);
    for (int i = 1; i < no; i++)
        if (!strcmp(in->objects[ord[i]].key, in->objects[ord[i - 1]].key) &&
            !strcmp(in->objects[ord[i]].category, in->objects[ord[i - 1]].category)) {
            invalid(err, "duplicate_key", "object key '%s' appears twice", in->objects[ord[i]].key);
            free(ord);
            free(ins);
            return EG_EINVAL;
        }
    for (int i = 1; i < ni; i++)
        if (!strcmp(in->inspectors[ins[i]].key, in->inspectors[ins[i - 1]].key)) {
            invalid(err, "duplicate_key", "inspector key '%s' appears twice",
                    in->inspectors[ins[i]].key);
            free(ord);
            free(ins);
            return EG_EINVAL;
        }
    int64_t(*rec)[2] = NULL;
    if (in->nrecusals > 0) {
        rec = eg_malloc(sizeof *rec * (size_t)in->nrecusals);
        memcpy(rec, in->recusals, sizeof *rec * (size_t)in->nrecusals);
        qsort(rec, (size_t)in->nrecusals, sizeof *rec, cmp_pair);
    }

    struct stream *st = eg_malloc(sizeof *st);
    stream_init(st, in->seed);
    int cap = 0;
    for (int q = 0; q < in->nquotas; q++)
        cap += in->quotas[q].count < no ? in->quotas[q].count : no;
    if (cap > no)
        cap = no;
    out->drawn = eg_malloc(sizeof(int) * (size_t)(cap + 1));
    out->team_size = in->team_size;
    /* 3. per category (ord is grouped by category), a partial Fisher–Yates */
    for (int a = 0; a < no;) {
        int b = a;
        while (b < no && !strcmp(in->objects[ord[b]].category, in->objects[ord[a]].category))
            b++;
        int k = 0;
        for (int q = 0; q < in->nquotas; q++)
            if (!strcmp(in->quotas[q].category, in->objects[ord[a]].category))
                k = in->quotas[q].count;
        int n = b - a;
        if (k > n)
            k = n;
        for (int i = 0; i < k && out->ndrawn < cap; i++) {
            int j = i + (int)uniform(st, (uint32_t)(n - i));
            int t = ord[a + i];
            ord[a + i] = ord[a + j];
            ord[a + j] = t;
            out->drawn[out->ndrawn++] = ord[a + i];
        }
        a = b;
    }
    /* 4. teams */
    int rc = 0;
    out->teams = eg_malloc(sizeof(int) * (size_t)out->ndrawn * (size_t)in->team_size + 1);
    for (int d = 0; d < out->ndrawn && rc == 0; d++) {
        int64_t unit = in->objects[out->drawn[d]].unit_id;
        int got = 0;
        for (int pos = 0; pos < ni && got < in->team_size; pos++) {
            int j = pos + (int)uniform(st, (uint32_t)(ni - pos));
            int t = ins[pos];
            ins[pos] = ins[j];
            ins[j] = t;
            int64_t key[2] = {in->inspectors[ins[pos]].id, unit};
            if (rec && bsearch(key, rec, (size_t)in->nrecusals, sizeof *rec, cmp_pair))
                continue; /* 回避 */
            out->teams[d * in->team_size + got++] = ins[pos];
        }
        if (got < in->team_size)
            rc = eg_err_set(err, EG_EINVAL, "too_few_inspectors", -1,
                            "object '%s' has only %d eligible inspectors (not recused) for a team "
                            "of %d: add inspectors to the pool or lower team_size",
                            in->objects[out->drawn[d]].key, got, in->team_size);
    }
    sodium_memzero(st, sizeof *st);
    free(st);
    free(rec);
    free(ord);
    free(ins);
    if (rc < 0)
        eg_draw_result_free(out);
    return rc;
}

/* ---- the published form (JSON) ---- */

struct store {
    struct eg_draw_object *objects;
    struct eg_draw_inspector *inspectors;
    struct eg_draw_quota *quotas;
    int64_t (*recusals)[2];
};

void eg_draw_input_release(struct eg_draw_input *in, void *store)
{
    struct store *s = store;
    if (s) {
        free(s->objects);
        free(s->inspectors);
        free(s->quotas);
        free(s->recusals);
        free(s);
    }
    if (in)
        memset(in, 0, sizeof *in);
}

#define DRAW_MAX_ITEMS 10000000

static int bad(struct eg_err *err, const char *field, long index, const char *what)
{
    if (index >= 0)
        return eg_err_set(err, EG_EINVAL, "invalid_draw", index, "%s[%ld]: %s", field, index, what);
    return eg_err_set(err, EG_EINVAL, "invalid_draw", -1, "%s: %s", field, what);
}

int eg_draw_input_from_json(const json_t *doc, struct eg_draw_input *in, void **store,
                            struct eg_err *err)
{
    memset(in, 0, sizeof *in);
    *store = NULL;
    if (!json_is_object(doc))
        return bad(err, "draw", -1, "must be a JSON object");
    const json_t *alg = json_object_get(doc, "algorithm");
    if (alg && (!json_is_string(alg) || strcmp(json_string_value(alg), EG_DRAW_ALGORITHM)))
        return bad(err, "algorithm", -1,
                   "unknown algorithm (this build knows \"" EG_DRAW_ALGORITHM "\")");
    const json_t *seed = json_object_get(doc, "seed");
    if (!json_is_string(seed) || !*json_string_value(seed))
        return bad(err, "seed", -1, "required, a non-empty string");
    const json_t *ts = json_object_get(doc, "team_size");
    if (!json_is_integer(ts) || json_integer_value(ts) < 2 || json_integer_value(ts) > 64)
        return bad(err, "team_size", -1, "required, an integer 2..64");
    const json_t *objs = json_object_get(doc, "objects"),
                 *insp = json_object_get(doc, "inspectors");
    const json_t *quot = json_object_get(doc, "quotas"), *recs = json_object_get(doc, "recusals");
    if (!json_is_array(objs))
        return bad(err, "objects", -1, "required, an array");
    if (!json_is_array(insp))
        return bad(err, "inspectors", -1, "required, an array");
    if (!json_is_object(quot))
        return bad(err, "quotas", -1, "required, an object {category: count}");
    if (recs && !json_is_array(recs))
        return bad(err, "recusals", -1, "must be an array of [inspector_id, unit_id]");
    if (json_array_size(objs) > DRAW_MAX_ITEMS || json_array_size(insp) > DRAW_MAX_ITEMS ||
        (recs && json_array_size(recs) > DRAW_MAX_ITEMS) || json_object_size(quot) > 1000)
        return eg_err_set(err, EG_ETOOBIG, "too_big", -1, "draw: too many items (at most %d)",
                          DRAW_MAX_ITEMS);
    struct store *s = eg_calloc(1, sizeof *s);
    size_t no = json_array_size(objs), ni = json_array_size(insp),
           nr = recs ? json_array_size(recs) : 0;
    s->objects = eg_calloc(no + 1, sizeof *s->objects);
    s->inspectors = eg_calloc(ni + 1, sizeof *s->inspectors);
    s->quotas = eg_calloc(json_object_size(quot) + 1, sizeof *s->quotas);
    s->recusals = eg_calloc(nr + 1, sizeof *s->recusals);
    int rc = 0;
    for (size_t i = 0; i < no && !rc; i++) {
        const json_t *o = json_array_get(objs, i);
        const json_t *k = json_object_get(o, "key"), *c = json_object_get(o, "category"),
                     *u = json_object_get(o, "unit_id");
        if (!json_is_object(o) || !json_is_string(k) || !json_is_string(c) ||
            (u && !json_is_integer(u)))
            rc = bad(err, "objects", (long)i,
                     "must be {\"key\": string, \"category\": string, \"unit_id\": integer}");
        else
            s->objects[i] = (struct eg_draw_object){json_string_value(k), json_string_value(c),
                                                    u ? json_integer_value(u) : 0};
    }
    for (size_t i = 0; i < ni && !rc; i++) {
        const json_t *o = json_array_get(insp, i);
        const json_t *k = json_object_get(o, "key"), *id = json_object_get(o, "id");
        if (!json_is_object(o) || !json_is_string(k) || (id && !json_is_integer(id)))
            rc = bad(err, "inspectors", (long)i, "must be {\"key\": string, \"id\": integer}");
        else
            s->inspectors[i] =
                (struct eg_draw_inspector){json_string_value(k), id ? json_integer_value(id) : 0};
    }
    for (size_t i = 0; i < nr && !rc; i++) {
        const json_t *p = json_array_get(recs, i);
        if (!json_is_array(p) || json_array_size(p) != 2 ||
            !json_is_integer(json_array_get(p, 0)) || !json_is_integer(json_array_get(p, 1)))
            rc = bad(err, "recusals", (long)i, "must be [inspector_id, unit_id] (integers)");
        else {
            s->recusals[i][0] = json_integer_value(json_array_get(p, 0));
            s->recusals[i][1] = json_integer_value(json_array_get(p, 1));
        }
    }
    int nq = 0;
    const char *cat;
    const json_t *v;
    json_object_foreach((json_t *)quot, cat, v)
    {
        if (rc)
            break;
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > DRAW_MAX_ITEMS) {
            rc = eg_err_set(err, EG_EINVAL, "invalid_draw", -1,
                            "quotas.%.60s: must be an integer 0..%d", cat, DRAW_MAX_ITEMS);
            break;
        }
        s->quotas[nq++] = (struct eg_draw_quota){cat, (int)json_integer_value(v)};
    }
    if (rc) {
        eg_draw_input_release(in, s);
        return rc;
    }
    *in = (struct eg_draw_input){json_string_value(seed),
                                 (int)json_integer_value(ts),
                                 s->objects,
                                 (int)no,
                                 s->inspectors,
                                 (int)ni,
                                 s->quotas,
                                 nq,
                                 (const int64_t(*)[2])s->recusals,
                                 (int)nr};
    *store = s;
    return 0;
}

json_t *eg_draw_result_json(const struct eg_draw_input *in, const struct eg_draw_result *r)
{
    json_t *a = json_array();
    for (int d = 0; d < r->ndrawn; d++) {
        const struct eg_draw_object *o = &in->objects[r->drawn[d]];
        json_t *team = json_array();
        for (int t = 0; t < r->team_size; t++)
            json_array_append_new(team,
                                  json_string(in->inspectors[r->teams[d * r->team_size + t]].key));
        json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:o}", "object", o->key, "category",
                                           o->category, "unit_id", (json_int_t)o->unit_id, "team",
                                           team));
    }
    return a;
}

int eg_draw_verify(const json_t *published, struct eg_err *err)
{
    const json_t *want = json_object_get(published, "result");
    if (!json_is_array(want))
        return bad(err, "result", -1, "required to verify: the published list");
    struct eg_draw_input in;
    void *store;
    int rc = eg_draw_input_from_json(published, &in, &store, err);
    if (rc < 0)
        return rc;
    struct eg_draw_result r;
    rc = eg_draw_run(&in, &r, err);
    if (rc < 0) {
        eg_draw_input_release(&in, store);
        return rc;
    }
    size_t n = json_array_size(want);
    for (size_t d = 0; d < n && !rc; d++) {
        const json_t *w = json_array_get(want, d);
        const char *wo = json_string_value(json_object_get(w, "object"));
        const json_t *wt = json_object_get(w, "team");
        if (d >= (size_t)r.ndrawn) {
            rc = eg_err_set(err, EG_EINVAL, "mismatch", (long)d,
                            "result[%zu]: published '%.60s' but the re-run drew only %d objects", d,
                            wo ? wo : "?", r.ndrawn);
            break;
        }
        const char *go = in.objects[r.drawn[d]].key;
        if (!wo || strcmp(wo, go)) {
            rc = eg_err_set(err, EG_EINVAL, "mismatch", (long)d,
                            "result[%zu]: published object '%.60s', the re-run draws '%.60s'", d,
                            wo ? wo : "(none)", go);
            break;
        }
        if (!json_is_array(wt) || json_array_size(wt) != (size_t)r.team_size) {
            rc = eg_err_set(err, EG_EINVAL, "mismatch", (long)d,
                            "result[%zu]: the team of '%.60s' must list %d inspectors", d, go,
                            r.team_size);
            break;
        }
        for (int t = 0; t < r.team_size; t++) {
            const char *wk = json_string_value(json_array_get(wt, (size_t)t));
            const char *gk = in.inspectors[r.teams[(int)d * r.team_size + t]].key;
            if (!wk || strcmp(wk, gk)) {
                rc = eg_err_set(err, EG_EINVAL, "mismatch", (long)d,
                                "result[%zu].team[%d]: published '%.60s', the re-run draws '%.60s'",
                                d, t, wk ? wk : "(none)", gk);
                break;
            }
        }
    }
    if (!rc && n != (size_t)r.ndrawn)
        rc = eg_err_set(err, EG_EINVAL, "mismatch", (long)n,
                        "the published list has %zu objects, the re-run draws %d", n, r.ndrawn);
    eg_draw_result_free(&r);
    eg_draw_input_release(&in, store);
    return rc;
}
