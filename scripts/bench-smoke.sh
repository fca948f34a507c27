#!/bin/bash
# The fast part of make bench that make test runs: the kernel-side
# benchmark, series only, k up to 16, on ppc64 hash and radix
# (BENCH_SMOKE=1 scripts/bench-kernel.sh).  Fails if any burst of
# deferrals, a spread or a mixed life costs a page other than one
# call_rcu(), or more than 1 at once.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

res="${RESULTS}/bench-smoke.tsv"
: >"${res}"
if BENCH_SMOKE=1 run_script bench-kernel.sh; then
	detail=$(python3 - "${RESULTS}/bench-kernel-smoke.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = [r for mmus in d["results"].values() for ks in mmus.values() for r in ks.values()]
print("%d bursts: call_rcu per page at most %d, outstanding at most %d"
      % (sum(r["reps"] for r in rows), max(r["call_rcu_max"] for r in rows),
         max(r["outstanding_max"] for r in rows)))
PY
)
	record "${res}" "call_rcu per page within the limit (hash, radix)" PASS "${detail}"
else
	record "${res}" "call_rcu per page within the limit (hash, radix)" FAIL \
		"see the FAILED line above and ${LOGS}/bench-*"
	exit 1
fi
