#!/bin/bash
# make mutants: apply each deliberately broken variant in mutants/ on top
# of the series, one at a time, test it, and check that it was caught for
# the reason its header declares:
#
#   targets: ppc64-hash          KUnit targets (configs/kunit/targets.conf),
#                                or MMUs for a boot mutant (radix, hash)
#   stage: boot                  boot the pseries kernel instead of KUnit
#   fails: CASE                  this KUnit case, or "CASE: PARAMETER", fails
#                                on every target (boot: this boot test fails)
#   passes: CASE                 this KUnit case passes on every target (for
#                                a perturbation: a correct kernel under a
#                                disturbance the suite must not fail for)
#   log: REGEX                   the kernel log of every target matches
#   boots: N                     boot mutants: boots per MMU (MUTANT_BOOTS
#                                overrides); every boot must catch it
#
# A boot mutant is applied on top of mutants/detector/*.patch, which
# widen a lockless walker's window and check its table; before the first
# boot mutant the detector alone is booted on the series, on every MMU a
# boot mutant names, and must pass every boot test (the control row): a
# detector that fails a correct kernel would catch anything.
#
# A mutant counts as caught only when everything it declares happened.  A
# mutant that does not apply or build, a kernel that did not boot or
# finish, and a mutant that declares nothing fail the stage as such.
# MUTANTS="name ..." limits the variants.
#
# Two stages run this script (run-tests.sh passes STAGE): "mutants" tests
# the KUnit mutants, then checks itself on mutants/selfcheck/: each there
# must be rejected for the reason its "selfcheck:" line names (a mutant
# that does not build, a declaration that is wrong; run when MUTANTS is
# unset or names them).  "mutants-boot" boots the boot mutants, after
# their control: about six minutes, the control's full stress test most
# of them, which make test has no room for (README, "Mutants"), so make
# mutants runs both stages and make test the first, where each boot mutant
# gets a SKIP row saying so.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

STAGE="${STAGE:-mutants}"
case "${STAGE}" in mutants | mutants-boot) ;; *) die "mutants.sh: unknown STAGE '${STAGE}'" ;; esac
res="${RESULTS}/${STAGE}.tsv"
: >"${res}"
run_script make-tree.sh
head=$(git -C "${TREE}" rev-parse HEAD)
# Builds in build/mutants/kunit/<target> and build/mutants/main/ppc64le,
# laid out like build/kunit/<target> and build/main/ppc64le; or in make
# check's tree and build directories, if they hold the same (the tree is
# reset to the series after each mutant, and kbuild rebuilds what a mutant
# changed when the next stage builds there).
src="${BUILD}/mutants/linux"
kbuilds="${BUILD}/mutants/kunit" bobj="${BUILD}/mutants/main/ppc64le"
shared=$(shared_tree)
if [ -n "${shared}" ]; then
	src="${shared}" kbuilds="${BUILD}/check/kunit" bobj="${BUILD}/check/main/ppc64le"
	head=$(git -C "${src}" rev-parse HEAD)
	say "mutants: building in make check's ${src} (the same commit as ${TREE})"
else
	clone_tree_at "${src}" "${head}"
fi
mkdir -p "${BUILD}/mutants"

# A boot mutant's kernel, and the control's: debug_pagealloc unmaps a freed
# page, so that a walker reading it faults; the first warning or oops
# panics, ending the boot (QEMU -no-reboot) instead of leaving the stress
# test stuck behind the broken kernel until init's timeout (900 s).
mutant_boot_args="debug_pagealloc=on panic_on_warn=1 oops=panic"

# header MUTANT KEY: the values of KEY: lines of the mutant's header.
header() {
	sed -n "1,/^---\$/s/^$2: *//p" "$1"
}

# case_status JSON CASE [PARAM]: FAIL if CASE (or its parameter PARAM)
# failed, else its status (PASS, SKIP) or MISSING.
case_status() {
	python3 "${ROOT}/scripts/kunit-json.py" status "$@"
}

