/*
 * cmd_noise.c: `envgov noise [--zone Z] FILE` — day and night compliance of every row of a
 * spreadsheet of noise levels (read by src/obs, eg_obs_read_noise) with the GB 3096-2008 limits
 * of its functional zone (Table 1, §5.4 night maximum), by src/quality (eg_quality_noise_check).
 */
#include "base/base.h"
#include "base/csv.h"
#include "cli/cli.h"
#include "cli/cli_samples.h"
#include "obs/obs.h"
#include "quality/quality.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char HELP[] =
    "Checks every row of FILE ('-' or none: standard input), a CSV of noise levels in dB(A),\n"
    "against the limits of its GB 3096-2008 functional zone (Table 1) and prints CSV:\n"
    "  line,station,time,zone,ld,ln,lmax,day_limit,night_limit,day_ok,night_ok,day_over,\n"
    "  night_over,lmax_ok,result\n"
    "day_ok/night_ok 1 complies, 0 exceeds, empty without a level; *_over the level minus the\n"
    "limit (超标量, negative: the margin); lmax_ok the night maximum against the night limit\n"
    "+ 15 dB (§5.4); result 达标, 昼间超标, 夜间超标 or 昼夜超标.\n\n"
    "columns, by name in any order (a unit in brackets is ignored: \"Ld(dB)\"):\n"
    "  station  station, 点位, 点位名称, 测点, site, code            (optional)\n"
    "  time     time, date, 监测时间, 日期 (Beijing)                 (needed with leq)\n"
    "  zone     zone, 功能区, 功能区类别: 0 1 2 3 4a 4b (or 4a类)     (else --zone)\n"
    "  ld, ln   昼间 / 夜间 equivalent levels (Ld 06:00-22:00, Ln 22:00-06:00, §3.3)\n"
    "  lmax     夜间最大声级 (optional)\n"
    "  leq      an hourly equivalent level: day or night by the hour of its time\n\n"
    "options:\n"
    "  --zone Z          zone of rows without one (0 1 2 3 4a 4b)\n"
    "exit: 0 ok; 1 some input was invalid (rows still printed, problems on stderr); 2 usage.\n";

struct run {
    struct eg__samples s; /* first: the shared callbacks get the run as theirs */
    int zone;
};

static void put_num(struct eg_buf *b, double v)
{
    if (isnan(v))
        eg_buf_puts(b, ",");
    else
        eg_buf_printf(b, ",%.1f", v);
}

static void put_ok(struct eg_buf *b, int ok)
{
    if (ok < 0)
        eg_buf_puts(b, ",");
    else
        eg_buf_printf(b, ",%d", ok);
}

static void on_row(void *ctx, const struct eg_obs_noise_row *row)
{
    struct run *r = ctx;
    int zone = row->zone >= 0 ? row->zone : r->zone;
    int dl, nl;
    if (zone < 0 || eg_quality_noise_limits(zone, &dl, &nl)) {
        char m[96];
        snprintf(m, sizeof m, "line %ld: no GB 3096 zone (give a zone column or --zone)",
                 row->line);
        eg__samples_problem(r, m);
        return;
    }
    double ld = row->ld, ln = row->ln;
    if (!isnan(row->leq) && row->has_time && isnan(ld) && isnan(ln)) {
        struct eg_civil c; /* GB 3096-2008 §3.3: 昼间 06:00-22:00, 夜间 22:00-06:00 */
        eg_time_to_beijing(row->t, &c);
        if (c.hour >= 6 && c.hour < 22)
            ld = row->leq;
        else
            ln = row->leq;
    }
    struct eg_quality_noise_result res;
    eg_quality_noise_check(zone, ld, ln, row->lmax, &res);
    struct eg_buf *b = &r->s.out;
    eg__samples_row_start(&r->s, row->line, row->station, row->station_len, row->has_time, row->t);
    eg_buf_printf(b, ",%s", eg_quality_noise_zone_name(zone));
    put_num(b, ld);
    put_num(b, ln);
    put_num(b, row->lmax);
    eg_buf_printf(b, ",%d,%d", dl, nl);
    put_ok(b, res.day_ok);
    put_ok(b, res.night_ok);
    put_num(b, res.day_ok < 0 ? NAN : res.day_over);
    put_num(b, res.night_ok < 0 ? NAN : res.night_over);
    put_ok(b, res.lmax_ok);
    const char *verdict = res.day_ok == 0 && res.night_ok == 0 ? "昼夜超标"
                          : res.day_ok == 0                    ? "昼间超标"
                          : res.night_ok == 0                  ? "夜间超标"
                                                               : "达标";
    eg_buf_printf(b, ",%s\n", verdict);
    eg__samples_row_end(&r->s);
}

static int set_zone(void *run, const char *v)
{
    return (((struct run *)run)->zone = eg_quality_noise_zone_parse(v)) < 0 ? -1 : 0;
}

static int read_noise(const char *data, size_t len, void *run, struct eg_err *err)
{
    struct eg_obs_noise_sink sink = {on_row, eg__samples_problem, run};
    return eg_obs_read_noise(data, len, &sink, err);
}

int eg_cmd_noise(int argc, char **argv)
{
    static const struct eg__samples_opt opts[] = {
        {.flag = "--zone",
         .set = set_zone,
         .usage = "--zone wants 0, 1, 2, 3, 4a or 4b",
         .takes_value = 1},
    };
    struct run r = {.s = {.prog = "envgov noise"}, .zone = -1};
    const char *path;
    int rc = eg__samples_args(argc, argv, eg_cli_find("noise", NULL), HELP, opts,
                              (int)EG_ARRAY_LEN(opts), &r, &path);
    if (rc >= 0)
        return rc;
    if ((rc = eg__samples_run(&r.s, path,
                              "line,station,time,zone,ld,ln,lmax,day_limit,night_limit,day_ok,"
                              "night_ok,day_over,night_over,lmax_ok,result\n",
                              read_noise, &r)))
        return rc;
    fprintf(stderr, "envgov noise: %ld rows checked against GB 3096-2008%s\n", r.s.rows,
            r.s.bad ? "; some input was invalid (see above)" : "");
    return r.s.bad ? EG_EXIT_FAIL : EG_EXIT_OK;
}
