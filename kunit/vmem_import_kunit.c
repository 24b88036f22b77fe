// SPDX-License-Identifier: GPL-2.0
/*
 * Imports: a stack of three arenas with different quanta where spans flow
 * down on allocation and back up on free; constraints passed down to the
 * source; custom import and release functions (counted, failing on purpose,
 * called without the importing arena's lock); imported spans marked as
 * such, and never left wholly free in the importing arena.
 */
#include <kunit/test.h>
#include <linux/irqflags.h>
#include <linux/prandom.h>
#include "vmem_test.h"

#define ROOT_BASE	0x100000UL
#define ROOT_SIZE	0x100000UL

/* What the custom import and release functions saw. */
static struct {
	struct vmem *importer;
	unsigned int imports;
	unsigned int releases;
	unsigned int fail;
	unsigned int vmflag;
	unsigned long size;
	bool lock_held;
	bool irqs_off;
} imp;

static int counting_import(struct vmem *source, unsigned long size,
			   unsigned int vmflag, unsigned long *addrp)
{
	imp.imports++;
	imp.size = size;
	imp.vmflag = vmflag;
	if (imp.importer && vmem_test_lock_held(imp.importer))
		imp.lock_held = true;
	if ((vmflag & VMEM_SLEEP) && irqs_disabled())
		imp.irqs_off = true;
	if (imp.fail) {
		imp.fail--;
		return -ENOMEM;
	}
	return vmem_alloc(source, size, vmflag, addrp);
}

static void counting_release(struct vmem *source, unsigned long addr,
			     unsigned long size)
{
	imp.releases++;
	if (imp.importer && vmem_test_lock_held(imp.importer))
		imp.lock_held = true;
	vmem_free(source, addr, size);
}

/* A block the next import frees in the importing arena, if vm is set. */
static struct {
	struct vmem *vm;
	unsigned long addr;
	unsigned long size;
} unneeded;

static int import_init(struct kunit *test)
{
	memset(&imp, 0, sizeof(imp));
	memset(&unneeded, 0, sizeof(unneeded));
	return vmem_test_init(test);
}

static struct vmem *make_root(struct kunit *test, unsigned long q)
{
	return vmem_test_create_full(test, "kunit-root", ROOT_BASE, ROOT_SIZE,
				     q, NULL, NULL, NULL, VMEM_SLEEP);
}

/*
 * Every imported span of @vm is quantum-aligned, lies in a span of its
 * source and holds at least one allocated segment.
 */
static void expect_imports_sound(struct kunit *test, struct vmem *vm)
{
	struct vmem_test_snap *s = vmem_test_snap(test, vm);
	unsigned long import = 0;
	unsigned int i, j;

	for (i = 0; i < s->n; i++) {
		bool busy = false;

		if (s->seg[i].type != VMEM_SEG_SPAN || !s->seg[i].imported)
			continue;
		import += s->seg[i].size;
		KUNIT_EXPECT_EQ(test, s->seg[i].start & (vm->quantum - 1),
				0UL);
		KUNIT_EXPECT_EQ(test, s->seg[i].size & (vm->quantum - 1),
				0UL);
		if (vm->source)
			KUNIT_EXPECT_TRUE(test,
					  vmem_contains(vm->source,
							s->seg[i].start,
							s->seg[i].size));
		for (j = i + 1; j < s->n && s->seg[j].type != VMEM_SEG_SPAN;
		     j++)
			if (s->seg[j].type == VMEM_SEG_ALLOC)
				busy = true;
		KUNIT_EXPECT_TRUE_MSG(test, busy,
				      "%s keeps the wholly free imported span [%#lx, +%#lx)",
				      vm->name, s->seg[i].start,
				      s->seg[i].size);
	}
	KUNIT_EXPECT_EQ(test, s->import, import);
	VMEM_TEST_CHECK(test, vm);
}

