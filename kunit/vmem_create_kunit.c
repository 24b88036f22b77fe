// SPDX-License-Identifier: GPL-2.0
/*
 * Arena set-up: vmem_create() and vmem_add(), their argument checks, name
 * copying, spans at both ends of the address space, overlapping spans, and
 * a vmem_add() waking a VMEM_SLEEP allocation.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/string.h>
#include "vmem_test.h"

#define Q	0x100UL

static void create_without_span(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 0, Q);
	unsigned long addr;

	VMEM_TEST_CHECK(test, vm);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_SPAN | VMEM_ALLOC |
					      VMEM_FREE), 0U);
	KUNIT_EXPECT_EQ(test, vm->quantum, Q);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, Q, VMEM_NOSLEEP, &addr), -ENOMEM);
	VMEM_TEST_CHECK(test, vm);
}

static void create_with_span(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0x10000, 0x8000, Q);
	struct vmem_test_snap *s;

	VMEM_TEST_CHECK(test, vm);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x8000);
	s = vmem_test_snap(test, vm);
	KUNIT_ASSERT_EQ(test, s->n, 2U);
	VMEM_TEST_EXPECT_SEG(test, s, 0, VMEM_SEG_SPAN, 0x10000, 0x8000);
	VMEM_TEST_EXPECT_SEG(test, s, 1, VMEM_SEG_FREE, 0x10000, 0x8000);
	KUNIT_EXPECT_EQ(test, s->seg[0].imported, 0);
	KUNIT_EXPECT_EQ(test, s->total, 0x8000UL);
	KUNIT_EXPECT_EQ(test, s->import, 0UL);
	KUNIT_EXPECT_EQ(test, s->stats.alloc, 0ULL);
	KUNIT_EXPECT_EQ(test, s->stats.free, 0ULL);
	KUNIT_EXPECT_EQ(test, s->stats.fail, 0ULL);
	KUNIT_EXPECT_EQ(test, s->stats.import, 0ULL);
	KUNIT_EXPECT_TRUE(test, vmem_contains(vm, 0x10000, 0x8000));
}

/* Every power-of-two quantum, up to the top bit, gives a working arena. */
static void create_every_quantum(struct kunit *test)
{
	unsigned int shift;

	for (shift = 0; shift < BITS_PER_LONG; shift++) {
		unsigned long q = 1UL << shift;
		unsigned long addr = 1;
		struct vmem *vm;

		vm = vmem_test_create(test, 0, q, q);
		KUNIT_EXPECT_EQ_MSG(test, vmem_size(vm, VMEM_FREE), q,
				    "quantum %#lx", q);
		KUNIT_EXPECT_EQ_MSG(test,
				    vmem_alloc(vm, 1, VMEM_NOSLEEP, &addr), 0,
				    "quantum %#lx", q);
		KUNIT_EXPECT_EQ_MSG(test, addr, 0UL, "quantum %#lx", q);
		KUNIT_EXPECT_EQ_MSG(test, vmem_size(vm, VMEM_ALLOC), q,
				    "quantum %#lx", q);
		VMEM_TEST_CHECK(test, vm);
		vmem_free(vm, addr, 1);
		KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_ALLOC), 0UL);
		vmem_test_destroy(test, vm);
	}
}

struct create_args {
	const char *desc;
	const char *name;
	unsigned long base;
	unsigned long size;
	unsigned long quantum;
	bool import;
	bool release;
	unsigned int vmflag;
};

