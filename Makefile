# envgov build. Plain make; every module's sources are picked up by wildcard so that adding a
# file needs no edit here.
#
#   make            build/envgov
#   make run        install missing packages, build, start the demo
#   make test       install missing packages, build, run the suite plainly, under ASan+UBSan,
#                   and the tests with threads under ThreadSanitizer (make check-tsan)
#   make bench      run every benchmark in bench/ (figures + ratio against a baseline)
#   make fuzz       run every libFuzzer target in fuzz/ for FUZZ_SECONDS each (default 60)
#   WERROR=1        turn warnings into errors (CI sets it)

CC      ?= cc
PKGS    := sqlite3 libmicrohttpd jansson libsodium xlsxwriter
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN    += -Werror
endif
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Isrc -Itests $(PKG_CFLAGS)
LIBS    := $(PKG_LIBS) -liniparser -lm -lpthread
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
TSAN    := -fsanitize=thread -fno-omit-frame-pointer
# The tests that run threads (ingest, the ts maintenance job, the HTTP server, database
# connections from several threads, jobs and events): what `make check-tsan` runs.
TSAN_TESTS ?= ingest test_ts_worker test_http_server test_http_api store_threads test_jobs test_events \
              test_ts_events

LIB_SRC  := $(sort $(filter-out src/cli/main.c,$(shell find src -name "*.c")))
TEST_SRC := $(sort $(shell find tests -name "*.c"))
BENCH_SRC:= $(sort $(wildcard bench/*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/*.c))

DATA     := $(shell find data -type f ! -name '*.md' 2>/dev/null)
OBJ      := $(LIB_SRC:%.c=build/obj/%.o) build/obj/gen/embedded.o
ASAN_OBJ := $(LIB_SRC:%.c=build/asan/obj/%.o) build/asan/obj/gen/embedded.o
TEST_OBJ := $(TEST_SRC:%.c=build/obj/%.o)
ASAN_TEST_OBJ := $(TEST_SRC:%.c=build/asan/obj/%.o)
TSAN_OBJ := $(LIB_SRC:%.c=build/tsan/obj/%.o) build/tsan/obj/gen/embedded.o
TSAN_TEST_OBJ := $(TEST_SRC:%.c=build/tsan/obj/%.o)
BENCHES  := $(BENCH_SRC:bench/%.c=build/bench/%)
FUZZERS  := $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 60

.PHONY: all run test check check-layers check-plain check-asan check-tsan bench fuzz clean deps format

all: build/envgov

deps:
	@scripts/deps.sh build

build/gen/embedded.c: scripts/embed.sh $(DATA)
	@mkdir -p build/gen
	scripts/embed.sh $@

build/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

build/asan/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 $(SAN) -c $< -o $@

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@
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
	$(CC) $(ALL_CFLAGS) $^ $(LIBS) -o $@

build/asan/envgov: build/asan/obj/src/cli/main.o build/asan/libenvgov.a
	$(CC) $(ALL_CFLAGS) $(SAN) $^ $(LIBS) -o $@

build/test_runner: $(TEST_OBJ) build/libenvgov.a
	$(CC) $(ALL_CFLAGS) $^ $(LIBS) -o $@

build/asan/test_runner: $(ASAN_TEST_OBJ) build/asan/libenvgov.a
	$(CC) $(ALL_CFLAGS) $(SAN) $^ $(LIBS) -o $@

build/tsan/envgov: build/tsan/obj/src/cli/main.o build/tsan/libenvgov.a
	$(CC) $(ALL_CFLAGS) $(TSAN) $^ $(LIBS) -o $@

build/tsan/test_runner: $(TSAN_TEST_OBJ) build/tsan/libenvgov.a
	$(CC) $(ALL_CFLAGS) $(TSAN) $^ $(LIBS) -o $@

build/bench/%: bench/%.c build/libenvgov.a
	@mkdir -p build/bench
	$(CC) $(ALL_CFLAGS) -O3 $^ $(LIBS) -o $@

build/fuzz/%: fuzz/%.c $(LIB_SRC) build/gen/embedded.c
	@mkdir -p build/fuzz
	clang $(ALL_CFLAGS) -O1 -fsanitize=fuzzer,address,undefined $< $(LIB_SRC) build/gen/embedded.c $(LIBS) -o $@

# `make test`: packages first (in a sub-make so pkg-config sees them), then both runs.
test:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory check

check: check-layers check-plain check-asan check-tsan

# SQL only in the modules that own tables, sqlite3 only in db/sqlite.c, includes only downwards
check-layers:
	@scripts/check-layers.sh --self-test
	@scripts/check-layers.sh

check-plain: build/envgov build/test_runner
	EG_BIN=$(CURDIR)/build/envgov build/test_runner

check-asan: build/asan/envgov build/asan/test_runner
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	EG_BIN=$(CURDIR)/build/asan/envgov build/asan/test_runner

# ThreadSanitizer over the tests with threads; a race fails the run (no suppressions).
check-tsan: build/tsan/envgov build/tsan/test_runner
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 exitcode=66" \
	EG_BIN=$(CURDIR)/build/tsan/envgov build/tsan/test_runner $(TSAN_TESTS)

run:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory build/envgov
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

format:
	clang-format -i $(LIB_SRC) src/cli/main.c $(TEST_SRC) $(BENCH_SRC) $(FUZZ_SRC)

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(ASAN_TEST_OBJ:.o=.d) \
	$(TSAN_OBJ:.o=.d) $(TSAN_TEST_OBJ:.o=.d)
