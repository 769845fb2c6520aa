/*
 * permits.c: the permit queries the supervision engines need (一证式, seed 004: every
 * inspection, alert, case and penalty is filed against the unit's permit) — the permit in force
 * for a unit on a date and the unit a permit belongs to. Here, so that no SQL on `permits`
 * lives outside the registry.
 */
#include "registry/registry.h"

#include <stdlib.h>
#include <string.h>

int eg_permit_in_force_for_unit(struct eg_db *st, int64_t unit_id, const char *date,
                                int64_t *permit_id, struct eg_err *err)
{
    *permit_id = 0;
    if (unit_id <= 0 || !date || strlen(date) != 10)
        return eg_err_set(err, EG_EINVAL, "date", -1,
                          "give a unit id and a Beijing date YYYY-MM-DD for its permit");
    struct eg_stmt *s;
    /* The category order puts a permit before a registration (登记) when a unit holds both. */
    int rc = eg_db_prepare(st,
                           "SELECT id FROM permits WHERE unit_id = ?1 AND status = 'valid' AND "
                           "coalesce(valid_from, '0000-00-00') <= ?2 AND coalesce(valid_to, "
                           "'9999-99-99') >= ?2 ORDER BY CASE category WHEN 'registration' THEN 1 "
                           "ELSE 0 END, coalesce(valid_from, '0000-00-00') DESC, id DESC LIMIT 1",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, unit_id);
    eg_stmt_bind_text(s, 2, date, strlen(date));
    rc = eg_stmt_step(s, err);
    if (rc == 1)
        *permit_id = eg_stmt_int(s, 0);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int eg_permit_unit(struct eg_db *st, int64_t permit_id, int64_t *unit_id, struct eg_err *err)
{
    *unit_id = 0;
    int found = 0;
    int rc = eg_db_query_int(st, "SELECT unit_id FROM permits WHERE id = ?", permit_id, NULL,
                             unit_id, &found, err);
    if (rc < 0)
        return rc;
    if (!found)
        return eg_err_set(err, EG_ENOTFOUND, "permit_id", -1, "there is no permit %lld",
                          (long long)permit_id);
    return 0;
}

int eg_registry_limited_series_each(struct eg_db *st,
                                    int (*fn)(void *arg, const struct eg_registry_limited *l),
                                    void *arg, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(st,
                           "SELECT DISTINCT o.unit_id, o.id, o.code, d.mn, pl.pollutant FROM "
                           "permit_limits pl JOIN outlets o ON o.id = pl.outlet_id JOIN devices d "
                           "ON d.outlet_id = o.id WHERE pl.conc_limit IS NOT NULL ORDER BY "
                           "o.unit_id, o.id, d.mn, pl.pollutant",
                           &s, err);
    if (rc < 0)
        return rc;
    while ((rc = eg_stmt_step(s, err)) == 1) {
        struct eg_registry_limited l = {eg_stmt_int(s, 0), eg_stmt_int(s, 1),
                                        eg_stmt_text(s, 2, NULL), eg_stmt_text(s, 3, NULL),
                                        eg_stmt_text(s, 4, NULL)};
        if ((rc = fn(arg, &l)) < 0)
            break;
    }
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int eg_registry_unit_ids(struct eg_db *st, const char *kind, int64_t **ids, int *n,
                         struct eg_err *err)
{
    *ids = NULL;
    *n = 0;
    struct eg_stmt *s;
    int rc = eg_db_prepare(st, "SELECT id FROM units WHERE kind = ? ORDER BY id", &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(s, 1, kind, strlen(kind));
    int cap = 0;
    while ((rc = eg_stmt_step(s, err)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            *ids = eg_realloc(*ids, (size_t)cap * sizeof **ids);
        }
        (*ids)[(*n)++] = eg_stmt_int(s, 0);
    }
    eg_stmt_done(s);
    if (rc < 0) {
        free(*ids);
        *ids = NULL;
        *n = 0;
        return rc;
    }
    return 0;
}

int eg_registry_unit_region(struct eg_db *st, int64_t unit_id, int64_t *region_id, int *found,
                            struct eg_err *err)
{
    *region_id = 0;
    return eg_db_query_int(st, "SELECT coalesce(region_id, 0) FROM units WHERE id = ?", unit_id,
                           NULL, region_id, found, err);
}

int eg_registry_permits_expiring_each(struct eg_db *st, const char *from, const char *to,
                                      int (*fn)(void *arg, const struct eg_registry_permit_row *p),
                                      void *arg, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(st,
                           "SELECT p.id, p.number, p.unit_id, u.name, p.category, p.valid_to "
                           "FROM permits p JOIN units u ON u.id = p.unit_id WHERE p.status = "
                           "'valid' AND p.valid_to IS NOT NULL AND p.valid_to >= ?1 AND "
                           "p.valid_to <= ?2 ORDER BY p.valid_to, p.id",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(s, 1, from, strlen(from));
    eg_stmt_bind_text(s, 2, to, strlen(to));
    while ((rc = eg_stmt_step(s, err)) == 1) {
        struct eg_registry_permit_row p = {eg_stmt_int(s, 0),        eg_stmt_int(s, 2),
                                           eg_stmt_text(s, 1, NULL), eg_stmt_text(s, 3, NULL),
                                           eg_stmt_text(s, 4, NULL), eg_stmt_text(s, 5, NULL)};
        if ((rc = fn(arg, &p)) < 0)
            break;
    }
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int eg_registry_park_members_each(struct eg_db *st, int64_t park_id, const char *date,
                                  int (*fn)(void *arg, const struct eg_registry_park_member *m),
                                  void *arg, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(
        st,
        "SELECT pk.id, pk.name, e.id, e.name, EXISTS (SELECT 1 FROM permits p WHERE p.unit_id = "
        "e.id AND p.status = 'valid' AND coalesce(p.valid_from, '0000') <= ?1 AND "
        "coalesce(p.valid_to, '9999') >= ?1) FROM units pk LEFT JOIN units e ON e.park_id = pk.id "
        "AND e.kind = 'enterprise' WHERE pk.kind = 'park' AND (?2 = 0 OR pk.id = ?2) ORDER BY "
        "pk.id, e.id",
        &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(s, 1, date, strlen(date));
    eg_stmt_bind_int(s, 2, park_id);
    while ((rc = eg_stmt_step(s, err)) == 1) {
        struct eg_registry_park_member m = {
            eg_stmt_int(s, 0), eg_stmt_is_null(s, 2) ? 0 : eg_stmt_int(s, 2),
            eg_stmt_text(s, 1, NULL), eg_stmt_text(s, 3, NULL), (int)eg_stmt_int(s, 4)};
        if ((rc = fn(arg, &m)) < 0)
            break;
    }
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}
