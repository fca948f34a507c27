#!/usr/bin/env python3
"""Tables, JSON and the plots of make bench.

bench-report.py kernel LINES RUNS JSON PROBLEMS KEY=VALUE...
                                 the kernel side's bench lines and runs
                                 (scripts/bench-kernel.sh) -> JSON, table,
                                 and the problems found, one a line
bench-report.py guest TXT JSON   key=value lines of the guest runs -> JSON + table
bench-report.py all DIR          merge DIR/bench-kernel.json and
                                 DIR/bench-guest.json into DIR/bench.json,
                                 draw DIR/bench-kernel.svg and
                                 DIR/bench-guest.svg, write the README's
                                 tables to DIR/bench.md
"""
import json
import os
import sys

KERNELS = [("base", "6.1 base"), ("noipi", "series, IPI kept"), ("full", "full series")]
MMUS = ["radix", "hash"]


def parse_guest(path):
    rows = []
    with open(path) as f:
        for line in f:
            rec = {}
            for tok in line.split():
                key, _, val = tok.partition("=")
                try:
                    rec[key] = int(val)
                except ValueError:
                    try:
                        rec[key] = float(val)
                    except ValueError:
                        rec[key] = val
            if rec:
                rows.append(rec)
    return rows


def guest_table(rows):
    head = ("kernel", "mmu", "vCPUs", "tables", "IPIs/table", "net of idle",
            "ms/table", "awaiting GP", "settle")
    print("%-18s %-6s %5s %7s %10s %11s %9s %12s %8s" % head)
    for r in sorted(rows, key=lambda r: (r["mmu"], r["kernel"], r["vcpus"])):
        name = dict(KERNELS).get(r["kernel"], r["kernel"])
        print("%-18s %-6s %5d %7d %10.2f %11.2f %9.2f %9d kB %5d ms" % (
            name, r["mmu"], r["vcpus"], r["retracted"], r["ipis_per_table"],
            r["ipis_per_table_net"], r["collapse_ms_per_table"],
            r["pt_awaiting_gp_kb"], r["settle_ms"]))


def svg_text(out, x, y, text, size=11, anchor="start", bold=False):
    out.append('<text x="%.1f" y="%.1f" font-size="%d" text-anchor="%s"%s>%s</text>'
               % (x, y, size, anchor, ' font-weight="bold"' if bold else "", text))


def axis(out, x0, y0, w, h, top, title, unit):
    """Frame of a panel: title, baseline, left axis with 0 and @top."""
    svg_text(out, x0, y0 - 10, title, 13, bold=True)
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
               % (x0, y0 + h, x0 + w, y0 + h))
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
               % (x0, y0, x0, y0 + h))
    svg_text(out, x0 - 4, y0 + h + 4, "0", 10, "end")
    svg_text(out, x0 - 4, y0 + 4, "%.3g" % top, 10, "end")
    svg_text(out, x0, y0 + h + 44, unit, 11)


def legend(out, x, y, items):
    for i, (name, color) in enumerate(items):
        out.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>'
                   % (x + i * 170, y, color))
        svg_text(out, x + 18 + i * 170, y + 10, name, 12)


def bars(out, x0, y0, w, h, title, unit, groups, series, value, whisker=None,
         top=None, ref=None):
    """Grouped bars: @groups on the axis, one bar per (name, color) of
    @series; value(group, name) gives the height or None, whisker the
    (low, high) or None; @ref draws a dashed line at that value."""
    vals = [value(g, n) for g in groups for n, _ in series]
    highs = [whisker(g, n)[1] for g in groups for n, _ in series
             if whisker and whisker(g, n)]
    top = top or max([v for v in vals if v is not None] + highs + [ref or 0, 1e-9]) * 1.15
    axis(out, x0, y0, w, h, top, title, unit)
    gw = w / max(len(groups), 1)
    bw = gw / (len(series) + 1)
    for gi, g in enumerate(groups):
        gx = x0 + gi * gw
        svg_text(out, gx + gw / 2, y0 + h + 16, g, 10, "middle")
        for si, (n, color) in enumerate(series):
            v = value(g, n)
            if v is None:
                continue
            # A bar above @top is cut there; its label says how high.
            bh = min(max(v, 0) / top, 1.0) * h
            bx = gx + (si + 0.5) * bw
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                       % (bx, y0 + h - bh, bw * 0.9, bh, color))
            wk = whisker(g, n) if whisker else None
            if wk:
                cx = bx + bw * 0.45
                lo, hi = (y0 + h - max(x, 0) / top * h for x in wk)
                out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>'
                           % (cx, lo, cx, hi))
            # Values where there is room, and always on a bar cut at @top.
            if bw >= 16 or v > top:
                svg_text(out, bx + bw * 0.45, y0 + h - bh - 3, "%.3g" % v, 8, "middle")
    if ref is not None:
        ry = y0 + h - ref / top * h
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#cc0000" '
                   'stroke-dasharray="4,3"/>' % (x0, ry, x0 + w, ry))


