// SPDX-License-Identifier: GPL-2.0
/*
 * vmem_alloc() and vmem_free() under each fit policy: rounding to the
 * quantum, filling an arena exactly, -ENOMEM when full, coalescing in every
 * order, the best-fit choice, instant fit's "must fit" list and its
 * "might fit" fallback, quantum-1 identifier arenas, huge quanta, the
 * freelists and the allocation hash.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/slab.h>
#include "vmem_test.h"

struct policy {
	unsigned int flag;
	const char *desc;
};

static const struct policy policies[] = {
	{ 0, "default" },
	{ VMEM_INSTANTFIT, "instantfit" },
	{ VMEM_BESTFIT, "bestfit" },
	{ VMEM_NEXTFIT, "nextfit" },
};

KUNIT_ARRAY_PARAM_DESC(policies, policies, desc);

static unsigned int param_policy(struct kunit *test)
{
	return ((const struct policy *)test->param_value)->flag;
}

/*
 * An arena of quantum @q at @base with free holes of @holes[i] quanta,
 * each followed by one allocated quantum.  Hole i starts at @start[i].
 */
static struct vmem *make_holes(struct kunit *test, unsigned long base,
			       unsigned long q, const unsigned int *holes,
			       unsigned int n, unsigned long *start)
{
	unsigned long total = 0, addr = base;
	struct vmem *vm;
	unsigned int i;

	for (i = 0; i < n; i++)
		total += (holes[i] + 1) * q;
	vm = vmem_test_create(test, base, total, q);
	for (i = 0; i < n; i++) {
		start[i] = addr;
		addr += holes[i] * q;
		vmem_test_take(test, vm, addr, q);
		addr += q;
	}
	KUNIT_ASSERT_EQ(test, vmem_test_count(vm, VMEM_FREE), n);
	VMEM_TEST_ASSERT_CHECK(test, vm);
	return vm;
}

static void free_separators(struct vmem *vm, const unsigned int *holes,
			    unsigned int n, const unsigned long *start)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		vmem_free(vm, start[i] + holes[i] * vm->quantum, vm->quantum);
}

static void alloc_rounds_to_quantum(struct kunit *test)
{
	unsigned int pol = param_policy(test) | VMEM_NOSLEEP;
	struct vmem *vm = vmem_test_create(test, 0x1000, 64 * 16, 16);
	unsigned long a, b, c;

	a = vmem_test_alloc(test, vm, 1, pol);
	KUNIT_EXPECT_EQ(test, a & 15, 0UL);
	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_ALLOC), 16UL);
	b = vmem_test_alloc(test, vm, 17, pol);
	KUNIT_EXPECT_EQ(test, b & 15, 0UL);
	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_ALLOC), 48UL);
	c = vmem_test_alloc(test, vm, 16, pol);
	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_ALLOC), 64UL);
	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_FREE), 64 * 16 - 64UL);
	KUNIT_EXPECT_TRUE(test, a + 16 <= b || b + 32 <= a);
	KUNIT_EXPECT_TRUE(test, c + 16 <= b || b + 32 <= c);
	KUNIT_EXPECT_TRUE(test, a + 16 <= c || c + 16 <= a);
	KUNIT_EXPECT_EQ(test, vm->stats.alloc, 3ULL);
	VMEM_TEST_CHECK(test, vm);
	/* Sizes before and after rounding both free. */
	vmem_free(vm, a, 1);
	vmem_free(vm, b, 32);
	vmem_free(vm, c, 9);
	KUNIT_EXPECT_EQ(test, vm->stats.free, 3ULL);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 64 * 16);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 1U);
	VMEM_TEST_CHECK(test, vm);
}

