/*
 * base: what every module shares — error codes and the error struct, checked allocation,
 * logging, and time (UTC seconds stored, Beijing time read and shown).
 *
 * Conventions (DESIGN.md): functions return 0 or a negative EG_E* code and fill a
 * struct eg_err when the caller passes one. Out of memory for internal sizes aborts.
 */
#ifndef EG_BASE_H
#define EG_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define EG_VERSION "0.1.0"

/* Status codes. Stable: the HTTP layer maps them to statuses. */
enum {
    EG_OK = 0,
    EG_EINVAL = -1,    /* invalid input: 400/422 */
    EG_ENOMEM = -2,    /* a limit was reached before allocating */
    EG_EIO = -3,       /* file or socket failure */
    EG_ENOTFOUND = -4, /* 404 */
    EG_ECONFLICT = -5, /* duplicate: 409 */
    EG_EPERM = -6,     /* authenticated but not allowed: 403 */
    EG_EAUTH = -7,     /* not authenticated: 401 */
    EG_ETOOBIG = -8,   /* over a configured size: 413 */
    EG_EAGAIN = -9,    /* incremental parser needs more input */
    EG_EDB = -10,      /* database failure: 500 */
    EG_EUSAGE = -11,   /* command-line usage error: exit 2 */
    EG_ERATE = -12,    /* rate limited: 429 */
};

/* An error a person can act on: a stable machine code ("bad_header"), a message, and where. */
struct eg_err {
    int status;    /* EG_E* */
    char code[32]; /* stable machine code, snake_case */
    char msg[256]; /* human message */
    long offset;   /* byte offset or line number in the input, -1 if none */
};

