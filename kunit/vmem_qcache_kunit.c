// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the quantum caches: which calls go through them and which
 * must not, resource 0, bad frees of cached sizes, sizes as vmem_size()
 * reports them, giving resources back (on exhaustion, reap, purge, a dead
 * CPU, destroy with full magazines and with leaks), concurrent CPUs, and the
 * statistics in debugfs.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmem.h>

#include "vmem_internal.h"
#include "vmem_test.h"

#define Q	16UL

/* An arena with quantum caches, destroyed when the test ends. */
static struct vmem *qc_create(struct kunit *test, unsigned long base,
			      unsigned long size, unsigned long quantum,
			      unsigned long qcache_max, struct vmem *source)
{
	return vmem_test_adopt(test, vmem_create("kunit-qc", base, size,
						 quantum, NULL, NULL, source,
						 qcache_max, VMEM_SLEEP));
}

static struct vmem_qcache_stats qc_stats(struct vmem *vm, unsigned long size)
{
	struct vmem_qcache_stats st;

	vmem_qcache_stats(vm->qcache[size / vm->quantum - 1], &st);
	return st;
}

static void qcache_count_and_slab_size(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0x10000, 1024 * Q, Q, 5 * Q + 3, NULL);
	struct vmem *big = qc_create(test, 0x10000, 1024 * Q, Q, 100 * Q, NULL);
	struct vmem *none = qc_create(test, 0x10000, 1024 * Q, Q, Q - 1, NULL);

	KUNIT_EXPECT_EQ(test, vm->qcache_max, 5 * Q);
	KUNIT_EXPECT_EQ(test, vm->nqcache, 5U);
	/* The next power of two above three times qcache_max. */
	KUNIT_EXPECT_EQ(test, vm->slab_size, 16 * Q);
	KUNIT_EXPECT_EQ(test, vm->qcache[4]->size, 5 * Q);
	KUNIT_EXPECT_EQ(test, vm->qcache[4]->nobj, 3U);
	KUNIT_EXPECT_EQ(test, big->qcache_max, (unsigned long)VMEM_QCACHE_MAX * Q);
	KUNIT_EXPECT_EQ(test, big->nqcache, (unsigned int)VMEM_QCACHE_MAX);
	KUNIT_EXPECT_EQ(test, big->slab_size, 64 * Q);
	KUNIT_EXPECT_EQ(test, none->nqcache, 0U);
}

/* Cached sizes cost the arena one slab, not one segment each. */
static void qcache_alloc_takes_slabs(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0x10000, 1024 * Q, Q, 4 * Q, NULL);
	unsigned long addr[32];
	u64 arena_allocs;
	int i;

	for (i = 0; i < 32; i++)
		addr[i] = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
	arena_allocs = vm->stats.alloc;
	/* 32 objects of one quantum in slabs of 16 quanta: two slabs. */
	KUNIT_EXPECT_EQ(test, arena_allocs, 2ULL);
	KUNIT_EXPECT_EQ(test, vm->nbusy, 2UL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 32 * Q, 992 * Q);
	for (i = 0; i < 32; i++)
		vmem_free(vm, addr[i], Q);
	/* The frees went to the magazines, not to the arena. */
	KUNIT_EXPECT_EQ(test, vm->stats.free, 0ULL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 1024 * Q);
	KUNIT_EXPECT_EQ(test, qc_stats(vm, Q).alloc, 32ULL);
	KUNIT_EXPECT_EQ(test, qc_stats(vm, Q).free, 32ULL);
	/* Again: every allocation is a hit now. */
	for (i = 0; i < 32; i++)
		addr[i] = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, vm->stats.alloc, arena_allocs);
	for (i = 0; i < 32; i++)
		vmem_free(vm, addr[i], Q);
	VMEM_TEST_CHECK(test, vm);
}

