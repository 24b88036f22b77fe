#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Make the kernel headers of the matrix's series ready for "make KDIR=...",
# and print where they are.  Nothing is installed on the host:
#
# - 6.1, 6.12, 6.12-rt (Debian 12): the newest headers of the series in the
#   host's apt lists are fetched with apt-get download and unpacked with
#   dpkg-deb -x, one root per kernel under $VMEM_CACHE/headers/;
# - 7.3, 7.3-rt (trixie-backports) and sid (sid's newest 7.x) need Debian
#   13's toolchain and glibc: their headers are installed in a chroot made
#   with mmdebstrap under $VMEM_CACHE/chroot/<suite>/, where they build.
#
# Usage: scripts/kheaders.sh [SERIES...]
#        SERIES: 6.1 6.12 6.12-rt 7.3 7.3-rt sid (default: all)
#
# Prints shell assignments, e.g. for eval "$(scripts/kheaders.sh 6.1 7.3)":
#   VMEM_KVER_6_1=6.1.0-57-amd64
#   VMEM_KDIR_6_1=~/.cache/vmem/headers/6.1.0-57-amd64/usr/src/linux-headers-6.1.0-57-amd64
#   VMEM_KROOT_6_1=''
#   VMEM_KVER_7_3=7.3.4+deb13-amd64
#   VMEM_KDIR_7_3=/usr/src/linux-headers-7.3.4+deb13-amd64
#   VMEM_KROOT_7_3=~/.cache/vmem/chroot/trixie
# KROOT is empty for a series that builds on the host; otherwise KDIR is a
# path inside the chroot KROOT, where the module must be built (for
# example: copy the tree to $VMEM_KROOT_7_3/build/vmem, then
# unshare -m -p -f --mount-proc=$VMEM_KROOT_7_3/proc chroot $VMEM_KROOT_7_3
# make -C /build/vmem KDIR=$VMEM_KDIR_7_3).

set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main()
{
	local series var kver kdir root

	[[ $# -gt 0 ]] || set -- "${VMEM_SERIES[@]}"
	need_build_deps
	for series; do
		read -r kver kdir root < <(kseries "$series")
		[[ -n $kver ]] || die "no headers for series $series"
		var=${series//[.-]/_}
		var=${var^^}
		printf 'VMEM_KVER_%s=%q\n' "$var" "$kver"
		printf 'VMEM_KDIR_%s=%q\n' "$var" "$kdir"
		printf 'VMEM_KROOT_%s=%q\n' "$var" "${root:-}"
	done
}

main "$@"
