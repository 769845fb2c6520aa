/*
 * app.c: the application context of app.h — made once by `envgov serve` (or a test), handed to
 * every service it starts, freed after they all stopped.
 */
#include "base/app.h"

#include <string.h>

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
