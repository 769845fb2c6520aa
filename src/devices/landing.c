/*
 * landing.c: the landing table of acknowledged data packets (migration 202). The ingest writer
 * appends here inside each acknowledging commit and folds the rows into the time-series store
 * later (scan, write to ts, drop, in one transaction).
 */
#include "devices/devices.h"

#include <string.h>

int eg_devices_land(struct eg_db *st, const struct eg_devices_landed *p, size_t n,
                    struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(
        st, "INSERT INTO ingest_landing (mn, cn, t, n, vals) VALUES (?, ?, ?, ?, ?)", &s, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        eg_stmt_bind_text(s, 1, p[i].mn, p[i].mnlen);
        eg_stmt_bind_int(s, 2, p[i].cn);
        eg_stmt_bind_int(s, 3, p[i].t);
        eg_stmt_bind_int(s, 4, p[i].n);
        eg_stmt_bind_blob(s, 5, p[i].vals, p[i].vals_len);
        rc = eg_stmt_step(s, err);
        eg_stmt_done(s);
        rc = rc < 0 ? rc : 0;
    }
    return rc;
}

int eg_devices_landing_scan(struct eg_db *st, int max, eg_devices_landed_fn fn, void *arg,
                            int64_t *last_id, struct eg_err *err)
{
    *last_id = 0;
    struct eg_stmt *s;
    int rc = eg_db_prepare(st,
                           "SELECT id, mn, cn, t, n, vals FROM ingest_landing WHERE format = 1 "
                           "ORDER BY id LIMIT ?",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, max);
    while ((rc = eg_stmt_step(s, err)) == 1) {
        struct eg_devices_landed p = {0};
        p.id = eg_stmt_int(s, 0);
        p.mn = eg_stmt_text(s, 1, &p.mnlen);
        p.cn = (int)eg_stmt_int(s, 2);
        p.t = eg_stmt_int(s, 3);
        p.n = eg_stmt_int(s, 4);
        p.vals = eg_stmt_blob(s, 5, &p.vals_len);
        *last_id = p.id;
        rc = fn(arg, &p);
        if (rc < 0)
            break;
    }
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int eg_devices_landing_drop(struct eg_db *st, int64_t last_id, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(st, "DELETE FROM ingest_landing WHERE id <= ?", &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, last_id);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}
