#!/bin/bash
# Run test stages in order, keep going after a failure, and print one
# table of what ran, passed, failed and skipped.  Exit status is non-zero
# if anything failed.  Ctrl-C or a TERM stops the whole run: the running
# stage ends with everything it started, and one line says where it was.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

declare -A stage_script=(
	[check]=check-series.sh
	[kunit]=kunit-run.sh
	[kunit-base]=kunit-base.sh
	[kunit-repeat]=kunit-repeat.sh
	[mutants]=mutants.sh
	[mutants-boot]=mutants.sh
	[model]=model-check.sh
	[baseline]=baseline.sh
	[boot]=main-job.sh
	[bench]=bench.sh
	[bench-smoke]=bench-smoke.sh
)
# A stage runs on the base BASE names, or on another with STAGE@BASE
# (kunit@6.12); its results go to that base's results directory.
for stage in "$@"; do
	[ -n "${stage_script[${stage%@*}]:-}" ] || die "unknown stage '${stage%@*}'"
	[ "${stage}" = "${stage%@*}" ] || [ -f "${ROOT}/bases/${stage#*@}.conf" ] ||
		die "stage '${stage}': no base ${stage#*@} in bases/"
done

# GiB each stage takes in a fresh clone: what df lost over the stage (its
# build directories and what it added to the cache) in a warm make test,
# the larger of the two bases, plus a quarter for a cold cache, rounded up
# (README, "Requirements").  kunit-repeat, mutants-boot and bench: not
# measured, estimates.  STAGE@BASE may have an entry of its own.
declare -A stage_gib=(
	[check]=4 [kunit]=4 [kunit-base]=3 [kunit-repeat]=1 [mutants]=3 [mutants-boot]=3 [model]=1
	[baseline]=3 [boot]=3 [bench]=5 [bench-smoke]=2
)
# boot: as baseline (a pseries kernel and the guest); it was 1 while
# make test ran baseline first, which left the guest built.

# What is running, for the line on Ctrl-C: a description, its start, the
# stages after it.
doing="" doing_since=0 not_run=""

# newest_log SINCE: the log written last since SINCE (epoch seconds).
# shellcheck disable=SC2317 # called from on_signal
newest_log() {
	find "${LOGS}" -maxdepth 1 -type f -newermt "@$(($1 - 1))" -printf '%T@ %p\n' 2>/dev/null |
		sort -n | tail -n 1 | cut -d' ' -f2-
}

# Called by lib.sh's trap: end the stage first, then say what it was doing.
# shellcheck disable=SC2317 # called from lib.sh's trap
on_signal() {
	local log took
	[ -n "${doing}" ] || return 0
	log=$(newest_log "${doing_since}")
	took=$(elapsed "${doing_since}")
	kill_groups
	printf 'INTERRUPTED (SIG%s): %s, after %s; everything it started has ended%s; latest log: %s\n' \
		"$1" "${doing}" "${took}" "${not_run:+; not run: ${not_run}}" "${log:-${LOGS}/}" >&2
}

# Every package of every stage first, so that a missing one fails now and
# not hours into the run (each script still asks for its own).
mapfile -t pkgs < <(stage_pkgs "$@")
say "=== packages: ${#pkgs[@]} for $* ==="
doing="installing packages" doing_since=$(date +%s) not_run="$*"
need_pkgs "${pkgs[@]}"

# free_mib: MiB free on the filesystem of the clone.
free_mib() {
	df -Pk "${ROOT}" | awk 'NR == 2 { print int($4 / 1024) }'
}

# A full disk fails a build an hour in, in a compiler's words: check now.
# A stage that ran before in this clone keeps its build directories.
need=0
for stage in "$@"; do
	base="${BASE}"
	[ "${stage}" = "${stage%@*}" ] || base="${stage#*@}"
	[ -f "$(base_dir "${base}")/results/${stage%@*}.seconds" ] ||
		need=$((need + ${stage_gib[${stage}]:-${stage_gib[${stage%@*}]}}))
done
free=$(free_mib)
if [ "${free}" -lt $((need * 1024)) ]; then
	die "not enough disk: $((free / 1024)) GiB free on $(df -P "${ROOT}" | awk 'NR == 2 { print $6 }'), and the stages ($*) need about ${need} GiB more in this clone (README, Requirements); nothing was run"
fi

rc=0
stages=("$@")
for i in "${!stages[@]}"; do
	stage="${stages[${i}]}"
	name="${stage%@*}" base="${BASE}"
	[ "${stage}" = "${name}" ] || base="${stage#*@}"
	script="${stage_script[${name}]}"
	results=$(base_dir "${base}")/results
	mkdir -p "${results}"
	rm -f "${results}/${name}.tsv"
	start=$(date +%s) free_before=$(free_mib)
	say "=== ${stage} ==="
	doing="stage ${stage} (scripts/${script})" doing_since="${start}"
	not_run="${stages[*]:$((i + 1))}"
	# Its own group, and room to end its own groups before the KILL.
	GROUP_GRACE=90 BASE="${base}" STAGE="${name}" start_group "${ROOT}/scripts/${script}"
	if ! wait_group "${GROUP_PID}"; then
		rc=1
		if [ ! -s "${results}/${name}.tsv" ]; then
			record "${results}/${name}.tsv" "${name}" FAIL "stage failed before reporting; see $(base_dir "${base}")/logs"
		fi
		free=$(free_mib)
		if [ "${free}" -lt 1024 ]; then
			record "${results}/${name}.tsv" "disk" FAIL "only ${free} MiB left free on the disk: it filled during ${stage}"
		fi
	fi
	echo "$(($(date +%s) - start))" >"${results}/${name}.seconds"
	echo "$((free_before - $(free_mib)))" >"${results}/${name}.disk-mib"
done
doing=""
"${ROOT}/scripts/summary.sh" "$@" || rc=1
exit "${rc}"
