/* Tests of the minor-violation exemption (src/govern/exempt.c) against the shipped
   sh-exempt-2020 list (上海 2020-05-01 .. 2025-04-30; preamble: corrected in time, no harm;
   items 1-3 stopped and restored, 4-11 first discovery, 5 and 8 corrected on the spot) and
   行政处罚法 Art. 33 (education when no penalty is given). */
#include "govern/govern.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <string.h>

#define SCENE                                                                                      \
    "INSERT INTO regions (id, code, name, level) VALUES (1, 'D', '区', 'district');"              \
    "INSERT INTO units (id, name, kind, region_id) VALUES (1, '甲厂', 'enterprise', 1), (2, "    \
    "'乙厂', 'enterprise', 1);"

static const struct eg_principal bureau = {EG_ROLE_BUREAU, 23, "officer", "", 0};
static const struct eg_principal ent1 = {EG_ROLE_ENTERPRISE, 20, "ent1", "", 1};

static int cond_met(json_t *d, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(d, "conditions"), i, c)
    {
        if (!strcmp(json_string_value(json_object_get(c, "condition")), name))
            return json_is_true(json_object_get(c, "met"));
    }
    return -1;
}

TEST(exempt_items_conditions_decision_and_education)
{
    struct eg_db *db = eg_tfx_open("exempt.db", SCENE);
    struct eg_err err = {0};
    json_t *d = NULL;
    /* Item 1: 未批先建, stopped and restored, corrected, no harm -> exempt, with education. */
    struct eg_exempt_facts f = {"eia_unapproved_construction",    "2021-06-01", 1, 0, 1, 1, 0,
                                "已对当事人进行环评法律法规教育", "case:1"};
    REQUIRE(eg_exempt_check(db, &bureau, 1, &f, &d, &err) == 0);
    CHECK(json_is_true(json_object_get(d, "exempt")));
    CHECK_STR(json_string_value(json_object_get(d, "item")), "1");
    CHECK_EQ_INT(json_array_size(json_object_get(d, "conditions")), 3);
    CHECK_EQ_INT(cond_met(d, "stopped_and_restored"), 1);
    CHECK_EQ_INT(cond_met(d, "corrected"), 1);
    CHECK_EQ_INT(cond_met(d, "no_harm"), 1);
    CHECK_STR(json_string_value(json_object_get(json_object_get(d, "ruleset"), "id")),
              "sh-exempt-2020");
    json_decref(d);
    /* Exempt without education: refused (Art. 33), nothing recorded. */
    f.education = NULL;
    CHECK_EQ_INT(eg_exempt_check(db, &bureau, 2, &f, &d, &err), EG_EINVAL);
    CHECK_STR(err.code, "education");
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM govern_exemptions"), 1);
    /* Not restored: not exempt (items 1-3), recorded without education. */
    f.stopped_and_restored = 0;
    REQUIRE(eg_exempt_check(db, &bureau, 2, &f, &d, &err) == 0);
    CHECK(json_is_false(json_object_get(d, "exempt")));
    CHECK_EQ_INT(cond_met(d, "stopped_and_restored"), 0);
    json_decref(d);
    /* Item 5: first discovery and on-the-spot correction; corrected only later -> not exempt. */
    struct eg_exempt_facts g = {"sh2020_item5", "2022-03-01", 1, 0, 0, 1, 3, "教育", NULL};
    REQUIRE(eg_exempt_check(db, &bureau, 1, &g, &d, &err) == 0);
    CHECK(json_is_false(json_object_get(d, "exempt")));
    CHECK_EQ_INT(cond_met(d, "corrected_on_spot"), 0);
    CHECK_EQ_INT(cond_met(d, "first_discovery"), 1);
    json_decref(d);
    /* Item 4: first discovery -> exempt; the same violation of the same unit again -> the
       records say it is not the first: not exempt, whatever the officer ticked. */
    struct eg_exempt_facts h = {"sh2020_item4", "2022-04-01", 1, 0, 0, 1, 1, "教育", NULL};
    REQUIRE(eg_exempt_check(db, &bureau, 1, &h, &d, &err) == 0);
    CHECK(json_is_true(json_object_get(d, "exempt")));
    json_decref(d);
    h.date = "2022-09-01";
    REQUIRE(eg_exempt_check(db, &bureau, 1, &h, &d, &err) == 0);
    CHECK(json_is_false(json_object_get(d, "exempt")));
    CHECK_EQ_INT(cond_met(d, "first_discovery"), 0);
    json_decref(d);
    /* Harm caused: the preamble's no_harm fails. */
    struct eg_exempt_facts k = {"sh2020_item6", "2022-04-01", 1, 0, 0, 0, 1, "教育", NULL};
    REQUIRE(eg_exempt_check(db, &bureau, 1, &k, &d, &err) == 0);
    CHECK(json_is_false(json_object_get(d, "exempt")));
    CHECK_EQ_INT(cond_met(d, "no_harm"), 0);
    json_decref(d);
    /* Not on the list; and a date after the list expired (2025-04-30). */
    struct eg_exempt_facts u = {"dumping_hazardous_waste", "2022-04-01", 1, 1, 1, 1, 0, "x", NULL};
    REQUIRE(eg_exempt_check(db, &bureau, 1, &u, &d, &err) == 0);
    CHECK(json_is_false(json_object_get(d, "exempt")));
    CHECK_STR(json_string_value(json_object_get(d, "reason_zh")), "该违法行为不在免罚清单内");
    json_decref(d);
    f.date = "2025-05-01";
    f.stopped_and_restored = 1;
    f.education = "x";
    REQUIRE(eg_exempt_check(db, &bureau, 1, &f, &d, &err) == 0);
    CHECK(json_is_false(json_object_get(d, "exempt")));
    CHECK_STR(json_string_value(json_object_get(d, "reason_zh")), "该日期无有效的免罚清单");
    json_decref(d);
    /* Bad input and roles. */
    f.date = "2021-02-30";
    CHECK_EQ_INT(eg_exempt_check(db, &bureau, 1, &f, &d, &err), EG_EINVAL);
    f.date = "2021-06-01";
    CHECK_EQ_INT(eg_exempt_check(db, &bureau, 77, &f, &d, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_exempt_check(db, &ent1, 1, &f, &d, &err), EG_EPERM);
    f.violation = "";
    CHECK_EQ_INT(eg_exempt_check(db, &bureau, 1, &f, &d, &err), EG_EINVAL);
    json_t *rows = NULL;
    REQUIRE(eg_exempt_list(db, &ent1, 1, &rows, &err) == 0);
    CHECK_EQ_INT(json_array_size(rows), 7);
    json_decref(rows);
    CHECK_EQ_INT(eg_exempt_list(db, &ent1, 2, &rows, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM audit_log WHERE resource = "
                                "'govern_exemptions'"),
                 8);
    eg_db_close(db);
}

TEST(exempt_list_with_an_unknown_condition_names_the_line)
{
    struct eg_db *db = eg_tfx_open("exempt2.db", SCENE);
    struct eg_err err = {0};
    static const char text[] = "kind = exemption_list\nid = t-exempt\nversion = 1\njurisdiction = "
                               "上海市\nvalid_from = 2030-01-01\nbase_conditions = no_harm\n"
                               "[item 1]\nlabel = 测试\nviolation = v1\nconditions = "
                               "first_discovery maybe\n";
    REQUIRE(eg_ruleset_store(db, &bureau, text, sizeof text - 1, "t.rs", NULL, &err) == 0);
    struct eg_exempt_facts f = {"v1", "2030-02-01", 1, 0, 0, 1, 0, "x", NULL};
    json_t *d = NULL;
    CHECK_EQ_INT(eg_exempt_check(db, &bureau, 1, &f, &d, &err), EG_EINVAL);
    CHECK(strstr(err.msg, "t.rs:10: conditions: 'maybe' is not a condition") != NULL);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM govern_exemptions"), 0);
    eg_db_close(db);
}
