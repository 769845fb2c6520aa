/*
 * demo: the demo district — fills an empty database with a district that looks like Pudong:
 * its real 12 streets and 24 towns (data/demo/pudong_streets.csv), three grids each, parks,
 * 300 plainly fictional enterprises (names end in （演示）) with valid-checksum credit codes,
 * their outlets, permits and limits from the catalogue data/demo/limits.csv (each limit names
 * its emission standard), 30 air stations, 10 water sections, 20 noise stations, a device per
 * station and per outlet of key-managed permits, one user of each role, and the seeds'
 * quality targets.
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

#endif
