/*
 * discretion.c: administrative-penalty discretion (行政处罚裁量, governance.md §5; govern.h
 * "cases, penalty discretion, permits"): discretion rule sets compiled (violation types with
 * legal basis, statutory range and factor tables; circumstances), the weight-accumulation and
 * range models, aggravating and mitigating circumstances, the daily continuous penalty — each
 * computation recorded step by step so that a decision can be explained. Pure: no database.
 */
#include "govern/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sec_fail(const struct eg_ruleset *rs, const struct eg_rs_section *s, struct eg_err *err,
                    const char *what)
{
    return eg_err_set(err, EG_EINVAL, "bad_ruleset", s->line, "%s:%d: [%s%s%s]: %s", rs->file,
                      s->line, s->type, *s->name ? " " : "", s->name, what);
}

static int name_ok(const char *s)
{
    if (!*s || strlen(s) > 40)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

void eg_discretion_free(struct eg_discretion *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->nfactors; i++) {
        for (int j = 0; j < d->factors[i].noptions; j++) {
            free((char *)d->factors[i].options[j].name);
            free((char *)d->factors[i].options[j].label);
        }
        free(d->factors[i].options);
    }
    free(d->factors);
    for (int i = 0; i < d->nviolations; i++)
        free(d->violations[i].factors);
    free(d->violations);
    free(d->circs);
    eg_ruleset_free(d->rs);
    free(d);
}

static int find_factor(const struct eg_discretion *d, const char *name, size_t len)
{
    for (int i = 0; i < d->nfactors; i++)
        if (strlen(d->factors[i].name) == len && !memcmp(d->factors[i].name, name, len))
            return i;
    return -1;
}

/* "NAME WEIGHT LABEL" */
static int parse_option(const char *v, struct eg_disc_option *o)
{
    const char *sp = strchr(v, ' ');
    if (!sp)
        return -1;
    char name[48];
    size_t n = (size_t)(sp - v);
    if (n >= sizeof name)
        return -1;
    memcpy(name, v, n);
    name[n] = 0;
    if (!name_ok(name))
        return -1;
    while (*sp == ' ')
        sp++;
    char *end;
    double w = strtod(sp, &end);
    if (end == sp || !(w >= 0 && w <= 1) || (*end && *end != ' '))
        return -1;
    while (*end == ' ')
        end++;
    if (!*end)
        return -1;
    o->name = eg_strdup(name);
    o->label = eg_strdup(end);
    o->weight = w;
    return 0;
}

static int compile_factor(struct eg_discretion *d, const struct eg_rs_section *sec,
                          struct eg_err *err)
{
    const struct eg_ruleset *rs = d->rs;
    struct eg_disc_factor f = {sec->name, NULL, NULL, 0};
    int rc;
    if (!name_ok(sec->name))
        return sec_fail(rs, sec, err, "a factor needs a name of a-z, 0-9, '_': [factor impact]");
    if (find_factor(d, sec->name, strlen(sec->name)) >= 0)
        return sec_fail(rs, sec, err, "this factor is defined twice");
    if ((rc = eg_rs_text(rs, sec, "label", 1, &f.label, err)) < 0)
        return rc;
    d->factors = eg_realloc(d->factors, (size_t)(d->nfactors + 1) * sizeof *d->factors);
    d->factors[d->nfactors++] = f;
    struct eg_disc_factor *fp = &d->factors[d->nfactors - 1];
    for (int j = 0; j < sec->nentries; j++) {
        const struct eg_rs_entry *e = &sec->entries[j];
        if (strcmp(e->key, "option"))
            continue;
        struct eg_disc_option o;
        if (parse_option(e->value, &o) < 0)
            return eg_rs_fail(rs, e, err,
                              "'%.60s' is not 'NAME WEIGHT LABEL' (name a-z 0-9 _, weight 0..1)",
                              e->value);
        for (int k = 0; k < fp->noptions; k++)
            if (!strcmp(fp->options[k].name, o.name)) {
                free((char *)o.name);
                free((char *)o.label);
                return eg_rs_fail(rs, e, err, "option '%s' is given twice", fp->options[k].name);
            }
        fp->options = eg_realloc(fp->options, (size_t)(fp->noptions + 1) * sizeof *fp->options);
        fp->options[fp->noptions++] = o;
    }
    if (!fp->noptions)
        return sec_fail(rs, sec, err, "a factor needs at least one option = NAME WEIGHT LABEL");
    return 0;
}

