#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the vmem KUnit suites into a kernel and run them: a UML kernel by
# default, or with --arch=x86_64, i386 or arm64 a kernel of that
# architecture booted by qemu (TCG) with two CPUs (arm64 cross-built with
# Debian's gcc-aarch64-linux-gnu).
#
# The kernel tree is Debian's linux-source-6.12, unpacked once into the
# cache; this repository is grafted into it as lib/vmem and kunit.py builds
# it with kunit/.kunitconfig (UML) or kunit/<arch>.kunitconfig, in
# $VMEM_CACHE/kunit-build (UML) or kunit-build-<arch>.
# scripts/kunit-results.py counts the test cases (the parameters of a
# parameterized case one by one) and scans the kernel log for splats
# (warnings, lockdep, KASAN, KCSAN, ...), each of which counts as one
# failure even when every case passed.  Under UML the cases come from
# kunit.py's JSON; under qemu from the raw console, whose lines the second
# CPU can interleave in ways that trip kunit.py's parser.  A qemu boot that
# dies before the first KTAP line (a known TCG flake) is retried once, and
# says so; a run that failed after the tests started is never retried.
#
# With --src=newest the tree is the newest linux-source-7.x of Debian 13's
# trixie-backports instead (fetched with the package lists of the trixie
# chroot, scripts/kseries.sh, unpacked into the cache), built for UML with
# the host's compiler in $VMEM_CACHE/kunit-build-um-<series>.
#
# Usage: scripts/kunit.sh [--arch=um|x86_64|i386|arm64] [--src=newest]
#        [FILTER_GLOB]
#        e.g. scripts/kunit.sh --arch=x86_64 'vmem_xalloc*'
#
# Environment:
#   VMEM_CACHE          cache directory (default ~/.cache/vmem)
#   VMEM_KUNIT_TIMEOUT  seconds the test kernel may run (default 900)
#   VMEM_KUNIT_COUNTS   if set, "PASSED FAILED SKIPPED RETRIES" is written
#                       there
#
# Prints "kunit: N passed, N failed, N skipped" last (kunit-<arch>: under
# qemu); exits non-zero on any failure.

set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arch=um
src=
while [[ ${1:-} == --arch=* || ${1:-} == --src=* ]]; do
	case $1 in
	--arch=*)	arch=${1#--arch=} ;;
	--src=newest)	src=newest ;;
	*)		die "unknown option '$1' (--src=newest)" ;;
	esac
	shift
done
[[ -z $src || $arch == um ]] || die "--src=newest is for UML only"
case $arch in
um)
	name=kunit
	kunitconfig=$VMEM_TOP/kunit/.kunitconfig
	;;
x86_64|i386|arm64)
	name=kunit-$arch
	kunitconfig=$VMEM_TOP/kunit/$arch.kunitconfig
	;;
*)
	die "unknown architecture '$arch' (um, x86_64, i386 or arm64)"
	;;
esac
# kunit.py options of the architecture, for config, build and exec alike.
arch_opts=(--arch="$arch")
[[ $arch == arm64 ]] && arch_opts+=(--cross_compile=aarch64-linux-gnu-)
build_dir=$(kunit_build_dir "$arch")
if [[ -n $src ]]; then
	name=kunit-newest
	build_dir=
fi
build_ok=$build_dir/.vmem-build-ok
build_log=$VMEM_CACHE/$name-build.log
exec_log=$VMEM_CACHE/$name-exec.log
json=$VMEM_CACHE/$name.json
timeout=${VMEM_KUNIT_TIMEOUT:-900}
retries=0

counts()
{
	[[ -n ${VMEM_KUNIT_COUNTS:-} ]] && printf '%s %s %s %s\n' "$1" "$2" "$3" \
		"$retries" >"$VMEM_KUNIT_COUNTS"
	printf '%s: %s passed, %s failed, %s skipped\n' "$name" "$1" "$2" "$3"
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
	python3 tools/testing/kunit/kunit.py "$@" "${arch_opts[@]}" \
		--kunitconfig="$kunitconfig" --build_dir="$build_dir"
}

