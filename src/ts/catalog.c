/*
 * catalog.c: the list of series with their latest sample (ts_series, and ts_latest read per
 * series), for `envgov series list` and anything else that needs to see what is stored.
 */
#include "ts/internal.h"

#include <string.h>

int eg_ts_series_each(struct eg_ts *ts, const char *source,
                      int (*fn)(void *arg, const struct eg_ts_series_row *r), void *arg,
                      struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(ts->st,
                           "SELECT s.id, s.source, s.pollutant, s.kind, s.field, s.computed "
                           "FROM ts_series s WHERE ?1 IS NULL OR s.source = ?1 ORDER BY "
                           "s.source, s.pollutant, s.kind, s.field, s.computed",
                           &s, err);
    if (rc < 0)
        return rc;
    if (source)
        eg_stmt_bind_text(s, 1, source, strlen(source));
    else
        eg_stmt_bind_null(s, 1);
    while ((rc = eg_stmt_step(s, err)) == 1) {
        struct eg_ts_series_row r = {0};
        r.id = eg_stmt_int(s, 0);
        r.key.source = eg_stmt_text(s, 1, NULL);
        r.key.pollutant = eg_stmt_text(s, 2, NULL);
        r.key.kind = (int)eg_stmt_int(s, 3);
        r.key.field = eg_stmt_text(s, 4, NULL);
        r.key.computed = (int)eg_stmt_int(s, 5);
        struct eg_ts_row last;
        rc = eg__ts_latest_get(ts, r.id, &last, &r.has_latest, err);
        if (rc < 0)
            break;
        if (r.has_latest) {
            r.latest_t = last.t;
            r.latest_v = last.v;
        }
        rc = fn(arg, &r);
        if (rc < 0)
            break;
    }
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}
