/* commands.c: the table of every `envgov` command. Add a line here and the handler in
   cmd_<noun>.c; `envgov --help` and dispatch read only this table. */
#include "cli/cli.h"

const struct eg_cli_cmd eg_cli_commands[] = {
    {"hj212", "parse", eg_cmd_hj212_parse, "[--stream] [--lenient] [--crc hj212|modbus_swapped] [FILE|-]",
     "parse HJ 212 packets (one per line, or a raw stream) and print JSON Lines"},
    {"hj212", "crc", eg_cmd_hj212_crc, "TEXT", "print the HJ 212 CRC of TEXT (4 upper-case hex digits)"},
    {"serve", 0, eg_cmd_serve, "[--config FILE] [--db PATH] [--http ADDR:PORT] [options]",
     "run the server: HTTP API, /healthz, /metrics (see serve --help for every setting)"},
    {"aqi", 0, eg_cmd_aqi, "[--daily] [--edition 2012|2026] [--format csv|china_sites|cnemc_json] [--with-edition] [FILE|-]",
     "air quality index (HJ 633-2012/2026) of every row: IAQIs, AQI, level, category, primary pollutants"},
    {"device", "add", eg_cmd_device_add, "MN --password-stdin (--outlet ID|--station CODE) [--protocol 2017|2005] [--db PATH]",
     "register an HJ 212 device (MN, password hashed with Argon2id)"},
    {"device", "status", eg_cmd_device_status, "MN [--db PATH] [--multiple K]",
     "online/offline, last packet and counters of a device (JSON)"},
    {"device", "offline", eg_cmd_device_offline, "[--db PATH] [--multiple K]",
     "devices without data for longer than K x their interval (JSON)"},
    {"sim", 0, eg_cmd_sim, "--devices N --interval S --to HOST:PORT [--malformed SHARE] [--db PATH] [options]",
     "simulate N HJ 212 devices sending data and answering commands"},
};

const int eg_cli_command_count = (int)(sizeof eg_cli_commands / sizeof eg_cli_commands[0]);