/* Single quanta fill the arena exactly, then -ENOMEM. */
static void alloc_fills_arena_exactly(struct kunit *test)
{
	unsigned int pol = param_policy(test) | VMEM_NOSLEEP;
	const unsigned long q = 64, n = 64, base = 0x40000;
	struct vmem *vm = vmem_test_create(test, base, n * q, q);
	struct vmem_test_snap *full;
	unsigned long addr, i;
	u64 seen = 0;

	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, vmem_alloc(vm, q, pol, &addr), 0);
		KUNIT_ASSERT_GE(test, addr, base);
		KUNIT_ASSERT_LT(test, addr, base + n * q);
		KUNIT_ASSERT_EQ(test, addr & (q - 1), 0UL);
		KUNIT_ASSERT_FALSE(test, seen & BIT_ULL((addr - base) / q));
		seen |= BIT_ULL((addr - base) / q);
	}
	VMEM_TEST_EXPECT_SIZES(test, vm, n * q, 0);
	VMEM_TEST_CHECK(test, vm);
	full = vmem_test_snap(test, vm);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 1, pol, &addr), -ENOMEM);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, q, pol, &addr), -ENOMEM);
	KUNIT_EXPECT_EQ(test, vm->stats.fail, full->stats.fail + 2);
	KUNIT_EXPECT_EQ(test, vm->stats.alloc, full->stats.alloc);
	vmem_test_expect_unchanged(test, vm, full);
	for (i = 0; i < n; i++)
		vmem_free(vm, base + i * q, q);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, n * q);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 1U);
	VMEM_TEST_CHECK(test, vm);
}

/* Blocks of 10, 9, ..., 1 quanta fill 55 quanta exactly. */
static void alloc_fills_with_mixed_sizes(struct kunit *test)
{
	unsigned int pol = param_policy(test) | VMEM_NOSLEEP;
	const unsigned long q = 8, base = 0x800;
	struct vmem *vm = vmem_test_create(test, base, 55 * q, q);
	unsigned long addr[11], i, j;

	for (i = 10; i >= 1; i--) {
		KUNIT_ASSERT_EQ_MSG(test, vmem_alloc(vm, i * q - 3, pol,
						     &addr[i]), 0,
				    "%lu quanta", i);
		KUNIT_ASSERT_GE(test, addr[i], base);
		KUNIT_ASSERT_LE(test, addr[i] + i * q, base + 55 * q);
		for (j = 10; j > i; j--)
			KUNIT_ASSERT_TRUE(test, addr[i] + i * q <= addr[j] ||
					  addr[j] + j * q <= addr[i]);
	}
	VMEM_TEST_EXPECT_SIZES(test, vm, 55 * q, 0);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 0U);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_ALLOC), 10U);
	VMEM_TEST_CHECK(test, vm);
	for (i = 1; i <= 10; i++)
		vmem_free(vm, addr[i], i * q);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 55 * q);
	VMEM_TEST_CHECK(test, vm);
}

static void alloc_too_big_fails(struct kunit *test)
{
	unsigned int pol = param_policy(test) | VMEM_NOSLEEP;
	struct vmem *vm = vmem_test_create(test, 0x1000, 0x1000, 0x100);
	struct vmem_test_snap *before = vmem_test_snap(test, vm);
	unsigned long addr;

	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 0x1001, pol, &addr), -ENOMEM);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, ULONG_MAX - 0xff, pol, &addr),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, vm->stats.fail, before->stats.fail + 2);
	vmem_test_expect_unchanged(test, vm, before);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 0x1000, pol, &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, 0x1000UL);
	vmem_free(vm, addr, 0x1000);
	VMEM_TEST_CHECK(test, vm);
}

/* The free segments are exactly the maximal free runs of @nblk blocks. */
static void expect_free_runs(struct kunit *test, struct vmem *vm,
			     unsigned long base, unsigned long bsize,
			     const bool *isfree, unsigned int nblk)
{
	struct vmem_test_walk *w = vmem_test_walk(test, vm, VMEM_FREE);
	unsigned int i = 0, n = 0;

	while (i < nblk) {
		unsigned int j = i;

		if (!isfree[i]) {
			i++;
			continue;
		}
		while (j < nblk && isfree[j])
			j++;
		KUNIT_ASSERT_LT(test, n, w->n);
		KUNIT_EXPECT_EQ(test, w->start[n], base + i * bsize);
		KUNIT_EXPECT_EQ(test, w->size[n], (j - i) * bsize);
		n++;
		i = j;
	}
	KUNIT_EXPECT_EQ(test, w->n, n);
	VMEM_TEST_CHECK(test, vm);
}

