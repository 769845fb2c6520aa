/*
 * alerts.c: the alerts and their webhook outbox (migration 450) — the only SQL of src/rules.
 * One live (open or acknowledged) alert per rule x subject, enforced by a partial unique index;
 * a later hit of the same condition updates it. Every change that a webhook should hear of adds
 * an outbox row in the same transaction. Person's transitions are audited (auth/auth.h).
 */
#include "registry/registry.h"
#include "rules/internal.h"

#include <stdlib.h>
#include <string.h>

static int tx_begin(struct eg_db *st, int *own, struct eg_err *err)
{
    *own = !eg_db_in_tx(st);
    return *own ? eg_db_begin(st, err) : 0;
}

static int tx_end(struct eg_db *st, int own, int rc, struct eg_err *err)
{
    if (!own)
        return rc;
    if (rc) {
        eg_db_rollback(st);
        return rc;
    }
    return eg_db_commit(st, err);
}

static json_t *row_json(struct eg_stmt *s);

#define ALERT_COLS                                                                                 \
    "id, rule, subject, source, pollutant, unit_id, outlet_id, station_id, region_id, severity, "  \
    "state, title, evidence, opened_at, last_seen_at, hits, acked_at, acked_by, closed_at, "       \
    "closed_by, close_reason, task_id, permit_id"

static int get_row(struct eg_db *st, int64_t id, json_t **out, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(st, "SELECT " ALERT_COLS " FROM alerts WHERE id = ?", &s, err);
    if (rc)
        return rc;
    eg_stmt_bind_int(s, 1, id);
    rc = eg_stmt_step(s, err);
    if (rc == 1)
        *out = row_json(s);
    eg_stmt_done(s);
    if (rc == 0)
        return eg_err_set(err, EG_ENOTFOUND, "unknown_alert", -1, "no alert %lld", (long long)id);
    return rc < 0 ? rc : 0;
}

static int outbox_add(struct eg_db *st, int64_t id, const char *event, int64_t at,
                      struct eg_err *err)
{
    json_t *a = NULL;
    int rc = get_row(st, id, &a, err);
    if (rc)
        return rc;
    json_t *body = json_pack("{s:s,s:o}", "event", event, "alert", a);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct eg_stmt *s;
    rc = eg_db_prepare(st,
                       "INSERT INTO alerts_outbox (alert_id, event, payload, next_at) "
                       "VALUES (?, ?, ?, ?)",
                       &s, err);
    if (!rc) {
        eg_stmt_bind_int(s, 1, id);
        eg_stmt_bind_text(s, 2, event, strlen(event));
        eg_stmt_bind_text(s, 3, text, strlen(text));
        eg_stmt_bind_int(s, 4, at);
        rc = eg_stmt_step(s, err);
        eg_stmt_done(s);
        rc = rc < 0 ? rc : 0;
    }
    free(text);
    return rc;
}

