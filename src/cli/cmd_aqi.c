/*
 * cmd_aqi.c: `envgov aqi` — the AQI of every row of a file, by HJ 633 (src/quality/aqi.c).
 *
 * Reads three layouts: a plain CSV with named columns (also the MEE city table as published),
 * the quotsoft/CNEMC `china_sites_YYYYMMDD.csv` long format (one output row per station-hour),
 * and CNEMC's station GeoJSON snapshots (`cnemc_json`; 1-hour O3 is the `o3_24h` property in
 * that feed — see ../shared/data/real/README.md §1). Writes one CSV row per input row
 * (station-hour, or station-day with --daily). The edition is the one in force on each row's
 * Beijing date unless --edition fixes it; the count per edition goes to stderr.
 */
#include "base/base.h"
#include "cli/cli.h"
#include "quality/quality.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_INPUT (512u << 20) /* refuse files above 512 MiB before reading them */
#define MAX_FIELDS 4096

static const char HELP[] =
    "Computes the air quality index of every row of FILE ('-' or none: standard input) by\n"
    "HJ 633-2012 or HJ 633-2026 and prints CSV:\n"
    "  station,time,aqi,level,category,primary_pollutants,\n"
    "  iaqi_so2,iaqi_no2,iaqi_pm10,iaqi_co,iaqi_o3,iaqi_pm25      (--daily adds iaqi_o3_8h)\n"
    "time is Beijing time 'YYYY-MM-DD HH:00' (daily: 'YYYY-MM-DD'); level 1..6; category the\n"
    "Chinese name (优 良 轻度污染 中度污染 重度污染 严重污染); primary_pollutants (AQI > 50, ties\n"
    "all named) joined by ',' from SO2 NO2 PM10 PM2.5 CO O3_1h O3_8h (O3_1h: 1-hour O3, in\n"
    "a daily report the day's max 1-hour value; O3_8h: the 8-hour moving average, in a daily\n"
    "report the day's max). Empty cells: value missing or invalid (HJ 633 'NA'); under\n"
    "HJ 633-2026 §5.3.1 the AQI is left empty when a pollutant is missing and AQI <= 100.\n"
    "\n"
    "options:\n"
    "  --daily            daily report: 24-h means, O3 max 1-h (2012 only) and max 8-h\n"
    "  --edition E        2012 or 2026; default: the edition in force on each row's date\n"
    "                     (2026 from 2026-03-01 Beijing time)\n"
    "  --format F         csv (default), china_sites, cnemc_json\n"
    "  --with-edition     append an 'edition' column\n"
    "\n"
    "formats:\n"
    "  csv          header row naming the columns (any order, case-insensitive):\n"
    "               station (or city, stationcode), time (or timepoint, date),\n"
    "               so2, no2, pm10, co (mg/m3), o3, pm25 (or pm2.5, pm2_5) in ug/m3;\n"
    "               real-time: 1-hour values (PM10/PM2.5 1-hour values are read on the\n"
    "               24-hour breakpoints, CNEMC practice since 2014, HJ 633-2026 §4.2.4);\n"
    "               optional so2_24h (2012: used when SO2 1-hour > 800, Table 1 note 2);\n"
    "               daily: 24-hour means, o3 = max 1-hour, o3_8h = max 8-hour.\n"
    "               Missing: empty, '-', '—', '-;', 'NA'. The MEE city table is read as is.\n"
    "  china_sites  quotsoft/CNEMC 'date,hour,type,<station codes>' (15 rows per hour); one\n"
    "               output row per station-hour. With --daily: the natural day of hours\n"
    "               labelled 01..24 (hour 0 closes the previous day), 24-h means valid with\n"
    "               >= 20 hours, MDA8 of the windows labelled 08..24 (GB 3095 Table 4,\n"
    "               HJ 663 §6.1.2).\n"
    "  cnemc_json   CNEMC station GeoJSON snapshot (geoinsights/ChinaAQIData); the 1-hour O3\n"
    "               is the 'o3_24h' property in that feed (columns swapped at the source).\n"
    "\n"
    "The real-time AQI excludes the O3 8-hour moving average, as CNEMC publishes it.\n"
    "exit: 0 ok; 1 invalid data (rows still printed, problems on stderr); 2 usage.\n";

