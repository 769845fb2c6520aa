/*
 * cmd_observations.c: `envgov import observations FILE` — ambient observations into the
 * time-series store: the documented long CSV (station,time,pollutant,value,flag) or the national
 * open-data wide file china_sites_YYYYMMDD.csv (with --stations for its station list). The
 * formats are described in src/ts/import.c and docs/timeseries.md. Idempotent: importing
 * a file again stores nothing twice. A progress line goes to stderr, the rejected rows to stderr
 * (and all of them to --rejects FILE), the summary as JSON to stdout.
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "cli/cli_obs.h"
#include "obs/obs.h"
#include "ts/ts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE ((size_t)1 << 30) /* 1 GiB: a year of a national wide file is ~70 MB */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    struct eg_buf b = {0};
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (b.len + n > MAX_FILE) { /* refused before growing further */
            fprintf(stderr, "envgov import observations: %s is larger than 1 GiB\n", path);
            eg_buf_free(&b);
            if (f != stdin)
                fclose(f);
            return NULL;
        }
        eg_buf_append(&b, tmp, n);
    }
    if (f != stdin)
        fclose(f);
    eg_buf_append(&b, "", 1);
    *len = b.len - 1;
    return b.data;
}

/* The format by the header in the first 64 KiB of a file; standard input ("-") is read whole
   later and is always of the time-series formats. -1 when the file cannot be read. */
static int sniff(const char *path)
{
    if (!strcmp(path, "-"))
        return EG_OBS_FMT_OTHER;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char *head = eg_malloc(65536);
    size_t n = fread(head, 1, 65536, f);
    fclose(f);
    size_t cut = n; /* whole lines only: a record cut in two would be malformed */
    while (cut > 0 && head[cut - 1] != '\n')
        cut--;
    int fmt = eg_obs_sniff(head, cut ? cut : n);
    free(head);
    return fmt;
}

static void progress(void *arg, size_t rows, size_t values)
{
    int tty = *(int *)arg;
    fprintf(stderr, "%simport observations: %zu rows read, %zu values%s", tty ? "\r" : "", rows,
            values, tty ? "" : "\n");
}

