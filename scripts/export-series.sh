#!/bin/bash
# Regenerate patches/ from the commits base..series in build/linux.
# Writes into a temporary directory first; patches/ is replaced only when the
# new series is complete.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

[ -d "${TREE}/.git" ] || die "no tree at ${TREE}; run 'make tree' first"
cd "${TREE}"
# --ignored: Debian's .gitignore ignores every new top-level path, so a new
# file must be added with 'git add -f'; an ignored one is uncommitted work.
[ -z "$(git status --porcelain --ignored)" ] ||
	die "${TREE} has uncommitted changes (new files need 'git add -f'); commit them first (patches/ unchanged)"
[ "$(git rev-parse --abbrev-ref HEAD)" = series ] ||
	die "${TREE} is not on branch 'series' (patches/ unchanged)"
n=$(git rev-list --count base..HEAD)
[ "${n}" -gt 0 ] || die "no commits on top of base; refusing to empty patches/"
git config branch.series.description >/dev/null ||
	die "branch 'series' has no description (the cover letter text); set it with 'git branch --edit-description series'"

tmp=$(mktemp -d "${BUILD}/export.XXXXXX")
at_exit rm -rf "${tmp}"
git format-patch -q --zero-commit --no-signature --abbrev=12 --cover-letter \
	--cover-from-description=subject --base=base -o "${tmp}" base..HEAD
got=$(find "${tmp}" -name '*.patch' | wc -l)
[ "${got}" -eq $((n + 1)) ] || die "format-patch wrote ${got} files for ${n} commits (patches/ unchanged)"
grep -q '^base-commit: ' "${tmp}/0000-cover-letter.patch" || die "cover letter lacks base-commit (patches/ unchanged)"
# The cover letter's Date is the time of the export; pin it to the last
# commit's author date so that an unchanged series exports byte-identical.
date=$(git log -1 --format=%aD HEAD)
sed -i "0,/^Date: .*/s//Date: ${date}/" "${tmp}/0000-cover-letter.patch"

mkdir -p "${ROOT}/patches"
find "${ROOT}/patches" -maxdepth 1 -name '*.patch' -delete
mv "${tmp}"/*.patch "${ROOT}/patches/"
git rev-parse HEAD >.git/pte-synced-head
find "${ROOT}/patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-cover-letter.patch' |
	sort | xargs cat /dev/null | sha256sum | cut -d' ' -f1 >.git/pte-synced-stamp
say "export: wrote ${n} patches and the cover letter to patches/"
