#!/bin/bash
# boot-tests.sh LABEL VMLINUX: boot VMLINUX under QEMU pseries with the
# radix MMU and with the hash MMU, run the tests of the initramfs
# (build/guest, see guest/init.c) and record one row per test in
# build/results/boot-LABEL-MMU.tsv.  The guest's console log is kept in
# build/logs/boot-LABEL-MMU.log and scanned for kernel warnings.
#
# Environment: MMUS="radix" limits the MMUs; BOOT_TIMEOUT (seconds, default
# 2400) bounds each boot; INITRAMFS picks another initramfs of build/guest
# (make bench uses bench.cpio); BOOT_ARGS adds kernel parameters (make
# mutants: debug_pagealloc=on); BOOT_SMP sets the vCPUs (default 4; the
# guest bench's sweep).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

label="$1"
vmlinux="$2"
[ -f "${vmlinux}" ] || die "no kernel at ${vmlinux}"
need_pkgs "${BOOT_TESTS_PKGS[@]}"
initramfs="${BUILD}/guest/${INITRAMFS:-initramfs.cpio}"
[ -f "${initramfs}" ] || die "no ${initramfs}: run scripts/guest-build.sh"

# boot_one MMU: one boot; the console log goes to LOG, the exit status of
# QEMU (124: timed out) to STATUS.
boot_one() {
	local mmu="$1" log="$2" disks="${BUILD}/boot/${label}-$1"
	local append="console=hvc0 panic=-1 ${BOOT_ARGS:-}" machine=pseries
	# Hash THP needs 16M pages, which QEMU offers the guest only when asked.
	[ "${mmu}" = hash ] && append="${append} disable_radix" &&
		machine="pseries,cap-hpt-max-page-size=16M"
	mkdir -p "${disks}/root/stress"
	# A fresh ext4 disk for the file-backed collapses, and a swap disk.
	rm -f "${disks}/ext4.img" "${disks}/swap.img"
	mkfs.ext4 -q -F -L pteboot -d "${disks}/root" "${disks}/ext4.img" 512M >/dev/null
	truncate -s 128M "${disks}/swap.img"
	# QEMU in a group of its own (stdin /dev/null), ended with this script.
	start_group timeout --kill-after=10 "${BOOT_TIMEOUT:-2400}" qemu-system-ppc64 \
		-M "${machine}" -cpu power9 -smp "${BOOT_SMP:-4}" -m 6G -nographic -no-reboot \
		-kernel "${vmlinux}" -initrd "${initramfs}" -append "${append}" \
		-drive "file=${disks}/ext4.img,if=virtio,format=raw" \
		-drive "file=${disks}/swap.img,if=virtio,format=raw" \
		>"${log}" 2>&1
	local pid="${GROUP_PID}" current="" now
	# Progress: name each test as the guest starts it.
	while kill -0 "${pid}" 2>/dev/null; do
		sleep 1
		now=$(grep -a -o '^# run: [^ ]*' "${log}" 2>/dev/null | tail -n 1 || true)
		if [ -n "${now}" ] && [ "${now}" != "${current}" ]; then
			current="${now}"
			now=${current#\# run: }
			say "boot: ${label} ${mmu}: ${now%:}"
		fi
		# Not bash's "Killed" notice of timeout's KILL: the table names it.
	done 2>/dev/null
	wait_group "${pid}"
}

for mmu in ${MMUS:-radix hash}; do
	log="${LOGS}/boot-${label}-${mmu}.log"
	res="${RESULTS}/boot-${label}-${mmu}.tsv"
	# Nothing of an earlier boot may be read as this one's.
	rm -f "${res}" "${log}" "${log}.txt" "${RESULTS}/boot-${label}-${mmu}-thp.txt"
	say "boot: ${label} ${mmu}: booting (log: ${log})"
	start=$(date +%s)
	status=0
	boot_one "${mmu}" "${log}" || status=$?
	secs=$(($(date +%s) - start))
	tr -d '\r' <"${log}" >"${log}.txt"

	# One row per planned test, from the guest's KTAP lines.
	plan=$(grep -a -m1 -o '^1\.\.[0-9]*$' "${log}.txt" | cut -c4- || true)
	awk -v plan="${plan:-0}" '
		/^# [^ ]+: [0-9.]+ s$/ { t[substr($2, 1, length($2) - 1)] = $3 "s" }
		match($0, /^(not )?ok [0-9]+ [^ ]+/) {
			split(substr($0, 1, RLENGTH), f, " ")
			bad = (f[1] == "not")
			num = f[2 + bad]; name = f[3 + bad]
			dir = ""
			if (index($0, " # ")) dir = substr($0, index($0, " # ") + 3)
			st = bad ? "FAIL" : (dir ~ /^SKIP/ ? "SKIP" : "PASS")
			if (st == "SKIP") sub(/^SKIP */, "", dir)
			names[num] = name; stat[num] = st; why[num] = dir
		}
		END {
			for (i = 1; i <= plan; i++) {
				if (!(i in names)) { printf "test %d\tFAIL\tno result (guest stopped early)\n", i; continue }
				d = why[i]; if (names[i] in t) d = (d == "" ? t[names[i]] : d ", " t[names[i]])
				printf "%s\t%s\t%s\n", names[i], stat[i], d
			}
		}' "${log}.txt" >"${res}"
	[ -n "${plan}" ] || record "${res}" "guest" FAIL "no KTAP plan on the console (log: ${log})"

	bad=$(grep -a -E -m1 "${KLOG_BAD_RE}" "${log}.txt" || true)
	if [ "${status}" -eq 124 ] || [ "${status}" -eq 137 ]; then
		record "${res}" "power-off" FAIL "guest still running after ${BOOT_TIMEOUT:-2400}s, killed (log: ${log})"
	elif ! grep -a -q '^# init: done, powering off' "${log}.txt"; then
		record "${res}" "power-off" FAIL "guest stopped before the tests ended, QEMU status ${status} (log: ${log})"
	else
		record "${res}" "power-off" PASS "${secs}s"
	fi
	if [ -n "${bad}" ]; then
		record "${res}" "kernel-log" FAIL "${bad} (log: ${log})"
	else
		record "${res}" "kernel-log" PASS "no WARNING/BUG/ODEBUG/Bad page/lockdep/panic"
	fi
	grep -a '^# thp: ' "${log}.txt" >"${RESULTS}/boot-${label}-${mmu}-thp.txt" || true
	npass=$(grep -c $'\tPASS\t' "${res}" || true)
	nfail=$(grep -c -v -e $'\tPASS\t' -e $'\tSKIP\t' "${res}" || true)
	say "boot: ${label} ${mmu}: ${npass} passed, ${nfail} failed in ${secs}s"
done
