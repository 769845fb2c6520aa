/*
 * bench/hj212_parse.c: throughput of eg_hj212_parse (strict, full field checks, CRC) on one core,
 * against a straightforward baseline parser written here in the strtok/sscanf style most
 * public receivers use (copy the line, sscanf the length, bitwise CRC, strtok_r on ';' ',' '=',
 * sscanf("%lf") each value). Two inputs (issue 2 item 9):
 *   1. the real capture (data/real/hj212_xiaoyao9184_hj-t212-parser, 3000 lines, 2005-era);
 *   2. a synthetic 2017 minute-data packet (CN=2051) with 10 pollutants.
 * Prints packets/s, MB/s and the ratio codec/baseline. Target: >= 2,000,000 packets/s on the
 * real capture. Run: make build/bench/hj212_parse && build/bench/hj212_parse
 */
#include "hj212/hj212.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct line {
    const char *p;
    size_t n;
};

/* ---- baseline ---- */
struct base_item {
    char key[32];
    double v;
};
struct base_pkt {
    char st[8], cn[8], mn[32], qn[24];
    int flag;
    int nitems;
    struct base_item items[256];
};

static unsigned base_crc(const unsigned char *p, size_t n)
{
    unsigned crc = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        crc = (crc >> 8) ^ p[i];
        for (int j = 0; j < 8; j++)
            crc = (crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1;
    }
    return crc;
}

static int base_parse(const char *line, size_t n, struct base_pkt *pk)
{
    char buf[10016];
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, line, n);
    buf[n] = '\0';
    int len;
    if (strncmp(buf, "##", 2) || sscanf(buf + 2, "%4d", &len) != 1 || len < 0 ||
        (size_t)len + 10 > n)
        return -1;
    unsigned crc;
    if (sscanf(buf + 6 + len, "%4x", &crc) != 1 ||
        crc != base_crc((unsigned char *)buf + 6, (size_t)len))
        return -1;
    buf[6 + len] = '\0';
    char *cp = strstr(buf + 6, "CP=&&");
    if (!cp)
        return -1;
    *cp = '\0';
    cp += 5;
    char *e = strstr(cp, "&&");
    if (e)
        *e = '\0';
    pk->flag = -1;
    pk->st[0] = pk->cn[0] = pk->mn[0] = pk->qn[0] = '\0';
    char *save, *tok;
    for (tok = strtok_r(buf + 6, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        if (!strncmp(tok, "ST=", 3))
            snprintf(pk->st, sizeof pk->st, "%s", tok + 3);
        else if (!strncmp(tok, "CN=", 3))
            snprintf(pk->cn, sizeof pk->cn, "%s", tok + 3);
        else if (!strncmp(tok, "MN=", 3))
            snprintf(pk->mn, sizeof pk->mn, "%s", tok + 3);
        else if (!strncmp(tok, "QN=", 3))
            snprintf(pk->qn, sizeof pk->qn, "%s", tok + 3);
        else if (!strncmp(tok, "Flag=", 5))
            sscanf(tok + 5, "%d", &pk->flag);
    }
    pk->nitems = 0;
    char *s1, *s2, *g, *kv;
    for (g = strtok_r(cp, ";", &s1); g; g = strtok_r(NULL, ";", &s1)) {
        for (kv = strtok_r(g, ",", &s2); kv; kv = strtok_r(NULL, ",", &s2)) {
            char *eq = strchr(kv, '=');
            if (!eq || pk->nitems >= 256)
                continue;
            *eq = '\0';
            struct base_item *it = &pk->items[pk->nitems++];
            snprintf(it->key, sizeof it->key, "%s", kv);
            if (sscanf(eq + 1, "%lf", &it->v) != 1)
                it->v = 0;
        }
    }
    return 0;
}

/* ---- timing ----
   CPU time of this thread (CLOCK_THREAD_CPUTIME_ID), not wall time: the figures are "on one
   core" even when the machine is shared (the CI and dev machines run other jobs). */
#include <time.h>
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static struct eg_hj212_packet pkt;
static struct base_pkt bpk;
static volatile long sink;

static double run_codec(const struct line *l, size_t nl, double min_s, long *count, size_t *bytes)
{
    uint64_t t0 = cpu_ns(), t;
    long c = 0, okc = 0;
    size_t b = 0;
    struct eg_err err;
    do {
        for (size_t i = 0; i < nl; i++) {
            okc += eg_hj212_parse(l[i].p, l[i].n, NULL, &pkt, &err) == 0;
            b += l[i].n;
        }
        c += (long)nl;
        t = cpu_ns();
    } while ((double)(t - t0) / 1e9 < min_s);
    sink += okc;
    *count = c;
    *bytes = b;
    return (double)(t - t0) / 1e9;
}

static double run_base(const struct line *l, size_t nl, double min_s, long *count, size_t *bytes)
{
    uint64_t t0 = cpu_ns(), t;
    long c = 0, okc = 0;
    size_t b = 0;
    do {
        for (size_t i = 0; i < nl; i++) {
            okc += base_parse(l[i].p, l[i].n, &bpk) == 0;
            b += l[i].n;
        }
        c += (long)nl;
        t = cpu_ns();
    } while ((double)(t - t0) / 1e9 < min_s);
    sink += okc;
    *count = c;
    *bytes = b;
    return (double)(t - t0) / 1e9;
}

