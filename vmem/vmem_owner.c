// SPDX-License-Identifier: GPL-2.0
/*
 * vmem allocation owners: who allocated what, in arenas created with
 * VMEM_ARENA_DEBUG (or all arenas, with vmem.debug=1).
 *
 * An allocation in such an arena saves its stack in the kernel's stack
 * depot before it takes any lock (vmem_owner_save()), and the handle goes
 * with the request to wherever the allocation lands: the boundary tag of
 * the segment (struct vmem_seg_owned, a larger tag that only debugged
 * arenas use) or, for an object of a quantum cache, its slab's owner
 * array.  A segment's owner is written when the segment is carved and
 * read only while it is allocated, so it survives the coalescing of its
 * neighbours; an imported span's segment in the source is owned by the
 * stack that made the importer import.  Stacks are deduplicated by the
 * depot and never freed, as page_owner's are.
 *
 * vmem_owners_walk() visits every live allocation with its owner: the
 * debugfs file <arena>/owners groups them by stack, and vmem_destroy()
 * names the first leaks with their stacks (vmem_leak_report()).
 */

#define pr_fmt(fmt) "vmem: " fmt

#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>

#include "vmem_internal.h"

/* A report line: a longer symbol (KSYM_SYMBOL_LEN) is cut short. */
#define VMEM_LEAK_LINE	256

/**
 * vmem_owner_init() - Make the stack depot ready for debugged arenas.
 *
 * Idempotent; the depot allocates its hash table on the first call.  A
 * depot that was disabled (stack_depot_disable=1, or an earlier failure
 * to allocate its table) stores nothing: then debugging is refused rather
 * than paid for with no owners to show.
 *
 * Context: Process context; may sleep.
 * Return: 0; -EOPNOTSUPP when the kernel has no stack depot
 * (%CONFIG_STACKDEPOT) or it is disabled; -ENOMEM.
 */
int vmem_owner_init(void)
{
#ifdef CONFIG_STACKDEPOT
	static bool works;
	int ret;

	if (READ_ONCE(works))
		return 0;
	ret = stack_depot_init();
	if (ret)
		return ret;
	if (!vmem_owner_save(VMEM_SLEEP))
		return -EOPNOTSUPP;
	WRITE_ONCE(works, true);
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}

/**
 * vmem_owner_save() - Record the caller's stack in the stack depot.
 * @vmflag: The allocation's flags: whether the depot may sleep for memory.
 *
 * Not inlined, traced or probed (a tracer's trampoline would stand in for
 * its return address): the stack starts at the vmem function that called
 * it (the entry point the client called, or the import that stands for
 * it), its second frame is that function's caller.
 *
 * Context: Any context where the allocation itself may run; no vmem lock
 * held (the depot may allocate).
 * Return: The depot's handle, or 0 when the stack could not be stored.
 */
noinline notrace depot_stack_handle_t vmem_owner_save(unsigned int vmflag)
{
#ifdef CONFIG_STACKDEPOT
	unsigned long entries[VMEM_OWNER_DEPTH + 4], ip = _RET_IP_;
	unsigned int n, i;

	/*
	 * Unwinders differ in what they count as the first frame: drop
	 * whatever comes before our caller's own return address.
	 */
	n = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	for (i = 0; i < n && i < 4 && entries[i] != ip; i++)
		;
	if (i == n || i == 4)
		i = 0;
	n = min_t(unsigned int, n - i, VMEM_OWNER_DEPTH);
	return stack_depot_save(entries + i, n, vmflag & VMEM_SLEEP ?
				GFP_KERNEL : GFP_NOWAIT | __GFP_NOWARN);
#else
	return 0;
#endif
}

NOKPROBE_SYMBOL(vmem_owner_save);

/**
 * vmem_owner_stack() - The frames of a recorded stack.
 * @owner: A handle from vmem_owner_save(), or 0.
 * @entries: Set to the frames, innermost first.
 *
 * Context: Any context.
 * Return: The number of frames; 0 for no stack.
 */
unsigned int vmem_owner_stack(depot_stack_handle_t owner,
			      unsigned long **entries)
{
#ifdef CONFIG_STACKDEPOT
	if (owner)
		return stack_depot_fetch(owner, entries);
#endif
	return 0;
}

