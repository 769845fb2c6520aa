/*
 * credit.c: enterprise environmental credit rating (governance.md §1): schemes compiled from
 * credit_scheme rule sets, the rating of one unit (weighted_sum or min_of_indicators, tiers,
 * one-vote veto), inputs from the platform's records and officers' entries, rating runs with a
 * per-unit explanation, publication by grade, the grade in effect on a date.
 */
#include "govern/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- compiling a scheme ---- */

static int sec_fail(const struct eg_ruleset *rs, const struct eg_rs_section *s, struct eg_err *err,
                    const char *what)
{
    return eg_err_set(err, EG_EINVAL, "bad_ruleset", s->line, "%s:%d: [%s%s%s]: %s", rs->file,
                      s->line, s->type, *s->name ? " " : "", s->name, what);
}

static int intern_input(struct eg_credit_scheme *s, const char *name)
{
    for (int i = 0; i < s->ninputs; i++)
        if (!strcmp(s->inputs[i], name))
            return i;
    s->inputs = eg_realloc(s->inputs, (size_t)(s->ninputs + 1) * sizeof *s->inputs);
    s->inputs[s->ninputs] = name;
    return s->ninputs++;
}

static int input_name_ok(const char *v)
{
    if (!*v)
        return 0;
    for (const char *p = v; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

/* "LO .. HI -> SCORE" */
static int parse_tier(const char *v, struct eg_credit_tier *t)
{
    const char *dots = strstr(v, "..");
    const char *arrow = dots ? strstr(dots + 2, "->") : NULL;
    if (!arrow)
        return -1;
    char a[64], b[64], c[64];
    size_t la = (size_t)(dots - v), lb = (size_t)(arrow - dots - 2), lc = strlen(arrow + 2);
    if (la >= sizeof a || lb >= sizeof b || lc >= sizeof c)
        return -1;
    memcpy(a, v, la);
    a[la] = 0;
    memcpy(b, dots + 2, lb);
    b[lb] = 0;
    memcpy(c, arrow + 2, lc);
    c[lc] = 0;
    char *pa = a, *pb = b, *pc = c;
    char *ends[3];
    char *parts[3] = {pa, pb, pc};
    for (int i = 0; i < 3; i++) {
        while (*parts[i] == ' ')
            parts[i]++;
        ends[i] = parts[i] + strlen(parts[i]);
        while (ends[i] > parts[i] && ends[i][-1] == ' ')
            *--ends[i] = 0;
    }
    if (eg_parse_double(parts[0], strlen(parts[0]), &t->lo) < 0 ||
        eg_parse_double(parts[1], strlen(parts[1]), &t->hi) < 0 ||
        eg_parse_double(parts[2], strlen(parts[2]), &t->score) < 0)
        return -1;
    return t->lo <= t->hi && t->score >= 0 && t->score <= 100 ? 0 : -1;
}

void eg_credit_scheme_free(struct eg_credit_scheme *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nindicators; i++)
        free(s->indicators[i].tiers);
    free(s->indicators);
    free(s->grades);
    free(s->vetoes);
    free(s->inputs);
    eg_ruleset_free(s->rs);
    free(s);
}

int eg_credit_scheme_compile(struct eg_ruleset *rs, struct eg_credit_scheme **out,
                             struct eg_err *err)
{
    *out = NULL;
    struct eg_credit_scheme *s = eg_calloc(1, sizeof *s);
    s->rs = rs;
    s->min_months_general = 3; /* 沪府办规〔2024〕8号: 3 months general, 1 year listed fields */
    s->min_months_listed = 12;
    s->expiry_months = 36; /* NDRC Order 58: longest publication 3 years */
    int rc = 0;
    const char *agg;
    if (strcmp(rs->kind, "credit_scheme")) {
        rc = eg_err_set(err, EG_EINVAL, "bad_ruleset", 1, "%s:1: kind: '%s' is not credit_scheme",
                        rs->file, rs->kind);
        goto fail;
    }
    if ((rc = eg_rs_text(rs, NULL, "aggregation", 1, &agg, err)) < 0)
        goto fail;
    if (!strcmp(agg, "weighted_sum"))
        s->agg = EG_CREDIT_WEIGHTED_SUM;
    else if (!strcmp(agg, "min_of_indicators"))
        s->agg = EG_CREDIT_MIN_OF_INDICATORS;
    else {
        const struct eg_rs_entry *e = NULL;
        for (int i = 0; i < rs->nheader; i++)
            if (!strcmp(rs->header[i].key, "aggregation"))
                e = &rs->header[i];
        rc = eg_rs_fail(rs, e, err, "'%.40s': use weighted_sum or min_of_indicators", agg);
        goto fail;
    }
    for (int i = 0; i < rs->nsections; i++) {
        const struct eg_rs_section *sec = &rs->sections[i];
        if (!strcmp(sec->type, "grade")) {
            struct eg_credit_grade g = {sec->name, NULL, NULL, 0};
            if (!*sec->name) {
                rc = sec_fail(rs, sec, err, "a grade needs a name: [grade green]");
                goto fail;
            }
            if ((rc = eg_rs_text(rs, sec, "label", 1, &g.label, err)) < 0 ||
                (rc = eg_rs_text(rs, sec, "colour", 0, &g.colour, err)) < 0 ||
                (rc = eg_rs_number(rs, sec, "min_score", 1, 0, 100, &g.min_score, err)) < 0)
                goto fail;
            if (s->ngrades && g.min_score >= s->grades[s->ngrades - 1].min_score) {
                rc = eg_rs_fail(rs, eg_rs_find(sec, "min_score"), err,
                                "grades go best first: %g is not below the grade before (%g)",
                                g.min_score, s->grades[s->ngrades - 1].min_score);
                goto fail;
            }
            s->grades = eg_realloc(s->grades, (size_t)(s->ngrades + 1) * sizeof *s->grades);
            s->grades[s->ngrades++] = g;
        } else if (!strcmp(sec->type, "indicator")) {
            struct eg_credit_indicator ind = {sec->name, NULL, NULL, 0, 1, 0, NULL, 0};
            const char *input;
            if (!*sec->name) {
                rc = sec_fail(rs, sec, err, "an indicator needs a name: [indicator exceedance]");
                goto fail;
            }
            if ((rc = eg_rs_text(rs, sec, "label", 1, &ind.label, err)) < 0 ||
                (rc = eg_rs_text(rs, sec, "aspect", 0, &ind.aspect, err)) < 0 ||
                (rc = eg_rs_text(rs, sec, "input", 1, &input, err)) < 0 ||
                (rc = eg_rs_number(rs, sec, "missing", 1, 0, 100, &ind.missing, err)) < 0 ||
                (rc = eg_rs_number(rs, sec, "weight", s->agg == EG_CREDIT_WEIGHTED_SUM, 0, 1000,
                                   &ind.weight, err)) < 0)
                goto fail;
            if (s->agg == EG_CREDIT_WEIGHTED_SUM && !(ind.weight > 0)) {
                rc = eg_rs_fail(rs, eg_rs_find(sec, "weight"), err, "must be above 0");
                goto fail;
            }
            if (!input_name_ok(input)) {
                rc = eg_rs_fail(rs, eg_rs_find(sec, "input"), err,
                                "'%.40s': an input name is lower case letters, digits and '_'",
                                input);
                goto fail;
            }
            for (int j = 0; j < sec->nentries; j++) {
                const struct eg_rs_entry *e = &sec->entries[j];
                if (strcmp(e->key, "tier"))
                    continue;
                struct eg_credit_tier t;
                if (parse_tier(e->value, &t) < 0) {
                    free(ind.tiers);
                    rc = eg_rs_fail(rs, e, err,
                                    "'%.60s' is not 'LO .. HI -> SCORE' (LO <= HI, SCORE 0..100)",
                                    e->value);
                    goto fail;
                }
                ind.tiers = eg_realloc(ind.tiers, (size_t)(ind.ntiers + 1) * sizeof *ind.tiers);
                ind.tiers[ind.ntiers++] = t;
            }
            if (!ind.ntiers) {
                rc = sec_fail(rs, sec, err,
                              "an indicator needs at least one tier = LO .. HI -> "
                              "SCORE");
                goto fail;
            }
            ind.input = intern_input(s, input);
            s->indicators =
                eg_realloc(s->indicators, (size_t)(s->nindicators + 1) * sizeof *s->indicators);
            s->indicators[s->nindicators++] = ind;
        } else if (!strcmp(sec->type, "veto")) {
            struct eg_credit_veto v = {sec->name, NULL, 0};
            const char *input;
            if ((rc = eg_rs_text(rs, sec, "label", 1, &v.label, err)) < 0 ||
                (rc = eg_rs_text(rs, sec, "input", 1, &input, err)) < 0)
                goto fail;
            if (!input_name_ok(input)) {
                rc = eg_rs_fail(rs, eg_rs_find(sec, "input"), err,
                                "'%.40s': an input name is lower case letters, digits and '_'",
                                input);
                goto fail;
            }
            v.input = intern_input(s, input);
            s->vetoes = eg_realloc(s->vetoes, (size_t)(s->nvetoes + 1) * sizeof *s->vetoes);
            s->vetoes[s->nvetoes++] = v;
        } else if (!strcmp(sec->type, "repair")) {
            double g = s->min_months_general, l = s->min_months_listed, x = s->expiry_months;
            if ((rc = eg_rs_number(rs, sec, "min_months_general", 0, 0, 120, &g, err)) < 0 ||
                (rc = eg_rs_number(rs, sec, "min_months_listed", 0, 0, 120, &l, err)) < 0 ||
                (rc = eg_rs_number(rs, sec, "expiry_months", 0, 1, 240, &x, err)) < 0)
                goto fail;
            s->min_months_general = (int)g;
            s->min_months_listed = (int)l;
            s->expiry_months = (int)x;
        } else {
            rc = sec_fail(rs, sec, err,
                          "unknown section type: use grade, indicator, veto or repair");
            goto fail;
        }
    }
    if (s->ngrades < 2) {
        rc = eg_err_set(err, EG_EINVAL, "bad_ruleset", 1,
                        "%s:1: grade: a scheme needs at least "
                        "two [grade …] sections, best first",
                        rs->file);
        goto fail;
    }
    if (s->grades[s->ngrades - 1].min_score != 0) {
        rc = eg_err_set(err, EG_EINVAL, "bad_ruleset", 1,
                        "%s:1: min_score: the last grade (%s) must have min_score = 0 so that "
                        "every score has a grade",
                        rs->file, s->grades[s->ngrades - 1].name);
        goto fail;
    }
    if (!s->nindicators) {
        rc = eg_err_set(err, EG_EINVAL, "bad_ruleset", 1,
                        "%s:1: indicator: a scheme needs at least one [indicator …]", rs->file);
        goto fail;
    }
    *out = s;
    return 0;
fail:
    eg_credit_scheme_free(s);
    return rc;
}

int eg_credit_scheme_for_year(struct eg_db *db, int year, const char *jurisdiction,
                              struct eg_credit_scheme **out, struct eg_err *err)
{
    *out = NULL;
    if (year < 2000 || year > 2100)
        return eg_err_set(err, EG_EINVAL, "year", -1, "year %d: give a year 2000..2100", year);
    char date[16];
    snprintf(date, sizeof date, "%04d-12-31", year);
    struct eg_ruleset *rs;
    int rc = eg_ruleset_in_force(db, "credit_scheme", jurisdiction, date, &rs, err);
    if (rc < 0)
        return rc;
    return eg_credit_scheme_compile(rs, out, err);
}

/* ---- rating ---- */

static int tier_of(const struct eg_credit_indicator *ind, double v)
{
    for (int t = 0; t < ind->ntiers; t++)
        if (ind->tiers[t].lo <= v && v <= ind->tiers[t].hi)
            return t;
    return -2;
}

int eg_credit_rate(const struct eg_credit_scheme *s, const double *inputs, double *score, int *veto,
                   double *ind_score, int *ind_tier)
{
    double sum = 0, wsum = 0, mn = 100;
    for (int i = 0; i < s->nindicators; i++) {
        const struct eg_credit_indicator *ind = &s->indicators[i];
        double v = inputs[ind->input], sc = ind->missing;
        int t = -1;
        if (!isnan(v)) {
            t = tier_of(ind, v);
            if (t >= 0)
                sc = ind->tiers[t].score;
        }
        if (ind_score)
            ind_score[i] = sc;
        if (ind_tier)
            ind_tier[i] = t;
        sum += ind->weight * sc;
        wsum += ind->weight;
        if (sc < mn)
            mn = sc;
    }
    double total = s->agg == EG_CREDIT_WEIGHTED_SUM ? (wsum > 0 ? sum / wsum : 0) : mn;
    /* Rounded to 0.01 so that a boundary (96.0) is not missed by a sum's last bit. */
    total = round(total * 100) / 100;
    *score = total;
    *veto = -1;
    for (int i = 0; i < s->nvetoes; i++) {
        double v = inputs[s->vetoes[i].input];
        if (!isnan(v) && v > 0) {
            *veto = i;
            return s->ngrades - 1;
        }
    }
    for (int g = 0; g < s->ngrades; g++)
        if (total >= s->grades[g].min_score)
            return g;
    return s->ngrades - 1;
}

json_t *eg_credit_explain(const struct eg_credit_scheme *s, const double *inputs,
                          const char *const *sources)
{
    double score;
    int veto;
    double *isc = eg_malloc((size_t)s->nindicators * sizeof *isc);
    int *itier = eg_malloc((size_t)s->nindicators * sizeof *itier);
    int g = eg_credit_rate(s, inputs, &score, &veto, isc, itier);
    json_t *inds = json_array();
    for (int i = 0; i < s->nindicators; i++) {
        const struct eg_credit_indicator *ind = &s->indicators[i];
        double v = inputs[ind->input];
        char why[200];
        if (itier[i] >= 0)
            snprintf(why, sizeof why, "%g 在 %g .. %g 档，得 %g 分", v, ind->tiers[itier[i]].lo,
                     ind->tiers[itier[i]].hi, isc[i]);
        else if (itier[i] == -2)
            snprintf(why, sizeof why, "%g 不在任何一档，按无记录计 %g 分", v, isc[i]);
        else
            snprintf(why, sizeof why, "无记录，按规则计 %g 分", isc[i]);
        json_array_append_new(
            inds,
            json_pack("{s:s,s:s,s:s?,s:f,s:s,s:o,s:s,s:i,s:f,s:s}", "name", ind->name, "label_zh",
                      ind->label, "aspect", ind->aspect, "weight", ind->weight, "input",
                      s->inputs[ind->input], "value", isnan(v) ? json_null() : json_real(v),
                      "source", sources && sources[ind->input] ? sources[ind->input] : "none",
                      "tier", itier[i] >= 0 ? itier[i] + 1 : 0, "score", isc[i], "why", why));
    }
    const struct eg_credit_grade *gr = &s->grades[g];
    json_t *o = json_pack("{s:f,s:s,s:s,s:s?,s:s,s:o}", "score", score, "grade", gr->name,
                          "grade_zh", gr->label, "colour", gr->colour, "aggregation",
                          s->agg == EG_CREDIT_WEIGHTED_SUM ? "weighted_sum" : "min_of_indicators",
                          "indicators", inds);
    if (veto >= 0)
        json_object_set_new(o, "vetoed_by",
                            json_pack("{s:s,s:s,s:s}", "name", s->vetoes[veto].name, "label_zh",
                                      s->vetoes[veto].label, "input",
                                      s->inputs[s->vetoes[veto].input]));
    free(isc);
    free(itier);
    return o;
}

/* ---- inputs ---- */

#define MAX_PROVIDERS 32
static struct {
    const char *input;
    eg_credit_input_fn fn;
} providers[MAX_PROVIDERS];
static int nproviders;

int eg_credit_input_register(const char *input, eg_credit_input_fn fn)
{
    for (int i = 0; i < nproviders; i++)
        if (!strcmp(providers[i].input, input)) {
            providers[i].fn = fn;
            return 0;
        }
    if (nproviders == MAX_PROVIDERS)
        return EG_ENOMEM;
    providers[nproviders].input = input;
    providers[nproviders].fn = fn;
    nproviders++;
    return 0;
}

static void year_range(int year, int64_t *from, int64_t *to)
{
    struct eg_civil a = {year, 1, 1, 0, 0, 0, 0}, b = {year + 1, 1, 1, 0, 0, 0, 0};
    *from = eg_time_from_beijing(&a);
    *to = eg_time_from_beijing(&b);
}

/* Built-in providers over the task loop's records, counted by the tasks module. */
struct put_args {
    eg_credit_put_fn put;
    void *ctx;
};

static int put_count(void *arg, int64_t unit_id, int64_t count)
{
    struct put_args *a = arg;
    a->put(a->ctx, unit_id, (double)count);
    return 0;
}

static int tasks_provider(struct eg_db *db, int year, const char *input, eg_credit_put_fn put,
                          void *ctx, struct eg_err *err)
{
    enum eg_tasks_count what = !strcmp(input, "tasks_enforcement") ? EG_TASKS_ENFORCEMENT
                               : !strcmp(input, "tasks_overdue")   ? EG_TASKS_OVERDUE
                                                                   : EG_TASKS_FROM_COMPLAINT;
    int64_t from, to;
    year_range(year, &from, &to);
    struct put_args a = {put, ctx};
    return eg_tasks_count_by_unit(db, what, from, to, put_count, &a, err);
}

/* Built-in: penalties, incidents and serious violations recorded through eg_poslist_on_penalty
   (by "cases" when a penalty is decided, or by an officer), counted per unit in the year. */
static int events_provider(struct eg_db *db, int year, const char *input, eg_credit_put_fn put,
                           void *ctx, struct eg_err *err)
{
    const char *kind = !strcmp(input, "penalties")   ? "penalty"
                       : !strcmp(input, "incidents") ? "incident"
                                                     : "serious_violation";
    char from[16], to[16];
    snprintf(from, sizeof from, "%04d-01-01", year);
    snprintf(to, sizeof to, "%04d-12-31", year);
    struct eg_stmt *st;
    int rc = eg_db_prepare(db,
                           "SELECT unit_id, count(*) FROM govern_poslist_events WHERE kind = ? "
                           "AND on_date >= ? AND on_date <= ? GROUP BY unit_id",
                           &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(st, 1, kind, strlen(kind));
    eg_stmt_bind_text(st, 2, from, 10);
    eg_stmt_bind_text(st, 3, to, 10);
    while ((rc = eg_stmt_step(st, err)) == 1)
        put(ctx, eg_stmt_int(st, 0), (double)eg_stmt_int(st, 1));
    eg_stmt_done(st);
    return rc < 0 ? rc : 0;
}

static eg_credit_input_fn provider_of(const char *input)
{
    for (int i = 0; i < nproviders; i++)
        if (!strcmp(providers[i].input, input))
            return providers[i].fn;
    if (!strcmp(input, "tasks_enforcement") || !strcmp(input, "tasks_overdue") ||
        !strcmp(input, "complaints"))
        return tasks_provider;
    if (!strcmp(input, "penalties") || !strcmp(input, "incidents") ||
        !strcmp(input, "serious_violations"))
        return events_provider;
    if (!strcmp(input, "exceedance_rate") || !strcmp(input, "compliance_rate"))
        return eg__gov_exceedance_provider;
    return NULL;
}

int eg_credit_input_set(struct eg_db *db, const struct eg_principal *who, int64_t unit_id, int year,
                        const char *input, double value, const char *note, struct eg_err *err)
{
    if (!eg__gov_staff(who))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau enters credit inputs: ask an officer of the bureau");
    if (year < 2000 || year > 2100)
        return eg_err_set(err, EG_EINVAL, "year", -1, "year %d: give a year 2000..2100", year);
    if (!input || !input_name_ok(input) || strlen(input) > 64)
        return eg_err_set(err, EG_EINVAL, "input", -1,
                          "input '%.40s': lower case letters, digits and '_', as the scheme's "
                          "[indicator] and [veto] sections name it",
                          input ? input : "");
    if (!isfinite(value))
        return eg_err_set(err, EG_EINVAL, "value", -1, "value: give a finite number");
    int own;
    int rc = eg__gov_tx_begin(db, &own, err);
    if (rc < 0)
        return rc;
    struct eg_stmt *st;
    rc = eg_db_prepare(db,
                       "INSERT INTO govern_credit_inputs (unit_id, year, input, value, note, "
                       "entered_by, entered_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (unit_id, "
                       "year, input) DO UPDATE SET value = excluded.value, note = excluded.note, "
                       "entered_by = excluded.entered_by, entered_at = excluded.entered_at",
                       &st, err);
    if (rc == 0) {
        eg_stmt_bind_int(st, 1, unit_id);
        eg_stmt_bind_int(st, 2, year);
        eg_stmt_bind_text(st, 3, input, strlen(input));
        eg_stmt_bind_double(st, 4, value);
        if (note)
            eg_stmt_bind_text(st, 5, note, strlen(note));
        else
            eg_stmt_bind_null(st, 5);
        eg_stmt_bind_text(st, 6, who->username, strlen(who->username));
        eg_stmt_bind_int(st, 7, eg_time_now());
        rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
        if (rc == EG_ECONFLICT)
            rc = eg_err_set(err, EG_ENOTFOUND, "unit_id", -1,
                            "unit %lld does not exist: see envgov units list", (long long)unit_id);
    }
    if (rc >= 0) {
        int64_t row = 0;
        rc = eg_db_prepare(db,
                           "SELECT id FROM govern_credit_inputs WHERE unit_id = ? AND year = ? "
                           "AND input = ?",
                           &st, err);
        if (rc == 0) {
            eg_stmt_bind_int(st, 1, unit_id);
            eg_stmt_bind_int(st, 2, year);
            eg_stmt_bind_text(st, 3, input, strlen(input));
            rc = eg_stmt_step(st, err);
            if (rc == 1)
                row = eg_stmt_int(st, 0);
            eg_stmt_done(st);
        }
        if (rc >= 0)
            rc =
                eg__gov_audit(db, who, "govern_credit_inputs", row, "update", NULL,
                              json_pack("{s:I,s:i,s:s,s:f,s:s?}", "unit_id", (json_int_t)unit_id,
                                        "year", year, "input", input, "value", value, "note", note),
                              err);
    }
    return eg__gov_tx_end(db, own, rc < 0 ? rc : 0, err);
}

/* ---- runs ---- */

struct run_ctx {
    const int64_t *ids;
    int n;
    double *vals; /* n × ninputs */
    const char **src;
    int ninputs, input;
    const char *source;
    char **note; /* n × ninputs: how the platform derived the value, or NULL */
};

static int unit_index(const struct run_ctx *c, int64_t id)
{
    int lo = 0, hi = c->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c->ids[mid] == id)
            return mid;
        if (c->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static void run_put(void *ctx, int64_t unit_id, double value)
{
    struct run_ctx *c = ctx;
    int i = unit_index(c, unit_id);
    if (i < 0 || !isfinite(value))
        return;
    size_t cell = (size_t)i * (size_t)c->ninputs + (size_t)c->input;
    c->vals[cell] = value;
    c->src[cell] = c->source;
    free(c->note[cell]); /* an officer's entry replaces the platform's working too */
    c->note[cell] = NULL;
}

void eg__gov_credit_put_note(void *ctx, int64_t unit_id, double value, const char *note_zh)
{
    struct run_ctx *c = ctx;
    run_put(ctx, unit_id, value);
    int i = unit_index(c, unit_id);
    if (i >= 0 && isfinite(value) && note_zh)
        c->note[(size_t)i * (size_t)c->ninputs + (size_t)c->input] = eg_strdup(note_zh);
}

int eg_credit_run(struct eg_db *db, const struct eg_principal *who, int year,
                  const char *jurisdiction, int64_t *run_id, json_t **summary, struct eg_err *err)
{
    if (summary)
        *summary = NULL;
    if (!eg__gov_staff(who))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau runs a credit rating: ask an officer of the bureau");
    struct eg_credit_scheme *s;
    int rc = eg_credit_scheme_for_year(db, year, jurisdiction, &s, err);
    if (rc < 0)
        return rc;
    int64_t *ids = NULL;
    int n = 0;
    struct eg_stmt *st;
    rc = eg_registry_unit_ids(db, "enterprise", &ids, &n, err);
    if (rc < 0) {
        eg_credit_scheme_free(s);
        return rc;
    }
    size_t cells = (size_t)n * (size_t)s->ninputs;
    struct run_ctx c = {ids,
                        n,
                        eg_malloc(cells * sizeof(double) + 1),
                        eg_calloc(cells + 1, sizeof(char *)),
                        s->ninputs,
                        0,
                        NULL,
                        eg_calloc(cells + 1, sizeof(char *))};
    for (size_t i = 0; i < cells; i++)
        c.vals[i] = NAN;
    for (int k = 0; rc >= 0 && k < s->ninputs; k++) {
        eg_credit_input_fn fn = provider_of(s->inputs[k]);
        if (!fn)
            continue;
        c.input = k;
        c.source = "platform";
        rc = fn(db, year, s->inputs[k], run_put, &c, err);
    }
    if (rc >= 0) { /* officers' entries override what the platform derived */
        rc = eg_db_prepare(db,
                           "SELECT unit_id, input, value FROM govern_credit_inputs WHERE "
                           "year = ?",
                           &st, err);
        if (rc == 0) {
            eg_stmt_bind_int(st, 1, year);
            while ((rc = eg_stmt_step(st, err)) == 1) {
                const char *in = eg_stmt_text(st, 1, NULL);
                for (int k = 0; k < s->ninputs; k++)
                    if (!strcmp(s->inputs[k], in)) {
                        c.input = k;
                        c.source = "officer";
                        run_put(&c, eg_stmt_int(st, 0), eg_stmt_double(st, 2));
                    }
            }
            eg_stmt_done(st);
        }
    }
    int own = 0, began = 0;
    int *by_grade = eg_calloc((size_t)s->ngrades, sizeof *by_grade);
    int64_t run = 0;
    if (rc >= 0) {
        rc = eg__gov_tx_begin(db, &own, err);
        began = rc >= 0;
    }
    if (rc >= 0)
        rc = eg_db_prepare(db,
                           "INSERT INTO govern_credit_runs (year, jurisdiction, ruleset_id, "
                           "ruleset_version, ruleset_sha256, run_at, run_by, units, "
                           "min_months_general, min_months_listed, expiry_months) VALUES "
                           "(?,?,?,?,?,?,?,?,?,?,?)",
                           &st, err);
    if (rc >= 0) {
        eg_stmt_bind_int(st, 1, year);
        eg_stmt_bind_text(st, 2, s->rs->jurisdiction, strlen(s->rs->jurisdiction));
        eg_stmt_bind_text(st, 3, s->rs->id, strlen(s->rs->id));
        eg_stmt_bind_int(st, 4, s->rs->version);
        eg_stmt_bind_text(st, 5, s->rs->sha256, 64);
        eg_stmt_bind_int(st, 6, eg_time_now());
        eg_stmt_bind_text(st, 7, who->username, strlen(who->username));
        eg_stmt_bind_int(st, 8, n);
        eg_stmt_bind_int(st, 9, s->min_months_general);
        eg_stmt_bind_int(st, 10, s->min_months_listed);
        eg_stmt_bind_int(st, 11, s->expiry_months);
        rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
        run = eg_db_last_id(db);
    }
    struct eg_buf ib = {0};
    char *srcs = eg_malloc((size_t)s->ninputs + 1);
    for (int i = 0; rc >= 0 && i < n; i++) {
        const double *in = c.vals + (size_t)i * (size_t)s->ninputs;
        const char *const *src = c.src + (size_t)i * (size_t)s->ninputs;
        double score;
        int veto;
        int g = eg_credit_rate(s, in, &score, &veto, NULL, NULL);
        by_grade[g]++;
        ib.len = 0;
        eg_buf_puts(&ib, "[");
        for (int k = 0; k < s->ninputs; k++) {
            if (k)
                eg_buf_puts(&ib, ",");
            if (isnan(in[k]))
                eg_buf_puts(&ib, "null");
            else
                eg_buf_printf(&ib, "%.17g", in[k]);
            srcs[k] = !src[k] ? '-' : src[k][0];
        }
        eg_buf_puts(&ib, "]");
        srcs[s->ninputs] = 0;
        rc = eg_db_prepare(db,
                           "INSERT INTO govern_credit_ratings (run_id, unit_id, score, grade, "
                           "grade_zh, colour, vetoed_by, inputs, sources, notes) VALUES "
                           "(?,?,?,?,?,?,?,?,?,?)",
                           &st, err);
        if (rc == 0) {
            const struct eg_credit_grade *gr = &s->grades[g];
            eg_stmt_bind_int(st, 1, run);
            eg_stmt_bind_int(st, 2, ids[i]);
            eg_stmt_bind_double(st, 3, score);
            eg_stmt_bind_text(st, 4, gr->name, strlen(gr->name));
            eg_stmt_bind_text(st, 5, gr->label, strlen(gr->label));
            if (gr->colour)
                eg_stmt_bind_text(st, 6, gr->colour, strlen(gr->colour));
            else
                eg_stmt_bind_null(st, 6);
            if (veto >= 0)
                eg_stmt_bind_text(st, 7, s->vetoes[veto].name, strlen(s->vetoes[veto].name));
            else
                eg_stmt_bind_null(st, 7);
            eg_stmt_bind_text(st, 8, ib.data, ib.len);
            eg_stmt_bind_text(st, 9, srcs, (size_t)s->ninputs);
            json_t *notes = NULL;
            for (int k = 0; k < s->ninputs; k++) {
                const char *nt = c.note[(size_t)i * (size_t)s->ninputs + (size_t)k];
                if (!nt)
                    continue;
                if (!notes)
                    notes = json_object();
                json_object_set_new(notes, s->inputs[k], json_string(nt));
            }
            char *nj = notes ? json_dumps(notes, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
            json_decref(notes);
            if (nj)
                eg_stmt_bind_text(st, 10, nj, strlen(nj));
            else
                eg_stmt_bind_null(st, 10);
            rc = eg_stmt_step(st, err);
            free(nj);
            eg_stmt_done(st);
        }
    }
    eg_buf_free(&ib);
    free(srcs);
    json_t *sum = NULL;
    if (rc >= 0) {
        json_t *bg = json_object();
        for (int g = 0; g < s->ngrades; g++)
            json_object_set_new(bg, s->grades[g].name, json_integer(by_grade[g]));
        sum = json_pack("{s:I,s:i,s:s,s:{s:s,s:I,s:s,s:s},s:i,s:o}", "run_id", (json_int_t)run,
                        "year", year, "jurisdiction", s->rs->jurisdiction, "ruleset", "id",
                        s->rs->id, "version", (json_int_t)s->rs->version, "sha256", s->rs->sha256,
                        "file", s->rs->file, "units", n, "by_grade", bg);
        rc = eg__gov_audit(db, who, "govern_credit_runs", run, "create", NULL, json_incref(sum),
                           err);
    }
    if (began)
        rc = eg__gov_tx_end(db, own, rc < 0 ? rc : 0, err);
    free(by_grade);
    free(c.vals);
    free(c.src);
    for (size_t i = 0; i < cells; i++)
        free(c.note[i]);
    free(c.note);
    free(ids);
    eg_credit_scheme_free(s);
    if (rc < 0) {
        json_decref(sum);
        return rc;
    }
    if (run_id)
        *run_id = run;
    if (summary)
        *summary = sum;
    else
        json_decref(sum);
    return 0;
}

int eg_credit_publish(struct eg_db *db, const struct eg_principal *who, int64_t run_id,
                      const char *grade, int *count, struct eg_err *err)
{
    if (count)
        *count = 0;
    if (!eg__gov_staff(who))
        return eg_err_set(err, EG_EPERM, "forbidden", -1,
                          "only the bureau publishes credit grades: ask an officer of the bureau");
    if (!grade || !*grade)
        return eg_err_set(err, EG_EINVAL, "grade", -1, "grade: name the grade to publish");
    int own;
    int rc = eg__gov_tx_begin(db, &own, err);
    if (rc < 0)
        return rc;
    int64_t have = 0;
    int found = 0;
    rc = eg_db_query_int(db,
                         "SELECT count(*) FROM govern_credit_ratings WHERE run_id = ? AND "
                         "grade = ?",
                         run_id, grade, &have, &found, err);
    if (rc >= 0 && !have)
        rc = eg_err_set(err, EG_ENOTFOUND, "grade", -1,
                        "run %lld has no rating of grade '%.32s': see envgov credit show",
                        (long long)run_id, grade);
    struct eg_stmt *st;
    int changed = 0;
    if (rc >= 0)
        rc = eg_db_prepare(db,
                           "UPDATE govern_credit_ratings SET published_at = ? WHERE run_id = ? "
                           "AND grade = ? AND published_at IS NULL",
                           &st, err);
    if (rc >= 0) {
        eg_stmt_bind_int(st, 1, eg_time_now());
        eg_stmt_bind_int(st, 2, run_id);
        eg_stmt_bind_text(st, 3, grade, strlen(grade));
        rc = eg_stmt_step(st, err);
        eg_stmt_done(st);
        changed = eg_db_changes(db);
    }
    if (rc >= 0)
        rc = eg__gov_audit(db, who, "govern_credit_runs", run_id, "update", NULL,
                           json_pack("{s:s,s:s,s:i}", "published_grade", grade, "action", "publish",
                                     "ratings", changed),
                           err);
    rc = eg__gov_tx_end(db, own, rc < 0 ? rc : 0, err);
    if (rc >= 0 && count)
        *count = changed;
    return rc < 0 ? rc : 0;
}

static int unit_region(struct eg_db *db, int64_t unit_id, int64_t *region, struct eg_err *err)
{
    int found = 0;
    int rc = eg_registry_unit_region(db, unit_id, region, &found, err);
    if (rc < 0)
        return rc;
    return found ? 0 : eg_err_set(err, EG_ENOTFOUND, "unit_id", -1, "no such unit");
}

/* The explanation of a stored rating: its inputs under the rule set that produced it. */
static int explain_stored(struct eg_db *db, const char *sha, json_t *inputs, const char *srcs,
                          json_t *notes, json_t **out, struct eg_err *err)
{
    struct eg_ruleset *rs;
    struct eg_credit_scheme *s;
    int rc = eg__gov_ruleset_by_sha(db, sha, &rs, err);
    if (rc < 0 || (rc = eg_credit_scheme_compile(rs, &s, err)) < 0)
        return rc;
    double *in = eg_malloc((size_t)s->ninputs * sizeof *in + 1);
    const char **src = eg_calloc((size_t)s->ninputs + 1, sizeof *src);
    size_t ns = strlen(srcs);
    for (int k = 0; k < s->ninputs; k++) {
        json_t *v = json_array_get(inputs, (size_t)k);
        in[k] = json_is_number(v) ? json_number_value(v) : NAN;
        char c = (size_t)k < ns ? srcs[k] : '-';
        src[k] = c == 'o' ? "officer" : c == 'p' ? "platform" : "none";
    }
    json_t *ex = eg_credit_explain(s, in, src);
    /* how the platform derived an input (the exceedance rate's hours per outlet) */
    size_t i;
    json_t *ind;
    json_array_foreach(json_object_get(ex, "indicators"), i, ind)
    {
        json_t *nt = json_object_get(notes, json_string_value(json_object_get(ind, "input")));
        if (json_is_string(nt) &&
            !strcmp(json_string_value(json_object_get(ind, "source")), "platform"))
            json_object_set(ind, "detail_zh", nt);
    }
    json_object_set_new(ex, "ruleset",
                        json_pack("{s:s,s:I,s:s}", "id", s->rs->id, "version",
                                  (json_int_t)s->rs->version, "sha256", s->rs->sha256));
    free(in);
    free(src);
    eg_credit_scheme_free(s);
    *out = ex;
    return 0;
}

int eg_credit_rating_get(struct eg_db *db, const struct eg_principal *who, int64_t unit_id,
                         int year, json_t **out, struct eg_err *err)
{
    *out = NULL;
    int anon = !who || who->role == EG_ROLE_ANON;
    if (!anon && !eg__gov_staff(who)) {
        int64_t region = 0;
        int rc = unit_region(db, unit_id, &region, err);
        if (rc < 0 ||
            eg_flow_in_scope(db, &eg_credit_repair_kind, who, unit_id, region, 0, 0, err) < 0)
            return eg_err_set(err, EG_ENOTFOUND, "not_found", -1,
                              "no credit rating of unit %lld for %d that you may see",
                              (long long)unit_id, year);
    }
    struct eg_stmt *st;
    int rc = eg_db_prepare(
        db,
        "SELECT r.id, r.score, r.grade, r.grade_zh, r.colour, r.vetoed_by, r.inputs, "
        "r.published_at, r.repaired_grade, r.repaired_at, u.name, run.id, r.sources, "
        "run.ruleset_sha256, r.notes FROM "
        "govern_credit_ratings r JOIN govern_credit_runs run ON run.id = r.run_id JOIN units u "
        "ON u.id = r.unit_id WHERE r.unit_id = ? AND run.year = ? ORDER BY run.id DESC LIMIT 1",
        &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, unit_id);
    eg_stmt_bind_int(st, 2, year);
    rc = eg_stmt_step(st, err);
    if (rc == 1 && (!anon || !eg_stmt_is_null(st, 7))) {
        char when[32] = "";
        if (!eg_stmt_is_null(st, 7))
            eg_time_format_beijing(eg_stmt_int(st, 7), when, sizeof when);
        json_t *o = json_pack("{s:I,s:I,s:s,s:i,s:s,s:s,s:s?,s:s?,s:s?}", "rating_id",
                              (json_int_t)eg_stmt_int(st, 0), "unit_id", (json_int_t)unit_id,
                              "unit", eg_stmt_text(st, 10, NULL), "year", year, "grade",
                              eg_stmt_text(st, 2, NULL), "grade_zh", eg_stmt_text(st, 3, NULL),
                              "colour", eg_stmt_text(st, 4, NULL), "published_at",
                              *when ? when : NULL, "repaired_grade", eg_stmt_text(st, 8, NULL));
        if (!anon) {
            json_object_set_new(o, "run_id", json_integer(eg_stmt_int(st, 11)));
            json_object_set_new(o, "score", json_real(eg_stmt_double(st, 1)));
            size_t l;
            const char *t = eg_stmt_text(st, 6, &l);
            json_t *inputs = json_loadb(t, l, 0, NULL);
            char *srcs = eg_strdup(eg_stmt_text(st, 12, NULL));
            char sha[65];
            snprintf(sha, sizeof sha, "%s", eg_stmt_text(st, 13, NULL));
            const char *nt = eg_stmt_text(st, 14, &l);
            json_t *notes = nt ? json_loadb(nt, l, 0, NULL) : NULL;
            eg_stmt_done(st);
            st = NULL;
            json_t *ex = NULL;
            rc = explain_stored(db, sha, inputs, srcs, notes, &ex, err);
            json_decref(notes);
            json_decref(inputs);
            free(srcs);
            if (rc < 0) {
                json_decref(o);
                return rc;
            }
            json_object_set_new(o, "explanation", ex);
        }
        *out = o;
        rc = 0;
    } else if (rc >= 0)
        rc = eg_err_set(err, EG_ENOTFOUND, "not_found", -1,
                        "no credit rating of unit %lld for %d%s", (long long)unit_id, year,
                        anon ? " has been published" : ": run one with envgov credit run");
    if (st)
        eg_stmt_done(st);
    return rc;
}

int eg_credit_published(struct eg_db *db, int year, const char *grade, json_t **rows,
                        struct eg_err *err)
{
    *rows = NULL;
    struct eg_stmt *st;
    int rc = eg_db_prepare(
        db,
        "SELECT r.unit_id, u.name, r.grade, r.grade_zh, r.colour, r.published_at, "
        "r.repaired_grade FROM govern_credit_ratings r JOIN govern_credit_runs run ON run.id = "
        "r.run_id JOIN units u ON u.id = r.unit_id WHERE run.year = ? AND r.published_at IS NOT "
        "NULL AND (? IS NULL OR r.grade = ?) AND run.id = (SELECT max(r2.run_id) FROM "
        "govern_credit_ratings r2 JOIN govern_credit_runs run2 ON run2.id = r2.run_id WHERE "
        "r2.unit_id = r.unit_id AND run2.year = run.year AND r2.published_at IS NOT NULL) ORDER "
        "BY r.grade, u.name LIMIT 10000",
        &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, year);
    if (grade) {
        eg_stmt_bind_text(st, 2, grade, strlen(grade));
        eg_stmt_bind_text(st, 3, grade, strlen(grade));
    } else {
        eg_stmt_bind_null(st, 2);
        eg_stmt_bind_null(st, 3);
    }
    json_t *a = json_array();
    while ((rc = eg_stmt_step(st, err)) == 1) {
        char when[32];
        eg_time_format_beijing(eg_stmt_int(st, 5), when, sizeof when);
        json_array_append_new(
            a,
            json_pack("{s:I,s:s,s:s,s:s,s:s?,s:s,s:s?}", "unit_id", (json_int_t)eg_stmt_int(st, 0),
                      "unit", eg_stmt_text(st, 1, NULL), "grade", eg_stmt_text(st, 2, NULL),
                      "grade_zh", eg_stmt_text(st, 3, NULL), "colour", eg_stmt_text(st, 4, NULL),
                      "published_at", when, "repaired_grade", eg_stmt_text(st, 6, NULL)));
    }
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(a);
        return rc;
    }
    *rows = a;
    return 0;
}

int64_t eg__gov_add_months(int64_t t, int months)
{
    struct eg_civil c;
    eg_time_to_beijing(t, &c);
    int m = c.month - 1 + months;
    c.year += m / 12;
    c.month = m % 12 + 1;
    int dim = eg_days_in_month(c.year, c.month);
    if (c.day > dim)
        c.day = dim;
    return eg_time_from_beijing(&c);
}

int eg_credit_grade_of(struct eg_db *db, int64_t unit_id, const char *date, char grade[32],
                       struct eg_err *err)
{
    grade[0] = 0;
    if (!eg__gov_date_ok(date))
        return eg_err_set(err, EG_EINVAL, "date", -1, "'%.40s': give the date as YYYY-MM-DD",
                          date ? date : "");
    struct eg_civil c = {atoi(date), atoi(date + 5), atoi(date + 8), 23, 59, 59, 0};
    int64_t end = eg_time_from_beijing(&c);
    struct eg_stmt *st;
    int rc = eg_db_prepare(db,
                           "SELECT r.grade, r.published_at, r.repaired_grade, r.repaired_at, "
                           "run.expiry_months FROM govern_credit_ratings r JOIN "
                           "govern_credit_runs run ON run.id = r.run_id WHERE r.unit_id = ? AND "
                           "r.published_at IS NOT NULL AND r.published_at <= ? ORDER BY "
                           "r.published_at DESC, r.id DESC LIMIT 1",
                           &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, unit_id);
    eg_stmt_bind_int(st, 2, end);
    rc = eg_stmt_step(st, err);
    if (rc == 1) {
        int64_t pub = eg_stmt_int(st, 1);
        if (eg__gov_add_months(pub, (int)eg_stmt_int(st, 4)) <= end)
            rc = 0; /* expired: the longest publication period has passed */
        else {
            const char *g = eg_stmt_text(st, 0, NULL);
            if (!eg_stmt_is_null(st, 2) && eg_stmt_int(st, 3) <= end)
                g = eg_stmt_text(st, 2, NULL);
            snprintf(grade, 32, "%s", g);
        }
    }
    eg_stmt_done(st);
    if (rc < 0)
        return rc;
    if (!grade[0])
        return eg_err_set(err, EG_ENOTFOUND, "unrated", -1,
                          "unit %lld has no published credit grade in effect on %s",
                          (long long)unit_id, date);
    return 0;
}

int eg__gov_credit_grades_on(struct eg_db *db, const char *date, struct eg__credit_grade **out,
                             int *n, struct eg_err *err)
{
    *out = NULL;
    *n = 0;
    if (!eg__gov_date_ok(date))
        return eg_err_set(err, EG_EINVAL, "date", -1, "'%.40s': give the date as YYYY-MM-DD",
                          date ? date : "");
    struct eg_civil c = {atoi(date), atoi(date + 5), atoi(date + 8), 23, 59, 59, 0};
    int64_t end = eg_time_from_beijing(&c);
    struct eg_stmt *st;
    /* per unit, its first row is the one eg_credit_grade_of's LIMIT 1 takes */
    int rc = eg_db_prepare(db,
                           "SELECT r.unit_id, r.grade, r.published_at, r.repaired_grade, "
                           "r.repaired_at, run.expiry_months FROM govern_credit_ratings r JOIN "
                           "govern_credit_runs run ON run.id = r.run_id WHERE r.published_at IS "
                           "NOT NULL AND r.published_at <= ? ORDER BY r.unit_id, "
                           "r.published_at DESC, r.id DESC",
                           &st, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(st, 1, end);
    int cap = 0, have = 0;
    int64_t last = 0;
    while ((rc = eg_stmt_step(st, err)) == 1) {
        int64_t unit = eg_stmt_int(st, 0);
        if (have && unit == last)
            continue;
        have = 1;
        last = unit;
        if (eg__gov_add_months(eg_stmt_int(st, 2), (int)eg_stmt_int(st, 5)) <= end)
            continue; /* expired: the longest publication period has passed */
        const char *g = eg_stmt_text(st, 1, NULL);
        if (!eg_stmt_is_null(st, 3) && eg_stmt_int(st, 4) <= end)
            g = eg_stmt_text(st, 3, NULL);
        if (!g || !g[0])
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            *out = eg_realloc(*out, sizeof **out * (size_t)cap);
        }
        (*out)[*n].unit_id = unit;
        snprintf((*out)[*n].grade, sizeof(*out)[*n].grade, "%s", g);
        (*n)++;
    }
    eg_stmt_done(st);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    return 0;
}
