/*
 * cmd_water.c: `envgov water [--lake] [--target CLASS] FILE` — the GB 3838-2002 class of every
 * row of a spreadsheet of surface-water samples (read by src/obs, eg_obs_read_water), the factors
 * worse than the target class and their multiples (超标倍数), by src/quality's single-factor
 * evaluation (eg_quality_water_eval, GB 3838-2002 §5.1).
 */
#include "base/base.h"
#include "base/csv.h"
#include "cli/cli.h"
#include "cli/cli_samples.h"
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

struct run {
    struct eg__samples s; /* first: the shared callbacks get the run as theirs */
    int waterbody, target;
};

static void on_row(void *ctx, const struct eg_obs_water_row *row)
{
    struct run *r = ctx;
    struct eg_quality_water_result res;
    if (eg_quality_water_eval(row->v, r->waterbody, r->target, NULL, &res)) {
        r->s.bad++;
        return;
    }
    struct eg_buf *b = &r->s.out;
    eg__samples_row_start(&r->s, row->line, row->section, row->section_len, row->has_time, row->t);
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
    eg__samples_row_end(&r->s);
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

static int set_lake(void *run, const char *v)
{
    (void)v;
    ((struct run *)run)->waterbody = EG_QW_LAKE;
    return 0;
}

static int set_target(void *run, const char *v)
{
    return (((struct run *)run)->target = class_parse(v)) < 0 ? -1 : 0;
}

static int read_water(const char *data, size_t len, void *run, struct eg_err *err)
{
    struct eg_obs_water_sink sink = {on_row, eg__samples_problem, run};
    return eg_obs_read_water(data, len, &sink, err);
}

int eg_cmd_water(int argc, char **argv)
{
    static const struct eg__samples_opt opts[] = {
        {.flag = "--lake", .set = set_lake, .usage = "--lake takes no value"},
        {.flag = "--target",
         .set = set_target,
         .usage = "--target wants a class I, II, III, IV or V",
         .takes_value = 1},
    };
    struct run r = {.s = {.prog = "envgov water"}, .waterbody = EG_QW_RIVER, .target = 3};
    const char *path;
    int rc = eg__samples_args(argc, argv, eg_cli_find("water", NULL), HELP, opts,
                              (int)EG_ARRAY_LEN(opts), &r, &path);
    if (rc >= 0)
        return rc;
    if ((rc = eg__samples_run(&r.s, path,
                              "line,section,time,class,category,target,over_target,multiples\n",
                              read_water, &r)))
        return rc;
    fprintf(stderr, "envgov water: %ld rows classified by GB 3838-2002 (%s)%s\n", r.s.rows,
            r.waterbody == EG_QW_LAKE ? "lake/reservoir" : "river",
            r.s.bad ? "; some input was invalid (see above)" : "");
    return r.s.bad ? EG_EXIT_FAIL : EG_EXIT_OK;
}
