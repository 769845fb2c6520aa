/*
 * accounts.c: the registry's records that authenticate — users (created through the users
 * resource, so validated and audited like any record) and HJ 212 devices (MN + PW against the
 * Argon2id hash the devices resource stored).
 */
#include "registry/registry.h"

#include <stdio.h>
#include <string.h>

int eg_registry_user_add(struct eg_db *st, const char *username, const char *role,
                         const char *region, int64_t unit_id, const char *password,
                         struct eg_err *err)
{
    json_t *in = json_object();
    json_object_set_new(in, "username", json_string(username ? username : ""));
    json_object_set_new(in, "role", json_string(role ? role : ""));
    json_object_set_new(in, "password",
                        json_stringn(password ? password : "", password ? strlen(password) : 0));
    if (unit_id)
        json_object_set_new(in, "unit_id", json_integer(unit_id));
    int r = 0;
    if (region && region[0]) {
        int64_t id = 0;
        struct eg_stmt *s;
        r = eg_db_prepare(st, "SELECT id FROM regions WHERE code = ?", &s, err);
        if (r == 0) {
            eg_stmt_bind_text(s, 1, region, strlen(region));
            r = eg_stmt_step(s, err);
            id = r == 1 ? eg_stmt_int(s, 0) : 0;
            eg_stmt_done(s);
            r = r < 0 ? r : 0;
        }
        if (r == 0 && !id)
            r = eg_err_set(err, EG_EINVAL, "region", -1, "no region with code \"%.32s\"", region);
        if (r == 0)
            json_object_set_new(in, "region_id", json_integer(id));
    }
    if (r == 0)
        r = eg_registry_create(st, eg_registry_find("users"), &eg_principal_system, in, NULL, err);
    json_decref(in);
    return r;
}

int eg_registry_device_check(struct eg_db *st, const char *mn, const char *pw, size_t pwlen,
                             int64_t *device_id, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(st, "SELECT id, password FROM devices WHERE mn = ?", &s, err);
    if (r < 0)
        return r;
    eg_stmt_bind_text(s, 1, mn, strlen(mn));
    r = eg_stmt_step(s, err);
    if (r <= 0) {
        eg_stmt_done(s);
        return r < 0 ? r : eg_err_set(err, EG_ENOTFOUND, "unknown_mn", -1, "unknown device MN");
    }
    int64_t id = eg_stmt_int(s, 0);
    char hash[128];
    snprintf(hash, sizeof hash, "%s", eg_stmt_text(s, 1, NULL));
    eg_stmt_done(s);
    if (!eg_auth_verify_password(hash, pw, pwlen))
        return eg_err_set(err, EG_EAUTH, "bad_device_password", -1, "wrong device password");
    if (device_id)
        *device_id = id;
    return 0;
}
