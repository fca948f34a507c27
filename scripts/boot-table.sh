#!/bin/bash
# boot-table.sh STAGE LABEL: print the boot tests' results of every kernel
# that has them (base, series) side by side, one column per kernel and
# MMU, and copy LABEL's rows into build/results/STAGE.tsv for the summary.
# Exit status 1 if any of LABEL's rows failed; the base's failures are
# recorded as XFAIL, since the series must only pass what the base passes.
# The stage that boots a kernel removes its earlier results first
# (baseline.sh, main-job.sh), so no file read here is from an earlier run
# of that stage; the base's table leaves the series out, as its stage,
# run after this one, has not written them yet.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

stage="$1" label="$2"
files=() labels=(base)
[ "${label}" = base ] || labels+=(series)
for l in "${labels[@]}"; do
	for mmu in radix hash; do
		f="${RESULTS}/boot-${l}-${mmu}.tsv"
		[ -s "${f}" ] && files+=("${f}")
	done
done
[ "${#files[@]}" -gt 0 ] || die "no boot test results in ${RESULTS}"

echo
awk -F'\t' '
	FNR == 1 {
		n = split(FILENAME, p, "/"); col = p[n]
		sub(/^boot-/, "", col); sub(/\.tsv$/, "", col); sub(/-/, " ", col)
		cols[++ncol] = col
	}
	{
		if (!($1 in seen)) { seen[$1] = 1; rows[++nrow] = $1 }
		cell[$1, ncol] = $2
	}
	END {
		printf "%-22s", "boot test"
		for (c = 1; c <= ncol; c++) printf " %-13s", cols[c]
		printf "\n"
		for (r = 1; r <= nrow; r++) {
			printf "%-22s", rows[r]
			for (c = 1; c <= ncol; c++) {
				v = cell[rows[r], c]; printf " %-13s", v == "" ? "-" : v
			}
			printf "\n"
		}
	}' "${files[@]}"
echo

out="${RESULTS}/${stage}.tsv"
: >"${out}"
for mmu in radix hash; do
	f="${RESULTS}/boot-${label}-${mmu}.tsv"
	if [ -s "${f}" ]; then
		# The base's own failures are reference data (XFAIL), not ours.
		awk -F'\t' -v p="${label} ${mmu}: " -v base="$([ "${label}" = base ] && echo 1)" '
			base && $2 == "FAIL" { $2 = "XFAIL"; $3 = "fails on the base: " $3 }
			{ printf "%s%s\t%s\t%s\n", p, $1, $2, $3 }' "${f}" >>"${out}"
	else
		record "${out}" "${label} ${mmu}" FAIL "no results (see ${LOGS}/boot-${label}-${mmu}.log)"
	fi
done
# The series must pass whatever the base passes, and run every test the
# base ran.  Rows the table makes up when the guest stops early ("test N",
# "guest") are left out: they name no test.
if [ "${label}" = series ]; then
	for mmu in radix hash; do
		b="${RESULTS}/boot-base-${mmu}.tsv" s="${RESULTS}/boot-series-${mmu}.tsv"
		if [ ! -s "${b}" ] || [ ! -s "${s}" ]; then
			continue
		fi
		lost=$(awk -F'\t' '
			NR == FNR {
				if ($1 !~ /^test [0-9]+$/ && $1 != "guest" && !($1 in base)) { names[++n] = $1; base[$1] = $2 }
				next
			}
			{ series[$1] = $2 }
			END {
				for (i = 1; i <= n; i++) {
					t = names[i]
					if (!(t in series)) missing = missing " " t
					else if (base[t] == "PASS" && series[t] != "PASS") fails = fails " " t
				}
				if (fails != "") out = "base passes, series fails:" fails
				if (missing != "") out = out (out == "" ? "" : "; ") "missing from the series:" missing
				print out
			}' "${b}" "${s}")
		if [ -n "${lost}" ]; then
			record "${out}" "series ${mmu}: passes what base passes" FAIL "${lost}"
		else
			record "${out}" "series ${mmu}: passes what base passes" PASS ""
		fi
	done
fi
! grep -q -v -e $'\tPASS\t' -e $'\tSKIP\t' -e $'\tXFAIL\t' "${out}"
