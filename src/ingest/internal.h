/*
 * internal.h: what the files of src/ingest share and nobody else sees. The one server struct
 * (struct eg_ingest) holds every piece of state, owned as follows:
 *   - loop thread only: connections, the auth cache, subpacket groups, command trackers;
 *   - writer thread only: its store connection;
 *   - auth thread only: its store connection;
 *   - shared, under a mutex: the writer queue, the auth queue, the completion list, the
 *     command request list; counters are atomics.
 */
#ifndef EG_INGEST_INTERNAL_H
#define EG_INGEST_INTERNAL_H

#include "hj212/hj212.h"
#include "ingest/ingest.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct eg__sink;

#define EG__ING_MN_MAX 32 /* 2017 MN is 24 chars, 2005 14; longer is refused */
#define EG__ING_PW_MAX 16 /* PW is 6 (2005 C6; 2017 9 with "PW=") */
#define EG__ING_CODE_MAX 12
#define EG__ING_FIELD_MAX 12
#define EG__ING_QN_MAX 24

/* ---- writer jobs ---- */
enum { EG__JOB_DATA = 1, EG__JOB_CMD_NEW, EG__JOB_CMD_UPDATE, EG__JOB_CONN_EVENT, EG__JOB_SET_PW };

struct eg__ing_value {
    char code[EG__ING_CODE_MAX];   /* 2017 code when the table knows it, else as on the wire */
    char field[EG__ING_FIELD_MAX]; /* "Rtd", "Avg" … */
    double v;
    char flag; /* data flag, 'N' when the packet gave none */
};

struct eg__ing_job {
    struct eg__ing_job *next;
    int kind;
    uint32_t slot, gen; /* connection the acknowledgement goes to */
    char *ack;          /* prepared 9014 frame(s) sent after the commit, or NULL */
    size_t acklen;
    char mn[EG__ING_MN_MAX];
    int64_t device_id;
    int interval_s;
    int cn;
    int64_t data_time; /* DataTime, UTC seconds (0 = none) */
    int64_t recv_time; /* UTC seconds */
    /* commands (EG__JOB_CMD_*): */
    char qn[EG__ING_QN_MAX];
    char status[16];
    char *text; /* CP sent / result text (malloc), or NULL */
    int qnrtn, exertn;
    /* connection events: 1 connected, 0 disconnected; addr */
    int connected;
    char addr[48];
    int nvalues;
    struct eg__ing_value values[]; /* EG__JOB_DATA */
};

/* A finished batch handed back to the loop: acknowledgements to send. */
struct eg__ing_done {
    struct eg__ing_done *next;
    uint32_t slot, gen;
    char *ack;
    size_t acklen;
};

/* ---- auth ---- */
struct eg__auth_req {
    struct eg__auth_req *next;
    char mn[EG__ING_MN_MAX];
    char pw[EG__ING_PW_MAX];
    int status; /* result: 0 ok, EG_ENOTFOUND, EG_EAUTH, other = could not check */
    struct eg_ingest_device dev;
};

enum { EG__AUTH_NONE = 0, EG__AUTH_PENDING, EG__AUTH_OK };

/* One device known to the loop (verified, being verified, or refused). Owned by the loop. */
struct eg__dev {
    struct eg__dev *next; /* hash chain */
    char mn[EG__ING_MN_MAX];
    char pw[EG__ING_PW_MAX]; /* the verified password (state OK) */
    char pending_pw[EG__ING_PW_MAX];
    int state;
    uint64_t verified_ns; /* cache entry age (re-verified after the TTL) */
    char bad_pw[EG__ING_PW_MAX];
    uint64_t bad_until_ns; /* negative cache for bad_pw (or the MN when unknown) */
    int unknown;           /* the MN is not registered (until bad_until_ns) */
    struct eg_ingest_device dev;
    uint32_t slot, gen;     /* its current connection (commands go there), slot 0 = none */
    char st[8];             /* ST of its packets, used in commands sent to it */
    uint32_t *wslot, *wgen; /* connections holding frames until this device is verified */
    int nw, capw;
};

/* ---- command tracking (loop) ---- */
struct eg__cmd_req {
    struct eg__cmd_req *next;
    char mn[EG__ING_MN_MAX];
    int cn;
    char qn[EG__ING_QN_MAX];
    int64_t qn_ms;
    char *cp;
};

