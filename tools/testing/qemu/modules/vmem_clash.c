// SPDX-License-Identifier: GPL-2.0
/*
 * vmem_clash: a module that, unlike vmem.ko, exports vmem_size.
 *
 * With spl_standin (or OpenZFS's spl.ko) loaded, the kernel must refuse it:
 * "exports duplicate symbol vmem_size (owned by spl_standin)".  The qemu
 * test loads it to show that the stand-in's exports are live, and so that
 * vmem.ko loading beside the stand-in means something.
 */
#include <linux/export.h>
#include <linux/module.h>
#include <linux/types.h>

size_t vmem_size(void *vmp, int typemask);

size_t vmem_size(void *vmp, int typemask)
{
	return 0;
}
EXPORT_SYMBOL(vmem_size);

static int __init vmem_clash_init(void)
{
	return 0;
}
module_init(vmem_clash_init);

static void __exit vmem_clash_exit(void)
{
}
module_exit(vmem_clash_exit);

MODULE_DESCRIPTION("Test module exporting vmem_size, to be refused beside spl_standin");
MODULE_LICENSE("GPL");