/* No two live objects are the same, and each is a multiple of its size. */
static void qcache_objects_distinct(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0, 4096 * Q, Q, 3 * Q, NULL);
	unsigned long *bits, addr[200];
	int i;

	bits = kunit_kzalloc(test, BITS_TO_LONGS(4096) * sizeof(long),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bits);
	for (i = 0; i < 200; i++) {
		unsigned long size = (1 + i % 3) * Q, q;

		addr[i] = vmem_test_alloc(test, vm, size, VMEM_NOSLEEP);
		KUNIT_ASSERT_LT(test, addr[i] + size - 1, 4096 * Q);
		for (q = addr[i] / Q; q < (addr[i] + size) / Q; q++)
			KUNIT_ASSERT_FALSE_MSG(test, __test_and_set_bit(q, bits),
					       "quantum %#lx handed out twice",
					       q * Q);
	}
	/* 67 of one quantum, 67 of two and 66 of three. */
	VMEM_TEST_EXPECT_SIZES(test, vm, 399 * Q, 4096 * Q - 399 * Q);
	for (i = 0; i < 200; i++)
		vmem_free(vm, addr[i], (1 + i % 3) * Q);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 4096 * Q);
	VMEM_TEST_CHECK(test, vm);
}

/* Resource 0 is an object like any other. */
static void qcache_resource_zero(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0, 16 * Q, Q, 2 * Q, NULL);
	unsigned long addr[16];
	bool zero = false;
	int i;

	/* Two slabs of 8 quanta fill the arena: 16 objects, 0 among them. */
	for (i = 0; i < 16; i++) {
		addr[i] = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
		zero |= addr[i] == 0;
	}
	KUNIT_EXPECT_TRUE(test, zero);
	vmem_free(vm, 0, Q);
	KUNIT_EXPECT_EQ(test, vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP), 0UL);
	for (i = 0; i < 16; i++)
		vmem_free(vm, addr[i], Q);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 16 * Q);
}

/* vmem_xalloc, vmem_xfree, next fit and large sizes bypass the caches. */
static void qcache_bypassed(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0x10000, 1024 * Q, Q, 4 * Q, NULL);
	unsigned long a, b, c;
	u64 allocs = vm->stats.alloc;

	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, Q, 0, 0, 0, VMEM_ADDR_MIN,
					  VMEM_ADDR_MAX, VMEM_NOSLEEP, &a), 0);
	KUNIT_EXPECT_EQ(test, vm->stats.alloc, allocs + 1);
	KUNIT_EXPECT_EQ(test, qc_stats(vm, Q).alloc, 0ULL);
	vmem_xfree(vm, a, Q);
	KUNIT_EXPECT_EQ(test, vm->stats.free, 1ULL);

	b = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP | VMEM_NEXTFIT);
	KUNIT_EXPECT_EQ(test, vm->stats.alloc, allocs + 2);
	KUNIT_EXPECT_EQ(test, qc_stats(vm, Q).alloc, 0ULL);
	/* Not an object of the cache: vmem_free hands it to the arena. */
	vmem_free(vm, b, Q);
	KUNIT_EXPECT_EQ(test, vm->stats.free, 2ULL);

	c = vmem_test_alloc(test, vm, 5 * Q, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, vm->stats.alloc, allocs + 3);
	vmem_free(vm, c, 5 * Q);
	KUNIT_EXPECT_EQ(test, vm->stats.free, 3ULL);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 1024 * Q);
}

/* Double frees, interior addresses and wrong sizes change nothing. */
static void qcache_bad_frees(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0x10000, 1024 * Q, Q, 4 * Q, NULL);
	unsigned long a, b, c, d;

	a = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
	b = vmem_test_alloc(test, vm, 2 * Q, VMEM_NOSLEEP);
	vmem_free(vm, a, Q);
	vmem_free(vm, a, Q);			/* double free */
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 1ULL);
	vmem_free(vm, b + Q, 2 * Q);		/* inside an object */
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 2ULL);
	vmem_free(vm, b, Q);			/* wrong size */
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 3ULL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 2 * Q, 1022 * Q);

	/* The double free did not put a twice into the magazines. */
	c = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
	d = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
	KUNIT_EXPECT_NE(test, c, d);
	vmem_free(vm, b, 2 * Q);
	vmem_free(vm, c, Q);
	vmem_free(vm, d, Q);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 3ULL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 1024 * Q);
	VMEM_TEST_CHECK(test, vm);
}

