/*
 * cmd_user.c: `envgov user add` and `envgov user list` — operator commands on the server, run
 * as the system principal and audited as "system". The password is read from standard input
 * only (never an argument, which other users could see in the process list).
 */
#include "auth/auth.h"
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "registry/registry.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* When standard input is a terminal the password is typed: echo is turned off while it is read
   (and restored on return, and on a signal that ends the command), the prompt goes to stderr. */
static struct termios saved_tty;
static volatile sig_atomic_t tty_changed;

static void restore_tty(void)
{
    if (tty_changed) {
        tcsetattr(0, TCSAFLUSH, &saved_tty);
        tty_changed = 0;
    }
}

static void restore_tty_and_die(int sig)
{
    restore_tty(); /* tcsetattr is async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};

static void echo_off(void)
{
    struct termios t;
    if (tcgetattr(0, &saved_tty) < 0)
        return;
    for (size_t i = 0; i < sizeof tty_signals / sizeof tty_signals[0]; i++)
        signal(tty_signals[i], restore_tty_and_die);
    t = saved_tty;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
    tty_changed = 1;
    if (tcsetattr(0, TCSAFLUSH, &t) < 0)
        tty_changed = 0;
}

static void echo_on(void)
{
    restore_tty();
    for (size_t i = 0; i < sizeof tty_signals / sizeof tty_signals[0]; i++)
        signal(tty_signals[i], SIG_DFL);
}

int eg_cmd_user_add(int argc, char **argv)
{
    static const char help[] =
        "Creates a user. The password (at least 8 bytes) is read from standard input; one\n"
        "trailing newline is removed. It is stored as an Argon2id hash.\n\n"
        "  NAME               user name: letters, digits, _ . - @ (at most 63)\n"
        "  --role ROLE        admin | bureau | street | enterprise | steward\n"
        "  --region CODE      region code (required for street users: they see that region\n"
        "                     and its grids)\n"
        "  --unit ID          unit id or 统一社会信用代码 (required for enterprise users)\n"
        "  --password-stdin   read the password from standard input (required; typed at a\n"
        "                     terminal it is not echoed)\n" EG_CLI_DB_HELP
        "\nexample:\n  printf '%s' \"$PW\" | envgov user add lujiazui --role street --region "
        "310115005 "
        "--password-stdin\n";
    static const struct option opts[] = {{"role", required_argument, 0, 'r'},
                                         {"region", required_argument, 0, 'g'},
                                         {"unit", required_argument, 0, 'u'},
                                         {"password-stdin", no_argument, 0, 'p'},
                                         {"db", required_argument, 0, 'd'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *role = NULL, *region = NULL, *unit = NULL, *db = NULL;
    int pw_stdin = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "r:g:u:pd:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            role = optarg;
            break;
        case 'g':
            region = optarg;
            break;
        case 'u':
            unit = optarg;
            break;
        case 'p':
            pw_stdin = 1;
            break;
        case 'd':
            db = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("user", "add"), help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !role || !pw_stdin) {
        fprintf(stderr, "usage: envgov user add NAME --role ROLE [--region CODE] [--unit ID] "
                        "--password-stdin [--db PATH]\n");
        return EG_EXIT_USAGE;
    }
    enum eg_role rv;
    if (eg_role_parse(role, &rv) < 0) {
        fprintf(stderr,
                "envgov user add: unknown role '%s' (admin, bureau, street, enterprise, "
                "steward)\n",
                role);
        return EG_EXIT_USAGE;
    }
    char pw[EG_AUTH_PASSWORD_MAX + 2];
    size_t n = 0;
    ssize_t got;
    int tty = isatty(0);
    if (tty) {
        echo_off();
        fprintf(stderr, "Password for %s: ", argv[optind]);
        fflush(stderr);
    }
    /* from a terminal: one line; from a pipe or file: everything up to EOF */
    while (n < sizeof pw - 1 && (got = read(0, pw + n, sizeof pw - 1 - n)) > 0) {
        n += (size_t)got;
        if (tty && memchr(pw + n - (size_t)got, '\n', (size_t)got))
            break;
    }
    if (tty) {
        echo_on();
        fputc('\n', stderr);
    }
    if (n > EG_AUTH_PASSWORD_MAX) {
        fprintf(stderr, "envgov user add: password longer than %d bytes\n", EG_AUTH_PASSWORD_MAX);
        return EG_EXIT_FAIL;
    }
    if (n && pw[n - 1] == '\n')
        n--;
    if (n && pw[n - 1] == '\r')
        n--;
    pw[n] = '\0';
    if (memchr(pw, '\0', n)) {
        fprintf(stderr, "envgov user add: the password contains a NUL byte\n");
        return EG_EXIT_FAIL;
    }
    struct eg_db *st = eg__cli_create(eg__cli_db_path(db));
    if (!st)
        return EG_EXIT_FAIL;
    struct eg_err err;
    eg_err_clear(&err);
    int64_t unit_id = 0;
    int rc = 0;
    if (unit) {
        json_t *v = NULL;
        const struct eg_field *f = eg_registry_field(eg_registry_find("users"), "unit_id");
        rc = eg_registry_value_from_text(st, f, unit, strlen(unit), &v, &err);
        if (rc == 0)
            unit_id = (int64_t)json_integer_value(v);
        json_decref(v);
    }
    if (rc == 0)
        rc = eg_registry_user_add(st, argv[optind], role, region, unit_id, pw, &err);
    memset(pw, 0, sizeof pw);
    eg_db_close(st);
    if (rc < 0) {
        fprintf(stderr, "envgov user add: %s\n", err.msg);
        return EG_EXIT_FAIL;
    }
    printf("user %s added (role %s)\n", argv[optind], role);
    return EG_EXIT_OK;
}

static int print_user(void *arg, const struct eg_registry_user_row *u)
{
    printf("%lld\t%s\t%s\t%s\t", (long long)u->id, u->username, u->role,
           u->region ? u->region : "");
    if (u->unit_id)
        printf("%lld", (long long)u->unit_id);
    printf("\t%s\n", u->disabled ? "yes" : "no");
    return 0;
}

int eg_cmd_user_list(int argc, char **argv)
{
    static const char help[] =
        "Lists every user, tab-separated: id, username, role, region code, unit id, disabled.\n"
        "Passwords are never shown (only their Argon2id hashes are stored).\n\n"
        "options:\n" EG_CLI_DB_HELP;
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *db = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("user", "list"), help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    struct eg_db *st = eg__cli_open_existing("envgov user list", db);
    if (!st)
        return EG_EXIT_FAIL;
    struct eg_err err;
    printf("id\tusername\trole\tregion\tunit\tdisabled\n");
    int rc = eg_registry_users_each(st, print_user, NULL, &err);
    eg_db_close(st);
    if (rc < 0) {
        fprintf(stderr, "envgov user list: %s\n", err.msg);
        return EG_EXIT_FAIL;
    }
    return EG_EXIT_OK;
}
