/* fuzz/rules_ranges.c: libFuzzer target for the instrument-range table of the rules engine
   (src/rules/defs.c eg_rules_ranges_load: data/rules/ranges.csv or an operator's own file), read
   with base/csv.h. Every accepted row must have a code and min < max, and every lookup must
   answer; any input must end in 0 or an error, never a crash, a leak or a sanitizer report. */
#include "rules/rules.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eg_rules_ranges r;
    struct eg_err err;
    if (eg_rules_ranges_load(&r, (const char *)data, size, &err))
        return 0;
    for (size_t i = 0; i < r.n; i++) {
        if (!r.v[i].pollutant[0] || !(r.v[i].min < r.v[i].max) || !isfinite(r.v[i].max))
            abort();
        if (eg_rules_range_of(&r, r.v[i].pollutant) == NULL)
            abort();
    }
    eg_rules_ranges_free(&r);
    return 0;
}