static void compare(const char *title, const struct line *l, size_t nl, double secs)
{
    long cc, bc;
    size_t cb, bb;
    run_codec(l, nl, 0.2, &cc, &cb); /* warm-up */
    double ct = run_codec(l, nl, secs, &cc, &cb);
    double bt = run_base(l, nl, secs, &bc, &bb);
    double cps = (double)cc / ct, bps = (double)bc / bt;
    printf("%s\n", title);
    printf("  eg_hj212_parse  %10.0f packets/s  %8.1f MB/s\n", cps, (double)cb / ct / 1e6);
    printf("  baseline        %10.0f packets/s  %8.1f MB/s   (strtok/sscanf, bitwise CRC)\n", bps,
           (double)bb / bt / 1e6);
    printf("  ratio           %10.2fx\n", cps / bps);
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 3.0;
    const char *path = "../shared/data/real/hj212_xiaoyao9184_hj-t212-parser/"
                       "AllData_2016-08-24_05_first3000lines.h212";
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "hj212_parse bench: cannot open %s (run from the repo root)\n", path);
        return 1;
    }
    static char data[1 << 21];
    size_t len = fread(data, 1, sizeof data, f);
    fclose(f);
    static struct line lines[4000];
    size_t nl = 0;
    for (char *s = data, *end = data + len; s < end && nl < 4000;) {
        char *e = memchr(s, '\n', (size_t)(end - s));
        size_t n = e ? (size_t)(e - s) : (size_t)(end - s);
        char *next = s + n + 1;
        while (n && s[n - 1] == '\r')
            n--;
        if (n)
            lines[nl++] = (struct line){s, n};
        s = next;
    }
    /* correctness first: both parsers over the capture */
    int ok = 0, bok = 0;
    struct eg_err err;
    for (size_t i = 0; i < nl; i++) {
        ok += eg_hj212_parse(lines[i].p, lines[i].n, NULL, &pkt, &err) == 0;
        bok += base_parse(lines[i].p, lines[i].n, &bpk) == 0;
    }
    printf("real capture: %zu lines, %zu bytes; valid: codec %d (strict), baseline %d (CRC only)\n",
           nl, len, ok, bok);
    compare("real capture (3000 lines, 2005-era, avg 268 bytes)", lines, nl, secs);

    /* synthetic 2051 minute packet, 10 pollutants with Min/Avg/Max/Cou/Flag */
    static const char *const codes[10] = {"w00000", "w01001", "w01018", "w21003", "w21011",
                                          "w21001", "w01010", "w01012", "w22001", "w20116"};
    struct eg_hj212_value v[50];
    static char vals[50][16];
    int nv = 0;
    for (int c = 0; c < 10; c++) {
        static const char *const fl[5] = {"Min", "Avg", "Max", "Cou", "Flag"};
        for (int k = 0; k < 5; k++) {
            if (k == 4)
                snprintf(vals[nv], sizeof vals[nv], "N");
            else
                snprintf(vals[nv], sizeof vals[nv], "%d.%02d", 10 + c * 7 + k,
                         (c * 13 + k * 7) % 100);
            v[nv] = (struct eg_hj212_value){codes[c], fl[k], vals[nv]};
            nv++;
        }
    }
    struct eg_hj212_upload u = {0};
    u.edition = EG_HJ212_ED_2017;
    u.qn_ms = 1700000000123LL;
    u.st = "32";
    u.pw = "123456";
    u.mn = "010000A8900016F000169DC0";
    u.cn = 2051;
    u.flag = 5;
    u.datatime = 1700000000 - 1700000000 % 60;
    u.has_datatime = 1;
    u.values = v;
    u.nvalues = (size_t)nv;
    static char syn[2000];
    size_t sn;
    if (eg_hj212_build_upload(syn, sizeof syn, &u, &sn, &err) ||
        eg_hj212_parse(syn, sn, NULL, &pkt, &err) || base_parse(syn, sn, &bpk)) {
        fprintf(stderr, "synthetic packet does not parse: %s\n", err.msg);
        return 1;
    }
    static struct line one[64];
    for (int i = 0; i < 64; i++)
        one[i] = (struct line){syn, sn};
    char title[120];
    snprintf(title, sizeof title, "synthetic CN=2051, 10 pollutants (%zu bytes, %d items)", sn,
             (int)pkt.nitems);
    compare(title, one, 64, secs);

    /* the CRC alone: sliced vs the Appendix A bitwise loop */
    uint64_t t0 = cpu_ns();
    unsigned acc = 0;
    long reps = 0;
    while (cpu_ns() - t0 < 500000000ull) {
        acc += eg_hj212_crc(data, len);
        reps++;
    }
    double ct = (double)(cpu_ns() - t0) / 1e9;
    t0 = cpu_ns();
    long breps = 0;
    while (cpu_ns() - t0 < 500000000ull) {
        acc += base_crc((unsigned char *)data, len);
        breps++;
    }
    double bt = (double)(cpu_ns() - t0) / 1e9;
    sink += acc;
    printf("CRC only: sliced %.0f MB/s, Appendix A bitwise %.0f MB/s, ratio %.1fx\n",
           (double)len * (double)reps / ct / 1e6, (double)len * (double)breps / bt / 1e6,
           ((double)reps / ct) / ((double)breps / bt));
    return 0;
}