int eg_cmd_import_observations(int argc, char **argv)
{
    static const char help[] =
        "Imports ambient observations. FILE (or - for standard input) is either\n"
        "  long CSV:     station,time,pollutant,value,flag[,kind][,field]\n"
        "                time Beijing (period start), pollutant HJ 212 code or "
        "PM2.5/PM10/SO2/NO2/O3/CO,\n"
        "                flag HJ 212 letter (empty = N), kind default 2061, field default Avg\n"
        "  china_sites:  date,hour,type,<station codes…> (CNEMC national data, one file a day);\n"
        "                the 1-h PM2.5 PM10 SO2 NO2 O3 CO values are imported, hour label H "
        "stored\n"
        "                at H-1:00 (the start of the hour it averages); AQI/24h/8h columns "
        "skipped.\n"
        "  water samples: section,time and GB 3838 factor columns (see envgov water --help);\n"
        "                each factor stored as its HJ 212 code, hourly Avg at its hour\n"
        "  noise levels:  station,time,leq (see envgov noise --help): hourly Leq\n\n"
        "  --stations FILE  station list (code in the first column): other stations are rejected\n"
        "  --strict         import nothing when any row is rejected\n"
        "  --known-series   refuse rows of series not registered yet (default: create them)\n"
        "  --no-aggregate   do not recompute daily means afterwards\n"
        "  --rejects FILE   write every rejected row as CSV (line,column,reason)\n" EG_CLI_DB_HELP
        "\nExit status 1 when rows were rejected (the others are imported unless --strict).\n";
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},     {"stations", required_argument, 0, 's'},
        {"strict", no_argument, 0, 'S'},       {"known-series", no_argument, 0, 'k'},
        {"no-aggregate", no_argument, 0, 'n'}, {"rejects", required_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *db = NULL, *stations = NULL, *rejects = NULL;
    int strict = 0, known = 0, noagg = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 's':
            stations = optarg;
            break;
        case 'S':
            strict = 1;
            break;
        case 'k':
            known = 1;
            break;
        case 'n':
            noagg = 1;
            break;
        case 'r':
            rejects = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("import", "observations"), help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "usage: envgov import observations FILE [--stations FILE] [--db PATH]\n");
        return EG_EXIT_USAGE;
    }
    const char *path = argv[optind];
    size_t len = 0, slen = 0;
    /* water and noise spreadsheets (`envgov water`, `envgov noise`), told by their header */
    int fmt = sniff(path);
    if (fmt < 0) {
        fprintf(stderr, "envgov import observations: cannot read %s\n", path);
        return EG_EXIT_FAIL;
    }
    if (fmt != EG_OBS_FMT_OTHER) {
        size_t wl = 0;
        char *whole = slurp(path, &wl);
        if (!whole) {
            fprintf(stderr, "envgov import observations: cannot read %s\n", path);
            return EG_EXIT_FAIL;
        }
        int rc = eg__cli_import_samples(path, fmt, whole, wl, db, strict, rejects);
        free(whole);
        return rc;
    }
    /* a file is streamed in bounded memory (issue 10 item 18); standard input is read whole */
    int streamed = strcmp(path, "-") != 0;
    char *buf = streamed ? eg_strdup("") : slurp(path, &len);
    if (!buf) {
        fprintf(stderr, "envgov import observations: cannot read %s\n", path);
        return EG_EXIT_FAIL;
    }
    char *sbuf = NULL;
    if (stations && !(sbuf = slurp(stations, &slen))) {
        fprintf(stderr, "envgov import observations: cannot read station list %s\n", stations);
        free(buf);
        return EG_EXIT_FAIL;
    }
    struct eg_db *st = eg__cli_create(eg__cli_db_path(db));
    if (!st) {
        free(buf);
        free(sbuf);
        return EG_EXIT_FAIL;
    }
    struct eg_ts *ts;
    struct eg_err err;
    int tty = isatty(2);
    if (eg_ts_open(st, &ts, &err)) {
        fprintf(stderr, "envgov import observations: %s\n", err.msg);
        eg_db_close(st);
        free(buf);
        free(sbuf);
        return EG_EXIT_FAIL;
    }
    struct eg_ts_import_opts io = {sbuf, slen, strict, known, 0, progress, &tty, NULL};
    struct eg_ts_import_report rep;
    int rc = EG_EXIT_OK;
    int r = streamed ? eg_ts_import_file(ts, path, &io, &rep, &err)
                     : eg_ts_import(ts, buf, len, &io, &rep, &err);
    if (tty)
        fputc('\n', stderr);
    for (size_t i = 0; i < rep.nrejects && i < 20; i++)
        fprintf(stderr, "rejected: line %ld column %d: %s\n", rep.rejects[i].line,
                rep.rejects[i].column, rep.rejects[i].reason);
    if (rep.nrejects > 20)
        fprintf(stderr, "rejected: … %zu more (see --rejects FILE)\n", rep.nrejects - 20);
    if (rejects) {
        FILE *f = fopen(rejects, "w");
        if (!f) {
            fprintf(stderr, "envgov import observations: cannot write %s\n", rejects);
            rc = EG_EXIT_FAIL;
        } else {
            fprintf(f, "line,column,reason\n");
            for (size_t i = 0; i < rep.nrejects; i++) {
                fprintf(f, "%ld,%d,\"", rep.rejects[i].line, rep.rejects[i].column);
                for (const char *p = rep.rejects[i].reason; *p; p++)
                    fprintf(f, *p == '"' ? "\"\"" : "%c", *p);
                fprintf(f, "\"\n");
            }
            fclose(f);
        }
    }
    struct eg_ts_agg_stats ag = {0};
    if (r == 0 && !noagg && eg_ts_aggregate(ts, &ag, &err))
        r = -1;
    if (r) {
        fprintf(stderr, "envgov import observations: %s\n", err.msg);
        rc = EG_EXIT_FAIL;
    } else {
        printf("{\"file\":");
        struct eg_buf b = {0};
        eg_buf_json_str(&b, path, strlen(path));
        fwrite(b.data, 1, b.len, stdout);
        eg_buf_free(&b);
        printf(",\"format\":\"%s\",\"rows\":%zu,\"values\":%zu,\"written\":%zu,\"duplicates\":%zu,"
               "\"replaced\":%zu,\"quarantined\":%zu,\"rejected\":%zu,\"empty\":%zu,"
               "\"skipped_derived_rows\":%zu,\"series_created\":%zu,\"days_aggregated\":%zu}\n",
               rep.format ? rep.format : "", rep.rows, rep.values, rep.w.written, rep.w.duplicates,
               rep.w.replaced, rep.w.quarantined, rep.rejected, rep.empty, rep.skipped,
               rep.w.series_created, ag.days);
        if (rep.rejected)
            rc = EG_EXIT_FAIL;
    }
    eg_ts_import_report_free(&rep);
    eg_ts_close(ts);
    eg_db_close(st);
    free(buf);
    free(sbuf);
    return rc;
}
