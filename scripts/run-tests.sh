#!/bin/bash
# Run test stages in order, keep going after a failure, and print one
# table of what ran, passed, failed and skipped.  Exit status is non-zero
# if anything failed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

declare -A stage_script=(
	[check]=check-series.sh
	[kunit]=kunit-run.sh
	[mutants]=mutants.sh
	[model]=model-check.sh
	[baseline]=baseline.sh
	[boot]=main-job.sh
	[bench]=bench.sh
	[bench-smoke]=bench-smoke.sh
)

rc=0
for stage in "$@"; do
	script="${stage_script[${stage}]:-}"
	[ -n "${script}" ] || die "unknown stage '${stage}'"
	rm -f "${RESULTS}/${stage}.tsv"
	start=$(date +%s)
	say "=== ${stage} ==="
	if ! "${ROOT}/scripts/${script}"; then
		rc=1
		if [ ! -s "${RESULTS}/${stage}.tsv" ]; then
			record "${RESULTS}/${stage}.tsv" "${stage}" FAIL "stage failed before reporting; see ${LOGS}"
		fi
	fi
	echo "$(($(date +%s) - start))" >"${RESULTS}/${stage}.seconds"
done
"${ROOT}/scripts/summary.sh" "$@" || rc=1
exit "${rc}"