/* A slab is the caches' own: freeing it by hand is a bad free. */
static void qcache_slab_free_refused(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0x1000, 0x1000, 1, 4, NULL);
	unsigned long objs[16], base = ~0UL, a;
	int i;

	KUNIT_ASSERT_EQ(test, vm->slab_size, 16UL);
	for (i = 0; i < 16; i++) {
		objs[i] = vmem_test_alloc(test, vm, 1, VMEM_NOSLEEP);
		base = min(base, objs[i]);
	}
	KUNIT_EXPECT_EQ(test, base, 0x1000UL);
	vmem_free(vm, base, 16);
	vmem_xfree(vm, base, 16);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 2ULL);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 16, 16, 0, 0, VMEM_ADDR_MIN,
					  VMEM_ADDR_MAX, VMEM_NOSLEEP, &a), 0);
	KUNIT_EXPECT_GE(test, a, 0x1010UL);
	vmem_xfree(vm, a, 16);
	for (i = 0; i < 16; i++)
		vmem_free(vm, objs[i], 1);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 2ULL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x1000);
}

/*
 * An arena that is one slab: once the cache holds it, a request the arena
 * cannot meet makes it drain the caches and retry, with or without sleep.
 */
static void qcache_drain_on_exhaustion(struct kunit *test)
{
	static DEFINE_SPINLOCK(irq_lock);
	struct vmem *vm = qc_create(test, 0x10000, 16 * Q, Q, 4 * Q, NULL);
	unsigned long a, b, irqflags;
	unsigned int flags[] = { VMEM_NOSLEEP, VMEM_SLEEP };
	int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		a = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
		vmem_free(vm, a, Q);
		KUNIT_EXPECT_EQ(test, vm->nbusy, 1UL);	/* the slab */
		VMEM_TEST_EXPECT_SIZES(test, vm, 0, 16 * Q);
		KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 16 * Q, flags[i], &b), 0);
		KUNIT_EXPECT_EQ(test, b, 0x10000UL);
		KUNIT_EXPECT_EQ(test, vm->stats.wait, 0ULL);
		vmem_free(vm, b, 16 * Q);
	}
	/*
	 * The same with interrupts off (on PREEMPT_RT, a spinlock_t held):
	 * the purge takes each CPU's magazines under their lock, no IPI.
	 */
	a = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
	vmem_free(vm, a, Q);
	spin_lock_irqsave(&irq_lock, irqflags);
	i = vmem_xalloc(vm, 16 * Q, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
			VMEM_NOSLEEP, &b);
	spin_unlock_irqrestore(&irq_lock, irqflags);
	KUNIT_ASSERT_EQ(test, i, 0);
	vmem_xfree(vm, b, 16 * Q);
	KUNIT_EXPECT_EQ(test, vm->stats.fail, 0ULL);
	VMEM_TEST_CHECK(test, vm);
}

