# riskmap — plain GNU make. One switch per concern:
#   make            the riskmap binary (./riskmap)
#   make check      install missing packages, build, run unit + integration tests + fuzz smoke
#                   + the sanitizer build of the unit tests
#   make asan       ASan+UBSan build (build/asan/riskmap) running the whole test suite
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (default 60) each
#   make valgrind   unit tests and a lab scan under valgrind
#   make demo       install packages, build, start a loopback lab, scan it, write reports
#   make install    PREFIX (default /usr/local) and DESTDIR honoured
#   make clean
# Objects go to $(O) (build/ by default); flags are recorded so a change of flags rebuilds.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DESTDIR   ?=
O         ?= build
# Integration tests that do not need the machine to themselves run this many at a time.
INTEG_JOBS ?= 2
SAN       ?=
CC        ?= cc
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 3

# V=1 shows the full compiler command lines.
ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS := libpcap openssl libxml-2.0 libcjson sqlite3 libpcre2-8 libarchive

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wformat=2 -Wwrite-strings -Wstrict-prototypes -Wshadow \
        -Wpointer-arith -Wcast-align -Wvla
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -DRISKMAP_VERSION='"$(VERSION)"' -I. $(WARN) -g -MMD -MP

ifeq ($(SAN),1)
OPT_CFLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
OPT_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(SAN),fuzz)
OPT_CFLAGS := -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
OPT_LDFLAGS := -fsanitize=address,undefined
else
OPT_CFLAGS := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT_LDFLAGS := -pie -Wl,-z,relro,-z,now
endif

ALL_CFLAGS  := $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(OPT_LDFLAGS) $(LDFLAGS)
LIBS        := $(PKG_LIBS) -lpthread -lm

