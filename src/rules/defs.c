/*
 * defs.c: the rules as data — name, Chinese name and description, category, default severity,
 * parameters with their default and where the default comes from — and the configuration file
 * that overrides them (INI via Debian's iniparser, as base/config.c), and the instrument ranges
 * (data/rules/ranges.csv, read with base/csv.h).
 *
 * A default marked "configurable, no national figure" is envgov's own choice: no standard sets
 * it, the bureau tunes it in the rules file (docs/rules.md).
 */
#include "rules/rules.h"

#include "base/csv.h"

#include <iniparser/iniparser.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P(n, d, lo, hi, u, src, zh)                                                                \
    {                                                                                              \
        n, d, lo, hi, u, src, zh                                                                   \
    }

const struct eg_rule_def eg_rule_defs[EG_RULE_COUNT] = {
    {EG_RULE_LIMIT_EXCEED,
     "limit_exceed",
     "小时均值超许可排放限值",
     "排放口某污染物的小时均值（废气取折算浓度 Zs）超过排污许可证载明的许可排放浓度限值。",
     "compliance",
     3,
     1,
     0,
     0,
     {{0}}},
    {EG_RULE_LIMIT_RUN,
     "limit_run",
     "连续超标",
     "排放口某污染物连续 N 个小时的小时均值超过许可排放浓度限值。",
     "compliance",
     4,
     1,
     0,
     1,
     {P("hours", 3, 2, 168, "h", "configurable, no national figure (envgov default)",
        "连续超标小时数")}},
    {EG_RULE_DAILY_AMOUNT,
     "daily_amount",
     "日排放量超许可排放量",
     "排放口某污染物当日排放量（各小时排放量 Cou 之和）超过许可年排放量折算的日许可量。",
     "compliance",
     3,
     1,
     0,
     1,
     {P("days_per_year", 365, 1, 366, "d",
        "permit_limits.annual_t spread over the calendar year (HJ 944-2018 annual permitted "
        "amount; a permit that names operating days sets this)",
        "年许可量折算为日许可量的天数")}},
    {EG_RULE_FLATLINE,
     "flatline",
     "数据恒值",
     "监测值长时间保持不变，仪器可能卡滞或数据被篡改。",
     "data",
     2,
     0,
     0,
     2,
     {P("minutes", 120, 10, 10080, "min",
        "configurable, no national figure (HJ 75-2017 / HJ 355-2019 ask for data review but set "
        "no duration)",
        "恒值持续时间"),
      P("epsilon", 0, 0, 1e6, "unit of the value", "exact equality as the instrument reports it",
        "视为相同的最大差值")}},
    {EG_RULE_IMPOSSIBLE,
     "impossible",
     "零值或负值",
     "浓度出现负值，或不可能为零的因子出现零值（标记为正常 N 的数据）。",
     "data",
     2,
     0,
     0,
     1,
     {P("min_count", 5, 1, 10000, "samples",
        "configurable; a single zero can be a real low reading at the detection limit",
        "一个评估窗口内的最少个数")}},
    {EG_RULE_RANGE,
     "out_of_range",
     "超出仪器量程",
     "监测值超出仪器量程（data/rules/ranges.csv），或带 T 标记（HJ 212-2017 表 8 超测上限）。",
     "data",
     2,
     0,
     0,
     1,
     {P("min_count", 3, 1, 10000, "samples", "configurable", "一个评估窗口内的最少个数")}},
    {EG_RULE_JUMP,
     "jump",
     "数据突变",
     "相邻两个监测值之差超过量程的一定比例，工艺过程不可能产生这种跳变。",
     "data",
     2,
     0,
     0,
     2,
     {P("fraction_of_range", 0.5, 0.05, 1, "fraction",
        "configurable, no national figure: half the instrument range within one interval",
        "跳变幅度占量程的比例"),
      P("max_gap_s", 600, 60, 86400, "s", "steps across a gap of data are not jumps",
        "两值之间最长间隔")}},
    {EG_RULE_FLAG_HELD,
     "flag_held",
     "维护/校准/故障标记持续过长",
     "数据标记 M（维护）、C（校准）或 D（故障）持续时间过长（HJ 212-2017 表 8）。",
     "data",
     2,
     0,
     0,
     1,
     {P("minutes", 240, 10, 10080, "min",
        "configurable; HJ 75-2017 §10 calibration runs take well under an hour", "标记持续时间")}},
    {EG_RULE_HUGGING,
     "limit_hugging",
     "数据贴线",
     "小时均值落在限值以下窄带内的次数远多于偶然（单侧二项检验），疑似人为压线。",
     "data",
     3,
     1,
     0,
     4,
     {P("band", 0.1, 0.01, 0.5, "fraction of the limit", "configurable", "限值下方窄带宽度"),
      P("window_days", 7, 1, 60, "d", "configurable", "统计窗口天数"),
      P("min_n", 24, 8, 10000, "hours", "configurable: below it the test has no power",
        "参与检验的最少小时数"),
      P("alpha", 0.001, 1e-9, 0.05, "p-value",
        "configurable; strict, so that an honest series fires about once in a thousand windows",
        "显著性水平")}},
    {EG_RULE_MISSING,
     "missing_data",
     "数据缺失",
     "设备近一段时间的数据传输率低于要求。",
     "data",
     2,
     0,
     1,
     2,
     {P("window_hours", 24, 1, 168, "h", "configurable", "统计窗口小时数"),
      P("min_rate", 0.9, 0.1, 1, "fraction",
        "传输率 90%: the figure of 污染源自动监控设施运行管理办法 (UNCONFIRMED, configurable)",
        "最低数据传输率")}},
    {EG_RULE_OFFLINE,
     "offline",
     "设备离线",
     "设备超过上报间隔的若干倍没有上传数据。",
     "data",
     3,
     0,
     1,
     1,
     {P("multiple", 3, 1, 1000, "x interval",
        "the devices API default (GET /api/v1/devices/offline?multiple=3)", "上报间隔倍数")}},
    {EG_RULE_AQI,
     "aqi_high",
     "空气质量指数超阈值",
     "环境空气站点的实时 AQI 超过阈值。",
     "ambient",
     2,
     0,
     0,
     1,
     {P("threshold", 200, 50, 500, "AQI", "HJ 633-2012 表 2: AQI > 200 is 重度污染 (level 5)",
        "AQI 阈值")}},
    {EG_RULE_WATER_CLASS,
     "water_class",
     "断面水质劣于目标",
     "地表水断面当月水质类别劣于其目标类别（GB 3838-2002 单因子评价）。",
     "ambient",
     2,
     0,
     0,
     0,
     {{0}}},
    {EG_RULE_NOISE_NIGHT,
     "noise_night",
     "夜间噪声超标",
     "声环境监测站夜间等效声级超过其功能区夜间限值（GB 3096-2008 表 1）。",
     "ambient",
     2,
     0,
     0,
     0,
     {{0}}},
};

