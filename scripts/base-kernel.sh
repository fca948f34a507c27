#!/bin/bash
# base-kernel.sh: build the ppc64le pseries kernel of the unpatched base,
# from a checkout of the pinned base commit in build/baseline/linux, into
# build/baseline/main/ppc64le.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

base_repo=$("${ROOT}/scripts/import-base.sh")
base_sha=$(cat "${base_repo}/pte-base-ok")
src="${BUILD}/baseline/linux"
if [ "$(git -C "${src}" rev-parse HEAD 2>/dev/null || true)" != "${base_sha}" ] ||
	[ -n "$(git -C "${src}" status --porcelain --ignored 2>/dev/null | head -n 1)" ]; then
	say "baseline: checking out the base ${base_sha:0:12} in ${src}"
	rm -rf "${src}"
	mkdir -p "${src%/*}"
	{ run_logged "${LOGS}/baseline-clone.log" git clone -q --no-checkout "${base_repo}" "${src}" &&
		run_logged "${LOGS}/baseline-clone.log" git -C "${src}" checkout -q --detach "${base_sha}"; } ||
		die "could not check out the base (log: ${LOGS}/baseline-clone.log)"
fi
# Same layout relative to the source as build/main/ppc64le, so ccache hits.
run_script boot-kernel.sh "${src}" "${BUILD}/baseline/main/ppc64le" baseline
