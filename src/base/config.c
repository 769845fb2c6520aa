/*
 * config.c: settings from an INI file (Debian's iniparser), the environment and command-line
 * flags, in that order of precedence (issue 3 §6: flags > environment > file > defaults).
 * A command describes its settings once, as a table of struct eg_config_key; loading, the
 * `--help` text and the error messages all come from that table, so a new setting (e.g. the
 * HJ 212 listener's address) is one table row.
 *
 * File syntax: "[section]" then "key = value"; the setting "http.listen" is key "listen" in
 * section [http]. A key the table does not know is an error (a typo must not be silently
 * ignored on a server).
 */
#include "base/base.h"

#include <iniparser/iniparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char ini_error[256]; /* iniparser reports through a callback; loading is single-threaded */

static int ini_errback(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ini_error, sizeof ini_error, fmt, ap);
    va_end(ap);
    /* iniparser's messages end with a newline; an error message should not. */
    size_t n = strlen(ini_error);
    while (n && (ini_error[n - 1] == '\n' || ini_error[n - 1] == '\r'))
        ini_error[--n] = '\0';
    return 0;
}

/* "http.listen" -> "http:listen" (iniparser's section:key form, lower case). */
static void ini_key(const char *name, char *out, size_t outsz)
{
    size_t i = 0;
    for (; name[i] && i + 1 < outsz; i++)
        out[i] = name[i] == '.' ? ':' : name[i];
    out[i] = '\0';
}

static void set_value(struct eg_config *cfg, int k, const char *v, const char *source)
{
    free(cfg->values[k]);
    cfg->values[k] = eg_strdup(v);
    cfg->sources[k] = source;
}

static int load_file(struct eg_config *cfg, const char *path, struct eg_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return eg_err_set(err, EG_EINVAL, "config_unreadable", -1, "cannot read config file %s",
                          path);
    fclose(f);
    ini_error[0] = '\0';
    iniparser_set_error_callback(ini_errback);
    dictionary *d = iniparser_load(path);
    if (!d)
        return eg_err_set(err, EG_EINVAL, "config_syntax", -1, "config file %s: %s", path,
                          ini_error[0] ? ini_error : "cannot parse");
    /* Every "section:key" with a value must be a known setting. Section entries have no value. */
    for (ssize_t i = 0; i < d->size; i++) {
        if (!d->key[i] || !d->val[i])
            continue;
        int known = 0;
        for (int k = 0; k < cfg->nkeys && !known; k++) {
            char want[128];
            ini_key(cfg->keys[k].name, want, sizeof want);
            known = !strcmp(want, d->key[i]);
        }
        if (!known) {
            eg_err_set(err, EG_EINVAL, "config_unknown_key", -1,
                       "config file %s: unknown setting '%s' (see --help)", path, d->key[i]);
            iniparser_freedict(d);
            return EG_EINVAL;
        }
    }
    for (int k = 0; k < cfg->nkeys; k++) {
        char key[128];
        ini_key(cfg->keys[k].name, key, sizeof key);
        const char *v = iniparser_getstring(d, key, NULL);
        if (v)
            set_value(cfg, k, v, "file");
    }
    iniparser_freedict(d);
    cfg->file = eg_strdup(path);
    return 0;
}

