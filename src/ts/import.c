/*
 * ts_import.c: ambient observation files into the time-series store (`envgov import
 * observations`). Two formats, recognised by their header:
 *
 *   long         station,time,pollutant,value,flag[,kind][,field]
 *                time in Beijing time, the start of the period (HJ 212 DataTime convention);
 *                pollutant an HJ 212-2017 code or PM2.5/PM10/SO2/NO2/O3/CO; flag empty = N;
 *                kind default 2061 (hour), field default Avg.
 *   china_sites  date,hour,type,<station code>…  (CNEMC national real-time data as archived by
 *                quotsoft.net: one file a day, 15 rows a hour). The hour label H is the mean of
 *                [H-1:00, H:00) (standards.md 1.8: "16时的小时均值为15:00-16:00"), stored at its
 *                start H-1:00. Imported: PM2.5 PM10 SO2 NO2 O3 CO 1-h values (µg/m³, CO mg/m³).
 *                Skipped: AQI and the *_24h, O3_8h* columns (derived; envgov recomputes them).
 *
 * Rows that cannot be read (bad time such as 2019-02-30, a value that is not a finite number,
 * an unknown station when a station list is given, a bad flag) are rejected and reported with
 * line and column; the rest is imported in batches through eg_ts_write_batch, so importing a
 * file twice stores everything once.
 */
#include "base/csv.h"
#include "obs/obs.h"
#include "ts/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 4096
#define MAX_FIELD 128

static const struct {
    const char *name, *code;
} common_names[] = {
    {"PM2.5", "a34004"}, {"PM10", "a34002"}, {"SO2", "a21026"},
    {"NO2", "a21004"},   {"O3", "a05024"},   {"CO", "a21005"},
};

const char *eg_ts_pollutant_code(const char *name, size_t n)
{
    for (size_t i = 0; i < EG_ARRAY_LEN(common_names); i++)
        if (strlen(common_names[i].name) == n && !memcmp(common_names[i].name, name, n))
            return common_names[i].code;
    return NULL;
}

/* Points keep offsets into the name arena until flush turns them into pointers (the arena may
   move while it grows). */
struct pend {
    size_t src, pol, field;
};

struct imp {
    struct eg_ts *ts;
    const struct eg_ts_import_opts *o;
    struct eg_ts_import_report *rep;
    struct eg_ts_point *pts;
    char *names; /* owned copies of keys' strings for the pending batch */
    size_t npts, cap, names_len, names_cap;
    size_t batch;
    char **stations; /* sorted list of known codes, or NULL */
    size_t nstations;
    struct pend *pend; /* parallel to pts */
    int validate;      /* the strict mode's first pass: count, keep nothing */
};

static void reject(struct imp *im, long line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reject(struct imp *im, long line, int col, const char *fmt, ...)
{
    struct eg_ts_import_report *r = im->rep;
    r->rejected++;
    if ((r->nrejects & (r->nrejects - 1)) == 0) /* 0, 1, 2, 4, …: grow geometrically */
        r->rejects =
            eg_realloc(r->rejects, (r->nrejects ? r->nrejects * 2 : 1) * sizeof *r->rejects);
    struct eg_ts_reject *x = &r->rejects[r->nrejects++];
    x->line = line;
    x->column = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->reason, sizeof x->reason, fmt, ap);
    va_end(ap);
}

/* Interns a string into the batch's name arena; returns its offset. */
static size_t intern(struct imp *im, const char *s, size_t n)
{
    if (im->names_len + n + 1 > im->names_cap) {
        im->names_cap = (im->names_len + n + 1) * 2;
        im->names = eg_realloc(im->names, im->names_cap);
    }
    size_t at = im->names_len;
    memcpy(im->names + at, s, n);
    im->names[at + n] = '\0';
    im->names_len += n + 1;
    return at;
}

static int flush(struct imp *im, struct eg_err *err)
{
    if (im->npts == 0)
        return 0;
    for (size_t i = 0; i < im->npts; i++) {
        im->pts[i].key.source = im->names + im->pend[i].src;
        im->pts[i].key.pollutant = im->names + im->pend[i].pol;
        im->pts[i].key.field = im->names + im->pend[i].field;
    }
    int r = eg_ts_write_batch(im->ts, im->pts, im->npts, im->o->known_series ? 0 : EG_TS_CREATE,
                              &im->rep->w, err);
    if (r == 0 && eg_events_active(im->o->events)) {
        /* committed (each batch is its own transaction): tell the subscribers */
        struct eg_event_batch *b = eg_event_batch_new(EG_EVENT_IMPORT);
        for (size_t i = 0; i < im->npts; i++)
            eg_event_batch_add(b, im->pts[i].key.source, im->pts[i].key.pollutant,
                               im->pts[i].key.kind, im->pts[i].t);
        eg_events_publish(im->o->events, b);
    }
    im->npts = 0;
    im->names_len = 0;
    return r;
}

