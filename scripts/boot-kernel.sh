#!/bin/bash
# boot-kernel.sh SRC OBJ LABEL: configure (configs/boot/, allnoconfig plus
# the fragment) and build the ppc64le pseries THP kernel of tree SRC in OBJ.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

src="$1" obj="$2" label="$3"
cross=powerpc64le-linux-gnu-
need_pkgs "${BOOT_KERNEL_PKGS[@]}"
say "${label}: configuring the ppc64le pseries kernel (${obj})"
run_logged "${LOGS}/${label}-config.log" kconfigure "${src}" "${obj}" powerpc "${cross}" \
	"${ROOT}/configs/boot/ppc64le-pseries.config" ||
	die "kernel configuration failed (log: ${LOGS}/${label}-config.log)"
say "${label}: building vmlinux (log: ${LOGS}/${label}-build.log)"
run_logged "${LOGS}/${label}-build.log" kmake "${src}" "${obj}" powerpc "${cross}" vmlinux ||
	die "kernel build failed (log: ${LOGS}/${label}-build.log)"
grep -qx 'CONFIG_TRANSPARENT_HUGEPAGE=y' "${obj}/.config" || die "THP is off in ${obj}/.config"
say "${label}: kernel ${obj}/vmlinux ($(git -C "${src}" describe --always --tags))"
