/*
 * demo: the demo district — fills an empty database with a district that looks like Pudong:
 * its real 12 streets and 24 towns (data/demo/pudong_streets.csv), three grids each, parks,
 * 300 plainly fictional enterprises (names end in （演示）) with valid-checksum credit codes,
 * their outlets, permits and limits from the catalogue data/demo/limits.csv (each limit names
 * its emission standard), 30 air stations, 10 water sections, 20 noise stations, a device per
 * station and per outlet (the first enterprise, the demo enterprise login's, has its own), one
 * user of each role, the seeds' quality targets and the demo district's own targets.
 *
 * Everything is deterministic (a fixed-seed generator) except the passwords: user passwords are
 * random and returned once in the report; device passwords are random and only written out when
 * asked. All rows go through the registry (validation and audit, as "system") inside one
 * transaction. No SQL here: the rows are made by the modules that own them.
 */
#ifndef EG_DEMO_H
#define EG_DEMO_H

#include "base/base.h"
#include "db/db.h"

#include <stdio.h>

#define EG_DEMO_USERS 5

struct eg_demo_report {
    int streets, parks, units, outlets, permits, limits, stations, devices;
    struct {
        const char *name, *role;
        char password[24]; /* shown once; the caller wipes it (sodium_memzero) */
    } users[EG_DEMO_USERS];
};

/* Loads the district into st (expected empty: see eg_registry_is_empty) in one transaction;
   nothing is written on failure. device_pw, when not NULL, gets "MN,password" lines (after a
   header the caller writes). sodium_init() must have been called. Returns 0 or an EG_E* code
   with err naming the record that failed. */
int eg_demo_load(struct eg_db *st, FILE *device_pw, struct eg_demo_report *rep, struct eg_err *err);

/* The demo's stored history (`envgov demo`, issue 11): every registered device's hourly values
   (HJ 212 2061 Avg, as its data logger reports them) for the whole hours [from, to) (outlets:
   [from_outlets, to)), written
   straight into the time-series store from the value model the simulator uses (ingest's
   eg_sim_value), so that `envgov sim --db` continues it. Transactions of 16 devices. */
struct eg_demo_history {
    int64_t from, to;
    int devices, exceeders; /* outlets that exceed their limits now and then */
    size_t series, values;
    double seconds;
};
int eg_demo_history(struct eg_db *st, int64_t from, int64_t from_outlets, int64_t to,
                    struct eg_demo_history *rep, struct eg_err *err);

/* Every registered device (the first limit of them; 0 = all) as the simulator plays it: kind,
   pollutants, permit limits of its outlet, class of its water section, zone of its noise
   station. *out (and *ids, their registry ids, when ids is not NULL) allocated (free());
   passwords are left empty. */
struct eg_sim_device;
int eg_demo_devices(struct eg_db *st, int limit, struct eg_sim_device **out, int64_t **ids, int *n,
                    struct eg_err *err);
/* The start of the last stored hour of each device (its first pollutant's hourly Avg, reported
   or computed), 0 when none: where `envgov sim --db` continues. */
int eg_demo_devices_last_hour(struct eg_db *st, const struct eg_sim_device *d, int n, int64_t *last,
                              struct eg_err *err);

#endif
