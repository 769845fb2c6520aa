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

/* One CSV line split into fields (pointers into a scratch copy; quotes removed). */
struct line {
    char *buf;
    size_t cap;
    char *f[MAX_COLS];
    size_t len[MAX_COLS];
    int n;
};

/* Splits [p, end) (one line, no newline) into fields; returns -1 on a broken quote or too many
   fields. */
static int split(struct line *l, const char *p, const char *end)
{
    size_t need = (size_t)(end - p) + 1;
    if (need > l->cap) {
        l->cap = need * 2;
        l->buf = eg_realloc(l->buf, l->cap);
    }
    char *o = l->buf;
    l->n = 0;
    for (;;) {
        if (l->n >= MAX_COLS)
            return -1;
        char *start = o;
        if (p < end && *p == '"') {
            p++;
            for (;;) {
                if (p >= end)
                    return -1;
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *o++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *o++ = *p++;
            }
            if (p < end && *p != ',')
                return -1;
        } else {
            while (p < end && *p != ',')
                *o++ = *p++;
        }
        l->f[l->n] = start;
        l->len[l->n] = (size_t)(o - start);
        *o++ = '\0';
        l->n++;
        if (p >= end)
            return 0;
        p++; /* comma */
    }
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
    im->pend[im->npts] = (struct pend){intern(im, src, srcn), intern(im, pol, poln),
                                       intern(im, field, strlen(field))};
    im->pts[im->npts++] = (struct eg_ts_point){{NULL, NULL, kind, NULL, 0}, t, v, flag};
    im->rep->values++;
    if (!im->o->strict && im->npts >= im->batch)
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

static void load_stations(struct imp *im, const char *buf, size_t len)
{
    struct line *l = eg_calloc(1, sizeof *l);
    const char *p = buf, *end = buf + len;
    size_t cap = 0;
    int first = 1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *lend = le > p && le[-1] == '\r' ? le - 1 : le;
        if (!first && lend > p && split(l, p, lend) == 0 && l->n >= 1 && l->len[0] > 0) {
            if (im->nstations == cap) {
                cap = cap ? cap * 2 : 1024;
                im->stations = eg_realloc(im->stations, cap * sizeof *im->stations);
            }
            im->stations[im->nstations++] = eg_strndup(l->f[0], l->len[0]);
        }
        first = 0;
        p = nl ? nl + 1 : end;
    }
    free(l->buf);
    free(l);
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

static int china_sites(struct imp *im, struct line *hdr, const char *p, const char *end,
                       long lineno, struct eg_err *err)
{
    int ncol = hdr->n;
    char **codes = eg_calloc((size_t)ncol, sizeof *codes);
    int r = 0;
    for (int c = 3; c < ncol; c++) {
        if (!ident_ok(hdr->f[c], hdr->len[c]))
            reject(im, 1, c + 1, "column %d: '%.40s' is not a station code", c + 1, hdr->f[c]);
        else if (!station_known(im, hdr->f[c]))
            reject(im, 1, c + 1, "station %.40s is not in the station list", hdr->f[c]);
        else
            codes[c] = eg_strndup(hdr->f[c], hdr->len[c]);
    }
    struct line *l = eg_calloc(1, sizeof *l);
    while (p < end && r == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *lend = le > p && le[-1] == '\r' ? le - 1 : le;
        lineno++;
        const char *next = nl ? nl + 1 : end;
        if (lend == p) {
            p = next;
            continue;
        }
        im->rep->rows++;
        if (split(l, p, lend) || l->n != ncol) {
            reject(im, lineno, 0, "row has %d fields, the header %d", l->n, ncol);
            p = next;
            continue;
        }
        int64_t hour;
        int64_t t;
        if (l->len[0] != 8 || eg_parse_int64(l->f[1], l->len[1], &hour) || hour < 0 || hour > 23 ||
            eg_time_parse_beijing(l->f[0], 8, &t)) {
            reject(im, lineno, 1, "date '%.20s' hour '%.8s' is not a day and an hour 0-23", l->f[0],
                   l->f[1]);
            p = next;
            continue;
        }
        t += hour * 3600 - 3600; /* label H = mean of [H-1, H): stored at its start */
        const char *code = eg_ts_pollutant_code(l->f[2], l->len[2]);
        if (!code) {
            im->rep->skipped++; /* AQI, *_24h, O3_8h*: derived columns */
            p = next;
            continue;
        }
        for (int c = 3; c < ncol && r == 0; c++) {
            if (l->len[c] == 0) {
                im->rep->empty++;
                continue;
            }
            if (!codes[c])
                continue; /* the column was rejected once already */
            double v;
            if (eg_parse_double(l->f[c], l->len[c], &v)) {
                reject(im, lineno, c + 1, "station %s %s: '%.30s' is not a number", codes[c],
                       l->f[2], l->f[c]);
                continue;
            }
            r = add_point(im, codes[c], strlen(codes[c]), code, strlen(code), EG_TS_KIND_HOUR,
                          "Avg", t, v, 'N', err);
        }
        if (im->o->progress && im->rep->rows % 30 == 0)
            im->o->progress(im->o->arg, im->rep->rows, im->rep->values);
        p = next;
    }
    free(l->buf);
    free(l);
    for (int c = 0; c < ncol; c++)
        free(codes[c]);
    free(codes);
    return r;
}

/* --- long --------------------------------------------------------------------------------- */

static int field_index(struct line *h, const char *name)
{
    for (int i = 0; i < h->n; i++)
        if (strlen(name) == h->len[i] && !memcmp(h->f[i], name, h->len[i]))
            return i;
    return -1;
}

static int long_format(struct imp *im, struct line *hdr, const char *p, const char *end,
                       long lineno, struct eg_err *err)
{
    int cs = field_index(hdr, "station"), ct = field_index(hdr, "time"),
        cp = field_index(hdr, "pollutant"), cv = field_index(hdr, "value"),
        cf = field_index(hdr, "flag"), ck = field_index(hdr, "kind"),
        cfl = field_index(hdr, "field");
    if (cs < 0 || ct < 0 || cp < 0 || cv < 0)
        return eg_err_set(err, EG_EINVAL, "bad_header", 1,
                          "header must name station,time,pollutant,value[,flag][,kind][,field]");
    struct line *l = eg_calloc(1, sizeof *l);
    int r = 0;
    while (p < end && r == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *lend = le > p && le[-1] == '\r' ? le - 1 : le;
        const char *next = nl ? nl + 1 : end;
        lineno++;
        if (lend == p) {
            p = next;
            continue;
        }
        im->rep->rows++;
        const char *start = p;
        p = next;
        if (split(l, start, lend)) {
            reject(im, lineno, 0, "row is not valid CSV");
            continue;
        }
        if (l->n != hdr->n) {
            reject(im, lineno, 0, "row has %d fields, the header %d", l->n, hdr->n);
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
    free(l->buf);
    free(l);
    return r;
}

int eg_ts_import(struct eg_ts *ts, const char *buf, size_t len, const struct eg_ts_import_opts *o,
                 struct eg_ts_import_report *rep, struct eg_err *err)
{
    memset(rep, 0, sizeof *rep);
    struct imp im = {0};
    im.ts = ts;
    im.o = o;
    im.rep = rep;
    im.batch = o->batch ? o->batch : 20000;
    if (o->stations)
        load_stations(&im, o->stations, o->stations_len);
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) { /* UTF-8 BOM */
        buf += 3;
        len -= 3;
    }
    const char *end = buf + len;
    const char *nl = memchr(buf, '\n', len);
    const char *le = nl ? nl : end;
    const char *lend = le > buf && le[-1] == '\r' ? le - 1 : le;
    struct line *hdr = eg_calloc(1, sizeof *hdr);
    int r;
    if (split(hdr, buf, lend) || hdr->n < 3) {
        r = eg_err_set(err, EG_EINVAL, "bad_header", 1,
                       "first line must be a CSV header (station,time,pollutant,value,flag or "
                       "date,hour,type,<stations>)");
    } else if (hdr->len[0] == 4 && !memcmp(hdr->f[0], "date", 4) && hdr->len[1] == 4 &&
               !memcmp(hdr->f[1], "hour", 4) && hdr->len[2] == 4 && !memcmp(hdr->f[2], "type", 4)) {
        rep->format = "china_sites";
        r = china_sites(&im, hdr, nl ? nl + 1 : end, end, 1, err);
    } else {
        rep->format = "long";
        r = long_format(&im, hdr, nl ? nl + 1 : end, end, 1, err);
    }
    if (r == 0 && o->strict && rep->rejected)
        r = eg_err_set(err, EG_EINVAL, "rejected_rows", rep->rejects[0].line,
                       "%zu rows rejected (first at line %ld: %s); strict mode: nothing imported",
                       rep->rejected, rep->rejects[0].line, rep->rejects[0].reason);
    if (r == 0) {
        /* strict mode writes everything in one transaction: all or nothing */
        r = flush(&im, err);
    }
    if (o->progress)
        o->progress(o->arg, rep->rows, rep->values);
    free(hdr->buf);
    free(hdr);
    free(im.pts);
    free(im.names);
    free(im.pend);
    for (size_t i = 0; i < im.nstations; i++)
        free(im.stations[i]);
    free(im.stations);
    return r;
}

void eg_ts_import_report_free(struct eg_ts_import_report *rep)
{
    free(rep->rejects);
    rep->rejects = NULL;
    rep->nrejects = 0;
}