static const struct create_args create_bad[] = {
	{ "NULL name", NULL, 0, 0x1000, 0x100, false, false, VMEM_SLEEP },
	{ "quantum 0", "x", 0, 0x1000, 0, false, false, VMEM_SLEEP },
	{ "quantum 3", "x", 0, 0x1000, 3, false, false, VMEM_SLEEP },
	{ "quantum 24", "x", 0, 0x1800, 24, false, false, VMEM_SLEEP },
	{ "quantum 0x1800", "x", 0, 0x1800, 0x1800, false, false,
	  VMEM_SLEEP },
	{ "quantum ULONG_MAX", "x", 0, 0, ULONG_MAX, false, false,
	  VMEM_SLEEP },
	{ "misaligned base", "x", 0x1080, 0x1000, 0x100, false, false,
	  VMEM_SLEEP },
	{ "misaligned size", "x", 0x1000, 0x1080, 0x100, false, false,
	  VMEM_SLEEP },
	{ "base 1 quantum 2", "x", 1, 2, 2, false, false, VMEM_SLEEP },
	{ "span past the top", "x", ULONG_MAX - 0xff, 0x200, 0x100, false,
	  false, VMEM_SLEEP },
	{ "span past the top q1", "x", ULONG_MAX, 2, 1, false, false,
	  VMEM_SLEEP },
	{ "span of ULONG_MAX at 2", "x", 2, ULONG_MAX, 1, false, false,
	  VMEM_SLEEP },
	{ "import without release", "x", 0, 0, 0x100, true, false,
	  VMEM_SLEEP },
	{ "release without import", "x", 0, 0, 0x100, false, true,
	  VMEM_SLEEP },
	{ "no vmflag", "x", 0, 0x1000, 0x100, false, false, 0 },
	{ "SLEEP and NOSLEEP", "x", 0, 0x1000, 0x100, false, false,
	  VMEM_SLEEP | VMEM_NOSLEEP },
	{ "VMEM_TOPDOWN as vmflag", "x", 0, 0x1000, 0x100, false, false,
	  VMEM_SLEEP | VMEM_TOPDOWN },
	{ "unknown flag 0x80000000", "x", 0, 0x1000, 0x100, false, false,
	  VMEM_SLEEP | 0x80000000U },
	{ "two fit policies", "x", 0, 0x1000, 0x100, false, false,
	  VMEM_SLEEP | VMEM_BESTFIT | VMEM_NEXTFIT },
};

KUNIT_ARRAY_PARAM_DESC(create_bad, create_bad, desc);

static void create_rejects_bad_arguments(struct kunit *test)
{
	const struct create_args *a = test->param_value;
	struct vmem *vm;

	vm = vmem_create(a->name, a->base, a->size, a->quantum,
			 a->import ? vmem_alloc : NULL,
			 a->release ? vmem_free : NULL, NULL, 0, a->vmflag);
	if (!IS_ERR_OR_NULL(vm)) {
		KUNIT_FAIL(test, "vmem_create accepted %s", a->desc);
		vmem_destroy(vm);
		return;
	}
	KUNIT_EXPECT_EQ(test, PTR_ERR(vm), -EINVAL);
}

static void create_copies_name(struct kunit *test)
{
	char name[] = "kunit-copied";
	struct vmem *vm;

	vm = vmem_test_create_full(test, name, 0, Q, Q, NULL, NULL, NULL,
				   VMEM_SLEEP);
	memset(name, 'z', sizeof(name) - 1);
	KUNIT_EXPECT_STREQ(test, vm->name, "kunit-copied");
	KUNIT_EXPECT_PTR_NE(test, (void *)vm->name, (void *)name);
}

static void create_truncates_long_name(struct kunit *test)
{
	static const char name[] =
		"kunit-0123456789abcdefghijklmnopqrstuvwxyz";
	struct vmem *vm;

	BUILD_BUG_ON(sizeof(name) <= VMEM_NAME_MAX);
	vm = vmem_test_create_full(test, name, 0, Q, Q, NULL, NULL, NULL,
				   VMEM_SLEEP);
	KUNIT_EXPECT_EQ(test, strnlen(vm->name, VMEM_NAME_MAX),
			(size_t)VMEM_NAME_MAX - 1);
	KUNIT_EXPECT_EQ(test, strncmp(vm->name, name, VMEM_NAME_MAX - 1), 0);
	KUNIT_EXPECT_EQ(test, vm->name[VMEM_NAME_MAX - 1], '\0');
}

