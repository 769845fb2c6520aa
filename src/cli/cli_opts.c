/*
 * cli_opts.c: option checks and the time-series open/close the series and eval commands share
 * (cli_opts.h), so that a rule such as "times are Beijing time" is written once for the CLI.
 */
#include "cli/cli_opts.h"
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int eg__cli_need(const char *prog, const char *name, const char *v)
{
    if (v && *v)
        return 0;
    fprintf(stderr, "%s: %s is required (see --help)\n", prog, name);
    return EG_EXIT_USAGE;
}

int eg__cli_time(const char *prog, const char *name, const char *v, int64_t *t)
{
    if (v && !eg_time_parse_beijing(v, strlen(v), t))
        return 0;
    fprintf(stderr, "%s: %s '%s' is not an existing Beijing time (YYYY-MM-DD[ HH:MM[:SS]])\n", prog,
            name, v ? v : "");
    return EG_EXIT_USAGE;
}

int eg__cli_choice(const char *prog, const char *name, const char *v, const char *first,
                   const char *second, int *is_second)
{
    *is_second = v && !strcmp(v, second);
    if (!v || *is_second || !strcmp(v, first))
        return 0;
    fprintf(stderr, "%s: %s must be %s or %s\n", prog, name, first, second);
    return EG_EXIT_USAGE;
}

int eg__cli_open_ts(const char *prog, const char *db, struct eg_db **st, struct eg_ts **ts)
{
    *st = eg__cli_open_existing(prog, db);
    if (!*st)
        return EG_EXIT_FAIL;
    struct eg_err err;
    if (eg_ts_open(*st, ts, &err)) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        eg_db_close(*st);
        return EG_EXIT_FAIL;
    }
    return 0;
}

void eg__cli_close_ts(struct eg_db *st, struct eg_ts *ts)
{
    eg_ts_close(ts);
    eg_db_close(st);
}

char *eg__cli_read_input(const char *prog, const char *path, size_t *len)
{
    FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!fp) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        return NULL;
    }
    struct eg_buf b = {0};
    char chunk[1 << 16];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (b.len + n > (512u << 20)) {
            fprintf(stderr, "%s: %s: larger than 512 MiB\n", prog, path);
            eg_buf_free(&b);
            if (fp != stdin)
                fclose(fp);
            return NULL;
        }
        eg_buf_append(&b, chunk, n);
    }
    int bad = ferror(fp);
    if (fp != stdin)
        fclose(fp);
    if (bad) {
        fprintf(stderr, "%s: %s: read error\n", prog, path);
        eg_buf_free(&b);
        return NULL;
    }
    eg_buf_append(&b, "", 1);
    *len = b.len - 1;
    return b.data;
}
