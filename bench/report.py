#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Turn the records vmem_bench printed into tables, a CSV file and a plot.
#
# Usage: report.py --env NAME --log KERNEL-LOG --out DIR
#
# Writes DIR/bench.csv, DIR/report.txt (also printed) and DIR/bench.png
# (gnuplot; DIR/bench.gp is the script).  The records are described at the
# top of bench/vmem_bench.c.  Nothing here judges pass or fail: the
# expectations of the issue are stated with the numbers measured.

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys

RECORD = re.compile(r"vmem_bench: ([IRMLSKPF]),(.*)$")
SPLAT = re.compile(r"WARNING:|BUG:|Oops|KASAN|UBSAN|kmemleak|lockdep|"
                   r"circular locking|list_(add|del) corruption|"
                   r"vmem: .*(bad free|leaked)")
# UML's PCI-over-virtio, forced on by kunit.py, warns once at every boot.
BENIGN = re.compile(r"arch/um/drivers/virt-pci\.c")

ORDER = ["vmem-if", "vmem-bf", "vmem-nf", "vmem-if-qc16", "genpool-ff",
         "genpool-bf", "iova", "iova-fast", "ida", "idr-cyclic"]

PANELS = [
    ("frag", 2, "vmem-if",
     "frag: n live, a 1-quantum hole between each two; pairs of 2 quanta (no hole fits)"),
    ("frag", 1, "vmem-if",
     "frag: the same arena; pairs of 1 quantum (a hole fits)"),
    ("mixed", 0, "vmem-if",
     "mixed: n live of 1-64 quanta; free a random one, allocate a random size"),
    ("ids", 1, "vmem-nf",
     "ids: n live identifiers of 4n; free a random one, allocate one"),
]


def order_key(name):
    return (ORDER.index(name) if name in ORDER else len(ORDER), name)


def parse(path):
    info, runs, mems, lats, srcs, cliffs, fails = {}, [], [], [], [], [], []
    steps = []
    with open(path, errors="replace") as f:
        for line in f:
            if SPLAT.search(line) and not BENIGN.search(line):
                fails.append(["kernel log: " + line.strip()])
            m = RECORD.search(line.rstrip("\r\n"))
            if not m:
                continue
            kind, rest = m.group(1), m.group(2).split(",")
            try:
                if kind == "I":
                    info[rest[0]] = ",".join(rest[1:])
                elif kind == "R":
                    wl, name, n, size, cpus, ops, ns = rest
                    runs.append(dict(workload=wl, allocator=name, n=int(n),
                                     size=int(size), cpus=int(cpus),
                                     ops=int(ops), ns=int(ns)))
                elif kind == "M":
                    name, state, n, measured, acc = rest
                    mems.append(dict(allocator=name, state=state, n=int(n),
                                     measured=int(measured),
                                     accounted=int(acc)))
                elif kind == "L":
                    wl, name, n, op, calls, longest, total = rest
                    lats.append(dict(workload=wl, allocator=name, n=int(n),
                                     op=op, calls=int(calls),
                                     max=int(longest), total=int(total)))
                elif kind == "S":
                    phase, n, live, imp, rel, iq, pairs = rest
                    srcs.append(dict(phase=phase, n=int(n), live=int(live),
                                     imports=int(imp), releases=int(rel),
                                     iq=int(iq), pairs=int(pairs)))
                elif kind == "K":
                    _, name, fill, pairs, ns, nfail, filled = rest
                    cliffs.append(dict(allocator=name, fill=int(fill),
                                       ops=int(pairs), ns=int(ns),
                                       fails=int(nfail),
                                       filled=int(filled)))
                elif kind == "P":
                    _, step, iters, ns = rest
                    steps.append((step, int(ns) / int(iters)))
                elif kind == "F":
                    fails.append(rest)
            except ValueError:
                fails.append(["unparsed"] + rest)
    info["srcs"] = srcs
    info["cliffs"] = cliffs
    info["steps"] = steps
    return info, runs, mems, lats, fails


def per_op(r):
    return r["ns"] / r["ops"] if r["ops"] else float("nan")


def find(runs, wl, name, n=None, size=None, cpus=None):
    for r in runs:
        if (r["workload"] == wl and r["allocator"] == name and
                (n is None or r["n"] == n) and
                (size is None or r["size"] == size) and
                (cpus is None or r["cpus"] == cpus)):
            return r
    return None


