#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vmem.ko on Debian's own, unmodified kernels, under qemu.
#
# For each kernel series (default: 6.1 and 6.12) it takes the newest Debian
# 12 header set (scripts/kheaders.sh) and the linux-image package of the
# same version (apt-get download, unpacked into the cache: no kernel is
# installed), builds vmem.ko, samples/vmem_client and the test modules of
# tools/testing/qemu/modules against the headers, packs a busybox initramfs
# and boots the kernel with qemu (TCG unless VMEM_QEMU_ACCEL=kvm, 2 CPUs,
# 1 GiB).  The guest loads an OpenZFS spl.ko stand-in, vmem.ko and the
# sample client, reads vmem's debugfs files, unloads everything, then loads
# the misuse module; tools/testing/qemu/results.py checks what it recorded.
# Any WARNING, BUG, Oops, lockdep or KASAN report fails the run.
#
# Usage: scripts/qemu-test.sh [SERIES...]
#
# Prints one PASS or FAIL line per check and ends with
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

	read -r p f < <(sed -n 's/^results: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$1" | tail -n 1)
	if [[ -z ${p:-} ]]; then
		printf 'FAIL: [%s] results.py gave no counts\n' "$2"
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

# Run one series; every failure before the boot counts as one failed check.
series()
{
	local series=$1 var kver kdir kernel busybox bdir out start=$SECONDS
	local rc=0 boot

	var=${series//./_}
	if ! eval "$("$VMEM_TOP/scripts/kheaders.sh" "$series")"; then
		printf 'FAIL: [%s] headers\n' "$series"
		failed=$((failed + 1))
		return
	fi
	kver=VMEM_KVER_$var
	kdir=VMEM_KDIR_$var
	kver=${!kver}
	kdir=${!kdir}
	out=$VMEMQ_CACHE/$kver
	mkdir -p "$out"

	if ! kernel=$(vmemq_kernel "$kver") ||
	   ! busybox=$(vmemq_busybox) ||
	   ! bdir=$(vmemq_build "$kver" "$kdir") ||
	   ! vmemq_initramfs "$busybox" "$bdir" "$out/initramfs.cpio"; then
		printf 'FAIL: [%s] preparing the kernel, busybox and modules\n' "$kver"
		failed=$((failed + 1))
		return
	fi
	printf 'PASS: [%s] build vmem.ko, vmem_client.ko and the test modules (W=1)\n' "$kver"
	passed=$((passed + 1))

	msg "booting $kver ($VMEMQ_ACCEL, $VMEMQ_SMP CPUs)"
	boot=$SECONDS
	vmemq_boot "$kernel" "$out/initramfs.cpio" test "$out" || rc=$?
	python3 "$VMEMQ_DIR/results.py" check --kernel "$kver" \
		--qemu-rc "$rc" --console "$out/console.log" \
		--results "$out/results.log" | tee "$out/checks.log" || true
	count "$out/checks.log" "$kver"
	msg "$kver: $((SECONDS - start)) s, of which the guest $((SECONDS - boot)) s; logs in $out"
}

main()
{
	local series start=$SECONDS

	[[ $# -gt 0 ]] || set -- 6.1 6.12
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
