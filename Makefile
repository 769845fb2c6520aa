# envgov build. Plain make; every module's sources are picked up by wildcard so that adding a
# file needs no edit here.
#
#   make            build/envgov
#   make run        install missing packages, build, start the demo
#   make test       install missing packages, check the format and the layering, build, run
#                   the suite plainly and under ASan+UBSan (leak-checked per test), the
#                   tests with threads under ThreadSanitizer (make check-tsan), and the browser
#                   tests of the web UI (make check-web)
#   make web        build the web UI (web/ -> build/web, served by envgov serve at /)
#   make bench      run every benchmark in bench/ (figures + ratio against a baseline)
#   make fuzz       run every libFuzzer target in fuzz/ for FUZZ_SECONDS each (default 60)
#   make fuzz-smoke every libFuzzer target on its corpus for FUZZ_SMOKE_SECONDS each (30; CI)
#   make format     clang-format every .c/.h in src tests bench fuzz; format-check only lists
#   WERROR=1        turn warnings into errors (CI sets it)

CC      ?= cc
PKGS    := sqlite3 libpq libmicrohttpd jansson libsodium xlsxwriter zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN    += -Werror
endif
# Implicit conversions that may change a value are warnings everywhere; those that may change a
# sign too (which gcc counts in -Wconversion), except in the folders of NO_SIGN_CONV. src/ingest:
# 13 with gcc, of the form (uint64_t)ms * 1000000ull (a gcc false positive); on once the split of
# writer.c has landed. ($< is the source file the rule compiles.)
NO_SIGN_CONV := src/ingest/%
CONV     = -Wconversion $(if $(filter $(NO_SIGN_CONV),$<),-Wno-sign-conversion,-Wsign-conversion)
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CONV) $(CFLAGS) -Isrc -Itests $(PKG_CFLAGS)
LIBS    := $(PKG_LIBS) -liniparser -lm -lpthread
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
TSAN    := -fsanitize=thread -fno-omit-frame-pointer
# The tests that run threads (ingest, the ts maintenance job, the HTTP server, database
# connections from several threads, jobs and events): what `make check-tsan` runs.
TSAN_TESTS ?= ingest test_ts_worker test_http_server test_http_api store_threads test_jobs test_events \
              test_ts_events test_http_list_cache test_rules_service test_rules_webhook test_tasks \
              test_intake_http
# Hardening of the normal build (the sanitizer builds check more and do without): checked libc
# calls (_FORTIFY_SOURCE needs an optimised build: off when the last -O is -O0 or absent),
# stack canaries, position-independent executables, a read-only GOT bound at start.
HARDEN   = $(if $(filter-out -O0,$(lastword $(filter -O%,$(CFLAGS)))),-U_FORTIFY_SOURCE \
           -D_FORTIFY_SOURCE=2) -fstack-protector-strong -fPIE
HARDEN_LD := -pie -Wl,-z,relro,-z,now