static int compile_violation(struct eg_discretion *d, const struct eg_rs_section *sec,
                             struct eg_err *err)
{
    const struct eg_ruleset *rs = d->rs;
    struct eg_disc_violation v = {sec->name, NULL, NULL, EG_DISC_WEIGHT, 0, 0, 0, NULL, 0, 0};
    const char *model, *factors;
    double daily = 0;
    int rc;
    if (!name_ok(sec->name))
        return sec_fail(rs, sec, err,
                        "a violation needs a name of a-z, 0-9, '_': [violation air_exceedance]");
    if (eg_discretion_violation(d, sec->name))
        return sec_fail(rs, sec, err, "this violation is defined twice");
    if ((rc = eg_rs_text(rs, sec, "label", 1, &v.label, err)) < 0 ||
        (rc = eg_rs_text(rs, sec, "basis", 1, &v.basis, err)) < 0 ||
        (rc = eg_rs_text(rs, sec, "model", 1, &model, err)) < 0 ||
        (rc = eg_rs_number(rs, sec, "min_fine", 1, 0, 1e10, &v.min_fine, err)) < 0 ||
        (rc = eg_rs_number(rs, sec, "max_fine", 1, 0, 1e10, &v.max_fine, err)) < 0 ||
        (rc = eg_rs_number(rs, sec, "start_weight", 1, 0, 1, &v.start_weight, err)) < 0 ||
        (rc = eg_rs_number(rs, sec, "daily", 0, 0, 1, &daily, err)) < 0 ||
        (rc = eg_rs_text(rs, sec, "factors", 1, &factors, err)) < 0)
        return rc;
    if (!strcmp(model, "weight"))
        v.model = EG_DISC_WEIGHT;
    else if (!strcmp(model, "range"))
        v.model = EG_DISC_RANGE;
    else
        return eg_rs_fail(rs, eg_rs_find(sec, "model"), err, "'%.40s': use weight or range", model);
    if (!(v.max_fine > 0) || v.max_fine < v.min_fine)
        return eg_rs_fail(rs, eg_rs_find(sec, "max_fine"), err,
                          "must be above 0 and not below min_fine (%g)", v.min_fine);
    if (daily != 0 && daily != 1)
        return eg_rs_fail(rs, eg_rs_find(sec, "daily"), err, "use 0 or 1");
    v.daily = daily == 1;
    for (const char *p = factors; *p;) {
        while (*p == ' ')
            p++;
        const char *q = p;
        while (*q && *q != ' ')
            q++;
        if (q == p)
            break;
        int fi = find_factor(d, p, (size_t)(q - p));
        if (fi < 0) {
            free(v.factors);
            return eg_rs_fail(rs, eg_rs_find(sec, "factors"), err,
                              "'%.*s' is no [factor] of this rule set",
                              (int)(q - p > 40 ? 40 : q - p), p);
        }
        for (int k = 0; k < v.nfactors; k++)
            if (v.factors[k] == fi) {
                free(v.factors);
                return eg_rs_fail(rs, eg_rs_find(sec, "factors"), err, "'%s' is named twice",
                                  d->factors[fi].name);
            }
        v.factors = eg_realloc(v.factors, (size_t)(v.nfactors + 1) * sizeof *v.factors);
        v.factors[v.nfactors++] = fi;
        p = q;
    }
    d->violations = eg_realloc(d->violations, (size_t)(d->nviolations + 1) * sizeof *d->violations);
    d->violations[d->nviolations++] = v;
    return 0;
}