def lines(out, x0, y0, w, h, title, unit, xs, series, value):
    """Lines over @xs (the vCPU counts): one per (name, color, dashed) of
    @series, value(name, x) the point or None."""
    pts = [value(n, x) for n, _, _ in series for x in xs]
    top = max([p for p in pts if p is not None] + [1e-9]) * 1.15
    axis(out, x0, y0, w, h, top, title, unit)
    step = w / max(len(xs) - 1, 1)
    for i, x in enumerate(xs):
        svg_text(out, x0 + i * step, y0 + h + 16, str(x), 10, "middle")
    for n, color, dashed in series:
        ps = [(x0 + i * step, y0 + h - value(n, x) / top * h)
              for i, x in enumerate(xs) if value(n, x) is not None]
        if not ps:
            continue
        out.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>'
                   % (color, ' stroke-dasharray="6,3"' if dashed else "",
                      " ".join("%.1f,%.1f" % p for p in ps)))
        for px, py in ps:
            out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (px, py, color))


def svg(path, width, height, body):
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif">' % (width, height),
           '<rect width="100%" height="100%" fill="white"/>'] + body + ["</svg>"]
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def plot_guest(rows, path):
    """IPIs and time per retracted table against the vCPU count."""
    xs = sorted({r["vcpus"] for r in rows})
    by = {(r["kernel"], r["mmu"], r["vcpus"]): r for r in rows}
    series = [("%s %s" % (k, m), c, m == "hash")
              for k, c in (("base", "#999999"), ("full", "#0072b2")) for m in MMUS]

    def val(key):
        def f(name, x):
            k, m = name.split()
            r = by.get((k, m, x))
            return r[key] if r else None
        return f
    body = []
    lines(body, 50, 40, 320, 220, "IPIs per retracted page table", "vCPUs; net of "
          "the idle rate, /proc/interrupts", xs, series, val("ipis_per_table_net"))
    # Time as a ratio to the base with as many vCPUs: TCG's absolute
    # times mean little, and hash's are 20 times radix's.
    ratio = [("full %s" % m, "#0072b2", m == "hash") for m in MMUS]

    def vs_base(name, x):
        m = name.split()[1]
        f, b = by.get(("full", m, x)), by.get(("base", m, x))
        if not f or not b or not b["collapse_ms_per_table"]:
            return None
        return f["collapse_ms_per_table"] / b["collapse_ms_per_table"]
    lines(body, 460, 40, 320, 220, "Time per retraction, full series / base",
          "vCPUs; MADV_COLLAPSE wall time per table", xs, ratio, vs_base)
    items = [("6.1 base", "#999999"), ("full series", "#0072b2")]
    legend(body, 50, 320, items)
    svg_text(body, 400, 330, "solid: radix, dashed: hash", 12)
    svg(path, 820, 345, body)


DESIGNS = [("series", "#0072b2"), ("v2", "#e69f00"), ("flag", "#009e73")]


