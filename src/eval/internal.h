/*
 * internal.h: what the files of src/eval share and nothing else uses.
 */
#ifndef EG_STORE_EVAL_INTERNAL_H
#define EG_STORE_EVAL_INTERNAL_H

#include "eval/eval.h"

/* The sources of a station's data: its code first, then its devices' MNs (at most 64). */
/* Text column COL of the current row into out[0..outsz), truncated, "" for NULL. */
void eg__eval_copy_text(struct eg_stmt *s, int col, char *out, size_t outsz);

struct eg__eval_sources {
    char (*v)[65];
    size_t n;
};
int eg__eval_sources(struct eg_db *st, const struct eg_eval_station *s, struct eg__eval_sources *o,
                     struct eg_err *err);

/* Fills the EG_QUALITY_NA entries of out[0..n) (hours from t0) with the valid hourly values
   (kind 2061, field Avg) of one series times scale; an unknown series fills nothing. */
int eg__eval_fill_hourly(struct eg_ts *ts, const char *source, const char *pollutant, int computed,
                         int64_t t0, size_t n, int tier, double scale, int32_t *out,
                         struct eg_err *err);

/* Daily AQI inputs and reports of the nd Beijing days from day_from (every day, none left out;
   a day without data has aqi -1). */
int eg__eval_daily_reports(struct eg_ts *ts, const struct eg_eval_station *s, size_t k,
                           int64_t day_from, size_t nd, int tier, struct eg_quality_aqi_input *in,
                           struct eg_quality_aqi *r, struct eg_err *err);

#endif
