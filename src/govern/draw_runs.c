/*
 * draw_runs.c: draw runs as records (双随机、一公开): the plan's rule set, the published seed,
 * the hash of the pools and the whole published draw are stored with the list and the teams;
 * the list stays secret until its inspection date (only admin and the drawing officer see it),
 * then results are recorded per inspection and published at once. A falsification finding
 * against an agency opens a case and is recorded as a credit input.
 */
#include "govern/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void today(char out[16])
{
    char t[32];
    eg_time_format_beijing(eg_time_now(), t, sizeof t);
    memcpy(out, t, 10);
    out[10] = 0;
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* SHA-256 (hex) of the draw's pools as stored: the document without seed and result, compact
   with sorted keys (the text draw_runs.draw_json keeps). */
static void sha_hex(const char *s, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* The text json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) gives (jansson 2.14's string escapes:
   '"', '\\', \b \f \n \r \t, other controls as \u00XX upper-case; reals through jansson), in
   one pass: an object whose keys are already in order (the pool's are built so) is not sorted
   again. The stored pools text and its hash stay those of older runs. */
static void dump_str(struct eg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    eg_buf_reserve(b, n + 2);
    eg_buf_append(b, "\"", 1);
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        eg_buf_append(b, s + from, i - from);
        from = i + 1;
        char e[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t el = 2;
        if (c == '\b')
            e[1] = 'b';
        else if (c == '\f')
            e[1] = 'f';
        else if (c == '\n')
            e[1] = 'n';
        else if (c == '\r')
            e[1] = 'r';
        else if (c == '\t')
            e[1] = 't';
        else if (c < 0x20) {
            e[1] = 'u';
            e[2] = '0';
            e[3] = '0';
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            el = 6;
        }
        eg_buf_append(b, e, el);
    }
    eg_buf_append(b, s + from, n - from);
    eg_buf_append(b, "\"", 1);
}
static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}
static void dump_sorted(struct eg_buf *b, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), k = 0;
        const char *prev = NULL, *key;
        const json_t *x;
        int in_order = 1;
        json_object_foreach((json_t *)v, key, x)
        {
            if (prev && strcmp(prev, key) > 0)
                in_order = 0;
            prev = key;
        }
        const char **keys = NULL;
        if (!in_order) {
            keys = eg_malloc(sizeof *keys * (n ? n : 1));
            json_object_foreach((json_t *)v, key, x) keys[k++] = key;
            qsort(keys, n, sizeof *keys, cmp_key);
        }
        eg_buf_append(b, "{", 1);
        k = 0;
        json_object_foreach((json_t *)v, key, x)
        {
            const char *kk = keys ? keys[k] : key;
            if (k++)
                eg_buf_append(b, ",", 1);
            dump_str(b, kk, strlen(kk));
            eg_buf_append(b, ":", 1);
            dump_sorted(b, keys ? json_object_get(v, kk) : x);
        }
        free(keys);
        eg_buf_append(b, "}", 1);
        break;
    }
    case JSON_ARRAY:
        eg_buf_append(b, "[", 1);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                eg_buf_append(b, ",", 1);
            dump_sorted(b, json_array_get(v, i));
        }
        eg_buf_append(b, "]", 1);
        break;
    case JSON_STRING:
        dump_str(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        eg_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_TRUE:
        eg_buf_append(b, "true", 4);
        break;
    case JSON_FALSE:
        eg_buf_append(b, "false", 5);
        break;
    case JSON_NULL:
        eg_buf_append(b, "null", 4);
        break;
    default: { /* a real: jansson's own form */
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (t)
            eg_buf_puts(b, t);
        free(t);
    }
    }
}

static int not_found(struct eg_err *err, int64_t id)
{
    return eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "draw run %lld not found", (long long)id);
}

