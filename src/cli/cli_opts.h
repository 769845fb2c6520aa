/*
 * cli_opts.h: what the time-series commands (series, eval) share once their options are read:
 * a required option, a Beijing time option, a two-word choice (--format, --tier), and opening
 * the database with its time-series store. Each prints its own message to stderr prefixed by
 * PROG ("envgov series query", "envgov eval air") and returns the exit code, or 0 to go on.
 */
#ifndef EG_CLI_OPTS_H
#define EG_CLI_OPTS_H

#include "cli/cli_db.h"
#include "ts/ts.h"

/* EG_EXIT_USAGE with "PROG: NAME is required (see --help)" when V is NULL or empty. */
int eg__cli_need(const char *prog, const char *name, const char *v);
/* V as a Beijing time "YYYY-MM-DD[ HH:MM[:SS]]" into UTC seconds; EG_EXIT_USAGE when V is NULL
   or not an existing time. */
int eg__cli_time(const char *prog, const char *name, const char *v, int64_t *t);
/* V is NULL (*second = 0), FIRST (0) or SECOND (1); else EG_EXIT_USAGE. */
int eg__cli_choice(const char *prog, const char *name, const char *v, const char *first,
                   const char *second, int *is_second);
/* Opens the existing database of --db DB (cli_db.h rule; never creates one) and its
   time-series store: 0, or EG_EXIT_FAIL after printing why. Close with eg__cli_close_ts. */
int eg__cli_open_ts(const char *prog, const char *db, struct eg_db **st, struct eg_ts **ts);
void eg__cli_close_ts(struct eg_db *st, struct eg_ts *ts);
/* Reads PATH ('-': standard input) whole, at most 512 MiB, NUL-terminated; NULL after printing
   "PROG: PATH: why". */
char *eg__cli_read_input(const char *prog, const char *path, size_t *len);

#endif
