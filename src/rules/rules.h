/*
 * rules: the rules engine (issue 12 items 2 and 3). Rules run on the commit event feed of
 * ingestion and imports (base/app.h eg_events_*: which series got which hours) and, for what
 * needs time to pass (missing data, a device gone offline), on a schedule on the app's jobs.
 * A rule whose condition holds opens an alert with its evidence (values, times, the limit and
 * its permit, the rule and its parameters); one alert per rule x subject while the condition
 * lasts (later hits update it), closed when the condition ends or by a person with a reason;
 * open -> acknowledged -> closed. Each change of an alert is queued in a durable outbox in the
 * same transaction, and a job posts it to a configured webhook (HMAC-SHA256 signed, retried
 * with back-off) so ingestion is never blocked. An alert at or above a configured severity
 * raises a task (tasks/tasks.h eg_task_raise, origin "alert") once.
 *
 *   defs.c     the rules as data: names, Chinese descriptions, parameters and their defaults
 *              with their source; the rule configuration file (INI) that overrides them
 *   detect.c   the detectors: pure functions over arrays of samples (tested and benchmarked
 *              without a database)
 *   engine.c   the glue: reads through ts.h, eval.h, registry.h and devices.h, runs the
 *              detectors for each event and on schedule, opens and closes alerts
 *   alerts.c   the alerts and outbox tables (migration 450): the only SQL of the module
 *   webhook.c  the outbox delivery: a small HTTP/1.1 client, signature, back-off
 *
 * Owns alerts, alerts_outbox (450-499). Reads data only through public functions of the
 * modules below it.
 */
#ifndef EG_RULES_H
#define EG_RULES_H

#include "auth/auth.h"
#include "base/app.h"
#include "base/base.h"
#include "db/db.h"
#include "ts/ts.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the rules as data (defs.c) ---------------------------------------------------------- */

enum eg_rule_id {
    EG_RULE_LIMIT_EXCEED = 0, /* hourly mean over the permit limit */
    EG_RULE_LIMIT_RUN,        /* N consecutive hours over the limit */
    EG_RULE_DAILY_AMOUNT,     /* the day's discharged amount over the permitted amount */
    EG_RULE_FLATLINE,         /* constant too long */
    EG_RULE_IMPOSSIBLE,       /* negatives, zeros where impossible */
    EG_RULE_RANGE,            /* outside the instrument's range */
    EG_RULE_JUMP,             /* a step no process makes */
    EG_RULE_FLAG_HELD,        /* M / C / D flags held too long */
    EG_RULE_HUGGING,          /* just under the limit far more often than chance */
    EG_RULE_MISSING,          /* missing data (transmission rate) */
    EG_RULE_OFFLINE,          /* device gone offline */
    EG_RULE_AQI,              /* station AQI over a threshold */
    EG_RULE_WATER_CLASS,      /* water section worse than its target class */
    EG_RULE_NOISE_NIGHT,      /* noise station over its zone's night limit */
    EG_RULE_COUNT
};

#define EG_RULE_MAX_PARAMS 4

struct eg_rule_param {
    const char *name;    /* key in the configuration file */
    double def;          /* default */
    double min, max;     /* accepted range */
    const char *unit;    /* of the value */
    const char *source;  /* where the default comes from */
    const char *text_zh; /* what it is, in Chinese */
};

struct eg_rule_def {
    enum eg_rule_id id;
    const char *name;     /* "limit_exceed" … */
    const char *name_zh;  /* 小时均值超许可排放限值 … */
    const char *desc_zh;  /* a sentence a person reads */
    const char *category; /* compliance | data | ambient */
    int severity;         /* default 1 info, 2 warning, 3 serious, 4 critical */
    int compliance;       /* 1: judges an outlet against its permit (unconfirmed devices skipped) */
    int scheduled;        /* 1: run by the periodic job, not by events */
    int nparams;
    struct eg_rule_param params[EG_RULE_MAX_PARAMS];
};

extern const struct eg_rule_def eg_rule_defs[EG_RULE_COUNT];
const struct eg_rule_def *eg_rule_find(const char *name); /* NULL when unknown */

/* Settings of the engine: every parameter, per-rule switch and severity, webhook, tasks. */
struct eg_rules_config {
    double p[EG_RULE_COUNT][EG_RULE_MAX_PARAMS];
    int enabled[EG_RULE_COUNT];
    int severity[EG_RULE_COUNT];
    int task_severity;          /* alerts at or above raise a task; 0 never (default 3) */
    char webhook_url[512];      /* "" none; http://host:port/path */
    char webhook_secret[128];   /* HMAC-SHA256 key */
    int webhook_max_attempts;   /* default 8 */
    int64_t webhook_backoff_ms; /* first retry delay, doubled each time (default 2000) */
    int64_t webhook_timeout_ms; /* connect + answer (default 5000) */
    int64_t schedule_ms;        /* periodic rules (default 60000) */
    char ranges_file[512];      /* "": the embedded data/rules/ranges.csv; [alerts] ranges_file */
};