/* Reap gives the depot's magazines back; purge the CPUs' ones too. */
static void qcache_reap_and_purge(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0x10000, 4096 * Q, Q, 2 * Q, NULL);
	unsigned long *addr;
	int i, n = 200;

	addr = kunit_kcalloc(test, n, sizeof(*addr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	for (i = 0; i < n; i++)
		addr[i] = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
	for (i = 0; i < n; i++)
		vmem_free(vm, addr[i], Q);
	/* 200 frees into magazines of 8: the depot holds full ones. */
	KUNIT_EXPECT_GT(test, qc_stats(vm, Q).full, 0UL);
	KUNIT_EXPECT_GT(test, vmem_qcache_reap(vm), 0UL);
	KUNIT_EXPECT_EQ(test, qc_stats(vm, Q).full, 0UL);
	KUNIT_EXPECT_EQ(test, qc_stats(vm, Q).empty, 0UL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 4096 * Q);

	vmem_qcache_purge(vm);
	/* Every object is back in its slab, and every slab in the arena. */
	KUNIT_EXPECT_EQ(test, qc_stats(vm, Q).slabs, 0UL);
	KUNIT_EXPECT_EQ(test, vm->nbusy, 0UL);
	KUNIT_EXPECT_EQ(test, vm->mem_inuse, 0UL);
	VMEM_TEST_CHECK(test, vm);
}

/* Slots of the slab table of the cache of @size (0: none). */
static unsigned long qc_table_slots(struct vmem *vm, unsigned long size)
{
	struct vmem_qcache *qc = vm->qcache[size / vm->quantum - 1];
	struct vmem_slabtab *t;
	unsigned long flags, slots;

	spin_lock_irqsave(&qc->lock, flags);
	t = rcu_dereference_protected(qc->slabtab, lockdep_is_held(&qc->lock));
	slots = t ? t->nslots : 0;
	spin_unlock_irqrestore(&qc->lock, flags);
	return slots;
}

/*
 * Ten thousand slabs: the slab table grows to between a quarter and half
 * full, every free finds its slab (and a bad free is still refused), and
 * once the slabs are back in the arena the table shrinks to its smallest
 * size.
 */
static void qcache_slab_table(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0x100000, 0x100000, 1, 4, NULL);
	int i, n = 40000;
	unsigned long *addr;

	KUNIT_ASSERT_EQ(test, vm->slab_size, 16UL);
	addr = kunit_kcalloc(test, n, sizeof(*addr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	for (i = 0; i < n; i++)
		addr[i] = vmem_test_alloc(test, vm, 4, VMEM_SLEEP);
	KUNIT_EXPECT_EQ(test, qc_stats(vm, 4).slabs, 10000UL);
	/* Grown as slabs came: between two and eight slots a slab. */
	KUNIT_EXPECT_GE(test, qc_table_slots(vm, 4), 20000UL);
	KUNIT_EXPECT_LE(test, qc_table_slots(vm, 4), 80000UL);
	VMEM_TEST_CHECK(test, vm);
	VMEM_TEST_EXPECT_FOOTPRINT(test, vm);

	/* Inside an object: refused, and nothing changes. */
	vmem_free(vm, addr[7] + 1, 4);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 1ULL);
	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_ALLOC), (unsigned long)n * 4);

	/* Every other one: each slab keeps objects held, none goes back. */
	for (i = 0; i < n; i += 2)
		vmem_free(vm, addr[i], 4);
	vmem_qcache_purge(vm);
	KUNIT_EXPECT_EQ(test, qc_stats(vm, 4).slabs, 10000UL);
	for (i = 1; i < n; i += 2)
		vmem_free(vm, addr[i], 4);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 1ULL);
	vmem_qcache_purge(vm);
	KUNIT_EXPECT_EQ(test, qc_stats(vm, 4).slabs, 0UL);
	/* The smallest table. */
	KUNIT_EXPECT_EQ(test, qc_table_slots(vm, 4),
			(VMEM_SLABTAB_MIN_BYTES - vmem_slabtab_size(0)) /
			sizeof(struct vmem_slab *));
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x100000);
	VMEM_TEST_CHECK(test, vm);
	VMEM_TEST_EXPECT_FOOTPRINT(test, vm);
}

/* The shrinker sees what the depots hold and gives it back. */
static void qcache_shrinker(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0x10000, 4096 * Q, Q, 2 * Q, NULL);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nr_to_scan = 128 };
	unsigned long *addr, before;
	int i, n = 200;

	addr = kunit_kcalloc(test, n, sizeof(*addr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	before = vmem_shrink_count(NULL, &sc);
	for (i = 0; i < n; i++)
		addr[i] = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
	for (i = 0; i < n; i++)
		vmem_free(vm, addr[i], Q);
	KUNIT_ASSERT_GT(test, qc_stats(vm, Q).full, 0UL);
	KUNIT_EXPECT_GE(test, vmem_shrink_count(NULL, &sc),
			before + qc_stats(vm, Q).full * VMEM_MAG_MIN);
	KUNIT_EXPECT_GE(test, vmem_shrink_scan(NULL, &sc),
			qc_stats(vm, Q).full * VMEM_MAG_MIN);
	KUNIT_EXPECT_EQ(test, qc_stats(vm, Q).full, 0UL);
	KUNIT_EXPECT_EQ(test, qc_stats(vm, Q).empty, 0UL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 4096 * Q);
	VMEM_TEST_CHECK(test, vm);
}

/*
 * Contention on the depot lock doubles the magazine size every
 * VMEM_MAG_CONTENTION times, up to VMEM_MAG_MAX; new magazines get the size.
 */
static void qcache_magazine_growth(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0x10000, 4096 * Q, Q, Q, NULL);
	struct vmem_qcache *qc = vm->qcache[0];
	struct vmem_mag *loaded;
	unsigned long flags, a;
	unsigned int i, size = VMEM_MAG_MIN;
	bool size_ok;
	int ret;

	KUNIT_EXPECT_EQ(test, qc->magsize, (unsigned int)VMEM_MAG_MIN);
	while (size < VMEM_MAG_MAX) {
		spin_lock_irqsave(&qc->lock, flags);
		for (i = 0; i < VMEM_MAG_CONTENTION - 1; i++)
			vmem_depot_contended(qc);
		KUNIT_EXPECT_EQ(test, qc->magsize, size);
		vmem_depot_contended(qc);
		spin_unlock_irqrestore(&qc->lock, flags);
		size *= 2;
		KUNIT_EXPECT_EQ(test, qc->magsize, size);
	}
	spin_lock_irqsave(&qc->lock, flags);
	for (i = 0; i < 2 * VMEM_MAG_CONTENTION; i++)
		vmem_depot_contended(qc);
	spin_unlock_irqrestore(&qc->lock, flags);
	KUNIT_EXPECT_EQ(test, qc->magsize, (unsigned int)VMEM_MAG_MAX);

	/* A refill now fills a magazine of the new size. */
	migrate_disable();	/* this CPU's magazine, still there */
	ret = vmem_alloc(vm, Q, VMEM_NOSLEEP, &a);
	loaded = this_cpu_ptr(qc->cpu)->loaded;
	size_ok = loaded && loaded->size == VMEM_MAG_MAX;
	migrate_enable();
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, size_ok);
	vmem_free(vm, a, Q);
}

