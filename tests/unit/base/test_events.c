/* Tests of the event feed (base/events.c): a batch becomes sorted runs of hours per series,
   delivered on the job pool in publish order; no subscriber, no delivery; a full queue drops. */
#include "base/app.h"
#include "test.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct seen {
    pthread_mutex_t mu;
    int calls;
    char text[2048];
    int sleep_ms;
};

static void on_events(void *ctx, const struct eg_event *ev, size_t n)
{
    struct seen *s = ctx;
    if (s->sleep_ms)
        usleep((useconds_t)s->sleep_ms * 1000);
    pthread_mutex_lock(&s->mu);
    s->calls++;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(s->text);
        snprintf(s->text + len, sizeof s->text - len, "%d %s %s %d %lld-%lld;", (int)ev[i].kind,
                 ev[i].source, ev[i].pollutant, ev[i].series_kind, (long long)ev[i].hour_from,
                 (long long)ev[i].hour_to);
    }
    pthread_mutex_unlock(&s->mu);
}

#define H 1700000000LL /* not on an hour: 1699999200 is */

TEST(events_batch_becomes_sorted_runs_of_hours)
{
    struct eg_jobs *js;
    struct eg_err err;
    REQUIRE(eg_jobs_new(1, 16, &js, &err) == 0);
    struct eg_events *ev = eg_events_new(js, 8);
    struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    CHECK(!eg_events_active(ev));
    eg_events_subscribe(ev, on_events, &s);
    CHECK(eg_events_active(ev));
    struct eg_event_batch *b = eg_event_batch_new(EG_EVENT_INGEST);
    int64_t h0 = H - H % 3600;
    /* S2 first, hours out of order, duplicates, minutes within one hour */
    eg_event_batch_add(b, "S2", "a34004", 2061, h0 + 3600);
    eg_event_batch_add(b, "S1", "w01018", 2051, h0 + 7200 + 60);
    eg_event_batch_add(b, "S1", "w01018", 2051, h0 + 60);
    eg_event_batch_add(b, "S1", "w01018", 2051, h0 + 120);
    eg_event_batch_add(b, "S1", "w01018", 2051, h0 + 3600 + 59);
    eg_event_batch_add(b, "S1", "w01018", 2051, h0 + 5 * 3600);
    eg_event_batch_add(b, "S1", "w01018", 2011, h0);
    CHECK_EQ_INT(eg_event_batch_hours(b), 6);
    CHECK_EQ_INT(eg_events_publish(ev, b), 0);
    eg_events_flush(ev);
    char want[512];
    snprintf(want, sizeof want,
             "1 S1 w01018 2011 %lld-%lld;1 S1 w01018 2051 %lld-%lld;1 S1 w01018 2051 %lld-%lld;"
             "1 S2 a34004 2061 %lld-%lld;",
             (long long)h0, (long long)h0, (long long)h0, (long long)(h0 + 7200),
             (long long)(h0 + 5 * 3600), (long long)(h0 + 5 * 3600), (long long)(h0 + 3600),
             (long long)(h0 + 3600));
    CHECK_STR(s.text, want);
    CHECK_EQ_INT(s.calls, 1);
    /* an empty batch is not delivered */
    CHECK_EQ_INT(eg_events_publish(ev, eg_event_batch_new(EG_EVENT_IMPORT)), 0);
    eg_events_flush(ev);
    CHECK_EQ_INT(s.calls, 1);
    eg_events_free(ev);
    eg_jobs_free(js);
}

TEST(events_publish_never_waits_for_a_slow_subscriber_and_drops_when_full)
{
    struct eg_jobs *js;
    struct eg_err err;
    REQUIRE(eg_jobs_new(1, 16, &js, &err) == 0);
    struct eg_events *ev = eg_events_new(js, 2);
    struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER, .sleep_ms = 300};
    eg_events_subscribe(ev, on_events, &s);
    uint64_t t0 = eg_nanos();
    int dropped = 0;
    for (int i = 0; i < 6; i++) {
        struct eg_event_batch *b = eg_event_batch_new(EG_EVENT_IMPORT);
        eg_event_batch_add(b, "S", "p", 2061, (int64_t)i * 3600);
        if (eg_events_publish(ev, b) == EG_ENOMEM)
            dropped++;
    }
    CHECK(eg_nanos() - t0 < 100000000u); /* 6 publishes in < 100 ms with a 300 ms subscriber */
    CHECK(dropped >= 3);
    eg_events_flush(ev);
    CHECK_EQ_INT(s.calls, 6 - dropped);
    /* delivered in publish order: the first hour first */
    CHECK(!strncmp(s.text, "2 S p 2061 0-0;", 15));
    eg_events_free(ev);
    eg_jobs_free(js);
}
