# door - see README.md. `make` builds ./door; `make test` runs everything.
#
# One set of rules, built into different object folders (O=) for the
# variants: the release binary, AddressSanitizer+UBSan, clang, and the stub
# platform. Dependencies: a C17 compiler and libmnl (scripts/deps.sh).

CC       ?= cc
PREFIX   ?= /usr/local
PLATFORM ?= linux
O        ?= build/release
VERSION  := 0.1.0
# Where each shell looks for completions, under PREFIX (the Debian package
# puts zsh's in vendor-completions: make deb).
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
# The JSON Schemas of every --json output (docs/schema/).
SCHEMADIR   ?= $(PREFIX)/share/door/schema

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla -Wpointer-arith \
           -Wundef -Wcast-align
OPT      ?= -O2 -g
CFLAGS   ?=
CPPFLAGS += -D_GNU_SOURCE -DDOOR_VERSION='"$(VERSION)"' -Isrc -I$(O)/gen
ALL_CFLAGS = -std=c17 $(WARN) $(OPT) $(SAN_FLAGS) $(CFLAGS)
# One library a line, so that a new one is a new line.
LIBS_linux        = -lmnl        # netlink sock_diag
LIBS_linux       += -lpthread
# libmicrohttpd (door ui) is dlopen'd: src/ui/mhd_dl.c
LIBS_linux       += -lncursesw -ltinfo  # door watch's full-screen view
LIBS_unsupported  = -lpthread
LIBS_unsupported += -lncursesw -ltinfo
LDLIBS   = $(LIBS_$(PLATFORM))

ifeq ($(SAN),1)
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
endif

CORE_SRC = $(wildcard src/core/*.c)
OUT_SRC  = $(wildcard src/out/*.c)
PLAT_SRC = $(wildcard src/platform/$(PLATFORM)/*.c)
PROBE_SRC = $(wildcard src/probe/*.c)
# Every other module folder (src/knock, src/url, ...) and the verbs: a new
# folder under src/ is built without a new line here.
MOD_SRC  = $(filter-out $(CORE_SRC) $(OUT_SRC) $(PROBE_SRC), \
           $(wildcard src/*/*.c))