def plot_kernel(doc, path):
    """Per MMU: call_rcu() per page, grace periods waited, and the cost
    ratio with its quartiles, for each design and case."""
    res = doc["results"]
    body = []
    for mi, mmu in enumerate(MMUS):
        cases = sorted({key for v in res.values() for key in v.get(mmu, {})},
                       key=case_order)
        if not cases:
            continue
        y = 40 + mi * 330

        def rec(case, design):
            return res.get(design, {}).get(mmu, {}).get(case)

        def field(key, timed=False):
            def f(case, design):
                r = rec(case, design)
                return r[key] if r and (r["rounds"] or not timed) else None
            return f

        def quart(case, design):
            r = rec(case, design)
            return (r["ratio_p25"], r["ratio_p75"]) if r and r["rounds"] else None
        timed = [c for c in cases if any(field("rounds")(c, d) for d, _ in DESIGNS)]
        bars(body, 50, y, 440, 200, "%s: call_rcu() per page in its life (max)" % mmu,
             "case: pattern/k; dashed: the limit, 1; bars cut at 4", cases, DESIGNS,
             field("call_rcu_max"), top=4.0, ref=1)
        bars(body, 540, y, 440, 200, "%s: grace periods waited" % mmu,
             "after the last reference (median)", cases, DESIGNS, field("gps"), ref=1)
        bars(body, 1030, y, 340, 200, "%s: defer / free" % mmu,
             "time ratio: median, quartiles of pairs of rounds", timed, DESIGNS,
             field("ratio", True), whisker=quart, ref=1)
    legend(body, 50, 700, [("series", "#0072b2"), ("v2 (previous protocol)", "#e69f00"),
                           ("flag (PG_active mark)", "#009e73")])
    svg(path, 1400, 720, body)


# ---- kernel side ---------------------------------------------------------

# A page of the series (or of a mutant of it) gets exactly one call_rcu()
# in its life; the other designs are measured against it, not held to it.
LIMIT_CALLS, LIMIT_OUT = 1, 1
MEASURED_ONLY = ("v2", "flag")
K_INT = ("k", "reps", "call_rcu_min", "call_rcu_max", "outstanding_max",
         "released", "frags", "latency_us", "latency_us_max", "rounds",
         "timed_calls", "page_defer_ns", "page_free_ns")
K_FLOAT = ("call_rcu_mean", "gps", "gps_max", "defer_ns", "free_ns", "ratio",
           "ratio_p25", "ratio_p75")
BURSTS = (1, 2, 4, 16, 64, 256)
PATTERNS = ("burst", "spread", "mixed")


def case_order(key):
    pattern, k = key.split("/")
    return (PATTERNS.index(pattern), int(k))