static int compile_circ(struct eg_discretion *d, const struct eg_rs_section *sec,
                        struct eg_err *err)
{
    const struct eg_ruleset *rs = d->rs;
    struct eg_disc_circumstance c = {sec->name, NULL, NULL, 0, 0, 0, 0, 0};
    const char *kind;
    double below = 0, notagg = 0;
    int rc;
    if (!name_ok(sec->name))
        return sec_fail(rs, sec, err,
                        "a circumstance needs a name of a-z, 0-9, '_': [circumstance apology]");
    for (int i = 0; i < d->ncircs; i++)
        if (!strcmp(d->circs[i].name, sec->name))
            return sec_fail(rs, sec, err, "this circumstance is defined twice");
    if ((rc = eg_rs_text(rs, sec, "label", 1, &c.label, err)) < 0 ||
        (rc = eg_rs_text(rs, sec, "basis", 1, &c.basis, err)) < 0 ||
        (rc = eg_rs_text(rs, sec, "kind", 1, &kind, err)) < 0)
        return rc;
    if (!strcmp(kind, "aggravating")) {
        c.aggravating = 1;
        if ((rc = eg_rs_number(rs, sec, "add_weight", 1, 0, 1, &c.add_weight, err)) < 0)
            return rc;
    } else if (!strcmp(kind, "mitigating")) {
        if ((rc = eg_rs_number(rs, sec, "reduce", 1, 0, 1, &c.reduce, err)) < 0 ||
            (rc = eg_rs_number(rs, sec, "below_min", 0, 0, 1, &below, err)) < 0 ||
            (rc = eg_rs_number(rs, sec, "not_with_aggravating", 0, 0, 1, &notagg, err)) < 0)
            return rc;
        c.below_min = below == 1;
        c.not_with_aggravating = notagg == 1;
    } else
        return eg_rs_fail(rs, eg_rs_find(sec, "kind"), err,
                          "'%.40s': use aggravating or mitigating", kind);
    d->circs = eg_realloc(d->circs, (size_t)(d->ncircs + 1) * sizeof *d->circs);
    d->circs[d->ncircs++] = c;
    return 0;
}

int eg_discretion_compile(struct eg_ruleset *rs, struct eg_discretion **out, struct eg_err *err)
{
    *out = NULL;
    struct eg_discretion *d = eg_calloc(1, sizeof *d);
    d->rs = rs;
    d->lighter_below = 0.30;
    d->heavier_from = 0.60;
    d->hearing_threshold = 100000;
    int rc = 0;
    if (strcmp(rs->kind, "penalty_discretion")) {
        rc = eg_err_set(err, EG_EINVAL, "bad_ruleset", 1,
                        "%s:1: kind: '%s' is not penalty_discretion", rs->file, rs->kind);
        goto fail;
    }
    if ((rc = eg_rs_number(rs, NULL, "range_lighter_below", 0, 0, 1, &d->lighter_below, err)) < 0 ||
        (rc = eg_rs_number(rs, NULL, "range_heavier_from", 0, 0, 1, &d->heavier_from, err)) < 0 ||
        (rc = eg_rs_number(rs, NULL, "hearing_threshold", 0, 0, 1e10, &d->hearing_threshold, err)) <
            0)
        goto fail;
    if (!(d->lighter_below > 0 && d->lighter_below <= d->heavier_from && d->heavier_from < 1)) {
        const struct eg_rs_entry *e = NULL;
        for (int i = 0; i < rs->nheader; i++)
            if (!strcmp(rs->header[i].key, "range_heavier_from") ||
                (!e && !strcmp(rs->header[i].key, "range_lighter_below")))
                e = &rs->header[i];
        rc = e ? eg_rs_fail(rs, e, err, "need 0 < range_lighter_below <= range_heavier_from < 1")
               : eg_err_set(err, EG_EINVAL, "bad_ruleset", 1, "%s:1: range: bad split", rs->file);
        goto fail;
    }
    /* Factors first: a violation names them wherever they stand in the file. */
    for (int i = 0; i < rs->nsections; i++)
        if (!strcmp(rs->sections[i].type, "factor") &&
            (rc = compile_factor(d, &rs->sections[i], err)) < 0)
            goto fail;
    for (int i = 0; i < rs->nsections; i++) {
        const struct eg_rs_section *sec = &rs->sections[i];
        if (!strcmp(sec->type, "factor"))
            continue;
        if (!strcmp(sec->type, "violation"))
            rc = compile_violation(d, sec, err);
        else if (!strcmp(sec->type, "circumstance"))
            rc = compile_circ(d, sec, err);
        else
            rc = sec_fail(rs, sec, err, "unknown section: use factor, violation or circumstance");
        if (rc < 0)
            goto fail;
    }
    if (!d->nviolations) {
        rc = eg_err_set(err, EG_EINVAL, "bad_ruleset", 1,
                        "%s:1: violation: the rule set has no [violation NAME] section", rs->file);
        goto fail;
    }
    *out = d;
    return 0;
fail:
    eg_discretion_free(d);
    return rc;
}

