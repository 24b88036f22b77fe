#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The test command of vmem: "make check", ".ci/run" and the README call it.
#
# For every kernel series of the matrix (scripts/kseries.sh: Debian 12's
# 6.1, 6.12 and 6.12-rt on the host; trixie-backports' 7.3 and 7.3-rt and
# sid's newest 7.x in Debian chroots in the cache) it builds vmem.ko, the
# contract client, the sample client, the qemu test modules and the
# benchmark module with W=1, runs sparse, and checks vmem's exports in
# Module.symvers; it runs checkpatch.pl and kernel-doc, builds and installs
# the module with dkms into a private tree (on the host and in the Debian 13
# chroot, whose dkms is 3.x), checks the core in userspace, runs the KUnit
# suites in a UML kernel and under qemu (scripts/kunit.sh), builds them as
# modules against the x86_64 kernel (scripts/kunit-modules.sh), and boots
# every series's stock kernel under qemu with the modules built here
# (scripts/qemu-test.sh).  Every check prints one PASS or FAIL line and a
# failed check does not stop the others; each KUnit case and each qemu
# check counts as one test.  The time of each part is printed at the end,
# and the last line is "N passed, N failed"; the exit status is non-zero
# when anything failed.
#
# Usage: scripts/check.sh [PART...]
#        PART: builds style dkms userspace kunit qemu (default: all)
# VMEM_CHECK_SERIES="6.1 7.3" limits builds, dkms and qemu to those series.
#
# It installs the Debian packages it needs and fetches nothing else.  Logs
# are kept in $VMEM_CACHE/check/.

set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# checkpatch.pl message types that do not fit this tree, each with its
# reason.
CHECKPATCH_IGNORE=(
	# An out-of-tree module builds against several kernels and must test
	# the version where an interface changed (the symbol namespace became
	# a string in 6.13); in tree there is only one version.
	LINUX_VERSION_CODE
)

# The API contract: exported GPL-only in namespace VMEM.  vmem_size() is an
# inline over vmem_arena_size().
CONTRACT_EXPORTS=(vmem_create vmem_xcreate vmem_destroy vmem_add vmem_alloc vmem_free
		  vmem_xalloc vmem_xfree vmem_contains vmem_walk
		  vmem_arena_size)
# OpenZFS's spl.ko exports these; vmem.ko must load beside it.
FOREIGN_EXPORTS=(vmem_size heap_arena zio_arena zio_alloc_arena)

logdir=$VMEM_CACHE/check
passed=0
failed=0
skipped=0
run_id=
built=
dkms_ver=
dkms_dir=
dkms_root=
times=()
series_list=()
declare -A series_kver=() series_kdir=() series_root=()

pass()
{
	passed=$((passed + 1))
	printf 'PASS: %s\n' "$*"
}

fail()
{
	failed=$((failed + 1))
	printf 'FAIL: %s\n' "$*"
}

# check NAME FUNCTION ARGS...: run FUNCTION in a subshell with its output in
# a log of its own; it fails by returning non-zero.  On failure, show what
# went wrong.
check()
{
	local name=$1 start=$SECONDS
	shift

	log=$logdir/${name//[^A-Za-z0-9_.+-]/_}.log
	if ("$@") >"$log" 2>&1; then
		pass "$name ($((SECONDS - start)) s)"
		return 0
	fi
	fail "$name ($((SECONDS - start)) s, log: $log)"
	{ grep -iE 'warning|error|undefined|CHECK:|^(FAIL|missing)' "$log" ||
		tail -n 20 "$log"; } | head -n 60 | sed 's/^/    /'
	return 1
}

# No line of log $1 matches the extended regex $2, any case; the lines that
# do are printed.  The log is the output of the check calling this, so grep
# must not write to it: GNU grep refuses a file that is also its output
# ("input file is also the output") and that refusal would pass.
no_match()
{
	local lines rc=0

	lines=$(grep -iE -- "$2" "$1") || rc=$?
	if [[ $rc -eq 0 ]]; then
		printf '%s\n' "$lines"
		return 1
	fi
	[[ $rc -eq 1 ]] || { echo "grep $1 failed ($rc)"; return 1; }
}

# The repository's files matching the patterns, build products excluded.
repo_files()
{
	if git -C "$VMEM_TOP" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$VMEM_TOP" ls-files -co --exclude-standard -- "$@"
	else
		(cd "$VMEM_TOP" && for pat; do
			find "${pat%%/*}" -path "$pat" ! -name '*.mod.c' 2>/dev/null
		done)
	fi | sort -u
}

# build PART KDIR BDIR [ROOT]: one build of scripts/kseries.sh's
# kbuild_part, where the series builds (ROOT: its chroot); vmem, the first,
# starts from a clean copy of the tree.  Any warning fails, and for the
# clients any symbol modpost leaves undefined; for sparse any error too.
build()
{
	local part=$1 kdir=$2 bdir=$3 root=${4:-}

	if [[ $part == vmem ]]; then
		copy_tree "$root$bdir" || return 1
	fi
	kbuild_part "$part" "$kdir" "$bdir" "$root" || return 1
	case $part in
	vmem)	no_match "$log" 'warning:' ;;
	# sparse must have run: kbuild only warns, without "warning:", when
	# it thinks the checker unfit, and then checks nothing.
	sparse)	no_match "$log" 'warning:|error:|not available|checker-valid' &&
		grep -q '^  CHECK ' "$log" ;;
	*)	no_match "$log" 'warning:|undefined' ;;
	esac
}

