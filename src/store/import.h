/*
 * import: CSV files into the registry — the engine behind `envgov import RES FILE` and the HTTP
 * upload endpoint, so both accept the same files and report the same errors.
 *
 * Input: CSV (RFC 4180: commas, "quoted" fields with "" inside, CRLF or LF, newlines inside
 * quotes) in UTF-8 with or without BOM, or GBK/GB 18030 as Excel writes it on Chinese Windows
 * (detected: a file that is not valid UTF-8 is converted from GB 18030 with iconv). The first
 * row names the columns, each by its field name (English) or its Chinese label (label_zh), in
 * any order; cells are read with eg_registry_value_from_text (Chinese enum labels, 是/否,
 * natural keys for references). An empty cell leaves the field unset.
 *
 * All or nothing: every row is checked (inside one transaction, a savepoint per row) and every
 * rejected row is reported with its line number and reason; if any row is rejected, or on a dry
 * run, the transaction is rolled back and nothing is written.
 */
#ifndef EG_IMPORT_H
#define EG_IMPORT_H

#include "store/registry.h"

#define EG_IMPORT_MAX_BYTES (64u << 20) /* default refusal size */
#define EG_IMPORT_MAX_REPORTED 1000     /* rejected rows listed (all are counted) */

struct eg_import_opts {
    int dry_run;
    size_t max_bytes; /* 0 = EG_IMPORT_MAX_BYTES */
    /* Called about once a second on long files (rows done, bytes done of total). */
    void (*progress)(void *ctx, long rows, size_t done, size_t total);
    void *progress_ctx;
};

struct eg_import_report {
    const char *encoding; /* "utf-8", "utf-8-bom" or "gb18030" */
    long rows;            /* data rows read */
    long accepted;        /* rows that passed (written unless dry run or any rejected) */
    long rejected;
    int written;    /* 1 when the rows were committed */
    json_t *errors; /* [{"line":N,"field":"…","code":"…","message":"…"}] */
};

/* Imports buf[0..len) into res as who. Returns 0 when every row was accepted (and written unless
   dry_run); EG_EINVAL when rows were rejected (nothing written; rep->errors lists them); other
   errors (encoding, header, size EG_ETOOBIG, database) with err filled and the report partial. */
int eg_import_csv(struct eg_store *st, const struct eg_resource *res,
                  const struct eg_principal *who, const char *buf, size_t len,
                  const struct eg_import_opts *opts, struct eg_import_report *rep,
                  struct eg_err *err);
void eg_import_report_free(struct eg_import_report *rep);

#endif
