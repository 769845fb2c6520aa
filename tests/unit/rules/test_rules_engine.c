/*
 * test_rules_engine.c: the engine over a real SQLite file — values written through ts.h, events
 * as the ingest writer publishes them, alerts read back: exceedance of a permit limit by the
 * hourly mean (Zs for waste gas), the run over N hours, the day's amount over the permitted
 * amount, unconfirmed devices skipped, one alert while the condition lasts, closed when it
 * ends; data rules (flatline) through the engine; the scheduled rules (offline, missing data);
 * a person's transitions and what each role sees; the rules file and its malformed inputs.
 */
#include "auth/auth.h"
#include "devices/devices.h"
#include "registry/registry.h"
#include "rules/rules.h"
#include "test.h"
#include "ts/ts.h"

#include <stdio.h>
#include <stdlib.h>

#define MN_GAS "RULESGAS0000000000000001"
#define MN_WATER "RULESWAT0000000000000002"

/* 2026-03-02 10:00 Beijing = 02:00 UTC */
static const int64_t H = 1772416800;

static const char *setup(void)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/rules.db", eg_test_tmpdir());
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(path, &st, &e) == 0);
    int rc = eg_db_exec(
        st,
        "INSERT INTO regions (id, code, name, level) VALUES (1, '310101', '测试区', 'district');"
        "INSERT INTO regions (id, code, name, level, parent_id) VALUES (2, '310101001', "
        "'甲街道', 'street', 1);"
        "INSERT INTO regions (id, code, name, level, parent_id) VALUES (3, '310101002', "
        "'乙街道', 'street', 1);"
        "INSERT INTO units (id, name, kind, region_id) VALUES (1, '测试化工有限公司', "
        "'enterprise', "
        "2);"
        "INSERT INTO outlets (id, unit_id, code, type) VALUES (1, 1, 'DA001', 'waste_gas');"
        "INSERT INTO outlets (id, unit_id, code, type) VALUES (2, 1, 'DW001', 'waste_water');"
        "INSERT INTO permits (id, number, unit_id, category) VALUES (1, '91310000TEST001P', 1, "
        "'key');"
        "INSERT INTO permit_limits (permit_id, outlet_id, pollutant, conc_limit, conc_unit, "
        "standard, annual_t) VALUES (1, 1, 'a34013', 20, 'mg/m3', 'GB 16297-1996', 3.65);"
        "INSERT INTO permit_limits (permit_id, outlet_id, pollutant, conc_limit, conc_unit, "
        "standard) VALUES (1, 2, 'w01018', 50, 'mg/L', 'GB 8978-1996');"
        "INSERT INTO devices (mn, password, outlet_id) VALUES ('" MN_GAS "', 'x', 1);"
        "INSERT INTO devices (mn, password, outlet_id) VALUES ('" MN_WATER "', 'x', 2);",
        &e);
    if (rc)
        fprintf(stderr, "setup: %s\n", e.msg);
    REQUIRE(rc == 0);
    eg_db_close(st);
    return path;
}

