/*
 * cmd_serve.c: `envgov serve` — the one long-running process (DESIGN.md "The data path"):
 * settings from flags, environment and an INI file (base/config.c), the database opened and
 * migrated once, then the services started in order, and stopped in reverse order on SIGTERM
 * or SIGINT after the requests in flight are answered.
 *
 * The services share one application context (struct eg_app, base/app.h): the settings, the
 * database path, the job pool their background work runs on, the event feed, and the running
 * services themselves (the HTTP API reaches the HJ 212 listener through it). A service is a
 * row of the services[] table (name, start, stop) and its settings are rows of eg__serve_keys[]
 * (whose store.db every command reads by the same rule, cli_db.h).
 */
#include "auth/auth.h"
#include "base/app.h"
#include "base/base.h"
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "db/db.h"
#include "http/http.h"
#include "ingest/ingest.h"
#include "rules/rules.h"
#include "tasks/tasks.h"
#include "ts/worker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const struct eg_config_key eg__serve_keys[] = {
    {"store.db", "EG_DB", "--db", EG_CLI_DB_RUN,
     "database: an SQLite file path (created and migrated on first run) or a postgresql:// URL "
     "(docs/deployment.md); every other command finds its database by the same rule "
     "(var/envgov.db is the one `make run` loads)"},
    {"http.listen", "EG_HTTP", "--http", "127.0.0.1:8080",
     "HTTP API address:port (IPv6 as [::1]:8080; port 0 = any free port)"},
    {"http.threads", "EG_HTTP_THREADS", "--threads", "0",
     "HTTP worker threads, each with its own database connection; 0 = one per CPU"},
    {"http.body_limit", "EG_HTTP_BODY_LIMIT", "--body-limit", "1048576",
     "largest JSON request body accepted, in bytes (larger: 413)"},
    {"http.upload_limit", "EG_HTTP_UPLOAD_LIMIT", "--upload-limit", "16777216",
     "largest CSV upload (POST /api/v1/import/…) accepted, in bytes (larger: 413)"},
    {"http.upload_budget", "EG_HTTP_UPLOAD_BUDGET", "--upload-budget", "67108864",
     "request bodies held in memory by all requests together, in bytes (over it: 503 with "
     "Retry-After); at least one upload at the limit"},
    {"http.timeout", "EG_HTTP_TIMEOUT", "--timeout", "30",
     "seconds a connection may stay idle (or a request body stall) before it is closed"},
    {"http.head_timeout", "EG_HTTP_HEAD_TIMEOUT", "--head-timeout", "10",
     "seconds the whole request head (request line and headers) may take to arrive, however "
     "slowly it drips; a kept-alive connection gets as long between requests"},
    {"http.per_ip_limit", "EG_HTTP_PER_IP_LIMIT", "--per-ip-limit", "64",
     "open connections from one client address (more are closed at once); 0 = no limit"},
    {"http.max_connections", "EG_HTTP_MAX_CONNECTIONS", "--max-connections", "0",
     "open HTTP connections in all; 0 = the descriptor limit (ulimit -n) less a quarter kept "
     "for the database and the device listener (a value can only lower that)"},
    {"http.access_log", "EG_HTTP_ACCESS_LOG", "--access-log", "on",
     "one log line per request (method, path, status, ms; never headers or bodies): on|off"},
    {"auth.token_ttl", "EG_TOKEN_TTL", "--token-ttl", "43200",
     "lifetime of a login token, in seconds"},
    {"log.level", "EG_LOG", "--log-level", "info", "log level: debug|info|warn|error"},
    {"intake.rate_limit", "EG_INTAKE_RATE_LIMIT", "--intake-rate-limit", "20",
     "complaints accepted from one client address per hour (anonymous intake); -1: no limit"},
    {"hj212.listen", "EG_HJ212", "--hj212", "",
     "HJ 212 device listener ADDRESS:PORT (e.g. 0.0.0.0:2756); empty: no device listener"},
    {"ts.aggregate_interval", "EG_TS_AGGREGATE_INTERVAL", "--aggregate-interval", "60",
     "seconds between recomputations of stale hourly/daily means (late data included)"},
    {"ts.compact_interval", "EG_TS_COMPACT_INTERVAL", "--compact-interval", "3600",
     "seconds between compactions of closed days into compressed blocks"},
    {"store.checkpoint_interval", "EG_CHECKPOINT_INTERVAL", "--checkpoint-interval", "10",
     "seconds between WAL checkpoints (failures are logged and counted in /metrics)"},
    {"store.wal_limit_mb", "EG_WAL_LIMIT_MB", "--wal-limit-mb", "64",
     "a WAL over this many MiB is checkpointed and truncated"},
    {"rules.enabled", "EG_RULES", "--rules", "on",
     "run the rules on new data and on schedule, opening alerts: on|off"},
    {"rules.file", "EG_RULES_FILE", "--rules-file", "",
     "rules file (INI: [rule] parameters, [webhook] url/secret, [alerts] task_severity); empty: "
     "the defaults (envgov rules list)"},
    {"rules.webhook_url", "EG_RULES_WEBHOOK_URL", "--webhook-url", "",
     "alerts webhook http://HOST:PORT/PATH (overrides the rules file); empty: none"},
    {"rules.webhook_secret", "EG_RULES_WEBHOOK_SECRET", "--webhook-secret", "",
     "HMAC-SHA256 key of the webhook signature (X-Envgov-Signature); prefer the environment"},
    {"tasks.overdue_interval", "EG_TASKS_OVERDUE_INTERVAL", "--overdue-interval", "300",
     "seconds between checks that flag 三监联动 tasks past their deadline as overdue"},
};
#define NKEYS ((int)EG_ARRAY_LEN(eg__serve_keys))
const int eg__serve_nkeys = NKEYS;

