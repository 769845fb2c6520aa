/*
 * sim.c: the device simulator (`envgov sim`, the ingest benchmark and tests): N devices, each
 * on its own TCP connection, speaking HJ 212 as a field data logger (数采仪) does:
 *   - uploads real-time data (2011) every interval of virtual time, minute data (2051) when a
 *     minute closes, hour (2061) and day (2031) data likewise, with Flag A bit set (2017:
 *     Flag=5; 2005: Flag=1) and realistic values for its kind (water outlet: flow, pH, COD,
 *     NH3-N, TP, TN; stack gas: SO2, NOx, smoke with converted values, O2, flue temperature,
 *     flow; ambient air station: PM2.5, PM10, SO2, NO2, CO, O3);
 *   - waits for each 9014, resends unacknowledged packets (after a timeout or a reconnect:
 *     HJ 212-2017 Table 1 retries), so the platform may see a packet twice;
 *   - answers the platform's commands: 9011 then 9012 for requests (with the data asked for:
 *     1011 clock, 1061/1063 intervals, 2031/2051/2061 history for a range, 3019 SN …), 9013 for
 *     2012/2022, stops/starts real-time data;
 *   - optionally sends a share of malformed packets (bad CRC, bad length, garbage).
 * Virtual time runs `speed` times faster than the wall clock, so a day of minute data can be
 * sent in seconds; values are a function of (device, time), so a resent packet is identical.
 */
#include "ingest/internal.h"
#include "quality/quality.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define SIM_PENDING 128                   /* unacknowledged packets kept per device */
#define SIM_ACK_TIMEOUT_NS 10000000000ull /* Table 1: 10 s over GPRS */
#define SIM_RETRIES 3
#define LAT_BUCKETS 200000 /* 0.1 ms buckets up to 20 s */

struct pollutant_model {
    const char *code2017, *code2005;
    double base, amp, noise;
    int decimals;
    int cou; /* has a cumulative amount in 2051/2061/2031 */
    int zs;  /* has converted (折算) values */
};

/* Realistic ranges for a Shanghai district (permit limits are the scale: COD 50-100 mg/L,
   NH3-N 5-8 mg/L for GB 8978/DB31 199; SO2 35-200 mg/m3, NOx 50-300 mg/m3 for stack gas). */
static const struct pollutant_model water[] = {
    {"w00000", "B01", 18.0, 8.0, 2.0, 2, 1, 0},   /* flow L/s */
    {"w01001", "001", 7.3, 0.3, 0.1, 2, 0, 0},    /* pH */
    {"w01018", "011", 38.0, 12.0, 4.0, 1, 1, 0},  /* COD mg/L */
    {"w21003", "060", 2.4, 1.2, 0.4, 2, 1, 0},    /* NH3-N mg/L */
    {"w21011", "101", 0.35, 0.12, 0.05, 3, 0, 0}, /* TP mg/L */
    {"w21001", "065", 11.0, 3.0, 1.0, 2, 0, 0},   /* TN mg/L */
};
static const struct pollutant_model gas[] = {
    {"a21026", "02", 18.0, 8.0, 3.0, 2, 1, 1},   /* SO2 mg/m3 */
    {"a21002", "03", 62.0, 20.0, 6.0, 1, 1, 1},  /* NOx mg/m3 */
    {"a34013", "01", 4.5, 2.0, 0.8, 2, 1, 1},    /* smoke mg/m3 */
    {"a19001", "S01", 9.2, 1.2, 0.3, 1, 0, 0},   /* O2 % */
    {"a01012", "S03", 86.0, 15.0, 2.0, 1, 0, 0}, /* flue temperature C */
    {"a00000", "B02", 42.0, 10.0, 2.0, 1, 1, 0}, /* flue gas flow m3/s */
    {"a01011", "S02", 11.5, 2.0, 0.5, 2, 0, 0},  /* flue gas velocity m/s */
};
static const struct pollutant_model air[] = {
    {"a34004", NULL, 32.0, 18.0, 6.0, 0, 0, 0},  /* PM2.5 ug/m3 */
    {"a34002", NULL, 55.0, 25.0, 9.0, 0, 0, 0},  /* PM10 ug/m3 */
    {"a21026", NULL, 6.0, 3.0, 1.0, 0, 0, 0},    /* SO2 ug/m3 */
    {"a21004", NULL, 34.0, 15.0, 5.0, 0, 0, 0},  /* NO2 ug/m3 */
    {"a21005", NULL, 0.7, 0.25, 0.08, 2, 0, 0},  /* CO mg/m3 */
    {"a05024", NULL, 80.0, 50.0, 10.0, 0, 0, 0}, /* O3 ug/m3 */
};

/* Surface-water section (GB 3838-2002 factors): the typical value for the class the section
   meets is in value_of_level; base here is unused. */
static const struct pollutant_model section[] = {
    {"w01001", NULL, 7.4, 0.2, 0.1, 2, 0, 0}, /* pH */
    {"w01009", NULL, 0, 0, 0, 2, 0, 0},       /* DO mg/L */
    {"w01019", NULL, 0, 0, 0, 2, 0, 0},       /* CODMn mg/L */
    {"w01018", NULL, 0, 0, 0, 1, 0, 0},       /* COD mg/L */
    {"w01017", NULL, 0, 0, 0, 2, 0, 0},       /* BOD5 mg/L */
    {"w21003", NULL, 0, 0, 0, 3, 0, 0},       /* NH3-N mg/L */
    {"w21011", NULL, 0, 0, 0, 3, 0, 0},       /* TP mg/L */
    {"w21001", NULL, 0, 0, 0, 2, 0, 0},       /* TN mg/L */
};
/* Typical values by class II, III, IV, V, 劣V: inside the class's range of GB 3838-2002 Table 1
   (river TP), so that daily and monthly means meet that class. pH and the rest follow. */