/* root (quantum 16) <- mid (64) <- leaf (256). */
static void import_three_levels(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct vmem *mid = vmem_test_create_child(test, "kunit-mid", root, 64);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", mid,
						   256);
	unsigned long addr[8];
	unsigned int i;

	KUNIT_EXPECT_EQ(test, vmem_size(mid, VMEM_ALLOC | VMEM_FREE), 0UL);
	KUNIT_EXPECT_EQ(test, vmem_size(leaf, VMEM_ALLOC | VMEM_FREE), 0UL);
	for (i = 0; i < 8; i++) {
		addr[i] = vmem_test_alloc(test, leaf, 1000 + 100 * i,
					  i & 1 ? VMEM_SLEEP : VMEM_NOSLEEP);
		KUNIT_EXPECT_EQ(test, addr[i] & 255, 0UL);
		KUNIT_EXPECT_TRUE(test, vmem_contains(leaf, addr[i], 1024));
		KUNIT_EXPECT_TRUE(test, vmem_contains(mid, addr[i], 1024));
		KUNIT_EXPECT_TRUE(test, vmem_contains(root, addr[i], 1024));
	}
	KUNIT_EXPECT_GT(test, leaf->mem_import, 0UL);
	KUNIT_EXPECT_EQ(test, leaf->mem_import, leaf->mem_total);
	KUNIT_EXPECT_EQ(test, mid->mem_import, mid->mem_total);
	KUNIT_EXPECT_GE(test, vmem_size(mid, VMEM_ALLOC), leaf->mem_total);
	KUNIT_EXPECT_GE(test, vmem_size(root, VMEM_ALLOC), mid->mem_total);
	KUNIT_EXPECT_EQ(test, vmem_size(root, VMEM_ALLOC | VMEM_FREE),
			ROOT_SIZE);
	KUNIT_EXPECT_GT(test, leaf->stats.import, 0ULL);
	KUNIT_EXPECT_GT(test, mid->stats.import, 0ULL);
	expect_imports_sound(test, leaf);
	expect_imports_sound(test, mid);
	VMEM_TEST_CHECK(test, root);

	for (i = 0; i < 8; i++) {
		vmem_free(leaf, addr[(i * 3) & 7], 1000 + 100 * ((i * 3) & 7));
		expect_imports_sound(test, leaf);
		expect_imports_sound(test, mid);
	}
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, mid, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
	KUNIT_EXPECT_EQ(test, leaf->stats.release, leaf->stats.import);
	KUNIT_EXPECT_EQ(test, mid->stats.release, mid->stats.import);
	KUNIT_EXPECT_EQ(test, vmem_test_count(leaf, VMEM_SPAN), 0U);
	KUNIT_EXPECT_EQ(test, vmem_test_count(mid, VMEM_SPAN), 0U);
	VMEM_TEST_CHECK(test, root);
}

/* root (quantum 256) <- leaf (16). */
static void import_smaller_quantum(struct kunit *test)
{
	struct vmem *root = make_root(test, 256);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", root,
						   16);
	unsigned long addr[20];
	unsigned int i;

	for (i = 0; i < 20; i++) {
		addr[i] = vmem_test_alloc(test, leaf, 16 * (i % 5 + 1),
					  VMEM_NOSLEEP);
		KUNIT_EXPECT_EQ(test, addr[i] & 15, 0UL);
	}
	KUNIT_EXPECT_EQ(test, vmem_size(leaf, VMEM_ALLOC), 16UL * 60);
	expect_imports_sound(test, leaf);
	KUNIT_EXPECT_EQ(test, vmem_size(root, VMEM_ALLOC), leaf->mem_total);
	for (i = 0; i < 20; i++)
		vmem_free(leaf, addr[i], 16 * (i % 5 + 1));
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
	VMEM_TEST_CHECK(test, root);
	VMEM_TEST_CHECK(test, leaf);
}