def kernel(lines_f, runs_f, out_f, problems_f, params):
    """The bench lines of every run -> JSON, a table and the problems."""
    max_k = int(params["max_k"])
    runs = []
    for row in open(runs_f):
        v, t, st, s, detail = row.rstrip("\n").split("\t", 4)
        runs.append({"variant": v, "target": t, "status": st, "seconds": int(s),
                     "detail": detail})

    # results[variant][mmu]["pattern/k"]: the numbers of one line
    results, problems = {}, []
    for row in open(lines_f):
        v, t, text = row.rstrip("\n").split("\t", 2)
        kv = dict(f.split("=", 1) for f in text[len("# bench: "):].split() if "=" in f)
        if kv.get("variant") != v:
            problems.append(f"{v}/{t}: a line of variant {kv.get('variant')}")
            continue
        try:
            rec = {key: int(kv[key]) for key in K_INT}
            rec.update({key: float(kv[key]) for key in K_FLOAT})
            rec["pattern"] = kv["pattern"]
            assert rec["pattern"] in PATTERNS, "pattern " + rec["pattern"]
        except (KeyError, ValueError, AssertionError) as e:
            problems.append(f"{v}/{t}: unreadable line ({e!r}): {text}")
            continue
        rec["target"] = t
        key = f"{rec['pattern']}/{rec['k']}"
        results.setdefault(v, {}).setdefault(kv["mmu"], {})[key] = rec

    # Every run passed and reported every pattern and k it should have.
    for r in runs:
        v, t = r["variant"], r["target"]
        got = {key: rec for by_key in results.get(v, {}).values()
               for key, rec in by_key.items() if rec["target"] == t}
        if not got:
            missing = ["any case"]
        else:
            frags = next(iter(got.values()))["frags"]
            top = min(frags, max_k)
            want = [f"burst/{k}" for k in BURSTS if k <= top]
            want += [f"spread/{k}" for k in sorted({2, top})] + [f"mixed/{frags}"]
            missing = [key for key in want if key not in got]
        if r["status"] != "PASS":
            problems.append(f"{v} on {t}: the KUnit run failed: {r['detail']}")
        if missing:
            problems.append(f"{v} on {t}: no result for {', '.join(missing)}")

    # Limits: one line for the worst, then one per case over them.
    over = []
    worst = {"calls": (0, ""), "out": (0, ""), "leaks": 0}
    for v, by_mmu in sorted(results.items()):
        for mmu, by_key in sorted(by_mmu.items()):
            for key in sorted(by_key, key=case_order):
                rec, where, bad = by_key[key], f"{v}/{mmu} {key}", []
                if v not in MEASURED_ONLY:
                    if rec["call_rcu_max"] > LIMIT_CALLS:
                        bad.append(f"call_rcu per page {rec['call_rcu_max']} > {LIMIT_CALLS}")
                        worst["calls"] = max(worst["calls"], (rec["call_rcu_max"], where))
                    if rec["call_rcu_min"] < 1:
                        bad.append("a page released without call_rcu")
                if rec["outstanding_max"] > LIMIT_OUT:
                    bad.append(f"outstanding {rec['outstanding_max']} > {LIMIT_OUT}")
                    worst["out"] = max(worst["out"], (rec["outstanding_max"], where))
                if rec["released"] != rec["reps"]:
                    bad.append(f"{rec['reps'] - rec['released']} of {rec['reps']} "
                               "pages not released")
                    worst["leaks"] += rec["reps"] - rec["released"]
                if bad:
                    over.append(f"{where}: " + ", ".join(bad))

    # The series costs no more than the flag design within the spread of
    # both: dearer only when its lower quartile is above the flag design's
    # upper one, for an MMU and case that both timed.
    costs = []
    for mmu, by_key in sorted(results.get("series", {}).items()):
        for key in sorted(by_key, key=case_order):
            s = by_key[key]
            f = results.get("flag", {}).get(mmu, {}).get(key)
            if not f or not s["rounds"]:
                continue
            ok = s["ratio_p25"] <= f["ratio_p75"]
            costs.append({"mmu": mmu, "case": key, "series": s["ratio"],
                          "series_p25": s["ratio_p25"], "flag": f["ratio"],
                          "flag_p75": f["ratio_p75"], "ok": ok})
            if not ok:
                over.append(f"series/{mmu} {key}: defer/free {s['ratio']:.2f} "
                            f"(25th percentile {s['ratio_p25']:.2f}) above the flag "
                            f"design's {f['ratio']:.2f} (75th percentile "
                            f"{f['ratio_p75']:.2f})")
    if over:
        parts = []
        if worst["calls"][0]:
            parts.append(f"call_rcu per page up to {worst['calls'][0]} ({worst['calls'][1]})")
        if worst["out"][0]:
            parts.append(f"outstanding up to {worst['out'][0]} "
                         f"(limit {LIMIT_OUT}, {worst['out'][1]})")
        if worst["leaks"]:
            parts.append(f"{worst['leaks']} pages never released")
        if any(not c["ok"] for c in costs):
            parts.append("the series' deferral dearer than the flag design's")
        if not parts:
            parts.append("a page released without call_rcu")
        problems = ["; ".join(parts) + f" in {len(over)} cases"] + over + problems

    doc = {"mode": params["mode"], "seconds": int(params["seconds"]),
           "debug_objects_rcu_head": params["debug_objects"] == "1",
           "series_head": params["head"], "reps": int(params["reps"]),
           "spread_reps": int(params["spread_reps"]),
           "timing_rounds": int(params["rounds"]),
           "limits": {"call_rcu_per_page": LIMIT_CALLS, "outstanding": LIMIT_OUT,
                      "measured_only": list(MEASURED_ONLY)},
           "results": results, "costs_vs_flag": costs, "runs": runs,
           "problems": problems}
    with open(out_f, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    kernel_table(results)
    with open(problems_f, "w") as f:
        f.writelines(p + "\n" for p in problems)


def kernel_table(results):
    hdr = ("variant", "mmu", "case", "call_rcu mean", "min", "max", "outst.",
           "GPs", "wait us", "defer ns", "free ns", "ratio", "p25-p75")
    print("%-26s %-5s %-10s %13s %4s %4s %6s %5s %8s %9s %9s %6s %11s" % hdr)
    for v, by_mmu in results.items():
        for mmu in sorted(by_mmu):
            for key in sorted(by_mmu[mmu], key=case_order):
                r = by_mmu[mmu][key]
                if r["rounds"]:
                    timed = "%9.1f %9.1f %6.2f %5.2f-%-5.2f" % (
                        r["defer_ns"], r["free_ns"], r["ratio"], r["ratio_p25"],
                        r["ratio_p75"])
                else:
                    timed = "%9s %9s %6s %11s" % ("-", "-", "-", "-")
                print("%-26s %-5s %-10s %13.2f %4d %4d %6d %5.2f %8d %s" % (
                    v, mmu, key, r["call_rcu_mean"], r["call_rcu_min"],
                    r["call_rcu_max"], r["outstanding_max"], r["gps"],
                    r["latency_us"], timed))


# ---- markdown, for the README ------------------------------------------

def markdown(merged):
    """The README's tables of both sides, from bench.json."""
    out = []
    k = merged.get("kernel")
    if k:
        res = k["results"]
        out.append("Kernel side (`%s` mode, %d lives a burst size and mixed, %d a spread, "
                   "%d timed rounds; DEBUG_OBJECTS_RCU_HEAD %s at run time):"
                   % (k["mode"], k["reps"], k["spread_reps"], k["timing_rounds"],
                      "on" if k["debug_objects_rcu_head"] else "off"))
        out.append("")
        recs = [r for v in res.values() for m in v.values() for r in m.values()]
        leaked = sum(r["reps"] - r["released"] for r in recs)
        out.append("Each cell: `call_rcu()` a page in its life (max) · grace periods the "
                   "page waited after its last reference (median) · time of the deferring "
                   "window over the freeing one, median (quartiles). Outstanding at once: "
                   "at most %d in every cell; %s."
                   % (max(r["outstanding_max"] for r in recs),
                      "every page released" if not leaked else
                      "%d pages not released" % leaked))
        out.append("")
        names = [d for d, _ in DESIGNS if d in res]
        out.append("| MMU | case | " + " | ".join(names) + " |")
        out.append("| --- | --- | " + " | ".join("---" for _ in names) + " |")
        for mmu in MMUS:
            cases = sorted({c for v in res.values() for c in v.get(mmu, {})}, key=case_order)
            for c in cases:
                cells = []
                for d in names:
                    r = res[d].get(mmu, {}).get(c)
                    if not r:
                        cells.append("—")
                        continue
                    cell = "%d · %.2f" % (r["call_rcu_max"], r["gps"])
                    if r["rounds"]:
                        cell += " · %.2f (%.2f–%.2f)" % (r["ratio"], r["ratio_p25"],
                                                         r["ratio_p75"])
                    cells.append(cell)
                out.append("| %s | %s | %s |" % (mmu, c, " | ".join(cells)))
        out.append("")
    g = merged.get("guest")
    if g:
        out.append("Guest side (`collapse_bench -p 2 -m 1024`):")
        out.append("")
        out.append("| kernel | MMU | vCPUs | tables | IPIs per table (net of idle) "
                   "| ms per retraction | awaiting a grace period | settled after |")
        out.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for r in sorted(g, key=lambda r: (MMUS.index(r["mmu"]), r["vcpus"],
                                          [x for x, _ in KERNELS].index(r["kernel"]))):
            out.append("| %s | %s | %d | %d | %.2f | %.2f | %d kB | %d ms |" % (
                dict(KERNELS)[r["kernel"]], r["mmu"], r["vcpus"], r["retracted"],
                r["ipis_per_table_net"], r["collapse_ms_per_table"],
                r["pt_awaiting_gp_kb"], r["settle_ms"]))
        out.append("")
    return "\n".join(out)


def main():
    if sys.argv[1] == "guest":
        rows = parse_guest(sys.argv[2])
        with open(sys.argv[3], "w") as f:
            json.dump(rows, f, indent=1)
        guest_table(rows)
    elif sys.argv[1] == "kernel" and len(sys.argv) >= 6:
        params = dict(a.split("=", 1) for a in sys.argv[6:])
        kernel(*sys.argv[2:6], params)
    elif sys.argv[1] == "all":
        d = sys.argv[2]
        merged = {}
        for part in ("kernel", "guest"):
            p = os.path.join(d, "bench-%s.json" % part)
            if os.path.exists(p):
                with open(p) as f:
                    merged[part] = json.load(f)
        with open(os.path.join(d, "bench.json"), "w") as f:
            json.dump(merged, f, indent=1)
        if "guest" in merged:
            plot_guest(merged["guest"], os.path.join(d, "bench-guest.svg"))
        if "kernel" in merged:
            plot_kernel(merged["kernel"], os.path.join(d, "bench-kernel.svg"))
        with open(os.path.join(d, "bench.md"), "w") as f:
            f.write(markdown(merged))
    else:
        sys.exit("usage: bench-report.py kernel LINES RUNS JSON PROBLEMS KEY=VALUE... | guest TXT JSON | all DIR")


if __name__ == "__main__":
    main()
