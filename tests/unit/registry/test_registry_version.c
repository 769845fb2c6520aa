/*
 * test_registry_version.c: the registry version behind the list page cache (issue 11 §8,
 * migration 003): it changes with every insert, update and delete on every registry table,
 * through the registry or by plain SQL, never with a read or an audit row; and a database made
 * before migration 003 (already at a higher number: targets are 300) gets it when opened.
 */
#include "auth/auth.h"
#include "db/db.h"
#include "registry/registry.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

static int64_t version(struct eg_db *st, const char *res)
{
    int64_t v = 0;
    int ok = 0;
    struct eg_err err;
    REQUIRE(eg_registry_version(st, eg_registry_find(res), &v, &ok, &err) == 0);
    REQUIRE(ok);
    return v;
}

static const char *const tables[] = {"regions", "units",         "outlets",
                                     "permits", "permit_limits", "stations",
                                     "devices", "users",         "steward_contracts"};

TEST(registry_version_changes_with_every_write_to_every_registry_table)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", eg_test_db("ver.db"));
    struct eg_db *st;
    struct eg_err err;
    REQUIRE(eg_db_open(path, &st, &err) == 0);
    int64_t v0 = version(st, "units");
    /* the same version for every versioned resource; none for the audit log */
    for (size_t i = 0; i < EG_ARRAY_LEN(tables); i++)
        CHECK(version(st, tables[i]) == v0);
    int64_t v;
    int ok = 1;
    REQUIRE(eg_registry_version(st, eg_registry_find("audit"), &v, &ok, &err) == 0);
    CHECK_EQ_INT(ok, 0);
    /* through the registry: create, update, delete */
    json_t *row = NULL;
    json_t *in =
        json_pack("{s:s,s:s,s:s}", "code", "310115", "name", "浦东新区", "level", "district");
    REQUIRE(eg_registry_create(st, eg_registry_find("regions"), &eg_principal_system, in, &row,
                               &err) == 0);
    json_decref(in);
    int64_t id = (int64_t)json_integer_value(json_object_get(row, "id"));
    json_decref(row);
    int64_t v1 = version(st, "regions");
    CHECK(v1 != v0);
    /* a read changes nothing */
    json_t *rows = NULL;
    REQUIRE(eg_registry_list(st, eg_registry_find("regions"), &eg_principal_system, NULL, &rows,
                             NULL, &err) == 0);
    json_decref(rows);
    CHECK(version(st, "regions") == v1);
    in = json_pack("{s:s}", "name", "浦东");
    REQUIRE(eg_registry_update(st, eg_registry_find("regions"), &eg_principal_system, id, in, NULL,
                               &err) == 0);
    json_decref(in);
    int64_t v2 = version(st, "regions");
    CHECK(v2 != v1);
    REQUIRE(eg_registry_delete(st, eg_registry_find("regions"), &eg_principal_system, id, &err) ==
            0);
    int64_t v3 = version(st, "regions");
    CHECK(v3 != v2);
    /* by plain SQL on every table: an insert that fails changes nothing, a delete of no row
       neither, an update of any row does */
    for (size_t i = 0; i < EG_ARRAY_LEN(tables); i++) {
        char sql[200];
        int64_t before = version(st, tables[i]);
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id = -1", tables[i]);
        REQUIRE(eg_db_exec(st, sql, &err) == 0);
        CHECK(version(st, tables[i]) == before);
        snprintf(sql, sizeof sql, "INSERT INTO %s (id) VALUES (NULL)", tables[i]);
        CHECK(eg_db_exec(st, sql, &err) < 0); /* NOT NULL columns: refused */
        CHECK(version(st, tables[i]) == before);
    }
    REQUIRE(eg_db_exec(st, "INSERT INTO regions (code, name, level) VALUES ('9', 'x', 'district')",
                       &err) == 0);
    int64_t v4 = version(st, "stations");
    CHECK(v4 != v3);
    REQUIRE(eg_db_exec(st, "UPDATE regions SET name = 'y'", &err) == 0);
    CHECK(version(st, "devices") != v4);
    eg_db_close(st);
}

TEST(registry_version_migration_applies_below_a_newer_module_migration)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", eg_test_db("old.db"));
    struct eg_db *st;
    struct eg_err err;
    REQUIRE(eg_db_open(path, &st, &err) == 0);
    int top = eg_db_schema_version(st);
    CHECK(top >= 300);
    /* as a database made before migration 003 was written: no table, no triggers, no record */
    static const char *const ev[] = {"insert", "update", "delete"};
    for (size_t i = 0; i < EG_ARRAY_LEN(tables); i++)
        for (int k = 0; k < 3; k++) {
            char sql[200];
            snprintf(sql, sizeof sql, "DROP TRIGGER registry_version_%s_%s", tables[i], ev[k]);
            REQUIRE(eg_db_exec(st, sql, &err) == 0);
        }
    REQUIRE(eg_db_exec(st, "DROP TABLE registry_version", &err) == 0);
    REQUIRE(eg_db_exec(st, "DELETE FROM schema_version WHERE version = 3", &err) == 0);
    eg_db_close(st);
    REQUIRE(eg_db_open(path, &st, &err) == 0);
    CHECK_EQ_INT(eg_db_schema_version(st), top);
    int64_t v0 = version(st, "units");
    REQUIRE(eg_db_exec(st, "INSERT INTO regions (code, name, level) VALUES ('9', 'x', 'district')",
                       &err) == 0);
    CHECK(version(st, "units") != v0);
    eg_db_close(st);
    /* opened again: nothing to apply, nothing changes */
    REQUIRE(eg_db_open(path, &st, &err) == 0);
    int applied = -1;
    REQUIRE(eg_db_migrate(st, &applied, &err) == 0);
    CHECK_EQ_INT(applied, 0);
    eg_db_close(st);
}
