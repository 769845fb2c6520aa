/* fuzz/ts_import.c: libFuzzer target for the observation file parser (ts/import.c): long
   CSV and china_sites wide files. One in-memory database for the run; series must be known and
   none is, so every batch is refused after parsing — the parser is exercised, the database stays
   small. Any input must give a report or an error, never a crash. */
#include "db/db.h"
#include "ts/ts.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct eg_db *st;
    static struct eg_ts *ts;
    struct eg_err err;
    if (!st) {
        if (eg_db_open(":memory:", &st, &err) || eg_ts_open(st, &ts, &err))
            abort();
        eg_ts_set_now(ts, 1795665600);
    }
    static const char stations[] = "code,name\n1001A,a\n1002A,b\nSH001,c\n";
    struct eg_ts_import_opts o = {.stations = size & 1 ? stations : NULL,
                                  .stations_len = sizeof stations - 1,
                                  .known_series = 1,
                                  .batch = 64};
    struct eg_ts_import_report rep;
    eg_ts_import(ts, (const char *)data, size, &o, &rep, &err);
    if (rep.rejected != rep.nrejects)
        abort();
    eg_ts_import_report_free(&rep);
    return 0;
}