static void write_pts(const char *db, const char *mn, const char *pol, int kind, const char *field,
                      int64_t t0, int64_t step, const double *v, size_t n, char flag)
{
    struct eg_db *st;
    struct eg_ts *ts;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    REQUIRE(eg_ts_open(st, &ts, &e) == 0);
    eg_ts_set_now(ts, H + 86400);
    struct eg_ts_point *p = calloc(n, sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = (struct eg_ts_point){{mn, pol, kind, field, 0}, t0 + (int64_t)i * step, v[i], flag};
    int rc = eg_ts_write_batch(ts, p, n, EG_TS_CREATE, NULL, &e);
    if (rc)
        fprintf(stderr, "write: %s\n", e.msg);
    REQUIRE(rc == 0);
    free(p);
    eg_ts_close(ts);
    eg_db_close(st);
}

static struct eg_rules *engine(const char *db, struct eg_rules_config *cfg)
{
    struct eg_rules_config c;
    if (!cfg) {
        eg_rules_config_default(&c);
        cfg = &c;
    }
    struct eg_rules *r;
    struct eg_err e = {0};
    REQUIRE(eg_rules_new(db, cfg, &r, &e) == 0);
    eg_rules_set_now(r, H + 3600 + 120);
    return r;
}

static void run_event(struct eg_rules *r, const char *mn, const char *pol, int kind, int64_t h0,
                      int64_t h1)
{
    struct eg_event ev = {EG_EVENT_INGEST, mn, pol, kind, h0, h1};
    struct eg_err e = {0};
    int rc = eg_rules_on_events(r, &ev, 1, &e);
    if (rc)
        fprintf(stderr, "events: %s\n", e.msg);
    CHECK_EQ_INT(rc, 0);
}

static json_t *alerts(const char *db, const char *rule, const char *state)
{
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    struct eg_alerts_filter f = {.rule = rule, .state = state};
    json_t *out = NULL;
    REQUIRE(eg_alerts_list(st, &eg_principal_system, &f, &out, &e) == 0);
    eg_db_close(st);
    return out;
}

static double num(json_t *o, const char *path1, const char *k)
{
    json_t *x = path1 ? json_object_get(o, path1) : o;
    return json_number_value(json_object_get(x, k));
}

/* Minute data of the gas outlet: ZsAvg over the limit of 20 mg/m3 for one hour (mean 25),
   Avg (measured, not converted) under it: the rule judges Zs (GB 16297 limits are converted
   concentrations). */
TEST(rules_limit_exceed_by_hourly_zs_mean_with_evidence_once_per_condition)
{
    const char *db = setup();
    double zs[60], avg[60];
    for (int i = 0; i < 60; i++) {
        zs[i] = 24 + (i % 3); /* mean 25 */
        avg[i] = 15;
    }
    write_pts(db, MN_GAS, "a34013", 2051, "ZsAvg", H, 60, zs, 60, 'N');
    write_pts(db, MN_GAS, "a34013", 2051, "Avg", H, 60, avg, 60, 'N');
    struct eg_rules *r = engine(db, NULL);
    run_event(r, MN_GAS, "a34013", 2051, H, H);
    json_t *a = alerts(db, "limit_exceed", "live");
    REQUIRE(json_array_size(a) == 1);
    json_t *x = json_array_get(a, 0);
    json_t *ev = json_object_get(x, "evidence");
    CHECK_EQ_DBL(num(ev, NULL, "value"), 25, 1e-9);
    CHECK_EQ_DBL(num(ev, "limit", "value"), 20, 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(ev, "limit"), "permit")),
              "91310000TEST001P");
    CHECK_STR(json_string_value(json_object_get(ev, "field")), "ZsAvg");
    CHECK_STR(json_string_value(json_object_get(ev, "from")), "2026-03-02 10:00:00");
    CHECK_STR(json_string_value(json_object_get(x, "subject")), MN_GAS "|a34013");
    CHECK_EQ_INT(json_integer_value(json_object_get(x, "unit_id")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(x, "region_id")), 2);
    CHECK(json_object_get(ev, "rule_zh") && json_object_get(ev, "params"));
    CHECK(json_array_size(json_object_get(ev, "values")) == 1);
    /* severity 3 >= task_severity 3: a task (三监联动, origin alert) was raised, enforcement,
       addressed to the unit's street */
    json_int_t task = json_integer_value(json_object_get(x, "task_id"));
    CHECK(task > 0);
    json_decref(a);
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    int64_t n = 0;
    int found = 0;
    REQUIRE(eg_db_query_int(st,
                            "SELECT count(*) FROM tasks WHERE origin = 'alert' AND origin_id = ? "
                            "AND task_type = 'enforcement' AND outlet_id = 1",
                            1, NULL, &n, &found, &e) == 0);
    CHECK_EQ_INT(n, 1);
    eg_db_close(st);
    /* the same hour again (a later packet of it): still one alert, two hits */
    run_event(r, MN_GAS, "a34013", 2051, H, H);
    a = alerts(db, "limit_exceed", NULL);
    CHECK_EQ_INT(json_array_size(a), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(a, 0), "hits")), 2);
    json_decref(a);
    /* the task is raised once, not per hit */
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    REQUIRE(eg_db_query_int(st, "SELECT count(*) FROM tasks WHERE origin = ?2 AND ?1 = ?1", 0,
                            "alert", &n, &found, &e) == 0);
    CHECK_EQ_INT(n, 1);
    eg_db_close(st);
    /* the next hour is under the limit: the condition ended, the engine closes it */
    double ok[60];
    for (int i = 0; i < 60; i++)
        ok[i] = 12;
    write_pts(db, MN_GAS, "a34013", 2051, "ZsAvg", H + 3600, 60, ok, 60, 'N');
    eg_rules_set_now(r, H + 7200 + 60);
    run_event(r, MN_GAS, "a34013", 2051, H + 3600, H + 3600);
    a = alerts(db, "limit_exceed", "closed");
    CHECK_EQ_INT(json_array_size(a), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(a, 0), "closed_by")), "system");
    json_decref(a);
    struct eg_rules_stats s;
    eg_rules_stats(r, &s);
    CHECK_EQ_INT(s.opened, 1);
    CHECK_EQ_INT(s.updated, 1);
    CHECK(s.closed >= 1);
    eg_rules_free(r);
}

