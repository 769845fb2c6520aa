/*
 * api_alerts.c: the rules and their alerts over HTTP (src/rules/, issue 12 items 3 and 7).
 *
 *   GET  /api/v1/rules                    the rules: name, Chinese name and description,
 *                                         parameters with defaults and their source
 *   GET  /api/v1/alerts                   alerts, newest first; ?state=open|acknowledged|closed|
 *                                         live &rule= &unit= &region= &source= &limit= &cursor=;
 *                                         ?format=csv|xlsx
 *   GET  /api/v1/alerts/{id}              one alert with its evidence
 *   POST /api/v1/alerts/{id}/acknowledge  open -> acknowledged
 *   POST /api/v1/alerts/{id}/close        {"reason": "…"} -> closed (a reason is required)
 *
 * Who sees what is decided in rules/alerts.c on the registry's row scope: admin and bureau all,
 * a street the alerts of units and stations in its region, an enterprise its own unit's, the
 * public none (401). Acknowledging and closing: admin, bureau and street officers.
 */
#include "http/http_internal.h"
#include "rules/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int h_rules(struct eg_http_req *rq)
{
    struct eg_rules_config c;
    eg_rules_config_default(&c);
    json_t *items = json_array();
    for (int i = 0; i < EG_RULE_COUNT; i++) {
        const struct eg_rule_def *d = &eg_rule_defs[i];
        json_t *ps = json_array();
        for (int j = 0; j < d->nparams; j++) {
            const struct eg_rule_param *p = &d->params[j];
            json_array_append_new(ps,
                                  json_pack("{s:s,s:f,s:f,s:f,s:s,s:s,s:s}", "name", p->name,
                                            "default", p->def, "min", p->min, "max", p->max, "unit",
                                            p->unit, "source", p->source, "label_zh", p->text_zh));
        }
        json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:s,s:i,s:b,s:b,s:o}", "name", d->name,
                                               "name_zh", d->name_zh, "description_zh", d->desc_zh,
                                               "category", d->category, "severity", d->severity,
                                               "compliance", d->compliance, "scheduled",
                                               d->scheduled, "params", ps));
    }
    return eg_http_reply_json(
        rq, 200, json_pack("{s:o,s:i}", "items", items, "task_severity", c.task_severity));
}

/* An argument through the route's table: 0, or a negative EG_E* (err filled). */
static int arg_int(struct eg_http_req *rq, const char *name, int64_t *out)
{
    int rc = eg_http_arg_int(rq, name, out);
    return rc < 0 ? rc : 0;
}

static int arg_str(struct eg_http_req *rq, const char *name, const char **out)
{
    *out = NULL;
    int rc = eg_http_arg_str(rq, name, out);
    return rc < 0 ? rc : 0;
}

static int h_list(struct eg_http_req *rq)
{
    struct eg_db *st;
    struct eg_alerts_filter f = {0};
    int64_t limit = 100;
    const char *format = NULL;
    int rc = arg_str(rq, "state", &f.state);
    if (!rc)
        rc = arg_str(rq, "rule", &f.rule);
    if (!rc)
        rc = arg_str(rq, "source", &f.source);
    if (!rc)
        rc = arg_int(rq, "limit", &limit);
    f.limit = (int)limit;
    if (!rc)
        rc = arg_int(rq, "unit", &f.unit_id);
    if (!rc)
        rc = arg_int(rq, "region", &f.region_id);
    if (!rc)
        rc = arg_int(rq, "permit_id", &f.permit_id);
    if (!rc)
        rc = arg_int(rq, "cursor", &f.before_id);
    if (!rc) /* checked by the table; eg_http_reply_list answers in it */
        rc = arg_str(rq, "format", &format);
    if (!rc)
        rc = eg_http_store(rq, &st);
    json_t *items = NULL;
    if (!rc)
        rc = eg_alerts_list(st, eg_http_principal(rq), &f, &items, eg_http_err(rq));
    if (rc)
        return rc;
    /* flat columns for the exports */
    size_t i;
    json_t *a;
    json_array_foreach(items, i, a)
    {
        json_t *ev = json_object_get(a, "evidence");
        json_t *v = json_object_get(ev, "value");
        json_t *lim = json_object_get(json_object_get(ev, "limit"), "value");
        json_object_set(a, "value", v ? v : json_null());
        json_object_set(a, "limit", lim ? lim : json_null());
    }
    char next[24] = "";
    if (json_array_size(items) == (size_t)f.limit)
        snprintf(next, sizeof next, "%lld",
                 (long long)json_integer_value(
                     json_object_get(json_array_get(items, json_array_size(items) - 1), "id")));
    static const struct eg_http_column cols[] = {
        {.name = "id", .label_zh = "编号"},
        {.name = "rule_zh", .label_zh = "规则"},
        {.name = "title", .label_zh = "告警"},
        {.name = "source", .label_zh = "设备/站点"},
        {.name = "pollutant", .label_zh = "污染物"},
        {.name = "value", .label_zh = "监测值"},
        {.name = "limit", .label_zh = "限值"},
        {.name = "permit_id", .label_zh = "排污许可证(记录编号)"},
        {.name = "severity", .label_zh = "级别"},
        {.name = "state_zh", .label_zh = "状态"},
        {.name = "opened_at", .label_zh = "产生时间(北京时间)"},
        {.name = "last_seen_at", .label_zh = "最近一次(北京时间)"},
        {.name = "hits", .label_zh = "次数"},
        {.name = "closed_at", .label_zh = "关闭时间(北京时间)"},
        {.name = "close_reason", .label_zh = "关闭原因"},
    };
    return eg_http_reply_list(rq, "告警", "alerts", cols, EG_ARRAY_LEN(cols), items,
                              next[0] ? next : NULL);
}

