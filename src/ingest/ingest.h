/*
 * ingest: the HJ 212 TCP server for monitoring devices (数采仪), and the device simulator.
 *
 * Threads (STYLE.md: the event-loop thread owns every connection; blocking work never runs on it):
 *   - the loop thread: one epoll loop, edge triggered, non-blocking sockets; a framer per
 *     connection (bounded buffer), parse, auth cache lookup, subpacket reassembly, command
 *     tracking, acknowledgements. It never touches SQLite or Argon2id.
 *   - the auth thread: verifies (MN, PW) against the registry (Argon2id, slow on purpose) and
 *     hands the result back; the loop caches verified pairs in memory.
 *   - the writer thread: pops data jobs from a bounded queue, writes them in one transaction per
 *     batch (group commit) and only then hands the prepared 9014 acknowledgements back. What it
 *     writes besides samples (landing, status, command history) goes through devices/devices.h.
 *
 * "Durable" here: the batch's COMMIT has returned on a connection opened durable (eg_db_open_opts:
 * WAL with synchronous=FULL), so the WAL is fsync'ed before the commit returns: an acknowledged
 * packet survives the process being killed and the machine losing power (SQLite's guarantee,
 * assuming the disk honours fsync). A 9014 is never sent before that point.
 */
#ifndef EG_INGEST_H
#define EG_INGEST_H

#include "base/app.h"
#include "base/base.h"
#include "db/db.h"

#include <stdint.h>

/* What the loop learns about a device once its (MN, PW) is verified. */
struct eg_ingest_device {
    int64_t id;             /* registry id, 0 when the auth hook has none */
    int edition;            /* 2005 or 2017: how responses are built (hj212.md §1.7) */
    int crc_modbus_swapped; /* device uses the byte-swapped Modbus CRC (hj212.md §0.4) */
    int lenient;            /* parse leniently (per-device setting) */
    int interval_s;         /* expected upload interval, for online/offline */
};

/* Verifies (mn, pw): 0 and *dev filled, EG_ENOTFOUND for an unknown MN, EG_EAUTH for a wrong
   password. Runs on the auth thread. The default checks the registry's Argon2id hash. */
typedef int (*eg_ingest_auth_fn)(void *arg, const char *mn, const char *pw,
                                 struct eg_ingest_device *dev, struct eg_err *err);

struct eg_ingest_config {
    const char *db_path;    /* SQLite file; the writer and the auth thread open their own */
    const char *addr;       /* listen address, default "0.0.0.0" */
    int port;               /* 0 = any free port (see eg_ingest_port) */
    int max_conns;          /* total open device connections (default 20000) */
    int max_conns_per_addr; /* per remote IP (default 2000; devices behind a carrier NAT share one)
                             */
    int max_packet; /* bytes of one frame (default 4096; the standard says 1036, real traffic 1623)
                     */
    int max_outbuf; /* unsent bytes per connection before it is dropped (default 65536) */
    int idle_timeout_ms;   /* no complete packet for this long: closed (default 600000) */
    int packet_timeout_ms; /* a started packet must complete within (slowloris; default 30000) */
    int auth_timeout_ms;   /* a new connection must send a valid packet within (default 60000) */
    int auth_fail_close;   /* refused packets on a connection before it is closed (default 3) */
    int garbage_close;     /* malformed frames on a connection before it is closed (default 20) */
    int queue_cap;         /* writer queue, in packets (default 8192: bounds the ack latency) */
    int batch_max;         /* packets per group commit (default 4096) */
    int subpacket_timeout_ms; /* PNUM/PNO reassembly (default 60000) */
    int cmd_timeout_ms;       /* per step of a command (9011, then 9012); default 10000 (Table 1) */
    int negative_cache_ms;  /* a refused (MN,PW) is refused without re-verifying for (default 60000)
                             */
    eg_ingest_auth_fn auth; /* NULL: registry; tests and the bench may supply their own */
    void *auth_arg;
    int store_samples;        /* 1 (default): write values to the time-series store */
    int landing;              /* 1 (default): acknowledged packets land in ingest_landing and are
                                 folded into the store in large batches (see docs/ingest.md);
                                 0: written to the store in the acknowledging transaction */
    int fold_max;             /* at most this many packets per fold slice (default 4000) */
    int fold_interval_ms;     /* under load, fold at least this often (default 10000); when the
                                 queue is idle, fold continuously */
    struct eg_events *events; /* NULL: none. After each commit that puts values into the
                                 time-series store (the fold with landing, else the batch), an
                                 EG_EVENT_INGEST batch names the (MN, pollutant, CN) series and
                                 hours it got; collected only while someone subscribes */
};

