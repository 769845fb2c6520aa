/*
 * cmd_demo.c: `envgov demo` — loads the demo district (src/demo) into an empty database and
 * prints what was made and the user logins, whose random passwords are shown only here.
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "demo/demo.h"
#include "ingest/ingest.h"
#include "registry/registry.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void print_report(struct eg_demo_report *rep)
{
    printf("demo district loaded: %d streets and towns with 3 grids each, %d parks, %d "
           "enterprises, %d outlets, %d permits, %d permit limits, %d stations, %d devices\n\n"
           "logins (shown once; only Argon2id hashes are stored):\n",
           rep->streets, rep->parks, rep->units, rep->outlets, rep->permits, rep->limits,
           rep->stations, rep->devices);
    for (int i = 0; i < EG_DEMO_USERS; i++) {
        printf("  %-11s %-10s %s\n", rep->users[i].name, rep->users[i].role,
               rep->users[i].password);
        sodium_memzero(rep->users[i].password, sizeof rep->users[i].password);
    }
}

/* The history up to the last full hour: hdays days; by default (hdays < 0) 366 days for
   outlets and from 1 January of last year for the stations. */
static int history(struct eg_db *st, int64_t hdays, int64_t until, struct eg_err *err)
{
    int64_t to = until ? until : eg_time_now(), from;
    to -= to % 3600;
    if (hdays == 0)
        return 0;
    int64_t from_outlets = to - (hdays > 0 ? hdays : 366) * 86400;
    if (hdays > 0) {
        from = from_outlets;
    } else { /* stations: whole last year too, for its annual evaluation (HJ 663) */
        struct eg_civil c;
        eg_time_to_beijing(to, &c);
        from = eg_time_from_beijing(&(struct eg_civil){.year = c.year - 1, .month = 1, .day = 1});
    }
    struct eg_demo_history h;
    if (eg_demo_history(st, from, from_outlets, to, &h, err) < 0) {
        fprintf(stderr,
                "envgov demo: the history could not be stored: %s\n(the district is "
                "loaded; delete the database and run `envgov demo` again)\n",
                err->msg);
        return -1;
    }
    char a[32], b[32];
    eg_time_format_beijing(h.from, a, sizeof a);
    eg_time_format_beijing(h.to, b, sizeof b);
    printf("\nhistory: %zu hourly values in %zu series of %d devices, %.16s to %.16s (Beijing), "
           "stored in %.1f s (%.0f values/s); %d outlets exceed their limits now and then\n",
           h.values, h.series, h.devices, a, b, h.seconds,
           h.seconds > 0 ? (double)h.values / h.seconds : 0.0, h.exceeders);
    return 0;
}

int eg_cmd_demo(int argc, char **argv)
{
    static const char help[] =
        "Fills an EMPTY database with a demo district like Pudong (浦东新区): its 12 streets and\n"
        "24 towns with 3 grids each, 6 parks, 300 fictional enterprises (names end in （演示）,\n"
        "credit codes with valid check characters), their outlets, permits and limits taken\n"
        "from the emission standards in data/demo/limits.csv, 30 air stations, 10 water\n"
        "sections, 20 noise stations, their HJ 212 devices, and one user of each role:\n"
        "admin, bureau, lujiazui (street: 陆家嘴街道), enterprise, steward. The user passwords "
        "are\n"
        "random and printed once. Everything else is the same on every run.\n"
        "Then it stores hourly history for every device straight into the time series, from\n"
        "the simulator's value model: air stations with seasonal and daily cycles, water\n"
        "sections mostly of class II-IV (one 劣V), noise stations with day/night levels, every\n"
        "pollutant each outlet's permit limits (a few outlets exceed now and then); and the\n"
        "district's own targets (PM2.5, good days, class III share, 劣V) beside the seeds'.\n\n"
        "options:\n" EG_CLI_DB_HELP
        "  --device-passwords FILE  also write every device's MN,password to FILE (mode 0600)\n"
        "  --history-days N  days of hourly history to store for every device, up to the last\n"
        "                   full hour (default: stations from 1 January of last year, so that\n"
        "                   last year's annual evaluation is complete, outlets 366 days; 0: none)\n"
        "                   `envgov sim --db` continues it from each device's last stored hour.\n"
        "  --until TIME     end the history at this past Beijing time (default: now)\n";
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"device-passwords", required_argument, 0, 'p'},
                                         {"history-days", required_argument, 0, 'H'},
                                         {"until", required_argument, 0, 'u'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *pwfile = NULL;
    int64_t hdays = -1, until = 0;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:p:H:u:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'p':
            pwfile = optarg;
            break;
        case 'H':
            if (eg_parse_int64(optarg, strlen(optarg), &hdays) || hdays < 0 || hdays > 3660) {
                fprintf(stderr, "envgov demo: --history-days wants 0..3660 days, not '%s'\n",
                        optarg);
                return EG_EXIT_USAGE;
            }
            break;
        case 'u':
            if (eg_time_parse_beijing(optarg, strlen(optarg), &until) || until > eg_time_now()) {
                fprintf(stderr,
                        "envgov demo: --until wants a past Beijing time \"YYYY-MM-DD HH:MM\", "
                        "not '%s'\n",
                        optarg);
                return EG_EXIT_USAGE;
            }
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("demo", NULL), help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "envgov demo: unexpected argument '%s'\n", argv[optind]);
        return EG_EXIT_USAGE;
    }
    if (sodium_init() < 0)
        return EG_EXIT_FAIL;
    struct eg_db *st = eg__cli_create(eg__cli_db_path(db));
    if (!st)
        return EG_EXIT_FAIL;
    struct eg_err err;
    eg_err_clear(&err);
    int empty = 0;
    if (eg_registry_is_empty(st, &empty, &err) || !empty) {
        fprintf(stderr,
                "envgov demo: the database %s is not empty; the demo loads only into an "
                "empty one\n",
                eg__cli_db_path(db));
        eg_db_close(st);
        return EG_EXIT_FAIL;
    }
    FILE *device_pw = NULL;
    if (pwfile) {
        mode_t old = umask(077);
        device_pw = fopen(pwfile, "w");
        umask(old);
        if (!device_pw) {
            fprintf(stderr, "envgov demo: cannot write %s\n", pwfile);
            eg_db_close(st);
            return EG_EXIT_FAIL;
        }
        fprintf(device_pw, "mn,password\n");
    }
    struct eg_demo_report rep;
    int rc = eg_demo_load(st, device_pw, &rep, &err);
    if (device_pw)
        fclose(device_pw);
    if (rc < 0) {
        eg_db_close(st);
        if (err.msg[0])
            fprintf(stderr, "envgov demo: %s\n", err.msg);
        fprintf(stderr, "envgov demo: failed, nothing was written\n");
        return EG_EXIT_FAIL;
    }
    print_report(&rep);
    rc = history(st, hdays, until, &err);
    eg_db_close(st);
    return rc < 0 ? EG_EXIT_FAIL : EG_EXIT_OK;
}