/* Four blocks tiling a span, freed in each of the 24 orders. */
static void free_coalesces_in_every_order(struct kunit *test)
{
	const unsigned long q = 16, bsize = 3 * 16, base = 0x3000;
	struct vmem *vm = vmem_test_create(test, base, 4 * bsize, q);
	unsigned int perm, k;

	for (perm = 0; perm < 24; perm++) {
		unsigned int order[4], left[4] = { 0, 1, 2, 3 }, nleft = 4;
		unsigned int p = perm;
		bool isfree[4] = { };
		struct vmem_test_snap *s;

		for (k = 0; k < 4; k++) {
			unsigned int pick = p % nleft;

			p /= nleft;
			order[k] = left[pick];
			left[pick] = left[--nleft];
		}
		for (k = 0; k < 4; k++)
			vmem_test_take(test, vm, base + k * bsize, bsize);
		for (k = 0; k < 4; k++) {
			vmem_free(vm, base + order[k] * bsize, bsize);
			isfree[order[k]] = true;
			expect_free_runs(test, vm, base, bsize, isfree, 4);
			KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_ALLOC),
					3 - k);
		}
		s = vmem_test_snap(test, vm);
		KUNIT_ASSERT_EQ_MSG(test, s->n, 2U, "order %u%u%u%u",
				    order[0], order[1], order[2], order[3]);
		VMEM_TEST_EXPECT_SEG(test, s, 0, VMEM_SEG_SPAN, base,
				     4 * bsize);
		VMEM_TEST_EXPECT_SEG(test, s, 1, VMEM_SEG_FREE, base,
				     4 * bsize);
	}
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
}

struct free_order {
	const char *desc;
	unsigned int order[8];
};

static const struct free_order free_orders[] = {
	{ "ascending", { 0, 1, 2, 3, 4, 5, 6, 7 } },
	{ "descending", { 7, 6, 5, 4, 3, 2, 1, 0 } },
	{ "even then odd", { 0, 2, 4, 6, 1, 3, 5, 7 } },
	{ "odd then even", { 1, 3, 5, 7, 0, 2, 4, 6 } },
	{ "outside in", { 0, 7, 1, 6, 2, 5, 3, 4 } },
	{ "inside out", { 3, 4, 2, 5, 1, 6, 0, 7 } },
	{ "scattered", { 5, 1, 6, 3, 0, 7, 2, 4 } },
};

KUNIT_ARRAY_PARAM_DESC(free_orders, free_orders, desc);

/* Eight blocks of different sizes in two spans, freed in a given order. */
static void free_coalesces_within_spans(struct kunit *test)
{
	const struct free_order *fo = test->param_value;
	static const unsigned long len[8] = { 1, 4, 2, 7, 3, 1, 5, 2 };
	const unsigned long q = 32, base0 = 0x10000;
	unsigned long start[8], addr, base1;
	struct vmem *vm;
	unsigned int k;

	/* Span 0 holds blocks 0-3, span 1 (adjacent) blocks 4-7. */
	base1 = base0 + (len[0] + len[1] + len[2] + len[3]) * q;
	vm = vmem_test_create(test, base0, base1 - base0, q);
	KUNIT_ASSERT_EQ(test, vmem_add(vm, base1,
				       (len[4] + len[5] + len[6] + len[7]) * q,
				       VMEM_SLEEP), 0);
	addr = base0;
	for (k = 0; k < 8; k++) {
		start[k] = addr;
		vmem_test_take(test, vm, addr, len[k] * q);
		addr += len[k] * q;
	}
	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_FREE), 0UL);
	for (k = 0; k < 8; k++) {
		unsigned int b = fo->order[k];

		vmem_free(vm, start[b], len[b] * q);
		VMEM_TEST_CHECK(test, vm);
	}
	{
		struct vmem_test_snap *s = vmem_test_snap(test, vm);

		/* Two spans, each one free segment: no merge across. */
		KUNIT_ASSERT_EQ(test, s->n, 4U);
		VMEM_TEST_EXPECT_SEG(test, s, 0, VMEM_SEG_SPAN, base0,
				     base1 - base0);
		VMEM_TEST_EXPECT_SEG(test, s, 1, VMEM_SEG_FREE, base0,
				     base1 - base0);
		VMEM_TEST_EXPECT_SEG(test, s, 2, VMEM_SEG_SPAN, base1,
				     addr - base1);
		VMEM_TEST_EXPECT_SEG(test, s, 3, VMEM_SEG_FREE, base1,
				     addr - base1);
	}
}

