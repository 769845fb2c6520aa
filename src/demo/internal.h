/* demo/internal.h: the loader's shared state and helpers; private to src/demo. */
#ifndef EG_DEMO_INTERNAL_H
#define EG_DEMO_INTERNAL_H

#include "demo/demo.h"

#include <jansson.h>
#include <stdint.h>

/* ---- the data files under data/demo (tables.c) ---- */

#define EG__DEMO_MAX_ROWS 64
#define EG__DEMO_MAX_COLS 8
struct eg__demo_table {
    int nrows;
    char *cell[EG__DEMO_MAX_ROWS][EG__DEMO_MAX_COLS]; /* "" for a missing column */
    char *text;
};
struct eg__demo_tables {
    struct eg__demo_table streets, inds, limits, parks, sections;
};
int eg__demo_tables_load(struct eg__demo_tables *t, struct eg_err *err);
void eg__demo_tables_free(struct eg__demo_tables *t);
/* The index among the streets and towns (rows after the district) of the one with code, or -1. */
int eg__demo_street_index(const struct eg__demo_table *streets, const char *code);

/* ---- deterministic values (gen.c) ---- */

void eg__demo_rng_reset(void);
int eg__demo_rnd_below(int n);
double eg__demo_rnd_unit(void);
/* 统一社会信用代码 (GB 32100-2015) of a fictional enterprise number serial. */
void eg__demo_credit_code(int serial, char out[19]);
void eg__demo_random_password(char *out, size_t n);

/* ---- the loader's state (load.c) ---- */

struct eg__demo {
    struct eg_db *st;
    struct eg_err *err;
    int failed;
    FILE *device_pw;
    struct eg_demo_report *rep;
    const struct eg__demo_tables *t;
    /* made so far, for the records that hang from them */
    int nstreets;
    int64_t street_id[EG__DEMO_MAX_ROWS], grid_id[EG__DEMO_MAX_ROWS][3];
    int64_t park_id[EG__DEMO_MAX_ROWS];
    int park_street[EG__DEMO_MAX_ROWS];
    int64_t first_enterprise, steward_units[10];
    int nsteward;
};

/* Creates through the registry (validated, audited); consumes in. 0 once anything failed. */
int64_t eg__demo_mk(struct eg__demo *d, const char *res, json_t *in);
/* A device of the kind digit (1 outlet, 2 air, 3 water, 4 noise) for ref_field = ref. */
int64_t eg__demo_mk_device(struct eg__demo *d, const char *kind_digit, const char *ref_field,
                           int64_t ref, const char *pollutants, const char *name);

/* The parts of the district, in the order they are loaded; each returns 0 or -1. */
int eg__demo_regions(struct eg__demo *d);     /* regions.c: district, streets, grids */
int eg__demo_parks(struct eg__demo *d);       /* regions.c: parks and pilot objects */
int eg__demo_enterprises(struct eg__demo *d); /* enterprises.c: units, permits, outlets */
int eg__demo_stations(struct eg__demo *d);    /* stations.c: air, water, noise */
int eg__demo_targets(struct eg__demo *d);     /* history.c: the district's own targets */

#endif
