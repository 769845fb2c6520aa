/*
 * lookup.c: small queries (and one update) over the registry's tables that other modules need
 * and that the generic record API does not answer: the station of a code, how a device speaks,
 * a device's new password, and the device and user lists of the CLI. Here, so that no SQL on
 * these tables lives outside the registry.
 */
#include "registry/registry.h"

#include <string.h>

int eg_registry_station_id(struct eg_db *st, const char *code, int64_t *id, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(st, "SELECT id FROM stations WHERE code = ?", &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(s, 1, code, strlen(code));
    rc = eg_stmt_step(s, err);
    if (rc == 1) {
        *id = eg_stmt_int(s, 0);
        rc = 0;
    } else if (rc == 0) {
        rc = eg_err_set(err, EG_ENOTFOUND, "unknown_station", -1, "no station with code %s", code);
    }
    eg_stmt_done(s);
    return rc;
}

int eg_registry_is_device_mn(struct eg_db *st, const char *source, int *is_device,
                             struct eg_err *err)
{
    int64_t n = 0;
    int found = 0;
    *is_device = 0;
    int rc = eg_db_query_int(st, "SELECT COUNT(*) FROM devices WHERE ?1 >= 0 AND mn = ?2", 0,
                             source, &n, &found, err);
    if (rc < 0)
        return rc;
    *is_device = n > 0;
    return 0;
}

int eg_registry_device_wire(struct eg_db *st, int64_t id, struct eg_registry_device_wire *out,
                            int *found, struct eg_err *err)
{
    struct eg_stmt *s;
    *found = 0;
    int rc = eg_db_prepare(
        st, "SELECT protocol, crc, lenient, interval_s FROM devices WHERE id = ?", &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, id);
    rc = eg_stmt_step(s, err);
    if (rc == 1) {
        const char *proto = eg_stmt_text(s, 0, NULL);
        const char *crc = eg_stmt_text(s, 1, NULL);
        out->edition = proto && !strcmp(proto, "2005") ? 2005 : 2017;
        out->crc_modbus_swapped = crc && !strcmp(crc, "modbus_swapped");
        out->lenient = (int)eg_stmt_int(s, 2);
        out->interval_s = (int)eg_stmt_int(s, 3);
        *found = 1;
        rc = 0;
    }
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int eg_registry_device_password_set(struct eg_db *st, const char *mn, const char *pw, size_t n,
                                    struct eg_err *err)
{
    char hash[128];
    int rc = eg_auth_hash_password(pw, n, 1, hash, err);
    if (rc < 0)
        return rc;
    struct eg_stmt *s;
    rc = eg_db_prepare(st, "UPDATE devices SET password = ? WHERE mn = ?", &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(s, 1, hash, strlen(hash));
    eg_stmt_bind_text(s, 2, mn, strlen(mn));
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int eg_registry_devices_each(struct eg_db *st, int limit,
                             int (*fn)(void *arg, const struct eg_registry_device_row *d),
                             void *arg, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(st,
                           "SELECT d.id, d.mn, d.protocol, o.type, s.kind FROM devices d "
                           "LEFT JOIN outlets o ON o.id = d.outlet_id "
                           "LEFT JOIN stations s ON s.id = d.station_id ORDER BY d.id LIMIT ?",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, limit);
    while ((rc = eg_stmt_step(s, err)) == 1) {
        struct eg_registry_device_row d = {
            .id = eg_stmt_int(s, 0),
            .mn = eg_stmt_text(s, 1, NULL),
            .protocol = eg_stmt_text(s, 2, NULL),
            .outlet_type = eg_stmt_text(s, 3, NULL),
            .station_kind = eg_stmt_text(s, 4, NULL),
        };
        rc = fn(arg, &d);
        if (rc < 0)
            break;
    }
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int eg_registry_users_each(struct eg_db *st,
                           int (*fn)(void *arg, const struct eg_registry_user_row *u), void *arg,
                           struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(st,
                           "SELECT u.id, u.username, u.role, r.code, u.unit_id, u.disabled "
                           "FROM users u LEFT JOIN regions r ON r.id = u.region_id ORDER BY u.id",
                           &s, err);
    if (rc < 0)
        return rc;
    while ((rc = eg_stmt_step(s, err)) == 1) {
        struct eg_registry_user_row u = {
            .id = eg_stmt_int(s, 0),
            .username = eg_stmt_text(s, 1, NULL),
            .role = eg_stmt_text(s, 2, NULL),
            .region = eg_stmt_text(s, 3, NULL),
            .unit_id = eg_stmt_is_null(s, 4) ? 0 : eg_stmt_int(s, 4),
            .disabled = (int)eg_stmt_int(s, 5),
        };
        rc = fn(arg, &u);
        if (rc < 0)
            break;
    }
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}
