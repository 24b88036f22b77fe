#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian 12's kernel headers for the newest 6.1 and 6.12 amd64 kernels
# and unpack them into the cache, ready for "make KDIR=...".  Nothing is
# installed: the packages are fetched with apt-get download and unpacked
# with dpkg-deb -x, one root per kernel under $VMEM_CACHE/headers/.
#
# Usage: scripts/kheaders.sh [SERIES...]      SERIES: 6.1, 6.12 (default both)
#
# Prints shell assignments, e.g. for eval "$(scripts/kheaders.sh)":
#   VMEM_KVER_6_1=6.1.0-56-amd64
#   VMEM_KDIR_6_1=~/.cache/vmem/headers/6.1.0-56-amd64/usr/src/linux-headers-6.1.0-56-amd64

set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main()
{
	local series kver kdir

	[[ $# -gt 0 ]] || set -- 6.1 6.12
	need_build_deps
	for series; do
		read -r kver kdir < <(kheaders "$series")
		printf 'VMEM_KVER_%s=%q\n' "${series//./_}" "$kver"
		printf 'VMEM_KDIR_%s=%q\n' "${series//./_}" "$kdir"
	done
}

main "$@"
