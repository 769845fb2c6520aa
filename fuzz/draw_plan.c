/* fuzz/draw_plan.c: libFuzzer target for draw plans (govern/draw_plan.c, eg_draw_plan_compile
   over eg_ruleset_parse): any bytes must give a compiled plan or an error naming the file,
   never a crash; a compiled plan has a team of at least two, at least one category and one
   matter, every category a known object kind and a share in 0..1 or a ratio, and its matters
   list as JSON. */
#include "govern/govern.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eg_ruleset *rs = NULL;
    struct eg_err err = {0};
    if (eg_ruleset_parse("fuzz.rs", (const char *)data, size, &rs, &err) < 0)
        return 0;
    struct eg_draw_plan *p = NULL;
    int rc = eg_draw_plan_compile(rs, &p, &err); /* takes rs */
    if (rc < 0) {
        if (p || strncmp(err.msg, "fuzz.rs:", 8))
            abort();
        return 0;
    }
    if (!p || p->team_size < 2 || p->ncats < 1 || p->nmatters < 1)
        abort();
    for (int i = 0; i < p->ncats; i++) {
        const struct eg_draw_category *c = &p->cats[i];
        if (!c->name || !c->label || !c->object || strchr(c->name, '.') ||
            (c->share >= 0 && c->share > 1) || (c->share < 0 && c->per_inspector < 0))
            abort();
    }
    json_t *m = eg_draw_plan_matters(p);
    if (json_array_size(json_object_get(m, "items")) != (size_t)p->nmatters)
        abort();
    json_decref(m);
    eg_draw_plan_free(p);
    return 0;
}
