/*
 * load.c: eg_demo_load — the order of the parts (regions, parks, enterprises, stations, users,
 * the seeds' targets) inside one transaction, and the two record makers every part uses.
 */
#include "auth/auth.h"
#include "demo/internal.h"
#include "eval/eval.h"
#include "plans/plans.h"
#include "registry/registry.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t eg__demo_mk(struct eg__demo *d, const char *res, json_t *in)
{
    if (d->failed) {
        json_decref(in);
        return 0;
    }
    json_t *row = NULL;
    struct eg_err e;
    eg_err_clear(&e);
    int r = eg_registry_create(d->st, eg_registry_find(res), &eg_principal_system, in, &row, &e);
    if (r < 0) {
        char *s = json_dumps(in, JSON_COMPACT | JSON_ENSURE_ASCII);
        eg_err_set(d->err, r, e.code, -1, "%s %s: %s", res, s ? s : "", e.msg);
        free(s);
        d->failed = 1;
        json_decref(in);
        return 0;
    }
    int64_t id = (int64_t)json_integer_value(json_object_get(row, "id"));
    json_decref(row);
    json_decref(in);
    return id;
}

int64_t eg__demo_mk_device(struct eg__demo *d, const char *kind_digit, const char *ref_field,
                           int64_t ref, const char *pollutants, const char *name)
{
    char mn[32], pw[24];
    d->rep->devices++;
    /* MN: district code, a kind digit, a serial — 14 characters as HJ/T 212-2005 devices use */
    snprintf(mn, sizeof mn, "310115%s%07d", kind_digit, d->rep->devices);
    eg__demo_random_password(pw, sizeof pw);
    if (d->device_pw)
        fprintf(d->device_pw, "%s,%s\n", mn, pw);
    json_t *in =
        json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "mn", mn, "password", pw, "name", name,
                  ref_field, (json_int_t)ref, "pollutants", pollutants, "protocol", "2017");
    sodium_memzero(pw, sizeof pw);
    return eg__demo_mk(d, "devices", in);
}

/* One user of each role, random passwords into the report; steward contracts for the steward. */
static int users(struct eg__demo *d)
{
    static const struct {
        const char *name, *role;
    } u[EG_DEMO_USERS] = {
        {"admin", "admin"},           {"bureau", "bureau"},   {"lujiazui", "street"},
        {"enterprise", "enterprise"}, {"steward", "steward"},
    };
    int64_t steward_id = 0;
    for (int i = 0; i < EG_DEMO_USERS && !d->failed; i++) {
        char *pw = d->rep->users[i].password;
        d->rep->users[i].name = u[i].name;
        d->rep->users[i].role = u[i].role;
        eg__demo_random_password(pw, sizeof d->rep->users[i].password);
        json_t *in =
            json_pack("{s:s, s:s, s:s}", "username", u[i].name, "role", u[i].role, "password", pw);
        if (!strcmp(u[i].role, "street")) {
            int s = eg__demo_street_index(&d->t->streets, "310115005"); /* 陆家嘴街道 */
            json_object_set_new(in, "region_id", json_integer(d->street_id[s]));
            json_object_set_new(in, "display_name", json_string("陆家嘴街道环保办（演示）"));
        }
        if (!strcmp(u[i].role, "enterprise"))
            json_object_set_new(in, "unit_id", json_integer(d->first_enterprise));
        int64_t id = eg__demo_mk(d, "users", in);
        if (!strcmp(u[i].role, "steward"))
            steward_id = id;
    }
    for (int i = 0; i < d->nsteward && !d->failed; i++)
        eg__demo_mk(d, "steward_contracts",
                    json_pack("{s:I, s:I, s:s, s:s}", "user_id", (json_int_t)steward_id, "unit_id",
                              (json_int_t)d->steward_units[i], "valid_from", "2025-01-01",
                              "valid_to", "2026-12-31"));
    return d->failed ? -1 : 0;
}

static int load_parts(struct eg__demo *d)
{
    if (eg__demo_regions(d) || eg__demo_parks(d) || eg__demo_enterprises(d) ||
        eg__demo_stations(d) || users(d)) {
        if (!d->failed)
            eg_err_set(d->err, EG_EINVAL, "data", -1,
                       "the demo data files disagree (a street or town code is missing)");
        return -1;
    }
    /* the seeds' environmental-quality targets (data/quality/targets_seed.csv, issue 6) and
       the demo district's own */
    if (eg_eval_targets_load_seed(d->st, d->err) < 0)
        return -1;
    return eg__demo_targets(d);
}

int eg_demo_load(struct eg_db *st, FILE *device_pw, struct eg_demo_report *rep, struct eg_err *err)
{
    memset(rep, 0, sizeof *rep);
    struct eg__demo_tables t;
    int r = eg__demo_tables_load(&t, err);
    if (r == 0)
        r = eg_db_begin(st, err);
    if (r < 0) {
        eg__demo_tables_free(&t);
        return r;
    }
    struct eg__demo *d = eg_calloc(1, sizeof *d);
    d->st = st;
    d->err = err;
    d->device_pw = device_pw;
    d->rep = rep;
    d->t = &t;
    eg__demo_rng_reset();
    r = load_parts(d);
    r = r ? r : eg_plan_load_demo(st, err); /* issue 14: seed 003's plan, 40 tasks */
    if (r == 0)
        r = eg_db_commit(st, err);
    if (r < 0) {
        eg_db_rollback(st);
        for (int i = 0; i < EG_DEMO_USERS; i++)
            sodium_memzero(rep->users[i].password, sizeof rep->users[i].password);
    }
    free(d);
    eg__demo_tables_free(&t);
    return r < 0 ? r : 0;
}
