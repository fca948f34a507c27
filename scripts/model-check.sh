#!/bin/bash
# make model: check the spin model of the powerpc pte_free_defer() protocol
# (model/pte_free_defer.pml, see model/README.md).
#
# The real protocol must verify (errors: 0, exhaustive search) for every
# size below; each deliberately broken variant must give a counterexample
# that breaks the property the check declares (a variant that verifies
# clean, or is caught for another reason, is a FAILURE: the model would not
# be able to tell it from the real thing).  One pan run per check, one at a time,
# niced; the work dirs are build/model/<check>/, the full spin/pan output
# and counterexample trails are in build/logs/model-<check>.log, and
# build/results/model.tsv gets one line per check.
#
# Environment:
#   MODEL_LARGE=1        also run the largest sizes (4 fragments, 2 readers,
#                        2 sections; 5 fragments, 1 reader, 2 sections)
#   MODEL_ONLY=REGEX     only the checks whose name matches
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
	need_pkgs "${MODEL_PKGS[@]}"
fi
command -v spin >/dev/null 2>&1 || die "spin is not installed"

# name | mode (safety: asserts + end states; ltl: the "noleak" formula) |
# expect (verify | counterexample) | properties the counterexample must break
# (comma-separated, see describe(); "-" for verify) | spin -D flags
checks=(
	# the real protocol: 1 fragment (4K pages: a plain deferral) .. 4
	"real-nf1-r1-s2|safety|verify|-|-DNF=1 -DNR=1 -DNSEC=2"
	"real-nf1-r2-s2|safety|verify|-|-DNF=1 -DNR=2 -DNSEC=2"
	"real-nf2-r1-s1|safety|verify|-|-DNF=2 -DNR=1 -DNSEC=1"
	"real-nf2-r2-s2|safety|verify|-|-DNF=2 -DNR=2 -DNSEC=2"
	"real-nf3-r1-s2|safety|verify|-|-DNF=3 -DNR=1 -DNSEC=2"
	"real-nf3-r2-s1|safety|verify|-|-DNF=3 -DNR=2 -DNSEC=1"
	"real-nf3-r2-s2|safety|verify|-|-DNF=3 -DNR=2 -DNSEC=2"
	"real-nf3-r2-s3|safety|verify|-|-DNF=3 -DNR=2 -DNSEC=3"
	"real-nf4-r1-s2|safety|verify|-|-DNF=4 -DNR=1 -DNSEC=2"
	"real-nf4-r2-s1|safety|verify|-|-DNF=4 -DNR=2 -DNSEC=1"
	# the offset scaled down to the smallest value that works (OFFSET = NF):
	# the same state count as real-nf3-r2-s1
	"real-nf3-r2-s1-offset3|safety|verify|-|-DNF=3 -DNR=2 -DNSEC=1 -DOFFSET=3"
	# liveness as an LTL formula: <> (page freed && destructor ran)
	"real-ltl-nf2-r2-s1|ltl|verify|-|-DNF=2 -DNR=2 -DNSEC=1 -DLTL"
	"real-ltl-nf3-r2-s1|ltl|verify|-|-DNF=3 -DNR=2 -DNSEC=1 -DLTL"
	# broken variants: each must be caught, for the property it declares
	# (1) call_rcu() on every pte_free_defer(), the callback drops the fragment
	"v1-perfrag-nf2|safety|counterexample|P1|-DNF=2 -DNR=1 -DVARIANT=PERFRAG"
	"v1-perfrag-nf3|safety|counterexample|P1|-DNF=3 -DNR=1 -DVARIANT=PERFRAG"
	# (2) a plain free frees at once when P reaches 0 with deferrals pending
	"v2-earlyplain-nf2|safety|counterexample|P3|-DNF=2 -DNR=1 -DVARIANT=EARLYPLAIN"
	"v2-earlyplain-nf3|safety|counterexample|P3|-DNF=3 -DNR=1 -DVARIANT=EARLYPLAIN"
	"v2-earlyplain-nf2-r0|safety|counterexample|P3|-DNF=2 -DNR=0 -DVARIANT=EARLYPLAIN"
	# (3) teardown frees at once when P reaches 0 with deferrals pending
	"v3-tdfree-nf2|safety|counterexample|P3|-DNF=2 -DNR=1 -DVARIANT=TDFREE"
	"v3-tdfree-nf3|safety|counterexample|P3|-DNF=3 -DNR=1 -DVARIANT=TDFREE"
	"v3-tdfree-nf2-r0|safety|counterexample|P3|-DNF=2 -DNR=0 -DVARIANT=TDFREE"
	# (3') teardown left as in 6.1: frees only at count zero
	"v3b-td61-nf2|safety|counterexample|P6|-DNF=2 -DNR=1 -DVARIANT=TD61"
	"v3b-td61-nf3|safety|counterexample|P6|-DNF=3 -DNR=1 -DVARIANT=TD61"
	"v3b-td61-ltl-nf2|ltl|counterexample|P6|-DNF=2 -DNR=1 -DVARIANT=TD61 -DLTL"
	# (4) "no plain reference left" tested as count % PTE_FREE_DEFERRED == 1
	"v4-offbyone-nf1|safety|counterexample|P6|-DNF=1 -DNR=1 -DVARIANT=OFFBYONE"
	"v4-offbyone-nf2|safety|counterexample|P1,P2,P3|-DNF=2 -DNR=1 -DVARIANT=OFFBYONE"
	"v4-offbyone-nf3|safety|counterexample|P1,P2,P3|-DNF=3 -DNR=1 -DVARIANT=OFFBYONE"
	# (5) the callback frees without the destructor
	"v5-nodtor-nf1|safety|counterexample|P4|-DNF=1 -DNR=1 -DVARIANT=NODTOR"
	"v5-nodtor-nf2|safety|counterexample|P4|-DNF=2 -DNR=1 -DVARIANT=NODTOR"
	# model sanity: a callback that does not wait for readers is caught
	"nogp-nf2|safety|counterexample|P3|-DNF=2 -DNR=1 -DVARIANT=NOGP"
	# the offset one below the smallest that works (OFFSET = NF - 1)
	"offset-too-small-nf2|safety|counterexample|P1,P2,P3|-DNF=2 -DNR=1 -DOFFSET=1"
	"offset-too-small-nf3|safety|counterexample|P1,P2,P3|-DNF=3 -DNR=1 -DOFFSET=2"
)
if [ "${MODEL_LARGE:-0}" = 1 ]; then
	checks+=(
		"real-nf4-r2-s2|safety|verify|-|-DNF=4 -DNR=2 -DNSEC=2"
		"real-nf5-r1-s2|safety|verify|-|-DNF=5 -DNR=1 -DNSEC=2"
	)