/* A dead CPU's magazines go back, and nothing a client holds does. */
static void qcache_cpu_dead(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0x10000, 1024 * Q, Q, Q, NULL);
	unsigned long held, a;
	unsigned int cpu;

	held = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
	a = vmem_test_alloc(test, vm, Q, VMEM_NOSLEEP);
	vmem_free(vm, a, Q);
	/* No other user of this arena: treat every CPU as just dead. */
	for_each_possible_cpu(cpu)
		vmem_qcache_cpu_dead(vm, cpu);
	KUNIT_EXPECT_EQ(test, qc_stats(vm, Q).full, 0UL);
	KUNIT_EXPECT_EQ(test, qc_stats(vm, Q).slabs, 1UL);
	VMEM_TEST_EXPECT_SIZES(test, vm, Q, 1023 * Q);
	vmem_free(vm, held, Q);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	vmem_qcache_purge(vm);
	KUNIT_EXPECT_EQ(test, vm->nbusy, 0UL);
}

/* Destroy with full magazines and with objects still held. */
static void qcache_destroy(struct kunit *test)
{
	struct vmem *root, *vm;
	unsigned long a;
	int i;

	root = vmem_test_create(test, 0x100000, 4096 * Q, Q);
	vm = vmem_create("kunit-qc-child", 0, 0, Q, NULL, NULL, root, 8 * Q,
			 VMEM_SLEEP);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vm);
	for (i = 0; i < 100; i++) {
		a = vmem_test_alloc(test, vm, (1 + i % 8) * Q, VMEM_NOSLEEP);
		if (i % 10)
			vmem_free(vm, a, (1 + i % 8) * Q);
	}
	KUNIT_EXPECT_GT(test, vmem_size(root, VMEM_ALLOC), 0UL);
	/* Ten objects leaked: reported, and everything goes back. */
	vmem_destroy(vm);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, 4096 * Q);
	VMEM_TEST_CHECK(test, root);
}

