/*
 * cmd_noise.c: `envgov noise [--zone Z] FILE` — day and night compliance of every row of a
 * spreadsheet of noise levels (read by src/obs, eg_obs_read_noise) with the GB 3096-2008 limits
 * of its functional zone (Table 1, §5.4 night maximum), by src/quality (eg_quality_noise_check).
 */
#include "base/base.h"
#include "base/csv.h"
#include "cli/cli.h"
#include "cli/cli_opts.h"
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

#define PROG "envgov noise"

struct run {
    struct eg_buf out;
    int zone;
    long rows, bad;
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

static void on_problem(void *ctx, const char *msg)
{
    struct run *r = ctx;
    if (strstr(msg, "detection limit")) { /* a note, not invalid input */
        fprintf(stderr, PROG ": %s\n", msg);
        return;
    }
    if (r->bad++ < 20)
        fprintf(stderr, "envgov noise: %s\n", msg);
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
        on_problem(r, m);
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
    struct eg_buf *b = &r->out;
    eg_buf_printf(b, "%ld,", row->line);
    eg_csv_put(b, row->station, row->station_len, EG_CSV_NEUTRALISE);
    if (row->has_time) {
        char t[32];
        eg_time_format_beijing(row->t, t, sizeof t);
        eg_buf_printf(b, ",%.16s", t);
    } else {
        eg_buf_puts(b, ",");
    }
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
    r->rows++;
    if (b->len > (1u << 16)) {
        fwrite(b->data, 1, b->len, stdout);
        b->len = 0;
    }
}

int eg_cmd_noise(int argc, char **argv)
{
    const struct eg_cli_cmd *self = eg_cli_find("noise", NULL);
    struct run r = {{0}, -1, 0, 0};
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            eg_cli_usage(self, HELP);
            return EG_EXIT_OK;
        } else if (!strcmp(a, "--zone")) {
            if (i + 1 >= argc || (r.zone = eg_quality_noise_zone_parse(argv[i + 1])) < 0) {
                fprintf(stderr, "envgov noise: --zone wants 0, 1, 2, 3, 4a or 4b\n");
                return EG_EXIT_USAGE;
            }
            i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "envgov noise: unknown option '%s' (see envgov noise --help)\n", a);
            return EG_EXIT_USAGE;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "envgov noise: one FILE only\n");
            return EG_EXIT_USAGE;
        }
    }
    size_t len = 0;
    char *data = eg__cli_read_input("envgov noise", path ? path : "-", &len);
    if (!data)
        return EG_EXIT_FAIL;
    struct eg_obs_noise_sink sink = {on_row, on_problem, &r};
    struct eg_err err;
    eg_err_clear(&err);
    eg_buf_puts(&r.out, "line,station,time,zone,ld,ln,lmax,day_limit,night_limit,day_ok,"
                        "night_ok,day_over,night_over,lmax_ok,result\n");
    int rc = eg_obs_read_noise(data, len, &sink, &err);
    free(data);
    if (rc < 0) {
        eg_buf_free(&r.out);
        fprintf(stderr, "envgov noise: %s\n", err.msg);
        return EG_EXIT_FAIL;
    }
    fwrite(r.out.data, 1, r.out.len, stdout);
    fflush(stdout);
    eg_buf_free(&r.out);
    fprintf(stderr, "envgov noise: %ld rows checked against GB 3096-2008%s\n", r.rows,
            r.bad ? "; some input was invalid (see above)" : "");
    return r.bad ? EG_EXIT_FAIL : EG_EXIT_OK;
}
