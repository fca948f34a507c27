#!/bin/bash
# make model: check the spin model of the powerpc pte_free_defer() protocol
# (model/pte_free_defer.pml, see model/README.md).
#
# The real protocol must verify (errors: 0, exhaustive search) for every
# size below; each deliberately broken variant must give a counterexample
# (a variant that verifies clean is a FAILURE: the model would not be able
# to tell it from the real thing).  One pan run per check, one at a time,
# niced; the work dirs are build/model/<check>/, the full spin/pan output
# and counterexample trails are in build/logs/model-<check>.log, and
# build/results/model.tsv gets one line per check.
#
# Environment:
#   MODEL_LARGE=1        also run the largest size (4 fragments, 2 readers:
#                        130M states, ~6 min and 7 GB on this machine)
#   MODEL_NICE=N         nice level of the pan runs (default 10)
#   MODEL_MEMLIM_MB=N    pan memory limit per run (default 10240)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

model_src="${ROOT}/model/pte_free_defer.pml"
model_name="$(basename "${model_src}")"
work="${BUILD}/model"
res="${RESULTS}/model.tsv"
nice_level="${MODEL_NICE:-10}"
memlim="${MODEL_MEMLIM_MB:-10240}"

mkdir -p "${work}" "${LOGS}" "${RESULTS}"
: >"${res}"

if ! command -v spin >/dev/null 2>&1 || ! command -v gcc >/dev/null 2>&1; then
	need_pkgs spin gcc
fi
command -v spin >/dev/null 2>&1 || die "spin is not installed"

# name | mode (safety: asserts + end states; ltl: the "noleak" formula) |
# expect (verify | counterexample) | spin -D flags
checks=(
	# the real protocol: 1 fragment (4K pages: a plain deferral) .. 4
	"real-nf1-r1-s2|safety|verify|-DNF=1 -DNR=1 -DNSEC=2"
	"real-nf2-r1-s1|safety|verify|-DNF=2 -DNR=1 -DNSEC=1"
	"real-nf2-r2-s2|safety|verify|-DNF=2 -DNR=2 -DNSEC=2"
	"real-nf3-r1-s2|safety|verify|-DNF=3 -DNR=1 -DNSEC=2"
	"real-nf3-r2-s2|safety|verify|-DNF=3 -DNR=2 -DNSEC=2"
	"real-nf3-r2-s3|safety|verify|-DNF=3 -DNR=2 -DNSEC=3"
	"real-nf4-r1-s2|safety|verify|-DNF=4 -DNR=1 -DNSEC=2"
	# the offset scaled down to the smallest value that works
	"real-nf3-r2-s1-offset4|safety|verify|-DNF=3 -DNR=2 -DNSEC=1 -DOFFSET=4"
	# liveness as an LTL formula: <> (page freed && destructor ran)
	"real-ltl-nf2-r2-s1|ltl|verify|-DNF=2 -DNR=2 -DNSEC=1 -DLTL"
	"real-ltl-nf3-r2-s1|ltl|verify|-DNF=3 -DNR=2 -DNSEC=1 -DLTL"
	# broken variants: each must be caught
	"a-perfrag-nf2|safety|counterexample|-DNF=2 -DNR=1 -DVARIANT=PERFRAG"
	"a-perfrag-nf3|safety|counterexample|-DNF=3 -DNR=1 -DVARIANT=PERFRAG"
	"b-ignorelate-nf2|safety|counterexample|-DNF=2 -DNR=1 -DVARIANT=IGNORELATE"
	"b-ignorelate-nf3|safety|counterexample|-DNF=3 -DNR=1 -DVARIANT=IGNORELATE"
	"b-ignorelate-ltl-nf2|ltl|counterexample|-DNF=2 -DNR=1 -DVARIANT=IGNORELATE -DLTL"
	"b2-droplate-nf2|safety|counterexample|-DNF=2 -DNR=1 -DVARIANT=DROPLATE"
	"b2-droplate-nf3|safety|counterexample|-DNF=3 -DNR=1 -DVARIANT=DROPLATE"
	"c-le-nf2|safety|counterexample|-DNF=2 -DNR=1 -DVARIANT=LE"
	"c-le-nf3|safety|counterexample|-DNF=3 -DNR=1 -DVARIANT=LE"
	"nogp-nf2|safety|counterexample|-DNF=2 -DNR=1 -DVARIANT=NOGP"
	"nodtor-nf2|safety|counterexample|-DNF=2 -DNR=1 -DVARIANT=NODTOR"
	"offset-too-small-nf2|safety|counterexample|-DNF=2 -DNR=1 -DOFFSET=2"
	"offset-too-small-nf3|safety|counterexample|-DNF=3 -DNR=1 -DOFFSET=3"
)
if [ "${MODEL_LARGE:-0}" = 1 ]; then
	checks+=("real-nf4-r2-s1|safety|verify|-DNF=4 -DNR=2 -DNSEC=1")
fi

