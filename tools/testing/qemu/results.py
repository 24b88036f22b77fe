#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check, or summarize, what the qemu test's guest recorded.

The guest (tools/testing/qemu/init) writes blocks to its second serial
port:

    @@ begin KIND NAME
    ...
    @@ end KIND NAME rc=N

KIND is "step" (a command and its output), "file" (a file's contents) or
"dmesg" (the kernel log since the previous dmesg block).

  results.py check --kernel REL --qemu-rc N --console LOG --results LOG
      prints one "PASS: [REL] ..." or "FAIL: [REL] ..." line per check and
      ends with "results: N passed, N failed".
  results.py summary --console LOG --results LOG
      prints a readable account of a demo boot.

The debugfs formats are those of README.md, "Observability".
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

DEBUGFS = "/sys/kernel/debug/vmem"
REPORT = "/sys/kernel/debug/vmem_client/report"

# Kernel reports that fail the run.  vmem's own warnings about a caller's
# mistakes ("vmem: arena 'x': bad free ...") are not among them.
SPLAT = re.compile(
    r"WARNING:|BUG:|Oops|lockdep|KASAN|UBSAN|kmemleak|"
    r"general protection fault|Kernel panic|Call Trace:|"
    r"possible circular locking|inconsistent lock state|"
    r"possible recursive locking|soft lockup|hard LOCKUP|"
    r"rcu_\w+ self-detected|rcu: INFO|blocked for more than|"
    r"list_add corruption|list_del corruption|spinlock bad magic|"
    r"scheduling while atomic|sleeping function called")

# Steps of the test and the exit status each must have: 0, or "fail" for
# the two that must be refused.
TEST_STEPS = [
    ("insmod-spl_standin", 0),
    ("insmod-vmem_clash", "fail"),
    ("insmod-vmem", 0),
    ("insmod-vmem_client", 0),
    ("fail-setup", 0),
    ("trace-on", 0),
    ("fail-alloc", 0),
    ("trace-off", 0),
    ("fail-off", 0),
    ("fail-values", 0),
    ("rmmod-vmem-busy", "fail"),
    ("rmmod-vmem_client", 0),
    ("rmmod-vmem", 0),
    ("vmem-debugfs-gone", 0),
    ("insmod-vmem-again", 0),
    ("insmod-contract_client", 0),
    ("contract-emptied-small", 0),
    ("rmmod-contract_client", 0),
    ("insmod-vmem_misuse", 0),
    ("rmmod-vmem_misuse", 0),
    ("rmmod-vmem-again", 0),
    ("vmem-debugfs-gone-again", 0),
    ("insmod-vmem-abandon", 0),
    ("insmod-vmem_abandon", 0),
    ("rmmod-vmem_abandon", 0),
    ("rmmod-vmem-abandoned", 0),
    ("rmmod-spl_standin", 0),
]

DMESG_TIME = re.compile(r"^\[\s*\d+\.\d+\]\s?")


class Block:
    def __init__(self, kind, name):
        self.kind = kind
        self.name = name
        self.lines = []
        self.rc = None


def parse_results(path):
    """The blocks in order, and the "@@ key value" records."""
    blocks, records, cur = [], {}, None
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return blocks, records
    for line in text.replace("\r", "").split("\n"):
        if line.startswith("@@ begin "):
            kind, _, name = line[9:].partition(" ")
            cur = Block(kind, name)
            blocks.append(cur)
        elif line.startswith("@@ end ") and cur:
            m = re.search(r" rc=(\d+)$", line)
            cur.rc = int(m.group(1)) if m else None
            cur = None
        elif line.startswith("@@ "):
            key, _, value = line[3:].partition(" ")
            records[key] = value
        elif cur:
            if cur.kind == "dmesg":
                line = DMESG_TIME.sub("", line)
            cur.lines.append(line)
    return blocks, records


class Checker:
    def __init__(self, label):
        self.label = label
        self.passed = 0
        self.failed = 0

    def check(self, ok, name, problems=(), detail=()):
        """Passes when ok and no problems; detail is shown on failure."""
        problems = list(problems)
        if ok and not problems:
            self.passed += 1
            print(f"PASS: [{self.label}] {name}")
        else:
            self.failed += 1
            print(f"FAIL: [{self.label}] {name}")
            problems += list(detail)
            for p in problems[:20]:
                print(f"    {p}")
            if len(problems) > 20:
                print(f"    ... {len(problems) - 20} more")
        return ok and not problems


# === debugfs parsing ===

def parse_arenas(lines):
    arenas = {}
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        f = line.split()
        if len(f) != 9:
            arenas.setdefault("!malformed", []).append(line)
            continue
        arenas[f[0]] = {
            "source": f[1], "quantum": int(f[2]), "inuse": int(f[3]),
            "total": int(f[4]), "import": int(f[5]), "allocs": int(f[6]),
            "frees": int(f[7]), "fails": int(f[8]),
        }
    return arenas


def parse_stats(lines):
    stats = {}
    for line in lines:
        key, _, value = line.partition(" ")
        if key and key != "name" and re.fullmatch(r"-?\d+", value):
            stats[key] = int(value)
        elif key:
            stats[key] = value
    return stats


def parse_segments(lines):
    segs = []
    for line in lines:
        f = line.split()
        # A debugged arena's allocated segments also name their owner.
        if len(f) == 4 or (len(f) > 4 and f[0] == "alloc"):
            segs.append((f[0], int(f[1], 16), int(f[2], 16), int(f[3])))
        elif line.strip():
            segs.append(("?", 0, 0, 0))
    return segs


def parse_freelists(lines):
    lists = {}
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        order, count, nbytes = (int(x) for x in line.split())
        lists[order] = (count, nbytes)
    return lists


def segment_problems(segs):
    """Spans tiled exactly by alloc and free segments, free ones merged."""
    problems = []
    span_end = None
    nxt = None
    prev_type = None
    for typ, start, end, size in segs:
        if typ == "?" or end - start + 1 != size or size <= 0:
            problems.append(f"malformed segment {typ} {start:#x} {end:#x} {size}")
            continue
        if typ in ("span", "import"):
            if span_end is not None and nxt != span_end + 1:
                problems.append(f"span ending {span_end:#x} tiled only to {nxt - 1:#x}")
            if span_end is not None and start <= span_end:
                problems.append(f"span {start:#x} overlaps or is out of order")
            span_end = end
            nxt = start
            prev_type = None
            continue
        if typ not in ("alloc", "free"):
            problems.append(f"unknown segment type {typ}")
            continue
        if span_end is None:
            problems.append(f"{typ} {start:#x} outside any span")
            continue
        if start != nxt:
            problems.append(f"{typ} {start:#x}: expected to start at {nxt:#x}")
        if end > span_end:
            problems.append(f"{typ} {start:#x}-{end:#x} runs past its span")
        if typ == "free" and prev_type == "free":
            problems.append(f"free {start:#x} not merged with the free segment before it")
        nxt = end + 1
        prev_type = typ
    if span_end is not None and nxt != span_end + 1:
        problems.append(f"span ending {span_end:#x} tiled only to {nxt - 1:#x}")
    return problems


def freelist_problems(segs, lists):
    want = {}
    for typ, _, _, size in segs:
        if typ == "free":
            order = size.bit_length() - 1
            c, b = want.get(order, (0, 0))
            want[order] = (c + 1, b + size)
    problems = []
    for order in sorted(set(want) | set(k for k, v in lists.items() if v != (0, 0))):
        if want.get(order, (0, 0)) != lists.get(order, (0, 0)):
            problems.append(f"order {order}: freelists say {lists.get(order, (0, 0))}, "
                            f"segments give {want.get(order, (0, 0))}")
    if len(lists) != 64:
        problems.append(f"{len(lists)} freelists, not 64")
    return problems


def arena_problems(name, line, stats, segs, lists):
    """Consistency of one arena's arenas line, stats, segments, freelists."""
    problems = []
    alloc = sum(s[3] for s in segs if s[0] == "alloc")
    free = sum(s[3] for s in segs if s[0] == "free")
    spans = [s for s in segs if s[0] in ("span", "import")]
    imported = sum(s[3] for s in spans if s[0] == "import")
    checks = [
        ("stats name", stats.get("name"), name),
        ("stats quantum", stats.get("quantum"), line["quantum"]),
        ("stats mem_inuse", stats.get("mem_inuse"), line["inuse"]),
        ("stats mem_total", stats.get("mem_total"), line["total"]),
        ("stats mem_import", stats.get("mem_import"), line["import"]),
        ("stats alloc", stats.get("alloc"), line["allocs"]),
        ("stats free", stats.get("free"), line["frees"]),
        ("stats fail", stats.get("fail"), line["fails"]),
        ("segments: bytes allocated", alloc, line["inuse"]),
        ("segments: bytes in spans", sum(s[3] for s in spans), line["total"]),
        ("segments: bytes free", free, line["total"] - line["inuse"]),
        ("segments: bytes imported", imported, line["import"]),
        ("stats spans", stats.get("spans"), len(spans)),
        ("stats segs_alloc", stats.get("segs_alloc"),
         sum(1 for s in segs if s[0] == "alloc")),
        ("stats segs_free", stats.get("segs_free"),
         sum(1 for s in segs if s[0] == "free")),
        ("stats alloc - free = segs_alloc", stats.get("alloc", 0) - stats.get("free", 0),
         stats.get("segs_alloc")),
        ("freelists: bytes", sum(b for _, b in lists.values()),
         line["total"] - line["inuse"]),
    ]
    for what, got, want in checks:
        if got != want:
            problems.append(f"{what}: {got}, want {want}")
    problems += segment_problems(segs)
    problems += freelist_problems(segs, lists)
    return problems


class Snapshot:
    """One reading of every vmem debugfs file."""

    def __init__(self, blocks, start):
        self.arenas, self.stats, self.segs, self.lists = None, {}, {}, {}
        self.owners, self.raw_segs = {}, {}
        self.arenas_rc = None
        i = start
        while i < len(blocks):
            b = blocks[i]
            if b.kind != "file" or not b.name.startswith(DEBUGFS + "/"):
                break
            rel = b.name[len(DEBUGFS) + 1:]
            if rel == "arenas":
                if self.arenas is not None:
                    break
                self.arenas = parse_arenas(b.lines)
                self.arenas_rc = b.rc
            else:
                arena, _, f = rel.partition("/")
                if f == "stats":
                    self.stats[arena] = parse_stats(b.lines)
                elif f == "segments":
                    self.segs[arena] = parse_segments(b.lines)
                    self.raw_segs[arena] = b.lines
                elif f == "freelists":
                    self.lists[arena] = parse_freelists(b.lines)
                elif f == "owners":
                    self.owners[arena] = b.lines
            i += 1
        self.end = i


def find(blocks, kind, name, nth=0):
    n = 0
    for i, b in enumerate(blocks):
        if b.kind == kind and b.name == name:
            if n == nth:
                return i, b
            n += 1
    return None, None


def parse_report(lines):
    arenas, live, checks = {}, {}, None
    for line in lines:
        f = line.split()
        if f[:1] == ["arena"] and len(f) == 14:
            arenas[f[1]] = dict(zip(f[2::2], (int(x) for x in f[3::2])))
        elif f[:1] == ["live"] and len(f) == 5:
            live.setdefault(f[1], set()).add((int(f[2], 16), int(f[3], 16), int(f[4])))
        elif f[:2] == ["checks", "passed"]:
            checks = (int(f[2]), int(f[4]))
    return arenas, live, checks


# === the checks ===

def check_module_lines(c, block, module, what):
    """Count the module's PASS/FAIL lines; no stray vmem warnings.

    Returns the names of the checks the module reported."""
    if block is None:
        c.check(False, f"{what}: no kernel log recorded")
        return []
    names = []
    for line in block.lines:
        m = re.match(rf"{module}: (PASS|FAIL) (\S+): (.*)", line)
        if m:
            names.append(m.group(2))
            c.check(m.group(1) == "PASS", f"{module} {m.group(2)}: {m.group(3)}")
    c.check(bool(names), f"{what}: {module} reported its checks")
    stray = [l for l in block.lines if l.startswith("vmem: ")]
    c.check(not stray, f"{what}: no warning from vmem", stray)
    return names


def is_rt_release(release):
    """Debian names its PREEMPT_RT flavour -rt-<arch>."""
    return re.search(r"-rt-[a-z0-9]+$", release) is not None


def check_preempt_model(c, kernel, records):
    """The guest's kernel is PREEMPT_RT exactly when its name says so."""
    want = is_rt_release(kernel)
    got = (records.get("realtime") == "1" or
           "PREEMPT_RT" in records.get("version", "").split())
    # Evidence either way: uname -v was recorded.
    c.check(got == want and bool(records.get("version")),
            f"the guest's kernel is {'' if want else 'not '}PREEMPT_RT, "
            f"as its release name says (uname -v: {records.get('version')}; "
            f"/sys/kernel/realtime: {records.get('realtime')})")
    return want


def check_client_contexts(c, names, rt):
    """Each concurrent run of the sample allocated from its timer in the
    context this kernel allows.

    The sample's concurrent runs (those with a check "<tag>-atomic", or
    "<tag>-irqs-off" as it was named before RT) also allocate from an
    hrtimer.  On a kernel without PREEMPT_RT it is a
    hard-IRQ timer (check "<tag>-hardirq"), the most restrictive context
    the contract allows for VMEM_NOSLEEP.  On PREEMPT_RT, vmem (like the
    kernel's own allocators) must not be called in hard-IRQ context or with
    interrupts hard-disabled, since its locks are sleeping spinlock_t there:
    the timer expires in softirq context instead (check "<tag>-softirq"),
    and the thread that ran with interrupts disabled holds a spinlock_t.
    Either way, the check must be there and have passed (above): which one
    depends on the kernel, and neither is dropped."""
    ctx, other = ("softirq", "hardirq") if rt else ("hardirq", "softirq")
    tags = [re.sub(r"-(atomic|irqs-off)$", "", n) for n in names
            if re.search(r"-(atomic|irqs-off)$", n)]
    missing = [f"{t}-{ctx}" for t in tags if f"{t}-{ctx}" not in names]
    wrong = [n for n in names if n.endswith(f"-{other}")]
    c.check(bool(tags) and not missing and not wrong,
            f"vmem_client: every concurrent run ({', '.join(tags) or 'none'}) allocated "
            f"from a {ctx} timer, as on a{' PREEMPT_RT' if rt else ' non-RT'} kernel",
            [f"no check {m}" for m in missing] +
            [f"{w}: a {other} timer on this kernel" for w in wrong])


def check_client_debugfs(c, snap, report):
    arenas, live, checks = parse_report(report.lines)
    c.check(checks is not None and checks[1] == 0 and checks[0] > 0,
            f"vmem_client report: {checks}")
    c.check(snap.arenas is not None and snap.arenas_rc == 0,
            f"{DEBUGFS}/arenas readable")
    if snap.arenas is None:
        return
    c.check(set(snap.arenas) == set(arenas),
            "debugfs arenas lists exactly the client's arenas",
            [f"debugfs: {sorted(snap.arenas)}", f"client: {sorted(arenas)}"]
            if set(snap.arenas) != set(arenas) else [])
    children = [n for n, a in arenas.items() if snap.arenas.get(n, {}).get("source", "-") != "-"]

    for name, rep in arenas.items():
        line = snap.arenas.get(name)
        stats, segs, lists = snap.stats.get(name), snap.segs.get(name), snap.lists.get(name)
        if not line or stats is None or segs is None or lists is None:
            c.check(False, f"debugfs {name}: arenas line and stats, segments, freelists files")
            continue
        problems = []
        want = {"quantum": rep["quantum"], "inuse": rep["inuse"], "total": rep["total"]}
        if name != "client-dev":
            want.update(allocs=rep["allocs"], frees=rep["frees"], fails=rep["fails"])
        for key, value in want.items():
            if line[key] != value:
                problems.append(f"{key}: debugfs {line[key]}, client {value}")
        if name.startswith("client-ctx") and line["source"] != "client-dev":
            problems.append(f"source {line['source']}, want client-dev")
        c.check(True, f"debugfs {name}: arenas line matches the client "
                f"({line['allocs']} allocs, {line['inuse']} bytes in use)", problems)
        c.check(True, f"debugfs {name}: stats, segments and freelists consistent "
                f"({len(segs)} segments)", arena_problems(name, line, stats, segs, lists))
        mine = {(s[1], s[2], s[3]) for s in segs if s[0] == "alloc"}
        if name == "client-dev":
            theirs = set()
            for child in children:
                theirs |= {(s[1], s[2], s[3]) for s in snap.segs.get(child, []) if s[0] == "import"}
            what = "the contexts' imported spans"
        else:
            theirs = live.get(name, set())
            what = "the client's live allocations"
        diff = [f"debugfs only: {a:#x}-{b:#x} {s}" for a, b, s in sorted(mine - theirs)]
        diff += [f"missing: {a:#x}-{b:#x} {s}" for a, b, s in sorted(theirs - mine)]
        c.check(True, f"debugfs {name}: allocated segments are {what} ({len(mine)})", diff)

    check_client_placement(c, snap)

    dev = snap.stats.get("client-dev", {})
    sums = {k: sum(snap.stats.get(ch, {}).get(k, 0) for ch in children)
            for k in ("import", "release", "mem_import")}
    c.check(dev.get("alloc") == sums["import"] and dev.get("free") == sums["release"] and
            dev.get("mem_inuse") == sums["mem_import"],
            f"debugfs client-dev: {dev.get('alloc')} allocs, {dev.get('free')} frees, "
            f"{dev.get('mem_inuse')} bytes are the contexts' imports "
            f"({sums['import']}, {sums['release']}, {sums['mem_import']})")


# The sample's import quantum of client-ctx0..2 (client-ctx3 has none), and
# the I/O address space of client-iova: its end and the limited device's
# limit, below which buffers pack down.
CLIENT_CTX_IMPORT = 64 << 10
CLIENT_IOVA_END = 1 << 30
CLIENT_IOVA_LIMIT = 256 << 20


def runs(segs, kind):
    """Segments of one type merged where they touch: (first, last) pairs."""
    out = []
    for _, first, last, _ in sorted(s for s in segs if s[0] == kind):
        if out and out[-1][1] + 1 == first:
            out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def check_client_placement(c, snap):
    """What debugfs shows of the sample's import quantum and VMEM_TOPDOWN."""
    for n in range(4):
        name = f"client-ctx{n}"
        stats, segs = snap.stats.get(name), snap.segs.get(name)
        if stats is None or segs is None:
            continue
        want = CLIENT_CTX_IMPORT if n < 3 else 0
        spans = [s for s in segs if s[0] == "import"]
        odd = [f"{a:#x}-{b:#x} {sz}" for _, a, b, sz in spans if want and sz % want]
        allocs = sum(1 for s in segs if s[0] == "alloc")
        problems = [f"import_quantum {stats.get('import_quantum')}, want {want}"] \
            if stats.get("import_quantum") != want else []
        problems += [f"span not whole imports: {o}" for o in odd]
        if want and allocs and len(spans) >= allocs:
            problems.append(f"{len(spans)} spans for {allocs} buffers")
        c.check(True, f"debugfs {name}: import_quantum {want}, {len(spans)} spans "
                f"for {allocs} buffers", problems)
    segs = snap.segs.get("client-iova")
    if segs is not None:
        got = runs(segs, "alloc")
        ends = sorted(last + 1 for _, last in got)
        c.check(ends == [CLIENT_IOVA_LIMIT, CLIENT_IOVA_END],
                "debugfs client-iova: top-down buffers packed below the end "
                "and below the 256 MiB limit",
                [f"allocated runs: {[(hex(a), hex(b)) for a, b in got]}"]
                if ends != [CLIENT_IOVA_LIMIT, CLIENT_IOVA_END] else [])


VMEMTOP = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "..", "vmem", "vmemtop")