int eg_config_load(struct eg_config *cfg, const struct eg_config_key *keys, int nkeys, int argc,
                   char **argv, struct eg_err *err)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->keys = keys;
    cfg->nkeys = nkeys;
    cfg->values = eg_calloc((size_t)nkeys, sizeof *cfg->values);
    cfg->sources = eg_calloc((size_t)nkeys, sizeof *cfg->sources);
    for (int k = 0; k < nkeys; k++)
        set_value(cfg, k, keys[k].def ? keys[k].def : "", "default");

    /* First pass over argv: --config, and the shape of every flag (unknown ones are usage errors
       before anything is read). */
    const char *file = getenv("EG_CONFIG");
    char **flag_val = eg_calloc((size_t)nkeys + 1, sizeof *flag_val);
    int rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        const char *eq = strchr(a, '=');
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        const char *val = NULL;
        int k = -1, is_config = nlen == 8 && !strncmp(a, "--config", 8);
        for (int j = 0; j < nkeys && !is_config && k < 0; j++)
            if (keys[j].flag && strlen(keys[j].flag) == nlen && !strncmp(a, keys[j].flag, nlen))
                k = j;
        if (!is_config && k < 0) {
            rc = eg_err_set(err, EG_EUSAGE, a[0] == '-' ? "unknown_flag" : "stray_argument", i,
                            "%s '%s' (see --help)",
                            a[0] == '-' ? "unknown option" : "unexpected argument", a);
            break;
        }
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else {
            rc = eg_err_set(err, EG_EUSAGE, "missing_value", i, "option %s needs a value", a);
            break;
        }
        if (is_config)
            file = val;
        else
            flag_val[k] = (char *)val;
    }
    if (!rc && file && *file)
        rc = load_file(cfg, file, err);
    if (!rc) {
        for (int k = 0; k < nkeys; k++) {
            const char *e = keys[k].env ? getenv(keys[k].env) : NULL;
            if (e && *e)
                set_value(cfg, k, e, "env");
            if (flag_val[k])
                set_value(cfg, k, flag_val[k], "flag");
        }
    }
    free(flag_val);
    if (rc)
        eg_config_free(cfg);
    return rc;
}

const char *eg_config_get(const struct eg_config *cfg, const char *name)
{
    for (int k = 0; k < cfg->nkeys; k++)
        if (!strcmp(cfg->keys[k].name, name))
            return cfg->values[k];
    return NULL;
}

int eg_config_int(const struct eg_config *cfg, const char *name, int64_t min, int64_t max,
                  int64_t *out, struct eg_err *err)
{
    for (int k = 0; k < cfg->nkeys; k++) {
        if (strcmp(cfg->keys[k].name, name))
            continue;
        const char *v = cfg->values[k];
        int64_t x;
        if (eg_parse_int64(v, strlen(v), &x) || x < min || x > max)
            return eg_err_set(err, EG_EINVAL, "config_bad_value", -1,
                              "setting %s = '%s' (from %s) must be an integer in %lld..%lld", name,
                              v, cfg->sources[k], (long long)min, (long long)max);
        *out = x;
        return 0;
    }
    return eg_err_set(err, EG_EINVAL, "config_unknown_key", -1, "no setting named %s", name);
}

void eg_config_free(struct eg_config *cfg)
{
    if (cfg->values)
        for (int k = 0; k < cfg->nkeys; k++)
            free(cfg->values[k]);
    free(cfg->values);
    free(cfg->sources);
    free(cfg->file);
    memset(cfg, 0, sizeof *cfg);
}

void eg_config_help(const struct eg_config_key *keys, int nkeys, struct eg_buf *out)
{
    eg_buf_puts(out, "settings (flag > environment > config file > default):\n");
    for (int k = 0; k < nkeys; k++) {
        const struct eg_config_key *c = &keys[k];
        const char *dot = strchr(c->name, '.');
        eg_buf_printf(out, "  %s VALUE\n      %s\n", c->flag ? c->flag : "(no flag)", c->help);
        if (dot)
            eg_buf_printf(out, "      file: [%.*s] %s = …", (int)(dot - c->name), c->name, dot + 1);
        else
            eg_buf_printf(out, "      file: %s = …", c->name);
        eg_buf_printf(out, "   env: %s   default: %s\n", c->env ? c->env : "(none)",
                      c->def && *c->def ? c->def : "(none)");
    }
    eg_buf_puts(out, "  --config FILE\n      INI file read before the environment and flags; "
                     "env: EG_CONFIG\n");
}
