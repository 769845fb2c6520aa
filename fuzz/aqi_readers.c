/* fuzz/aqi_readers.c: libFuzzer target for the observation-file readers of src/obs (what
   `envgov aqi` and `envgov import observations` read): the header-named CSV (MEE city table and
   the like), quotsoft/CNEMC china_sites wide files (real-time and daily, and the record layer
   the time-series import uses) and CNEMC station GeoJSON snapshots (jansson).
   The first input byte picks the variant: bits 0-1 format (table, china_sites, cnemc_json,
   china_sites records), bit 2 daily; the rest is the file. Every row is checked to be in range
   and its AQI computed. Any input must end in 0 or an error, never a crash, a leak or a
   sanitizer report. */
#include "obs/obs.h"

#include <stdint.h>
#include <stdlib.h>

static void on_row(void *ctx, const struct eg_obs_row *row)
{
    (void)ctx;
    if (row->station_len && !row->station)
        abort();
    struct eg_quality_aqi r;
    eg_quality_aqi_compute(EG_QUALITY_ED_2026, 0, &row->in, NULL, &r);
}

static void on_problem(void *ctx, const char *msg)
{
    (void)ctx;
    if (!msg)
        abort();
}

static void records(const char *data, size_t len)
{
    struct eg_obs_cs cs;
    if (eg_obs_cs_open(&cs, data, len, NULL, NULL))
        return;
    struct eg_obs_cs_row row;
    int got;
    while ((got = eg_obs_cs_next(&cs, &row, NULL)) != 0)
        for (int i = 0; got > 0 && i < row.nfields; i++) {
            size_t n;
            int32_t v;
            eg_obs_value(eg_obs_cs_field(&cs, i, &n), n, &v, NULL, NULL);
        }
    eg_obs_cs_close(&cs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const struct eg_obs_sink sink = {NULL, on_row, on_problem, NULL};
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    int daily = (data[0] & 4) != 0;
    switch (data[0] & 3) {
    case 0:
        eg_obs_read_table(text, len, &sink, NULL);
        break;
    case 1:
        eg_obs_read_china_sites(text, len, daily, &sink, NULL);
        break;
    case 2:
        eg_obs_read_cnemc_json(text, len, &sink, NULL);
        break;
    default:
        records(text, len);
        break;
    }
    return 0;
}