static void create_keeps_name_of_max_length(struct kunit *test)
{
	char name[VMEM_NAME_MAX];
	struct vmem *vm;

	memset(name, 'n', sizeof(name) - 1);
	name[VMEM_NAME_MAX - 1] = '\0';
	vm = vmem_test_create_full(test, name, 0, Q, Q, NULL, NULL, NULL,
				   VMEM_SLEEP);
	KUNIT_EXPECT_STREQ(test, vm->name, name);
}

static void create_accepts_qcache_max(struct kunit *test)
{
	struct vmem *vm;
	unsigned long a, b;

	vm = vmem_create("kunit-qc", 0x1000, 64 * Q, Q, NULL, NULL, NULL,
			 4 * Q, VMEM_SLEEP);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vm);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test,
						  vmem_test_destroy_action,
						  vm));
	a = vmem_test_alloc(test, vm, 2 * Q, VMEM_NOSLEEP);
	b = vmem_test_alloc(test, vm, 8 * Q, VMEM_NOSLEEP);
	KUNIT_EXPECT_TRUE(test, a + 2 * Q <= b || b + 8 * Q <= a);
	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_ALLOC), 10 * Q);
	vmem_free(vm, a, 2 * Q);
	vmem_free(vm, b, 8 * Q);
	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_ALLOC), 0UL);
	VMEM_TEST_CHECK(test, vm);
}

/* A span may start at 0, and 0 is an ordinary resource. */
static void create_span_at_zero(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 16 * Q, Q);
	unsigned long addr = 1;

	KUNIT_EXPECT_TRUE(test, vmem_contains(vm, 0, Q));
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, Q, 0, 0, 0, 0, Q - 1,
					  VMEM_NOSLEEP, &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, 0UL);
	VMEM_TEST_CHECK(test, vm);
	vmem_free(vm, 0, Q);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 16 * Q);
	VMEM_TEST_CHECK(test, vm);
}

/* A span that ends exactly at the top; every quantum of it is usable. */
static void create_span_at_top(struct kunit *test)
{
	const unsigned long q = 0x1000, n = 16;
	const unsigned long base = ULONG_MAX - n * q + 1;
	struct vmem *vm = vmem_test_create(test, base, n * q, q);
	unsigned long seen = 0, addr, i;

	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_FREE), n * q);
	KUNIT_EXPECT_TRUE(test, vmem_contains(vm, ULONG_MAX, 1));
	KUNIT_EXPECT_TRUE(test, vmem_contains(vm, base, n * q));
	vmem_test_take(test, vm, ULONG_MAX - q + 1, q);
	seen |= 1UL << (n - 1);
	for (i = 1; i < n; i++) {
		KUNIT_ASSERT_EQ(test, vmem_alloc(vm, q, VMEM_NOSLEEP, &addr),
				0);
		KUNIT_ASSERT_GE(test, addr, base);
		KUNIT_ASSERT_EQ(test, addr & (q - 1), 0UL);
		KUNIT_EXPECT_FALSE(test, seen & (1UL << ((addr - base) / q)));
		seen |= 1UL << ((addr - base) / q);
	}
	KUNIT_EXPECT_EQ(test, seen, (1UL << n) - 1);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, q, VMEM_NOSLEEP, &addr), -ENOMEM);
	VMEM_TEST_EXPECT_SIZES(test, vm, n * q, 0);
	VMEM_TEST_CHECK(test, vm);
	for (i = 0; i < n; i++)
		vmem_free(vm, base + i * q, q);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, n * q);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 1U);
	VMEM_TEST_CHECK(test, vm);
}

