/* The credit inputs exceedance_rate / compliance_rate from the platform's records
   (src/govern/credit_exceed.c), rated with the national scheme cn-credit-2013 (环发〔2013〕150号,
   indicator 大气及水污染物达标排放: the lowest outlet compliance rate of the year; tiers 0.9..1
   -> 100, 0.75..0.9 -> 79). Hand-worked scene, year 2024:
     甲厂 (unit 1) outlet DA001, device MN1, limits SO2 (a21026) and NOx (a21002): 100 hourly
       means each; limit_exceed alerts opened in 2024 with 6 and 2 hits -> 8 / 200 = 4.00 %;
     甲厂 outlet DW001, device MN2, limit COD (w01018): 40 hourly means; 5 hits -> 5 / 40 =
       12.50 %, the worst outlet: compliance_rate = 0.875 -> tier 2, 79 points;
     an alert of 2023 (9 hits) and a limit_run alert (3 hits) do not count;
     乙厂 (unit 2) outlet with a limit and a device but no data: no value, the missing score 100.
   An officer's entry overrides the platform's value and its working. */
#include "govern/govern.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct eg_principal bureau = {EG_ROLE_BUREAU, 23, "officer", "", 0};

#define SCENE                                                                                      \
    "INSERT INTO regions (id, code, name, level) VALUES (1, 'D', '区', 'district');"              \
    "INSERT INTO units (id, name, kind, region_id) VALUES (1, '甲厂', 'enterprise', 1), (2, "    \
    "'乙厂', 'enterprise', 1);"                                                                  \
    "INSERT INTO outlets (id, unit_id, code, type) VALUES (1, 1, 'DA001', 'waste_gas'), (2, 1, "   \
    "'DW001', 'waste_water'), (3, 2, 'DA001', 'waste_gas');"                                       \
    "INSERT INTO permits (id, number, unit_id, category, valid_from, valid_to) VALUES (11, 'P1', " \
    "1, 'key', '2020-01-01', '2099-12-31'), (12, 'P2', 2, 'key', '2020-01-01', '2099-12-31');"     \
    "INSERT INTO permit_limits (permit_id, outlet_id, pollutant, conc_limit) VALUES (11, 1, "      \
    "'a21026', 50), (11, 1, 'a21002', 100), (11, 2, 'w01018', 60), (12, 3, 'a21026', 50);"         \
    "INSERT INTO devices (mn, password, outlet_id) VALUES ('MN1', 'x', 1), ('MN2', 'x', 2), "      \
    "('MN3', 'x', 3);"                                                                             \
    "INSERT INTO alerts (rule, subject, source, pollutant, unit_id, severity, title, evidence, "   \
    "opened_at, last_seen_at, hits, state) VALUES "                                                \
    "('limit_exceed', 'MN1|a21026', 'MN1', 'a21026', 1, 3, 't', '{}', 1709251200, 1709251200, "    \
    "6, 'closed'),"                                                                                \
    "('limit_exceed', 'MN1|a21002', 'MN1', 'a21002', 1, 3, 't', '{}', 1709251200, 1709251200, "    \
    "2, 'closed'),"                                                                                \
    "('limit_exceed', 'MN2|w01018', 'MN2', 'w01018', 1, 3, 't', '{}', 1709251200, 1709251200, "    \
    "5, 'open'),"                                                                                  \
    "('limit_exceed', 'MN1|a21026|2023', 'MN1', 'a21026', 1, 3, 't', '{}', 1690000000, "           \
    "1690000000, 9, 'closed'),"                                                                    \
    "('limit_run', 'MN1|a21026', 'MN1', 'a21026', 1, 3, 't', '{}', 1709251200, 1709251200, 3, "    \
    "'open');"

static void hours(struct eg_ts *ts, const char *mn, const char *pol, int n)
{
    struct eg_ts_point *p = calloc((size_t)n, sizeof *p);
    REQUIRE(p);
    for (int i = 0; i < n; i++)
        p[i] = (struct eg_ts_point){{mn, pol, EG_TS_KIND_HOUR, "Avg", 0},
                                    1704067200 + 86400 * 10 + 3600 * (int64_t)i, /* from Jan 11 */
                                    20.0 + i % 7,
                                    'N'};
    struct eg_err e = {0};
    int rc = eg_ts_write_batch(ts, p, (size_t)n, EG_TS_CREATE, NULL, &e);
    free(p);
    if (rc)
        eg_test_fail(__FILE__, __LINE__, "%s", e.msg);
    REQUIRE(rc == 0);
}

