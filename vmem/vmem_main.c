// SPDX-License-Identifier: GPL-2.0
/*
 * vmem module glue: load and unload, the exported interface, and the hooks
 * through which the kernel makes quantum caches give resources back: a
 * shrinker under memory pressure and a CPU hotplug callback.
 *
 * The allocator itself lives in vmem_core.c, which knows nothing of modules
 * or debugfs; this file only ties it into the kernel.
 */

#define pr_fmt(fmt) "vmem: " fmt

#include <linux/cpuhotplug.h>
#include <linux/export.h>
#include <linux/module.h>
#include <linux/shrinker.h>
#include <linux/vmem.h>
#include <vmem_compat.h>

#include "vmem_internal.h"

/*
 * vmem.debug=1: every arena created from then on records its allocations'
 * owners, as with VMEM_ARENA_DEBUG (vmem_owner.c).
 */
bool vmem_debug_all;
module_param_named(debug, vmem_debug_all, bool, 0644);
MODULE_PARM_DESC(debug, "Record the allocating stack of every allocation in arenas created from now on (as VMEM_ARENA_DEBUG)");

/* The trace events (vmem_trace.h) are defined here, once. */
#define CREATE_TRACE_POINTS
#include "vmem_trace.h"

/*
 * Every call of the contract, GPL-only, in namespace VMEM.  vmem_size() is
 * an inline over vmem_arena_size(): spl.ko of OpenZFS exports vmem_size.
 */
EXPORT_SYMBOL_NS_GPL(vmem_xcreate, VMEM_NS);
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

/*
 * The internals the KUnit suites look at, for a test module built apart
 * from vmem.ko (CONFIG_VMEM_KUNIT_TEST=m); nothing without KUnit.
 */
#if IS_ENABLED(CONFIG_VMEM_KUNIT_TEST)
#include <kunit/visibility.h>

#ifdef CONFIG_TRACEPOINTS
/* The suites attach probes to the events. */
EXPORT_SYMBOL_IF_KUNIT(__tracepoint_vmem_alloc);
EXPORT_SYMBOL_IF_KUNIT(__tracepoint_vmem_free);
EXPORT_SYMBOL_IF_KUNIT(__tracepoint_vmem_import);
EXPORT_SYMBOL_IF_KUNIT(__tracepoint_vmem_release);
EXPORT_SYMBOL_IF_KUNIT(__tracepoint_vmem_alloc_fail);
EXPORT_SYMBOL_IF_KUNIT(__tracepoint_vmem_wait);
EXPORT_SYMBOL_IF_KUNIT(__tracepoint_vmem_reap);
#endif
EXPORT_SYMBOL_IF_KUNIT(vmem_check);
EXPORT_SYMBOL_IF_KUNIT(vmem_tags_live);
EXPORT_SYMBOL_IF_KUNIT(vmem_freelist_index);
EXPORT_SYMBOL_IF_KUNIT(vmem_depot_contended);
EXPORT_SYMBOL_IF_KUNIT(vmem_qcache_reap);
EXPORT_SYMBOL_IF_KUNIT(vmem_qcache_purge);
EXPORT_SYMBOL_IF_KUNIT(vmem_qcache_cpu_dead);
EXPORT_SYMBOL_IF_KUNIT(vmem_qcache_stats);
EXPORT_SYMBOL_IF_KUNIT(vmem_shrink_count);
EXPORT_SYMBOL_IF_KUNIT(vmem_shrink_scan);
EXPORT_SYMBOL_IF_KUNIT(vmem_show_arenas);
EXPORT_SYMBOL_IF_KUNIT(vmem_show_stats);
EXPORT_SYMBOL_IF_KUNIT(vmem_show_segments);
EXPORT_SYMBOL_IF_KUNIT(vmem_show_freelists);
EXPORT_SYMBOL_IF_KUNIT(vmem_show_owners);
EXPORT_SYMBOL_IF_KUNIT(vmem_owners_walk);
EXPORT_SYMBOL_IF_KUNIT(vmem_owner_stack);
EXPORT_SYMBOL_IF_KUNIT(vmem_leak_report);
EXPORT_SYMBOL_IF_KUNIT(vmem_debug_all);
#endif

/* === Memory pressure: reap the depots of every quantum cache === */

