/*
 * cmd_pilot.c: `envgov pilot` — the pilot-demonstration catalogue and the scoring of a round's
 * applications from files (issue 14 items 1, 3, 4), without a database:
 *
 *   envgov pilot catalogue [FILE]     check a catalogue (the embedded 2021 one by default) and
 *                                     print its kinds with the number of items of each section
 *   envgov pilot score FILE [--catalogue FILE] [--rule mean|trimmed] [--quota KIND=N]…
 *                      [--min-total X] [--list OUT] [--sheet OUT]
 *                                     score, rank and cut a round file (data/pilot/ format);
 *                                     print per kind applied/eligible/recommended as JSON, and
 *                                     write the 附表 list and the score sheet (.csv or .xlsx by
 *                                     the name)
 * Rounds kept in the database are served by the HTTP API (/api/v1/pilot/…).
 */
#include "cli/cli.h"
#include "plans/plans.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (4u << 20)

static char *slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    struct eg_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= MAX_FILE)
        eg_buf_append(&b, chunk, n);
    if (f != stdin)
        fclose(f);
    eg_buf_append(&b, "", 1);
    *len = b.len - 1;
    return b.data;
}

static int load_catalogue(const char *file, struct eg_pilot_catalogue **cat)
{
    struct eg_err err;
    int rc;
    if (!file) {
        rc = eg_pilot_catalogue_load("pilot/catalogue_2021.tsv", cat, &err);
    } else {
        size_t len;
        char *data = slurp(file, &len);
        if (!data) {
            fprintf(stderr, "envgov pilot: cannot read %s\n", file);
            return -1;
        }
        rc = eg_pilot_catalogue_parse(data, len, file, cat, &err);
        free(data);
    }
    if (rc < 0)
        fprintf(stderr, "envgov pilot: %s\n", err.msg);
    return rc;
}

static int cmd_catalogue(int argc, char **argv)
{
    struct eg_pilot_catalogue *cat;
    if (load_catalogue(argc > 1 ? argv[1] : NULL, &cat) < 0)
        return EG_EXIT_FAIL;
    json_t *a = json_array();
    for (int k = 0; k < cat->nkinds; k++) {
        const struct eg_pilot_kind *kd = &cat->kinds[k];
        json_array_append_new(a, json_pack("{s:s,s:s,s:i,s:i,s:i}", "code", kd->code, "label_zh",
                                           kd->label_zh, "conditions", kd->nconditions, "mandatory",
                                           kd->nmandatory, "innovation", kd->ninnovation));
    }
    char *s = json_dumps(a, JSON_INDENT(2));
    puts(s);
    free(s);
    json_decref(a);
    eg_pilot_catalogue_free(cat);
    return EG_EXIT_OK;
}

static int write_out(const char *path, const struct eg_buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->data, 1, b->len, f) != b->len) {
        if (f)
            fclose(f);
        fprintf(stderr, "envgov pilot: cannot write %s\n", path);
        return -1;
    }
    return fclose(f) ? -1 : 0;
}

static int is_xlsx(const char *path)
{
    size_t n = strlen(path);
    return n > 5 && !strcmp(path + n - 5, ".xlsx");
}

