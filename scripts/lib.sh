# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Helpers shared by the scripts in scripts/.
# Source it; it sets no shell options of its own.
#
# Everything downloaded, unpacked or built lives in $VMEM_CACHE, outside the
# clone, so that a fresh clone reuses it.  Only Debian packages are fetched.

VMEM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VMEM_CACHE=${VMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmem}
export VMEM_CACHE

# The kernel tree used for KUnit, checkpatch.pl and kernel-doc.
VMEM_KSRC_SERIES=6.12

# Build tools for out-of-tree modules, sparse, dkms and the UML kernel.
VMEM_BUILD_DEPS=(gcc gcc-12 libc6-dev make bc flex bison libelf-dev
		 libssl-dev xz-utils python3 perl sparse dkms pahole kmod cpio
		 rsync openssl)

export DEBIAN_FRONTEND=noninteractive

# apt on a machine just booted: wait for the dpkg lock that apt-daily or
# unattended-upgrades may hold, and retry a download that failed once.
VMEM_APT_OPTS=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=2)

msg()
{
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

die()
{
	msg "error: $*"
	exit 1
}

run_root()
{
	if [[ $EUID -eq 0 ]]; then
		"$@"
	else
		sudo "$@"
	fi
}

# cache_lock NAME [-s]: hold the lock $VMEM_CACHE/NAME.lock until the
# calling shell exits, so that two runs sharing the cache take turns;
# with -s, shared with other -s holders.
cache_lock()
{
	local fd

	mkdir -p "$VMEM_CACHE"
	exec {fd}>"$VMEM_CACHE/$1.lock"
	if ! flock -n ${2:+"$2"} "$fd"; then
		msg "waiting for another run to release $VMEM_CACHE/$1.lock"
		flock ${2:+"$2"} "$fd"
	fi
}

# apt-get update, at most once per run, when the package lists are missing
# or older than a day.
apt_lists_fresh()
{
	local lists=/var/lib/apt/lists

	[[ -n ${VMEM_APT_UPDATED:-} ]] && return 0
	if ! compgen -G "$lists/*_Packages*" >/dev/null; then
		msg "apt-get update"
		run_root apt-get "${VMEM_APT_OPTS[@]}" update -qq ||
			die "apt-get update failed"
	elif [[ -n $(find "$lists" -maxdepth 1 -name '*_InRelease' -mtime +0 -print -quit) ]]; then
		msg "apt-get update: the package lists are over a day old"
		run_root apt-get "${VMEM_APT_OPTS[@]}" update -qq ||
			msg "apt-get update failed; going on with the old lists"
	fi
	export VMEM_APT_UPDATED=1
}

pkg_installed()
{
	[[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

# Install the named Debian packages that are not installed yet.
need_pkgs()
{
	local missing=() pkg

	for pkg in "$@"; do
		pkg_installed "$pkg" || missing+=("$pkg")
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	apt_lists_fresh
	msg "apt-get install ${missing[*]}"
	mkdir -p "$VMEM_CACHE"
	if ! run_root apt-get "${VMEM_APT_OPTS[@]}" install -y -q \
		--no-install-recommends "${missing[@]}" \
		>"$VMEM_CACHE/apt-get.log" 2>&1; then
		tail -n 20 "$VMEM_CACHE/apt-get.log" >&2
		die "apt-get install ${missing[*]} failed"
	fi
}

need_build_deps()
{
	need_pkgs "${VMEM_BUILD_DEPS[@]}"
}

# Print the kernel source tree unpacked from Debian's linux-source-6.12,
# unpacking it first when it is missing or damaged.  The stamp, written only
# after a complete unpack, holds the package version.
ksrc_tree()
{
	local pkg=linux-source-$VMEM_KSRC_SERIES
	local tarball=/usr/src/$pkg.tar.xz
	local dir=$VMEM_CACHE/src
	local tree=$dir/$pkg
	local stamp=$dir/$pkg.stamp
	local ver f ok=1

	cache_lock src
	if [[ ! -f $tarball ]]; then
		apt_lists_fresh
		if pkg_installed "$pkg"; then
			msg "reinstalling $pkg: $tarball is missing"
			mkdir -p "$VMEM_CACHE"
			run_root apt-get "${VMEM_APT_OPTS[@]}" install -y -q \
				--reinstall "$pkg" \
				>"$VMEM_CACHE/apt-get.log" 2>&1 ||
				die "apt-get install --reinstall $pkg failed"
		else
			need_pkgs "$pkg"
		fi
	fi
	ver=$(dpkg-query -W -f='${Version}' "$pkg")

	[[ -f $stamp && $(<"$stamp") == "$ver" ]] || ok=0
	for f in Makefile scripts/checkpatch.pl scripts/kernel-doc \
		 scripts/spelling.txt tools/testing/kunit/kunit.py \
		 arch/um/Makefile lib/Makefile lib/Kconfig; do
		[[ -s $tree/$f ]] || ok=0
	done
	if [[ $ok -eq 0 ]]; then
		msg "unpacking $tarball ($ver) into $dir"
		mkdir -p "$dir"
		rm -rf "$tree" "$tree.tmp" "$stamp"
		mkdir "$tree.tmp"
		tar -C "$tree.tmp" -xf "$tarball" || die "unpacking $tarball failed"
		mv "$tree.tmp/$pkg" "$tree"
		rmdir "$tree.tmp"
		printf '%s\n' "$ver" >"$stamp"
	fi
	printf '%s\n' "$tree"
}

# The newest Debian 12 headers package of a host series (kseries.sh).
kheaders_pkg()
{
	[[ $(kseries_suite "$1") == host ]] ||
		die "series $1 builds in a chroot, not against unpacked headers"
	apt_lists_fresh
	kheaders_newest "$1"
}

# Check an unpacked headers root: the stamp matches, the key files are
# there, and every symbolic link resolves inside the root.
kheaders_sound()
{
	local root=$1 kdir=$2 want=$3 link dest

	[[ -f $root.stamp && $(<"$root.stamp") == "$want" ]] || return 1
	[[ -s $kdir/Makefile && -s $kdir/.config && -s $kdir/Module.symvers &&
	   -x $kdir/scripts/mod/modpost && -x $kdir/scripts/basic/fixdep ]] ||
		return 1
	grep -qE '^include /' "$kdir/Makefile" && return 1
	while IFS= read -r -d '' link; do
		dest=$(realpath -m "$link")
		[[ $dest == "$root"/* && -e $dest ]] || return 1
	done < <(find "$root" -type l -print0)
}

# "package=version" of each sound .deb in a directory, sorted.
debs_versions()
{
	local deb

	for deb in "$1"/*.deb; do
		[[ -f $deb ]] || continue
		dpkg-deb -W --showformat='${Package}=${Version}\n' "$deb" ||
			echo "$deb: damaged"
	done 2>/dev/null | sort
}

# Fetch (apt-get download: never install, the 6.12 headers depend on a
# kernel image) and unpack the headers of a host series into one root of its
# own in the cache: the -amd64 (or -rt-amd64) headers, the matching -common
# (-common-rt) headers and the linux-kbuild package.  Prints "KERNELRELEASE
# KDIR".
kheaders()
{
	local series=$1 pkg kver deps common kbuild root kdir debs want deb
	local link dest

	pkg=$(kheaders_pkg "$series")
	[[ -n $pkg ]] || die "no linux-headers package for $series in apt's lists"
	kver=${pkg#linux-headers-}
	# The names in Depends:, one a line.
	deps=$(apt-cache show --no-all-versions "$pkg" |
	       sed -n 's/^Depends: //p' | tr ',|' '\n' | awk '{ print $1 }')
	common=$(grep -m 1 -E '^linux-headers-.*-common(-rt)?$' <<<"$deps") || true
	kbuild=$(grep -m 1 -E '^linux-kbuild-' <<<"$deps") || true
	[[ -n $common && -n $kbuild ]] ||
		die "$pkg: no -common or linux-kbuild package in its Depends"

	root=$VMEM_CACHE/headers/$kver
	kdir=$root/usr/src/linux-headers-$kver
	cache_lock "headers-$kver"
	# "package=version" of the three, the stamp of a complete unpack.
	want=$(apt-cache show --no-all-versions "$pkg" "$common" "$kbuild" |
	       awk '/^Package: / { p = $2 } /^Version: / { print p "=" $2 }')

	if ! kheaders_sound "$root" "$kdir" "$want"; then
		debs=$VMEM_CACHE/debs/$kver
		rm -rf "$root" "$root.tmp" "$root.stamp"
		if [[ $(debs_versions "$debs") != "$(sort <<<"$want")" ]]; then
			msg "fetching $pkg, $common and $kbuild"
			rm -rf "$debs"
			mkdir -p "$debs"
			(cd "$debs" && apt-get download -q "$pkg" "$common" "$kbuild" \
				2> >(grep -v 'unsandboxed as root' >&2)) >&2 ||
				die "apt-get download $pkg $common $kbuild failed"
		fi
		mkdir -p "$root.tmp"
		for deb in "$debs"/*.deb; do
			dpkg-deb -x "$deb" "$root.tmp" ||
				{ rm -rf "$debs"; die "dpkg-deb -x $deb failed"; }
		done
		mv "$root.tmp" "$root"

		# The -amd64 Makefile includes the -common one by absolute
		# path; make it relative to its own directory.
		sed -i -E 's@^include /usr/src/([^/]+)/Makefile$@include $(dir $(lastword $(MAKEFILE_LIST)))../\1/Makefile@' \
			"$kdir/Makefile"
		# /lib/modules/<release>/{build,source} point at /usr/src.
		while IFS= read -r -d '' link; do
			dest=$(readlink "$link")
			[[ $dest == /* ]] || continue
			ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" \
				 "$root$dest")" "$link"
		done < <(find "$root" -type l -print0)

		printf '%s\n' "$want" >"$root.stamp"
		kheaders_sound "$root" "$kdir" "$want" ||
			die "$root: unpacked headers are incomplete or point outside"
	fi
	printf '%s %s\n' "$kver" "$kdir"
}

# Link the repository into a kernel tree as lib/vmem and register it there,
# once: kunit.py builds only in-tree code.  Re-pointed every time, so that
# a new clone takes the place of the last.
ksrc_graft()
{
	local tree=$1

	ln -sfn "$VMEM_TOP" "$tree/lib/vmem"
	grep -qxF 'obj-y += vmem/' "$tree/lib/Makefile" ||
		echo 'obj-y += vmem/' >>"$tree/lib/Makefile"
	grep -qxF 'source "lib/vmem/Kconfig"' "$tree/lib/Kconfig" ||
		echo 'source "lib/vmem/Kconfig"' >>"$tree/lib/Kconfig"
}

# The kunit.py build directory of an architecture: um (UML), x86_64, i386.
kunit_build_dir()
{
	if [[ $1 == um ]]; then
		printf '%s\n' "$VMEM_CACHE/kunit-build"
	else
		printf '%s\n' "$VMEM_CACHE/kunit-build-$1"
	fi
}

# kunit_configure KUNITCONFIG BUILD_DIR LOG [KUNIT.PY OPTIONS...]: "kunit.py
# config", run from the top of the kernel tree, then check that every option
# KUNITCONFIG sets is in the .config as asked, and that none it turns off
# ("# CONFIG_X is not set") is on (kunit.py drops an option whose
# dependencies are not met), naming those that are not.
kunit_configure()
{
	local kunitconfig=$1 build_dir=$2 log=$3 opt missing=()
	shift 3

	python3 tools/testing/kunit/kunit.py config "$@" \
		--kunitconfig="$kunitconfig" --build_dir="$build_dir" \
		>>"$log" 2>&1 || { tail -n 40 "$log" >&2; return 1; }
	while IFS= read -r opt; do
		grep -qxF "$opt" "$build_dir/.config" || missing+=("$opt")
	done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$kunitconfig")
	while IFS= read -r opt; do
		! grep -qE "^$opt=[ym]\$" "$build_dir/.config" ||
			missing+=("# $opt is not set")
	done < <(sed -n 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1/p' \
		 "$kunitconfig")
	if [[ ${#missing[@]} -gt 0 ]]; then
		msg "not set as asked in $build_dir/.config: ${missing[*]}"
		return 1
	fi
}

# copy_tree DIR: a copy of the repository in DIR without its build products
# or .git, so that every build starts clean and no two kernels' objects mix.
copy_tree()
{
	mkdir -p "$1"
	rsync -a --delete --delete-excluded --exclude=/.git \
		--filter=':- .gitignore' "$VMEM_TOP/" "$1/"
}

# shellcheck source=scripts/kseries.sh
source "$VMEM_TOP/scripts/kseries.sh"
