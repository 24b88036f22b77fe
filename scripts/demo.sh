#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# See vmem work: boot Debian's stock 6.12 kernel (or the series given) under
# qemu, load vmem.ko and samples/vmem_client, and print what the client
# did, the arenas and their debugfs statistics.
#
# Usage: scripts/demo.sh [SERIES...]
#        SERIES: 6.1 6.12 6.12-rt 7.3 7.3-rt sid (default 6.12)
#
# On a fresh Debian 12 machine it installs what it needs with apt (build
# tools, qemu-system-x86), downloads Debian's kernel headers and image and
# busybox-static with apt-get download into the cache ($VMEM_CACHE, by
# default ~/.cache/vmem; nothing is installed into the host's kernel), and
# builds the modules (for 7.x in a Debian 13 or sid chroot in the cache,
# see scripts/kseries.sh).  The full test, with every check, is
# scripts/qemu-test.sh.

set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tools/testing/qemu/qemu-lib.sh
source "$VMEM_TOP/tools/testing/qemu/qemu-lib.sh"

demo()
{
	local series=$1 line kver kdir root kernel busybox bdir out rc=0
	local start=$SECONDS

	line=$(kseries "$series")
	read -r kver kdir root <<<"$line"
	out=$VMEMQ_CACHE/demo-$kver
	mkdir -p "$out"

	kernel=$(vmemq_kernel "$kver" "$root")
	busybox=$(vmemq_busybox)
	msg "building vmem.ko and vmem_client.ko against the $kver headers"
	bdir=$(vmemq_build "$kver" "$kdir" "$root")
	vmemq_initramfs "$busybox" "$bdir" "$out/initramfs.cpio"
	msg "booting Debian's $kver in qemu ($VMEMQ_ACCEL, $VMEMQ_SMP CPUs, 1 GiB)"
	vmemq_boot "$kernel" "$out/initramfs.cpio" demo "$out" || rc=$?
	[[ $rc -eq 0 ]] || msg "qemu exited with status $rc (log: $out/console.log)"
	echo
	python3 "$VMEMQ_DIR/results.py" summary --console "$out/console.log" \
		--results "$out/results.log" || rc=1
	msg "$kver: $((SECONDS - start)) s; console log: $out/console.log"
	return "$rc"
}

main()
{
	local series rc=0

	[[ $# -gt 0 ]] || set -- 6.12
	for series; do
		kseries_suite "$series" >/dev/null
	done
	vmemq_deps
	mkdir -p "$VMEMQ_CACHE"
	exec 8>"$VMEMQ_CACHE/lock"
	flock 8
	for series; do
		demo "$series" || rc=1
	done
	return "$rc"
}

main "$@"
