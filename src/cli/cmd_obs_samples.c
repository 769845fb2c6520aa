/*
 * cmd_obs_samples.c: `envgov import observations` of the spreadsheets `envgov water` and
 * `envgov noise` read (issue 11 item 9): the same readers (src/obs, eg_obs_read_water and
 * eg_obs_read_noise) turn each row into time-series points of its section or station, written
 * through ts.h. Water: every factor as its HJ 212-2017 code (eval's eg_eval_water_codes, in
 * HJ 212 units), kind 2061 field Avg at the start of the sample's hour, so that `envgov eval
 * water` reads it; noise: hourly Leq as (station, Leq, 2061, Avg) at its hour, which `envgov eval
 * noise` energy-averages. Day/night levels (Ld, Ln) are results, not observations: refused.
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "cli/cli_obs.h"
#include "eval/eval.h"
#include "obs/obs.h"
#include "registry/registry.h"
#include "ts/ts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct imp {
    struct eg_db *st;
    struct eg_ts_point *pt;
    size_t n, cap;
    char **names; /* owned source strings, one per accepted row */
    size_t nnames, capnames;
    size_t rows, rejected, invalid;
    FILE *rejects;
    char last[65];
    int last_ok;
};

static void reject(struct imp *m, long line, const char *why)
{
    m->rejected++;
    if (m->rejected <= 20)
        fprintf(stderr, "rejected: line %ld: %s\n", line, why);
    if (m->rejects)
        fprintf(m->rejects, "%ld,0,\"%s\"\n", line, why);
}

static void on_problem(void *ctx, const char *msg)
{
    struct imp *m = ctx;
    fprintf(stderr, "envgov import observations: %s\n", msg);
    if (strstr(msg, "(skipped)"))
        m->rejected++; /* a row the reader could not take */
    else if (!strstr(msg, "detection limit"))
        m->invalid++; /* a value treated as missing */
}

/* The row's source as an owned string, or NULL (rejected) when it is missing, too long or the
   MN of a device (series ownership, registry.h). */
static const char *source_of(struct imp *m, long line, const char *s, size_t n, int has_time)
{
    if (n == 0 || n > 64 || memchr(s, '|', n)) {
        reject(m, line,
               n ? "station code longer than 64 characters or with '|'"
                 : "no station or section code (name the column station or section)");
        return NULL;
    }
    if (!has_time) {
        reject(m, line, "no time (name the column time or date)");
        return NULL;
    }
    if (strlen(m->last) != n || memcmp(m->last, s, n)) {
        snprintf(m->last, sizeof m->last, "%.*s", (int)n, s);
        int dev = 0;
        struct eg_err e;
        m->last_ok = eg_registry_is_device_mn(m->st, m->last, &dev, &e) == 0 && !dev;
    }
    if (!m->last_ok) {
        reject(m, line, "the code is a device MN: observations go to station codes");
        return NULL;
    }
    if (m->nnames == m->capnames) {
        m->capnames = m->capnames ? m->capnames * 2 : 64;
        m->names = eg_realloc(m->names, m->capnames * sizeof *m->names);
    }
    return m->names[m->nnames++] = eg_strndup(s, n);
}

static void add(struct imp *m, const char *source, const char *code, int64_t t, double v)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->pt = eg_realloc(m->pt, m->cap * sizeof *m->pt);
    }
    m->pt[m->n++] =
        (struct eg_ts_point){{source, code, EG_TS_KIND_HOUR, "Avg", 0}, t - t % 3600, v, 'N'};
}

static void on_water(void *ctx, const struct eg_obs_water_row *row)
{
    struct imp *m = ctx;
    const char *src = source_of(m, row->line, row->section, row->section_len, row->has_time);
    if (!src)
        return;
    m->rows++;
    for (int f = 0; f < EG_QW_FACTORS; f++) {
        if (row->v[f] == EG_QUALITY_W_NA)
            continue;
        for (size_t k = 0; k < eg_eval_water_ncodes; k++)
            if (eg_eval_water_codes[k].factor == f) {
                add(m, src, eg_eval_water_codes[k].code, row->t,
                    (double)row->v[f] / 1e6 / eg_eval_water_codes[k].to_mg_l);
                break;
            }
    }
}

