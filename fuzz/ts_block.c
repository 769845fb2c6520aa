/* fuzz/ts_block.c: libFuzzer target for the time-series block decoder (ts/compress.c).
   Any input must decode cleanly or be refused with an error; a block that decodes must
   re-encode and decode to the same samples. The input is tried as is, and once more with a
   valid checksum appended, so the fuzzer reaches past the checksum into the structure. */
#include "ts/ts.h"

#include <stdlib.h>
#include <string.h>

static void one(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one(data, size);
    if (size > 100000)
        return 0;
    uint8_t *p = malloc(size + 4);
    memcpy(p, data, size);
    uint32_t h = 2166136261u; /* FNV-1a, as ts_compress.c */
    for (size_t i = 0; i < size; i++) {
        h ^= data[i];
        h *= 16777619u;
    }
    p[size] = (uint8_t)h;
    p[size + 1] = (uint8_t)(h >> 8);
    p[size + 2] = (uint8_t)(h >> 16);
    p[size + 3] = (uint8_t)(h >> 24);
    one(p, size + 4);
    free(p);
    return 0;
}

static void one(const uint8_t *data, size_t size)
{
    struct eg_ts_sample *s;
    size_t n;
    struct eg_err err;
    if (eg_ts_block_decode(data, size, 5000, &s, &n, &err) != 0)
        return;
    struct eg_buf b = {0};
    if (eg_ts_block_encode(s, n, -1, &b, &err) != 0)
        abort(); /* decoded samples are always valid input */
    struct eg_ts_sample *d;
    size_t dn;
    if (eg_ts_block_decode(b.data, b.len, 5000, &d, &dn, &err) != 0 || dn != n)
        abort();
    for (size_t i = 0; i < n; i++)
        if (d[i].t != s[i].t || memcmp(&d[i].v, &s[i].v, 8) || d[i].flag != s[i].flag)
            abort();
    free(d);
    free(s);
    eg_buf_free(&b);
}
