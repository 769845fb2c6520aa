/* test_runner.c: the runner's own checks. Two hidden tests misbehave on purpose (a leak, a hang);
   the normal tests start the runner binary again with $EG_TEST_HIDDEN naming one of them and
   assert that it fails, and how. */
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Lost on purpose; volatile so the compiler keeps the allocation. */
static void *volatile leaked;

TEST_HIDDEN(runner_selftest_leaks)
{
    leaked = malloc(4096);
    memset(leaked, 1, 4096);
    leaked = NULL;
}

/* Starts a grandchild in the test's process group (its pid written to $EG_TEST_PIDFILE), then
   hangs: the timeout must kill both. */
TEST_HIDDEN(runner_selftest_hangs)
{
    pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    const char *pidfile = getenv("EG_TEST_PIDFILE");
    REQUIRE(pidfile);
    FILE *f = fopen(pidfile, "w");
    REQUIRE(f);
    fprintf(f, "%d\n", (int)pid);
    fclose(f);
    for (;;)
        pause();
}

/* Runs this runner binary with EG_TEST_HIDDEN=hidden and the given extra variable; returns its
   exit status, stdout and stderr (caller frees). */
static int rerun(const char *hidden, const char *var, const char *val, char **out, char **err)
{
    char opath[512], epath[512];
    snprintf(opath, sizeof opath, "%s/out", eg_test_tmpdir());
    snprintf(epath, sizeof epath, "%s/err", eg_test_tmpdir());
    pid_t pid = fork();
    if (pid == 0) {
        int ofd = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int efd = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (ofd < 0 || efd < 0)
            _exit(127);
        dup2(ofd, 1);
        dup2(efd, 2);
        setenv("EG_TEST_HIDDEN", hidden, 1);
        setenv(var, val, 1);
        execl("/proc/self/exe", "test_runner", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    *out = eg_test_read_file(opath, NULL);
    *err = eg_test_read_file(epath, NULL);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(runner_fails_a_test_that_leaks)
{
    char *out, *err;
    /* the options of make check-asan */
    int rc = rerun("runner_selftest_leaks", "ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1", &out,
                   &err);
    REQUIRE(out && err);
    if (EG_TEST_LEAK_CHECK) {
        CHECK_EQ_INT(rc, 1);
        CHECK(strstr(out, "FAIL runner_selftest_leaks"));
        CHECK(strstr(out, "0 passed, 1 failed\n"));
        CHECK(strstr(err, "LeakSanitizer: detected memory leaks"));
        CHECK(strstr(err, "4096 byte(s) leaked in 1 allocation(s)"));
    } else { /* no LeakSanitizer in this build: the leak goes unseen */
        CHECK_EQ_INT(rc, 0);
        CHECK(strstr(out, "1 passed, 0 failed\n"));
    }
    free(out);
    free(err);
}

static int dead(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *state = strrchr(buf, ')'); /* "pid (comm) S ..." */
    return state && (state[2] == 'Z' || state[2] == 'X');
}

TEST(runner_kills_a_test_past_its_timeout)
{
    char pidfile[512];
    snprintf(pidfile, sizeof pidfile, "%s/pid", eg_test_tmpdir());
    setenv("EG_TEST_PIDFILE", pidfile, 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *out, *err;
    int rc = rerun("runner_selftest_hangs", "EG_TEST_TIMEOUT", "1", &out, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    REQUIRE(out && err);
    CHECK_EQ_INT(rc, 1);
    CHECK(strstr(out, "FAIL runner_selftest_hangs (timeout after 1 s)\n"));
    CHECK(strstr(out, "0 passed, 1 failed\n"));
    CHECK(t1.tv_sec - t0.tv_sec < 10);
    free(out);
    free(err);

    /* the grandchild went with the test's process group (reaped, or a zombie for a moment) */
    char *p = eg_test_read_file(pidfile, NULL);
    REQUIRE(p);
    pid_t pid = (pid_t)atoi(p);
    free(p);
    REQUIRE(pid > 0);
    int gone = 0;
    for (int i = 0; i < 200 && !gone; i++) {
        gone = dead(pid);
        if (!gone)
            usleep(10000);
    }
    CHECK(gone);
    if (!gone)
        kill(pid, SIGKILL);
}
