/*
 * app.c: the application context of app.h — made once by `envgov serve` (or a test), handed to
 * every service it starts, freed after they all stopped.
 */
#include "base/app.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t health_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int failing[EG_HEALTH_SOURCES];
    uint64_t since_ns[EG_HEALTH_SOURCES];
    char what[EG_HEALTH_SOURCES][200];
    uint64_t epoch;
    char warning[300];
} health;

void eg_health_write_result(int source, int ok, const char *what)
{
    if (source < 0 || source >= EG_HEALTH_SOURCES)
        return;
    pthread_mutex_lock(&health_mu);
    if (ok) {
        int was = 0;
        for (int i = 0; i < EG_HEALTH_SOURCES; i++)
            was |= health.failing[i];
        health.failing[source] = 0;
        int now = 0;
        for (int i = 0; i < EG_HEALTH_SOURCES; i++)
            now |= health.failing[i];
        if (was && !now)
            health.epoch++;
    } else {
        if (!health.failing[source])
            health.since_ns[source] = eg_nanos();
        health.failing[source] = 1;
        snprintf(health.what[source], sizeof health.what[source], "%s",
                 what ? what : "write failed");
    }
    pthread_mutex_unlock(&health_mu);
}

int eg_health_write_failing(char *msg, size_t cap, uint64_t *since_ns)
{
    static const char *const names[] = {"ingest writer", "database"};
    pthread_mutex_lock(&health_mu);
    int f = 0;
    for (int i = 0; i < EG_HEALTH_SOURCES && !f; i++) {
        if (!health.failing[i])
            continue;
        f = 1;
        if (msg)
            snprintf(msg, cap, "%s: %s", names[i], health.what[i]);
        if (since_ns)
            *since_ns = health.since_ns[i];
    }
    pthread_mutex_unlock(&health_mu);
    return f;
}

uint64_t eg_health_epoch(void)
{
    pthread_mutex_lock(&health_mu);
    uint64_t e = health.epoch;
    pthread_mutex_unlock(&health_mu);
    return e;
}

void eg_health_set_warning(const char *msg)
{
    pthread_mutex_lock(&health_mu);
    snprintf(health.warning, sizeof health.warning, "%s", msg ? msg : "");
    pthread_mutex_unlock(&health_mu);
}

int eg_health_warning(char *msg, size_t cap)
{
    pthread_mutex_lock(&health_mu);
    int has = health.warning[0] != '\0';
    if (has)
        snprintf(msg, cap, "%s", health.warning);
    pthread_mutex_unlock(&health_mu);
    return has;
}

int eg_app_init(struct eg_app *app, const char *db_path, struct eg_err *err)
{
    memset(app, 0, sizeof *app);
    app->db_path = db_path;
    app->session_seconds = 12 * 3600; /* auth.h EG_AUTH_SESSION_SECONDS */
    int rc = eg_jobs_new(EG_APP_JOB_THREADS, EG_APP_MAX_JOBS, &app->jobs, err);
    if (rc < 0)
        return rc;
    app->events = eg_events_new(app->jobs, EG_APP_MAX_PENDING_EVENTS);
    return 0;
}

void eg_app_fini(struct eg_app *app)
{
    /* events first: their delivery runs on the jobs */
    eg_events_free(app->events);
    eg_jobs_free(app->jobs);
    app->events = NULL;
    app->jobs = NULL;
}
