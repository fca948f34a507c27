#!/bin/bash
# make: install what is needed, apply the series (build/linux), build the
# ppc64le pseries THP kernel, boot it with the radix and the hash MMU and
# run the khugepaged selftests and the series' stress test inside, then
# print the per-MMU table.  Exit status non-zero on any failure.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

"${ROOT}/scripts/make-tree.sh"
"${ROOT}/scripts/boot-kernel.sh" "${TREE}" "${BUILD}/main/ppc64le" main
"${ROOT}/scripts/guest-build.sh"
"${ROOT}/scripts/boot-tests.sh" series "${BUILD}/main/ppc64le/vmlinux"
"${ROOT}/scripts/boot-table.sh" boot series
