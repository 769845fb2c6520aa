/* cli_obs.h: `envgov import observations` of water and noise spreadsheets (cmd_obs_samples.c). */
#ifndef EG_CLI_OBS_H
#define EG_CLI_OBS_H

#include <stddef.h>

/* Imports data (the whole file, fmt EG_OBS_FMT_WATER or EG_OBS_FMT_NOISE) into the database of
   db; prints the JSON summary, rejected rows to stderr (and rejects, when not NULL). Returns an
   EG_EXIT_* code (1 when rows were rejected; with strict nothing is written then). */
int eg__cli_import_samples(const char *path, int fmt, const char *data, size_t len, const char *db,
                           int strict, const char *rejects);

#endif