/* Quantum 1: the very last resource, ULONG_MAX, can be allocated. */
static void create_last_resource(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, ULONG_MAX - 99, 100, 1);
	unsigned long addr = 0, i;
	bool got_top = false;

	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 1, 0, 0, 0, ULONG_MAX,
					  ULONG_MAX, VMEM_NOSLEEP, &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, ULONG_MAX);
	vmem_free(vm, addr, 1);
	VMEM_TEST_CHECK(test, vm);
	for (i = 0; i < 100; i++) {
		KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 1, VMEM_NOSLEEP, &addr),
				0);
		KUNIT_ASSERT_GE(test, addr, ULONG_MAX - 99);
		if (addr == ULONG_MAX)
			got_top = true;
	}
	KUNIT_EXPECT_TRUE(test, got_top);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 1, VMEM_NOSLEEP, &addr), -ENOMEM);
	VMEM_TEST_CHECK(test, vm);
	for (i = 0; i < 100; i++)
		vmem_free(vm, ULONG_MAX - i, 1);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 100);
	VMEM_TEST_CHECK(test, vm);
}

/* [0, ULONG_MAX - 1]: a span of ULONG_MAX resources, quantum 1. */
static void create_whole_address_space(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, ULONG_MAX, 1);
	unsigned long addr = 0;

	VMEM_TEST_EXPECT_SIZES(test, vm, 0, ULONG_MAX);
	KUNIT_EXPECT_TRUE(test, vmem_contains(vm, 0, ULONG_MAX));
	KUNIT_EXPECT_FALSE(test, vmem_contains(vm, ULONG_MAX, 1));
	vmem_test_take(test, vm, ULONG_MAX - 1, 1);
	vmem_test_take(test, vm, 0, 1);
	/* The rest is one segment in the highest freelist. */
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, ULONG_MAX - 2, VMEM_NOSLEEP,
					 &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, 1UL);
	VMEM_TEST_EXPECT_SIZES(test, vm, ULONG_MAX, 0);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 1, VMEM_NOSLEEP, &addr), -ENOMEM);
	VMEM_TEST_CHECK(test, vm);
	vmem_free(vm, 1, ULONG_MAX - 2);
	vmem_free(vm, 0, 1);
	vmem_free(vm, ULONG_MAX - 1, 1);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 1U);
	/* And in one piece. */
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, ULONG_MAX, VMEM_NOSLEEP, &addr),
			0);
	KUNIT_EXPECT_EQ(test, addr, 0UL);
	VMEM_TEST_CHECK(test, vm);
	vmem_free(vm, 0, ULONG_MAX);
	VMEM_TEST_CHECK(test, vm);
}

/* Spans added out of order are kept in address order. */
static void add_keeps_spans_in_order(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 0, Q);
	struct vmem_test_snap *s;

	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x9000, 0x1000, VMEM_SLEEP), 0);
	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x1000, 0x800, VMEM_SLEEP), 0);
	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x5000, 0x100, VMEM_NOSLEEP), 0);
	VMEM_TEST_CHECK(test, vm);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x1900);
	s = vmem_test_snap(test, vm);
	KUNIT_ASSERT_EQ(test, s->n, 6U);
	VMEM_TEST_EXPECT_SEG(test, s, 0, VMEM_SEG_SPAN, 0x1000, 0x800);
	VMEM_TEST_EXPECT_SEG(test, s, 1, VMEM_SEG_FREE, 0x1000, 0x800);
	VMEM_TEST_EXPECT_SEG(test, s, 2, VMEM_SEG_SPAN, 0x5000, 0x100);
	VMEM_TEST_EXPECT_SEG(test, s, 3, VMEM_SEG_FREE, 0x5000, 0x100);
	VMEM_TEST_EXPECT_SEG(test, s, 4, VMEM_SEG_SPAN, 0x9000, 0x1000);
	VMEM_TEST_EXPECT_SEG(test, s, 5, VMEM_SEG_FREE, 0x9000, 0x1000);
	KUNIT_EXPECT_EQ(test, s->total, 0x1900UL);
}