static int add_point(struct imp *im, const char *src, size_t srcn, const char *pol, size_t poln,
                     int kind, const char *field, int64_t t, double v, char flag,
                     struct eg_err *err)
{
    if (im->npts == im->cap) {
        im->cap = im->cap ? im->cap * 2 : 1024;
        im->pts = eg_realloc(im->pts, im->cap * sizeof *im->pts);
        im->pend = eg_realloc(im->pend, im->cap * sizeof *im->pend);
    }
    if (im->validate) {
        im->rep->values++;
        return 0;
    }
    im->pend[im->npts] = (struct pend){intern(im, src, srcn), intern(im, pol, poln),
                                       intern(im, field, strlen(field))};
    im->pts[im->npts++] = (struct eg_ts_point){{NULL, NULL, kind, NULL, 0}, t, v, flag};
    im->rep->values++;
    if (im->npts >= im->batch)
        return flush(im, err);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int station_known(struct imp *im, const char *code)
{
    if (!im->stations)
        return 1;
    return bsearch(&code, im->stations, im->nstations, sizeof *im->stations, cmp_str) != NULL;
}

/* The station list: a CSV whose first column (after a header row) is the station code. */
static void load_stations(struct imp *im, const char *buf, size_t len)
{
    struct eg_csv c;
    size_t cap = 0;
    if (eg_csv_open(&c, buf, len, NULL, NULL) == 0) {
        int got = eg_csv_next(&c, NULL); /* the header */
        while (got != 0) {
            got = eg_csv_next(&c, NULL);
            size_t n;
            if (got <= 0 || !eg_csv_field(&c, 0, &n) || n == 0)
                continue;
            if (im->nstations == cap) {
                cap = cap ? cap * 2 : 1024;
                im->stations = eg_realloc(im->stations, cap * sizeof *im->stations);
            }
            im->stations[im->nstations++] = eg_strndup(eg_csv_field(&c, 0, &n), n);
        }
        eg_csv_close(&c);
    }
    if (!im->stations)
        im->stations = eg_malloc(sizeof *im->stations);
    qsort(im->stations, im->nstations, sizeof *im->stations, cmp_str);
}

static int ident_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* --- china_sites -------------------------------------------------------------------------- */

/* The header's station codes that may be imported (NULL for a rejected column). */
static char **station_columns(struct imp *im, const struct eg_obs_cs *cs)
{
    char **codes = eg_calloc((size_t)cs->nstations + 3, sizeof *codes);
    for (int c = 3; c < cs->nstations + 3; c++) {
        const char *code = cs->station[c - 3];
        size_t n = cs->station_len[c - 3];
        if (!ident_ok(code, n))
            reject(im, 1, c + 1, "column %d: '%.40s' is not a station code", c + 1, code);
        else if (!station_known(im, code))
            reject(im, 1, c + 1, "station %.40s is not in the station list", code);
        else
            codes[c] = eg_strndup(code, n);
    }
    return codes;
}

/* One row's station values as points of pollutant `code` at t. */
static int china_values(struct imp *im, const struct eg_obs_cs *cs, char **codes,
                        const struct eg_obs_cs_row *row, const char *code, int64_t t,
                        struct eg_err *err)
{
    size_t tn;
    const char *type = eg_obs_cs_field(cs, 2, &tn);
    int r = 0;
    for (int c = 3; c < row->nfields && r == 0; c++) {
        size_t n;
        const char *f = eg_obs_cs_field(cs, c, &n);
        if (n == 0) {
            im->rep->empty++;
            continue;
        }
        if (!codes[c])
            continue; /* the column was rejected once already */
        double v;
        if (eg_parse_double(f, n, &v)) {
            reject(im, row->line, c + 1, "station %s %s: '%.30s' is not a number", codes[c], type,
                   f);
            continue;
        }
        r = add_point(im, codes[c], strlen(codes[c]), code, strlen(code), EG_TS_KIND_HOUR, "Avg", t,
                      v, 'N', err);
    }
    return r;
}

/* china_sites through the obs reader (the one `envgov aqi` uses); c holds the header record
   and is taken over. */
static int china_sites(struct imp *im, struct eg_csv *hdr, struct eg_err *err)
{
    struct eg_obs_cs cs;
    int r = eg_obs_cs_from_header(&cs, hdr, err);
    if (r < 0)
        return r;
    int ncol = cs.nstations + 3;
    char **codes = station_columns(im, &cs);
    while (r == 0) {
        struct eg_obs_cs_row row;
        struct eg_err e;
        int got = eg_obs_cs_next(&cs, &row, &e);
        if (got == 0)
            break;
        im->rep->rows++;
        if (row.nfields != ncol || (got < 0 && strcmp(e.code, "time"))) {
            reject(im, row.line, 0, "row has %d fields, the header %d", row.nfields, ncol);
            continue;
        }
        if (got < 0) {
            size_t n;
            const char *d = eg_obs_cs_field(&cs, 0, &n), *h = eg_obs_cs_field(&cs, 1, &n);
            reject(im, row.line, 1, "date '%.20s' hour '%.8s' is not a day and an hour 0-23", d, h);
            continue;
        }
        size_t tn;
        const char *type = eg_obs_cs_field(&cs, 2, &tn);
        const char *code = eg_ts_pollutant_code(type, tn);
        if (!code) {
            im->rep->skipped++; /* AQI, *_24h, O3_8h*: derived columns */
            continue;
        }
        /* label H = mean of [H-1, H): stored at its start */
        r = china_values(im, &cs, codes, &row, code, row.t - 3600, err);
        if (im->o->progress && im->rep->rows % 30 == 0)
            im->o->progress(im->o->arg, im->rep->rows, im->rep->values);
    }
    for (int c = 0; c < ncol; c++)
        free(codes[c]);
    free(codes);
    eg_obs_cs_close(&cs);
    return r;
}

/* --- long --------------------------------------------------------------------------------- */

/* The current record's fields (pointers into the reader, valid until its next record). */
struct fields {
    const char *f[MAX_COLS];
    size_t len[MAX_COLS];
    int n;
};

static void fields_of(const struct eg_csv *c, struct fields *l)
{
    l->n = c->nfields;
    for (int i = 0; i < l->n; i++)
        l->f[i] = eg_csv_field(c, i, &l->len[i]);
}

static int field_index(const struct eg_csv *h, const char *name)
{
    for (int i = 0; i < h->nfields; i++) {
        size_t n;
        const char *f = eg_csv_field(h, i, &n);
        if (strlen(name) == n && !memcmp(f, name, n))
            return i;
    }
    return -1;
}

/* The long format; c holds the header record. */
static int long_format(struct imp *im, struct eg_csv *c, struct eg_err *err)
{
    int cs = field_index(c, "station"), ct = field_index(c, "time"),
        cp = field_index(c, "pollutant"), cv = field_index(c, "value"), cf = field_index(c, "flag"),
        ck = field_index(c, "kind"), cfl = field_index(c, "field");
    if (cs < 0 || ct < 0 || cp < 0 || cv < 0)
        return eg_err_set(err, EG_EINVAL, "bad_header", 1,
                          "header must name station,time,pollutant,value[,flag][,kind][,field]");
    int hdr_n = c->nfields;
    struct fields *l = eg_calloc(1, sizeof *l);
    int r = 0;
    while (r == 0) {
        int got = eg_csv_next(c, NULL);
        if (got == 0)
            break;
        long lineno = c->rec_line;
        im->rep->rows++;
        if (got < 0) {
            reject(im, lineno, 0, "row is not valid CSV");
            continue;
        }
        fields_of(c, l);
        if (l->n != hdr_n) {
            reject(im, lineno, 0, "row has %d fields, the header %d", l->n, hdr_n);
            continue;
        }
        if (!ident_ok(l->f[cs], l->len[cs])) {
            reject(im, lineno, cs + 1, "'%.40s' is not a station code", l->f[cs]);
            continue;
        }
        if (!station_known(im, l->f[cs])) {
            reject(im, lineno, cs + 1, "station %.40s is not in the station list", l->f[cs]);
            continue;
        }
        int64_t t;
        if (eg_time_parse_beijing(l->f[ct], l->len[ct], &t)) {
            reject(im, lineno, ct + 1, "'%.40s' is not an existing Beijing time", l->f[ct]);
            continue;
        }
        const char *pol = eg_ts_pollutant_code(l->f[cp], l->len[cp]);
        size_t poln = pol ? strlen(pol) : l->len[cp];
        if (!pol)
            pol = l->f[cp];
        double v;
        if (eg_parse_double(l->f[cv], l->len[cv], &v)) {
            reject(im, lineno, cv + 1, "value '%.40s' is not a finite number", l->f[cv]);
            continue;
        }
        char flag = 'N';
        if (cf >= 0 && l->len[cf] > 0) {
            if (l->len[cf] != 1 || l->f[cf][0] < 'A' || l->f[cf][0] > 'Z') {
                reject(im, lineno, cf + 1, "flag '%.10s' is not an HJ 212 data flag", l->f[cf]);
                continue;
            }
            flag = l->f[cf][0];
        }
        int64_t kind = EG_TS_KIND_HOUR;
        if (ck >= 0 && l->len[ck] > 0 && eg_parse_int64(l->f[ck], l->len[ck], &kind)) {
            reject(im, lineno, ck + 1, "kind '%.10s' is not a number", l->f[ck]);
            continue;
        }
        const char *field = cfl >= 0 && l->len[cfl] > 0 ? l->f[cfl] : "Avg";
        struct eg_ts_key k = {"x", "x", (int)kind, field, 0};
        char polz[MAX_FIELD];
        snprintf(polz, sizeof polz, "%.*s", (int)(poln < 100 ? poln : 100), pol);
        k.pollutant = polz;
        struct eg_err kerr;
        if (kind < 0 || kind > 9999 || eg__ts_key_check(&k, &kerr)) {
            reject(im, lineno, 0, "%s", kind < 0 || kind > 9999 ? "bad kind" : kerr.msg);
            continue;
        }
        r = add_point(im, l->f[cs], l->len[cs], polz, strlen(polz), (int)kind, field, t, v, flag,
                      err);
        if (im->o->progress && im->rep->rows % 50000 == 0)
            im->o->progress(im->o->arg, im->rep->rows, im->rep->values);
    }
    free(l);
    return r;
}

/* Where the rows come from: a buffer, or a file streamed (opened again for each pass). */
struct source {
    const char *buf, *path;
    size_t len;
};

/* One pass over the file: every row read, rejected rows reported, values added (or only
   counted when im->validate). */
static int import_pass(struct imp *im, const struct source *src, struct eg_err *err)
{
    struct eg_ts_import_report *rep = im->rep;
    struct eg_csv c;
    const struct eg_csv_limits lim = {0, MAX_COLS, 0};
    int r = src->path ? eg_csv_open_file(&c, src->path, &lim, err)
                      : eg_csv_open(&c, src->buf, src->len, &lim, err);
    if (r < 0)
        return r;
    if (eg_csv_next(&c, NULL) <= 0 || c.nfields < 3) {
        r = eg_err_set(err, EG_EINVAL, "bad_header", 1,
                       "first line must be a CSV header (station,time,pollutant,value,flag or "
                       "date,hour,type,<stations>)");
    } else if (eg_obs_cs_is_header(&c)) {
        rep->format = "china_sites";
        r = china_sites(im, &c, err); /* takes c over */
    } else {
        rep->format = "long";
        r = long_format(im, &c, err);
    }
    eg_csv_close(&c);
    return r;
}

static int import_source(struct eg_ts *ts, const struct source *src,
                         const struct eg_ts_import_opts *o, struct eg_ts_import_report *rep,
                         struct eg_err *err)
{
    memset(rep, 0, sizeof *rep);
    struct imp im = {0};
    im.ts = ts;
    im.o = o;
    im.rep = rep;
    im.batch = o->batch ? o->batch : 20000;
    if (o->stations)
        load_stations(&im, o->stations, o->stations_len);
    int r = 0;
    if (o->strict) {
        /* strict: a first pass reads and checks every row, keeping nothing (memory stays
           bounded, where holding every point for one transaction took 1.09 GB for 200 MB);
           nothing is written when a row is rejected */
        im.validate = 1;
        r = import_pass(&im, src, err);
        im.validate = 0;
        if (r == 0 && rep->rejected)
            r = eg_err_set(err, EG_EINVAL, "rejected_rows", rep->rejects[0].line,
                           "%zu rows rejected (first at line %ld: %s); strict mode: nothing "
                           "imported",
                           rep->rejected, rep->rejects[0].line, rep->rejects[0].reason);
        if (r == 0) {
            eg_ts_import_report_free(rep);
            memset(rep, 0, sizeof *rep);
        }
    }
    if (r == 0)
        r = import_pass(&im, src, err);
    if (r == 0)
        r = flush(&im, err);
    if (o->progress)
        o->progress(o->arg, rep->rows, rep->values);
    free(im.pts);
    free(im.names);
    free(im.pend);
    for (size_t i = 0; i < im.nstations; i++)
        free(im.stations[i]);
    free(im.stations);
    return r;
}

int eg_ts_import(struct eg_ts *ts, const char *buf, size_t len, const struct eg_ts_import_opts *o,
                 struct eg_ts_import_report *rep, struct eg_err *err)
{
    const struct source src = {buf, NULL, len};
    return import_source(ts, &src, o, rep, err);
}

int eg_ts_import_file(struct eg_ts *ts, const char *path, const struct eg_ts_import_opts *o,
                      struct eg_ts_import_report *rep, struct eg_err *err)
{
    const struct source src = {NULL, path, 0};
    return import_source(ts, &src, o, rep, err);
}

void eg_ts_import_report_free(struct eg_ts_import_report *rep)
{
    free(rep->rejects);
    rep->rejects = NULL;
    rep->nrejects = 0;
}