int eg_draw_make(struct eg_db *db, const struct eg_principal *who, json_t *in, int64_t *run_id,
                 json_t **out, struct eg_err *err)
{
    if (out)
        *out = NULL;
    if (!eg__gov_staff(who))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau's drawing officers make draws: ask an officer");
    static const char *const known[] = {"title", "inspect_on", "date",      "plan",
                                        "seed",  "triggers",   "team_size", NULL};
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v)
    {
        int ok = 0;
        for (int i = 0; known[i]; i++)
            ok |= !strcmp(known[i], k);
        if (!ok)
            return eg_err_set(err, EG_EINVAL, "unknown_field", -1, "unknown field '%.40s'", k);
    }
    const char *title = jstr(in, "title"), *inspect_on = jstr(in, "inspect_on"),
               *date = jstr(in, "date"), *plan_id = jstr(in, "plan"), *seed = jstr(in, "seed");
    if (!title || !*title || strlen(title) > 200)
        return eg_err_set(err, EG_EINVAL, "missing_field", -1,
                          "field 'title' is required (text, at most 200 bytes)");
    if (!inspect_on || !eg__gov_date_ok(inspect_on))
        return eg_err_set(err, EG_EINVAL, "bad_date", -1,
                          "field 'inspect_on' is required: the inspection date, YYYY-MM-DD (the "
                          "list stays secret until then)");
    char d[16];
    if (!date) {
        today(d);
        date = d;
    } else if (!eg__gov_date_ok(date))
        return eg_err_set(err, EG_EINVAL, "bad_date", -1, "field 'date': give YYYY-MM-DD");
    if (strcmp(inspect_on, date) < 0)
        return eg_err_set(err, EG_EINVAL, "bad_date", -1,
                          "inspect_on %s is before the pool date %s", inspect_on, date);
    if (json_object_get(in, "seed") && (!seed || !*seed || strlen(seed) > 200))
        return eg_err_set(err, EG_EINVAL, "seed", -1,
                          "seed: a non-empty text of at most 200 bytes");
    json_t *trig = json_object_get(in, "triggers");
    if (trig && !json_is_array(trig))
        return eg_err_set(err, EG_EINVAL, "triggers", -1,
                          "triggers must be [{\"unit_id\",\"trigger\",\"ref\"}]");
    char rnd[65];
    if (!seed) {
        unsigned char b[32];
        randombytes_buf(b, sizeof b);
        sodium_bin2hex(rnd, sizeof rnd, b, sizeof b);
        seed = rnd;
    }
    struct eg_draw_plan *p;
    int rc = eg_draw_plan_for(db, plan_id, date, &p, err);
    if (rc < 0)
        return rc;
    json_t *doc = NULL;
    rc = eg_draw_pool(db, who, p, date, trig, &doc, err);
    if (rc < 0) {
        eg_draw_plan_free(p);
        return rc;
    }
    json_t *ts = json_object_get(in, "team_size");
    if (ts) {
        if (!json_is_integer(ts) || json_integer_value(ts) < p->team_size ||
            json_integer_value(ts) > 64) {
            rc = eg_err_set(err, EG_EINVAL, "team_size", -1,
                            "team_size: an integer from the plan's %d (行政处罚法 Art. 42: at "
                            "least two) to 64",
                            p->team_size);
            json_decref(doc);
            eg_draw_plan_free(p);
            return rc;
        }
        json_object_set(doc, "team_size", ts);
    }
    char hash[65];
    struct eg_buf tb = {0};
    dump_sorted(&tb, doc);
    char *text = tb.data ? tb.data : eg_strdup("");
    sha_hex(text, hash);
    json_object_set_new(doc, "seed", json_string(seed));
    struct eg_draw_input din;
    void *store = NULL;
    struct eg_draw_result r = {0};
    rc = eg_draw_input_from_json(doc, &din, &store, err);
    if (rc >= 0)
        rc = eg_draw_run(&din, &r, err);
    if (rc >= 0)
        json_object_set_new(doc, "result", eg_draw_result_json(&din, &r));
    int own = 0, tx = 0;
    if (rc >= 0 && (rc = eg__gov_tx_begin(db, &own, err)) >= 0)
        tx = 1;
    struct eg_stmt *st = NULL;
    char *rtext = NULL;
    if (rc >= 0) {
        rtext = json_dumps(json_object_get(doc, "result"), JSON_COMPACT);
        rc = eg_db_prepare(db,
                           "INSERT INTO draw_runs (title, ruleset_id, ruleset_version, "
                           "ruleset_sha256, seed, pools_sha256, pool_date, inspect_on, drawn, "
                           "draw_json, created_by, created_by_name, created_at, result_json) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           &st, err);
    }
    if (rc >= 0) {
        eg_stmt_bind_text(st, 1, title, strlen(title));
        eg_stmt_bind_text(st, 2, p->rs->id, strlen(p->rs->id));
        eg_stmt_bind_int(st, 3, p->rs->version);
        eg_stmt_bind_text(st, 4, p->rs->sha256, 64);
        eg_stmt_bind_text(st, 5, seed, strlen(seed));
        eg_stmt_bind_text(st, 6, hash, 64);
        eg_stmt_bind_text(st, 7, date, 10);
        eg_stmt_bind_text(st, 8, inspect_on, 10);
        eg_stmt_bind_int(st, 9, r.ndrawn);
        eg_stmt_bind_text(st, 10, text, strlen(text));
        if (who->user_id)
            eg_stmt_bind_int(st, 11, who->user_id);
        else
            eg_stmt_bind_null(st, 11);
        eg_stmt_bind_text(st, 12, who->username, strlen(who->username));
        eg_stmt_bind_int(st, 13, eg_time_now());
        eg_stmt_bind_text(st, 14, rtext, strlen(rtext));
        rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
        st = NULL;
    }
    int64_t id = rc >= 0 ? eg_db_last_id(db) : 0;
    if (rc >= 0)
        rc = eg_db_prepare(db,
                           "INSERT INTO draw_items (run_id, pos, object_key, object_kind, unit_id, "
                           "category, team, trigger_name, trigger_ref) VALUES (?, ?, ?, ?, ?, ?, "
                           "?, ?, ?)",
                           &st, err);
    /* each inspector's team member text, dumped once: a team's text is "[" member "," … "]",
       the same as json_dumps of the team array (JSON_COMPACT) */
    char **member = rc >= 0 ? eg_calloc((size_t)din.ninspectors + 1, sizeof *member) : NULL;
    size_t cap = 64;
    char *tt = rc >= 0 ? eg_malloc(cap) : NULL;
    for (int x = 0; rc >= 0 && x < r.ndrawn; x++) {
        const struct eg_draw_object *o = &din.objects[r.drawn[x]];
        const json_t *oj = json_array_get(json_object_get(doc, "objects"), (size_t)r.drawn[x]);
        size_t len = 0;
        tt[len++] = '[';
        for (int t = 0; rc >= 0 && t < r.team_size; t++) {
            int i = r.teams[x * r.team_size + t];
            if (!member[i]) {
                const struct eg_draw_inspector *ins = &din.inspectors[i];
                const json_t *ij = json_array_get(json_object_get(doc, "inspectors"), (size_t)i);
                int64_t uid = json_integer_value(json_object_get(ij, "user_id"));
                json_t *m =
                    json_pack("{s:I,s:I,s:s,s:s}", "inspector_id", (json_int_t)ins->id, "user_id",
                              (json_int_t)uid, "cert_no", ins->key, "org", jstr(ij, "org"));
                member[i] = m ? json_dumps(m, JSON_COMPACT) : NULL;
                json_decref(m);
                if (!member[i]) { /* as json_array_append_new(team, NULL): left out */
                    continue;
                }
            }
            size_t ml = strlen(member[i]);
            if (len + ml + 3 > cap) {
                cap = (len + ml + 3) * 2;
                tt = eg_realloc(tt, cap);
            }
            if (len > 1)
                tt[len++] = ',';
            memcpy(tt + len, member[i], ml);
            len += ml;
        }
        tt[len++] = ']';
        tt[len] = 0;
        const json_t *tr = json_object_get(oj, "trigger");
        eg_stmt_bind_int(st, 1, id);
        eg_stmt_bind_int(st, 2, x);
        eg_stmt_bind_text(st, 3, o->key, strlen(o->key));
        eg_stmt_bind_text(st, 4, jstr(oj, "kind"), strlen(jstr(oj, "kind")));
        eg_stmt_bind_int(st, 5, o->unit_id);
        eg_stmt_bind_text(st, 6, o->category, strlen(o->category));
        eg_stmt_bind_text(st, 7, tt, strlen(tt));
        if (tr) {
            eg_stmt_bind_text(st, 8, jstr(tr, "trigger"), strlen(jstr(tr, "trigger")));
            const char *ref = jstr(tr, "ref") ? jstr(tr, "ref") : "";
            eg_stmt_bind_text(st, 9, ref, strlen(ref));
        } else {
            eg_stmt_bind_null(st, 8);
            eg_stmt_bind_null(st, 9);
        }
        if (rc >= 0)
            rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
    }
    if (member)
        for (int i = 0; i < din.ninspectors; i++)
            free(member[i]);
    free(member);
    free(tt);
    if (st)
        eg_stmt_done(st);
    if (rc >= 0)
        rc = eg__gov_audit(db, who, "draw_runs", id, "create", NULL,
                           json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:s,s:I,s:s},s:i}", "title", title,
                                     "seed", seed, "pools_sha256", hash, "pool_date", date,
                                     "inspect_on", inspect_on, "plan", "id", p->rs->id, "version",
                                     (json_int_t)p->rs->version, "sha256", p->rs->sha256, "drawn",
                                     r.ndrawn),
                           err);
    if (tx)
        rc = eg__gov_tx_end(db, own, rc, err);
    free(text);
    free(rtext);
    eg_draw_result_free(&r);
    if (store)
        eg_draw_input_release(&din, store);
    json_decref(doc);
    eg_draw_plan_free(p);
    if (rc < 0)
        return rc;
    *run_id = id;
    if (out)
        return eg_draw_run_get(db, who, id, out, err);
    return 0;
}

