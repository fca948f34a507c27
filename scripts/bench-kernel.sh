#!/bin/bash
# Kernel-side benchmark of pte_free_defer() (issues 6 and 12): the KUnit
# suite pte_free_defer_bench (bench/kunit/pte-free-defer-bench.patch,
# applied on top of the series) under QEMU on ppc64-hash and ppc64-radix,
# for three designs of the powerpc implementation:
#
#   series  the series as it is (refcount offset; whoever drops the last
#           plain reference queues the page, once)
#   v2      bench/kunit/ppc-v2-variant.patch on top: the series' previous
#           protocol (the first deferral queues, the callback requeues)
#   flag    bench/kunit/ppc-flag-variant.patch on top: PG_active marks the
#           page, the last reference queues it
#
# For each design, MMU and pattern of a page's life (a burst of k
# deferrals from four CPUs, k deferrals spread out with grace periods
# between them, plain frees and deferrals mixed at random): call_rcu() per
# page over its life (mean, min, max), the most outstanding at once, the
# time from the page's last reference to its free (and in grace periods),
# and for bursts and mixed lives ns per deferring call and per page next
# to pte_free(), with the quartiles of the ratio over the timed rounds.
# Results: build/results/bench-kernel.json and a table (written by
# scripts/bench-report.py kernel); logs in build/logs/bench-*.  The tree is
# a clone of build/linux in build/bench/linux, its builds in
# build/bench/kunit/<target>: the same layout as build/linux and
# build/kunit/<target>, so ccache hits.
#
# Environment:
#   BENCH_SMOKE=1        variant series only, k up to 16, into
#                        bench-kernel-smoke.json; under 3 minutes warm
#   BENCH_MUTANT=NAME    variant series with mutants/NAME.patch on top
#                        (as the smoke does; into bench-kernel-NAME.json),
#                        to show that the bench catches a broken variant
#   BENCH_REPS=N         lives of a page per burst size and mixed (default 20)
#   BENCH_SPREAD_REPS=N  lives of a page per spread (default 4)
#   BENCH_ROUNDS=N       timed rounds per burst size and mixed (default 50,
#                        smoke 20)
#   BENCH_DEBUG_OBJECTS=0|1  DEBUG_OBJECTS_RCU_HEAD at run time (it is
#                        built in; 0 boots with no_debug_objects).  With it,
#                        a second call_rcu() on a queued rcu_head is caught
#                        and leaked instead of corrupting RCU's lists, but
#                        every call_rcu() costs more.  Default: 1 for the
#                        smoke and mutant runs, 0 for the full run, whose
#                        variants are meant to be correct and whose
#                        timings should not be dominated by the debug code.
#   TARGETS="..."        limit the targets (default ppc64-hash ppc64-radix)
#
# Exit status non-zero, with one line saying why, if a run fails, a page
# of the series (or of a mutant) gets other than exactly one call_rcu() in
# any pattern, a page of any design has more than 1 outstanding or is not
# released, or the series' deferral costs more than the flag design's
# beyond the spread of both (the 25th percentile of its ratio above the
# flag design's 75th).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

bench_patch="${ROOT}/bench/kunit/pte-free-defer-bench.patch"
flag_patch="${ROOT}/bench/kunit/ppc-flag-variant.patch"
v2_patch="${ROOT}/bench/kunit/ppc-v2-variant.patch"
kunitconfig="${ROOT}/bench/kunit/bench.kunitconfig"
targets="${TARGETS:-ppc64-hash ppc64-radix}"
smoke="${BENCH_SMOKE:-0}"
mutant="${BENCH_MUTANT:-}"
reps="${BENCH_REPS:-20}"
spread_reps="${BENCH_SPREAD_REPS:-4}"

if [ -n "${mutant}" ]; then
	[ -f "${ROOT}/mutants/${mutant}.patch" ] || die "no mutants/${mutant}.patch"
	variants=("${mutant}")
	out="${RESULTS}/bench-kernel-${mutant}.json"
	max_k=16
	rounds=20
	debug_objects=1
elif [ "${smoke}" = 1 ]; then
	variants=(series)
	out="${RESULTS}/bench-kernel-smoke.json"
	max_k=16
	rounds=20
	debug_objects=1
