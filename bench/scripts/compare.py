"""Joins two files of JSON result lines (ours, reference) by name and prints a table with ratios.

ratio = reference seconds / our seconds: above 1.0 means we are faster.
Optional: --peak GFLOPS adds our share of a machine peak for lines that report gflops. Lines that
report a median on both sides also get the ratio of the medians.
"""
import json
import sys


def load(path):
    """Result lines by name. A name seen in several rounds keeps its fastest line, with the median
    of the rounds' medians where lines report one."""
    rounds = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                rounds.setdefault(r["name"], []).append(r)
    out = {}
    for name, rs in rounds.items():
        best = dict(min(rs, key=lambda r: r["seconds"]))
        medians = sorted(r["median"] for r in rs if "median" in r)
        if medians:
            best["median"] = medians[len(medians) // 2]
        best["rounds"] = len(rs)
        out[name] = best
    return out


def main():
    args = sys.argv[1:]
    peak = None
    if "--peak" in args:
        i = args.index("--peak")
        peak = float(args[i + 1])
        del args[i:i + 2]
    ours, ref = load(args[0]), load(args[1])
    label = args[2] if len(args) > 2 else "reference"
    print("%-28s %12s %12s %8s %s" % ("case", "ours ms", label + " ms", "ratio", "notes"))
    for name, r in ours.items():
        o = r["seconds"] * 1e3
        t = ref.get(name)
        note = ""
        if "tflops" in r:
            note = "%.1f TFLOP/s" % r["tflops"]
            if t is not None and "tflops" in t:
                note += " (theirs %.1f)" % t["tflops"]
        if "gbps" in r:
            note = "%.0f GB/s" % r["gbps"]
            if "of_copy" in r:
                note += ", %.0f%% of our copy" % (100 * r["of_copy"])
        if "gflops" in r:
            note = "%.1f GFLOP/s" % r["gflops"]
            if peak:
                note += " (%.0f%% of %.0f peak)" % (100 * r["gflops"] / peak, peak)
        if t is not None and "median" in r and "median" in t:
            note += "; median ratio %.2fx" % (t["median"] / r["median"])
        if t is None:
            print("%-28s %12.3f %12s %8s %s" % (name, o, "-", "-", note))
        else:
            print("%-28s %12.3f %12.3f %7.2fx %s" % (name, o, t["seconds"] * 1e3, t["seconds"] / r["seconds"], note))


if __name__ == "__main__":
    main()
