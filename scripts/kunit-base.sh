#!/bin/bash
# The KUnit suite on the base alone: the series' test commits
# (BASE_TEST_SUBJECTS of bases/BASE.conf) applied onto the base, without
# its fixes, so that the suite runs against the code the base ships.  Its
# failures must be exactly those configs/kunit/xfail-BASE.tsv lists, each
# with its reason: they are XFAIL rows; a listed case that passes, or an
# unlisted one that fails, is a FAIL.  The tree is build/<base>/kunit-base/
# linux, its builds build/<base>/kunit-base/kunit/<target>: laid out as
# the tree and its KUnit builds, so that ccache hits.  When make check's
# tree holds the series (lib.sh, shared_tree), the base and the test
# commits are checked out there instead, and built in the check's KUnit
# build directories, where only what the fixes changed is compiled again;
# the tree goes back to the series at the end.
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
src="${BUILD}/kunit-base/linux" kbuilds="${BUILD}/kunit-base/kunit"
shared=$(shared_tree)
if [ -n "${shared}" ]; then
	src="${shared}" kbuilds="${BUILD}/check/kunit"
	series=$(git -C "${src}" rev-parse HEAD)
	at_exit git -C "${src}" checkout -q -f --detach "${series}"
	# The test commits, as ${TREE} has them.
	git -C "${src}" fetch -q "${TREE}" series
	git -C "${src}" checkout -q -f --detach "$(git -C "${TREE}" rev-parse base)"
	say "kunit-base: in make check's ${src}"
else
	clone_tree_at "${src}" base
fi
run_logged "${LOGS}/kunit-base-tree.log" git -C "${src}" \
	-c user.name=workbench -c user.email=workbench@pte-free-defer.invalid \
	cherry-pick "${tests[@]}" ||
	die "the test commits do not apply onto the base alone (log: ${LOGS}/kunit-base-tree.log)"
say "kunit-base: ${src} = base + ${#tests[@]} test commits"

# A target whose kernel the series' other commits (its fixes) do not
# change builds the same kernel here as kunit@BASE does, so the suite
# cannot give it another result there: it is skipped, with the files
# that make the difference.  The rule is make check's (lib.sh,
# changes_arch).
fixed=$(git -C "${TREE}" log --format=%H -E --invert-grep --grep="${BASE_TEST_SUBJECTS}" base..series |
	while read -r c; do git -C "${TREE}" diff --name-only "${c}^" "${c}"; done |
	kernel_files | sort -u)
run="" same=()
while read -r name arch _; do
	case "${name}" in '#'* | '') continue ;; esac
	in_list "${name}" "${TARGETS:-${BASE_KUNIT_TARGETS}}" || continue
	case "${arch}" in x86_64 | i386) dir=x86 ;; *) dir="${arch}" ;; esac
	if changes_arch "${fixed}" "${dir}"; then
		run="${run} ${name}"
	else
		same+=("${name}")
	fi
done <"${ROOT}/configs/kunit/targets.conf"
status=0
if [ -n "${run}" ]; then
	TARGETS="${run# }" KUNIT_TREE="${src}" KUNIT_TAG=kunit-base KUNIT_BUILD="${kbuilds}" \
		KUNIT_XFAIL="${xfail}" run_script kunit-run.sh || status=$?
else
	: >"${RESULTS}/kunit-base.tsv"
fi
for name in "${same[@]}"; do
	record "${RESULTS}/kunit-base.tsv" "kunit ${name}" SKIP \
		"the series' fixes change nothing this target builds (${fixed//$'\n'/, }): its kunit@${BASE} run is the base's"
done
exit "${status}"
