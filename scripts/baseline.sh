#!/bin/bash
# make baseline: the boot tests of the main job on the unpatched base.
# The guest (init and selftests) is the one the series' tree builds, so
# both kernels run the same programs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

# boot-table.sh reads these: never an earlier run's, whatever MMUS is.
rm -f "${RESULTS}"/boot-base-{radix,hash}.tsv "${RESULTS}"/boot-base-{radix,hash}-thp.txt
run_script base-kernel.sh
run_script make-tree.sh
run_script guest-build.sh
run_script boot-tests.sh base "${BUILD}/baseline/main/ppc64le/vmlinux"
"${ROOT}/scripts/boot-table.sh" baseline base
