#!/bin/bash
# make mutants: apply each deliberately broken variant in mutants/ on top
# of the series, one at a time, and run the KUnit suite on the targets the
# variant names (MUTANTS="name ..." limits the variants).  Every variant must be caught: the suite fails, or the
# kernel reports the bug.  A variant that survives fails this stage.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

res="${RESULTS}/mutants.tsv"
: >"${res}"
"${ROOT}/scripts/make-tree.sh"
head=$(git -C "${TREE}" rev-parse HEAD)
# Builds in build/mutants/kunit/<target>, like build/kunit/<target>.
src="${BUILD}/mutants/linux"
clone_tree_at "${src}" "${head}"

survivors=0
for m in "${ROOT}"/mutants/*.patch; do
	name=$(basename "${m}" .patch)
	if [ -n "${MUTANTS:-}" ] && ! grep -qw -- "${name}" <<<"${MUTANTS}"; then
		continue
	fi
	targets=$(sed -n 's/^targets: //p' "${m}")
	git -C "${src}" reset -q --hard "${head}"
	if ! git -C "${src}" apply "${m}"; then
		record "${res}" "mutant ${name}" FAIL "does not apply onto the series"
		survivors=$((survivors + 1))
		continue
	fi
	say "mutants: ${name} on ${targets}"
	if KUNIT_TREE="${src}" KUNIT_TAG="mutant-${name}" KUNIT_BUILD="${BUILD}/mutants/kunit" \
		TARGETS="${targets}" "${ROOT}/scripts/kunit-run.sh"; then
		record "${res}" "mutant ${name}" FAIL "SURVIVED: the suite passed on ${targets}"
		say "mutants: ${name} SURVIVED"
		survivors=$((survivors + 1))
	else
		why=$(cut -f3 "${RESULTS}/mutant-${name}.tsv" | head -n 1 | cut -c1-90)
		record "${res}" "mutant ${name}" PASS "caught on ${targets}: ${why}"
	fi
done
git -C "${src}" reset -q --hard "${head}"
[ "${survivors}" -eq 0 ]
