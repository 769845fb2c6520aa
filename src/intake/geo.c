/*
 * geo.c: locating a point into its street — GCJ-02/WGS-84 conversion and point in polygon over
 * the street boundaries of data/geo/ (see intake.h for the decision, data/geo/README.md for the
 * data and its licence).
 */
#include "intake/intake.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- GCJ-02 ----
   The published forward transform (Krasovsky 1940 ellipsoid); the inverse by fixed-point
   iteration, since the offset changes slowly (a few hundred metres over the whole country). */
static const double GCJ_A = 6378245.0;
static const double GCJ_EE = 0.00669342162296594323;

static double tr_lat(double x, double y)
{
    double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x));
    r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
    r += (20.0 * sin(y * M_PI) + 40.0 * sin(y / 3.0 * M_PI)) * 2.0 / 3.0;
    r += (160.0 * sin(y / 12.0 * M_PI) + 320.0 * sin(y * M_PI / 30.0)) * 2.0 / 3.0;
    return r;
}

static double tr_lon(double x, double y)
{
    double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));
    r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
    r += (20.0 * sin(x * M_PI) + 40.0 * sin(x / 3.0 * M_PI)) * 2.0 / 3.0;
    r += (150.0 * sin(x / 12.0 * M_PI) + 300.0 * sin(x / 30.0 * M_PI)) * 2.0 / 3.0;
    return r;
}

void eg_geo_wgs84_to_gcj02(double lon, double lat, double *glon, double *glat)
{
    double dlat = tr_lat(lon - 105.0, lat - 35.0);
    double dlon = tr_lon(lon - 105.0, lat - 35.0);
    double rad = lat / 180.0 * M_PI;
    double magic = sin(rad);
    magic = 1 - GCJ_EE * magic * magic;
    double sq = sqrt(magic);
    dlat = (dlat * 180.0) / ((GCJ_A * (1 - GCJ_EE)) / (magic * sq) * M_PI);
    dlon = (dlon * 180.0) / (GCJ_A / sq * cos(rad) * M_PI);
    *glon = lon + dlon;
    *glat = lat + dlat;
}

void eg_geo_gcj02_to_wgs84(double lon, double lat, double *wlon, double *wlat)
{
    double x = lon, y = lat;
    for (int i = 0; i < 8; i++) {
        double gx, gy;
        eg_geo_wgs84_to_gcj02(x, y, &gx, &gy);
        double ex = gx - lon, ey = gy - lat;
        x -= ex;
        y -= ey;
        if (fabs(ex) < 1e-9 && fabs(ey) < 1e-9)
            break;
    }
    *wlon = x;
    *wlat = y;
}

/* ---- polygons ---- */
struct ring {
    double *xy; /* lon,lat pairs */
    size_t n;   /* points */
};
struct poly {
    struct ring *rings; /* [0] outer, then holes */
    size_t nrings;
};
struct street {
    char code[16];
    char *name;
    struct poly *polys;
    size_t npolys;
    double minx, miny, maxx, maxy;
};
struct eg_geo {
    struct street *s;
    size_t n, cap;
};

struct eg_geo *eg_geo_new(void)
{
    return eg_calloc(1, sizeof(struct eg_geo));
}

static void street_free(struct street *st)
{
    for (size_t p = 0; p < st->npolys; p++) {
        for (size_t r = 0; r < st->polys[p].nrings; r++)
            free(st->polys[p].rings[r].xy);
        free(st->polys[p].rings);
    }
    free(st->polys);
    free(st->name);
}

void eg_geo_free(struct eg_geo *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++)
        street_free(&g->s[i]);
    free(g->s);
    free(g);
}

int eg_geo_count(const struct eg_geo *g)
{
    return g ? (int)g->n : 0;
}

static int ring_parse(json_t *jr, struct ring *r, struct street *st, const char *file, size_t fi,
                      struct eg_err *err)
{
    size_t n = json_is_array(jr) ? json_array_size(jr) : 0;
    if (n < 4 || n > 1000000)
        return eg_err_set(err, EG_EINVAL, "geometry", (long)fi,
                          "%s: feature %zu: a ring needs at least 4 positions", file, fi);
    r->xy = eg_malloc(n * 2 * sizeof(double));
    r->n = n;
    for (size_t i = 0; i < n; i++) {
        json_t *pt = json_array_get(jr, i);
        json_t *x = json_array_get(pt, 0), *y = json_array_get(pt, 1);
        if (!json_is_number(x) || !json_is_number(y))
            return eg_err_set(err, EG_EINVAL, "geometry", (long)fi,
                              "%s: feature %zu: position %zu is not [lon, lat]", file, fi, i);
        double lon = json_number_value(x), lat = json_number_value(y);
        if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90))
            return eg_err_set(err, EG_EINVAL, "geometry", (long)fi,
                              "%s: feature %zu: position %zu out of range", file, fi, i);
        r->xy[2 * i] = lon;
        r->xy[2 * i + 1] = lat;
        if (lon < st->minx)
            st->minx = lon;
        if (lon > st->maxx)
            st->maxx = lon;
        if (lat < st->miny)
            st->miny = lat;
        if (lat > st->maxy)
            st->maxy = lat;
    }
    return 0;
}

static int poly_parse(json_t *jp, struct poly *p, struct street *st, const char *file, size_t fi,
                      struct eg_err *err)
{
    size_t n = json_is_array(jp) ? json_array_size(jp) : 0;
    if (!n)
        return eg_err_set(err, EG_EINVAL, "geometry", (long)fi,
                          "%s: feature %zu: a polygon without rings", file, fi);
    p->rings = eg_calloc(n, sizeof(struct ring));
    for (size_t i = 0; i < n; i++) {
        p->nrings = i + 1;
        int rc = ring_parse(json_array_get(jp, i), &p->rings[i], st, file, fi, err);
        if (rc)
            return rc;
    }
    return 0;
}

