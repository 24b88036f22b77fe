// SPDX-License-Identifier: GPL-2.0
/*
 * Observers: vmem_walk() (exact callback sequences for every type mask,
 * address order, imported spans, the context of the callback), vmem_size()
 * by type, and vmem_contains() at the edges of spans, across adjacent
 * spans, at the top of the address space and for sizes that overflow.
 */
#include <kunit/test.h>
#include "vmem_test.h"

#define Q	0x100UL

struct wseg {
	unsigned long start;
	unsigned long size;
};

static void expect_walk(struct kunit *test, struct vmem *vm,
			unsigned int mask, const struct wseg *want,
			unsigned int n)
{
	struct vmem_test_walk *w = vmem_test_walk(test, vm, mask);
	unsigned int i;

	KUNIT_EXPECT_EQ_MSG(test, w->n, n, "mask %#x", mask);
	for (i = 0; i < min(n, w->n); i++) {
		KUNIT_EXPECT_EQ_MSG(test, w->start[i], want[i].start,
				    "mask %#x, call %u", mask, i);
		KUNIT_EXPECT_EQ_MSG(test, w->size[i], want[i].size,
				    "mask %#x, call %u", mask, i);
	}
	KUNIT_EXPECT_FALSE(test, w->irqs_on);
}

/* [0x1000, 0x2000) and [0x4000, 0x4400) with three allocations. */
static struct vmem *walk_arena(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0x1000, 0x1000, Q);

	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x4000, 0x400, VMEM_SLEEP), 0);
	vmem_test_take(test, vm, 0x1000, 0x100);
	vmem_test_take(test, vm, 0x1300, 0x200);
	vmem_test_take(test, vm, 0x4100, 0x100);
	return vm;
}

static void walk_arena_free(struct vmem *vm)
{
	vmem_free(vm, 0x1000, 0x100);
	vmem_free(vm, 0x1300, 0x200);
	vmem_free(vm, 0x4100, 0x100);
}

static const struct wseg w_alloc[] = {
	{ 0x1000, 0x100 }, { 0x1300, 0x200 }, { 0x4100, 0x100 },
};

static const struct wseg w_free[] = {
	{ 0x1100, 0x200 }, { 0x1500, 0xb00 }, { 0x4000, 0x100 },
	{ 0x4200, 0x200 },
};

static const struct wseg w_span[] = {
	{ 0x1000, 0x1000 }, { 0x4000, 0x400 },
};

static const struct wseg w_segs[] = {
	{ 0x1000, 0x100 }, { 0x1100, 0x200 }, { 0x1300, 0x200 },
	{ 0x1500, 0xb00 }, { 0x4000, 0x100 }, { 0x4100, 0x100 },
	{ 0x4200, 0x200 },
};

static const struct wseg w_all[] = {
	{ 0x1000, 0x1000 }, { 0x1000, 0x100 }, { 0x1100, 0x200 },
	{ 0x1300, 0x200 }, { 0x1500, 0xb00 }, { 0x4000, 0x400 },
	{ 0x4000, 0x100 }, { 0x4100, 0x100 }, { 0x4200, 0x200 },
};

static const struct wseg w_alloc_span[] = {
	{ 0x1000, 0x1000 }, { 0x1000, 0x100 }, { 0x1300, 0x200 },
	{ 0x4000, 0x400 }, { 0x4100, 0x100 },
};

static void walk_allocated(struct kunit *test)
{
	struct vmem *vm = walk_arena(test);

	expect_walk(test, vm, VMEM_ALLOC, w_alloc, ARRAY_SIZE(w_alloc));
	walk_arena_free(vm);
}

static void walk_free(struct kunit *test)
{
	struct vmem *vm = walk_arena(test);

	expect_walk(test, vm, VMEM_FREE, w_free, ARRAY_SIZE(w_free));
	walk_arena_free(vm);
}

static void walk_spans(struct kunit *test)
{
	struct vmem *vm = walk_arena(test);

	expect_walk(test, vm, VMEM_SPAN, w_span, ARRAY_SIZE(w_span));
	walk_arena_free(vm);
}

static void walk_segments_in_order(struct kunit *test)
{
	struct vmem *vm = walk_arena(test);

	expect_walk(test, vm, VMEM_ALLOC | VMEM_FREE, w_segs,
		    ARRAY_SIZE(w_segs));
	walk_arena_free(vm);
}

