/*
 * devices: the durable side of HJ 212 devices — landing of acknowledged packets (appended, read
 * back and dropped by the fold into ts), online status, command history. The ingest writer calls
 * these inside its transactions (it turns landed values into ts points itself: the value layout
 * and the checks on it are its own); the CLI and the HTTP API read status and history through
 * them, with or without a running server.
 *
 * Owns the tables of migrations 200-299 (data/migrations/2NN_*.sql): ingest_device_status,
 * ingest_commands, ingest_landing. The registry owns the devices table itself (MN, password,
 * protocol; a 1072 password change is eg_registry_device_password_set); the status queries join
 * it read-only.
 */
#ifndef EG_DEVICES_H
#define EG_DEVICES_H

#include "base/base.h"
#include "db/db.h"

#include <stddef.h>
#include <stdint.h>

/* ---- landing (migration 202) ----
 * An acknowledged data packet is first appended to the landing table (cheap, durable), and
 * later folded into the time-series store in large batches sorted by series; the fold deletes
 * what it moved in the same transaction, so a packet is always in exactly one of the two.
 * vals is the writer's own fixed layout (format 1), opaque here. */
struct eg_devices_landed {
    int64_t id; /* set by eg_devices_landing_scan */
    const char *mn;
    size_t mnlen;
    int cn;
    int64_t t; /* DataTime, UTC seconds */
    int64_t n; /* values in vals */
    const void *vals;
    size_t vals_len;
};

/* Appends p[0..n) (id ignored). Call inside the caller's transaction. */
int eg_devices_land(struct eg_db *st, const struct eg_devices_landed *p, size_t n,
                    struct eg_err *err);

/* Calls fn for up to max landed packets of format 1, oldest first (the pointers are valid during
   the call only); *last_id gets the id of the last row read (0 when none). fn returning < 0
   stops the scan with that code. */
typedef int (*eg_devices_landed_fn)(void *arg, const struct eg_devices_landed *p);
int eg_devices_landing_scan(struct eg_db *st, int max, eg_devices_landed_fn fn, void *arg,
                            int64_t *last_id, struct eg_err *err);

/* Deletes the landed packets with id <= last_id (what a fold moved into the store). */
int eg_devices_landing_drop(struct eg_db *st, int64_t last_id, struct eg_err *err);

/* ---- status (migration 200) ----
 * One row per MN that ever connected: counters are added, times only move forward. */
struct eg_devices_traffic {
    const char *mn;
    int64_t device_id;
    int interval_s;         /* <= 0: 60 */
    int64_t last_packet_at; /* when the last data packet was received */
    int64_t last_data_time; /* its DataTime */
    int last_cn;
    int64_t packets, values; /* added to the counters */
};
int eg_devices_status_traffic(struct eg_db *st, const struct eg_devices_traffic *t,
                              struct eg_err *err);

/* A connection opened (connected = 1) or closed (0) at time at from addr. */
int eg_devices_status_connection(struct eg_db *st, const char *mn, int64_t device_id,
                                 int interval_s, int connected, const char *addr, int64_t at,
                                 struct eg_err *err);

/* Queries as JSON text appended to out. offline_multiple: a device is offline when its last data
   is older than offline_multiple x its interval (or it never sent). Registered devices that
   never connected are included; an MN seen but since deleted from the registry too. */
int eg_devices_status_json(struct eg_db *st, const char *mn, int64_t now, int offline_multiple,
                           struct eg_buf *out, struct eg_err *err);
int eg_devices_offline_json(struct eg_db *st, int64_t now, int offline_multiple, struct eg_buf *out,
                            struct eg_err *err);

/* ---- commands (migration 200) ----
 * Platform -> device commands (HJ 212-2017 Table 9) and their outcome, keyed by (mn, qn). */
struct eg_devices_command {
    const char *mn, *qn;
    int cn;              /* request only */
    const char *status;  /* sent, acked, ok, rejected, failed, timeout, ... */
    const char *text;    /* request: the CP sent; update: the answer's CP, or NULL */
    int qn_rtn, exe_rtn; /* update: 0 = not given (kept) */
    int64_t at;
};
/* Records a request; a second request with the same (mn, qn) is ignored. */
int eg_devices_command_add(struct eg_db *st, const struct eg_devices_command *c,
                           struct eg_err *err);
/* Records an outcome; fields not given keep their values. */
int eg_devices_command_update(struct eg_db *st, const struct eg_devices_command *c,
                              struct eg_err *err);
int eg_devices_command_history_json(struct eg_db *st, const char *mn, int limit, struct eg_buf *out,
                                    struct eg_err *err);

#endif
