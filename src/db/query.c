/*
 * query.c: small helpers over the statement seam that several modules share (dialect-free).
 */
#include "db/db.h"

#include <string.h>

int eg_db_query_int(struct eg_db *st, const char *sql, int64_t a, const char *text, int64_t *out,
                    int *found, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(st, sql, &s, err);
    if (r < 0)
        return r;
    eg_stmt_bind_int(s, 1, a);
    if (text)
        eg_stmt_bind_text(s, 2, text, strlen(text));
    r = eg_stmt_step(s, err);
    *found = r == 1;
    *out = r == 1 ? eg_stmt_int(s, 0) : 0;
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}