/* Adjacent spans stay apart: no segment or allocation straddles them. */
static void add_adjacent_spans_not_merged(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0x1000, 0x1000, Q);
	struct vmem_test_snap *s;
	unsigned long addr;

	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x2000, 0x1000, VMEM_SLEEP), 0);
	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x0, 0x1000, VMEM_SLEEP), 0);
	VMEM_TEST_CHECK(test, vm);
	s = vmem_test_snap(test, vm);
	KUNIT_ASSERT_EQ(test, s->n, 6U);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_SPAN), 3U);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 3U);
	KUNIT_EXPECT_FALSE(test, vmem_contains(vm, 0x1f00, 0x200));
	KUNIT_EXPECT_TRUE(test, vmem_contains(vm, 0x1000, 0x1000));
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 0x1100, VMEM_NOSLEEP, &addr),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, vmem_xalloc(vm, 0x200, 0, 0, 0, 0x1f00,
					  0x20ff, VMEM_NOSLEEP, &addr),
			-ENOMEM);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x3000);
	VMEM_TEST_CHECK(test, vm);
}

/* Spans at 0 and at the very top of the address space, side by side. */
static void add_spans_at_both_ends(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 0, Q);

	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0, Q, VMEM_SLEEP), 0);
	KUNIT_ASSERT_EQ(test, vmem_add(vm, ULONG_MAX - Q + 1, Q, VMEM_SLEEP),
			0);
	VMEM_TEST_CHECK(test, vm);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 2 * Q);
	vmem_test_take(test, vm, ULONG_MAX - Q + 1, Q);
	vmem_test_take(test, vm, 0, Q);
	VMEM_TEST_EXPECT_SIZES(test, vm, 2 * Q, 0);
	vmem_free(vm, 0, Q);
	vmem_free(vm, ULONG_MAX - Q + 1, Q);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 2 * Q);
	VMEM_TEST_CHECK(test, vm);
}

struct span {
	const char *desc;
	unsigned long base;
	unsigned long size;
};

/* The arena of add_overlap has [0x10000, 0x20000) and [0x30000, 0x31000). */
static const struct span add_overlapping[] = {
	{ "same span", 0x10000, 0x10000 },
	{ "overlaps the start", 0xf000, 0x2000 },
	{ "overlaps the end", 0x1ff00, 0x1000 },
	{ "contained", 0x14000, 0x100 },
	{ "contains it", 0x8000, 0x20000 },
	{ "first quantum", 0x10000, 0x100 },
	{ "last quantum", 0x1ff00, 0x100 },
	{ "ends one quantum in", 0xff00, 0x200 },
	{ "covers both spans", 0x0, 0x40000 },
	{ "bridges the two", 0x1ff00, 0x10200 },
	{ "second span", 0x30000, 0x1000 },
};

KUNIT_ARRAY_PARAM_DESC(add_overlapping, add_overlapping, desc);

static void add_rejects_overlap(struct kunit *test)
{
	const struct span *p = test->param_value;
	struct vmem *vm = vmem_test_create(test, 0x10000, 0x10000, Q);
	struct vmem_test_snap *before;
	unsigned long addr;

	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x30000, 0x1000, VMEM_SLEEP), 0);
	/* Make the arena a little less trivial. */
	vmem_test_take(test, vm, 0x10000, Q);
	vmem_test_take(test, vm, 0x18000, 0x800);
	before = vmem_test_snap(test, vm);
	KUNIT_EXPECT_EQ(test, vmem_add(vm, p->base, p->size, VMEM_SLEEP),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, vmem_add(vm, p->base, p->size, VMEM_NOSLEEP),
			-EEXIST);
	vmem_test_expect_unchanged(test, vm, before);
	/* The overlap was not added: this space is not allocatable. */
	if (p->base < 0x10000)
		KUNIT_EXPECT_EQ(test,
				vmem_xalloc(vm, Q, 0, 0, 0, p->base, 0xffff,
					    VMEM_NOSLEEP, &addr), -ENOMEM);
	vmem_free(vm, 0x10000, Q);
	vmem_free(vm, 0x18000, 0x800);
	VMEM_TEST_CHECK(test, vm);
}

