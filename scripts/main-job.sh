#!/bin/bash
# make: install what is needed, build the patched tree, and build the
# ppc64le pseries kernel with THP (configs/boot/ppc64le-pseries.config).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

need_pkgs "${KBUILD_PKGS[@]}" gcc-powerpc64le-linux-gnu
"${ROOT}/scripts/make-tree.sh"

obj="${BUILD}/main/ppc64le"
cross=powerpc64le-linux-gnu-
say "main: configuring ppc64le pseries (${obj})"
run_logged "${LOGS}/main-config.log" kconfigure "${TREE}" "${obj}" powerpc "${cross}" \
	"${ROOT}/configs/boot/ppc64le-pseries.config" ||
	die "kernel configuration failed (log: ${LOGS}/main-config.log)"
say "main: building vmlinux (log: ${LOGS}/main-build.log)"
run_logged "${LOGS}/main-build.log" kmake "${TREE}" "${obj}" powerpc "${cross}" vmlinux ||
	die "kernel build failed (log: ${LOGS}/main-build.log)"
grep -qx 'CONFIG_TRANSPARENT_HUGEPAGE=y' "${obj}/.config" || die "THP is off in ${obj}/.config"
say "main: kernel: ${obj}/vmlinux ($(git -C "${TREE}" describe --always --tags))"
say "main: config: ${obj}/.config; logs: ${LOGS}/"