/* Freeing a block between two free neighbours leaves one segment. */
static void free_merges_both_neighbours(struct kunit *test)
{
	const unsigned long q = 0x10, base = 0x100;
	struct vmem *vm = vmem_test_create(test, base, 30 * q, q);
	struct vmem_test_snap *s;

	vmem_test_take(test, vm, base + 10 * q, 10 * q);
	vmem_test_take(test, vm, base + 20 * q, q);
	s = vmem_test_snap(test, vm);
	KUNIT_ASSERT_EQ(test, s->n, 5U);
	VMEM_TEST_EXPECT_SEG(test, s, 1, VMEM_SEG_FREE, base, 10 * q);
	VMEM_TEST_EXPECT_SEG(test, s, 2, VMEM_SEG_ALLOC, base + 10 * q,
			     10 * q);
	VMEM_TEST_EXPECT_SEG(test, s, 3, VMEM_SEG_ALLOC, base + 20 * q, q);
	VMEM_TEST_EXPECT_SEG(test, s, 4, VMEM_SEG_FREE, base + 21 * q, 9 * q);
	vmem_free(vm, base + 20 * q, q);
	s = vmem_test_snap(test, vm);
	KUNIT_ASSERT_EQ(test, s->n, 4U);
	VMEM_TEST_EXPECT_SEG(test, s, 3, VMEM_SEG_FREE, base + 20 * q,
			     10 * q);
	vmem_free(vm, base + 10 * q, 10 * q);
	s = vmem_test_snap(test, vm);
	KUNIT_ASSERT_EQ(test, s->n, 2U);
	VMEM_TEST_EXPECT_SEG(test, s, 1, VMEM_SEG_FREE, base, 30 * q);
	KUNIT_EXPECT_EQ(test, s->nfree, 1UL);
	KUNIT_EXPECT_EQ(test, s->nbusy, 0UL);
	VMEM_TEST_CHECK(test, vm);
}

/* Best fit: holes of 8, 3 and 5 quanta. */
static void bestfit_picks_smallest_hole(struct kunit *test)
{
	static const unsigned int holes[] = { 8, 3, 5 };
	const unsigned long q = 0x40;
	unsigned long start[3], addr;
	struct vmem *vm;

	vm = make_holes(test, 0x100000, q, holes, 3, start);
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 3 * q, VMEM_BESTFIT |
					 VMEM_NOSLEEP, &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, start[1]);
	vmem_free(vm, addr, 3 * q);
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 4 * q, VMEM_BESTFIT |
					 VMEM_NOSLEEP, &addr), 0);
	KUNIT_EXPECT_TRUE_MSG(test, addr >= start[2] &&
			      addr + 4 * q <= start[2] + 5 * q,
			      "4 quanta at %#lx, not in the 5-quantum hole at %#lx",
			      addr, start[2]);
	vmem_free(vm, addr, 4 * q);
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 6 * q, VMEM_BESTFIT |
					 VMEM_NOSLEEP, &addr), 0);
	KUNIT_EXPECT_TRUE(test, addr >= start[0] &&
			  addr + 6 * q <= start[0] + 8 * q);
	vmem_free(vm, addr, 6 * q);
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 1, VMEM_BESTFIT | VMEM_NOSLEEP,
					 &addr), 0);
	KUNIT_EXPECT_TRUE(test, addr >= start[1] && addr < start[1] + 3 * q);
	vmem_free(vm, addr, 1);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 9 * q, VMEM_BESTFIT |
					 VMEM_NOSLEEP, &addr), -ENOMEM);
	VMEM_TEST_EXPECT_SIZES(test, vm, 3 * q, 16 * q);
	VMEM_TEST_CHECK(test, vm);
	free_separators(vm, holes, 3, start);
	VMEM_TEST_CHECK(test, vm);
}

/* Best fit takes an exact fit even when a bigger hole comes first. */
static void bestfit_prefers_exact_fit(struct kunit *test)
{
	static const unsigned int holes[] = { 6, 4, 5, 7, 5 };
	unsigned long start[5], addr;
	struct vmem *vm;

	vm = make_holes(test, 0, 1, holes, 5, start);
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 5, VMEM_BESTFIT | VMEM_NOSLEEP,
					 &addr), 0);
	KUNIT_EXPECT_TRUE(test, addr == start[2] || addr == start[4]);
	vmem_free(vm, addr, 5);
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 7, VMEM_BESTFIT | VMEM_NOSLEEP,
					 &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, start[3]);
	vmem_free(vm, addr, 7);
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 4, VMEM_BESTFIT | VMEM_NOSLEEP,
					 &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, start[1]);
	vmem_free(vm, addr, 4);
	free_separators(vm, holes, 5, start);
	VMEM_TEST_CHECK(test, vm);
}

