#!/bin/bash
# build/linux = the pinned base (tag "base") + patches/ applied with git am on
# branch "series". Does nothing when the tree already holds exactly patches/;
# refuses to throw away commits or edits that were not exported.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

need_pkgs git
base_repo=$("${ROOT}/scripts/import-base.sh")
base_sha=$(cat "${base_repo}/pte-base-ok")
mapfile -t series < <(find "${SERIES}" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
	! -name '0000-cover-letter.patch' | sort)
stamp_of_patches() {
	cat "${series[@]}" /dev/null | sha256sum | cut -d' ' -f1
}
want=$(stamp_of_patches)

if [ -d "${TREE}/.git" ]; then
	git -C "${TREE}" rev-parse -q --verify base >/dev/null ||
		die "${TREE} exists but has no 'base' tag; move it away and rerun"
	[ "$(git -C "${TREE}" rev-parse base)" = "${base_sha}" ] ||
		die "${TREE} is on another base than bases/${BASE}.conf pins; move it away and rerun"
	synced_head=$(cat "${TREE}/.git/pte-synced-head" 2>/dev/null || true)
	synced_stamp=$(cat "${TREE}/.git/pte-synced-stamp" 2>/dev/null || true)
	head=$(git -C "${TREE}" rev-parse HEAD)
	# --ignored: Debian's .gitignore ignores every new top-level path.
	dirty=$(git -C "${TREE}" status --porcelain --ignored)
	if [ "${head}" = "${synced_head}" ] && [ "${synced_stamp}" = "${want}" ] && [ -z "${dirty}" ]; then
		say "tree: ${TREE} already holds ${BASE_SERIES}/ (${#series[@]} patches)"
		exit 0
	fi
	if [ -n "${dirty}" ]; then
		die "${TREE} has uncommitted changes; commit and 'make export', or discard them, then rerun"
	fi
	if [ "${head}" != "${synced_head}" ] && [ "${FORCE:-0}" != 1 ]; then
		die "${TREE} has commits that are not in ${BASE_SERIES}/; run 'make export' first (or FORCE=1 make tree to drop them)"
	fi
else
	say "tree: cloning the base into ${TREE}"
	mkdir -p "${BUILD}"
	run_logged "${LOGS}/tree-clone.log" git clone -q --no-checkout "${base_repo}" "${TREE}" ||
		die "could not clone the base (log: ${LOGS}/tree-clone.log)"
	git -C "${TREE}" tag -f base "${base_sha}" >/dev/null
fi

say "tree: applying ${#series[@]} patches onto base ${base_sha:0:12}"
log="${LOGS}/tree-am.log"
(
	cd "${TREE}"
	git checkout -q -f -B series base
	git clean -q -fdx
	# Keep the cover letter's subject and blurb as the branch description,
	# so that 'make export' writes them back.
	cover="${SERIES}/0000-cover-letter.patch"
	if [ -f "${cover}" ]; then
		awk '
			/^Subject: / { sub(/^Subject: (\[[^]]*\] )?/, ""); subj = $0; insubj = 1; next }
			insubj && /^ / { sub(/^ +/, " "); subj = subj $0; next }
			insubj { insubj = 0 }
			!body && subj != "" && /^$/ { body = 1; print subj; print ""; next }
			body && /^[^ ].* \([0-9]+\):$/ { exit }
			body { print }
		' "${cover}" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >.git/pte-description
		git config branch.series.description "$(cat .git/pte-description)"
	fi
	if [ "${#series[@]}" -gt 0 ]; then
		git -c commit.gpgsign=false am -q --committer-date-is-author-date "${series[@]}"
	fi
) >"${log}" 2>&1 || {
	git -C "${TREE}" am --abort >/dev/null 2>&1 || true
	printf -- '--- last lines of %s ---\n' "${log}" >&2
	tail -n 20 "${log}" >&2
	die "the series does not apply onto the base (log: ${log}); ${BASE_SERIES}/ is unchanged"
}
git -C "${TREE}" rev-parse HEAD >"${TREE}/.git/pte-synced-head"
echo "${want}" >"${TREE}/.git/pte-synced-stamp"
say "tree: ${TREE} at $(git -C "${TREE}" log -1 --format='%h %s')"
