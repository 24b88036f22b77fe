/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the vmem KUnit suites: arenas destroyed when the test
 * ends, the per-test leak and lockdep check, invariant checks, snapshots of
 * an arena's segment list, walk collectors, exact placement with
 * vmem_xalloc(), and a kthread that blocks in a VMEM_SLEEP allocation.
 */
#ifndef _VMEM_TEST_H
#define _VMEM_TEST_H

#include <kunit/test.h>
#include <kunit/resource.h>
#include <linux/completion.h>
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/lockdep.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/spinlock.h>
#include <linux/vmem.h>
#include <vmem_compat.h>
#include "vmem_internal.h"

/*
 * Atomic contexts as vmem's contract has them on this kernel: any context
 * that may take a spinlock_t.  Elsewhere that is any context, hard
 * interrupts and interrupts disabled included, but for handlers that
 * could not be threaded (HRTIMER_MODE_*_HARD, IRQF_NO_THREAD), which
 * lockdep's PROVE_RAW_LOCK_NESTING holds to the rules of PREEMPT_RT.  On
 * PREEMPT_RT a spinlock_t sleeps: threaded handlers, softirqs, under a
 * spinlock_t or local_lock, not hard interrupt context or interrupts
 * hard-disabled.  So the suites' "interrupt" is an ordinary hrtimer, which
 * expires in hard interrupt context, and in softirq context on RT; and a
 * section with "interrupts off" holds a spinlock_t with
 * spin_lock_irqsave(), which disables them except on RT, where it
 * disables migration.
 */
#define VMEM_TEST_IRQ_MODE	HRTIMER_MODE_REL
#ifdef CONFIG_PREEMPT_RT
#define VMEM_TEST_IRQ_NAME	"softirq"
#define vmem_test_in_irq()	in_serving_softirq()
#define vmem_test_atomic()	(current->migration_disabled != 0)
#else
#define VMEM_TEST_IRQ_NAME	"hard irq"
#define vmem_test_in_irq()	(in_hardirq() && irqs_disabled())
#define vmem_test_atomic()	irqs_disabled()
#endif

/* How long a test waits for something that should happen at once. */
#define VMEM_TEST_TIMEOUT	(5 * HZ)

/* Segments a snapshot can hold; tests that take snapshots stay below. */
#define VMEM_TEST_SNAP_MAX	512

/* Entries a walk collector can hold. */
#define VMEM_TEST_WALK_MAX	128

/* Flags every test allocation uses unless it tests something else. */
#define VMEM_TEST_NS		VMEM_NOSLEEP

struct vmem_test_ctx {
	struct kunit *test;
	long tags;
	int locks;
};

/*
 * Runs after every arena the test created is destroyed (it is the first
 * deferred action, so the last to run): no boundary tag may be left over,
 * and lockdep must not have found anything.
 */
static inline void vmem_test_final_check(void *data)
{
	struct vmem_test_ctx *ctx = data;
	struct kunit *test = ctx->test;

	KUNIT_EXPECT_EQ_MSG(test, vmem_tags_live(), ctx->tags,
			    "boundary tags live after destroying every arena of the test differ from before it");
	if (ctx->locks)
		KUNIT_EXPECT_TRUE_MSG(test, debug_locks,
				      "lockdep (or another lock debugging check) reported a problem during this test");
}

/* The init hook of every suite. */
static inline int vmem_test_init(struct kunit *test)
{
	struct vmem_test_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->test = test;
	ctx->tags = vmem_tags_live();
	ctx->locks = debug_locks;
	return kunit_add_action_or_reset(test, vmem_test_final_check, ctx);
}

static inline void vmem_test_destroy_action(void *vm)
{
	vmem_destroy(vm);
}

/* Assert that @vm was created, and destroy it when the test ends. */
static inline struct vmem *vmem_test_adopt(struct kunit *test,
					   struct vmem *vm)
{
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vm);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test,
						  vmem_test_destroy_action,
						  vm));
	return vm;
}

/*
 * vmem_create() with quantum caches up to @qcache_max, that asserts success
 * and destroys the arena at the end.
 */