/* The run's header row; *visible: 2 whole (officer, or staff from the date), 1 items in scope
   (street, enterprise from the date), 0 nothing. */
struct run_head {
    char inspect_on[16], seed[208], pools[65], title[256], plan_id[128], plan_sha[65],
        pool_date[16], by[64];
    int64_t plan_version, created_by, created_at, drawn;
};

static int run_head(struct eg_db *db, const struct eg_principal *who, int64_t id,
                    struct run_head *h, int *visible, struct eg_err *err)
{
    struct eg_stmt *st;
    int rc = eg_db_prepare(db,
                           "SELECT inspect_on, seed, pools_sha256, title, ruleset_id, "
                           "ruleset_version, ruleset_sha256, pool_date, coalesce(created_by, 0), "
                           "created_by_name, created_at, drawn FROM draw_runs WHERE id = ?",
                           &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, id);
    rc = eg_stmt_step(st, err);
    if (rc == 1) {
        snprintf(h->inspect_on, sizeof h->inspect_on, "%s", eg_stmt_text(st, 0, NULL));
        snprintf(h->seed, sizeof h->seed, "%s", eg_stmt_text(st, 1, NULL));
        snprintf(h->pools, sizeof h->pools, "%s", eg_stmt_text(st, 2, NULL));
        snprintf(h->title, sizeof h->title, "%s", eg_stmt_text(st, 3, NULL));
        snprintf(h->plan_id, sizeof h->plan_id, "%s", eg_stmt_text(st, 4, NULL));
        h->plan_version = eg_stmt_int(st, 5);
        snprintf(h->plan_sha, sizeof h->plan_sha, "%s", eg_stmt_text(st, 6, NULL));
        snprintf(h->pool_date, sizeof h->pool_date, "%s", eg_stmt_text(st, 7, NULL));
        h->created_by = eg_stmt_int(st, 8);
        snprintf(h->by, sizeof h->by, "%s", eg_stmt_text(st, 9, NULL));
        h->created_at = eg_stmt_int(st, 10);
        h->drawn = eg_stmt_int(st, 11);
    }
    eg_stmt_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return not_found(err, id);
    char d[16];
    today(d);
    int before = strcmp(d, h->inspect_on) < 0;
    int officer = who->role == EG_ROLE_ADMIN ||
                  (who->role == EG_ROLE_BUREAU && who->user_id && who->user_id == h->created_by);
    if (before)
        *visible = officer ? 2 : 0; /* secret until the inspection date */
    else if (eg__gov_staff(who))
        *visible = 2;
    else if (who->role == EG_ROLE_STREET || who->role == EG_ROLE_ENTERPRISE)
        *visible = 1;
    else
        *visible = 0;
    return *visible ? 0 : not_found(err, id);
}

