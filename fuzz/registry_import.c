/*
 * fuzz/registry_import.c: libFuzzer target for the CSV importer (registry/import.c): encoding
 * detection and GB 18030 conversion, the RFC 4180 reader, header mapping and cell conversion.
 * The first byte picks the resource; the rest is the file, imported as a dry run into an
 * in-memory database opened once (a dry run rolls back, so the database stays as it was).
 * Seeds: fuzz/corpus/registry_import/ (files like those of docs/import.md, UTF-8, BOM, GBK).
 */
#include "registry/registry.h"

#include <stdlib.h>

static struct eg_db *st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st) {
        if (eg_db_open(":memory:", &st, NULL) < 0)
            abort();
        eg_db_exec(st,
                   "INSERT INTO regions(code,name,level) VALUES ('310115','浦东新区','district');"
                   "INSERT INTO units(name,kind,credit_code) VALUES ('甲','enterprise',"
                   "'91310115MA1000017Q');"
                   "INSERT INTO outlets(unit_id,code,type) VALUES (1,'DA001','waste_gas');",
                   NULL);
    }
    if (size < 1)
        return 0;
    static const char *const res[] = {"regions",       "units",    "outlets", "permits",
                                      "permit_limits", "stations", "devices"};
    const struct eg_resource *r = eg_registry_find(res[data[0] % 7]);
    struct eg_import_opts o = {.dry_run = 1, .max_bytes = 1 << 20};
    struct eg_import_report rep;
    struct eg_err err;
    int rc = eg_import_csv(st, r, &eg_principal_system, (const char *)data + 1, size - 1, &o, &rep,
                           &err);
    /* the report is consistent whatever the input */
    if (rc == 0 && rep.rejected)
        abort();
    if (rep.accepted + rep.rejected > rep.rows + 1)
        abort();
    eg_import_report_free(&rep);
    return 0;
}
