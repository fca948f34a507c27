#!/bin/bash
# make kunit-repeat: the KUnit suite RUNS times in a row (default 10) on
# each of TARGETS (default "s390x ppc64-hash"), to show that it does not
# fail by chance.  Each run is a full scripts/kunit-run.sh (the kernel is
# built once, then only re-linked if nothing changed); results are
# build/results/kunit-repeat-<n>.tsv, and build/results/kunit-repeat.tsv
# gets one row per target: how many runs in a row passed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

runs="${RUNS:-10}"
targets="${TARGETS:-s390x ppc64-hash}"
res="${RESULTS}/kunit-repeat.tsv"
: >"${res}"
declare -A passed=() first_fail=()
for t in ${targets}; do
	passed[${t}]=0
done
for i in $(seq 1 "${runs}"); do
	say "kunit-repeat: run ${i} of ${runs} on ${targets}"
	KUNIT_TAG="kunit-repeat-${i}" KUNIT_BUILD="${BUILD}/kunit" TARGETS="${targets}" \
		run_script kunit-run.sh || true
	for t in ${targets}; do
		row=$(grep -m1 "^kunit ${t}"$'\t' "${RESULTS}/kunit-repeat-${i}.tsv" || true)
		if [ "$(cut -f2 <<<"${row}")" = PASS ]; then
			passed[${t}]=$((passed[${t}] + 1))
		elif [ -z "${first_fail[${t}]:-}" ]; then
			first_fail[${t}]="run ${i}: $(cut -f3 <<<"${row:-		no result}")"
		fi
	done
done
bad=0
for t in ${targets}; do
	if [ "${passed[${t}]}" -eq "${runs}" ]; then
		record "${res}" "kunit ${t}: ${runs} runs in a row" PASS "${runs} of ${runs} passed"
	else
		record "${res}" "kunit ${t}: ${runs} runs in a row" FAIL \
			"${passed[${t}]} of ${runs} passed; first failure ${first_fail[${t}]}"
		bad=1
	fi
done
[ "${bad}" -eq 0 ]
