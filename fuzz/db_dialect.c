/* fuzz/db_dialect.c: libFuzzer target for the SQLite -> PostgreSQL translation of src/db
   (dialect.c, issue 16): a tokenizer over strings, quoted names, comments, parameters, blob
   literals, and a rewriter of statements and triggers. Any text must end in 0 or an EG_EINVAL
   "dialect" error, never a crash, a leak or a sanitizer report; a translation is NUL-terminated
   and its parameter count never exceeds what the input could name. */
#include "db/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *sql = malloc(size + 1);
    if (!sql)
        return 0;
    memcpy(sql, data, size);
    sql[size] = '\0';
    struct eg__db_pgsql q;
    struct eg_err err;
    if (eg__db_pg_translate(sql, &q, &err) == 0) {
        if (!q.text || q.nparams < 0 || q.nparams > 100000)
            abort();
        (void)strlen(q.text);
        eg__db_pgsql_free(&q);
    } else if (strcmp(err.code, "dialect")) {
        abort();
    }
    free(sql);
    return 0;
}
