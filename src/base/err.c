/* err.c: filling struct eg_err, and the names of status codes. */
#include "base/base.h"

#include <stdio.h>
#include <string.h>

int eg_err_set(struct eg_err *err, int status, const char *code, long offset, const char *fmt, ...)
{
    if (!err)
        return status;
    err->status = status;
    snprintf(err->code, sizeof err->code, "%s", code ? code : eg_status_name(status));
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return status;
}

void eg_err_clear(struct eg_err *err)
{
    if (!err)
        return;
    err->status = 0;
    err->code[0] = '\0';
    err->msg[0] = '\0';
    err->offset = -1;
}

const char *eg_status_name(int status)
{
    switch (status) {
    case EG_OK:
        return "ok";
    case EG_EINVAL:
        return "invalid";
    case EG_ENOMEM:
        return "limit_reached";
    case EG_EIO:
        return "io_error";
    case EG_ENOTFOUND:
        return "not_found";
    case EG_ECONFLICT:
        return "conflict";
    case EG_EPERM:
        return "forbidden";
    case EG_EAUTH:
        return "unauthorized";
    case EG_ETOOBIG:
        return "too_large";
    case EG_EAGAIN:
        return "need_more";
    case EG_EDB:
        return "database_error";
    case EG_EUSAGE:
        return "usage";
    case EG_ERATE:
        return "rate_limited";
    }
    return "error";
}
