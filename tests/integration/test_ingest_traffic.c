/*
 * test_ingest_traffic.c: the ingestion server under the simulator and under hostile traffic:
 *   - reverse control (HJ 212-2017 §6.1, App. C): commands to a simulated device, 9011 then
 *     9012 (or 9013), results and history;
 *   - hostile traffic (random bytes, an endless packet, idle connections, a slowloris sender, a
 *     flood of connections from one address) while a well-behaved device keeps being served;
 *   - SIGKILL while the simulator sends: after a restart every acknowledged packet is stored,
 *     exactly once; SIGTERM drains and exits 0.
 */
#include "auth/auth.h"
#include "devices/devices.h"
#include "test_ingest_util.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

struct sim_run {
    struct eg_sim_config cfg;
    volatile int stop;
    struct eg_sim_result res;
    int rc;
};

static void *sim_thread(void *arg)
{
    struct sim_run *r = arg;
    struct eg_err e = {0};
    r->rc = eg_sim_run(&r->cfg, &r->stop, &r->res, &e);
    return NULL;
}

static int wait_history(const char *db, const char *qn, const char *status, int ms)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ingest_commands WHERE qn = '%s' AND status = '%s'", qn, status);
    for (int i = 0; i < ms / 50; i++) {
        if (ti_query_int(db, sql) == 1)
            return 1;
        usleep(50000);
    }
    return 0;
}

TEST(ingest_commands_to_simulated_device_9011_9012_history)
{
    const char *db = ti_db();
    struct eg_sim_device *devs = eg_sim_devices_generate(1, 42);
    ti_add_device(db, devs[0].mn, devs[0].pw, 1, "2017");
    struct eg_ingest *srv = ti_start(db, NULL);
    struct sim_run r = {0};
    r.cfg.host = "127.0.0.1";
    r.cfg.port = eg_ingest_port(srv);
    r.cfg.devices = devs;
    r.cfg.ndevices = 1;
    r.cfg.interval_s = 60;
    r.cfg.speed = 120;
    r.cfg.duration_s = 20;
    pthread_t th;
    pthread_create(&th, NULL, sim_thread, &r);
    struct eg_ingest_stats s;
    for (int i = 0; i < 100; i++) {
        eg_ingest_stats_get(srv, &s);
        if (s.acks_sent > 0)
            break;
        usleep(50000);
    }
    REQUIRE(s.acks_sent > 0);
    char q1011[18], q1062[18], q2051[18], q2012[18], q3011[18], qbad[18], qoff[18];
    struct eg_err e = {0};
    CHECK_EQ_INT(eg_ingest_command(srv, devs[0].mn, 1011, "", q1011, &e), 0);
    CHECK_EQ_INT(eg_ingest_command(srv, devs[0].mn, 1062, "RtdInterval=30", q1062, &e), 0);
    char cp[96], b[15], en[15];
    int64_t t0 = ti_recent();
    eg_hj212_time_format(t0, b);
    eg_hj212_time_format(t0 + 180, en);
    snprintf(cp, sizeof cp, "BeginTime=%.14s;EndTime=%.14s", b, en);
    CHECK_EQ_INT(eg_ingest_command(srv, devs[0].mn, 2051, cp, q2051, &e), 0);
    CHECK_EQ_INT(eg_ingest_command(srv, devs[0].mn, 3011, "PolId=w01018", q3011, &e), 0);
    CHECK_EQ_INT(eg_ingest_command(srv, devs[0].mn, 2012, "", q2012, &e), 0);
    CHECK_EQ_INT(eg_ingest_command(srv, devs[0].mn, 1062, "RtdInterval=5", qbad, &e), 0);
    CHECK_EQ_INT(eg_ingest_command(srv, "NOTCONNECTED0000000000001", 1011, "", qoff, &e), 0);
    CHECK_EQ_INT(eg_ingest_command(srv, devs[0].mn, 9999, "", qoff + 0, &e), EG_EINVAL);
    CHECK_EQ_INT(eg_ingest_command(srv, devs[0].mn, 1012, "SystemTime=1&&x", qoff + 0, &e),
                 EG_EINVAL);
    CHECK(wait_history(db, q1011, "ok", 5000));
    CHECK(wait_history(db, q1062, "ok", 5000));
    CHECK(wait_history(db, q2051, "ok", 5000));
    CHECK(wait_history(db, q3011, "ok", 5000));
    CHECK(wait_history(db, q2012, "ok", 5000));
    CHECK(wait_history(db, qbad, "failed", 5000)); /* ExeRtn=3: RtdInterval out of 30..3600 */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ingest_commands WHERE qn = '%s' AND "
             "status = 'not_connected'",
             qoff);
    CHECK_EQ_INT(ti_query_int(db, sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ingest_commands WHERE qn = '%s' AND "
             "qn_rtn = 1 AND exe_rtn = 1 AND result LIKE '%%SystemTime=%%'",
             q1011);
    CHECK_EQ_INT(ti_query_int(db, sql), 1);
    /* the re-uploaded minute data (BeginTime..EndTime) is stored */
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT t) FROM " TI_SAMPLES " WHERE cn = 2051 AND "
             "t BETWEEN %lld AND %lld",
             (long long)t0, (long long)t0 + 180);
    CHECK_EQ_INT(ti_wait_int(db, sql, 4, 3000), 4);
    struct eg_db *st;
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    struct eg_buf hb = {0};
    CHECK_EQ_INT(eg_devices_command_history_json(st, devs[0].mn, 10, &hb, &e), 0);
    eg_buf_append(&hb, "", 1);
    CHECK(strstr(hb.data, "\"cn\":3011") != NULL);
    eg_buf_free(&hb);
    eg_db_close(st);
    /* 1072 set the password: the device signs with NewPW and keeps being served; the registry
       holds the new hash */
    char q1072[18];
    CHECK_EQ_INT(eg_ingest_command(srv, devs[0].mn, 1072, "NewPW=654321", q1072, &e), 0);
    CHECK(wait_history(db, q1072, "ok", 5000));
    eg_ingest_stats_get(srv, &s);
    uint64_t acks = s.acks_sent;
    uint64_t refused = s.auth_refused_bad_pw;
    for (int i = 0; i < 60 && s.acks_sent < acks + 3; i++) {
        usleep(100000);
        eg_ingest_stats_get(srv, &s);
    }
    CHECK(s.acks_sent >= acks + 3);
    CHECK_EQ_INT(s.auth_refused_bad_pw, refused);
    usleep(300000);
    {
        struct eg_db *st2;
        int64_t id = 0;
        REQUIRE(eg_db_open(db, &st2, &e) == 0);
        CHECK_EQ_INT(eg_registry_device_check(st2, devs[0].mn, "654321", 6, &id, &e), 0);
        eg_db_close(st2);
    }
    __atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED); /* the simulator threads read it */
    pthread_join(th, NULL);
    CHECK(r.res.commands_answered >= 7);
    eg_ingest_stop(srv);
    free(devs);
}