TEST(rules_unconfirmed_device_is_skipped_by_compliance_rules)
{
    const char *db = setup();
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    REQUIRE(eg_db_exec(st, "UPDATE devices SET confirmed = 0", &e) == 0);
    eg_db_close(st);
    double v[60];
    for (int i = 0; i < 60; i++)
        v[i] = 80 + i % 5; /* COD over 50 mg/L */
    write_pts(db, MN_WATER, "w01018", 2051, "Avg", H, 60, v, 60, 'N');
    struct eg_rules *r = engine(db, NULL);
    run_event(r, MN_WATER, "w01018", 2051, H, H);
    json_t *a = alerts(db, "limit_exceed", NULL);
    CHECK_EQ_INT(json_array_size(a), 0);
    json_decref(a);
    eg_rules_free(r);
}

TEST(rules_limit_run_after_three_hours_and_daily_amount_over_permitted)
{
    const char *db = setup();
    /* hourly reports (2061): 3 hours of ZsAvg over 20, and Cou (kg) 4 + 4 + 4 = 12 kg in the
       day against 3.65 t/a / 365 = 10 kg/d (HJ 944 annual amount spread over the year) */
    double zs[3] = {30, 32, 35}, cou[3] = {4, 4, 4};
    write_pts(db, MN_GAS, "a34013", 2061, "ZsAvg", H - 7200, 3600, zs, 3, 'N');
    write_pts(db, MN_GAS, "a34013", 2061, "Cou", H - 7200, 3600, cou, 3, 'N');
    struct eg_rules *r = engine(db, NULL);
    run_event(r, MN_GAS, "a34013", 2061, H - 7200, H);
    json_t *a = alerts(db, "limit_run", "open");
    REQUIRE(json_array_size(a) == 1);
    json_t *ev = json_object_get(json_array_get(a, 0), "evidence");
    CHECK_EQ_INT(json_integer_value(json_object_get(ev, "count")), 3);
    CHECK_EQ_DBL(num(ev, NULL, "value"), 35, 0);
    json_decref(a);
    a = alerts(db, "daily_amount", "open");
    REQUIRE(json_array_size(a) == 1);
    ev = json_object_get(json_array_get(a, 0), "evidence");
    CHECK_EQ_DBL(num(ev, NULL, "daily_amount_kg"), 12, 1e-9);
    CHECK_EQ_DBL(num(ev, NULL, "daily_allowed_kg"), 10, 1e-9);
    json_decref(a);
    /* two hours only do not make a run of three */
    a = alerts(db, "limit_exceed", "open");
    CHECK_EQ_INT(json_array_size(a), 1);
    json_decref(a);
    eg_rules_free(r);
}

TEST(rules_flatline_through_the_engine_and_quiet_on_a_clean_hour)
{
    const char *db = setup();
    double v[181];
    for (int i = 0; i < 181; i++)
        v[i] = i < 60 ? 30 + (i % 7) * 0.3 : 31.7; /* an hour of noise, then 2 h stuck */
    write_pts(db, MN_WATER, "w01018", 2051, "Avg", H - 7200, 60, v, 181, 'N');
    struct eg_rules *r = engine(db, NULL);
    run_event(r, MN_WATER, "w01018", 2051, H - 7200, H + 3600);
    json_t *a = alerts(db, "flatline", "open");
    REQUIRE(json_array_size(a) == 1);
    json_t *ev = json_object_get(json_array_get(a, 0), "evidence");
    CHECK_EQ_DBL(num(ev, NULL, "value"), 31.7, 1e-9);
    CHECK_EQ_INT(json_integer_value(json_object_get(ev, "count")), 121);
    CHECK(json_is_null(json_object_get(json_array_get(a, 0), "task_id"))); /* severity 2 < 3 */
    json_decref(a);
    a = alerts(db, "jump", NULL);
    CHECK_EQ_INT(json_array_size(a), 0);
    json_decref(a);
    eg_rules_free(r);
}

