#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the test cases of a KUnit run of vmem and the kernel reports in
its console log, for scripts/kunit.sh on every architecture.

Cases come from kunit.py's JSON when --json is given (UML: one CPU, and
kunit.py's parser copes).  Otherwise they come from the KTAP lines of the
log itself, as under qemu with two CPUs, where the other CPU's lines can
land in the middle of the KTAP output and trip kunit.py's parser.  Either
way a case is a test without subtests: each parameter of a parameterized
case counts on its own.  A suite or case reported "not ok" with no failed
case under it counts as one failure, and so does a run that stopped before
reporting every suite its plan announced.

The log is also searched for splats (WARNING, BUG, Oops, lockdep, KCSAN,
KASAN, ...): each distinct splat in a case counts as one more failure, even
when every case passed, and is printed with its first lines.

Prints "NAME: N passed, N failed, N skipped" last, writes "PASSED FAILED
SKIPPED RETRIES" to --counts, and exits 1 when anything failed.
"""

import argparse
import json
import re
import sys

# A splat starts at a line naming one of these; its trace lines belong to
# it.  vmem's own pr_warn() lines for caller mistakes ("vmem: arena 'x':
# bad free ...") match none of them.
SPLAT = re.compile(r"WARNING:|BUG:|Oops|lockdep|possible recursive locking|"
                   r"inconsistent lock state|circular locking|KASAN|"
                   r"kmemleak|UBSAN|list_add corruption|list_del corruption|"
                   r"spinlock bad magic|\bINFO: |Kernel panic")
# Lines printed at every boot by the debugging options themselves.
BENIGN = re.compile(r"kmemleak: Kernel memory leak detector initialized|"
                    r"kmemleak: Automatic memory scanning thread started|"
                    r"rcu: \s*RCU lockdep checking is enabled")
# kunit.py's arch_uml.config forces UML_PCI_OVER_VIRTIO=y, whose device ID
# defaults to -1: every UML boot WARNs once, "No virtio device ID configured
# for PCI", before any test runs.  Skip that one splat, trace and all.
BENIGN_SPLAT = re.compile(r"WARNING: .* at arch/um/drivers/virt-pci\.c:")
# KTAP lines; "# " and not "#": lockdep lists held locks as "#0: ...".
KTAP = re.compile(r"^\s*(ok |not ok |# |KTAP |TAP |1\.\.\d)")
RESULT = re.compile(r"^(\s*)(not )?ok \d+ (.*?)(?:\s+#\s*(.*))?$")
SUBTEST = re.compile(r"^(\s*)# Subtest: (.*)$")
PLAN = re.compile(r"^1\.\.(\d+)$")
TRACE = re.compile(r"^\s*\[<[0-9a-f]+>\]|"
                   r"^\s*\?? ?[\w.]+\+0x[0-9a-f]+/0x[0-9a-f]+")
# The end of a KASAN or KCSAN report, or of a warning's trace.
SPLAT_END = re.compile(r"^={20,}$|---\[ end trace")
STAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")
NOISE = re.compile(r"CPU: \d+ (UID: \d+ )?PID: \d+ |\b(0x)?[0-9a-f]{8,}\b")


class Run:
    """One pass over the console log: KTAP results and splats."""

    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []
        self.suites = []        # (name, passed, failed, skipped)
        self.plan = None        # suites announced by the top-level plan
        self.splats = {}        # (signature, test) -> [count, lines]
        self.pending = []       # splats not yet charged to a test
        self.current = None     # lines of the splat being read
        self.parents = {}       # indentation -> suite or test open there
        self.prev_depth = None  # indentation of the last result line
        self.failed_leaves = set()
        self.suite_counts = [0, 0, 0]

    def leaf(self, test, ok, directive):
        """Count one case."""
        if directive.upper().startswith("SKIP"):
            self.skipped += 1
            self.suite_counts[2] += 1
        elif ok:
            self.passed += 1
            self.suite_counts[0] += 1
        else:
            self.failed += 1
            self.suite_counts[1] += 1
            self.failures.append(test)
            self.failed_leaves.add(test)

    def result(self, depth, test, ok, directive, count_cases):
        """A result line: a case when no deeper result came since the
        last result at its depth or above, else a suite or a
        parameterized case."""
        is_leaf = self.prev_depth is None or self.prev_depth <= depth
        self.prev_depth = depth
        for sig, lines in self.pending:
            self.splats.setdefault((sig, test), [0, lines])[0] += 1
        self.pending = []
        if not count_cases:
            return
        if is_leaf:
            self.leaf(test, ok, directive)
        elif not ok and not any(f.startswith(test + ".")
                                for f in self.failed_leaves):
            self.failed += 1
            self.failures.append(test + " (outside its cases)")
        if depth == 0:
            self.suites.append((test, *self.suite_counts))
            self.suite_counts = [0, 0, 0]

    def line(self, line, count_cases):
        """Take one line of the log."""
        line = STAMP.sub("", line.rstrip("\n"))
        if self.current is not None:
            if (not KTAP.match(line) and not SPLAT_END.search(line) and
                    len(self.current) < 200):
                self.current.append(line)
                return
            self.current = None
            if SPLAT_END.search(line):
                return
        m = SUBTEST.match(line)
        if m:
            depth = len(m.group(1))
            self.parents = {d: n for d, n in self.parents.items() if d < depth}
            self.parents[depth] = m.group(2)
            return
        m = PLAN.match(line)
        if m and self.plan is None:
            self.plan = int(m.group(1))
            return
        m = RESULT.match(line)
        if m:
            depth = len(m.group(1))
            names = [n for d, n in sorted(self.parents.items()) if d <= depth]
            self.parents = {d: n for d, n in self.parents.items() if d <= depth}
            self.result(depth, ".".join(names + [m.group(3)]), not m.group(2),
                        m.group(4) or "", count_cases)
            return
        if (KTAP.match(line) or TRACE.match(line) or BENIGN.search(line) or
                not SPLAT.search(line)):
            return
        self.current = [line]
        if not BENIGN_SPLAT.search(line):
            self.pending.append((NOISE.sub("", line), self.current))

    def finish(self, name, count_cases):
        """Charge what is left and check the plan."""
        for sig, lines in self.pending:
            self.splats.setdefault((sig, "(not followed by a test result)"),
                                   [0, lines])[0] += 1
        if count_cases and self.plan is not None and \
                len(self.suites) < self.plan:
            self.failed += 1
            self.failures.append(
                "the kernel stopped after %d of the %d suites (a crash, a "
                "hang or the timeout)" % (len(self.suites), self.plan))
        shown = set()
        for (sig, test), (count, lines) in self.splats.items():
            print("%s: SPLAT in %s (%d time%s): %s" %
                  (name, test, count, "" if count == 1 else "s", lines[0]))
            if sig not in shown:
                shown.add(sig)
                for line in lines[1:40]:
                    print("%s:        %s" % (name, line))
        self.failed += len(self.splats)


def json_cases(run, path):
    """Count the cases of kunit.py's JSON results."""
    def walk(group, prefix):
        names = prefix + [group["name"]] if prefix is not None else []
        for case in group.get("test_cases", []):
            full = ".".join(names + [case["name"]])
            run.leaf(full, case["status"] == "PASS",
                     "SKIP" if case["status"] == "SKIP" else "")
            if case["status"] not in ("PASS", "SKIP"):
                run.failures[-1] += " (%s)" % case["status"]
        for sub in group.get("sub_groups", []):
            walk(sub, names)

    with open(path) as f:
        walk(json.load(f), None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", help="the kernel's console output (test.log)")
    ap.add_argument("--json", help="kunit.py's JSON results; without it, "
                    "cases are counted from the KTAP lines of the log")
    ap.add_argument("--status", default="0",
                    help="exit status of kunit.py exec")
    ap.add_argument("--counts", help='file to write "PASSED FAILED SKIPPED"')
    ap.add_argument("--name", default="kunit", help="prefix of each line")
    ap.add_argument("--retries", type=int, default=0,
                    help="boots retried because the kernel died before the "
                    "first test; written to --counts after the counts")
    args = ap.parse_args()

    run = Run()
    from_log = args.json is None
    if not from_log:
        json_cases(run, args.json)
    with open(args.log, errors="replace") as f:
        for line in f:
            run.line(line, from_log)
    for suite, p, f, s in run.suites:
        print("%s: %s %s: %d passed, %d failed, %d skipped" %
              (args.name, "FAIL" if f else "ok  ", suite, p, f, s))
    cases = run.passed + run.failed + run.skipped
    run.finish(args.name, from_log)

    if cases == 0:
        run.failures.append("no test case ran")
        run.failed += 1
    elif args.status != "0" and not run.failures and not run.splats:
        run.failures.append("kunit.py exec exited with status " + args.status)
        run.failed += 1

    for test in run.failures:
        print("%s: FAILED: %s" % (args.name, test))
    if args.counts:
        with open(args.counts, "w") as f:
            f.write("%d %d %d %d\n" % (run.passed, run.failed, run.skipped,
                                        args.retries))
    if args.retries:
        print("%s: the kernel died before the first test and was booted "
              "again (%d retry)" % (args.name, args.retries))
    print("%s: %d passed, %d failed, %d skipped" %
          (args.name, run.passed, run.failed, run.skipped))
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
