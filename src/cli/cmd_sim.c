/*
 * cmd_sim.c: `envgov sim` — the HJ 212 device simulator (src/ingest/sim.c) on the command line.
 */
#include "cli/cli.h"
#include "demo/demo.h"
#include "ingest/ingest.h"
#include "registry/registry.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int sim_stop;
static void on_signal(int sig)
{
    (void)sig;
    sim_stop = 1;
}

static const char *sim_help =
    "Simulates N HJ 212 devices, one TCP connection each, sending real-time (2011), minute\n"
    "(2051), hour (2061) and day (2031) data with realistic values for water outlets (flow,\n"
    "pH, COD, NH3-N, TP, TN), stack-gas outlets (SO2, NOx, smoke, O2, flue temperature, flow)\n"
    "and air stations (PM2.5, PM10, SO2, NO2, CO, O3), waiting for each 9014 and resending what\n"
    "is not acknowledged; it answers the platform's commands as a data logger does.\n\n"
    "options:\n"
    "  --devices N        number of devices (default 10)\n"
    "  --interval S       seconds of data time between real-time samples (default 60)\n"
    "  --to HOST:PORT     the ingestion server (required)\n"
    "  --speed X          data time runs X times faster than the clock (default 1)\n"
    "  --duration S       stop after S seconds (default: until SIGINT/SIGTERM)\n"
    "  --count N          stop after N real-time samples per device\n"
    "  --malformed SHARE  share 0..1 of packets sent malformed (default 0)\n"
    "  --threads T        client threads (default 1)\n"
    "  --start TIME       DataTime of the first sample, Beijing \"YYYY-MM-DD HH:MM\" (default "
    "now)\n"
    "  --ack-log FILE     append \"MN CN DataTime QN NVALUES\" per acknowledged packet\n"
    "  --db PATH          use the first N devices registered in this database (the demo): each\n"
    "                     sends its own pollutants (outlets: those its permit limits, scaled to\n"
    "                     the limits), water sections GB 3838 factors, noise stations LA. Their\n"
    "                     passwords are replaced with ones the simulator knows (demo only!).\n"
    "                     Without --start each device continues its stored data: from the hour\n"
    "                     after its last stored hour it catches up to now, then runs live\n"
    "  --catch-up X       speed of that catching up (default 120: an hour in 30 s); --speed\n"
    "                     applies only with --start or without --db\n"
    "  --print-devices    print the generated \"MN PW KIND\" lines and exit (register them with\n"
    "                     `envgov device add`)\n"
    "  --seed N           seed for generated MN/PW (default 1)\n";

static int split_hostport(const char *s, char *host, size_t hsz, int *port)
{
    const char *c = strrchr(s, ':');
    int64_t p;
    if (!c || c == s || (size_t)(c - s) >= hsz || eg_parse_int64(c + 1, strlen(c + 1), &p) ||
        p <= 0 || p > 65535)
        return -1;
    snprintf(host, hsz, "%.*s", (int)(c - s), s);
    *port = (int)p;
    return 0;
}

/* The first n devices of the database as the demo's model plays them (kind, pollutants, limits,
   section class, noise zone), with passwords the simulator knows; starts (when not NULL) gets
   the hour after each device's last stored hour (0 when it has none). */
static int devices_from_db(const char *db, int n, uint64_t seed, struct eg_sim_device **out,
                           int *got, int64_t **starts, struct eg_err *err)
{
    struct eg_db *st;
    int rc = eg_db_open(db, &st, err);
    if (rc < 0)
        return rc;
    struct eg_sim_device *d = NULL;
    int64_t *ids = NULL;
    int k = 0;
    rc = eg_demo_devices(st, n, &d, &ids, &k, err);
    for (int i = 0; i < k && rc >= 0; i++) {
        uint64_t x = seed * 0x9E3779B97F4A7C15ull + (uint64_t)ids[i] * 7919;
        x ^= x >> 29;
        snprintf(d[i].pw, sizeof d[i].pw, "%06u", (unsigned)(x % 1000000));
        json_t *patch = json_object();
        json_object_set_new(patch, "password", json_string(d[i].pw));
        json_t *row = NULL;
        rc = eg_registry_update(st, eg_registry_find("devices"), &eg_principal_system, ids[i],
                                patch, &row, err);
        json_decref(patch);
        json_decref(row);
    }
    if (rc >= 0 && starts) {
        *starts = eg_calloc((size_t)(k > 0 ? k : 1), sizeof **starts);
        rc = eg_demo_devices_last_hour(st, d, k, *starts, err);
        for (int i = 0; i < k && rc >= 0; i++)
            if ((*starts)[i])
                (*starts)[i] += 3600;
        if (rc < 0) {
            free(*starts);
            *starts = NULL;
        }
    }
    free(ids);
    eg_db_close(st);
    if (rc < 0) {
        free(d);
        return rc;
    }
    *out = d;
    *got = k;
    return 0;
}

/* Says where the devices continue their stored data (to stderr: stdout is the JSON result). */
static void report_continue(const int64_t *starts, int n)
{
    int64_t lo = 0, hi = 0;
    int with = 0;
    for (int i = 0; starts && i < n; i++)
        if (starts[i]) {
            lo = with && lo < starts[i] ? lo : starts[i];
            hi = with && hi > starts[i] ? hi : starts[i];
            with++;
        }
    if (!with) {
        fprintf(stderr, "envgov sim: no stored data for these %d devices: starting now\n", n);
        return;
    }
    char a[32], b[32];
    eg_time_format_beijing(lo, a, sizeof a);
    eg_time_format_beijing(hi, b, sizeof b);
    fprintf(stderr,
            "envgov sim: %d of %d devices continue their stored data from %.16s%s%.16s (Beijing): "
            "catching up to now, then live\n",
            with, n, a, strcmp(a, b) ? " to " : "", strcmp(a, b) ? b : "");
}