static int h_get(struct eg_http_req *rq)
{
    struct eg_db *st;
    int64_t id;
    int rc = arg_int(rq, "id", &id);
    if (!rc)
        rc = eg_http_store(rq, &st);
    json_t *a = NULL;
    if (!rc)
        rc = eg_alerts_get(st, eg_http_principal(rq), id, &a, eg_http_err(rq));
    return rc ? rc : eg_http_reply_json(rq, 200, a);
}

/* A webhook hears of people's transitions when serve has one configured. */
static int with_outbox(struct eg_http_req *rq)
{
    struct eg_app *app = eg_http_app(rq);
    if (!app || !app->cfg)
        return 0;
    const char *url = eg_config_get(app->cfg, "rules.webhook_url");
    const char *file = eg_config_get(app->cfg, "rules.file");
    return (url && *url) || (file && *file);
}

static int transition(struct eg_http_req *rq, const char *action)
{
    struct eg_db *st;
    int64_t id;
    json_t *body = NULL;
    int rc = arg_int(rq, "id", &id);
    if (!rc && !strcmp(action, "close"))
        rc = eg_http_body_json(rq, &body);
    if (rc)
        return rc;
    const char *reason = NULL;
    if (body) {
        json_t *r = json_object_get(body, "reason");
        if (r && !json_is_string(r))
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "reason", -1,
                              "reason must be a string: {\"reason\": \"现场核查情况…\"}");
        reason = r ? json_string_value(r) : NULL;
    }
    rc = eg_http_store(rq, &st);
    if (!rc)
        rc = eg_alerts_transition(st, eg_http_principal(rq), id, action, reason, with_outbox(rq),
                                  eg_http_err(rq));
    json_t *a = NULL;
    if (!rc)
        rc = eg_alerts_get(st, eg_http_principal(rq), id, &a, eg_http_err(rq));
    return rc ? rc : eg_http_reply_json(rq, 200, a);
}

static int h_ack(struct eg_http_req *rq)
{
    return transition(rq, "acknowledge");
}

static int h_close(struct eg_http_req *rq)
{
    return transition(rq, "close");
}

/* ---- the routes, documented (parameters, bodies with examples, answers, access) ---- */

/* the rule names of rules/defs.c (checked at registration: a rule added there and not here
   stops the server from starting, so the test suite names it) */
#define RULE_NAMES                                                                                 \
    "limit_exceed|limit_run|daily_amount|flatline|impossible|out_of_range|jump|flag_held|"         \
    "limit_hugging|missing_data|offline|aqi_high|water_class|noise_night"

#define P_ID                                                                                       \
    {                                                                                              \
        .name = "id", .in = EG_PIN_PATH, .type = EG_PT_ID, .description_zh = "告警编号",           \
        .description_en = "alert id", .example = "1"                                               \
    }

