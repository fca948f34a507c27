#!/usr/bin/env python3
"""The README's table of a base: each KUnit case on the base alone and
with the series, per target.

kunit-compare.py RESULTS XFAIL TARGET...   RESULTS: a base's results
    directory (build/6.12/results), with kunit-base-TARGET.json and
    kunit-TARGET.json; XFAIL: the base's expected failures
    (configs/kunit/xfail-6.12.tsv).  Prints a markdown table: a row per
    case, "base / series" per target, and why a case fails on the base.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
kj = __import__("kunit-json")


def main(results, xfail, targets):
    why = {}
    with open(xfail) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                t, case, reason = line.rstrip("\n").split("\t", 2)
                why.setdefault(case, {})[t] = reason
    runs, order = {}, []
    for t in targets:
        for kind in ("kunit-base", "kunit"):
            path = os.path.join(results, "%s-%s.json" % (kind, t))
            got = dict(kj.leaves(path)) if os.path.exists(path) else {}
            runs[(kind, t)] = got
            order += [c for c in got if c not in order]
    print("| case | " + " | ".join("%s: base / series" % t for t in targets) + " | why it fails on the base |")
    print("| --- | " + " | ".join("---" for _ in targets) + " | --- |")
    for c in order:
        cells = ["%s / %s" % (runs[("kunit-base", t)].get(c, "—"), runs[("kunit", t)].get(c, "—"))
                 for t in targets]
        reasons = sorted(set(why.get(c, {}).values()))
        print("| %s | %s | %s |" % (c, " | ".join(cells), "; ".join(reasons)))


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