static inline struct vmem *
vmem_test_create_qc(struct kunit *test, const char *name, unsigned long base,
		    unsigned long size, unsigned long quantum,
		    vmem_import_t *import, vmem_release_t *release,
		    struct vmem *source, unsigned long qcache_max,
		    unsigned int vmflag)
{
	struct vmem *vm;

	vm = vmem_create(name, base, size, quantum, import, release, source,
			 qcache_max, vmflag);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, vm,
					 "vmem_create(%s, %#lx, %#lx, %#lx) failed",
					 name, base, size, quantum);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test,
						  vmem_test_destroy_action,
						  vm));
	return vm;
}

/* vmem_test_create_qc() without quantum caches. */
static inline struct vmem *
vmem_test_create_full(struct kunit *test, const char *name,
		      unsigned long base, unsigned long size,
		      unsigned long quantum, vmem_import_t *import,
		      vmem_release_t *release, struct vmem *source,
		      unsigned int vmflag)
{
	return vmem_test_create_qc(test, name, base, size, quantum, import,
				   release, source, 0, vmflag);
}

/* A plain arena with one span (or none if size is 0). */
static inline struct vmem *vmem_test_create(struct kunit *test,
					    unsigned long base,
					    unsigned long size,
					    unsigned long quantum)
{
	return vmem_test_create_full(test, "kunit", base, size, quantum,
				     NULL, NULL, NULL, VMEM_SLEEP);
}

/* An arena importing from @source with vmem_xalloc() (import NULL). */
static inline struct vmem *vmem_test_create_child(struct kunit *test,
						  const char *name,
						  struct vmem *source,
						  unsigned long quantum)
{
	return vmem_test_create_full(test, name, 0, 0, quantum, NULL, NULL,
				     source, VMEM_SLEEP);
}

/* Destroy an arena made by vmem_test_create*() now rather than later. */
static inline void vmem_test_destroy(struct kunit *test, struct vmem *vm)
{
	kunit_release_action(test, vmem_test_destroy_action, vm);
}

#define VMEM_TEST_CHECK(test, vm) do {					\
	struct vmem *__vm = (vm);					\
	const char *__why = vmem_check(__vm);				\
									\
	KUNIT_EXPECT_NULL_MSG(test, __why, "vmem_check(%s): %s",	\
			      __vm->name, __why);			\
} while (0)

#define VMEM_TEST_ASSERT_CHECK(test, vm) do {				\
	struct vmem *__vm = (vm);					\
	const char *__why = vmem_check(__vm);				\
									\
	KUNIT_ASSERT_NULL_MSG(test, __why, "vmem_check(%s): %s",	\
			      __vm->name, __why);			\
} while (0)

/* Let the arena's deferred work (hash resizing) run now. */
static inline void vmem_test_flush_work(struct vmem *vm)
{
	flush_work(&vm->hash_work);
}

/*
 * Footprint: once deferred work has run, the allocation hash is within a
 * constant factor of the live segments, both ways, no slab of a quantum
 * cache is without an object held by a client or in a magazine, and each
 * cache's slab table is at most three quarters used (half, but for a
 * growth that failed) and, above its smallest size, at least a sixteenth.
 */
#define VMEM_TEST_EXPECT_FOOTPRINT(test, vm) do {			\
	struct vmem *__vm = (vm);					\
	const char *__why;						\
									\
	vmem_test_flush_work(__vm);					\
	__why = vmem_test_footprint(__vm);				\
	KUNIT_EXPECT_NULL_MSG(test, __why, "footprint of %s: %s",	\
			      __vm->name, __why);			\
} while (0)

