# pte_free_defer() for Linux 6.1: the series in patches/ and its workbench.
# Each target is a small script in scripts/; see README.md.

.PHONY: all main tree export check kunit mutants model test clean help

all: main

main:			## apply, build the ppc64le pseries THP kernel (the main job)
	@scripts/main-job.sh

tree:			## build/linux = pinned base + patches/ (git am)
	@scripts/make-tree.sh

export:			## patches/ from the commits in build/linux
	@scripts/export-series.sh

check:			## checkpatch + every commit built for every target
	@scripts/run-tests.sh check

kunit:			## KUnit suite under QEMU: ppc64 hash, ppc64 radix, x86_64, s390x
	@scripts/run-tests.sh kunit

mutants:		## the KUnit suite must catch each broken variant in mutants/
	@scripts/run-tests.sh mutants

model:			## spin model of the powerpc protocol
	@scripts/run-tests.sh model

test:			## every test: check, kunit, mutants, model
	@scripts/run-tests.sh check kunit mutants model

clean:			## remove build/ (caches outside the repository stay)
	rm -rf build

help:
	@grep -E '^[a-z]+:.*##' Makefile | sed 's/:.*## /\t/'
