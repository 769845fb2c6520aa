/* fuzz/discretion_input.c: libFuzzer target for penalty discretion (govern/discretion.c): the
   facts as JSON (eg_discretion_compute_json: what POST /api/v1/discretion/compute, the case's
   notify step and `envgov case fine --input` read) against the shipped table discretion-gd-2022,
   with optional 按日连续处罚 rounds {"rounds":[["served","recheck"],…]}; and, for an input
   starting with 'R', the rest as a penalty_discretion rule set (eg_discretion_compile: its
   meaning checked with file:line: field errors), each of its violations computed with no facts.
   Any bytes give a result or an error, never a crash; a fine lies within [0, max_fine] (weights
   are capped at 100 %, mitigations only reduce); every result shows its steps. */
#include "govern/govern.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fine(const struct eg_disc_violation *v, double fine, json_t *steps)
{
    if (!v || !isfinite(fine) || fine < 0 || fine > v->max_fine + 0.5 || json_array_size(steps) < 2)
        abort();
}

static void daily(const struct eg_discretion *d, const json_t *in, double fine)
{
    const json_t *rounds = json_object_get(in, "rounds");
    if (!json_is_array(rounds) || json_array_size(rounds) > 100)
        return;
    struct eg_disc_round r[100];
    size_t i, n = 0;
    const json_t *x;
    json_array_foreach(rounds, i, x)
    {
        r[n].served = json_string_value(json_array_get(x, 0));
        r[n].recheck = json_string_value(json_array_get(x, 1));
        n++;
    }
    const struct eg_disc_violation *v =
        eg_discretion_violation(d, json_string_value(json_object_get(in, "violation")));
    int64_t days = -1;
    double total = -1;
    json_t *steps = NULL;
    struct eg_err err = {0};
    if (eg_discretion_daily(v, fine, r, (int)n, &days, &total, &steps, &err) == 0) {
        if (days < 1 || !(total >= fine) || !json_array_size(steps))
            abort();
    } else if (steps || !err.msg[0]) {
        abort();
    }
    json_decref(steps);
}

static void facts(const uint8_t *data, size_t size)
{
    static struct eg_discretion *d;
    struct eg_err err = {0};
    if (!d) {
        const struct eg_embedded *f = eg_embedded_find("govern/discretion-gd-2022.rs");
        struct eg_ruleset *rs = NULL;
        if (!f || eg_ruleset_parse("discretion-gd-2022.rs", f->data, f->len, &rs, &err) < 0 ||
            eg_discretion_compile(rs, &d, &err) < 0)
            abort();
    }
    json_error_t je;
    json_t *in = json_loadb((const char *)data, size, 0, &je);
    if (!in)
        return;
    json_t *out = NULL;
    if (eg_discretion_compute_json(d, in, &out, &err) == 0) {
        const struct eg_disc_violation *v =
            eg_discretion_violation(d, json_string_value(json_object_get(out, "violation")));
        double fine = json_number_value(json_object_get(out, "fine"));
        check_fine(v, fine, json_object_get(out, "steps"));
        if (fine > 0)
            daily(d, in, fine);
        json_decref(out);
    } else if (out || !err.msg[0] || !err.code[0]) {
        abort();
    }
    json_decref(in);
}

static void table(const uint8_t *data, size_t size)
{
    struct eg_ruleset *rs = NULL;
    struct eg_discretion *d = NULL;
    struct eg_err err = {0};
    if (eg_ruleset_parse("fuzz.rs", (const char *)data, size, &rs, &err) < 0)
        return;
    if (eg_discretion_compile(rs, &d, &err) < 0) { /* rs freed by compile */
        if (d || strncmp(err.msg, "fuzz.rs", 7))
            abort();
        return;
    }
    for (int i = 0; i < d->nviolations && i < 16; i++) {
        struct eg_disc_result r;
        if (eg_discretion_compute(d, d->violations[i].name, NULL, 0, NULL, 0, &r, &err) == 0) {
            check_fine(&d->violations[i], r.fine, r.steps);
            json_decref(r.steps);
        }
    }
    eg_discretion_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size && data[0] == 'R')
        table(data + 1, size - 1);
    else
        facts(data, size);
    return 0;
}