static const char *outcome_zh(const char *o)
{
    return !o ? "待检查" : !strcmp(o, "found") ? "发现问题" : "未发现问题";
}

int eg_draw_run_get(struct eg_db *db, const struct eg_principal *who, int64_t run_id, json_t **out,
                    struct eg_err *err)
{
    *out = NULL;
    struct run_head h;
    int vis = 0;
    int rc = run_head(db, who, run_id, &h, &vis, err);
    if (rc < 0)
        return rc;
    struct eg_stmt *st;
    rc = eg_db_prepare(
        db,
        "SELECT i.id, i.pos, i.object_key, i.object_kind, i.unit_id, u.name, i.category, i.team, "
        "i.trigger_name, i.trigger_ref, i.outcome, i.finding, i.falsification, i.case_id, "
        "i.published_at FROM draw_items i JOIN units u ON u.id = i.unit_id WHERE i.run_id = ?1 "
        "AND (?2 = 0 OR (?2 = 1 AND i.unit_id = ?3) OR (?2 = 2 AND u.region_id IN (SELECT id "
        "FROM regions WHERE code = ?4 OR parent_id IN (SELECT id FROM regions WHERE code = "
        "?4)))) ORDER BY i.pos",
        &st, err);
    if (rc < 0)
        return rc;
    int scope = vis == 2 ? 0 : who->role == EG_ROLE_ENTERPRISE ? 1 : 2;
    eg_stmt_bind_int(st, 1, run_id);
    eg_stmt_bind_int(st, 2, scope);
    eg_stmt_bind_int(st, 3, who->unit_id);
    eg_stmt_bind_text(st, 4, who->region, strlen(who->region));
    json_t *items = json_array();
    while ((rc = eg_stmt_step(st, err)) == 1) {
        const char *oc = eg_stmt_is_null(st, 10) ? NULL : eg_stmt_text(st, 10, NULL);
        json_t *it = json_pack(
            "{s:I,s:I,s:s,s:s,s:s,s:I,s:s,s:s,s:o,s:s?,s:s,s:s?,s:b}", "id",
            (json_int_t)eg_stmt_int(st, 0), "pos", (json_int_t)eg_stmt_int(st, 1), "object_key",
            eg_stmt_text(st, 2, NULL), "object_kind", eg_stmt_text(st, 3, NULL), "object_zh",
            eg__draw_object_zh(eg_stmt_text(st, 3, NULL)), "unit_id",
            (json_int_t)eg_stmt_int(st, 4), "unit", eg_stmt_text(st, 5, NULL), "category",
            eg_stmt_text(st, 6, NULL), "team",
            json_loads(eg_stmt_text(st, 7, NULL), 0, NULL) ?: json_array(), "outcome", oc,
            "outcome_zh", outcome_zh(oc), "finding",
            eg_stmt_is_null(st, 11) ? NULL : eg_stmt_text(st, 11, NULL), "falsification",
            (int)eg_stmt_int(st, 12));
        if (!eg_stmt_is_null(st, 8))
            json_object_set_new(it, "trigger",
                                json_pack("{s:s,s:s}", "trigger", eg_stmt_text(st, 8, NULL), "ref",
                                          eg_stmt_text(st, 9, NULL)));
        if (!eg_stmt_is_null(st, 13))
            json_object_set_new(it, "case_id", json_integer(eg_stmt_int(st, 13)));
        if (!eg_stmt_is_null(st, 14)) {
            char t[40];
            eg_time_format_beijing(eg_stmt_int(st, 14), t, sizeof t);
            json_object_set_new(it, "published_at", json_string(t));
        }
        json_array_append_new(items, it);
    }
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    char d[16], ca[40];
    today(d);
    eg_time_format_beijing(h.created_at, ca, sizeof ca);
    *out =
        json_pack("{s:I,s:s,s:{s:s,s:I,s:s},s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:b,s:o}", "id",
                  (json_int_t)run_id, "title", h.title, "plan", "id", h.plan_id, "version",
                  (json_int_t)h.plan_version, "sha256", h.plan_sha, "algorithm", EG_DRAW_ALGORITHM,
                  "seed", h.seed, "pools_sha256", h.pools, "pool_date", h.pool_date, "inspect_on",
                  h.inspect_on, "drawn", (json_int_t)h.drawn, "created_by", h.by, "created_at", ca,
                  "secret", strcmp(d, h.inspect_on) < 0, "items", items);
    return 0;
}