def run_vmemtop(*args):
    """(status, report lines, all output) of one run of the tool."""
    try:
        r = subprocess.run([sys.executable, VMEMTOP, *args], capture_output=True,
                           text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        return None, [], "timed out"
    return r.returncode, r.stdout.splitlines(), r.stdout + r.stderr


def check_vmemtop(c, blocks, start, snap):
    """tools/vmem/vmemtop on a copy of the guest's debugfs files."""
    arenas = snap.arenas or {}
    with tempfile.TemporaryDirectory(prefix="vmemtop.") as root:
        for b in blocks[start:]:
            if b.kind != "file" or not b.name.startswith(DEBUGFS + "/"):
                break
            path = os.path.join(root, b.name[len(DEBUGFS) + 1:])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("".join(l + "\n" for l in b.lines))
        by_use = run_vmemtop("--once", "--root", root)
        by_name = run_vmemtop("--once", "--sort", "name", "--root", root)
        twice = run_vmemtop("-c", "2", "-d", "0.2", "--root", root)
        missing = run_vmemtop("--once", "--root", os.path.join(root, "nowhere"))

    def use(n):
        a = arenas[n]
        return a["inuse"] / a["total"] if a["total"] else 0.0

    def bar_orders(n):
        """Distinct orders with free bytes, on the tool's axis."""
        lo = max(arenas[n]["quantum"].bit_length() - 1, 0)
        return len({min(max(o, lo), lo + 15)
                    for o, (_, nbytes) in snap.lists.get(n, {}).items() if nbytes})

    rc, lines, text = by_use
    rows = [l for l in lines[3:] if l.strip()]
    got = [r.split()[0] for r in rows]
    want = sorted(arenas, key=lambda n: (-use(n), -arenas[n]["inuse"], n))
    problems = []
    head = lines[2] if len(lines) > 2 else ""
    col = head.find("FREE BY ORDER")
    for r in rows:
        f = r.split()
        n = f[0]
        if n not in arenas:
            continue
        if f[4] != f"{100 * use(n):.0f}%":
            problems.append(f"{n}: use {f[4]}, want {100 * use(n):.0f}%")
        bar = r[col:col + 16] if col >= 0 else ""
        if len(bar.replace(" ", "")) != bar_orders(n):
            problems.append(f"{n}: bar {bar!r}, {bar_orders(n)} orders with free bytes")
    c.check(rc == 0 and arenas and got == want,
            f"vmemtop --once on a copy of the guest's debugfs: {len(got)} arenas by use, "
            "each its use and its orders of free space", problems,
            detail=text.splitlines())
    rc, lines, text = by_name
    c.check(rc == 0 and [l.split()[0] for l in lines[3:] if l.strip()] == sorted(arenas),
            "vmemtop --sort name", detail=text.splitlines())
    rc, lines, text = twice
    second = lines[lines.index("", 3) + 1:] if "" in lines[3:] else []
    rates = [l.split()[5:8] for l in second[3:] if l.strip()]
    c.check(rc == 0 and len(rates) == len(arenas) and
            all(r == ["0", "0", "0"] for r in rates),
            "vmemtop -c 2: a second report, with rates (0 on a copy that does not change)",
            detail=text.splitlines())
    rc, lines, text = missing
    c.check(rc == 1 and "cannot read" in text,
            "vmemtop without debugfs files: one error line, status 1", detail=[text])


def check_fail_injection(c, blocks):
    """client-mt/fail/ set from the guest: interval 2, times 4, on 10 calls."""
    def fields(block):
        out = {}
        for line in block.lines if block else []:
            f = line.split()
            if f[:1] == ["alloc-test"]:
                out.update(zip(f[1::2], (int(x) for x in f[2::2])))
            elif len(f) == 2 and f[1].isdigit():
                out[f[0]] = int(f[1])
        return out

    _, setup = find(blocks, "step", "fail-setup")
    got = {l.rsplit("/", 1)[-1] for l in (setup.lines if setup else [])}
    want = {"probability:100", "interval:2", "times:4", "space:0", "verbose:1"}
    c.check(want <= got, "debugfs client-mt/fail/: the settings read back",
            sorted(want - got))
    on = fields(find(blocks, "step", "fail-alloc")[1])
    c.check(on.get("calls") == 10 and on.get("ok") == 6 and on.get("enomem") == 4
            and on.get("other") == 0 and on.get("inuse") == 0
            and on.get("fail_injected") == 4 and on.get("fail") == 0
            and on.get("mem_inuse") == 0,
            "fault injection: 4 of 10 allocations failed with -ENOMEM, "
            "counted as fail_injected only, nothing left in use", detail=[str(on)])
    off = fields(find(blocks, "step", "fail-off")[1])
    c.check(off.get("calls") == 5 and off.get("ok") == 5,
            "fault injection off: every allocation succeeds", detail=[str(off)])
    _, on = find(blocks, "step", "trace-on")
    names = set(on.lines if on else [])
    want = {"vmem_alloc", "vmem_alloc_fail", "vmem_free", "vmem_import",
            "vmem_release", "vmem_wait", "vmem_reap"}
    c.check(want <= names, "tracefs: events/vmem has every event of the contract",
            sorted(want - names))
    _, off = find(blocks, "step", "trace-off")
    count = {}
    for line in off.lines if off else []:
        m = re.search(r" (vmem_\w+): arena=client-mt .*?(ret=(-?\d+))?( cached=\d)?$", line)
        if m:
            key = m.group(1) + ("" if m.group(3) is None else f" ret={m.group(3)}")
            count[key] = count.get(key, 0) + 1
    want = {"vmem_alloc ret=0": 6, "vmem_alloc ret=-12": 4,
            "vmem_alloc_fail ret=-12": 4, "vmem_free": 6}
    c.check(count == want, "tracefs: the allocations traced, "
            "6 served, 4 injected failures, 6 frees", detail=[str(count)])
    _, vals = find(blocks, "step", "fail-values")
    c.check(vals is not None and vals.lines[:2] == ["-1", "0"],
            "debugfs client-mt/fail/: times -1 reads back, probability -1 refused",
            detail=vals.lines if vals else [])
    _, log = find(blocks, "dmesg", "fail")
    lines = [l for l in (log.lines if log else [])
             if "arena 'client-mt': injected failure" in l]
    c.check(len(lines) == 4, f"verbose 1: {len(lines)} log lines for 4 injected failures")


LEAK_NAMED = re.compile(r"vmem: arena '(\S+)': leaked 0x[0-9a-f]+-0x[0-9a-f]+ "
                        r"\(size 0x[0-9a-f]+\), allocated by:$")
LEAK_FRAME = re.compile(r"vmem:     \S+")
LEAK_COUNT = re.compile(r"vmem: vmem_destroy\('(\S+)'\): leaked (\d+) allocations")


def leak_report_problems(case, expect, named):
    """vmem.debug=1: each leak line of vmem_destroy() comes after its
    arena's first leaks, each named with the frames of its stack."""
    problems, want = [], {}
    for e in expect:
        m = LEAK_COUNT.match(e)
        if m:
            want[m.group(1)] = min(int(m.group(2)), 8)
    got, frames = {}, {}
    for i, line in enumerate(named):
        m = LEAK_NAMED.match(line)
        if not m:
            continue
        got[m.group(1)] = got.get(m.group(1), 0) + 1
        n = 0
        while i + 1 + n < len(named) and LEAK_FRAME.match(named[i + 1 + n]):
            n += 1
        if not n:
            problems.append(f"no stack after: {line}")
        frames.setdefault(m.group(1), []).extend(named[i + 1:i + 1 + n])
    if got != want:
        problems.append(f"named leaks per arena {got}, want {want}")
    if case == "destroy-live" and not any(re.search(r" misuse_leak_alloc[+.]", f)
                                          for f in frames.get("misuse-leak", [])):
        problems.append("the stacks of misuse-leak do not name misuse_leak_alloc")
    return problems


def check_misuse(c, block, debug=False):
    if block is None:
        c.check(False, "vmem_misuse: no kernel log recorded")
        return
    case, expect, actual, named, stray = None, [], [], [], []
    done = None
    for line in block.lines:
        m = re.match(r"vmem_misuse: case (\S+): (begin|end)$", line)
        if m and m.group(2) == "begin":
            case, expect, actual, named = m.group(1), [], [], []
        elif m and case:
            if debug and any(LEAK_COUNT.match(e) for e in expect):
                c.check(True, f"vmem_misuse {case} under vmem.debug=1: each leak "
                        "named with its stack, at most 8 an arena",
                        leak_report_problems(case, expect, named))
            c.check(True, f"vmem_misuse {case}: vmem logged exactly the expected "
                    f"{len(expect)} line(s)",
                    [f"expected: {e}" for e in expect if e not in actual] +
                    [f"unexpected: {a}" for a in actual if a not in expect] +
                    ([f"expected {expect}, got {actual}"]
                     if sorted(expect) == sorted(actual) and expect != actual else []) +
                    ([f"{len(actual)} lines for {len(expect)} expected"]
                     if len(actual) != len(expect) else []))
            case = None
        elif line.startswith("vmem_misuse: expect: "):
            expect.append(line[len("vmem_misuse: expect: "):])
        elif case and debug and (LEAK_NAMED.match(line) or LEAK_FRAME.match(line)):
            named.append(line)
        elif line.startswith("vmem: "):
            (actual if case else stray).append(line)
        else:
            m = re.match(r"vmem_misuse: (PASS|FAIL) (\S+): (.*)", line)
            if m:
                c.check(m.group(1) == "PASS", f"vmem_misuse {m.group(2)}: {m.group(3)}")
            m = re.match(r"vmem_misuse: done: (\d+) cases passed, (\d+) failed", line)
            if m:
                done = (int(m.group(1)), int(m.group(2)))
            elif line.startswith("vmem_misuse: case ") and "wrong:" in line:
                print(f"    {line}")
    c.check(done is not None and done[1] == 0, f"vmem_misuse finished: {done}")
    c.check(not stray, "vmem_misuse: no vmem warning outside a case", stray)


def check_misuse_debugfs(c, snap, block):
    want = None
    for line in block.lines if block else []:
        m = re.match(r"vmem_misuse: arena misuse bad_free (\d+) inuse (\d+) total (\d+)", line)
        if m:
            want = tuple(int(x) for x in m.groups())
    if snap.arenas is None or want is None:
        c.check(False, "debugfs misuse: read, and the module's summary found")
        return
    c.check(set(snap.arenas) == {"misuse"},
            "debugfs after misuse: only the arena 'misuse' is left "
            "(destroyed and leaking arenas are gone)", [str(sorted(snap.arenas))]
            if set(snap.arenas) != {"misuse"} else [])
    line, stats = snap.arenas.get("misuse"), snap.stats.get("misuse", {})
    segs, lists = snap.segs.get("misuse", []), snap.lists.get("misuse", {})
    if not line:
        return
    got = (stats.get("bad_free"), line["inuse"], line["total"])
    c.check(got == want, f"debugfs misuse: bad_free, inuse, total {got} are the module's {want}")
    c.check(True, "debugfs misuse: stats, segments and freelists consistent",
            arena_problems("misuse", line, stats, segs, lists))
    owners = snap.owners.get("misuse", [])
    head = re.match(r"# (\d+) allocations, (\d+) bytes, (\d+) stacks$",
                    owners[0] if owners else "")
    c.check(head is not None and int(head.group(2)) == want[1] and
            stats.get("debug") == 1 and
            any(re.match(r"    misuse_held_alloc[+.]", l) for l in owners),
            f"debugfs misuse/owners (vmem.debug=1): all {want[1]} bytes in use "
            "listed, with the stack of misuse_held_alloc", detail=owners[:12])
    alloc = [l for l in snap.raw_segs.get("misuse", []) if l.startswith("alloc ")]
    c.check(bool(alloc) and all(" stack 0x" in l or l.endswith(" slab") for l in alloc),
            f"debugfs misuse/segments: each of {len(alloc)} allocated segments "
            "names its owner", detail=alloc[:8])


def check_splats(c, console):
    try:
        with open(console, errors="replace") as f:
            lines = f.read().replace("\r", "").split("\n")
    except OSError:
        lines = []
    c.check(bool(lines) and any("Linux version" in l for l in lines),
            "the kernel booted (console log)")
    splats = [l for l in lines if SPLAT.search(l)]
    c.check(not splats, "no WARNING, BUG, Oops, lockdep, KASAN or other kernel report",
            splats)
    # The kernel switches a static key (text patching on every CPU) when
    # its random generator becomes ready; qemu-lib.sh gives the guest
    # RDRAND so that this happens in the boot, not under the tests.
    init = next((i for i, l in enumerate(lines) if "Run /init as init process" in l), None)
    crng = next((i for i, l in enumerate(lines) if "random: crng init done" in l), None)
    c.check(init is not None and crng is not None and crng < init,
            "the kernel's random generator was ready before /init ran",
            detail=[l for l in lines if "crng init" in l or "Run /init" in l])


def cmd_check(args):
    c = Checker(args.kernel)
    try:
        return check_all(c, args)
    except Exception as e:  # a truncated record must not lose the counts
        c.check(False, f"the guest's records could be read: "
                f"{type(e).__name__}: {e}")
        print(f"results: {c.passed} passed, {c.failed} failed")
        return 1


def check_all(c, args):
    blocks, records = parse_results(args.results)

    c.check(args.qemu_rc == 0, f"qemu exited with status {args.qemu_rc}"
            + (" (timed out)" if args.qemu_rc == 124 else "")
            + (" (stopped: the guest's script had not started)"
               if args.qemu_rc == 125 else ""))
    check_splats(c, args.console)
    c.check("done" in records, "the guest ran its script to the end and powered off")
    c.check(records.get("kernel") == args.kernel,
            f"the guest runs {records.get('kernel')}")
    c.check(int(records.get("cpus", "0")) >= 2, f"{records.get('cpus')} CPUs online")
    rt = check_preempt_model(c, args.kernel, records)

    for name, want in TEST_STEPS:
        _, b = find(blocks, "step", name)
        if b is None:
            c.check(False, f"step {name}: not run")
            continue
        if b.rc is None:
            c.check(False, f"step {name}: did not finish", detail=b.lines)
            continue
        ok = b.rc != 0 if want == "fail" else b.rc == want
        c.check(ok, f"step {name}: exit status {b.rc}"
                + (" (refused, as it must be)" if want == "fail" and ok else ""),
                b.lines if not ok else [])

    _, standin = find(blocks, "dmesg", "standin")
    c.check(standin is not None and any(
        "vmem_clash: exports duplicate symbol vmem_size (owned by spl_standin)" in l
        for l in standin.lines),
        "a second vmem_size export is refused beside spl_standin")

    _, load = find(blocks, "dmesg", "client-load")
    check_client_contexts(c, check_module_lines(c, load, "vmem_client",
                                                "vmem_client load"), rt)
    i, _ = find(blocks, "file", DEBUGFS + "/arenas")
    _, report = find(blocks, "file", REPORT)
    if i is None or report is None:
        c.check(False, "debugfs and the client's report were read")
    else:
        check_client_debugfs(c, Snapshot(blocks, i), report)
        check_vmemtop(c, blocks, i, Snapshot(blocks, i))

    check_fail_injection(c, blocks)

    _, mods = find(blocks, "file", "/proc/modules", 1)
    holders = [l for l in (mods.lines if mods else []) if l.startswith("vmem ")]
    c.check(bool(holders) and "vmem_client" in holders[0].split()[3],
            "after the refused rmmod, vmem is still loaded and held by vmem_client",
            detail=holders)

    _, unload = find(blocks, "dmesg", "client-unload")
    check_module_lines(c, unload, "vmem_client", "vmem_client unload")
    _, arenas = find(blocks, "file", DEBUGFS + "/arenas", 1)
    c.check(arenas is not None and arenas.rc == 0 and
            not parse_arenas(arenas.lines),
            "no arena left after vmem_client is unloaded",
            detail=arenas.lines if arenas else [])

    _, dbg = find(blocks, "file", "/sys/module/vmem/parameters/debug")
    debug = dbg is not None and [l.strip() for l in dbg.lines] == ["Y"]
    c.check(debug, "vmem loaded with debug=1 (/sys/module/vmem/parameters/debug)",
            detail=dbg.lines if dbg else [])
    _, misuse = find(blocks, "dmesg", "misuse")
    check_misuse(c, misuse, debug)
    i, _ = find(blocks, "file", DEBUGFS + "/arenas", 2)
    check_misuse_debugfs(c, Snapshot(blocks, i) if i is not None else Snapshot([], 0),
                         misuse)
    _, mu = find(blocks, "dmesg", "misuse-unload")
    c.check(mu is not None and not [l for l in mu.lines if l.startswith("vmem")],
            "unloading vmem_misuse and vmem is silent",
            [l for l in mu.lines if l.startswith("vmem")] if mu else [])

    _, ab = find(blocks, "dmesg", "abandon")
    want = ["vmem: unloading with 1 arenas not destroyed",
            "vmem: 1 arenas were never destroyed: leaking them and the boundary-tag cache"]
    got = [DMESG_TIME.sub("", l) for l in ab.lines
           if DMESG_TIME.sub("", l).startswith("vmem:")] if ab else []
    c.check(got == want,
            "unloading vmem after a client left an arena: one line each, "
            "the arena's work stopped and its memory left", detail=got)

    _, calls = find(blocks, "file", "/sys/module/spl_standin/parameters/vmem_size_calls")
    c.check(calls is not None and calls.lines[:1] == ["0"],
            "no vmem_size() call reached spl_standin's vmem_size",
            detail=calls.lines if calls else [])

    print(f"results: {c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 else 1


# === the demo's summary ===

def human(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def cmd_summary(args):
    blocks, records = parse_results(args.results)
    out = []
    steps = [b for b in blocks if b.kind == "step"]
    _, load = find(blocks, "dmesg", "client-load")
    i, _ = find(blocks, "file", DEBUGFS + "/arenas")
    _, report = find(blocks, "file", REPORT)
    ok = "done" in records and all(b.rc == 0 for b in steps) and load and i is not None

    out.append(f"Kernel: Debian's {records.get('kernel', '?')}, {records.get('cpus', '?')} CPUs")
    for b in steps:
        out.append(f"  {b.name:<20} {'ok' if b.rc == 0 else f'failed ({b.rc})'}")
    if load:
        out.append("")
        out.append("What vmem_client did (kernel log):")
        for line in load.lines:
            if line.startswith("vmem_client: ") and " arena " not in line:
                out.append("  " + line[len("vmem_client: "):])
    if i is not None:
        snap = Snapshot(blocks, i)
        out.append("")
        out.append(f"Arenas ({DEBUGFS}/arenas):")
        out.append(f"  {'name':<12} {'source':<11} {'quantum':>7} {'in use':>11} "
                   f"{'total':>11} {'imported':>11} {'allocs':>7} {'frees':>7} {'fails':>5}")
        for name, a in (snap.arenas or {}).items():
            out.append(f"  {name:<12} {a['source']:<11} {a['quantum']:>7} "
                       f"{human(a['inuse']):>11} {human(a['total']):>11} "
                       f"{human(a['import']):>11} {a['allocs']:>7} {a['frees']:>7} "
                       f"{a['fails']:>5}")
        out.append("")
        out.append(f"Statistics ({DEBUGFS}/<arena>/stats):")
        keys = ("alloc", "free", "fail", "import", "release", "bad_free", "spans",
                "segs_alloc", "segs_free", "hash_buckets", "search")
        out.append(f"  {'name':<12} " + " ".join(f"{k:>10}" for k in keys))
        for name in snap.arenas or {}:
            st = snap.stats.get(name, {})
            out.append(f"  {name:<12} " + " ".join(f"{st.get(k, '-'):>10}" for k in keys))
        for name in ("client-dev", "client-ctx0", "client-iova"):
            segs = snap.segs.get(name, [])
            if not segs:
                continue
            out.append("")
            out.append(f"Segments of {name} ({len(segs)} lines of "
                       f"{DEBUGFS}/{name}/segments; the first 8):")
            for typ, start, end, size in segs[:8]:
                out.append(f"  {typ:<6} {start:#14x} {end:#14x} {human(size):>10}")
            lists = snap.lists.get(name, {})
            used = [f"2^{o}: {cnt}" for o, (cnt, _) in sorted(lists.items()) if cnt]
            out.append(f"  free segments per freelist order: {', '.join(used) or 'none'}")
    owners = Snapshot(blocks, i).owners if i is not None else {}
    owned = [n for n in ("client-ctx0", "client-mt") if owners.get(n)]
    if owned:
        lines = owners[owned[0]]
        out.append("")
        out.append(f"Who holds the space ({DEBUGFS}/{owned[0]}/owners, vmem "
                   "loaded with debug=1; the first stacks):")
        out += ["  " + l for l in lines[:14]]
        if len(lines) > 14:
            out.append(f"  ... {len(lines) - 14} more lines")
    _, trace = find(blocks, "step", "demo-trace")
    if trace and trace.lines:
        out.append("")
        out.append("Trace events (/sys/kernel/tracing, events/vmem): the first of "
                   "five allocations and frees by the client:")
        out += ["  " + l.strip() for l in trace.lines]
    if report:
        _, live, checks = parse_report(report.lines)
        out.append("")
        out.append(f"The client's own report (/sys/kernel/debug/vmem_client/report): "
                   f"{checks[0] if checks else '?'} checks passed, "
                   f"{checks[1] if checks else '?'} failed; live allocations: " +
                   ", ".join(f"{n} {len(s)}" for n, s in live.items()))
    out.append("")
    out.append("Demo " + ("succeeded" if ok else "FAILED") + ".")
    print("\n".join(out))
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    pc = sub.add_parser("check")
    pc.add_argument("--kernel", required=True)
    pc.add_argument("--qemu-rc", type=int, required=True)
    pc.add_argument("--console", required=True)
    pc.add_argument("--results", required=True)
    ps = sub.add_parser("summary")
    ps.add_argument("--console", required=True)
    ps.add_argument("--results", required=True)
    args = p.parse_args()
    return cmd_check(args) if args.cmd == "check" else cmd_summary(args)


if __name__ == "__main__":
    sys.exit(main())