static void vmem_count_arena(struct vmem *vm, void *arg)
{
	unsigned long *count = arg;
	unsigned int i;

	for (i = 0; i < vm->nqcache; i++) {
		struct vmem_qcache_stats st;

		vmem_qcache_stats(vm->qcache[i], &st);
		*count += st.full * st.magsize + st.empty;
	}
}

/* Objects back in their slabs may serve a sleeper of a cached size. */
static void vmem_reap_arena(struct vmem *vm, void *arg)
{
	unsigned long *freed = arg, n;

	n = vmem_qcache_reap(vm);
	if (n)
		vmem_cached_free_wake(vm);
	*freed += n;
}

/**
 * vmem_shrink_count() - What the depots of every quantum cache hold.
 * @shrinker: The shrinker.
 * @sc: Its control (unused: the caches are not per node or cgroup).
 *
 * Context: Memory reclaim.
 * Return: Resources in full magazines plus empty magazines, roughly.
 */
unsigned long vmem_shrink_count(struct shrinker *shrinker,
				struct shrink_control *sc)
{
	unsigned long count = 0;

	if (!vmem_arenas_apply(vmem_count_arena, &count, true))
		return 0;
	return count;
}

/**
 * vmem_shrink_scan() - Reap the depots of every quantum cache.
 * @shrinker: The shrinker.
 * @sc: Its control.
 *
 * Context: Memory reclaim.  Gives up if the arena list is busy.
 * Return: Resources given back, or %SHRINK_STOP.
 */
unsigned long vmem_shrink_scan(struct shrinker *shrinker,
			       struct shrink_control *sc)
{
	unsigned long freed = 0;

	if (!vmem_arenas_apply(vmem_reap_arena, &freed, true))
		return SHRINK_STOP;
	return freed;
}

static struct shrinker *vmem_shrinker;

static int vmem_shrinker_init(void)
{
	vmem_shrinker = vmem_shrinker_create("vmem-qcache", vmem_shrink_count,
					     vmem_shrink_scan);
	return vmem_shrinker ? 0 : -ENOMEM;
}

static void vmem_shrinker_exit(void)
{
	vmem_shrinker_destroy(vmem_shrinker);
}

/* === CPU hotplug: a dead CPU's magazines go back to the depots === */

static enum cpuhp_state vmem_cpuhp_state;

static void vmem_cpu_dead_arena(struct vmem *vm, void *arg)
{
	vmem_qcache_cpu_dead(vm, *(unsigned int *)arg);
}

static int vmem_cpu_dead(unsigned int cpu)
{
	vmem_arenas_apply(vmem_cpu_dead_arena, &cpu, false);
	return 0;
}

/* === Unloading with arenas a client never destroyed === */

static void vmem_abandon_arena(struct vmem *vm, void *arg)
{
	(*(unsigned int *)arg)++;
	vmem_arena_abandon(vm);
}

static int __init vmem_init(void)
{
	int ret;

	ret = vmem_core_init();
	if (ret)
		return ret;
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "vmem:dead",
					NULL, vmem_cpu_dead);
	if (ret < 0)
		goto fail_core;
	vmem_cpuhp_state = ret;
	ret = vmem_shrinker_init();
	if (ret)
		goto fail_cpuhp;
	vmem_debugfs_init();
	return 0;

fail_cpuhp:
	cpuhp_remove_state_nocalls(vmem_cpuhp_state);
fail_core:
	vmem_core_exit(0);
	return ret;
}

/*
 * Arenas left behind by a client that was unloaded without destroying them
 * cannot be torn down (their import and release functions may be gone with
 * it): their deferred work is cancelled, so that nothing runs in this
 * module's text once it is gone, and their memory, boundary-tag cache
 * included, is left.
 */
static void __exit vmem_exit(void)
{
	unsigned int abandoned = 0;

	vmem_shrinker_exit();
	cpuhp_remove_state_nocalls(vmem_cpuhp_state);
	vmem_arenas_apply(vmem_abandon_arena, &abandoned, false);
	vmem_debugfs_exit();
	vmem_core_exit(abandoned);
}

module_init(vmem_init);
module_exit(vmem_exit);

MODULE_DESCRIPTION("vmem: general-purpose resource allocator (Bonwick & Adams)");
MODULE_LICENSE("GPL");
