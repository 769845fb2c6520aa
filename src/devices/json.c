/*
 * json.c: the JSON pieces the status and command-history answers share.
 */
#include "devices/internal.h"

void eg__devices_json_int(struct eg_buf *o, const char *name, struct eg_stmt *s, int col)
{
    if (eg_stmt_is_null(s, col))
        eg_buf_printf(o, "\"%s\":null", name);
    else
        eg_buf_printf(o, "\"%s\":%lld", name, (long long)eg_stmt_int(s, col));
}

void eg__devices_json_time(struct eg_buf *o, const char *name, struct eg_stmt *s, int col)
{
    if (eg_stmt_is_null(s, col) || eg_stmt_int(s, col) == 0) {
        eg_buf_printf(o, "\"%s\":null", name);
        return;
    }
    char t[32];
    eg_time_format_beijing(eg_stmt_int(s, col), t, sizeof t);
    eg_buf_printf(o, "\"%s\":\"%s\"", name, t);
}
