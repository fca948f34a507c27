#!/bin/bash
# make check: apply patches/ onto a fresh base, run checkpatch on every
# patch, and build every commit of the series for every target in
# configs/check/targets.conf that the commit can affect (it touches files outside
# arch/, or in the target's own arch/; tools/, Documentation/ and MAINTAINERS
# are not read by a kernel build).  Each build is a full vmlinux;
# files the commit touches are then recompiled with W=1 and sparse, and a
# warning on a line the commit added fails the check.  A target is
# configured again at a commit only if a Kconfig file or a script changed
# since its .config was made (otherwise configuring makes the same one).
#
# The check's tree is build/check/linux, every target built out of tree
# from there.  A target whose fragment is "boot" is built with the boot
# kernel's configuration (configs/boot/ppc64le-pseries.config) into
# build/check/main/ppc64le: laid out as build/linux and build/main/ppc64le
# are (and build/baseline/...), so that the check's builds of the series
# and the boot stages' builds of the base and of the series share their
# objects in ccache.
#
# A target whose fragment is "kunit:NAME" is configured and built as make
# kunit builds its target NAME (configs/kunit/targets.conf): the .config
# that kunit.py makes of the series (the suite's own kunitconfig exists
# only from its commit on) goes through olddefconfig at each commit, which
# drops the suite's option before its commit, and the build is laid out as
# make kunit's, into build/check/kunit/FRAG-ARCH:
# the suite itself gets W=1 and sparse, and make kunit's build of NAME
# finds the check's objects in ccache.
#
# Environment: TARGETS="x86_64 s390x" limits the targets (default: the
# base's BASE_CHECK_TARGETS); CHECK_ALL=1 (make check-all) builds every
# target.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

res="${RESULTS}/check.tsv"
: >"${res}"
need_pkgs "${CHECK_PKGS[@]}"

src="${BUILD}/check/linux"
# The check's own tree: whatever a stage left in it (a mutant, another
# layout: build/check/src was its first tree) is thrown away.
if [ -d "${src}/.git" ] && git -C "${src}" rev-parse -q --verify base >/dev/null; then
	git -C "${src}" reset -q --hard
	git -C "${src}" clean -q -fdx
else
	rm -rf "${src}"
fi
rm -rf "${BUILD}/check/src"
say "check: applying ${BASE_SERIES}/ onto a fresh base in ${src}"
PTE_TREE="${src}" FORCE=1 run_script make-tree.sh >"${LOGS}/check-tree.log" 2>&1 || {
	cat "${LOGS}/check-tree.log" >&2
	record "${res}" "apply series onto base" FAIL "log: ${LOGS}/check-tree.log"
	die "the series does not apply (log: ${LOGS}/check-tree.log)"
}
record "${res}" "apply series onto base (git am)" PASS "$(git -C "${src}" rev-list --count base..series) patches"
mapfile -t commits < <(git -C "${src}" rev-list --reverse base..series)

fails=0
# new_files_maintained PATCH: every file PATCH creates has a MAINTAINERS
# section of its own (get_maintainer.pl on the series tree).
new_files_maintained() {
	local f sections ok=0
	while IFS= read -r f; do
		sections=$(cd "${src}" && { ./scripts/get_maintainer.pl --nogit --nogit-fallback --sections -f "${f}" |
			grep -v -e '^[A-Z]:' -e '^[[:space:]]*$' -e '^THE REST$' || true; })
		if [ -z "${sections}" ]; then
			echo "MAINTAINERS: no section covers ${f}"
			ok=1
		else
			echo "MAINTAINERS: ${f} is covered by: ${sections//$'\n'/, }"
		fi
	done < <(awk '/^diff --git / { f = substr($4, 3) } /^new file mode/ { print f }' "$1")
	return "${ok}"
}

# checkpatch on the exported patches, as users will apply them.
n=0
for p in "${SERIES}"/[0-9][0-9][0-9][0-9]-*.patch; do
	case "${p}" in *0000-cover-letter.patch) continue ;; esac
	n=$((n + 1))
	log="${LOGS}/checkpatch-$(basename "${p}" .patch).log"
	# /usr/bin first: spdxcheck.py needs the python3 that apt gave python3-ply.
	# checkpatch asks whether MAINTAINERS needs updating for any new file
	# (FILE_PATH_CHANGES); answer it instead: a new file must be covered
	# by a MAINTAINERS section other than THE REST.  It also looks up the
	# commit of a Fixes: tag in the tree's history (UNKNOWN_COMMIT_ID),
	# which the base, imported from a tarball as one commit, does not have;
	# the tag's format is still checked (GIT_COMMIT_ID).
	if (cd "${src}" && PATH="/usr/bin:${PATH}" ./scripts/checkpatch.pl --strict \
		--ignore FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID "${p}") >"${log}" 2>&1 &&
		grep -q '^total: 0 errors, 0 warnings, 0 checks' "${log}" &&
		grep -q '^Signed-off-by: ' "${p}" && new_files_maintained "${p}" >>"${log}"; then
		record "${res}" "checkpatch --strict, Signed-off-by: patch ${n}" PASS ""
	else
		record "${res}" "checkpatch --strict, Signed-off-by: patch ${n}" FAIL "log: ${log}"
		say "check: checkpatch FAILED for patch ${n} (log: ${log})"
		fails=$((fails + 1))
	fi