exported()
{
	awk -v s="$1" '$2 == s { found = 1 } END { exit !found }' "$2"
}

# Every contract function exported GPL-only in VMEM, every other export of
# vmem.ko too, and none of OpenZFS's names.
symvers()
{
	local file=$1/Module.symvers sym type ns bad=0

	[[ -s $file ]] || { echo "missing $file"; return 1; }
	cat "$file"
	for sym in "${CONTRACT_EXPORTS[@]}"; do
		if ! exported "$sym" "$file"; then
			echo "FAIL: $sym is not exported"
			bad=1
		fi
	done
	while read -r _ sym _ type ns; do
		if [[ $type != EXPORT_SYMBOL_GPL || ${ns:-} != VMEM ]]; then
			echo "FAIL: $sym is exported as $type in namespace '${ns:-}', not EXPORT_SYMBOL_GPL in VMEM"
			bad=1
		fi
	done <"$file"
	for sym in "${FOREIGN_EXPORTS[@]}"; do
		if exported "$sym" "$file"; then
			echo "FAIL: $sym is exported, which clashes with OpenZFS's spl.ko"
			bad=1
		fi
	done
	return "$bad"
}

# Message types ignored in one file only, each with its reason.
checkpatch_file_ignore()
{
	case $1 in
	# The exports stand apart from the functions on purpose: the core,
	# vmem_core.c, holds no module glue so that it compiles unchanged in
	# userspace (tools/testing/vmem).
	vmem/vmem_main.c) echo EXPORT_SYMBOL ;;
	# Trace event definitions keep the layout of include/trace/events/
	# (TRACE_EVENT(name, then one macro a line, indented by a tab).
	vmem/vmem_trace.h) echo OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT ;;
	esac
}

checkpatch()
{
	local tree=$1 file=$2 ignore extra
	local -a types=("${CHECKPATCH_IGNORE[@]}")

	extra=$(checkpatch_file_ignore "$file")
	[[ -z $extra ]] || types+=("$extra")
	ignore=$(IFS=,; echo "${types[*]}")
	(cd "$VMEM_TOP" && perl "$tree/scripts/checkpatch.pl" --strict --no-tree \
		--terse --show-types ${ignore:+--ignore "$ignore"} -f "$file") &&
		no_match "$log" '(ERROR|WARNING|CHECK):'
}

kernel_doc()
{
	local tree=$1 file=$2 out

	out=$(cd "$VMEM_TOP" && perl "$tree/scripts/kernel-doc" -none -Wall "$file" 2>&1) ||
		{ echo "$out"; return 1; }
	echo "$out"
	[[ -z $out ]]
}

# DKMS runs where a series builds: dkms_root is empty for the host, or the
# chroot; dkms_dir, the private tree, is a path there.
dkms_opts()
{
	printf '%s\n' --dkmstree "$dkms_dir/var" --sourcetree "$dkms_dir/src" \
		--installtree "$dkms_dir/modules"
}

dkms_add()
{
	local -a opts

	mapfile -t opts < <(dkms_opts)
	rm -rf "${dkms_root}${dkms_dir:?}"
	mkdir -p "$dkms_root$dkms_dir"/{var,src,modules}
	copy_tree "$dkms_root$dkms_dir/stage/vmem" || return 1
	kenv "$dkms_root" dkms add "${opts[@]}" "$dkms_dir/stage/vmem" ||
		return 1
	kenv "$dkms_root" dkms status "${opts[@]}" |
		grep -F "vmem/$dkms_ver: added"
}

