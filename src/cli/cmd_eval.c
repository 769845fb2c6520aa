/*
 * cmd_eval.c: `envgov eval air|water|noise|targets` — the environmental-quality evaluations of
 * issue 6 over the stored data (eval/eval.h), printed as JSON (the same objects as the HTTP API,
 * /api/v1/eval/... and /api/v1/targets) or CSV. The CLI runs as the system: every station counts.
 */
#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "eval/eval.h"
#include "http/http.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LOAD (1u << 20)

struct eopts {
    char prog[32]; /* "envgov eval VERB", the prefix of messages */
    int tier;      /* EG_TS_REVIEWED unless --tier preliminary */
    int csv;       /* --format csv (default json) */
    const char *db, *region, *station, *section, *from, *to, *zone, *format, *tier_s, *as_of, *load;
    int64_t year, month;
    int lake;
};

static int usage_err(const char *verb, const char *msg)
{
    fprintf(stderr, "envgov eval %s: %s (see --help)\n", verb, msg);
    return EG_EXIT_USAGE;
}

/* Returns -1 to go on, else the exit code. */
static int parse(int argc, char **argv, const char *verb, const char *help, struct eopts *o)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},      {"region", required_argument, 0, 'r'},
        {"station", required_argument, 0, 's'}, {"section", required_argument, 0, 'S'},
        {"year", required_argument, 0, 'y'},    {"month", required_argument, 0, 'm'},
        {"from", required_argument, 0, 'f'},    {"to", required_argument, 0, 't'},
        {"zone", required_argument, 0, 'z'},    {"format", required_argument, 0, 'F'},
        {"tier", required_argument, 0, 'T'},    {"as-of", required_argument, 0, 'a'},
        {"load", required_argument, 0, 'l'},    {"lake", no_argument, 0, 'L'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    snprintf(o->prog, sizeof o->prog, "envgov eval %s", verb);
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->db = optarg;
            break;
        case 'r':
            o->region = optarg;
            break;
        case 's':
            o->station = optarg;
            break;
        case 'S':
            o->section = optarg;
            break;
        case 'f':
            o->from = optarg;
            break;
        case 't':
            o->to = optarg;
            break;
        case 'z':
            o->zone = optarg;
            break;
        case 'F':
            o->format = optarg;
            break;
        case 'T':
            o->tier_s = optarg;
            break;
        case 'a':
            o->as_of = optarg;
            break;
        case 'l':
            o->load = optarg;
            break;
        case 'L':
            o->lake = 1;
            break;
        case 'y':
        case 'm': {
            int64_t v;
            if (eg_parse_int64(optarg, strlen(optarg), &v) ||
                (c == 'y' ? v < 2000 || v > 2200 : v < 1 || v > 12))
                return usage_err(verb,
                                 c == 'y' ? "--year must be 2000..2200" : "--month must be 1..12");
            *(c == 'y' ? &o->year : &o->month) = v;
            break;
        }
        case 'h':
            eg_cli_usage(eg_cli_find("eval", verb), help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (optind != argc)
        return usage_err(verb, "unexpected argument");
    int preliminary, rc;
    if ((rc = eg__cli_choice(o->prog, "--format", o->format, "json", "csv", &o->csv)) ||
        (rc =
             eg__cli_choice(o->prog, "--tier", o->tier_s, "reviewed", "preliminary", &preliminary)))
        return rc;
    o->tier = preliminary ? EG_TS_PRELIMINARY : EG_TS_REVIEWED;
    return -1;
}

static int fail(const char *verb, const struct eg_err *err)
{
    fprintf(stderr, "envgov eval %s: %s\n", verb, err->msg);
    return EG_EXIT_FAIL;
}

/* A Beijing date option as its Beijing day number. */
static int day_arg(const struct eopts *o, const char *name, const char *v, int64_t *day)
{
    int64_t t;
    int rc = eg__cli_time(o->prog, name, v, &t);
    if (rc == 0)
        *day = eg_ts_day_of(t);
    return rc;
}

/* The rows ITEMS as the HTTP export writes them (http.h, issue 11 §5): UTF-8 with a BOM,
   Chinese headers, 是/否, Chinese labels, cells neutralised against formula injection — a file
   a person opens in Excel reads the same whether it came from the API or from here. */
static void csv_out(json_t *items, const char *export_name)
{
    int ncols;
    const struct eg_http_column *cols = eg_http_export_columns(export_name, &ncols);
    struct eg_buf b = {0};
    eg_http_csv_write(&b, cols, ncols, items);
    if (b.len)
        fwrite(b.data, 1, b.len, stdout);
    eg_buf_free(&b);
}

static void json_out(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s)
        printf("%s\n", s);
    free(s);
}

