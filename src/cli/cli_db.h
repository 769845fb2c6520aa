/*
 * cli_db.h: the database path every command uses (issue 11 item 4): --db, else $EG_DB, else
 * var/envgov.db when it exists (the database `make run` loads and serves), else ./envgov.db.
 * Commands that create (db migrate, demo, user add, import) open it creating it; commands that
 * read or maintain stored data (eval, series, device status/offline, user list) open only an
 * existing one and say where they looked.
 */
#ifndef EG_CLI_DB_H
#define EG_CLI_DB_H

#include "db/db.h"

#define EG_CLI_DB_RUN "var/envgov.db"
#define EG_CLI_DB_HELP                                                                             \
    "  --db PATH        the database (default: $EG_DB, else var/envgov.db when it exists, as\n"    \
    "                   `make run` makes it, else ./envgov.db)\n"

const char *eg__cli_db_path(const char *flag);
/* Opens (creating and migrating); prints the error and returns NULL on failure. */
struct eg_db *eg__cli_open(const char *path);
/* Opens the database of the rule above only when it exists; else prints PROG: where it looked
   and what to do, and returns NULL. Never creates a file. */
struct eg_db *eg__cli_open_existing(const char *prog, const char *flag);

#endif
