/*
 * fuzz/registry_json: libFuzzer target for the registry's input validation — any JSON body as a
 * create and as an update of every resource except users (whose Argon2id cost would stall the
 * fuzzer), as the system principal and as a street officer, inside a transaction that is rolled
 * back. The first byte picks the resource and the principal; the rest is the JSON text.
 * Checks: no crash, and an accepted create returns a row with an id.
 */
#include "registry/registry.h"

#include <stdlib.h>
#include <string.h>

static struct eg_db *st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st) {
        if (eg_db_open(":memory:", &st, NULL) < 0)
            abort();
        eg_db_exec(st,
                   "INSERT INTO regions(code,name,level) VALUES ('310115','浦东新区','district');"
                   "INSERT INTO regions(code,name,level,parent_id) VALUES "
                   "('310115005','陆家嘴街道','street',1);"
                   "INSERT INTO units(name,kind,credit_code,region_id) VALUES ('甲','enterprise',"
                   "'91310115MA1000017Q',2);"
                   "INSERT INTO outlets(unit_id,code,type) VALUES (1,'DA001','waste_gas');"
                   "INSERT INTO permits(number,unit_id,category) VALUES ('P1',1,'key');"
                   "INSERT INTO stations(code,name,kind) VALUES ('A1','站','air');",
                   NULL);
    }
    if (size < 1)
        return 0;
    static const char *const res[] = {"regions",       "units",    "outlets", "permits",
                                      "permit_limits", "stations", "devices", "steward_contracts"};
    const struct eg_resource *r = eg_registry_find(res[data[0] % 8]);
    struct eg_principal street = {EG_ROLE_STREET, 9, "str", "310115005", 0};
    const struct eg_principal *who = (data[0] & 0x80) ? &street : &eg_principal_system;
    json_t *in =
        json_loadb((const char *)data + 1, size - 1, JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL);
    if (!in)
        return 0;
    if (eg_db_begin(st, NULL) < 0)
        abort();
    json_t *row = NULL;
    struct eg_err err;
    if (eg_registry_create(st, r, who, in, &row, &err) == 0 &&
        !json_is_integer(json_object_get(row, "id")))
        abort();
    json_decref(row);
    row = NULL;
    eg_registry_update(st, r, who, 1, in, &row, &err);
    json_decref(row);
    eg_db_rollback(st);
    json_decref(in);
    return 0;
}