int eg_alerts_raise(struct eg_db *st, const struct eg_alert_new *a, int with_outbox,
                    int64_t *alert_id, int *opened, struct eg_err *err)
{
    int own;
    int rc = tx_begin(st, &own, err);
    if (rc)
        return rc;
    const char *rule = eg_rule_defs[a->rule].name;
    char *ev = json_dumps(a->evidence, JSON_COMPACT);
    struct eg_stmt *s;
    int64_t id = 0;
    int found = 0;
    rc = eg_db_prepare(
        st, "SELECT id FROM alerts WHERE rule = ? AND subject = ? AND state <> 'closed'", &s, err);
    if (!rc) {
        eg_stmt_bind_text(s, 1, rule, strlen(rule));
        eg_stmt_bind_text(s, 2, a->subject, strlen(a->subject));
        rc = eg_stmt_step(s, err);
        if (rc == 1) {
            id = eg_stmt_int(s, 0);
            found = 1;
        }
        eg_stmt_done(s);
        rc = rc < 0 ? rc : 0;
    }
    if (!rc && found) {
        rc = eg_db_prepare(
            st,
            "UPDATE alerts SET evidence = ?1, last_seen_at = CASE WHEN ?2 > last_seen_at "
            "THEN ?2 ELSE last_seen_at END, hits = hits + 1, severity = CASE WHEN "
            "?3 > severity THEN ?3 ELSE severity END WHERE id = ?4",
            &s, err);
        if (!rc) {
            eg_stmt_bind_text(s, 1, ev, strlen(ev));
            eg_stmt_bind_int(s, 2, a->at);
            eg_stmt_bind_int(s, 3, a->severity);
            eg_stmt_bind_int(s, 4, id);
            rc = eg_stmt_step(s, err);
            eg_stmt_done(s);
            rc = rc < 0 ? rc : 0;
        }
    } else if (!rc) {
        /* 一证式: filed against the unit's permit in force on the (Beijing) day it opens */
        int64_t permit = 0;
        if (a->unit_id) {
            char day[40];
            eg_time_format_beijing(a->at, day, sizeof day);
            day[10] = 0;
            rc = eg_permit_in_force_for_unit(st, a->unit_id, day, &permit, err);
        }
        if (!rc)
            rc = eg_db_prepare(st,
                               "INSERT INTO alerts (rule, subject, source, pollutant, unit_id, "
                               "outlet_id, station_id, region_id, severity, title, evidence, "
                               "opened_at, last_seen_at, permit_id) VALUES "
                               "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               &s, err);
        if (!rc) {
            eg_stmt_bind_text(s, 1, rule, strlen(rule));
            eg_stmt_bind_text(s, 2, a->subject, strlen(a->subject));
            eg_stmt_bind_text(s, 3, a->source, strlen(a->source));
            if (a->pollutant)
                eg_stmt_bind_text(s, 4, a->pollutant, strlen(a->pollutant));
            else
                eg_stmt_bind_null(s, 4);
            const int64_t ids[4] = {a->unit_id, a->outlet_id, a->station_id, a->region_id};
            for (int i = 0; i < 4; i++) {
                if (ids[i])
                    eg_stmt_bind_int(s, 5 + i, ids[i]);
                else
                    eg_stmt_bind_null(s, 5 + i);
            }
            eg_stmt_bind_int(s, 9, a->severity);
            eg_stmt_bind_text(s, 10, a->title, strlen(a->title));
            eg_stmt_bind_text(s, 11, ev, strlen(ev));
            eg_stmt_bind_int(s, 12, a->at);
            eg_stmt_bind_int(s, 13, a->at);
            if (permit)
                eg_stmt_bind_int(s, 14, permit);
            else
                eg_stmt_bind_null(s, 14);
            rc = eg_stmt_step(s, err);
            eg_stmt_done(s);
            rc = rc < 0 ? rc : 0;
            id = eg_db_last_id(st);
        }
        if (!rc && with_outbox)
            rc = outbox_add(st, id, "opened", a->at, err);
    }
    free(ev);
    rc = tx_end(st, own, rc, err);
    if (!rc) {
        *alert_id = id;
        *opened = !found;
    }
    return rc;
}

static int close_row(struct eg_db *st, int64_t id, const char *by, const char *reason, int64_t at,
                     struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(st,
                           "UPDATE alerts SET state = 'closed', closed_at = ?, closed_by = ?, "
                           "close_reason = ? WHERE id = ? AND state <> 'closed'",
                           &s, err);
    if (rc)
        return rc;
    eg_stmt_bind_int(s, 1, at);
    eg_stmt_bind_text(s, 2, by, strlen(by));
    eg_stmt_bind_text(s, 3, reason, strlen(reason));
    eg_stmt_bind_int(s, 4, id);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int eg_alerts_resolve(struct eg_db *st, enum eg_rule_id rule, const char *subject,
                      const char *reason, int64_t at, int with_outbox, int *closed,
                      struct eg_err *err)
{
    *closed = 0;
    int64_t id = 0;
    int found = 0;
    const char *name = eg_rule_defs[rule].name;
    struct eg_stmt *s;
    int rc = eg_db_prepare(
        st, "SELECT id FROM alerts WHERE rule = ? AND subject = ? AND state <> 'closed'", &s, err);
    if (rc)
        return rc;
    eg_stmt_bind_text(s, 1, name, strlen(name));
    eg_stmt_bind_text(s, 2, subject, strlen(subject));
    rc = eg_stmt_step(s, err);
    if (rc == 1) {
        id = eg_stmt_int(s, 0);
        found = 1;
    }
    eg_stmt_done(s);
    if (rc < 0 || !found)
        return rc < 0 ? rc : 0;
    int own;
    rc = tx_begin(st, &own, err);
    if (rc)
        return rc;
    rc = close_row(st, id, "system", reason, at, err);
    if (!rc && with_outbox)
        rc = outbox_add(st, id, "closed", at, err);
    rc = tx_end(st, own, rc, err);
    if (!rc)
        *closed = 1;
    return rc;
}

int eg_alerts_transition(struct eg_db *st, const struct eg_principal *who, int64_t id,
                         const char *action, const char *reason, int with_outbox,
                         struct eg_err *err)
{
    if (who->role != EG_ROLE_ADMIN && who->role != EG_ROLE_BUREAU && who->role != EG_ROLE_STREET)
        return eg_err_set(err, who->role == EG_ROLE_ANON ? EG_EAUTH : EG_EPERM, "forbidden", -1,
                          "only bureau staff, administrators and street officers handle alerts");
    int is_close = !strcmp(action, "close");
    if (!is_close && strcmp(action, "acknowledge"))
        return eg_err_set(err, EG_EINVAL, "bad_action", -1, "action must be acknowledge or close");
    if (is_close && (!reason || !*reason))
        return eg_err_set(err, EG_EINVAL, "reason", -1,
                          "closing an alert needs a reason (关闭原因), e.g. what was found");
    if (reason && strlen(reason) > 500)
        return eg_err_set(err, EG_EINVAL, "reason", -1, "the reason is over 500 bytes");
    json_t *before = NULL;
    int rc = eg_alerts_get(st, who, id, &before, err); /* scope: the street its own */
    if (rc)
        return rc;
    const char *state = json_string_value(json_object_get(before, "state"));
    if (!strcmp(state, "closed") || (!is_close && strcmp(state, "open"))) {
        rc = eg_err_set(err, EG_ECONFLICT, "bad_transition", -1, "an alert that is %s cannot be %s",
                        state, is_close ? "closed" : "acknowledged");
        json_decref(before);
        return rc;
    }
    int own;
    int64_t now = eg_time_now();
    rc = tx_begin(st, &own, err);
    if (!rc && is_close) {
        rc = close_row(st, id, who->username[0] ? who->username : "system", reason, now, err);
    } else if (!rc) {
        struct eg_stmt *s;
        rc = eg_db_prepare(st,
                           "UPDATE alerts SET state = 'acknowledged', acked_at = ?, acked_by = ? "
                           "WHERE id = ? AND state = 'open'",
                           &s, err);
        if (!rc) {
            eg_stmt_bind_int(s, 1, now);
            const char *by = who->username[0] ? who->username : "system";
            eg_stmt_bind_text(s, 2, by, strlen(by));
            eg_stmt_bind_int(s, 3, id);
            rc = eg_stmt_step(s, err);
            eg_stmt_done(s);
            rc = rc < 0 ? rc : 0;
        }
    }
    json_t *after = NULL;
    if (!rc)
        rc = get_row(st, id, &after, err);
    if (!rc)
        rc = eg_audit_append(st, who, "alerts", id, "update", before, after, err);
    if (!rc && with_outbox)
        rc = outbox_add(st, id, is_close ? "closed" : "acknowledged", now, err);
    rc = tx_end(st, own, rc, err);
    json_decref(before);
    json_decref(after);
    return rc;
}

int eg_alerts_set_task(struct eg_db *st, int64_t id, int64_t task_id, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(st, "UPDATE alerts SET task_id = ? WHERE id = ? AND task_id IS NULL", &s,
                           err);
    if (rc)
        return rc;
    eg_stmt_bind_int(s, 1, task_id);
    eg_stmt_bind_int(s, 2, id);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    if (rc < 0)
        return rc;
    if (eg_db_changes(st) == 0)
        return eg_err_set(err, EG_ECONFLICT, "has_task", -1, "alert %lld already has a task",
                          (long long)id);
    return 0;
}

/* ---- reading ---- */

static void set_int_or_null(json_t *o, const char *k, struct eg_stmt *s, int col)
{
    json_object_set_new(o, k,
                        eg_stmt_is_null(s, col) ? json_null() : json_integer(eg_stmt_int(s, col)));
}

static void set_text_or_null(json_t *o, const char *k, struct eg_stmt *s, int col)
{
    size_t n;
    const char *t = eg_stmt_text(s, col, &n);
    json_object_set_new(o, k, t && !eg_stmt_is_null(s, col) ? json_stringn(t, n) : json_null());
}

static void set_time(json_t *o, const char *k, struct eg_stmt *s, int col)
{
    if (eg_stmt_is_null(s, col)) {
        json_object_set_new(o, k, json_null());
        return;
    }
    char b[32];
    eg_time_format_beijing(eg_stmt_int(s, col), b, sizeof b);
    json_object_set_new(o, k, json_string(b));
}

static const char *state_zh(const char *s)
{
    return !strcmp(s, "open") ? "未处理" : !strcmp(s, "acknowledged") ? "已确认" : "已关闭";
}

static json_t *row_json(struct eg_stmt *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(eg_stmt_int(s, 0)));
    set_text_or_null(o, "rule", s, 1);
    const struct eg_rule_def *d = eg_rule_find(json_string_value(json_object_get(o, "rule")));
    json_object_set_new(o, "rule_zh", json_string(d ? d->name_zh : ""));
    set_text_or_null(o, "subject", s, 2);
    set_text_or_null(o, "source", s, 3);
    set_text_or_null(o, "pollutant", s, 4);
    set_int_or_null(o, "unit_id", s, 5);
    set_int_or_null(o, "outlet_id", s, 6);
    set_int_or_null(o, "station_id", s, 7);
    set_int_or_null(o, "region_id", s, 8);
    json_object_set_new(o, "severity", json_integer(eg_stmt_int(s, 9)));
    set_text_or_null(o, "state", s, 10);
    json_object_set_new(o, "state_zh",
                        json_string(state_zh(json_string_value(json_object_get(o, "state")))));
    set_text_or_null(o, "title", s, 11);
    size_t n;
    const char *ev = eg_stmt_text(s, 12, &n);
    json_t *evj = ev ? json_loadb(ev, n, 0, NULL) : NULL;
    json_object_set_new(o, "evidence", evj ? evj : json_null());
    json_object_set_new(o, "opened_at_utc", json_integer(eg_stmt_int(s, 13)));
    set_time(o, "opened_at", s, 13);
    set_time(o, "last_seen_at", s, 14);
    json_object_set_new(o, "hits", json_integer(eg_stmt_int(s, 15)));
    set_time(o, "acked_at", s, 16);
    set_text_or_null(o, "acked_by", s, 17);
    set_time(o, "closed_at", s, 18);
    set_text_or_null(o, "closed_by", s, 19);
    set_text_or_null(o, "close_reason", s, 20);
    set_int_or_null(o, "task_id", s, 21);
    set_int_or_null(o, "permit_id", s, 22);
    return o;
}

/* Whether who may see an alert: the registry decides on its unit or station. */
static int may_see(struct eg_db *st, const struct eg_principal *who, json_t *a)
{
    if (who->role == EG_ROLE_ADMIN || who->role == EG_ROLE_BUREAU)
        return 1;
    if (who->role == EG_ROLE_ANON)
        return 0;
    json_t *u = json_object_get(a, "unit_id"), *stn = json_object_get(a, "station_id");
    if (who->role == EG_ROLE_ENTERPRISE)
        return json_is_integer(u) && json_integer_value(u) == who->unit_id;
    struct eg_err e = {0};
    json_t *row = NULL;
    int rc;
    if (json_is_integer(u))
        rc = eg_registry_get(st, eg_registry_find("units"), who, json_integer_value(u), &row, &e);
    else if (json_is_integer(stn) && who->role == EG_ROLE_STREET)
        rc = eg_registry_get(st, eg_registry_find("stations"), who, json_integer_value(stn), &row,
                             &e);
    else
        return 0;
    json_decref(row);
    return rc == 0;
}

int eg_alerts_get(struct eg_db *st, const struct eg_principal *who, int64_t id, json_t **out,
                  struct eg_err *err)
{
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "login_required", -1, "log in to see alerts");
    json_t *a = NULL;
    int rc = get_row(st, id, &a, err);
    if (rc)
        return rc;
    if (!may_see(st, who, a)) {
        json_decref(a);
        return eg_err_set(err, EG_ENOTFOUND, "unknown_alert", -1, "no alert %lld", (long long)id);
    }
    *out = a;
    return 0;
}

