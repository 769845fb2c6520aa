/* dispatch.c: `envgov --help`, `--version`, and `envgov <noun> [<verb>] …` through the table. */
#include "base/base.h"
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static void print_help(FILE *out)
{
    fprintf(
        out,
        "envgov %s — platform for the modern environmental governance system (现代环境治理体系)\n\n"
        "usage: envgov <noun> <verb> [options]\n"
        "       envgov --help | --version\n\n"
        "commands:\n",
        EG_VERSION);
    for (int i = 0; i < eg_cli_command_count; i++) {
        const struct eg_cli_cmd *c = &eg_cli_commands[i];
        char name[64];
        snprintf(name, sizeof name, "%s%s%s", c->noun, c->verb ? " " : "", c->verb ? c->verb : "");
        fprintf(out, "  %-22s %s\n", name, c->summary);
    }
    fprintf(out, "\n'envgov <noun> <verb> --help' describes a command.\n"
                 "exit codes: 0 ok, 1 invalid data or failure, 2 usage error.\n"
                 "times are Beijing time (UTC+8) unless a field says otherwise.\n");
}

const struct eg_cli_cmd *eg_cli_find(const char *noun, const char *verb)
{
    for (int i = 0; i < eg_cli_command_count; i++) {
        const struct eg_cli_cmd *c = &eg_cli_commands[i];
        if (strcmp(c->noun, noun))
            continue;
        if (!c->verb || (verb && !strcmp(c->verb, verb)))
            return c;
    }
    return NULL;
}

void eg_cli_usage(const struct eg_cli_cmd *cmd, const char *help_body)
{
    printf("usage: envgov %s%s%s %s\n\n%s\n", cmd->noun, cmd->verb ? " " : "",
           cmd->verb ? cmd->verb : "", cmd->args ? cmd->args : "", cmd->summary);
    if (help_body)
        printf("\n%s", help_body);
}

static int noun_known(const char *noun)
{
    for (int i = 0; i < eg_cli_command_count; i++)
        if (!strcmp(eg_cli_commands[i].noun, noun))
            return 1;
    return 0;
}

int eg_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return EG_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        print_help(stdout);
        return EG_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("envgov %s\n", EG_VERSION);
        return EG_EXIT_OK;
    }
    const char *verb = argc > 2 ? argv[2] : NULL;
    const struct eg_cli_cmd *cmd = eg_cli_find(argv[1], verb);
    if (!cmd) {
        if (noun_known(argv[1])) {
            fprintf(stderr, "envgov: '%s' needs one of these verbs:\n", argv[1]);
            for (int i = 0; i < eg_cli_command_count; i++)
                if (!strcmp(eg_cli_commands[i].noun, argv[1]))
                    fprintf(stderr, "  envgov %s %s %s\n", argv[1], eg_cli_commands[i].verb,
                            eg_cli_commands[i].args);
        } else {
            fprintf(stderr, "envgov: unknown command '%s' (see 'envgov --help')\n", argv[1]);
        }
        return EG_EXIT_USAGE;
    }
    int skip = cmd->verb ? 2 : 1;
    return cmd->run(argc - skip, argv + skip);
}