# Build with the headers (--kernelsourcedir: no /lib/modules, no kernel
# image) and install into the private tree, without depmod.
dkms_build()
{
	local kver=$1 kdir=$2 ko info
	local -a opts

	mapfile -t opts < <(dkms_opts)
	mkdir -p "$dkms_root$dkms_dir/modules/$kver"
	kenv "$dkms_root" dkms build "${opts[@]}" "vmem/$dkms_ver" -k "$kver" \
		--kernelsourcedir "$kdir" || return 1
	kenv "$dkms_root" dkms install "${opts[@]}" --no-depmod \
		"vmem/$dkms_ver" -k "$kver" --kernelsourcedir "$kdir" || return 1
	ko=$(find "$dkms_root$dkms_dir/modules/$kver" -name 'vmem.ko*')
	[[ -n $ko ]] || { echo "no vmem.ko installed for $kver"; return 1; }
	info=$(kenv "$dkms_root" modinfo "${ko#"$dkms_root"}" |
	       grep -E '^(name|vermagic|license):') || return 1
	echo "$info"
	# Built for the kernel asked for, not some other one dkms found.
	[[ $(awk '$1 == "vermagic:" { print $2 }' <<<"$info") == "$kver" ]] ||
		{ echo "vmem.ko's vermagic is not $kver"; return 1; }
}

dkms_remove()
{
	local -a opts

	mapfile -t opts < <(dkms_opts)
	kenv "$dkms_root" dkms remove "${opts[@]}" --no-depmod \
		"vmem/$dkms_ver" --all || return 1
	[[ -z $(kenv "$dkms_root" dkms status "${opts[@]}") ]] || return 1
	[[ -z $(find "$dkms_root$dkms_dir/modules" -name '*.ko*') ]] ||
		return 1
	rm -rf "${dkms_root}${dkms_dir:?}"
}