struct opts {
    int daily, edition, with_edition;
    const char *format;
};

struct out {
    struct eg_buf buf;
    long rows[2]; /* per edition: 2012, 2026 */
    long bad;     /* invalid values or rows */
};

/* ---------------------------------------------------------------- output */

static void put_int_cell(struct eg_buf *b, int v)
{
    if (v >= 0)
        eg_buf_printf(b, ",%d", v);
    else
        eg_buf_puts(b, ",");
}

static void csv_text(struct eg_buf *b, const char *s, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = 1;
    if (!quote) {
        eg_buf_append(b, s, n);
        return;
    }
    eg_buf_puts(b, "\"");
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            eg_buf_puts(b, "\"");
        eg_buf_append(b, s + i, 1);
    }
    eg_buf_puts(b, "\"");
}

static void header(struct out *o, const struct opts *op)
{
    eg_buf_puts(&o->buf, "station,time,aqi,level,category,primary_pollutants,iaqi_so2,iaqi_no2,"
                         "iaqi_pm10,iaqi_co,iaqi_o3,iaqi_pm25");
    if (op->daily)
        eg_buf_puts(&o->buf, ",iaqi_o3_8h");
    if (op->with_edition)
        eg_buf_puts(&o->buf, ",edition");
    eg_buf_puts(&o->buf, "\n");
}

static void flush_if_big(struct out *o)
{
    if (o->buf.len > (1u << 16)) {
        fwrite(o->buf.data, 1, o->buf.len, stdout);
        o->buf.len = 0;
    }
}

/* One output row. c is the Beijing civil time of the row (daily: the date). */
static void emit(struct out *o, const struct opts *op, const char *station, size_t stlen,
                 const struct eg_civil *c, const struct eg_quality_aqi_input *in)
{
    int ed = op->edition ? op->edition : eg_quality_edition_on(c->year, c->month, c->day);
    struct eg_quality_aqi r;
    eg_quality_aqi_compute(ed, op->daily, in, NULL, &r);
    o->rows[ed == EG_QUALITY_ED_2026]++;
    struct eg_buf *b = &o->buf;
    csv_text(b, station, stlen);
    if (op->daily)
        eg_buf_printf(b, ",%04d-%02d-%02d", c->year, c->month, c->day);
    else
        eg_buf_printf(b, ",%04d-%02d-%02d %02d:00", c->year, c->month, c->day, c->hour);
    put_int_cell(b, r.aqi);
    if (r.aqi >= 0) {
        const struct eg_quality_category *cat = eg_quality_category_of(r.aqi);
        char prim[96];
        eg_quality_slots_format(r.primary, 0, prim, sizeof prim);
        eg_buf_printf(b, ",%d,%s,", cat->level, cat->name_zh);
        csv_text(b, prim, strlen(prim));
    } else {
        eg_buf_puts(b, ",,,");
    }
    for (int s = 0; s < 6; s++)
        put_int_cell(b, r.iaqi[s]);
    if (op->daily)
        put_int_cell(b, r.iaqi[EG_QUALITY_O3_8H]);
    if (op->with_edition)
        eg_buf_printf(b, ",%d", ed);
    eg_buf_puts(b, "\n");
    flush_if_big(o);
}

/* ---------------------------------------------------------------- values */

static int is_missing_text(const char *s, size_t n)
{
    static const char *const M[] = {"", "-", "—", "-;", "NA", "na", "N/A", "null", "--"};
    for (size_t i = 0; i < EG_ARRAY_LEN(M); i++)
        if (n == strlen(M[i]) && !memcmp(s, M[i], n))
            return 1;
    return 0;
}

/* Parses a concentration cell; missing markers give NA silently, anything else unparseable
   gives NA and counts as invalid (reported with where). */
