/*
 * cmd_series.c: `envgov series …` — the time-series store from the command line: query (raw or
 * bucketed, CSV or JSON), latest of many series, compaction and aggregation runs, abnormal
 * declarations, officer reviews, transmission / valid-data rates. Times in and out are Beijing
 * time (DESIGN.md); the store keeps UTC seconds.
 */
#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "ts/ts.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The options of every verb but retain; NEED_* say which a verb requires (checked in this
   order, then --from/--to read as Beijing time into t_from/t_to). */
struct sopts {
    char prog[40]; /* "envgov series VERB", the prefix of messages */
    const char *db, *source, *pollutant, *field, *from, *to, *bucket, *format, *tier;
    const char *reason, *note, *who, *verdict;
    int kind, computed;
    int64_t t_from, t_to;
    /* latest: the SOURCE:POLLUTANT arguments; retain: its own options */
    struct eg_ts_key *keys;
    size_t nkeys;
    int64_t keep_days;
    int dry_run;
};

enum {
    NEED_SOURCE = 1 << 0,
    NEED_POLLUTANT = 1 << 1,
    NEED_RANGE = 1 << 2,
    NEED_VERDICT = 1 << 3,
    NEED_REASON = 1 << 4,
    NEED_WHO = 1 << 5
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

/* Returns -1 to go on, else the exit code. */
static int parse(int argc, char **argv, const char *verb, const char *help, int need,
                 struct sopts *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->prog, sizeof o->prog, "envgov series %s", verb);
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
                fprintf(stderr, "%s: --kind must be 2011, 2051, 2061 or 2031\n", o->prog);
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
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (!o->field)
        o->field = o->kind == EG_TS_KIND_RTD ? "Rtd" : "Avg";
    int rc;
    if ((need & NEED_SOURCE && (rc = eg__cli_need(o->prog, "--source", o->source))) ||
        (need & NEED_POLLUTANT && (rc = eg__cli_need(o->prog, "--pollutant", o->pollutant))) ||
        (need & NEED_RANGE && ((rc = eg__cli_need(o->prog, "--from", o->from)) ||
                               (rc = eg__cli_need(o->prog, "--to", o->to)))) ||
        (need & NEED_VERDICT && (rc = eg__cli_need(o->prog, "--verdict", o->verdict))) ||
        (need & NEED_REASON && (rc = eg__cli_need(o->prog, "--reason", o->reason))) ||
        (need & NEED_WHO && (rc = eg__cli_need(o->prog, "--by", o->who))))
        return rc;
    if (need & NEED_RANGE && ((rc = eg__cli_time(o->prog, "--from", o->from, &o->t_from)) ||
                              (rc = eg__cli_time(o->prog, "--to", o->to, &o->t_to))))
        return rc;
    return -1;
}

static int fail(const struct eg_err *err)
{
    fprintf(stderr, "envgov: %s\n", err->msg);
    return err->status == EG_EUSAGE ? EG_EXIT_USAGE : EG_EXIT_FAIL;
}

/* A verb's work once the store is open: prints its answer and returns 0, or a negative EG_E*
   with ERR filled. */
typedef int (*series_fn)(struct eg_db *st, struct eg_ts *ts, const struct sopts *o,
                         struct eg_err *err);

/* Opens the store, runs FN, closes: the exit code. */
static int run(const struct sopts *o, series_fn fn)
{
    struct eg_db *st;
    struct eg_ts *ts;
    int rc = eg__cli_open_ts("envgov", o->db, &st, &ts);
    if (rc)
        return rc;
    struct eg_err err;
    if (fn(st, ts, o, &err) < 0)
        rc = fail(&err);
    eg__cli_close_ts(st, ts);
    return rc;
}

static struct eg_ts_key key_of(const struct sopts *o)
{
    return (struct eg_ts_key){o->source, o->pollutant, o->kind, o->field, o->computed};
}

static void put_num(struct eg_buf *b, double v)
{
    if (isnan(v))
        eg_buf_puts(b, "null");
    else
        eg_buf_printf(b, "%.10g", v);
}