/* With --format csv the rows ITEMS (usually inside J) as the export EXPORT_NAME, else J as
   JSON; drops J. */
static int print_result(const struct eopts *o, json_t *j, json_t *items, const char *export_name)
{
    if (o->csv)
        csv_out(items, export_name);
    else
        json_out(j);
    json_decref(j);
    return EG_EXIT_OK;
}

int eg_cmd_eval_air(int argc, char **argv)
{
    static const char help[] =
        "HJ 663 annual evaluation of a region's air (the hour-by-hour mean of its air stations,\n"
        "sub-regions included) or of one station for a Beijing calendar year: per pollutant the\n"
        "valid days, annual mean, percentile (98th SO2/NO2, 95th PM10/PM2.5/CO, 90th O3 MDA8),\n"
        "compliance with GB 3095 Grade II, and the good-day ratio (优良天数比率) from the daily\n"
        "AQI of each day by the edition in force on it (HJ 633-2012 before 2026-03-01).\n\n"
        "  --region CODE | --station CODE   what to evaluate (region: code or name)\n"
        "  --year Y                         the year\n"
        "  --tier T                         reviewed (default: officers' reviews applied) or "
        "preliminary\n"
        "  --format F                       json (default) or csv (one row per "
        "pollutant)\n" EG_CLI_DB_HELP;
    struct eopts o;
    int rc = parse(argc, argv, "air", help, &o);
    if (rc >= 0)
        return rc;
    if (!o.year || (!o.region == !o.station))
        return usage_err("air", "--year and one of --region or --station are required");
    struct eg_db *st;
    struct eg_ts *ts;
    if ((rc = eg__cli_open_ts(o.prog, o.db, &st, &ts)))
        return rc;
    struct eg_err err;
    struct eg_eval_station *s = NULL;
    size_t k = 0;
    if (o.station) {
        s = eg_malloc(sizeof *s);
        k = 1;
        rc = eg_eval_station_get(st, NULL, "air", o.station, s, &err);
    } else {
        rc = eg_eval_stations(st, NULL, "air", o.region, &s, &k, &err);
        if (rc == 0 && k == 0)
            rc = eg_err_set(&err, EG_ENOTFOUND, "no_stations", -1, "region %s has no air station",
                            o.region);
    }
    struct eg_quality_annual an;
    if (rc == 0)
        rc = eg_eval_air_annual(ts, s, k, (int)o.year, o.tier, &an, &err);
    free(s);
    eg__cli_close_ts(st, ts);
    if (rc)
        return fail("air", &err);
    json_t *j = eg_eval_annual_json(&an);
    json_object_set_new(j, o.station ? "station" : "region",
                        json_string(o.station ? o.station : o.region));
    json_object_set_new(j, "stations", json_integer((json_int_t)k));
    print_result(&o, j, json_object_get(j, "pollutants"), "annual");
    if (o.csv) {
        int tenths = eg_quality_good_ratio_tenths(an.days_good, an.days_valid);
        if (tenths >= 0)
            printf("# good_day_ratio=%d.%d%% days_good=%d days_valid=%d\n", tenths / 10,
                   tenths % 10, an.days_good, an.days_valid);
        else
            printf("# good_day_ratio=n/a days_valid=0\n");
    }
    return EG_EXIT_OK;
}