static inline const char *vmem_test_footprint(struct vmem *vm)
{
	unsigned long flags, buckets, nbusy, index, nslabs;
	struct vmem_slabtab *t;
	struct vmem_slab *slab;
	const char *why = NULL;
	unsigned int i;

	spin_lock_irqsave(&vm->lock, flags);
	buckets = 1UL << vm->hash_bits;
	nbusy = vm->nbusy;
	if (buckets > max(VMEM_HASH_INITIAL, 8 * nbusy))
		why = "hash table too large for the live segments";
	else if (nbusy > 2 * buckets && vm->hash_bits < VMEM_HASH_MAX_BITS)
		why = "hash table too small for the live segments";
	else if ((vm->hash_table == vm->hash0) !=
		 (vm->hash_bits == VMEM_HASH_INITIAL_BITS))
		why = "embedded hash table not used at its size";
	spin_unlock_irqrestore(&vm->lock, flags);

	for (i = 0; i < vm->nqcache && !why; i++) {
		struct vmem_qcache *qc = vm->qcache[i];

		nslabs = 0;
		spin_lock_irqsave(&qc->lock, flags);
		t = rcu_dereference_protected(qc->slabtab,
					      lockdep_is_held(&qc->lock));
		index = 0;
		while ((slab = vmem_slabtab_next(t, &index))) {
			nslabs++;
			if (slab->navail >= qc->nobj)
				why = "a slab with every object available stays in its cache";
		}
		if (nslabs != qc->nslabs)
			why = "slab count differs from the slabs";
		else if (t && 4 * t->used > 3 * t->nslots)
			why = "slab table more than three quarters used";
		else if (t && nslabs < t->nslots / 16 &&
			 vmem_slabtab_size(t->nslots) > VMEM_SLABTAB_MIN_BYTES)
			why = "slab table too large for the slabs";
		spin_unlock_irqrestore(&qc->lock, flags);
	}
	return why;
}

static inline void vmem_test_span_cb(void *arg, unsigned long addr,
				     unsigned long size)
{
	unsigned long *spans = arg;
	unsigned long n = spans[0];

	if (n < 8) {
		spans[1 + 2 * n] = addr;
		spans[2 + 2 * n] = size;
	}
	spans[0] = n + 1;
}

/*
 * After every object was freed: purging the caches gives everything back
 * (no slab left, mem_inuse 0), and each span can then be allocated whole.
 */
static inline void vmem_test_expect_all_back(struct kunit *test,
					     struct vmem *vm)
{
	unsigned long spans[17] = { 0 }, addr, i;
	unsigned int c;

	vmem_qcache_purge(vm);
	VMEM_TEST_EXPECT_FOOTPRINT(test, vm);
	KUNIT_EXPECT_EQ_MSG(test, vm->mem_inuse, 0UL,
			    "%s: allocated after everything was freed and purged",
			    vm->name);
	for (c = 0; c < vm->nqcache; c++)
		KUNIT_EXPECT_EQ_MSG(test, vm->qcache[c]->nslabs, 0UL,
				    "%s: slabs of size %#lx left after a purge",
				    vm->name, vm->qcache[c]->size);
	vmem_walk(vm, VMEM_SPAN, vmem_test_span_cb, spans);
	for (i = 0; i < min(spans[0], 8UL); i++) {
		unsigned long base = spans[1 + 2 * i], size = spans[2 + 2 * i];

		if (vmem_xalloc(vm, size, 0, 0, 0, base, base + size - 1,
				VMEM_NOSLEEP, &addr)) {
			KUNIT_FAIL(test, "%s: span [%#lx, +%#lx) not free whole",
				   vm->name, base, size);
			continue;
		}
		vmem_xfree(vm, addr, size);
	}
}

/* vmem_size() of allocated and of free bytes in one go. */
#define VMEM_TEST_EXPECT_SIZES(test, vm, inuse, free) do {		\
	struct kunit *__t = (test);					\
	struct vmem *__vm = (vm);					\
	unsigned long __inuse = (inuse), __free = (free);		\
									\
	KUNIT_EXPECT_EQ(__t, vmem_size(__vm, VMEM_ALLOC), __inuse);	\
	KUNIT_EXPECT_EQ(__t, vmem_size(__vm, VMEM_FREE), __free);	\
	KUNIT_EXPECT_EQ(__t, vmem_size(__vm, VMEM_ALLOC | VMEM_FREE),	\
			__inuse + __free);				\
} while (0)

