/*
 * test_rules_service.c: the rules service as `serve` runs it, in one process: subscribed to the
 * app's event feed, evaluating on a job (coalesced), stopped before the app — and the ambient
 * rules on real stations: an air station's hourly AQI over 200 (HJ 633-2012 Table 2 重度污染:
 * PM2.5 300 µg/m³ gives IAQI 350), a water section worse than its target class (GB 3838-2002
 * Table 1: COD 45 mg/L is worse than class V's 40), a noise station of zone 1 over its night
 * limit of 45 dB(A) (GB 3096-2008 Table 1).
 */
#include "base/app.h"
#include "db/db.h"
#include "rules/rules.h"
#include "test.h"
#include "ts/ts.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* 2026-03-02 00:00 Beijing */
static const int64_t D0 = 1772380800;

static const char *setup(void)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/svc.db", eg_test_tmpdir());
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(path, &st, &e) == 0);
    REQUIRE(eg_db_exec(st,
                       "INSERT INTO stations (code, name, kind) VALUES ('AQ01', '测试空气站', "
                       "'air');"
                       "INSERT INTO stations (code, name, kind, water_class) VALUES ('WQ01', "
                       "'测试断面', 'water', 'III');"
                       "INSERT INTO stations (code, name, kind, noise_zone) VALUES ('NS01', "
                       "'测试噪声站', 'noise', '1');",
                       &e) == 0);
    eg_db_close(st);
    return path;
}

static void write_hours(const char *db, const char *src, const char *pol, int64_t t0, int n,
                        double v)
{
    struct eg_db *st;
    struct eg_ts *ts;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    REQUIRE(eg_ts_open(st, &ts, &e) == 0);
    eg_ts_set_now(ts, D0 + 2 * 86400);
    struct eg_ts_point *p = calloc((size_t)n, sizeof *p);
    for (int i = 0; i < n; i++)
        p[i] = (struct eg_ts_point){{src, pol, EG_TS_KIND_HOUR, "Avg", 0}, t0 + i * 3600, v, 'N'};
    REQUIRE(eg_ts_write_batch(ts, p, (size_t)n, EG_TS_CREATE, NULL, &e) == 0);
    free(p);
    eg_ts_close(ts);
    eg_db_close(st);
}

static int64_t count(const char *db, const char *rule)
{
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    int64_t n = 0;
    int found;
    REQUIRE(eg_db_query_int(st, "SELECT count(*) FROM alerts WHERE rule = ?2 AND ?1 = ?1", 0, rule,
                            &n, &found, &e) == 0);
    eg_db_close(st);
    return n;
}

TEST(rules_service_on_the_event_feed_ambient_aqi_water_noise)
{
    const char *db = setup();
    /* 24 hours of each */
    write_hours(db, "AQ01", "a34004", D0, 24, 300); /* PM2.5 */
    write_hours(db, "WQ01", "w01018", D0, 24, 45);  /* COD */
    write_hours(db, "NS01", "Leq", D0, 24, 52);     /* day 52 <= 55, night 52 > 45 */
    struct eg_app app;
    struct eg_err e = {0};
    REQUIRE(eg_app_init(&app, db, &e) == 0);
    struct eg_rules_config c;
    eg_rules_config_default(&c);
    struct eg_rules *r;
    REQUIRE(eg_rules_service_start(&app, &c, &r, &e) == 0);
    eg_rules_set_now(r, D0 + 86400);
    /* what an observations import publishes after its commit */
    struct eg_event_batch *b = eg_event_batch_new(EG_EVENT_IMPORT);
    for (int i = 0; i < 24; i++) {
        eg_event_batch_add(b, "AQ01", "a34004", EG_TS_KIND_HOUR, D0 + i * 3600);
        eg_event_batch_add(b, "WQ01", "w01018", EG_TS_KIND_HOUR, D0 + i * 3600);
        eg_event_batch_add(b, "NS01", "Leq", EG_TS_KIND_HOUR, D0 + i * 3600);
    }
    REQUIRE(eg_events_publish(app.events, b) == 0);
    int ok = 0;
    for (int i = 0; i < 200 && !ok; i++) {
        eg_events_flush(app.events);
        ok = count(db, "aqi_high") == 1 && count(db, "water_class") == 1 &&
             count(db, "noise_night") == 1;
        if (!ok)
            usleep(20000);
    }
    CHECK_EQ_INT(count(db, "aqi_high"), 1);
    CHECK_EQ_INT(count(db, "water_class"), 1);
    CHECK_EQ_INT(count(db, "noise_night"), 1);
    eg_rules_service_stop(&app, r);
    eg_app_fini(&app);
    /* the evidence names the figures */
    struct eg_db *st;
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    json_t *l = NULL;
    struct eg_alerts_filter f = {.rule = "water_class"};
    REQUIRE(eg_alerts_list(st, &eg_principal_system, &f, &l, &e) == 0);
    json_t *ev = json_object_get(json_array_get(l, 0), "evidence");
    CHECK_STR(json_string_value(json_object_get(ev, "class")), "劣V");
    CHECK_STR(json_string_value(json_object_get(ev, "target_class")), "III");
    CHECK_STR(json_string_value(json_object_get(json_array_get(l, 0), "source")), "WQ01");
    json_decref(l);
    struct eg_alerts_filter fa = {.rule = "aqi_high"};
    REQUIRE(eg_alerts_list(st, &eg_principal_system, &fa, &l, &e) == 0);
    ev = json_object_get(json_array_get(l, 0), "evidence");
    CHECK_EQ_INT(json_integer_value(json_object_get(ev, "aqi")), 350);
    json_decref(l);
    struct eg_alerts_filter fn = {.rule = "noise_night"};
    REQUIRE(eg_alerts_list(st, &eg_principal_system, &fn, &l, &e) == 0);
    ev = json_object_get(json_array_get(l, 0), "evidence");
    CHECK_EQ_DBL(json_number_value(json_object_get(ev, "ln")), 52, 0.05);
    CHECK_EQ_INT(json_integer_value(json_object_get(ev, "night_limit")), 45);
    json_decref(l);
    eg_db_close(st);
}

TEST(rules_service_clean_ambient_data_opens_nothing)
{
    const char *db = setup();
    write_hours(db, "AQ01", "a34004", D0, 24, 35);
    write_hours(db, "WQ01", "w01018", D0, 24, 15); /* class I-II for COD (<= 15) */
    write_hours(db, "NS01", "Leq", D0, 24, 40);
    struct eg_rules_config c;
    eg_rules_config_default(&c);
    struct eg_rules *r;
    struct eg_err e = {0};
    REQUIRE(eg_rules_new(db, &c, &r, &e) == 0);
    eg_rules_set_now(r, D0 + 86400);
    struct eg_event ev[3] = {{EG_EVENT_IMPORT, "AQ01", "a34004", 2061, D0, D0 + 23 * 3600},
                             {EG_EVENT_IMPORT, "NS01", "Leq", 2061, D0, D0 + 23 * 3600},
                             {EG_EVENT_IMPORT, "WQ01", "w01018", 2061, D0, D0 + 23 * 3600}};
    REQUIRE(eg_rules_on_events(r, ev, 3, &e) == 0);
    struct eg_rules_stats s;
    eg_rules_stats(r, &s);
    CHECK_EQ_INT(s.evaluations, 3);
    CHECK_EQ_INT(s.opened, 0);
    eg_rules_free(r);
}