static int32_t cell_value(struct out *o, const char *s, size_t n, const char *where, long line)
{
    while (n && (s[0] == ' ' || s[0] == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (is_missing_text(s, n))
        return EG_QUALITY_NA;
    int32_t v;
    if (eg_quality_conc_parse(s, n, &v)) {
        if (o->bad++ < 20)
            fprintf(stderr, "envgov aqi: line %ld: %s: invalid value '%.*s' (treated as missing)\n",
                    line, where, (int)(n > 40 ? 40 : n), s);
        return EG_QUALITY_NA;
    }
    return v;
}

/* ---------------------------------------------------------------- CSV splitting */

struct fields {
    int n;
    const char *p[MAX_FIELDS];
    size_t len[MAX_FIELDS];
    char *scratch; /* unescaped quoted fields */
    size_t scap;
};

/* Splits one line [s, e) (no newline) into fields; quoted fields ("a,b", "" escapes) are
   unescaped into f->scratch. Returns 0, or EG_EINVAL for too many fields or a bad quote. */
static int split_csv(const char *s, const char *e, struct fields *f)
{
    f->n = 0;
    size_t need = (size_t)(e - s) + 1;
    if (f->scap < need) {
        free(f->scratch);
        f->scratch = eg_malloc(need);
        f->scap = need;
    }
    size_t sp = 0;
    const char *p = s;
    for (;;) {
        if (f->n >= MAX_FIELDS)
            return EG_EINVAL;
        if (p < e && *p == '"') {
            p++;
            size_t start = sp;
            for (;;) {
                if (p >= e)
                    return EG_EINVAL;
                if (*p == '"') {
                    if (p + 1 < e && p[1] == '"') {
                        f->scratch[sp++] = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                f->scratch[sp++] = *p++;
            }
            f->p[f->n] = f->scratch + start;
            f->len[f->n] = sp - start;
            f->n++;
            if (p < e && *p != ',')
                return EG_EINVAL;
        } else {
            const char *c = memchr(p, ',', (size_t)(e - p));
            const char *end = c ? c : e;
            f->p[f->n] = p;
            f->len[f->n] = (size_t)(end - p);
            f->n++;
            p = end;
        }
        if (p >= e)
            return 0;
        p++;          /* the comma */
        if (p == e) { /* trailing empty field */
            if (f->n >= MAX_FIELDS)
                return EG_EINVAL;
            f->p[f->n] = p;
            f->len[f->n] = 0;
            f->n++;
            return 0;
        }
    }
}

/* Next line of [*pos, end): sets [*ls, *le) without CR/LF; returns 0 at the end. */
static int next_line(const char **pos, const char *end, const char **ls, const char **le)
{
    if (*pos >= end)
        return 0;
    const char *s = *pos, *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl ? nl : end;
    *pos = nl ? nl + 1 : end;
    if (e > s && e[-1] == '\r')
        e--;
    *ls = s;
    *le = e;
    return 1;
}

static int span_eq(const char *p, size_t n, const char *s)
{
    return n == strlen(s) && !strncasecmp(p, s, n);
}

/* ---------------------------------------------------------------- format: csv */

enum { C_STATION, C_TIME, C_SO2, C_NO2, C_PM10, C_CO, C_O3, C_PM25, C_O3_8H, C_SO2_24H, C_N };

static int run_csv(const char *data, size_t len, const struct opts *op, struct out *o)
{
    static const char *const ALIAS[C_N][5] = {
        [C_STATION] = {"station", "city", "stationcode", "station_code", "site"},
        [C_TIME] = {"time", "timepoint", "datetime", "date", NULL},
        [C_SO2] = {"so2", NULL},
        [C_NO2] = {"no2", NULL},
        [C_PM10] = {"pm10", NULL},
        [C_CO] = {"co", NULL},
        [C_O3] = {"o3", "o3_1h", NULL},
        [C_PM25] = {"pm25", "pm2.5", "pm2_5", NULL},
        [C_O3_8H] = {"o3_8h", NULL},
        [C_SO2_24H] = {"so2_24h", NULL},
    };
    const char *pos = data, *end = data + len, *ls, *le;
    if (len >= 3 && !memcmp(pos, "\xEF\xBB\xBF", 3))
        pos += 3;
    struct fields *f = eg_calloc(1, sizeof *f);
    int col[C_N];
    for (int k = 0; k < C_N; k++)
        col[k] = -1;
    int rc = EG_EXIT_OK;
    if (!next_line(&pos, end, &ls, &le) || split_csv(ls, le, f)) {
        fprintf(stderr, "envgov aqi: no header row\n");
        rc = EG_EXIT_FAIL;
        goto done;
    }
    for (int i = 0; i < f->n; i++)
        for (int k = 0; k < C_N; k++)
            for (int a = 0; a < 5 && ALIAS[k][a]; a++)
                if (col[k] < 0 && span_eq(f->p[i], f->len[i], ALIAS[k][a]))
                    col[k] = i;
    if (col[C_TIME] < 0) {
        fprintf(stderr, "envgov aqi: the header has no time column (time, timepoint, date)\n");
        rc = EG_EXIT_FAIL;
        goto done;
    }
    header(o, op);
    static const char *const NAMES[C_N] = {"station", "time", "so2",  "no2",   "pm10",
                                           "co",      "o3",   "pm25", "o3_8h", "so2_24h"};
    static const int SLOT[C_N] = {-1,
                                  -1,
                                  EG_QUALITY_SO2,
                                  EG_QUALITY_NO2,
                                  EG_QUALITY_PM10,
                                  EG_QUALITY_CO,
                                  EG_QUALITY_O3,
                                  EG_QUALITY_PM25,
                                  EG_QUALITY_O3_8H,
                                  -1};
    long line = 1;
    while (next_line(&pos, end, &ls, &le)) {
        line++;
        if (ls == le)
            continue;
        if (split_csv(ls, le, f)) {
            if (o->bad++ < 20)
                fprintf(stderr, "envgov aqi: line %ld: malformed CSV row (skipped)\n", line);
            continue;
        }
        int tc = col[C_TIME];
        int64_t t;
        if (tc >= f->n || eg_time_parse_beijing(f->p[tc], f->len[tc], &t)) {
            if (o->bad++ < 20)
                fprintf(stderr, "envgov aqi: line %ld: invalid time (skipped)\n", line);
            continue;
        }
        struct eg_civil c;
        eg_time_to_beijing(t, &c);
        struct eg_quality_aqi_input in;
        for (int s = 0; s < EG_QUALITY_SLOTS; s++)
            in.c[s] = EG_QUALITY_NA;
        in.so2_24h = EG_QUALITY_NA;
        for (int k = C_SO2; k < C_N; k++) {
            if (col[k] < 0 || col[k] >= f->n)
                continue;
            int32_t v = cell_value(o, f->p[col[k]], f->len[col[k]], NAMES[k], line);
            if (SLOT[k] >= 0)
                in.c[SLOT[k]] = v;
            else
                in.so2_24h = v;
        }
        const char *st = "";
        size_t stl = 0;
        if (col[C_STATION] >= 0 && col[C_STATION] < f->n) {
            st = f->p[col[C_STATION]];
            stl = f->len[col[C_STATION]];
        }
        emit(o, op, st, stl, &c, &in);
    }
done:
    free(f->scratch);
    free(f);
    return rc;
}

/* ---------------------------------------------------------------- format: china_sites */

/* The `type` rows this reader uses, mapped to slots (1-hour values). */
enum { T_PM25, T_PM10, T_SO2, T_NO2, T_O3, T_CO, T_SO2_24H, T_N };
static int china_type(const char *p, size_t n)
{
    static const char *const T[T_N] = {"PM2.5", "PM10", "SO2", "NO2", "O3", "CO", "SO2_24h"};
    for (int k = 0; k < T_N; k++)
        if (n == strlen(T[k]) && !memcmp(p, T[k], n))
            return k;
    return -1;
}
static const int T_SLOT[6] = {EG_QUALITY_PM25, EG_QUALITY_PM10, EG_QUALITY_SO2,
                              EG_QUALITY_NO2,  EG_QUALITY_O3,   EG_QUALITY_CO};

struct china {
    int nst;
    const char **st;
    size_t *stlen;
    /* real-time: the current (date, hour) block, [T_N][nst] */
    int32_t *blk;
    int have_block;
    struct eg_civil bc;
    /* daily: hourly values per day, [day][pollutant 0..5][station][24] */
    int64_t day0; /* days since epoch of the first natural day */
    int ndays;
    int32_t *hours;
};

static void china_flush_block(struct china *ch, const struct opts *op, struct out *o)
{
    if (!ch->have_block)
        return;
    for (int s = 0; s < ch->nst; s++) {
        struct eg_quality_aqi_input in;
        for (int k = 0; k < EG_QUALITY_SLOTS; k++)
            in.c[k] = EG_QUALITY_NA;
        for (int k = 0; k < 6; k++)
            in.c[T_SLOT[k]] = ch->blk[(size_t)k * (size_t)ch->nst + (size_t)s];
        in.so2_24h = ch->blk[(size_t)T_SO2_24H * (size_t)ch->nst + (size_t)s];
        emit(o, op, ch->st[s], ch->stlen[s], &ch->bc, &in);
    }
    for (size_t i = 0; i < (size_t)T_N * (size_t)ch->nst; i++)
        ch->blk[i] = EG_QUALITY_NA;
    ch->have_block = 0;
}

#define CHINA_MAX_DAYS 400

static int32_t *china_hour_slot(struct china *ch, int64_t day, int k, int s, int label)
{
    /* natural day `day`, hour labelled `label` 1..24 */
    size_t per = (size_t)6 * (size_t)ch->nst * 24;
    if (ch->ndays == 0) {
        ch->hours = eg_malloc(per * sizeof(int32_t));
        for (size_t i = 0; i < per; i++)
            ch->hours[i] = EG_QUALITY_NA;
        ch->day0 = day;
        ch->ndays = 1;
    }
    if (day < ch->day0) { /* shift everything right */
        int64_t shift = ch->day0 - day;
        if (ch->ndays + shift > CHINA_MAX_DAYS)
            return NULL;
        ch->hours = eg_realloc(ch->hours, (size_t)(ch->ndays + shift) * per * sizeof(int32_t));
        memmove(ch->hours + (size_t)shift * per, ch->hours,
                (size_t)ch->ndays * per * sizeof(int32_t));
        for (size_t i = 0; i < (size_t)shift * per; i++)
            ch->hours[i] = EG_QUALITY_NA;
        ch->ndays += (int)shift;
        ch->day0 = day;
    }
    if (day >= ch->day0 + ch->ndays) {
        int64_t nd = day - ch->day0 + 1;
        if (nd > CHINA_MAX_DAYS)
            return NULL;
        ch->hours = eg_realloc(ch->hours, (size_t)nd * per * sizeof(int32_t));
        for (size_t i = (size_t)ch->ndays * per; i < (size_t)nd * per; i++)
            ch->hours[i] = EG_QUALITY_NA;
        ch->ndays = (int)nd;
    }
    size_t idx = ((((size_t)(day - ch->day0) * 6 + (size_t)k) * (size_t)ch->nst + (size_t)s) * 24) +
                 (size_t)(label - 1);
    return ch->hours + idx;
}

static void china_daily_out(struct china *ch, const struct opts *op, struct out *o)
{
    struct eg_quality_validity v;
    eg_quality_validity_default(EG_QUALITY_ED_2012, &v);
    /* T_* order (PM2.5, PM10, SO2, NO2, O3, CO) -> the pollutant order of quality.h */
    static const int P_OF[6] = {T_SO2, T_NO2, T_PM10, T_CO, T_O3, T_PM25};
    for (int d = 0; d < ch->ndays; d++) {
        struct eg_civil c = {0};
        eg_civil_from_days(ch->day0 + d, &c.year, &c.month, &c.day);
        for (int s = 0; s < ch->nst; s++) {
            const int32_t *h[6];
            int any = 0;
            for (int p = 0; p < 6; p++) {
                h[p] = ch->hours +
                       (((size_t)d * 6 + (size_t)P_OF[p]) * (size_t)ch->nst + (size_t)s) * 24;
                for (int j = 0; j < 24; j++)
                    any |= h[p][j] != EG_QUALITY_NA;
            }
            if (!any) /* a day the file only touches with no value is not a row */
                continue;
            /* GB 3095 Table 4 / HJ 663 §6.1.2 validity; values rounded as published */
            struct eg_quality_aqi_input in;
            eg_quality_daily_inputs(&v, h, 1, 1, &in);
            emit(o, op, ch->st[s], ch->stlen[s], &c, &in);
        }
    }
}

static int run_china_sites(const char *data, size_t len, const struct opts *op, struct out *o)
{
    const char *pos = data, *end = data + len, *ls, *le;
    if (len >= 3 && !memcmp(pos, "\xEF\xBB\xBF", 3))
        pos += 3;
    struct fields *f = eg_calloc(1, sizeof *f);
    struct china ch = {0};
    int rc = EG_EXIT_OK;
    if (!next_line(&pos, end, &ls, &le) || split_csv(ls, le, f) || f->n < 4 ||
        !span_eq(f->p[0], f->len[0], "date") || !span_eq(f->p[1], f->len[1], "hour") ||
        !span_eq(f->p[2], f->len[2], "type")) {
        fprintf(stderr, "envgov aqi: china_sites: header must be 'date,hour,type,<stations>'\n");
        rc = EG_EXIT_FAIL;
        goto done;
    }
    ch.nst = f->n - 3;
    ch.st = eg_malloc((size_t)ch.nst * sizeof *ch.st);
    ch.stlen = eg_malloc((size_t)ch.nst * sizeof *ch.stlen);
    for (int s = 0; s < ch.nst; s++) { /* the header line stays in `data`: point into it */
        ch.st[s] = f->p[s + 3];
        ch.stlen[s] = f->len[s + 3];
    }
    /* quoted station codes would point into scratch: copy those */
    char *hdr_copy = NULL;
    if (f->scratch) {
        hdr_copy = eg_malloc(f->scap);
        memcpy(hdr_copy, f->scratch, f->scap);
        for (int s = 0; s < ch.nst; s++)
            if (ch.st[s] >= f->scratch && ch.st[s] < f->scratch + f->scap)
                ch.st[s] = hdr_copy + (ch.st[s] - f->scratch);
    }
    ch.blk = eg_malloc((size_t)T_N * (size_t)ch.nst * sizeof(int32_t));
    for (size_t i = 0; i < (size_t)T_N * (size_t)ch.nst; i++)
        ch.blk[i] = EG_QUALITY_NA;
    if (!op->daily)
        header(o, op);
    long line = 1;
    int64_t cur_key = -1;
    while (next_line(&pos, end, &ls, &le)) {
        line++;
        if (ls == le)
            continue;
        if (split_csv(ls, le, f) || f->n < 3) {
            if (o->bad++ < 20)
                fprintf(stderr, "envgov aqi: line %ld: malformed row (skipped)\n", line);
            continue;
        }
        int64_t date, hour, t;
        if (f->len[0] != 8 || eg_parse_int64(f->p[1], f->len[1], &hour) || hour < 0 || hour > 23 ||
            eg_time_parse_beijing(f->p[0], 8, &t) || eg_parse_int64(f->p[0], 8, &date)) {
            if (o->bad++ < 20)
                fprintf(stderr, "envgov aqi: line %ld: invalid date/hour (skipped)\n", line);
            continue;
        }
        int k = china_type(f->p[2], f->len[2]);
        if (k < 0)
            continue; /* AQI, *_24h, O3_8h …: not inputs of the real-time AQI */
        struct eg_civil c;
        eg_time_to_beijing(t, &c);
        c.hour = (int)hour;
        int64_t key = date * 100 + hour;
        if (!op->daily && key != cur_key) {
            china_flush_block(&ch, op, o);
            cur_key = key;
            ch.bc = c;
            ch.have_block = 1;
        }
        int64_t day = eg_days_from_civil(c.year, c.month, c.day);
        int label = (int)hour;
        if (label == 0) { /* the hour labelled 00 closes the previous natural day (24) */
            day--;
            label = 24;
        }
        char where[64];
        snprintf(where, sizeof where, "%.*s", (int)(f->len[2] > 20 ? 20 : f->len[2]), f->p[2]);
        for (int s = 0; s < ch.nst; s++) {
            int32_t v = s + 3 < f->n ? cell_value(o, f->p[s + 3], f->len[s + 3], where, line)
                                     : EG_QUALITY_NA;
            if (!op->daily) {
                ch.blk[(size_t)k * (size_t)ch.nst + (size_t)s] = v;
            } else if (k < 6) {
                int32_t *slot = china_hour_slot(&ch, day, k, s, label);
                if (!slot) {
                    fprintf(stderr, "envgov aqi: china_sites: more than %d days\n", CHINA_MAX_DAYS);
                    rc = EG_EXIT_FAIL;
                    goto out;
                }
                *slot = v;
            }
        }
    }
    if (op->daily) {
        header(o, op);
        china_daily_out(&ch, op, o);
    } else {
        china_flush_block(&ch, op, o);
    }
out:
    free(hdr_copy);
done:
    free(ch.st);
    free(ch.stlen);
    free(ch.blk);
    free(ch.hours);
    free(f->scratch);
    free(f);
    return rc;
}

/* ---------------------------------------------------------------- format: cnemc_json */

static int32_t json_value(struct out *o, json_t *props, const char *key, long idx)
{
    json_t *v = json_object_get(props, key);
    if (!v || json_is_null(v))
        return EG_QUALITY_NA;
    if (json_is_string(v))
        return cell_value(o, json_string_value(v), json_string_length(v), key, idx);
    if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 1000000)
        return (int32_t)(json_integer_value(v) * 1000);
    if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) <= 1000000) {
        /* a JSON number: its shortest decimal text, then the exact decimal parser */
        char txt[64];
        int len = snprintf(txt, sizeof txt, "%.6f", json_real_value(v));
        return cell_value(o, txt, (size_t)len, key, idx);
    }
    if (o->bad++ < 20)
        fprintf(stderr, "envgov aqi: feature %ld: %s: not a number\n", idx, key);
    return EG_QUALITY_NA;
}

static int run_cnemc_json(const char *data, size_t len, const struct opts *op, struct out *o)
{
    json_error_t jerr;
    json_t *root = json_loadb(data, len, 0, &jerr);
    if (!root) {
        fprintf(stderr, "envgov aqi: cnemc_json: line %d: %s\n", jerr.line, jerr.text);
        return EG_EXIT_FAIL;
    }
    json_t *feats = json_object_get(root, "features");
    if (!json_is_array(feats)) {
        fprintf(stderr, "envgov aqi: cnemc_json: no 'features' array\n");
        json_decref(root);
        return EG_EXIT_FAIL;
    }
    header(o, op);
    size_t i;
    json_t *ft;
    json_array_foreach(feats, i, ft)
    {
        long idx = (long)i + 1;
        json_t *props = json_object_get(ft, "properties");
        json_t *tp = props ? json_object_get(props, "timepoint") : NULL;
        int64_t t;
        if (!json_is_object(props) || !json_is_string(tp) ||
            eg_time_parse_beijing(json_string_value(tp), json_string_length(tp), &t)) {
            if (o->bad++ < 20)
                fprintf(stderr,
                        "envgov aqi: feature %ld: no valid properties.timepoint (skipped)\n", idx);
            continue;
        }
        struct eg_civil c;
        eg_time_to_beijing(t, &c);
        struct eg_quality_aqi_input in;
        for (int s = 0; s < EG_QUALITY_SLOTS; s++)
            in.c[s] = EG_QUALITY_NA;
        in.c[EG_QUALITY_SO2] = json_value(o, props, "so2", idx);
        in.c[EG_QUALITY_NO2] = json_value(o, props, "no2", idx);
        in.c[EG_QUALITY_PM10] = json_value(o, props, "pm10", idx);
        in.c[EG_QUALITY_CO] = json_value(o, props, "co", idx);
        /* the feed's O3 columns are swapped: o3_24h is the last 1-hour value, o3 the max
           1-hour of 24 h (data/real README §1; HeQinWill/CNEMC README) */
        in.c[EG_QUALITY_O3] = json_value(o, props, "o3_24h", idx);
        in.c[EG_QUALITY_PM25] = json_value(o, props, "pm2_5", idx);
        in.c[EG_QUALITY_O3_8H] = json_value(o, props, "o3_8h_24h", idx);
        in.so2_24h = json_value(o, props, "so2_24h", idx);
        json_t *sc = json_object_get(props, "stationcode");
        const char *st = json_is_string(sc) ? json_string_value(sc) : "";
        emit(o, op, st, strlen(st), &c, &in);
    }
    json_decref(root);
    return EG_EXIT_OK;
}

/* ---------------------------------------------------------------- command */

static char *read_input(const char *path, size_t *len)
{
    FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!fp) {
        fprintf(stderr, "envgov aqi: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    struct eg_buf b = {0};
    char chunk[1 << 16];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (b.len + n > MAX_INPUT) {
            fprintf(stderr, "envgov aqi: %s: larger than %u MiB\n", path, MAX_INPUT >> 20);
            eg_buf_free(&b);
            if (fp != stdin)
                fclose(fp);
            return NULL;
        }
        eg_buf_append(&b, chunk, n);
    }
    int err = ferror(fp);
    if (fp != stdin)
        fclose(fp);
    if (err) {
        fprintf(stderr, "envgov aqi: %s: read error\n", path);
        eg_buf_free(&b);
        return NULL;
    }
    eg_buf_append(&b, "", 1); /* NUL, also makes an empty file non-NULL */
    *len = b.len - 1;
    return b.data;
}

int eg_cmd_aqi(int argc, char **argv)
{
    const struct eg_cli_cmd *self = eg_cli_find("aqi", NULL);
    struct opts op = {0, 0, 0, "csv"};
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            eg_cli_usage(self, HELP);
            return EG_EXIT_OK;
        } else if (!strcmp(a, "--daily")) {
            op.daily = 1;
        } else if (!strcmp(a, "--with-edition")) {
            op.with_edition = 1;
        } else if (!strcmp(a, "--edition") || !strcmp(a, "--format")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "envgov aqi: %s needs a value\n", a);
                return EG_EXIT_USAGE;
            }
            const char *v = argv[++i];
            if (a[2] == 'e') {
                if (!strcmp(v, "2012"))
                    op.edition = EG_QUALITY_ED_2012;
                else if (!strcmp(v, "2026"))
                    op.edition = EG_QUALITY_ED_2026;
                else {
                    fprintf(stderr, "envgov aqi: --edition must be 2012 or 2026\n");
                    return EG_EXIT_USAGE;
                }
            } else {
                if (strcmp(v, "csv") && strcmp(v, "china_sites") && strcmp(v, "cnemc_json")) {
                    fprintf(stderr,
                            "envgov aqi: --format must be csv, china_sites or cnemc_json\n");
                    return EG_EXIT_USAGE;
                }
                op.format = v;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "envgov aqi: unknown option '%s' (see envgov aqi --help)\n", a);
            return EG_EXIT_USAGE;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "envgov aqi: one FILE only\n");
            return EG_EXIT_USAGE;
        }
    }
    if (op.daily && !strcmp(op.format, "cnemc_json")) {
        fprintf(stderr, "envgov aqi: cnemc_json snapshots are real-time; --daily does not apply\n");
        return EG_EXIT_USAGE;
    }
    size_t len = 0;
    char *data = read_input(path ? path : "-", &len);
    if (!data)
        return EG_EXIT_FAIL;
    struct out o = {{0}, {0, 0}, 0};
    int rc;
    if (!strcmp(op.format, "china_sites"))
        rc = run_china_sites(data, len, &op, &o);
    else if (!strcmp(op.format, "cnemc_json"))
        rc = run_cnemc_json(data, len, &op, &o);
    else
        rc = run_csv(data, len, &op, &o);
    if (o.buf.len)
        fwrite(o.buf.data, 1, o.buf.len, stdout);
    fflush(stdout);
    eg_buf_free(&o.buf);
    free(data);
    fprintf(stderr, "envgov aqi: %ld rows (HJ 633-2012: %ld, HJ 633-2026: %ld)%s\n",
            o.rows[0] + o.rows[1], o.rows[0], o.rows[1],
            o.bad ? "; some input was invalid (see above)" : "");
    if (rc == EG_EXIT_OK && o.bad)
        rc = EG_EXIT_FAIL;
    return rc;
}