fi
if [ -n "${MODEL_ONLY:-}" ]; then
	# MODEL_ONLY=REGEX: only the checks whose name matches (for iterating)
	sel=()
	for c in "${checks[@]}"; do
		[[ "${c%%|*}" =~ ${MODEL_ONLY} ]] && sel+=("${c}")
	done
	checks=("${sel[@]}")
fi

# describe ERROR: the property a counterexample breaks, "Pn: what", from the
# first failed assertion of the replayed trail ("assert(...)", spin's text)
# or, for errors that are not assertions, pan's error line.
describe() {
	case "$1" in
	*'acceptance cycle'*) echo "P6: leak, ltl noleak violated (acceptance cycle)" ;;
	*'invalid end state'*) echo "P6: stuck, invalid end state" ;;
	*'(cbq==0)'*) echo "P1: call_rcu() on an rcu_head already queued" ;;
	*'(ncall==0)'*) echo "P1: a second call_rcu() on the page" ;;
	*'(rel==0)&&'*) echo "P2: the counter touched after the release decision or the free" ;;
	*'assert((rel==0))'*) echo "P1: a second release decision (free or call_rcu())" ;;
	*'(hold[r]==0)||'*) echo "P3: page freed under a reader still using its table" ;;
	*'(gpd[ci]==2)'*) echo "P3: page freed before a grace period begun after a deferral ended" ;;
	*'(fin[ci]==0)'*) echo "P3: page freed while a reader inside at a deferral is still inside" ;;
	*'(hold[ci]==0)'*) echo "P3: page freed under a reader holding its table" ;;
	*'(st[ci]!=1)'*) echo "P3: page freed with a live fragment" ;;
	*'(torn||'*) echo "P3: page freed while the mm's cache can hand a fragment out" ;;
	*'((dtorn==0)&&!(freed))'*) echo "P4: destructor run twice or after the free" ;;
	*'(dtorn==1)'*) echo "P4: page freed without the destructor run exactly once" ;;
	*'(!(freed)&&(dtorn==0))'*) echo "P2: call_rcu() on a page already released (destructor run or freed)" ;;
	*'assert(!(freed))'*) echo "P2: page freed twice" ;;
	*'(cnt>0)'*) echo "P5: the BUG_ON in pte_fragment_free() fires" ;;
	*'(c>=0)'*) echo "P5: counter underflow" ;;
	*'(c>='*) echo "P5: the VM_WARN in pte_free_defer() fires" ;;
	*'(cnt==(ndef*'*) echo "P5: counter not D * PTE_FREE_DEFERRED when done" ;;
	*'(ndef==0)'*) echo "P7: not freed at once without deferral / by the one call_rcu() with one" ;;
	*'assert(freed)'* | *'violated freed'*) echo "P6: leak, all done and the page not freed" ;;
	*) echo "$1" ;;
	esac
}

