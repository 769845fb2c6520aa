/*
 * value.c: concentration cells as the bureaus publish them (blanks, the dashes and "NA" that
 * mean missing) and the problem reports every obs reader shares.
 */
#include "obs/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int is_missing_text(const char *s, size_t n)
{
    static const char *const M[] = {"", "-", "—", "-;", "NA", "na", "N/A", "null", "--"};
    for (size_t i = 0; i < EG_ARRAY_LEN(M); i++)
        if (n == strlen(M[i]) && !memcmp(s, M[i], n))
            return 1;
    return 0;
}

int eg_obs_value(const char *s, size_t n, int32_t *out, const char **trimmed, size_t *tn)
{
    while (n && (s[0] == ' ' || s[0] == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (trimmed) {
        *trimmed = s;
        *tn = n;
    }
    *out = EG_QUALITY_NA;
    if (is_missing_text(s, n))
        return 1;
    int32_t v;
    if (eg_quality_conc_parse(s, n, &v))
        return EG_EINVAL;
    *out = v;
    return 0;
}

void eg__obs_problem(const struct eg_obs_sink *sink, const char *fmt, ...)
{
    if (!sink->problem)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sink->problem(sink->ctx, msg);
}

int32_t eg__obs_cell(const struct eg_obs_sink *sink, const char *s, size_t n, const char *where,
                     long line)
{
    int32_t v;
    const char *t;
    size_t tn;
    if (eg_obs_value(s, n, &v, &t, &tn) < 0)
        eg__obs_problem(sink, "line %ld: %s: invalid value '%.*s' (treated as missing)", line,
                        where, (int)(tn > 40 ? 40 : tn), t);
    return v;
}

void eg__obs_input_clear(struct eg_quality_aqi_input *in)
{
    for (int s = 0; s < EG_QUALITY_SLOTS; s++)
        in->c[s] = EG_QUALITY_NA;
    in->so2_24h = EG_QUALITY_NA;
}