/* Which step of the database rule (cli_db.h) gave store.db. */
static const char *serve_db_source(const struct eg_config *cfg)
{
    for (int k = 0; k < cfg->nkeys; k++)
        if (!strcmp(cfg->keys[k].name, "store.db")) {
            const char *s = cfg->sources[k];
            return !strcmp(s, "flag")   ? "--db"
                   : !strcmp(s, "env")  ? "$EG_DB"
                   : !strcmp(s, "file") ? "[store] db of the config file"
                                        : "the default";
        }
    return "the default";
}

/* Splits "ADDR:PORT" or "[V6ADDR]:PORT". */
static int split_listen(const char *s, const char *what, char *addr, size_t addrsz, int *port,
                        struct eg_err *err)
{
    const char *colon;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':')
            goto bad;
        if ((size_t)(rb - s - 1) >= addrsz)
            goto bad;
        snprintf(addr, addrsz, "%.*s", (int)(rb - s - 1), s + 1);
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= addrsz || colon == s)
            goto bad;
        snprintf(addr, addrsz, "%.*s", (int)(colon - s), s);
    }
    int64_t p;
    if (eg_parse_int64(colon + 1, strlen(colon + 1), &p) || p < 0 || p > 65535)
        goto bad;
    *port = (int)p;
    return 0;
bad:
    return eg_err_set(err, EG_EUSAGE, "bad_listen", -1,
                      "%s '%s' must be ADDRESS:PORT, e.g. 127.0.0.1:8080", what, s);
}

/* ---- the services ---- */

