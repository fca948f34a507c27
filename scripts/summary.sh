#!/bin/bash
# Print the results of the given stages (build/results/STAGE.tsv, or
# build/6.12/results/STAGE.tsv for STAGE@6.12) as a
# table; the last line is "N passed, N failed, N skipped".  Exit status 1
# if any row failed or a stage reported nothing.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

pass=0 fail=0 skip=0 xfail=0
# The failed rows again just above the counts: a log cut to its tail (CI
# shows the last lines) still names what failed.
failed=()
printf '\n%-11s %-52s %-5s %s\n' STAGE TEST RESULT DETAIL
for stage in "$@"; do
	# STAGE@BASE: that base's results (see run-tests.sh).
	results="${RESULTS}"
	[ "${stage}" = "${stage%@*}" ] || results=$(base_dir "${stage#*@}")/results
	f="${results}/${stage%@*}.tsv"
	if [ ! -s "${f}" ]; then
		printf '%-11s %-52s %-5s %s\n' "${stage}" "(no result)" FAIL "stage reported nothing"
		failed+=("$(printf '%-11s %-52s %s' "${stage}" "(no result)" "stage reported nothing")")
		fail=$((fail + 1))
		continue
	fi
	while IFS=$'\t' read -r name status detail; do
		case "${status}" in
		PASS) pass=$((pass + 1)) ;;
		SKIP) skip=$((skip + 1)) ;;
		XFAIL) xfail=$((xfail + 1)) ;;
		*)
			fail=$((fail + 1))
			failed+=("$(printf '%-11s %-52s %s' "${stage}" "${name}" "${detail}")")
			;;
		esac
		printf '%-11s %-52s %-5s %s\n' "${stage}" "${name}" "${status}" "${detail}"
	done <"${f}"
	secs=$(cat "${results}/${stage%@*}.seconds" 2>/dev/null || echo "?")
	mib=$(cat "${results}/${stage%@*}.disk-mib" 2>/dev/null || echo "?")
	printf '%-11s %-52s %-5s %s\n' "${stage}" "(stage time)" "" "${secs}s; disk ${mib} MiB"
done
echo
if [ "${fail}" -gt 0 ]; then
	echo "FAILED:"
	printf '  %s\n' "${failed[@]}"
	echo
fi
# XFAIL: a failure of the unpatched base kernel (make baseline), not ours.
if [ "${xfail}" -gt 0 ]; then
	echo "${pass} passed, ${fail} failed, ${skip} skipped, ${xfail} xfail (base kernel)"
else
	echo "${pass} passed, ${fail} failed, ${skip} skipped"
fi
[ "${fail}" -eq 0 ]
