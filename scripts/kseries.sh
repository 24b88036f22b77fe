# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The kernel series of the build and qemu matrix, and where each is built.
# Sourced by scripts/lib.sh; it sets no shell options of its own.
#
#   6.1       Debian 12's 6.1 (bookworm)                    host
#   6.12      newest 6.12.x+deb12-amd64 in the host's lists  host
#   6.12-rt   newest 6.12.x+deb12-rt-amd64, likewise         host
#   7.3       newest 7.3.x-amd64 of trixie-backports         trixie chroot
#   7.3-rt    newest 7.3.x-rt-amd64 of trixie-backports      trixie chroot
#   sid       newest 7.x-amd64 of sid                        sid chroot
#
# "Newest" is always resolved from the archive's package lists.  The 6.x
# series build on the host against header packages unpacked into the cache
# (kheaders in lib.sh).  The 7.x kernels need Debian 13's toolchain and
# glibc (their modpost needs glibc 2.38, their headers gcc-14, sid's
# gcc-16), so they build inside a Debian chroot per suite, made with
# mmdebstrap in $VMEM_CACHE/chroot/<suite>, with the headers installed in
# it by apt.  A chroot is made once (in <suite>.tmp, renamed when complete,
# so a killed run leaves no half chroot), its lists updated at most once a
# day, and the newest headers of each of its series installed when a newer
# one appeared, the older ones purged.
#
# Commands run in a chroot in a mount and PID namespace of their own
# (unshare), with /proc mounted there for objtool: the mount dies with the
# namespace, however the run ends, so nothing stays mounted under the cache.
# Mounts left by anything else are unmounted before a chroot is touched.

# shellcheck disable=SC2034
VMEM_SERIES=(6.1 6.12 6.12-rt 7.3 7.3-rt sid)

# What a chroot has besides the headers (which bring gcc).
VMEM_CHROOT_PKGS=(make binutils kmod sparse dkms rsync)

# Where series SERIES builds: "host" or the suite of its chroot.
kseries_suite()
{
	case $1 in
	6.1|6.12|6.12-rt)	echo host ;;
	7.3|7.3-rt)		echo trixie ;;
	sid)			echo sid ;;
	*)	die "unknown kernel series '$1' (${VMEM_SERIES[*]})" ;;
	esac
}

# The names of the headers packages of a series, as an extended regex.
kseries_pattern()
{
	case $1 in
	6.1)	echo '^linux-headers-6\.1\.0-[0-9]+-amd64$' ;;
	6.12)	echo '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' ;;
	6.12-rt) echo '^linux-headers-6\.12\.[0-9]+\+deb12-rt-amd64$' ;;
	7.3)	echo '^linux-headers-7\.3\.[0-9]+\+deb13-amd64$' ;;
	7.3-rt)	echo '^linux-headers-7\.3\.[0-9]+\+deb13-rt-amd64$' ;;
	sid)	echo '^linux-headers-7\.[0-9]+\.[0-9]+\+deb[0-9]+-amd64$' ;;
	*)	die "unknown kernel series '$1' (${VMEM_SERIES[*]})" ;;
	esac
}

# A kernel release is PREEMPT_RT when Debian's flavour says so.
kver_is_rt()
{
	[[ $1 == *-rt-amd64 ]]
}

# The apt sources of a chroot, one a line.
chroot_sources()
{
	local mirror=http://deb.debian.org/debian

	case $1 in
	trixie)	printf '%s\n' "deb $mirror trixie main" \
			      "deb $mirror trixie-backports main" ;;
	sid)	printf '%s\n' "deb $mirror sid main" ;;
	*)	die "no chroot for suite '$1'" ;;
	esac
}

# mmdebstrap's options for a suite; written into the chroot, so that a
# chroot made otherwise is made again.
chroot_options()
{
	local pkgs

	pkgs=$(IFS=,; echo "${VMEM_CHROOT_PKGS[*]}")
	# The lists stay (the newest kernel is looked up in them); the .deb
	# files go after each install (apt-get clean), and apt keeps one
	# binary cache of the lists, not two.
	printf '%s\n' --variant=apt "--include=$pkgs" \
		'--aptopt=APT::Install-Recommends "false"' \
		'--aptopt=Dir::Cache::srcpkgcache ""' \
		--skip=cleanup/apt/lists
	# sid's Release file can be past its Valid-Until.
	[[ $1 != sid ]] ||
		printf '%s\n' '--aptopt=Acquire::Check-Valid-Until "false"'
}

