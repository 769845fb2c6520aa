/* Tests of the event feed after an observations import (ts/import.c): each committed batch is
   published as EG_EVENT_IMPORT with the stations, pollutants and hours it wrote. */
#include "base/app.h"
#include "db/db.h"
#include "test.h"
#include "ts/ts.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct got {
    pthread_mutex_t mu;
    char text[2048];
    int calls;
};

static void on_events(void *ctx, const struct eg_event *ev, size_t n)
{
    struct got *g = ctx;
    pthread_mutex_lock(&g->mu);
    g->calls++;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(g->text);
        snprintf(g->text + len, sizeof g->text - len, "%d %s %s %d %lld-%lld;", (int)ev[i].kind,
                 ev[i].source, ev[i].pollutant, ev[i].series_kind, (long long)ev[i].hour_from,
                 (long long)ev[i].hour_to);
    }
    pthread_mutex_unlock(&g->mu);
}

TEST(ts_import_publishes_the_series_and_hours_it_committed)
{
    char path[512];
    snprintf(path, sizeof path, "%s/import_events.db", eg_test_tmpdir());
    struct eg_db *st;
    struct eg_ts *ts;
    struct eg_err err;
    REQUIRE(eg_db_open(path, &st, &err) == 0);
    REQUIRE(eg_ts_open(st, &ts, &err) == 0);
    struct eg_jobs *js;
    REQUIRE(eg_jobs_new(1, 16, &js, &err) == 0);
    struct eg_events *ev = eg_events_new(js, 16);
    struct got g = {.mu = PTHREAD_MUTEX_INITIALIZER};
    eg_events_subscribe(ev, on_events, &g);
    /* Beijing 2024-01-02 08:00..10:00 = UTC 00:00..02:00; 1704153600 = 2024-01-02T00:00Z */
    static const char csv[] = "station,time,pollutant,value,flag\n"
                              "1141A,2024-01-02 08:00,PM2.5,35,N\n"
                              "1141A,2024-01-02 09:00,PM2.5,40,N\n"
                              "1141A,2024-01-02 11:00,PM2.5,41,N\n"
                              "1142A,2024-01-02 08:00,SO2,7,N\n";
    /* batch 2: the first two rows commit together, then the last two */
    struct eg_ts_import_opts o = {.batch = 2, .events = ev};
    struct eg_ts_import_report rep;
    REQUIRE(eg_ts_import(ts, csv, sizeof csv - 1, &o, &rep, &err) == 0);
    CHECK_EQ_INT(rep.values, 4);
    eg_ts_import_report_free(&rep);
    eg_events_flush(ev);
    CHECK_EQ_INT(g.calls, 2);
    CHECK_STR(g.text, "2 1141A a34004 2061 1704153600-1704157200;"
                      "2 1141A a34004 2061 1704164400-1704164400;"
                      "2 1142A a21026 2061 1704153600-1704153600;");
    eg_events_free(ev);
    eg_jobs_free(js);
    eg_ts_close(ts);
    eg_db_close(st);
}