static int cmd_score(int argc, char **argv)
{
    static const struct option opts[] = {{"catalogue", required_argument, 0, 'c'},
                                         {"rule", required_argument, 0, 'r'},
                                         {"quota", required_argument, 0, 'q'},
                                         {"min-total", required_argument, 0, 'm'},
                                         {"list", required_argument, 0, 'l'},
                                         {"sheet", required_argument, 0, 's'},
                                         {"title", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *catfile = NULL, *list = NULL, *sheet = NULL,
               *title = "现代环境治理体系试点示范建议名单";
    enum eg_pilot_rule rule = EG_PILOT_MEAN;
    struct eg_pilot_quota quotas[EG_PILOT_MAX_KINDS];
    char qkinds[EG_PILOT_MAX_KINDS][32];
    int nq = 0;
    double min_total = 0;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            catfile = optarg;
            break;
        case 'r':
            if (eg_pilot_rule_parse(optarg, &rule) < 0) {
                fprintf(stderr, "envgov pilot score: --rule mean or trimmed\n");
                return EG_EXIT_USAGE;
            }
            break;
        case 'q': {
            const char *eq = strchr(optarg, '=');
            int64_t v;
            if (!eq || nq == EG_PILOT_MAX_KINDS || (size_t)(eq - optarg) >= sizeof qkinds[0] ||
                eg_parse_int64(eq + 1, strlen(eq + 1), &v) < 0 || v < 0 || v > 10000) {
                fprintf(stderr, "envgov pilot score: --quota KIND=N, e.g. --quota enterprise=10\n");
                return EG_EXIT_USAGE;
            }
            memcpy(qkinds[nq], optarg, (size_t)(eq - optarg));
            qkinds[nq][eq - optarg] = '\0';
            quotas[nq] = (struct eg_pilot_quota){qkinds[nq], (int)v};
            nq++;
            break;
        }
        case 'm':
            if (eg_parse_double(optarg, strlen(optarg), &min_total) < 0) {
                fprintf(stderr, "envgov pilot score: --min-total a number\n");
                return EG_EXIT_USAGE;
            }
            break;
        case 'l':
            list = optarg;
            break;
        case 's':
            sheet = optarg;
            break;
        case 't':
            title = optarg;
            break;
        default:
            fprintf(stderr, "usage: envgov pilot score FILE [--catalogue FILE] [--rule "
                            "mean|trimmed] [--quota KIND=N]… [--min-total X] [--list OUT] "
                            "[--sheet OUT] [--title TEXT]\n");
            return c == 'h' ? EG_EXIT_OK : EG_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "envgov pilot score: one round file (or -) is needed\n");
        return EG_EXIT_USAGE;
    }
    struct eg_pilot_catalogue *cat;
    if (load_catalogue(catfile, &cat) < 0)
        return EG_EXIT_FAIL;
    size_t len;
    char *data = slurp(argv[optind], &len);
    if (!data) {
        fprintf(stderr, "envgov pilot score: cannot read %s\n", argv[optind]);
        eg_pilot_catalogue_free(cat);
        return EG_EXIT_FAIL;
    }
    struct eg_err err;
    struct eg_pilot_round_file *rf = NULL;
    int rc = eg_pilot_round_parse(cat, data, len, argv[optind], &rf, &err);
    free(data);
    struct eg_pilot_result *res = NULL;
    if (rc == 0) {
        res = calloc((size_t)rf->napps + 1, sizeof *res);
        for (int i = 0; i < rf->napps && rc == 0; i++)
            if ((rc = eg_pilot_score(cat, &rf->apps[i], rule, &res[i], &err)) < 0)
                fprintf(stderr, "envgov pilot score: %s: %s\n", rf->apps[i].unit, err.msg);
    } else {
        fprintf(stderr, "envgov pilot score: %s\n", err.msg);
    }
    if (rc == 0) {
        eg_pilot_rank(rf->apps, res, rf->napps, quotas, nq, min_total);
        json_t *kinds = json_object();
        for (int k = 0; k < cat->nkinds; k++) {
            int n = 0, el = 0, rec = 0;
            for (int i = 0; i < rf->napps; i++)
                if (!strcmp(rf->apps[i].kind, cat->kinds[k].code)) {
                    n++;
                    el += res[i].eligible;
                    rec += res[i].recommended;
                }
            json_object_set_new(kinds, cat->kinds[k].code,
                                json_pack("{s:s,s:i,s:i,s:i}", "label_zh", cat->kinds[k].label_zh,
                                          "applied", n, "eligible", el, "recommended", rec));
        }
        json_t *o = json_pack("{s:i,s:s,s:o}", "applications", rf->napps, "rule",
                              eg_pilot_rule_name(rule), "kinds", kinds);
        char *s = json_dumps(o, JSON_INDENT(2));
        puts(s);
        free(s);
        json_decref(o);
        struct eg_buf b = {0};
        if (list) {
            rc = is_xlsx(list) ? eg_pilot_list_xlsx(cat, title, rf->apps, res, rf->napps, &b, &err)
                               : eg_pilot_list_csv(cat, title, rf->apps, res, rf->napps, &b, &err);
            if (rc == 0)
                rc = write_out(list, &b);
        }
        b.len = 0;
        if (sheet && rc == 0) {
            rc = is_xlsx(sheet) ? eg_pilot_sheet_xlsx(cat, rule, rf->apps, res, rf->napps, &b, &err)
                                : eg_pilot_sheet_csv(cat, rule, rf->apps, res, rf->napps, &b, &err);
            if (rc == 0)
                rc = write_out(sheet, &b);
        }
        eg_buf_free(&b);
    }
    free(res);
    eg_pilot_round_free(rf);
    eg_pilot_catalogue_free(cat);
    return rc == 0 ? EG_EXIT_OK : EG_EXIT_FAIL;
}

int eg_cmd_pilot(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "catalogue"))
        return cmd_catalogue(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "score"))
        return cmd_score(argc - 1, argv + 1);
    fprintf(stderr, "usage: envgov pilot catalogue [FILE]\n"
                    "       envgov pilot score FILE [--catalogue FILE] [--rule mean|trimmed] "
                    "[--quota KIND=N]… [--min-total X] [--list OUT] [--sheet OUT]\n");
    return argc >= 2 && !strcmp(argv[1], "--help") ? EG_EXIT_OK : EG_EXIT_USAGE;
}
