/*
 * store_fixture.h: what the store and time-series tests share: a database file in the test's
 * temporary directory (opened, created and migrated; the test stops when it cannot be), one
 * integer read with SQL, and text converted to GBK as Excel writes CSV on Chinese Windows.
 */
#ifndef EG_TEST_STORE_FIXTURE_H
#define EG_TEST_STORE_FIXTURE_H

#include "db/db.h"
#include "ts/ts.h"

#include <stddef.h>
#include <stdint.h>

/* NAME in eg_test_tmpdir(); SQL (or NULL) run once opened, e.g. to insert regions. */
struct eg_db *eg_tfx_open(const char *name, const char *sql);
/* The same, with its time-series store, whose clock reads NOW. */
struct eg_db *eg_tfx_open_ts(const char *name, int64_t now, struct eg_ts **ts);
/* The first column of the one row SQL returns. */
int64_t eg_tfx_int(struct eg_db *st, const char *sql);
/* UTF8 in GBK into out[0..cap); returns the GBK length. */
size_t eg_tfx_gbk(const char *utf8, char *out, size_t cap);

#endif
