/*
 * fuzz/http_params.c: libFuzzer target for the query-argument checker of the route tables
 * (src/http/server.c, eg__http_param_check): what every documented route runs on each argument
 * before its handler. The first input byte picks a table entry (string with a bound, integer with
 * bounds, id, number, boolean, enum, time, time as a range end, date, list); the rest, up to a
 * NUL, is the value. Invariants: an accepted integer is within its bounds, an accepted enum value
 * is one of the values, an accepted time formats back to the same instant (a date alone as a
 * range end to its last second), an accepted string or list is within its bound; a refusal has a
 * message naming the parameter. Seed corpus: fuzz/corpus/http_params/.
 */
#include "http/http.h"
#include "http/http_internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct eg_http_param_spec specs[] = {
    {.name = "source", .type = EG_PT_STRING, .max_len = 64},
    {.name = "limit", .type = EG_PT_INT, .min = 1, .max = 1000},
    {.name = "id", .type = EG_PT_ID},
    {.name = "value", .type = EG_PT_NUMBER, .min = -50, .max = 50},
    {.name = "computed", .type = EG_PT_BOOL},
    {.name = "kind", .type = EG_PT_ENUM, .enum_values = "2011|2051|2061|2031"},
    {.name = "from", .type = EG_PT_TIME},
    {.name = "to", .type = EG_PT_TIME, .flags = EG_PF_RANGE_END},
    {.name = "as_of", .type = EG_PT_DATE},
    {.name = "keys", .type = EG_PT_LIST, .max_len = 3},
    {.name = "year", .type = EG_PT_INT},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct eg_http_param_spec *p = &specs[data[0] % (sizeof specs / sizeof specs[0])];
    char *v = malloc(size);
    memcpy(v, data + 1, size - 1);
    v[size - 1] = '\0';
    int64_t i = 0;
    double d = 0;
    struct eg_err err;
    eg_err_clear(&err);
    int rc = eg__http_param_check(p, v, &i, &d, &err);
    if (rc) {
        if (rc != EG_EINVAL || !strstr(err.msg, p->name))
            abort();
    } else {
        switch (p->type) {
        case EG_PT_INT:
            if (p->max > p->min && (i < p->min || i > p->max))
                abort();
            break;
        case EG_PT_ID:
            if (i <= 0)
                abort();
            break;
        case EG_PT_NUMBER:
            if (!(d >= (double)p->min && d <= (double)p->max))
                abort();
            break;
        case EG_PT_BOOL:
            if (i != 0 && i != 1)
                abort();
            break;
        case EG_PT_ENUM:
            if (strlen(v) != 4 || !strstr(p->enum_values, v))
                abort();
            break;
        case EG_PT_TIME:
        case EG_PT_DATE: {
            char b[32];
            int64_t back;
            size_t n = strlen(v);
            int64_t t = (p->flags & EG_PF_RANGE_END) && (n == 8 || n == 10) ? i - 86399 : i;
            eg_time_format_beijing(t, b, sizeof b);
            if (eg_time_parse_beijing(b, strlen(b), &back) || back != t)
                abort();
            break;
        }
        case EG_PT_LIST: {
            int items = 1;
            for (const char *q = v; *q; q++)
                items += *q == ',';
            if (items > p->max_len)
                abort();
            break;
        }
        default:
            if (p->max_len && strlen(v) > (size_t)p->max_len)
                abort();
        }
    }
    free(v);
    return 0;
}
