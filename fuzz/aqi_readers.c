/* fuzz/aqi_readers.c: libFuzzer target for the input readers of `envgov aqi` (cli/cmd_aqi.c):
   the header-named CSV (MEE city table and the like), quotsoft/CNEMC china_sites wide files
   (real-time and --daily) and CNEMC station GeoJSON snapshots (jansson), driven through the
   command itself so the fuzzed code is exactly what users run (the readers print through the
   command's output buffer and stderr, so they are not a library of their own).
   The first input byte picks the variant: bits 0-1 format (csv, china_sites, cnemc_json, csv),
   bit 2 --daily, bit 3 --edition 2026, bit 4 --with-edition; the rest is the file, written to a
   temporary file per run. Any input must end in an exit code 0/1/2, never a crash, a leak or a
   sanitizer report. */
#include "cli/cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static void remove_input(void)
{
    unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(path, sizeof path, "/tmp/eg_fuzz_aqi_%ld.in", (long)getpid());
    /* the command's CSV goes to stdout and its warnings to stderr: both to /dev/null. libFuzzer
       keeps the FILE * it took for its own reports at start-up, so only the command's output is
       silenced by replacing the stderr pointer (not fd 2). */
    if (!freopen("/dev/null", "w", stdout))
        abort();
    FILE *null = fopen("/dev/null", "w");
    if (!null)
        abort();
    stderr = null;
    atexit(remove_input);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static const char *const formats[4] = {"csv", "china_sites", "cnemc_json", "csv"};
    uint8_t sel = data[0];
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size > 1 && fwrite(data + 1, 1, size - 1, f) != size - 1)
        abort();
    fclose(f);
    char *argv[10];
    int argc = 0;
    argv[argc++] = (char *)"aqi";
    argv[argc++] = (char *)"--format";
    argv[argc++] = (char *)formats[sel & 3];
    if ((sel & 4) && (sel & 3) != 2)
        argv[argc++] = (char *)"--daily";
    if (sel & 8) {
        argv[argc++] = (char *)"--edition";
        argv[argc++] = (char *)"2026";
    }
    if (sel & 16)
        argv[argc++] = (char *)"--with-edition";
    argv[argc++] = path;
    argv[argc] = NULL;
    int rc = eg_cmd_aqi(argc, argv);
    if (rc != EG_EXIT_OK && rc != EG_EXIT_FAIL && rc != EG_EXIT_USAGE)
        abort();
    return 0;
}