struct eg__cmd {
    struct eg__cmd *next;
    char mn[EG__ING_MN_MAX];
    char qn[EG__ING_QN_MAX];
    int cn;
    char kind; /* 'R' or 'N' */
    int step;  /* 0 waiting 9011 (or 9013), 1 waiting 9012 */
    uint64_t deadline_ns;
    uint32_t slot, gen;
    struct eg_buf result; /* CP of uploads answering the request (same QN), e.g. 1011 SystemTime */
    char *frame;          /* the request as sent, for resending (Table 1: 3 retries) */
    char newpw[EG__ING_PW_MAX]; /* 1072: the password the device takes when it answers ok */
    size_t framelen;
    int retries;
};

/* ---- subpackets (loop) ---- */
struct eg__subgroup {
    struct eg__subgroup *next;
    char mn[EG__ING_MN_MAX];
    int cn, pnum, got;
    int64_t data_time;
    uint64_t deadline_ns;
    uint32_t slot, gen;
    unsigned char *have; /* pnum flags */
    struct eg_buf ack;   /* 9014 of each part (each subpacket has its own QN, 2017 C.50) */
    int nvalues, capvalues;
    struct eg__ing_value *values;
    int64_t device_id;
    int interval_s;
};

/* ---- connections (loop) ---- */
struct eg__conn {
    int fd;
    uint32_t slot, gen;
    struct eg_hj212_framer fr;
    char addr[48];
    unsigned char addr_key[16];
    struct eg_buf out;
    size_t out_off;
    uint64_t opened_ns, last_packet_ns, partial_since_ns;
    uint64_t bytes_since_good;
    int auth_failures, garbage;
    int readable, in_ready, closing;
    struct eg__conn *ready_next, *close_next;
    struct eg__dev *dev; /* authenticated device (the MN the packets carry) */
    /* frames waiting for their (MN,PW) verification */
    struct eg_buf held; /* concatenated frames */
    int nheld;
    struct eg__dev *waiting; /* the device whose verification the held frames wait for */
    int waiting_multi;       /* held frames of several MNs: replay on any answer */
};

struct eg__addr_count {
    struct eg__addr_count *next;
    unsigned char key[16];
    int n;
};

struct eg_ingest {
    struct eg_ingest_config cfg;
    int lfd, epfd, wakefd;
    int port;
    pthread_t loop_th, writer_th, auth_th;
    atomic_int stopping; /* 1: drain asked */
    int loop_done;

    /* connections */
    struct eg__conn **conns; /* by slot; slot 0 unused */
    uint32_t nslots, *free_slots, nfree;
    uint32_t *gens;
    struct eg__conn *ready_head, *ready_tail, *close_head;
    uint32_t *multi_slot, *multi_gen; /* connections waiting for several devices */
    int nmulti, capmulti;
    struct eg__addr_count **addr_tab;
    uint32_t addr_tab_size;

    /* auth cache */
    struct eg__dev **dev_tab;
    uint32_t dev_tab_size;

    struct eg__subgroup *groups;
    int ngroups;
    struct eg__cmd *cmds;

    /* the packet being parsed (large: 256 items), reused */
    struct eg_hj212_packet *pkt;

    /* shared queues */
    pthread_mutex_t mu;
    pthread_cond_t writer_cv, auth_cv;
    struct eg__ing_job *q_head, *q_tail;
    atomic_long q_len;
    struct eg__ing_done *done_head, *done_tail;
    struct eg__auth_req *aq_head, *aq_tail, *ar_head, *ar_tail;
    int aq_len;
    struct eg__cmd_req *cq_head, *cq_tail;
    int writer_exit, auth_exit;
    uint64_t stop_ns;
    int64_t last_qn_ms;

    /* writer thread's connection and sink (opened by threads_start) */
    struct eg_db *writer_store;
    struct eg__sink *writer_sink;

    /* counters */
    atomic_ullong st_conns_open, st_conns_accepted, st_conns_refused_limit, st_conns_closed_idle,
        st_conns_closed_abuse, st_packets, st_values, st_packets_stored, st_values_stored,
        st_acks_sent, st_malformed, st_auth_unknown, st_auth_badpw, st_subgroups, st_subtimeouts,
        st_batches, st_queue_full, st_folded, st_cmd_sent, st_cmd_ok, st_cmd_failed, st_cmd_timeout;

    /* rate-limited logging */
    uint64_t log_window_ns;
    int log_count;
};

