/* fuzz/obs_samples.c: libFuzzer target for the surface-water and noise sample readers of src/obs
   (what `envgov water`, `envgov noise` and `envgov import observations` read, issue 11 item 9).
   The first input byte picks the reader: bits 0-1 water, water evaluated as a lake, noise, the
   header sniffer; the rest is the file. Every water row is classified by GB 3838 and every noise
   row checked against GB 3096 (zone 2 when it has none). Any input must end in 0 or an error,
   never a crash, a leak or a sanitizer report. */
#include "obs/obs.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static void on_water(void *ctx, const struct eg_obs_water_row *row)
{
    int lake = ctx != NULL;
    if (row->section_len && !row->section)
        abort();
    struct eg_quality_water_result r;
    if (eg_quality_water_eval(row->v, lake ? EG_QW_LAKE : EG_QW_RIVER, 3, NULL, &r))
        abort();
    if (r.cls < 0 || r.cls > EG_QW_CLASS_WORSE_V)
        abort();
}

static void on_noise(void *ctx, const struct eg_obs_noise_row *row)
{
    (void)ctx;
    if (row->zone < -1 || row->zone >= EG_QN_ZONES)
        abort();
    if (!isnan(row->ld) && (row->ld < 0 || row->ld > 200))
        abort();
    struct eg_quality_noise_result r;
    eg_quality_noise_check(row->zone >= 0 ? row->zone : EG_QN_ZONE2, row->ld, row->ln, row->lmax,
                           &r);
}

static void on_problem(void *ctx, const char *msg)
{
    (void)ctx;
    if (!msg)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    static int lake = 1;
    switch (data[0] & 3) {
    case 0:
    case 1: {
        const struct eg_obs_water_sink ws = {on_water, on_problem, (data[0] & 3) ? &lake : NULL};
        eg_obs_read_water(text, len, &ws, NULL);
        break;
    }
    case 2: {
        const struct eg_obs_noise_sink ns = {on_noise, on_problem, NULL};
        eg_obs_read_noise(text, len, &ns, NULL);
        break;
    }
    default:
        if (eg_obs_sniff(text, len) < 0)
            abort();
        break;
    }
    return 0;
}
