# lute — build, run, test, benchmark.  `make run` and `make test` are the two commands a newcomer needs.
# Sources are found by wildcard: core/*.c core/*/*.c (the engine, no Lua), lua/*.c (bridge, CLI),
# tests/c/test_*.c (one C unit-test program each), fuzz/fuzz_*.c (libFuzzer targets).
# Voice kernels (core/*/*_v8.c) are compiled twice, for SSE2 and for AVX2 (see core/dsp/v8.h); the
# engine picks one at start-up.

CC      ?= cc
PKGS    := lua5.4 portaudio-2.0 sndfile rtmidi libebur128 fftw3f fftw3 samplerate rubberband cairo soxr
WARN    := -Wall -Wextra -Wshadow -Wundef -Wmissing-prototypes -Wstrict-prototypes
OPT     ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -Icore -Ilua
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LIBS    = $(PKG_LIBS) -lreadline -lm -lpthread

B       ?= build
ALL_CORE := $(wildcard core/*.c core/*/*.c)
V8_SRC   := $(filter %_v8.c,$(ALL_CORE))
CORE_SRC := $(filter-out %_v8.c,$(ALL_CORE))
LUA_SRC  := $(wildcard lua/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(B)/obj/%.o) $(V8_SRC:%.c=$(B)/obj/sse2/%.o) $(V8_SRC:%.c=$(B)/obj/avx2/%.o)
LUA_OBJ  := $(LUA_SRC:%.c=$(B)/obj/%.o)
TEST_SRC := $(wildcard tests/c/test_*.c)
TEST_BIN := $(TEST_SRC:tests/c/%.c=$(B)/tests/%)

.PHONY: all run test test-c test-lua test-e2e test-live test-asan bench fuzz soak deps clean

# Real music for the mastering examples and tests: 30 s of two Wesnoth tracks from the Debian package,
# cut without re-encoding (examples/audio/README.md); made here, not kept in git.
WESNOTH_MUSIC := /usr/share/games/wesnoth/1.16/data/core/music
EXCERPTS := examples/audio/battle-epic-30s.ogg examples/audio/elvish-theme-30s.ogg
examples/audio/%-30s.ogg: | deps
	ffmpeg -v error -y -ss 20 -t 30 -i $(WESNOTH_MUSIC)/$*.ogg -c copy $@

all: deps $(B)/lute $(TEST_BIN) $(EXCERPTS)


deps:
	@sh vendor/install

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(B)/obj/sse2/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(B)/obj/avx2/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -mavx2 -DLT_V8_AVX2 -MMD -MP -c $< -o $@

$(B)/lute: $(CORE_OBJ) $(LUA_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS) $(LDFLAGS)

$(B)/tests/%: tests/c/%.c $(CORE_OBJ) tests/c/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/c -o $@ $< $(CORE_OBJ) $(LIBS) $(LDFLAGS)

# C micro-benchmarks (bench/*.c), built like a test program; run by hand or by bench/run.
$(B)/bench/%: bench/%.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(CORE_OBJ) $(LIBS) $(LDFLAGS)

# The main job: play the hello example live with the REPL, or, without an audio device, render it.
# It builds only what it runs.
run: deps $(B)/lute
	$(B)/lute examples/00-hello.lua

test: all
	@B=$(B) bash tests/run-all

test-c: all
	@B=$(B) bash tests/run-all c
test-lua: all
	@B=$(B) bash tests/run-all lua
test-e2e: all
	@B=$(B) bash tests/run-all e2e
test-live: all
	@B=$(B) bash tests/run-all live

# The same suites, built apart in build-asan/ with AddressSanitizer and UBSan.
test-asan: deps
	@$(MAKE) --no-print-directory B=build-asan OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" all
	@B=build-asan LUTE_STALL_LIMIT=60 LUTE_EVAL_BUDGET_MS=20000 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 bash tests/run-all c lua oracle e2e

bench: all
	@sh vendor/install vendor/packages-bench.txt
	@B=$(B) sh bench/run

# Ten minutes live on a JACK dummy server (about 1,000 saves, every kind of bad edit, MIDI throughout), then
# 10,000 reloads through lute exec; prints silence runs, late events, xruns and memory over time.
soak: deps $(B)/lute
	@LUTE=$(B)/lute /usr/bin/python3 tests/live/test_live_faults --soak $${SOAK_MINUTES:-10}; live=$$?; \
	 $(B)/lute exec tests/soak/reloads.lua $${SOAK_RELOADS:-10000}; reloads=$$?; [ $$live -eq 0 ] && [ $$reloads -eq 0 ]

FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
fuzz: deps
	@mkdir -p $(B)/fuzz
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  echo "clang -fsanitize=fuzzer,address $$f"; \
	  clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Icore $(PKG_CFLAGS) $$f $(filter-out %/driver_pa.c %/midi_rt.c,$(CORE_SRC)) -o $(B)/fuzz/$$n $(PKG_LIBS) -lm -lpthread || exit 1; \
	  LUTE_ROOT=$(CURDIR) $(B)/fuzz/$$n -max_total_time=$${FUZZ_SECONDS:-30} -artifact_prefix=$(B)/fuzz/ || exit 1; done

clean:
	rm -rf build build-asan

-include $(CORE_OBJ:.o=.d) $(LUA_OBJ:.o=.d) $(TEST_BIN:=.d)
