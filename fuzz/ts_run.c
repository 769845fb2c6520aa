/* fuzz/ts_run.c: libFuzzer target for the open-day row and latest decoders (ts/run.c). Any input
   must decode cleanly or be refused with an error; what decodes is ordered, inside its row's
   bucket and group, finite, and re-encodes and decodes to the same samples. The first byte picks
   the decoder (row or latest), the rest is the row. */
#include "ts/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int latest = data[0] & 1;
    data++;
    size--;
    int64_t bucket = 2992776, grp = 2; /* 2026-11-20 12:00 Beijing, series 32-47 */
    int64_t id = eg__ts_run_id(bucket, grp << 4), t0 = bucket * 600 - 28800;
    struct eg__ts_pend *v = NULL, *w = NULL;
    size_t n = 0, cap = 0, m = 0, wcap = 0;
    struct eg_err err;
    int r = latest ? eg__ts_latest_decode(data, size, grp, &v, &n, &cap, &err)
                   : eg__ts_run_decode(data, size, id, &v, &n, &cap, &err);
    if (r == 0 && n > 0) {
        for (size_t i = 0; i < n; i++) {
            if (v[i].sid >> 4 != grp || !isfinite(v[i].v) || v[i].flag < 'A' || v[i].flag > 'Z')
                abort();
            if (!latest && (v[i].t < t0 || v[i].t >= t0 + 600))
                abort();
        }
        struct eg_buf b = {0};
        if (latest)
            eg__ts_latest_encode(v, n, &b);
        else
            eg__ts_run_encode(v, n, bucket, &b);
        r = latest ? eg__ts_latest_decode(b.data, b.len, grp, &w, &m, &wcap, &err)
                   : eg__ts_run_decode(b.data, b.len, id, &w, &m, &wcap, &err);
        if (r != 0 || m != n)
            abort();
        for (size_t i = 0; i < n; i++)
            if (w[i].sid != v[i].sid || w[i].t != v[i].t || w[i].flag != v[i].flag ||
                memcmp(&w[i].v, &v[i].v, sizeof v[i].v) != 0)
                abort();
        eg_buf_free(&b);
    }
    free(v);
    free(w);
    return 0;
}