int eg_discretion_for_date(struct eg_db *db, const char *date, const char *jurisdiction,
                           struct eg_discretion **out, struct eg_err *err)
{
    *out = NULL;
    struct eg_ruleset *rs;
    int rc = eg_ruleset_in_force(db, "penalty_discretion", jurisdiction, date, &rs, err);
    if (rc < 0)
        return rc;
    return eg_discretion_compile(rs, out, err);
}

const struct eg_disc_violation *eg_discretion_violation(const struct eg_discretion *d,
                                                        const char *name)
{
    for (int i = 0; i < d->nviolations; i++)
        if (!strcmp(d->violations[i].name, name))
            return &d->violations[i];
    return NULL;
}

/* ---- computing ---- */

static void step(json_t *steps, const char *text, double weight, double amount)
{
    json_t *s =
        json_pack("{s:I, s:s}", "step", (json_int_t)json_array_size(steps) + 1, "text_zh", text);
    if (!isnan(weight))
        json_object_set_new(s, "weight", json_real(round(weight * 10000) / 10000));
    if (!isnan(amount))
        json_object_set_new(s, "amount", json_real(amount));
    json_array_append_new(steps, s);
}

static const struct eg_disc_circumstance *find_circ(const struct eg_discretion *d, const char *name)
{
    for (int i = 0; i < d->ncircs; i++)
        if (!strcmp(d->circs[i].name, name))
            return &d->circs[i];
    return NULL;
}

static void names_of_circs(const struct eg_discretion *d, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < d->ncircs && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? ", " : "", d->circs[i].name);
}

