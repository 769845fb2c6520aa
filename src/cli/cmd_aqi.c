/*
 * cmd_aqi.c: `envgov aqi` — the AQI of every row of a file, by HJ 633 (src/quality/aqi.c).
 *
 * The file is read by src/obs (the named-column CSV, also the MEE city table; quotsoft/CNEMC
 * `china_sites_YYYYMMDD.csv`; CNEMC station GeoJSON snapshots). This file parses the arguments
 * and prints one CSV row per input row (station-hour, or station-day with --daily). The edition
 * is the one in force on each row's Beijing date unless --edition fixes it; the count per
 * edition goes to stderr.
 */
#include "base/base.h"
#include "base/csv.h"
#include "cli/cli.h"
#include "obs/obs.h"
#include "quality/quality.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT (512u << 20) /* refuse files above 512 MiB before reading them */

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
    "  --format F         csv, china_sites, cnemc_json (default: detected from the file: GeoJSON\n"
    "                     by its '{', china_sites by its 'date,hour,type' header, else csv)\n"
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
    eg_csv_put(b, station, stlen, 0);
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
        eg_csv_put(b, prim, strlen(prim), 0);
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

/* ---------------------------------------------------------------- the reader's sink */

struct run {
    const struct opts *op;
    struct out *o;
};

static void on_begin(void *ctx)
{
    struct run *r = ctx;
    header(r->o, r->op);
}

static void on_row(void *ctx, const struct eg_obs_row *row)
{
    struct run *r = ctx;
    emit(r->o, r->op, row->station, row->station_len, &row->time, &row->in);
}

/* The first 20 problems are printed; all are counted (exit 1). */
static void on_problem(void *ctx, const char *msg)
{
    struct run *r = ctx;
    if (r->o->bad++ < 20)
        fprintf(stderr, "envgov aqi: %s\n", msg);
}

/* The format when --format is not given (issue 11 item 4): GeoJSON by its first character,
   china_sites by its 'date,hour,type' header, else the named-column CSV. */
static const char *detect(const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i < len && (data[i] == '{' || data[i] == '['))
        return "cnemc_json";
    struct eg_csv c;
    const char *fmt = "csv";
    if (eg_csv_open(&c, data, len, NULL, NULL) == 0) {
        if (eg_csv_next(&c, NULL) > 0 && eg_obs_cs_is_header(&c))
            fmt = "china_sites";
        eg_csv_close(&c);
    }
    return fmt;
}

static int run_reader(const char *data, size_t len, const struct opts *op, struct out *o)
{
    struct run r = {op, o};
    const struct eg_obs_sink sink = {on_begin, on_row, on_problem, &r};
    struct eg_err err;
    eg_err_clear(&err);
    int rc;
    if (!strcmp(op->format, "china_sites"))
        rc = eg_obs_read_china_sites(data, len, op->daily, &sink, &err);
    else if (!strcmp(op->format, "cnemc_json"))
        rc = eg_obs_read_cnemc_json(data, len, &sink, &err);
    else
        rc = eg_obs_read_table(data, len, &sink, &err);
    if (rc < 0) {
        fprintf(stderr, "envgov aqi: %s\n", err.msg);
        return EG_EXIT_FAIL;
    }
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
    struct opts op = {0, 0, 0, NULL};
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
    if (op.daily && op.format && !strcmp(op.format, "cnemc_json")) {
        fprintf(stderr, "envgov aqi: cnemc_json snapshots are real-time; --daily does not apply\n");
        return EG_EXIT_USAGE;
    }
    size_t len = 0;
    char *data = read_input(path ? path : "-", &len);
    if (!data)
        return EG_EXIT_FAIL;
    if (!op.format) {
        op.format = detect(data, len);
        if (strcmp(op.format, "csv"))
            fprintf(stderr, "envgov aqi: reading %s as %s (detected; --format to choose)\n",
                    path && strcmp(path, "-") ? path : "standard input", op.format);
    }
    if (op.daily && !strcmp(op.format, "cnemc_json")) {
        fprintf(stderr, "envgov aqi: cnemc_json snapshots are real-time; --daily does not apply\n");
        free(data);
        return EG_EXIT_USAGE;
    }
    struct out o = {{0}, {0, 0}, 0};
    int rc = run_reader(data, len, &op, &o);
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