# kunit_mutant NAME PATCH TARGETS: test the applied mutant with KUnit and
# print "caught|untested|uncaught<TAB>why".
kunit_mutant() {
	local name="$1" m="$2" targets="$3" t json klog tsv st re c missed="" tested=""
	KUNIT_TREE="${src}" KUNIT_TAG="mutant-${name}" KUNIT_BUILD="${kbuilds}" \
		TARGETS="${targets}" run_script kunit-run.sh >&2 || true
	tsv="${RESULTS}/mutant-${name}.tsv"
	for t in ${targets}; do
		json="${RESULTS}/mutant-${name}-${t}.json"
		klog="${LOGS}/mutant-${name}-${t}-kernel.log"
		row=$(grep -m1 "^kunit ${t}"$'\t' "${tsv}" 2>/dev/null | cut -f3 || true)
		if [ ! -s "${json}" ] || grep -q -E '^(kernel build or configuration failed|no results|timed out)' <<<"${row}"; then
			printf 'untested\t%s: %s\n' "${t}" "${row:-no result from kunit-run.sh}"
			return
		fi
		tested="${tested}, ${t}"
		while IFS= read -r c; do
			[ -n "${c}" ] || continue
			if [[ "${c}" == *': '* ]]; then
				st=$(case_status "${json}" "${c%%: *}" "${c#*: }")
			else
				st=$(case_status "${json}" "${c}")
			fi
			[ "${st}" = FAIL ] || missed="${missed}; ${t}: ${c} ${st}"
		done < <(header "${m}" fails)
		while IFS= read -r c; do
			[ -n "${c}" ] || continue
			st=$(case_status "${json}" "${c}")
			[ "${st}" = PASS ] || missed="${missed}; ${t}: ${c} ${st}, declared to pass"
		done < <(header "${m}" passes)
		while IFS= read -r re; do
			[ -n "${re}" ] || continue
			grep -q -E -- "${re}" "${klog}" 2>/dev/null || missed="${missed}; ${t}: no '${re}' in the kernel log"
		done < <(header "${m}" log)
	done
	if [ -n "${missed}" ]; then
		printf 'uncaught\tnot caught as declared%s\n' "${missed}"
	else
		printf 'caught\ton %s: %d case(s) failed, %d passed and %d log line(s) matched as declared\n' \
			"${tested#, }" "$(header "${m}" fails | grep -c . || true)" \
			"$(header "${m}" passes | grep -c . || true)" "$(header "${m}" log | grep -c . || true)"
	fi
}

# boot_mutant NAME PATCH MMUS: build the mutant's pseries kernel, boot it
# with the stress test (guest/mutant-tests, mutant_boot_args) BOOTS times
# per MMU and print "caught|untested|uncaught<TAB>why".
boot_mutant() {
	local name="$1" m="$2" mmus="$3" boots obj mmu i n=0 k=0 log tsv c re missed="" ok
	boots="${MUTANT_BOOTS:-$(header "${m}" boots)}"
	boots="${boots:-1}"
	obj="${bobj}"
	# The guest programs come from the series' tree, not the mutant's.
	run_script guest-build.sh >&2 ||
		{ printf 'untested\tthe guest programs did not build\n'; return; }
	if ! run_script boot-kernel.sh "${src}" "${obj}" "mutant-${name}" >&2; then
		printf 'untested\tthe kernel did not build (log: %s)\n' "${LOGS}/mutant-${name}-build.log"
		return
	fi
	for mmu in ${mmus}; do
		for i in $(seq 1 "${boots}"); do
			n=$((n + 1))
			MMUS="${mmu}" INITRAMFS=mutant.cpio BOOT_ARGS="${mutant_boot_args}" \
				run_script boot-tests.sh "mutant-${name}-${i}" "${obj}/vmlinux" >&2 || true
			log="${LOGS}/boot-mutant-${name}-${i}-${mmu}.log.txt"
			tsv="${RESULTS}/boot-mutant-${name}-${i}-${mmu}.tsv"
			if ! grep -a -q '^1\.\.[0-9]' "${log}" 2>/dev/null; then
				printf 'untested\t%s boot %d: the guest did not start its tests (log: %s)\n' "${mmu}" "${i}" "${log}"
				return
			fi
			if grep -q $'^power-off\tFAIL\t.*still running' "${tsv}"; then
				printf 'untested\t%s boot %d: timed out (log: %s)\n' "${mmu}" "${i}" "${log}"
				return
			fi
			ok=1
			while IFS= read -r c; do
				[ -n "${c}" ] || continue
				grep -q "^${c}"$'\tFAIL\t' "${tsv}" || { ok=0; missed="${missed}; ${mmu} boot ${i}: ${c} did not fail"; }
			done < <(header "${m}" fails)
			while IFS= read -r re; do
				[ -n "${re}" ] || continue
				grep -a -q -E -- "${re}" "${log}" || { ok=0; missed="${missed}; ${mmu} boot ${i}: no '${re}'"; }
			done < <(header "${m}" log)
			k=$((k + ok))
		done
	done
	if [ "${k}" -lt "${n}" ]; then
		printf 'uncaught\tcaught in %d of %d boots%s\n' "${k}" "${n}" "${missed}"
	else
		printf 'caught\tcaught in %d of %d boots (%s)\n' "${k}" "${n}" "${mmus% }"
	fi
}

