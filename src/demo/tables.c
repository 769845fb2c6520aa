/*
 * tables.c: the demo's data files (the CSV files under data/demo, compiled into the binary), read
 * with the base CSV reader into small tables of strings: the header row is skipped, missing columns
 * are
 * "", at most EG__DEMO_MAX_ROWS rows and EG__DEMO_MAX_COLS columns are kept.
 */
#include "base/csv.h"
#include "demo/internal.h"

#include <stdlib.h>
#include <string.h>

static int load_table(const char *path, struct eg__demo_table *t, struct eg_err *err)
{
    memset(t, 0, sizeof *t);
    const struct eg_embedded *e = eg_embedded_find(path);
    if (!e)
        return eg_err_set(err, EG_EIO, "data", -1, "data file %s missing from the build", path);
    struct eg_csv c;
    int r = eg_csv_open(&c, e->data, e->len, NULL, err);
    if (r < 0)
        return r;
    int header = 1, got;
    while ((got = eg_csv_next(&c, err)) != 0) {
        if (got < 0) {
            eg_csv_close(&c);
            return got;
        }
        if (header || t->nrows >= EG__DEMO_MAX_ROWS) {
            header = 0;
            continue;
        }
        for (int k = 0; k < EG__DEMO_MAX_COLS; k++) {
            size_t n = 0;
            const char *f = k < c.nfields ? eg_csv_field(&c, k, &n) : "";
            t->cell[t->nrows][k] = eg_strndup(f, n);
        }
        t->nrows++;
    }
    eg_csv_close(&c);
    return 0;
}

static void free_table(struct eg__demo_table *t)
{
    for (int i = 0; i < t->nrows; i++)
        for (int k = 0; k < EG__DEMO_MAX_COLS; k++)
            free(t->cell[i][k]);
    t->nrows = 0;
}

int eg__demo_tables_load(struct eg__demo_tables *t, struct eg_err *err)
{
    memset(t, 0, sizeof *t);
    int r = load_table("demo/pudong_streets.csv", &t->streets, err);
    if (r == 0)
        r = load_table("demo/industries.csv", &t->inds, err);
    if (r == 0)
        r = load_table("demo/limits.csv", &t->limits, err);
    if (r == 0)
        r = load_table("demo/parks.csv", &t->parks, err);
    if (r == 0)
        r = load_table("demo/water_sections.csv", &t->sections, err);
    return r;
}

void eg__demo_tables_free(struct eg__demo_tables *t)
{
    free_table(&t->streets);
    free_table(&t->inds);
    free_table(&t->limits);
    free_table(&t->parks);
    free_table(&t->sections);
}

int eg__demo_street_index(const struct eg__demo_table *streets, const char *code)
{
    for (int k = 1; k < streets->nrows; k++)
        if (!strcmp(streets->cell[k][0], code))
            return k - 1;
    return -1;
}
