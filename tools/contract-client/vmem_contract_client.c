// SPDX-License-Identifier: GPL-2.0
/*
 * A client of the vmem API contract.  It is built like any other user of
 * vmem.ko, from <linux/vmem.h> and vmem.ko's Module.symvers alone, and calls
 * every function of the contract, so that building it proves each one is
 * declared, exported and importable.  Loaded beside vmem.ko it runs a short
 * smoke test and refuses to load when that fails, then checks what the
 * contract promises and an implementation could quietly break:
 *
 * - a sleeping allocation is woken when space comes back through a free to
 *   a quantum cache;
 * - after every allocation of an arena with quantum caches is freed, from
 *   every CPU, the whole arena can be allocated at once;
 * - an arena that grew to thousands of allocations and was emptied again
 *   (contract_emptied, kept until unload) is small again: the test script
 *   reads its hash_buckets in debugfs;
 * - the additions: vmem_xcreate() with a vmem source and with import
 *   functions of its own, an import quantum, an import larger than asked,
 *   the request's constraints reaching the import function, VMEM_TOPDOWN,
 *   and arguments that contradict each other refused.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmem.h>

/* Kept until unload, for the test script to read in debugfs. */
static struct vmem *emptied;

static void contract_client_count(void *arg, unsigned long addr,
				  unsigned long size)
{
	unsigned long *bytes = arg;

	*bytes += size;
}

/* 4096 allocations of one, all freed. */
static int contract_client_emptied(void)
{
	unsigned long *addr;
	int n, ret = 0;

	emptied = vmem_create("contract_emptied", 0, 1UL << 20, 1, NULL, NULL,
			      NULL, 0, VMEM_SLEEP);
	if (IS_ERR(emptied)) {
		ret = PTR_ERR(emptied);
		emptied = NULL;
		return ret;
	}
	addr = kcalloc(4096, sizeof(*addr), GFP_KERNEL);
	if (!addr)
		return -ENOMEM;
	for (n = 0; n < 4096; n++) {
		ret = vmem_alloc(emptied, 1, VMEM_SLEEP, &addr[n]);
		if (ret)
			break;
	}
	while (n--)
		vmem_free(emptied, addr[n], 1);
	kfree(addr);
	return ret;
}

struct contract_sleeper {
	struct vmem *vm;
	unsigned long size;
	unsigned long addr;
	int ret;
	struct completion done;
};

static int contract_sleeper_fn(void *data)
{
	struct contract_sleeper *s = data;

	allow_signal(SIGKILL);
	s->ret = vmem_alloc(s->vm, s->size, VMEM_SLEEP, &s->addr);
	complete(&s->done);
	return 0;
}

/*
 * Arena [0, 64), quantum 1, quantum caches up to 16: one cached object
 * taken, a sleeper asking for 32 waits; freeing the object must wake it.
 */
static int contract_client_cached_wake(void)
{
	struct contract_sleeper s = { .size = 32, .ret = 1 };
	struct task_struct *task;
	unsigned long obj;
	int ret;

	s.vm = vmem_create("contract_wake", 0, 64, 1, NULL, NULL, NULL, 16,
			   VMEM_SLEEP);
	if (IS_ERR(s.vm))
		return PTR_ERR(s.vm);
	init_completion(&s.done);
	ret = vmem_alloc(s.vm, 1, VMEM_SLEEP, &obj);
	if (ret)
		goto out;
	task = kthread_run(contract_sleeper_fn, &s, "contract_sleeper");
	if (IS_ERR(task)) {
		vmem_free(s.vm, obj, 1);
		ret = PTR_ERR(task);
		goto out;
	}
	get_task_struct(task);
	/* It has nothing to get until the object comes back. */
	if (wait_for_completion_timeout(&s.done, HZ / 5)) {
		pr_err("a sleeper got 32 of an arena of 64 holding 1: %d\n",
		       s.ret);
		ret = -EINVAL;
	}
	vmem_free(s.vm, obj, 1);
	if (!ret && !wait_for_completion_timeout(&s.done, 5 * HZ)) {
		pr_err("lost wake-up: a free to a quantum cache did not wake a sleeper\n");
		send_sig(SIGKILL, task, 1);
		wait_for_completion(&s.done);
		ret = -ETIMEDOUT;
	}
	if (!ret && s.ret) {
		pr_err("the woken sleeper failed: %d\n", s.ret);
		ret = s.ret;
	}
	if (!s.ret)
		vmem_free(s.vm, s.addr, 32);
	kthread_stop(task);
	put_task_struct(task);
out:
	vmem_destroy(s.vm);
	return ret;
}

