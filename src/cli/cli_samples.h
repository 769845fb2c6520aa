/*
 * cli_samples.h: what `envgov water` and `envgov noise` share (issue 11 item 9; one helper, as
 * the duplication review asked): the arguments (--help, options with a value, one FILE or
 * standard input), the run (read the file, print the CSV header, feed the rows through an
 * src/obs reader, stream the output), the start of every row (line, place, Beijing time) and
 * the problems (at most 20 printed, detection-limit notes never counted as invalid input).
 */
#ifndef EG_CLI_SAMPLES_H
#define EG_CLI_SAMPLES_H

#include "base/base.h"
#include "cli/cli.h"

#include <stdint.h>

/* The first member of each command's run: the callbacks get it as their ctx. */
struct eg__samples {
    const char *prog; /* "envgov water" */
    struct eg_buf out;
    long rows, bad;
};

/* An option with a value: set returns 0, or -1 when the value is refused (usage is then
   printed: "PROG: usage"). */
struct eg__samples_opt {
    const char *flag;
    int (*set)(void *run, const char *value);
    const char *usage;
    int takes_value; /* 0: a switch, set gets NULL */
};

/* Parses argv. Returns -1 to go on (*path: the FILE, "-" when none), else the exit code
   (help shown, or a usage error printed). */
int eg__samples_args(int argc, char **argv, const struct eg_cli_cmd *self, const char *help,
                     const struct eg__samples_opt *opts, int nopts, void *run, const char **path);
/* Reads path, writes header, runs read over it (a reader of src/obs with run's sink), writes
   the rows to standard output. 0, or EG_EXIT_FAIL after printing why. */
int eg__samples_run(struct eg__samples *s, const char *path, const char *header,
                    int (*read)(const char *data, size_t len, void *run, struct eg_err *err),
                    void *run);
/* The callback of problems (ctx: the run). */
void eg__samples_problem(void *ctx, const char *msg);
/* A row's first cells: "line,place,time" (time "YYYY-MM-DD HH:MM" Beijing, or empty). */
void eg__samples_row_start(struct eg__samples *s, long line, const char *place, size_t place_len,
                           int has_time, int64_t t);
/* After a row's last cell and newline: counts it and streams the output out in 64 KiB. */
void eg__samples_row_end(struct eg__samples *s);

#endif
