#!/bin/bash
# make baseline: the boot tests of the main job on the unpatched base.
# The guest (init and selftests) is the one the series' tree builds, so
# both kernels run the same programs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

"${ROOT}/scripts/base-kernel.sh"
"${ROOT}/scripts/make-tree.sh"
"${ROOT}/scripts/guest-build.sh"
"${ROOT}/scripts/boot-tests.sh" base "${BUILD}/baseline/main/ppc64le/vmlinux"
"${ROOT}/scripts/boot-table.sh" baseline base