static int http_start(struct eg_app *app, struct eg_err *err)
{
    const struct eg_config *cfg = app->cfg;
    struct eg_http_config hc = {0};
    char addr[64];
    int64_t threads, limit, upload, budget, timeout, head, perip, maxconn, ttl;
    int rc = split_listen(eg_config_get(cfg, "http.listen"), "http.listen", addr, sizeof addr,
                          &hc.port, err);
    if (!rc)
        rc = eg_config_int(cfg, "http.threads", 0, 256, &threads, err);
    if (!rc)
        rc = eg_config_int(cfg, "http.body_limit", 1024, (int64_t)1 << 30, &limit, err);
    if (!rc)
        rc = eg_config_int(cfg, "http.upload_limit", 1024, (int64_t)1 << 30, &upload, err);
    if (!rc)
        rc = eg_config_int(cfg, "http.upload_budget", 1024, (int64_t)1 << 34, &budget, err);
    if (!rc)
        rc = eg_config_int(cfg, "http.timeout", 1, 3600, &timeout, err);
    if (!rc)
        rc = eg_config_int(cfg, "http.head_timeout", 1, 3600, &head, err);
    if (!rc)
        rc = eg_config_int(cfg, "http.per_ip_limit", 0, 1000000, &perip, err);
    if (!rc)
        rc = eg_config_int(cfg, "http.max_connections", 0, 1000000, &maxconn, err);
    if (!rc)
        rc = eg_config_int(cfg, "auth.token_ttl", 60, 90 * 86400, &ttl, err);
    const char *al = eg_config_get(cfg, "http.access_log");
    if (!rc && strcmp(al, "on") && strcmp(al, "off"))
        rc = eg_err_set(err, EG_EUSAGE, "bad_value", -1, "http.access_log must be on or off");
    if (rc)
        return rc;
    hc.address = addr;
    hc.db_path = eg_config_get(cfg, "store.db");
    hc.threads = (int)threads;
    hc.body_limit = (size_t)limit;
    hc.upload_limit = (size_t)upload;
    hc.upload_budget = (size_t)budget;
    hc.timeout_s = (int)timeout;
    hc.head_timeout_s = (int)head;
    hc.per_ip_limit = perip ? (int)perip : -1;
    hc.max_connections = (int)maxconn;
    hc.access_log = !strcmp(al, "on");
    app->session_seconds = ttl;
    hc.token_ttl_s = app->session_seconds;
    hc.app = app;
    struct eg_http_server *srv = NULL;
    rc = eg_http_server_new(&hc, &srv, err);
    if (!rc)
        rc = eg_http_server_add_api(srv, err);
    if (!rc)
        rc = eg_http_server_start(srv, err);
    if (rc) {
        if (srv)
            eg_http_server_free(srv);
        return rc;
    }
    int v6 = strchr(addr, ':') != NULL;
    printf("envgov: HTTP API listening on http://%s%s%s:%d/\n", v6 ? "[" : "", addr, v6 ? "]" : "",
           eg_http_server_port(srv));
    fflush(stdout);
    app->http = srv;
    return 0;
}

static void http_stop(struct eg_app *app)
{
    eg_http_server_free(app->http);
    app->http = NULL;
}

/* The HJ 212 listener (src/ingest/); started before HTTP so that it stops after it. */
static int hj212_start(struct eg_app *app, struct eg_err *err)
{
    const char *listen = eg_config_get(app->cfg, "hj212.listen");
    char addr[64];
    int port;
    if (!listen || !*listen)
        return 0;
    int rc = split_listen(listen, "hj212.listen", addr, sizeof addr, &port, err);
    return rc ? rc : eg_ingest_service_start(app, addr, port, err);
}

static void hj212_stop(struct eg_app *app)
{
    eg_ingest_service_stop(app);
}

/* The time-series maintenance job (ts/worker.c): aggregation and compaction. */
static int ts_worker_start(struct eg_app *app, struct eg_err *err)
{
    const struct eg_config *cfg = app->cfg;
    int64_t agg, compact;
    int rc = eg_config_int(cfg, "ts.aggregate_interval", 1, 86400, &agg, err);
    if (!rc)
        rc = eg_config_int(cfg, "ts.compact_interval", 1, 7 * 86400, &compact, err);
    if (!rc)
        rc = eg_ts_worker_start(app->jobs, app->db_path, agg, compact, &app->ts_worker, err);
    return rc;
}

static void ts_worker_stop(struct eg_app *app)
{
    eg_ts_worker_stop(app->ts_worker);
    app->ts_worker = NULL;
}

/* The periodic WAL checkpoint (db/checkpoint.c): logs and counts failures, bounds the WAL. */
static struct eg_db_checkpointer *checkpointer;

static int checkpoint_start(struct eg_app *app, struct eg_err *err)
{
    int64_t every, limit;
    int rc = eg_config_int(app->cfg, "store.checkpoint_interval", 1, 3600, &every, err);
    if (!rc)
        rc = eg_config_int(app->cfg, "store.wal_limit_mb", 1, 1 << 20, &limit, err);
    if (!rc)
        rc = eg_db_checkpointer_start(app->jobs, app->db_path, every * 1000, limit << 20,
                                      &checkpointer, err);
    return rc;
}

static void checkpoint_stop(struct eg_app *app)
{
    (void)app;
    eg_db_checkpointer_stop(checkpointer);
    checkpointer = NULL;
}

