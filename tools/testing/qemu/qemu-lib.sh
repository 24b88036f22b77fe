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
# The guest CPU has RDRAND, which the kernel trusts (random.trust_cpu is on
# by default): its random number generator is ready early in the boot, and
# the static key that records it is switched before the guest's script
# runs.  With qemu64, which has no RDRAND, the generator became ready
# seconds into the tests, and once, on 7.3-rt, the text patching of that
# switch hit an int3 under TCG on the other CPU (an Oops in
# crng_make_state, outside the module) after the tests had started.
VMEMQ_CPU=${VMEM_QEMU_CPU:-qemu64,+rdrand}
# A boot whose guest script has not started by then is stopped.
VMEMQ_START_TIMEOUT=${VMEM_QEMU_START_TIMEOUT:-150}

vmemq_deps()
{
	need_build_deps
	need_pkgs qemu-system-x86
}

# apt-get download PKG=VER into DIR, unless a sound copy is there already,
# with the package lists of the host or of the chroot ROOT; prints the .deb.
# vmemq_fetch_deb PKG VER DIR [ROOT]
vmemq_fetch_deb()
{
	local pkg=$1 ver=$2 dir=$3 root=${4:-} deb

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
	kenv_download "$root" "$dir" "$pkg=$ver" ||
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

# vmemq_pkg_version PKG [ROOT]: its candidate version in the lists of the
# host or of the chroot ROOT.
vmemq_pkg_version()
{
	kenv "${2:-}" apt-cache show --no-all-versions "$1" 2>/dev/null |
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

# The kernel image of release KVER, from a package of the same version as
# its headers (so that vermagic and symbol CRCs match), in the lists of the
# host or, for a series built in a chroot, of the chroot ROOT: the signed
# linux-image package, or the unsigned one, holding /boot/vmlinuz-KVER; for
# 7.x, where linux-image-KVER is a meta package, linux-binary-KVER (or
# linux-binary-unsigned-KVER) holding /usr/lib/modules/KVER/vmlinuz.  Only
# the vmlinuz is kept, with a stamp naming the package and version.
# vmemq_kernel KVER [ROOT]; prints its path.
vmemq_kernel()
{
	local kver=$1 root=${2:-} hver pkg ver deb file
	local img=$VMEMQ_CACHE/vmlinuz-$1 debs=$VMEM_CACHE/debs/image-$1
	local -a tried=()

	hver=$(vmemq_pkg_version "linux-headers-$kver" "$root")
	[[ -n $hver ]] || die "linux-headers-$kver is not in apt's lists"
	if [[ -s $img && -f $img.stamp && $(<"$img.stamp") == *"=$hver" ]]; then
		printf '%s\n' "$img"
		return 0
	fi
	for pkg in "linux-image-$kver" "linux-image-$kver-unsigned" \
		   "linux-binary-$kver" "linux-binary-unsigned-$kver"; do
		ver=$(vmemq_pkg_version "$pkg" "$root")
		[[ $ver == "$hver" ]] || continue
		tried+=("$pkg")
		deb=$(vmemq_fetch_deb "$pkg" "$ver" "$debs" "$root")
		file=$(dpkg-deb -c "$deb" | awk -v k="$kver" '
			$NF == "./boot/vmlinuz-" k ||
			$NF == "./usr/lib/modules/" k "/vmlinuz" ||
			$NF == "./usr/lib/modules/" k "/vmlinuz.unsigned" {
				if (!f) f = $NF
			} END { if (f) print f }')
		if [[ -z $file ]]; then
			rm -rf "$debs"	# a meta package: try the next
			continue
		fi
		mkdir -p "$VMEMQ_CACHE"
		vmemq_deb_file "$deb" "${file#./}" "$img"
		printf '%s\n' "$pkg=$ver" >"$img.stamp"
		# Only vmlinuz is kept: the package is 14 to 110 MB.
		rm -rf "$debs"
		printf '%s\n' "$img"
		return 0
	done
	die "no package of version $hver (the headers' version) holds the vmlinuz of $kver${tried[*]:+ (tried ${tried[*]})}"
}

# Build vmem.ko, the sample client and the test modules, W=1, against KDIR
# in a clean copy of the tree: vmemq_build KVER KDIR [ROOT] (ROOT: the
# chroot the series builds in; KDIR is then inside it).  Prints the build
# tree as a host path.  Always from scratch: kbuild does not rebuild a
# client whose KBUILD_EXTRA_SYMBOLS changed, and a stale symbol CRC makes
# the kernel refuse it ("disagrees about version of symbol").
vmemq_build()
{
	local kver=$1 kdir=$2 root=${3:-} bdir part
	local log=$VMEMQ_CACHE/build-$1.log

	bdir=$(kbuild_dir qemu "$kver" "$root")
	copy_tree "$root$bdir" || die "copying the tree to $root$bdir failed"
	(
		for part in vmem sample modules contract; do
			kbuild_part "$part" "$kdir" "$bdir" "$root" || exit 1
		done
	) >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "build for $kver failed (log: $log)"; }
	if grep -E 'warning:|WARNING:' "$log" >&2; then
		die "build for $kver warned (log: $log)"
	fi
	printf '%s\n' "$root$bdir"
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

# The kernel command line of a boot.  PREEMPT_RT kernels also get what
# turns a hang into a quick failure with a trace: Debian's -rt configs have
# neither lockdep nor DEBUG_ATOMIC_SLEEP, so a sleeping lock taken in atomic
# context shows as a warning, a soft lockup or an RCU stall.
vmemq_cmdline()
{
	local kver=$1 mode=$2

	printf 'console=ttyS0,115200 panic=-1 vmemq.mode=%s' "$mode"
	if kver_is_rt "$kver"; then
		printf ' panic_on_warn=1 softlockup_panic=1 sysctl.kernel.panic_on_rcu_stall=1'
	fi
	printf '\n'
}

# The guest's script has started: it has recorded something (its first
# record, "@@ mode", comes before it loads anything).
vmemq_started()
{
	grep -q '^@@ ' "$1" 2>/dev/null
}

# Boot a kernel: vmemq_boot KERNEL INITRAMFS MODE OUTDIR.  KERNEL is
# $VMEMQ_CACHE/vmlinuz-<release>.  The console goes to OUTDIR/console.log,
# the guest's records to OUTDIR/results.log.  Returns qemu's exit status;
# 124 when the guest was killed at the timeout, 125 when its script had not
# started VMEMQ_START_TIMEOUT seconds after the boot began (modes test and
# demo, whose script, tools/testing/qemu/init, records at once; another
# guest, such as the benchmark's, writes only at its end).
vmemq_boot()
{
	local kernel=$1 initrd=$2 mode=$3 out=$4 kver pid rc=0 start=$SECONDS
	local accel=$VMEMQ_ACCEL

	# The tests and the demo run TCG's vCPUs in one host thread.  With a
	# thread per vCPU (MTTCG), a static key switched while the other vCPU
	# runs the code being patched (tracing turned on: sched_switch in
	# __schedule, on 7.2 sid) sometimes hit the int3 of the patching
	# after the kernel had finished it: an Oops outside the module, after
	# the tests had started.  One thread keeps the guest's view of its
	# code coherent; the two vCPUs still interleave.  The benchmark keeps
	# a thread per vCPU: it measures scaling.
	if [[ $accel == tcg && $mode != bench ]]; then
		accel=tcg,thread=single
	fi
	kver=${kernel##*/vmlinuz-}
	mkdir -p "$out"
	rm -f "$out/console.log" "$out/results.log"
	timeout -k 10 "$VMEMQ_TIMEOUT" qemu-system-x86_64 \
		-accel "$accel" -cpu "$VMEMQ_CPU" -smp "$VMEMQ_SMP" -m 1G \
		-nographic -monitor none -no-reboot -nic none \
		-serial "file:$out/console.log" -serial "file:$out/results.log" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "$(vmemq_cmdline "$kver" "$mode")" \
		</dev/null >"$out/qemu.log" 2>&1 &
	pid=$!
	while [[ $mode == test || $mode == demo ]] &&
	      kill -0 "$pid" 2>/dev/null && ! vmemq_started "$out/results.log"; do
		if [[ $((SECONDS - start)) -ge $VMEMQ_START_TIMEOUT ]]; then
			echo "vmemq: no record from the guest's script after $VMEMQ_START_TIMEOUT s: stopped" \
				>>"$out/qemu.log"
			kill "$pid" 2>/dev/null
			wait "$pid" || true
			return 125
		fi
		sleep 1
	done
	wait "$pid" || rc=$?
	return "$rc"
}
