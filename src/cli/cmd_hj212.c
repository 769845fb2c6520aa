/* cmd_hj212.c: placeholder until the codec lands (replaced by the codec work). */
#include "cli/cli.h"
#include <stdio.h>
int eg_cmd_hj212_parse(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "not built yet\n"); return 1; }
int eg_cmd_hj212_crc(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "not built yet\n"); return 1; }
