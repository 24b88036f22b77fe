#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the vmem KUnit suites into a UML kernel and run them.
#
# The kernel tree is Debian's linux-source-6.12, unpacked once into the
# cache; this repository is grafted into it as lib/vmem and kunit.py builds
# it with kunit/.kunitconfig.  Test cases are counted from kunit.py's JSON
# (the parameters of a parameterized case count one by one), and the kernel
# log is scanned for splats (warnings, lockdep, KASAN, ...), each of which
# counts as one failure even when every case passed.
#
# Usage: scripts/kunit.sh [FILTER_GLOB]     e.g. scripts/kunit.sh 'vmem_xalloc*'
#
# Environment:
#   VMEM_CACHE          cache directory (default ~/.cache/vmem)
#   VMEM_KUNIT_TIMEOUT  seconds the test kernel may run (default 900)
#   VMEM_KUNIT_COUNTS   if set, "PASSED FAILED SKIPPED" is written there
#
# Prints "kunit: N passed, N failed, N skipped" last; exits non-zero on any
# failure.

set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kunitconfig=$VMEM_TOP/kunit/.kunitconfig
build_dir=$VMEM_CACHE/kunit-build
build_ok=$build_dir/.vmem-build-ok
build_log=$VMEM_CACHE/kunit-build.log
exec_log=$VMEM_CACHE/kunit-exec.log
json=$VMEM_CACHE/kunit.json
timeout=${VMEM_KUNIT_TIMEOUT:-900}

counts()
{
	[[ -n ${VMEM_KUNIT_COUNTS:-} ]] && printf '%s %s %s\n' "$1" "$2" "$3" \
		>"$VMEM_KUNIT_COUNTS"
	printf 'kunit: %s passed, %s failed, %s skipped\n' "$1" "$2" "$3"
}

# A failure before any case ran counts as one failed test.
fail_early()
{
	msg "FAIL: $*"
	counts 0 1 0
	exit 1
}

kunit_py()
{
	python3 tools/testing/kunit/kunit.py "$@" \
		--kunitconfig="$kunitconfig" --build_dir="$build_dir"
}

configure()
{
	kunit_configure "$kunitconfig" "$build_dir" "$build_log"
}

# A build that failed only on compiler errors in our own files leaves a
# sound build directory; anything else may not (an interrupted build leaves
# truncated generated headers, for one).
own_failure()
{
	local errors

	errors=$(grep -E ': (fatal )?error:' "$build_log") || return 1
	! grep -qv '/lib/vmem/' <<<"$errors" &&
		! grep -q 'undefined reference' "$build_log"
}

build()
{
	rm -f "$build_ok"
	# Always recompile our objects: the graft may point at another clone
	# whose files are older than the objects built from the last one.
	rm -rf "$build_dir/lib/vmem"
	if kunit_py build --jobs="$(nproc)" >>"$build_log" 2>&1; then
		touch "$build_ok"
		return 0
	fi
	grep -E 'error|Error|undefined' "$build_log" | tail -n 40 >&2 || true
	own_failure && touch "$build_ok"
	return 1
}