done
# checkpatch caches CamelCase names in the tree; keep it clean.
rm -f "${src}"/.checkpatch-camelcase.*

# The workbench's own scripts (shellcheck: in CHECK_PKGS).
if (cd "${ROOT}" && shellcheck -x scripts/*.sh .ci/run) >"${LOGS}/shellcheck.log" 2>&1; then
	record "${res}" "shellcheck scripts/" PASS ""
else
	record "${res}" "shellcheck scripts/" FAIL "log: ${LOGS}/shellcheck.log"
	fails=$((fails + 1))
fi

mapfile -t targets < <(grep -v '^#' "${ROOT}/configs/check/targets.conf" | awk 'NF == 4')
# Empty: every target.
if [ "${CHECK_ALL:-0}" = 1 ]; then
	TARGETS=""
else
	TARGETS="${TARGETS:-${BASE_CHECK_TARGETS:-}}"
fi

# added_lines COMMIT: "file:line" for every line the commit adds.
added_lines() {
	git -C "${src}" diff -U0 "$1^" "$1" | awk '
		/^\+\+\+ b\// { file = substr($0, 7); next }
		/^@@/ {
			split($3, a, ",")
			start = substr(a[1], 2); count = (a[2] == "" ? 1 : a[2])
			for (i = 0; i < count; i++) print file ":" start + i
		}'
}

# warning_loc OBJ SRC MESSAGE: "file:line" of a gcc or sparse message,
# the file relative to SRC.  gcc names the file as its command line did,
# which ccache made relative to OBJ (CCACHE_BASEDIR); sparse as kbuild did,
# absolute.
warning_loc() {
	local file="${3%%:*}" rest="${3#*:}"
	case "${file}" in /*) ;; *) file=$(realpath -m "$1/${file}") ;; esac
	printf '%s:%s\n' "${file#"$(realpath -m "$2")"/}" "${rest%%:*}"
}

# ipi_call_sites OBJ CROSS: calls (or tail calls) to
# tlb_remove_table_sync_one() in OBJ's mm/khugepaged.o, "-" if not built.
ipi_call_sites() {
	local o="$1/mm/khugepaged.o" cross="${2#-}"
	[ -f "${o}" ] || { echo -; return; }
	"${cross}objdump" -dr "${o}" | grep -c 'R_[A-Z0-9_]*[[:space:]]*tlb_remove_table_sync_one\b' || true
}
declare -A ipi_calls=()

# kunit_target NAME: NAME's line of configs/kunit/targets.conf.
kunit_target() {
	awk -v n="$1" '$1 == n { print; f = 1 } END { exit !f }' "${ROOT}/configs/kunit/targets.conf"
}
# kunit_config NAME: where the .config kunit.py makes of the series for
# KUnit target NAME is kept (by make_kunit_config).
kunit_config() {
	echo "${BUILD}/check/kunit-config/$1/.config"
}
# make_kunit_config NAME: make it, with ${src} at the series.
make_kunit_config() {
	local dir="${BUILD}/check/kunit-config/$1" arch cross frag qemu common
	read -r _ arch cross frag qemu _ < <(kunit_target "$1") || return 1
	mapfile -t common < <(kunit_common_args "${src}" "${dir}" "${arch}" "${cross}" "${frag}" \
		"${qemu}" mm/.kunitconfig)
	rm -rf "${dir}"
	mkdir -p "${dir}"
	env -C "${src}" python3 tools/testing/kunit/kunit.py config "${common[@]}"
}
# configure_target FRAG SRC OBJ ARCH CROSS FILE...: OBJ's .config, merged
# from fragments onto allnoconfig, or for "kunit:NAME", NAME's .config.
configure_target() {
	local frag="$1"
	shift
	case "${frag}" in
	kunit:*)
		mkdir -p "$2"
		cp "$5" "$2/.config"
		kmake "$1" "$2" "$3" "$4" "$(kunit_hostcflags "$1")" olddefconfig
		;;
	*) kconfigure "$@" ;;
	esac
}

# config_stamp OBJ KEY COMMIT: OBJ's .config is the one that configuring
# COMMIT with the fragments of KEY made.
config_stamp() {
	printf '%s %s\n' "$3" "$(sha256sum <"$1/.config" | cut -c1-64)" >"$1/.configured-$2"
}
# config_still_valid OBJ KEY COMMIT: configuring COMMIT would make OBJ's
# .config again (2-3 s a build saved): it is unchanged since it was made
# for a commit of this series with the same fragments (KEY), and no
# Kconfig file or script, the only inputs of a configuration besides the
# fragments and the compiler (which KEY covers), changed from there to
# COMMIT.
config_still_valid() {
	local prev sum changed
	[ -f "$1/.configured-$2" ] && read -r prev sum <"$1/.configured-$2" || return 1
	[ -f "$1/.config" ] && [ "$(sha256sum <"$1/.config" | cut -c1-64)" = "${sum}" ] || return 1
	changed=$(git -C "${src}" diff --name-only "${prev}" "$3" 2>/dev/null) || return 1
	! grep -q -e '\(^\|/\)Kconfig[^/]*$' -e '^scripts/' <<<"${changed}"
}

# The KUnit targets' configurations, of the series as make-tree.sh left it.
for t in "${targets[@]}"; do
	read -r name _ _ frag <<<"${t}"
	case "${frag}" in kunit:*) ;; *) continue ;; esac
	if [ -n "${TARGETS:-}" ] && ! in_list "${name}" "${TARGETS}"; then
		continue
	fi
	log="${LOGS}/check-kunit-config-${frag#kunit:}.log"
	if ! make_kunit_config "${frag#kunit:}" >"${log}" 2>&1; then
		rm -f "$(kunit_config "${frag#kunit:}")"
		record "${res}" "configure ${name} as make kunit does" FAIL "log: ${log}"
		say "check: kunit.py config failed for ${name} (log: ${log})"
		fails=$((fails + 1))
	fi
done

i=0
for c in "${commits[@]}"; do
	i=$((i + 1))
	subject=$(git -C "${src}" log -1 --format=%s "${c}")
	files=$(git -C "${src}" diff --name-only "${c}^" "${c}")
	kfiles=$(kernel_files <<<"${files}")
	git -C "${src}" checkout -q "${c}"
	added="${BUILD}/check/added-${i}.txt"
	added_lines "${c}" >"${added}"
	for t in "${targets[@]}"; do
		read -r name arch cross frag <<<"${t}"
		if [ -n "${TARGETS:-}" ] && ! in_list "${name}" "${TARGETS}"; then
			continue
		fi
		row="build patch ${i} ${name}"
		if [ -z "${kfiles}" ]; then
			record "${res}" "${row}" SKIP "touches nothing a kernel build reads"
			continue
		fi
		if ! changes_arch "${kfiles}" "${arch}"; then
			record "${res}" "${row}" SKIP "touches no file ${arch} builds"
			continue
		fi
		# make's ARCH and extra options, and the goal.
		march="${arch}" mopts=() goal=(vmlinux)
		case "${frag}" in
		boot)
			obj="${BUILD}/check/main/${name}"
			frags=("${ROOT}/configs/boot/ppc64le-pseries.config")
			;;
		kunit:*)
			frags=("$(kunit_config "${frag#kunit:}")")
			if [ ! -f "${frags[0]}" ] ||
				! read -r _ march cross kfrag _ < <(kunit_target "${frag#kunit:}"); then
				record "${res}" "${row}" FAIL "no configuration: see the row 'configure ${name} as make kunit does'"
				fails=$((fails + 1))
				continue
			fi
			obj="${BUILD}/check/kunit/${kfrag}-${march}"
			mopts=("$(kunit_hostcflags "${src}")")
			# kunit.py's goal: make's default.
			goal=()
			;;
		*)
			obj="${BUILD}/check/${name}"
			frags=("${ROOT}/configs/check/common.config" "${ROOT}/configs/check/${frag}.config")
			;;
		esac
		# A build is redone when the commit, the fragments or the compiler change.
		key=$(cat "${frags[@]}" <("${cross#-}gcc" --version) | sha256sum | cut -c1-16)
		stamp="${obj}/.ok-${c}-${key}"
		if [ -f "${stamp}" ]; then
			record "${res}" "${row}" PASS "built earlier in this build dir"
			ipi_calls["${name}:${c}"]=$(cat "${stamp}")
			continue
		fi
		log="${LOGS}/check-${i}-${name}.log"
		start=$(date +%s)
		say "check: patch ${i}/${#commits[@]} ${name}: building (${subject})"
		configured=1
		if config_still_valid "${obj}" "${key}" "${c}"; then
			echo "${obj}/.config kept: no Kconfig file or script changed since it was made" >"${log}"
		elif ! run_logged "${log}" configure_target "${frag}" "${src}" "${obj}" "${march}" "${cross}" "${frags[@]}"; then
			configured=0
		else
			config_stamp "${obj}" "${key}" "${c}"
		fi
		if [ "${configured}" -eq 0 ] ||
			! run_logged "${log}.build" kmake "${src}" "${obj}" "${march}" "${cross}" "${mopts[@]}" "${goal[@]}"; then
			record "${res}" "${row}" FAIL "log: ${log}[.build]"
			say "check: patch ${i} ${name} FAILED to build (log: ${log}.build)"
			fails=$((fails + 1))
			continue
		fi
		# W=1 and sparse on the .c files of the commit that this target compiles.
		newwarn=0
		wlog="${LOGS}/check-${i}-${name}-warnings.log"
		: >"${wlog}"
		checker=(C=2)
		# Debian 12's sparse (0.6.4) rejects the -march that 6.1 passes for
		# riscv ("invalid argument to '-march'"): W=1 alone there.
		[ "${arch}" = riscv ] && checker=()
		for f in ${files}; do
			case "${f}" in *.c) ;; *) continue ;; esac
			[ -f "${obj}/${f%.c}.o" ] || continue
			kmake "${src}" "${obj}" "${march}" "${cross}" "${mopts[@]}" W=1 "${checker[@]}" "${f%.c}.o" >>"${wlog}" 2>&1 || newwarn=1
		done
		while IFS= read -r w; do
			if grep -qxF "$(warning_loc "${obj}" "${src}" "${w}")" "${added}"; then
				echo "new: ${w}" >>"${wlog}.new"
				newwarn=1
			fi
		done < <(grep -E '^[^ ]+:[0-9]+:[0-9]*:? *(warning|error):' "${wlog}" || true)
		if [ "${newwarn}" -ne 0 ]; then
			record "${res}" "${row}" FAIL "new W=1/sparse warnings: ${wlog}"
			say "check: patch ${i} ${name}: new W=1/sparse warnings (log: ${wlog})"
			fails=$((fails + 1))
			continue
		fi
		# The stamp keeps the retraction IPI count for a later run.
		ipi_calls["${name}:${c}"]=$(ipi_call_sites "${obj}" "${cross}")
		echo "${ipi_calls["${name}:${c}"]}" >"${stamp}"
		record "${res}" "${row}" PASS "$(($(date +%s) - start))s"
	done
done
# The retraction IPI: kept where a pmd is read in two halves, gone elsewhere
# (on a base whose series drops it: BASE_RETRACT_IPI).
ipi_conf=/dev/null
[ -z "${BASE_RETRACT_IPI:-}" ] || ipi_conf="${ROOT}/${BASE_RETRACT_IPI}"
ipi_subject=$(sed -n 's/^subject //p' "${ipi_conf}")
ipi_commit=$(git -C "${src}" log --format='%H %s' base..series | awk -v s="${ipi_subject}" \
	'substr($0, 42) == s { print $1 }')
while read -r name expect; do
	case "${name}" in '#'* | '' | subject) continue ;; esac
	if [ -n "${TARGETS:-}" ] && ! in_list "${name}" "${TARGETS}"; then
		continue
	fi
	row="retraction IPI ${expect}: ${name}"
	if [ -z "${ipi_commit}" ]; then
		record "${res}" "${row}" FAIL "no commit '${ipi_subject}' in the series (${ipi_conf})"
		fails=$((fails + 1))
		continue
	fi
	before=${ipi_calls["${name}:$(git -C "${src}" rev-parse "${ipi_commit}^")"]:--}
	after=${ipi_calls["${name}:${ipi_commit}"]:--}
	detail="tlb_remove_table_sync_one() calls in mm/khugepaged.o: ${before} before, ${after} after"
	ok=0
	if [ "${before}" != - ] && [ "${after}" != - ] && [ "${before}" -ge 2 ]; then
		case "${expect}" in
		keep) [ "${after}" -eq "${before}" ] && ok=1 ;;
		drop) [ "${after}" -lt "${before}" ] && [ "${after}" -ge 1 ] && ok=1 ;;
		esac
	fi
	if [ "${ok}" -eq 1 ]; then
		record "${res}" "${row}" PASS "${detail}"
	else
		record "${res}" "${row}" FAIL "${detail}"
		say "check: retraction IPI not ${expect}: ${name}: ${detail}"
		fails=$((fails + 1))
	fi
done <"${ipi_conf}"

# At the series: make kunit, make and make mutants build there, into the
# check's build directories, when it holds what build/linux holds (lib.sh,
# shared_tree).
git -C "${src}" checkout -q series
say "check: ${fails} failure(s); results in ${res}"
[ "${fails}" -eq 0 ]