/* A copy of an arena's segment list and counters, taken under its lock. */
struct vmem_test_seg {
	unsigned long start;
	unsigned long size;
	u8 type;
	u8 imported;
};

struct vmem_test_snap {
	unsigned int n;
	bool overflow;
	unsigned long inuse;
	unsigned long total;
	unsigned long import;
	unsigned long nbusy;
	unsigned long nfree;
	struct vmem_stats stats;
	struct vmem_test_seg seg[VMEM_TEST_SNAP_MAX];
};

static inline void vmem_test_snapshot(struct vmem *vm,
				      struct vmem_test_snap *s)
{
	struct vmem_seg *seg;
	unsigned long flags;

	s->n = 0;
	s->overflow = false;
	spin_lock_irqsave(&vm->lock, flags);
	list_for_each_entry(seg, &vm->segs, seglist) {
		if (s->n == VMEM_TEST_SNAP_MAX) {
			s->overflow = true;
			break;
		}
		s->seg[s->n].start = seg->start;
		s->seg[s->n].size = seg->size;
		s->seg[s->n].type = seg->type;
		s->seg[s->n].imported = seg->imported;
		s->n++;
	}
	s->inuse = vm->mem_inuse;
	s->total = vm->mem_total;
	s->import = vm->mem_import;
	s->nbusy = vm->nbusy;
	s->nfree = vm->nfree;
	s->stats = vm->stats;
	spin_unlock_irqrestore(&vm->lock, flags);
}

static inline struct vmem_test_snap *vmem_test_snap(struct kunit *test,
						    struct vmem *vm)
{
	struct vmem_test_snap *s;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	vmem_test_snapshot(vm, s);
	KUNIT_ASSERT_FALSE(test, s->overflow);
	return s;
}

/* The segment list and byte counters are what they were in @before. */
static inline void vmem_test_expect_unchanged(struct kunit *test,
					      struct vmem *vm,
					      const struct vmem_test_snap *before)
{
	struct vmem_test_snap *now = vmem_test_snap(test, vm);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, now->inuse, before->inuse);
	KUNIT_EXPECT_EQ(test, now->total, before->total);
	KUNIT_EXPECT_EQ(test, now->import, before->import);
	KUNIT_EXPECT_EQ(test, now->nbusy, before->nbusy);
	KUNIT_ASSERT_EQ_MSG(test, now->n, before->n,
			    "number of segments changed");
	for (i = 0; i < now->n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, now->seg[i].start,
				    before->seg[i].start, "segment %u", i);
		KUNIT_EXPECT_EQ_MSG(test, now->seg[i].size,
				    before->seg[i].size, "segment %u", i);
		KUNIT_EXPECT_EQ_MSG(test, now->seg[i].type,
				    before->seg[i].type, "segment %u", i);
		KUNIT_EXPECT_EQ_MSG(test, now->seg[i].imported,
				    before->seg[i].imported, "segment %u", i);
	}
	VMEM_TEST_CHECK(test, vm);
}

/* Segment @i of a snapshot is exactly (@type, @start, @size). */
#define VMEM_TEST_EXPECT_SEG(test, snap, i, t, st, sz) do {		\
	struct kunit *__t = (test);					\
	const struct vmem_test_snap *__s = (snap);			\
	unsigned int __i = (i);						\
									\
	KUNIT_EXPECT_LT(__t, __i, __s->n);				\
	if (__i < __s->n) {						\
		KUNIT_EXPECT_EQ_MSG(__t, __s->seg[__i].type, (u8)(t),	\
				    "type of segment %u", __i);		\
		KUNIT_EXPECT_EQ_MSG(__t, __s->seg[__i].start,		\
				    (unsigned long)(st),		\
				    "start of segment %u", __i);	\
		KUNIT_EXPECT_EQ_MSG(__t, __s->seg[__i].size,		\
				    (unsigned long)(sz),		\
				    "size of segment %u", __i);		\
	}								\
} while (0)

/* Records what vmem_walk() reports. */
struct vmem_test_walk {
	unsigned int n;
	bool overflow;
	bool irqs_on;
	unsigned long start[VMEM_TEST_WALK_MAX];
	unsigned long size[VMEM_TEST_WALK_MAX];
};

