/* Tests of base/time.c: civil calendar and Beijing time (DESIGN.md: UTC stored, UTC+8 shown). */
#include "base/base.h"
#include "test.h"

TEST(time_epoch_is_0800_beijing)
{
    struct eg_civil c = {1970, 1, 1, 8, 0, 0, 0};
    CHECK_EQ_INT(eg_time_from_beijing(&c), 0);
}

TEST(time_round_trips_every_day_2000_to_2030)
{
    for (int64_t d = eg_days_from_civil(2000, 1, 1); d < eg_days_from_civil(2031, 1, 1); d++) {
        int y, m, dd;
        eg_civil_from_days(d, &y, &m, &dd);
        REQUIRE(eg_days_from_civil(y, m, dd) == d);
        REQUIRE(dd >= 1 && dd <= eg_days_in_month(y, m));
    }
}

TEST(time_leap_years_follow_gregorian_rule)
{
    CHECK_EQ_INT(eg_days_in_month(2000, 2), 29);
    CHECK_EQ_INT(eg_days_in_month(1900, 2), 28);
    CHECK_EQ_INT(eg_days_in_month(2024, 2), 29);
    CHECK_EQ_INT(eg_days_in_month(2026, 2), 28);
}

TEST(time_parse_beijing_accepts_the_documented_forms)
{
    int64_t a, b, c;
    REQUIRE(eg_time_parse_beijing("2026-03-01 00:00:00", 19, &a) == 0);
    REQUIRE(eg_time_parse_beijing("20260301000000", 14, &b) == 0);
    REQUIRE(eg_time_parse_beijing("2026-03-01", 10, &c) == 0);
    CHECK_EQ_INT(a, b);
    CHECK_EQ_INT(a, c);
    char out[32];
    eg_time_format_beijing(a, out, sizeof out);
    CHECK_STR(out, "2026-03-01 00:00:00");
    CHECK_EQ_INT(a % 86400, 86400 - EG_BEIJING_OFFSET);
}

TEST(time_parse_beijing_refuses_instants_that_do_not_exist)
{
    int64_t t;
    CHECK(eg_time_parse_beijing("20260230120000", 14, &t) == EG_EINVAL);
    CHECK(eg_time_parse_beijing("20260101240000", 14, &t) == EG_EINVAL);
    CHECK(eg_time_parse_beijing("2026-13-01", 10, &t) == EG_EINVAL);
    CHECK(eg_time_parse_beijing("2026-1-01", 9, &t) == EG_EINVAL);
    CHECK(eg_time_parse_beijing("2026a0101", 9, &t) == EG_EINVAL);
    CHECK(eg_time_parse_beijing("", 0, &t) == EG_EINVAL);
}

TEST(num_parse_double_is_strict)
{
    double v;
    CHECK(eg_parse_double("12.5", 4, &v) == 0 && v == 12.5);
    CHECK(eg_parse_double("-0.001", 6, &v) == 0);
    CHECK(eg_parse_double("1e3", 3, &v) == 0 && v == 1000);
    CHECK(eg_parse_double("nan", 3, &v) == EG_EINVAL);
    CHECK(eg_parse_double("inf", 3, &v) == EG_EINVAL);
    CHECK(eg_parse_double("1e999", 5, &v) == EG_EINVAL);
    CHECK(eg_parse_double("0x10", 4, &v) == EG_EINVAL);
    CHECK(eg_parse_double(" 1", 2, &v) == EG_EINVAL);
    CHECK(eg_parse_double(".", 1, &v) == EG_EINVAL);
    CHECK(eg_parse_double("", 0, &v) == EG_EINVAL);
}

TEST(buf_json_str_escapes_controls_and_keeps_utf8)
{
    struct eg_buf b = {0};
    const char s[] = "a\"\\\n\x01中\xff";
    eg_buf_json_str(&b, s, sizeof s - 1);
    CHECK_STR(b.data, "\"a\\\"\\\\\\n\\u0001中\xef\xbf\xbd\"");
    eg_buf_free(&b);
}
