/*
 * bench/registry.c: what the HTTP API pays below the network for registry reads, on the demo
 * district (300 enterprises): opening an already-migrated database (the per-worker cost), GET of
 * one unit through eg_registry_get (validation-free read with scope and JSON), a page of 50
 * through eg_registry_list (jansson values, then text) and through eg_registry_list_json (rows
 * straight to JSON text, what the HTTP list does), each as admin and as a street officer
 * (scoped); and, in the same
 * run, the baseline: the same row read with one hand-written prepared SELECT and no JSON.
 * Also the time `envgov demo` takes to load the district.
 *
 *   make build/bench/registry && build/bench/registry [seconds_per_case]
 */
#include "registry/registry.h"
#include "cli/cli.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double secs(uint64_t ns)
{
    return (double)ns / 1e9;
}

int main(int argc, char **argv)
{
    double per = argc > 1 ? atof(argv[1]) : 2.0;
    if (per <= 0)
        per = 2.0;
    char dir[] = "/tmp/envgov-bench-registry-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char db[600];
    snprintf(db, sizeof db, "%s/demo.db", dir);

    /* load the demo (its output, with passwords, is discarded) */
    fflush(stdout);
    int saved = dup(1);
    FILE *devnull = freopen("/dev/null", "w", stdout);
    (void)devnull;
    char *dargv[] = {"demo", "--db", db, NULL};
    uint64_t t0 = eg_nanos();
    int rc = eg_cmd_demo(3, dargv);
    double demo_s = secs(eg_nanos() - t0);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    if (rc != 0) {
        fprintf(stderr, "demo failed\n");
        return 1;
    }
    printf("demo load (300 enterprises, 1,500 limits, 400 devices, audited): %.2f s\n", demo_s);

    /* open of a migrated database */
    int nopen = 200;
    t0 = eg_nanos();
    for (int i = 0; i < nopen; i++) {
        struct eg_db *s = NULL;
        if (eg_db_open(db, &s, NULL) < 0)
            return 1;
        eg_db_close(s);
    }
    printf("open migrated database: %.0f us per open\n", secs(eg_nanos() - t0) / nopen * 1e6);

    struct eg_db *st = NULL;
    if (eg_db_open(db, &st, NULL) < 0)
        return 1;
    const struct eg_resource *units = eg_registry_find("units");
    struct eg_principal street = {EG_ROLE_STREET, 3, "lujiazui", "310115005", 0};
    /* ids of enterprises in 陆家嘴 for the scoped case */
    int64_t ids[400];
    int nids = 0;
    struct eg_stmt *s;
    if (eg_db_prepare(st,
                      "SELECT u.id FROM units u JOIN regions g ON g.id = u.region_id JOIN "
                      "regions r ON r.id = g.parent_id WHERE r.code = '310115005' AND "
                      "u.kind = 'enterprise'",
                      &s, NULL) < 0)
        return 1;
    while (eg_stmt_step(s, NULL) == 1 && nids < 400)
        ids[nids++] = eg_stmt_int(s, 0);
    eg_stmt_done(s);
    if (!nids)
        return 1;

    /* baseline: one prepared SELECT of the same columns, values read, no JSON */
    long n = 0;
    uint64_t end, start = eg_nanos();
    end = start + (uint64_t)(per * 1e9);
    volatile double sink = 0;
    while (eg_nanos() < end) {
        for (int k = 0; k < 100; k++, n++) {
            eg_db_prepare(st,
                          "SELECT id, name, kind, credit_code, industry, address, lon, lat, "
                          "region_id, park_id, key_water, key_air, key_soil, key_noise, "
                          "key_risk, public FROM units WHERE id = ?",
                          &s, NULL);
            eg_stmt_bind_int(s, 1, ids[n % nids]);
            if (eg_stmt_step(s, NULL) == 1)
                for (int c = 0; c < 16; c++) {
                    size_t len;
                    eg_stmt_text(s, c, &len);
                    sink += (double)len;
                }
            eg_stmt_done(s);
        }
    }
    double base = (double)n / secs(eg_nanos() - start);
    printf("baseline  GET one unit, raw prepared SELECT:  %9.0f /s\n", base);

    const struct eg_principal *whos[] = {&eg_principal_system, &street};
    const char *names[] = {"admin", "street"};
    for (int w = 0; w < 2; w++) {
        n = 0;
        start = eg_nanos();
        end = start + (uint64_t)(per * 1e9);
        while (eg_nanos() < end) {
            for (int k = 0; k < 100; k++, n++) {
                json_t *row = NULL;
                if (eg_registry_get(st, units, whos[w], ids[n % nids], &row, NULL) < 0)
                    return 1;
                char *j = json_dumps(row, JSON_COMPACT);
                sink += (double)strlen(j);
                free(j);
                json_decref(row);
            }
        }
        double rate = (double)n / secs(eg_nanos() - start);
        printf("registry  GET one unit as %-6s + JSON text: %9.0f /s  (%.2f x baseline)\n",
               names[w], rate, rate / base);
    }
    for (int w = 0; w < 2; w++) {
        n = 0;
        start = eg_nanos();
        end = start + (uint64_t)(per * 1e9);
        const char *fnames[] = {"kind"}, *fvals[] = {"enterprise"};
        struct eg_list_query q = {
            .limit = 50, .filter_names = fnames, .filter_values = fvals, .nfilters = 1};
        while (eg_nanos() < end) {
            for (int k = 0; k < 10; k++, n++) {
                json_t *rows = NULL;
                char *cur = NULL;
                if (eg_registry_list(st, units, whos[w], &q, &rows, &cur, NULL) < 0)
                    return 1;
                char *j = json_dumps(rows, JSON_COMPACT);
                sink += (double)strlen(j);
                free(j);
                free(cur);
                json_decref(rows);
            }
        }
        double jansson = (double)n / secs(eg_nanos() - start);
        printf("registry  LIST 50 enterprises as %-6s + JSON: %7.0f /s  (jansson values)\n",
               names[w], jansson);
        /* the same page written straight as JSON text (issue 11 §8), as the HTTP list does */
        n = 0;
        start = eg_nanos();
        end = start + (uint64_t)(per * 1e9);
        struct eg_buf b = {0};
        while (eg_nanos() < end) {
            for (int k = 0; k < 10; k++, n++) {
                char *cur = NULL;
                b.len = 0;
                if (eg_registry_list_json(st, units, whos[w], &q, &b, &cur, NULL) < 0)
                    return 1;
                sink += (double)b.len;
                free(cur);
            }
        }
        eg_buf_free(&b);
        double text = (double)n / secs(eg_nanos() - start);
        printf("registry  LIST 50 enterprises as %-6s, text: %7.0f /s  (%.2f x jansson)\n",
               names[w], text, text / jansson);
    }
    eg_db_close(st);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return sink < 0;
}
