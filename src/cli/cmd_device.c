/*
 * cmd_device.c: `envgov device add|status|offline` — HJ 212 devices in the registry (监测设备)
 * and what the ingestion server knows about them (src/ingest/status.c).
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "devices/devices.h"
#include "ingest/ingest.h"
#include "registry/registry.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *add_help =
    "Registers an HJ 212 device (its MN and access password PW) so that the ingestion server\n"
    "accepts its packets. The password is read from standard input (one line) and stored as an\n"
    "Argon2id hash. A device measures either an outlet (by its id) or a station (by its code).\n\n"
    "options:\n"
    "  --password-stdin     read PW from stdin (required; HJ 212 PW is 6 characters)\n"
    "  --outlet ID          the outlet (排放口) id it measures\n"
    "  --station CODE       the station (监测站点) code it measures\n"
    "  --protocol 2017|2005 protocol edition (default 2017)\n"
    "  --interval S         upload interval in seconds, for online/offline (default 60)\n"
    "  --crc hj212|modbus_swapped   CRC variant the device uses (default hj212)\n"
    "  --lenient            parse its packets leniently\n" EG_CLI_DB_HELP;

int eg_cmd_device_add(int argc, char **argv)
{
    static const struct option opts[] = {
        {"password-stdin", no_argument, NULL, 'p'}, {"outlet", required_argument, NULL, 'o'},
        {"station", required_argument, NULL, 's'},  {"protocol", required_argument, NULL, 'P'},
        {"interval", required_argument, NULL, 'i'}, {"crc", required_argument, NULL, 'c'},
        {"lenient", no_argument, NULL, 'l'},        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},           {0, 0, 0, 0}};
    int pw_stdin = 0, lenient = 0;
    const char *outlet = NULL, *station = NULL, *proto = "2017", *db = NULL, *crc = "hj212";
    int64_t interval = 60;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            pw_stdin = 1;
            break;
        case 'o':
            outlet = optarg;
            break;
        case 's':
            station = optarg;
            break;
        case 'P':
            proto = optarg;
            break;
        case 'c':
            crc = optarg;
            break;
        case 'l':
            lenient = 1;
            break;
        case 'd':
            db = optarg;
            break;
        case 'i':
            if (eg_parse_int64(optarg, strlen(optarg), &interval) || interval < 1 ||
                interval > 86400) {
                fprintf(stderr, "envgov device add: --interval must be 1..86400 seconds\n");
                return EG_EXIT_USAGE;
            }
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("device", "add"), add_help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !pw_stdin || (!outlet == !station)) {
        fprintf(stderr, "envgov device add: needs MN, --password-stdin and one of --outlet or "
                        "--station (see --help)\n");
        return EG_EXIT_USAGE;
    }
    if (strcmp(proto, "2017") && strcmp(proto, "2005")) {
        fprintf(stderr, "envgov device add: --protocol must be 2017 or 2005\n");
        return EG_EXIT_USAGE;
    }
    const char *mn = argv[optind];
    char pw[128];
    if (!fgets(pw, sizeof pw, stdin)) {
        fprintf(stderr, "envgov device add: no password on stdin\n");
        return EG_EXIT_USAGE;
    }
    pw[strcspn(pw, "\r\n")] = 0;
    /* HJ 212 PW: 6 characters in both editions (2005 C6 of 0-9 a-z A-Z); the strict parser
       takes 1-24 letters or digits, so anything else could never authenticate */
    size_t pwn = strlen(pw);
    int pw_ok = pwn >= 1 && pwn <= 24;
    for (size_t i = 0; i < pwn && pw_ok; i++)
        pw_ok = (pw[i] >= '0' && pw[i] <= '9') || (pw[i] >= 'a' && pw[i] <= 'z') ||
                (pw[i] >= 'A' && pw[i] <= 'Z');
    if (!pw_ok) {
        fprintf(stderr, "envgov device add: the HJ 212 password must be 1-24 letters or digits "
                        "(the standard uses 6)\n");
        return EG_EXIT_USAGE;
    }
    struct eg_err err = {0};
    struct eg_db *st = eg__cli_open_existing("envgov device add", db);
    if (!st)
        return EG_EXIT_FAIL;
    json_t *in = json_object();
    json_object_set_new(in, "mn", json_string(mn));
    json_object_set_new(in, "password", json_string(pw));
    json_object_set_new(in, "protocol", json_string(proto));
    json_object_set_new(in, "crc", json_string(crc));
    json_object_set_new(in, "lenient", json_boolean(lenient));
    json_object_set_new(in, "interval_s", json_integer(interval));
    int rc = 0;
    if (outlet) {
        int64_t id;
        if (eg_parse_int64(outlet, strlen(outlet), &id) || id <= 0) {
            fprintf(stderr, "envgov device add: --outlet takes an outlet id\n");
            rc = EG_EUSAGE;
        }
        json_object_set_new(in, "outlet_id", json_integer(id));
    } else {
        int64_t id;
        rc = eg_registry_station_id(st, station, &id, &err);
        if (!rc)
            json_object_set_new(in, "station_id", json_integer(id));
    }
    json_t *row = NULL;
    if (!rc)
        rc = eg_registry_create(st, eg_registry_find("devices"), &eg_principal_system, in, &row,
                                &err);
    memset(pw, 0, sizeof pw);
    json_decref(in);
    if (rc < 0) {
        if (rc != EG_EUSAGE)
            fprintf(stderr, "envgov device add: %s\n", err.msg);
        eg_db_close(st);
        return rc == EG_EUSAGE ? EG_EXIT_USAGE : EG_EXIT_FAIL;
    }
    printf("device %s registered (id %lld)\n", mn,
           (long long)json_integer_value(json_object_get(row, "id")));
    json_decref(row);
    eg_db_close(st);
    return EG_EXIT_OK;
}

