#!/bin/bash
# Kernel-side benchmark of pte_free_defer() (issue 6): the KUnit suite
# pte_free_defer_bench (bench/kunit/pte-free-defer-bench.patch, applied on
# top of the series) under QEMU on ppc64-hash and ppc64-radix, for two
# variants of the powerpc implementation:
#
#   series  the series as it is (refcount offset; whoever drops the last
#           plain reference queues the page, once)
#   v2      bench/kunit/ppc-v2-variant.patch on top: the series' previous
#           protocol (the first deferral queues, the callback requeues)
#   flag    bench/kunit/ppc-flag-variant.patch on top: PG_active marks the
#           page, the last reference queues it
#
# For each variant, MMU and burst size k: call_rcu() per page (mean, max),
# the most outstanding at once, and ns per pte_free_defer() and pte_free()
# call.  Results: build/results/bench-kernel.json and a table; logs in
# build/logs/bench-*.  The tree is a clone of build/linux in
# build/bench/linux, its builds in build/bench/kunit/<target>: the same
# layout as build/linux and build/kunit/<target>, so ccache hits.
#
# Environment:
#   BENCH_SMOKE=1        variant series only, k up to 16, into
#                        bench-kernel-smoke.json; under 3 minutes warm
#   BENCH_MUTANT=NAME    variant series with mutants/NAME.patch on top
#                        (as the smoke does; into bench-kernel-NAME.json),
#                        to show that the bench catches a broken variant
#   BENCH_REPS=N         bursts per k (default 20)
#   BENCH_ROUNDS=N       timed rounds per k (default 50, smoke 20)
#   BENCH_DEBUG_OBJECTS=0|1  DEBUG_OBJECTS_RCU_HEAD at run time (it is
#                        built in; 0 boots with no_debug_objects).  With it,
#                        a second call_rcu() on a queued rcu_head is caught
#                        and leaked instead of corrupting RCU's lists, but
#                        every call_rcu() costs more.  Default: 1 for the
#                        smoke and mutant runs, 0 for the full run, whose
#                        variants are meant to be correct and whose
#                        timings should not be dominated by the debug code.
#   TARGETS="..."        limit the targets (default ppc64-hash ppc64-radix)
#
# Exit status non-zero, with one line saying why, if a run fails or any
# burst costs a page more than one call_rcu() (v2: two, its design) or
# more than 1 outstanding.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

bench_patch="${ROOT}/bench/kunit/pte-free-defer-bench.patch"
flag_patch="${ROOT}/bench/kunit/ppc-flag-variant.patch"
v2_patch="${ROOT}/bench/kunit/ppc-v2-variant.patch"
kunitconfig="${ROOT}/bench/kunit/bench.kunitconfig"
targets="${TARGETS:-ppc64-hash ppc64-radix}"
smoke="${BENCH_SMOKE:-0}"
mutant="${BENCH_MUTANT:-}"
reps="${BENCH_REPS:-20}"

if [ -n "${mutant}" ]; then
	[ -f "${ROOT}/mutants/${mutant}.patch" ] || die "no mutants/${mutant}.patch"
	variants=("${mutant}")
	out="${RESULTS}/bench-kernel-${mutant}.json"
	max_k=16
	rounds=20
	debug_objects=1
elif [ "${smoke}" = 1 ]; then
	variants=(series)
	out="${RESULTS}/bench-kernel-smoke.json"
	max_k=16
	rounds=20
	debug_objects=1
else
	variants=(series v2 flag)
	out="${RESULTS}/bench-kernel.json"
	max_k=256
	rounds=50
	debug_objects=0
fi
rounds="${BENCH_ROUNDS:-${rounds}}"
debug_objects="${BENCH_DEBUG_OBJECTS:-${debug_objects}}"
extra_args=""
[ "${debug_objects}" = 1 ] || extra_args=" no_debug_objects"

run_script make-tree.sh
head=$(git -C "${TREE}" rev-parse HEAD)
src="${BUILD}/bench/linux"
clone_tree_at "${src}" "${head}"

lines="${out%.json}.lines"
runs="${out%.json}.runs"
problems="${out%.json}.problems"
: >"${lines}"
: >"${runs}"
start_all=$(date +%s)

