/* fuzz/ruleset.c: libFuzzer target for the rule-set parser (govern/ruleset.c, eg_ruleset_parse)
   and its readers: any bytes must give a rule set or an error naming the file, never a crash; a
   parsed one must have its required header, and every section's entries are read as text and as
   numbers (the readers' errors are exercised too). */
#include "govern/govern.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eg_ruleset *rs = NULL;
    struct eg_err err = {0};
    int rc = eg_ruleset_parse("fuzz.rs", (const char *)data, size, &rs, &err);
    if (rc < 0) {
        if (rs || strncmp(err.msg, "fuzz.rs", 7))
            abort();
        return 0;
    }
    if (!rs || !rs->kind || !rs->id || !rs->jurisdiction || !rs->valid_from || rs->version < 1 ||
        strlen(rs->sha256) != 64)
        abort();
    for (int i = 0; i < rs->nsections; i++) {
        const struct eg_rs_section *s = &rs->sections[i];
        for (int j = 0; j < s->nentries; j++) {
            const char *t;
            double d = 0;
            eg_rs_text(rs, s, s->entries[j].key, 1, &t, &err);
            eg_rs_number(rs, s, s->entries[j].key, 1, -1e9, 1e9, &d, &err);
        }
        eg_rs_text(rs, s, "absent_key", 1, &(const char *){0}, &err);
    }
    eg_ruleset_free(rs);
    return 0;
}
