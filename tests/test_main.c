/* test_main.c: the runner behind tests/test.h. Runs every registered test (or those whose name
   or file contains an argument), each in its own process so a crash fails one test, not the
   run, and prints "N passed, N failed" as the last line. Each child gets its own process group,
   which is killed when the test outlives $EG_TEST_TIMEOUT seconds (default 120). */
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if EG_TEST_LEAK_CHECK
#include <sanitizer/lsan_interface.h>
#endif

struct test_case {
    const char *name, *file;
    void (*fn)(void);
    int hidden; /* run only when $EG_TEST_HIDDEN names it */
};

static struct test_case *tests;
static int n_tests, cap_tests;
static int failures; /* in the current test */
static jmp_buf abort_jmp;
static char tmpdir_path[512];

static void add_test(const char *name, void (*fn)(void), const char *file, int hidden)
{
    if (n_tests == cap_tests) {
        cap_tests = cap_tests ? cap_tests * 2 : 256;
        tests = realloc(tests, (size_t)cap_tests * sizeof *tests);
        if (!tests)
            abort();
    }
    tests[n_tests++] = (struct test_case){name, file, fn, hidden};
}

void eg_test_register(const char *name, void (*fn)(void), const char *file)
{
    add_test(name, fn, file, 0);
}

void eg_test_register_hidden(const char *name, void (*fn)(void), const char *file)
{
    add_test(name, fn, file, 1);
}

void eg_test_fail(const char *file, int line, const char *fmt, ...)
{
    failures++;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "    %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

void eg_test_abort(void)
{
    longjmp(abort_jmp, 1);
}

const char *eg_test_shared(const char *rel)
{
    static char path[1024];
    const char *root = getenv("EG_SHARED");
    snprintf(path, sizeof path, "%s/%s", root ? root : "../shared", rel);
    return path;
}

char *eg_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        fclose(f);
        return NULL;
    }
    p[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return p;
}

const char *eg_test_tmpdir(void)
{
    if (!tmpdir_path[0]) {
        snprintf(tmpdir_path, sizeof tmpdir_path, "/tmp/envgov-test-XXXXXX");
        if (!mkdtemp(tmpdir_path)) {
            perror("mkdtemp");
            abort();
        }
    }
    return tmpdir_path;
}

int eg_test_pg(void)
{
    const char *u = getenv("EG_TEST_PG");
    return u && u[0];
}