/* A leaf's constraints are met from the source. */
static void import_passes_constraints(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", root,
						   16);
	unsigned long a, b, c, d, e, f;

	/* Root's free space starts misaligned for everything below. */
	vmem_test_take(test, root, ROOT_BASE, 16);

	KUNIT_ASSERT_EQ(test, vmem_xalloc(leaf, 0x100, 0x1000, 0, 0, 0,
					  ULONG_MAX, VMEM_NOSLEEP, &a), 0);
	KUNIT_EXPECT_EQ(test, a & 0xfff, 0UL);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(leaf, 0x100, 0x1000, 0x100, 0, 0,
					  ULONG_MAX, VMEM_SLEEP, &b), 0);
	KUNIT_EXPECT_EQ(test, b & 0xfff, 0x100UL);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(leaf, 0x800, 0, 0, 0x1000, 0,
					  ULONG_MAX, VMEM_NOSLEEP, &c), 0);
	KUNIT_EXPECT_TRUE(test, vmem_test_fits(c, 0x800, 0, 0, 0x1000, 0,
					       ULONG_MAX));
	KUNIT_ASSERT_EQ(test, vmem_xalloc(leaf, 0x40, 0, 0, 0,
					  ROOT_BASE + ROOT_SIZE - 0x1000,
					  ULONG_MAX, VMEM_NOSLEEP, &d), 0);
	KUNIT_EXPECT_GE(test, d, ROOT_BASE + ROOT_SIZE - 0x1000);
	KUNIT_EXPECT_LE(test, d + 0x40, ROOT_BASE + ROOT_SIZE);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(leaf, 0x40, 0x80, 0x40, 0x100,
					  ROOT_BASE + 0x8000,
					  ROOT_BASE + 0x80ff, VMEM_NOSLEEP,
					  &e), 0);
	KUNIT_EXPECT_TRUE(test, vmem_test_fits(e, 0x40, 0x80, 0x40, 0x100,
					       ROOT_BASE + 0x8000,
					       ROOT_BASE + 0x80ff));
	/* Unsatisfiable in the source too. */
	KUNIT_EXPECT_EQ(test, vmem_xalloc(leaf, 0x40, 0, 0, 0, 0,
					  ROOT_BASE - 1, VMEM_NOSLEEP, &f),
			-ENOMEM);
	expect_imports_sound(test, leaf);
	VMEM_TEST_CHECK(test, root);
	vmem_xfree(leaf, a, 0x100);
	vmem_xfree(leaf, b, 0x100);
	vmem_xfree(leaf, c, 0x800);
	vmem_xfree(leaf, d, 0x40);
	vmem_xfree(leaf, e, 0x40);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 16, ROOT_SIZE - 16);
	vmem_free(root, ROOT_BASE, 16);
	VMEM_TEST_CHECK(test, root);
}

static struct vmem *make_counted_leaf(struct kunit *test, struct vmem *root,
				      unsigned long q)
{
	struct vmem *leaf;

	leaf = vmem_test_create_full(test, "kunit-counted", 0, 0, q,
				     counting_import, counting_release, root,
				     VMEM_SLEEP);
	imp.importer = leaf;
	return leaf;
}

/*
 * A smaller quantum than the source's: windows and boundaries that are not
 * aligned to the source's quantum are still met, from a source block that
 * starts below the window.
 */
static void import_window_finer_than_source(struct kunit *test)
{
	struct vmem *root = make_root(test, 64);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", root,
						   16);
	unsigned long a = 0, b = 0, c = 0;
	int ret;

	ret = vmem_xalloc(leaf, 16, 0, 0, 0, ROOT_BASE + 0x1010,
			  ROOT_BASE + 0x101f, VMEM_NOSLEEP, &a);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0,
			    "one quantum of the leaf at a window inside a source quantum");
	if (!ret)
		KUNIT_EXPECT_EQ(test, a, ROOT_BASE + 0x1010);
	ret = vmem_xalloc(leaf, 32, 0, 0, 32, ROOT_BASE + 0x2020,
			  ROOT_BASE + 0x203f, VMEM_NOSLEEP, &b);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0,
			    "32 bytes at [+0x2020, +0x203f], nocross 32");
	if (!ret)
		KUNIT_EXPECT_EQ(test, b, ROOT_BASE + 0x2020);
	ret = vmem_xalloc(leaf, 16, 32, 16, 0, ROOT_BASE + 0x3030,
			  ROOT_BASE + 0x30ff, VMEM_NOSLEEP, &c);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "align 32 phase 16 from +0x3030");
	if (!ret)
		KUNIT_EXPECT_TRUE(test, vmem_test_fits(c, 16, 32, 16, 0,
						       ROOT_BASE + 0x3030,
						       ROOT_BASE + 0x30ff));
	expect_imports_sound(test, leaf);
	if (a)
		vmem_xfree(leaf, a, 16);
	if (b)
		vmem_xfree(leaf, b, 32);
	if (c)
		vmem_xfree(leaf, c, 16);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
}

