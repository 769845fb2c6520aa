/* Tests of registry/lookup.c on a real SQLite file: the station of a code, how a device speaks,
   a device's new password (HJ 212-2017 CN 1072) checked by the device authentication, and the
   device and user lists the CLI prints. */
#include "registry/registry.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <string.h>

#define SCENE                                                                                      \
    "INSERT INTO regions (code, name, level) VALUES ('310115', 'Pudong', 'district');"             \
    "INSERT INTO units (name, kind) VALUES ('Works', 'enterprise');"                               \
    "INSERT INTO outlets (unit_id, code, type) VALUES (1, 'DA001', 'waste_gas');"                  \
    "INSERT INTO stations (code, name, kind) VALUES ('W1', 'river', 'water');"                     \
    "INSERT INTO devices (mn, password, outlet_id, protocol, crc, lenient, interval_s) "           \
    "VALUES ('MN1', 'x', 1, '2005', 'modbus_swapped', 1, 30);"                                     \
    "INSERT INTO devices (mn, password, station_id) VALUES ('MN2', 'x', 1);"                       \
    "INSERT INTO users (username, role, region_id, password) VALUES ('li', 'street', 1, 'x');"     \
    "INSERT INTO users (username, role, unit_id, password, disabled) "                             \
    "VALUES ('wang', 'enterprise', 1, 'x', 1);"

TEST(registry_lookup_station_id_by_code_or_not_found)
{
    struct eg_db *st = eg_tfx_open("look.db", SCENE);
    struct eg_err err;
    int64_t id = 0;
    CHECK_EQ_INT(eg_registry_station_id(st, "W1", &id, &err), 0);
    CHECK_EQ_INT(id, 1);
    CHECK_EQ_INT(eg_registry_station_id(st, "NOPE", &id, &err), EG_ENOTFOUND);
    CHECK_STR(err.code, "unknown_station");
    eg_db_close(st);
}

TEST(registry_lookup_device_wire_settings)
{
    struct eg_db *st = eg_tfx_open("wire.db", SCENE);
    struct eg_err err;
    struct eg_registry_device_wire w;
    int found = 0;
    REQUIRE(eg_registry_device_wire(st, 1, &w, &found, &err) == 0);
    CHECK_EQ_INT(found, 1);
    CHECK_EQ_INT(w.edition, 2005);
    CHECK_EQ_INT(w.crc_modbus_swapped, 1);
    CHECK_EQ_INT(w.lenient, 1);
    CHECK_EQ_INT(w.interval_s, 30);
    REQUIRE(eg_registry_device_wire(st, 2, &w, &found, &err) == 0);
    CHECK_EQ_INT(w.edition, 2017);
    CHECK_EQ_INT(w.crc_modbus_swapped, 0);
    CHECK_EQ_INT(w.interval_s, 60);
    REQUIRE(eg_registry_device_wire(st, 99, &w, &found, &err) == 0);
    CHECK_EQ_INT(found, 0);
    eg_db_close(st);
}

TEST(registry_lookup_device_password_set_is_what_the_device_check_accepts)
{
    struct eg_db *st = eg_tfx_open("pw.db", SCENE);
    struct eg_err err;
    REQUIRE(eg_registry_device_password_set(st, "MN2", "654321", 6, &err) == 0);
    int64_t id = 0;
    CHECK_EQ_INT(eg_registry_device_check(st, "MN2", "654321", 6, &id, &err), 0);
    CHECK_EQ_INT(id, 2);
    CHECK_EQ_INT(eg_registry_device_check(st, "MN2", "123456", 6, &id, &err), EG_EAUTH);
    /* stored as a hash, never the password */
    struct eg_stmt *s;
    REQUIRE(eg_db_prepare(st, "SELECT password FROM devices WHERE mn = 'MN2'", &s, NULL) == 0);
    REQUIRE(eg_stmt_step(s, NULL) == 1);
    CHECK(strncmp(eg_stmt_text(s, 0, NULL), "$argon2id$", 10) == 0);
    eg_stmt_done(s);
    eg_db_close(st);
}

static int add_device(void *arg, const struct eg_registry_device_row *d)
{
    char *out = arg;
    snprintf(out + strlen(out), 256 - strlen(out), "%lld %s %s %s %s;", (long long)d->id, d->mn,
             d->protocol, d->outlet_type ? d->outlet_type : "-",
             d->station_kind ? d->station_kind : "-");
    return 0;
}

static int add_user(void *arg, const struct eg_registry_user_row *u)
{
    char *out = arg;
    snprintf(out + strlen(out), 256 - strlen(out), "%lld %s %s %s %lld %d;", (long long)u->id,
             u->username, u->role, u->region ? u->region : "-", (long long)u->unit_id, u->disabled);
    return 0;
}

static int stop_at_first(void *arg, const struct eg_registry_device_row *d)
{
    ++*(int *)arg;
    return EG_EINVAL;
}

TEST(registry_lookup_device_and_user_lists_in_id_order)
{
    struct eg_db *st = eg_tfx_open("lists.db", SCENE);
    struct eg_err err;
    char out[256] = "";
    REQUIRE(eg_registry_devices_each(st, 10, add_device, out, &err) == 0);
    CHECK_STR(out, "1 MN1 2005 waste_gas -;2 MN2 2017 - water;");
    out[0] = 0;
    REQUIRE(eg_registry_devices_each(st, 1, add_device, out, &err) == 0);
    CHECK_STR(out, "1 MN1 2005 waste_gas -;"); /* limit */
    int calls = 0;
    CHECK_EQ_INT(eg_registry_devices_each(st, 10, stop_at_first, &calls, &err), EG_EINVAL);
    CHECK_EQ_INT(calls, 1);
    out[0] = 0;
    REQUIRE(eg_registry_users_each(st, add_user, out, &err) == 0);
    CHECK_STR(out, "1 li street 310115 0 0;2 wang enterprise - 1 1;");
    eg_db_close(st);
}