static void walk_everything(struct kunit *test)
{
	struct vmem *vm = walk_arena(test);

	expect_walk(test, vm, VMEM_ALLOC | VMEM_FREE | VMEM_SPAN, w_all,
		    ARRAY_SIZE(w_all));
	expect_walk(test, vm, VMEM_ALLOC | VMEM_SPAN, w_alloc_span,
		    ARRAY_SIZE(w_alloc_span));
	walk_arena_free(vm);
}

static void walk_empty_mask(struct kunit *test)
{
	struct vmem *vm = walk_arena(test);

	expect_walk(test, vm, 0, NULL, 0);
	walk_arena_free(vm);
}

static void walk_empty_arena(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 0, Q);

	expect_walk(test, vm, VMEM_ALLOC | VMEM_FREE | VMEM_SPAN, NULL, 0);
}

/* The walk after the allocations are freed: one free segment per span. */
static void walk_after_frees(struct kunit *test)
{
	static const struct wseg want[] = {
		{ 0x1000, 0x1000 }, { 0x1000, 0x1000 },
		{ 0x4000, 0x400 }, { 0x4000, 0x400 },
	};
	struct vmem *vm = walk_arena(test);

	walk_arena_free(vm);
	expect_walk(test, vm, VMEM_ALLOC | VMEM_FREE | VMEM_SPAN, want,
		    ARRAY_SIZE(want));
	expect_walk(test, vm, VMEM_ALLOC, NULL, 0);
}

struct walk_ctx {
	struct vmem *vm;
	unsigned int calls;
	unsigned int unlocked;
	unsigned int irqs_on;
};

static void walk_ctx_cb(void *arg, unsigned long addr, unsigned long size)
{
	struct walk_ctx *c = arg;

	c->calls++;
	if (!vmem_test_lock_held(c->vm))
		c->unlocked++;
	if (!vmem_test_atomic())
		c->irqs_on++;
}

/*
 * The callback runs with the arena locked and interrupts off (on RT, with
 * migration disabled: the arena lock is a sleeping spinlock_t there).
 */
static void walk_callback_context(struct kunit *test)
{
	struct vmem *vm = walk_arena(test);
	struct walk_ctx c = { .vm = vm };

	vmem_walk(vm, VMEM_ALLOC | VMEM_FREE | VMEM_SPAN, walk_ctx_cb, &c);
	KUNIT_EXPECT_EQ(test, c.calls, (unsigned int)ARRAY_SIZE(w_all));
	KUNIT_EXPECT_EQ(test, c.unlocked, 0U);
	KUNIT_EXPECT_EQ(test, c.irqs_on, 0U);
	KUNIT_EXPECT_FALSE(test, vmem_test_lock_held(vm));
	walk_arena_free(vm);
}

/* Imported spans are walked like the others, in address order. */
static void walk_imported_spans(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, 0x100000, 0x100000, Q);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", root,
						   Q);
	struct vmem_test_walk *w;
	struct vmem_test_snap *s;
	unsigned long a, b;
	unsigned int i, k = 0;

	KUNIT_ASSERT_EQ(test, vmem_add(leaf, 0x1000, Q, VMEM_SLEEP), 0);
	a = vmem_test_alloc(test, leaf, 2 * Q, VMEM_NOSLEEP);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(leaf, Q, 0, 0, 0, 0x180000,
					  ULONG_MAX, VMEM_NOSLEEP, &b), 0);
	w = vmem_test_walk(test, leaf, VMEM_SPAN);
	s = vmem_test_snap(test, leaf);
	KUNIT_EXPECT_EQ(test, w->n, 3U);
	for (i = 0; i < s->n; i++) {
		if (s->seg[i].type != VMEM_SEG_SPAN)
			continue;
		KUNIT_ASSERT_LT(test, k, w->n);
		KUNIT_EXPECT_EQ(test, w->start[k], s->seg[i].start);
		KUNIT_EXPECT_EQ(test, w->size[k], s->seg[i].size);
		KUNIT_EXPECT_EQ(test, s->seg[i].imported, k ? 1 : 0);
		if (k)
			KUNIT_EXPECT_GT(test, w->start[k], w->start[k - 1]);
		k++;
	}
	KUNIT_EXPECT_EQ(test, w->start[0], 0x1000UL);
	KUNIT_EXPECT_EQ(test, vmem_test_count(leaf, VMEM_ALLOC), 2U);
	vmem_free(leaf, a, 2 * Q);
	vmem_free(leaf, b, Q);
	KUNIT_EXPECT_EQ(test, vmem_test_count(leaf, VMEM_SPAN), 1U);
}