# dkms ROOT WHERE KVER KDIR...: add, build and install for each kernel,
# remove, in a private tree on the host (ROOT empty) or in a chroot.
dkms_all()
{
	local where=$2 i
	local -a kv=()

	dkms_root=$1
	shift 2
	if [[ -n $dkms_root ]]; then
		dkms_dir=/build/dkms
	else
		dkms_dir=$VMEM_CACHE/dkms
	fi
	check "dkms add vmem/$dkms_ver ($where)" dkms_add || return 0
	kv=("$@")
	for ((i = 0; i < ${#kv[@]}; i += 2)); do
		check "dkms build+install ${kv[i]}" dkms_build \
			"${kv[i]}" "${kv[i + 1]}" || true
	done
	check "dkms remove --all ($where)" dkms_remove || true
}

# tools/testing/vmem: the core compiled unchanged in userspace, one make
# target a check (check-gcc, check-clang, check-valgrind, check-tsan,
# check-m32, check-preempt, fuzz, coverage),
# in a clean copy of the tree.
userspace_test()
{
	local dir=$VMEM_CACHE/userspace

	need_pkgs gcc gcc-multilib make clang libclang-rt-14-dev valgrind lcov
	copy_tree "$dir" || return 1
	make -C "$dir/tools/testing/vmem" -j2 "$1"
}

# kunit [ARCH|newest]: the KUnit suites under UML, under qemu on x86_64,
# i386 or arm64 (scripts/kunit.sh --arch=ARCH), or under UML on the newest
# 7.x kernel source (--src=newest).  Every case counts as one test;
# kunit.sh's output is shown as it runs, and one PASS or FAIL line sums it
# up.
kunit()
{
	local arch=${1:-um} start=$SECONDS what counts retried=
	local kunit_passed kunit_failed kunit_skipped kunit_retries
	local -a opts=(--arch="$arch")

	if [[ $arch == newest ]]; then
		opts=(--arch=um --src=newest)
	fi
	what=kunit${1:+ $1}
	log=$logdir/kunit${1:+-$1}.log
	counts=$logdir/kunit${1:+-$1}.counts
	rm -f "$counts"
	VMEM_KUNIT_COUNTS=$counts bash "$VMEM_TOP/scripts/kunit.sh" \
		"${opts[@]}" 2>&1 |
		tee "$log" | grep --line-buffered -v "^stty: 'standard input'" || true
	if [[ ! -s $counts ]]; then
		fail "$what ($((SECONDS - start)) s, no results, log: $log)"
		return
	fi
	read -r kunit_passed kunit_failed kunit_skipped kunit_retries <"$counts"
	[[ ${kunit_retries:-0} -eq 0 ]] || retried=", boot retried once"
	passed=$((passed + kunit_passed))
	failed=$((failed + kunit_failed))
	skipped=$((skipped + kunit_skipped))
	printf '%s: %s (%d s%s): %d cases passed, %d failed, %d skipped\n' \
		"$([[ $kunit_failed -eq 0 ]] && echo PASS || echo FAIL)" \
		"$what" "$((SECONDS - start))" "$retried" "$kunit_passed" \
		"$kunit_failed" "$kunit_skipped"
}

# Every qemu check counts as one test; qemu-test.sh's FAIL lines are shown,
# and one line per kernel.  With builds from this run, qemu-test.sh boots
# them instead of building again.
qemu()
{
	local start=$SECONDS qemu_passed qemu_failed line re
	local -a env=()

	log=$logdir/qemu.log
	[[ -z $built ]] || env=(VMEM_QEMU_PREBUILT="$run_id")
	env "${env[@]}" bash "$VMEM_TOP/scripts/qemu-test.sh" "${series_list[@]}" \
		>"$log" 2>&1 || true
	read -r qemu_passed qemu_failed < <(sed -n \
		's/^qemu: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log") || true
	if [[ -z ${qemu_passed:-} ]]; then
		fail "qemu ($((SECONDS - start)) s, no results, log: $log)"
		tail -n 20 "$log" | sed 's/^/    /'
		return
	fi
	grep -A 20 -E '^(FAIL|NOTE)' "$log" | grep -E '^(FAIL|NOTE|    )' |
		head -n 60 || true
	re='^qemu: \[([^]]+)\] ([0-9]+) passed, ([0-9]+) failed \((.*)\)$'
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		printf '%s: qemu %s (%s): %d checks passed, %d failed\n' \
			"$([[ ${BASH_REMATCH[3]} -eq 0 ]] && echo PASS || echo FAIL)" \
			"${BASH_REMATCH[1]}" "${BASH_REMATCH[4]}" \
			"${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
	done <"$log"
	passed=$((passed + qemu_passed))
	failed=$((failed + qemu_failed))
	printf '%s: qemu (%d s): %d checks passed, %d failed\n' \
		"$([[ $qemu_failed -eq 0 ]] && echo PASS || echo FAIL)" \
		"$((SECONDS - start))" "$qemu_passed" "$qemu_failed"
}

# The builds of one series, each a check: the headers (or the chroot), then
# vmem.ko, its exports, sparse and every client, all in one clean copy of
# the tree.  When vmem and the modules qemu boots built, the tree is
# stamped for qemu-test.sh.
kernel_builds()
{
	local series=$1 kver kdir root bdir ok=1 part

	check "headers $series" kseries "$series" || return 0
	read -r kver kdir root < <(tail -n 1 "$log")
	series_kver[$series]=$kver
	series_kdir[$series]=$kdir
	series_root[$series]=${root:-}
	bdir=$(kbuild_dir check "$kver" "${root:-}")
	check "build W=1 $kver" build vmem "$kdir" "$bdir" "${root:-}" || ok=0
	check "Module.symvers $kver" symvers "${root:-}$bdir" || true
	check "sparse C=2 $kver" build sparse "$kdir" "$bdir" "${root:-}" ||
		true
	for part in contract sample modules bench; do
		check "$(part_name "$part") W=1 $kver" \
			build "$part" "$kdir" "$bdir" "${root:-}" ||
			{ [[ $part == bench ]] || ok=0; }
	done
	[[ $ok -eq 0 ]] || printf '%s\n' "$run_id" >"${root:-}$bdir/.vmem-built"
}

part_name()
{
	case $1 in
	contract)	echo "contract client" ;;
	sample)		echo "sample client" ;;
	modules)	echo "qemu test modules" ;;
	bench)		echo "bench module" ;;
	esac
}

# timed NAME COMMAND...: run a part and note its time for the summary.
timed()
{
	local name=$1 start=$SECONDS
	shift

	"$@"
	times+=("$(printf '%6d s  %s' "$((SECONDS - start))" "$name")")
}

# Resolve a series's headers when the builds did not (dkms alone).
series_ready()
{
	[[ -n ${series_kver[$1]:-} ]] && return 0
	check "headers $1" kseries "$1" || return 1
	read -r "series_kver[$1]" "series_kdir[$1]" "series_root[$1]" \
		< <(tail -n 1 "$log")
}