static const struct {
    const char *code;
    double v[5];
} section_level[] = {
    {"w01009", {6.8, 5.6, 4.2, 2.6, 1.5}},      {"w01019", {3.2, 5.0, 8.0, 12.5, 17.0}},
    {"w01018", {12.0, 17.5, 25.0, 35.0, 48.0}}, {"w01017", {2.4, 3.5, 5.0, 8.0, 12.0}},
    {"w21003", {0.32, 0.75, 1.25, 1.75, 2.6}},  {"w21011", {0.07, 0.15, 0.25, 0.35, 0.5}},
    {"w21001", {0.4, 0.8, 1.3, 1.8, 2.8}},
};
static const struct pollutant_model noise_model[] = {
    {"LA", NULL, 0, 0, 0, 1, 0, 0}, /* A-weighted equivalent level, dB(A) */
};

struct pending {
    int used, tries;
    int cn;
    int64_t dt;
    char qn[18];
    uint64_t sent_ns;
    int nvalues;
};

struct sdev {
    struct eg_sim_device d;
    int64_t start; /* DataTime of sample 0 */
    int idx, fd, connected, connecting;
    uint64_t phase_ns, next_ns, reconnect_ns;
    long k; /* index of the next real-time sample */
    int realtime_on;
    double rtd_interval;
    struct eg_hj212_framer fr;
    struct eg_buf out;
    size_t out_off;
    struct pending pend[SIM_PENDING];
    int npend;
    uint64_t seed;
    int heap_pos;
    int done;
};

struct simth {
    const struct eg_sim_config *cfg;
    struct sdev **devs;
    int ndevs;
    int epfd;
    struct sdev **heap;
    int nheap;
    uint32_t *lat;
    uint64_t sent, acked, malformed, answered, reconnects, resent, values;
    volatile int *stop;
    uint64_t t0;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    FILE *acklog;
    pthread_mutex_t *acklog_mu;
    struct eg_hj212_packet *pkt;
    int finished;
    pthread_t th;
};

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double unit_rand(uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t s = seed ^ (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full);
    return (double)(splitmix(&s) >> 11) / 9007199254740992.0;
}

struct eg_sim_device *eg_sim_devices_generate(int n, uint64_t seed)
{
    struct eg_sim_device *d = eg_calloc((size_t)(n > 0 ? n : 1), sizeof *d);
    static const char kinds[] = {'w', 'g', 'a', 'w', 'g'};
    for (int i = 0; i < n; i++) {
        uint64_t s = seed + (uint64_t)i;
        d[i].kind = kinds[i % 5];
        d[i].edition = i % 10 == 9 ? 2005 : 2017;
        if (d[i].edition == 2005) /* 2005 §6.3.2: 14 characters, org code + serial */
            snprintf(d[i].mn, sizeof d[i].mn, "%03u%04u%07d", (unsigned)(seed % 1000),
                     (unsigned)d[i].kind, i);
        else /* 2017 Table 3: EPC-96, 24 hex characters */
            snprintf(d[i].mn, sizeof d[i].mn, "3101%04X%04X%012llX", (unsigned)(seed & 0xFFFF),
                     (unsigned)(d[i].kind), (unsigned long long)i);
        snprintf(d[i].pw, sizeof d[i].pw, "%06u", (unsigned)(splitmix(&s) % 1000000));
    }
    return d;
}

static void model_of(char kind, const struct pollutant_model **m, int *n, const char **st)
{
    if (kind == 'w') {
        *m = water;
        *n = (int)EG_ARRAY_LEN(water);
        *st = "32";
    } else if (kind == 'g') {
        *m = gas;
        *n = (int)EG_ARRAY_LEN(gas);
        *st = "31";
    } else if (kind == 's') {
        *m = section;
        *n = (int)EG_ARRAY_LEN(section);
        *st = "21"; /* 地表水质量监测 */
    } else if (kind == 'n') {
        *m = noise_model;
        *n = (int)EG_ARRAY_LEN(noise_model);
        *st = "23"; /* 声环境质量监测 */
    } else {
        *m = air;
        *n = (int)EG_ARRAY_LEN(air);
        *st = "22";
    }
}

static uint64_t mn_seed(const char *mn)
{
    uint64_t seed = 0x5EED0000ull;
    for (const char *s = mn; *s; s++)
        seed = seed * 131 + (unsigned char)*s;
    return seed;
}

int eg_sim_npollutants(const struct eg_sim_device *d)
{
    if (d->npollutants > 0)
        return d->npollutants < EG_SIM_MAX_POLLUTANTS ? d->npollutants : EG_SIM_MAX_POLLUTANTS;
    const struct pollutant_model *m;
    int n;
    const char *st;
    model_of(d->kind, &m, &n, &st);
    return n;
}

int eg_sim_exceeder(const struct eg_sim_device *d)
{
    return (d->kind == 'w' || d->kind == 'g') && d->npollutants > 0 &&
           unit_rand(mn_seed(d->mn), 5, 5) < 1.0 / 12;
}

int eg_sim_water_level(const char *mn, int target_class)
{
    int c = target_class >= 1 && target_class <= 5 ? target_class : 3;
    double u = unit_rand(mn_seed(mn), 9, 46); /* 46: the demo's 10 sections get II to 劣V */
    if (u < 0.25 && c > 2)
        return c - 1; /* better than its target */
    if (u > 0.85)
        return c + 1; /* worse (劣V at most) */
    return c < 2 ? 2 : c;
}