/* Instant fit: holes of 5 and 7, request 6: only the might-fit list. */
static void instantfit_falls_back_to_might_fit(struct kunit *test)
{
	static const unsigned int holes[] = { 5, 7 };
	unsigned long start[2], addr;
	struct vmem *vm;

	vm = make_holes(test, 0x1000, 1, holes, 2, start);
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 6, VMEM_INSTANTFIT |
					 VMEM_NOSLEEP, &addr), 0);
	KUNIT_EXPECT_TRUE(test, addr >= start[1] && addr + 6 <= start[1] + 7);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 6, VMEM_INSTANTFIT |
					 VMEM_NOSLEEP, &addr), -ENOMEM);
	vmem_free(vm, addr, 6);
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 7, VMEM_NOSLEEP, &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, start[1]);
	vmem_free(vm, addr, 7);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 8, VMEM_INSTANTFIT |
					 VMEM_NOSLEEP, &addr), -ENOMEM);
	VMEM_TEST_EXPECT_SIZES(test, vm, 2, 12);
	free_separators(vm, holes, 2, start);
	VMEM_TEST_CHECK(test, vm);
}

/* Instant fit takes the first list whose every segment fits. */
static void instantfit_takes_must_fit_list(struct kunit *test)
{
	static const unsigned int holes[] = { 5, 9, 20 };
	unsigned long start[3], addr;
	struct vmem *vm;

	vm = make_holes(test, 0x2000, 1, holes, 3, start);
	/* 5 is not a power of two: list [8, 16) must fit, list [4, 8) might. */
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 5, VMEM_INSTANTFIT |
					 VMEM_NOSLEEP, &addr), 0);
	KUNIT_EXPECT_TRUE_MSG(test, addr >= start[1] && addr < start[1] + 9,
			      "5 at %#lx, not from the 9-hole at %#lx",
			      addr, start[1]);
	vmem_free(vm, addr, 5);
	/* 4 is: every segment of [4, 8) fits. */
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 4, VMEM_INSTANTFIT |
					 VMEM_NOSLEEP, &addr), 0);
	KUNIT_EXPECT_TRUE(test, addr >= start[0] && addr < start[0] + 5);
	vmem_free(vm, addr, 4);
	/* 9: the [16, 32) list, the 20-hole. */
	KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 9, VMEM_INSTANTFIT |
					 VMEM_NOSLEEP, &addr), 0);
	KUNIT_EXPECT_TRUE(test, addr >= start[2] && addr < start[2] + 20);
	vmem_free(vm, addr, 9);
	free_separators(vm, holes, 3, start);
	VMEM_TEST_CHECK(test, vm);
}

/* An unconstrained instant fit examines no segment: it takes a head. */
static void instantfit_takes_head_without_search(struct kunit *test)
{
	static const unsigned int holes[] = {
		1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 5, 6, 7,
		5, 6, 7, 40,
	};
	unsigned long start[ARRAY_SIZE(holes)], addr;
	struct vmem *vm;
	u64 search;

	vm = make_holes(test, 0x10000, 1, holes, ARRAY_SIZE(holes), start);
	search = vm->stats.search;
	/* 8: a power of two; its list [8, 16) is empty, [32, 64) is not. */
	addr = vmem_test_alloc(test, vm, 8, VMEM_INSTANTFIT | VMEM_NOSLEEP);
	KUNIT_EXPECT_TRUE(test, addr >= start[24] && addr < start[24] + 40);
	vmem_free(vm, addr, 8);
	addr = vmem_test_alloc(test, vm, 4, VMEM_INSTANTFIT | VMEM_NOSLEEP);
	vmem_free(vm, addr, 4);
	addr = vmem_test_alloc(test, vm, 2, VMEM_INSTANTFIT | VMEM_NOSLEEP);
	vmem_free(vm, addr, 2);
	KUNIT_EXPECT_EQ(test, vm->stats.search, search);
	free_separators(vm, holes, ARRAY_SIZE(holes), start);
	VMEM_TEST_CHECK(test, vm);
}

