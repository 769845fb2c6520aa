/*
 * cli_samples.c: the arguments, the run and the row printing `envgov water` and `envgov noise`
 * share (cli_samples.h).
 */
#include "cli/cli_samples.h"
#include "base/csv.h"
#include "cli/cli_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int eg__samples_args(int argc, char **argv, const struct eg_cli_cmd *self, const char *help,
                     const struct eg__samples_opt *opts, int nopts, void *run, const char **path)
{
    const struct eg__samples *s = run;
    *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            eg_cli_usage(self, help);
            return EG_EXIT_OK;
        }
        int k = 0;
        while (k < nopts && strcmp(a, opts[k].flag))
            k++;
        if (k < nopts) {
            const char *v = opts[k].takes_value ? (i + 1 < argc ? argv[++i] : NULL) : NULL;
            if ((opts[k].takes_value && !v) || opts[k].set(run, v) < 0) {
                fprintf(stderr, "%s: %s\n", s->prog, opts[k].usage);
                return EG_EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "%s: unknown option '%s' (see %s --help)\n", s->prog, a, s->prog);
            return EG_EXIT_USAGE;
        } else if (!*path) {
            *path = a;
        } else {
            fprintf(stderr, "%s: one FILE only\n", s->prog);
            return EG_EXIT_USAGE;
        }
    }
    if (!*path)
        *path = "-";
    return -1;
}

int eg__samples_run(struct eg__samples *s, const char *path, const char *header,
                    int (*read)(const char *data, size_t len, void *run, struct eg_err *err),
                    void *run)
{
    size_t len = 0;
    char *data = eg__cli_read_input(s->prog, path, &len);
    if (!data)
        return EG_EXIT_FAIL;
    struct eg_err err;
    eg_err_clear(&err);
    eg_buf_puts(&s->out, header);
    int rc = read(data, len, run, &err);
    free(data);
    if (rc < 0) {
        eg_buf_free(&s->out);
        fprintf(stderr, "%s: %s\n", s->prog, err.msg);
        return EG_EXIT_FAIL;
    }
    fwrite(s->out.data, 1, s->out.len, stdout);
    fflush(stdout);
    eg_buf_free(&s->out);
    return 0;
}

void eg__samples_problem(void *ctx, const char *msg)
{
    struct eg__samples *s = ctx;
    if (strstr(msg, "detection limit")) { /* a note, not invalid input */
        fprintf(stderr, "%s: %s\n", s->prog, msg);
        return;
    }
    if (s->bad++ < 20)
        fprintf(stderr, "%s: %s\n", s->prog, msg);
}

void eg__samples_row_start(struct eg__samples *s, long line, const char *place, size_t place_len,
                           int has_time, int64_t t)
{
    struct eg_buf *b = &s->out;
    eg_buf_printf(b, "%ld,", line);
    eg_csv_put(b, place, place_len, EG_CSV_NEUTRALISE);
    if (has_time) {
        char tb[32];
        eg_time_format_beijing(t, tb, sizeof tb);
        eg_buf_printf(b, ",%.16s", tb);
    } else {
        eg_buf_puts(b, ",");
    }
}

void eg__samples_row_end(struct eg__samples *s)
{
    s->rows++;
    if (s->out.len > (1u << 16)) {
        fwrite(s->out.data, 1, s->out.len, stdout);
        s->out.len = 0;
    }
}
