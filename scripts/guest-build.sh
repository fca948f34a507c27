#!/bin/bash
# Build the boot tests' initramfs from source: guest/init.c and the vm
# selftests of the patched tree, static for ppc64le, packed with the
# tree's own gen_init_cpio.  Output: build/guest/initramfs.cpio.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

need_pkgs gcc gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross e2fsprogs

out="${BUILD}/guest"
vm="${TREE}/tools/testing/selftests/vm"
cc=powerpc64le-linux-gnu-gcc
cflags=(-static -O2 -Wall -pthread)
log="${LOGS}/guest-build.log"
mkdir -p "${out}/bin"
: >"${log}"

build() {
	local dst="$1"
	shift
	echo "+ ${cc} ${cflags[*]} -o ${dst} $*" >>"${log}"
	"${cc}" "${cflags[@]}" -o "${dst}" "$@" >>"${log}" 2>&1 ||
		die "building ${dst##*/} failed (log: ${log})"
}

[ -f "${vm}/khugepaged.c" ] || die "no ${vm}/khugepaged.c: run make tree first"
[ -f "${vm}/madv_collapse_stress.c" ] ||
	die "no ${vm}/madv_collapse_stress.c: the tree lacks the series' selftest patch"
say "guest: building init and the selftests (log: ${log})"
build "${out}/init" "${ROOT}/guest/init.c"
build "${out}/bin/khugepaged" -I "${vm}/.." "${vm}/khugepaged.c" "${vm}/vm_util.c"
build "${out}/bin/madv_collapse_stress" -I "${vm}/.." "${vm}/madv_collapse_stress.c"

gcc -O2 -o "${out}/gen_init_cpio" "${TREE}/usr/gen_init_cpio.c" >>"${log}" 2>&1 ||
	die "building gen_init_cpio failed (log: ${log})"
cat >"${out}/initramfs.list" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /tmp 01777 0 0
dir /mnt 0755 0 0
dir /bin 0755 0 0
file /init ${out}/init 0755 0 0
file /bin/khugepaged ${out}/bin/khugepaged 0755 0 0
file /bin/madv_collapse_stress ${out}/bin/madv_collapse_stress 0755 0 0
file /tests ${ROOT}/guest/tests 0644 0 0
LIST
"${out}/gen_init_cpio" "${out}/initramfs.list" >"${out}/initramfs.cpio" 2>>"${log}" ||
	die "packing the initramfs failed (log: ${log})"
say "guest: ${out}/initramfs.cpio ($(du -h "${out}/initramfs.cpio" | cut -f1))"
