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
    {"db", "migrate", eg_cmd_db_migrate, "[--db PATH]", "create the database if absent and apply pending schema migrations"},
    {"db", "backup", eg_cmd_db_backup, "DEST [--db PATH]", "write a consistent copy of the database (online backup)"},
    {"user", "add", eg_cmd_user_add, "NAME --role ROLE [--region CODE] [--unit ID] --password-stdin [--db PATH]",
     "create a user (password from standard input, stored as Argon2id)"},
    {"user", "list", eg_cmd_user_list, "[--db PATH]", "list users: id, name, role, region, unit, disabled"},
    {"import", "regions", eg_cmd_import_run, "FILE [--dry-run] [--db PATH]", "import regions (区域) from CSV"},
    {"import", "units", eg_cmd_import_run, "FILE [--dry-run] [--db PATH]", "import units (单位) from CSV (UTF-8 or GBK)"},
    {"import", "outlets", eg_cmd_import_run, "FILE [--dry-run] [--db PATH]", "import outlets (排放口) from CSV"},
    {"import", "permits", eg_cmd_import_run, "FILE [--dry-run] [--db PATH]", "import permits (排污许可证) from CSV"},
    {"import", "permit_limits", eg_cmd_import_run, "FILE [--dry-run] [--db PATH]", "import permit limits (许可排放限值) from CSV"},
    {"import", "stations", eg_cmd_import_run, "FILE [--dry-run] [--db PATH]", "import monitoring stations (监测站点) from CSV"},
    {"import", "devices", eg_cmd_import_run, "FILE [--dry-run] [--db PATH]", "import HJ 212 devices (监测设备) from CSV"},
    {"demo", 0, eg_cmd_demo, "[--db PATH]", "fill an empty database with a Pudong-like demo district and print the logins"},
};

const int eg_cli_command_count = (int)(sizeof eg_cli_commands / sizeof eg_cli_commands[0]);
