/*
 * draw_plan.c: draw plans as rule sets (kind "draw_plan", govern.h and docs/draws.md): the list
 * of inspectable matters (抽查事项清单), the categories of the object pool with their
 * conditions, the share or inspector ratio of each, and the adjustment by credit grade. Every
 * fault names the file, the line and the field.
 */
#include "govern/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const objects[] = {"enterprise", "testing_agency", "steward", NULL};

static int object_ok(const char *o)
{
    for (int i = 0; objects[i]; i++)
        if (!strcmp(objects[i], o))
            return 1;
    return 0;
}

const char *eg__draw_object_zh(const char *o)
{
    return !strcmp(o, "enterprise")       ? "排污单位"
           : !strcmp(o, "testing_agency") ? "检验检测机构"
           : !strcmp(o, "steward")        ? "环保管家"
                                          : o;
}

/* Every key of a section must be one the engine reads (a typo would silently be ignored). */
static int known_keys(const struct eg_ruleset *rs, const struct eg_rs_section *s,
                      const char *const *keys, struct eg_err *err)
{
    for (int i = 0; i < s->nentries; i++) {
        int ok = 0;
        for (int k = 0; keys[k] && !ok; k++)
            ok = !strcmp(keys[k], s->entries[i].key);
        if (!ok) {
            char known[300];
            size_t n = 0;
            known[0] = 0;
            for (int k = 0; keys[k] && n + 2 < sizeof known; k++)
                n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", k ? ", " : "", keys[k]);
            return eg_rs_fail(rs, &s->entries[i], err, "unknown field in [%s %s] (known: %s)",
                              s->type, s->name, known);
        }
    }
    return 0;
}

static int fail_section(const struct eg_ruleset *rs, const struct eg_rs_section *s,
                        struct eg_err *err, const char *field, const char *what)
{
    return eg_err_set(err, EG_EINVAL, "invalid_ruleset", s->line, "%s:%d: %s: %s", rs->file,
                      s->line, field, what);
}

void eg_draw_plan_free(struct eg_draw_plan *p)
{
    if (!p)
        return;
    eg_ruleset_free(p->rs);
    free(p->cats);
    free(p->adjusts);
    free(p->matters);
    free(p);
}

