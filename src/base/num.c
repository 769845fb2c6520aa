/* num.c: strict number parsing over bounded spans (no atoi: the whole span must be the number). */
#include "base/base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int eg_parse_int64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (n && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i >= n || n - i > 18)
        return EG_EINVAL;
    int64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return EG_EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

int eg_parse_double(const char *s, size_t n, double *out)
{
    /* Accept [+-]digits[.digits][e[+-]digits]; refuse hex, inf, nan, empty, spaces. */
    size_t i = 0, mant = 0;
    if (n == 0 || n > 64)
        return EG_EINVAL;
    if (s[i] == '+' || s[i] == '-')
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, mant++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, mant++;
    }
    if (mant == 0)
        return EG_EINVAL;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t exp = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, exp++;
        if (exp == 0)
            return EG_EINVAL;
    }
    if (i != n)
        return EG_EINVAL;
    char tmp[65];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    double v = strtod(tmp, NULL);
    if (!isfinite(v))
        return EG_EINVAL;
    *out = v;
    return 0;
}
