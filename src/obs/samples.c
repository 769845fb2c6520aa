/*
 * samples.c: surface-water and noise samples from a spreadsheet saved as CSV (issue 11 item 9),
 * read by named columns in any order, for `envgov water`, `envgov noise` and `envgov import
 * observations`.
 *
 * Water: a section column (section, 断面, 断面名称, station, site, code), a time column (time,
 * date, 采样时间, 监测时间, 日期) and one column per GB 3838-2002 Table 1 factor, named as
 * eg_quality_water_factor_parse accepts them (pH, DO, CODMn, COD, BOD5, NH3-N, TP, TN, Cu …, and
 * the Chinese names of the common ones), optionally followed by a unit in brackets
 * ("COD(mg/L)", "氨氮（mg/L）"). Values in mg/L (faecal coliforms 个/L) as Table 1 gives them.
 * Noise: a station column, a time column, a zone column (zone, 功能区, 功能区类别: "0" "1" "2" "3"
 * "4a" "4b", also "4a类"), and Ld (昼间, 昼间等效声级, day) / Ln (夜间, night) / Lmax
 * (夜间最大声级) / Leq (an hourly equivalent level, with the time of its hour) in dB(A). Cells:
 * blanks and the missing markers of eg_obs_value are missing; a value below the detection limit
 * written "0.01L" (the Chinese monitoring convention) is not evaluated (missing, with a problem
 * line); anything else unreadable is missing with a problem line.
 */
#include "obs/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Header text without blanks and a trailing unit in brackets: "COD (mg/L)" -> "COD". */
static void header_name(const char *h, size_t n, char *out, size_t cap)
{
    while (n && (*h == ' ' || *h == '\t'))
        h++, n--;
    if (n >= 3 && !memcmp(h, "\xEF\xBB\xBF", 3)) /* a BOM the CSV reader left */
        h += 3, n -= 3;
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        if (h[i] == '(' || h[i] == '[')
            break;
        if (i + 3 <= n && !memcmp(h + i, "（", 3)) /* full-width bracket */
            break;
        out[k++] = h[i];
    }
    while (k && (out[k - 1] == ' ' || out[k - 1] == '\t'))
        k--;
    out[k] = '\0';
}

static int name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (!strcasecmp(name, *list))
            return 1;
    return 0;
}

static const char *const SECTION_NAMES[] = {"section",  "断面", "断面名称", "断面代码",
                                            "station",  "site", "code",     "点位",
                                            "点位名称", "测点", "站点",     NULL};
static const char *const TIME_NAMES[] = {"time",     "date", "datetime", "采样时间", "监测时间",
                                         "采样日期", "日期", "时间",     NULL};
static const char *const ZONE_NAMES[] = {"zone", "功能区", "功能区类别", "声环境功能区", NULL};
static const char *const LD_NAMES[] = {"ld", "昼间", "昼间等效声级", "day", "leq_day", NULL};
static const char *const LN_NAMES[] = {"ln", "夜间", "夜间等效声级", "night", "leq_night", NULL};
static const char *const LMAX_NAMES[] = {"lmax", "夜间最大声级", "lmax_night", NULL};
static const char *const LEQ_NAMES[] = {"leq", "la", "等效声级", NULL};

/* Trimmed cell text. */
static const char *trim(const char *s, size_t *n)
{
    while (*n && (s[0] == ' ' || s[0] == '\t'))
        s++, (*n)--;
    while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
        (*n)--;
    return s;
}

static int missing_text(const char *s, size_t n)
{
    int32_t v;
    return eg_obs_value(s, n, &v, NULL, NULL) == 1;
}