/* The rules engine (src/rules/): subscribes to the event feed, schedules the periodic rules and
   the webhook delivery. Started before the HJ 212 listener so that it stops after it. */
static struct eg_rules *rules_engine;

static int rules_start(struct eg_app *app, struct eg_err *err)
{
    if (!strcmp(eg_config_get(app->cfg, "rules.enabled"), "off"))
        return 0;
    struct eg_rules_config rc;
    eg_rules_config_default(&rc);
    const char *file = eg_config_get(app->cfg, "rules.file");
    const char *url = eg_config_get(app->cfg, "rules.webhook_url");
    const char *secret = eg_config_get(app->cfg, "rules.webhook_secret");
    if (*file && eg_rules_config_load(&rc, file, err))
        return EG_EINVAL;
    if (*url && (strncmp(url, "http://", 7) || strlen(url) >= sizeof rc.webhook_url))
        return eg_err_set(err, EG_EUSAGE, "bad_value", -1,
                          "rules.webhook_url must be http://HOST:PORT/PATH (under 512 bytes)");
    if (*url)
        snprintf(rc.webhook_url, sizeof rc.webhook_url, "%s", url);
    if (*secret)
        snprintf(rc.webhook_secret, sizeof rc.webhook_secret, "%s", secret);
    return eg_rules_service_start(app, &rc, &rules_engine, err);
}

static void rules_stop(struct eg_app *app)
{
    eg_rules_service_stop(app, rules_engine);
    rules_engine = NULL;
}

/* The overdue check of the task loop (tasks/tasks.c). */
static struct eg_tasks_overdue *tasks_overdue;

static int tasks_start(struct eg_app *app, struct eg_err *err)
{
    int64_t every;
    int rc = eg_config_int(app->cfg, "tasks.overdue_interval", 1, 86400, &every, err);
    if (!rc)
        rc = eg_tasks_overdue_start(app->jobs, app->db_path, every * 1000, &tasks_overdue, err);
    return rc;
}

static void tasks_stop(struct eg_app *app)
{
    (void)app;
    eg_tasks_overdue_stop(tasks_overdue);
    tasks_overdue = NULL;
}

/* Started in this order, stopped in the reverse order. */
static const struct service {
    const char *name;
    int (*start)(struct eg_app *app, struct eg_err *err);
    void (*stop)(struct eg_app *app);
} services[] = {
    {"checkpoint", checkpoint_start, checkpoint_stop},
    {"ts", ts_worker_start, ts_worker_stop},
    {"tasks", tasks_start, tasks_stop},
    {"rules", rules_start, rules_stop},
    {"hj212", hj212_start, hj212_stop},
    {"http", http_start, http_stop},
};
#define NSERVICES ((int)EG_ARRAY_LEN(services))

static const char *help_intro =
    "Runs the envgov server: the HTTP JSON API under /api/v1/ (see /api/v1/openapi.json),\n"
    "/healthz and /metrics. Prints the address it listens on; stops cleanly on SIGTERM or\n"
    "SIGINT after answering the requests in flight.\n\n";

static int set_log_level(const char *v)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(v, names[i])) {
            eg_log_set_level((enum eg_log_level)i);
            return 0;
        }
    return EG_EUSAGE;
}

