/*
 * cli_db.h: the database every command uses (issue 11 items 4 and the wave-4 rule), one rule in
 * one helper, the same for `serve` and every other command:
 *   1. --db PATH
 *   2. $EG_DB
 *   3. the config file's [store] db (the file of --config FILE for serve, $EG_CONFIG for all)
 *   4. var/envgov.db, relative to the current folder: the database `make run` loads and serves
 * Only the commands that make a database create one (serve, db migrate, demo, user add, import
 * of registry records: eg__cli_create); every other command opens an existing one only and,
 * when there is none, says where it looked, by which step of the rule, and what to do.
 */
#ifndef EG_CLI_DB_H
#define EG_CLI_DB_H

#include "base/base.h"
#include "db/db.h"

#define EG_CLI_DB_RUN "var/envgov.db"
#define EG_CLI_DB_HELP                                                                             \
    "  --db PATH        the database (default: $EG_DB, else [store] db of the config file\n"       \
    "                   $EG_CONFIG, else var/envgov.db, the one `make run` serves)\n"

/* serve's settings (cmd_serve.c), whose store.db the rule reads with the same precedence */
extern const struct eg_config_key eg__serve_keys[];
extern const int eg__serve_nkeys;

/* The path by the rule above (flag: the --db value or NULL). NULL, with the reason printed,
   when the config file cannot be read. */
const char *eg__cli_db_path(const char *flag);
/* Where the last eg__cli_db_path found its path: "--db", "$EG_DB", "the config file …",
   "the default". */
const char *eg__cli_db_source(void);
/* Opens an existing database only (never creates one); prints where it looked and what to do
   and returns NULL when there is none or it cannot be opened. path NULL: returns NULL. */
struct eg_db *eg__cli_open(const char *path);
/* The same, taking the --db value and naming the command in the message. */
struct eg_db *eg__cli_open_existing(const char *prog, const char *flag);
/* Opens, creating and migrating when absent (the commands that make a database). */
struct eg_db *eg__cli_create(const char *path);

#endif