LIB_SRC  := $(sort $(filter-out src/cli/main.c,$(shell find src -name "*.c")))
TEST_SRC := $(sort $(shell find tests -name "*.c"))
BENCH_SRC:= $(sort $(wildcard bench/*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/*.c))
FORMAT_SRC := $(sort $(shell find src tests bench fuzz -name "*.[ch]"))

DATA     := $(shell find data -type f ! -name '*.md' 2>/dev/null)
OBJ      := $(LIB_SRC:%.c=build/obj/%.o) build/obj/gen/embedded.o
ASAN_OBJ := $(LIB_SRC:%.c=build/asan/obj/%.o) build/asan/obj/gen/embedded.o
TEST_OBJ := $(TEST_SRC:%.c=build/obj/%.o)
ASAN_TEST_OBJ := $(TEST_SRC:%.c=build/asan/obj/%.o)
TSAN_OBJ := $(LIB_SRC:%.c=build/tsan/obj/%.o) build/tsan/obj/gen/embedded.o
TSAN_TEST_OBJ := $(TEST_SRC:%.c=build/tsan/obj/%.o)
BENCHES  := $(BENCH_SRC:bench/%.c=build/bench/%)
FUZZERS  := $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)
FUZZ_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o) build/fuzz/obj/gen/embedded.o
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 30
FUZZ_SMOKE := $(FUZZ_SRC:fuzz/%.c=fuzz-smoke-%)

.PHONY: all web run test check check-layers check-plain check-pg check-asan check-tsan check-web bench \
	fuzz fuzz-smoke \
	$(FUZZ_SMOKE) clean deps format format-check

all: build/envgov

deps:
	@scripts/deps.sh build

build/gen/embedded.c: scripts/embed.sh $(DATA)
	@mkdir -p build/gen
	scripts/embed.sh $@

build/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(HARDEN) -c $< -o $@

build/asan/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 $(SAN) -c $< -o $@

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(HARDEN) -MMD -MP -c $< -o $@
# The HJ 212 codec is the ingest hot path (bench/hj212_parse target 2 M packets/s): -O3 there.
build/obj/src/hj212/%.o: CFLAGS += -O3

build/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 $(SAN) -MMD -MP -c $< -o $@

build/tsan/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 $(TSAN) -c $< -o $@

build/tsan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 $(TSAN) -MMD -MP -c $< -o $@

build/libenvgov.a: $(OBJ)
	@rm -f $@
	ar rcs $@ $^

build/asan/libenvgov.a: $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

build/tsan/libenvgov.a: $(TSAN_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

build/envgov: build/obj/src/cli/main.o build/libenvgov.a
	$(CC) $(ALL_CFLAGS) $(HARDEN) $(HARDEN_LD) $^ $(LIBS) -o $@

build/asan/envgov: build/asan/obj/src/cli/main.o build/asan/libenvgov.a
	$(CC) $(ALL_CFLAGS) $(SAN) $^ $(LIBS) -o $@

build/test_runner: $(TEST_OBJ) build/libenvgov.a
	$(CC) $(ALL_CFLAGS) $(HARDEN) $(HARDEN_LD) $^ $(LIBS) -o $@

build/asan/test_runner: $(ASAN_TEST_OBJ) build/asan/libenvgov.a
	$(CC) $(ALL_CFLAGS) $(SAN) $^ $(LIBS) -o $@

build/tsan/envgov: build/tsan/obj/src/cli/main.o build/tsan/libenvgov.a
	$(CC) $(ALL_CFLAGS) $(TSAN) $^ $(LIBS) -o $@

build/tsan/test_runner: $(TSAN_TEST_OBJ) build/tsan/libenvgov.a
	$(CC) $(ALL_CFLAGS) $(TSAN) $^ $(LIBS) -o $@

build/bench/%: bench/%.c build/libenvgov.a
	@mkdir -p build/bench
	$(CC) $(ALL_CFLAGS) -O3 $(HARDEN) $(HARDEN_LD) $^ $(LIBS) -o $@

# Fuzzers: src/ compiled once with clang for libFuzzer (instrumented, no main), one archive that
# every target links with its own fuzz/NAME.c.
FUZZ_CC   := clang
FUZZ_SAN  := -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined
build/fuzz/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP \
	  -c $< -o $@

build/fuzz/libenvgov.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/fuzz/%: fuzz/%.c build/fuzz/libenvgov.a
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer,address,undefined $^ $(LIBS) -o $@

# `make test`: packages first (in a sub-make so pkg-config sees them), then both runs.
test:
	@scripts/deps.sh web
	@$(MAKE) --no-print-directory check

check: format-check check-layers check-plain check-pg check-asan check-tsan check-web

# SQL only in the modules that own tables, sqlite3 only in db/sqlite.c, includes only downwards
check-layers:
	@scripts/check-layers.sh --self-test
	@scripts/check-layers.sh

check-plain: build/envgov build/test_runner
	EG_BIN=$(CURDIR)/build/envgov build/test_runner

# The database, registry, time-series, devices, ingest and governance tests again on a real
# PostgreSQL (issue 16): scripts/pg-test.sh starts Debian's server in a temporary folder as the
# postgres user, EG_TEST_PG selects it (a schema per test), the server is stopped after.
PG_TESTS ?= unit/db/ unit/registry/ unit/ts/ unit/devices/ unit/ingest/test_ingest_unit unit/govern/
check-pg: build/envgov build/test_runner
	@d=$$(mktemp -d /tmp/envgov-pg-XXXXXX) && url=$$(scripts/pg-test.sh start $$d) || exit 1; \
	echo "check-pg: $$url"; \
	EG_TEST_PG="$$url" EG_BIN=$(CURDIR)/build/envgov build/test_runner $(PG_TESTS); rc=$$?; \
	scripts/pg-test.sh stop $$d; exit $$rc

check-asan: build/asan/envgov build/asan/test_runner
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	EG_BIN=$(CURDIR)/build/asan/envgov build/asan/test_runner

# ThreadSanitizer over the tests with threads; a race fails the run (no suppressions).
check-tsan: build/tsan/envgov build/tsan/test_runner
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 exitcode=66" \
	EG_BIN=$(CURDIR)/build/tsan/envgov build/tsan/test_runner $(TSAN_TESTS)

# The web UI (web/, Vue 3 + Element Plus + ECharts) built by Vite into build/web, served at /.
WEB_SRC := $(shell find web -type f 2>/dev/null)
web: build/web/index.html
build/web/index.html: $(WEB_SRC) package-lock.json
	npm run --silent build

# The browser tests (tests/web, issue 15 item 4): Debian's chromium headless driven by
# playwright-core against a real envgov serve on a demo database; screenshots in build/screenshots.
check-web: build/envgov build/web/index.html
	EG_BIN=$(CURDIR)/build/envgov node tests/web/run.mjs

run:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory build/envgov build/web/index.html
	@scripts/run.sh

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(BENCHES) build/envgov
	@for b in $(BENCHES); do echo "== $$b"; EG_BIN=$(CURDIR)/build/envgov $$b || exit 1; done

fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZERS)
	@for f in $(FUZZERS); do n=$$(basename $$f); mkdir -p build/corpus/$$n fuzz/corpus/$$n; \
	  echo "== $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build/corpus/$$n fuzz/corpus/$$n || exit 1; done

# fuzz-smoke: each target for FUZZ_SMOKE_SECONDS on fuzz/corpus/NAME (read only; new inputs go
# to build/fuzz-smoke/NAME), failing on a crash, a leak, undefined behaviour or an input slower
# than 20 s. One target per make job: make -j2 fuzz-smoke runs two at once.
fuzz-smoke:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_SMOKE)

$(FUZZ_SMOKE): fuzz-smoke-%: build/fuzz/%
	@rm -rf build/fuzz-smoke/$* && mkdir -p build/fuzz-smoke/$*
	@if $< -max_total_time=$(FUZZ_SMOKE_SECONDS) -timeout=20 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz-smoke/$*- build/fuzz-smoke/$* $(wildcard fuzz/corpus/$*) \
	    >build/fuzz-smoke/$*.log 2>&1; \
	then echo "fuzz-smoke $*: $$(grep -o 'stat::number_of_executed_units: *[0-9]*' \
	    build/fuzz-smoke/$*.log | grep -o '[0-9]*$$') runs, no crash"; \
	else tail -n 40 build/fuzz-smoke/$*.log; echo "fuzz-smoke $*: FAILED (build/fuzz-smoke/$*.log)"; \
	  exit 1; fi

format:
	clang-format -i $(FORMAT_SRC)

# Fails, naming the files, when any .c/.h of src tests bench fuzz is not as clang-format writes it.
format-check:
	@command -v clang-format >/dev/null || { echo "format-check: no clang-format (deps.sh)"; exit 1; }
	@bad=$$(clang-format --dry-run $(FORMAT_SRC) 2>&1 | grep -o '^[^:]*\.[ch]:[0-9]*:[0-9]*: ' | \
	  cut -d: -f1 | sort -u); \
	if [ -n "$$bad" ]; then echo "format-check: not clang-formatted (make format fixes):"; \
	  echo "$$bad" | sed 's/^/  /'; exit 1; fi

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(ASAN_TEST_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) \
	$(TSAN_OBJ:.o=.d) $(TSAN_TEST_OBJ:.o=.d)
