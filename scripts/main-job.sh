#!/bin/bash
# make: install what is needed, apply the series (build/linux), build the
# ppc64le pseries THP kernel, boot it with the radix and the hash MMU and
# run the khugepaged selftests and the series' stress test inside, then
# print the per-MMU table.  Exit status non-zero on any failure.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

# boot-table.sh reads these: never an earlier run's, whatever MMUS is.
rm -f "${RESULTS}"/boot-series-{radix,hash}.tsv "${RESULTS}"/boot-series-{radix,hash}-thp.txt
run_script make-tree.sh
run_script boot-kernel.sh "${TREE}" "${BUILD}/main/ppc64le" main
run_script guest-build.sh
run_script boot-tests.sh series "${BUILD}/main/ppc64le/vmlinux"
"${ROOT}/scripts/boot-table.sh" boot series