/* Every size up to the largest hole succeeds, under every policy. */
static void alloc_never_fails_while_a_hole_fits(struct kunit *test)
{
	static const unsigned int holes[] = { 3, 5, 6, 7, 13, 2, 31 };
	unsigned int pol = param_policy(test) | VMEM_NOSLEEP;
	unsigned long start[7], addr, size;
	struct vmem *vm;

	vm = make_holes(test, 0x4000, 1, holes, 7, start);
	for (size = 1; size <= 31; size++) {
		KUNIT_EXPECT_EQ_MSG(test, vmem_alloc(vm, size, pol, &addr), 0,
				    "size %lu", size);
		vmem_free(vm, addr, size);
	}
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 32, pol, &addr), -ENOMEM);
	/* Take the 31-hole: now at most 13. */
	vmem_test_take(test, vm, start[6], 31);
	for (size = 1; size <= 13; size++) {
		KUNIT_EXPECT_EQ_MSG(test, vmem_alloc(vm, size, pol, &addr), 0,
				    "size %lu", size);
		vmem_free(vm, addr, size);
	}
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 14, pol, &addr), -ENOMEM);
	vmem_free(vm, start[6], 31);
	free_separators(vm, holes, 7, start);
	VMEM_TEST_CHECK(test, vm);
}

/* Quantum 1, [1, 100]: one hundred distinct identifiers, then none. */
static void alloc_identifiers(struct kunit *test)
{
	unsigned int pol = param_policy(test) | VMEM_NOSLEEP;
	struct vmem *vm = vmem_test_create(test, 1, 100, 1);
	DECLARE_BITMAP(seen, 101) = { };
	unsigned long id, i;

	for (i = 0; i < 100; i++) {
		KUNIT_ASSERT_EQ(test, vmem_alloc(vm, 1, pol, &id), 0);
		KUNIT_ASSERT_GE(test, id, 1UL);
		KUNIT_ASSERT_LE(test, id, 100UL);
		KUNIT_ASSERT_FALSE(test, test_bit(id, seen));
		__set_bit(id, seen);
	}
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 1, pol, &id), -ENOMEM);
	VMEM_TEST_EXPECT_SIZES(test, vm, 100, 0);
	VMEM_TEST_CHECK(test, vm);
	for (i = 1; i <= 100; i += 2)
		vmem_free(vm, i, 1);
	VMEM_TEST_EXPECT_SIZES(test, vm, 50, 50);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 50U);
	for (i = 2; i <= 100; i += 2)
		vmem_free(vm, i, 1);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 1U);
	VMEM_TEST_CHECK(test, vm);
}

/* A quantum of 2^(BITS_PER_LONG - 8). */
static void alloc_huge_quantum(struct kunit *test)
{
	unsigned int pol = param_policy(test) | VMEM_NOSLEEP;
	const unsigned long q = 1UL << (BITS_PER_LONG - 8);
	struct vmem *vm = vmem_test_create(test, q, 8 * q, q);
	unsigned long a, b, c;

	a = vmem_test_alloc(test, vm, 1, pol);
	KUNIT_EXPECT_EQ(test, a & (q - 1), 0UL);
	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_ALLOC), q);
	b = vmem_test_alloc(test, vm, q + 1, pol);
	KUNIT_EXPECT_EQ(test, b & (q - 1), 0UL);
	KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_ALLOC), 3 * q);
	KUNIT_EXPECT_TRUE(test, a + q <= b || b + 2 * q <= a);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 6 * q, pol, &c), -ENOMEM);
	VMEM_TEST_CHECK(test, vm);
	vmem_free(vm, a, 1);
	vmem_free(vm, b, 2 * q);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 8 * q);
	VMEM_TEST_CHECK(test, vm);
}

/* VMEM_SLEEP allocations succeed at once when there is space. */
static void alloc_sleep_with_space(struct kunit *test)
{
	unsigned int pol = param_policy(test) | VMEM_SLEEP;
	struct vmem *vm = vmem_test_create(test, 0x10000, 0x10000, 0x1000);
	unsigned long addr[16];
	unsigned int i;

	for (i = 0; i < 16; i++)
		addr[i] = vmem_test_alloc(test, vm, 0x1000, pol);
	KUNIT_EXPECT_EQ(test, vm->stats.wait, 0ULL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0x10000, 0);
	for (i = 0; i < 16; i++)
		vmem_free(vm, addr[i], 0x1000);
	VMEM_TEST_CHECK(test, vm);
}

