/* log.c: one line per event on stderr, stamped in Beijing time, filtered by level.
   Never pass passwords or tokens here: callers log identifiers, not secrets. */
#include "base/base.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -1: read EG_LOG on first use. Atomic: any thread may log first (two that race both compute
   the same level from the environment; a level set explicitly is never overwritten). */
static atomic_int log_level = -1;

void eg_log_set_level(enum eg_log_level level)
{
    atomic_store(&log_level, (int)level);
}

static int current_level(void)
{
    int l = atomic_load_explicit(&log_level, memory_order_relaxed);
    if (l >= 0)
        return l;
    const char *e = getenv("EG_LOG");
    int from_env = EG_LOG_INFO;
    if (e && !strcmp(e, "debug"))
        from_env = EG_LOG_DEBUG;
    else if (e && !strcmp(e, "warn"))
        from_env = EG_LOG_WARN;
    else if (e && !strcmp(e, "error"))
        from_env = EG_LOG_ERROR;
    atomic_compare_exchange_strong(&log_level, &l, from_env);
    return atomic_load(&log_level);
}

/* Appends c to out[*k] escaped (\n, \r, \t, else \xNN) when it is a control character or one
   of the extra characters, else as it is; stops short of the end (out has room for the NUL). */
static void put_escaped(char *out, size_t n, size_t *k, unsigned char c, const char *extra)
{
    char e[5];
    size_t m = 1;
    e[0] = (char)c;
    if (c == '\n' || c == '\r' || c == '\t') {
        e[0] = '\\';
        e[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        m = 2;
    }
    if ((c < 0x20 && m == 1) || c == 0x7F || (c && extra && strchr(extra, c)))
        m = (size_t)snprintf(e, sizeof e, "\\x%02X", c);
    if (*k + m >= n)
        return;
    memcpy(out + *k, e, m);
    *k += m;
}

char *eg_log_field(char *out, size_t n, const char *s)
{
    size_t k = 0;
    if (!n)
        return out;
    for (; s && *s && k + 1 < n; s++)
        put_escaped(out, n, &k, (unsigned char)*s, " \\\"");
    out[k] = '\0';
    return out;
}

/* Rate limit of errors (issue 10 item 14): a line from the same format string is
   printed at most once per LOG_REPEAT_NS; the next one printed says how many were held back.
   The table keeps the last LOG_SLOTS formats (a format that falls out just prints again).
   Returns 0 to drop the line, else 1 with *held the count held back since the last print. */
#define LOG_REPEAT_NS 5000000000ull
#define LOG_SLOTS 32
static int log_rate_pass(const char *fmt, long *held)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static struct {
        const char *fmt;
        uint64_t last;
        long held;
    } slot[LOG_SLOTS];
    static unsigned next;
    uint64_t now = eg_nanos();
    int pass = 1;
    *held = 0;
    pthread_mutex_lock(&mu);
    int i = 0;
    while (i < LOG_SLOTS && slot[i].fmt != fmt)
        i++;
    if (i == LOG_SLOTS) {
        i = (int)(next++ % LOG_SLOTS);
        slot[i].fmt = fmt;
        slot[i].last = now;
        slot[i].held = 0;
    } else if (now - slot[i].last < LOG_REPEAT_NS) {
        slot[i].held++;
        pass = 0;
    } else {
        *held = slot[i].held;
        slot[i].held = 0;
        slot[i].last = now;
    }
    pthread_mutex_unlock(&mu);
    return pass;
}

void eg_log(enum eg_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if ((int)level < current_level())
        return;
    long held = 0;
    if (level >= EG_LOG_ERROR && !log_rate_pass(fmt, &held))
        return;
    char when[32];
    eg_time_format_beijing(eg_time_now(), when, sizeof when);
    char line[1024], safe[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* whatever a caller formats, one event is one line and no terminal escape gets through */
    size_t k = 0;
    for (const char *c = line; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7F)
            put_escaped(safe, sizeof safe, &k, (unsigned char)*c, NULL);
        else if (k + 1 < sizeof safe)
            safe[k++] = *c;
    safe[k] = '\0';
    if (held)
        fprintf(stderr, "%s +08 %-5s %s (repeated %ld times)\n", when, names[level], safe, held);
    else
        fprintf(stderr, "%s +08 %-5s %s\n", when, names[level], safe);
}