int eg_cmd_eval_water(int argc, char **argv)
{
    static const char help[] =
        "GB 3838-2002 class of a surface-water section for each month of a year and for the\n"
        "year (单因子评价: the worst factor decides; 劣V beyond class V), the factors worse than\n"
        "the section's target class (water_class in the registry, III when none) and how many\n"
        "times over (超标倍数). A month is the mean of its daily values, the year the mean of\n"
        "the monthly means (环办[2011]22号).\n\n"
        "  --section CODE   the section (a water station)\n"
        "  --year Y         the year; --month M shows only that month\n"
        "  --lake           lake/reservoir limits for total phosphorus (default: river)\n"
        "  --tier T         reviewed (default) or preliminary\n"
        "  --format F       json (default) or csv (one row per month, then the "
        "year)\n" EG_CLI_DB_HELP;
    struct eopts o;
    int rc = parse(argc, argv, "water", help, &o);
    if (rc >= 0)
        return rc;
    if (!o.year || !o.section)
        return usage_err("water", "--section and --year are required");
    struct eg_db *st;
    struct eg_ts *ts;
    if ((rc = eg__cli_open_ts(o.prog, o.db, &st, &ts)))
        return rc;
    struct eg_err err;
    struct eg_eval_station s;
    struct eg_eval_water_period per[13];
    rc = eg_eval_station_get(st, NULL, "water", o.section, &s, &err);
    if (rc == 0)
        rc = eg_eval_water(ts, &s, (int)o.year, o.lake ? EG_QW_LAKE : EG_QW_RIVER, o.tier, per,
                           &err);
    eg__cli_close_ts(st, ts);
    if (rc)
        return fail("water", &err);
    json_t *months = json_array();
    for (int m = 0; m < 12; m++)
        if (!o.month || o.month == m + 1)
            json_array_append_new(months, eg_eval_water_json(&per[m]));
    if (o.csv) {
        if (!o.month)
            json_array_append_new(months, eg_eval_water_json(&per[12]));
        csv_out(months, "water");
        json_decref(months);
        return EG_EXIT_OK;
    }
    json_t *j =
        json_pack("{s:s,s:s,s:s,s:s,s:I,s:o}", "section", s.code, "name", s.name, "target_class",
                  eg_quality_water_class_name(s.water_class ? s.water_class : 3), "waterbody",
                  o.lake ? "lake" : "river", "year", (json_int_t)o.year, "months", months);
    if (!o.month)
        json_object_set_new(j, "year_result", eg_eval_water_json(&per[12]));
    json_out(j);
    json_decref(j);
    return EG_EXIT_OK;
}