else
	variants=(series v2 flag)
	out="${RESULTS}/bench-kernel.json"
	max_k=256
	rounds=50
	debug_objects=0
fi
rounds="${BENCH_ROUNDS:-${rounds}}"
debug_objects="${BENCH_DEBUG_OBJECTS:-${debug_objects}}"
extra_args=""
[ "${debug_objects}" = 1 ] || extra_args=" no_debug_objects"

run_script make-tree.sh
head=$(git -C "${TREE}" rev-parse HEAD)
src="${BUILD}/bench/linux"
clone_tree_at "${src}" "${head}"

lines="${out%.json}.lines"
runs="${out%.json}.runs"
problems="${out%.json}.problems"
: >"${lines}"
: >"${runs}"
start_all=$(date +%s)

for variant in "${variants[@]}"; do
	# Back to the series, nothing else: git apply refuses to create the
	# bench file if an earlier variant left it behind.
	git -C "${src}" checkout -q -f --detach "${head}"
	git -C "${src}" clean -q -f -d -x
	patches=("${bench_patch}")
	case "${variant}" in
	series) ;;
	flag) patches+=("${flag_patch}") ;;
	v2) patches+=("${v2_patch}") ;;
	*) patches+=("${ROOT}/mutants/${variant}.patch") ;;
	esac
	for p in "${patches[@]}"; do
		git -C "${src}" apply "${p}" || die "bench: ${p#"${ROOT}"/} does not apply onto the series"
	done
	for target in ${targets}; do
		tag="bench-${variant}"
		klog="${LOGS}/${tag}-${target}-kernel.log"
		# kunit-run.sh copies the build's test.log: never a stale one.
		rm -f "${BUILD}"/bench/kunit/*/test.log "${klog}"
		say "bench: variant ${variant} on ${target}"
		t0=$(date +%s)
		status=PASS
		# The series and the mutants are held to one call_rcu() a page;
		# the other designs are measured, not held to it.
		max_calls=1
		case "${variant}" in v2 | flag) max_calls=0 ;; esac
		p=pte_free_defer_bench
		KUNIT_TREE="${src}" KUNIT_TAG="${tag}" KUNIT_BUILD="${BUILD}/bench/kunit" \
			KUNIT_CONFIG="${kunitconfig}" TARGETS="${target}" \
			KUNIT_KERNEL_ARGS="${p}.variant=${variant} ${p}.max_k=${max_k} ${p}.reps=${reps} ${p}.spread_reps=${spread_reps} ${p}.timing_rounds=${rounds} ${p}.max_calls=${max_calls}${extra_args}" \
			run_script kunit-run.sh || status=FAIL
		detail=$(cut -f3 "${RESULTS}/${tag}.tsv" 2>/dev/null | head -n 1)
		printf '%s\t%s\t%s\t%s\t%s\n' "${variant}" "${target}" "${status}" \
			"$(($(date +%s) - t0))" "${detail:-no result}" >>"${runs}"
		if [ -f "${klog}" ]; then
			grep -o '# bench: .*' "${klog}" | tr -d '\r' |
				sed "s/^/${variant}\t${target}\t/" >>"${lines}" || true
		fi
	done
done
git -C "${src}" checkout -q -f --detach "${head}"
git -C "${src}" clean -q -f -d -x

# JSON, table, and the verdict.
mode=full
[ "${smoke}" = 1 ] && mode=smoke
[ -n "${mutant}" ] && mode=mutant
python3 "${ROOT}/scripts/bench-report.py" kernel "${lines}" "${runs}" "${out}" \
	"${problems}" mode="${mode}" max_k="${max_k}" seconds="$(($(date +%s) - start_all))" \
	debug_objects="${debug_objects}" head="${head}" reps="${reps}" \
	spread_reps="${spread_reps}" rounds="${rounds}"
say "bench: results in ${out#"${ROOT}"/}, logs in ${LOGS#"${ROOT}"/}/bench-*"
if [ -s "${problems}" ]; then
	tail -n +2 "${problems}" | sed 's/^/  also: /' >&2
	die "bench (${mode}): $(head -n 1 "${problems}")"
fi
say "bench (${mode}): the series' pages one call_rcu() each in every pattern, 1 outstanding at most"