/* Custom functions are called once per span, without the arena lock. */
static void import_custom_functions(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct vmem *leaf = make_counted_leaf(test, root, 64);
	unsigned long a, b;

	a = vmem_test_alloc(test, leaf, 64, VMEM_SLEEP);
	KUNIT_EXPECT_EQ(test, imp.imports, 1U);
	KUNIT_EXPECT_TRUE(test, imp.vmflag & VMEM_SLEEP);
	KUNIT_EXPECT_FALSE(test, imp.vmflag & VMEM_NOSLEEP);
	KUNIT_EXPECT_GE(test, imp.size, 64UL);
	KUNIT_EXPECT_EQ(test, leaf->stats.import, 1ULL);
	b = vmem_test_alloc(test, leaf, 4096, VMEM_NOSLEEP);
	KUNIT_EXPECT_TRUE(test, imp.vmflag & VMEM_NOSLEEP);
	KUNIT_EXPECT_FALSE(test, imp.vmflag & VMEM_SLEEP);
	KUNIT_EXPECT_EQ(test, imp.releases, 0U);
	KUNIT_EXPECT_EQ(test, vmem_size(root, VMEM_ALLOC), leaf->mem_import);
	expect_imports_sound(test, leaf);
	vmem_free(leaf, a, 64);
	vmem_free(leaf, b, 4096);
	KUNIT_EXPECT_EQ(test, imp.releases, imp.imports);
	KUNIT_EXPECT_EQ(test, leaf->stats.release, (u64)imp.releases);
	KUNIT_EXPECT_FALSE_MSG(test, imp.lock_held,
			       "import or release called with the arena lock held");
	KUNIT_EXPECT_FALSE_MSG(test, imp.irqs_off,
			       "VMEM_SLEEP import called with interrupts off");
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
	VMEM_TEST_CHECK(test, leaf);
}

/* An import that space freed meanwhile made unnecessary goes back. */
static int freeing_import(struct vmem *source, unsigned long size,
			  unsigned int vmflag, unsigned long *addrp)
{
	int ret = counting_import(source, size, vmflag, addrp);

	if (unneeded.vm) {
		vmem_free(unneeded.vm, unneeded.addr, unneeded.size);
		unneeded.vm = NULL;
	}
	return ret;
}

static void import_unneeded_given_back(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct vmem *leaf;
	unsigned long a, b;

	leaf = vmem_test_create_full(test, "kunit-unneeded", 0, 0, 16,
				     freeing_import, counting_release, root,
				     VMEM_SLEEP);
	imp.importer = leaf;
	KUNIT_ASSERT_EQ(test, vmem_add(leaf, 0x1000, 0x100, VMEM_SLEEP), 0);
	a = vmem_test_alloc(test, leaf, 0x100, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, imp.imports, 0U);
	/* The import frees a: the own span can serve the request after all. */
	unneeded.vm = leaf;
	unneeded.addr = a;
	unneeded.size = 0x100;
	b = vmem_test_alloc(test, leaf, 0x100, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, imp.imports, 1U);
	KUNIT_EXPECT_EQ(test, vmem_size(leaf, VMEM_ALLOC), 0x100UL);
	/* Whichever block it used, no wholly free import is kept. */
	expect_imports_sound(test, leaf);
	KUNIT_EXPECT_EQ(test, vmem_size(root, VMEM_ALLOC), leaf->mem_import);
	KUNIT_EXPECT_EQ(test, imp.releases, leaf->mem_import ? 0U : 1U);
	vmem_free(leaf, b, 0x100);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0x100);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
	KUNIT_EXPECT_EQ(test, imp.releases, imp.imports);
	KUNIT_EXPECT_FALSE(test, imp.lock_held);
}