def fmt_ns(x):
    if x != x:
        return "-"
    return "%.0f" % x if x >= 100 else "%.1f" % x


def emit(out, head, rows, indent="  ", left=1):
    """Columns padded to their widest cell; the first @left to the left."""
    widths = [max(len(x[i]) for x in [head] + rows) for i in range(len(head))]
    for row in [head] + rows:
        out.append(indent + "  ".join(c.ljust(w) if i < left else c.rjust(w)
                                      for i, (c, w) in
                                      enumerate(zip(row, widths))))


def table(out, runs, wl, size, ref):
    sel = [r for r in runs if r["workload"] == wl and r["size"] == size]
    if not sel:
        return
    ns = sorted({r["n"] for r in sel})
    names = sorted({r["allocator"] for r in sel}, key=order_key)
    head = ["allocator"] + ["n=%g" % n for n in ns]
    rows = []
    for name in names:
        row = [name]
        for n in ns:
            r = find(sel, wl, name, n)
            b = find(sel, wl, ref, n)
            if not r:
                row.append("-")
                continue
            cell = fmt_ns(per_op(r))
            if b and name != ref:
                cell += " (%.2fx)" % (per_op(r) / per_op(b))
            row.append(cell)
        rows.append(row)
    emit(out, head, rows)


def cost_table(out, runs):
    """What observability costs: each variant's pair against the plain one."""
    variants = [("plain (trace events disabled)", "cost", ""),
                ("VMEM_ARENA_DEBUG", "cost", "-debug"),
                ("every vmem trace event enabled", "cost-trace", "")]
    head = ["pair", "quanta"] + [v[0] for v in variants]
    rows = []
    for base in ("vmem-if", "vmem-if-qc16"):
        for size in (1, 2):
            ref = find(runs, "cost", base, 1000, size)
            row = [base, str(size)]
            for _, wl, suffix in variants:
                r = find(runs, wl, base + suffix, 1000, size)
                if not r:
                    row.append("-")
                elif ref and r is not ref:
                    row.append("%s (%.1fx)" % (fmt_ns(per_op(r)),
                                              per_op(r) / per_op(ref)))
                else:
                    row.append(fmt_ns(per_op(r)))
            rows.append(row)
    emit(out, head, rows, left=2)


def mp_table(out, runs):
    sel = [r for r in runs if r["workload"] == "mp"]
    if not sel:
        return {}
    res = {}
    out.append("  %-13s %12s %14s %14s %6s %10s" %
               ("allocator", "1 CPU ns", "1 CPU Mpair/s", "all Mpair/s",
                "CPUs", "all/(C*1)"))
    for name in sorted({r["allocator"] for r in sel}, key=order_key):
        one = [r for r in sel if r["allocator"] == name and r["cpus"] == 1]
        allc = [r for r in sel if r["allocator"] == name]
        allc = max(allc, key=lambda r: r["cpus"]) if allc else None
        if not one or not allc:
            continue
        one = one[0]
        t1 = one["ops"] / one["ns"] * 1e3
        ta = allc["ops"] / allc["ns"] * 1e3
        eff = ta / (allc["cpus"] * t1) if t1 else float("nan")
        res[name] = (per_op(one), t1, ta, allc["cpus"], eff)
        out.append("  %-13s %12s %14.2f %14.2f %6d %10.2f" %
                   (name, fmt_ns(per_op(one)), t1, ta, allc["cpus"], eff))
    return res


LAT_OPS = [("fail3", "3 quanta, no hole fits: the call fails"),
           ("align4", "vmem_xalloc() of 2 quanta aligned to 4: fails"),
           ("pair2", "2 quanta, a hole fits: allocate and free")]


def fmt_us(ns):
    us = ns / 1000.0
    return "%.0f" % us if us >= 100 else "%.1f" % us if us >= 1 else \
        "%.2f" % us