/* The freelists hold exactly the free segments, by power-of-two size. */
static void freelists_match_free_segments(struct kunit *test)
{
	static const unsigned int holes[] = { 1, 2, 3, 4, 7, 8, 15, 16, 100 };
	unsigned long start[9], flags;
	unsigned int n, count = 0, bad = 0, badmap = 0;
	struct vmem_seg *seg;
	struct vmem *vm;

	vm = make_holes(test, 0x10000, 16, holes, 9, start);
	spin_lock_irqsave(&vm->lock, flags);
	for (n = 0; n < VMEM_FREELISTS; n++) {
		bool empty = list_empty(&vm->freelist[n]);

		if (empty == !!(vm->freemap & BIT(n)))
			badmap++;
		list_for_each_entry(seg, &vm->freelist[n], freelist) {
			if (seg->type != VMEM_SEG_FREE ||
			    vmem_freelist_index(seg->size) != n)
				bad++;
			count++;
		}
	}
	spin_unlock_irqrestore(&vm->lock, flags);
	KUNIT_EXPECT_EQ(test, count, 9U);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, badmap, 0U);
	/* 16-byte quanta: holes 1..100 quanta go to lists 4..10. */
	KUNIT_EXPECT_EQ(test, vm->freemap,
			BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(10));
	free_separators(vm, holes, 9, start);
	KUNIT_EXPECT_EQ(test, vm->freemap,
			BIT(vmem_freelist_index(vmem_size(vm, VMEM_FREE))));
	VMEM_TEST_CHECK(test, vm);
}

/* Many live allocations make the hash grow; all of them free again. */
static void hash_grows_with_allocations(struct kunit *test)
{
	unsigned int pol = param_policy(test);
	const unsigned int n = 1024;
	struct vmem *vm = vmem_test_create(test, 0, n, 1);
	unsigned int i;

	for (i = 0; i < n; i++)
		vmem_test_alloc(test, vm, 1,
				pol | (i & 1 ? VMEM_SLEEP : VMEM_NOSLEEP));
	flush_work(&vm->hash_work);
	KUNIT_EXPECT_EQ(test, vm->nbusy, (unsigned long)n);
	KUNIT_EXPECT_GT(test, vm->hash_bits, (unsigned int)VMEM_HASH_INITIAL_BITS);
	KUNIT_EXPECT_LE(test, vm->hash_bits, (unsigned int)VMEM_HASH_MAX_BITS);
	VMEM_TEST_CHECK(test, vm);
	for (i = 0; i < n; i++)
		vmem_free(vm, i, 1);
	flush_work(&vm->hash_work);
	KUNIT_EXPECT_EQ(test, vm->nbusy, 0UL);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, n);
	VMEM_TEST_CHECK(test, vm);
}

static struct kunit_case vmem_alloc_cases[] = {
	KUNIT_CASE_PARAM(alloc_rounds_to_quantum, policies_gen_params),
	KUNIT_CASE_PARAM(alloc_fills_arena_exactly, policies_gen_params),
	KUNIT_CASE_PARAM(alloc_fills_with_mixed_sizes, policies_gen_params),
	KUNIT_CASE_PARAM(alloc_too_big_fails, policies_gen_params),
	KUNIT_CASE(free_coalesces_in_every_order),
	KUNIT_CASE_PARAM(free_coalesces_within_spans, free_orders_gen_params),
	KUNIT_CASE(free_merges_both_neighbours),
	KUNIT_CASE(bestfit_picks_smallest_hole),
	KUNIT_CASE(bestfit_prefers_exact_fit),
	KUNIT_CASE(instantfit_falls_back_to_might_fit),
	KUNIT_CASE(instantfit_takes_must_fit_list),
	KUNIT_CASE(instantfit_takes_head_without_search),
	KUNIT_CASE_PARAM(alloc_never_fails_while_a_hole_fits,
			 policies_gen_params),
	KUNIT_CASE_PARAM(alloc_identifiers, policies_gen_params),
	KUNIT_CASE_PARAM(alloc_huge_quantum, policies_gen_params),
	KUNIT_CASE_PARAM(alloc_sleep_with_space, policies_gen_params),
	KUNIT_CASE(freelists_match_free_segments),
	KUNIT_CASE_PARAM(hash_grows_with_allocations, policies_gen_params),
	{}
};

static struct kunit_suite vmem_alloc_suite = {
	.name = "vmem_alloc",
	.init = vmem_test_init,
	.test_cases = vmem_alloc_cases,
};

kunit_test_suite(vmem_alloc_suite);
