/*
 * store_fixture.c: the shared store and time-series test fixture (store_fixture.h).
 */
#include "unit/db/db_fixture.h"
#include "test.h"

#include <iconv.h>
#include <stdio.h>
#include <string.h>

struct eg_db *eg_tfx_open(const char *name, const char *sql)
{
    const char *path = eg_test_db(name);
    struct eg_db *st = NULL;
    struct eg_err err;
    int r = eg_db_open(path, &st, &err);
    if (r == 0 && sql)
        r = eg_db_exec(st, sql, &err);
    if (r)
        fprintf(stderr, "    open %s: %s\n", name, err.msg);
    REQUIRE(r == 0 && st);
    return st;
}

struct eg_db *eg_tfx_open_ts(const char *name, int64_t now, struct eg_ts **ts)
{
    struct eg_db *st = eg_tfx_open(name, NULL);
    struct eg_err err;
    REQUIRE(eg_ts_open(st, ts, &err) == 0);
    eg_ts_set_now(*ts, now);
    return st;
}

int64_t eg_tfx_int(struct eg_db *st, const char *sql)
{
    struct eg_stmt *s;
    REQUIRE(eg_db_prepare(st, sql, &s, NULL) == 0);
    REQUIRE(eg_stmt_step(s, NULL) == 1);
    int64_t v = eg_stmt_int(s, 0);
    eg_stmt_done(s);
    return v;
}

size_t eg_tfx_gbk(const char *utf8, char *out, size_t cap)
{
    iconv_t cd = iconv_open("GBK", "UTF-8");
    REQUIRE(cd != (iconv_t)-1);
    char *ip = (char *)utf8, *op = out;
    size_t il = strlen(utf8), ol = cap;
    REQUIRE(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
    iconv_close(cd);
    return cap - ol;
}