void eg_rules_config_default(struct eg_rules_config *c);
/* Reads an INI file: [rule_name] param = value, enabled = 0|1, severity = 1..4; [webhook] url,
   secret, max_attempts, backoff_ms, timeout_ms; [alerts] task_severity, schedule_s. Unknown
   sections, keys or values out of range are EG_EINVAL naming them. */
int eg_rules_config_load(struct eg_rules_config *c, const char *path, struct eg_err *err);
double eg_rules_param(const struct eg_rules_config *c, enum eg_rule_id r, const char *name);

/* Instrument ranges and whether zero is possible, per pollutant (data/rules/ranges.csv). */
struct eg_rules_range {
    char pollutant[17];
    double min, max;
    int zero_possible;
};
struct eg_rules_ranges {
    struct eg_rules_range *v;
    size_t n;
};
int eg_rules_ranges_load(struct eg_rules_ranges *r, const char *csv, size_t len,
                         struct eg_err *err);
const struct eg_rules_range *eg_rules_range_of(const struct eg_rules_ranges *r,
                                               const char *pollutant);
void eg_rules_ranges_free(struct eg_rules_ranges *r);

/* ---- detectors (detect.c): pure ----------------------------------------------------------- */

/* What a detector found: the span [t_from, t_to] of the samples concerned, how many, and the
   worst value. */
struct eg_rules_hit {
    int fired;
    int64_t t_from, t_to;
    size_t count;
    double value;  /* the decisive value (run value, largest step, worst value, statistic) */
    double value2; /* a second figure (p-value, previous value …) */
};

/* Longest run of equal values (|v - v0| <= eps) lasting >= min_s seconds; samples with flags
   other than N are skipped (a held flag is its own rule). */
void eg_rules_flatline(const struct eg_ts_row *s, size_t n, double min_s, double eps,
                       struct eg_rules_hit *out);
/* Negative values, or zeros when zero_possible == 0, with flag N: fires at >= min_count. */
void eg_rules_impossible(const struct eg_ts_row *s, size_t n, int zero_possible, double min_count,
                         struct eg_rules_hit *out);
/* Values outside [lo, hi] or flagged T (HJ 212-2017 Table 8 超测上限): fires at >= min_count. */
void eg_rules_out_of_range(const struct eg_ts_row *s, size_t n, double lo, double hi,
                           double min_count, struct eg_rules_hit *out);
/* A step between consecutive N samples larger than max_step (and within max_gap_s). */
void eg_rules_jump(const struct eg_ts_row *s, size_t n, double max_step, int64_t max_gap_s,
                   struct eg_rules_hit *out);
/* A run of maintenance / calibration / fault flags (M, C, D) lasting >= min_s. */
void eg_rules_flag_held(const struct eg_ts_row *s, size_t n, double min_s,
                        struct eg_rules_hit *out);
/* Hourly values: the last run of consecutive hours over limit (value: its peak). fires when the
   last hour is over limit and the run is >= min_hours. */
void eg_rules_over_limit_run(const int64_t *t, const double *v, size_t n, double limit,
                             double min_hours, struct eg_rules_hit *out);
/* Limit-hugging: of the values in [limit (1 - 2 band), limit), k lie in the upper half
   [limit (1 - band), limit). With a density that is locally flat near the limit each of those
   lies in the upper half with probability 1/2; the one-sided exact binomial test
   P(X >= k | n, 1/2) < alpha with n >= min_n fires (value: k / n, value2: the p-value). Values
   at or over the limit count against it: a real pile-up under the limit comes with few above. */
void eg_rules_hugging(const double *v, size_t n, double limit, double band, double min_n,
                      double alpha, struct eg_rules_hit *out);
/* P(X >= k) for X ~ Binomial(n, 1/2). */
double eg_rules_binom_tail_half(size_t n, size_t k);

/* ---- alerts (alerts.c) -------------------------------------------------------------------- */

struct eg_alert_new {
    enum eg_rule_id rule;
    const char *subject, *source, *pollutant; /* pollutant may be NULL */
    int64_t unit_id, outlet_id, station_id, region_id;
    int severity;
    const char *title;
    json_t *evidence; /* borrowed */
    int64_t at;
};

