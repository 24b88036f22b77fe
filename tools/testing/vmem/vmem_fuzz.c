// SPDX-License-Identifier: GPL-2.0
/*
 * A libFuzzer target for the vmem core: the input bytes are decoded into
 * the operations of the reference model (vmem_model.c), with every check
 * of the differential test after each; any failure aborts.  The first
 * byte turns fault injection on (one bookkeeping allocation in 16 fails)
 * when it is a multiple of 4.
 *
 * Built with -DVMEM_FUZZ_MAIN it is a plain program that runs the files
 * named on its command line (the corpus) through the same function, for
 * compilers without libFuzzer and for coverage.
 */
#include <linux/vmem.h>
#include "vmem_internal.h"
#include "vmem_model.h"

/*
 * libFuzzer's entry points, LLVMFuzzerInitialize() and
 * LLVMFuzzerTestOneInput(): the Makefile passes their names.
 */
int VMEM_FUZZ_INIT(int *argc, char ***argv)
{
	return vmem_core_init();
}

int VMEM_FUZZ_ONE(const u8 *data, size_t size)
{
	if (!size)
		return 0;
	vt_fail_rate = data[0] % 4 ? 0 : 16;
	vt_source_bytes(data + 1, size - 1);
	if (vt_run(~0UL))
		abort();
	return 0;
}

#ifdef VMEM_FUZZ_MAIN
int main(int argc, char **argv)
{
	static u8 buf[1 << 16];
	int i, n = 0;

	if (getenv("VMEM_VERBOSE")) {
		vt_verbose = 1;
		shim_verbose = 1;
	}
	if (VMEM_FUZZ_INIT(&argc, &argv))
		return 2;
	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t len;

		if (!f) {
			perror(argv[i]);
			return 2;
		}
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		VMEM_FUZZ_ONE(buf, len);
		n++;
	}
	vmem_core_exit(0);
	printf("vmem_fuzz: %d inputs: ok\n", n);
	return 0;
}
#endif
