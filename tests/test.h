/*
 * test.h: the envgov test harness. Tests register themselves (constructor functions), so a new
 * test file needs no list to edit. The runner prints "N passed, N failed" as its last line.
 *
 *   TEST(hj212_crc_check_value_is_2F80) { CHECK_EQ_INT(eg_hj212_crc(...), 0x2F80); }
 *
 * CHECK_* record a failure and go on; REQUIRE* stop the test at once.
 * Run a subset: build/test_runner SUBSTRING…
 * Each test runs in its own process group and is killed after $EG_TEST_TIMEOUT seconds (default
 * 120); under ASan a test that leaks fails.
 */
#ifndef EG_TEST_H
#define EG_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

void eg_test_register(const char *name, void (*fn)(void), const char *file);
void eg_test_register_hidden(const char *name, void (*fn)(void), const char *file);
void eg_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void eg_test_abort(void) __attribute__((noreturn));

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void reg_##name(void)                                      \
    {                                                                                              \
        eg_test_register(#name, test_##name, __FILE__);                                            \
    }                                                                                              \
    static void test_##name(void)

/* A test the runner skips unless $EG_TEST_HIDDEN names it: the runner's self-tests, which must
   fail (a leak, a hang), run by a normal test that starts the runner again (tests/unit/runner). */
#define TEST_HIDDEN(name)                                                                          \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void reg_##name(void)                                      \
    {                                                                                              \
        eg_test_register_hidden(#name, test_##name, __FILE__);                                     \
    }                                                                                              \
    static void test_##name(void)

/* 1 when the runner checks every test child for leaks (built with AddressSanitizer, whose
   LeakSanitizer never runs by itself in a child that _exits). */
#if defined(__SANITIZE_ADDRESS__)
#define EG_TEST_LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EG_TEST_LEAK_CHECK 1
#endif
#endif
#ifndef EG_TEST_LEAK_CHECK
#define EG_TEST_LEAK_CHECK 0
#endif

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            eg_test_fail(__FILE__, __LINE__, "CHECK(%s)", #c);                                     \
    } while (0)
#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            eg_test_fail(__FILE__, __LINE__, "REQUIRE(%s)", #c);                                   \
            eg_test_abort();                                                                       \
        }                                                                                          \
    } while (0)
#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            eg_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);            \
    } while (0)
#define CHECK_EQ_DBL(a, b, eps)                                                                    \
    do {                                                                                           \
        double a_ = (double)(a), b_ = (double)(b);                                                 \
        if (!(a_ - b_ <= (eps) && b_ - a_ <= (eps)))                                               \
            eg_test_fail(__FILE__, __LINE__, "%s == %s: %.10g != %.10g", #a, #b, a_, b_);          \
    } while (0)
#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_))                                                          \
            eg_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,                 \
                         a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                  \
    } while (0)
/* Compares a (pointer, length) span with a C string. */
#define CHECK_SPAN(p, n, s)                                                                        \
    do {                                                                                           \
        const char *p_ = (p), *s_ = (s);                                                           \
        size_t n_ = (size_t)(n);                                                                   \
        if (n_ != strlen(s_) || (n_ && memcmp(p_, s_, n_)))                                        \
            eg_test_fail(__FILE__, __LINE__, "%s == \"%s\": got \"%.*s\"", #p, s_, (int)n_,        \
                         p_ ? p_ : "");                                                            \
    } while (0)

/* Path of a file under ../shared (or $EG_SHARED), e.g. "data/real/README.md". Static buffer. */
const char *eg_test_shared(const char *rel);
/* Reads a whole file; returns NULL when absent. Caller frees. */
char *eg_test_read_file(const char *path, size_t *len);
/* A fresh temporary directory for this test (removed at exit). Static buffer. */
const char *eg_test_tmpdir(void);
/* A database for this test: NAME in eg_test_tmpdir(), or, when $EG_TEST_PG holds a PostgreSQL
   URL (issue 16; make test sets it for the tests that run on both backends), that database with
   a schema of its own for NAME in this process (created on open). Static buffer (4 in turn). */
const char *eg_test_db(const char *name);
/* 1 when $EG_TEST_PG selects PostgreSQL. */
int eg_test_pg(void);
/* Path to the envgov binary under test ($EG_BIN, default build/envgov). */
const char *eg_test_bin(void);

/* Runs envgov with args (NULL-terminated), stdin from in (may be NULL); captures stdout and
   stderr (caller frees) and returns the exit status, or -1 if it died by a signal. */
int eg_test_run(const char *const *args, const char *in, size_t inlen, char **out, char **err);

/* A TCP port on 127.0.0.1 free right now. */
int eg_test_free_port(void);

#endif