struct contract_worker {
	struct vmem *vm;
	unsigned int seed;
	int ret;
	struct completion done;
};

/* Allocate and free cached sizes, then free everything. */
static int contract_worker_fn(void *data)
{
	struct contract_worker *w = data;
	unsigned long addr[64], size[64];
	unsigned int i, n = 0, r = w->seed;

	for (i = 0; i < 20000; i++) {
		r = r * 1103515245 + 12345;
		if (n && (n == 64 || (r >> 16) % 2)) {
			unsigned int k = (r >> 17) % n;

			vmem_free(w->vm, addr[k], size[k]);
			addr[k] = addr[--n];
			size[k] = size[n];
		} else {
			size[n] = 1 + (r >> 17) % 4;
			if (!vmem_alloc(w->vm, size[n], VMEM_NOSLEEP, &addr[n]))
				n++;
		}
		if (!(i % 256))
			cond_resched();
	}
	while (n--)
		vmem_free(w->vm, addr[n], size[n]);
	complete(&w->done);
	return 0;
}

/* Workers on every CPU, everything freed: the whole arena is there. */
static int contract_client_all_back(void)
{
	unsigned int ncpu = num_online_cpus(), i = 0, cpu;
	struct contract_worker *w;
	unsigned long addr;
	struct vmem *vm;
	int ret = 0;

	vm = vmem_create("contract_churn", 0, 1UL << 16, 1, NULL, NULL, NULL,
			 4, VMEM_SLEEP);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	w = kcalloc(ncpu, sizeof(*w), GFP_KERNEL);
	if (!w) {
		ret = -ENOMEM;
		goto out;
	}
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		if (i >= ncpu)
			break;
		w[i].vm = vm;
		w[i].seed = 17 + i;
		init_completion(&w[i].done);
		t = kthread_create(contract_worker_fn, &w[i], "contract_w/%u",
				   cpu);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			break;
		}
		kthread_bind(t, cpu);
		wake_up_process(t);
		i++;
	}
	while (i--)
		wait_for_completion(&w[i].done);
	kfree(w);
	if (ret)
		goto out;
	if (vmem_size(vm, VMEM_ALLOC)) {
		pr_err("%lu bytes allocated after everything was freed\n",
		       vmem_size(vm, VMEM_ALLOC));
		ret = -EINVAL;
		goto out;
	}
	/* Other CPUs' magazines come back shortly after a first failure. */
	for (i = 0; i < 10; i++) {
		ret = vmem_xalloc(vm, 1UL << 16, 0, 0, 0, 0, VMEM_ADDR_MAX,
				  VMEM_NOSLEEP, &addr);
		if (ret != -ENOMEM)
			break;
		msleep(100);
	}
	if (ret)
		pr_err("the whole arena cannot be allocated after everything was freed: %d\n",
		       ret);
	else
		vmem_xfree(vm, addr, 1UL << 16);
out:
	vmem_destroy(vm);
	return ret;
}

/* === Additions === */

#define ADD_BASE	0x100000UL
#define ADD_SIZE	0x100000UL
#define ADD_IQ		0x1000UL

/* What the import function of its own saw. */
struct contract_import {
	struct vmem *source;
	unsigned int imports, releases;
	unsigned long align, phase, grown, released;
};

static int contract_ximport(void *arg, unsigned long *sizep,
			    unsigned long align, unsigned long phase,
			    unsigned long nocross, unsigned long minaddr,
			    unsigned long maxaddr, unsigned int vmflag,
			    unsigned long *addrp)
{
	struct contract_import *ci = arg;
	unsigned long size = *sizep + ADD_IQ;	/* more than asked */
	int ret;

	ci->imports++;
	ci->align = align;
	ci->phase = phase;
	ret = vmem_xalloc(ci->source, size, align, phase, nocross, minaddr,
			  maxaddr, vmflag, addrp);
	if (!ret) {
		*sizep = size;
		ci->grown = size;
	}
	return ret;
}

static void contract_xrelease(void *arg, unsigned long addr,
			      unsigned long size)
{
	struct contract_import *ci = arg;

	ci->releases++;
	ci->released = size;
	vmem_xfree(ci->source, addr, size);
}