int eg_draw_runs(struct eg_db *db, const struct eg_principal *who, json_t **rows,
                 struct eg_err *err)
{
    *rows = NULL;
    if (!eg__gov_staff(who))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau lists draw runs; the public sees published results at "
                          "/api/v1/draws/results");
    char d[16];
    today(d);
    struct eg_stmt *st;
    int rc = eg_db_prepare(db,
                           "SELECT id, title, ruleset_id, pool_date, inspect_on, drawn, "
                           "created_by_name, seed FROM draw_runs WHERE inspect_on <= ?1 OR ?2 = 1 "
                           "OR created_by = ?3 ORDER BY id DESC LIMIT 1000",
                           &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(st, 1, d, strlen(d));
    eg_stmt_bind_int(st, 2, who->role == EG_ROLE_ADMIN);
    eg_stmt_bind_int(st, 3, who->user_id ? who->user_id : -1);
    json_t *a = json_array();
    while ((rc = eg_stmt_step(st, err)) == 1)
        json_array_append_new(
            a,
            json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:b}", "id", (json_int_t)eg_stmt_int(st, 0),
                      "title", eg_stmt_text(st, 1, NULL), "plan", eg_stmt_text(st, 2, NULL),
                      "pool_date", eg_stmt_text(st, 3, NULL), "inspect_on",
                      eg_stmt_text(st, 4, NULL), "drawn", (json_int_t)eg_stmt_int(st, 5),
                      "created_by", eg_stmt_text(st, 6, NULL), "seed", eg_stmt_text(st, 7, NULL),
                      "secret", strcmp(d, eg_stmt_text(st, 4, NULL)) < 0));
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *rows = a;
    return 0;
}

