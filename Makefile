# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of vmem.ko; the objects are listed in Kbuild.  Kbuild
# variables given on the command line (W=1, C=1, C=2, V=1, ...) pass
# through to the kernel's make.  "make help" lists the targets.

KDIR ?= /lib/modules/$(shell uname -r)/build
INSTALL_MOD_DIR ?= updates

# The KUnit suites are built into a UML kernel by "make kunit" only.
KBUILD := $(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_VMEM=m

.PHONY: all modules install modules_install clean check kunit qemu demo \
	bench headers help kdir

all: modules

kdir:
	@test -f $(KDIR)/Makefile || { \
		echo "KDIR=$(KDIR) is not a kernel build tree: install its" \
		     "headers or give KDIR= (\"make headers\" fetches Debian's)"; \
		exit 1; }

modules: kdir
	$(KBUILD) modules

# The kernel's modules_install skips depmod without a System.map, as with
# distribution headers, so run it here, for the release the module was built
# for (Debian's 6.1 headers give "make kernelrelease" another name).
install modules_install: modules
	$(KBUILD) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) -a \
		$$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$$/\1/p' \
			$(KDIR)/include/generated/utsrelease.h)

clean: kdir
	$(KBUILD) clean

check:
	bash scripts/check.sh

kunit:
	bash scripts/kunit.sh

qemu:
	bash scripts/qemu-test.sh

demo:
	bash scripts/demo.sh

bench:
	bash scripts/bench.sh

headers:
	bash scripts/kheaders.sh

help:
	@echo 'Targets:'
	@echo '  all, modules    - build vmem.ko and Module.symvers (default)'
	@echo '  install         - install vmem.ko into /lib/modules/<release>/$(INSTALL_MOD_DIR), run depmod'
	@echo '  clean           - remove build products'
	@echo '  check           - run every check: builds, sparse, checkpatch, kernel-doc, dkms, userspace, KUnit, qemu'
	@echo '  kunit           - build and run the KUnit suites in a UML kernel'
	@echo '  qemu            - boot Debian'"'"'s stock kernels in qemu (6.1, 6.12, 6.12-rt, 7.3, 7.3-rt, sid'"'"'s 7.x): vmem.ko, the sample client, misuse and OpenZFS coexistence tests'
	@echo '  demo            - boot Debian'"'"'s 6.12 kernel in qemu, load vmem.ko and the sample client, show the arenas'
	@echo '  bench           - benchmark vmem against gen_pool, IOVA, IDA and IDR (UML, and Debian 6.12 under qemu)'
	@echo '  headers         - fetch Debian'"'"'s kernel headers of every series (7.x in chroots), print their KDIRs'
	@echo ''
	@echo 'Variables:'
	@echo '  KDIR=<dir>      kernel build or headers tree (default: the running kernel'"'"'s)'
	@echo '  INSTALL_MOD_DIR install subdirectory (default: updates)'
	@echo '  INSTALL_MOD_PATH install prefix'
	@echo '  W=1 C=1 C=2 V=1 passed to kbuild: extra warnings, sparse, verbose'
