#!/bin/bash
# make bench, guest side: boot ppc64le pseries kernels with the radix and
# the hash MMU and run guest/collapse_bench.c in each: the unpatched base
# ("base") and the full series ("full") with 1, 2, 4 and 8 vCPUs, and at 4
# vCPUs also the series up to the khugepaged conversion, IPI kept
# ("noipi").  Writes build/results/bench-guest.json.
#
# Environment: BENCH_VCPUS (default "1 2 4 8") the vCPU counts of the
# sweep; MMUS limits the MMUs, as for the boot tests.  A boot of a series
# kernel that fails any row of its boot table (a kernel-log warning, say)
# fails the bench.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

run_script make-tree.sh
run_script base-kernel.sh
run_script boot-kernel.sh "${TREE}" "${BUILD}/main/ppc64le" main

# The series without its last khugepaged patch: a clone of the tree at the
# conversion, laid out like build/linux + build/main so that ccache hits.
conv=$(git -C "${TREE}" log --format=%H --grep='^mm/khugepaged: free retracted page tables' base..HEAD)
[ -n "${conv}" ] || die "no khugepaged conversion commit in ${TREE}"
src="${BUILD}/bench-noipi/linux"
clone_tree_at "${src}" "${conv}"
run_script boot-kernel.sh "${src}" "${BUILD}/bench-noipi/main/ppc64le" bench-noipi

run_script guest-build.sh
declare -A vmlinux=(
	[base]="${BUILD}/baseline/main/ppc64le/vmlinux"
	[noipi]="${BUILD}/bench-noipi/main/ppc64le/vmlinux"
	[full]="${BUILD}/main/ppc64le/vmlinux"
)
out="${RESULTS}/bench-guest.txt"
: >"${out}"
for n in ${BENCH_VCPUS:-1 2 4 8}; do
	for k in base noipi full; do
		# The IPI-kept step of the series only where the README compares it.
		[ "${k}" = noipi ] && [ "${n}" != 4 ] && continue
		label="bench-${k}-smp${n}"
		BOOT_SMP="${n}" INITRAMFS=bench.cpio run_script boot-tests.sh "${label}" "${vmlinux[${k}]}"
		for mmu in ${MMUS:-radix hash}; do
			log="${LOGS}/boot-${label}-${mmu}.log"
			line=$(grep -a -m1 '^# bench: ' "${log}.txt" || true)
			[ -n "${line}" ] || die "no bench result from ${k} ${mmu} with ${n} vCPUs (log: ${log})"
			# The series' kernels must also boot clean; the base's hash
			# boot may warn (an XFAIL of make baseline), so it is not held
			# to that.
			if [ "${k}" != base ]; then
				bad=$(grep -m1 $'\tFAIL\t' "${RESULTS}/boot-${label}-${mmu}.tsv" || true)
				[ -z "${bad}" ] || die "${k} ${mmu} with ${n} vCPUs: ${bad//$'\t'/ } (log: ${log})"
			fi
			echo "kernel=${k} mmu=${mmu} vcpus=${n} ${line#\# bench: }" >>"${out}"
		done
	done
done
python3 "${ROOT}/scripts/bench-report.py" guest "${out}" "${RESULTS}/bench-guest.json"