static const struct eg_http_param_spec list_params[] = {
    {.name = "state",
     .type = EG_PT_ENUM,
     .enum_values = "open|acknowledged|closed|live",
     .description_zh =
         "状态: open 未处理, acknowledged 已确认, closed 已关闭, live 未关闭 (前两者)",
     .description_en = "state; live: open or acknowledged",
     .example = "open"},
    {.name = "rule",
     .type = EG_PT_ENUM,
     .enum_values = RULE_NAMES,
     .description_zh = "规则 (GET /api/v1/rules 列出)",
     .description_en = "the rule (GET /api/v1/rules lists them)"},
    {.name = "unit",
     .type = EG_PT_ID,
     .description_zh = "企业 (单位编号)",
     .description_en = "the unit (enterprise) id"},
    {.name = "region",
     .type = EG_PT_ID,
     .description_zh = "区域编号: 该区域内单位与站点的告警",
     .description_en = "region id: alerts of the units and stations in it"},
    {.name = "permit_id",
     .type = EG_PT_ID,
     .description_zh = "排污许可证 (一证式: 告警产生当日该单位有效的许可证)",
     .description_en = "the permit the alert is filed against (the unit's permit in force on the "
                       "day it opened)"},
    {.name = "source",
     .type = EG_PT_STRING,
     .max_len = 64,
     .description_zh = "设备 MN 号或站点编码",
     .description_en = "device MN or station code"},
    {.name = "limit",
     .type = EG_PT_INT,
     .min = 1,
     .max = 1000,
     .dflt = "100",
     .description_zh = "每页条数",
     .description_en = "rows per page"},
    {.name = "cursor",
     .type = EG_PT_ID,
     .description_zh = "下一页 (上一页的 next_cursor)",
     .description_en = "the next page (next_cursor of the previous one)"},
    {.name = "format",
     .type = EG_PT_ENUM,
     .enum_values = "json|csv|xlsx",
     .dflt = "json",
     .description_zh = "导出格式: csv (UTF-8 带 BOM) 或 xlsx, 中文表头",
     .description_en = "csv (UTF-8 with BOM) or xlsx, with Chinese headers"},
    {0}};
static const struct eg_http_param_spec id_params[] = {P_ID, {0}};

#define ALERT_SCHEMA                                                                               \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"rule\":{\"type\":"       \
    "\"string\"},\"rule_zh\":{\"type\":\"string\"},\"subject\":{\"type\":\"string\","              \
    "\"nullable\":true},\"source\":{\"type\":\"string\",\"nullable\":true},\"pollutant\":{"        \
    "\"type\":\"string\",\"nullable\":true},\"unit_id\":{\"type\":\"integer\",\"nullable\":true}," \
    "\"outlet_id\":{\"type\":\"integer\",\"nullable\":true},\"station_id\":{\"type\":"             \
    "\"integer\",\"nullable\":true},\"region_id\":{\"type\":\"integer\",\"nullable\":true},"       \
    "\"severity\":{\"type\":\"integer\"},\"state\":{\"type\":\"string\",\"enum\":[\"open\","       \
    "\"acknowledged\",\"closed\"]},\"state_zh\":{\"type\":\"string\"},\"title\":{\"type\":"        \
    "\"string\"},\"evidence\":{\"type\":\"object\",\"nullable\":true,\"description\":\"the "       \
    "values, limit and times that raised it\"},\"opened_at\":{\"type\":\"string\","                \
    "\"description\":\"Beijing "                                                                   \
    "time\"},\"opened_at_utc\":{\"type\":\"integer\"},\"last_seen_at\":{"                          \
    "\"type\":\"string\"},\"hits\":{\"type\":\"integer\"},\"acked_at\":{\"type\":\"string\","      \
    "\"nullable\":true},\"acked_by\":{\"type\":\"string\",\"nullable\":true},\"closed_at\":{"      \
    "\"type\":\"string\",\"nullable\":true},\"closed_by\":{\"type\":\"string\",\"nullable\":"      \
    "true},\"close_reason\":{\"type\":\"string\",\"nullable\":true},\"task_id\":{\"type\":"        \
    "\"integer\",\"nullable\":true,\"description\":\"the 三监联动 task it raised\"},"          \
    "\"permit_id\":{\"type\":\"integer\",\"nullable\":true,\"description\":\"一证式: the "      \
    "unit's permit in force on the day it opened\"}}}"