struct add_args {
	const char *desc;
	unsigned long base;
	unsigned long size;
	unsigned int vmflag;
};

static const struct add_args add_bad[] = {
	{ "size 0", 0x1000, 0, VMEM_SLEEP },
	{ "misaligned base", 0x1010, 0x100, VMEM_SLEEP },
	{ "misaligned size", 0x1000, 0x110, VMEM_SLEEP },
	{ "size below the quantum", 0x1000, 0x80, VMEM_SLEEP },
	{ "past the top", ULONG_MAX - 0xff, 0x200, VMEM_SLEEP },
	{ "far past the top", ULONG_MAX - 0xff, ULONG_MAX - 0xff, VMEM_SLEEP },
	{ "no vmflag", 0x1000, 0x100, 0 },
	{ "SLEEP and NOSLEEP", 0x1000, 0x100, VMEM_SLEEP | VMEM_NOSLEEP },
	{ "unknown flag", 0x1000, 0x100, VMEM_SLEEP | 0x100 },
};

KUNIT_ARRAY_PARAM_DESC(add_bad, add_bad, desc);

static void add_rejects_bad_arguments(struct kunit *test)
{
	const struct add_args *a = test->param_value;
	struct vmem *vm = vmem_test_create(test, 0x10000, 0x1000, Q);
	struct vmem_test_snap *before = vmem_test_snap(test, vm);

	KUNIT_EXPECT_EQ(test, vmem_add(vm, a->base, a->size, a->vmflag),
			-EINVAL);
	vmem_test_expect_unchanged(test, vm, before);
}

static void add_rejects_null_arena(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vmem_add(NULL, 0x1000, 0x1000, VMEM_SLEEP),
			-EINVAL);
}

/* vmem_add(VMEM_NOSLEEP) works with interrupts disabled. */
static void add_nosleep_irqs_off(struct kunit *test)
{
	static DEFINE_SPINLOCK(irq_lock);
	struct vmem *vm = vmem_test_create(test, 0, 0, Q);
	unsigned long flags, addr = 0;
	int ret1, ret2;

	/* Interrupts off; on PREEMPT_RT, a spinlock_t held (vmem_test.h). */
	spin_lock_irqsave(&irq_lock, flags);
	ret1 = vmem_add(vm, 0x4000, 4 * Q, VMEM_NOSLEEP);
	ret2 = vmem_alloc(vm, 4 * Q, VMEM_NOSLEEP, &addr);
	spin_unlock_irqrestore(&irq_lock, flags);
	KUNIT_EXPECT_EQ(test, ret1, 0);
	KUNIT_EXPECT_EQ(test, ret2, 0);
	KUNIT_EXPECT_EQ(test, addr, 0x4000UL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 4 * Q, 0);
	VMEM_TEST_CHECK(test, vm);
	if (!ret2)
		vmem_free(vm, addr, 4 * Q);
}

/* A VMEM_SLEEP allocation blocked on a full arena gets the added span. */
static void add_wakes_sleeper(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0x1000, 4 * Q, Q);
	struct vmem_test_sleeper *s;
	u64 wait;

	vmem_test_take(test, vm, 0x1000, 4 * Q);
	wait = vm->stats.wait;
	s = vmem_test_sleeper_start(test, vm, 2 * Q, VMEM_SLEEP, false, 0, 0);
	s->rescue_base = 0x100000;
	s->rescue_size = 0x1000;
	KUNIT_ASSERT_TRUE_MSG(test, vmem_test_wait_sleeping(vm, wait),
			      "the VMEM_SLEEP allocation did not sleep");
	KUNIT_EXPECT_FALSE(test, vmem_test_sleeper_finished(s));
	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x8000, 2 * Q, VMEM_SLEEP), 0);
	KUNIT_ASSERT_TRUE_MSG(test, vmem_test_sleeper_wait(s),
			      "vmem_add did not wake the sleeper");
	KUNIT_EXPECT_EQ(test, s->ret, 0);
	KUNIT_EXPECT_EQ(test, s->addr, 0x8000UL);
	KUNIT_EXPECT_GE(test, vm->stats.wait, wait + 1);
	VMEM_TEST_EXPECT_SIZES(test, vm, 6 * Q, 0);
	VMEM_TEST_CHECK(test, vm);
	if (!s->ret)
		vmem_free(vm, s->addr, 2 * Q);
	vmem_free(vm, 0x1000, 4 * Q);
	VMEM_TEST_CHECK(test, vm);
}