/* Hostile traffic never stops a well-behaved device from being served (acknowledged). */
TEST(ingest_hostile_traffic_good_device_still_served)
{
    const char *db = ti_db();
    ti_add_device(db, "010000A8900016F000169DC0", "123456", 1, "2017");
    struct eg_ingest_config c;
    eg_ingest_config_default(&c);
    c.max_conns_per_addr = 60;
    c.packet_timeout_ms = 1000;
    c.auth_timeout_ms = 1500;
    c.max_packet = 2048;
    struct eg_ingest *srv = ti_start(db, &c);
    int port = eg_ingest_port(srv);
    int good = ti_connect(port);

    /* random bytes */
    int rnd = ti_connect(port);
    char junk[65536];
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < sizeof junk; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        junk[i] = (char)x;
    }
    for (int i = 0; i < 4; i++)
        ti_send(rnd, junk, sizeof junk);
    /* an endless packet: a header, then never a CRLF */
    int endless = ti_connect(port);
    ti_send(endless, "##0900QN=", 9);
    memset(junk, 'A', sizeof junk);
    for (int i = 0; i < 4; i++)
        ti_send(endless, junk, sizeof junk);
    /* idle connections */
    int idle[30];
    for (int i = 0; i < 30; i++)
        idle[i] = ti_connect(port);
    /* slowloris: a byte every 150 ms */
    int slow = ti_connect(port);
    const char *slowtxt = "##0101QN=20160801085857223;ST=32;CN=2011;";

    char f[2048], buf[8192];
    int acked = 0, sent = 0;
    int64_t dt = ti_recent();
    for (int k = 0; k < 20; k++) {
        size_t n = ti_upload(f, sizeof f, "010000A8900016F000169DC0", "123456", 2011, dt + k,
                             (dt + k) * 1000, 5, 0, 0, 2017,
                             (const struct eg_hj212_value[]){{"w01018", "Rtd", "30.1"}}, 1);
        ti_send(good, f, n);
        sent++;
        if (ti_wait_for(good, "CN=9014", 2000, buf, sizeof buf))
            acked++;
        if (k < (int)strlen(slowtxt))
            ti_send(slow, slowtxt + k, 1);
        usleep(150000);
    }
    CHECK_EQ_INT(acked, sent);
    /* a flood of connections from one address: beyond the cap they are refused */
    int flood[80], nflood = 0;
    for (int i = 0; i < 80; i++) {
        flood[nflood++] = ti_connect(port);
    }
    usleep(300000);
    struct eg_ingest_stats s;
    eg_ingest_stats_get(srv, &s);
    CHECK(s.conns_refused_limit > 0);
    CHECK(s.conns_open <= 60);
    CHECK(s.conns_closed_abuse >= 2); /* random bytes, endless packet */
    CHECK(s.conns_closed_idle >= 31); /* idle ones and the slowloris */
    CHECK(s.malformed > 0);
    /* the slowloris and the idle sockets were closed by the server */
    CHECK_EQ_INT(ti_read(slow, buf, sizeof buf, 1000), -1);
    CHECK_EQ_INT(ti_read(idle[0], buf, sizeof buf, 1000), -1);
    /* and the good device is still served */
    for (int i = 0; i < nflood; i++)
        close(flood[i]);
    usleep(100000);
    size_t n = ti_upload(f, sizeof f, "010000A8900016F000169DC0", "123456", 2011, dt + 100,
                         (dt + 100) * 1000, 5, 0, 0, 2017,
                         (const struct eg_hj212_value[]){{"w01018", "Rtd", "30.1"}}, 1);
    ti_send(good, f, n);
    CHECK(ti_wait_for(good, "CN=9014", 3000, buf, sizeof buf));
    for (int i = 0; i < 30; i++)
        close(idle[i]);
    close(rnd);
    close(endless);
    close(slow);
    close(good);
    eg_ingest_stop(srv);
}

