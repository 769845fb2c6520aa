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

void eg_log(enum eg_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if ((int)level < current_level())
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
    fprintf(stderr, "%s +08 %-5s %s\n", when, names[level], safe);
}
