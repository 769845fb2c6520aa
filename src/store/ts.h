/*
 * ts: the time-series store. Years of monitoring values (HJ 212 devices, ambient stations,
 * imported files) kept compact and quick to query, on top of the store.h seam only (so the
 * PostgreSQL backend gets it for free).
 *
 * Model. A series is (source, pollutant, kind, field): source is a device MN or a station code,
 * pollutant an HJ 212-2017 code ("w01018"), kind the HJ 212 CN of the data (2011 real-time,
 * 2051 minute, 2061 hour, 2031 day) and field the CP suffix ("Rtd", "Avg", "Min", "Max", "Cou",
 * "ZsRtd", "ZsAvg" ...). Values that envgov computes itself (hourly/daily means with validity
 * rules) live in separate series with computed = 1, beside what the device sent. A sample is
 * (UTC seconds, value, HJ 212-2017 Table 8 data flag N/F/M/S/D/C/T/B).
 *
 * Storage. Samples of the current (open) Beijing day are rows (ts_raw); closed days are compacted
 * into one compressed block per series and day (ts_block, codec below) in the same database, so
 * one backup and one transaction model cover everything. Queries merge both. Writes for a day
 * that is already closed go straight into its block (merge + re-encode), which is also how late
 * data reaches compacted days. See docs/timeseries.md.
 */
#ifndef EG_STORE_TS_H
#define EG_STORE_TS_H

#include "base/base.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

/* HJ 212-2017 Table 9 command numbers used as the kind of a series. */
enum {
    EG_TS_KIND_RTD = 2011,    /* 实时数据 */
    EG_TS_KIND_MINUTE = 2051, /* 分钟数据 */
    EG_TS_KIND_HOUR = 2061,   /* 小时数据 */
    EG_TS_KIND_DAY = 2031,    /* 日数据 */
};

/* One sample. flag is an HJ 212-2017 Table 8 letter (an upper-case ASCII letter is accepted:
   real data also carries the 2005 'P' and a vendor 'J'). */
struct eg_ts_sample {
    int64_t t; /* UTC seconds; for 2051/2061/2031 the start of the period (HJ 212 DataTime) */
    double v;
    char flag;
};

/* ---- block codec (ts_compress.c): pure, no database --------------------------------------- */

/* Largest block accepted by encode and decode: a day of one-second data fits with room. */
#define EG_TS_BLOCK_MAX_SAMPLES 200000

/* Value coding chosen per block (the smaller one wins; see docs/timeseries.md). */
enum { EG_TS_VAL_DECIMAL = 0, EG_TS_VAL_XOR = 1 };

/* Appends the encoded block for samples s[0..n) to out. Times must be strictly increasing, values
   finite, flags upper-case letters, 1 <= n <= EG_TS_BLOCK_MAX_SAMPLES. force_mode is -1 (choose
   the smaller coding) or EG_TS_VAL_* (used by the benchmark to compare both). */
int eg_ts_block_encode(const struct eg_ts_sample *s, size_t n, int force_mode, struct eg_buf *out,
                       struct eg_err *err);
/* Decodes a block. Every length and count is checked against the input and max_samples before
   allocating; a corrupt block (bad checksum, truncated, inconsistent) gives EG_EINVAL with
   err->code "corrupt_block", never a crash. *out is allocated (free()); *n gets the count. */
int eg_ts_block_decode(const void *p, size_t len, size_t max_samples, struct eg_ts_sample **out,
                       size_t *n, struct eg_err *err);
/* Header only: count, first and last time, value mode (checksum verified). */
int eg_ts_block_info(const void *p, size_t len, size_t *n, int64_t *t_first, int64_t *t_last,
                     int *mode, struct eg_err *err);

#endif