# describe PAN-ERROR-LINE: which property a counterexample violates.
describe() {
	case "$1" in
	*'acceptance cycle'*) echo "P6 leak: ltl noleak violated (acceptance cycle)" ;;
	*'invalid end state'*) echo "P6 stuck: invalid end state" ;;
	*'(cbq==0)'*) echo "P1 second call_rcu() on a queued rcu_head" ;;
	*'(fin[ci]==0)'*) echo "P3 page freed before a deferral's grace period ended" ;;
	*'(hold[ci]==0)'*) echo "P3 page freed under a reader holding its table" ;;
	*'(st[ci]!=1)'*) echo "P3 page freed with a live fragment" ;;
	*'(torn||'*) echo "P3 page freed while the mm's cache can hand it out" ;;
	*'(dtorn==1)'*) echo "P4 destructor not run exactly once" ;;
	*'(c>0)'* | *'(cnt>0)'* | *'(cnt>=0)'*) echo "P5 counter underflow (a callback without its deferral)" ;;
	*'assertion violated freed'*) echo "P6 leak: all done, page not freed" ;;
	*'(cnt==0)'*) echo "P2 page freed with a non-zero count" ;;
	*'freed'*) echo "P2 page used after its count reached zero" ;;
	*) echo "$1" ;;
	esac
}

now() {
	date +%s.%N
}

since() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

fails=0
total=${#checks[@]}
i=0
run_start="$(now)"
for c in "${checks[@]}"; do
	i=$((i + 1))
	IFS='|' read -r name mode expect flags <<<"${c}"
	read -r -a defs <<<"${flags}"
	dir="${work}/${name}"
	log="${LOGS}/model-${name}.log"
	rm -rf "${dir}"
	mkdir -p "${dir}"
	cp "${model_src}" "${dir}/"

	# COLLAPSE: exhaustive, compresses the stored state vectors.
	cflags=(-O2 -w -DCOLLAPSE "-DMEMLIM=${memlim}")
	pflags=(-m100000)
	if [ "${mode}" = safety ]; then
		cflags+=(-DSAFETY)
	else
		pflags+=(-a)
	fi
	if [ "${expect}" = counterexample ] && [ "${mode}" = safety ]; then
		# report the shortest counterexample (cheap: these runs are small)
		cflags+=(-DREACH)
		pflags+=(-i)
	fi

	say "model: [${i}/${total}] ${name} (${flags}) ..."
	start="$(now)"
	{
		echo "### ${name}: spin -a ${flags} ${model_name}"
		echo "### gcc ${cflags[*]} -o pan pan.c; nice -n ${nice_level} ./pan ${pflags[*]}"
	} >"${log}"
	ran=1
	(
		cd "${dir}" &&
			spin -a "${defs[@]}" "${model_name}" &&
			gcc "${cflags[@]}" -o pan pan.c &&
			nice -n "${nice_level}" ./pan "${pflags[@]}"
	) >>"${log}" 2>&1 || ran=0
	secs="$(since "${start}")"

	errors="$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "${log}" | tail -n 1)"
	states="$(awk '/states, stored/ { print $1; exit }' "${log}")"
	pantime="$(awk '/pan: elapsed time/ { print $4; exit }' "${log}")"
	complete=1
	grep -q 'Full statespace search' "${log}" || complete=0
	if grep -Eqi 'search not completed|max search depth too small|reached -DMEMLIM|out of memory' "${log}"; then
		complete=0
	fi

	status=FAIL
	if [ "${expect}" = verify ]; then
		if [ "${ran}" = 1 ] && [ "${errors}" = 0 ] && [ "${complete}" = 1 ]; then
			status=PASS
			detail="verified: errors: 0, ${states} states, pan ${pantime}s, exhaustive"
		elif [ -n "${errors}" ] && [ "${errors}" != 0 ]; then
			detail="COUNTEREXAMPLE in the real protocol: $(describe "$(grep -E '^pan:[0-9]+: ' "${log}" | tail -n 1)")"
		elif [ "${complete}" = 0 ] && [ -n "${errors}" ]; then
			detail="search not exhaustive (depth/memory), see log"
		else
			detail="spin/gcc/pan failed, see log"
		fi
	else
		trail="${dir}/${model_name}.trail"
		if [ -n "${errors}" ] && [ "${errors}" != 0 ] && [ -f "${trail}" ]; then
			status=PASS
			err="$(grep -E '^pan:[0-9]+: ' "${log}" | tail -n 1)"
			depth="$(sed -n 's/.*(at depth \([0-9]*\)).*/\1/p' <<<"${err}")"
			detail="caught: $(describe "${err}")${depth:+, trail depth ${depth}}"
		elif [ "${ran}" = 1 ] && [ "${errors}" = 0 ] && [ "${complete}" = 1 ]; then
			detail="NOT CAUGHT: the broken variant verifies clean (${states} states)"
		elif [ "${errors}" = 0 ]; then
			detail="no counterexample, search not exhaustive (depth/memory), see log"
		else
			detail="spin/gcc/pan failed, see log"
		fi
	fi
	if [ -f "${dir}/${model_name}.trail" ]; then
		{
			echo
			echo "### counterexample: spin -t -p -g -l ${flags} ${model_name}"
			(cd "${dir}" && spin -t -p -g -l "${defs[@]}" "${model_name}") 2>&1 || true
		} >>"${log}"
	fi
	record "${res}" "${name}" "${status}" "${detail}"
	[ "${status}" = PASS ] || fails=$((fails + 1))
	say "model: [${i}/${total}] ${name}: ${status} in ${secs}s: ${detail}"
done

say "model: $((total - fails)) of ${total} checks as expected in $(since "${run_start}")s (results: ${res}, logs: ${LOGS}/model-*.log)"
[ "${fails}" -eq 0 ]
