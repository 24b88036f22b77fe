#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark vmem against the kernel's gen_pool, IOVA, IDA and IDR
# allocators (bench/vmem_bench.c), in one run of one kernel per environment:
#
#   uml    a UML kernel built from Debian's linux-source-6.12 with vmem and
#          the benchmark built in (bench/uml.config, kunit.py's config and
#          build, in $VMEM_CACHE/bench-uml); it runs at native speed on one
#          CPU, prints its results and halts.
#   qemu   Debian's stock 6.12 kernel and the newest 7.3 of
#          trixie-backports (VMEM_BENCH_SERIES) under qemu (TCG unless
#          VMEM_QEMU_ACCEL=kvm), one vCPU per host CPU: vmem.ko and
#          vmem_bench.ko are built against Debian's headers (7.x in the
#          trixie chroot of scripts/kseries.sh) and loaded from a busybox
#          initramfs.  The kernel, busybox and the boot come from
#          tools/testing/qemu/qemu-lib.sh.
#
# The numbers are reported, never judged pass or fail.  For each
# environment bench/report.py prints tables of ns per alloc/free pair and
# each allocator's ratio to vmem instant fit, the memory per live segment
# and how the issue's expectations fare, and writes a CSV file and a PNG
# plot (gnuplot, installed from Debian when missing) to
# $VMEM_CACHE/bench/<environment>/.
#
# Usage: scripts/bench.sh [uml] [qemu]          (default: both)
#
# Environment:
#   VMEM_CACHE          cache directory (default ~/.cache/vmem)
#   VMEM_BENCH_ARGS     module parameters, e.g. "cell_ms=100 max_n=100000"
#   VMEM_BENCH_SMP      vCPUs of the qemu guest (default: the host's CPUs)
#   VMEM_BENCH_SERIES   kernel series booted in qemu (default "6.12 7.3")
#   VMEM_QEMU_ACCEL     tcg (default) or kvm, as for scripts/qemu-test.sh

set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

qemu_lib=$VMEM_TOP/tools/testing/qemu/qemu-lib.sh
export VMEM_QEMU_SMP=${VMEM_BENCH_SMP:-$(nproc)}
export VMEM_QEMU_TIMEOUT=${VMEM_QEMU_TIMEOUT:-1200}
if [[ -f $qemu_lib ]]; then
	# shellcheck source=tools/testing/qemu/qemu-lib.sh
	source "$qemu_lib"
fi

bench_args=${VMEM_BENCH_ARGS:-}
bench_series=${VMEM_BENCH_SERIES:-6.12 7.3}
out=$VMEM_CACHE/bench
uml_build=$VMEM_CACHE/bench-uml
uml_ok=$uml_build/.vmem-build-ok
uml_log=$out/uml-build.log

report()
{
	python3 "$VMEM_TOP/bench/report.py" --env "$1" --log "$2" --out "$3"
}

uml_kunit_py()
{
	python3 tools/testing/kunit/kunit.py "$@" \
		--kunitconfig="$VMEM_TOP/bench/uml.config" \
		--build_dir="$uml_build"
}

uml_configure()
{
	kunit_configure "$VMEM_TOP/bench/uml.config" "$uml_build" "$uml_log"
}

uml_build()
{
	rm -f "$uml_ok"
	rm -rf "$uml_build/lib/vmem"
	if uml_kunit_py build --jobs="$(nproc)" >>"$uml_log" 2>&1; then
		touch "$uml_ok"
		return 0
	fi
	grep -E 'error|Error|undefined' "$uml_log" | tail -n 40 >&2 || true
	return 1
}

