# shellcheck shell=bash
# Common helpers for the workbench scripts: paths, progress, logs, apt.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The base and its series: BASE=6.1 (default) or 6.12, one file each in
# bases/.  Every stage takes it from the environment (make BASE=6.12 ...).
export BASE="${BASE:-6.1}"
if [ ! -f "${ROOT}/bases/${BASE}.conf" ]; then
	printf 'FAILED: no base %s: bases/ has %s\n' "${BASE}" \
		"$(find "${ROOT}/bases" -name '*.conf' -printf '%f ' | sed 's/\.conf / /g')" >&2
	exit 1
fi
# shellcheck source=bases/6.1.conf
. "${ROOT}/bases/${BASE}.conf"
# shellcheck disable=SC2034 # used by the scripts that source this file
SERIES="${ROOT}/${BASE_SERIES}"

# base_dir BASE: where that base's tree, builds, logs and results go.
base_dir() {
	local dir
	# shellcheck disable=SC1090 # one of bases/*.conf
	dir=$(. "${ROOT}/bases/$1.conf" && echo "${BASE_BUILD}")
	echo "${ROOT}/${dir}"
}
# A base's tree, builds, logs and results, in the same layout for each.
BUILD="${ROOT}/${BASE_BUILD}"
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
# arch/s390/Makefile passes -Wa,-I$(srctree)/arch/s390/include with the
# tree's absolute path, which base_dir does not rewrite inside -Wa,: left
# in the hash, it made every s390 object miss in another clone or tree.
export CCACHE_IGNOREOPTIONS="${CCACHE_IGNOREOPTIONS:--Wa,-I*}"
# A warm build is mostly ccache hashing the same headers for every object:
# the inode cache hashes each file once (scripts/time-warm-build.sh: 0-4%
# off a warm x86_64 build, about the spread between two runs).
# CCACHE_NOINODECACHE=1 turns it off (ccache rejects CCACHE_INODECACHE=0).
[ -n "${CCACHE_NOINODECACHE:-}" ] || export CCACHE_INODECACHE="${CCACHE_INODECACHE:-1}"
# Parallel jobs of a kernel build: one more than the CPUs, to keep both
# busy while a job waits on the disk (time-warm-build.sh, a warm x86_64
# build: -j3 within the spread of -j2, -j4 2 s less; docs/results.md).
JOBS="${JOBS:-$(($(nproc) + 1))}"

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

# Long-running children (a kernel build, kunit.py, QEMU, a stage's script)
# run in a session and process group of their own (setsid): one kill then
# reaches them and everything they started, and Ctrl-C on the terminal
# reaches only the scripts, whose traps (below) end the groups: TERM, then
# KILL after the group's grace (QEMU can be deaf to SIGTERM).  Scripts add
# their own cleanup with at_exit, not with trap, which would replace these.
PGROUPS=()
declare -A PGROUP_GRACE=()
# Seconds from TERM to KILL for the groups start_group starts.
GROUP_GRACE=5
EXIT_CMDS=()