int eg_discretion_compute(const struct eg_discretion *d, const char *violation,
                          const struct eg_disc_choice *choices, int nchoices,
                          const char *const *circumstances, int ncircs, struct eg_disc_result *res,
                          struct eg_err *err)
{
    memset(res, 0, sizeof *res);
    const struct eg_disc_violation *v = eg_discretion_violation(d, violation ? violation : "");
    char buf[512];
    if (!v) {
        size_t o = 0;
        buf[0] = 0;
        for (int i = 0; i < d->nviolations && o < sizeof buf; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "",
                                  d->violations[i].name);
        return eg_err_set(err, EG_EINVAL, "unknown_violation", -1,
                          "violation '%.40s' is not in rule set %s v%lld: use one of %s",
                          violation ? violation : "", d->rs->id, (long long)d->rs->version, buf);
    }
    /* The option of each of the violation's factors (-1: not established). */
    int chosen[64];
    if (v->nfactors > 64)
        return eg_err_set(err, EG_EINVAL, "bad_ruleset", -1, "too many factors");
    for (int k = 0; k < v->nfactors; k++)
        chosen[k] = -1;
    for (int c = 0; c < nchoices; c++) {
        int k = 0;
        while (k < v->nfactors && strcmp(d->factors[v->factors[k]].name, choices[c].factor))
            k++;
        if (k == v->nfactors) {
            size_t o = 0;
            buf[0] = 0;
            for (int i = 0; i < v->nfactors && o < sizeof buf; i++)
                o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "",
                                      d->factors[v->factors[i]].name);
            return eg_err_set(err, EG_EINVAL, "unknown_factor", -1,
                              "factor '%.40s' is not a factor of %s: use %s", choices[c].factor,
                              v->name, buf);
        }
        if (chosen[k] >= 0)
            return eg_err_set(err, EG_EINVAL, "repeated_factor", -1,
                              "factor '%.40s' is given twice: give one option", choices[c].factor);
        const struct eg_disc_factor *f = &d->factors[v->factors[k]];
        int j = 0;
        while (j < f->noptions && strcmp(f->options[j].name, choices[c].option))
            j++;
        if (j == f->noptions) {
            size_t o = 0;
            buf[0] = 0;
            for (int i = 0; i < f->noptions && o < sizeof buf; i++)
                o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "",
                                      f->options[i].name);
            return eg_err_set(err, EG_EINVAL, "unknown_option", -1,
                              "option '%.40s' is not an option of factor %s: use %s",
                              choices[c].option, f->name, buf);
        }
        chosen[k] = j;
    }
    const struct eg_disc_circumstance *cs[32];
    if (ncircs > 32)
        return eg_err_set(err, EG_EINVAL, "too_many", -1, "at most 32 circumstances");
    int aggravated = 0;
    for (int i = 0; i < ncircs; i++) {
        cs[i] = find_circ(d, circumstances[i] ? circumstances[i] : "");
        if (!cs[i]) {
            names_of_circs(d, buf, sizeof buf);
            return eg_err_set(err, EG_EINVAL, "unknown_circumstance", -1,
                              "circumstance '%.40s' is not in rule set %s: use %s",
                              circumstances[i] ? circumstances[i] : "", d->rs->id, buf);
        }
        for (int j = 0; j < i; j++)
            if (cs[j] == cs[i])
                return eg_err_set(err, EG_EINVAL, "repeated_circumstance", -1,
                                  "circumstance '%s' is given twice", cs[i]->name);
        aggravated |= cs[i]->aggravating;
    }

    json_t *steps = json_array();
    char text[600];
    snprintf(text, sizeof text, "违法行为：%s；依据：%s；法定罚款幅度 %.0f 元至 %.0f 元；%s",
             v->label, v->basis, v->min_fine, v->max_fine,
             v->model == EG_DISC_WEIGHT ? "权重累加模式" : "幅度罚款模式");
    step(steps, text, NAN, NAN);
    double p = v->start_weight;
    snprintf(text, sizeof text, "裁量起点 %.0f%%", v->start_weight * 100);
    step(steps, text, p, NAN);
    for (int k = 0; k < v->nfactors; k++) {
        const struct eg_disc_factor *f = &d->factors[v->factors[k]];
        int j = chosen[k] >= 0 ? chosen[k] : 0;
        p += f->options[j].weight;
        snprintf(text, sizeof text, "%s：%s，+%g%%%s", f->label, f->options[j].label,
                 f->options[j].weight * 100,
                 chosen[k] >= 0 ? "" : "（未能查明，按最低档计，广东规定第五条）");
        step(steps, text, p, NAN);
    }
    for (int i = 0; i < ncircs; i++)
        if (cs[i]->aggravating) {
            p += cs[i]->add_weight;
            snprintf(text, sizeof text, "从重情节：%s（%s），+%g%%", cs[i]->label, cs[i]->basis,
                     cs[i]->add_weight * 100);
            step(steps, text, p, NAN);
        }
    p = round(p * 10000) / 10000; /* a sum of hundredths: no stray last bit at the 100 % cap */
    if (p > 1) {
        snprintf(text, sizeof text, "权重合计 %g%% 超过 100%%，按 100%% 计", p * 100);
        p = 1;
        step(steps, text, p, NAN);
    }
    double fine;
    if (v->model == EG_DISC_WEIGHT) {
        fine = p * v->max_fine;
        snprintf(text, sizeof text, "%g%% × 法定最高罚款 %.0f 元 = %.2f 元", p * 100, v->max_fine,
                 fine);
        step(steps, text, p, fine);
        if (fine < v->min_fine) {
            fine = v->min_fine;
            step(steps, "低于法定最低罚款，按法定最低罚款计", NAN, fine);
        }
    } else {
        double a = (v->min_fine + v->max_fine) / 2;
        if (p < d->lighter_below) {
            res->part = "lighter";
            fine = v->min_fine + (a - v->min_fine) * p / d->lighter_below;
            snprintf(text, sizeof text,
                     "权重 %g%% 低于 %g%%：从轻档（最低罚款至平均值 %.0f 元之间），%.0f + (%.0f − "
                     "%.0f) × %g / %g = %.2f 元",
                     p * 100, d->lighter_below * 100, a, v->min_fine, a, v->min_fine, p,
                     d->lighter_below, fine);
        } else if (p >= d->heavier_from) {
            res->part = "heavier";
            fine = a + (v->max_fine - a) * (p - d->heavier_from) / (1 - d->heavier_from);
            snprintf(text, sizeof text,
                     "权重 %g%% 不低于 %g%%：从重档（平均值 %.0f 元至最高罚款之间），%.0f + (%.0f "
                     "− %.0f) × (%g − %g) / (1 − %g) = %.2f 元",
                     p * 100, d->heavier_from * 100, a, a, v->max_fine, a, p, d->heavier_from,
                     d->heavier_from, fine);
        } else {
            res->part = "ordinary";
            fine = a;
            snprintf(text, sizeof text, "权重 %g%%：一般档，取最高与最低罚款的平均值 %.2f 元",
                     p * 100, fine);
        }
        step(steps, text, p, fine);
    }
    int below_min = 0;
    for (int i = 0; i < ncircs; i++)
        if (!cs[i]->aggravating && !(cs[i]->not_with_aggravating && aggravated))
            below_min |= cs[i]->below_min;
    for (int i = 0; i < ncircs; i++) {
        if (cs[i]->aggravating)
            continue;
        if (cs[i]->not_with_aggravating && aggravated) {
            snprintf(text, sizeof text, "从轻情节“%s”不适用：存在从重情节（%s）", cs[i]->label,
                     cs[i]->basis);
            step(steps, text, NAN, fine);
            continue;
        }
        fine = fine * (1 - cs[i]->reduce);
        snprintf(text, sizeof text, "%s情节：%s（%s），减少 %g%%，得 %.2f 元",
                 cs[i]->below_min ? "减轻" : "从轻", cs[i]->label, cs[i]->basis,
                 cs[i]->reduce * 100, fine);
        step(steps, text, NAN, fine);
    }
    if (!below_min && fine < v->min_fine) {
        fine = v->min_fine;
        step(steps, "从轻处罚不得低于法定最低罚款，按法定最低罚款计", NAN, fine);
    }
    fine = round(fine);
    snprintf(text, sizeof text, "罚款金额（取整到元）：%.0f 元", fine);
    step(steps, text, NAN, fine);
    res->weight = p;
    res->fine = fine;
    res->steps = steps;
    return 0;
}