/* A decimal cell at scale (6 water micro, 1 dB tenths): 0 with the value, 1 missing (NA). */
static int cell_decimal(const struct eg_obs_sink *sink, const char *s, size_t n, int scale,
                        int64_t max, const char *where, long line, int64_t *out)
{
    s = trim(s, &n);
    if (missing_text(s, n))
        return 1;
    if (n > 1 && (s[n - 1] == 'L' || s[n - 1] == 'l') &&
        eg_quality_decimal_parse(s, n - 1, scale, max, out) == 0) {
        eg__obs_problem(sink, "line %ld: %s: '%.*s' is below the detection limit (not evaluated)",
                        line, where, (int)(n > 40 ? 40 : n), s);
        return 1;
    }
    if (eg_quality_decimal_parse(s, n, scale, max, out)) {
        eg__obs_problem(sink, "line %ld: %s: invalid value '%.*s' (treated as missing)", line,
                        where, (int)(n > 40 ? 40 : n), s);
        return 1;
    }
    return 0;
}

/* The time cell: 0 with t, 1 when the column is absent or the cell empty, -1 unreadable. */
static int cell_time(const struct eg_csv *c, int col, int64_t *t)
{
    if (col < 0 || col >= c->nfields)
        return 1;
    size_t n;
    const char *s = eg_csv_field(c, col, &n);
    s = trim(s, &n);
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++) /* 2026/3/5 as spreadsheets write it */
        if (s[i] == '/') {
            char buf[40];
            if (n >= sizeof buf)
                return -1;
            int y, m, d, hh = 0, mm = 0, k = 0;
            memcpy(buf, s, n);
            buf[n] = '\0';
            if (sscanf(buf, "%d/%d/%d%n %d:%d%n", &y, &m, &d, &k, &hh, &mm, &k) < 3 ||
                (size_t)k != n)
                return -1;
            struct eg_civil cv = {y, m, d, hh, mm, 0, 0};
            if (!eg_civil_valid(&cv))
                return -1;
            *t = eg_time_from_beijing(&cv);
            return 0;
        }
    return eg_time_parse_beijing(s, n, t) ? -1 : 0;
}

static int cell_empty(const struct eg_csv *c)
{
    size_t n;
    eg_csv_field(c, 0, &n);
    return n == 0;
}

static const char *cell_text(const struct eg_csv *c, int col, size_t *n)
{
    *n = 0;
    if (col < 0 || col >= c->nfields)
        return "";
    const char *s = eg_csv_field(c, col, n);
    return trim(s, n);
}

/* Reads the header row into names; 0, or EG_EINVAL "header". */
static int open_header(struct eg_csv *c, const char *data, size_t len, struct eg_err *err)
{
    int r = eg_csv_open(c, data, len, NULL, err);
    if (r < 0)
        return r;
    r = eg_csv_next(c, NULL);
    if (r <= 0) {
        eg_csv_close(c);
        return eg_err_set(err, EG_EINVAL, "header", 1,
                          "no header row: the first line must name the columns");
    }
    return 0;
}

int eg_obs_sniff(const char *data, size_t len)
{
    struct eg_csv c;
    struct eg_err e;
    if (open_header(&c, data, len, &e) < 0)
        return EG_OBS_FMT_OTHER;
    int water = 0, noise = 0, pollutant = 0;
    for (int i = 0; i < c.nfields; i++) {
        size_t n;
        char name[64];
        const char *h = eg_csv_field(&c, i, &n);
        header_name(h, n, name, sizeof name);
        if (!strcasecmp(name, "pollutant") || !strcasecmp(name, "type"))
            pollutant = 1;
        else if (eg_quality_water_factor_parse(name) >= 0)
            water++;
        else if (name_in(name, LD_NAMES) || name_in(name, LN_NAMES) || name_in(name, LEQ_NAMES))
            noise++;
    }
    eg_csv_close(&c);
    if (pollutant)
        return EG_OBS_FMT_OTHER;
    return water ? EG_OBS_FMT_WATER : noise ? EG_OBS_FMT_NOISE : EG_OBS_FMT_OTHER;
}