/* Smooth noise in [-1, 1]: knots every unit of x, linear between them. */
static double smooth(uint64_t seed, double x, uint64_t salt)
{
    double f = floor(x), w = x - f;
    double a = 2 * unit_rand(seed, (uint64_t)(int64_t)f, salt) - 1;
    double b = 2 * unit_rand(seed, (uint64_t)(int64_t)f + 1, salt) - 1;
    return a + (b - a) * w;
}

/* The model of pollutant i of d (its own list scaled to its limits, or the kind's defaults). */
static int model_at(const struct eg_sim_device *d, uint64_t seed, int i,
                    struct pollutant_model *out)
{
    const struct pollutant_model *m;
    int n;
    const char *st;
    model_of(d->kind, &m, &n, &st);
    if (d->npollutants <= 0) {
        if (i < 0 || i >= n)
            return -1;
        *out = m[i];
        return 0;
    }
    if (i < 0 || i >= eg_sim_npollutants(d))
        return -1;
    const char *code = d->pollutant[i];
    for (int k = 0; k < n; k++)
        if (!strcmp(m[k].code2017, code)) {
            *out = m[k];
            out->code2005 = NULL;
            break;
        } else if (k == n - 1) {
            *out = (struct pollutant_model){code, NULL, 10, 3, 1, 2, 0, d->kind == 'g'};
        }
    if (d->limit[i] > 0) { /* a share of the permit limit: 25-60 % */
        double f = 0.25 + 0.35 * unit_rand(seed, 11, (uint64_t)i);
        out->base = d->limit[i] * f;
        out->amp = out->base * 0.15;
        out->noise = out->base * 0.08;
        out->decimals = d->limit[i] >= 50 ? 1 : d->limit[i] >= 1 ? 2 : 3;
    }
    out->code2017 = code;
    return 0;
}

/* Day of year as a phase 0..1 (from 1 January Beijing). */
static double year_phase(int64_t t)
{
    double days = (double)(t + EG_BEIJING_OFFSET) / 86400.0;
    return fmod(days, 365.2425) / 365.2425;
}

static double model_value(const struct eg_sim_device *d, uint64_t seed,
                          const struct pollutant_model *m, int i, int64_t t)
{
    double day = (double)((t + EG_BEIJING_OFFSET) % 86400) / 86400.0;
    double u = 2 * unit_rand(seed, (uint64_t)t, (uint64_t)i) - 1;
    double season = cos(2 * M_PI * (year_phase(t) - 0.03)); /* +1 mid-January, -1 mid-July */
    double v;
    if (d->kind == 'a') {
        /* weather the whole district shares (days-long episodes), the station's own offset */
        double weather = smooth(0xA1A1u, (double)t / (86400 * 1.7), 1) +
                         0.5 * smooth(0xA1A1u, (double)t / (86400 * 0.6), 2);
        double own = 0.9 + 0.2 * unit_rand(seed, 3, (uint64_t)i);
        int o3 = !strcmp(m->code2017, "a05024");
        double s = o3 ? 1 - 0.35 * season : 1 + 0.35 * season;
        double cyc = o3 ? sin(2 * M_PI * (day - 0.35)) : sin(2 * M_PI * (day - 0.3 + 0.07 * i));
        v = (m->base * s * exp(0.4 * weather) + m->amp * cyc) * own + m->noise * u;
    } else if (d->kind == 's' && strcmp(m->code2017, "w01001")) {
        int lv = d->level >= 1 && d->level <= 6 ? d->level : 3;
        double typ = 0;
        for (size_t k = 0; k < EG_ARRAY_LEN(section_level); k++)
            if (!strcmp(section_level[k].code, m->code2017))
                typ = section_level[k].v[lv < 2 ? 0 : lv - 2];
        if (lv == 1) /* class I: well below the class II values */
            typ *= strcmp(m->code2017, "w01009") ? 0.5 : 1.15;
        double s = !strcmp(m->code2017, "w01009") ? 1 + 0.08 * season : 1 + 0.06 * season;
        v = typ * s *
            (1 + 0.03 * sin(2 * M_PI * day) + 0.05 * u +
             0.06 * smooth(seed, (double)t / (86400 * 5), (uint64_t)i + 20));
    } else if (d->kind == 'n') {
        int dl = 60, nl = 50;
        eg_quality_noise_limits(d->level, &dl, &nl);
        int hour = (int)(day * 24);
        int night = hour >= 22 || hour < 6; /* GB 3096-2008 §3.3: 22:00-06:00 */
        double own = 2.5 * smooth(seed, (double)t / (86400 * 9), 30) - 1.5;
        /* beside trunk roads (4a) the night limit is often exceeded, as in real monitoring */
        double nightv = d->level == EG_QN_ZONE4A ? nl + 0.5 : nl - 2.5;
        v = (night ? nightv : dl - 3.5 + 1.5 * sin(M_PI * (day * 24 - 6) / 16)) + own + 1.8 * u;
    } else {
        v = m->base * (1 + 0.05 * season) + m->amp * sin(2 * M_PI * (day - 0.3 + 0.07 * i)) +
            m->noise * u;
        if (eg_sim_exceeder(d) && d->limit[i] > 0) {
            /* episodes of 4 hours, about 2 in 100, on one pollutant at a time */
            int64_t blk = t / (4 * 3600);
            int np = eg_sim_npollutants(d);
            if (unit_rand(seed, (uint64_t)blk, 77) < 0.02 && blk % np == i)
                v = d->limit[i] * (1.1 + 0.4 * unit_rand(seed, (uint64_t)blk, 78));
        }
    }
    if (v < 0)
        v = 0;
    double p = pow(10, m->decimals);
    return round(v * p) / p;
}

/* The value of pollutant i at virtual time t. */
static double value_at(const struct sdev *d, const struct pollutant_model *m, int i, int64_t t)
{
    return model_value(&d->d, d->seed, m, i, t);
}