static inline void vmem_test_walk_cb(void *arg, unsigned long addr,
				     unsigned long size)
{
	struct vmem_test_walk *w = arg;

	/* Interrupts off; migration disabled on RT (the arena lock). */
	if (!vmem_test_atomic())
		w->irqs_on = true;
	if (w->n == VMEM_TEST_WALK_MAX) {
		w->overflow = true;
		return;
	}
	w->start[w->n] = addr;
	w->size[w->n] = size;
	w->n++;
}

static inline struct vmem_test_walk *vmem_test_walk(struct kunit *test,
						    struct vmem *vm,
						    unsigned int mask)
{
	struct vmem_test_walk *w;

	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	vmem_walk(vm, mask, vmem_test_walk_cb, w);
	KUNIT_ASSERT_FALSE(test, w->overflow);
	return w;
}

static inline void vmem_test_count_cb(void *arg, unsigned long addr,
				      unsigned long size)
{
	(*(unsigned int *)arg)++;
}

/* Number of segments of the types in @mask, by vmem_walk(). */
static inline unsigned int vmem_test_count(struct vmem *vm, unsigned int mask)
{
	unsigned int n = 0;

	vmem_walk(vm, mask, vmem_test_count_cb, &n);
	return n;
}

/* Allocate exactly [@addr, @addr + @size) with a one-position window. */
static inline void vmem_test_take(struct kunit *test, struct vmem *vm,
				  unsigned long addr, unsigned long size)
{
	unsigned long got = ~addr;
	int ret;

	ret = vmem_xalloc(vm, size, 0, 0, 0, addr, addr + size - 1,
			  VMEM_TEST_NS, &got);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0,
			    "vmem_xalloc of exactly [%#lx, +%#lx) failed",
			    addr, size);
	KUNIT_ASSERT_EQ(test, got, addr);
}

/* vmem_alloc() that must succeed; returns the address. */
static inline unsigned long vmem_test_alloc(struct kunit *test,
					    struct vmem *vm,
					    unsigned long size,
					    unsigned int vmflag)
{
	unsigned long addr = 0;
	int ret;

	ret = vmem_alloc(vm, size, vmflag, &addr);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "vmem_alloc(%s, %#lx, %#x)",
			    vm->name, size, vmflag);
	return addr;
}

/* Is the arena's lock held (by anyone, the caller included)? */
static inline bool vmem_test_lock_held(struct vmem *vm)
{
	unsigned long flags;

#ifdef CONFIG_LOCKDEP
	if (debug_locks && lockdep_is_held(&vm->lock))
		return true;
#endif
	if (!spin_trylock_irqsave(&vm->lock, flags))
		return true;
	spin_unlock_irqrestore(&vm->lock, flags);
	return false;
}

/* Wait until the arena's stats.wait exceeds @wait (a sleeper slept). */
static inline bool vmem_test_wait_sleeping(struct vmem *vm, u64 wait)
{
	unsigned long end = jiffies + VMEM_TEST_TIMEOUT;

	while (READ_ONCE(vm->stats.wait) <= wait) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(1000, 2000);
	}
	/* Let it get all the way into schedule(). */
	msleep(20);
	return true;
}

/*
 * A kthread that makes one allocation (vmem_alloc(), or vmem_xalloc() with
 * a window) and reports through @done.  It may be killed with SIGKILL.
 */
struct vmem_test_sleeper {
	struct kunit *test;
	struct vmem *vm;
	bool xalloc;
	unsigned long size;
	unsigned long minaddr;
	unsigned long maxaddr;
	unsigned int vmflag;
	int ret;
	unsigned long addr;
	bool finished;
	/* A span that cleanup adds if the thread is still blocked. */
	unsigned long rescue_base;
	unsigned long rescue_size;
	struct completion started;
	struct completion done;
	struct task_struct *task;
};