static int status_common(int argc, char **argv, int offline)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"multiple", required_argument, NULL, 'm'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL;
    int64_t multiple = 3;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'm':
            if (eg_parse_int64(optarg, strlen(optarg), &multiple) || multiple < 1 ||
                multiple > 1000) {
                fprintf(stderr, "envgov device: --multiple must be 1..1000\n");
                return EG_EXIT_USAGE;
            }
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("device", offline ? "offline" : "status"),
                         "A device is offline when it sent no data for longer than MULTIPLE x its\n"
                         "upload interval (default 3), or never did. Output: JSON.\n\n"
                         "options:\n" EG_CLI_DB_HELP
                         "  --multiple K    offline after K intervals without data (default 3)\n");
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (offline ? optind != argc : optind != argc - 1) {
        fprintf(stderr, offline ? "envgov device offline: takes no argument\n"
                                : "envgov device status: needs the device MN\n");
        return EG_EXIT_USAGE;
    }
    struct eg_err err = {0};
    struct eg_db *st =
        eg__cli_open_existing(offline ? "envgov device offline" : "envgov device status", db);
    if (!st)
        return EG_EXIT_FAIL;
    struct eg_buf b = {0};
    int rc = offline
                 ? eg_devices_offline_json(st, eg_time_now(), (int)multiple, &b, &err)
                 : eg_devices_status_json(st, argv[optind], eg_time_now(), (int)multiple, &b, &err);
    eg_db_close(st);
    if (rc < 0) {
        fprintf(stderr, "envgov device: %s\n", err.msg);
        eg_buf_free(&b);
        return EG_EXIT_FAIL;
    }
    printf("%.*s\n", (int)b.len, b.data);
    eg_buf_free(&b);
    return EG_EXIT_OK;
}

int eg_cmd_device_status(int argc, char **argv)
{
    return status_common(argc, argv, 0);
}
int eg_cmd_device_offline(int argc, char **argv)
{
    return status_common(argc, argv, 1);
}