/* The published draw of a run: the stored pools with the seed and the result put back;
 *intact 0 when the stored pools no longer hash to the recorded SHA-256. */
static int load_doc(struct eg_db *db, int64_t run_id, json_t **doc, int *intact, struct eg_err *err)
{
    struct eg_stmt *st;
    int rc = eg_db_prepare(
        db, "SELECT draw_json, pools_sha256, seed, result_json FROM draw_runs WHERE id = ?", &st,
        err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, run_id);
    *doc = NULL;
    if ((rc = eg_stmt_step(st, err)) == 1) {
        const char *text = eg_stmt_text(st, 0, NULL);
        char again[65];
        sha_hex(text, again);
        *intact = !strcmp(again, eg_stmt_text(st, 1, NULL));
        *doc = json_loads(text, 0, NULL);
        if (*doc) {
            json_object_set_new(*doc, "seed", json_string(eg_stmt_text(st, 2, NULL)));
            json_object_set_new(*doc, "result",
                                json_loads(eg_stmt_text(st, 3, NULL), 0, NULL) ?: json_array());
        }
    }
    eg_stmt_done(st);
    if (rc < 0)
        return rc;
    if (!*doc)
        return not_found(err, run_id);
    return 0;
}

int eg_draw_run_document(struct eg_db *db, const struct eg_principal *who, int64_t run_id,
                         json_t **doc, struct eg_err *err)
{
    *doc = NULL;
    char d[16], when[16] = "";
    int intact = 0;
    today(d);
    int64_t by = 0;
    struct eg_stmt *st;
    int rc = eg_db_prepare(db,
                           "SELECT inspect_on, coalesce(created_by, 0) FROM draw_runs WHERE "
                           "id = ?",
                           &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, run_id);
    if ((rc = eg_stmt_step(st, err)) == 1) {
        snprintf(when, sizeof when, "%s", eg_stmt_text(st, 0, NULL));
        by = eg_stmt_int(st, 1);
    }
    eg_stmt_done(st);
    if (rc < 0)
        return rc;
    int officer = who->role == EG_ROLE_ADMIN ||
                  (who->role == EG_ROLE_BUREAU && who->user_id && who->user_id == by);
    /* public from the inspection date: anyone can re-check it (envgov draw verify) */
    if (!when[0] || (strcmp(d, when) < 0 && !officer))
        return not_found(err, run_id);
    return load_doc(db, run_id, doc, &intact, err);
}

int eg_draw_run_verify(struct eg_db *db, int64_t run_id, struct eg_err *err)
{
    json_t *doc;
    int intact = 0;
    int rc = load_doc(db, run_id, &doc, &intact, err);
    if (rc < 0)
        return rc;
    if (!intact)
        rc = eg_err_set(err, EG_EINVAL, "pools_changed", -1,
                        "run %lld: the stored pools no longer hash to the SHA-256 recorded with "
                        "the run: the record was altered",
                        (long long)run_id);
    else
        rc = eg_draw_verify(doc, err);
    json_decref(doc);
    return rc;
}

