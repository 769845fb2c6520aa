/*
 * status.c: device status, offline devices and command history as JSON, read from the ingest
 * tables (migration 200) through the store seam, so the CLI and the HTTP API answer the same
 * whether or not a server is running.
 *
 * Online/offline (DESIGN.md data path: device status feeds the offline rule): a device is
 * offline when its last data is older than offline_multiple x its upload interval, or when it
 * never sent data. Registered devices that never connected are listed too.
 */
#include "ingest/internal.h"

#include <string.h>

static void json_int_or_null(struct eg_buf *o, const char *name, struct eg_stmt *s, int col)
{
    if (eg_stmt_is_null(s, col))
        eg_buf_printf(o, "\"%s\":null", name);
    else
        eg_buf_printf(o, "\"%s\":%lld", name, (long long)eg_stmt_int(s, col));
}

static void json_time_or_null(struct eg_buf *o, const char *name, struct eg_stmt *s, int col)
{
    if (eg_stmt_is_null(s, col) || eg_stmt_int(s, col) == 0) {
        eg_buf_printf(o, "\"%s\":null", name);
        return;
    }
    char t[32];
    eg_time_format_beijing(eg_stmt_int(s, col), t, sizeof t);
    eg_buf_printf(o, "\"%s\":\"%s\"", name, t);
}

/* Columns: mn, device_id, interval_s, connected, last_addr, connected_at, disconnected_at,
   connections, last_packet_at, last_data_time, last_cn, packets, values_count, registered */
#define STATUS_COLS                                                                                \
    "d.mn, d.id, coalesce(d.interval_s, s.interval_s, 60), coalesce(s.connected, 0), "             \
    "s.last_addr, "                                                                                \
    "s.connected_at, s.disconnected_at, coalesce(s.connections, 0), s.last_packet_at, "            \
    "s.last_data_time, s.last_cn, coalesce(s.packets, 0), coalesce(s.values_count, 0)"

static void status_obj(struct eg_buf *o, struct eg_stmt *s, int64_t now, int multiple)
{
    size_t mnlen = 0;
    const char *mn = eg_stmt_text(s, 0, &mnlen);
    int64_t interval = eg_stmt_int(s, 2);
    int64_t last = eg_stmt_is_null(s, 8) ? 0 : eg_stmt_int(s, 8);
    int online = last > 0 && now - last <= (int64_t)multiple * interval;
    eg_buf_puts(o, "{\"mn\":");
    eg_buf_json_str(o, mn ? mn : "", mnlen);
    eg_buf_puts(o, ",");
    json_int_or_null(o, "device_id", s, 1);
    eg_buf_printf(o, ",\"interval_s\":%lld,\"online\":%s,\"connected\":%s,", (long long)interval,
                  online ? "true" : "false", eg_stmt_int(s, 3) ? "true" : "false");
    size_t alen = 0;
    const char *addr = eg_stmt_text(s, 4, &alen);
    eg_buf_puts(o, "\"last_addr\":");
    if (addr)
        eg_buf_json_str(o, addr, alen);
    else
        eg_buf_puts(o, "null");
    eg_buf_puts(o, ",");
    json_time_or_null(o, "connected_at", s, 5);
    eg_buf_puts(o, ",");
    json_time_or_null(o, "disconnected_at", s, 6);
    eg_buf_printf(o, ",\"connections\":%lld,", (long long)eg_stmt_int(s, 7));
    json_time_or_null(o, "last_packet_at", s, 8);
    eg_buf_puts(o, ",");
    json_time_or_null(o, "last_data_time", s, 9);
    eg_buf_puts(o, ",");
    json_int_or_null(o, "last_cn", s, 10);
    eg_buf_printf(o,
                  ",\"packets\":%lld,\"values\":%lld,\"silent_s\":", (long long)eg_stmt_int(s, 11),
                  (long long)eg_stmt_int(s, 12));
    if (last)
        eg_buf_printf(o, "%lld}", (long long)(now - last));
    else
        eg_buf_puts(o, "null}");
}

int eg_ingest_device_status_json(struct eg_db *st, const char *mn, int64_t now,
                                 int offline_multiple, struct eg_buf *out, struct eg_err *err)
{
    struct eg_stmt *s;
    /* registered devices, and MNs seen by the server (a device deleted since) */
    int rc = eg_db_prepare(
        st,
        "SELECT " STATUS_COLS " FROM devices d LEFT JOIN ingest_device_status s ON s.mn = d.mn "
        "WHERE d.mn = ?1 UNION ALL SELECT s.mn, s.device_id, s.interval_s, s.connected, "
        "s.last_addr, s.connected_at, s.disconnected_at, s.connections, s.last_packet_at, "
        "s.last_data_time, s.last_cn, s.packets, s.values_count FROM ingest_device_status s "
        "WHERE s.mn = ?1 AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.mn = ?1)",
        &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(s, 1, mn, strlen(mn));
    rc = eg_stmt_step(s, err);
    if (rc == 1) {
        status_obj(out, s, now, offline_multiple);
        rc = 0;
    } else if (rc == 0) {
        rc = eg_err_set(err, EG_ENOTFOUND, "unknown_device", -1, "no device with MN %s", mn);
    }
    eg_stmt_done(s);
    return rc;
}

int eg_ingest_offline_json(struct eg_db *st, int64_t now, int offline_multiple, struct eg_buf *out,
                           struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(
        st,
        "SELECT " STATUS_COLS " FROM devices d LEFT JOIN ingest_device_status s ON s.mn = d.mn "
        "WHERE s.last_packet_at IS NULL OR s.last_packet_at < ?1 - ?2 * coalesce(d.interval_s, "
        "s.interval_s, 60) ORDER BY d.mn",
        &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_int(s, 1, now);
    eg_stmt_bind_int(s, 2, offline_multiple);
    eg_buf_puts(out, "[");
    int first = 1;
    while ((rc = eg_stmt_step(s, err)) == 1) {
        if (!first)
            eg_buf_puts(out, ",");
        first = 0;
        status_obj(out, s, now, offline_multiple);
    }
    eg_stmt_done(s);
    eg_buf_puts(out, "]");
    return rc < 0 ? rc : 0;
}

int eg_ingest_command_history_json(struct eg_db *st, const char *mn, int limit, struct eg_buf *out,
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
        json_int_or_null(out, "qn_rtn", s, 5);
        eg_buf_puts(out, ",");
        json_int_or_null(out, "exe_rtn", s, 6);
        eg_buf_puts(out, ",\"result\":");
        t = eg_stmt_text(s, 7, &n);
        if (t)
            eg_buf_json_str(out, t, n);
        else
            eg_buf_puts(out, "null");
        eg_buf_puts(out, ",");
        json_time_or_null(out, "requested_at", s, 8);
        eg_buf_puts(out, ",");
        json_time_or_null(out, "updated_at", s, 9);
        eg_buf_puts(out, "}");
    }
    eg_stmt_done(s);
    eg_buf_puts(out, "]");
    return rc < 0 ? rc : 0;
}