# apply_detectors: the boot mutants' detectors, onto the tree at the series.
apply_detectors() {
	local d
	for d in "${ROOT}"/mutants/detector/*.patch; do
		git -C "${src}" apply "${d}" 2>"${LOGS}/mutant-detector-apply.log" || return 1
	done
}

# boot_control MMUS: the series with the detectors, booted as a boot
# mutant is; record the control row; status 1 unless every boot test
# passed on every MMU.
boot_control() {
	local mmu tsv bad="" obj="${bobj}"
	git -C "${src}" reset -q --hard "${head}"
	if ! apply_detectors; then
		record "${res}" "boot mutants' control" FAIL "the detector does not apply (log: ${LOGS}/mutant-detector-apply.log)"
		return 1
	fi
	say "mutants: the control, the series with the detector, on ${1}" >&2
	if ! run_script guest-build.sh >&2 || ! run_script boot-kernel.sh "${src}" "${obj}" mutant-control >&2; then
		record "${res}" "boot mutants' control" FAIL "the guest or the kernel did not build (logs: ${LOGS}/)"
		return 1
	fi
	for mmu in $1; do
		MMUS="${mmu}" INITRAMFS=mutant.cpio BOOT_ARGS="${mutant_boot_args}" \
			run_script boot-tests.sh mutant-control "${obj}/vmlinux" >&2 || true
		tsv="${RESULTS}/boot-mutant-control-${mmu}.tsv"
		if [ ! -s "${tsv}" ]; then
			bad="${bad}; ${mmu}: no results"
		elif grep -q -v -e $'\tPASS\t' -e $'\tPASS$' "${tsv}"; then
			bad="${bad}; ${mmu}: $(grep -v $'\tPASS' "${tsv}" | cut -f1,3 | tr '\t\n' ': ' | cut -c1-200)"
		fi
	done
	if [ -n "${bad}" ]; then
		record "${res}" "boot mutants' control" FAIL "the series with the detector fails${bad} (logs: ${LOGS}/boot-mutant-control-*.log)"
		return 1
	fi
	record "${res}" "boot mutants' control" PASS "the series with the detector passed every boot test on ${1}"
}

# test_mutant PATCH: apply PATCH to the series and test it; print
# "caught|untested|uncaught|broken<TAB>why".
test_mutant() {
	local m="$1" name targets
	name=$(basename "${m}" .patch)
	targets=$(header "${m}" targets | tr '\n' ' ')
	if [ -z "$(header "${m}" fails)$(header "${m}" passes)$(header "${m}" log)" ]; then
		printf 'broken\tdeclares nothing that must catch it (fails:, passes:, log:)\n'
		return
	fi
	if [ -z "${targets// /}" ]; then
		printf 'broken\tnames no targets\n'
		return
	fi
	git -C "${src}" reset -q --hard "${head}"
	if [ "$(header "${m}" stage)" = boot ] && ! apply_detectors; then
		printf 'untested\tthe detector does not apply onto the series (log: %s)\n' "${LOGS}/mutant-detector-apply.log"
		return
	fi
	if ! git -C "${src}" apply "${m}" 2>"${LOGS}/mutant-${name}-apply.log"; then
		printf 'broken\tdoes not apply onto the series (log: %s)\n' "${LOGS}/mutant-${name}-apply.log"
		return
	fi
	say "mutants: ${name} on ${targets% }" >&2
	if [ "$(header "${m}" stage)" = boot ]; then
		boot_mutant "${name}" "${m}" "${targets}"
	else
		kunit_mutant "${name}" "${m}" "${targets}"
	fi
}

selected() {
	[ -z "${MUTANTS:-}" ] || in_list "$1" "${MUTANTS}"
}

bad=0
verdict_file=$(mktemp "${BUILD}/mutants/verdict.XXXXXX")
at_exit rm -f "${verdict_file}"
# The MMUs of the boot mutants that will run: the control boots each.
mmus_all=""
for m in "${ROOT}"/mutants/*.patch; do
	name=$(basename "${m}" .patch)
	if selected "${name}" && [ "$(header "${m}" stage)" = boot ] && [ "${STAGE}" = mutants-boot ]; then
		for mmu in $(header "${m}" targets); do
			in_list "${mmu}" "${mmus_all}" || mmus_all="${mmus_all} ${mmu}"
		done
	fi
done
control=untried
for m in "${ROOT}"/mutants/*.patch; do
	name=$(basename "${m}" .patch)
	selected "${name}" || continue
	if [ "$(header "${m}" stage)" = boot ] && [ "${STAGE}" = mutants ]; then
		record "${res}" "mutant ${name}" SKIP "boot mutant: stage mutants-boot, which make mutants runs"
		continue
	fi
	[ "$(header "${m}" stage)" = boot ] || [ "${STAGE}" = mutants ] || continue
	if [ "$(header "${m}" stage)" = boot ]; then
		if [ "${control}" = untried ]; then
			control=failed
			boot_control "${mmus_all# }" && control=passed
		fi
		if [ "${control}" != passed ]; then
			record "${res}" "mutant ${name}" FAIL "not tested: the boot mutants' control failed"
			bad=$((bad + 1))
			continue
		fi
	fi
	# Not in a subshell: its groups must be this script's, ended on a signal.
	test_mutant "${m}" >"${verdict_file}"
	IFS=$'\t' read -r verdict why <"${verdict_file}"
	case "${verdict}" in
	caught) record "${res}" "mutant ${name}" PASS "caught: ${why}" ;;
	uncaught) record "${res}" "mutant ${name}" FAIL "SURVIVED, ${why}" ;;
	untested) record "${res}" "mutant ${name}" FAIL "not tested: ${why}" ;;
	*) record "${res}" "mutant ${name}" FAIL "${why}" ;;
	esac
	[ "${verdict}" = caught ] || bad=$((bad + 1))
	say "mutants: ${name}: ${verdict}: ${why}"
done

# The stage must reject these, each for the reason it names.
for m in "${ROOT}"/mutants/selfcheck/*.patch; do
	name=$(basename "${m}" .patch)
	{ [ "${STAGE}" = mutants ] && selected "${name}"; } || continue
	want=$(header "${m}" selfcheck)
	# Not in a subshell: its groups must be this script's, ended on a signal.
	test_mutant "${m}" >"${verdict_file}"
	IFS=$'\t' read -r verdict why <"${verdict_file}"
	if [ "${verdict}" = caught ]; then
		record "${res}" "selfcheck ${name}" FAIL "counted as caught, but ${want}: ${why}"
		bad=$((bad + 1))
	elif [ "${verdict}" = "${want%%:*}" ]; then
		record "${res}" "selfcheck ${name}" PASS "rejected (${verdict}): ${why}"
	else
		record "${res}" "selfcheck ${name}" FAIL "rejected as ${verdict}, expected ${want}: ${why}"
		bad=$((bad + 1))
	fi
	say "mutants: selfcheck ${name}: ${verdict}: ${why}"
done
git -C "${src}" reset -q --hard "${head}"
if [ ! -s "${res}" ] && [ "${STAGE}" = mutants-boot ]; then
	record "${res}" "boot mutants" SKIP "MUTANTS='${MUTANTS:-}' names none"
fi
[ -s "${res}" ] || die "no mutant matched MUTANTS='${MUTANTS:-}'"
[ "${bad}" -eq 0 ]