double eg_sim_value(const struct eg_sim_device *d, int i, int64_t t, const char **code,
                    int *decimals)
{
    struct pollutant_model m;
    if (model_at(d, mn_seed(d->mn), i, &m) < 0)
        return NAN;
    if (code)
        *code = m.code2017;
    if (decimals)
        *decimals = m.decimals;
    return model_value(d, mn_seed(d->mn), &m, i, t);
}

/* Builds an upload of cn (2011, 2051, 2061, 2031) for virtual time dt into out. */
static int build_packet(const struct sdev *d, int cn, int64_t dt, int64_t qn_ms, int flag,
                        char *out, size_t cap, size_t *len, int *nvalues)
{
    const struct pollutant_model *dm;
    int np;
    const char *st;
    model_of(d->d.kind, &dm, &np, &st);
    np = eg_sim_npollutants(&d->d);
    struct pollutant_model m[EG_SIM_MAX_POLLUTANTS > 16 ? EG_SIM_MAX_POLLUTANTS : 16];
    for (int i = 0; i < np; i++)
        model_at(&d->d, d->seed, i, &m[i]);
    char txt[64][16];
    struct eg_hj212_value vals[64];
    int nv = 0, nnum = 0;
    int span = cn == 2051 ? 60 : cn == 2061 ? 3600 : cn == 2031 ? 86400 : 0;
    for (int i = 0; i < np && nv < 56; i++) {
        const char *code = d->d.edition == 2005 && m[i].code2005 ? m[i].code2005 : m[i].code2017;
        double v = value_at(d, &m[i], i, dt);
        if (cn == 2011) {
            snprintf(txt[nv], sizeof txt[nv], "%.*f", m[i].decimals, v);
            vals[nv] = (struct eg_hj212_value){code, "Rtd", txt[nv]};
            nv++, nnum++;
            if (m[i].zs) {
                snprintf(txt[nv], sizeof txt[nv], "%.*f", m[i].decimals, v * 1.12);
                vals[nv] = (struct eg_hj212_value){code, "ZsRtd", txt[nv]};
                nv++, nnum++;
            }
        } else {
            double lo = value_at(d, &m[i], i, dt + 7), hi = value_at(d, &m[i], i, dt + 13);
            double mn = fmin(fmin(lo, hi), v), mx = fmax(fmax(lo, hi), v);
            snprintf(txt[nv], sizeof txt[nv], "%.*f", m[i].decimals, mn);
            vals[nv] = (struct eg_hj212_value){code, "Min", txt[nv]};
            nv++;
            snprintf(txt[nv], sizeof txt[nv], "%.*f", m[i].decimals, v);
            vals[nv] = (struct eg_hj212_value){code, "Avg", txt[nv]};
            nv++;
            snprintf(txt[nv], sizeof txt[nv], "%.*f", m[i].decimals, mx);
            vals[nv] = (struct eg_hj212_value){code, "Max", txt[nv]};
            nv++;
            nnum += 3;
            if (m[i].cou) {
                snprintf(txt[nv], sizeof txt[nv], "%.3f", v * span / 1000.0);
                vals[nv] = (struct eg_hj212_value){code, "Cou", txt[nv]};
                nv++, nnum++;
            }
        }
        vals[nv++] = (struct eg_hj212_value){code, "Flag", "N"};
    }
    struct eg_hj212_upload u = {
        .edition = d->d.edition == 2005 ? 2005 : 2017,
        .qn_ms = qn_ms,
        .st = st,
        .pw = d->d.pw,
        .mn = d->d.mn,
        .cn = cn,
        .flag = flag,
        .datatime = dt,
        .has_datatime = 1,
        .values = vals,
        .nvalues = (size_t)nv,
    };
    *nvalues = nnum;
    return eg_hj212_build_upload(out, cap, &u, len, NULL);
}

static int64_t qn_ms_for(int64_t dt, int cn);

int eg_sim_packet(const struct eg_sim_device *dev, int cn, int64_t dt, char *out, size_t cap,
                  size_t *len, int *nvalues)
{
    struct sdev d;
    memset(&d, 0, sizeof d);
    d.d = *dev;
    d.seed = mn_seed(d.d.mn);
    return build_packet(&d, cn, dt, qn_ms_for(dt, cn), dev->edition == 2005 ? 1 : 5, out, cap, len,
                        nvalues);
}

static void dev_send(struct simth *th, struct sdev *d, const char *p, size_t n)
{
    if (!d->connected)
        return;
    if (d->out.len == d->out_off) {
        ssize_t w = send(d->fd, p, n, MSG_NOSIGNAL);
        if (w == (ssize_t)n)
            return;
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return; /* the read side notices the close */
        if (w < 0)
            w = 0;
        p += w;
        n -= (size_t)w;
    }
    if (d->out.len - d->out_off < 1u << 20)
        eg_buf_append(&d->out, p, n);
    (void)th;
}

static int64_t qn_ms_for(int64_t dt, int cn)
{
    /* unique per device and packet: DataTime in ms + a kind offset */
    int off = cn == 2011 ? 0 : cn == 2051 ? 1 : cn == 2061 ? 2 : 3;
    return dt * 1000 + off;
}