static int do_query(struct eg_db *st, struct eg_ts *ts, const struct sopts *o, struct eg_err *err)
{
    int64_t bucket = !o->bucket ? 0 : !strcmp(o->bucket, "1h") ? 3600 : 86400;
    int json = o->format && !strcmp(o->format, "json");
    int tier = o->tier && !strcmp(o->tier, "reviewed") ? EG_TS_REVIEWED : EG_TS_PRELIMINARY;
    struct eg_ts_key key = key_of(o);
    struct eg_buf b = {0};
    char tb[32];
    if (bucket) {
        struct eg_ts_bucket *bk;
        size_t n;
        int rc = eg_ts_query_buckets(ts, &key, o->t_from, o->t_to, bucket, tier, &bk, &n, err);
        if (rc)
            return rc;
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
        int rc = eg_ts_query(ts, &key, o->t_from, o->t_to, tier, 10000000, &r, &n, err);
        if (rc)
            return rc;
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
    return 0;
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
    int rc = parse(argc, argv, "query", help, NEED_SOURCE | NEED_POLLUTANT | NEED_RANGE, &o);
    if (rc >= 0)
        return rc;
    int second;
    if ((rc = eg__cli_choice(o.prog, "--bucket", o.bucket, "1h", "1d", &second)) ||
        (rc = eg__cli_choice(o.prog, "--format", o.format, "csv", "json", &second)) ||
        (rc = eg__cli_choice(o.prog, "--tier", o.tier, "preliminary", "reviewed", &second)))
        return rc;
    return run(&o, do_query);
}

static int do_latest(struct eg_db *st, struct eg_ts *ts, const struct sopts *o, struct eg_err *err)
{
    struct eg_ts_row *out = eg_calloc(o->nkeys, sizeof *out);
    int *found = eg_calloc(o->nkeys, sizeof *found);
    int rc = eg_ts_latest(ts, o->keys, o->nkeys, out, found, err);
    if (rc == 0) {
        printf("source,pollutant,time,value,flag\n");
        for (size_t i = 0; i < o->nkeys; i++) {
            const struct eg_ts_key *k = &o->keys[i];
            char tb[32] = "";
            if (found[i]) {
                eg_time_format_beijing(out[i].t, tb, sizeof tb);
                printf("%s,%s,%s,%.10g,%c\n", k->source, k->pollutant, tb, out[i].v, out[i].flag);
            } else {
                printf("%s,%s,,,\n", k->source, k->pollutant);
            }
        }
    }
    free(out);
    free(found);
    return rc;
}

int eg_cmd_series_latest(int argc, char **argv)
{
    static const char help[] =
        "Prints the latest sample of each SOURCE:POLLUTANT given (same --kind/--field for all) as\n"
        "CSV: source,pollutant,time,value,flag (time empty when the series is unknown or empty).\n";
    struct sopts o;
    int rc = parse(argc, argv, "latest", help, 0, &o);
    if (rc >= 0)
        return rc;
    if (argc <= optind) {
        fprintf(stderr, "envgov series latest: give at least one SOURCE:POLLUTANT\n");
        return EG_EXIT_USAGE;
    }
    size_t n = (size_t)(argc - optind);
    o.keys = eg_calloc(n, sizeof *o.keys);
    char **names = eg_calloc(n, sizeof *names);
    rc = -1;
    for (size_t i = 0; i < n && rc < 0; i++) {
        names[i] = eg_strdup(argv[optind + (int)i]);
        char *colon = strchr(names[i], ':');
        if (!colon) {
            fprintf(stderr, "envgov series latest: '%s' is not SOURCE:POLLUTANT\n", names[i]);
            rc = EG_EXIT_USAGE;
            break;
        }
        *colon = '\0';
        o.keys[i] = (struct eg_ts_key){names[i], colon + 1, o.kind, o.field, o.computed};
    }
    o.nkeys = n;
    if (rc < 0)
        rc = run(&o, do_latest);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(o.keys);
    return rc;
}

static int do_compact(struct eg_db *st, struct eg_ts *ts, const struct sopts *o, struct eg_err *err)
{
    size_t days;
    int rc = eg_ts_compact(ts, &days, err);
    if (rc == 0)
        printf("{\"compacted_days\":%zu}\n", days);
    return rc;
}

int eg_cmd_series_compact(int argc, char **argv)
{
    static const char help[] =
        "Compacts every closed Beijing day (older than yesterday) still held as rows into its\n"
        "compressed block, up to 128 (series, day) per transaction (a crash loses nothing).\n"
        "Run it daily (cron, or the server's background worker once it calls eg_ts_compact).\n";
    struct sopts o;
    int rc = parse(argc, argv, "compact", help, 0, &o);
    return rc >= 0 ? rc : run(&o, do_compact);
}

static int do_aggregate(struct eg_db *st, struct eg_ts *ts, const struct sopts *o,
                        struct eg_err *err)
{
    struct eg_ts_agg_stats s;
    int rc = eg_ts_aggregate(ts, &s, err);
    if (rc == 0)
        printf("{\"days\":%zu,\"hours_valid\":%zu,\"hours_invalid\":%zu,\"days_valid\":%zu,"
               "\"days_invalid\":%zu}\n",
               s.days, s.hours_valid, s.hours_invalid, s.days_valid, s.days_invalid);
    return rc;
}

int eg_cmd_series_aggregate(int argc, char **argv)
{
    static const char help[] =
        "Recomputes the hourly and daily means of every (series, day) that new, late or reviewed\n"
        "data made stale, with the validity rules of the source's profile (GB 3095-2012 Table 4\n"
        "for ambient; HJ 75 / HJ 355 defaults, configurable, for outlets).\n";
    struct sopts o;
    int rc = parse(argc, argv, "aggregate", help, 0, &o);
    return rc >= 0 ? rc : run(&o, do_aggregate);
}

static void print_id(int64_t id)
{
    printf("{\"id\":%lld}\n", (long long)id);
}

static int do_declare(struct eg_db *st, struct eg_ts *ts, const struct sopts *o, struct eg_err *err)
{
    int64_t id;
    int rc = eg_ts_declare(ts, o->source, o->pollutant, o->t_from, o->t_to, o->reason, o->note,
                           o->who, &id, err);
    if (rc == 0)
        print_id(id);
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
    int rc =
        parse(argc, argv, "declare", help, NEED_SOURCE | NEED_RANGE | NEED_REASON | NEED_WHO, &o);
    return rc >= 0 ? rc : run(&o, do_declare);
}

static int do_review(struct eg_db *st, struct eg_ts *ts, const struct sopts *o, struct eg_err *err)
{
    struct eg_ts_key key = key_of(o);
    int64_t id;
    int rc = eg_ts_review(ts, &key, o->t_from, o->t_to, o->verdict, o->reason, o->who, &id, err);
    if (rc == 0)
        print_id(id);
    return rc;
}

int eg_cmd_series_review(int argc, char **argv)
{
    static const char help[] =
        "Records an officer's review (数据审核) of a series' samples in [--from, --to): --verdict\n"
        "invalid or valid, with --reason (required) and --by OFFICER. Appended to the audit\n"
        "trail; the raw values are never changed; queries with --tier reviewed apply it.\n";
    struct sopts o;
    int rc = parse(
        argc, argv, "review", help,
        NEED_SOURCE | NEED_POLLUTANT | NEED_RANGE | NEED_VERDICT | NEED_REASON | NEED_WHO, &o);
    return rc >= 0 ? rc : run(&o, do_review);
}

static int do_rates(struct eg_db *st, struct eg_ts *ts, const struct sopts *o, struct eg_err *err)
{
    struct eg_ts_rates r;
    int rc = eg_ts_rates(ts, o->source, o->kind, o->t_from, o->t_to, &r, err);
    if (rc == 0)
        printf("{\"source\":\"%s\",\"kind\":%d,\"series\":%d,\"expected\":%lld,\"received\":%lld,"
               "\"valid\":%lld,\"transmission_rate\":%.6f,\"valid_rate\":%.6f}\n",
               o->source, o->kind, r.series, (long long)r.expected, (long long)r.received,
               (long long)r.valid, r.transmission_rate, r.valid_rate);
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
    int rc = parse(argc, argv, "rates", help, NEED_SOURCE | NEED_RANGE, &o);
    return rc >= 0 ? rc : run(&o, do_rates);
}

static int do_retain(struct eg_db *st, struct eg_ts *ts, const struct sopts *o, struct eg_err *err)
{
    struct eg_ts_retain_stats r;
    int rc = eg_ts_retain(ts, o->keep_days, o->dry_run, &r, err);
    if (rc == 0)
        printf("{\"dry_run\":%s,\"blocks\":%lld,\"samples_in_blocks\":%lld,\"rows\":%lld,"
               "\"quarantined\":%lld}\n",
               o->dry_run ? "true" : "false", (long long)r.blocks, (long long)r.samples_in_blocks,
               (long long)r.rows, (long long)r.quarantined);
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
    struct sopts o;
    memset(&o, 0, sizeof o);
    const char *keep = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.db = optarg;
            break;
        case 'k':
            keep = optarg;
            break;
        case 'n':
            o.dry_run = 1;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("series", "retain"), help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (!keep || eg_parse_int64(keep, strlen(keep), &o.keep_days)) {
        fprintf(stderr, "envgov series retain: --keep-days N is required (N >= 366)\n");
        return EG_EXIT_USAGE;
    }
    return run(&o, do_retain);
}

static int print_series(void *arg, const struct eg_ts_series_row *r)
{
    char tb[32] = "";
    if (r->has_latest)
        eg_time_format_beijing(r->latest_t, tb, sizeof tb);
    printf("%lld,%s,%s,%d,%s,%d,%s,", (long long)r->id, r->key.source ? r->key.source : "",
           r->key.pollutant ? r->key.pollutant : "", r->key.kind, r->key.field ? r->key.field : "",
           r->key.computed, tb);
    /* the latest value: none when the series is empty (ts_latest's v is never NULL) */
    if (r->has_latest)
        printf("%.10g", r->latest_v);
    printf("\n");
    return 0;
}

static int do_list(struct eg_db *st, struct eg_ts *ts, const struct sopts *o, struct eg_err *err)
{
    printf("id,source,pollutant,kind,field,computed,latest_time,latest_value\n");
    return eg_ts_series_each(ts, o->source, print_series, NULL, err);
}

int eg_cmd_series_list(int argc, char **argv)
{
    static const char help[] =
        "Lists series as CSV: id,source,pollutant,kind,field,computed,latest_time,latest_value.\n"
        "--source ID limits to one source.\n";
    struct sopts o;
    int rc = parse(argc, argv, "list", help, 0, &o);
    return rc >= 0 ? rc : run(&o, do_list);
}