/* server.c */
void eg__ingest_wake(struct eg_ingest *srv);
int eg__ingest_send(struct eg_ingest *srv, struct eg__conn *c, const char *p, size_t n);
void eg__ingest_close(struct eg_ingest *srv, struct eg__conn *c, const char *why);
struct eg__conn *eg__ingest_conn_get(struct eg_ingest *srv, uint32_t slot, uint32_t gen);
void eg__ingest_logf(struct eg_ingest *srv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Input of a connection (read_some's body): n bytes were written into the framer's space. */
int eg__ingest_input(struct eg_ingest *srv, struct eg__conn *c, size_t n);
/* The framer has no space left: let it report the stuck frame. 0 when the connection closed. */
int eg__ingest_input_stuck(struct eg_ingest *srv, struct eg__conn *c);
void eg__ingest_reap(struct eg_ingest *srv); /* frees connections marked closing */
/* Detached sessions (fuzz/ingest_session.c, tests): the same session code with no socket, no
   epoll, no thread. Connections have fd -1, and what the server sends them stays in c->out (the
   capture); jobs stay on srv->q_head and auth requests on srv->aq_head for the caller to take
   (single-threaded: the mutex is uncontended). */
struct eg_ingest *eg__ingest_detached_new(const struct eg_ingest_config *cfg);
struct eg__conn *eg__ingest_detached_conn(struct eg_ingest *srv, const char *addr);
void eg__ingest_detached_free(struct eg_ingest *srv);

/* session.c */
void eg__ingest_on_frame(struct eg_ingest *srv, struct eg__conn *c, const char *f, size_t n);
void eg__ingest_auth_done(struct eg_ingest *srv, struct eg__auth_req *r);
void eg__ingest_timers(struct eg_ingest *srv, uint64_t now);
void eg__ingest_conn_gone(struct eg_ingest *srv, struct eg__conn *c);
struct eg__dev *eg__ingest_dev_find(struct eg_ingest *srv, const char *mn, int create);
void eg__ingest_flush_groups(struct eg_ingest *srv);

/* writer.c */
int eg__ingest_threads_start(struct eg_ingest *srv, struct eg_err *err);
void eg__ingest_threads_stop(struct eg_ingest *srv);
void eg__ingest_enqueue(struct eg_ingest *srv, struct eg__ing_job *j);
int eg__ingest_auth_submit(struct eg_ingest *srv, const char *mn, const char *pw);
struct eg__ing_job *eg__ingest_job_new(int kind, int nvalues);
void eg__ingest_job_free(struct eg__ing_job *j);

/* command.c */
void eg__ingest_cmd_requests(struct eg_ingest *srv);
/* Returns 1 when the packet answered a tracked command (it is consumed). */
int eg__ingest_cmd_on_packet(struct eg_ingest *srv, struct eg__conn *c,
                             const struct eg_hj212_packet *p);
void eg__ingest_cmd_timers(struct eg_ingest *srv, uint64_t now);
void eg__ingest_cmd_conn_gone(struct eg_ingest *srv, struct eg__conn *c);
void eg__ingest_span_copy(char *dst, size_t cap, struct eg_hj212_span s);

/* sink.c: writes the values of a data job inside the writer's transaction. */
int eg__sink_open(struct eg__sink **out, struct eg_db *st, struct eg_err *err);
/* all data jobs of a batch (the list) */
/* whole = 1: the batch is written without a savepoint (fast, see EG_TS_NO_SAVEPOINT) and any
   failure is returned for the caller to roll back its whole transaction; whole = 0: a batch
   refused as invalid is retried job by job, so one device's bad packet does not block the
   others. */
int eg__sink_write_batch(struct eg__sink *s, struct eg__ing_job *jobs, int whole,
                         struct eg_err *err);
void eg__sink_close(struct eg__sink *s);
/* writer.c: one fold of up to max landed packets into the store (one durable transaction:
   scan, write, drop); *moved gets the packets moved. Used by the writer and bench/fold.c. */
int eg__ingest_fold(struct eg_db *st, struct eg__sink *sink, int max, int *moved,
                    struct eg_err *err);
/* One try of it: whole = 1 without savepoints (any failure rolls the fold back), whole = 0 with
   a savepoint per write (the path before issue 11; bench/fold.c compares the two). */
int eg__ingest_fold_once(struct eg_db *st, struct eg__sink *sink, int max, int whole, int *moved,
                         struct eg_err *err);
/* The event feed (NULL: none): what the sink wrote since the last publish/discard is published
   after the writer's COMMIT, or discarded after its rollback. */
void eg__sink_set_events(struct eg__sink *s, struct eg_events *events);
void eg__sink_publish(struct eg__sink *s);
void eg__sink_discard(struct eg__sink *s);

/* registry auth (auth.c) */
int eg__ingest_registry_auth(struct eg_db *st, const char *mn, const char *pw,
                             struct eg_ingest_device *dev, struct eg_err *err);

#endif