int eg_geo_add(struct eg_geo *g, const char *file, const char *data, size_t len, struct eg_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(data, len, 0, &je);
    if (!root)
        return eg_err_set(err, EG_EINVAL, "bad_json", je.line, "%s: line %d: %s", file, je.line,
                          je.text);
    json_t *feats = json_object_get(root, "features");
    int rc = 0;
    if (!json_is_array(feats)) {
        rc = eg_err_set(err, EG_EINVAL, "features", -1, "%s: no features array", file);
        goto out;
    }
    for (size_t fi = 0; fi < json_array_size(feats); fi++) {
        json_t *f = json_array_get(feats, fi);
        json_t *props = json_object_get(f, "properties");
        json_t *geom = json_object_get(f, "geometry");
        json_t *code = json_object_get(props, "adcode");
        const char *name = json_string_value(json_object_get(props, "name"));
        const char *type = json_string_value(json_object_get(geom, "type"));
        json_t *coords = json_object_get(geom, "coordinates");
        if (!json_is_integer(code) || json_integer_value(code) < 100000000 ||
            json_integer_value(code) > 999999999 || !name || !type || !json_is_array(coords)) {
            rc = eg_err_set(err, EG_EINVAL, "feature", (long)fi,
                            "%s: feature %zu: needs properties.adcode (9 digits), "
                            "properties.name and a geometry",
                            file, fi);
            goto out;
        }
        if (g->n == g->cap) {
            g->cap = g->cap ? g->cap * 2 : 64;
            g->s = eg_realloc(g->s, g->cap * sizeof(struct street));
        }
        struct street *st = &g->s[g->n];
        memset(st, 0, sizeof *st);
        g->n++;
        snprintf(st->code, sizeof st->code, "%lld", (long long)json_integer_value(code));
        st->name = eg_strdup(name);
        st->minx = st->miny = 1e9;
        st->maxx = st->maxy = -1e9;
        if (!strcmp(type, "Polygon")) {
            st->polys = eg_calloc(1, sizeof(struct poly));
            st->npolys = 1;
            rc = poly_parse(coords, &st->polys[0], st, file, fi, err);
        } else if (!strcmp(type, "MultiPolygon")) {
            size_t np = json_array_size(coords);
            st->polys = eg_calloc(np ? np : 1, sizeof(struct poly));
            for (size_t p = 0; p < np && !rc; p++) {
                st->npolys = p + 1;
                rc = poly_parse(json_array_get(coords, p), &st->polys[p], st, file, fi, err);
            }
        } else {
            rc = eg_err_set(err, EG_EINVAL, "geometry", (long)fi,
                            "%s: feature %zu: geometry %s is not a Polygon or MultiPolygon", file,
                            fi, type);
        }
        if (rc)
            goto out;
    }
out:
    json_decref(root);
    return rc;
}

/* Crossing number (even-odd rule) of the ray from (x, y) towards +x. */
static int ring_contains(const struct ring *r, double x, double y)
{
    int in = 0;
    for (size_t i = 0, j = r->n - 1; i < r->n; j = i++) {
        double xi = r->xy[2 * i], yi = r->xy[2 * i + 1];
        double xj = r->xy[2 * j], yj = r->xy[2 * j + 1];
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
            in = !in;
    }
    return in;
}

static int street_contains(const struct street *st, double x, double y)
{
    if (x < st->minx || x > st->maxx || y < st->miny || y > st->maxy)
        return 0;
    for (size_t p = 0; p < st->npolys; p++) {
        const struct poly *pg = &st->polys[p];
        if (!pg->nrings || !ring_contains(&pg->rings[0], x, y))
            continue;
        int hole = 0;
        for (size_t h = 1; h < pg->nrings && !hole; h++)
            hole = ring_contains(&pg->rings[h], x, y);
        if (!hole)
            return 1;
    }
    return 0;
}

int eg_geo_locate(const struct eg_geo *g, double lon, double lat, char code[16], const char **name)
{
    if (!g || !isfinite(lon) || !isfinite(lat))
        return EG_ENOTFOUND;
    for (size_t i = 0; i < g->n; i++) {
        if (street_contains(&g->s[i], lon, lat)) {
            memcpy(code, g->s[i].code, 16);
            if (name)
                *name = g->s[i].name;
            return 0;
        }
    }
    return EG_ENOTFOUND;
}

/* The embedded maps: immutable once parsed, shared by every thread of the process. */
static pthread_once_t embedded_once = PTHREAD_ONCE_INIT;
static struct eg_geo *embedded_geo;

static void embedded_load(void)
{
    struct eg_geo *g = eg_geo_new();
    for (const struct eg_embedded *e = eg_embedded_files; e->path; e++) {
        size_t n = strlen(e->path);
        if (strncmp(e->path, "geo/", 4) || n < 16 || strcmp(e->path + n - 16, "_streets.geojson"))
            continue;
        struct eg_err err = {0};
        if (eg_geo_add(g, e->path, e->data, e->len, &err))
            eg_log(EG_LOG_ERROR, "intake: embedded map %s: %s", e->path, err.msg);
    }
    embedded_geo = g;
}

const struct eg_geo *eg_geo_embedded(void)
{
    pthread_once(&embedded_once, embedded_load);
    return embedded_geo;
}