chroot_dir()
{
	printf '%s\n' "$VMEM_CACHE/chroot/$1"
}

# Unmount whatever is mounted under $VMEM_CACHE/chroot (left by a killed run
# of an older version, or by hand), deepest first.
chroot_unmount_stale()
{
	local base=$VMEM_CACHE/chroot mp

	while IFS= read -r mp; do
		msg "unmounting $mp, left mounted under the cache"
		umount -l "$mp" || die "cannot unmount $mp"
	done < <(awk '{ print $5 }' /proc/self/mountinfo |
		 while IFS= read -r mp; do printf '%b\n' "$mp"; done |
		 awk -v b="$base/" 'index($0, b) == 1' | sort -r)
}

# Remove a chroot directory, never through a mount point.
chroot_remove()
{
	[[ -e $1 ]] || return 0
	chroot_unmount_stale
	rm -rf --one-file-system "$1"
}

# chroot_exec ROOT COMMAND...: run COMMAND in the chroot ROOT, in new mount
# and PID namespaces with /proc mounted (objtool reads it), with a clean
# environment.  Killing it kills everything in the namespace, and the
# namespace's mounts go with it.
chroot_exec()
{
	local root=$1
	shift

	unshare --mount --propagation private --pid --fork --kill-child \
		--mount-proc="$root/proc" \
		chroot "$root" /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# kenv ROOT COMMAND...: run COMMAND where a series builds: on the host when
# ROOT is empty, else in the chroot ROOT, holding its lock shared (a refresh
# of the chroot takes it exclusively).
kenv()
{
	local root=$1
	shift

	if [[ -z $root ]]; then
		"$@"
		return
	fi
	(
		cache_lock "chroot-${root##*/}" -s
		chroot_exec "$root" "$@"
	)
}

# kenv_download ROOT DIR PKG=VER...: apt-get download into DIR (a host
# path), with the package lists of the host (ROOT empty) or of the chroot
# ROOT.
kenv_download()
{
	local root=$1 dir=$2 stage rc=0
	shift 2

	mkdir -p "$dir"
	if [[ -z $root ]]; then
		(cd "$dir" && apt-get "${VMEM_APT_OPTS[@]}" download -q "$@") \
			2> >(grep -v 'unsandboxed as root' >&2) >&2
		return
	fi
	# A directory of its own: two runs may download at once.
	mkdir -p "$root/var/cache"
	stage=$(mktemp -d "$root/var/cache/vmem-download.XXXXXX")
	stage=${stage#"$root"}
	# shellcheck disable=SC2016
	kenv "$root" sh -c 'cd "$1" && shift && apt-get -o Acquire::Retries=2 download -q "$@"' \
		sh "$stage" "$@" 2> >(grep -v 'unsandboxed as root' >&2) >&2 ||
		rc=$?
	[[ $rc -ne 0 ]] || mv "$root$stage"/*.deb "$dir/" || rc=$?
	rm -rf "${root:?}$stage"
	return "$rc"
}

# The newest headers package of a series in the lists of the host (ROOT
# empty) or of a chroot.
kheaders_newest()
{
	kenv "${2:-}" apt-cache search --names-only "$(kseries_pattern "$1")" |
		awk '{ print $1 }' | sort -V | tail -n 1
}

# The installed headers packages of a series in a chroot, one a line.
chroot_installed_headers()
{
	# shellcheck disable=SC2016
	chroot_exec "$2" dpkg-query -W -f='${db:Status-Status} ${Package}\n' \
		'linux-headers-*' 2>/dev/null |
		awk '$1 == "installed" { print $2 }' |
		grep -E "$(kseries_pattern "$1")" || true
}

# The series built in the chroot of a suite.
chroot_series()
{
	local series

	for series in "${VMEM_SERIES[@]}"; do
		[[ $(kseries_suite "$series") != "$1" ]] || echo "$series"
	done
}

# chroot_pkg_version ROOT PKG installed|candidate: a package's version in a
# chroot, empty when it has none.
chroot_pkg_version()
{
	if [[ $3 == installed ]]; then
		# shellcheck disable=SC2016
		chroot_exec "$1" dpkg-query -W -f='${db:Status-Status} ${Version}\n' \
			"$2" 2>/dev/null | awk '$1 == "installed" { print $2 }'
	else
		chroot_exec "$1" apt-cache show --no-all-versions "$2" 2>/dev/null |
			sed -n 's/^Version: //p' | head -n 1
	fi
}

# chroot_headers SUITE ROOT: install the newest headers of each series of
# the suite and purge the older ones, with what they alone pulled in, and
# their build trees.  A series with no package in the lists is left out (the
# caller reports it); the apt cache is emptied.
chroot_headers()
{
	local suite=$1 root=$2 series pkg p
	local -a install=() purge=()

	for series in $(chroot_series "$suite"); do
		pkg=$(chroot_exec "$root" apt-cache search --names-only \
			"$(kseries_pattern "$series")" | awk '{ print $1 }' |
			sort -V | tail -n 1)
		if [[ -z $pkg ]]; then
			msg "$suite: no package for series $series ($(kseries_pattern "$series"))"
			continue
		fi
		for p in $(chroot_installed_headers "$series" "$root"); do
			[[ $p == "$pkg" ]] || purge+=("$p")
		done
		# A new upload of the same release (7.3.4-2 after -1) too: the
		# booted image is the lists' version and must match.
		[[ $(chroot_pkg_version "$root" "$pkg" installed) == \
		   "$(chroot_pkg_version "$root" "$pkg" candidate)" ]] ||
			install+=("$pkg")
	done
	if [[ ${#install[@]} -gt 0 ]]; then
		msg "$suite: installing ${install[*]}"
		chroot_exec "$root" apt-get install -y -q -o Dpkg::Use-Pty=0 "${install[@]}" ||
			return 1
	fi
	if [[ ${#purge[@]} -gt 0 ]]; then
		msg "$suite: purging ${purge[*]}"
		chroot_exec "$root" apt-get purge -y -q -o Dpkg::Use-Pty=0 "${purge[@]}" &&
		chroot_exec "$root" apt-get autoremove --purge -y -q -o Dpkg::Use-Pty=0 || return 1
		for p in "${purge[@]}"; do
			rm -rf "${root:?}/build/"*"${p#linux-headers-}"
		done
	fi
	chroot_exec "$root" apt-get clean
}

# Debian's 7.x header packages lack scripts/checker-valid.sh, with which
# 7.x's Makefile asks whether sparse understands the kernel (it must parse
# __typeof_unqual__); without it, C=2 only says "sparse is not available or
# not up to date" and checks nothing.  chroot_checker ROOT writes the same
# test into every headers directory of the chroot that lacks it.
chroot_checker()
{
	local dir

	for dir in "$1"/usr/src/linux-headers-*/scripts; do
		[[ -d $dir && ! -e $dir/checker-valid.sh ]] || continue
		cat >"$dir/checker-valid.sh" <<'EOF'
#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Written by vmem's scripts/kseries.sh, for a Debian headers package that
# lacks the kernel's own: prints 1 when the checker "$@" parses
# __typeof_unqual__, as the kernel needs, else 0.
command -v "$1" >/dev/null 2>&1 || { echo 0; exit 0; }
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
printf 'static inline int u(const int *q)\n{\n\t__typeof_unqual__(*q) v = *q;\n\treturn v;\n}\n' >"$tmp"
if "$@" "$tmp" 2>&1 | grep -q error; then echo 0; else echo 1; fi
EOF
		chmod 0755 "$dir/checker-valid.sh"
	done
}

# The chroot's sparse (the first in its PATH) parses what 7.x's headers use.
chroot_sparse_ok()
{
	local test=/tmp/vmem-sparse-test.c out rc=0

	printf 'static inline int u(const int *q)\n{\n\t__typeof_unqual__(*q) v = *q;\n\treturn v;\n}\n' \
		>"$1$test"
	out=$(chroot_exec "$1" sparse "$test" 2>&1) || rc=$?
	rm -f "$1$test"
	[[ $rc -eq 0 && -z $out ]]
}

# trixie's sparse (0.6.4) does not parse __typeof_unqual__, which 7.x's
# headers use, so sparse would check nothing there.  Such a chroot gets
# sid's sparse (0.6.5~rc1, which needs only libc) from the sid chroot as
# /usr/local/bin/sparse, ahead of its own in PATH.
chroot_sparse()
{
	local suite=$1 root=$2 sid

	chroot_sparse_ok "$root" && return 0
	[[ $suite != sid ]] || { msg "sid's own sparse is too old for 7.x"; return 1; }
	msg "$suite: its sparse does not parse __typeof_unqual__: taking sid's"
	(chroot_ensure sid) || return 1
	sid=$(chroot_dir sid)
	install -m 0755 "$sid/usr/bin/sparse" "$root/usr/local/bin/sparse" &&
		chroot_sparse_ok "$root"
}

# What the headers packages miss for sparse to check 7.x: checker-valid.sh,
# and a sparse that parses the kernel.
chroot_tools()
{
	chroot_checker "$2"
	chroot_sparse "$1" "$2"
}

# A chroot that can build: what it was made with, its tools, and dpkg with
# no half-installed package.
chroot_sound()
{
	local root=$1 spec=$2 f

	[[ -f $root/.vmem-chroot && $(<"$root/.vmem-chroot") == "$spec" ]] ||
		return 1
	for f in usr/bin/make usr/bin/as usr/bin/sparse \
		 usr/sbin/dkms usr/bin/rsync usr/bin/apt-get; do
		[[ -x $root/$f ]] || return 1
	done
	[[ -z $(chroot_exec "$root" dpkg --audit 2>&1) ]]
}

chroot_create()
{
	local suite=$1 root=$2 spec=$3 tmp=$2.tmp log=$2.log start=$SECONDS
	local -a opts srcs

	need_pkgs mmdebstrap
	mapfile -t opts < <(chroot_options "$suite")
	mapfile -t srcs < <(chroot_sources "$suite")
	chroot_remove "$tmp"
	msg "creating the $suite chroot in $root (log: $log)"
	# mmdebstrap mounts /proc, /sys and /dev in the new root while it
	# works: in a mount namespace of its own, they cannot outlive it.
	if ! unshare --mount --propagation private \
		mmdebstrap "${opts[@]}" "$suite" "$tmp" "${srcs[@]}" \
		>"$log" 2>&1 ||
	   ! chroot_headers "$suite" "$tmp" >>"$log" 2>&1; then
		tail -n 20 "$log" >&2
		chroot_remove "$tmp"
		die "creating the $suite chroot failed (log: $log)"
	fi
	touch "$tmp/.vmem-updated"
	printf '%s\n' "$spec" >"$tmp/.vmem-chroot"
	chroot_remove "$root"
	mv "$tmp" "$root"
	msg "the $suite chroot took $((SECONDS - start)) s, $(du -sh "$root" | cut -f 1)"
}

# apt-get update in a chroot when its lists are over a day old, then the
# newest headers.  A failed update keeps the old lists.
chroot_refresh()
{
	local suite=$1 root=$2 log=$2.log

	if [[ -n $(find "$root/.vmem-updated" -mmin +1440 2>/dev/null) ||
	      ! -f $root/.vmem-updated ]]; then
		msg "$suite chroot: apt-get update (the lists are over a day old)"
		[[ ! -f /etc/resolv.conf ]] ||
			cp -L /etc/resolv.conf "$root/etc/resolv.conf"
		if chroot_exec "$root" apt-get update -q >"$log" 2>&1; then
			touch "$root/.vmem-updated"
		else
			tail -n 5 "$log" >&2
			msg "$suite chroot: apt-get update failed; going on with the old lists"
		fi
		chroot_headers "$suite" "$root" >>"$log" 2>&1
		return
	fi
	# Headers missing or not the newest of the lists (purged by hand, an
	# install that failed or was cut short): install them.  Cheap when
	# nothing is to be done.
	chroot_headers "$suite" "$root" >>"$log" 2>&1
}

# Make the chroot of a suite, or find it again and refresh it.  A refresh
# that fails leaves the chroot as it was (kseries then reports a series
# whose newest headers are missing); a damaged chroot is made again.
chroot_ensure()
{
	local suite=$1 root spec

	root=$(chroot_dir "$suite")
	spec=$(printf 'vmem chroot 1\n%s\n' "$suite"; chroot_options "$suite";
	       chroot_sources "$suite")
	mkdir -p "${root%/*}"
	cache_lock "chroot-$suite"
	chroot_unmount_stale
	if [[ -d $root ]] && chroot_sound "$root" "$spec"; then
		chroot_refresh "$suite" "$root" ||
			msg "refreshing the $suite chroot failed (log: $root.log)"
		# A series missing from the archive is reported by kseries,
		# not mended by making the chroot again (it would not be there
		# either, and the other series' builds would go).
		if chroot_sound "$root" "$spec"; then
			chroot_tools "$suite" "$root" ||
				msg "the $suite chroot's sparse cannot check 7.x: its sparse checks will fail"
			return 0
		fi
		msg "the $suite chroot is damaged: making it again"
	elif [[ -d $root ]]; then
		msg "the $suite chroot is incomplete or was made otherwise: making it again"
	fi
	chroot_create "$suite" "$root" "$spec"
	chroot_tools "$suite" "$root" ||
		msg "the $suite chroot's sparse cannot check 7.x: its sparse checks will fail"
}

# kseries SERIES: make the headers of a series ready.  Prints "KERNELRELEASE
# KDIR" for a host series, "KERNELRELEASE KDIR ROOT" for one built in the
# chroot ROOT (KDIR is then a path inside ROOT).
kseries()
{
	local series=$1 suite root pkg kver kdir newest

	suite=$(kseries_suite "$series")
	if [[ $suite == host ]]; then
		kheaders "$series"
		return
	fi
	root=$(chroot_dir "$suite")
	(chroot_ensure "$suite") >&2 || die "no $suite chroot"
	pkg=$(chroot_installed_headers "$series" "$root" | sort -V | tail -n 1)
	[[ -n $pkg ]] ||
		die "no headers package of series $series ($(kseries_pattern "$series")) in $suite"
	# A refresh that failed must not pass for the newest kernel.
	newest=$(kheaders_newest "$series" "$root")
	[[ $pkg == "$newest" &&
	   $(chroot_pkg_version "$root" "$pkg" installed) == \
	   "$(chroot_pkg_version "$root" "$pkg" candidate)" ]] ||
		die "$suite: the newest headers of series $series ($newest) are not installed; see $root.log"
	kver=${pkg#linux-headers-}
	kdir=/usr/src/linux-headers-$kver
	[[ -s $root$kdir/Makefile && -s $root$kdir/Module.symvers ]] ||
		die "$pkg is installed in $root but $kdir is incomplete"
	printf '%s %s %s\n' "$kver" "$kdir" "$root"
}

# kbuild_dir PURPOSE KVER [ROOT]: the build tree of one kernel, as seen
# where it builds (inside ROOT for a chroot).  PURPOSE: check (check.sh),
# qemu (qemu-test.sh and demo.sh, standalone).
kbuild_dir()
{
	if [[ -n ${3:-} ]]; then
		printf '/build/%s-%s\n' "$1" "$2"
	elif [[ $1 == check ]]; then
		printf '%s\n' "$VMEM_CACHE/build-$2"
	else
		printf '%s\n' "$VMEM_CACHE/$1/build-$2"
	fi
}

# kbuild_part PART KDIR BDIR [ROOT]: one build in the tree BDIR (a copy of
# the repository; a path inside ROOT for a chroot) against KDIR, W=1 (C=2
# for sparse).  PART: vmem, sparse, contract (tools/contract-client),
# sample (samples/vmem_client), modules (tools/testing/qemu/modules), bench
# (bench/, as an external module: CONFIG_VMEM_BENCH=m).  The clients link
# against BDIR's Module.symvers.
kbuild_part()
{
	local part=$1 kdir=$2 bdir=$3 root=${4:-} sub

	case $part in
	vmem)	 kenv "$root" make -C "$bdir" KDIR="$kdir" W=1; return ;;
	sparse)	 kenv "$root" make -C "$bdir" KDIR="$kdir" W=1 C=2; return ;;
	bench)	 kenv "$root" make -C "$kdir" M="$bdir/bench" \
			CONFIG_VMEM_BENCH=m W=1 \
			KBUILD_EXTRA_SYMBOLS="$bdir/Module.symvers" modules
		 return ;;
	contract) sub=tools/contract-client ;;
	sample)	 sub=samples/vmem_client ;;
	modules) sub=tools/testing/qemu/modules ;;
	*)	 die "unknown build part '$part'" ;;
	esac
	kenv "$root" make -C "$bdir/$sub" KDIR="$kdir" VMEM_DIR="$bdir" W=1
}
