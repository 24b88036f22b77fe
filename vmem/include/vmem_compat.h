/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmem_compat.h - Kernel interfaces that changed between the kernels vmem
 * builds against (6.1 to 7.x), each mapped once.
 *
 * For the module glue (vmem_main.c), the sample client, the test modules
 * and the benchmark, on every supported kernel, and for the KUnit suites
 * (which need 6.5 or newer: kunit_add_action_or_reset()).  The allocator
 * core uses none of these interfaces and includes no version check.
 * <linux/vmem.h> keeps the one difference its clients see, the form of the
 * symbol namespace (VMEM_NS).  Clients need not include this header.
 */
#ifndef _VMEM_COMPAT_H
#define _VMEM_COMPAT_H

#include <linux/hrtimer.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/version.h>

/*
 * hrtimer_setup() (6.13) sets the callback with the rest; hrtimer_init(),
 * which did not, is gone since 6.15.
 */
static inline void vmem_hrtimer_setup(struct hrtimer *timer,
				      enum hrtimer_restart (*fn)(struct hrtimer *),
				      clockid_t clock, enum hrtimer_mode mode)
{
#if KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE
	hrtimer_setup(timer, fn, clock, mode);
#else
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
#endif
}

/* from_timer() was renamed timer_container_of() in 6.16. */
#if KERNEL_VERSION(6, 16, 0) <= LINUX_VERSION_CODE
#define vmem_timer_container_of(var, t, field) timer_container_of(var, t, field)
#else
#define vmem_timer_container_of(var, t, field) from_timer(var, t, field)
#endif

/*
 * Since 6.7 the core allocates shrinkers (shrinker_alloc()); before, the
 * caller did and registered its own.  Either way: one allocated, registered
 * shrinker, or NULL.
 */
static inline struct shrinker *
vmem_shrinker_create(const char *name,
		     unsigned long (*count)(struct shrinker *,
					    struct shrink_control *),
		     unsigned long (*scan)(struct shrinker *,
					   struct shrink_control *))
{
	struct shrinker *s;

#if KERNEL_VERSION(6, 7, 0) <= LINUX_VERSION_CODE
	s = shrinker_alloc(0, "%s", name);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	shrinker_register(s);
#else
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	if (register_shrinker(s, "%s", name)) {
		kfree(s);
		return NULL;
	}
#endif
	return s;
}

static inline void vmem_shrinker_destroy(struct shrinker *s)
{
#if KERNEL_VERSION(6, 7, 0) <= LINUX_VERSION_CODE
	shrinker_free(s);
#else
	unregister_shrinker(s);
	kfree(s);
#endif
}

/*
 * The namespace of EXPORT_SYMBOL_IF_KUNIT(), for MODULE_IMPORT_NS(): a
 * string literal since 6.13, as VMEM_NS.
 */
#if KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE
#define VMEM_KUNIT_NS "EXPORTED_FOR_KUNIT_TESTING"
#else
#define VMEM_KUNIT_NS EXPORTED_FOR_KUNIT_TESTING
#endif

#endif /* _VMEM_COMPAT_H */