int eg_draw_plan_compile(struct eg_ruleset *rs, struct eg_draw_plan **out, struct eg_err *err)
{
    *out = NULL;
    if (strcmp(rs->kind, "draw_plan")) {
        int rc = eg_err_set(err, EG_EINVAL, "invalid_ruleset", 1,
                            "%s:1: kind: '%s' is not a draw plan (kind = draw_plan)", rs->file,
                            rs->kind);
        eg_ruleset_free(rs);
        return rc;
    }
    struct eg_draw_plan *p = eg_calloc(1, sizeof *p);
    p->rs = rs;
    p->cats = eg_calloc((size_t)rs->nsections + 1, sizeof *p->cats);
    p->adjusts = eg_calloc((size_t)rs->nsections + 1, sizeof *p->adjusts);
    p->matters = eg_calloc((size_t)rs->nsections + 1, sizeof *p->matters);
    double ts = 2;
    int rc = eg_rs_number(rs, NULL, "team_size", 0, 2, 64, &ts, err);
    if (rc >= 0 && ts != floor(ts))
        for (int h = 0; h < rs->nheader; h++)
            if (!strcmp(rs->header[h].key, "team_size"))
                rc = eg_rs_fail(rs, &rs->header[h], err, "%s",
                                "team_size must be a whole number of inspectors (2..64)");
    p->team_size = (int)ts;
    p->falsification_input = "data_falsification";
    if (rc >= 0)
        rc = eg_rs_text(rs, NULL, "falsification_input", 0, &p->falsification_input, err);
    if (rc >= 0 && !p->falsification_input)
        p->falsification_input = "data_falsification";
    if (rc >= 0)
        rc = eg_rs_text(rs, NULL, "falsification_violation", 0, &p->falsification_violation, err);
    if (rc >= 0 && !p->falsification_violation)
        p->falsification_violation = "data_falsification";
    for (int i = 0; rc >= 0 && i < rs->nsections; i++) {
        const struct eg_rs_section *s = &rs->sections[i];
        if (!strcmp(s->type, "matter")) {
            static const char *const keys[] = {"label", "object", "basis", NULL};
            struct eg_draw_matter *m = &p->matters[p->nmatters];
            m->name = s->name;
            if ((rc = known_keys(rs, s, keys, err)) < 0 ||
                (rc = eg_rs_text(rs, s, "label", 1, &m->label, err)) < 0 ||
                (rc = eg_rs_text(rs, s, "object", 1, &m->object, err)) < 0 ||
                (rc = eg_rs_text(rs, s, "basis", 1, &m->basis, err)) < 0)
                break;
            if (!object_ok(m->object)) {
                rc = eg_rs_fail(rs, eg_rs_find(s, "object"), err,
                                "'%s' is not an object kind (enterprise, testing_agency, steward)",
                                m->object);
                break;
            }
            p->nmatters++;
        } else if (!strcmp(s->type, "category")) {
            static const char *const keys[] = {"label", "object",        "key_unit",      "grades",
                                               "share", "per_inspector", "min_penalties", NULL};
            struct eg_draw_category *c = &p->cats[p->ncats];
            c->name = s->name;
            c->share = -1;
            double v = 0;
            if (strchr(s->name, '.')) {
                rc = fail_section(rs, s, err, "category",
                                  "a category name may not contain '.' (it separates the grade)");
                break;
            }
            for (int k = 0; k < p->ncats; k++)
                if (!strcmp(p->cats[k].name, s->name)) {
                    rc = fail_section(rs, s, err, "category", "named twice");
                    break;
                }
            if (rc < 0 || (rc = known_keys(rs, s, keys, err)) < 0 ||
                (rc = eg_rs_text(rs, s, "label", 1, &c->label, err)) < 0 ||
                (rc = eg_rs_text(rs, s, "object", 1, &c->object, err)) < 0)
                break;
            if (!object_ok(c->object)) {
                rc = eg_rs_fail(rs, eg_rs_find(s, "object"), err,
                                "'%s' is not an object kind (enterprise, testing_agency, steward)",
                                c->object);
                break;
            }
            if ((rc = eg_rs_number(rs, s, "key_unit", 0, 0, 1, &v, err)) < 0)
                break;
            c->key_unit = v > 0;
            v = 0;
            if ((rc = eg_rs_number(rs, s, "min_penalties", 0, 0, 1000, &v, err)) < 0)
                break;
            c->min_penalties = (int)v;
            if ((rc = eg_rs_text(rs, s, "grades", 0, &c->grades, err)) < 0)
                break;
            c->has_condition = c->key_unit || c->min_penalties > 0 || c->grades;
            const struct eg_rs_entry *sh = eg_rs_find(s, "share"),
                                     *pi = eg_rs_find(s, "per_inspector");
            if (!sh == !pi) {
                rc = fail_section(rs, s, err, "share",
                                  "give either share = 0..1 (of the category) or per_inspector = "
                                  "N (objects per inspector), one of them");
                break;
            }
            if (sh && (rc = eg_rs_number(rs, s, "share", 1, 0, 1, &c->share, err)) < 0)
                break;
            if (pi && (rc = eg_rs_number(rs, s, "per_inspector", 1, 0, 100000, &c->per_inspector,
                                         err)) < 0)
                break;
            p->ncats++;
        } else if (!strcmp(s->type, "adjust")) {
            static const char *const keys[] = {"factor", NULL};
            struct eg_draw_adjust *a = &p->adjusts[p->nadjusts];
            a->grade = s->name;
            if ((rc = known_keys(rs, s, keys, err)) < 0 ||
                (rc = eg_rs_number(rs, s, "factor", 1, 0, 10, &a->factor, err)) < 0)
                break;
            p->nadjusts++;
        } else {
            rc = fail_section(rs, s, err, s->type,
                              "unknown section type (a draw plan has [matter], [category] and "
                              "[adjust] sections)");
        }
    }
    if (rc >= 0 && p->ncats == 0)
        rc = eg_err_set(err, EG_EINVAL, "invalid_ruleset", 1,
                        "%s:1: category: a draw plan needs at least one [category NAME] section",
                        rs->file);
    if (rc >= 0 && p->nmatters == 0)
        rc = eg_err_set(err, EG_EINVAL, "invalid_ruleset", 1,
                        "%s:1: matter: a draw plan needs its list of inspectable matters "
                        "([matter NAME] sections)",
                        rs->file);
    for (int i = 0; rc >= 0 && i < p->ncats; i++) {
        int has = 0;
        for (int m = 0; m < p->nmatters; m++)
            has |= !strcmp(p->matters[m].object, p->cats[i].object);
        if (!has) {
            const struct eg_rs_section *s = NULL;
            for (int k = 0; k < rs->nsections; k++)
                if (!strcmp(rs->sections[k].type, "category") &&
                    !strcmp(rs->sections[k].name, p->cats[i].name))
                    s = &rs->sections[k];
            rc = fail_section(rs, s, err, "object",
                              "no [matter] names this object kind: list what may be inspected");
        }
    }
    if (rc < 0) {
        eg_draw_plan_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int eg_draw_plan_for(struct eg_db *db, const char *id, const char *date, struct eg_draw_plan **out,
                     struct eg_err *err)
{
    *out = NULL;
    struct eg_ruleset *rs = NULL;
    int rc = eg_ruleset_in_force(db, "draw_plan", NULL, date, &rs, err);
    if (rc < 0)
        return rc;
    if (id && strcmp(id, rs->id)) {
        rc = eg_err_set(err, EG_ENOTFOUND, "plan_not_in_force", -1,
                        "draw plan '%.60s' is not in force on %s (in force: %s version %lld): load "
                        "it with `envgov ruleset load` or omit plan",
                        id, date, rs->id, (long long)rs->version);
        eg_ruleset_free(rs);
        return rc;
    }
    return eg_draw_plan_compile(rs, out, err);
}

json_t *eg_draw_plan_matters(const struct eg_draw_plan *p)
{
    json_t *a = json_array();
    for (int i = 0; i < p->nmatters; i++) {
        const struct eg_draw_matter *m = &p->matters[i];
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", m->name, "label_zh",
                                           m->label, "object", m->object, "object_zh",
                                           eg__draw_object_zh(m->object), "basis", m->basis));
    }
    return json_pack("{s:o,s:{s:s,s:I,s:s}}", "items", a, "ruleset", "id", p->rs->id, "version",
                     (json_int_t)p->rs->version, "sha256", p->rs->sha256);
}