static json_t *indicator(json_t *rating, const char *name)
{
    size_t i;
    json_t *ind;
    json_array_foreach(json_object_get(json_object_get(rating, "explanation"), "indicators"), i,
                       ind)
    {
        if (!strcmp(json_string_value(json_object_get(ind, "name")), name))
            return ind;
    }
    return NULL;
}

TEST(credit_exceedance_rate_from_alerts_and_hours_of_data)
{
    struct eg_ts *ts;
    struct eg_db *db = eg_tfx_open_ts("exceed.db", 1735689600 /* 2025-01-01 */, &ts);
    struct eg_err err = {0};
    REQUIRE(eg_db_exec(db, SCENE, &err) == 0);
    hours(ts, "MN1", "a21026", 100);
    hours(ts, "MN1", "a21002", 100);
    hours(ts, "MN2", "w01018", 40);
    int64_t run = 0;
    json_t *sum = NULL;
    if (eg_credit_run(db, &bureau, 2024, "国家", &run, &sum, &err) < 0)
        eg_test_fail(__FILE__, __LINE__, "%s", err.msg);
    json_decref(sum);
    json_t *r = NULL;
    REQUIRE(eg_credit_rating_get(db, &bureau, 1, 2024, &r, &err) == 0);
    json_t *c = indicator(r, "compliance");
    REQUIRE(c);
    CHECK_EQ_DBL(json_number_value(json_object_get(c, "value")), 0.875, 1e-12);
    CHECK_STR(json_string_value(json_object_get(c, "source")), "platform");
    CHECK_EQ_INT(json_integer_value(json_object_get(c, "tier")), 2);
    CHECK_EQ_DBL(json_number_value(json_object_get(c, "score")), 79, 0);
    const char *d = json_string_value(json_object_get(c, "detail_zh"));
    REQUIRE(d);
    CHECK(strstr(d, "排放口 DA001：超标 8 小时 / 有效小时数据 200 小时 = 超标率 4.00%（达标率 "
                    "96.00%）") != NULL);
    CHECK(strstr(d, "排放口 DW001：超标 5 小时 / 有效小时数据 40 小时 = 超标率 12.50%") != NULL);
    CHECK(strstr(d, "取最差排放口：超标率 12.50%，达标率 87.50%") != NULL);
    json_decref(r);
    /* 乙厂: a limited series without data: no value, the missing rule (100). */
    r = NULL;
    REQUIRE(eg_credit_rating_get(db, &bureau, 2, 2024, &r, &err) == 0);
    c = indicator(r, "compliance");
    REQUIRE(c);
    CHECK(json_is_null(json_object_get(c, "value")));
    CHECK(json_object_get(c, "detail_zh") == NULL);
    CHECK_EQ_DBL(json_number_value(json_object_get(c, "score")), 100, 0);
    json_decref(r);
    /* The year before: only the 2023 alert, and no data then: no value either. */
    REQUIRE(eg_credit_run(db, &bureau, 2023, "国家", &run, NULL, &err) == 0);
    r = NULL;
    REQUIRE(eg_credit_rating_get(db, &bureau, 1, 2023, &r, &err) == 0);
    CHECK(json_is_null(json_object_get(indicator(r, "compliance"), "value")));
    json_decref(r);
    /* An officer's entry overrides the platform's value and its working. */
    REQUIRE(eg_credit_input_set(db, &bureau, 1, 2024, "compliance_rate", 0.95, "监督性监测",
                                &err) == 0);
    REQUIRE(eg_credit_run(db, &bureau, 2024, "国家", &run, NULL, &err) == 0);
    r = NULL;
    REQUIRE(eg_credit_rating_get(db, &bureau, 1, 2024, &r, &err) == 0);
    c = indicator(r, "compliance");
    CHECK_STR(json_string_value(json_object_get(c, "source")), "officer");
    CHECK_EQ_DBL(json_number_value(json_object_get(c, "score")), 100, 0);
    CHECK(json_object_get(c, "detail_zh") == NULL);
    json_decref(r);
    eg_ts_close(ts);
    eg_db_close(db);
}