run_uml()
{
	local tree dir=$out/uml start=$SECONDS arg args=() rc=0

	mkdir -p "$dir"
	(
		cache_lock kunit	# the graft is shared with scripts/kunit.sh
		tree=$(ksrc_tree)
		ksrc_graft "$tree"
		if [[ -d $uml_build && ! -f $uml_ok ]]; then
			msg "discarding $uml_build: its last build did not finish"
			rm -rf "$uml_build"
		fi
		cd "$tree"
		: >"$uml_log"
		msg "building the UML kernel in $uml_build (log: $uml_log)"
		if ! { uml_configure && uml_build; }; then
			grep -qE '/lib/vmem/.*(error|warning):' "$uml_log" &&
				die "the UML build failed in vmem's files"
			msg "build failed; retrying once from a clean build directory"
			rm -rf "$uml_build"
			: >"$uml_log"
			uml_configure && uml_build || die "the UML build failed"
		fi
		msg "build took $((SECONDS - start)) s"
	) || return 1

	for arg in $bench_args; do
		args+=("vmem_bench.$arg")
	done
	msg "running the benchmark in UML (1 CPU)"
	start=$SECONDS
	timeout -k 10 1200 "$uml_build/linux" mem=2G console=tty \
		vmem_bench.halt=1 "${args[@]}" </dev/null \
		>"$dir/console.log" 2>&1 || rc=$?
	stty sane 2>/dev/null || true
	msg "UML ran $((SECONDS - start)) s (status $rc)"
	report uml "$dir/console.log" "$dir"
}

# The initramfs of the qemu run: busybox, bench/qemu-init, the modules and
# the module parameters.
qemu_initramfs()
{
	local busybox=$1 bdir=$2 img=$3 root=$3.d

	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/vmemq}
	install -m 0755 "$busybox" "$root/bin/busybox"
	install -m 0755 "$VMEM_TOP/bench/qemu-init" "$root/init"
	install -m 0644 "$bdir/vmem.ko" "$bdir/bench/vmem_bench.ko" \
		"$root/lib/vmemq/"
	printf '%s\n' "$bench_args" >"$root/bench-args"
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) >"$img" ||
		die "packing $img failed"
	rm -rf "$root"
}

# One stock kernel of a series (kseries.sh: the host's headers, or a
# chroot's for 7.x): vmem.ko and vmem_bench.ko built against its headers,
# booted under qemu.
run_qemu_series()
{
	local series=$1 line kver kdir root kernel busybox bdir dir log rc=0
	local start=$SECONDS

	line=$(kseries "$series") || { msg "qemu: no headers of series $series"; return 1; }
	read -r kver kdir root <<<"$line"
	dir=$out/qemu-$kver
	bdir=$(kbuild_dir bench-qemu "$kver" "$root")
	log=$dir/build.log
	mkdir -p "$dir" "$VMEMQ_CACHE"

	# The kernel image and busybox live in the qemu test's cache.
	exec 8>"$VMEMQ_CACHE/lock"
	flock 8
	kernel=$(vmemq_kernel "$kver" "$root")
	busybox=$(vmemq_busybox)
	flock -u 8

	copy_tree "$root$bdir" || die "copying the tree to $root$bdir failed"
	{
		kbuild_part vmem "$kdir" "$bdir" "$root" &&
		kbuild_part bench "$kdir" "$bdir" "$root"
	} >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "build for $kver failed (log: $log)"; }
	if grep -E 'warning:|WARNING:' "$log" >&2; then
		die "build for $kver warned (log: $log)"
	fi
	qemu_initramfs "$busybox" "$root$bdir" "$dir/initramfs.cpio"

	msg "booting $kver ($VMEMQ_ACCEL, $VMEMQ_SMP CPUs) for the benchmark"
	vmemq_boot "$kernel" "$dir/initramfs.cpio" bench "$dir" || rc=$?
	msg "qemu ran $((SECONDS - start)) s (status $rc)"
	report "qemu-$kver" "$dir/results.log" "$dir"
}

run_qemu()
{
	local series rc=0

	if ! declare -F vmemq_boot >/dev/null; then
		msg "qemu: $qemu_lib is not there; skipping the stock kernels"
		return 1
	fi
	vmemq_deps
	for series in $bench_series; do
		run_qemu_series "$series" || rc=1
	done
	return "$rc"
}

main()
{
	local env rc=0 start=$SECONDS

	[[ $# -gt 0 ]] || set -- uml qemu
	need_build_deps
	need_pkgs gnuplot-nox
	mkdir -p "$out"
	for env; do
		case $env in
		uml)	run_uml || rc=1 ;;
		qemu)	run_qemu || rc=1 ;;
		*)	die "unknown environment '$env' (uml, qemu)" ;;
		esac
	done
	msg "$((SECONDS - start)) s; results in $out"
	return "$rc"
}

main "$@"