static void on_noise(void *ctx, const struct eg_obs_noise_row *row)
{
    struct imp *m = ctx;
    if (row->leq != row->leq) { /* NaN: a row of Ld/Ln only */
        reject(m, row->line,
               "Ld/Ln are results, not observations: import hourly Leq with its time (or check "
               "the file with envgov noise)");
        return;
    }
    const char *src = source_of(m, row->line, row->station, row->station_len, row->has_time);
    if (!src)
        return;
    m->rows++;
    add(m, src, "Leq", row->t, row->leq);
}

int eg__cli_import_samples(const char *path, int fmt, const char *data, size_t len, const char *db,
                           int strict, const char *rejects)
{
    struct imp m = {0};
    if (rejects) {
        m.rejects = fopen(rejects, "w");
        if (!m.rejects) {
            fprintf(stderr, "envgov import observations: cannot write %s\n", rejects);
            return EG_EXIT_FAIL;
        }
        fprintf(m.rejects, "line,column,reason\n");
    }
    m.st = eg__cli_create(eg__cli_db_path(db));
    if (!m.st) {
        if (m.rejects)
            fclose(m.rejects);
        return EG_EXIT_FAIL;
    }
    struct eg_err err;
    eg_err_clear(&err);
    int r;
    if (fmt == EG_OBS_FMT_WATER) {
        struct eg_obs_water_sink ws = {on_water, on_problem, &m};
        r = eg_obs_read_water(data, len, &ws, &err);
    } else {
        struct eg_obs_noise_sink ns = {on_noise, on_problem, &m};
        r = eg_obs_read_noise(data, len, &ns, &err);
    }
    struct eg_ts_report w = {0};
    struct eg_ts *ts = NULL;
    if (r == 0 && strict && (m.rejected || m.invalid)) {
        fprintf(stderr,
                "envgov import observations: --strict and %zu rejected rows, %zu invalid "
                "values: nothing imported\n",
                m.rejected, m.invalid);
    } else if (r == 0 && m.n) {
        r = eg_ts_open(m.st, &ts, &err);
        for (size_t i = 0; r == 0 && i < m.n; i += 20000) {
            struct eg_ts_report one = {0};
            r = eg_ts_write_batch(ts, m.pt + i, m.n - i < 20000 ? m.n - i : 20000, EG_TS_CREATE,
                                  &one, &err);
            w.written += one.written;
            w.duplicates += one.duplicates;
            w.replaced += one.replaced;
            w.quarantined += one.quarantined;
            w.series_created += one.series_created;
        }
    }
    int rc = EG_EXIT_OK;
    if (r < 0) {
        fprintf(stderr, "envgov import observations: %s\n", err.msg);
        rc = EG_EXIT_FAIL;
    } else {
        struct eg_buf b = {0};
        eg_buf_json_str(&b, path, strlen(path));
        printf("{\"file\":%.*s,\"format\":\"%s\",\"rows\":%zu,\"values\":%zu,\"written\":%zu,"
               "\"duplicates\":%zu,\"replaced\":%zu,\"quarantined\":%zu,\"rejected\":%zu,"
               "\"invalid_values\":%zu,\"series_created\":%zu}\n",
               (int)b.len, b.data, fmt == EG_OBS_FMT_WATER ? "water" : "noise", m.rows, m.n,
               w.written, w.duplicates, w.replaced, w.quarantined, m.rejected, m.invalid,
               w.series_created);
        eg_buf_free(&b);
        if (m.rejected || m.invalid)
            rc = EG_EXIT_FAIL;
    }
    if (ts)
        eg_ts_close(ts);
    eg_db_close(m.st);
    if (m.rejects)
        fclose(m.rejects);
    for (size_t i = 0; i < m.nnames; i++)
        free(m.names[i]);
    free(m.names);
    free(m.pt);
    return rc;
}