/* Sends (or resends) one upload; registers it as pending when new. */
static void send_upload(struct simth *th, struct sdev *d, int cn, int64_t dt, struct pending *again)
{
    char buf[2048];
    size_t len = 0;
    int nv = 0;
    int flag = d->d.edition == 2005 ? 1 : 5;
    if (build_packet(d, cn, dt, qn_ms_for(dt, cn), flag, buf, sizeof buf, &len, &nv) < 0)
        return;
    if (!again && th->cfg->malformed > 0 &&
        unit_rand(d->seed, (uint64_t)dt, (uint64_t)cn + 99) < th->cfg->malformed) {
        /* a malformed packet instead: not expected to be acknowledged */
        uint64_t pick = (uint64_t)(unit_rand(d->seed, (uint64_t)dt, 7) * 3);
        if (pick == 0)
            buf[len - 3] = buf[len - 3] == '0' ? '1' : '0'; /* CRC digit */
        else if (pick == 1)
            buf[3] = buf[3] == '9' ? '8' : '9'; /* length digit */
        else
            for (size_t i = 2; i < len - 2; i++)
                buf[i] = (char)(33 + (int)(unit_rand(d->seed, i, (uint64_t)dt) * 90));
        dev_send(th, d, buf, len);
        th->malformed++;
        return;
    }
    if (again) {
        again->sent_ns = eg_nanos();
        again->tries++;
        th->resent++;
        dev_send(th, d, buf, len);
        return;
    }
    if (d->npend >= SIM_PENDING) {
        /* oldest gives up (a real logger keeps it for a later re-upload request) */
        int oldest = -1;
        for (int i = 0; i < SIM_PENDING; i++)
            if (d->pend[i].used && (oldest < 0 || d->pend[i].sent_ns < d->pend[oldest].sent_ns))
                oldest = i;
        d->pend[oldest].used = 0;
        d->npend--;
    }
    for (int i = 0; i < SIM_PENDING; i++) {
        if (d->pend[i].used)
            continue;
        struct pending *p = &d->pend[i];
        p->used = 1;
        p->tries = 0;
        p->cn = cn;
        p->dt = dt;
        p->nvalues = nv;
        eg_hj212_qn_from_ms(qn_ms_for(dt, cn), p->qn);
        p->sent_ns = eg_nanos();
        d->npend++;
        break;
    }
    th->sent++;
    th->values += (uint64_t)nv;
    dev_send(th, d, buf, len);
}

