/* Tests of src/demo linked directly: the demo district loads into an empty database with the
   counts `envgov demo` prints, deterministically, and the registry then is no longer empty. */
#include "demo/demo.h"
#include "registry/registry.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <sodium.h>
#include <string.h>

TEST(demo_loads_the_district_into_an_empty_database)
{
    REQUIRE(sodium_init() >= 0);
    struct eg_db *st = eg_tfx_open("demo.db", NULL);
    int empty = 0;
    REQUIRE(eg_registry_is_empty(st, &empty, NULL) == 0);
    CHECK_EQ_INT(empty, 1);
    struct eg_demo_report rep;
    struct eg_err err;
    eg_err_clear(&err);
    REQUIRE(eg_demo_load(st, NULL, &rep, &err) == 0);
    CHECK_EQ_INT(rep.streets, 36);
    CHECK_EQ_INT(rep.parks, 6);
    CHECK_EQ_INT(rep.units, 300);
    CHECK_EQ_INT(rep.outlets, 543);
    CHECK_EQ_INT(rep.permits, 300);
    CHECK_EQ_INT(rep.limits, 1528);
    CHECK_EQ_INT(rep.stations, 60);
    CHECK_EQ_INT(rep.devices, 408);
    CHECK_STR(rep.users[2].name, "lujiazui");
    CHECK_EQ_INT((int)strlen(rep.users[0].password), 16);
    /* streets and towns, parks, pilot objects and enterprises are all units */
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM units"), 36 + 6 + 4 + 300);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM users"), 5);
    /* the fixed-seed generator: the first enterprise is the same on every run */
    CHECK_EQ_INT(eg_tfx_int(st,
                            "SELECT COUNT(*) FROM units WHERE id = (SELECT MIN(id) FROM "
                            "units WHERE kind = 'enterprise') AND credit_code = "
                            "'91310115MA1000017Q' AND name = '上海泥城骏丰物流有限公司（演示）'"),
                 1);
    REQUIRE(eg_registry_is_empty(st, &empty, NULL) == 0);
    CHECK_EQ_INT(empty, 0);
    eg_db_close(st);
}