int eg_draw_result_record(struct eg_db *db, const struct eg_principal *who, int64_t item_id,
                          json_t *in, json_t **out, struct eg_err *err)
{
    if (out)
        *out = NULL;
    if (who->role == EG_ROLE_ANON || who->role == EG_ROLE_ENTERPRISE ||
        who->role == EG_ROLE_STEWARD)
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "results are recorded by the bureau or the inspection team");
    static const char *const known[] = {"outcome", "finding", "falsification", NULL};
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v)
    {
        int ok = 0;
        for (int i = 0; known[i]; i++)
            ok |= !strcmp(known[i], k);
        if (!ok)
            return eg_err_set(err, EG_EINVAL, "unknown_field", -1, "unknown field '%.40s'", k);
    }
    const char *outcome = jstr(in, "outcome"), *finding = jstr(in, "finding");
    json_t *fj = json_object_get(in, "falsification");
    if (!outcome || (strcmp(outcome, "found") && strcmp(outcome, "not_found")))
        return eg_err_set(err, EG_EINVAL, "outcome", -1,
                          "outcome must be found (发现问题) or not_found (未发现问题)");
    if (!finding || !*finding || strlen(finding) > 4000)
        return eg_err_set(err, EG_EINVAL, "missing_field", -1,
                          "field 'finding' is required: what was checked and found (at most "
                          "4000 bytes)");
    if (fj && !json_is_boolean(fj))
        return eg_err_set(err, EG_EINVAL, "wrong_type", -1,
                          "field 'falsification' must be true or false");
    int fals = json_is_true(fj);
    if (fals && strcmp(outcome, "found"))
        return eg_err_set(err, EG_EINVAL, "outcome", -1,
                          "a falsification finding needs outcome found");
    struct eg_stmt *st;
    int rc = eg_db_prepare(db,
                           "SELECT i.run_id, i.object_kind, i.unit_id, i.team, i.outcome, "
                           "r.inspect_on, r.ruleset_sha256, u.name FROM draw_items i JOIN "
                           "draw_runs r ON r.id = i.run_id JOIN units u ON u.id = i.unit_id WHERE "
                           "i.id = ?",
                           &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, item_id);
    int64_t run = 0, unit = 0;
    char kind[32] = "", when[16] = "", sha[65] = "", uname[256] = "";
    int member = 0, done = 0;
    if ((rc = eg_stmt_step(st, err)) == 1) {
        run = eg_stmt_int(st, 0);
        snprintf(kind, sizeof kind, "%s", eg_stmt_text(st, 1, NULL));
        unit = eg_stmt_int(st, 2);
        json_t *team = json_loads(eg_stmt_text(st, 3, NULL), 0, NULL);
        size_t i;
        json_t *m;
        json_array_foreach(team, i, m)
        {
            if (who->user_id && json_integer_value(json_object_get(m, "user_id")) == who->user_id)
                member = 1;
        }
        json_decref(team);
        done = !eg_stmt_is_null(st, 4);
        snprintf(when, sizeof when, "%s", eg_stmt_text(st, 5, NULL));
        snprintf(sha, sizeof sha, "%s", eg_stmt_text(st, 6, NULL));
        snprintf(uname, sizeof uname, "%s", eg_stmt_text(st, 7, NULL));
    }
    eg_stmt_done(st);
    if (rc < 0)
        return rc;
    char d[16];
    today(d);
    /* before the date the item is secret: answer as for an unknown one (except its officers) */
    if (rc == 0 || (!eg__gov_staff(who) && !member) ||
        (strcmp(d, when) < 0 && who->role != EG_ROLE_ADMIN && !member))
        return eg_err_set(err, EG_ENOTFOUND, "not_found", -1, "inspection %lld not found",
                          (long long)item_id);
    if (strcmp(d, when) < 0)
        return eg_err_set(err, EG_EINVAL, "not_yet", -1,
                          "the inspection date %s has not come: record the result from that day",
                          when);
    if (done)
        return eg_err_set(err, EG_ECONFLICT, "recorded", -1,
                          "the result of inspection %lld is already recorded and published",
                          (long long)item_id);
    if (fals && !strcmp(kind, "enterprise"))
        return eg_err_set(err, EG_EINVAL, "falsification", -1,
                          "falsification findings are for testing agencies and stewards; for an "
                          "enterprise open a case");
    if (fals && !eg__gov_staff(who))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "a falsification finding opens a case: an officer of the bureau records "
                          "it");
    int own;
    if ((rc = eg__gov_tx_begin(db, &own, err)) < 0)
        return rc;
    int64_t case_id = 0;
    struct eg_draw_plan *p = NULL;
    if (fals) {
        struct eg_ruleset *rs = NULL;
        rc = eg__gov_ruleset_by_sha(db, sha, &rs, err);
        if (rc >= 0)
            rc = eg_draw_plan_compile(rs, &p, err);
    }
    if (fals && rc >= 0) {
        char ref[64], title[400];
        snprintf(ref, sizeof ref, "draw:%lld/%lld", (long long)run, (long long)item_id);
        snprintf(title, sizeof title, "%s 监测数据弄虚作假（双随机抽查发现）", uname);
        json_t *cin =
            json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "title", title, "unit_id", (json_int_t)unit,
                      "origin", "inspection", "origin_ref", ref, "inspection_ref", ref, "violation",
                      "data_falsification", "violation_date", d);
        json_t *rec = NULL;
        rc = eg_flow_create(db, &eg_case_kind, who, cin, &rec, err);
        json_decref(cin);
        if (rc >= 0)
            case_id = json_integer_value(json_object_get(rec, "id"));
        json_decref(rec);
        /* the credit input: this year's falsification findings of the agency */
        int64_t n = 0;
        char year[8];
        snprintf(year, sizeof year, "%.4s", d);
        if (rc >= 0) {
            int found = 0;
            rc = eg_db_query_int(db,
                                 "SELECT count(*) FROM draw_items i JOIN draw_runs r ON r.id = "
                                 "i.run_id WHERE i.falsification = 1 AND i.unit_id = ?1 AND "
                                 "substr(r.inspect_on, 1, 4) = ?2",
                                 unit, year, &n, &found, err);
        }
        if (rc >= 0) {
            char note[128];
            snprintf(note, sizeof note, "双随机抽查发现监测数据弄虚作假 %s", ref);
            if (rc >= 0)
                rc = eg_credit_input_set(db, who, unit, atoi(d), p->falsification_input,
                                         (double)(n + 1), note, err);
        }
    }
    if (rc >= 0)
        rc = eg_db_prepare(db,
                           "UPDATE draw_items SET outcome = ?, finding = ?, falsification = ?, "
                           "case_id = ?, recorded_by = ?, recorded_at = ?, published_at = ? WHERE "
                           "id = ?",
                           &st, err);
    if (rc >= 0) {
        int64_t now = eg_time_now();
        eg_stmt_bind_text(st, 1, outcome, strlen(outcome));
        eg_stmt_bind_text(st, 2, finding, strlen(finding));
        eg_stmt_bind_int(st, 3, fals);
        if (case_id)
            eg_stmt_bind_int(st, 4, case_id);
        else
            eg_stmt_bind_null(st, 4);
        eg_stmt_bind_text(st, 5, who->username, strlen(who->username));
        eg_stmt_bind_int(st, 6, now);
        eg_stmt_bind_int(st, 7, now);
        eg_stmt_bind_int(st, 8, item_id);
        rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
    }
    if (rc >= 0)
        rc = eg__gov_audit(db, who, "draw_items", item_id, "update", NULL,
                           json_pack("{s:s,s:s,s:b,s:I}", "outcome", outcome, "finding", finding,
                                     "falsification", fals, "case_id", (json_int_t)case_id),
                           err);
    rc = eg__gov_tx_end(db, own, rc, err);
    eg_draw_plan_free(p);
    if (rc < 0)
        return rc;
    if (out)
        *out =
            json_pack("{s:I,s:s,s:s,s:b,s:s}", "id", (json_int_t)item_id, "outcome", outcome,
                      "outcome_zh", outcome_zh(outcome), "falsification", fals, "published", "yes");
    if (out && case_id)
        json_object_set_new(*out, "case_id", json_integer(case_id));
    return 0;
}

