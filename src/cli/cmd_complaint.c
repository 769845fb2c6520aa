/*
 * cmd_complaint.c: `envgov complaint VERB` — complaints and stewards' checklists from the
 * command line (intake/intake.h):
 *   envgov complaint locate --lat Y --long X [--gcj02] [--db PATH]   the street of a point
 *   envgov complaint status RECEIPT [--db PATH]       what the public sees of a complaint
 *   envgov complaint checklist FILE…                  check checklist files (file:line: field)
 *   envgov complaint checklists                       the embedded checklists as JSON
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "intake/intake.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char HELP[] =
    "verbs:\n"
    "  locate --lat Y --long X [--gcj02] [--region CODE]\n"
    "                   the street (街镇) a point lies in, by the embedded street boundaries\n"
    "                   (OpenStreetMap, WGS-84; --gcj02 converts 高德/腾讯 coordinates first)\n"
    "  status RECEIPT   a complaint's state and published result, as the public sees it\n"
    "  checklist FILE…  check stewards' checklist files; errors name file, line and field\n"
    "  checklists       the embedded checklists (JSON)\n"
    "\n"
    "options:\n" EG_CLI_DB_HELP "exit: 0 ok; 1 not found or invalid; 2 usage.\n";

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2));
    if (s)
        printf("%s\n", s);
    free(s);
}

static int fail(const char *verb, const struct eg_err *err)
{
    fprintf(stderr, "envgov complaint %s: %s\n", verb, err->msg);
    return EG_EXIT_FAIL;
}

static int checklist_files(int argc, char **argv)
{
    int bad = 0;
    for (int i = 0; i < argc; i++) {
        size_t n = 0;
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "%s: cannot open\n", argv[i]);
            bad = 1;
            continue;
        }
        char *buf = eg_malloc(EG_CHECKLIST_MAX_BYTES + 1);
        n = fread(buf, 1, EG_CHECKLIST_MAX_BYTES + 1, f);
        fclose(f);
        struct eg_checklist *c = NULL;
        struct eg_err err = {0};
        if (eg_checklist_parse(argv[i], buf, n, &c, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            bad = 1;
        } else {
            printf("%s: ok: %s %s, %d items, %d severities\n", argv[i], c->code, c->title_zh,
                   c->nitems, c->nsev);
        }
        eg_checklist_free(c);
        free(buf);
    }
    return bad ? EG_EXIT_FAIL : EG_EXIT_OK;
}

int eg_cmd_complaint(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"lat", required_argument, 0, 'y'},
                                         {"long", required_argument, 0, 'x'},
                                         {"region", required_argument, 0, 'r'},
                                         {"gcj02", no_argument, 0, 'g'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *lat = NULL, *lon = NULL, *region = NULL;
    int gcj = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'y':
            lat = optarg;
            break;
        case 'x':
            lon = optarg;
            break;
        case 'r':
            region = optarg;
            break;
        case 'g':
            gcj = 1;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("complaint", NULL), HELP);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "envgov complaint: a verb is needed (see --help)\n");
        return EG_EXIT_USAGE;
    }
    const char *verb = argv[optind++];
    struct eg_err err = {0};
    if (!strcmp(verb, "checklist")) {
        if (optind >= argc) {
            fprintf(stderr, "envgov complaint checklist: name the files to check\n");
            return EG_EXIT_USAGE;
        }
        return checklist_files(argc - optind, argv + optind);
    }
    if (!strcmp(verb, "checklists")) {
        json_t *all;
        if (eg_checklists_json(&all, &err))
            return fail(verb, &err);
        print_json(all);
        json_decref(all);
        return EG_EXIT_OK;
    }
    if (strcmp(verb, "locate") && strcmp(verb, "status")) {
        fprintf(stderr, "envgov complaint: unknown verb '%s' (see --help)\n", verb);
        return EG_EXIT_USAGE;
    }
    if (!strcmp(verb, "status") && optind != argc - 1) {
        fprintf(stderr, "usage: envgov complaint status RECEIPT [--db PATH]\n");
        return EG_EXIT_USAGE;
    }
    if (!strcmp(verb, "locate") && (optind != argc || (!region && (!lat || !lon)))) {
        fprintf(stderr, "usage: envgov complaint locate --lat Y --long X [--gcj02] [--region "
                        "CODE] [--db PATH]\n");
        return EG_EXIT_USAGE;
    }
    struct eg_db *st = eg__cli_open(eg__cli_db_path(db));
    if (!st)
        return EG_EXIT_FAIL;
    int rc;
    json_t *out = NULL;
    if (!strcmp(verb, "status")) {
        rc = eg_complaint_status(st, argv[optind], &out, &err);
    } else {
        json_t *in = json_pack("{s:s,s:s}", "kind", "other", "description", "-");
        if (lat)
            json_object_set_new(in, "lat", json_string(lat));
        if (lon)
            json_object_set_new(in, "long", json_string(lon));
        if (region)
            json_object_set_new(in, "region", json_string(region));
        if (gcj)
            json_object_set_new(in, "coord_system", json_string("gcj02"));
        struct eg_intake_input v;
        struct eg_intake_place pl;
        rc = eg_intake_validate(in, &v, &err);
        if (!rc)
            rc = eg_intake_locate(st, &v, &pl, &err);
        if (!rc)
            out = json_pack("{s:s,s:s,s:s,s:f,s:f}", "region", pl.region_code, "street",
                            pl.street_code, "street_name", pl.street_name, "lon_wgs84", v.lon,
                            "lat_wgs84", v.lat);
        json_decref(in);
    }
    eg_db_close(st);
    if (rc)
        return fail(verb, &err);
    print_json(out);
    json_decref(out);
    return EG_EXIT_OK;
}
