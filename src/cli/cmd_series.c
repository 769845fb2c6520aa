/*
 * cmd_series.c: `envgov series …` — the time-series store from the command line: query (raw or
 * bucketed, CSV or JSON), latest of many series, compaction and aggregation runs, abnormal
 * declarations, officer reviews, transmission / valid-data rates. Times in and out are Beijing
 * time (DESIGN.md); the store keeps UTC seconds.
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "store/ts.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sopts {
    const char *db, *source, *pollutant, *field, *from, *to, *bucket, *format, *tier;
    const char *reason, *note, *who, *verdict;
    int kind, computed, help;
};

enum {
    O_DB = 256,
    O_SOURCE,
    O_POLLUTANT,
    O_KIND,
    O_FIELD,
    O_COMPUTED,
    O_FROM,
    O_TO,
    O_BUCKET,
    O_FORMAT,
    O_TIER,
    O_REASON,
    O_NOTE,
    O_WHO,
    O_VERDICT
};

static const struct option long_opts[] = {{"db", required_argument, 0, O_DB},
                                          {"source", required_argument, 0, O_SOURCE},
                                          {"pollutant", required_argument, 0, O_POLLUTANT},
                                          {"kind", required_argument, 0, O_KIND},
                                          {"field", required_argument, 0, O_FIELD},
                                          {"computed", no_argument, 0, O_COMPUTED},
                                          {"from", required_argument, 0, O_FROM},
                                          {"to", required_argument, 0, O_TO},
                                          {"bucket", required_argument, 0, O_BUCKET},
                                          {"format", required_argument, 0, O_FORMAT},
                                          {"tier", required_argument, 0, O_TIER},
                                          {"reason", required_argument, 0, O_REASON},
                                          {"note", required_argument, 0, O_NOTE},
                                          {"by", required_argument, 0, O_WHO},
                                          {"verdict", required_argument, 0, O_VERDICT},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};

static const char KEY_HELP[] =
    "  --source ID      device MN or station code\n"
    "  --pollutant P    HJ 212-2017 code (a34004, w01018 …)\n"
    "  --kind K         2011 real-time, 2051 minute (default), 2061 hour, 2031 day\n"
    "  --field F        Rtd Avg Min Max Cou ZsRtd ZsAvg … (default Avg, Rtd for 2011)\n"
    "  --computed       the hourly/daily means envgov computed (kind 2061/2031, field "
    "Avg)\n" EG_CLI_DB_HELP;

static int parse(int argc, char **argv, const char *verb, const char *help, struct sopts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = EG_TS_KIND_MINUTE;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        switch (c) {
        case O_DB:
            o->db = optarg;
            break;
        case O_SOURCE:
            o->source = optarg;
            break;
        case O_POLLUTANT:
            o->pollutant = optarg;
            break;
        case O_KIND: {
            int64_t k;
            if (eg_parse_int64(optarg, strlen(optarg), &k) || k < 0 || k > 9999) {
                fprintf(stderr, "envgov series %s: --kind must be 2011, 2051, 2061 or 2031\n",
                        verb);
                return EG_EXIT_USAGE;
            }
            o->kind = (int)k;
            break;
        }
        case O_FIELD:
            o->field = optarg;
            break;
        case O_COMPUTED:
            o->computed = 1;
            break;
        case O_FROM:
            o->from = optarg;
            break;
        case O_TO:
            o->to = optarg;
            break;
        case O_BUCKET:
            o->bucket = optarg;
            break;
        case O_FORMAT:
            o->format = optarg;
            break;
        case O_TIER:
            o->tier = optarg;
            break;
        case O_REASON:
            o->reason = optarg;
            break;
        case O_NOTE:
            o->note = optarg;
            break;
        case O_WHO:
            o->who = optarg;
            break;
        case O_VERDICT:
            o->verdict = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("series", verb), help);
            printf("\nseries and database:\n%s", KEY_HELP);
            o->help = 1;
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (!o->field)
        o->field = o->kind == EG_TS_KIND_RTD ? "Rtd" : "Avg";
    return -1;
}

static int need(const char *v, const char *name, const char *verb)
{
    if (v && *v)
        return 0;
    fprintf(stderr, "envgov series %s: %s is required (see --help)\n", verb, name);
    return EG_EXIT_USAGE;
}

static int parse_time(const char *s, const char *name, int64_t *t)
{
    if (eg_time_parse_beijing(s, strlen(s), t)) {
        fprintf(stderr, "envgov series: %s '%s' is not a Beijing time (YYYY-MM-DD[ HH:MM[:SS]])\n",
                name, s);
        return EG_EXIT_USAGE;
    }
    return 0;
}

static int open_ts(const char *db, struct eg_store **st, struct eg_ts **ts)
{
    *st = eg__cli_open(eg__cli_db_path(db));
    if (!*st)
        return EG_EXIT_FAIL;
    struct eg_err err;
    if (eg_ts_open(*st, ts, &err)) {
        fprintf(stderr, "envgov: %s\n", err.msg);
        eg_store_close(*st);
        return EG_EXIT_FAIL;
    }
    return 0;
}

static void close_ts(struct eg_store *st, struct eg_ts *ts)
{
    eg_ts_close(ts);
    eg_store_close(st);
}

static int fail(const struct eg_err *err)
{
    fprintf(stderr, "envgov: %s\n", err->msg);
    return err->status == EG_EUSAGE ? EG_EXIT_USAGE : EG_EXIT_FAIL;
}

static void put_num(struct eg_buf *b, double v)
{
    if (isnan(v))
        eg_buf_puts(b, "null");
    else
        eg_buf_printf(b, "%.10g", v);
}

int eg_cmd_series_query(int argc, char **argv)
{
    static const char help[] =
        "Prints the samples of one series in [--from, --to) (Beijing time), rows and compacted\n"
        "days merged, with their HJ 212 flag and validity; or with --bucket, one line per hour or\n"
        "Beijing day: avg/min/max over valid samples, count of valid and of all samples.\n\n"
        "  --from T --to T  Beijing time, e.g. 2026-11-20 or '2026-11-20 08:00'\n"
        "  --bucket B       1h or 1d (default: raw samples)\n"
        "  --tier T         preliminary (as received, default) or reviewed (officers' reviews "
        "applied)\n"
        "  --format F       csv (default) or json\n";
    struct sopts o;
    int rc = parse(argc, argv, "query", help, &o);
    if (rc >= 0)
        return rc;
    if ((rc = need(o.source, "--source", "query")) ||
        (rc = need(o.pollutant, "--pollutant", "query")) ||
        (rc = need(o.from, "--from", "query")) || (rc = need(o.to, "--to", "query")))
        return rc;
    int64_t from, to, bucket = 0;
    if ((rc = parse_time(o.from, "--from", &from)) || (rc = parse_time(o.to, "--to", &to)))
        return rc;
    if (o.bucket) {
        if (!strcmp(o.bucket, "1h"))
            bucket = 3600;
        else if (!strcmp(o.bucket, "1d"))
            bucket = 86400;
        else {
            fprintf(stderr, "envgov series query: --bucket must be 1h or 1d\n");
            return EG_EXIT_USAGE;
        }
    }
    int json = o.format && !strcmp(o.format, "json");
    if (o.format && !json && strcmp(o.format, "csv")) {
        fprintf(stderr, "envgov series query: --format must be csv or json\n");
        return EG_EXIT_USAGE;
    }
    int tier = o.tier && !strcmp(o.tier, "reviewed") ? EG_TS_REVIEWED : EG_TS_PRELIMINARY;
    if (o.tier && tier == EG_TS_PRELIMINARY && strcmp(o.tier, "preliminary")) {
        fprintf(stderr, "envgov series query: --tier must be preliminary or reviewed\n");
        return EG_EXIT_USAGE;
    }
    struct eg_store *st;
    struct eg_ts *ts;
    if ((rc = open_ts(o.db, &st, &ts)))
        return rc;
    struct eg_ts_key key = {o.source, o.pollutant, o.kind, o.field, o.computed};
    struct eg_err err;
    struct eg_buf b = {0};
    char tb[32];
    if (bucket) {
        struct eg_ts_bucket *bk;
        size_t n;
        if (eg_ts_query_buckets(ts, &key, from, to, bucket, tier, &bk, &n, &err)) {
            close_ts(st, ts);
            return fail(&err);
        }
        eg_buf_puts(&b, json ? "[" : "time,avg,min,max,count,total\n");
        for (size_t i = 0; i < n; i++) {
            eg_time_format_beijing(bk[i].t, tb, sizeof tb);
            if (json) {
                eg_buf_printf(&b, "%s{\"time\":\"%s\",\"avg\":", i ? "," : "", tb);
                put_num(&b, bk[i].avg);
                eg_buf_puts(&b, ",\"min\":");
                put_num(&b, bk[i].min);
                eg_buf_puts(&b, ",\"max\":");
                put_num(&b, bk[i].max);
                eg_buf_printf(&b, ",\"count\":%u,\"total\":%u}", bk[i].count, bk[i].total);
            } else {
                eg_buf_printf(&b, "%s,", tb);
                if (bk[i].count)
                    eg_buf_printf(&b, "%.10g,%.10g,%.10g", bk[i].avg, bk[i].min, bk[i].max);
                else
                    eg_buf_puts(&b, ",,");
                eg_buf_printf(&b, ",%u,%u\n", bk[i].count, bk[i].total);
            }
        }
        free(bk);
    } else {
        struct eg_ts_row *r;
        size_t n;
        if (eg_ts_query(ts, &key, from, to, tier, 10000000, &r, &n, &err)) {
            close_ts(st, ts);
            return fail(&err);
        }
        eg_buf_puts(&b, json ? "[" : "time,value,flag,valid,declared,review\n");
        for (size_t i = 0; i < n; i++) {
            eg_time_format_beijing(r[i].t, tb, sizeof tb);
            const char *rev = r[i].mark & EG_TS_MARK_REVIEW_INVALID ? "invalid"
                              : r[i].mark & EG_TS_MARK_REVIEW_VALID ? "valid"
                                                                    : "";
            int valid = (r[i].mark & EG_TS_MARK_VALID) != 0;
            int decl = (r[i].mark & EG_TS_MARK_DECLARED) != 0;
            if (json)
                eg_buf_printf(&b,
                              "%s{\"time\":\"%s\",\"value\":%.10g,\"flag\":\"%c\",\"valid\":%s,"
                              "\"declared\":%s,\"review\":%s%s%s}",
                              i ? "," : "", tb, r[i].v, r[i].flag, valid ? "true" : "false",
                              decl ? "true" : "false", *rev ? "\"" : "null", rev, *rev ? "\"" : "");
            else
                eg_buf_printf(&b, "%s,%.10g,%c,%d,%d,%s\n", tb, r[i].v, r[i].flag, valid, decl,
                              rev);
        }
        free(r);
    }
    if (json)
        eg_buf_puts(&b, "]\n");
    fwrite(b.data, 1, b.len, stdout);
    eg_buf_free(&b);
    close_ts(st, ts);
    return EG_EXIT_OK;
}

int eg_cmd_series_latest(int argc, char **argv)
{
    static const char help[] =
        "Prints the latest sample of each SOURCE:POLLUTANT given (same --kind/--field for all) as\n"
        "CSV: source,pollutant,time,value,flag (time empty when the series is unknown or empty).\n";
    struct sopts o;
    int rc = parse(argc, argv, "latest", help, &o);
    if (rc >= 0)
        return rc;
    int n = argc - optind;
    if (n <= 0) {
        fprintf(stderr, "envgov series latest: give at least one SOURCE:POLLUTANT\n");
        return EG_EXIT_USAGE;
    }
    struct eg_ts_key *keys = eg_calloc((size_t)n, sizeof *keys);
    char **names = eg_calloc((size_t)n, sizeof *names);
    for (int i = 0; i < n; i++) {
        names[i] = eg_strdup(argv[optind + i]);
        char *colon = strchr(names[i], ':');
        if (!colon) {
            fprintf(stderr, "envgov series latest: '%s' is not SOURCE:POLLUTANT\n", names[i]);
            for (int j = 0; j <= i; j++)
                free(names[j]);
            free(names);
            free(keys);
            return EG_EXIT_USAGE;
        }
        *colon = '\0';
        keys[i] = (struct eg_ts_key){names[i], colon + 1, o.kind, o.field, o.computed};
    }
    struct eg_store *st;
    struct eg_ts *ts;
    if ((rc = open_ts(o.db, &st, &ts)) == 0) {
        struct eg_ts_row *out = eg_calloc((size_t)n, sizeof *out);
        int *found = eg_calloc((size_t)n, sizeof *found);
        struct eg_err err;
        if (eg_ts_latest(ts, keys, (size_t)n, out, found, &err)) {
            rc = fail(&err);
        } else {
            printf("source,pollutant,time,value,flag\n");
            for (int i = 0; i < n; i++) {
                char tb[32] = "";
                if (found[i]) {
                    eg_time_format_beijing(out[i].t, tb, sizeof tb);
                    printf("%s,%s,%s,%.10g,%c\n", keys[i].source, keys[i].pollutant, tb, out[i].v,
                           out[i].flag);
                } else {
                    printf("%s,%s,,,\n", keys[i].source, keys[i].pollutant);
                }
            }
        }
        free(out);
        free(found);
        close_ts(st, ts);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(keys);
    return rc;
}

int eg_cmd_series_compact(int argc, char **argv)
{
    static const char help[] =
        "Compacts every closed Beijing day (older than yesterday) still held as rows into its\n"
        "compressed block, up to 128 (series, day) per transaction (a crash loses nothing).\n"
        "Run it daily (cron, or the server's background worker once it calls eg_ts_compact).\n";
    struct sopts o;
    int rc = parse(argc, argv, "compact", help, &o);
    if (rc >= 0)
        return rc;
    struct eg_store *st;
    struct eg_ts *ts;
    if ((rc = open_ts(o.db, &st, &ts)))
        return rc;
    size_t days;
    struct eg_err err;
    if (eg_ts_compact(ts, &days, &err))
        rc = fail(&err);
    else
        printf("{\"compacted_days\":%zu}\n", days);
    close_ts(st, ts);
    return rc;
}

int eg_cmd_series_aggregate(int argc, char **argv)
{
    static const char help[] =
        "Recomputes the hourly and daily means of every (series, day) that new, late or reviewed\n"
        "data made stale, with the validity rules of the source's profile (GB 3095-2012 Table 4\n"
        "for ambient; HJ 75 / HJ 355 defaults, configurable, for outlets).\n";
    struct sopts o;
    int rc = parse(argc, argv, "aggregate", help, &o);
    if (rc >= 0)
        return rc;
    struct eg_store *st;
    struct eg_ts *ts;
    if ((rc = open_ts(o.db, &st, &ts)))
        return rc;
    struct eg_ts_agg_stats s;
    struct eg_err err;
    if (eg_ts_aggregate(ts, &s, &err))
        rc = fail(&err);
    else
        printf("{\"days\":%zu,\"hours_valid\":%zu,\"hours_invalid\":%zu,\"days_valid\":%zu,"
               "\"days_invalid\":%zu}\n",
               s.days, s.hours_valid, s.hours_invalid, s.days_valid, s.days_invalid);
    close_ts(st, ts);
    return rc;
}

int eg_cmd_series_declare(int argc, char **argv)
{
    static const char help[] =
        "Declares an abnormal condition of a source for [--from, --to): its data there is marked\n"
        "and not counted valid (never deleted); 'stopped' windows are not expected to carry "
        "data.\n\n"
        "  --reason R   stopped (停运), fault (故障), maintenance (维护), calibration (校准)\n"
        "  --pollutant  only this pollutant (default: all of the source)\n"
        "  --note TEXT  free text;  --by WHO  who declares (required)\n";
    struct sopts o;
    int rc = parse(argc, argv, "declare", help, &o);
    if (rc >= 0)
        return rc;
    if ((rc = need(o.source, "--source", "declare")) || (rc = need(o.from, "--from", "declare")) ||
        (rc = need(o.to, "--to", "declare")) || (rc = need(o.reason, "--reason", "declare")) ||
        (rc = need(o.who, "--by", "declare")))
        return rc;
    int64_t from, to, id;
    if ((rc = parse_time(o.from, "--from", &from)) || (rc = parse_time(o.to, "--to", &to)))
        return rc;
    struct eg_store *st;
    struct eg_ts *ts;
    if ((rc = open_ts(o.db, &st, &ts)))
        return rc;
    struct eg_err err;
    if (eg_ts_declare(ts, o.source, o.pollutant, from, to, o.reason, o.note, o.who, &id, &err))
        rc = fail(&err);
    else
        printf("{\"id\":%lld}\n", (long long)id);
    close_ts(st, ts);
    return rc;
}

int eg_cmd_series_review(int argc, char **argv)
{
    static const char help[] =
        "Records an officer's review (数据审核) of a series' samples in [--from, --to): --verdict\n"
        "invalid or valid, with --reason (required) and --by OFFICER. Appended to the audit\n"
        "trail; the raw values are never changed; queries with --tier reviewed apply it.\n";
    struct sopts o;
    int rc = parse(argc, argv, "review", help, &o);
    if (rc >= 0)
        return rc;
    if ((rc = need(o.source, "--source", "review")) ||
        (rc = need(o.pollutant, "--pollutant", "review")) ||
        (rc = need(o.from, "--from", "review")) || (rc = need(o.to, "--to", "review")) ||
        (rc = need(o.verdict, "--verdict", "review")) ||
        (rc = need(o.reason, "--reason", "review")) || (rc = need(o.who, "--by", "review")))
        return rc;
    int64_t from, to, id;
    if ((rc = parse_time(o.from, "--from", &from)) || (rc = parse_time(o.to, "--to", &to)))
        return rc;
    struct eg_store *st;
    struct eg_ts *ts;
    if ((rc = open_ts(o.db, &st, &ts)))
        return rc;
    struct eg_ts_key key = {o.source, o.pollutant, o.kind, o.field, o.computed};
    struct eg_err err;
    if (eg_ts_review(ts, &key, from, to, o.verdict, o.reason, o.who, &id, &err))
        rc = fail(&err);
    else
        printf("{\"id\":%lld}\n", (long long)id);
    close_ts(st, ts);
    return rc;
}

int eg_cmd_series_rates(int argc, char **argv)
{
    static const char help[] =
        "传输率 (received / expected) and 有效数据率 (valid / expected) of a source's series of "
        "one\n"
        "--kind over [--from, --to), as JSON. Expected: one value per reporting interval, minus\n"
        "declared 'stopped' windows; valid honours flags, declarations and reviews.\n";
    struct sopts o;
    int rc = parse(argc, argv, "rates", help, &o);
    if (rc >= 0)
        return rc;
    if ((rc = need(o.source, "--source", "rates")) || (rc = need(o.from, "--from", "rates")) ||
        (rc = need(o.to, "--to", "rates")))
        return rc;
    int64_t from, to;
    if ((rc = parse_time(o.from, "--from", &from)) || (rc = parse_time(o.to, "--to", &to)))
        return rc;
    struct eg_store *st;
    struct eg_ts *ts;
    if ((rc = open_ts(o.db, &st, &ts)))
        return rc;
    struct eg_ts_rates r;
    struct eg_err err;
    if (eg_ts_rates(ts, o.source, o.kind, from, to, &r, &err))
        rc = fail(&err);
    else
        printf("{\"source\":\"%s\",\"kind\":%d,\"series\":%d,\"expected\":%lld,\"received\":%lld,"
               "\"valid\":%lld,\"transmission_rate\":%.6f,\"valid_rate\":%.6f}\n",
               o.source, o.kind, r.series, (long long)r.expected, (long long)r.received,
               (long long)r.valid, r.transmission_rate, r.valid_rate);
    close_ts(st, ts);
    return rc;
}

int eg_cmd_series_retain(int argc, char **argv)
{
    static const char help[] =
        "Deletes time-series data older than --keep-days N Beijing days (N >= 366): compacted "
        "days,\n"
        "rows, computed means and quarantined points. Declarations and reviews (the audit trail)\n"
        "are kept. --dry-run counts what would go. Take a backup first (envgov db backup).\n";
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"keep-days", required_argument, 0, 'k'},
                                         {"dry-run", no_argument, 0, 'n'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *keep = NULL;
    int dry = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'k':
            keep = optarg;
            break;
        case 'n':
            dry = 1;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("series", "retain"), help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    int64_t days;
    if (!keep || eg_parse_int64(keep, strlen(keep), &days)) {
        fprintf(stderr, "envgov series retain: --keep-days N is required (N >= 366)\n");
        return EG_EXIT_USAGE;
    }
    struct eg_store *st;
    struct eg_ts *ts;
    int rc = open_ts(db, &st, &ts);
    if (rc)
        return rc;
    struct eg_ts_retain_stats r;
    struct eg_err err;
    if (eg_ts_retain(ts, days, dry, &r, &err))
        rc = fail(&err);
    else
        printf("{\"dry_run\":%s,\"blocks\":%lld,\"samples_in_blocks\":%lld,\"rows\":%lld,"
               "\"quarantined\":%lld}\n",
               dry ? "true" : "false", (long long)r.blocks, (long long)r.samples_in_blocks,
               (long long)r.rows, (long long)r.quarantined);
    close_ts(st, ts);
    return rc;
}

int eg_cmd_series_list(int argc, char **argv)
{
    static const char help[] =
        "Lists series as CSV: id,source,pollutant,kind,field,computed,latest_time,latest_value.\n"
        "--source ID limits to one source.\n";
    struct sopts o;
    int rc = parse(argc, argv, "list", help, &o);
    if (rc >= 0)
        return rc;
    struct eg_store *st;
    struct eg_ts *ts;
    if ((rc = open_ts(o.db, &st, &ts)))
        return rc;
    struct eg_stmt *s;
    struct eg_err err;
    if (eg_store_prepare(
            st,
            "SELECT s.id, s.source, s.pollutant, s.kind, s.field, s.computed, l.t, l.v "
            "FROM ts_series s LEFT JOIN ts_latest l ON l.series_id = s.id "
            "WHERE ?1 IS NULL OR s.source = ?1 ORDER BY s.source, s.pollutant, "
            "s.kind, s.field, s.computed",
            &s, &err)) {
        close_ts(st, ts);
        return fail(&err);
    }
    if (o.source)
        eg_stmt_bind_text(s, 1, o.source, strlen(o.source));
    else
        eg_stmt_bind_null(s, 1);
    printf("id,source,pollutant,kind,field,computed,latest_time,latest_value\n");
    int r;
    while ((r = eg_stmt_step(s, &err)) == 1) {
        size_t l1, l2, l3;
        const char *a = eg_stmt_text(s, 1, &l1), *b = eg_stmt_text(s, 2, &l2),
                   *f = eg_stmt_text(s, 4, &l3);
        char tb[32] = "";
        if (!eg_stmt_is_null(s, 6))
            eg_time_format_beijing(eg_stmt_int(s, 6), tb, sizeof tb);
        printf("%lld,%.*s,%.*s,%lld,%.*s,%lld,%s,", (long long)eg_stmt_int(s, 0), (int)l1,
               a ? a : "", (int)l2, b ? b : "", (long long)eg_stmt_int(s, 3), (int)l3, f ? f : "",
               (long long)eg_stmt_int(s, 5), tb);
        if (!eg_stmt_is_null(s, 7))
            printf("%.10g", eg_stmt_double(s, 7));
        printf("\n");
    }
    eg_stmt_done(s);
    if (r < 0)
        rc = fail(&err);
    close_ts(st, ts);
    return rc;
}
