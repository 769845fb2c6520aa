/*
 * test_ingest_events.c: the event feed after the ingest writer's commits, end to end: the real
 * server on loopback, HJ 212 uploads over TCP, and a subscriber that must hear which series got
 * which hours — after the fold into the time-series store (landing, the default) and after the
 * acknowledging commit itself (landing off).
 */
#include "base/app.h"
#include "test_ingest_util.h"

#include <pthread.h>

#define MN17 "010000A8900016F000169DC0"

struct got {
    pthread_mutex_t mu;
    char text[4096];
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

static int got_has(struct got *g, const char *needle)
{
    pthread_mutex_lock(&g->mu);
    int ok = strstr(g->text, needle) != NULL;
    pthread_mutex_unlock(&g->mu);
    return ok;
}

static void run(int landing)
{
    const char *db = ti_db();
    ti_add_device(db, MN17, "123456", 1, "2017");
    struct eg_app app;
    struct eg_err err;
    REQUIRE(eg_app_init(&app, db, &err) == 0);
    struct got g = {.mu = PTHREAD_MUTEX_INITIALIZER};
    eg_events_subscribe(app.events, on_events, &g);
    struct eg_ingest_config c;
    eg_ingest_config_default(&c);
    c.landing = landing;
    c.events = app.events;
    struct eg_ingest *srv = ti_start(db, &c);
    int fd = ti_connect(eg_ingest_port(srv));

    /* minute data for two hours apart (hour h and h - 2 h) and two minutes of hour h */
    static const struct eg_hj212_value v[] = {
        {"w01018", "Avg", "31.5"}, {"w01018", "Flag", "N"}, {"w21003", "Avg", "1.2"}};
    int64_t h = ti_recent();
    int64_t times[] = {h, h + 60, h - 7200};
    char f[2048], buf[4096];
    for (int i = 0; i < 3; i++) {
        size_t n = ti_upload(f, sizeof f, MN17, "123456", 2051, times[i], times[i] * 1000 + i, 5, 0,
                             0, 2017, v, EG_ARRAY_LEN(v));
        ti_send(fd, f, n);
        REQUIRE(ti_wait_for(fd, "CN=9014", 5000, buf, sizeof buf));
    }
    char want[4][160];
    snprintf(want[0], sizeof want[0], "1 %s w01018 2051 %lld-%lld;", MN17, (long long)h,
             (long long)h);
    snprintf(want[1], sizeof want[1], "1 %s w21003 2051 %lld-%lld;", MN17, (long long)h,
             (long long)h);
    snprintf(want[2], sizeof want[2], "1 %s w01018 2051 %lld-%lld;", MN17, (long long)(h - 7200),
             (long long)(h - 7200));
    snprintf(want[3], sizeof want[3], "1 %s w21003 2051 %lld-%lld;", MN17, (long long)(h - 7200),
             (long long)(h - 7200));
    int ok = 0;
    for (int i = 0; i < 100 && !ok; i++) {
        ok = got_has(&g, want[0]) && got_has(&g, want[1]) && got_has(&g, want[2]) &&
             got_has(&g, want[3]);
        if (!ok)
            usleep(50000);
    }
    if (!ok)
        fprintf(stderr, "events heard: %s\n", g.text);
    CHECK(ok);
    /* the values are readable from the store when the event arrives */
    CHECK_EQ_INT(ti_query_int(db, "SELECT count(*) FROM " TI_SAMPLES " WHERE cn = 2051"), 6);
    close(fd);
    eg_ingest_stop(srv);
    eg_app_fini(&app);
    /* nothing but these series and hours (a series-hour may come again from a later commit:
       here every upload waits for its acknowledgement, so each may be its own commit) */
    pthread_mutex_lock(&g.mu);
    int nevents = 0, others = 0;
    for (char *p = g.text, *semi; (semi = strchr(p, ';')); p = semi + 1) {
        nevents++;
        int known = 0;
        for (int i = 0; i < 4; i++)
            known |= !strncmp(p, want[i], strlen(want[i]));
        others += !known;
    }
    pthread_mutex_unlock(&g.mu);
    CHECK(nevents >= 4 && nevents <= 6);
    CHECK_EQ_INT(others, 0);
}

TEST(ingest_events_after_the_fold_name_series_and_hours)
{
    run(1);
}

TEST(ingest_events_after_the_acknowledging_commit_without_landing)
{
    run(0);
}