int eg_cmd_serve(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            struct eg_buf b = {0};
            eg_buf_puts(&b, help_intro);
            eg_config_help(eg__serve_keys, NKEYS, &b);
            eg_buf_puts(&b, "\nexample config file:\n  [store]\n  db = /var/lib/envgov/envgov.db\n"
                            "  [http]\n  listen = 0.0.0.0:8080\n  body_limit = 8388608\n");
            eg_buf_append(&b, "", 1);
            eg_cli_usage(eg_cli_find("serve", NULL), b.data);
            eg_buf_free(&b);
            return EG_EXIT_OK;
        }
    struct eg_config cfg;
    struct eg_err err = {0};
    int rc = eg_config_load(&cfg, eg__serve_keys, NKEYS, argc, argv, &err);
    if (rc) {
        fprintf(stderr, "envgov serve: %s\n", err.msg);
        return rc == EG_EUSAGE ? EG_EXIT_USAGE : EG_EXIT_FAIL;
    }
    if (set_log_level(eg_config_get(&cfg, "log.level"))) {
        fprintf(stderr, "envgov serve: log.level must be debug, info, warn or error\n");
        eg_config_free(&cfg);
        return EG_EXIT_USAGE;
    }

    /* The default database lives in var/ (as `make run` has it): make the folder on first run */
    if (!strcmp(eg_config_get(&cfg, "store.db"), EG_CLI_DB_RUN) && mkdir("var", 0755) &&
        errno != EEXIST) {
        fprintf(stderr,
                "envgov serve: cannot create the folder var/ for " EG_CLI_DB_RUN
                ": %s; give --db PATH\n",
                strerror(errno));
        eg_config_free(&cfg);
        return EG_EXIT_FAIL;
    }
    eg_log(EG_LOG_INFO, "serve: database %s (from %s)", eg_config_get(&cfg, "store.db"),
           serve_db_source(&cfg));

    /* A database that cannot be written (read-only file, WAL or -shm; immutable; read-only
       mount) would start and then fail every write: refuse with what to do (issue 10 item 15). */
    rc = eg_db_check_writable(eg_config_get(&cfg, "store.db"), &err);
    if (rc) {
        fprintf(stderr, "envgov serve: %s\n", err.msg);
        eg_config_free(&cfg);
        return EG_EXIT_FAIL;
    }

    /* An earlier run that did not stop cleanly, and lost its WAL: say so loudly, in the log and
       in /healthz (issue 10 item 17). The marker is removed on a clean stop. */
    const char *dbp = eg_config_get(&cfg, "store.db");
    char unclean[1024];
    int lost = 0;
    rc = eg_db_marker_begin(dbp, unclean, sizeof unclean, &lost, &err);
    if (rc) {
        fprintf(stderr, "envgov serve: %s\n", err.msg);
        eg_config_free(&cfg);
        return EG_EXIT_FAIL;
    }
    if (lost) {
        eg_log(EG_LOG_ERROR, "serve: DATA LOST: %s", unclean);
        eg_health_set_warning(unclean);
    } else if (unclean[0]) {
        eg_log(EG_LOG_WARN, "serve: %s", unclean);
    }

    /* Open and migrate once here, so that a bad path or a failed migration stops the start
       with a clear message instead of failing each worker's first request. */
    struct eg_db *st;
    rc = eg_db_open(eg_config_get(&cfg, "store.db"), &st, &err);
    if (rc) {
        fprintf(stderr, "envgov serve: database %s: %s\n", eg_config_get(&cfg, "store.db"),
                err.msg);
        eg_db_marker_end(dbp);
        eg_config_free(&cfg);
        return EG_EXIT_FAIL;
    }
    char shown[512];
    eg_db_display_name(eg_config_get(&cfg, "store.db"), shown, sizeof shown);
    eg_log(EG_LOG_INFO, "serve: database %s at schema version %d", shown, eg_db_schema_version(st));
    eg_db_close(st);

    /* Block the stop signals before any thread starts, so that every thread inherits the mask
       and only the sigwait below receives them. */
    sigset_t stopset;
    sigemptyset(&stopset);
    sigaddset(&stopset, SIGINT);
    sigaddset(&stopset, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopset, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct eg_app app;
    rc = eg_app_init(&app, eg_config_get(&cfg, "store.db"), &err);
    if (rc) {
        fprintf(stderr, "envgov serve: %s\n", err.msg);
        eg_db_marker_end(dbp);
        eg_config_free(&cfg);
        return EG_EXIT_FAIL;
    }
    app.cfg = &cfg;
    int started = 0;
    for (; started < NSERVICES; started++) {
        rc = services[started].start(&app, &err);
        if (rc) {
            fprintf(stderr, "envgov serve: %s: %s\n", services[started].name, err.msg);
            break;
        }
    }
    if (!rc) {
        int sig = 0;
        sigwait(&stopset, &sig);
        eg_log(EG_LOG_INFO, "serve: %s received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    }
    for (int i = started - 1; i >= 0; i--)
        services[i].stop(&app);
    eg_app_fini(&app);
    eg_db_marker_end(dbp); /* every connection is closed: a clean stop */
    eg_config_free(&cfg);
    if (rc)
        return rc == EG_EUSAGE ? EG_EXIT_USAGE : EG_EXIT_FAIL;
    eg_log(EG_LOG_INFO, "serve: stopped");
    return EG_EXIT_OK;
}
