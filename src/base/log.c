/* log.c: one line per event on stderr, stamped in Beijing time, filtered by level.
   Never pass passwords or tokens here: callers log identifiers, not secrets. */
#include "base/base.h"

#include <stdatomic.h>
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

void eg_log(enum eg_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if ((int)level < current_level())
        return;
    char when[32];
    eg_time_format_beijing(eg_time_now(), when, sizeof when);
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s +08 %-5s %s\n", when, names[level], line);
}