int eg_cmd_eval_noise(int argc, char **argv)
{
    static const char help[] =
        "GB 3096-2008 day (昼间 06-22) and night (夜间 22-06) equivalent levels of a noise\n"
        "station from its hourly Leq (energy averages), per day and over the range, and their\n"
        "compliance with the limits of its functional zone class (noise_zone in the registry).\n\n"
        "  --station CODE   the noise station\n"
        "  --from D --to D  Beijing dates, both included (at most 366 days)\n"
        "  --zone Z         evaluate against zone 0 1 2 3 4a 4b or rail_existing instead\n"
        "  --tier T         reviewed (default) or preliminary\n"
        "  --format F       json (default) or csv (one row per day)\n" EG_CLI_DB_HELP;
    struct eopts o;
    int rc = parse(argc, argv, "noise", help, &o);
    if (rc >= 0)
        return rc;
    if (!o.station || !o.from || !o.to)
        return usage_err("noise", "--station, --from and --to are required");
    int64_t d0, d1;
    if ((rc = day_arg(&o, "--from", o.from, &d0)) || (rc = day_arg(&o, "--to", o.to, &d1)))
        return rc;
    if (d1 < d0)
        return usage_err("noise", "--from is after --to");
    int zone = -1;
    if (o.zone && (zone = eg_quality_noise_zone_parse(o.zone)) < 0)
        return usage_err("noise", "--zone must be 0, 1, 2, 3, 4a, 4b or rail_existing");
    struct eg_db *st;
    struct eg_ts *ts;
    if ((rc = eg__cli_open_ts(o.prog, o.db, &st, &ts)))
        return rc;
    struct eg_err err;
    struct eg_eval_station s;
    struct eg_eval_noise nz = {0};
    rc = eg_eval_station_get(st, NULL, "noise", o.station, &s, &err);
    if (rc == 0)
        rc = eg_eval_noise_station(ts, &s, d0, d1, zone, o.tier, &nz, &err);
    eg__cli_close_ts(st, ts);
    if (rc) {
        free(nz.d);
        return fail("noise", &err);
    }
    json_t *j = eg_eval_noise_json(&s, &nz);
    free(nz.d);
    return print_result(&o, j, json_object_get(j, "items"), "noise");
}

int eg_cmd_eval_targets(int argc, char **argv)
{
    static const char help[] =
        "The environmental-quality targets of the plans (good-day ratio, PM2.5/PM10 annual mean,\n"
        "share of water sections of class III or better, heavy-pollution days, noise\n"
        "compliance) with their progress: the value so far, met or not, on track at the present\n"
        "pace, still achievable, and what is left (e.g. good days still needed). `envgov demo`\n"
        "loads the seeds' targets (data/quality/targets_seed.csv).\n\n"
        "  --load FILE      first load (insert or update by id) targets from a CSV with the\n"
        "                   columns of data/quality/targets_seed.csv\n"
        "  --as-of D        the last day counted (default: yesterday, Beijing)\n"
        "  --tier T         reviewed (default) or preliminary\n"
        "  --format F       json (default) or csv\n" EG_CLI_DB_HELP;
    struct eopts o;
    int rc = parse(argc, argv, "targets", help, &o);
    if (rc >= 0)
        return rc;
    int64_t as_of = 0;
    if (o.as_of && (rc = day_arg(&o, "--as-of", o.as_of, &as_of)))
        return rc;
    struct eg_db *st;
    struct eg_ts *ts;
    if ((rc = eg__cli_open_ts(o.prog, o.db, &st, &ts)))
        return rc;
    struct eg_err err;
    if (o.load) {
        FILE *f = fopen(o.load, "rb");
        char *buf = eg_malloc(MAX_LOAD + 1);
        size_t len = f ? fread(buf, 1, MAX_LOAD + 1, f) : 0;
        if (f)
            fclose(f);
        size_t loaded = 0;
        if (!f)
            rc = eg_err_set(&err, EG_EIO, "io", -1, "cannot read %s", o.load);
        else if (len > MAX_LOAD)
            rc = eg_err_set(&err, EG_ETOOBIG, "too_big", -1, "%s is over 1 MiB", o.load);
        else
            rc = eg_eval_targets_load(st, buf, len, &loaded, &err);
        free(buf);
        if (rc) {
            eg__cli_close_ts(st, ts);
            return fail("targets", &err);
        }
        fprintf(stderr, "envgov eval targets: %zu targets loaded from %s\n", loaded, o.load);
    }
    if (!o.as_of)
        as_of = eg_ts_day_of(eg_ts_now(ts)) - 1;
    struct eg_eval_target *t;
    size_t n;
    rc = eg_eval_targets(ts, NULL, as_of, o.tier, &t, &n, &err);
    eg__cli_close_ts(st, ts);
    if (rc)
        return fail("targets", &err);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, eg_eval_target_json(&t[i]));
    free(t);
    return print_result(&o, json_pack("{s:o}", "items", items), items, "targets");
}