struct eg_ingest;

void eg_ingest_config_default(struct eg_ingest_config *c);
/* Binds, opens the database connections, starts the threads. */
int eg_ingest_start(const struct eg_ingest_config *c, struct eg_ingest **out, struct eg_err *err);
int eg_ingest_port(const struct eg_ingest *srv);
/* Drains and stops: stops accepting and reading, commits everything queued, sends the last
   acknowledgements, closes connections, joins the threads, frees. */
void eg_ingest_stop(struct eg_ingest *srv);
/* Runs until SIGTERM/SIGINT, then drains and stops (for `envgov ingest serve`). */
int eg_ingest_serve_forever(const struct eg_ingest_config *c, struct eg_err *err);

/* `envgov serve`: starts the listener as a service of the application (addr/port from
   --hj212 ADDR:PORT; database and event feed from app), sets app->ingest (what the HTTP API,
   api_devices.c, sends commands through) and adds its counters to /metrics. Stop clears
   app->ingest: serve stops the HTTP API first. */
int eg_ingest_service_start(struct eg_app *app, const char *addr, int port, struct eg_err *err);
void eg_ingest_service_stop(struct eg_app *app);

/* Counters for /metrics (monotonic unless said otherwise). */
struct eg_ingest_stats {
    uint64_t conns_open; /* gauge */
    uint64_t conns_accepted, conns_refused_limit, conns_closed_idle, conns_closed_abuse;
    uint64_t packets, values;               /* accepted (queued for the writer) */
    uint64_t packets_stored, values_stored; /* committed */
    uint64_t packets_folded; /* moved from the landing table into the time-series store */
    uint64_t acks_sent, malformed, auth_refused_unknown_mn, auth_refused_bad_pw;
    uint64_t subpacket_groups, subpacket_timeouts, batches, queue_full_waits;
    uint64_t commands_sent, commands_ok, commands_failed, commands_timeout;
    uint64_t queue_len; /* gauge */
};
void eg_ingest_stats_get(struct eg_ingest *srv, struct eg_ingest_stats *out);
/* Copies the stats into the metrics registry (base.h; envgov_hj212_* names). */
void eg_ingest_stats_to_metrics(struct eg_ingest *srv);
/* The same, then appends the whole registry in Prometheus text format. */
void eg_ingest_stats_prometheus(struct eg_ingest *srv, struct eg_buf *out);

/* Reverse control (上位机 -> 现场机, HJ 212-2017 Table 9). Thread safe. cp is the data area
   content without the surrounding "&&" (e.g. "BeginTime=20240101000000;EndTime=20240101010000"),
   may be empty. The QN (unique per platform) is written to qn_out (>= 18 bytes). The command is
   recorded in the history with its outcome (sent, acked, ok, failed, rejected, timeout,
   not_connected, disconnected). EG_EINVAL for a CN the platform does not send. */
int eg_ingest_command(struct eg_ingest *srv, const char *mn, int cn, const char *cp, char *qn_out,
                      struct eg_err *err);
/* 1 when cn is a platform -> device command this server sends and tracks. kind_out: 'R' request
   (9011 then 9012), 'N' notification (9013). */
int eg_ingest_command_known(int cn, char *kind_out);
/* The CNs covered, for documentation: NULL-terminated table of {cn, kind, what}. */
struct eg_ingest_cn_info {
    int cn;
    char kind;
    const char *what;
};
extern const struct eg_ingest_cn_info eg_ingest_cn_table[];

/* Status, offline devices and command history: devices/devices.h (eg_devices_*_json). */

