#!/bin/bash
# Regenerate patches/ from the commits base..series in build/linux.
# Writes the new series into a directory beside patches/ first, then swaps
# the two with one rename: patches/ is the old series or the new one, whole,
# however the export ends.  What patches/ holds besides its *.patch files
# is carried over.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

[ -d "${TREE}/.git" ] || die "no tree at ${TREE}; run 'make tree' first"
cd "${TREE}"
# --ignored: Debian's .gitignore ignores every new top-level path, so a new
# file must be added with 'git add -f'; an ignored one is uncommitted work.
[ -z "$(git status --porcelain --ignored)" ] ||
	die "${TREE} has uncommitted changes (new files need 'git add -f'); commit them first (${BASE_SERIES}/ unchanged)"
[ "$(git rev-parse --abbrev-ref HEAD)" = series ] ||
	die "${TREE} is not on branch 'series' (${BASE_SERIES}/ unchanged)"
n=$(git rev-list --count base..HEAD)
[ "${n}" -gt 0 ] || die "no commits on top of base; refusing to empty ${BASE_SERIES}/"
git config branch.series.description >/dev/null ||
	die "branch 'series' has no description (the cover letter text); set it with 'git branch --edit-description series'"

patches="${SERIES}"
# Beside patches/, so on its filesystem, for the rename.
tmp=$(mktemp -d "${ROOT}/.patches-new.XXXXXX")
at_exit rm -rf "${tmp}"
git format-patch -q --zero-commit --no-signature --abbrev=12 --cover-letter \
	--cover-from-description=subject --base=base -o "${tmp}" base..HEAD
got=$(find "${tmp}" -name '*.patch' | wc -l)
[ "${got}" -eq $((n + 1)) ] || die "format-patch wrote ${got} files for ${n} commits (${BASE_SERIES}/ unchanged)"
grep -q '^base-commit: ' "${tmp}/0000-cover-letter.patch" || die "cover letter lacks base-commit (${BASE_SERIES}/ unchanged)"
# The cover letter's Date is the time of the export; pin it to the last
# commit's author date so that an unchanged series exports byte-identical.
date=$(git log -1 --format=%aD HEAD)
sed -i "0,/^Date: .*/s//Date: ${date}/" "${tmp}/0000-cover-letter.patch"

if [ -d "${patches}" ]; then
	find "${patches}" -mindepth 1 -maxdepth 1 ! -name '*.patch' -exec cp -a -t "${tmp}" {} +
	chmod --reference="${patches}" "${tmp}"
else
	chmod "$(printf '%o' $((0777 & ~0$(umask))))" "${tmp}"
fi

# restore_patches OLD: if the swap stopped between its two renames, OLD
# goes back to patches/; otherwise it is the old series, now unused.
restore_patches() {
	if [ ! -e "${patches}" ] && [ -d "$1" ]; then
		mv -T "$1" "${patches}"
	fi
	rm -rf "$1"
}

if [ ! -d "${patches}" ]; then
	mv -T "${tmp}" "${patches}"
elif ! python3 - "${tmp}" "${patches}" 2>/dev/null <<'PY'
# renameat2(RENAME_EXCHANGE): the two directories trade places atomically.
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
sys.exit(libc.renameat2(AT_FDCWD, sys.argv[1].encode(), AT_FDCWD, sys.argv[2].encode(),
                        RENAME_EXCHANGE) != 0)
PY
then
	# No exchange here (no python3, or a filesystem without it): two
	# renames, and the trap puts the old series back if stopped between.
	old="${ROOT}/.patches-old.$$"
	at_exit restore_patches "${old}"
	mv -T "${patches}" "${old}"
	mv -T "${tmp}" "${patches}"
fi
# After an exchange, ${tmp} holds the old series; at_exit removes it.
git rev-parse HEAD >.git/pte-synced-head
find "${patches}" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-cover-letter.patch' |
	sort | xargs cat /dev/null | sha256sum | cut -d' ' -f1 >.git/pte-synced-stamp
say "export: wrote ${n} patches and the cover letter to ${BASE_SERIES}/"
