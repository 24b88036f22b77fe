# SPDX-License-Identifier: GPL-2.0
#
# Helpers of scripts/qemu-test.sh and scripts/demo.sh: boot Debian's own
# kernels under qemu with vmem.ko, the sample client and the test modules.
# Source it after scripts/lib.sh; it sets no shell options of its own.
#
# Everything goes to $VMEM_CACHE/qemu/: the kernels (vmlinuz only, taken
# out of Debian's linux-image packages with dpkg-deb; nothing is installed),
# busybox (from Debian's busybox-static, likewise), one build tree and one
# initramfs per kernel, and the serial logs of the last boot.

# shellcheck shell=bash
# VMEM_TOP and VMEM_CACHE come from scripts/lib.sh.
# shellcheck disable=SC2153
VMEMQ_DIR=$VMEM_TOP/tools/testing/qemu
VMEMQ_CACHE=$VMEM_CACHE/qemu
VMEMQ_TIMEOUT=${VMEM_QEMU_TIMEOUT:-300}
VMEMQ_ACCEL=${VMEM_QEMU_ACCEL:-tcg}
VMEMQ_SMP=${VMEM_QEMU_SMP:-2}

vmemq_deps()
{
	need_build_deps
	need_pkgs qemu-system-x86
}

# apt-get download PKG=VER into DIR, unless a sound copy is there already;
# prints the .deb.
vmemq_fetch_deb()
{
	local pkg=$1 ver=$2 dir=$3 deb

	for deb in "$dir"/*.deb; do
		[[ -f $deb ]] || continue
		# shellcheck disable=SC2016
		if [[ $(dpkg-deb -W --showformat='${Package}=${Version}' "$deb" 2>/dev/null) == "$pkg=$ver" ]]; then
			printf '%s\n' "$deb"
			return 0
		fi
	done
	msg "fetching $pkg $ver"
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && apt-get download -q "$pkg=$ver" \
		2> >(grep -v 'unsandboxed as root' >&2)) >&2 ||
		die "apt-get download $pkg=$ver failed"
	for deb in "$dir"/*.deb; do
		[[ -f $deb ]] && { printf '%s\n' "$deb"; return 0; }
	done
	die "apt-get download $pkg=$ver left no .deb in $dir"
}

# Take one file out of a .deb: vmemq_deb_file DEB PATH-IN-DEB DEST.
vmemq_deb_file()
{
	local tmp=$3.tmp

	rm -rf "$tmp"
	mkdir -p "$tmp"
	dpkg-deb --fsys-tarfile "$1" | tar -x -C "$tmp" "./$2" ||
		{ rm -rf "$tmp"; die "$1: no $2"; }
	mv "$tmp/$2" "$3"
	rm -rf "$tmp"
}

vmemq_pkg_version()
{
	apt-cache show --no-all-versions "$1" 2>/dev/null |
		sed -n 's/^Version: //p' | head -n 1
}

# The busybox binary from Debian's busybox-static.  Prints its path.
vmemq_busybox()
{
	local ver bin=$VMEMQ_CACHE/busybox deb

	apt_lists_fresh
	ver=$(vmemq_pkg_version busybox-static)
	[[ -n $ver ]] || die "busybox-static is not in apt's lists"
	if [[ ! -x $bin || ! -f $bin.stamp || $(<"$bin.stamp") != "$ver" ]]; then
		deb=$(vmemq_fetch_deb busybox-static "$ver" "$VMEM_CACHE/debs/busybox-static")
		mkdir -p "$VMEMQ_CACHE"
		vmemq_deb_file "$deb" bin/busybox "$bin"
		printf '%s\n' "$ver" >"$bin.stamp"
	fi
	printf '%s\n' "$bin"
}

# The kernel image of release KVER, from the linux-image package of the
# same version as its headers (so that vermagic and symbol CRCs match).
# Prefers the signed package; any that holds /boot/vmlinuz-KVER will do.
# Prints its path.
vmemq_kernel()
{
	local kver=$1 hver pkg ver deb img=$VMEMQ_CACHE/vmlinuz-$1

	hver=$(vmemq_pkg_version "linux-headers-$kver")
	[[ -n $hver ]] || die "linux-headers-$kver is not in apt's lists"
	for pkg in "linux-image-$kver" "linux-image-$kver-unsigned"; do
		ver=$(vmemq_pkg_version "$pkg")
		[[ $ver == "$hver" ]] && break
		ver=
	done
	[[ -n $ver ]] ||
		die "no linux-image-$kver package of version $hver (the headers' version)"
	if [[ ! -s $img || ! -f $img.stamp || $(<"$img.stamp") != "$pkg=$ver" ]]; then
		deb=$(vmemq_fetch_deb "$pkg" "$ver" "$VMEM_CACHE/debs/image-$kver")
		mkdir -p "$VMEMQ_CACHE"
		vmemq_deb_file "$deb" "boot/vmlinuz-$kver" "$img"
		printf '%s\n' "$pkg=$ver" >"$img.stamp"
		# Only vmlinuz is kept: the package is 70 to 110 MB.
		rm -rf "$VMEM_CACHE/debs/image-$kver"
	fi
	printf '%s\n' "$img"
}

# Build vmem.ko, the sample client and the test modules against KDIR, in a
# clean copy of the tree: vmemq_build KVER KDIR.  Prints the build tree.
# Always from scratch: kbuild does not rebuild a client whose
# KBUILD_EXTRA_SYMBOLS changed, and a stale symbol CRC makes the kernel
# refuse it ("disagrees about version of symbol").
vmemq_build()
{
	local kver=$1 kdir=$2 bdir=$VMEMQ_CACHE/build-$1 log=$VMEMQ_CACHE/build-$1.log

	mkdir -p "$bdir"
	rsync -a --delete --delete-excluded --exclude=/.git \
		--filter=':- .gitignore' "$VMEM_TOP/" "$bdir/" ||
		die "copying the tree to $bdir failed"
	{
		make -C "$bdir" KDIR="$kdir" W=1 &&
		make -C "$bdir/samples/vmem_client" KDIR="$kdir" \
			VMEM_DIR="$bdir" W=1 &&
		make -C "$bdir/tools/testing/qemu/modules" KDIR="$kdir" \
			VMEM_DIR="$bdir" W=1 &&
		make -C "$bdir/tools/contract-client" KDIR="$kdir" \
			VMEM_DIR="$bdir" W=1
	} >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "build for $kver failed (log: $log)"; }
	if grep -E 'warning:|WARNING:' "$log" >&2; then
		die "build for $kver warned (log: $log)"
	fi
	printf '%s\n' "$bdir"
}

# Pack the initramfs: busybox, /init and the modules.
# vmemq_initramfs BUSYBOX BUILD-TREE OUT
vmemq_initramfs()
{
	local busybox=$1 bdir=$2 out=$3 root=$3.d ko

	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/vmemq}
	install -m 0755 "$busybox" "$root/bin/busybox"
	install -m 0755 "$VMEMQ_DIR/init" "$root/init"
	for ko in vmem.ko samples/vmem_client/vmem_client.ko \
		  tools/contract-client/vmem_contract_client.ko \
		  tools/testing/qemu/modules/{vmem_misuse,spl_standin,vmem_clash,vmem_abandon}.ko; do
		install -m 0644 "$bdir/$ko" "$root/lib/vmemq/" ||
			die "$bdir/$ko is missing"
	done
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) >"$out" ||
		die "packing $out failed"
	rm -rf "$root"
}

# Boot a kernel: vmemq_boot KERNEL INITRAMFS MODE OUTDIR.  The console goes
# to OUTDIR/console.log, the guest's records to OUTDIR/results.log.
# Returns qemu's exit status; 124 when the guest was killed at the timeout.
vmemq_boot()
{
	local kernel=$1 initrd=$2 mode=$3 out=$4 rc=0

	mkdir -p "$out"
	rm -f "$out/console.log" "$out/results.log"
	timeout -k 10 "$VMEMQ_TIMEOUT" qemu-system-x86_64 \
		-accel "$VMEMQ_ACCEL" -smp "$VMEMQ_SMP" -m 1G \
		-nographic -monitor none -no-reboot -nic none \
		-serial "file:$out/console.log" -serial "file:$out/results.log" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0,115200 panic=-1 vmemq.mode=$mode" \
		</dev/null >"$out/qemu.log" 2>&1 || rc=$?
	return "$rc"
}
