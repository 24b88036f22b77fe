// SPDX-License-Identifier: GPL-2.0
/*
 * A client of the vmem API contract.  It is built like any other user of
 * vmem.ko, from <linux/vmem.h> and vmem.ko's Module.symvers alone, and calls
 * every function of the contract, so that building it proves each one is
 * declared, exported and importable.  Loaded beside vmem.ko it runs a short
 * smoke test and refuses to load when that fails.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/vmem.h>

static void contract_client_count(void *arg, unsigned long addr,
				  unsigned long size)
{
	unsigned long *bytes = arg;

	*bytes += size;
}

static int __init contract_client_init(void)
{
	unsigned long addr, xaddr, walked = 0;
	struct vmem *vm;
	int ret;

	vm = vmem_create("contract_client", 0x1000, 0x1000, 0x10, NULL, NULL,
			 NULL, 0, VMEM_SLEEP);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	ret = vmem_add(vm, 0x10000, 0x1000, VMEM_SLEEP);
	if (ret)
		goto out;
	ret = vmem_alloc(vm, 0x20, VMEM_SLEEP | VMEM_BESTFIT, &addr);
	if (ret)
		goto out;
	ret = vmem_xalloc(vm, 0x40, 0x100, 0, 0, 0x10000, VMEM_ADDR_MAX,
			  VMEM_NOSLEEP, &xaddr);
	if (ret)
		goto out_free;

	vmem_walk(vm, VMEM_ALLOC, contract_client_count, &walked);
	if (walked != 0x60 || vmem_size(vm, VMEM_ALLOC) != walked ||
	    !vmem_contains(vm, xaddr, 0x40) || xaddr % 0x100)
		ret = -EINVAL;
	vmem_xfree(vm, xaddr, 0x40);
out_free:
	vmem_free(vm, addr, 0x20);
out:
	vmem_destroy(vm);
	if (ret)
		pr_err("smoke test failed: %d\n", ret);
	return ret;
}
module_init(contract_client_init);

static void __exit contract_client_exit(void)
{
}
module_exit(contract_client_exit);

MODULE_IMPORT_NS(VMEM_NS);
MODULE_DESCRIPTION("Client of the vmem API contract");
MODULE_LICENSE("GPL");
