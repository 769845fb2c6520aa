/*
 * fuzz/pilot_files.c: libFuzzer target for plans/'s data-file readers — the pilot catalogue,
 * a round's applications (against the shipped 2021 catalogue, then scored and ranked) and a
 * plan's tasks. The first byte picks the reader; the rest is the file.
 * Checks: no crash; an accepted catalogue has every kind complete; an accepted round's
 * applications score or fail with an error, and totals stay within 0–100.
 * Seeds: fuzz/corpus/pilot_files/ (the shipped files and cut-down variants).
 */
#include "plans/plans.h"

#include <stdlib.h>

static struct eg_pilot_catalogue *cat;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eg_err err;
    if (!cat && eg_pilot_catalogue_load("pilot/catalogue_2021.tsv", &cat, &err) < 0)
        abort();
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] % 3 == 0) {
        struct eg_pilot_catalogue *c;
        if (eg_pilot_catalogue_parse(text, len, "fuzz.tsv", &c, &err) == 0) {
            for (int k = 0; k < c->nkinds; k++)
                if (!c->kinds[k].nconditions || !c->kinds[k].nmandatory ||
                    !c->kinds[k].ninnovation || !c->kinds[k].label_zh)
                    abort();
            eg_pilot_catalogue_free(c);
        }
    } else if (data[0] % 3 == 1) {
        struct eg_pilot_round_file *r;
        if (eg_pilot_round_parse(cat, text, len, "fuzz.tsv", &r, &err) == 0) {
            struct eg_pilot_result *res = calloc((size_t)r->napps + 1, sizeof *res);
            for (int i = 0; i < r->napps; i++)
                if (eg_pilot_score(cat, &r->apps[i], data[0] & 4 ? EG_PILOT_TRIMMED : EG_PILOT_MEAN,
                                   &res[i], &err) == 0 &&
                    (res[i].total < 0 || res[i].total > 100.0000001))
                    abort();
            struct eg_pilot_quota q[] = {{"enterprise", 2}, {"community", 1}};
            eg_pilot_rank(r->apps, res, r->napps, q, 2, 0);
            free(res);
            eg_pilot_round_free(r);
        }
    } else {
        struct eg_plan_file *p;
        if (eg_plan_file_parse(text, len, "fuzz.tsv", &p, &err) == 0)
            eg_plan_file_free(p);
    }
    return 0;
}
