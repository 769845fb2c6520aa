/*
 * empty.c: whether the registry holds no records yet — what a loader that only fills a new
 * database (the demo district) checks first. Regions, units and users are the roots every other
 * record hangs from, so none of them means nothing was loaded.
 */
#include "registry/registry.h"

int eg_registry_is_empty(struct eg_db *st, int *empty, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(st,
                          "SELECT (SELECT COUNT(*) FROM regions) + (SELECT COUNT(*) FROM units) "
                          "+ (SELECT COUNT(*) FROM users)",
                          &s, err);
    if (r < 0)
        return r;
    r = eg_stmt_step(s, err);
    if (r == 1) {
        *empty = eg_stmt_int(s, 0) == 0;
        r = 0;
    } else if (r == 0) {
        r = eg_err_set(err, EG_EDB, "db", -1, "the count of records returned no row");
    }
    eg_stmt_done(s);
    return r;
}
