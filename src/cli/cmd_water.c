/*
 * cmd_water.c: `envgov water [--lake] [--target CLASS] FILE` — the GB 3838-2002 class of every
 * row of a spreadsheet of surface-water samples (read by src/obs, eg_obs_read_water), the factors
 * worse than the target class and their multiples (超标倍数), by src/quality's single-factor
 * evaluation (eg_quality_water_eval, GB 3838-2002 §5.1).
 */
#include "base/base.h"
#include "base/csv.h"
#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "obs/obs.h"
#include "quality/quality.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char HELP[] =
    "Classifies every row of FILE ('-' or none: standard input), a CSV of surface-water samples,\n"
    "by GB 3838-2002 (single-factor evaluation, §5.1: the worst factor decides) and prints CSV:\n"
    "  line,section,time,class,category,target,over_target,multiples\n"
    "class I..V or 劣V; category 优/良好/轻度污染/中度污染/重度污染; over_target the factors "
    "worse\n"
    "than the target class (超标项目) and multiples their 超标倍数 (C - S) / S against the target\n"
    "class limit, e.g. \"NH3-N(0.35);TP(0.10)\" (none for pH and DO).\n\n"
    "columns, by name in any order (a unit in brackets is ignored: \"COD(mg/L)\"):\n"
    "  section  section, 断面, 断面名称, station, site, code   (optional)\n"
    "  time     time, date, 采样时间, 监测时间, 日期 (Beijing; 2026-03-05 or 2026/3/5 10:00)\n"
    "  factors  pH, DO (溶解氧), CODMn (高锰酸盐指数), COD (化学需氧量), BOD5, NH3-N (氨氮),\n"
    "           TP (总磷), TN (总氮), Cu, Zn, F, Se, As, Hg, Cd, Cr6, Pb, CN, phenol (挥发酚),\n"
    "           oil (石油类), LAS, sulfide, coliform (粪大肠菌群) — mg/L, coliforms 个/L\n"
    "Missing: empty, '-', 'NA'; '0.01L' (below the detection limit) is not evaluated.\n\n"
    "options:\n"
    "  --lake            lakes and reservoirs (湖、库): TP by the lake column, TN evaluated\n"
    "  --target CLASS    target class I..V (default III, the national reporting basis)\n"
    "exit: 0 ok; 1 some input was invalid (rows still printed, problems on stderr); 2 usage.\n";

#define PROG "envgov water"

struct run {
    struct eg_buf out;
    int waterbody, target;
    long rows, bad;
};

static void on_row(void *ctx, const struct eg_obs_water_row *row)
{
    struct run *r = ctx;
    struct eg_quality_water_result res;
    if (eg_quality_water_eval(row->v, r->waterbody, r->target, NULL, &res)) {
        r->bad++;
        return;
    }
    struct eg_buf *b = &r->out;
    eg_buf_printf(b, "%ld,", row->line);
    eg_csv_put(b, row->section, row->section_len, EG_CSV_NEUTRALISE);
    if (row->has_time) {
        char t[32];
        eg_time_format_beijing(row->t, t, sizeof t);
        eg_buf_printf(b, ",%.16s", t);
    } else {
        eg_buf_puts(b, ",");
    }
    eg_buf_printf(b, ",%s,%s,%s,", eg_quality_water_class_name(res.cls),
                  eg_quality_water_class_term(res.cls), eg_quality_water_class_name(r->target));
    char over[512] = "", mult[768] = "";
    size_t ol = 0, ml = 0;
    for (int f = 0; f < EG_QW_FACTORS; f++) {
        if (!(res.over_target & (1u << f)))
            continue;
        const char *name = eg_quality_water_factor_name(f);
        ol += (size_t)snprintf(over + ol, sizeof over - ol, "%s%s", ol ? "," : "", name);
        if (res.multiple[f] > 0)
            ml += (size_t)snprintf(mult + ml, sizeof mult - ml, "%s%s(%.2f)", ml ? ";" : "", name,
                                   res.multiple[f]);
        if (ol >= sizeof over || ml >= sizeof mult)
            break;
    }
    eg_csv_put(b, over, strlen(over), 0);
    eg_buf_puts(b, ",");
    eg_csv_put(b, mult, strlen(mult), 0);
    eg_buf_puts(b, "\n");
    r->rows++;
    if (b->len > (1u << 16)) {
        fwrite(b->data, 1, b->len, stdout);
        b->len = 0;
    }
}

static void on_problem(void *ctx, const char *msg)
{
    struct run *r = ctx;
    if (strstr(msg, "detection limit")) { /* a note, not invalid input */
        fprintf(stderr, PROG ": %s\n", msg);
        return;
    }
    if (r->bad++ < 20)
        fprintf(stderr, "envgov water: %s\n", msg);
}

static int class_parse(const char *s)
{
    static const char *const N[] = {"I", "II", "III", "IV", "V"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, N[i]))
            return i + 1;
    if (s[0] >= '1' && s[0] <= '5' && !s[1])
        return s[0] - '0';
    return -1;
}

int eg_cmd_water(int argc, char **argv)
{
    const struct eg_cli_cmd *self = eg_cli_find("water", NULL);
    struct run r = {{0}, EG_QW_RIVER, 3, 0, 0};
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            eg_cli_usage(self, HELP);
            return EG_EXIT_OK;
        } else if (!strcmp(a, "--lake")) {
            r.waterbody = EG_QW_LAKE;
        } else if (!strcmp(a, "--target")) {
            if (i + 1 >= argc || (r.target = class_parse(argv[i + 1])) < 0) {
                fprintf(stderr, "envgov water: --target wants a class I, II, III, IV or V\n");
                return EG_EXIT_USAGE;
            }
            i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "envgov water: unknown option '%s' (see envgov water --help)\n", a);
            return EG_EXIT_USAGE;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "envgov water: one FILE only\n");
            return EG_EXIT_USAGE;
        }
    }
    size_t len = 0;
    char *data = eg__cli_read_input("envgov water", path ? path : "-", &len);
    if (!data)
        return EG_EXIT_FAIL;
    struct eg_obs_water_sink sink = {on_row, on_problem, &r};
    struct eg_err err;
    eg_err_clear(&err);
    eg_buf_puts(&r.out, "line,section,time,class,category,target,over_target,multiples\n");
    int rc = eg_obs_read_water(data, len, &sink, &err);
    free(data);
    if (rc < 0) {
        eg_buf_free(&r.out);
        fprintf(stderr, "envgov water: %s\n", err.msg);
        return EG_EXIT_FAIL;
    }
    fwrite(r.out.data, 1, r.out.len, stdout);
    fflush(stdout);
    eg_buf_free(&r.out);
    fprintf(stderr, "envgov water: %ld rows classified by GB 3838-2002 (%s)%s\n", r.rows,
            r.waterbody == EG_QW_LAKE ? "lake/reservoir" : "river",
            r.bad ? "; some input was invalid (see above)" : "");
    return r.bad ? EG_EXIT_FAIL : EG_EXIT_OK;
}
