#!/bin/bash
# make bench: the kernel-side benchmark (scripts/bench-kernel.sh: call_rcu()
# per page and the cost of a deferral, series and flag-based variant) and
# the guest-side one (scripts/bench-guest.sh: IPIs, time and page-table
# memory per retraction on base, series without the IPI removal, and full
# series), both under QEMU pseries with 4 vCPUs.  Writes
# build/results/bench.json and bench.svg, and one summary row per claim
# the README makes.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

res="${RESULTS}/bench.tsv"
: >"${res}"
kernel_ok=1
run_script bench-kernel.sh || kernel_ok=0
run_script bench-guest.sh
python3 "${ROOT}/scripts/bench-report.py" all "${RESULTS}"
say "bench: ${RESULTS}/bench.json, ${RESULTS}/bench.svg"

if [ "${kernel_ok}" -eq 1 ]; then
	record "${res}" "kernel: call_rcu per page within the limit" PASS "see bench-kernel.json"
else
	record "${res}" "kernel: call_rcu per page within the limit" FAIL "log: ${LOGS}/"
fi
# The broadcast's IPIs must be gone with the full series: on radix nothing
# else in retraction sends an IPI; on hash the serialize_against_pte_lookup()
# IPIs to the mm's CPUs stay, so there the full series must only be lower.
python3 - "${RESULTS}/bench-guest.json" >>"${res}" <<'PY'
import json, sys
rows = {(r["kernel"], r["mmu"]): r for r in json.load(open(sys.argv[1]))}
def v(k, m):
    return rows[(k, m)]["ipis_per_table_net"]
ok = v("full", "radix") < 0.5
print("guest radix: IPIs per retraction, full series\t%s\t%.2f (base %.2f, IPI kept %.2f)"
      % ("PASS" if ok else "FAIL", v("full", "radix"), v("base", "radix"), v("noipi", "radix")))
ok = v("full", "hash") < v("noipi", "hash") - 0.5
print("guest hash: IPIs per retraction, full below IPI kept\t%s\t%.2f (base %.2f, IPI kept %.2f)"
      % ("PASS" if ok else "FAIL", v("full", "hash"), v("base", "hash"), v("noipi", "hash")))
PY
! grep -q $'\tFAIL\t' "${res}"