/* debugfs shows every cache's counters. */
static void qcache_debugfs_stats(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0x10000, 1024 * Q, Q, 2 * Q, NULL);
	struct seq_file m = { };
	unsigned long a;

	a = vmem_test_alloc(test, vm, 2 * Q, VMEM_NOSLEEP);
	vmem_free(vm, a, 2 * Q);
	a = vmem_test_alloc(test, vm, 2 * Q, VMEM_NOSLEEP);
	vmem_free(vm, a, 2 * Q);

	m.size = PAGE_SIZE;
	m.buf = kunit_kzalloc(test, m.size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.buf);
	vmem_show_stats(&m, vm);
	KUNIT_ASSERT_LT(test, m.count, m.size);
	m.buf[m.count] = 0;
	KUNIT_EXPECT_NOT_NULL(test, strstr(m.buf, "\nqcache_count 2\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(m.buf, "\nqcache_slab_size 128\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(m.buf, "\nqcache.32.hits 2\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(m.buf, "\nqcache.32.misses 1\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(m.buf, "\nqcache.32.allocs 2\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(m.buf, "\nqcache.32.frees 2\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(m.buf, "\nqcache.16.hits 0\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(m.buf, "\nqcache.32.magazine_size 8\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(m.buf, "\nqcache.32.slabs 1\n"));
}

struct qc_worker {
	struct vmem *vm;
	unsigned long *bits;
	spinlock_t *lock;		/* guards bits */
	int errors;
	struct completion done;
};

/* Mark a block live (counting quanta already live) or free. */
static void qc_mark(struct qc_worker *w, unsigned long addr,
		    unsigned long size, bool live)
{
	unsigned long q, flags;

	spin_lock_irqsave(w->lock, flags);
	for (q = addr / Q; q < (addr + size) / Q; q++) {
		if (!live)
			__clear_bit(q, w->bits);
		else if (__test_and_set_bit(q, w->bits))
			w->errors++;
	}
	spin_unlock_irqrestore(w->lock, flags);
}

/* Allocate and free at random, marking what is live in a shared bitmap. */
static int qc_worker_fn(void *data)
{
	struct qc_worker *w = data;
	unsigned long addr[16] = { }, sizes[16] = { };
	u32 state = (u32)(unsigned long)w;
	int i, k;

	for (i = 0; i < 4000; i++) {
		k = i % 16;
		if (sizes[k]) {
			qc_mark(w, addr[k], sizes[k], false);
			vmem_free(w->vm, addr[k], sizes[k]);
			sizes[k] = 0;
		}
		state = state * 1664525 + 1013904223;
		sizes[k] = (1 + (state >> 16) % 4) * Q;
		if (vmem_alloc(w->vm, sizes[k], VMEM_NOSLEEP, &addr[k])) {
			sizes[k] = 0;
			continue;
		}
		qc_mark(w, addr[k], sizes[k], true);
	}
	for (k = 0; k < 16; k++) {
		if (sizes[k]) {
			qc_mark(w, addr[k], sizes[k], false);
			vmem_free(w->vm, addr[k], sizes[k]);
		}
	}
	complete(&w->done);
	return 0;
}

/* One step of qcache_nosleep_purge_all_cpus(), on a CPU of its own. */
struct qc_on_cpu {
	struct vmem *vm;
	bool take_all;		/* else: allocate and free one object */
	unsigned long addr;
	int ret;
	struct completion done;
};

static int qc_on_cpu_fn(void *arg)
{
	static DEFINE_SPINLOCK(irq_lock);
	struct qc_on_cpu *c = arg;
	unsigned long flags;

	if (c->take_all) {
		/* Interrupts off; on PREEMPT_RT, a spinlock_t held. */
		spin_lock_irqsave(&irq_lock, flags);
		c->ret = vmem_xalloc(c->vm, 16 * Q, 0, 0, 0, VMEM_ADDR_MIN,
				     VMEM_ADDR_MAX, VMEM_NOSLEEP, &c->addr);
		spin_unlock_irqrestore(&irq_lock, flags);
	} else {
		c->ret = vmem_alloc(c->vm, Q, VMEM_SLEEP, &c->addr);
		if (!c->ret)
			vmem_free(c->vm, c->addr, Q);
	}
	complete(&c->done);
	return 0;
}

/* @c is the test's (kunit_kzalloc()): it outlives a thread that hangs. */
static void qc_run_on(struct kunit *test, struct qc_on_cpu *c,
		      unsigned int cpu)
{
	struct task_struct *t;

	init_completion(&c->done);
	t = kthread_create(qc_on_cpu_fn, c, "vmem_qc_cpu/%u", cpu);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, cpu);
	wake_up_process(t);
	KUNIT_ASSERT_NE(test, 0UL,
			wait_for_completion_timeout(&c->done,
						    VMEM_TEST_TIMEOUT));
}

/*
 * A caller that cannot sleep gets back at once what another CPU's
 * magazines hold: the purge takes each CPU's magazines under their lock,
 * with neither an interrupt to that CPU nor deferred work.
 */
static void qcache_nosleep_purge_all_cpus(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0x10000, 16 * Q, Q, 4 * Q, NULL);
	struct qc_on_cpu *fill = kunit_kzalloc(test, sizeof(*fill), GFP_KERNEL);
	struct qc_on_cpu *take = kunit_kzalloc(test, sizeof(*take), GFP_KERNEL);
	unsigned int first, second;

	KUNIT_ASSERT_NOT_NULL(test, fill);
	KUNIT_ASSERT_NOT_NULL(test, take);
	first = cpumask_first(cpu_online_mask);
	second = cpumask_next(first, cpu_online_mask);
	if (second >= nr_cpu_ids)
		kunit_skip(test, "needs two online CPUs");
	fill->vm = vm;
	take->vm = vm;
	take->take_all = true;

	/* The one slab in the cache, its object in @first's magazine. */
	qc_run_on(test, fill, first);
	KUNIT_ASSERT_EQ(test, fill->ret, 0);
	KUNIT_EXPECT_EQ(test, vm->nbusy, 1UL);
	KUNIT_EXPECT_EQ(test, vm->mem_inuse, 16 * Q);

	qc_run_on(test, take, second);
	KUNIT_ASSERT_EQ(test, take->ret, 0);
	KUNIT_EXPECT_EQ(test, take->addr, 0x10000UL);
	KUNIT_EXPECT_EQ(test, vm->stats.fail, 0ULL);
	vmem_xfree(vm, take->addr, 16 * Q);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 16 * Q);
	VMEM_TEST_CHECK(test, vm);
}