/* Hundreds of segments come in strictly increasing order. */
static void walk_many_in_order(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 1024, 1);
	struct vmem_test_walk *w;
	unsigned int i;

	for (i = 0; i < 1024; i += 9)
		vmem_test_take(test, vm, i, 4);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_ALLOC), 114U);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 114U);
	w = vmem_test_walk(test, vm, VMEM_FREE);
	KUNIT_ASSERT_EQ(test, w->n, 114U);
	for (i = 0; i < w->n; i++) {
		KUNIT_EXPECT_EQ(test, w->start[i], 9UL * i + 4);
		KUNIT_EXPECT_EQ(test, w->size[i], i == 113 ? 3UL : 5UL);
	}
	for (i = 0; i < 1024; i += 9)
		vmem_free(vm, i, 4);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 1U);
}

static struct kunit_case vmem_walk_cases[] = {
	KUNIT_CASE(walk_allocated),
	KUNIT_CASE(walk_free),
	KUNIT_CASE(walk_spans),
	KUNIT_CASE(walk_segments_in_order),
	KUNIT_CASE(walk_everything),
	KUNIT_CASE(walk_empty_mask),
	KUNIT_CASE(walk_empty_arena),
	KUNIT_CASE(walk_after_frees),
	KUNIT_CASE(walk_callback_context),
	KUNIT_CASE(walk_imported_spans),
	KUNIT_CASE(walk_many_in_order),
	{}
};

static struct kunit_suite vmem_walk_suite = {
	.name = "vmem_walk",
	.init = vmem_test_init,
	.test_cases = vmem_walk_cases,
};

/* --- vmem_size --- */

static void size_of_empty_arena(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 0, Q);

	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0);
}

static void size_tracks_operations(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0x10000, 0x1000, Q);
	unsigned long a, b;

	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x1000);
	a = vmem_test_alloc(test, vm, 1, VMEM_NOSLEEP);
	VMEM_TEST_EXPECT_SIZES(test, vm, Q, 0x1000 - Q);
	b = vmem_test_alloc(test, vm, 0x301, VMEM_NOSLEEP);
	VMEM_TEST_EXPECT_SIZES(test, vm, 5 * Q, 0x1000 - 5 * Q);
	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x40000, 0x800, VMEM_SLEEP), 0);
	VMEM_TEST_EXPECT_SIZES(test, vm, 5 * Q, 0x1800 - 5 * Q);
	vmem_free(vm, a, 1);
	VMEM_TEST_EXPECT_SIZES(test, vm, 4 * Q, 0x1800 - 4 * Q);
	vmem_free(vm, b, 0x400);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x1800);
	KUNIT_EXPECT_EQ(test, vm->mem_inuse, 0UL);
	KUNIT_EXPECT_EQ(test, vm->mem_total, 0x1800UL);
}

/* A failed or rejected request changes no size. */
static void size_unchanged_by_failures(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0x10000, 0x1000, Q);
	unsigned long addr;

	vmem_test_take(test, vm, 0x10000, 0x800);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 0x900, VMEM_NOSLEEP, &addr),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 0, VMEM_NOSLEEP, &addr),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vmem_add(vm, 0x10800, 0x100, VMEM_SLEEP),
			-EEXIST);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0x800, 0x800);
	vmem_free(vm, 0x10000, 0x800);
}

/* An importing arena's size is that of the spans it imported. */
static void size_of_importer(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, 0x100000, 0x10000, Q);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", root,
						   Q);
	unsigned long a;

	a = vmem_test_alloc(test, leaf, 3 * Q, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, vmem_size(leaf, VMEM_ALLOC), 3 * Q);
	KUNIT_EXPECT_EQ(test, vmem_size(leaf, VMEM_ALLOC | VMEM_FREE),
			leaf->mem_import);
	KUNIT_EXPECT_EQ(test, vmem_size(root, VMEM_ALLOC), leaf->mem_import);
	KUNIT_EXPECT_EQ(test, vmem_size(root, VMEM_ALLOC | VMEM_FREE),
			0x10000UL);
	vmem_free(leaf, a, 3 * Q);
	VMEM_TEST_EXPECT_SIZES(test, leaf, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, 0x10000);
}

static struct kunit_case vmem_size_cases[] = {
	KUNIT_CASE(size_of_empty_arena),
	KUNIT_CASE(size_tracks_operations),
	KUNIT_CASE(size_unchanged_by_failures),
	KUNIT_CASE(size_of_importer),
	{}
};

static struct kunit_suite vmem_size_suite = {
	.name = "vmem_size",
	.init = vmem_test_init,
	.test_cases = vmem_size_cases,
};

/* --- vmem_contains --- */