/* Objects held by clients in the slabs of @qc, under RCU. */
static unsigned long vmem_owners_walk_qcache(struct vmem_qcache *qc,
					     vmem_owner_fn *fn, void *arg)
{
	struct vmem_slabtab *t;
	struct vmem_slab *slab;
	unsigned long index, n = 0;
	unsigned int obj;

	rcu_read_lock();
	t = rcu_dereference(qc->slabtab);
	index = 0;
	while ((slab = vmem_slabtab_next(t, &index))) {
		for (obj = 0; obj < qc->nobj; obj++) {
			/* The owner, written before the byte was set. */
			if (!smp_load_acquire(&slab->held[obj]))
				continue;
			fn(arg, slab->base + obj * qc->size, qc->size,
			   READ_ONCE(vmem_slab_owners(qc, slab)[obj]));
			n++;
		}
	}
	rcu_read_unlock();
	return n;
}

/**
 * vmem_owners_walk() - Visit every live allocation of a debugged arena.
 * @vm: The arena, created with %VMEM_ARENA_DEBUG.
 * @fn: Called with each allocation's start, size and owner (0: none
 *      recorded): first the objects held from the quantum caches, then the
 *      allocated segments other than the caches' slabs.  It must not sleep
 *      nor call into @vm.
 * @arg: Passed to @fn.
 *
 * A snapshot while other CPUs allocate and free: each allocation is seen
 * at most once, but one made or freed during the walk may be missed.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Takes the RCU read lock, then the arena lock, for the length of a walk
 * over every allocation.
 * Return: The number of allocations visited; 0 for an arena that is not
 * debugged.
 */
unsigned long vmem_owners_walk(struct vmem *vm, vmem_owner_fn *fn, void *arg)
{
	unsigned long flags, n = 0;
	struct vmem_seg *seg;
	unsigned int i;

	if (!vmem_debugged(vm))
		return 0;
	for (i = 0; i < vm->nqcache; i++)
		n += vmem_owners_walk_qcache(vm->qcache[i], fn, arg);

	spin_lock_irqsave(&vm->lock, flags);
	list_for_each_entry(seg, &vm->segs, seglist) {
		if (seg->type != VMEM_SEG_ALLOC || seg->slab)
			continue;
		fn(arg, seg->start, seg->size, *vmem_seg_owner(seg));
		n++;
	}
	spin_unlock_irqrestore(&vm->lock, flags);
	return n;
}

/* The first leaks, gathered under the locks and printed after. */
struct vmem_leaks {
	unsigned long n;
	struct {
		unsigned long addr;
		unsigned long size;
		depot_stack_handle_t owner;
	} leak[VMEM_LEAKS_SHOWN];
};

static void vmem_leak_one(void *arg, unsigned long addr, unsigned long size,
			  depot_stack_handle_t owner)
{
	struct vmem_leaks *lk = arg;

	if (lk->n < VMEM_LEAKS_SHOWN) {
		lk->leak[lk->n].addr = addr;
		lk->leak[lk->n].size = size;
		lk->leak[lk->n].owner = owner;
	}
	lk->n++;
}

/**
 * vmem_leak_report() - Name the live allocations of a debugged arena.
 * @vm: The arena, created with %VMEM_ARENA_DEBUG, about to be destroyed.
 * @out: Called with each line of the report, without a newline.
 * @arg: Passed to @out.
 *
 * The first %VMEM_LEAKS_SHOWN allocations that vmem_owners_walk() finds
 * are each named by a line (arena, first and last resource, size) and the
 * frames of the stack that allocated them, one a line; then a line counts
 * those not shown, if any.  Nothing for an arena without allocations.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * @out is called without vmem's locks, after the walk.
 */
void vmem_leak_report(struct vmem *vm,
		      void (*out)(void *arg, const char *line), void *arg)
{
	struct vmem_leaks leaks = { }, *lk = &leaks;
	char line[VMEM_LEAK_LINE];
	unsigned long *entries, i;
	unsigned int f, nr;

	vmem_owners_walk(vm, vmem_leak_one, lk);
	for (i = 0; i < min_t(unsigned long, lk->n, VMEM_LEAKS_SHOWN); i++) {
		unsigned long addr = lk->leak[i].addr, size = lk->leak[i].size;

		nr = vmem_owner_stack(lk->leak[i].owner, &entries);
		snprintf(line, VMEM_LEAK_LINE,
			 "arena '%s': leaked %#lx-%#lx (size %#lx), allocated by%s",
			 vm->name, addr, addr + size - 1, size,
			 nr ? ":" : " an unrecorded stack");
		out(arg, line);
		for (f = 0; f < nr; f++) {
			snprintf(line, VMEM_LEAK_LINE, "    %pS",
				 (void *)entries[f]);
			out(arg, line);
		}
	}
	if (lk->n > VMEM_LEAKS_SHOWN) {
		snprintf(line, VMEM_LEAK_LINE,
			 "arena '%s': %lu more leaked allocations not shown",
			 vm->name, lk->n - VMEM_LEAKS_SHOWN);
		out(arg, line);
	}
}
