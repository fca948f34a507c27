#!/usr/bin/env python3
"""Tables, JSON and the plot of make bench.

bench-report.py guest TXT JSON   key=value lines of the guest runs -> JSON + table
bench-report.py all DIR          merge DIR/bench-kernel.json and
                                 DIR/bench-guest.json into DIR/bench.json,
                                 draw DIR/bench.svg
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
    head = ("kernel", "mmu", "tables", "IPIs/table", "net of idle",
            "ms/table", "awaiting GP", "settle")
    print("%-18s %-6s %7s %10s %11s %9s %12s %8s" % head)
    for r in rows:
        name = dict(KERNELS).get(r["kernel"], r["kernel"])
        print("%-18s %-6s %7d %10.2f %11.2f %9.2f %9d kB %5d ms" % (
            name, r["mmu"], r["retracted"], r["ipis_per_table"],
            r["ipis_per_table_net"], r["collapse_ms_per_table"],
            r["pt_awaiting_gp_kb"], r["settle_ms"]))


def bar_panel(out, x0, y0, w, h, title, rows, key, unit):
    """One panel of grouped bars: MMUs on the axis, one bar per kernel."""
    colors = {"base": "#999999", "noipi": "#e69f00", "full": "#0072b2"}
    vals = [r[key] for r in rows]
    top = max(vals + [1e-9]) * 1.15
    out.append('<text x="%d" y="%d" font-size="14" font-weight="bold">%s</text>'
               % (x0, y0 - 10, title))
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
               % (x0, y0 + h, x0 + w, y0 + h))
    group_w = w / len(MMUS)
    bar_w = group_w / (len(KERNELS) + 1)
    for gi, mmu in enumerate(MMUS):
        gx = x0 + gi * group_w
        out.append('<text x="%.0f" y="%d" font-size="12" text-anchor="middle">%s</text>'
                   % (gx + group_w / 2, y0 + h + 16, mmu))
        for ki, (k, _) in enumerate(KERNELS):
            r = [r for r in rows if r["kernel"] == k and r["mmu"] == mmu]
            if not r:
                continue
            v = r[0][key]
            bh = max(v, 0) / top * h
            bx = gx + (ki + 0.5) * bar_w
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                       % (bx, y0 + h - bh, bar_w * 0.9, bh, colors[k]))
            out.append('<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle">%.2f</text>'
                       % (bx + bar_w * 0.45, y0 + h - bh - 3, v))
    out.append('<text x="%d" y="%d" font-size="11">%s</text>' % (x0, y0 + h + 32, unit))


def plot(rows, path):
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="760" height="330" '
           'font-family="sans-serif">',
           '<rect width="100%" height="100%" fill="white"/>']
    bar_panel(out, 40, 40, 320, 220, "IPIs per retracted page table", rows,
              "ipis_per_table_net", "net of the idle rate; /proc/interrupts")
    base = {r["mmu"]: r["collapse_ms_per_table"] for r in rows if r["kernel"] == "base"}
    for r in rows:
        r["time_vs_base"] = r["collapse_ms_per_table"] / base.get(r["mmu"], 0) \
            if base.get(r["mmu"]) else 0.0
    bar_panel(out, 420, 40, 320, 220, "Time per retraction, base = 1", rows,
              "time_vs_base", "MADV_COLLAPSE wall time per table (QEMU TCG)")
    for i, (k, name) in enumerate(KERNELS):
        colors = {"base": "#999999", "noipi": "#e69f00", "full": "#0072b2"}
        out.append('<rect x="%d" y="305" width="12" height="12" fill="%s"/>'
                   % (40 + i * 200, colors[k]))
        out.append('<text x="%d" y="315" font-size="12">%s</text>' % (58 + i * 200, name))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    if sys.argv[1] == "guest":
        rows = parse_guest(sys.argv[2])
        with open(sys.argv[3], "w") as f:
            json.dump(rows, f, indent=1)
        guest_table(rows)
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
            plot([dict(r) for r in merged["guest"]], os.path.join(d, "bench.svg"))
    else:
        sys.exit("usage: bench-report.py guest TXT JSON | all DIR")


if __name__ == "__main__":
    main()