now() {
	date +%s.%N
}

since() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# Compiling pan.c takes most of a small check: through ccache (compile and
# link apart, as ccache caches only the first), a run after the first
# compiles nothing spin generated the same way.
cc=(gcc)
command -v ccache >/dev/null && cc=(ccache gcc)

fails=0
total=${#checks[@]}
i=0
run_start="$(now)"
for c in "${checks[@]}"; do
	i=$((i + 1))
	IFS='|' read -r name mode expect props flags <<<"${c}"
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
		echo "### ${cc[*]} ${cflags[*]} -c pan.c; gcc -o pan pan.o; nice -n ${nice_level} ./pan ${pflags[*]}"
	} >"${log}"
	ran=1
	# pan (minutes, gigabytes) in a group of its own, ended with the script.
	{
		(cd "${dir}" && spin -a "${defs[@]}" "${model_name}" &&
			"${cc[@]}" "${cflags[@]}" -c pan.c && gcc -o pan pan.o) &&
			run_group env -C "${dir}" nice -n "${nice_level}" ./pan "${pflags[@]}"
	} >>"${log}" 2>&1 || ran=0
	secs="$(since "${start}")"

	errors="$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "${log}" | tail -n 1)"
	states="$(awk '/states, stored/ { print $1; exit }' "${log}")"
	pantime="$(awk '/pan: elapsed time/ { print $4; exit }' "${log}")"
	complete=1
	grep -q 'Full statespace search' "${log}" || complete=0
	if grep -Eqi 'search not completed|max search depth too small|reached -DMEMLIM|out of memory' "${log}"; then
		complete=0
	fi

	# replay the counterexample, if any: its first failed assertion says
	# which property broke
	trail="${dir}/${model_name}.trail"
	replay="${dir}/replay.txt"
	: >"${replay}"
	if [ -f "${trail}" ]; then
		(cd "${dir}" && spin -t -p -g -l "${defs[@]}" "${model_name}") >"${replay}" 2>&1 || true
		{
			echo
			echo "### counterexample: spin -t -p -g -l ${flags} ${model_name}"
			cat "${replay}"
		} >>"${log}"
	fi
	err="$(sed -n 's/^spin: text of failed assertion: //p' "${replay}" | head -n 1)"
	panerr="$(grep -E '^pan:[0-9]+: ' "${log}" | tail -n 1 || true)"
	[ -n "${err}" ] || err="${panerr}"
	depth="$(sed -n 's/.*(at depth \([0-9]*\)).*/\1/p' <<<"${panerr}")"

	status=FAIL
	if [ "${expect}" = verify ]; then
		if [ "${ran}" = 1 ] && [ "${errors}" = 0 ] && [ "${complete}" = 1 ]; then
			status=PASS
			detail="verified: errors: 0, ${states} states, pan ${pantime}s, exhaustive"
		elif [ -n "${errors}" ] && [ "${errors}" != 0 ]; then
			detail="COUNTEREXAMPLE in the real protocol: $(describe "${err}")"
		elif [ "${complete}" = 0 ] && [ -n "${errors}" ]; then
			detail="search not exhaustive (depth/memory), see log"
		else
			detail="spin/gcc/pan failed, see log"
		fi
	else
		if [ -n "${errors}" ] && [ "${errors}" != 0 ] && [ -f "${trail}" ]; then
			what="$(describe "${err}")"
			if [[ ",${props}," == *",${what%%:*},"* ]]; then
				status=PASS
				detail="caught: ${what}${depth:+, trail depth ${depth}}, ${states} states"
			else
				detail="caught for another reason than ${props}: ${what}"
			fi
		elif [ "${ran}" = 1 ] && [ "${errors}" = 0 ] && [ "${complete}" = 1 ]; then
			detail="NOT CAUGHT: the broken variant verifies clean (${states} states)"
		elif [ "${errors}" = 0 ]; then
			detail="no counterexample, search not exhaustive (depth/memory), see log"
		else
			detail="spin/gcc/pan failed, see log"
		fi
	fi
	record "${res}" "${name}" "${status}" "${detail}"
	[ "${status}" = PASS ] || fails=$((fails + 1))
	say "model: [${i}/${total}] ${name}: ${status} in ${secs}s: ${detail}"
done

say "model: $((total - fails)) of ${total} checks as expected in $(since "${run_start}")s (results: ${res}, logs: ${LOGS}/model-*.log)"
[ "${fails}" -eq 0 ]