def lat_table(out, lats):
    """The longest call and the mean, in microseconds, per op and n."""
    ns = sorted({l["n"] for l in lats})
    for op, title in LAT_OPS:
        sel = [l for l in lats if l["op"] == op]
        if not sel:
            continue
        out.append("  %s: %s" % (op, title))
        names = sorted({l["allocator"] for l in sel}, key=order_key)
        head = ["allocator"] + ["n=%g" % n for n in ns]
        rows = []
        for name in names:
            row = [name]
            for n in ns:
                l = next((l for l in sel if l["allocator"] == name and
                          l["n"] == n), None)
                row.append("%s (%s)" % (fmt_us(l["max"]),
                                        fmt_us(l["total"] / l["calls"]))
                           if l and l["calls"] else "-")
            rows.append(row)
        emit(out, head, rows, indent="    ")


def import_table(out, runs, srcs):
    """The source's calls during the fill and the pairs, and ns a pair."""
    out.append("  %8s %10s %9s %11s %7s %10s %13s %12s" %
               ("n", "live MiB", "imports", "live/iq", "ratio", "ns/pair",
                "src calls/1e3", "no import"))
    for f in sorted((s for s in srcs if s["phase"] == "fill"),
                    key=lambda s: s["n"]):
        p = next((s for s in srcs if s["phase"] == "pairs" and
                  s["n"] == f["n"]), None)
        r = find(runs, "import", "vmem-import", f["n"])
        ideal = -(-f["live"] // f["iq"])
        calls = ("%.2f" % ((p["imports"] + p["releases"]) * 1e3 / p["pairs"])
                 if p and p["pairs"] else "-")
        c = find(runs, "import", "vmem-noimport", f["n"])
        out.append("  %8d %10.1f %9d %11d %7.2f %10s %13s %12s" %
                   (f["n"], f["live"] / 2**20, f["imports"], ideal,
                    f["imports"] / ideal if ideal else float("nan"),
                    fmt_ns(per_op(r)) if r else "-", calls,
                    fmt_ns(per_op(c)) if c else "-"))


def cliff_table(out, cliffs):
    """ns a pair, and failed allocations per 1000 pairs, by fill."""
    fills = sorted({c["fill"] for c in cliffs})
    head = ["allocator"] + ["%g%% full" % (f / 10) for f in fills]
    rows = []
    for name in sorted({c["allocator"] for c in cliffs}, key=order_key):
        row = [name]
        for f in fills:
            c = next((c for c in cliffs if c["allocator"] == name and
                      c["fill"] == f), None)
            row.append("%s (%.1f)%s" % (fmt_ns(per_op(c)),
                                        c["fails"] * 1e3 / c["ops"],
                                        "" if c["filled"] >= f else
                                        " [fill stopped at %g%%]" %
                                        (c["filled"] / 10))
                       if c and c["ops"] else "-")
        rows.append(row)
    emit(out, head, rows)


def verdict(ok):
    return "holds" if ok else "does NOT hold"


def expectations(out, runs, mems, mp, cpus, lats=(), info_srcs=(),
                 cliffs=()):
    out.append("")
    out.append("Expectations of the issue (measured in this run):")

    # 1. Instant fit flat in n.
    for size in (2, 1):
        a = find(runs, "frag", "vmem-if", 1000, size)
        b = find(runs, "frag", "vmem-if", 1000000, size)
        if a and b:
            q = per_op(b) / per_op(a)
            out.append("  1. vmem instant fit flat in n (frag, %d quanta): "
                       "%s ns at 1e6 vs %s ns at 1e3 = %.2fx (<= 1.3x): %s" %
                       (size, fmt_ns(per_op(b)), fmt_ns(per_op(a)), q,
                        verdict(q <= 1.3)))
        else:
            out.append("  1. (frag at n = 1e3 and 1e6 not both measured)")

    # 2. gen_pool at 1e5 at least 10x slower than vmem.
    for size in (2, 1):
        v = find(runs, "frag", "vmem-if", 100000, size)
        for g in ("genpool-ff", "genpool-bf"):
            r = find(runs, "frag", g, 100000, size)
            if v and r:
                q = per_op(r) / per_op(v)
                out.append("  2. %s vs vmem-if at n = 1e5 (frag, %d quanta): "
                           "%s vs %s ns = %.1fx (>= 10x): %s" %
                           (g, size, fmt_ns(per_op(r)), fmt_ns(per_op(v)), q,
                            verdict(q >= 10)))

    # 3. Quantum caches: no slower than iova-fast, 3x faster than no cache.
    cases = []
    if "vmem-if-qc16" in mp and "vmem-if" in mp and "iova-fast" in mp:
        cases.append(("mp, 1 CPU, 1-8 quanta", mp["vmem-if-qc16"][0],
                      mp["iova-fast"][0], mp["vmem-if"][0]))
    for n in (1000, 1000000):
        q = find(runs, "frag", "vmem-if-qc16", n, 2)
        i = find(runs, "frag", "iova-fast", n, 2)
        v = find(runs, "frag", "vmem-if", n, 2)
        if q and i and v:
            cases.append(("frag n=%g, 2 quanta" % n, per_op(q), per_op(i),
                          per_op(v)))
    for what, q, i, v in cases:
        out.append("  3. quantum caches (%s): qc16 %s ns, iova-fast %s ns: "
                   "%s; qc16 vs vmem-if %s ns = %.2fx faster (>= 3x): %s" %
                   (what, fmt_ns(q), fmt_ns(i),
                    "no slower" if q <= i else
                    "%.2fx slower (does NOT hold)" % (q / i),
                    fmt_ns(v), v / q, verdict(v / q >= 3)))

    # 4. Scaling with quantum caches.
    if "vmem-if-qc16" in mp:
        _, t1, ta, c, eff = mp["vmem-if-qc16"]
        note = "" if c > 1 else " (one CPU only: says nothing)"
        out.append("  4. all %d CPUs with quantum caches: %.2f Mpairs/s vs "
                   "%d x %.2f = %.2f of linear (>= 0.8): %s%s" %
                   (c, ta, c, t1, eff, verdict(eff >= 0.8), note))

    # 5. Memory per live segment.
    for m in mems:
        if m["allocator"] != "vmem-if" or m["n"] < 100000:
            continue
        meas = m["measured"] / m["n"]
        acc = m["accounted"] / m["n"]
        out.append("  5. vmem bytes per live segment (%s, n = %g): "
                   "%.1f measured, %.1f counted (<= 64): %s" %
                   (m["state"], m["n"], meas, acc,
                    verdict(max(meas, acc) <= 64)))

    # 6. Interrupts-off time at n = 1e6 under 20 us, per vmem policy.
    top = max((l["n"] for l in lats), default=0)
    for name in ("vmem-if", "vmem-bf", "vmem-nf"):
        sel = [l for l in lats if l["allocator"] == name and l["n"] == top]
        if not sel:
            continue
        worst = max(sel, key=lambda l: l["max"])
        out.append("  6. %s, longest call with interrupts off at n = %g: "
                   "%s us (%s) (< 20 us): %s" %
                   (name, top, fmt_us(worst["max"]), worst["op"],
                    verdict(worst["max"] < 20000)))

    # 7. Imports: source calls ~ bytes / import quantum; pairs flat in n.
    srcs = [s for s in (info_srcs or []) if s["phase"] == "fill"]
    for f in srcs:
        ideal = -(-f["live"] // f["iq"])
        q = f["imports"] / ideal if ideal else float("nan")
        out.append("  7. import fill, n = %g: %d source calls for %d import "
                   "quanta live = %.2fx (<= 1.5x): %s" %
                   (f["n"], f["imports"], ideal, q, verdict(q <= 1.5)))
    ns = sorted(r["n"] for r in runs if r["workload"] == "import" and
                r["allocator"] == "vmem-import")
    if len(ns) > 1:
        a = find(runs, "import", "vmem-import", ns[0])
        b = find(runs, "import", "vmem-import", ns[-1])
        q = per_op(b) / per_op(a)
        ca = find(runs, "import", "vmem-noimport", ns[0])
        cb = find(runs, "import", "vmem-noimport", ns[-1])
        ctl = (" (without imports, the same calls: %.2fx)" %
               (per_op(cb) / per_op(ca)) if ca and cb else "")
        out.append("  7. import pairs flat in n: %s ns at %g vs %s ns at %g "
                   "= %.2fx (<= 1.3x): %s%s" %
                   (fmt_ns(per_op(b)), ns[-1], fmt_ns(per_op(a)), ns[0], q,
                    verdict(q <= 1.3), ctl))


    # 8. Near exhaustion: no cliff before the arena is full.
    def cliff(name, fill):
        return next((c for c in cliffs if c["allocator"] == name and
                     c["fill"] == fill), None)
    for fill in (900, 990):
        a, b = cliff("vmem-if-qc16", 500), cliff("vmem-if-qc16", fill)
        if a and b:
            q = per_op(b) / per_op(a)
            out.append("  8. qc16 pairs at %g%% full vs 50%%: %s vs %s ns = "
                       "%.2fx (<= 2x): %s" %
                       (fill / 10, fmt_ns(per_op(b)), fmt_ns(per_op(a)), q,
                        verdict(q <= 2)))

def write_csv(path, env, runs):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["env", "workload", "allocator", "n", "size_quanta",
                    "cpus", "pairs", "ns", "ns_per_pair", "reference",
                    "ratio_to_reference", "mpairs_per_s"])
        for r in runs:
            ref = "vmem-nf" if r["workload"] == "ids" else "vmem-if"
            wl = r["workload"]
            if wl.startswith("cost"):
                # The same pair, plain: cached against cached.
                ref = r["allocator"].replace("-debug", "")
                wl = "cost"
            b = find(runs, wl, ref, r["n"], r["size"], r["cpus"])
            ratio = per_op(r) / per_op(b) if b else ""
            w.writerow([env, r["workload"], r["allocator"], r["n"],
                        r["size"], r["cpus"], r["ops"], r["ns"],
                        "%.2f" % per_op(r), ref,
                        "%.3f" % ratio if ratio != "" else "",
                        "%.3f" % (r["ops"] / r["ns"] * 1e3) if r["ns"]
                        else ""])


def plot(outdir, env, runs):
    gp = ["set terminal pngcairo size 1600,1200 font ',10'",
          "set output '%s'" % os.path.join(outdir, "bench.png"),
          "set datafile missing '?'",
          "set logscale xy",
          "set grid",
          "set key outside right",
          "set xlabel 'live segments n'",
          "set ylabel 'ns per alloc/free pair'",
          "set format x '10^{%L}'",
          "set multiplot layout 2,2 title '%s'" % env.replace("_", "\\_")]
    drawn = False
    for i, (wl, size, _, title) in enumerate(PANELS):
        sel = [r for r in runs if r["workload"] == wl and r["size"] == size]
        if not sel:
            continue
        ns = sorted({r["n"] for r in sel})
        names = sorted({r["allocator"] for r in sel}, key=order_key)
        dat = os.path.join(outdir, "panel%d.dat" % i)
        with open(dat, "w") as f:
            f.write("n " + " ".join(names) + "\n")
            for n in ns:
                cols = []
                for name in names:
                    r = find(sel, wl, name, n)
                    cols.append("%.3f" % per_op(r) if r and r["ops"]
                                else "?")
                f.write("%d %s\n" % (n, " ".join(cols)))
        gp.append("set title '%s' noenhanced" % title)
        gp.append("set xrange [%g:%g]" % (ns[0] / 2, ns[-1] * 2))
        gp.append("plot " + ", ".join(
            "'%s' using 1:%d with linespoints title '%s' noenhanced" %
            (dat, j + 2, name) for j, name in enumerate(names)))
        drawn = True
    gp.append("unset multiplot")
    script = os.path.join(outdir, "bench.gp")
    with open(script, "w") as f:
        f.write("\n".join(gp) + "\n")
    if not drawn:
        return "no data to plot"
    if not shutil.which("gnuplot"):
        return "gnuplot is not installed; the script is %s" % script
    res = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    if res.returncode:
        return "gnuplot failed: " + res.stderr.strip()
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    info, runs, mems, lats, fails = parse(args.log)
    out = ["== %s: %s, %s CPU(s), %s ms a cell, quantum caches %s, "
           "%s s ==" % (args.env, info.get("kernel", "?"),
                        info.get("cpus", "?"), info.get("cell_ms", "?"),
                        {"1": "active", "0": "not active (sizes up to "
                         "qcache_max are served by the arena)"}.get(
                             info.get("qcache_active"), "?"),
                        info.get("seconds", "?"))]
    if not runs and not lats and not info["cliffs"]:
        out.append("no results in %s" % args.log)
    for wl, size, ref, title in PANELS:
        if any(r["workload"] == wl and r["size"] == size for r in runs):
            out.append("")
            out.append("%s" % title)
            out.append("  ns per pair (ratio to %s; above 1: %s is faster)"
                       % (ref, ref))
            table(out, runs, wl, size, ref)
    if any(r["workload"] == "cost" for r in runs):
        out.append("")
        out.append("cost: the frag pairs at n = 1000, uncached (vmem-if) and "
                   "cached (vmem-if-qc16), ns per pair (ratio to plain)")
        cost_table(out, runs)
    mp = {}
    if any(r["workload"] == "mp" for r in runs):
        out.append("")
        out.append("mp: a kthread per CPU, 32 live each, pairs of 1-8 quanta "
                   "on one shared arena (%s ms)" % info.get("mp_ms", "?"))
        mp = mp_table(out, runs)
    if mems:
        out.append("")
        method = {"pages": "used pages, per-CPU page lists drained",
                  "slab": "slab only: vmalloc (large hash tables and "
                  "bitmaps) is missed"}.get(info.get("mem_method"), "?")
        out.append("memory: kernel memory per live segment, in bytes "
                   "(measured: growth of %s; counted: the allocator's own "
                   "structures, where known: vmem tags x %s B + hash "
                   "buckets, genalloc bitmap, one struct iova a range)"
                   % (method, info.get("vmem_seg_bytes", "?")))
        out.append("  %-13s %-7s %9s %10s %9s" %
                   ("allocator", "state", "n", "measured", "counted"))
        for m in sorted(mems, key=lambda m: (m["state"], m["n"],
                                             order_key(m["allocator"]))):
            if m["n"] < 100000:
                continue
            acc = ("%.1f" % (m["accounted"] / m["n"])
                   if m["accounted"] >= 0 else "-")
            out.append("  %-13s %-7s %9d %10.1f %9s" %
                       (m["allocator"], m["state"], m["n"],
                        m["measured"] / m["n"], acc))
    if info["srcs"]:
        out.append("")
        out.append("import: 16 child arenas import from one source with an "
                   "import quantum (iq) of %s KiB; the source's calls in the "
                   "fill, and per 1000 pairs after it" %
                   (info["srcs"][0]["iq"] // 1024))
        import_table(out, runs, info["srcs"])
    if info["steps"]:
        out.append("")
        out.append("steps: the primitives of a cached pair (two magazine "
                   "locks, one RCU read lock, one xchg), ns each; the pairs "
                   "themselves, for the split:")
        loop = dict(info["steps"]).get("loop", 0)
        for step, ns in info["steps"]:
            out.append("  %-28s %8s%s" % (step, fmt_ns(ns),
                                          "" if step == "loop" else
                                          " (%s net of the loop)" %
                                          fmt_ns(ns - loop)))
        for name in ("vmem-if-qc16", "iova-fast", "vmem-if"):
            r = find(runs, "frag", name, 1000, 1)
            if r:
                out.append("  %-28s %8s" % ("pair " + name + " (frag, 1)",
                                            fmt_ns(per_op(r))))
    if info["cliffs"]:
        out.append("")
        out.append("cliff: an arena of 2^16 quanta filled with 1-16 quanta; "
                   "ns per pair (failed allocations per 1000 pairs)")
        cliff_table(out, info["cliffs"])
    if lats:
        out.append("")
        out.append("lat: an arena tiled with 2 quanta allocated, 2 free, n "
                   "times; the longest call with interrupts off, in us "
                   "(the mean in brackets), of up to 64 calls")
        lat_table(out, lats)
    if runs or lats or info["cliffs"]:
        expectations(out, runs, mems, mp, info.get("cpus"), lats,
                     info["srcs"], info["cliffs"])
    for f in fails:
        out.append(("problem: " if f[0].startswith("kernel log")
                    else "failed cell: ") + ",".join(f))
    if "seconds" not in info:
        out.append("the benchmark did not finish (no final record in %s)" %
                   args.log)

    write_csv(os.path.join(args.out, "bench.csv"), args.env, runs)
    err = plot(args.out, args.env, runs)
    out.append("")
    out.append("csv: %s" % os.path.join(args.out, "bench.csv"))
    out.append("plot: %s" % (err or os.path.join(args.out, "bench.png")))
    text = "\n".join(out) + "\n"
    with open(os.path.join(args.out, "report.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    return 0 if (runs or lats or info["cliffs"]) and "seconds" in info else 1


if __name__ == "__main__":
    sys.exit(main())