struct cont {
	const char *desc;
	unsigned long addr;
	unsigned long size;
	bool want;
};

/*
 * Spans [0, 0x1000), [0x10000, 0x11000), [0x11000, 0x12000) (adjacent) and
 * [ULONG_MAX - 0xfff, ULONG_MAX].
 */
static const struct cont conts[] = {
	{ "first span whole", 0, 0x1000, true },
	{ "resource 0", 0, 1, true },
	{ "last of first span", 0xfff, 1, true },
	{ "one past first span", 0x1000, 1, false },
	{ "first span plus one", 0, 0x1001, false },
	{ "size 0 inside", 0x10, 0, false },
	{ "size 0 at 0", 0, 0, false },
	{ "below a span", 0xffff, 1, false },
	{ "overlaps the start", 0xff00, 0x200, false },
	{ "inside", 0x10800, 0x100, true },
	{ "span exactly", 0x10000, 0x1000, true },
	{ "other adjacent span", 0x11000, 0x1000, true },
	{ "straddles adjacent spans", 0x10f00, 0x200, false },
	{ "both adjacent spans", 0x10000, 0x2000, false },
	{ "last resource of adjacent pair", 0x11fff, 1, true },
	{ "past the adjacent pair", 0x11fff, 2, false },
	{ "between spans", 0x5000, 0x100, false },
	{ "top span whole", ULONG_MAX - 0xfff, 0x1000, true },
	{ "ULONG_MAX", ULONG_MAX, 1, true },
	{ "ULONG_MAX size 2 wraps to 0", ULONG_MAX, 2, false },
	{ "top span plus one wraps", ULONG_MAX - 0xfff, 0x1001, false },
	{ "below the top span", ULONG_MAX - 0x1000, 2, false },
	{ "huge size", 0x10, ULONG_MAX, false },
	{ "everything", 0, ULONG_MAX, false },
};

KUNIT_ARRAY_PARAM_DESC(conts, conts, desc);

static void contains_edges(struct kunit *test)
{
	const struct cont *c = test->param_value;
	struct vmem *vm = vmem_test_create(test, 0, 0x1000, 0x100);
	u64 calls;

	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x11000, 0x1000, VMEM_SLEEP), 0);
	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x10000, 0x1000, VMEM_SLEEP), 0);
	KUNIT_ASSERT_EQ(test, vmem_add(vm, ULONG_MAX - 0xfff, 0x1000,
				       VMEM_SLEEP), 0);
	vmem_test_take(test, vm, 0x10800, 0x100);
	calls = vm->stats.contains;
	KUNIT_EXPECT_EQ(test, vmem_contains(vm, c->addr, c->size), c->want);
	KUNIT_EXPECT_EQ(test, vm->stats.contains, calls + 1);
	vmem_free(vm, 0x10800, 0x100);
	/* Allocated or free makes no difference. */
	KUNIT_EXPECT_EQ(test, vmem_contains(vm, c->addr, c->size), c->want);
}

static void contains_in_empty_arena(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 0, 0x100);

	KUNIT_EXPECT_FALSE(test, vmem_contains(vm, 0, 1));
	KUNIT_EXPECT_FALSE(test, vmem_contains(vm, 0x1000, 0x100));
	KUNIT_EXPECT_FALSE(test, vmem_contains(vm, ULONG_MAX, 1));
}

/* The whole space but the last resource, quantum 1. */
static void contains_whole_space(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, ULONG_MAX, 1);

	KUNIT_EXPECT_TRUE(test, vmem_contains(vm, 0, ULONG_MAX));
	KUNIT_EXPECT_TRUE(test, vmem_contains(vm, ULONG_MAX - 1, 1));
	KUNIT_EXPECT_FALSE(test, vmem_contains(vm, ULONG_MAX - 1, 2));
	KUNIT_EXPECT_FALSE(test, vmem_contains(vm, ULONG_MAX, 1));
	KUNIT_EXPECT_FALSE(test, vmem_contains(vm, 1, ULONG_MAX));
}

static struct kunit_case vmem_contains_cases[] = {
	KUNIT_CASE_PARAM(contains_edges, conts_gen_params),
	KUNIT_CASE(contains_in_empty_arena),
	KUNIT_CASE(contains_whole_space),
	{}
};

static struct kunit_suite vmem_contains_suite = {
	.name = "vmem_contains",
	.init = vmem_test_init,
	.test_cases = vmem_contains_cases,
};

kunit_test_suites(&vmem_walk_suite, &vmem_size_suite, &vmem_contains_suite);