/* A failing import fails the allocation and leaves the arena as it was. */
static void import_failure_changes_nothing(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct vmem *leaf = make_counted_leaf(test, root, 16);
	struct vmem_test_snap *before, *rbefore;
	unsigned long addr, keep;

	keep = vmem_test_alloc(test, leaf, 32, VMEM_NOSLEEP);
	before = vmem_test_snap(test, leaf);
	rbefore = vmem_test_snap(test, root);
	imp.fail = 2;
	KUNIT_EXPECT_EQ(test, vmem_alloc(leaf, 0x10000, VMEM_NOSLEEP, &addr),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, vmem_xalloc(leaf, 0x20000, 0x1000, 0, 0, 0,
					  ULONG_MAX, VMEM_NOSLEEP, &addr),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, imp.imports, 3U);
	KUNIT_EXPECT_EQ(test, leaf->stats.fail, before->stats.fail + 2);
	KUNIT_EXPECT_EQ(test, leaf->stats.import, before->stats.import);
	vmem_test_expect_unchanged(test, leaf, before);
	vmem_test_expect_unchanged(test, root, rbefore);
	/* The next import works. */
	addr = vmem_test_alloc(test, leaf, 0x10000, VMEM_NOSLEEP);
	vmem_free(leaf, addr, 0x10000);
	vmem_free(leaf, keep, 32);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
	KUNIT_EXPECT_EQ(test, imp.releases, imp.imports - 2);
}

/* An import through plain vmem_alloc() still meets a large alignment. */
static void import_custom_meets_alignment(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct vmem *leaf = make_counted_leaf(test, root, 16);
	unsigned long a, b;

	vmem_test_take(test, root, ROOT_BASE, 16);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(leaf, 0x100, 0x1000, 0, 0, 0,
					  ULONG_MAX, VMEM_NOSLEEP, &a), 0);
	KUNIT_EXPECT_EQ(test, a & 0xfff, 0UL);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(leaf, 0x100, 0x4000, 0x2000, 0, 0,
					  ULONG_MAX, VMEM_NOSLEEP, &b), 0);
	KUNIT_EXPECT_EQ(test, b & 0x3fff, 0x2000UL);
	expect_imports_sound(test, leaf);
	vmem_xfree(leaf, a, 0x100);
	vmem_xfree(leaf, b, 0x100);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 16, ROOT_SIZE - 16);
	KUNIT_EXPECT_EQ(test, imp.releases, imp.imports);
	vmem_free(root, ROOT_BASE, 16);
}

/* Own spans are used first and stay; imported ones come and go. */
static void import_with_own_span(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", root,
						   16);
	struct vmem_test_snap *s;
	unsigned long a, b;

	KUNIT_ASSERT_EQ(test, vmem_add(leaf, 0x10000, 0x100, VMEM_SLEEP), 0);
	a = vmem_test_alloc(test, leaf, 0x100, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, a, 0x10000UL);
	KUNIT_EXPECT_EQ(test, leaf->stats.import, 0ULL);
	b = vmem_test_alloc(test, leaf, 0x100, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, leaf->stats.import, 1ULL);
	KUNIT_EXPECT_TRUE(test, vmem_contains(root, b, 0x100));
	s = vmem_test_snap(test, leaf);
	KUNIT_ASSERT_GE(test, s->n, 4U);
	VMEM_TEST_EXPECT_SEG(test, s, 0, VMEM_SEG_SPAN, 0x10000, 0x100);
	KUNIT_EXPECT_EQ(test, s->seg[0].imported, 0);
	KUNIT_EXPECT_EQ(test, s->seg[2].type, VMEM_SEG_SPAN);
	KUNIT_EXPECT_EQ(test, s->seg[2].imported, 1);
	expect_imports_sound(test, leaf);
	vmem_free(leaf, a, 0x100);
	vmem_free(leaf, b, 0x100);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0x100);
	KUNIT_EXPECT_EQ(test, leaf->mem_import, 0UL);
	KUNIT_EXPECT_EQ(test, vmem_test_count(leaf, VMEM_SPAN), 1U);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
}

/* The leaf runs its source dry, then everything comes back. */
static void import_exhausts_source(struct kunit *test)
{
	struct vmem *root = vmem_test_create_full(test, "kunit-small", 0x1000,
						  0x1000, 0x100, NULL, NULL,
						  NULL, VMEM_SLEEP);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", root,
						   0x100);
	unsigned long addr[17];
	unsigned int n;

	for (n = 0; n < 17; n++)
		if (vmem_alloc(leaf, 0x100, VMEM_NOSLEEP, &addr[n]))
			break;
	KUNIT_EXPECT_EQ(test, n, 16U);
	VMEM_TEST_EXPECT_SIZES(test, root, 0x1000, 0);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0x1000, 0);
	KUNIT_EXPECT_EQ(test, vmem_alloc(leaf, 0x100, VMEM_NOSLEEP,
					 &addr[16]), -ENOMEM);
	expect_imports_sound(test, leaf);
	while (n--)
		vmem_free(leaf, addr[n], 0x100);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, 0x1000);
	KUNIT_EXPECT_EQ(test, vmem_test_count(root, VMEM_FREE), 1U);
}