main()
{
	local tree start status=0

	need_build_deps
	cache_lock kunit
	tree=$(ksrc_tree)
	ksrc_graft "$tree"

	if [[ -d $build_dir && ! -f $build_ok ]]; then
		msg "discarding $build_dir: its last build did not finish"
		rm -rf "$build_dir"
	fi

	cd "$tree"
	: >"$build_log"
	start=$SECONDS
	msg "building the UML test kernel in $build_dir (log: $build_log)"
	configure || fail_early "kunit config"
	if ! build; then
		own_failure && fail_early "kunit build (vmem code)"
		msg "build failed; retrying once from a clean build directory"
		rm -rf "$build_dir"
		: >"$build_log"
		configure || fail_early "kunit config"
		build || fail_early "kunit build"
	fi
	msg "build took $((SECONDS - start)) s"

	start=$SECONDS
	rm -f "$json"
	kunit_py exec --timeout="$timeout" --json="$json" "$@" \
		>"$exec_log" 2>&1 || status=$?
	# Warnings are left out here, from "cut here" to "end trace": they
	# are summed up below, and the whole output is in $exec_log.
	awk '/-+\[ cut here \]-+/ { skip = 1 } !skip && !/^stty: / { print }
	     /---\[ end trace/ { skip = 0 }' "$exec_log"
	msg "tests took $((SECONDS - start)) s"
	[[ -s $json ]] || fail_early "kunit.py exec wrote no results (status $status)"

	python3 - "$json" "$build_dir/test.log" "$status" \
		"${VMEM_KUNIT_COUNTS:-}" <<'EOF'
import json
import re
import sys

json_path, log_path, status, counts_path = sys.argv[1:5]

passed = failed = skipped = 0
failures = []


def walk(group, path):
    global passed, failed, skipped
    name = path + [group["name"]] if path is not None else []
    for case in group.get("test_cases", []):
        full = ".".join(name + [case["name"]])
        if case["status"] == "PASS":
            passed += 1
        elif case["status"] == "SKIP":
            skipped += 1
        else:
            failed += 1
            failures.append("%s (%s)" % (full, case["status"]))
    for sub in group.get("sub_groups", []):
        walk(sub, name)


walk(json.load(open(json_path)), None)

# A splat starts at a line naming one of these; its trace lines up to
# "---[ end trace" belong to it.  vmem's own pr_warn() lines for caller
# mistakes ("vmem: arena 'x': bad free ...") match none of them.
splat = re.compile(r"WARNING:|BUG:|Oops|lockdep|possible recursive locking|"
                   r"inconsistent lock state|circular locking|KASAN|"
                   r"kmemleak|UBSAN|list_add corruption|list_del corruption|"
                   r"spinlock bad magic")
# Lines printed at every boot by the debugging options themselves.
benign = re.compile(r"kmemleak: Kernel memory leak detector initialized|"
                    r"kmemleak: Automatic memory scanning thread started")
# kunit.py's arch_uml.config forces UML_PCI_OVER_VIRTIO=y, whose device ID
# defaults to -1: every boot WARNs once, "No virtio device ID configured for
# PCI", before any test runs.  Skip that one splat, trace and all.
benign_splat = re.compile(r"WARNING: .* at arch/um/drivers/virt-pci\.c:")
ktap = re.compile(r"^\s*(ok |not ok |#|KTAP |TAP )")
result = re.compile(r"^(\s*)(?:not )?ok \d+ (.*?)(?:\s+#.*)?$")
subtest = re.compile(r"^(\s*)# Subtest: (.*)$")
trace = re.compile(r"^\s*\[<[0-9a-f]+>\]|^\s*\?? ?[\w.]+\+0x[0-9a-f]+/0x[0-9a-f]+")
stamp = re.compile(r"^\[\s*\d+\.\d+\]\s?")
noise = re.compile(r"CPU: \d+ PID: \d+ |\b(0x)?[0-9a-f]{8,}\b")

# A splat is its first line and what follows up to "---[ end trace", the
# next KTAP line, or 200 lines.  It is charged to the test whose result
# comes next.  The same splat repeated within one test counts once.
splats = {}     # (signature, test) -> [count, lines]
pending = []
current = None
parents = {}    # indentation -> name of the suite or test open there
for line in open(log_path, errors="replace"):
    line = stamp.sub("", line.rstrip("\n"))
    if current is not None:
        if not ktap.match(line) and len(current) < 200:
            current.append(line)
            if "---[ end trace" in line:
                current = None
            continue
        current = None
    m = subtest.match(line)
    if m:
        depth = len(m.group(1))
        parents = {d: n for d, n in parents.items() if d < depth}
        parents[depth] = m.group(2)
        continue
    m = result.match(line)
    if m:
        depth = len(m.group(1))
        test = ".".join([n for d, n in sorted(parents.items()) if d <= depth] +
                        [m.group(2)])
        parents = {d: n for d, n in parents.items() if d <= depth}
        for sig, lines in pending:
            entry = splats.setdefault((sig, test), [0, lines])
            entry[0] += 1
        pending = []
        continue
    if (ktap.match(line) or trace.match(line) or benign.search(line) or
            not splat.search(line)):
        continue
    current = [line]
    if not benign_splat.search(line):
        pending.append((noise.sub("", line), current))
for sig, lines in pending:
    entry = splats.setdefault((sig, "(after the last test)"), [0, lines])
    entry[0] += 1

shown = set()
for (sig, test), (count, lines) in splats.items():
    print("kunit: SPLAT in %s (%d time%s): %s" %
          (test, count, "" if count == 1 else "s", lines[0]))
    if sig not in shown:
        shown.add(sig)
        for line in lines[1:40]:
            print("kunit:        " + line)
failed += len(splats)

if passed + failed + skipped == 0:
    failures.append("no test case ran")
    failed += 1
elif status != "0" and not failures and not splats:
    failures.append("kunit.py exec exited with status " + status)
    failed += 1

for name in failures:
    print("kunit: FAILED: " + name)
if counts_path:
    with open(counts_path, "w") as f:
        f.write("%d %d %d\n" % (passed, failed, skipped))
print("kunit: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed else 0)
EOF
}

main "$@"
