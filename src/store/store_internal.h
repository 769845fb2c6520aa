/*
 * store_internal.h: helpers shared by the store module's own files (registry, auth, import),
 * not part of the public seam in store.h.
 */
#ifndef EG_STORE_INTERNAL_H
#define EG_STORE_INTERNAL_H

#include "store/store.h"

/* 1 when a transaction is open on this connection (so a caller-owned transaction is joined
   with a SAVEPOINT instead of a nested BEGIN). */
int eg__store_in_tx(struct eg_store *st);

#endif