/* ---- heap of devices by next send time ---- */
static void heap_swap(struct simth *th, int a, int b)
{
    struct sdev *t = th->heap[a];
    th->heap[a] = th->heap[b];
    th->heap[b] = t;
    th->heap[a]->heap_pos = a;
    th->heap[b]->heap_pos = b;
}
static void heap_down(struct simth *th, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < th->nheap && th->heap[l]->next_ns < th->heap[m]->next_ns)
            m = l;
        if (r < th->nheap && th->heap[r]->next_ns < th->heap[m]->next_ns)
            m = r;
        if (m == i)
            return;
        heap_swap(th, i, m);
        i = m;
    }
}
static void heap_up(struct simth *th, int i)
{
    while (i > 0 && th->heap[(i - 1) / 2]->next_ns > th->heap[i]->next_ns) {
        heap_swap(th, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void dev_connect(struct simth *th, struct sdev *d)
{
    int fd = socket(th->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        d->reconnect_ns = eg_nanos() + 200000000ull;
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r = connect(fd, (struct sockaddr *)&th->addr, th->addrlen);
    if (r < 0 && errno != EINPROGRESS) {
        close(fd);
        d->reconnect_ns = eg_nanos() + 200000000ull;
        return;
    }
    d->fd = fd;
    d->connecting = 1;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = d};
    epoll_ctl(th->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void dev_disconnect(struct simth *th, struct sdev *d)
{
    if (d->fd >= 0) {
        epoll_ctl(th->epfd, EPOLL_CTL_DEL, d->fd, NULL);
        close(d->fd);
    }
    d->fd = -1;
    d->connected = d->connecting = 0;
    d->out.len = d->out_off = 0;
    eg_hj212_framer_free(&d->fr);
    eg_hj212_framer_init(&d->fr, 4096);
    d->reconnect_ns = eg_nanos() + 200000000ull;
    th->reconnects++;
}

static void on_ack(struct simth *th, struct sdev *d, struct eg_hj212_span qn)
{
    for (int i = 0; i < SIM_PENDING; i++) {
        struct pending *p = &d->pend[i];
        if (!p->used || qn.n != 17 || memcmp(p->qn, qn.p, 17))
            continue;
        uint64_t lat = (eg_nanos() - p->sent_ns) / 100000; /* 0.1 ms */
        th->lat[lat < LAT_BUCKETS ? lat : LAT_BUCKETS - 1]++;
        th->acked++;
        if (th->acklog) {
            char t[15];
            eg_hj212_time_format(p->dt, t);
            pthread_mutex_lock(th->acklog_mu);
            fprintf(th->acklog, "%s %d %.14s %s %d\n", d->d.mn, p->cn, t, p->qn, p->nvalues);
            pthread_mutex_unlock(th->acklog_mu);
        }
        p->used = 0;
        d->npend--;
        return;
    }
}

/* A request from the platform: answer as a data logger does (2017 §6.1, App. C). */
static void on_request(struct simth *th, struct sdev *d, const struct eg_hj212_packet *p)
{
    char out[2048];
    size_t len;
    int cn = p->cn_num;
    char kind = 0;
    if (!eg_ingest_command_known(cn, &kind)) {
        if (eg_hj212_build_request_ack(out, sizeof out, p, EG_HJ212_QNRTN_BAD_CN, &len, NULL) == 0)
            dev_send(th, d, out, len);
        return;
    }
    th->answered++;
    if (kind == 'N') {
        if (cn == 2012)
            d->realtime_on = 0;
        if (eg_hj212_build_notify_ack(out, sizeof out, p, &len, NULL) == 0)
            dev_send(th, d, out, len);
        return;
    }
    if (eg_hj212_build_request_ack(out, sizeof out, p, EG_HJ212_QNRTN_READY, &len, NULL) == 0)
        dev_send(th, d, out, len);
    if (kind == 'S') {
        if (cn == 2011)
            d->realtime_on = 1;
        return;
    }
    const char *st;
    const struct pollutant_model *m;
    int np;
    model_of(d->d.kind, &m, &np, &st);
    char t[15] = {0};
    struct eg_hj212_kv kv[2];
    size_t nkv = 0;
    char val[64];
    int exertn = EG_HJ212_EXERTN_OK;
    if (cn == 1011) {
        eg_hj212_time_format(eg_time_now(), t);
        kv[nkv++] = (struct eg_hj212_kv){"SystemTime", t};
    } else if (cn == 1061) {
        snprintf(val, sizeof val, "%d", (int)d->rtd_interval);
        kv[nkv++] = (struct eg_hj212_kv){"RtdInterval", val};
    } else if (cn == 1063) {
        kv[nkv++] = (struct eg_hj212_kv){"MinInterval", "1"};
    } else if (cn == 3019) {
        snprintf(val, sizeof val, "%s", d->d.mn);
        kv[nkv++] = (struct eg_hj212_kv){"PolId", m[0].code2017};
        kv[nkv++] = (struct eg_hj212_kv){"xxxxxx-SN", val};
    } else if (cn == 1072) {
        /* set the device password: signs with it from now on */
        const struct eg_hj212_item *it = eg_hj212_find_key(p, "NewPW");
        if (it && it->value.n > 0 && it->value.n < sizeof d->d.pw) {
            memcpy(d->d.pw, it->value.p, it->value.n);
            d->d.pw[it->value.n] = 0;
        } else {
            exertn = EG_HJ212_EXERTN_BAD_CONDITION;
        }
    } else if (cn == 1062) {
        const struct eg_hj212_item *it = eg_hj212_find_key(p, "RtdInterval");
        if (it && it->has_num && it->num >= 30 && it->num <= 3600)
            d->rtd_interval = it->num;
        else
            exertn = EG_HJ212_EXERTN_BAD_CONDITION;
    } else if (cn == 2031 || cn == 2051 || cn == 2061) {
        const struct eg_hj212_item *b = eg_hj212_find_key(p, "BeginTime");
        const struct eg_hj212_item *e = eg_hj212_find_key(p, "EndTime");
        int64_t t0, t1;
        int ms;
        if (!b || !e || eg_hj212_time_parse(b->value.p, b->value.n, &t0, &ms) < 0 ||
            eg_hj212_time_parse(e->value.p, e->value.n, &t1, &ms) < 0 || t1 < t0) {
            exertn = EG_HJ212_EXERTN_BAD_CONDITION;
        } else {
            int64_t step = cn == 2051 ? 60 : cn == 2061 ? 3600 : 86400;
            int sent = 0;
            for (int64_t x = t0 - (t0 % step); x <= t1 && sent < 120; x += step, sent++) {
                /* history uploads: new QN each, Flag=4 (no acknowledgement, Table C.20) */
                int nv;
                if (build_packet(d, cn, x, qn_ms_for(x, cn) + 500, d->d.edition == 2005 ? 0 : 4,
                                 out, sizeof out, &len, &nv) == 0)
                    dev_send(th, d, out, len);
            }
            if (!sent)
                exertn = EG_HJ212_EXERTN_NO_DATA;
        }
    }
    if (nkv) {
        struct eg_hj212_upload u = {
            .edition = d->d.edition == 2005 ? 2005 : 2017,
            .qn_ms = p->qn_ms ? p->qn_ms : 0,
            .st = st,
            .pw = d->d.pw,
            .mn = d->d.mn,
            .cn = cn,
            .flag = d->d.edition == 2005 ? 0 : 4,
            .extra = kv,
            .nextra = nkv,
        };
        if (eg_hj212_build_upload(out, sizeof out, &u, &len, NULL) == 0)
            dev_send(th, d, out, len);
    }
    if (eg_hj212_build_exec_result(out, sizeof out, p, exertn, &len, NULL) == 0)
        dev_send(th, d, out, len);
}

static void on_readable(struct simth *th, struct sdev *d)
{
    for (;;) {
        size_t avail;
        char *sp = eg_hj212_framer_space(&d->fr, &avail);
        if (!sp || !avail) {
            dev_disconnect(th, d);
            return;
        }
        ssize_t n = recv(d->fd, sp, avail, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            dev_disconnect(th, d);
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        eg_hj212_framer_commit(&d->fr, (size_t)n);
        struct eg_hj212_frame f;
        int r;
        while ((r = eg_hj212_framer_next(&d->fr, &f, NULL)) != 0) {
            if (r < 0)
                continue;
            struct eg_hj212_options o;
            eg_hj212_options_default(&o);
            o.lenient = 1;
            if (eg_hj212_parse(f.data, f.len, &o, th->pkt, NULL) < 0)
                continue;
            struct eg_hj212_packet *p = th->pkt;
            if (p->cn_num == 9014)
                on_ack(th, d, p->cp_qn.p ? p->cp_qn : p->qn);
            else if (p->cn_num < 9000)
                on_request(th, d, p);
        }
    }
}

static void flush(struct sdev *d)
{
    while (d->out_off < d->out.len) {
        ssize_t w = send(d->fd, d->out.data + d->out_off, d->out.len - d->out_off, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        d->out_off += (size_t)w;
    }
    d->out.len = d->out_off = 0;
}

/* Sends what is due for d at virtual time of sample k: 2011, and 2051/2061/2031 when a minute,
   hour or day closes. */
static void tick(struct simth *th, struct sdev *d)
{
    int64_t start = d->start;
    double iv = th->cfg->interval_s;
    int64_t t = start + (int64_t)llround((double)d->k * iv);
    int64_t prev = start + (int64_t)llround((double)(d->k - 1) * iv);
    if (d->realtime_on)
        send_upload(th, d, 2011, t, NULL);
    if (d->k > 0) {
        if (t / 60 != prev / 60)
            send_upload(th, d, 2051, (t / 60 - 1) * 60, NULL);
        if (t / 3600 != prev / 3600)
            send_upload(th, d, 2061, (t / 3600 - 1) * 3600, NULL);
        /* days close at Beijing midnight */
        int64_t bt = t + EG_BEIJING_OFFSET, bp = prev + EG_BEIJING_OFFSET;
        if (bt / 86400 != bp / 86400)
            send_upload(th, d, 2031, (bt / 86400 - 1) * 86400 - EG_BEIJING_OFFSET, NULL);
    }
    d->k++;
    /* retries of unacknowledged packets */
    uint64_t now = eg_nanos();
    for (int i = 0; i < SIM_PENDING; i++) {
        struct pending *p = &d->pend[i];
        if (p->used && now - p->sent_ns > SIM_ACK_TIMEOUT_NS) {
            if (p->tries >= SIM_RETRIES) {
                p->used = 0;
                d->npend--;
            } else {
                send_upload(th, d, p->cn, p->dt, p);
            }
        }
    }
}

static void *sim_thread(void *arg)
{
    struct simth *th = arg;
    const struct eg_sim_config *c = th->cfg;
    double speed = c->speed > 0 ? c->speed : 1;
    uint64_t period_ns = (uint64_t)(c->interval_s / speed * 1e9);
    if (period_ns < 1000)
        period_ns = 1000;
    uint64_t catch_ns =
        (uint64_t)(c->interval_s / (c->catchup_speed > 0 ? c->catchup_speed : 120) * 1e9);
    uint64_t end_ns = c->duration_s > 0 ? th->t0 + (uint64_t)(c->duration_s * 1e9) : 0;
    int per_tick = c->connect_per_tick > 0 ? c->connect_per_tick : 500;
    int next_connect = 0;
    uint64_t last_connect_ns = 0;
    struct epoll_event evs[256];
    uint64_t drain_until = 0;
    for (;;) {
        uint64_t now = eg_nanos();
        if (th->stop && __atomic_load_n(th->stop, __ATOMIC_RELAXED)) /* set by another thread */
            break;
        if (end_ns && now >= end_ns && !drain_until)
            drain_until = now + 3000000000ull; /* last acknowledgements */
        /* ramp up connections */
        if (next_connect < th->ndevs && now - last_connect_ns >= 10000000ull) {
            for (int i = 0; i < per_tick && next_connect < th->ndevs; i++)
                dev_connect(th, th->devs[next_connect++]);
            last_connect_ns = now;
        }
        int all_done = drain_until != 0;
        if (!drain_until) {
            all_done = c->max_packets > 0;
            while (th->nheap && th->heap[0]->next_ns <= now) {
                struct sdev *d = th->heap[0];
                if (d->connected && (c->max_packets <= 0 || d->k < c->max_packets))
                    tick(th, d);
                else if (!d->connected && d->fd < 0 && now >= d->reconnect_ns &&
                         d->idx < next_connect)
                    dev_connect(th, d);
                d->next_ns += period_ns;
                if (d->next_ns < now)
                    d->next_ns = now + period_ns / 2; /* behind: do not burst */
                if (c->starts) { /* behind the clock: catch up; then in real time */
                    int64_t tn = d->start + (int64_t)llround((double)d->k * c->interval_s);
                    int64_t wall = eg_time_now();
                    d->next_ns =
                        tn > wall ? now + (uint64_t)(tn - wall) * 1000000000ull : now + catch_ns;
                }
                heap_down(th, 0);
            }
            if (c->max_packets > 0)
                for (int i = 0; i < th->ndevs && all_done; i++)
                    all_done = th->devs[i]->k >= c->max_packets && th->devs[i]->npend == 0;
        } else {
            all_done = now >= drain_until;
            for (int i = 0; i < th->ndevs && !all_done; i++)
                if (th->devs[i]->npend)
                    break;
                else if (i == th->ndevs - 1)
                    all_done = 1;
        }
        if (all_done)
            break;
        uint64_t wait_ns =
            th->nheap ? (th->heap[0]->next_ns > now ? th->heap[0]->next_ns - now : 0) : 10000000ull;
        int timeout = (int)(wait_ns / 1000000ull);
        if (timeout > 10)
            timeout = 10;
        int n = epoll_wait(th->epfd, evs, 256, timeout);
        for (int i = 0; i < n; i++) {
            struct sdev *d = evs[i].data.ptr;
            if (d->fd < 0)
                continue;
            if (d->connecting && (evs[i].events & EPOLLOUT)) {
                int err = 0;
                socklen_t el = sizeof err;
                getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &err, &el);
                if (err) {
                    dev_disconnect(th, d);
                    continue;
                }
                d->connecting = 0;
                d->connected = 1;
                /* resend everything unacknowledged (the old connection may have lost it) */
                for (int k = 0; k < SIM_PENDING; k++)
                    if (d->pend[k].used)
                        send_upload(th, d, d->pend[k].cn, d->pend[k].dt, &d->pend[k]);
            }
            if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                on_readable(th, d);
            if (d->fd >= 0 && d->connected && (evs[i].events & EPOLLOUT))
                flush(d);
        }
    }
    th->finished = 1;
    return NULL;
}

static int resolve(const char *host, int port, struct sockaddr_storage *ss, socklen_t *sl,
                   struct eg_err *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    int r = getaddrinfo(host, ps, &hints, &ai);
    if (r != 0 || !ai)
        return eg_err_set(err, EG_EINVAL, "bad_host", -1, "cannot resolve %s: %s", host,
                          gai_strerror(r));
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *sl = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

int eg_sim_run(const struct eg_sim_config *c, volatile int *stop, struct eg_sim_result *res,
               struct eg_err *err)
{
    memset(res, 0, sizeof *res);
    if (c->ndevices <= 0 || c->interval_s <= 0)
        return eg_err_set(err, EG_EINVAL, "bad_config", -1, "devices and interval must be > 0");
    int nth = c->threads > 0 ? c->threads : 1;
    if (nth > c->ndevices)
        nth = c->ndevices;
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    int rc = resolve(c->host ? c->host : "127.0.0.1", c->port, &ss, &sl, err);
    if (rc < 0)
        return rc;
    FILE *acklog = NULL;
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    if (c->ack_log) {
        acklog = fopen(c->ack_log, "a");
        if (!acklog)
            return eg_err_set(err, EG_EIO, "ack_log", -1, "cannot open %s", c->ack_log);
        setvbuf(acklog, NULL, _IOLBF, 0); /* a line per acknowledged packet, even if killed */
    }
    struct sdev *devs = eg_calloc((size_t)c->ndevices, sizeof *devs);
    struct simth *ths = eg_calloc((size_t)nth, sizeof *ths);
    uint64_t t0 = eg_nanos();
    double speed = c->speed > 0 ? c->speed : 1;
    uint64_t period_ns = (uint64_t)(c->interval_s / speed * 1e9);
    for (int t = 0; t < nth; t++) {
        struct simth *th = &ths[t];
        th->cfg = c;
        th->epfd = epoll_create1(EPOLL_CLOEXEC);
        th->devs = eg_calloc((size_t)c->ndevices / (size_t)nth + 1, sizeof *th->devs);
        th->heap = eg_calloc((size_t)c->ndevices / (size_t)nth + 1, sizeof *th->heap);
        th->lat = eg_calloc(LAT_BUCKETS, sizeof *th->lat);
        th->stop = stop;
        th->t0 = t0;
        th->addr = ss;
        th->addrlen = sl;
        th->acklog = acklog;
        th->acklog_mu = &mu;
        th->pkt = eg_malloc(sizeof *th->pkt);
    }
    int64_t start = c->start_time;
    if (!start) {
        int64_t now = eg_time_now();
        int64_t iv = c->interval_s >= 1 ? (int64_t)c->interval_s : 1;
        start = now - now % iv;
    }
    for (int i = 0; i < c->ndevices; i++) {
        struct sdev *d = &devs[i];
        struct simth *th = &ths[i % nth];
        d->d = c->devices[i];
        d->start = c->starts && c->starts[i] ? c->starts[i] : start;
        d->fd = -1;
        d->realtime_on = 1;
        d->rtd_interval = c->interval_s;
        d->seed = mn_seed(d->d.mn); /* eg_sim_packet gives the same bytes */
        eg_hj212_framer_init(&d->fr, 4096);
        d->idx = th->ndevs;
        /* spread the devices over one period, after their connection ramp */
        uint64_t spread =
            c->starts
                ? (uint64_t)(c->interval_s / (c->catchup_speed > 0 ? c->catchup_speed : 120) * 1e9)
                : period_ns;
        d->phase_ns = spread ? (uint64_t)(unit_rand(d->seed, 1, 2) * (double)spread) : 0;
        int per_tick = c->connect_per_tick > 0 ? c->connect_per_tick : 500;
        d->next_ns =
            t0 + (uint64_t)(d->idx / per_tick + 1) * 10000000ull + d->phase_ns + 50000000ull;
        th->devs[th->ndevs++] = d;
        d->heap_pos = th->nheap;
        th->heap[th->nheap++] = d;
        heap_up(th, d->heap_pos);
    }
    for (int t = 0; t < nth; t++)
        pthread_create(&ths[t].th, NULL, sim_thread, &ths[t]);
    uint32_t *lat = eg_calloc(LAT_BUCKETS, sizeof *lat);
    for (int t = 0; t < nth; t++) {
        pthread_join(ths[t].th, NULL);
        struct simth *th = &ths[t];
        res->sent += th->sent;
        res->acked += th->acked;
        res->malformed_sent += th->malformed;
        res->commands_answered += th->answered;
        res->reconnects += th->reconnects;
        res->resent += th->resent;
        res->values_sent += th->values;
        for (int i = 0; i < LAT_BUCKETS; i++)
            lat[i] += th->lat[i];
        for (int i = 0; i < th->ndevs; i++) {
            struct sdev *d = th->devs[i];
            res->connected += d->connected;
            if (d->fd >= 0)
                close(d->fd);
            eg_hj212_framer_free(&d->fr);
            eg_buf_free(&d->out);
        }
        close(th->epfd);
        free(th->devs);
        free(th->heap);
        free(th->lat);
        free(th->pkt);
    }
    res->wall_s = (double)(eg_nanos() - t0) / 1e9;
    uint64_t total = 0, acc = 0;
    for (int i = 0; i < LAT_BUCKETS; i++)
        total += lat[i];
    int got50 = 0, got99 = 0;
    for (int i = 0; i < LAT_BUCKETS && total; i++) {
        acc += lat[i];
        if (!got50 && acc * 2 >= total) {
            res->lat_p50_ms = i / 10.0;
            got50 = 1;
        }
        if (!got99 && acc * 100 >= total * 99) {
            res->lat_p99_ms = i / 10.0;
            got99 = 1;
        }
        if (lat[i])
            res->lat_max_ms = i / 10.0;
    }
    free(lat);
    free(devs);
    free(ths);
    if (acklog)
        fclose(acklog);
    return 0;
}
