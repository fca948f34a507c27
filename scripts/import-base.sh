#!/bin/bash
# Import the pinned base tarball as one git commit with fixed identity and
# dates, cached outside the repository and keyed by the tarball's checksum.
# Prints the path of the cached repository on stdout.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

repo="${CACHE}/base-${BASE_SHA256:0:16}.git"
# pack_repo REPO: its objects in one pack, without deltas (one commit has
# few): a repository of 80,000 loose objects makes every clone of it run
# "git gc --auto" in the background, a minute of a CPU that the builds
# beside it are short of.
pack_repo() {
	git -C "$1" -c gc.auto=0 repack -a -d -q --window=0
}
if [ -f "${repo}/pte-base-ok" ]; then
	# Imported before the repository was packed at import: pack it once.
	if [ "$(git -C "${repo}" count-objects -v | sed -n 's/^count: //p')" -gt 1000 ]; then
		say "packing ${repo} (once)" >&2
		pack_repo "${repo}" >"${LOGS}/base-pack.log" 2>&1 ||
			die "could not pack ${repo} (log: ${LOGS}/base-pack.log)"
	fi
	echo "${repo}"
	exit 0
fi

need_pkgs "${IMPORT_PKGS[@]}" >&2

# The tarball: the installed package if it is the pinned version, otherwise
# the pinned .deb fetched with apt into the cache.
tarball="" from_cache=0
installed=$(dpkg-query -W -f='${Version}' "${BASE_PKG}" 2>/dev/null || true)
if [ "${installed}" = "${BASE_VERSION}" ] && [ -f "/usr/src/${BASE_TARBALL}" ]; then
	tarball="/usr/src/${BASE_TARBALL}"
else
	debdir="${CACHE}/debs"
	mkdir -p "${debdir}"
	deb="${debdir}/${BASE_PKG}_${BASE_VERSION}_all.deb"
	# What a bad download leaves in the cache, to be removed so that the
	# next run fetches it again instead of failing on it for ever.
	cached=("${deb}" "${debdir}/${BASE_TARBALL}")
	if [ ! -f "${deb}" ]; then
		say "fetching ${BASE_PKG}=${BASE_VERSION} with apt" >&2
		if ! (cd "${debdir}" && apt-get download "${BASE_PKG}=${BASE_VERSION}") \
			>"${LOGS}/base-download.log" 2>&1; then
			apt-get update >>"${LOGS}/base-download.log" 2>&1 || true
			if ! (cd "${debdir}" && apt-get download "${BASE_PKG}=${BASE_VERSION}") \
				>>"${LOGS}/base-download.log" 2>&1; then
				offered=$(apt-cache madison "${BASE_PKG}" 2>/dev/null |
					awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -u | tr '\n' ' ')
				die "${BASE_PKG} ${BASE_VERSION} is not available from apt (offered: ${offered:-none}); log: ${LOGS}/base-download.log"
			fi
		fi
	fi
	tmpx=$(mktemp -d "${CACHE}/deb.XXXXXX")
	at_exit rm -rf "${tmpx}"
	if ! { dpkg-deb --fsys-tarfile "${deb}" | tar -x -C "${tmpx}" "./usr/src/${BASE_TARBALL}"; } \
		2>"${LOGS}/base-unpack.log"; then
		rm -f "${cached[@]}"
		die "${deb} does not unpack (cut short or damaged?): removed from the cache, the next run fetches it again; log: ${LOGS}/base-unpack.log"
	fi
	mv "${tmpx}/usr/src/${BASE_TARBALL}" "${debdir}/${BASE_TARBALL}"
	rm -rf "${tmpx}"
	tarball="${debdir}/${BASE_TARBALL}" from_cache=1
fi

say "verifying sha256 of ${tarball}" >&2
sum=$(sha256sum "${tarball}" | cut -d' ' -f1)
if [ "${sum}" != "${BASE_SHA256}" ]; then
	# Only the cache's copies: the installed package is not ours to delete.
	if [ "${from_cache}" -eq 1 ]; then
		rm -f "${cached[@]}"
		die "${tarball} has sha256 ${sum}, expected ${BASE_SHA256} (bases/${BASE}.conf); removed it and ${deb##*/} from the cache, the next run fetches them again; nothing was imported"
	fi
	die "${tarball} has sha256 ${sum}, expected ${BASE_SHA256} (bases/${BASE}.conf); nothing was imported"
fi

say "importing the base into ${repo} (once per machine)" >&2
tmp=$(mktemp -d "${CACHE}/import.XXXXXX")
at_exit rm -rf "${tmp}"
tar -x -C "${tmp}" -f "${tarball}"
src=$(find "${tmp}" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -f "${src}/Makefile" ] || die "unexpected tarball layout in ${tarball}"
(
	cd "${src}"
	git init -q -b base-import .
	git add -f -A .
	GIT_AUTHOR_NAME="${BASE_AUTHOR}" GIT_AUTHOR_EMAIL="${BASE_EMAIL}" \
	GIT_AUTHOR_DATE="${BASE_DATE}" GIT_COMMITTER_NAME="${BASE_AUTHOR}" \
	GIT_COMMITTER_EMAIL="${BASE_EMAIL}" GIT_COMMITTER_DATE="${BASE_DATE}" \
		git -c commit.gpgsign=false commit -q --no-verify \
		-m "${BASE_TITLE} as packaged by Debian (${BASE_PKG} ${BASE_VERSION})" \
		-m "Imported from ${BASE_TARBALL}, sha256 ${BASE_SHA256}."
	git tag base
) >"${LOGS}/base-import.log" 2>&1 || die "git import failed (log: ${LOGS}/base-import.log)"
git clone -q --bare "${src}" "${tmp}/bare.git"
pack_repo "${tmp}/bare.git" >"${LOGS}/base-pack.log" 2>&1 ||
	die "could not pack the imported base (log: ${LOGS}/base-pack.log)"
git -C "${tmp}/bare.git" rev-parse base >"${tmp}/bare.git/pte-base-ok"
rm -rf "${repo}"
mv "${tmp}/bare.git" "${repo}"
echo "${repo}"
