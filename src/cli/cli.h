/*
 * cli: the `envgov <noun> <verb> …` commands. main.c dispatches through the table in
 * commands.c; each noun's commands live in cmd_<noun>.c. Exit codes are the same everywhere.
 */
#ifndef EG_CLI_H
#define EG_CLI_H

enum { EG_EXIT_OK = 0, EG_EXIT_FAIL = 1, EG_EXIT_USAGE = 2 };

/* A command gets argv starting at its own name (argv[0] = verb, or the noun when verb is NULL),
   so getopt works as usual. It returns an EG_EXIT_* code. */
typedef int (*eg_cli_fn)(int argc, char **argv);

struct eg_cli_cmd {
    const char *noun;
    const char *verb; /* NULL: the noun alone is the command (e.g. `envgov serve`) */
    eg_cli_fn run;
    const char *args;    /* usage synopsis after the command name */
    const char *summary; /* one line, shown by `envgov --help` */
};

extern const struct eg_cli_cmd eg_cli_commands[];
extern const int eg_cli_command_count;

/* Dispatches argv as main() would receive it; exposed so tests can run commands in-process. */
int eg_cli_main(int argc, char **argv);

/* Prints "usage: envgov NOUN VERB ARGS" and the summary for cmd, then a help body when given. */
void eg_cli_usage(const struct eg_cli_cmd *cmd, const char *help_body);
const struct eg_cli_cmd *eg_cli_find(const char *noun, const char *verb);

/* The command handlers, one line per command, grouped by file. */
int eg_cmd_hj212_parse(int argc, char **argv);
int eg_cmd_hj212_crc(int argc, char **argv);
int eg_cmd_serve(int argc, char **argv);
int eg_cmd_aqi(int argc, char **argv);
int eg_cmd_water(int argc, char **argv);
int eg_cmd_noise(int argc, char **argv);
int eg_cmd_device_add(int argc, char **argv);
int eg_cmd_device_status(int argc, char **argv);
int eg_cmd_device_offline(int argc, char **argv);
int eg_cmd_sim(int argc, char **argv);
int eg_cmd_db_migrate(int argc, char **argv);
int eg_cmd_db_backup(int argc, char **argv);
int eg_cmd_db_copy(int argc, char **argv);
int eg_cmd_db_vacuum(int argc, char **argv);
int eg_cmd_user_add(int argc, char **argv);
int eg_cmd_user_list(int argc, char **argv);
int eg_cmd_import_run(int argc, char **argv);
int eg_cmd_import_observations(int argc, char **argv);
int eg_cmd_series_query(int argc, char **argv);
int eg_cmd_series_latest(int argc, char **argv);
int eg_cmd_series_compact(int argc, char **argv);
int eg_cmd_series_aggregate(int argc, char **argv);
int eg_cmd_series_declare(int argc, char **argv);
int eg_cmd_series_review(int argc, char **argv);
int eg_cmd_series_rates(int argc, char **argv);
int eg_cmd_series_retain(int argc, char **argv);
int eg_cmd_series_list(int argc, char **argv);
int eg_cmd_demo(int argc, char **argv);
int eg_cmd_eval_air(int argc, char **argv);
int eg_cmd_eval_water(int argc, char **argv);
int eg_cmd_eval_noise(int argc, char **argv);
int eg_cmd_eval_targets(int argc, char **argv);
int eg_cmd_pilot(int argc, char **argv);
int eg_cmd_plan(int argc, char **argv);
int eg_cmd_rules_list(int argc, char **argv);
int eg_cmd_rules_run(int argc, char **argv);
int eg_cmd_alert_list(int argc, char **argv);
int eg_cmd_alert_show(int argc, char **argv);
int eg_cmd_alert_ack(int argc, char **argv);
int eg_cmd_alert_close(int argc, char **argv);
int eg_cmd_task_list(int argc, char **argv);
int eg_cmd_draw_run(int argc, char **argv);
int eg_cmd_draw_verify(int argc, char **argv);
int eg_cmd_draw_pool(int argc, char **argv);
int eg_cmd_draw_make(int argc, char **argv);
int eg_cmd_draw_show(int argc, char **argv);
int eg_cmd_draw_document(int argc, char **argv);
int eg_cmd_task_show(int argc, char **argv);
int eg_cmd_task_raise(int argc, char **argv);
int eg_cmd_task_act(int argc, char **argv);
int eg_cmd_complaint(int argc, char **argv);
int eg_cmd_ruleset_check(int argc, char **argv);
int eg_cmd_ruleset_load(int argc, char **argv);
int eg_cmd_credit_run(int argc, char **argv);
int eg_cmd_credit_publish(int argc, char **argv);
int eg_cmd_credit_show(int argc, char **argv);
int eg_cmd_credit_published(int argc, char **argv);
int eg_cmd_case(int argc, char **argv);

#endif