const struct eg_rule_def *eg_rule_find(const char *name)
{
    for (int i = 0; i < EG_RULE_COUNT; i++)
        if (!strcmp(eg_rule_defs[i].name, name))
            return &eg_rule_defs[i];
    return NULL;
}

void eg_rules_config_default(struct eg_rules_config *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < EG_RULE_COUNT; i++) {
        c->enabled[i] = 1;
        c->severity[i] = eg_rule_defs[i].severity;
        for (int j = 0; j < eg_rule_defs[i].nparams; j++)
            c->p[i][j] = eg_rule_defs[i].params[j].def;
    }
    c->task_severity = 3;
    c->webhook_max_attempts = 8;
    c->webhook_backoff_ms = 2000;
    c->webhook_timeout_ms = 5000;
    c->schedule_ms = 60000;
}

double eg_rules_param(const struct eg_rules_config *c, enum eg_rule_id r, const char *name)
{
    const struct eg_rule_def *d = &eg_rule_defs[r];
    for (int j = 0; j < d->nparams; j++)
        if (!strcmp(d->params[j].name, name))
            return c->p[r][j];
    return NAN;
}

static char ini_msg[256];
static int ini_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ini_msg, sizeof ini_msg, fmt, ap);
    va_end(ap);
    size_t n = strlen(ini_msg);
    while (n && (ini_msg[n - 1] == '\n' || ini_msg[n - 1] == '\r'))
        ini_msg[--n] = 0;
    return 0;
}

