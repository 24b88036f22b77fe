// SPDX-License-Identifier: GPL-2.0
/*
 * spl_standin: stands in for OpenZFS's spl.ko in the qemu test.
 *
 * spl.ko exports a function vmem_size() and the variables heap_arena,
 * zio_arena and zio_alloc_arena, all with plain EXPORT_SYMBOL.  The kernel
 * refuses to load a module that exports a symbol another module already
 * exports, so vmem.ko must export none of these names.  The test loads this
 * module first, then vmem.ko and a client of it, and finally checks that
 * the client's vmem_size() calls never reached the function here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/export.h>
#include <linux/module.h>
#include <linux/types.h>

size_t vmem_size(void *vmp, int typemask);

/* In spl.ko, vmem_t pointers; nothing uses them here. */
void *heap_arena;
EXPORT_SYMBOL(heap_arena);
void *zio_arena;
EXPORT_SYMBOL(zio_arena);
void *zio_alloc_arena;
EXPORT_SYMBOL(zio_alloc_arena);

static unsigned int vmem_size_calls;
module_param(vmem_size_calls, uint, 0444);
MODULE_PARM_DESC(vmem_size_calls, "calls of this module's vmem_size()");

/* spl.ko's vmem_size(vmem_t *, int); counts calls and returns 0. */
size_t vmem_size(void *vmp, int typemask)
{
	vmem_size_calls++;
	return 0;
}
EXPORT_SYMBOL(vmem_size);

static int __init spl_standin_init(void)
{
	pr_info("exporting vmem_size, heap_arena, zio_arena, zio_alloc_arena\n");
	return 0;
}
module_init(spl_standin_init);

static void __exit spl_standin_exit(void)
{
}
module_exit(spl_standin_exit);

MODULE_DESCRIPTION("Test stand-in for OpenZFS spl.ko's vmem-like exports");
MODULE_LICENSE("GPL");