static inline int vmem_test_sleeper_fn(void *data)
{
	struct vmem_test_sleeper *s = data;

	allow_signal(SIGKILL);
	complete(&s->started);
	if (s->xalloc)
		s->ret = vmem_xalloc(s->vm, s->size, 0, 0, 0, s->minaddr,
				     s->maxaddr, s->vmflag, &s->addr);
	else
		s->ret = vmem_alloc(s->vm, s->size, s->vmflag, &s->addr);
	/* Pairs with vmem_test_sleeper_finished(): publishes ret, addr. */
	smp_store_release(&s->finished, true);
	complete(&s->done);
	return 0;
}

/* Has the sleeper returned from its allocation? */
static inline bool vmem_test_sleeper_finished(struct vmem_test_sleeper *s)
{
	/* Pairs with the release in vmem_test_sleeper_fn(). */
	return smp_load_acquire(&s->finished);
}

/*
 * Make sure no thread stays blocked in the arena once the test is over:
 * kill it, then offer it space; only if both fail is it left alone (and
 * its arena with it, so that nothing frees memory under its feet).
 */
static inline void vmem_test_sleeper_cleanup(void *data)
{
	struct vmem_test_sleeper *s = data;

	if (!vmem_test_sleeper_finished(s)) {
		send_sig(SIGKILL, s->task, 1);
		if (!wait_for_completion_timeout(&s->done, VMEM_TEST_TIMEOUT) &&
		    s->rescue_size) {
			vmem_add(s->vm, s->rescue_base, s->rescue_size,
				 VMEM_SLEEP);
			wait_for_completion_timeout(&s->done,
						    VMEM_TEST_TIMEOUT);
		}
	}
	if (!vmem_test_sleeper_finished(s)) {
		KUNIT_FAIL(s->test,
			   "a thread is still blocked in %s after SIGKILL and vmem_add: leaking it and the arena",
			   s->vm->name);
		kunit_remove_action(s->test, vmem_test_destroy_action, s->vm);
		return;
	}
	kthread_stop_put(s->task);
}

/*
 * Start a sleeper for @size bytes and return once it is running (not
 * necessarily asleep yet: see vmem_test_wait_sleeping()).
 */
static inline struct vmem_test_sleeper *
vmem_test_sleeper_start(struct kunit *test, struct vmem *vm,
			unsigned long size, unsigned int vmflag,
			bool xalloc, unsigned long minaddr,
			unsigned long maxaddr)
{
	struct vmem_test_sleeper *s;
	struct task_struct *task;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->test = test;
	s->vm = vm;
	s->size = size;
	s->vmflag = vmflag;
	s->xalloc = xalloc;
	s->minaddr = minaddr;
	s->maxaddr = maxaddr;
	s->ret = 1;
	init_completion(&s->started);
	init_completion(&s->done);
	task = kthread_create(vmem_test_sleeper_fn, s, "vmem_kunit_sleep");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	get_task_struct(task);
	s->task = task;
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test,
						  vmem_test_sleeper_cleanup,
						  s));
	wake_up_process(task);
	KUNIT_ASSERT_NE(test, 0UL,
			wait_for_completion_timeout(&s->started,
						    VMEM_TEST_TIMEOUT));
	return s;
}

/* Wait for a sleeper to return from its allocation. */
static inline bool vmem_test_sleeper_wait(struct vmem_test_sleeper *s)
{
	if (vmem_test_sleeper_finished(s))
		return true;
	wait_for_completion_timeout(&s->done, VMEM_TEST_TIMEOUT);
	return vmem_test_sleeper_finished(s);
}

/* Are all of the constraints of a vmem_xalloc() met by [addr, +size)? */
static inline bool vmem_test_fits(unsigned long addr, unsigned long size,
				  unsigned long align, unsigned long phase,
				  unsigned long nocross, unsigned long minaddr,
				  unsigned long maxaddr)
{
	unsigned long last = addr + size - 1;

	if (last < addr)
		return false;
	if (align && ((addr - phase) & (align - 1)))
		return false;
	if (nocross && ((addr ^ last) & ~(nocross - 1)))
		return false;
	return addr >= minaddr && last <= maxaddr;
}

#endif /* _VMEM_TEST_H */