/* The simulator (`envgov sim`, the bench): N devices speaking HJ 212 to a server. */
#define EG_SIM_MAX_POLLUTANTS 12
struct eg_sim_device {
    char mn[32];
    char pw[16];
    char kind;   /* 'w' waste-water outlet, 'g' stack gas outlet, 'a' ambient air station,
                    's' surface-water section, 'n' noise station */
    int edition; /* 2005 or 2017 */
    int level;   /* 's': the GB 3838 class the section mostly meets (1..6, 6 = 劣V; 0 = III);
                    'n': its GB 3096 zone (EG_QN_*) */
    /* The pollutants it sends (HJ 212-2017 codes); 0 = the kind's default set. An outlet's
       values are scaled to its permit limit (limit[i] > 0): mostly 25-60 % of it, and some
       outlets (eg_sim_exceeder) exceed it for a few hours now and then. */
    int npollutants;
    char pollutant[EG_SIM_MAX_POLLUTANTS][12];
    double limit[EG_SIM_MAX_POLLUTANTS];
};
/* The value model (shared by the simulator's packets and the demo's stored history, so that
   live data continues the history): the value of the device's pollutant i (its own list, or
   the kind's default set) at time t (UTC seconds; an hourly Avg is the value at the hour's
   start). Seasonal and daily cycles, a district-wide weather factor for air stations, noise;
   deterministic in (MN, t). Returns NAN when i is out of range; *code gets the pollutant's
   HJ 212-2017 code and *decimals its precision (either may be NULL). */
double eg_sim_value(const struct eg_sim_device *d, int i, int64_t t, const char **code,
                    int *decimals);
/* The number of pollutants the device sends. */
int eg_sim_npollutants(const struct eg_sim_device *d);
/* 1 when the outlet exceeds its permit limits now and then (about 1 outlet in 12). */
int eg_sim_exceeder(const struct eg_sim_device *d);
/* The class a water section with target class (1..5, 0 = III) mostly meets: the target for
   most sections, one class better or worse (劣V at most) for some, by the MN. */
int eg_sim_water_level(const char *mn, int target_class);
struct eg_sim_config {
    const char *host;
    int port;
    struct eg_sim_device *devices;
    int ndevices;
    double interval_s;    /* data interval (virtual seconds between real-time samples) */
    double speed;         /* virtual seconds per wall second (1 = real time) */
    int64_t start_time;   /* first DataTime (UTC seconds); 0 = now aligned to the interval */
    int64_t *starts;      /* when set: each device's first DataTime (0 = start_time); a device
                             behind the clock catches up at catchup_speed, then runs in real
                             time (speed is not used) */
    double catchup_speed; /* default 120 */
    double duration_s;    /* wall seconds to run; 0 = until signalled */
    long max_packets;     /* per device; 0 = unlimited */
    double malformed;     /* share of malformed packets, 0..1 */
    int threads;          /* client threads (each its own epoll), default 1 */
    int connect_per_tick; /* new connections per 10 ms (ramp), default 500 */
    const char *ack_log;  /* when set: one line "MN CN DataTime QN" per acknowledged packet */
    int quiet;
};
struct eg_sim_result {
    uint64_t sent, acked, malformed_sent, commands_answered, reconnects, resent;
    uint64_t values_sent, connected;
    double lat_p50_ms, lat_p99_ms, lat_max_ms, wall_s;
};
/* Runs until duration, max_packets or *stop becomes non-zero (may be NULL). */
int eg_sim_run(const struct eg_sim_config *c, volatile int *stop, struct eg_sim_result *res,
               struct eg_err *err);
/* The upload a simulated device sends for cn (2011, 2051, 2061, 2031) at DataTime dt (UTC
   seconds), Flag with the A bit; deterministic (a resend is identical). *nvalues = numeric
   values in it. */
int eg_sim_packet(const struct eg_sim_device *d, int cn, int64_t dt, char *out, size_t cap,
                  size_t *len, int *nvalues);
/* Fills n generated devices with a mix of kinds: 2017 devices (MN 24 hex characters) and every
   tenth a 2005 device (MN 14 characters); PW 6 digits. Caller frees. */
struct eg_sim_device *eg_sim_devices_generate(int n, uint64_t seed);

#endif
