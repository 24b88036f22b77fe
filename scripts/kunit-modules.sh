#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove that vmem and its KUnit suites link as modules (CONFIG_VMEM=m,
# CONFIG_VMEM_KUNIT_TEST=m): build vmem.ko and vmem_kunit.ko as external
# modules against the x86_64 kernel that "scripts/kunit.sh --arch=x86_64"
# built (CONFIG_MODULES=y), and require that modpost resolves every symbol
# and warns of nothing.  The suites must then reach vmem's internals only
# through what vmem.ko exports (EXPORT_SYMBOL_IF_KUNIT).
#
# That kernel has vmem built in, so its Module.symvers already holds vmem's
# exports, and modpost would refuse vmem.ko's own ("exported twice").  The
# modules are therefore built against a view of the build directory,
# symbolic links to everything in it, with a Module.symvers from which the
# symbols that vmem's built-in objects define are left out: the kernel as
# it would be with CONFIG_VMEM=m.
#
# Usage: scripts/kunit-modules.sh    (after scripts/kunit.sh --arch=x86_64)
#
# Prints modpost's output and "kunit-modules: PASS" or "kunit-modules:
# FAIL: ..." last; exits non-zero on failure.  Works in
# $VMEM_CACHE/kunit-modules/.

set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arch=x86_64
build_dir=$(kunit_build_dir "$arch")
work=$VMEM_CACHE/kunit-modules
objtree=$work/objtree
src=$work/src
build_log=$work/build.log

fail()
{
	printf 'kunit-modules: FAIL: %s\n' "$*"
	exit 1
}

# The build directory as it would be with vmem as a module: links to all of
# it but Module.symvers, which leaves out every symbol that vmem's built-in
# objects define.
make_objtree()
{
	local entry all kept

	rm -rf "$objtree"
	mkdir -p "$objtree"
	for entry in "$build_dir"/* "$build_dir"/.[!.]*; do
		[[ -e $entry && ${entry##*/} != Module.symvers ]] || continue
		ln -s "$entry" "$objtree/${entry##*/}"
	done
	nm --extern-only --defined-only --format=posix \
		"$build_dir"/lib/vmem/vmem/*.o |
		awk 'NF >= 2 { print $1 }' | sort -u >"$work/vmem.syms"
	awk -F '\t' 'NR == FNR { vmem[$1] = 1; next } !($2 in vmem)' \
		"$work/vmem.syms" "$build_dir/Module.symvers" \
		>"$objtree/Module.symvers"
	all=$(wc -l <"$build_dir/Module.symvers")
	kept=$(wc -l <"$objtree/Module.symvers")
	printf 'Module.symvers: vmem'"'"'s %d exports left out, %d kept\n' \
		"$((all - kept))" "$kept"
}

# The symbols that vmem.o or vmem_kunit.o need and neither the kernel nor
# vmem.o exports: modpost names ten at most.
unresolved()
{
	local obj

	for obj in "$src/vmem.o" "$src/vmem_kunit.o"; do
		if [[ -f $obj ]]; then
			nm --undefined-only --format=posix "$obj"
		fi
	done | awk '$1 != "__this_module" { print $1 }' | sort -u |
		comm -23 - <({ cut -f 2 "$objtree/Module.symvers"
			       nm --format=posix "$src/vmem.o" |
			       sed -n 's/^__export_symbol_\([^ ]*\) .*/\1/p'
			     } | sort -u)
}

main()
{
	local tree ko status=0

	need_build_deps
	cache_lock kunit	# the build directory is scripts/kunit.sh's
	tree=$(ksrc_tree)
	[[ -f $build_dir/.vmem-build-ok && -s $build_dir/Module.symvers ]] ||
		fail "no finished build in $build_dir: run scripts/kunit.sh --arch=$arch first"
	grep -qx 'CONFIG_MODULES=y' "$build_dir/.config" ||
		fail "$build_dir/.config has no CONFIG_MODULES=y"
	compgen -G "$build_dir/lib/vmem/vmem/*.o" >/dev/null ||
		fail "no vmem objects in $build_dir: its last build failed in vmem's files"

	mkdir -p "$work"
	make_objtree
	copy_tree "$src"
	# Niced, like the kernel build: interactive work keeps priority.
	nice -n 10 make -C "$tree" ARCH="$arch" O="$objtree" M="$src" \
		CONFIG_VMEM=m CONFIG_VMEM_KUNIT_TEST=m --jobs="$(nproc)" modules \
		>"$build_log" 2>&1 || status=$?

	# modpost's lines, the compiler's errors and warnings.
	grep -E 'modpost|undefined|error|warning:' "$build_log" || true
	if [[ $status -ne 0 ]] ||
	   grep -qE 'ERROR: modpost|WARNING: modpost|undefined' "$build_log"; then
		unresolved | sed 's/^/unresolved: /' || true
		fail "make exited with status $status, modpost did not resolve every symbol or warned (log: $build_log)"
	fi
	for ko in vmem.ko vmem_kunit.ko; do
		[[ -s $src/$ko ]] || fail "no $ko (log: $build_log)"
		modinfo -F depends "$src/$ko" | sed "s/^/$ko depends on: /"
		modinfo -F import_ns "$src/$ko" | sed "s/^/$ko imports namespace: /"
	done
	printf 'kunit-modules: PASS\n'
}

main "$@"