/* Boundary tags stay within a cache line. */
static void seg_fits_cache_line(struct kunit *test)
{
	KUNIT_EXPECT_LE(test, sizeof(struct vmem_seg),
			(size_t)(BITS_PER_LONG == 64 ? 64 : 32));
}

static void freelist_index_is_log2(struct kunit *test)
{
	unsigned int n;

	KUNIT_EXPECT_EQ(test, vmem_freelist_index(1), 0U);
	KUNIT_EXPECT_EQ(test, vmem_freelist_index(2), 1U);
	KUNIT_EXPECT_EQ(test, vmem_freelist_index(3), 1U);
	KUNIT_EXPECT_EQ(test, vmem_freelist_index(ULONG_MAX),
			BITS_PER_LONG - 1U);
	for (n = 1; n < BITS_PER_LONG; n++) {
		KUNIT_EXPECT_EQ(test, vmem_freelist_index(1UL << n), n);
		KUNIT_EXPECT_EQ(test, vmem_freelist_index((1UL << n) - 1),
				n - 1);
		KUNIT_EXPECT_EQ(test,
				vmem_freelist_index((1UL << n) | (1UL << (n - 1))),
				n);
	}
}

static struct kunit_case vmem_create_cases[] = {
	KUNIT_CASE(create_without_span),
	KUNIT_CASE(create_with_span),
	KUNIT_CASE(create_every_quantum),
	KUNIT_CASE_PARAM(create_rejects_bad_arguments, create_bad_gen_params),
	KUNIT_CASE(create_copies_name),
	KUNIT_CASE(create_truncates_long_name),
	KUNIT_CASE(create_keeps_name_of_max_length),
	KUNIT_CASE(create_accepts_qcache_max),
	KUNIT_CASE(create_span_at_zero),
	KUNIT_CASE(create_span_at_top),
	KUNIT_CASE(create_last_resource),
	KUNIT_CASE(create_whole_address_space),
	KUNIT_CASE(add_keeps_spans_in_order),
	KUNIT_CASE(add_adjacent_spans_not_merged),
	KUNIT_CASE(add_spans_at_both_ends),
	KUNIT_CASE_PARAM(add_rejects_overlap, add_overlapping_gen_params),
	KUNIT_CASE_PARAM(add_rejects_bad_arguments, add_bad_gen_params),
	KUNIT_CASE(add_rejects_null_arena),
	KUNIT_CASE(add_nosleep_irqs_off),
	KUNIT_CASE(add_wakes_sleeper),
	KUNIT_CASE(seg_fits_cache_line),
	KUNIT_CASE(freelist_index_is_log2),
	{}
};

static struct kunit_suite vmem_create_suite = {
	.name = "vmem_create",
	.init = vmem_test_init,
	.test_cases = vmem_create_cases,
};

kunit_test_suite(vmem_create_suite);

MODULE_DESCRIPTION("KUnit tests for the vmem resource allocator");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VMEM_NS);
/* vmem.ko's internals, exported to tests by EXPORT_SYMBOL_IF_KUNIT(). */
MODULE_IMPORT_NS(VMEM_KUNIT_NS);
