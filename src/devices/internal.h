/*
 * internal.h: what the files of src/devices share and nobody else sees.
 */
#ifndef EG_DEVICES_INTERNAL_H
#define EG_DEVICES_INTERNAL_H

#include "devices/devices.h"

/* json.c: "name":value of column col, null when NULL (a time: Beijing text, null when 0 too) */
void eg__devices_json_int(struct eg_buf *o, const char *name, struct eg_stmt *s, int col);
void eg__devices_json_time(struct eg_buf *o, const char *name, struct eg_stmt *s, int col);

#endif
