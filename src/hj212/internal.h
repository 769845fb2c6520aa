/* internal.h: declarations shared by the hj212 source files (not part of the public API). */
#ifndef EG_HJ212_INTERNAL_H
#define EG_HJ212_INTERNAL_H

#include "hj212/hj212.h"

void eg__hj212_codes_init(void);
uint32_t eg__hj212_code_hash(const char *s, size_t n);

#endif