TEST(rules_offline_and_missing_data_on_schedule)
{
    const char *db = setup();
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    /* the gas device last sent 10 minutes before now (interval 60 s, 3 x = 3 min: offline) */
    struct eg_devices_traffic t = {.mn = MN_GAS,
                                   .device_id = 1,
                                   .interval_s = 60,
                                   .last_packet_at = H + 3600 + 120 - 600,
                                   .last_data_time = H + 3000,
                                   .last_cn = 2051,
                                   .packets = 1,
                                   .values = 1};
    REQUIRE(eg_devices_status_traffic(st, &t, &e) == 0);
    eg_db_close(st);
    /* the water device sent half its minutes of the last 24 hours */
    double v[720];
    for (int i = 0; i < 720; i++)
        v[i] = 20 + i % 4;
    write_pts(db, MN_WATER, "w01018", 2051, "Avg", H + 3600 + 120 - 86400 + 43200, 60, v, 720, 'N');
    struct eg_rules *r = engine(db, NULL);
    REQUIRE(eg_rules_run_scheduled(r, &e) == 0);
    json_t *a = alerts(db, "offline", "open");
    REQUIRE(json_array_size(a) == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(a, 0), "source")), MN_GAS);
    json_decref(a);
    a = alerts(db, "missing_data", "open");
    REQUIRE(json_array_size(a) == 1);
    json_t *ev = json_object_get(json_array_get(a, 0), "evidence");
    CHECK_EQ_DBL(num(ev, NULL, "transmission_rate"), 0.5, 0.01);
    json_decref(a);
    /* the device came back: the next run closes the offline alert */
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    t.last_packet_at = H + 3600 + 110;
    REQUIRE(eg_devices_status_traffic(st, &t, &e) == 0);
    eg_db_close(st);
    REQUIRE(eg_rules_run_scheduled(r, &e) == 0);
    a = alerts(db, "offline", "closed");
    CHECK_EQ_INT(json_array_size(a), 1);
    json_decref(a);
    eg_rules_free(r);
}

static int64_t user(struct eg_db *st, const char *name, const char *role, const char *region,
                    int64_t unit, struct eg_principal *p)
{
    struct eg_err e = {0};
    int rc = eg_registry_user_add(st, name, role, region, unit, "secret-password-1", &e);
    if (rc)
        fprintf(stderr, "user: %s\n", e.msg);
    REQUIRE(rc == 0);
    char tok[EG_AUTH_TOKEN_LEN + 1];
    REQUIRE(eg_auth_login(st, name, "secret-password-1", NULL, 0, tok, p, &e) == 0);
    return p->user_id;
}

