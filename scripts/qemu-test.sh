#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vmem.ko on Debian's own, unmodified kernels, under qemu.
#
# For each kernel series (default: all of scripts/kseries.sh: 6.1, 6.12,
# 6.12-rt, 7.3, 7.3-rt, sid) it takes the newest headers of the series (on
# the host, or in the series's Debian 13 or sid chroot) and the kernel
# image of the same version (apt-get download; only vmlinuz is kept in the
# cache: no kernel is installed), builds vmem.ko, samples/vmem_client and
# the test modules of tools/testing/qemu/modules against the headers, packs
# a busybox initramfs and boots the kernel with qemu (TCG unless
# VMEM_QEMU_ACCEL=kvm, 2 CPUs, 1 GiB).  PREEMPT_RT kernels boot with
# panic_on_warn=1 softlockup_panic=1 sysctl.kernel.panic_on_rcu_stall=1.
# The guest loads an OpenZFS spl.ko stand-in, vmem.ko and the sample client,
# reads vmem's debugfs files, unloads everything, then loads the contract
# client, the misuse module and the abandoning client;
# tools/testing/qemu/results.py checks what it recorded.  Any WARNING, BUG,
# Oops, lockdep or KASAN report fails the run.
#
# A boot that dies before the guest's script has started (no record from
# it yet: a known TCG flake) is retried once, and the retry reported; a
# failure after the script started is never retried.
#
# Usage: scripts/qemu-test.sh [SERIES...]
#
# With VMEM_QEMU_PREBUILT=ID (check.sh sets it) the modules are not built
# again: check.sh's build trees are booted, each of which must carry the
# stamp ID of that run's successful builds.
#
# Prints one PASS or FAIL line per check, one line per kernel
# "qemu: [RELEASE] N passed, N failed (...)", and ends with
# "qemu: N passed, N failed"; the exit status is non-zero on any failure.
# Logs are kept in $VMEM_CACHE/qemu/<release>/.

set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tools/testing/qemu/qemu-lib.sh
source "$VMEM_TOP/tools/testing/qemu/qemu-lib.sh"

passed=0
failed=0

count()
{
	local p f

	read -r p f < <(sed -n 's/^results: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$1" | tail -n 1) || true
	if [[ -z ${p:-} ]]; then
		printf 'FAIL: [%s] results.py gave no counts\n' "$2"
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

# The modules of one kernel: check.sh's build, or one of our own.  Prints
# the build tree; counts a failed or, when built here, a passed check.
modules()
{
	local kver=$1 kdir=$2 root=$3 bdir

	if [[ -n ${VMEM_QEMU_PREBUILT:-} ]]; then
		bdir=$root$(kbuild_dir check "$kver" "$root")
		[[ -f $bdir/.vmem-built &&
		   $(<"$bdir/.vmem-built") == "$VMEM_QEMU_PREBUILT" ]] ||
			{ msg "$kver: check.sh's builds of the modules failed"; return 1; }
		printf '%s\n' "$bdir"
		return
	fi
	vmemq_build "$kver" "$kdir" "$root"
}

# Run one series; every failure before the boot counts as one failed check.
series()
{
	local series=$1 kver kdir root kernel busybox bdir out f line
	local start=$SECONDS rc=0 boot retried='' p=$passed n=$failed

	if ! line=$(kseries "$series"); then
		printf 'FAIL: [%s] headers\n' "$series"
		failed=$((failed + 1))
		printf 'qemu: [%s] 0 passed, 1 failed (%d s)\n' "$series" \
			"$((SECONDS - start))"
		return
	fi
	read -r kver kdir root <<<"$line"
	out=$VMEMQ_CACHE/$kver
	mkdir -p "$out"

	if ! kernel=$(vmemq_kernel "$kver" "$root") ||
	   ! busybox=$(vmemq_busybox) ||
	   ! bdir=$(modules "$kver" "$kdir" "$root") ||
	   ! (vmemq_initramfs "$busybox" "$bdir" "$out/initramfs.cpio"); then
		printf 'FAIL: [%s] preparing the kernel, busybox and modules\n' "$kver"
		failed=$((failed + 1))
		printf 'qemu: [%s] 0 passed, 1 failed (%d s)\n' "$kver" \
			"$((SECONDS - start))"
		return
	fi
	if [[ -z ${VMEM_QEMU_PREBUILT:-} ]]; then
		printf 'PASS: [%s] build vmem.ko, vmem_client.ko and the test modules (W=1)\n' "$kver"
		passed=$((passed + 1))
	fi

	msg "booting $kver ($VMEMQ_ACCEL, $VMEMQ_SMP CPUs): $(vmemq_cmdline "$kver" test)"
	boot=$SECONDS
	vmemq_boot "$kernel" "$out/initramfs.cpio" test "$out" || rc=$?
	if ! vmemq_started "$out/results.log"; then
		for f in console results qemu; do
			mv -f "$out/$f.log" "$out/$f.first.log" 2>/dev/null || true
		done
		printf 'NOTE: [%s] the guest died before its test script started (qemu status %d, console: %s); booting again, once:\n' \
			"$kver" "$rc" "$out/console.first.log"
		{ tail -n 8 "$out/console.first.log" 2>/dev/null || true; } |
			sed 's/^/    /'
		retried=", boot retried once"
		rc=0
		boot=$SECONDS
		vmemq_boot "$kernel" "$out/initramfs.cpio" test "$out" || rc=$?
	else
		rm -f "$out"/{console,results,qemu}.first.log
	fi
	python3 "$VMEMQ_DIR/results.py" check --kernel "$kver" \
		--qemu-rc "$rc" --console "$out/console.log" \
		--results "$out/results.log" | tee "$out/checks.log" || true
	count "$out/checks.log" "$kver"
	printf 'qemu: [%s] %d passed, %d failed (%d s, of which the guest %d s%s)\n' \
		"$kver" "$((passed - p))" "$((failed - n))" "$((SECONDS - start))" \
		"$((SECONDS - boot))" "$retried"
	msg "$kver: logs in $out"
}

main()
{
	local series start=$SECONDS

	[[ $# -gt 0 ]] || set -- "${VMEM_SERIES[@]}"
	for series; do
		kseries_suite "$series" >/dev/null
	done
	vmemq_deps
	mkdir -p "$VMEMQ_CACHE"
	exec 8>"$VMEMQ_CACHE/lock"
	flock 8
	for series; do
		series "$series"
	done
	msg "$((SECONDS - start)) s"
	printf 'qemu: %d passed, %d failed\n' "$passed" "$failed"
	[[ $failed -eq 0 ]]
}

main "$@"