static int contract_client_additions(void)
{
	struct contract_import ci = { };
	struct vmem_args args = {
		.base = ADD_BASE, .size = ADD_SIZE, .quantum = 0x100,
	};
	struct vmem *root, *child = NULL, *bad;
	unsigned long addr[16], a, total;
	int i, ret = -EINVAL;

	root = vmem_xcreate("contract_root", &args, VMEM_SLEEP);
	if (IS_ERR(root))
		return PTR_ERR(root);
	ci.source = root;

	/* A vmem source and an import quantum: 16 blocks, one import. */
	args = (struct vmem_args){ .quantum = 0x100, .source = root,
				   .import_quantum = ADD_IQ };
	child = vmem_xcreate("contract_iq", &args, VMEM_SLEEP);
	if (IS_ERR(child)) {
		ret = PTR_ERR(child);
		child = NULL;
		goto out;
	}
	for (i = 0; i < 16; i++)
		if (vmem_alloc(child, 0x100, VMEM_SLEEP, &addr[i]))
			goto out;
	total = vmem_size(child, VMEM_ALLOC | VMEM_FREE);
	for (i = 0; i < 16; i++)
		vmem_free(child, addr[i], 0x100);
	if (total != ADD_IQ || vmem_size(child, VMEM_ALLOC | VMEM_FREE) ||
	    vmem_size(root, VMEM_ALLOC)) {
		pr_err("import quantum: 16 blocks in %#lx imported\n", total);
		goto out;
	}
	vmem_destroy(child);

	/* Import functions of its own: constraints in, a larger span out. */
	args = (struct vmem_args){ .quantum = 0x100, .ximport = contract_ximport,
				   .xrelease = contract_xrelease, .arg = &ci,
				   .import_quantum = ADD_IQ };
	child = vmem_xcreate("contract_ximport", &args, VMEM_SLEEP);
	if (IS_ERR(child)) {
		ret = PTR_ERR(child);
		child = NULL;
		goto out;
	}
	if (vmem_xalloc(child, 0x200, 0x800, 0x100, 0, 0, VMEM_ADDR_MAX,
			VMEM_NOSLEEP, &a))
		goto out;
	total = vmem_size(child, VMEM_ALLOC | VMEM_FREE);
	vmem_xfree(child, a, 0x200);
	if ((a - 0x100) % 0x800 || ci.imports != 1 || ci.align != 0x800 ||
	    ci.phase != 0x100 || total != 2 * ADD_IQ || ci.releases != 1 ||
	    ci.released != total) {
		pr_err("ximport: block %#lx, %u imports (align %#lx phase %#lx), span %#lx, %u releases of %#lx\n",
		       a, ci.imports, ci.align, ci.phase, total, ci.releases,
		       ci.released);
		goto out;
	}

	/* Top-down: the highest fit, constraints kept. */
	if (vmem_alloc(root, 0x100, VMEM_NOSLEEP | VMEM_TOPDOWN, &a))
		goto out;
	vmem_free(root, a, 0x100);
	if (a != ADD_BASE + ADD_SIZE - 0x100) {
		pr_err("VMEM_TOPDOWN: %#lx\n", a);
		goto out;
	}
	if (vmem_xalloc(root, 0x100, 0x1000, 0x200, 0, 0, VMEM_ADDR_MAX,
			VMEM_NOSLEEP | VMEM_BESTFIT | VMEM_TOPDOWN, &a))
		goto out;
	vmem_xfree(root, a, 0x100);
	if (a != ADD_BASE + ADD_SIZE - 0x1000 + 0x200) {
		pr_err("VMEM_TOPDOWN with align and phase: %#lx\n", a);
		goto out;
	}

	/* A source and import functions at once: refused. */
	args.source = root;
	bad = vmem_xcreate("contract_bad", &args, VMEM_SLEEP);
	if (PTR_ERR_OR_ZERO(bad) != -EINVAL) {
		pr_err("vmem_xcreate() with a source and ximport: %d\n",
		       PTR_ERR_OR_ZERO(bad));
		if (!IS_ERR(bad))
			vmem_destroy(bad);
		goto out;
	}
	ret = 0;
out:
	vmem_destroy(child);
	vmem_destroy(root);
	if (ret)
		pr_err("additions failed: %d\n", ret);
	return ret;
}

static int __init contract_client_smoke(void)
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

static int __init contract_client_init(void)
{
	int ret;

	ret = contract_client_smoke();
	if (!ret)
		ret = contract_client_cached_wake();
	if (!ret)
		ret = contract_client_all_back();
	if (!ret)
		ret = contract_client_additions();
	if (!ret)
		ret = contract_client_emptied();
	if (ret) {
		vmem_destroy(emptied);
		pr_err("failed: %d\n", ret);
	}
	return ret;
}
module_init(contract_client_init);

static void __exit contract_client_exit(void)
{
	vmem_destroy(emptied);
}
module_exit(contract_client_exit);

MODULE_IMPORT_NS(VMEM_NS);
MODULE_DESCRIPTION("Client of the vmem API contract");
MODULE_LICENSE("GPL");
