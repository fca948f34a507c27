# pte_free_defer() for Linux 6.1 (patches/) and 6.12 (patches-6.12/), and the
# workbench.  BASE=6.12 points a target at the second base (default 6.1).
# Targets call scripts/run-tests.sh with the stages they run (tree and export
# call their own scripts); see README.md, "Layout".

.PHONY: all main tree export check check-all kunit kunit-base kunit-repeat baseline mutants model bench test clean help

all: main

main:			## apply, build, boot pseries (radix, hash), run the selftests
	@scripts/run-tests.sh boot

tree:			## build/linux = pinned base + patches/ (git am)
	@scripts/make-tree.sh

export:			## patches/ from the commits in build/linux
	@scripts/export-series.sh

check:			## checkpatch + every commit built for the base's check targets
	@scripts/run-tests.sh check

check-all:		## the check on every target of configs/check/targets.conf
	@CHECK_ALL=1 scripts/run-tests.sh check

kunit:			## KUnit suite under QEMU: ppc64 hash, ppc64 radix, x86_64, s390x, i386
	@scripts/run-tests.sh kunit

kunit-base:		## BASE=6.12: the KUnit suite on the base alone, failing only as expected
	@scripts/run-tests.sh kunit-base

kunit-repeat:		## the KUnit suite RUNS times in a row (default 10) on s390x and ppc64-hash
	@scripts/run-tests.sh kunit-repeat

baseline:		## the same boot tests on the unpatched base kernel
	@scripts/run-tests.sh baseline

mutants:		## each broken variant in mutants/ caught as its header declares, the boot mutants too
	@scripts/run-tests.sh mutants mutants-boot

model:			## spin model of the powerpc protocol
	@scripts/run-tests.sh model

bench:			## benchmarks: call_rcu per page, IPIs and time per retraction
	@scripts/run-tests.sh bench

# make test leaves out what cannot change its verdict: make baseline's rows
# of the base are reference data (XFAIL when they fail), and the series'
# boot rows must pass on their own (README, "Time").
test:			## every test: check, kunit, boot, mutants, model, bench-smoke; on 6.12 check, kunit, kunit-base, boot
	@scripts/run-tests.sh check kunit boot mutants model bench-smoke \
		check@6.12 kunit@6.12 kunit-base@6.12 boot@6.12

clean:			## remove build/ (caches outside the repository stay)
	rm -rf build

help:
	@grep -E '^[a-z-]+:.*##' Makefile | sed 's/:.*## /\t/'