LIB_SRC  := $(sort $(filter-out scanner/main.c,$(wildcard scanner/*.c checks/*.c policies/*.c reports/*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(O)/%.o) $(O)/gen/sigdata.o $(O)/gen/policydata.o $(O)/gen/feeddata.o
MAIN_OBJ := $(O)/scanner/main.o
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(O)/fuzz/%)
INTEG    := $(sort $(wildcard tests/integration/test_*.sh))
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(O)/tools/%)

ifeq ($(O),build)
RISKMAP_BIN := riskmap
else
RISKMAP_BIN := $(O)/riskmap
endif

.PHONY: all check asan fuzz fuzz-build fuzz-smoke valgrind demo install uninstall clean deps \
        unit integration check-core bench
.DEFAULT_GOAL := all

all: $(RISKMAP_BIN)

# Rebuild everything when the flags change.
$(O)/.flags: FORCE
	@mkdir -p $(O)
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@
FORCE:

$(O)/%.o: %.c $(O)/.flags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# The service signature file, embedded as a C array so the binary needs no data path
# (od and awk: xxd is not always installed). Generated, never edited.
SIGS_TXT := scanner/data/service-signatures.txt
$(O)/gen/sigdata.c: $(SIGS_TXT)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  EMBED   $<")
	$(Q){ echo '/* generated from $(SIGS_TXT) by the Makefile; do not edit */'; \
	  echo '#include <stddef.h>'; \
	  echo 'const unsigned char riskmap_sigs_data[] = {'; \
	  od -An -v -tu1 $< | awk '{ s = ""; for (i = 1; i <= NF; i++) s = s $$i ","; print s }'; \
	  echo '0};'; \
	  echo 'const size_t riskmap_sigs_len = sizeof riskmap_sigs_data - 1;'; } > $@.tmp && mv $@.tmp $@

$(O)/gen/sigdata.o: $(O)/gen/sigdata.c $(O)/.flags
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# The shipped feed data (checks/data/*.json: end-of-life cycles, NVD and OSV records, CISA KEV
# entries; read by `riskmap feed import --shipped`, in this order; see checks/data/README.md),
# embedded likewise (checks/feed_shipped.h).
FEED_DATA := checks/data/eol.json checks/data/nvd.json checks/data/osv.json checks/data/kev.json
$(O)/gen/feeddata.c: $(FEED_DATA) contrib/tools/embed-files.sh
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  EMBED   checks/data")
	$(Q)sh contrib/tools/embed-files.sh checks/feed_shipped.h feed_shipped feed_shipped_files \
	    feed_n_shipped . $(FEED_DATA) > $@.tmp && mv $@.tmp $@

$(O)/gen/feeddata.o: $(O)/gen/feeddata.c $(O)/.flags
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# The policy schemas and the shipped policies, embedded likewise (policies/shipped.h).
POLICY_FILES := $(sort $(wildcard policies/schema/*.xsd policies/*.xml))
$(O)/gen/policydata.c: $(POLICY_FILES) contrib/tools/embed-files.sh
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  EMBED   policies")
	$(Q)sh contrib/tools/embed-files.sh policies/shipped.h embedded_file policy_embedded \
	    policy_n_embedded policies $(POLICY_FILES) > $@.tmp && mv $@.tmp $@

$(O)/gen/policydata.o: $(O)/gen/policydata.c $(O)/.flags
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(O)/libriskmap.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(RISKMAP_BIN): $(MAIN_OBJ) $(O)/libriskmap.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(O)/tests/%: tests/unit/%.c $(O)/libriskmap.a $(O)/.flags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libriskmap.a $(LIBS) -lcmocka

deps:
	@contrib/install-deps.sh

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# Test tools (tests/tools/): helpers the integration tests run, such as a packet capture.
$(O)/tools/%: tests/tools/%.c $(O)/libriskmap.a $(O)/.flags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TOOL    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libriskmap.a $(LIBS)

integration: $(RISKMAP_BIN) $(TOOL_BIN)
	@RISKMAP=$(abspath $(RISKMAP_BIN)) RISKMAP_TOOLS=$(abspath $(O)/tools) \
	    bash tests/integration/run.sh -j $(INTEG_JOBS) $(INTEG)

# The suite one build runs: unit tests, then integration tests against that build's binary.
check-core: unit integration

# The fuzzer build and its short run, and the sanitizer build, go on (niced, in the background)
# while the integration tests, which mostly wait on servers and timeouts, run: on a 2-core
# machine that takes minutes off `make check`. (The fuzz targets open no sockets; the unit
# tests do, so they run after.) Their log is $(O)/check-builds.log, printed at the end; a
# failed build or fuzz run fails the check.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@rm -f $(O)/check-builds.rc; \
	( nice -n 15 $(MAKE) --no-print-directory fuzz-smoke && \
	  nice -n 15 $(MAKE) --no-print-directory O=$(O)/asan SAN=1 unit-bins; \
	  echo $$? > $(O)/check-builds.rc ) > $(O)/check-builds.log 2>&1 & \
	$(MAKE) --no-print-directory integration; st=$$?; wait; \
	cat $(O)/check-builds.log; \
	if [ "$$(cat $(O)/check-builds.rc 2>/dev/null)" != 0 ]; then \
	    echo "make check: the fuzz run or the asan build failed (above)"; exit 1; fi; \
	exit $$st
	@$(MAKE) --no-print-directory O=$(O)/asan SAN=1 unit
	@echo "make check: all tests passed"

.PHONY: unit-bins
unit-bins: $(UNIT_BIN)

asan:
	@$(MAKE) --no-print-directory O=$(O)/asan SAN=1 all check-core

# libFuzzer targets link the library built with clang and fuzzer instrumentation.
fuzz-build:
	@$(MAKE) --no-print-directory O=$(O)/fuzz SAN=fuzz CC=clang fuzz-bins

.PHONY: fuzz-bins
fuzz-bins: $(FUZZ_BIN)

$(O)/fuzz/%: tests/fuzz/%.c $(O)/libriskmap.a $(O)/.flags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $< $(O)/libriskmap.a $(LIBS)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(O)/fuzz

fuzz-smoke: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) sh tests/fuzz/run.sh $(O)/fuzz

valgrind: all $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; \
	  valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect $$t; done
	@RISKMAP_WRAPPER="valgrind -q --vgdb=no --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect" \
	  RISKMAP=$(abspath $(RISKMAP_BIN)) sh tests/integration/test_connect_scan.sh
	@# The whole demo (the lab of real servers, two client scans with every check, report,
	@# register, signed evidence) with every riskmap run under valgrind; any error fails it.
	@mkdir -p $(O)/valgrind
	@printf '#!/bin/sh\nexec valgrind -q --vgdb=no --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect --log-file=$(abspath $(O))/valgrind/vg.%%p.log %s "$$@"\n' \
	  $(abspath $(RISKMAP_BIN)) > $(O)/valgrind/riskmap && chmod +x $(O)/valgrind/riskmap
	@rm -f $(O)/valgrind/vg.*.log
	@RISKMAP=$(abspath $(O))/valgrind/riskmap DEMO_OUT=$(abspath $(O))/valgrind/demo-out sh contrib/demo.sh
	@if cat $(O)/valgrind/vg.*.log 2>/dev/null | grep -q .; then \
	    echo "valgrind found problems:"; cat $(O)/valgrind/vg.*.log; exit 1; fi
	@echo "make valgrind: unit tests, connect scan test and the demo lab clean"

demo: deps
	@$(MAKE) --no-print-directory all
	@sh contrib/demo.sh

bench: all
	@bash bench/portscan.sh
	@bash bench/synscan.sh
	@bash bench/service.sh
	@bash bench/tls.sh

install: $(RISKMAP_BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(RISKMAP_BIN) $(DESTDIR)$(BINDIR)/riskmap
	install -m 0644 contrib/riskmap.1 $(DESTDIR)$(MANDIR)/man1/riskmap.1
	install -d $(DESTDIR)$(PREFIX)/share/riskmap/policies/schema
	install -m 0644 $(filter %.xml,$(POLICY_FILES)) $(DESTDIR)$(PREFIX)/share/riskmap/policies/
	install -m 0644 $(filter %.xsd,$(POLICY_FILES)) $(DESTDIR)$(PREFIX)/share/riskmap/policies/schema/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/riskmap $(DESTDIR)$(MANDIR)/man1/riskmap.1
	rm -rf $(DESTDIR)$(PREFIX)/share/riskmap/policies

clean:
	rm -rf build riskmap

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)