TEST(rules_alert_transitions_and_scope_per_role)
{
    const char *db = setup();
    double zs[60];
    for (int i = 0; i < 60; i++)
        zs[i] = 30;
    write_pts(db, MN_GAS, "a34013", 2051, "ZsAvg", H, 60, zs, 60, 'N');
    struct eg_rules *r = engine(db, NULL);
    run_event(r, MN_GAS, "a34013", 2051, H, H);
    eg_rules_free(r);
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    struct eg_principal ent, other_ent, street, other_street, bureau, steward;
    struct eg_principal anon = {.role = EG_ROLE_ANON};
    REQUIRE(eg_db_exec(st,
                       "INSERT INTO units (id, name, kind, region_id) VALUES (2, '另一家公司', "
                       "'enterprise', 3)",
                       &e) == 0);
    user(st, "ent1", "enterprise", NULL, 1, &ent);
    user(st, "ent2", "enterprise", NULL, 2, &other_ent);
    user(st, "street1", "street", "310101001", 0, &street);
    user(st, "street2", "street", "310101002", 0, &other_street);
    user(st, "bureau1", "bureau", NULL, 0, &bureau);
    user(st, "steward1", "steward", NULL, 0, &steward);
    struct eg_alerts_filter f = {0};
    json_t *l = NULL;
    const struct {
        const struct eg_principal *who;
        size_t n;
    } seen[] = {{&ent, 1},          {&other_ent, 0}, {&street, 1},
                {&other_street, 0}, {&bureau, 1},    {&steward, 0}};
    for (size_t i = 0; i < EG_ARRAY_LEN(seen); i++) {
        REQUIRE(eg_alerts_list(st, seen[i].who, &f, &l, &e) == 0);
        CHECK_EQ_INT(json_array_size(l), seen[i].n);
        json_decref(l);
    }
    CHECK_EQ_INT(eg_alerts_list(st, &anon, &f, &l, &e), EG_EAUTH);
    json_t *one = NULL;
    CHECK_EQ_INT(eg_alerts_get(st, &other_street, 1, &one, &e), EG_ENOTFOUND);
    /* filters */
    struct eg_alerts_filter f2 = {.unit_id = 2};
    REQUIRE(eg_alerts_list(st, &bureau, &f2, &l, &e) == 0);
    CHECK_EQ_INT(json_array_size(l), 0);
    json_decref(l);
    struct eg_alerts_filter f3 = {.region_id = 2, .rule = "limit_exceed", .state = "open"};
    REQUIRE(eg_alerts_list(st, &bureau, &f3, &l, &e) == 0);
    CHECK_EQ_INT(json_array_size(l), 1);
    json_decref(l);
    struct eg_alerts_filter bad = {.state = "opened"};
    CHECK_EQ_INT(eg_alerts_list(st, &bureau, &bad, &l, &e), EG_EINVAL);
    struct eg_alerts_filter bad2 = {.rule = "no_such_rule"};
    CHECK_EQ_INT(eg_alerts_list(st, &bureau, &bad2, &l, &e), EG_EINVAL);
    /* transitions: enterprise may not, the other street cannot see it, close needs a reason */
    CHECK_EQ_INT(eg_alerts_transition(st, &ent, 1, "acknowledge", NULL, 0, &e), EG_EPERM);
    CHECK_EQ_INT(eg_alerts_transition(st, &steward, 1, "acknowledge", NULL, 0, &e), EG_EPERM);
    CHECK_EQ_INT(eg_alerts_transition(st, &anon, 1, "acknowledge", NULL, 0, &e), EG_EAUTH);
    CHECK_EQ_INT(eg_alerts_transition(st, &other_street, 1, "acknowledge", NULL, 0, &e),
                 EG_ENOTFOUND);
    CHECK_EQ_INT(eg_alerts_transition(st, &street, 1, "close", "", 0, &e), EG_EINVAL);
    CHECK_EQ_INT(eg_alerts_transition(st, &street, 1, "reopen", "x", 0, &e), EG_EINVAL);
    int rc = eg_alerts_transition(st, &street, 1, "acknowledge", NULL, 0, &e);
    if (rc)
        fprintf(stderr, "ack: %s\n", e.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(eg_alerts_transition(st, &street, 1, "acknowledge", NULL, 0, &e), EG_ECONFLICT);
    char longr[600];
    memset(longr, 'x', sizeof longr - 1);
    longr[sizeof longr - 1] = 0;
    CHECK_EQ_INT(eg_alerts_transition(st, &bureau, 1, "close", longr, 0, &e), EG_EINVAL);
    CHECK_EQ_INT(eg_alerts_transition(st, &bureau, 1, "close", "现场核查：已整改", 0, &e), 0);
    CHECK_EQ_INT(eg_alerts_transition(st, &bureau, 1, "close", "again", 0, &e), EG_ECONFLICT);
    REQUIRE(eg_alerts_get(st, &bureau, 1, &one, &e) == 0);
    CHECK_STR(json_string_value(json_object_get(one, "state")), "closed");
    CHECK_STR(json_string_value(json_object_get(one, "close_reason")), "现场核查：已整改");
    CHECK_STR(json_string_value(json_object_get(one, "closed_by")), "bureau1");
    CHECK_STR(json_string_value(json_object_get(one, "acked_by")), "street1");
    json_decref(one);
    int64_t audits = 0;
    int found = 0;
    REQUIRE(eg_db_query_int(st,
                            "SELECT count(*) FROM audit_log WHERE resource = 'alerts' AND "
                            "row_id = ?",
                            1, NULL, &audits, &found, &e) == 0);
    CHECK_EQ_INT(audits, 2);
    eg_db_close(st);
}

static const char *write_file(const char *name, const char *text)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", eg_test_tmpdir(), name);
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs(text, f);
    fclose(f);
    return path;
}