const char *eg_test_db(const char *name)
{
    static char out[4][1024];
    static int k;
    char *p = out[k++ % 4];
    const char *u = getenv("EG_TEST_PG");
    if (!u || !u[0]) {
        snprintf(p, sizeof out[0], "%s/%s", eg_test_tmpdir(), name);
        return p;
    }
    /* a schema per test process and name: t<pid>_<name as [a-z0-9_]> (the seam creates it) */
    char schema[64];
    int n = snprintf(schema, sizeof schema, "t%ld_", (long)getpid());
    for (const char *c = name; *c && n + 1 < (int)sizeof schema; c++)
        schema[n++] = (char)((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ? *c
                             : (*c >= 'A' && *c <= 'Z')                           ? *c + 32
                                                                                  : '_');
    schema[n] = '\0';
    snprintf(p, sizeof out[0], "%s%coptions=-csearch_path%%3D%s", u, strchr(u, '?') ? '&' : '?',
             schema);
    return p;
}

const char *eg_test_bin(void)
{
    const char *b = getenv("EG_BIN");
    return b ? b : "build/envgov";
}

static char *drain(int fd)
{
    size_t cap = 4096, len = 0;
    char *p = malloc(cap);
    for (;;) {
        if (len + 4096 > cap)
            p = realloc(p, cap *= 2);
        ssize_t r = read(fd, p + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    p[len] = '\0';
    return p;
}

int eg_test_run(const char *const *args, const char *in, size_t inlen, char **out, char **err)
{
    char outp[] = "/tmp/envgov-out-XXXXXX", errp[] = "/tmp/envgov-err-XXXXXX",
         inp[] = "/tmp/envgov-in-XXXXXX";
    int ofd = mkstemp(outp), efd = mkstemp(errp), ifd = mkstemp(inp);
    if (ofd < 0 || efd < 0 || ifd < 0)
        abort();
    if (in && inlen && write(ifd, in, inlen) != (ssize_t)inlen)
        abort();
    lseek(ifd, 0, SEEK_SET);
    unlink(outp), unlink(errp), unlink(inp);
    int n = 0;
    while (args[n])
        n++;
    char **argv = calloc((size_t)n + 2, sizeof *argv);
    argv[0] = (char *)eg_test_bin();
    for (int i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    pid_t pid = fork();
    if (pid == 0) {
        dup2(ifd, 0), dup2(ofd, 1), dup2(efd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    free(argv);
    int st = 0;
    waitpid(pid, &st, 0);
    lseek(ofd, 0, SEEK_SET), lseek(efd, 0, SEEK_SET);
    char *o = drain(ofd), *e = drain(efd);
    close(ofd), close(efd), close(ifd);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int eg_test_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) ||
        getsockname(fd, (struct sockaddr *)&a, &len))
        abort();
    close(fd);
    return ntohs(a.sin_port);
}

static void rm_rf(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", path);
}

static int selected(const struct test_case *t, int argc, char **argv)
{
    const char *hidden = getenv("EG_TEST_HIDDEN");
    if (hidden && *hidden)
        return t->hidden && !strcmp(t->name, hidden);
    if (t->hidden)
        return 0;
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strstr(t->name, argv[i]) || strstr(t->file, argv[i]))
            return 1;
    return 0;
}

/* The child's last step. LeakSanitizer checks only at a normal exit, which a child that _exits
   never reaches; so it is asked here, and a leak fails the test. */
static void leak_check(void)
{
#if EG_TEST_LEAK_CHECK
    if (!failures && __lsan_do_recoverable_leak_check()) {
        fprintf(stderr, "    leak: see the LeakSanitizer report above\n");
        failures++;
    }
#endif
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

enum outcome { PASSED, FAILED, TIMED_OUT };

/* Runs one test in a child (its own process group) for at most timeout_s seconds. SIGCHLD is
   blocked around the fork so the parent can wait for it with a deadline (sigtimedwait). */
static enum outcome run_one(const struct test_case *t, int timeout_s)
{
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        sigprocmask(SIG_SETMASK, &old, NULL);
        failures = 0;
        if (!setjmp(abort_jmp))
            t->fn();
        if (tmpdir_path[0])
            rm_rf(tmpdir_path);
        leak_check();
        fflush(NULL);
        _exit(failures ? 1 : 0);
    }
    if (pid < 0) {
        perror("fork");
        sigprocmask(SIG_SETMASK, &old, NULL);
        return FAILED;
    }
    setpgid(pid, pid); /* also here, so the kill below cannot race the child's own setpgid */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int st = 0;
    enum outcome out = FAILED;
    for (;;) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            break;
        double left = timeout_s - seconds_since(&t0);
        if (left <= 0) {
            kill(-pid, SIGKILL);
            waitpid(pid, &st, 0);
            out = TIMED_OUT;
            break;
        }
        struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
        sigtimedwait(&chld, NULL, &ts); /* a SIGCHLD, the deadline or EINTR: look again */
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (out == TIMED_OUT)
        return out;
    if (WIFSIGNALED(st))
        fprintf(stderr, "    killed by signal %d\n", WTERMSIG(st));
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? PASSED : FAILED;
}

static int timeout_seconds(void)
{
    const char *s = getenv("EG_TEST_TIMEOUT");
    int v = s ? atoi(s) : 0;
    return v > 0 ? v : 120;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    int passed = 0, failed = 0, timeout_s = timeout_seconds();
    struct timespec t0;
    for (int i = 0; i < n_tests; i++) {
        if (!selected(&tests[i], argc, argv))
            continue;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        enum outcome out = run_one(&tests[i], timeout_s);
        double ms = seconds_since(&t0) * 1e3;
        if (out == TIMED_OUT)
            printf("FAIL %s (timeout after %d s)\n", tests[i].name, timeout_s);
        else
            printf("%s %s (%.0f ms)\n", out == PASSED ? "ok  " : "FAIL", tests[i].name, ms);
        fflush(stdout);
        out == PASSED ? passed++ : failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
