#!/bin/bash
# make kunit: run the pte_free_defer KUnit suite (mm/.kunitconfig of the
# patched tree) with kunit.py under QEMU for every target in
# configs/kunit/targets.conf.  Pass/fail/skip counts come from kunit.py's
# JSON, never from its exit status alone; the raw kernel log is scanned for
# warnings, and a panic or a timeout is named as such.
#
# Environment: TARGETS="x86_64 s390x" limits the targets (default: the
# base's BASE_KUNIT_TARGETS, bases/*.conf); KUNIT_TREE picks
# another source tree (make mutants uses it); KUNIT_TAG names the results.
# KUNIT_CONFIG replaces mm/.kunitconfig (a path, relative to the tree or
# absolute) and KUNIT_KERNEL_ARGS adds kernel parameters, separated by
# spaces (scripts/bench-kernel.sh uses both).  KUNIT_XFAIL names a file of
# the failures expected of a target (scripts/kunit-base.sh): a target
# failing exactly those is an XFAIL row with their reasons.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

src="${KUNIT_TREE:-${TREE}}"
tag="${KUNIT_TAG:-kunit}"
res="${RESULTS}/${tag}.tsv"
: >"${res}"
need_pkgs "${KUNIT_PKGS[@]}"
builds="${KUNIT_BUILD:-${BUILD}/${tag}}"
if [ -z "${KUNIT_TREE:-}" ]; then
	run_script make-tree.sh
	# The check's tree and build directories, if they hold the same.
	shared=$(shared_tree)
	if [ -n "${shared}" ] && [ -z "${KUNIT_BUILD:-}" ]; then
		src="${shared}" builds="${BUILD}/check/kunit"
		say "${tag}: building in make check's ${src} (the same commit as ${TREE})"
	fi
fi
[ -f "${src}/mm/pte_free_defer_kunit.c" ] || die "${src} has no mm/pte_free_defer_kunit.c: is the KUnit patch in ${BASE_SERIES}/?"