TEST(rules_config_file_overrides_and_refuses_what_it_does_not_know)
{
    struct eg_rules_config c;
    struct eg_err e = {0};
    eg_rules_config_default(&c);
    CHECK_EQ_DBL(eg_rules_param(&c, EG_RULE_LIMIT_RUN, "hours"), 3, 0);
    const char *ok = write_file("ok.conf", "[limit_run]\nhours = 6\nseverity = 2\n"
                                           "[flatline]\nenabled = 0\n[webhook]\n"
                                           "url = http://127.0.0.1:9/hook\nsecret = s3cret\n"
                                           "[alerts]\ntask_severity = 4\n");
    REQUIRE(eg_rules_config_load(&c, ok, &e) == 0);
    CHECK_EQ_DBL(eg_rules_param(&c, EG_RULE_LIMIT_RUN, "hours"), 6, 0);
    CHECK_EQ_INT(c.severity[EG_RULE_LIMIT_RUN], 2);
    CHECK_EQ_INT(c.enabled[EG_RULE_FLATLINE], 0);
    CHECK_EQ_INT(c.task_severity, 4);
    CHECK_STR(c.webhook_url, "http://127.0.0.1:9/hook");
    const char *bad[] = {
        "[no_such_rule]\nx = 1\n",       "[limit_run]\nhours = 1\n",  /* under the min 2 */
        "[limit_run]\nhours = abc\n",    "[limit_run]\nhours = 3x\n", /* trailing junk */
        "[limit_run]\nminutes = 3\n",    "[webhook]\nurl = https://x/\n",
        "[alerts]\ntask_severity = 9\n", "[limit_hugging]\nalpha = nan\n",
        "[flatline]\nenabled = 2\n",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        eg_rules_config_default(&c);
        CHECK_EQ_INT(eg_rules_config_load(&c, write_file("bad.conf", bad[i]), &e), EG_EINVAL);
    }
    char big[2000];
    snprintf(big, sizeof big, "[webhook]\nsecret = %0300d\n", 1);
    CHECK_EQ_INT(eg_rules_config_load(&c, write_file("big.conf", big), &e), EG_EINVAL);
    CHECK_EQ_INT(eg_rules_config_load(&c, "/nonexistent/rules.conf", &e), EG_EINVAL);
}

TEST(rules_ranges_csv_refuses_malformed_rows)
{
    struct eg_rules_ranges r;
    struct eg_err e = {0};
    const char *ok =
        "pollutant,name_zh,unit,min,max,zero_possible\na21026,二氧化硫,mg/m3,0,5700,1\n";
    REQUIRE(eg_rules_ranges_load(&r, ok, strlen(ok), &e) == 0);
    CHECK_EQ_INT(r.n, 1);
    CHECK_EQ_DBL(eg_rules_range_of(&r, "a21026")->max, 5700, 0);
    CHECK(eg_rules_range_of(&r, "zzz") == NULL);
    eg_rules_ranges_free(&r);
    const char *bad[] = {
        "h\na21026,x,u,0\n",                  /* too few columns */
        "h\na21026,x,u,10,5,1\n",             /* min > max */
        "h\na21026,x,u,zero,5,1\n",           /* not a number */
        "h\n,x,u,0,5,1\n",                    /* no code */
        "h\nA123456789012345678,x,u,0,5,1\n", /* code too long */
        "h\na21026,x,u,0,\"5\n",              /* unclosed quote */
        "h\na2;1026,x,u,0,5,1\n",             /* not an HJ 212 code */
        "h\na21026,x,u,0,inf,1\n",            /* not finite */
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        CHECK_EQ_INT(eg_rules_ranges_load(&r, bad[i], strlen(bad[i]), &e), EG_EINVAL);
    /* found by fuzz/rules_ranges: a NUL inside a cell (the code, or after a number) */
    static const char nul_code[] = "h\n\0,x,u,0,5,1\n";
    static const char nul_num[] = "h\na21026,x,u,0,5\0junk,1\n";
    CHECK_EQ_INT(eg_rules_ranges_load(&r, nul_code, sizeof nul_code - 1, &e), EG_EINVAL);
    CHECK_EQ_INT(eg_rules_ranges_load(&r, nul_num, sizeof nul_num - 1, &e), EG_EINVAL);
}
