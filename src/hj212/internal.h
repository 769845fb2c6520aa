/* internal.h: declarations shared by the hj212 source files (not part of the public API). */
#ifndef EG_HJ212_INTERNAL_H
#define EG_HJ212_INTERNAL_H

#include "hj212/hj212.h"

void eg__hj212_codes_init(void);
/* A code of up to 8 bytes packed into an integer (0 when longer or empty). */
static inline uint64_t eg__hj212_pack(const char *s, size_t n)
{
    if (n > 8)
        return 0;
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++)
        k |= (uint64_t)(unsigned char)s[i] << (8 * i);
    return k;
}
/* Lookups without the init check (call eg__hj212_codes_init() first). */
const struct eg_hj212_code_info *eg__hj212_st_find(const char *code, size_t n);
const struct eg_hj212_code_info *eg__hj212_cn_find(int cn);
const struct eg_hj212_code_info *eg__hj212_pollutant_find(uint64_t packed);

#endif