/* Imports with interrupts off (VMEM_NOSLEEP all the way down). */
static void import_irqs_off(struct kunit *test)
{
	static DEFINE_SPINLOCK(irq_lock);
	struct vmem *root = make_root(test, 16);
	struct vmem *mid = vmem_test_create_child(test, "kunit-mid", root, 64);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", mid,
						   64);
	unsigned long flags, addr[16];
	int ret[16];
	unsigned int i;

	/* Interrupts off; on PREEMPT_RT, a spinlock_t held (vmem_test.h). */
	spin_lock_irqsave(&irq_lock, flags);
	for (i = 0; i < 16; i++)
		ret[i] = vmem_alloc(leaf, 64 * (i + 1), VMEM_NOSLEEP,
				    &addr[i]);
	for (i = 0; i < 16; i++)
		if (!ret[i])
			vmem_free(leaf, addr[i], 64 * (i + 1));
	spin_unlock_irqrestore(&irq_lock, flags);
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_EQ_MSG(test, ret[i], 0, "allocation %u", i);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, mid, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
	VMEM_TEST_CHECK(test, leaf);
	VMEM_TEST_CHECK(test, mid);
	VMEM_TEST_CHECK(test, root);
}

/* Many allocations of mixed sizes through the stack, freed at random. */
static void import_many_random(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct vmem *mid = vmem_test_create_child(test, "kunit-mid", root, 32);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", mid,
						   16);
	const unsigned int n = 200;
	unsigned long *addr, *size, inuse = 0;
	struct rnd_state rnd;
	unsigned int i;

	addr = kunit_kcalloc(test, n, sizeof(*addr), GFP_KERNEL);
	size = kunit_kcalloc(test, n, sizeof(*size), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	KUNIT_ASSERT_NOT_NULL(test, size);
	prandom_seed_state(&rnd, 42);
	for (i = 0; i < n; i++) {
		size[i] = 1 + prandom_u32_state(&rnd) % 300;
		addr[i] = vmem_test_alloc(test, leaf, size[i], VMEM_NOSLEEP);
		inuse += round_up(size[i], 16);
	}
	KUNIT_EXPECT_EQ(test, vmem_size(leaf, VMEM_ALLOC), inuse);
	expect_imports_sound(test, leaf);
	expect_imports_sound(test, mid);
	for (i = 0; i < n; i++) {
		unsigned int j = i + prandom_u32_state(&rnd) % (n - i);

		swap(addr[i], addr[j]);
		swap(size[i], size[j]);
		vmem_free(leaf, addr[i], size[i]);
		if (i % 20 == 0) {
			expect_imports_sound(test, leaf);
			expect_imports_sound(test, mid);
			VMEM_TEST_CHECK(test, root);
		}
	}
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, mid, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
	KUNIT_EXPECT_EQ(test, leaf->stats.bad_free + mid->stats.bad_free +
			root->stats.bad_free, 0ULL);
}

static struct kunit_case vmem_import_cases[] = {
	KUNIT_CASE(import_three_levels),
	KUNIT_CASE(import_smaller_quantum),
	KUNIT_CASE(import_passes_constraints),
	KUNIT_CASE(import_window_finer_than_source),
	KUNIT_CASE(import_custom_functions),
	KUNIT_CASE(import_unneeded_given_back),
	KUNIT_CASE(import_failure_changes_nothing),
	KUNIT_CASE(import_custom_meets_alignment),
	KUNIT_CASE(import_with_own_span),
	KUNIT_CASE(import_exhausts_source),
	KUNIT_CASE(import_irqs_off),
	KUNIT_CASE(import_many_random),
	{}
};

static struct kunit_suite vmem_import_suite = {
	.name = "vmem_import",
	.init = import_init,
	.test_cases = vmem_import_cases,
};

kunit_test_suite(vmem_import_suite);
