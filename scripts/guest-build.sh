#!/bin/bash
# Build the boot tests' initramfs from source: guest/init.c and the mm
# selftests of the patched tree (BASE_SELFTESTS, with their Makefile,
# against the tree's own uapi headers), static for ppc64le, packed with
# the tree's own gen_init_cpio.  Output:
# build/guest/initramfs.cpio (runs guest/tests), bench.cpio (runs
# guest/bench-tests) and mutant.cpio (runs guest/mutant-tests).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

need_pkgs gcc gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross e2fsprogs

out="${BUILD}/guest"
vm="${TREE}/${BASE_SELFTESTS}"
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
# The tree's uapi headers, as "make headers" would put them in usr/include
# (6.12's selftests need them: tools/include/uapi/linux/types.h hides the
# libc's, which defines powerpc's __vector128).
run_logged "${LOGS}/guest-headers.log" kmake "${TREE}" "${out}/headers" powerpc "${cc%gcc}" \
	headers_install INSTALL_HDR_PATH="${out}/usr" ||
	die "installing the tree's uapi headers failed (log: ${LOGS}/guest-headers.log)"
# The selftests as their own Makefile builds them (make -C .../vm, or mm), for
# ppc64le and static, since the initramfs has no libc.
echo "+ make -C ${vm} (khugepaged, madv_collapse_stress)" >>"${log}"
status=0
make -C "${vm}" CROSS_COMPILE="${cc%gcc}" MACHINE=ppc64 OUTPUT="${out}/bin" LDFLAGS=-static \
	KHDR_INCLUDES="-isystem ${out}/usr/include" \
	"${out}/bin/khugepaged" "${out}/bin/madv_collapse_stress" >>"${log}" 2>&1 || status=$?
# 6.12's Makefile writes its check_config.sh results into the source
# directory (its EXTRA_CLEAN): left there, the tree would look edited.
rm -f "${vm}/local_config.h" "${vm}/local_config.mk"
[ "${status}" -eq 0 ] || die "building the mm selftests failed (log: ${log})"
build "${out}/bin/collapse_bench" "${ROOT}/guest/collapse_bench.c"

gcc -O2 -o "${out}/gen_init_cpio" "${TREE}/usr/gen_init_cpio.c" >>"${log}" 2>&1 ||
	die "building gen_init_cpio failed (log: ${log})"
# pack NAME PLAN: NAME.cpio with /init, the programs, and PLAN as /tests.
pack() {
	local list="${out}/$1.list"
	cat >"${list}" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /tmp 01777 0 0
dir /mnt 0755 0 0
dir /bin 0755 0 0
file /init ${out}/init 0755 0 0
file /tests $2 0644 0 0
LIST
	local f
	for f in "${out}"/bin/*; do
		echo "file /bin/${f##*/} ${f} 0755 0 0" >>"${list}"
	done
	"${out}/gen_init_cpio" "${list}" >"${out}/$1.cpio" 2>>"${log}" ||
		die "packing $1.cpio failed (log: ${log})"
}
pack initramfs "${ROOT}/guest/tests"
pack bench "${ROOT}/guest/bench-tests"
pack mutant "${ROOT}/guest/mutant-tests"
say "guest: ${out}/initramfs.cpio, ${out}/bench.cpio ($(du -h "${out}/initramfs.cpio" | cut -f1))"
