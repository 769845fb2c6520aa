/* time.c: civil calendar arithmetic and Beijing time (UTC+8, no DST since 1991).
   Storage is UTC seconds (DESIGN.md); HJ 212 DataTime/QN and evaluation days are Beijing time.
   Calendar algorithms: Howard Hinnant's days_from_civil / civil_from_days (public domain). */
#include "base/base.h"

#include <stdio.h>
#include <time.h>

int64_t eg_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void eg_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int eg_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

int eg_civil_valid(const struct eg_civil *c)
{
    return c->year >= 1 && c->year <= 9999 && c->month >= 1 && c->month <= 12 && c->day >= 1 &&
           c->day <= eg_days_in_month(c->year, c->month) && c->hour >= 0 && c->hour <= 23 &&
           c->minute >= 0 && c->minute <= 59 && c->second >= 0 && c->second <= 59 &&
           c->millis >= 0 && c->millis <= 999;
}

int64_t eg_time_from_beijing(const struct eg_civil *c)
{
    int64_t days = eg_days_from_civil(c->year, c->month, c->day);
    return days * 86400 + c->hour * 3600 + c->minute * 60 + c->second - EG_BEIJING_OFFSET;
}

void eg_time_to_beijing(int64_t t, struct eg_civil *c)
{
    int64_t local = t + EG_BEIJING_OFFSET;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t secs = local - days * 86400;
    eg_civil_from_days(days, &c->year, &c->month, &c->day);
    c->hour = (int)(secs / 3600);
    c->minute = (int)(secs / 60 % 60);
    c->second = (int)(secs % 60);
    c->millis = 0;
}

void eg_time_format_beijing(int64_t t, char *out, size_t outsz)
{
    struct eg_civil c;
    eg_time_to_beijing(t, &c);
    snprintf(out, outsz, "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.minute,
             c.second);
}

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int eg_time_parse_beijing(const char *s, size_t n, int64_t *out)
{
    struct eg_civil c = {0};
    if (n == 8 || n == 14) { /* YYYYMMDD[hhmmss] */
        if (digits(s, 4, &c.year) || digits(s + 4, 2, &c.month) || digits(s + 6, 2, &c.day))
            return EG_EINVAL;
        if (n == 14 && (digits(s + 8, 2, &c.hour) || digits(s + 10, 2, &c.minute) ||
                        digits(s + 12, 2, &c.second)))
            return EG_EINVAL;
    } else if (n == 10 || n == 16 || n == 19) { /* YYYY-MM-DD[ HH:MM[:SS]] */
        if (digits(s, 4, &c.year) || s[4] != '-' || digits(s + 5, 2, &c.month) || s[7] != '-' ||
            digits(s + 8, 2, &c.day))
            return EG_EINVAL;
        if (n >= 16) {
            if ((s[10] != ' ' && s[10] != 'T') || digits(s + 11, 2, &c.hour) || s[13] != ':' ||
                digits(s + 14, 2, &c.minute))
                return EG_EINVAL;
            if (n == 19 && (s[16] != ':' || digits(s + 17, 2, &c.second)))
                return EG_EINVAL;
        }
    } else {
        return EG_EINVAL;
    }
    if (!eg_civil_valid(&c))
        return EG_EINVAL;
    *out = eg_time_from_beijing(&c);
    return 0;
}

int64_t eg_time_now(void)
{
    return (int64_t)time(NULL);
}

uint64_t eg_nanos(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