static const char rules_answer[] =
    "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"name_zh\":{\"type\":\"string\"},"
    "\"description_zh\":{\"type\":\"string\"},\"category\":{\"type\":\"string\"},\"severity\":{"
    "\"type\":\"integer\"},\"compliance\":{\"type\":\"boolean\"},\"scheduled\":{\"type\":"
    "\"boolean\"},\"params\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\"},\"default\":{\"type\":\"number\"},\"min\":{\"type\":"
    "\"number\"},\"max\":{\"type\":\"number\"},\"unit\":{\"type\":\"string\"},\"source\":{"
    "\"type\":\"string\"},\"label_zh\":{\"type\":\"string\"}}}}}}},\"task_severity\":{\"type\":"
    "\"integer\",\"description\":\"alerts at or above it raise a 三监联动 task\"}}}";
static const char list_answer[] =
    "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" ALERT_SCHEMA
    "},\"next_cursor\":{\"type\":\"string\",\"nullable\":true}}}";
static const char alert_answer[] = ALERT_SCHEMA;
static const char close_body[] =
    "{\"type\":\"object\",\"required\":[\"reason\"],\"properties\":{\"reason\":{\"type\":"
    "\"string\",\"minLength\":1,\"description\":\"关闭原因 (现场核查情况等)\"}},\"example\":{"
    "\"reason\":\"现场核查: 采样管更换后数据恢复正常\"}}";

#define ACCESS_READ                                                                                \
    "logged in; admin, bureau: every alert; street: the alerts of units and stations in its "      \
    "region; enterprise: its own unit's; steward: its contracted units'. Others answer 404."
#define ACCESS_ACT "admin, bureau and street officers, on the alerts they may read"

static const struct eg_http_route_spec alerts_specs[] = {
    {.method = "GET",
     .pattern = "/api/v1/rules",
     .fn = h_rules,
     .flags = EG_ROUTE_PUBLIC | EG_ROUTE_NO_DB,
     .summary = "The rules: names, descriptions, parameters with defaults and their sources",
     .summary_zh = "预警规则: 名称、说明、参数及默认值和依据",
     .answer_schema = rules_answer,
     .access = "everyone"},
    {.method = "GET",
     .pattern = "/api/v1/alerts",
     .fn = h_list,
     .flags = EG_ROUTE_AUTH | EG_ROUTE_LIST,
     .summary = "Alerts, newest first (filter state, rule, unit, region, source); csv/xlsx",
     .summary_zh = "告警列表 (按状态、规则、单位、区域、设备筛选), 可导出",
     .params = list_params,
     .answer_schema = list_answer,
     .access = ACCESS_READ},
    {.method = "GET",
     .pattern = "/api/v1/alerts/{id}",
     .fn = h_get,
     .flags = EG_ROUTE_AUTH,
     .summary = "One alert with its evidence",
     .summary_zh = "告警详情及证据",
     .params = id_params,
     .answer_schema = alert_answer,
     .access = ACCESS_READ},
    {.method = "POST",
     .pattern = "/api/v1/alerts/{id}/acknowledge",
     .fn = h_ack,
     .flags = EG_ROUTE_AUTH,
     .summary = "Acknowledge an open alert",
     .summary_zh = "确认告警",
     .params = id_params,
     .answer_schema = alert_answer,
     .access = ACCESS_ACT},
    {.method = "POST",
     .pattern = "/api/v1/alerts/{id}/close",
     .fn = h_close,
     .flags = EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     .summary = "Close an alert with a reason",
     .summary_zh = "关闭告警 (须填写原因)",
     .params = id_params,
     .body_schema = close_body,
     .answer_schema = alert_answer,
     .access = ACCESS_ACT},
};

int eg_http_api_alerts_routes(struct eg_http_server *srv)
{
    /* every rule is in the enum of ?rule= */
    static const char names[] = RULE_NAMES;
    for (int i = 0; i < EG_RULE_COUNT; i++) {
        const char *n = eg_rule_defs[i].name, *p = names;
        size_t len = strlen(n);
        int found = 0;
        while (!found && (p = strstr(p, n)) != NULL) {
            found = (p == names || p[-1] == '|') && (p[len] == '|' || p[len] == '\0');
            p += len;
        }
        if (!found) {
            eg_log(EG_LOG_ERROR, "api_alerts: rule %s is missing from RULE_NAMES", n);
            return EG_EINVAL;
        }
    }
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(alerts_specs); i++)
        rc |= eg_http_route_add_spec(srv, &alerts_specs[i]);
    return rc ? EG_EINVAL : 0;
}