/* Fills err (when not NULL) and returns status, so callers can `return eg_err_set(...)`. */
int eg_err_set(struct eg_err *err, int status, const char *code, long offset, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void eg_err_clear(struct eg_err *err);
const char *eg_status_name(int status);

/* Checked allocation: aborts with a message on out-of-memory (sizes here are internal). */
void *eg_malloc(size_t n);
void *eg_calloc(size_t n, size_t size);
void *eg_realloc(void *p, size_t n);
char *eg_strdup(const char *s);
char *eg_strndup(const char *s, size_t n);

/* Growable byte buffer. */
struct eg_buf {
    char *data;
    size_t len, cap;
};
void eg_buf_reserve(struct eg_buf *b, size_t extra);
void eg_buf_append(struct eg_buf *b, const void *p, size_t n);
void eg_buf_puts(struct eg_buf *b, const char *s);
void eg_buf_printf(struct eg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void eg_buf_vprintf(struct eg_buf *b, const char *fmt, va_list ap);
/* Appends s as a JSON string literal (quotes included), escaping as RFC 8259 requires. */
void eg_buf_json_str(struct eg_buf *b, const char *s, size_t n);
/* JSON text straight into b (json_num.c): a string known to be valid UTF-8 (quotes included;
   only '"', '\\' and control characters escaped), an integer, a finite real in its shortest
   form that reads back exactly (a non-finite one as null). */
void eg_buf_json_text(struct eg_buf *b, const char *s, size_t n);
void eg_buf_json_int(struct eg_buf *b, long long v);
void eg_buf_json_real(struct eg_buf *b, double v);
void eg_buf_free(struct eg_buf *b);

/* Logging to stderr, one line each, Beijing time. Level from EG_LOG (debug|info|warn|error). */
enum eg_log_level { EG_LOG_DEBUG, EG_LOG_INFO, EG_LOG_WARN, EG_LOG_ERROR };
void eg_log_set_level(enum eg_log_level level);
void eg_log(enum eg_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copies s into out (size n, always NUL-terminated) as one log field: control characters
   (< 0x20, 0x7F), space, backslash and '"' become \xNN, so that a client-supplied value (a
   path, a user name) can neither forge a line nor shift the fields after it. Returns out. eg_log
   itself writes control characters of any message as \n, \r, \t or \xNN. */
char *eg_log_field(char *out, size_t n, const char *s);

/* Time. Stored as int64 UTC seconds; Beijing time is UTC+8 with no DST. */
#define EG_BEIJING_OFFSET (8 * 3600)
struct eg_civil {
    int year, month, day, hour, minute, second, millis;
};
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t eg_days_from_civil(int y, int m, int d);
void eg_civil_from_days(int64_t days, int *y, int *m, int *d);
int eg_days_in_month(int y, int m);
/* 1 when every field is in range and the date exists (no 02-30, no hour 24). */
int eg_civil_valid(const struct eg_civil *c);
/* Beijing civil time <-> UTC seconds. */
int64_t eg_time_from_beijing(const struct eg_civil *c);
void eg_time_to_beijing(int64_t t, struct eg_civil *c);
/* "YYYY-MM-DD HH:MM:SS" Beijing time into out (>= 20 bytes). */
void eg_time_format_beijing(int64_t t, char *out, size_t outsz);
/* Parses Beijing "YYYY-MM-DD[ HH:MM[:SS]]", "YYYY-MM-DDTHH:MM[:SS]" or "YYYYMMDD[HHMMSS]".
   Returns 0 or EG_EINVAL. */
int eg_time_parse_beijing(const char *s, size_t n, int64_t *out);
int64_t eg_time_now(void);
/* Monotonic nanoseconds for benchmarks and timeouts. */
uint64_t eg_nanos(void);

/* Small helpers for bounded text. */
int eg_parse_int64(const char *s, size_t n, int64_t *out); /* whole span must be a decimal */
int eg_parse_double(const char *s, size_t n, double *out); /* finite decimal number only */

/* Files under data/ compiled into the binary (scripts/embed.sh): code tables, SQL migrations.
   Each is NUL-terminated beyond its len. eg_embedded_find returns NULL when absent. */
struct eg_embedded {
    const char *path; /* relative to data/, e.g. "migrations/001_registry.sql" */
    const char *data;
    size_t len;
};
extern const struct eg_embedded eg_embedded_files[];
const struct eg_embedded *eg_embedded_find(const char *path);

#define EG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Metrics (metrics.c): the process's one registry of counters, gauges and histograms that any
   module adds to, rendered by GET /metrics in the Prometheus text format (0.0.4). name is a
   Prometheus metric name with the one prefix envgov_ ("envgov_hj212_packets_total"); labels is the
   inside of the braces
   ('route="/api/v1/units",status="200"') or NULL/"" for none, already escaped by the caller
   (eg_metrics_label_escape). Thread-safe. */
enum eg_metric_type { EG_METRIC_COUNTER, EG_METRIC_GAUGE, EG_METRIC_HISTOGRAM };
void eg_metrics_describe(const char *name, enum eg_metric_type type, const char *help);
void eg_metrics_counter_add(const char *name, const char *labels, double value);
/* For a counter kept elsewhere (an atomic of a service): sets its current total. */
void eg_metrics_counter_set(const char *name, const char *labels, double value);
void eg_metrics_gauge_set(const char *name, const char *labels, double value);
/* Seconds-scale buckets 0.5 ms … 10 s. */
void eg_metrics_histogram_observe(const char *name, const char *labels, double value);
/* Called at each scrape, before the registry is rendered, to set values computed then (e.g. a
   queue length) with the functions above (or, rarely, to append lines to out). */
void eg_metrics_collector_add(void (*fn)(struct eg_buf *out, void *arg), void *arg);
void eg_metrics_collector_remove(void (*fn)(struct eg_buf *out, void *arg), void *arg);
void eg_metrics_render(struct eg_buf *out);
/* Appends s with \, " and newline escaped as a label value needs. */
void eg_metrics_label_escape(struct eg_buf *out, const char *s);

/* Configuration (config.c): every setting has a key in the INI file ("section.key" is
   [section] key=…), an environment variable and a command-line flag; precedence is
   flag > environment > file > default. A command describes its settings in a table. */
struct eg_config_key {
    const char *name; /* "http.listen": [http] listen = … */
    const char *env;  /* "EG_HTTP" */
    const char *flag; /* "--http" (takes a value: --http X or --http=X) */
    const char *def;  /* default value, "" for none */
    const char *help; /* one line */
};
struct eg_config {
    const struct eg_config_key *keys;
    int nkeys;
    char **values;        /* per key, never NULL after load */
    const char **sources; /* per key: "default", "file", "env", "flag" */
    char *file;           /* the file read, or NULL */
};
/* Reads --config FILE (or $EG_CONFIG), then the environment, then the flags in argv (argv[0]
   skipped). Unknown flags and stray arguments are EG_EUSAGE; an unreadable file or a key in it
   that is not in the table is EG_EINVAL. --help is left to the caller (check it first). */
int eg_config_load(struct eg_config *cfg, const struct eg_config_key *keys, int nkeys, int argc,
                   char **argv, struct eg_err *err);
const char *eg_config_get(const struct eg_config *cfg, const char *name); /* NULL: no such key */
/* The value as an integer in [min, max]; EG_EINVAL naming key and source otherwise. */
int eg_config_int(const struct eg_config *cfg, const char *name, int64_t min, int64_t max,
                  int64_t *out, struct eg_err *err);
void eg_config_free(struct eg_config *cfg);
/* The settings documented as a table: key, env var, flag, default, help. */
void eg_config_help(const struct eg_config_key *keys, int nkeys, struct eg_buf *out);

#endif