# pgid_of PID: the process group of PID; fails if PID is gone.
pgid_of() {
	local s
	read -r s 2>/dev/null <"/proc/$1/stat" || return 1
	# Fields after "(comm) ": state, ppid, pgrp.
	s=${s##*) }
	read -r _ _ s _ <<<"${s}"
	echo "${s}"
}

# start_group CMD...: start the program CMD (not a shell function) in the
# background, stdin /dev/null, in a new session and group whose id is its
# pid, GROUP_PID.  It is ended with the script unless wait_group saw it end.
start_group() {
	local pg
	setsid "$@" </dev/null &
	GROUP_PID=$!
	PGROUPS+=("${GROUP_PID}")
	PGROUP_GRACE[${GROUP_PID}]=${GROUP_GRACE}
	# Until setsid has run, a kill of the group would miss it.
	while pg=$(pgid_of "${GROUP_PID}") && [ "${pg}" != "${GROUP_PID}" ]; do
		sleep 0.01
	done
}

# group_alive PGID: a process of group PGID is still there.  Zombies do
# not count: init reaps orphans in its own time.
group_alive() {
	ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'
}

# forget_group PGID...: no longer end these groups on exit.
forget_group() {
	local g pg keep=()
	for g in "${PGROUPS[@]}"; do
		for pg in "$@"; do
			[ "${g}" = "${pg}" ] && continue 2
		done
		keep+=("${g}")
	done
	PGROUPS=("${keep[@]}")
}

# kill_group PGID...: end the groups and all in them: TERM, then KILL to
# what is left after each group's grace; returns once they are gone (or
# 2s after the KILL, for a process stuck in the kernel).
kill_group() {
	# Without bash's "Killed  setsid ..." notices of the ended jobs.
	_kill_group "$@" 2>/dev/null
}

_kill_group() {
	local pg left=() still t=0 limit
	for pg in "$@"; do
		kill -TERM -- "-${pg}" 2>/dev/null || true
		# A stopped process would hold the TERM until continued.
		kill -CONT -- "-${pg}" 2>/dev/null || true
		left+=("${pg}")
	done
	while [ "${#left[@]}" -gt 0 ]; do
		still=()
		for pg in "${left[@]}"; do
			group_alive "${pg}" || continue
			limit=$((${PGROUP_GRACE[${pg}]:-${GROUP_GRACE}} * 5))
			if [ "${t}" -ge "${limit}" ]; then
				kill -KILL -- "-${pg}" 2>/dev/null || true
				[ "${t}" -ge $((limit + 10)) ] && continue
			fi
			still+=("${pg}")
		done
		left=("${still[@]}")
		[ "${#left[@]}" -eq 0 ] || sleep 0.2
		t=$((t + 1))
	done
	forget_group "$@"
}

# kill_groups: end every group this script started that may still be there.
kill_groups() {
	[ "${#PGROUPS[@]}" -eq 0 ] || kill_group "${PGROUPS[@]}"
}

# wait_group PGID: wait for the command start_group started and return
# its status; whatever it left running in its group is ended.
wait_group() {
	local status=0
	# Without bash's "Killed  setsid ..." notice: the caller names it.
	wait "$1" 2>/dev/null || status=$?
	kill_group "$1"
	return "${status}"
}

# run_group CMD...: CMD as if in the foreground, but in a group of its own,
# and a signal to this script is acted on at once, not when CMD is done.
run_group() {
	start_group "$@"
	wait_group "${GROUP_PID}"
}

# run_script NAME ARG...: run_group for scripts/NAME.  It ends its own
# groups on a TERM first, so it gets more time before the KILL.
run_script() {
	local GROUP_GRACE=60 name="$1"
	shift
	run_group "${ROOT}/scripts/${name}" "$@"
}

# at_exit CMD ARG...: run CMD (a program or a function) with these
# arguments, as they are now, when the script ends, however it ends.
at_exit() {
	EXIT_CMDS+=("$(printf '%q ' "$@")")
}

_cleanup() {
	local c
	kill_groups
	for c in "${EXIT_CMDS[@]}"; do
		eval "${c}" || true
	done
	EXIT_CMDS=()
}

_on_exit() {
	local rc=$?
	trap '' INT TERM HUP
	_cleanup
	exit "${rc}"
}

# A script may define on_signal SIG, called first (run-tests.sh names the
# interrupted stage).  Then the cleanup, and the script dies of the signal,
# so that a calling shell stops too.
_on_signal() {
	# A second Ctrl-C must not cut the cleanup short.
	trap '' INT TERM HUP
	if declare -F on_signal >/dev/null; then
		on_signal "$1" || true
	fi
	_cleanup
	trap - EXIT "$1"
	kill -s "$1" "$$"
	exit $((128 + $(kill -l "$1")))
}
trap _on_exit EXIT
trap '_on_signal INT' INT
trap '_on_signal TERM' TERM
trap '_on_signal HUP' HUP

# Packages every kernel build needs.
KBUILD_PKGS=(build-essential bc bison flex libelf-dev libssl-dev ccache git xz-utils
	python3 perl rsync cpio kmod)
# What each script asks need_pkgs for; stage_pkgs adds them up per stage.
# guest-build.sh names its own: GUEST_PKGS repeats them, keep them alike.
IMPORT_PKGS=(git xz-utils dpkg-dev)
KUNIT_PKGS=("${KBUILD_PKGS[@]}" python3 qemu-system-ppc qemu-system-x86 qemu-system-misc
	qemu-system-data gcc-powerpc64-linux-gnu gcc-s390x-linux-gnu gcc-i686-linux-gnu)
CHECK_PKGS=("${KBUILD_PKGS[@]}" sparse python3-ply python3-git gcc-powerpc64-linux-gnu
	gcc-powerpc64le-linux-gnu gcc-aarch64-linux-gnu gcc-s390x-linux-gnu gcc-sparc64-linux-gnu
	gcc-i686-linux-gnu gcc-arm-linux-gnueabihf gcc-riscv64-linux-gnu shellcheck)
BOOT_KERNEL_PKGS=("${KBUILD_PKGS[@]}" gcc-powerpc64le-linux-gnu)
BOOT_TESTS_PKGS=(qemu-system-ppc e2fsprogs)
GUEST_PKGS=(gcc gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross e2fsprogs)
MODEL_PKGS=(spin gcc)

# stage_pkgs STAGE...: every package the stages of run-tests.sh need, one a
# line, each once (from the scripts each stage runs).
stage_pkgs() {
	local stage p=()
	for stage in "$@"; do
		case "${stage%@*}" in
		check) p+=("${IMPORT_PKGS[@]}" "${CHECK_PKGS[@]}") ;;
		kunit | kunit-base | kunit-repeat | bench-smoke) p+=("${IMPORT_PKGS[@]}" "${KUNIT_PKGS[@]}") ;;
		baseline | boot)
			p+=("${IMPORT_PKGS[@]}" "${BOOT_KERNEL_PKGS[@]}" "${GUEST_PKGS[@]}" "${BOOT_TESTS_PKGS[@]}") ;;
		# KUnit mutants and boot mutants.
		mutants | mutants-boot | bench)
			p+=("${IMPORT_PKGS[@]}" "${KUNIT_PKGS[@]}" "${BOOT_KERNEL_PKGS[@]}" "${GUEST_PKGS[@]}"
				"${BOOT_TESTS_PKGS[@]}") ;;
		# model-check.sh asks for them only if spin or gcc is missing.
		model)
			command -v spin >/dev/null && command -v gcc >/dev/null || p+=("${MODEL_PKGS[@]}") ;;
		*) return 1 ;;
		esac
	done
	[ "${#p[@]}" -eq 0 ] || printf '%s\n' "${p[@]}" | sort -u
}

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

