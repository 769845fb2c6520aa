/* commands.c: the table of every `envgov` command. Add a line here and the handler in
   cmd_<noun>.c; `envgov --help` and dispatch read only this table. */
#include "cli/cli.h"

const struct eg_cli_cmd eg_cli_commands[] = {
    {"hj212", "parse", eg_cmd_hj212_parse, "[--stream] [--lenient] [--crc hj212|modbus_swapped] [FILE|-]",
     "parse HJ 212 packets (one per line, or a raw stream) and print JSON Lines"},
    {"hj212", "crc", eg_cmd_hj212_crc, "TEXT", "print the HJ 212 CRC of TEXT (4 upper-case hex digits)"},
    {"serve", 0, eg_cmd_serve, "[--config FILE] [--db PATH] [--http ADDR:PORT] [options]",
     "run the server: HTTP API, /healthz, /metrics (see serve --help for every setting)"},
};

const int eg_cli_command_count = (int)(sizeof eg_cli_commands / sizeof eg_cli_commands[0]);
