/*
 * commands.c: the history of platform -> device commands (reverse control, HJ 212-2017
 * Table 9) in ingest_commands (migration 200): written by the ingest server as requests go out
 * and answers come back, read by the CLI and the HTTP API.
 */
#include "devices/internal.h"

#include <string.h>

static void bind_text_or_null(struct eg_stmt *s, int i, const char *t)
{
    if (t)
        eg_stmt_bind_text(s, i, t, strlen(t));
    else
        eg_stmt_bind_null(s, i);
}

static void bind_int_or_null(struct eg_stmt *s, int i, int v)
{
    if (v)
        eg_stmt_bind_int(s, i, v);
    else
        eg_stmt_bind_null(s, i);
}

int eg_devices_command_add(struct eg_db *st, const struct eg_devices_command *c, struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(st,
                           "INSERT INTO ingest_commands (mn, qn, cn, params, status, "
                           "requested_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                           "ON CONFLICT DO NOTHING",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(s, 1, c->mn, strlen(c->mn));
    eg_stmt_bind_text(s, 2, c->qn, strlen(c->qn));
    eg_stmt_bind_int(s, 3, c->cn);
    eg_stmt_bind_text(s, 4, c->text ? c->text : "", c->text ? strlen(c->text) : 0);
    eg_stmt_bind_text(s, 5, c->status, strlen(c->status));
    eg_stmt_bind_int(s, 6, c->at);
    eg_stmt_bind_int(s, 7, c->at);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int eg_devices_command_update(struct eg_db *st, const struct eg_devices_command *c,
                              struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(st,
                           "UPDATE ingest_commands SET status = ?3, updated_at = ?4, "
                           "qn_rtn = coalesce(?5, qn_rtn), exe_rtn = coalesce(?6, exe_rtn), "
                           "result = coalesce(?7, result) WHERE mn = ?1 AND qn = ?2",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(s, 1, c->mn, strlen(c->mn));
    eg_stmt_bind_text(s, 2, c->qn, strlen(c->qn));
    eg_stmt_bind_text(s, 3, c->status, strlen(c->status));
    eg_stmt_bind_int(s, 4, c->at);
    bind_int_or_null(s, 5, c->qn_rtn);
    bind_int_or_null(s, 6, c->exe_rtn);
    bind_text_or_null(s, 7, c->text);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int eg_devices_command_history_json(struct eg_db *st, const char *mn, int limit, struct eg_buf *out,
                                    struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(st,
                           "SELECT id, qn, cn, params, status, qn_rtn, exe_rtn, result, "
                           "requested_at, updated_at FROM ingest_commands WHERE mn = ? "
                           "ORDER BY id DESC LIMIT ?",
                           &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(s, 1, mn, strlen(mn));
    eg_stmt_bind_int(s, 2, limit > 0 && limit <= 1000 ? limit : 100);
    eg_buf_puts(out, "[");
    int first = 1;
    while ((rc = eg_stmt_step(s, err)) == 1) {
        if (!first)
            eg_buf_puts(out, ",");
        first = 0;
        size_t n;
        const char *t;
        eg_buf_printf(out, "{\"id\":%lld,\"qn\":", (long long)eg_stmt_int(s, 0));
        t = eg_stmt_text(s, 1, &n);
        eg_buf_json_str(out, t ? t : "", t ? n : 0);
        eg_buf_printf(out, ",\"cn\":%lld,\"params\":", (long long)eg_stmt_int(s, 2));
        t = eg_stmt_text(s, 3, &n);
        eg_buf_json_str(out, t ? t : "", t ? n : 0);
        eg_buf_puts(out, ",\"status\":");
        t = eg_stmt_text(s, 4, &n);
        eg_buf_json_str(out, t ? t : "", t ? n : 0);
        eg_buf_puts(out, ",");
        eg__devices_json_int(out, "qn_rtn", s, 5);
        eg_buf_puts(out, ",");
        eg__devices_json_int(out, "exe_rtn", s, 6);
        eg_buf_puts(out, ",\"result\":");
        t = eg_stmt_text(s, 7, &n);
        if (t)
            eg_buf_json_str(out, t, n);
        else
            eg_buf_puts(out, "null");
        eg_buf_puts(out, ",");
        eg__devices_json_time(out, "requested_at", s, 8);
        eg_buf_puts(out, ",");
        eg__devices_json_time(out, "updated_at", s, 9);
        eg_buf_puts(out, "}");
    }
    eg_stmt_done(s);
    eg_buf_puts(out, "]");
    return rc < 0 ? rc : 0;
}
