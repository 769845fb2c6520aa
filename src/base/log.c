/* log.c: one line per event on stderr, stamped in Beijing time, filtered by level.
   Never pass passwords or tokens here: callers log identifiers, not secrets. */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int log_level = -1; /* -1: read EG_LOG on first use */

void eg_log_set_level(enum eg_log_level level)
{
    log_level = (int)level;
}

static int current_level(void)
{
    if (log_level < 0) {
        const char *e = getenv("EG_LOG");
        log_level = EG_LOG_INFO;
        if (e && !strcmp(e, "debug"))
            log_level = EG_LOG_DEBUG;
        else if (e && !strcmp(e, "warn"))
            log_level = EG_LOG_WARN;
        else if (e && !strcmp(e, "error"))
            log_level = EG_LOG_ERROR;
    }
    return log_level;
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
