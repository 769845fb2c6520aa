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

static int query_id(struct eg_http_req *rq, const char *name, int64_t *out)
{
    const char *v = eg_http_query(rq, name);
    *out = 0;
    if (v && (eg_parse_int64(v, strlen(v), out) || *out < 1))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_query", -1,
                          "%s must be a positive integer id", name);
    return 0;
}

static int h_list(struct eg_http_req *rq)
{
    struct eg_db *st;
    struct eg_alerts_filter f = {0};
    f.state = eg_http_query(rq, "state");
    f.rule = eg_http_query(rq, "rule");
    f.source = eg_http_query(rq, "source");
    int64_t limit = 100;
    const char *l = eg_http_query(rq, "limit");
    if (l && (eg_parse_int64(l, strlen(l), &limit) || limit < 1 || limit > 1000))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_limit", -1, "limit must be 1..1000");
    f.limit = (int)limit;
    int rc = query_id(rq, "unit", &f.unit_id);
    if (!rc)
        rc = query_id(rq, "region", &f.region_id);
    if (!rc)
        rc = query_id(rq, "cursor", &f.before_id);
    int fmt;
    if (!rc)
        rc = eg_http_format(rq, &fmt);
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
    int rc = eg_http_param_id(rq, "id", &id);
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
    int rc = eg_http_param_id(rq, "id", &id);
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

int eg_http_api_alerts_routes(struct eg_http_server *srv)
{
    int rc = 0;
    rc |=
        eg_http_route_add(srv, "GET", "/api/v1/rules", h_rules, EG_ROUTE_PUBLIC | EG_ROUTE_NO_DB,
                          "the rules: names, descriptions, parameters, defaults and sources", NULL);
    rc |=
        eg_http_route_add(srv, "GET", "/api/v1/alerts", h_list, EG_ROUTE_AUTH | EG_ROUTE_LIST,
                          "alerts (filter state, rule, unit, region, source), newest first", NULL);
    rc |= eg_http_route_add(srv, "GET", "/api/v1/alerts/{id}", h_get, EG_ROUTE_AUTH,
                            "one alert with its evidence", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/alerts/{id}/acknowledge", h_ack, EG_ROUTE_AUTH,
                            "acknowledge an open alert", NULL);
    rc |= eg_http_route_add(srv, "POST", "/api/v1/alerts/{id}/close", h_close,
                            EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
                            "close an alert with a reason ({\"reason\": \"…\"})", NULL);
    return rc;
}
