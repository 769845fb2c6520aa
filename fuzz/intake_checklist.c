/*
 * fuzz/intake_checklist.c: libFuzzer target for the stewards' checklist loader
 * (intake/checklist.c): arbitrary bytes as a checklist file. A parse either fails with a message
 * naming the file and a line, or yields a checklist that keeps the loader's promises (a scale
 * with both kinds of severity, ascending levels, unique codes, at least one item).
 * Seeds: fuzz/corpus/intake_checklist/ (the shipped checklists and small variants).
 */
#include "intake/intake.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eg_checklist *c = NULL;
    struct eg_err err = {0};
    int rc = eg_checklist_parse("f.tsv", (const char *)data, size, &c, &err);
    if (rc) {
        if (c || strncmp(err.msg, "f.tsv", 5))
            abort();
        return 0;
    }
    if (!c || !c->code || !c->nitems || c->nsev < 2)
        abort();
    for (int i = 1; i < c->nsev; i++)
        if (c->sev[i].level <= c->sev[i - 1].level)
            abort();
    for (int i = 0; i < c->nitems; i++)
        if (eg_checklist_item(c, c->items[i].code) != &c->items[i])
            abort();
    json_t *j = eg_checklist_json(c);
    if (!j)
        abort();
    json_decref(j);
    eg_checklist_free(c);
    return 0;
}