int eg_obs_read_water(const char *data, size_t len, const struct eg_obs_water_sink *ws,
                      struct eg_err *err)
{
    struct eg_csv c;
    int r = open_header(&c, data, len, err);
    if (r < 0)
        return r;
    int fcol[EG_QW_FACTORS], scol = -1, tcol = -1, nf = 0;
    for (int f = 0; f < EG_QW_FACTORS; f++)
        fcol[f] = -1;
    for (int i = 0; i < c.nfields; i++) {
        size_t n;
        char name[64];
        const char *h = eg_csv_field(&c, i, &n);
        header_name(h, n, name, sizeof name);
        int f = eg_quality_water_factor_parse(name);
        if (f >= 0 && f < EG_QW_FACTORS) {
            if (fcol[f] >= 0) {
                r = eg_err_set(err, EG_EINVAL, "header", 1,
                               "the header names the factor %s twice (columns %d and %d)",
                               eg_quality_water_factor_name(f), fcol[f] + 1, i + 1);
                goto done;
            }
            fcol[f] = i;
            nf++;
        } else if (scol < 0 && name_in(name, SECTION_NAMES)) {
            scol = i;
        } else if (tcol < 0 && name_in(name, TIME_NAMES)) {
            tcol = i;
        }
    }
    if (nf == 0) {
        r = eg_err_set(err, EG_EINVAL, "header", 1,
                       "the header names no GB 3838 factor: name the columns pH, DO, CODMn, "
                       "COD, BOD5, NH3-N, TP, TN … (or 溶解氧, 高锰酸盐指数, 氨氮, 总磷 …)");
        goto done;
    }
    struct eg_obs_sink ps = {NULL, NULL, ws->problem, ws->ctx};
    for (;;) {
        int got = eg_csv_next(&c, NULL);
        if (got == 0)
            break;
        if (got < 0) {
            eg__obs_problem(&ps, "line %ld: malformed CSV row (skipped)", c.rec_line);
            continue;
        }
        if (c.nfields == 1 && cell_empty(&c))
            continue; /* an empty line */
        struct eg_obs_water_row row;
        memset(&row, 0, sizeof row);
        row.line = c.rec_line;
        row.section = cell_text(&c, scol, &row.section_len);
        int tr = cell_time(&c, tcol, &row.t);
        if (tr < 0) {
            eg__obs_problem(&ps, "line %ld: invalid time (skipped)", c.rec_line);
            continue;
        }
        row.has_time = tr == 0;
        int any = 0;
        for (int f = 0; f < EG_QW_FACTORS; f++) {
            row.v[f] = EG_QUALITY_W_NA;
            if (fcol[f] < 0 || fcol[f] >= c.nfields)
                continue;
            size_t n;
            const char *s = eg_csv_field(&c, fcol[f], &n);
            int64_t v;
            /* at most 10^9 mg/L (coliforms 10^9 个/L): beyond is a typing error */
            if (cell_decimal(&ps, s, n, 6, INT64_C(1000000000), eg_quality_water_factor_name(f),
                             c.rec_line, &v) == 0) {
                row.v[f] = v;
                any = 1;
            }
        }
        if (!any) {
            eg__obs_problem(&ps, "line %ld: no factor value (skipped)", c.rec_line);
            continue;
        }
        ws->row(ws->ctx, &row);
    }
done:
    eg_csv_close(&c);
    return r;
}

static int zone_of(const char *s, size_t n)
{
    char z[24];
    if (n == 0 || n >= sizeof z)
        return -1;
    memcpy(z, s, n);
    z[n] = '\0';
    size_t k = strlen(z);
    if (k >= 3 && !strcmp(z + k - 3, "类")) /* "4a类" */
        z[k - 3] = '\0';
    for (char *p = z; *p; p++)
        if (*p == 'A' || *p == 'B')
            *p = (char)(*p - 'A' + 'a');
    return eg_quality_noise_zone_parse(z);
}