static int num(const char *path, const char *key, const char *s, double lo, double hi, double *out,
               struct eg_err *err)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi)
        return eg_err_set(err, EG_EINVAL, "bad_rule_value", -1,
                          "%s: %s = '%s' must be a number in [%g, %g]", path, key, s, lo, hi);
    *out = v;
    return 0;
}

static int copy(const char *path, const char *key, const char *s, char *out, size_t cap,
                struct eg_err *err)
{
    if (strlen(s) >= cap)
        return eg_err_set(err, EG_EINVAL, "bad_rule_value", -1, "%s: %s is longer than %zu bytes",
                          path, key, cap - 1);
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

static int load_key(struct eg_rules_config *c, const char *path, const char *sec, const char *k,
                    const char *val, struct eg_err *err)
{
    char key[160];
    snprintf(key, sizeof key, "[%s] %s", sec, k);
    double v;
    int rc;
    if (!strcmp(sec, "webhook")) {
        if (!strcmp(k, "url")) {
            if (*val && strncmp(val, "http://", 7))
                return eg_err_set(err, EG_EINVAL, "bad_rule_value", -1,
                                  "%s: %s must start with http:// (put a TLS proxy in front for "
                                  "https)",
                                  path, key);
            return copy(path, key, val, c->webhook_url, sizeof c->webhook_url, err);
        }
        if (!strcmp(k, "secret"))
            return copy(path, key, val, c->webhook_secret, sizeof c->webhook_secret, err);
        if (!strcmp(k, "max_attempts")) {
            rc = num(path, key, val, 1, 100, &v, err);
            c->webhook_max_attempts = (int)v;
            return rc;
        }
        if (!strcmp(k, "backoff_ms")) {
            rc = num(path, key, val, 10, 3600000, &v, err);
            c->webhook_backoff_ms = (int64_t)v;
            return rc;
        }
        if (!strcmp(k, "timeout_ms")) {
            rc = num(path, key, val, 100, 600000, &v, err);
            c->webhook_timeout_ms = (int64_t)v;
            return rc;
        }
    } else if (!strcmp(sec, "alerts")) {
        if (!strcmp(k, "task_severity")) {
            rc = num(path, key, val, 0, 4, &v, err);
            c->task_severity = (int)v;
            return rc;
        }
        if (!strcmp(k, "ranges_file"))
            return copy(path, key, val, c->ranges_file, sizeof c->ranges_file, err);
        if (!strcmp(k, "schedule_s")) {
            rc = num(path, key, val, 1, 86400, &v, err);
            c->schedule_ms = (int64_t)v * 1000;
            return rc;
        }
    } else {
        const struct eg_rule_def *d = eg_rule_find(sec);
        if (!d)
            return eg_err_set(err, EG_EINVAL, "unknown_rule", -1,
                              "%s: no rule named [%s] (envgov rules list shows them)", path, sec);
        if (!strcmp(k, "enabled")) {
            rc = num(path, key, val, 0, 1, &v, err);
            c->enabled[d->id] = (int)v;
            return rc;
        }
        if (!strcmp(k, "severity")) {
            rc = num(path, key, val, 1, 4, &v, err);
            c->severity[d->id] = (int)v;
            return rc;
        }
        for (int j = 0; j < d->nparams; j++)
            if (!strcmp(d->params[j].name, k))
                return num(path, key, val, d->params[j].min, d->params[j].max, &c->p[d->id][j],
                           err);
    }
    return eg_err_set(err, EG_EINVAL, "unknown_rule_key", -1,
                      "%s: %s is not a setting (envgov rules list shows them)", path, key);
}

int eg_rules_config_load(struct eg_rules_config *c, const char *path, struct eg_err *err)
{
    ini_msg[0] = 0;
    iniparser_set_error_callback(ini_error);
    dictionary *d = iniparser_load(path);
    iniparser_set_error_callback(NULL);
    if (!d)
        return eg_err_set(err, EG_EINVAL, "bad_rules_file", -1, "cannot read rules file %s: %s",
                          path, ini_msg[0] ? ini_msg : "missing or unreadable");
    int rc = 0;
    int nsec = iniparser_getnsec(d);
    for (int i = 0; i < nsec && !rc; i++) {
        const char *sec = iniparser_getsecname(d, i);
        int nk = iniparser_getsecnkeys(d, sec);
        if (nk <= 0)
            continue;
        const char **keys = eg_calloc((size_t)nk, sizeof *keys);
        iniparser_getseckeys(d, sec, keys);
        size_t sl = strlen(sec);
        for (int j = 0; j < nk && !rc; j++) {
            const char *k = keys[j] + sl + 1; /* "section:key" */
            rc = load_key(c, path, sec, k, iniparser_getstring(d, keys[j], ""), err);
        }
        free(keys);
    }
    iniparser_freedict(d);
    return rc;
}

/* ---- instrument ranges ---- */

int eg_rules_ranges_load(struct eg_rules_ranges *r, const char *csv, size_t len, struct eg_err *err)
{
    memset(r, 0, sizeof *r);
    struct eg_csv c;
    struct eg_csv_limits lim = {.max_bytes = 1 << 20, .max_fields = 16, .max_field = 256};
    int rc = eg_csv_open(&c, csv, len, &lim, err);
    if (rc)
        return rc;
    size_t cap = 0;
    int first = 1;
    while ((rc = eg_csv_next(&c, err)) == 1) {
        if (first) { /* header: pollutant,name_zh,unit,min,max,zero_possible */
            first = 0;
            continue;
        }
        long line = c.rec_line;
        if (c.nfields < 6) {
            rc = eg_err_set(err, EG_EINVAL, "bad_ranges", line,
                            "ranges line %ld: 6 columns wanted (pollutant,name_zh,unit,min,max,"
                            "zero_possible)",
                            line);
            break;
        }
        if (r->n == cap) {
            cap = cap ? cap * 2 : 32;
            r->v = eg_realloc(r->v, cap * sizeof *r->v);
        }
        struct eg_rules_range *x = &r->v[r->n];
        size_t n0, n3, n4, n5;
        const char *code = eg_csv_field(&c, 0, &n0);
        const char *a = eg_csv_field(&c, 3, &n3), *b = eg_csv_field(&c, 4, &n4);
        const char *z = eg_csv_field(&c, 5, &n5);
        char *e1, *e2;
        x->min = strtod(a, &e1);
        x->max = strtod(b, &e2);
        x->zero_possible = n5 == 1 && z[0] == '1';
        int code_ok = n0 >= 1 && n0 < sizeof x->pollutant;
        for (size_t i = 0; code_ok && i < n0; i++) /* an HJ 212 code: [A-Za-z0-9_] */
            code_ok = (code[i] >= '0' && code[i] <= '9') || (code[i] >= 'A' && code[i] <= 'Z') ||
                      (code[i] >= 'a' && code[i] <= 'z') || code[i] == '_';
        if (!code_ok || n3 == 0 || e1 != a + n3 || n4 == 0 || e2 != b + n4 || !isfinite(x->min) ||
            !isfinite(x->max) || !(x->min < x->max)) {
            rc = eg_err_set(err, EG_EINVAL, "bad_ranges", line,
                            "ranges line %ld: a pollutant code (1-16 of A-Z a-z 0-9 _), then "
                            "min < max as numbers",
                            line);
            break;
        }
        memcpy(x->pollutant, code, n0 + 1);
        r->n++;
    }
    eg_csv_close(&c);
    if (rc < 0) {
        eg_rules_ranges_free(r);
        return rc;
    }
    return 0;
}

const struct eg_rules_range *eg_rules_range_of(const struct eg_rules_ranges *r,
                                               const char *pollutant)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].pollutant, pollutant))
            return &r->v[i];
    return NULL;
}

void eg_rules_ranges_free(struct eg_rules_ranges *r)
{
    free(r->v);
    r->v = NULL;
    r->n = 0;
}
