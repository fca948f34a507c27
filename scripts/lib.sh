# shellcheck shell=bash
# Common helpers for the workbench scripts: paths, progress, logs, apt.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${ROOT}/build"
LOGS="${BUILD}/logs"
RESULTS="${BUILD}/results"
# shellcheck disable=SC2034 # used by the scripts that source this file
TREE="${PTE_TREE:-${BUILD}/linux}"
# Caches that outlive a clean clone (CI runs in a fresh clone on the same machine).
CACHE="${PTE_CACHE:-${HOME}/.cache/pte-free-defer}"
# kunit.py runs from the tree: keep it free of __pycache__.
export PYTHONDONTWRITEBYTECODE=1
export CCACHE_DIR="${CCACHE_DIR:-${CACHE}/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-20G}"
# ccache must not hash the build directory, so clones in other folders hit.
export CCACHE_BASEDIR="${ROOT}"
export CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-time_macros,include_file_mtime,include_file_ctime}"

# shellcheck source=base.conf
. "${ROOT}/base.conf"

mkdir -p "${LOGS}" "${RESULTS}" "${CACHE}"

SCRIPT_START=${SCRIPT_START:-$(date +%s)}
export SCRIPT_START

elapsed() {
	local s=$(( $(date +%s) - $1 ))
	printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# say MESSAGE: one progress line with the time since the top-level command began.
say() {
	printf '[%7s] %s\n' "$(elapsed "${SCRIPT_START}")" "$*"
}

die() {
	printf 'FAILED: %s\n' "$*" >&2
	exit 1
}

# run_logged LOG CMD...: run CMD with its output in LOG; on failure show the
# tail of LOG and name it.
run_logged() {
	local log="$1"
	shift
	mkdir -p "$(dirname "${log}")"
	if ! "$@" >"${log}" 2>&1; then
		printf -- '--- last lines of %s ---\n' "${log}" >&2
		tail -n 25 "${log}" >&2
		return 1
	fi
}

# need_pkgs PKG...: install the Debian packages that are missing.
need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "${p}" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("${p}")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	say "installing ${missing[*]}"
	local log="${LOGS}/apt.log"
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	if ! "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >>"${log}" 2>&1; then
		"${sudo[@]}" apt-get update >>"${log}" 2>&1 || true
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends "${missing[@]}" >>"${log}" 2>&1 ||
			die "apt-get could not install: ${missing[*]} (log: ${log})"
	fi
}

# Packages every kernel build needs.
# shellcheck disable=SC2034
KBUILD_PKGS=(build-essential bc bison flex libelf-dev libssl-dev ccache git xz-utils
	python3 perl rsync cpio kmod)

# What in a kernel log means the kernel misbehaved.
# shellcheck disable=SC2034
KLOG_BAD_RE='WARNING:|BUG:|ODEBUG|Kernel panic|Oops|Bad page|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|detected stall'

# clone_tree_at DIR COMMIT: DIR becomes a clone of the tree (sharing its
# objects) with COMMIT checked out, detached.  Callers pick DIR so that it
# lies as deep below build/ as build/linux, with their build directories
# placed like build/kunit/<target> or build/main/<arch>: kbuild's relative
# paths, and so ccache's hashes, are then the same as for the main tree.
clone_tree_at() {
	local dir="$1" commit="$2"
	if [ ! -d "${dir}/.git" ]; then
		say "cloning the tree into ${dir}"
		git clone -q --shared --no-checkout "${TREE}" "${dir}"
	fi
	git -C "${dir}" fetch -q "${TREE}" "${commit}"
	git -C "${dir}" checkout -q -f --detach "${commit}"
}

# record RESULT-FILE NAME STATUS DETAIL: one row of the summary table.
record() {
	printf '%s\t%s\t%s\n' "$2" "$3" "$4" >>"$1"
}

# kmake SRC OBJ ARCH CROSS [make args...]: kbuild with ccache, out of tree.
kmake() {
	local src="$1" obj="$2" arch="$3" cross="$4"
	shift 4
	[ "${cross}" = - ] && cross=""
	make -C "${src}" O="${obj}" ARCH="${arch}" CROSS_COMPILE="${cross}" \
		CC="ccache ${cross}gcc" HOSTCC="ccache gcc" -j"$(nproc)" "$@"
}

# kconfigure SRC OBJ ARCH CROSS FRAGMENT...: allnoconfig plus the fragments
# (merge_config.sh), then check that every requested option took.
kconfigure() {
	local src="$1" obj="$2" arch="$3" cross="$4"
	shift 4
	[ "${cross}" = - ] && cross=""
	mkdir -p "${obj}"
	local abs=() f
	for f in "$@"; do
		abs+=("$(realpath "${f}")")
	done
	(cd "${src}" && ARCH="${arch}" CROSS_COMPILE="${cross}" \
		scripts/kconfig/merge_config.sh -n -O "${obj}" "${abs[@]}") || return 1
	local frag line name bad=0
	for frag in "$@"; do
		while IFS= read -r line; do
			case "${line}" in
			CONFIG_*=*) ;;
			'# CONFIG_'*' is not set') ;;
			*) continue ;;
			esac
			if ! grep -qxF "${line}" "${obj}/.config"; then
				name=${line#\# }
				name=${name%%[= ]*}
				if [ "${line#\#}" = "${line}" ] || grep -q "^${name}=" "${obj}/.config"; then
					echo "config: ${line} (from ${frag}) did not take" >&2
					bad=1
				fi
			fi
		done <"${frag}"
	done
	return "${bad}"
}