configure()
{
	kunit_configure "$kunitconfig" "$build_dir" "$build_log" \
		"${arch_opts[@]}"
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

# The build is niced, so that interactive work on the machine keeps
# priority.
build()
{
	rm -f "$build_ok"
	# Always recompile our objects: the graft may point at another clone
	# whose files are older than the objects built from the last one.
	rm -rf "$build_dir/lib/vmem"
	if (renice -n 10 -p "$BASHPID" >/dev/null &&
	    kunit_py build --jobs="$(nproc)") >>"$build_log" 2>&1; then
		touch "$build_ok"
		return 0
	fi
	grep -E 'error|Error|undefined' "$build_log" | tail -n 40 >&2 || true
	own_failure && touch "$build_ok"
	return 1
}

# UML: kunit.py parses the results and writes them as JSON; its output is
# shown, warnings left out, from "cut here" to "end trace": they are summed
# up by kunit-results.py, and the whole output is in $exec_log.
exec_uml()
{
	rm -f "$json" "$build_dir/test.log"
	kunit_py exec --timeout="$timeout" --json="$json" "$@" \
		>"$exec_log" 2>&1 || status=$?
	awk '/-+\[ cut here \]-+/ { skip = 1 } !skip && !/^stty: / { print }
	     /---\[ end trace/ { skip = 0 }' "$exec_log"
	[[ -s $json ]] || fail_early "kunit.py exec wrote no results (status $status)"
}

# Did the kernel get as far as the first KTAP line?
ktap_started()
{
	grep -qE '^(\[ *[0-9]+\.[0-9]+\] ?)?K?TAP version [0-9]+' "$1"
}

# qemu with two CPUs: the raw console, parsed by kunit-results.py.  A boot
# that died before the tests started is retried once; its console is kept.
exec_qemu()
{
	local failed_boot=$VMEM_CACHE/$name-failed-boot.log

	rm -f "$failed_boot"
	while :; do
		status=0
		rm -f "$build_dir/test.log"
		kunit_py exec --timeout="$timeout" --raw_output=all \
			--qemu_args='-smp 2' "$@" >"$exec_log" 2>&1 || status=$?
		# No console at all when qemu did not start: kunit.py's
		# output says why.
		[[ -f $build_dir/test.log ]] ||
			cp "$exec_log" "$build_dir/test.log"
		# vmem is built in and starts before the tests: a boot that
		# died in vmem's own code is a failure, not a flake.
		if ktap_started "$build_dir/test.log" || [[ $retries -gt 0 ]] ||
		   grep -qE '\<vmem(_[a-z_]+\+0x|:)' "$build_dir/test.log"; then
			return 0
		fi
		retries=1
		cp "$build_dir/test.log" "$failed_boot"
		msg "RETRY: the kernel died before the first test (console in $failed_boot); booting it once more. Its last lines:"
		tail -n 15 "$failed_boot" | sed 's/^/    /' >&2
	done
}

# The tree of the newest linux-source-7.x of trixie-backports, found with
# the trixie chroot's package lists and unpacked into the cache; the trees
# of older series and their build directories are removed.  Prints the tree.
ksrc_tree_newest()
{
	local root pkg ver dir=$VMEM_CACHE/src tree debs deb old

	root=$(chroot_dir trixie)
	(chroot_ensure trixie) >&2 || die "no trixie chroot"
	pkg=$(kenv "$root" apt-cache search --names-only \
		'^linux-source-7\.[0-9]+$' | awk '{ print $1 }' | sort -V |
	      tail -n 1)
	[[ -n $pkg ]] || die "no linux-source-7.x package in trixie-backports"
	ver=$(kenv "$root" apt-cache show --no-all-versions "$pkg" |
	      sed -n 's/^Version: //p' | head -n 1)
	tree=$dir/$pkg
	cache_lock src
	if [[ ! -f $tree.stamp || $(<"$tree.stamp") != "$ver" ||
	      ! -s $tree/Makefile || ! -s $tree/tools/testing/kunit/kunit.py ||
	      ! -s $tree/lib/Kconfig ]]; then
		debs=$VMEM_CACHE/debs/$pkg
		rm -rf "$debs" "$tree" "$tree.tmp" "$tree.stamp"
		msg "fetching $pkg $ver"
		kenv_download "$root" "$debs" "$pkg=$ver" ||
			die "apt-get download $pkg=$ver failed"
		deb=$(find "$debs" -name '*.deb' | head -n 1)
		msg "unpacking $pkg $ver into $dir"
		mkdir -p "$tree.tmp"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO "./usr/src/$pkg.tar.xz" | tar -xJ -C "$tree.tmp" ||
			die "unpacking $deb failed"
		mv "$tree.tmp/$pkg" "$tree"
		rmdir "$tree.tmp"
		# The package is 150 MB or more; the tree is what is kept.
		rm -rf "$debs"
		printf '%s\n' "$ver" >"$tree.stamp"
	fi
	for old in "$dir"/linux-source-7.*; do
		[[ $old == "$tree" || $old == "$tree.stamp" ]] && continue
		msg "removing $old, older than $pkg"
		rm -rf "$old" "$VMEM_CACHE/kunit-build-um-${old##*/linux-source-}"
	done
	printf '%s\n' "$tree"
}

main()
{
	local tree start status=0
	local -a opts=()

	need_build_deps
	case $arch in
	x86_64|i386)	need_pkgs qemu-system-x86 ;;
	arm64)		need_pkgs qemu-system-arm gcc-aarch64-linux-gnu ;;
	esac
	cache_lock kunit	# the graft is shared by every architecture
	if [[ -n $src ]]; then
		tree=$(ksrc_tree_newest) || fail_early "the newest kernel source"
		# One build directory per series: a new series starts clean.
		build_dir=$VMEM_CACHE/kunit-build-um-${tree##*/linux-source-}
		build_ok=$build_dir/.vmem-build-ok
		msg "kernel source: $tree ($(<"$tree.stamp"))"
	else
		tree=$(ksrc_tree)
	fi
	ksrc_graft "$tree"

	if [[ -d $build_dir && ! -f $build_ok ]]; then
		msg "discarding $build_dir: its last build did not finish"
		rm -rf "$build_dir"
	fi
	# Debian's tarballs keep upstream file times, older than objects built
	# from the previous version: a new version of the source starts clean.
	if [[ -d $build_dir &&
	      $(cat "$build_dir/.vmem-source" 2>/dev/null) != "$(<"$tree.stamp")" ]]; then
		msg "discarding $build_dir: built from another version of the source"
		rm -rf "$build_dir"
	fi
	mkdir -p "$build_dir"
	cp "$tree.stamp" "$build_dir/.vmem-source"

	cd "$tree"
	: >"$build_log"
	start=$SECONDS
	msg "building the $arch test kernel in $build_dir (log: $build_log)"
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
	if [[ $arch == um ]]; then
		exec_uml "$@"
	else
		exec_qemu "$@"
	fi
	msg "tests took $((SECONDS - start)) s"

	[[ $arch == um ]] && opts+=(--json="$json")
	[[ -n ${VMEM_KUNIT_COUNTS:-} ]] && opts+=(--counts="$VMEM_KUNIT_COUNTS")
	python3 "$VMEM_TOP/scripts/kunit-results.py" --name="$name" \
		--status="$status" --retries="$retries" "${opts[@]}" \
		"$build_dir/test.log"
}

main "$@"
