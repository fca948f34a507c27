#!/bin/bash
# time-warm-build.sh [TARGET] [RUNS]: the seconds a warm kernel build takes
# with make -j2, -j3 and -j4, and with ccache's inode cache off and on
# (README, "Time").  Each run builds the check's allnoconfig TARGET
# (default x86_64, configs/check/targets.conf) from the check's tree,
# build/check/linux, at the series, in a new build directory beside the
# check's, with the check's .config: every object is a ccache hit of make
# check's build of the series' last kernel commit.  Run make check first.
# RUNS (default 2) runs of each setting, one line each.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

target="${1:-x86_64}" runs="${2:-2}"
src="${BUILD}/check/linux"
read -r _ arch cross frag < <(awk -v n="${target}" '$1 == n' "${ROOT}/configs/check/targets.conf") ||
	die "no target ${target} in configs/check/targets.conf"
case "${frag}" in boot | kunit:*) die "${target}: only an allnoconfig target (its own tree and build)" ;; esac
if [ ! -f "${BUILD}/check/${target}/.config" ] || [ ! -d "${src}/.git" ]; then
	die "no build of ${target} by make check in ${BUILD}/check (run: TARGETS=${target} make check)"
fi
git -C "${src}" checkout -q series
obj="${BUILD}/check/${target}.timed"
at_exit rm -rf "${obj}"
for setting in "2 0" "2 1" "3 1" "4 1"; do
	read -r jobs inode <<<"${setting}"
	for ((r = 1; r <= runs; r++)); do
		rm -rf "${obj}"
		mkdir -p "${obj}"
		cp "${BUILD}/check/${target}/.config" "${obj}/.config"
		# ccache takes the inode cache off as CCACHE_NOINODECACHE, not =0.
		if [ "${inode}" = 1 ]; then
			export CCACHE_INODECACHE=1
			unset CCACHE_NOINODECACHE
		else
			export CCACHE_NOINODECACHE=1
			unset CCACHE_INODECACHE
		fi
		JOBS="${jobs}" kmake "${src}" "${obj}" "${arch}" "${cross}" \
			olddefconfig >"${LOGS}/time-warm-build.log" 2>&1
		start=$(date +%s.%N)
		JOBS="${jobs}" kmake "${src}" "${obj}" "${arch}" "${cross}" \
			vmlinux >>"${LOGS}/time-warm-build.log" 2>&1 || die "build failed (log: ${LOGS}/time-warm-build.log)"
		# awk, not bc: Debian 12 does not always have bc, and nothing installs it.
		awk -v t="${target}" -v j="${jobs}" -v i="${inode}" -v r="${r}" -v a="${start}" -v b="$(date +%s.%N)" \
			'BEGIN { printf "%s -j%s inode_cache=%s run %d: %.1f s\n", t, j, i, r, b - a }'
	done
done