static pid_t spawn_server(const char *db, int port)
{
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        /* exec `envgov serve --hj212` at once: the parent runs threads (the simulator), and a
           forked child of a threaded process must not start threads of its own (ThreadSanitizer
           refuses it; POSIX allows only async-signal-safe calls there) */
        char hj[64], dbarg[600];
        snprintf(hj, sizeof hj, "127.0.0.1:%d", port);
        snprintf(dbarg, sizeof dbarg, "%s", db);
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        char *argv[] = {(char *)eg_test_bin(), "serve", "--db", dbarg, "--hj212", hj, "--http",
                        "127.0.0.1:0",         NULL};
        execv(argv[0], argv);
        _exit(3);
    }
    /* wait until it accepts */
    for (int i = 0; i < 100; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            break;
        usleep(50000);
    }
    return pid;
}

/* The durability test: SIGKILL while the simulator sends; after the restart every
   acknowledged packet is stored, exactly once (each of its values once in its series). */
TEST(ingest_sigkill_every_acknowledged_packet_stored_once)
{
    const char *db = ti_db();
    int ndev = 20;
    struct eg_sim_device *devs = eg_sim_devices_generate(ndev, 7);
    for (int i = 0; i < ndev; i++)
        ti_add_device(db, devs[i].mn, devs[i].pw, devs[i].kind == 'a' ? 0 : 1, "2017");
    int port = eg_test_free_port();
    pid_t pid = spawn_server(db, port);
    char acklog[600];
    snprintf(acklog, sizeof acklog, "%s/acks.txt", eg_test_tmpdir());
    struct sim_run r = {0};
    r.cfg.host = "127.0.0.1";
    r.cfg.port = port;
    r.cfg.devices = devs;
    r.cfg.ndevices = ndev;
    r.cfg.interval_s = 60;
    r.cfg.speed = 1200; /* 20 real-time packets/s per device, minute packets too */
    r.cfg.start_time = ti_recent() - 2 * 3600;
    r.cfg.duration_s = 4;
    r.cfg.ack_log = acklog;
    pthread_t th;
    pthread_create(&th, NULL, sim_thread, &r);
    usleep(1500000);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    usleep(300000);
    pid = spawn_server(db, port);
    pthread_join(th, NULL);
    /* SIGTERM: drains and exits cleanly */
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(r.res.acked > 200);
    CHECK(r.res.reconnects > 0);

    size_t len = 0;
    char *log = eg_test_read_file(acklog, &len);
    REQUIRE(log);
    struct eg_db *st;
    struct eg_err e = {0};
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    struct eg_ts *tsv;
    REQUIRE(eg_ts_open(st, &tsv, &e) == 0);
    REQUIRE(eg_ts_rows_view(tsv, &e) == 0); /* the open-day rows, decoded (TEMP ts_raw) */
    eg_ts_close(tsv);
    struct eg_stmt *s;
    REQUIRE(eg_db_prepare(st,
                          "SELECT count(*) FROM ts_raw r JOIN ts_series s ON s.id = r.series_id "
                          "WHERE s.source = ? AND s.kind = ? AND r.t = ?",
                          &s, &e) == 0);
    int lines = 0, missing = 0;
    for (char *line = log, *nl; line < log + len; line = nl + 1) {
        nl = memchr(line, '\n', (size_t)(log + len - line));
        if (!nl)
            break;
        *nl = 0;
        char mn[32], dt[16], qn[20];
        int cn, nv;
        if (sscanf(line, "%31s %d %15s %19s %d", mn, &cn, dt, qn, &nv) != 5)
            continue;
        int64_t t;
        int ms;
        REQUIRE(eg_hj212_time_parse(dt, 14, &t, &ms) == 0);
        eg_stmt_bind_text(s, 1, mn, strlen(mn));
        eg_stmt_bind_int(s, 2, cn);
        eg_stmt_bind_int(s, 3, t);
        REQUIRE(eg_stmt_step(s, &e) == 1);
        if (eg_stmt_int(s, 0) != nv)
            missing++;
        eg_stmt_done(s);
        lines++;
    }
    CHECK(lines > 200);
    CHECK_EQ_INT(missing, 0);
    /* what landed before the kill was folded after the restart: nothing left behind */
    CHECK_EQ_INT(ti_query_int(db, "SELECT count(*) FROM ingest_landing"), 0);
    eg_db_close(st);
    free(log);
    free(devs);
}