/* Opens an alert for rule x subject, or, when one is open or acknowledged, updates its
   evidence, last_seen_at and hits. *alert_id its id, *opened 1 when new. The outbox gets an
   "opened" delivery when a webhook is configured (with_outbox). In its own transaction unless
   the caller holds one. */
int eg_alerts_raise(struct eg_db *st, const struct eg_alert_new *a, int with_outbox,
                    int64_t *alert_id, int *opened, struct eg_err *err);
/* Closes the live alert of rule x subject, if any (the condition ended); *closed 1 when one
   was. reason text stored. */
int eg_alerts_resolve(struct eg_db *st, enum eg_rule_id rule, const char *subject,
                      const char *reason, int64_t at, int with_outbox, int *closed,
                      struct eg_err *err);
/* A person's transition: "acknowledge" (open -> acknowledged) or "close" (open|acknowledged ->
   closed, reason required, <= 500 bytes). EG_ECONFLICT for a transition the state forbids,
   EG_EINVAL without a reason, EG_ENOTFOUND for an unknown id. Audited. */
int eg_alerts_transition(struct eg_db *st, const struct eg_principal *who, int64_t id,
                         const char *action, const char *reason, int with_outbox,
                         struct eg_err *err);
/* Records the task raised for an alert (once: EG_ECONFLICT when it has one). */
int eg_alerts_set_task(struct eg_db *st, int64_t id, int64_t task_id, struct eg_err *err);

struct eg_alerts_filter {
    const char *state, *rule;   /* or NULL */
    int64_t unit_id, region_id; /* 0: any */
    const char *source;         /* or NULL */
    int limit;                  /* 1..1000, default 100 */
    int64_t before_id;          /* paging: ids below; 0 from the newest */
    int64_t permit_id;          /* 0: any; else the alerts filed against that permit (一证式) */
};
/* Alerts as JSON objects, newest first, restricted to what who may see: admin and bureau all,
   street the alerts of units and stations the registry lets it read, enterprise its own unit's,
   steward its contracted units', anonymous none (EG_EAUTH). */
int eg_alerts_list(struct eg_db *st, const struct eg_principal *who,
                   const struct eg_alerts_filter *f, json_t **out, struct eg_err *err);
int eg_alerts_get(struct eg_db *st, const struct eg_principal *who, int64_t id, json_t **out,
                  struct eg_err *err);
/* Hours over the permit limit (rule limit_exceed: one hit per hourly mean over the limit) per
   unit, source (MN) and pollutant, of the alerts opened in [from, to) (UTC seconds): for the
   credit input exceedance_rate. fn < 0 stops with that code. */
int eg_alerts_exceed_hours(struct eg_db *st, int64_t from, int64_t to,
                           int (*fn)(void *arg, int64_t unit_id, const char *source,
                                     const char *pollutant, int64_t hours),
                           void *arg, struct eg_err *err);

/* ---- the engine (engine.c) ---------------------------------------------------------------- */

struct eg_rules;

/* An engine over its own database connections (opened on db_path). cfg copied. */
int eg_rules_new(const char *db_path, const struct eg_rules_config *cfg, struct eg_rules **out,
                 struct eg_err *err);
void eg_rules_free(struct eg_rules *r);
/* Fixes "now" for tests (0: the wall clock). */
void eg_rules_set_now(struct eg_rules *r, int64_t now);
/* Runs the event rules over a commit's events (what the feed subscriber calls). */
int eg_rules_on_events(struct eg_rules *r, const struct eg_event *ev, size_t n, struct eg_err *err);
/* Runs the scheduled rules once (missing data, offline). */
int eg_rules_run_scheduled(struct eg_rules *r, struct eg_err *err);
/* Delivers due outbox entries once; *sent / *failed counted (may be NULL). */
int eg_rules_deliver(struct eg_rules *r, int *sent, int *failed, struct eg_err *err);

/* Counters since eg_rules_new. */
struct eg_rules_stats {
    int64_t events, evaluations, opened, updated, closed, tasks, delivered, delivery_failures;
};
void eg_rules_stats(struct eg_rules *r, struct eg_rules_stats *out);

/* The service `serve` starts: subscribes to app->events, schedules "rules.scheduled" and
   "rules.webhook" on app->jobs. Stop before eg_app_fini (cancels the jobs; events delivered
   after the stop are ignored). */
int eg_rules_service_start(struct eg_app *app, const struct eg_rules_config *cfg,
                           struct eg_rules **out, struct eg_err *err);
void eg_rules_service_stop(struct eg_app *app, struct eg_rules *r);

/* The webhook signature: "sha256=" + hex HMAC-SHA256(secret, body); out >= 72 bytes. */
void eg_rules_sign(const char *secret, const char *body, size_t len, char *out, size_t cap);

#endif
