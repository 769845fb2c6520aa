/* Issue 11 item 1 (the replay part): `envgov demo` stores history up to a whole hour and
   `envgov sim --db` continues every device from the hour after its last stored hour, catching
   up to now and then live, so that no hour is missing between the history and now (before,
   the 12-hour replay ended 54 minutes before the live data began, and the hour after the gap
   was invalid). Real binary, real server, real HJ 212 over TCP. */
#include "demo/demo.h"
#include "ingest/ingest.h"
#include "integration/http_client.h"
#include "test.h"
#include "ts/ts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(demo_sim_live_data_continues_the_history_without_a_gap)
{
    char db[600], until[32], listen[64];
    snprintf(db, sizeof db, "%s/demo_sim.db", eg_test_tmpdir());
    int64_t now = eg_time_now();
    int64_t hour = now - now % 3600;        /* the current, open hour */
    int64_t hist_to = hour - 3 * 3600 + 60; /* history ends 3 hours ago (cut to its hour) */
    eg_time_format_beijing(hist_to, until, sizeof until);
    until[16] = '\0';
    const char *demo[] = {"demo", "--db", db, "--history-days", "1", "--until", until, NULL};
    char *out = NULL, *err = NULL;
    int rc = eg_test_run(demo, NULL, 0, &out, &err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    REQUIRE(rc == 0);
    CHECK(strstr(out, "history: ") != NULL);
    free(out);
    free(err);

    int dport = eg_test_free_port();
    snprintf(listen, sizeof listen, "127.0.0.1:%d", dport);
    const char *extra[] = {"--hj212", listen, NULL};
    struct eg_hs hs;
    REQUIRE(eg_hs_start(&hs, db, extra) == 0);
    const char *sim[] = {"sim",  "--db",       db,     "--devices",  "3",  "--to",
                         listen, "--catch-up", "7200", "--duration", "10", NULL};
    out = err = NULL;
    rc = eg_test_run(sim, NULL, 0, &out, &err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CHECK_EQ_INT(rc, 0);
    /* the simulator says where it continues: the hour after the last stored one */
    char from[32];
    eg_time_format_beijing(hour - 3 * 3600, from, sizeof from);
    from[16] = '\0';
    CHECK(err && strstr(err, "3 of 3 devices continue their stored data from") != NULL);
    CHECK(err && strstr(err, from) != NULL);
    free(out);
    free(err);
    CHECK_EQ_INT(eg_hs_stop(&hs), 0);

    /* every closed hour from the history's first to the last closed hour has a value for every
       pollutant of the 3 devices: stored history (computed 1) then the devices' own hourly
       values (2061 Avg) */
    struct eg_db *st;
    struct eg_err e;
    eg_err_clear(&e);
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    struct eg_sim_device *d = NULL;
    int n = 0;
    REQUIRE(eg_demo_devices(st, 3, &d, NULL, &n, &e) == 0);
    CHECK_EQ_INT(n, 3);
    struct eg_ts *ts;
    REQUIRE(eg_ts_open(st, &ts, &e) == 0);
    int64_t first = hour - 3 * 3600 - 86400;
    int missing = 0, live = 0, checked = 0;
    for (int i = 0; i < n; i++)
        for (int p = 0; p < eg_sim_npollutants(&d[i]); p++) {
            const char *code = NULL;
            CHECK(isfinite(eg_sim_value(&d[i], p, first, &code, NULL)));
            for (int64_t t = first; t < hour; t += 3600) {
                int have = 0;
                for (int computed = 0; computed <= 1 && !have; computed++) {
                    struct eg_ts_key k = {d[i].mn, code, EG_TS_KIND_HOUR, "Avg", computed};
                    struct eg_ts_row *rows = NULL;
                    size_t nr = 0;
                    struct eg_err qe;
                    if (eg_ts_query(ts, &k, t, t + 3600, EG_TS_PRELIMINARY, 10, &rows, &nr, &qe) ==
                            0 &&
                        nr == 1) {
                        have = 1;
                        live += computed == 0;
                        /* the live hourly value is the model's: it continues the history */
                        CHECK_EQ_DBL(rows[0].v, eg_sim_value(&d[i], p, t, NULL, NULL), 1e-9);
                    }
                    free(rows);
                }
                missing += !have;
                checked++;
                if (!have)
                    fprintf(stderr, "    missing %s %s hour %lld\n", d[i].mn, code, (long long)t);
            }
        }
    CHECK(checked > 3 * 2 * 27);
    CHECK_EQ_INT(missing, 0);
    CHECK(live >= 3 * 2 * 3); /* the last 3 closed hours came from the simulator */
    eg_ts_close(ts);
    free(d);
    eg_db_close(st);
}
