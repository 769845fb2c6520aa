/* obs/internal.h: helpers shared by the obs readers; private to src/obs. */
#ifndef EG_OBS_INTERNAL_H
#define EG_OBS_INTERNAL_H

#include "obs/obs.h"

/* Formats a problem and hands it to sink->problem. */
void eg__obs_problem(const struct eg_obs_sink *sink, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A concentration cell as an AQI input: missing markers give NA silently, anything else
   unreadable gives NA and a problem "line L: WHERE: invalid value '…' (treated as missing)". */
int32_t eg__obs_cell(const struct eg_obs_sink *sink, const char *s, size_t n, const char *where,
                     long line);

/* Every slot NA. */
void eg__obs_input_clear(struct eg_quality_aqi_input *in);

#endif