dkms_part()
{
	local series
	local -a host=()

	for series in "${series_list[@]}"; do
		[[ $(kseries_suite "$series") == host ]] || continue
		series_ready "$series" || continue
		host+=("${series_kver[$series]}" "${series_kdir[$series]}")
	done
	[[ ${#host[@]} -eq 0 ]] || dkms_all "" host "${host[@]}"
	# Debian 13's dkms 3.x, in the trixie chroot, against 7.3.
	for series in "${series_list[@]}"; do
		[[ $series == 7.3 ]] || continue
		series_ready "$series" || continue
		dkms_all "${series_root[$series]}" "trixie chroot, dkms 3.x" \
			"${series_kver[$series]}" "${series_kdir[$series]}"
	done
}

style_part()
{
	local tree file

	# checkpatch and kernel-doc, with the tools of the 6.12 source tree.
	check "kernel source $VMEM_KSRC_SERIES" ksrc_tree || return 0
	tree=$(tail -n 1 "$log")
	while IFS= read -r file; do
		check "checkpatch $file" checkpatch "$tree" "$file" || true
	# Not the shims of tools/testing/vmem/include: they stand in
	# for kernel headers in userspace and so repeat the idioms
	# (typedefs, volatile accesses, macros) that checkpatch
	# rightly refuses in kernel code.
	done < <(repo_files 'vmem/*.[ch]' 'kunit/*.[ch]' 'tools/*.[ch]' \
			    'samples/*.[ch]' 'bench/*.[ch]' |
		 grep -v '^tools/testing/vmem/include/')
	while IFS= read -r file; do
		check "kernel-doc $file" kernel_doc "$tree" "$file" || true
	done < <(repo_files 'vmem/*.c' vmem/include/linux/vmem.h)
}

userspace_part()
{
	# The core compiled unchanged in userspace, under ASan and UBSan,
	# against a reference model.
	check "userspace: gcc, ASan and UBSan" userspace_test check-gcc || true
	check "userspace: clang, ASan and UBSan" userspace_test check-clang || true
	check "userspace: valgrind" userspace_test check-valgrind || true
	check "userspace: ThreadSanitizer" userspace_test check-tsan || true
	check "userspace: 32-bit (-m32), ASan and UBSan" \
		userspace_test check-m32 || true
	check "userspace: injected preemption, 200 seeds" \
		userspace_test check-preempt || true
	check "userspace: libFuzzer, 60 s" userspace_test fuzz || true
	check "userspace: coverage of vmem_core.c, 95% of lines" \
		userspace_test coverage || true
}

kunit_part()
{
	# KUnit: under UML, on 6.12 and on the newest 7.x source; under
	# qemu with two CPUs on x86_64, whose kernel also builds the suites
	# as modules, on i386 and on arm64.
	kunit
	kunit newest
	kunit x86_64
	check "kunit suites as modules (=m) on x86_64" \
		bash "$VMEM_TOP/scripts/kunit-modules.sh" || true
	kunit i386
	kunit arm64
}

main()
{
	local part series start=$SECONDS t
	local -a parts=("$@") all=(builds style dkms userspace kunit qemu)
	local -A want=()

	[[ ${#parts[@]} -gt 0 ]] || parts=("${all[@]}")
	for part in "${parts[@]}"; do
		[[ " ${all[*]} " == *" $part "* ]] ||
			die "unknown part '$part' (${all[*]})"
		want[$part]=1
	done
	# shellcheck disable=SC2206
	series_list=(${VMEM_CHECK_SERIES:-${VMEM_SERIES[*]}})
	for series in "${series_list[@]}"; do
		kseries_suite "$series" >/dev/null
	done

	cache_lock check
	mkdir -p "$logdir"
	apt_lists_fresh
	need_build_deps
	run_id="$$-$(date +%s)"
	dkms_ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$VMEM_TOP/dkms.conf")

	# Builds against every kernel of the matrix, one clean copy each.
	if [[ -n ${want[builds]:-} ]]; then
		for series in "${series_list[@]}"; do
			timed "builds $series" kernel_builds "$series"
		done
		built=1
	fi
	[[ -z ${want[style]:-} ]] || timed "checkpatch, kernel-doc" style_part
	# dkms, in private trees under the cache.
	[[ -z ${want[dkms]:-} ]] || timed dkms dkms_part
	[[ -z ${want[userspace]:-} ]] || timed userspace userspace_part
	[[ -z ${want[kunit]:-} ]] || timed KUnit kunit_part
	# Debian's own kernels under qemu, with the modules built above.
	[[ -z ${want[qemu]:-} ]] || timed "qemu, every kernel" qemu

	printf 'check.sh: time per part:\n'
	for t in "${times[@]}"; do
		printf '  %s\n' "$t"
	done
	printf 'check.sh: %d s; %d skipped; logs in %s\n' \
		"$((SECONDS - start))" "$skipped" "$logdir"
	printf '%d passed, %d failed\n' "$passed" "$failed"
	[[ $failed -eq 0 ]]
}

main "$@"