int eg_draw_results_published(struct eg_db *db, int64_t unit_id, json_t **rows, struct eg_err *err)
{
    *rows = NULL;
    struct eg_stmt *st;
    int rc = eg_db_prepare(
        db,
        "SELECT i.id, r.id, r.title, r.inspect_on, i.unit_id, u.name, i.object_kind, i.category, "
        "i.outcome, i.finding, i.published_at FROM draw_items i JOIN draw_runs r ON r.id = "
        "i.run_id JOIN units u ON u.id = i.unit_id WHERE i.published_at IS NOT NULL AND (?1 = 0 "
        "OR i.unit_id = ?1) ORDER BY i.published_at DESC, i.id DESC LIMIT 1000",
        &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, unit_id);
    json_t *a = json_array();
    while ((rc = eg_stmt_step(st, err)) == 1) {
        char t[40];
        eg_time_format_beijing(eg_stmt_int(st, 10), t, sizeof t);
        const char *oc = eg_stmt_text(st, 8, NULL);
        json_array_append_new(
            a, json_pack("{s:I,s:I,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "item_id",
                         (json_int_t)eg_stmt_int(st, 0), "run_id", (json_int_t)eg_stmt_int(st, 1),
                         "run", eg_stmt_text(st, 2, NULL), "inspect_on", eg_stmt_text(st, 3, NULL),
                         "unit_id", (json_int_t)eg_stmt_int(st, 4), "unit",
                         eg_stmt_text(st, 5, NULL), "object_kind", eg_stmt_text(st, 6, NULL),
                         "object_zh", eg__draw_object_zh(eg_stmt_text(st, 6, NULL)), "category",
                         eg_stmt_text(st, 7, NULL), "outcome", oc, "outcome_zh", outcome_zh(oc),
                         "finding", eg_stmt_text(st, 9, NULL), "published_at", t));
    }
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *rows = a;
    return 0;
}
