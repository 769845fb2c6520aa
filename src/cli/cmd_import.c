/*
 * cmd_import.c: `envgov import RES FILE [--dry-run]` — CSV files into the registry through
 * registry/import.c (the same engine as the HTTP upload). One handler serves every resource; the
 * verb is the resource name. The column mapping in --help is generated from the resource.
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "registry/registry.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *type_name(const struct eg_field *f)
{
    switch (f->type) {
    case EG_FT_TEXT:
        return "text";
    case EG_FT_INT:
        return "integer";
    case EG_FT_REAL:
        return "number";
    case EG_FT_BOOL:
        return "是/否, 1/0, true/false";
    case EG_FT_DATE:
        return "date YYYY-MM-DD or YYYY/M/D";
    case EG_FT_ENUM:
        return "one of";
    case EG_FT_REF:
        return "reference";
    }
    return "";
}

static const char *ref_key(const char *ref)
{
    if (!strcmp(ref, "regions"))
        return "id or region code";
    if (!strcmp(ref, "units"))
        return "id or 统一社会信用代码";
    if (!strcmp(ref, "permits"))
        return "id or permit number";
    if (!strcmp(ref, "stations"))
        return "id or station code";
    if (!strcmp(ref, "users"))
        return "id or user name";
    if (!strcmp(ref, "outlets"))
        return "id or CREDITCODE/OUTLETCODE";
    return "id";
}

static void print_help(const struct eg_resource *res)
{
    printf("usage: envgov import %s FILE [--dry-run] [--db PATH]\n\n"
           "Imports %s (%s) from a CSV file: UTF-8 with or without BOM, or GBK/GB 18030 as Excel\n"
           "saves \"CSV\" on Chinese Windows (detected). The first row names the columns, in any\n"
           "order, by the English name or the Chinese header below; empty cells are left unset.\n"
           "All or nothing: every row is checked, every rejected row is reported with its line\n"
           "number and reason, and nothing is written unless every row is accepted.\n\n"
           "options:\n"
           "  --dry-run        check every row, report, write nothing\n" EG_CLI_DB_HELP
           "\ncolumns (English / 中文 / value):\n",
           res->name, res->name, res->label_zh);
    for (int i = 0; i < res->nfields; i++) {
        const struct eg_field *f = &res->fields[i];
        if (f->flags & EG_FF_READONLY)
            continue;
        printf("  %-16s %s%*s %s", f->name, f->label_zh, 2, "", type_name(f));
        if (f->type == EG_FT_ENUM)
            printf(" %s%s%s", f->enum_values, f->enum_zh ? " / " : "",
                   f->enum_zh ? f->enum_zh : "");
        if (f->type == EG_FT_REF)
            printf(" to %s: %s", f->ref, ref_key(f->ref));
        if (f->flags & EG_FF_CREDIT_CODE)
            printf(" (GB 32100-2015 check character verified)");
        if (f->flags & EG_FF_SECRET)
            printf(" (stored as an Argon2id hash)");
        printf("%s%s\n", f->flags & EG_FF_REQUIRED ? ", required" : "",
               f->flags & EG_FF_UNIQUE ? ", unique" : "");
    }
    printf("\nsee docs/import.md for examples.\n");
}

static void progress(void *ctx, long rows, size_t done, size_t total)
{
    (void)ctx;
    fprintf(stderr, "\rimport: %ld rows, %zu%%", rows, total ? done * 100 / total : 100);
    if (done >= total)
        fputc('\n', stderr);
    fflush(stderr);
}

int eg_cmd_import_run(int argc, char **argv)
{
    const struct eg_resource *res = eg_registry_find(argv[0]);
    if (!res) {
        fprintf(stderr, "envgov import: unknown resource '%s'\n", argv[0]);
        return EG_EXIT_USAGE;
    }
    static const struct option opts[] = {{"dry-run", no_argument, 0, 'n'},
                                         {"db", required_argument, 0, 'd'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL;
    int dry = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "nd:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            dry = 1;
            break;
        case 'd':
            db = optarg;
            break;
        case 'h':
            print_help(res);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: envgov import %s FILE [--dry-run] [--db PATH]\n", res->name);
        return EG_EXIT_USAGE;
    }
    const char *path = argv[optind];
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "envgov import: cannot open %s\n", path);
        return EG_EXIT_FAIL;
    }
    struct eg_buf buf = {0};
    char chunk[65536];
    size_t n;
    int too_big = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf.len + n > EG_IMPORT_MAX_BYTES) {
            too_big = 1;
            break;
        }
        eg_buf_append(&buf, chunk, n);
    }
    if (f != stdin)
        fclose(f);
    if (too_big) {
        fprintf(stderr, "envgov import: %s is over %u bytes; split it\n", path,
                EG_IMPORT_MAX_BYTES);
        eg_buf_free(&buf);
        return EG_EXIT_FAIL;
    }
    struct eg_db *st = eg__cli_create(eg__cli_db_path(db));
    if (!st) {
        eg_buf_free(&buf);
        return EG_EXIT_FAIL;
    }
    struct eg_import_opts io = {.dry_run = dry, .progress = progress};
    struct eg_import_report rep;
    struct eg_err err;
    eg_err_clear(&err);
    int rc = eg_import_csv(st, res, &eg_principal_system, buf.data ? buf.data : "", buf.len, &io,
                           &rep, &err);
    eg_db_close(st);
    eg_buf_free(&buf);
    size_t i;
    json_t *e;
    json_array_foreach(rep.errors, i, e)
    {
        const char *field = json_string_value(json_object_get(e, "field"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        long long line = (long long)json_integer_value(json_object_get(e, "line"));
        char pre[32];
        snprintf(pre, sizeof pre, "line %lld: ", line);
        if (!msg)
            msg = "";
        if (rc < 0 && (strstr(err.msg, msg) || strstr(msg, err.msg)))
            continue; /* the error that stopped the file: printed once, below */
        if (!strncmp(msg, pre, strlen(pre)))
            msg += strlen(pre); /* the message names its line already */
        printf("%s%s%s%s\n", pre, field ? field : "", field ? ": " : "", msg);
    }
    if (rep.rejected > (long)json_array_size(rep.errors))
        printf("… and %ld more rejected rows\n", rep.rejected - (long)json_array_size(rep.errors));
    eg_import_report_free(&rep);
    if (rc < 0) {
        fprintf(stderr, "envgov import %s: %s\n", res->name, err.msg);
        return EG_EXIT_FAIL;
    }
    printf("%s: %ld rows accepted (%s)%s\n", res->name, rep.accepted, rep.encoding,
           dry ? "; dry run, nothing written" : "; written");
    return EG_EXIT_OK;
}
