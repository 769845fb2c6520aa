/*
 * ts_capture.h: reads the real HJ 212 capture
 * (../shared/data/real/hj212_xiaoyao9184_hj-t212-parser) into series of samples, for the codec's
 * measurements in the tests and in bench/timeseries.c. A deliberately simple loop over
 * "code-Field=value" items of CP (HJ 212-2017 §6.3.3.1: items split by ';', sub-values by ','); it
 * is not the HJ 212 codec and skips what it does not know. Header-only (static functions) so both
 * the test runner and the benchmark include it.
 */
#ifndef EG_TS_CAPTURE_H
#define EG_TS_CAPTURE_H

#include "ts/ts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cap_series {
    char key[96]; /* MN|code|CN|Field */
    struct eg_ts_sample *s;
    size_t n, cap;
};

struct cap {
    struct cap_series *v;
    size_t n, cap;
    size_t samples;
};

static struct cap_series *cap_get(struct cap *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->v[i].key, key))
            return &c->v[i];
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = eg_realloc(c->v, c->cap * sizeof *c->v);
    }
    struct cap_series *s = &c->v[c->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->key, sizeof s->key, "%s", key);
    return s;
}

static const char *cap_field(const char *line, size_t len, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl < len; i++) {
        if ((i == 0 || line[i - 1] == ';' || line[i - 1] == '&' || line[i - 1] == 'R' ||
             line[i - 1] == '#' || (line[i - 1] >= '0' && line[i - 1] <= '9')) &&
            !memcmp(line + i, name, nl)) {
            size_t j = i + nl;
            while (j < len && line[j] != ';' && line[j] != ',' && line[j] != '&')
                j++;
            *vlen = j - i - nl;
            return line + i + nl;
        }
    }
    return NULL;
}

/* Parses one packet line; adds each numeric item to its series. */
static void cap_line(struct cap *c, const char *line, size_t len)
{
    size_t mnl, cnl, dtl;
    const char *mn = cap_field(line, len, "MN=", &mnl);
    const char *cn = cap_field(line, len, "CN=", &cnl);
    const char *cp = NULL;
    for (size_t i = 0; i + 5 < len; i++)
        if (!memcmp(line + i, "CP=&&", 5)) {
            cp = line + i + 5;
            break;
        }
    if (!mn || !cn || !cp || mnl > 30 || cnl != 4)
        return;
    if (memcmp(cn, "2011", 4) && memcmp(cn, "2051", 4) && memcmp(cn, "2061", 4) &&
        memcmp(cn, "2031", 4))
        return;
    const char *end = line + len;
    const char *dt = cap_field(cp, (size_t)(end - cp), "DataTime=", &dtl);
    int64_t t;
    if (!dt || dtl < 14 || eg_time_parse_beijing(dt, 14, &t))
        return;
    const char *p = cp;
    while (p < end && *p != '&') {
        const char *grp = p;
        while (p < end && *p != ';' && *p != '&')
            p++;
        const char *gend = p;
        if (p < end && *p == ';')
            p++;
        char flag = 'N';
        for (const char *q = grp; q < gend;) { /* the group's flag first */
            const char *it = q;
            while (q < gend && *q != ',')
                q++;
            const char *eq = memchr(it, '=', (size_t)(q - it));
            if (eq && eq - it > 5 && !memcmp(eq - 5, "-Flag", 5) && q - eq == 2)
                flag = eq[1];
            if (q < gend)
                q++;
        }
        if (flag < 'A' || flag > 'Z')
            flag = 'N';
        for (const char *q = grp; q < gend;) {
            const char *it = q;
            while (q < gend && *q != ',')
                q++;
            const char *eq = memchr(it, '=', (size_t)(q - it));
            const char *dash = eq ? memchr(it, '-', (size_t)(eq - it)) : NULL;
            double v;
            if (dash && dash > it && eq - dash > 1 && eq - dash < 12 && memcmp(dash, "-Flag", 5) &&
                !eg_parse_double(eq + 1, (size_t)(q - eq - 1), &v)) {
                char key[96];
                snprintf(key, sizeof key, "%.*s|%.*s|%.4s|%.*s", (int)mnl, mn, (int)(dash - it), it,
                         cn, (int)(eq - dash - 1), dash + 1);
                struct cap_series *s = cap_get(c, key);
                if (s->n == 0 || s->s[s->n - 1].t < t) { /* keep strictly increasing */
                    if (s->n == s->cap) {
                        s->cap = s->cap ? s->cap * 2 : 16;
                        s->s = eg_realloc(s->s, s->cap * sizeof *s->s);
                    }
                    s->s[s->n++] = (struct eg_ts_sample){t, v, flag};
                    c->samples++;
                }
            }
            if (q < gend)
                q++;
        }
    }
}

static void cap_load(struct cap *c, const char *buf, size_t len)
{
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        cap_line(c, p, (size_t)(le - p));
        p = nl ? nl + 1 : end;
    }
}

static void cap_free(struct cap *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].s);
    free(c->v);
    memset(c, 0, sizeof *c);
}

#endif