int eg_obs_read_noise(const char *data, size_t len, const struct eg_obs_noise_sink *ns,
                      struct eg_err *err)
{
    struct eg_csv c;
    int r = open_header(&c, data, len, err);
    if (r < 0)
        return r;
    int scol = -1, tcol = -1, zcol = -1, lcol[4] = {-1, -1, -1, -1};
    const char *const *lnames[4] = {LD_NAMES, LN_NAMES, LMAX_NAMES, LEQ_NAMES};
    for (int i = 0; i < c.nfields; i++) {
        size_t n;
        char name[64];
        const char *h = eg_csv_field(&c, i, &n);
        header_name(h, n, name, sizeof name);
        int used = 0;
        for (int k = 0; k < 4 && !used; k++)
            if (lcol[k] < 0 && name_in(name, lnames[k]))
                lcol[k] = i, used = 1;
        if (used)
            continue;
        if (scol < 0 && name_in(name, SECTION_NAMES))
            scol = i;
        else if (tcol < 0 && name_in(name, TIME_NAMES))
            tcol = i;
        else if (zcol < 0 && name_in(name, ZONE_NAMES))
            zcol = i;
    }
    if (lcol[0] < 0 && lcol[1] < 0 && lcol[3] < 0) {
        r = eg_err_set(err, EG_EINVAL, "header", 1,
                       "the header names no level: name the columns Ld (昼间) and Ln (夜间), "
                       "or Leq with the time of each hour");
        goto done;
    }
    if (lcol[3] >= 0 && tcol < 0 && lcol[0] < 0 && lcol[1] < 0) {
        r = eg_err_set(err, EG_EINVAL, "header", 1,
                       "hourly Leq needs a time column (time, date, 监测时间) to tell day from "
                       "night");
        goto done;
    }
    struct eg_obs_sink ps = {NULL, NULL, ns->problem, ns->ctx};
    for (;;) {
        int got = eg_csv_next(&c, NULL);
        if (got == 0)
            break;
        if (got < 0) {
            eg__obs_problem(&ps, "line %ld: malformed CSV row (skipped)", c.rec_line);
            continue;
        }
        if (c.nfields == 1 && cell_empty(&c))
            continue;
        struct eg_obs_noise_row row;
        memset(&row, 0, sizeof row);
        row.line = c.rec_line;
        row.station = cell_text(&c, scol, &row.station_len);
        int tr = cell_time(&c, tcol, &row.t);
        if (tr < 0) {
            eg__obs_problem(&ps, "line %ld: invalid time (skipped)", c.rec_line);
            continue;
        }
        row.has_time = tr == 0;
        size_t zn;
        const char *zs = cell_text(&c, zcol, &zn);
        row.zone = zcol >= 0 ? zone_of(zs, zn) : -1;
        if (zcol >= 0 && zn > 0 && row.zone < 0)
            eg__obs_problem(&ps, "line %ld: zone: unknown GB 3096 zone '%.*s' (use 0 1 2 3 4a 4b)",
                            c.rec_line, (int)(zn > 20 ? 20 : zn), zs);
        double *lv[4] = {&row.ld, &row.ln, &row.lmax, &row.leq};
        static const char *const where[4] = {"Ld", "Ln", "Lmax", "Leq"};
        int any = 0;
        for (int k = 0; k < 4; k++) {
            *lv[k] = NAN;
            if (lcol[k] < 0 || lcol[k] >= c.nfields)
                continue;
            size_t n;
            const char *s = eg_csv_field(&c, lcol[k], &n);
            int64_t tenths;
            /* levels in dB(A) to 0.1 dB; above 200 dB is not a sound level */
            if (cell_decimal(&ps, s, n, 1, 200, where[k], c.rec_line, &tenths) == 0) {
                *lv[k] = (double)tenths / 10.0;
                any = 1;
            }
        }
        if (!any) {
            eg__obs_problem(&ps, "line %ld: no level (skipped)", c.rec_line);
            continue;
        }
        ns->row(ns->ctx, &row);
    }
done:
    eg_csv_close(&c);
    return r;
}