int eg_cmd_sim(int argc, char **argv)
{
    static const struct option opts[] = {{"devices", required_argument, NULL, 'n'},
                                         {"interval", required_argument, NULL, 'i'},
                                         {"to", required_argument, NULL, 't'},
                                         {"speed", required_argument, NULL, 'x'},
                                         {"duration", required_argument, NULL, 'D'},
                                         {"count", required_argument, NULL, 'c'},
                                         {"malformed", required_argument, NULL, 'm'},
                                         {"threads", required_argument, NULL, 'T'},
                                         {"start", required_argument, NULL, 's'},
                                         {"ack-log", required_argument, NULL, 'a'},
                                         {"db", required_argument, NULL, 'd'},
                                         {"print-devices", no_argument, NULL, 'p'},
                                         {"seed", required_argument, NULL, 'S'},
                                         {"catch-up", required_argument, NULL, 'C'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    struct eg_sim_config c = {0};
    int64_t ndev = 10, count = 0, threads = 1, seed = 1;
    double interval = 60, speed = 1, duration = 0, malformed = 0, catchup = 120;
    const char *to = NULL, *db = NULL;
    int print = 0;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (o) {
        case 'n':
            bad = eg_parse_int64(optarg, strlen(optarg), &ndev) || ndev < 1 || ndev > 100000;
            break;
        case 'i':
            bad = eg_parse_double(optarg, strlen(optarg), &interval) || interval <= 0;
            break;
        case 't':
            to = optarg;
            break;
        case 'x':
            bad = eg_parse_double(optarg, strlen(optarg), &speed) || speed <= 0;
            break;
        case 'D':
            bad = eg_parse_double(optarg, strlen(optarg), &duration) || duration < 0;
            break;
        case 'c':
            bad = eg_parse_int64(optarg, strlen(optarg), &count) || count < 0;
            break;
        case 'm':
            bad = eg_parse_double(optarg, strlen(optarg), &malformed) || malformed < 0 ||
                  malformed > 1;
            break;
        case 'T':
            bad = eg_parse_int64(optarg, strlen(optarg), &threads) || threads < 1 || threads > 64;
            break;
        case 's':
            bad = eg_time_parse_beijing(optarg, strlen(optarg), &c.start_time) != 0;
            break;
        case 'a':
            c.ack_log = optarg;
            break;
        case 'd':
            db = optarg;
            break;
        case 'p':
            print = 1;
            break;
        case 'S':
            bad = eg_parse_int64(optarg, strlen(optarg), &seed);
            break;
        case 'C':
            bad = eg_parse_double(optarg, strlen(optarg), &catchup) || catchup < 1 || catchup > 1e6;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("sim", NULL), sim_help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
        if (bad) {
            fprintf(stderr, "envgov sim: bad value for --%s: %s\n",
                    opts[0].name ? argv[optind - 1] : "", optarg);
            return EG_EXIT_USAGE;
        }
    }
    struct eg_sim_device *devs = NULL;
    int64_t *starts = NULL;
    int n = (int)ndev;
    struct eg_err err = {0};
    if (db) {
        if (devices_from_db(db, n, (uint64_t)seed, &devs, &n, c.start_time ? NULL : &starts, &err) <
            0) {
            fprintf(stderr, "envgov sim: %s: %s\n", db, err.msg);
            return EG_EXIT_FAIL;
        }
        if (n == 0) {
            fprintf(stderr, "envgov sim: no devices registered in %s\n", db);
            free(devs);
            free(starts);
            return EG_EXIT_FAIL;
        }
        report_continue(starts, n);
    } else {
        devs = eg_sim_devices_generate(n, (uint64_t)seed);
    }
    if (print) {
        for (int i = 0; i < n; i++)
            printf("%s %s %c\n", devs[i].mn, devs[i].pw, devs[i].kind);
        free(devs);
        free(starts);
        return EG_EXIT_OK;
    }
    char host[256];
    if (!to || split_hostport(to, host, sizeof host, &c.port) < 0) {
        fprintf(stderr, "envgov sim: --to HOST:PORT is required\n");
        free(devs);
        free(starts);
        return EG_EXIT_USAGE;
    }
    c.host = host;
    c.devices = devs;
    c.ndevices = n;
    c.interval_s = interval;
    c.speed = speed;
    c.duration_s = duration;
    c.max_packets = (long)count;
    c.malformed = malformed;
    c.threads = (int)threads;
    c.starts = starts;
    c.catchup_speed = catchup;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    struct eg_sim_result r;
    int rc = eg_sim_run(&c, &sim_stop, &r, &err);
    free(devs);
    free(starts);
    if (rc < 0) {
        fprintf(stderr, "envgov sim: %s\n", err.msg);
        return EG_EXIT_FAIL;
    }
    printf("{\"devices\":%d,\"sent\":%llu,\"acked\":%llu,\"values\":%llu,\"malformed\":%llu,"
           "\"resent\":%llu,\"reconnects\":%llu,\"commands_answered\":%llu,\"wall_s\":%.2f,"
           "\"ack_p50_ms\":%.1f,\"ack_p99_ms\":%.1f}\n",
           n, (unsigned long long)r.sent, (unsigned long long)r.acked,
           (unsigned long long)r.values_sent, (unsigned long long)r.malformed_sent,
           (unsigned long long)r.resent, (unsigned long long)r.reconnects,
           (unsigned long long)r.commands_answered, r.wall_s, r.lat_p50_ms, r.lat_p99_ms);
    return EG_EXIT_OK;
}