fails=0
while read -r name arch cross frag qemu qargs; do
	case "${name}" in '#'* | '') continue ;; esac
	# TARGETS, or the base's own list (bases/*.conf).
	in_list "${name}" "${TARGETS:-${BASE_KUNIT_TARGETS}}" || continue
	bdir="${builds}/${frag}-${arch}"
	mkdir -p "$(dirname "${bdir}")"
	json="${RESULTS}/${tag}-${name}.json"
	log="${LOGS}/${tag}-${name}.log"
	klog="${LOGS}/${tag}-${name}-kernel.log"
	# kunit.py writes test.log into the build dir: never read an old one.
	rm -f "${json}" "${bdir}/test.log" "${klog}"
	mapfile -t common < <(kunit_common_args "${src}" "${bdir}" "${arch}" "${cross}" "${frag}" "${qemu}" \
		"${KUNIT_CONFIG:-mm/.kunitconfig}")
	args=(run "${common[@]}" --jobs="${JOBS}" --timeout=900 --json="${json}")
	read -r -a kargs <<<"${KUNIT_KERNEL_ARGS:-}"
	for karg in "${kargs[@]}"; do
		args+=(--kernel_args="${karg}")
	done
	[ -n "${qargs}" ] && args+=(--qemu_args="${qargs}")
	start=$(date +%s)
	say "${tag}: ${name}: building and running (log: ${log})"
	status=0
	# kunit.py, its make and its QEMU in a group of their own, ended with
	# this script.
	start_group env -C "${src}" timeout --kill-after=60 3000 \
		python3 tools/testing/kunit/kunit.py "${args[@]}" >"${log}" 2>&1
	kpid="${GROUP_PID}"
	# kunit.py writes the results, then waits for QEMU to exit.  A QEMU that
	# hangs on its way out (s390x under TCG did once: deadlocked, deaf to
	# SIGTERM) is ended, with kunit.py, 20 s after the results are in: a
	# kernel that powers off does so within a few seconds; the kernel of
	# the s390-release-at-once mutant did not, and waited out the whole
	# minute this was before (make test, 2026-12-05).
	while kill -0 "${kpid}" 2>/dev/null; do
		sleep 1
		if [ -s "${json}" ] && [ $(($(date +%s) - $(stat -c %Y "${json}"))) -gt 20 ]; then
			kill_group "${kpid}"
		fi
		# Not bash's "Killed" notice of timeout's KILL: the verdict names it.
	done 2>/dev/null
	wait_group "${kpid}" || status=$?
	[ -f "${bdir}/test.log" ] && cp "${bdir}/test.log" "${klog}"
	secs=$(($(date +%s) - start))

	verdict=""
	if [ ! -s "${json}" ]; then
		if grep -q 'Build failed\|build failed\|Error\b' "${log}" && [ ! -f "${bdir}/test.log" ]; then
			verdict="kernel build or configuration failed"
		else
			verdict="no results (kunit.py exit ${status})"
		fi
	fi
	counts=$(python3 "${ROOT}/scripts/kunit-json.py" counts "${json}" 2>/dev/null || echo "0 0 0")
	read -r npass nfail nskip <<<"${counts}"
	bad=""
	if [ -f "${klog}" ]; then
		bad=$(grep -E -m1 "${KLOG_BAD_RE}" "${klog}" || true)
	fi
	# A HIGHPTE configuration is only tested if its tables were in highmem.
	if [ -z "${bad}" ] && grep -qx 'CONFIG_HIGHPTE=y' "${ROOT}/configs/kunit/${frag}.config" &&
		! grep -q 'pte_free_defer_test: .* in highmem' "${klog}" 2>/dev/null; then
		bad="page tables not in highmem, though the configuration asks for HIGHPTE"
	fi
	# 137: the KILL that --kill-after sent after the TERM at the timeout.
	if [ "${status}" -eq 124 ] || { [ "${status}" -eq 137 ] && [ "${secs}" -ge 3000 ]; }; then
		verdict="timed out after 3000s"
	elif [ -z "${verdict}" ] && [ "${npass}" -eq 0 ]; then
		verdict="no test passed"
	fi
	detail="${npass} passed, ${nfail} failed, ${nskip} skipped, ${secs}s"
	# Failures a base is known for (KUNIT_XFAIL): exactly those, or FAIL.
	xverdict=""
	if [ -n "${KUNIT_XFAIL:-}" ] && [ -z "${verdict}" ]; then
		xverdict=$(python3 "${ROOT}/scripts/kunit-json.py" xfail "${json}" "${KUNIT_XFAIL}" "${name}")
	fi
	if [ -z "${bad}" ] && [ "${xverdict%%$'\t'*}" = XFAIL ]; then
		record "${res}" "kunit ${name}" XFAIL "${detail}; expected: ${xverdict#*$'\t'}"
		say "${tag}: ${name}: ${detail}, failing only as expected"
	elif [ "${xverdict%%$'\t'*}" = FAIL ]; then
		detail="${xverdict#*$'\t'}; ${detail}"
		[ -n "${bad}" ] && detail="${detail}; kernel log: ${bad}"
		record "${res}" "kunit ${name}" FAIL "${detail} (log: ${klog})"
		say "${tag}: ${name}: FAILED: ${detail} (log: ${klog})"
		fails=$((fails + 1))
	elif [ -n "${verdict}" ] || [ "${nfail}" -gt 0 ] || [ -n "${bad}" ]; then
		[ -n "${bad}" ] && detail="${detail}; kernel log: ${bad}"
		[ -n "${verdict}" ] && detail="${verdict}; ${detail}"
		record "${res}" "kunit ${name}" FAIL "${detail} (log: ${klog})"
		say "${tag}: ${name}: FAILED: ${detail} (log: ${klog})"
		fails=$((fails + 1))
	else
		record "${res}" "kunit ${name}" PASS "${detail}"
		say "${tag}: ${name}: ${detail}"
	fi
done <"${ROOT}/configs/kunit/targets.conf"
[ "${fails}" -eq 0 ]
