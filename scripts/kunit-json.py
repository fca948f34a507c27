#!/usr/bin/env python3
"""Read the results kunit.py writes with --json.

kunit-json.py counts JSON                 "PASS FAIL SKIP": the cases, each
                                          parameter of a case counted as one
kunit-json.py status JSON CASE [PARAM]    FAIL if CASE (or its parameter
                                          PARAM) failed, else its status
                                          (PASS, SKIP), or MISSING
kunit-json.py xfail JSON XFAIL TARGET     the verdict against the failures
                                          XFAIL expects on TARGET (lines
                                          "target<TAB>case[: param]<TAB>reason"):
                                          "PASS|XFAIL|FAIL<TAB>detail"

A case is named as in the suite: "case", or "case: param" for a
parameter of a parameterised case.
"""
import json
import sys


def leaves(path):
    """(name, status) of every case and parameter, suites flattened."""
    out = []

    def walk(group, depth):
        for case in group.get("test_cases", []):
            name = case["name"] if depth <= 1 else "%s: %s" % (group["name"], case["name"])
            out.append((name, case.get("status", "").upper()))
        for sub in group.get("sub_groups", []):
            walk(sub, depth + 1)
    with open(path) as f:
        walk(json.load(f), 0)
    return out


def failed(status):
    return status in ("FAIL", "ERROR")


def main(argv):
    cmd, path = argv[1], argv[2]
    cases = leaves(path)
    if cmd == "counts":
        print(sum(s == "PASS" for _, s in cases), sum(failed(s) for _, s in cases),
              sum(s == "SKIP" for _, s in cases))
    elif cmd == "status":
        name = argv[3] if len(argv) == 4 else "%s: %s" % (argv[3], argv[4])
        got = [s for n, s in cases if n == name or (len(argv) == 4 and n.startswith(name + ": "))]
        print("MISSING" if not got else "FAIL" if any(failed(s) for s in got) else got[0])
    elif cmd == "xfail":
        target = argv[4]
        want = {}
        with open(argv[3]) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                t, case, reason = line.rstrip("\n").split("\t", 2)
                if t == target:
                    want[case] = reason
        status = dict(cases)
        bad = [n for n, s in cases if failed(s) and n not in want]
        missed = ["%s %s, expected to fail: %s" % (c, status.get(c, "MISSING"), r)
                  for c, r in want.items() if not failed(status.get(c, "MISSING"))]
        if bad or missed:
            print("FAIL\t" + "; ".join(["unexpected failure: " + n for n in bad] + missed))
        elif want:
            print("XFAIL\t" + "; ".join("%s: %s" % (c, r) for c, r in want.items()))
        else:
            print("PASS\t")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
