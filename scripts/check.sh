#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The test command of vmem: "make check", ".ci/run" and the README call it.
#
# Builds vmem.ko with W=1 and with sparse against Debian 12's 6.1 and 6.12
# kernel headers, checks its exports in Module.symvers, builds a client of
# the API contract against it, runs checkpatch.pl and kernel-doc, builds and
# installs the module with dkms into a private tree, and runs the KUnit
# suites in a UML kernel and under qemu on x86_64 and i386 with two CPUs
# (scripts/kunit.sh), and builds them as modules against the x86_64 kernel
# (scripts/kunit-modules.sh).  Every check prints one PASS or FAIL line and
# a failed check does not stop the others; each KUnit case counts as one
# test.  The last line is "N passed, N failed"; the exit status is non-zero
# when anything failed.
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
CONTRACT_EXPORTS=(vmem_create vmem_destroy vmem_add vmem_alloc vmem_free
		  vmem_xalloc vmem_xfree vmem_contains vmem_walk
		  vmem_arena_size)
# OpenZFS's spl.ko exports these; vmem.ko must load beside it.
FOREIGN_EXPORTS=(vmem_size heap_arena zio_arena zio_alloc_arena)

logdir=$VMEM_CACHE/check
passed=0
failed=0
skipped=0

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
# do are printed.
no_match()
{
	! grep -iE "$2" "$1"
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

build_w1()
{
	local kdir=$1 bdir=$2

	copy_tree "$bdir" || return 1
	make -C "$bdir" KDIR="$kdir" W=1 || return 1
	no_match "$log" 'warning:'
}

build_sparse()
{
	local kdir=$1 bdir=$2

	[[ -f $bdir/Makefile ]] || copy_tree "$bdir" || return 1
	make -C "$bdir" KDIR="$kdir" C=2 || return 1
	no_match "$log" 'warning:|error:'
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

contract_client()
{
	local kdir=$1 bdir=$2

	[[ -s $bdir/Module.symvers ]] || { echo "missing $bdir/Module.symvers"; return 1; }
	make -C "$bdir/tools/contract-client" KDIR="$kdir" VMEM_DIR="$bdir" W=1 ||
		return 1
	no_match "$log" 'warning:|undefined'
}

# Message types ignored in one file only, each with its reason.
checkpatch_file_ignore()
{
	case $1 in
	# The exports stand apart from the functions on purpose: the core,
	# vmem_core.c, holds no module glue so that it compiles unchanged in
	# userspace (tools/testing/vmem).
	vmem/vmem_main.c) echo EXPORT_SYMBOL ;;
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

dkms_opts()
{
	printf '%s\n' --dkmstree "$dkms_dir/var" --sourcetree "$dkms_dir/src" \
		--installtree "$dkms_dir/modules"
}

dkms_add()
{
	local -a opts

	mapfile -t opts < <(dkms_opts)
	rm -rf "$dkms_dir"
	mkdir -p "$dkms_dir/var" "$dkms_dir/src" "$dkms_dir/modules"
	copy_tree "$dkms_dir/stage/vmem" || return 1
	dkms add "${opts[@]}" "$dkms_dir/stage/vmem" || return 1
	dkms status "${opts[@]}" | grep -F "vmem/$dkms_ver: added"
}

# Build with the unpacked headers (--kernelsourcedir: no /lib/modules, no
# kernel image) and install into the private tree, without depmod.
dkms_build()
{
	local kver=$1 kdir=$2 ko
	local -a opts

	mapfile -t opts < <(dkms_opts)
	mkdir -p "$dkms_dir/modules/$kver"
	dkms build "${opts[@]}" "vmem/$dkms_ver" -k "$kver" \
		--kernelsourcedir "$kdir" || return 1
	dkms install "${opts[@]}" --no-depmod "vmem/$dkms_ver" -k "$kver" \
		--kernelsourcedir "$kdir" || return 1
	ko=$(find "$dkms_dir/modules/$kver" -name 'vmem.ko*')
	[[ -n $ko ]] || { echo "no vmem.ko installed for $kver"; return 1; }
	modinfo "$ko" | grep -E '^(name|vermagic|license):'
}

dkms_remove()
{
	local -a opts

	mapfile -t opts < <(dkms_opts)
	dkms remove "${opts[@]}" --no-depmod "vmem/$dkms_ver" --all || return 1
	[[ -z $(dkms status "${opts[@]}") ]] || return 1
	[[ -z $(find "$dkms_dir/modules" -name '*.ko') ]] || return 1
	rm -rf "$dkms_dir"
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

# kunit [ARCH]: the KUnit suites under UML, or under qemu on x86_64 or i386
# (scripts/kunit.sh --arch=ARCH).  Every case counts as one test; kunit.sh's
# output is shown as it runs, and one PASS or FAIL line sums it up.
kunit()
{
	local arch=${1:-um} start=$SECONDS what counts retried=
	local kunit_passed kunit_failed kunit_skipped kunit_retries

	what=kunit${1:+ $1}
	log=$logdir/kunit${1:+-$1}.log
	counts=$logdir/kunit${1:+-$1}.counts
	rm -f "$counts"
	VMEM_KUNIT_COUNTS=$counts bash "$VMEM_TOP/scripts/kunit.sh" \
		--arch="$arch" 2>&1 |
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

# Every qemu check counts as one test; qemu-test.sh's FAIL lines are shown.
qemu()
{
	local start=$SECONDS qemu_passed qemu_failed

	log=$logdir/qemu.log
	bash "$VMEM_TOP/scripts/qemu-test.sh" >"$log" 2>&1 || true
	read -r qemu_passed qemu_failed < <(sed -n \
		's/^qemu: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log") || true
	if [[ -z ${qemu_passed:-} ]]; then
		fail "qemu ($((SECONDS - start)) s, no results, log: $log)"
		tail -n 20 "$log" | sed 's/^/    /'
		return
	fi
	grep -A 20 '^FAIL' "$log" | grep -E '^(FAIL|    )' | head -n 60 || true
	passed=$((passed + qemu_passed))
	failed=$((failed + qemu_failed))
	printf '%s: qemu (%d s): %d checks passed, %d failed\n' \
		"$([[ $qemu_failed -eq 0 ]] && echo PASS || echo FAIL)" \
		"$((SECONDS - start))" "$qemu_passed" "$qemu_failed"
}

main()
{
	local series kver kdir bdir tree file i start=$SECONDS
	local -a kvers=() kdirs=()

	cache_lock check
	mkdir -p "$logdir"
	apt_lists_fresh
	need_build_deps

	# a-d: builds against Debian's headers, one clean copy per kernel.
	for series in 6.1 6.12; do
		check "headers $series" kheaders "$series" || continue
		read -r kver kdir < <(tail -n 1 "$log")
		kvers+=("$kver")
		kdirs+=("$kdir")
		bdir=$VMEM_CACHE/build-$kver
		check "build W=1 $kver" build_w1 "$kdir" "$bdir" || true
		check "Module.symvers $kver" symvers "$bdir" || true
		check "contract client W=1 $kver" contract_client "$kdir" "$bdir" || true
		check "sparse C=2 $kver" build_sparse "$kdir" "$bdir" || true
	done

	# e, f: style, with the tools of the 6.12 source tree.
	if check "kernel source $VMEM_KSRC_SERIES" ksrc_tree; then
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
	fi

	# g: dkms, in a private tree under the cache.
	dkms_dir=$VMEM_CACHE/dkms
	dkms_ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$VMEM_TOP/dkms.conf")
	if check "dkms add vmem/$dkms_ver" dkms_add; then
		for i in "${!kvers[@]}"; do
			check "dkms build+install ${kvers[i]}" dkms_build \
				"${kvers[i]}" "${kdirs[i]}" || true
		done
		check "dkms remove --all" dkms_remove || true
	fi

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

	# h: KUnit: under UML; under qemu with two CPUs on x86_64 (KCSAN),
	# whose kernel also builds the suites as modules, and on i386.
	kunit
	kunit x86_64
	check "kunit suites as modules (=m) on x86_64" \
		bash "$VMEM_TOP/scripts/kunit-modules.sh" || true
	kunit i386

	# i: vmem.ko on Debian's own 6.1 and 6.12 kernels under qemu.
	qemu

	printf 'check.sh: %d s; %d skipped; logs in %s\n' \
		"$((SECONDS - start))" "$skipped" "$logdir"
	printf '%d passed, %d failed\n' "$passed" "$failed"
	[[ $failed -eq 0 ]]
}

main "$@"