int eg_discretion_compute_json(const struct eg_discretion *d, const json_t *in, json_t **out,
                               struct eg_err *err)
{
    *out = NULL;
    if (!json_is_object(in))
        return eg_err_set(err, EG_EINVAL, "bad_request", -1,
                          "give an object {\"violation\",\"factors\":{…},\"circumstances\":[…]}");
    const json_t *jv = json_object_get(in, "violation");
    const json_t *jf = json_object_get(in, "factors");
    const json_t *jc = json_object_get(in, "circumstances");
    if (!json_is_string(jv) || strlen(json_string_value(jv)) != json_string_length(jv))
        return eg_err_set(err, EG_EINVAL, "violation", -1, "violation: give the violation's name");
    if (jf && !json_is_object(jf))
        return eg_err_set(err, EG_EINVAL, "factors", -1,
                          "factors: give an object {\"factor\": \"option\"}");
    if (jc && !json_is_array(jc))
        return eg_err_set(err, EG_EINVAL, "circumstances", -1,
                          "circumstances: give an array of names");
    struct eg_disc_choice ch[64];
    const char *circ[32];
    int nch = 0, nc = 0;
    if (jf) {
        if (json_object_size(jf) > 64)
            return eg_err_set(err, EG_EINVAL, "factors", -1, "factors: at most 64");
        const char *k;
        const json_t *val;
        json_object_foreach((json_t *)jf, k, val)
        {
            if (!json_is_string(val) || strlen(json_string_value(val)) != json_string_length(val))
                return eg_err_set(err, EG_EINVAL, "factors", -1,
                                  "factors.%.40s: give the option's name as a string", k);
            ch[nch].factor = k;
            ch[nch++].option = json_string_value(val);
        }
    }
    if (jc) {
        if (json_array_size(jc) > 32)
            return eg_err_set(err, EG_EINVAL, "circumstances", -1, "circumstances: at most 32");
        size_t i;
        const json_t *val;
        json_array_foreach(jc, i, val)
        {
            if (!json_is_string(val) || strlen(json_string_value(val)) != json_string_length(val))
                return eg_err_set(err, EG_EINVAL, "circumstances", -1,
                                  "circumstances[%zu]: give a name as a string", i);
            circ[nc++] = json_string_value(val);
        }
    }
    struct eg_disc_result r;
    int rc = eg_discretion_compute(d, json_string_value(jv), ch, nch, circ, nc, &r, err);
    if (rc < 0)
        return rc;
    const struct eg_disc_violation *v = eg_discretion_violation(d, json_string_value(jv));
    *out = json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:o, s:{s:s, s:I, s:s}}",
                     "violation", v->name, "label_zh", v->label, "basis", v->basis, "model",
                     v->model == EG_DISC_WEIGHT ? "weight" : "range", "min_fine", v->min_fine,
                     "max_fine", v->max_fine, "weight", r.weight, "fine", r.fine, "steps", r.steps,
                     "ruleset", "id", d->rs->id, "version", (json_int_t)d->rs->version, "sha256",
                     d->rs->sha256);
    if (r.part)
        json_object_set_new(*out, "part", json_string(r.part));
    return 0;
}