/* A thread per CPU: no resource is ever live twice. */
static void qcache_concurrent(struct kunit *test)
{
	struct vmem *vm = qc_create(test, 0, 8192 * Q, Q, 4 * Q, NULL);
	unsigned int n = num_online_cpus() + 1, i;
	struct qc_worker *w;
	unsigned long *bits;
	spinlock_t *lock;		/* guards bits */

	bits = kunit_kzalloc(test, BITS_TO_LONGS(8192) * sizeof(long),
			     GFP_KERNEL);
	w = kunit_kcalloc(test, n, sizeof(*w), GFP_KERNEL);
	lock = kunit_kzalloc(test, sizeof(*lock), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bits);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, lock);
	spin_lock_init(lock);
	for (i = 0; i < n; i++) {
		struct task_struct *t;

		w[i].vm = vm;
		w[i].bits = bits;
		w[i].lock = lock;
		init_completion(&w[i].done);
		t = kthread_run(qc_worker_fn, &w[i], "vmem_qc/%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NE(test, 0UL,
				wait_for_completion_timeout(&w[i].done,
							    10 * HZ));
		KUNIT_EXPECT_EQ(test, w[i].errors, 0);
	}
	KUNIT_EXPECT_TRUE(test, bitmap_empty(bits, 8192));
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 8192 * Q);
	vmem_qcache_purge(vm);
	KUNIT_EXPECT_EQ(test, vm->mem_inuse, 0UL);
	VMEM_TEST_CHECK(test, vm);
}

static struct kunit_case vmem_qcache_cases[] = {
	KUNIT_CASE(qcache_count_and_slab_size),
	KUNIT_CASE(qcache_alloc_takes_slabs),
	KUNIT_CASE(qcache_objects_distinct),
	KUNIT_CASE(qcache_resource_zero),
	KUNIT_CASE(qcache_bypassed),
	KUNIT_CASE(qcache_bad_frees),
	KUNIT_CASE(qcache_slab_free_refused),
	KUNIT_CASE(qcache_drain_on_exhaustion),
	KUNIT_CASE(qcache_nosleep_purge_all_cpus),
	KUNIT_CASE(qcache_reap_and_purge),
	KUNIT_CASE(qcache_slab_table),
	KUNIT_CASE(qcache_shrinker),
	KUNIT_CASE(qcache_magazine_growth),
	KUNIT_CASE(qcache_cpu_dead),
	KUNIT_CASE(qcache_destroy),
	KUNIT_CASE(qcache_debugfs_stats),
	KUNIT_CASE(qcache_concurrent),
	{}
};

static struct kunit_suite vmem_qcache_suite = {
	.name = "vmem_qcache",
	.init = vmem_test_init,
	.test_cases = vmem_qcache_cases,
};

kunit_test_suite(vmem_qcache_suite);
