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
# The check's tree and build directory, if they hold the same.
src="${TREE}" obj="${BUILD}/main/ppc64le"
shared=$(shared_tree)
if [ -n "${shared}" ]; then
	src="${shared}" obj="${BUILD}/check/main/ppc64le"
	say "main: building in make check's ${src} (the same commit as ${TREE})"
fi
run_script boot-kernel.sh "${src}" "${obj}" main
run_script guest-build.sh
run_script boot-tests.sh series "${obj}/vmlinux"
"${ROOT}/scripts/boot-table.sh" boot series
