// SPDX-License-Identifier: GPL-2.0
/*
 * vmem module glue: load and unload, and the exported interface.
 *
 * The allocator itself lives in vmem_core.c, which knows nothing of modules
 * or debugfs; this file only ties it into the kernel.
 */

#define pr_fmt(fmt) "vmem: " fmt

#include <linux/export.h>
#include <linux/module.h>
#include <linux/vmem.h>

#include "vmem_internal.h"

/*
 * Every call of the contract, GPL-only, in namespace VMEM.  vmem_size() is
 * an inline over vmem_arena_size(): spl.ko of OpenZFS exports vmem_size.
 */
EXPORT_SYMBOL_NS_GPL(vmem_create, VMEM_NS);
EXPORT_SYMBOL_NS_GPL(vmem_destroy, VMEM_NS);
EXPORT_SYMBOL_NS_GPL(vmem_add, VMEM_NS);
EXPORT_SYMBOL_NS_GPL(vmem_alloc, VMEM_NS);
EXPORT_SYMBOL_NS_GPL(vmem_free, VMEM_NS);
EXPORT_SYMBOL_NS_GPL(vmem_xalloc, VMEM_NS);
EXPORT_SYMBOL_NS_GPL(vmem_xfree, VMEM_NS);
EXPORT_SYMBOL_NS_GPL(vmem_arena_size, VMEM_NS);
EXPORT_SYMBOL_NS_GPL(vmem_contains, VMEM_NS);
EXPORT_SYMBOL_NS_GPL(vmem_walk, VMEM_NS);

static int __init vmem_init(void)
{
	int ret;

	ret = vmem_core_init();
	if (ret)
		return ret;
	vmem_debugfs_init();
	return 0;
}

static void __exit vmem_exit(void)
{
	vmem_debugfs_exit();
	vmem_core_exit();
}

module_init(vmem_init);
module_exit(vmem_exit);

MODULE_DESCRIPTION("vmem: general-purpose resource allocator (Bonwick & Adams)");
MODULE_LICENSE("GPL");