# kernel_files: the paths of stdin, one a line, that a kernel build can
# read: tools/, Documentation/ and MAINTAINERS left out.
kernel_files() {
	grep -v -e '^tools/' -e '^Documentation/' -e '^MAINTAINERS$' || true
}

# changes_arch PATHS DIR: whether a change to PATHS (kernel_files' output)
# can change a kernel of arch/DIR: a path outside arch/, or in arch/DIR/.
# make check builds a commit only for such targets; kunit-base.sh skips
# the targets that the series' fixes cannot change.
changes_arch() {
	[ -n "$1" ] && { grep -q -v '^arch/' <<<"$1" || grep -q "^arch/$2/" <<<"$1"; }
}

# record RESULT-FILE NAME STATUS DETAIL: one row of the summary table.
record() {
	printf '%s\t%s\t%s\n' "$2" "$3" "$4" >>"$1"
}

# shared_tree: the check's own clone of the series, build/check/linux (at
# the series when make check ends), if it holds exactly the commit
# build/linux holds and neither has changes; else nothing.  make kunit,
# make and make mutants then build there, into the check's build
# directories (build/check/kunit/<target>, build/check/main/ppc64le): in a
# make test, each configuration of the series is built once, by the
# check, instead of once more by each stage (README, "Time").  A tree with
# changes, or commits not in the check's, is built where it always was.
shared_tree() {
	local s="${BUILD}/check/linux" mine theirs
	[ -d "${s}/.git" ] && [ -d "${TREE}/.git" ] || return 0
	mine=$(git -C "${TREE}" rev-parse -q --verify 'HEAD^{tree}') || return 0
	theirs=$(git -C "${s}" rev-parse -q --verify 'HEAD^{tree}') || return 0
	[ "${mine}" = "${theirs}" ] || return 0
	[ -z "$(git -C "${TREE}" status --porcelain --untracked-files=no)" ] || return 0
	[ -z "$(git -C "${s}" status --porcelain --untracked-files=no)" ] || return 0
	echo "${s}"
}
# in_list WORD LIST: WORD is one of the words of LIST (grep -w would take
# "x86_64" for one of "x86_64-kunit").
in_list() {
	local list=" ${2//[$'\t\n']/ } "
	[[ "${list}" == *" $1 "* ]]
}
# kunit_common_args SRC BDIR ARCH CROSS FRAG QEMU KUNITCONFIG: kunit.py's
# options, one a line, for a target of configs/kunit/targets.conf built
# from tree SRC in BDIR, but for those of the run itself (--jobs, --json,
# ...).  make kunit and the check's KUnit-configured targets take their
# configuration and make options from here, so that the objects of either
# are the other's ccache hits.
kunit_common_args() {
	local src="$1" bdir="$2" arch="$3" cross="$4" frag="$5" qemu="$6" kconf="$7"
	[ "${cross}" = - ] && cross=""
	printf '%s\n' "--build_dir=${bdir}" "--arch=${arch}" "--kunitconfig=${kconf}" \
		"--kunitconfig=${ROOT}/configs/kunit/${frag}.config"
	[ -z "${cross}" ] || echo "--cross_compile=${cross}"
	printf -- '--make_options=%s\n' "CC=ccache ${cross}gcc" "HOSTCC=ccache gcc" "$(kunit_hostcflags "${src}")"
	[ "${qemu}" = - ] || echo "--qemu_config=${ROOT}/configs/kunit/${qemu}"
}
# kunit_hostcflags SRC: 6.12 builds out of tree with an absolute srctree,
# and s390's gen_facilities writes its own __FILE__ into facility-defs.h,
# which every s390 object includes: with the tree's path in it, no object
# was a direct ccache hit in another tree (a 400 s rebuild each time).
kunit_hostcflags() {
	echo "HOSTCFLAGS=-fmacro-prefix-map=$(cd "$1" && pwd)/="
}
# kmake SRC OBJ ARCH CROSS [make args...]: kbuild with ccache, out of tree.
kmake() {
	local src="$1" obj="$2" arch="$3" cross="$4"
	shift 4
	[ "${cross}" = - ] && cross=""
	# make and its compilers in a group of their own, ended with the script.
	run_group make -C "${src}" O="${obj}" ARCH="${arch}" CROSS_COMPILE="${cross}" \
		CC="ccache ${cross}gcc" HOSTCC="ccache gcc" -j"${JOBS}" "$@"
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
