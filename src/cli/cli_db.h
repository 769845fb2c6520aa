/*
 * cli_db.h: what the database commands (db, user, import, demo) share: the database path
 * (--db, else $EG_DB, else envgov.db in the current directory) and opening it with a message.
 */
#ifndef EG_CLI_DB_H
#define EG_CLI_DB_H

#include "db/db.h"

#define EG_CLI_DB_HELP "  --db PATH        the database (default: $EG_DB, else ./envgov.db)\n"

const char *eg__cli_db_path(const char *flag);
/* Opens (creating and migrating); prints the error and returns NULL on failure. */
struct eg_db *eg__cli_open(const char *path);

#endif