int eg_alerts_list(struct eg_db *st, const struct eg_principal *who,
                   const struct eg_alerts_filter *f, json_t **out, struct eg_err *err)
{
    if (who->role == EG_ROLE_ANON)
        return eg_err_set(err, EG_EAUTH, "login_required", -1, "log in to see alerts");
    int limit = f->limit ? f->limit : 100;
    if (limit < 1 || limit > 1000)
        return eg_err_set(err, EG_EINVAL, "bad_limit", -1, "limit must be 1..1000");
    if (f->state && strcmp(f->state, "open") && strcmp(f->state, "acknowledged") &&
        strcmp(f->state, "closed") && strcmp(f->state, "live"))
        return eg_err_set(
            err, EG_EINVAL, "bad_state", -1,
            "state must be open, acknowledged, closed or live (open or acknowledged)");
    if (f->rule && !eg_rule_find(f->rule))
        return eg_err_set(err, EG_EINVAL, "bad_rule", -1,
                          "no rule named '%s' (envgov rules list shows them)", f->rule);
    /* fixed SQL with optional filters: a NULL parameter matches all */
    struct eg_stmt *s;
    int rc = eg_db_prepare(
        st,
        "SELECT " ALERT_COLS " FROM alerts WHERE (?1 IS NULL OR state = ?1 OR (?1 = 'live' AND "
        "state <> 'closed')) AND (?2 IS NULL OR rule = ?2) AND (?3 IS NULL OR unit_id = ?3) AND "
        "(?4 IS NULL OR region_id = ?4) AND (?5 IS NULL OR source = ?5) AND (?6 IS NULL OR id < "
        "?6) AND (?7 IS NULL OR unit_id = ?7) AND (?8 IS NULL OR permit_id = ?8) ORDER BY id DESC",
        &s, err);
    if (rc)
        return rc;
    if (f->state)
        eg_stmt_bind_text(s, 1, f->state, strlen(f->state));
    if (f->rule)
        eg_stmt_bind_text(s, 2, f->rule, strlen(f->rule));
    if (f->unit_id)
        eg_stmt_bind_int(s, 3, f->unit_id);
    if (f->region_id)
        eg_stmt_bind_int(s, 4, f->region_id);
    if (f->source)
        eg_stmt_bind_text(s, 5, f->source, strlen(f->source));
    if (f->before_id)
        eg_stmt_bind_int(s, 6, f->before_id);
    if (who->role == EG_ROLE_ENTERPRISE)
        eg_stmt_bind_int(s, 7, who->unit_id ? who->unit_id : -1);
    if (f->permit_id)
        eg_stmt_bind_int(s, 8, f->permit_id);
    /* row scope for street and steward users: the registry decides per unit / station, row by
       row as they are read, so that a page holds `limit` visible alerts (not fewer) */
    int scoped = who->role == EG_ROLE_STREET || who->role == EG_ROLE_STEWARD;
    json_t *arr = json_array();
    while ((int)json_array_size(arr) < limit && (rc = eg_stmt_step(s, err)) == 1) {
        json_t *a = row_json(s);
        if (scoped && !may_see(st, who, a)) {
            json_decref(a);
            continue;
        }
        json_array_append_new(arr, a);
    }
    eg_stmt_done(s);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

int eg_alerts_exceed_hours(struct eg_db *st, int64_t from, int64_t to,
                           int (*fn)(void *arg, int64_t unit_id, const char *source,
                                     const char *pollutant, int64_t hours),
                           void *arg, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(st,
                           "SELECT unit_id, source, pollutant, sum(hits) FROM alerts WHERE rule = "
                           "'limit_exceed' AND unit_id IS NOT NULL AND pollutant IS NOT NULL AND "
                           "opened_at >= ? AND opened_at < ? GROUP BY unit_id, source, pollutant "
                           "ORDER BY unit_id, source, pollutant",
                           &s, err);
    if (rc)
        return rc;
    eg_stmt_bind_int(s, 1, from);
    eg_stmt_bind_int(s, 2, to);
    while ((rc = eg_stmt_step(s, err)) == 1)
        if ((rc = fn(arg, eg_stmt_int(s, 0), eg_stmt_text(s, 1, NULL), eg_stmt_text(s, 2, NULL),
                     eg_stmt_int(s, 3))) < 0)
            break;
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

/* ---- the webhook outbox (internal.h) ---- */

int eg__rules_outbox_due(struct eg_db *st, int64_t now, int max, struct eg__rules_outbox **out,
                         size_t *n, struct eg_err *err)
{
    *out = NULL;
    *n = 0;
    struct eg_stmt *s;
    int rc = eg_db_prepare(st,
                           "SELECT id, alert_id, attempts, payload FROM alerts_outbox WHERE "
                           "delivered_at IS NULL AND failed_at IS NULL AND next_at <= ? "
                           "ORDER BY id LIMIT ?",
                           &s, err);
    if (rc)
        return rc;
    eg_stmt_bind_int(s, 1, now);
    eg_stmt_bind_int(s, 2, max);
    struct eg__rules_outbox *v = eg_calloc((size_t)max, sizeof *v);
    size_t k = 0;
    while ((rc = eg_stmt_step(s, err)) == 1 && k < (size_t)max) {
        size_t len;
        const char *p = eg_stmt_text(s, 3, &len);
        v[k].id = eg_stmt_int(s, 0);
        v[k].alert_id = eg_stmt_int(s, 1);
        v[k].attempts = (int)eg_stmt_int(s, 2);
        v[k].payload = eg_calloc(len + 1, 1);
        memcpy(v[k].payload, p ? p : "", len);
        k++;
    }
    eg_stmt_done(s);
    if (rc < 0) {
        eg__rules_outbox_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

void eg__rules_outbox_free(struct eg__rules_outbox *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].payload);
    free(v);
}

int eg__rules_outbox_mark(struct eg_db *st, int64_t id, int ok, int64_t now, int64_t next_at,
                          const char *error, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(
        st,
        ok ? "UPDATE alerts_outbox SET attempts = attempts + 1, delivered_at = ?2, last_error = "
             "NULL WHERE id = ?1"
           : "UPDATE alerts_outbox SET attempts = attempts + 1, last_error = ?4, next_at = "
             "CASE WHEN ?3 > 0 THEN ?3 ELSE next_at END, failed_at = CASE WHEN ?3 > 0 THEN NULL "
             "ELSE ?2 END WHERE id = ?1",
        &s, err);
    if (rc)
        return rc;
    eg_stmt_bind_int(s, 1, id);
    eg_stmt_bind_int(s, 2, now);
    if (!ok) {
        eg_stmt_bind_int(s, 3, next_at);
        eg_stmt_bind_text(s, 4, error ? error : "", error ? strlen(error) : 0);
    }
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}