/* ---- 按日连续处罚 ---- */

int64_t eg__gov_day_number(const char *s)
{
    int64_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int64_t m = (s[5] - '0') * 10 + (s[6] - '0'), dd = (s[8] - '0') * 10 + (s[9] - '0');
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void eg__gov_day_date(int64_t z, char out[11])
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    char t[48];
    snprintf(t, sizeof t, "%04d-%02d-%02d", (int)(y % 10000), (int)m, (int)d);
    memcpy(out, t, 10);
    out[10] = 0;
}

int eg_discretion_daily(const struct eg_disc_violation *violation, double fine,
                        const struct eg_disc_round *rounds, int nrounds, int64_t *days,
                        double *total, json_t **steps, struct eg_err *err)
{
    *days = 0;
    *total = 0;
    *steps = NULL;
    if (violation && !violation->daily)
        return eg_err_set(err, EG_EINVAL, "not_daily", -1,
                          "%s: the daily continuous penalty does not apply to this violation "
                          "(环境保护法第五十九条 lists the violations it applies to)",
                          violation->name);
    if (!(fine > 0) || fine > 1e10)
        return eg_err_set(err, EG_EINVAL, "fine", -1,
                          "fine: give the original decision's fine in 元, above 0");
    if (nrounds < 1 || nrounds > 100)
        return eg_err_set(err, EG_EINVAL, "rounds", -1,
                          "rounds: give 1..100 rounds of (order served, re-check)");
    int64_t prev = INT64_MIN, sum = 0;
    for (int i = 0; i < nrounds; i++) {
        const char *sv = rounds[i].served, *rc = rounds[i].recheck;
        if (!sv || !eg__gov_date_ok(sv) || !rc || !eg__gov_date_ok(rc))
            return eg_err_set(err, EG_EINVAL, "date", -1,
                              "rounds[%d]: give served and recheck as YYYY-MM-DD", i);
        int64_t a = eg__gov_day_number(sv), b = eg__gov_day_number(rc);
        if (b <= a)
            return eg_err_set(err, EG_EINVAL, "recheck", -1,
                              "rounds[%d]: the re-check (%s) must come after the order to correct "
                              "is served (%s)",
                              i, rc, sv);
        if (a < prev)
            return eg_err_set(err, EG_EINVAL, "served", -1,
                              "rounds[%d]: the order (%s) is served before the previous re-check; "
                              "give the rounds in order",
                              i, sv);
        prev = b;
        sum += b - a;
    }
    json_t *st = json_array();
    char text[400];
    sum = 0;
    for (int i = 0; i < nrounds; i++) {
        int64_t n = eg__gov_day_number(rounds[i].recheck) - eg__gov_day_number(rounds[i].served);
        sum += n;
        snprintf(
            text, sizeof text,
            "第 %d 轮：责令改正决定书 %s 送达，自次日起至复查发现违法行为继续的 %s 止，计 %lld "
            "日，累计 %lld 日（第28号令第十七条）",
            i + 1, rounds[i].served, rounds[i].recheck, (long long)n, (long long)sum);
        step(st, text, NAN, NAN);
        if (n > 30) {
            snprintf(text, sizeof text,
                     "注意：第 %d 轮复查在送达后第 %lld 日，超过 30 日（第28号令第十条）", i + 1,
                     (long long)n);
            step(st, text, NAN, NAN);
        }
    }
    *days = sum;
    *total = fine * (double)sum;
    snprintf(text, sizeof text,
             "按日连续处罚：原处罚决定罚款 %.0f 元/日 × %lld 日 = %.0f 元（第28号令第十九条）",
             fine, (long long)sum, *total);
    step(st, text, NAN, *total);
    *steps = st;
    return 0;
}
