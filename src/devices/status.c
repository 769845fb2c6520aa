/*
 * status.c: device status (ingest_device_status, migration 200): the ingest writer's upserts,
 * and the status and offline devices as JSON, so the CLI and the HTTP API answer the same
 * whether or not a server is running.
 *
 * Online/offline (DESIGN.md data path: device status feeds the offline rule): a device is
 * offline when its last data is older than offline_multiple x its upload interval, or when it
 * never sent data. Registered devices that never connected are listed too.
 */
#include "devices/internal.h"

#include <string.h>

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
    eg__devices_json_int(o, "device_id", s, 1);
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
    eg__devices_json_time(o, "connected_at", s, 5);
    eg_buf_puts(o, ",");
    eg__devices_json_time(o, "disconnected_at", s, 6);
    eg_buf_printf(o, ",\"connections\":%lld,", (long long)eg_stmt_int(s, 7));
    eg__devices_json_time(o, "last_packet_at", s, 8);
    eg_buf_puts(o, ",");
    eg__devices_json_time(o, "last_data_time", s, 9);
    eg_buf_puts(o, ",");
    eg__devices_json_int(o, "last_cn", s, 10);
    eg_buf_printf(o,
                  ",\"packets\":%lld,\"values\":%lld,\"silent_s\":", (long long)eg_stmt_int(s, 11),
                  (long long)eg_stmt_int(s, 12));
    if (last)
        eg_buf_printf(o, "%lld}", (long long)(now - last));
    else
        eg_buf_puts(o, "null}");
}

int eg_devices_status_json(struct eg_db *st, const char *mn, int64_t now, int offline_multiple,
                           struct eg_buf *out, struct eg_err *err)
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

int eg_devices_offline_json(struct eg_db *st, int64_t now, int offline_multiple, struct eg_buf *out,
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

/* Times only move forward (a late packet does not set them back). CASE, not SQLite's scalar
   max(), so PostgreSQL runs the same text. */
int eg_devices_status_traffic(struct eg_db *st, const struct eg_devices_traffic *t,
                              struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(
        st,
        "INSERT INTO ingest_device_status (mn, device_id, interval_s, last_packet_at, "
        "last_data_time, last_cn, packets, values_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7) "
        "ON CONFLICT(mn) DO UPDATE SET device_id = ?2, interval_s = ?3, "
        "last_packet_at = CASE WHEN coalesce(last_packet_at, 0) > ?4 "
        "THEN coalesce(last_packet_at, 0) ELSE ?4 END, "
        "last_data_time = CASE WHEN coalesce(last_data_time, 0) > ?5 "
        "THEN coalesce(last_data_time, 0) ELSE ?5 END, "
        "last_cn = ?6, packets = packets + ?8, values_count = values_count + ?7",
        &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(s, 1, t->mn, strlen(t->mn));
    eg_stmt_bind_int(s, 2, t->device_id);
    eg_stmt_bind_int(s, 3, t->interval_s > 0 ? t->interval_s : 60);
    eg_stmt_bind_int(s, 4, t->last_packet_at);
    eg_stmt_bind_int(s, 5, t->last_data_time);
    eg_stmt_bind_int(s, 6, t->last_cn);
    eg_stmt_bind_int(s, 7, t->values);
    eg_stmt_bind_int(s, 8, t->packets);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int eg_devices_status_connection(struct eg_db *st, const char *mn, int64_t device_id,
                                 int interval_s, int connected, const char *addr, int64_t at,
                                 struct eg_err *err)
{
    struct eg_stmt *s;
    int rc = eg_db_prepare(
        st,
        "INSERT INTO ingest_device_status (mn, device_id, interval_s, connected, last_addr, "
        "connected_at, connections) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4) "
        "ON CONFLICT(mn) DO UPDATE SET connected = ?4, last_addr = ?5, "
        "connected_at = CASE WHEN ?4 = 1 THEN ?6 ELSE connected_at END, "
        "disconnected_at = CASE WHEN ?4 = 0 THEN ?6 ELSE disconnected_at END, "
        "connections = connections + ?4",
        &s, err);
    if (rc < 0)
        return rc;
    eg_stmt_bind_text(s, 1, mn, strlen(mn));
    eg_stmt_bind_int(s, 2, device_id);
    eg_stmt_bind_int(s, 3, interval_s > 0 ? interval_s : 60);
    eg_stmt_bind_int(s, 4, connected);
    eg_stmt_bind_text(s, 5, addr, strlen(addr));
    eg_stmt_bind_int(s, 6, at);
    rc = eg_stmt_step(s, err);
    eg_stmt_done(s);
    return rc < 0 ? rc : 0;
}