CMD_SRC  = $(filter-out src/door.c, $(wildcard src/*.c))
LIB_SRC  = $(CORE_SRC) $(OUT_SRC) $(PLAT_SRC) $(PROBE_SRC) $(MOD_SRC) \
           $(CMD_SRC)
GEN_SRC  = $(O)/gen/ports.c
LIB_OBJ  = $(LIB_SRC:%.c=$(O)/%.o) $(O)/gen/ports.o
# door ui's page files, compiled in (scripts/ui-embed.sh)
UI_PAGE  = $(sort $(wildcard src/ui/page/*))
LIB_OBJ += $(O)/gen/ui_page.o
DOOR_OBJ = $(O)/src/door.o $(LIB_OBJ)

UNIT_SRC = $(wildcard tests/unit/test-*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(O)/unit/%)

.PHONY: all clean install test check unit asan clang stub fuzz fuzz-build \
        fuzz-replay bench deps completions deb
.SUFFIXES:

all: door

# The release binary sits at the top of the tree, as the README says.
door: $(O)/door
	@cp $(O)/door door

$(O)/door: $(DOOR_OBJ)
	@echo "  LD  $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(DOOR_OBJ) $(LDLIBS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/gen/ports.c: data/ports.tsv scripts/ports-gen.awk
	@mkdir -p $(dir $@)
	@awk -f scripts/ports-gen.awk data/ports.tsv > $@.tmp && mv $@.tmp $@

$(O)/gen/ports.o: $(O)/gen/ports.c
	@echo "  CC  $<"
	@$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(O)/gen/ui_page.c: $(UI_PAGE) scripts/ui-embed.sh
	@mkdir -p $(dir $@)
	@sh scripts/ui-embed.sh $(UI_PAGE) > $@.tmp && mv $@.tmp $@

$(O)/gen/ui_page.o: $(O)/gen/ui_page.c
	@echo "  CC  $<"
	@$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# Unit tests: one binary per tests/unit/test-*.c, linked with every module.
unit: $(UNIT_BIN)

$(O)/unit/%: tests/unit/%.c tests/unit/unit.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CPPFLAGS) -Itests/unit $(ALL_CFLAGS) -o $@ $< $(LIB_OBJ) \
	    $(LDLIBS)

# Variants, each in its own object folder.
asan:
	$(MAKE) O=build/asan SAN=1 OPT="-O1 -g" build/asan/door unit
clang:
	$(MAKE) O=build/clang CC=clang build/clang/door unit
stub:
	$(MAKE) O=build/stub PLATFORM=unsupported build/stub/door

# libFuzzer harnesses (clang): tests/fuzz/fuzz-*.c, corpora in
# tests/fuzz/corpus/NAME/. `make fuzz` runs each for FUZZ_SECONDS;
# `make fuzz-replay` (part of make test) runs each corpus once.
FUZZ_SRC = $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 60
# Only the pure parsers: probe.c, conn.c, hintgate.c and https.c do the
# probing's I/O. The
# stub platform answers the few platform calls src/out still makes.
FUZZ_LIB_SRC = $(CORE_SRC) $(OUT_SRC) src/platform/unsupported/platform.c \
               src/platform/linux/diag_parse.c \
               src/platform/linux/procnet_parse.c \
               src/platform/linux/proc_parse.c \
               src/knock/http_parse.c src/url/parse.c \
               src/ui/gate.c src/ui/jsonin.c \
               $(filter-out src/probe/probe.c src/probe/conn.c src/probe/hintgate.c \
                 src/probe/https.c,$(PROBE_SRC))

fuzz-build:
	$(MAKE) O=build/fuzz CC=clang $(FUZZ_BIN)

build/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_LIB_SRC) build/fuzz/gen/ports.c
	@mkdir -p build/fuzz
	$(CC) $(CPPFLAGS) -std=c17 $(WARN) -O1 -g \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o $@ $< $(FUZZ_LIB_SRC) build/fuzz/gen/ports.c -lmnl

fuzz: fuzz-build
	@for f in $(FUZZ_BIN); do \
	    n=$${f#build/fuzz/fuzz-}; mkdir -p tests/fuzz/corpus/$$n; \
	    echo "fuzzing $$n for $(FUZZ_SECONDS)s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	        tests/fuzz/corpus/$$n || exit 1; \
	done

fuzz-replay: fuzz-build
	@for f in $(FUZZ_BIN); do \
	    n=$${f#build/fuzz/fuzz-}; \
	    $$f -runs=0 tests/fuzz/corpus/$$n >/dev/null 2>&1 \
	        && echo "ok - fuzz corpus replay: $$n" \
	        || { echo "not ok - fuzz corpus replay: $$n"; \
	             $$f -runs=0 tests/fuzz/corpus/$$n 2>&1 | tail -20; }; \
	done

# The whole suite; prints "N passed, N failed" last (CI reads it).
test check:
	scripts/test.sh

bench: door
	$(MAKE) -C bench
	bench/run.sh

# The shells' completion scripts, made by the built door from its command
# table (door completions bash|zsh|fish).
COMPLETIONS = $(O)/completions/door.bash $(O)/completions/_door \
              $(O)/completions/door.fish
completions: $(COMPLETIONS)

$(O)/completions/door.bash: $(O)/door
	@mkdir -p $(dir $@)
	@$(O)/door completions bash > $@.tmp && mv $@.tmp $@
$(O)/completions/_door: $(O)/door
	@mkdir -p $(dir $@)
	@$(O)/door completions zsh > $@.tmp && mv $@.tmp $@
$(O)/completions/door.fish: $(O)/door
	@mkdir -p $(dir $@)
	@$(O)/door completions fish > $@.tmp && mv $@.tmp $@

install: $(O)/door $(COMPLETIONS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(O)/door $(DESTDIR)$(PREFIX)/bin/door
	install -m 0644 door.1 $(DESTDIR)$(PREFIX)/share/man/man1/door.1
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
	    $(DESTDIR)$(FISHCOMPDIR)
	install -m 0644 $(O)/completions/door.bash $(DESTDIR)$(BASHCOMPDIR)/door
	install -m 0644 $(O)/completions/_door $(DESTDIR)$(ZSHCOMPDIR)/_door
	install -m 0644 $(O)/completions/door.fish \
	    $(DESTDIR)$(FISHCOMPDIR)/door.fish
	install -d $(DESTDIR)$(SCHEMADIR)
	install -m 0644 docs/schema/*.json $(DESTDIR)$(SCHEMADIR)

deps:
	scripts/deps.sh build

# door_VERSION_ARCH.deb here, from a staged make install (scripts/mkdeb.sh).
deb:
	scripts/mkdeb.sh

clean:
	rm -rf build door debian/door door_*.deb

-include $(shell find build -name '*.d' -type f 2>/dev/null)
