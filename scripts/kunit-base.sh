#!/bin/bash
# The KUnit suite on the base alone: the series' test commits
# (BASE_TEST_SUBJECTS of bases/BASE.conf) applied onto the base, without
# its fixes, so that the suite runs against the code the base ships.  Its
# failures must be exactly those configs/kunit/xfail-BASE.tsv lists, each
# with its reason: they are XFAIL rows; a listed case that passes, or an
# unlisted one that fails, is a FAIL.  The tree is build/<base>/kunit-base/
# linux, its builds build/<base>/kunit-base/kunit/<target>: laid out as
# the tree and its KUnit builds, so that ccache hits.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${BASE_TEST_SUBJECTS:-}" ] || die "bases/${BASE}.conf names no test commits (BASE_TEST_SUBJECTS)"
xfail="${ROOT}/configs/kunit/xfail-${BASE}.tsv"
[ -f "${xfail}" ] || die "no ${xfail#"${ROOT}"/}: the failures expected of the base"
run_script make-tree.sh
mapfile -t tests < <(git -C "${TREE}" log --reverse --format=%H -E \
	--grep="${BASE_TEST_SUBJECTS}" base..series)
[ "${#tests[@]}" -gt 0 ] || die "no commit of ${TREE} matches BASE_TEST_SUBJECTS"
src="${BUILD}/kunit-base/linux"
clone_tree_at "${src}" base
run_logged "${LOGS}/kunit-base-tree.log" git -C "${src}" \
	-c user.name=workbench -c user.email=workbench@pte-free-defer.invalid \
	cherry-pick "${tests[@]}" ||
	die "the test commits do not apply onto the base alone (log: ${LOGS}/kunit-base-tree.log)"
say "kunit-base: ${src} = base + ${#tests[@]} test commits"
KUNIT_TREE="${src}" KUNIT_TAG=kunit-base KUNIT_BUILD="${BUILD}/kunit-base/kunit" \
	KUNIT_XFAIL="${xfail}" run_script kunit-run.sh
