/*
 * plans/internal.h: what the files of plans/ share — the small TSV reader of the data files
 * (catalogue, round, plan) with errors that name file, line and field.
 */
#ifndef EG_PLANS_INTERNAL_H
#define EG_PLANS_INTERNAL_H

#include "plans/plans.h"

#define EG__PLANS_TSV_MAX_BYTES (4u << 20) /* a data file */
#define EG__PLANS_TSV_MAX_FIELDS 16

struct eg__plans_tsv {
    const char *file; /* shown in errors */
    const char *p, *end;
    long line; /* of the current row */
    int nf;
    const char *f[EG__PLANS_TSV_MAX_FIELDS];
    size_t n[EG__PLANS_TSV_MAX_FIELDS];
};

/* Starts over [data, data+len): checks the size and that the whole input is UTF-8 (a BOM is
   skipped), then reads the header and checks it is exactly `header` (names separated by
   tabs). */
int eg__plans_tsv_open(struct eg__plans_tsv *t, const char *data, size_t len, const char *file,
                       const char *header, struct eg_err *err);
/* The next row (skipping blank lines and lines starting with '#'): 1 with the fields, 0 at the
   end, EG_EINVAL when the row has not as many fields as the header. */
int eg__plans_tsv_next(struct eg__plans_tsv *t, int nfields, struct eg_err *err);
/* EG_EINVAL with code `field` and "FILE line N, field FIELD: …". */
int eg__plans_tsv_fail(const struct eg__plans_tsv *t, struct eg_err *err, const char *field,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Field i as a positive int (1..max) or EG_EINVAL naming the field. */
int eg__plans_tsv_int(const struct eg__plans_tsv *t, int i, const char *field, int min, int max,
                      int *out, struct eg_err *err);
char *eg__plans_tsv_dup(const struct eg__plans_tsv *t, int i);

#endif