for variant in "${variants[@]}"; do
	# Back to the series, nothing else: git apply refuses to create the
	# bench file if an earlier variant left it behind.
	git -C "${src}" checkout -q -f --detach "${head}"
	git -C "${src}" clean -q -f -d -x
	patches=("${bench_patch}")
	case "${variant}" in
	series) ;;
	flag) patches+=("${flag_patch}") ;;
	v2) patches+=("${v2_patch}") ;;
	*) patches+=("${ROOT}/mutants/${variant}.patch") ;;
	esac
	for p in "${patches[@]}"; do
		git -C "${src}" apply "${p}" || die "bench: ${p#"${ROOT}"/} does not apply onto the series"
	done
	for target in ${targets}; do
		tag="bench-${variant}"
		klog="${LOGS}/${tag}-${target}-kernel.log"
		# kunit-run.sh copies the build's test.log: never a stale one.
		rm -f "${BUILD}"/bench/kunit/*/test.log "${klog}"
		say "bench: variant ${variant} on ${target}"
		t0=$(date +%s)
		status=PASS
		KUNIT_TREE="${src}" KUNIT_TAG="${tag}" KUNIT_BUILD="${BUILD}/bench/kunit" \
			KUNIT_CONFIG="${kunitconfig}" TARGETS="${target}" \
			KUNIT_KERNEL_ARGS="pte_free_defer_bench.variant=${variant} pte_free_defer_bench.max_k=${max_k} pte_free_defer_bench.reps=${reps} pte_free_defer_bench.timing_rounds=${rounds}${extra_args}" \
			run_script kunit-run.sh || status=FAIL
		detail=$(cut -f3 "${RESULTS}/${tag}.tsv" 2>/dev/null | head -n 1)
		printf '%s\t%s\t%s\t%s\t%s\n' "${variant}" "${target}" "${status}" \
			"$(($(date +%s) - t0))" "${detail:-no result}" >>"${runs}"
		if [ -f "${klog}" ]; then
			grep -o '# bench: .*' "${klog}" | tr -d '\r' |
				sed "s/^/${variant}\t${target}\t/" >>"${lines}" || true
		fi
	done
done
git -C "${src}" checkout -q -f --detach "${head}"
git -C "${src}" clean -q -f -d -x

# JSON, table, and the verdict.
mode=full
[ "${smoke}" = 1 ] && mode=smoke
[ -n "${mutant}" ] && mode=mutant
python3 - "${lines}" "${runs}" "${out}" "${mode}" "${max_k}" "$(($(date +%s) - start_all))" \
	"${problems}" "${debug_objects}" "${head}" "${reps}" "${rounds}" <<'PY'
import json, sys

(lines_f, runs_f, out_f, mode, max_k, secs, problems_f, debug_objects, head,
 reps, rounds) = sys.argv[1:12]
max_k, secs = int(max_k), int(secs)
# One call_rcu() a page; the v2 variant's requeue makes two by design.
LIMIT_CALLS, LIMIT_OUT = 1, 1
VARIANT_LIMIT_CALLS = {"v2": 2}
NUM = {"k": int, "reps": int, "call_rcu_max": int, "outstanding_max": int,
       "frags": int, "released": int, "rounds": int, "timed_calls": int,
       "call_rcu_mean": float, "defer_ns": float, "free_ns": float, "ratio": float}

runs = []
for row in open(runs_f):
    v, t, st, s, detail = row.rstrip("\n").split("\t", 4)
    runs.append({"variant": v, "target": t, "status": st, "seconds": int(s),
                 "detail": detail})

results, problems = {}, []
for row in open(lines_f):
    v, t, text = row.rstrip("\n").split("\t", 2)
    kv = dict(f.split("=", 1) for f in text[len("# bench: "):].split() if "=" in f)
    if kv.get("variant") != v:
        problems.append(f"{v}/{t}: a line of variant {kv.get('variant')}")
        continue
    try:
        rec = {key: NUM.get(key, str)(val) for key, val in kv.items()
               if key not in ("variant", "mmu")}
        assert all(key in rec for key in NUM), "fields missing"
    except (ValueError, AssertionError) as e:
        problems.append(f"{v}/{t}: unreadable line ({e}): {text}")
        continue
    rec["target"] = t
    results.setdefault(v, {}).setdefault(kv["mmu"], {})[str(rec["k"])] = rec

# Every run passed and reported every k it should have.
for r in runs:
    v, t = r["variant"], r["target"]
    got = {k: rec for by_k in results.get(v, {}).values()
           for k, rec in by_k.items() if rec["target"] == t}
    frags = next(iter(got.values()))["frags"] if got else None
    want = [k for k in (1, 2, 4, 16, 64, 256) if k <= max_k and (frags is None or k <= frags)]
    missing = [k for k in want if str(k) not in got]
    if r["status"] != "PASS":
        problems.append(f"{v} on {t}: the KUnit run failed: {r['detail']}")
    if missing:
        problems.append(f"{v} on {t}: no result for k={','.join(map(str, missing))}")

# Limits: one line for the worst, then one a burst size that broke them.
over = []
worst = {"calls": (0, ""), "out": (0, ""), "leaks": 0}
for v, by_mmu in sorted(results.items()):
    for mmu, by_k in sorted(by_mmu.items()):
        for k, rec in sorted(by_k.items(), key=lambda kv: int(kv[0])):
            where, bad = f"{v}/{mmu} k={k}", []
            limit = VARIANT_LIMIT_CALLS.get(v, LIMIT_CALLS)
            if rec["call_rcu_max"] > limit:
                bad.append(f"call_rcu per page {rec['call_rcu_max']} > {limit}")
                worst["calls"] = max(worst["calls"], (rec["call_rcu_max"], where))
            if rec["outstanding_max"] > LIMIT_OUT:
                bad.append(f"outstanding {rec['outstanding_max']} > {LIMIT_OUT}")
                worst["out"] = max(worst["out"], (rec["outstanding_max"], where))
            if rec["released"] != rec["reps"]:
                bad.append(f"{rec['reps'] - rec['released']} of {rec['reps']} pages not released")
                worst["leaks"] += rec["reps"] - rec["released"]
            if bad:
                over.append(f"{where}: " + ", ".join(bad))
if over:
    parts = []
    if worst["calls"][0]:
        parts.append(f"call_rcu per page up to {worst['calls'][0]} ({worst['calls'][1]})")
    if worst["out"][0]:
        parts.append(f"outstanding up to {worst['out'][0]} (limit {LIMIT_OUT}, {worst['out'][1]})")
    if worst["leaks"]:
        parts.append(f"{worst['leaks']} pages never released")
    problems = ["; ".join(parts) + f" in {len(over)} runs of a burst size"] + over + problems

doc = {"mode": mode, "seconds": secs, "debug_objects_rcu_head": debug_objects == "1",
       "series_head": head, "reps": int(reps), "timing_rounds": int(rounds),
       "limits": {"call_rcu_per_burst": LIMIT_CALLS, "outstanding": LIMIT_OUT,
                  "call_rcu_per_burst_by_variant": VARIANT_LIMIT_CALLS},
       "results": results, "runs": runs, "problems": problems}
with open(out_f, "w") as f:
    json.dump(doc, f, indent=1, sort_keys=True)
    f.write("\n")

hdr = ("variant", "mmu", "k", "call_rcu mean", "max", "outst.", "defer ns", "free ns", "ratio")
print("%-26s %-5s %4s %13s %4s %6s %9s %9s %6s" % hdr)
for v, by_mmu in results.items():
    for mmu in sorted(by_mmu):
        for k, rec in sorted(by_mmu[mmu].items(), key=lambda kv: int(kv[0])):
            print("%-26s %-5s %4s %13.2f %4d %6d %9.1f %9.1f %6.2f" % (
                v, mmu, k, rec["call_rcu_mean"], rec["call_rcu_max"],
                rec["outstanding_max"], rec["defer_ns"], rec["free_ns"], rec["ratio"]))
with open(problems_f, "w") as f:
    f.writelines(p + "\n" for p in problems)
PY
say "bench: results in ${out#"${ROOT}"/}, logs in ${LOGS#"${ROOT}"/}/bench-*"
if [ -s "${problems}" ]; then
	tail -n +2 "${problems}" | sed 's/^/  also: /' >&2
	die "bench (${mode}): $(head -n 1 "${problems}")"
fi
say "bench (${mode}): every burst within one call_rcu() a page (v2: two), 1 outstanding"
