// SPDX-License-Identifier: GPL-2.0
/*
 * Test of vmem: a client that is unloaded without destroying its arena.
 *
 * The arena has quantum caches holding objects and an allocation hash
 * that grew; its deferred work may still be pending.  vmem.ko must unload
 * after it without a warning splat: it stops that work and leaves the
 * arena's memory, saying so in one line.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>
#include <linux/vmem.h>

static int __init abandon_init(void)
{
	struct vmem *vm;
	unsigned long addr;
	int i;

	vm = vmem_create("abandoned", 0, 1UL << 20, 1, NULL, NULL, NULL, 8,
			 VMEM_SLEEP);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	for (i = 0; i < 2000; i++)
		if (vmem_alloc(vm, 1 + i % 16, VMEM_NOSLEEP, &addr))
			return -ENOMEM;
	vmem_free(vm, addr, 1 + (i - 1) % 16);
	pr_info("left arena 'abandoned' with %lu bytes allocated\n",
		vmem_size(vm, VMEM_ALLOC));
	return 0;
}
module_init(abandon_init);

static void __exit abandon_exit(void)
{
}
module_exit(abandon_exit);

MODULE_IMPORT_NS(VMEM_NS);
MODULE_DESCRIPTION("Test of vmem: an arena its client never destroys");
MODULE_LICENSE("GPL");
