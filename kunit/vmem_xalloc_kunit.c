// SPDX-License-Identifier: GPL-2.0
/*
 * vmem_xalloc() constraints: align, phase, nocross and the [minaddr,
 * maxaddr] window, at address 0 and at the top of the address space, under
 * every fit policy; a table of constraint sets is allocated until -ENOMEM,
 * and then no placement may be left.  Contradictory arguments give -EINVAL,
 * valid but unsatisfiable ones -ENOMEM, and neither changes the arena.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include "vmem_test.h"

#define TOP(n, q)	(ULONG_MAX - (n) * (q) + 1)
#define HIBIT		(1UL << (BITS_PER_LONG - 1))

static const unsigned int policies[] = {
	VMEM_INSTANTFIT, VMEM_BESTFIT, VMEM_NEXTFIT,
};

struct xcase {
	const char *desc;
	unsigned long q;
	unsigned long base;
	unsigned long n;	/* quanta in the span */
	unsigned long size;
	unsigned long align;
	unsigned long phase;
	unsigned long nocross;
	unsigned long minaddr;
	unsigned long maxaddr;
	bool has_first;		/* only one placement: the first is known */
	unsigned long first;
};

static const struct xcase xcases[] = {
	{ "align 8", 1, 0, 256, 3, 8, 0, 0, 0, ULONG_MAX },
	{ "align 8 phase 5", 1, 0, 256, 3, 8, 5, 0, 0, ULONG_MAX },
	{ "align 64 phase 16 nocross 128", 16, 0x1000, 64, 40, 64, 16, 128,
	  0, ULONG_MAX },
	{ "nocross 64 in a window", 16, 0x1000, 64, 16, 0, 0, 64, 0x1100,
	  0x12ff },
	{ "nocross equal to size", 8, 0x100, 128, 64, 0, 0, 64, 0,
	  ULONG_MAX },
	{ "size 5 nocross 8", 1, 0, 256, 5, 0, 0, 8, 0, ULONG_MAX },
	{ "align 16 phase 9 nocross 32", 1, 3, 500, 7, 16, 9, 32, 0,
	  ULONG_MAX },
	{ "align 4096 in a span at 0x40", 64, 0x40, 200, 64, 4096, 0, 0, 0,
	  ULONG_MAX },
	{ "align and phase at the top", 4096, TOP(64, 4096), 64, 4096, 16384,
	  4096, 0, 0, ULONG_MAX },
	{ "nocross at the top", 16, TOP(256, 16), 256, 0x100, 0, 0, 0x400, 0,
	  ULONG_MAX },
	{ "align nocross at the top", 16, TOP(256, 16), 256, 0x30, 0x40,
	  0x10, 0x100, 0, ULONG_MAX },
	{ "maxaddr ULONG_MAX - 1 at the top", 1, TOP(64, 1), 64, 4, 0, 0, 0,
	  0, ULONG_MAX - 1 },
	{ "the last resource", 1, TOP(256, 1), 256, 1, 0, 0, 0, ULONG_MAX,
	  ULONG_MAX, true, ULONG_MAX },
	{ "resource 0", 1, 0, 256, 1, 0, 0, 0, 0, 0, true, 0 },
	{ "one quantum in the middle", 16, 0x1000, 64, 16, 0, 0, 0, 0x1200,
	  0x120f, true, 0x1200 },
	{ "one quantum at the top", 16, TOP(64, 16), 64, 16, 0, 0, 0,
	  ULONG_MAX - 15, ULONG_MAX, true, ULONG_MAX - 15 },
	{ "one quantum at 0", 16, 0, 64, 16, 0, 0, 0, 0, 15, true, 0 },
	{ "align the top bit", 1, 0, 256, 1, HIBIT, 0, 0, 0, ULONG_MAX, true,
	  0 },
	{ "align the top bit, phase to the top", 1, TOP(256, 1), 256, 1,
	  HIBIT, HIBIT - 1, 0, 0, ULONG_MAX, true, ULONG_MAX },
	{ "nocross the top bit", 1, TOP(256, 1), 256, 16, 0, 0, HIBIT, 0,
	  ULONG_MAX },
	{ "nocross the top bit across it", 1, HIBIT - 128, 256, 16, 0, 0,
	  HIBIT, 0, ULONG_MAX },
	{ "window straddling the span start", 16, 0x1000, 64, 32, 0, 0, 0,
	  0x800, 0x10ff },
	{ "window, align 256 phase 32", 16, 0x2000, 128, 48, 256, 32, 0,
	  0x2100, 0x27ff },
	{ "window exactly the size", 16, 0x1000, 64, 0x400, 0, 0, 0, 0x1000,
	  0x13ff, true, 0x1000 },
	{ "window of the whole span", 16, 0x1000, 64, 0x10, 0, 0, 0, 0x1000,
	  0x13ff },
	{ "align larger than the span", 16, 0x1010, 16, 16, 0x1000, 0, 0, 0,
	  ULONG_MAX },
	{ "window outside the span", 16, 0x1000, 64, 16, 0, 0, 0, 0x10000,
	  0x20000 },
	{ "window below the span", 16, 0x1000, 64, 16, 0, 0, 0, 0, 0xfff },
	{ "huge phase, unaligned base", 0x100, 0x300, 100, 0x200, 0x1000,
	  0xf00, 0, 0, ULONG_MAX },
};

KUNIT_ARRAY_PARAM_DESC(xcases, xcases, desc);

/* Is there a placement for @c among the quanta not set in @used? */
static bool xcase_feasible(const struct xcase *c, const unsigned long *used)
{
	unsigned long nq = DIV_ROUND_UP(c->size, c->q), i, j;

	for (i = 0; i + nq <= c->n; i++) {
		unsigned long addr = c->base + i * c->q;

		if (!vmem_test_fits(addr, nq * c->q, c->align, c->phase,
				    c->nocross, c->minaddr, c->maxaddr))
			continue;
		j = find_next_bit(used, c->n, i);
		if (j >= i + nq)
			return true;
	}
	return false;
}

static void xalloc_constraints(struct kunit *test)
{
	const struct xcase *c = test->param_value;
	unsigned long nq = DIV_ROUND_UP(c->size, c->q);
	unsigned long *used, *addrs, addr, i, count;
	unsigned int p;
	struct vmem *vm;
	int ret;

	used = kunit_kcalloc(test, BITS_TO_LONGS(c->n), sizeof(long),
			     GFP_KERNEL);
	addrs = kunit_kcalloc(test, c->n, sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, used);
	KUNIT_ASSERT_NOT_NULL(test, addrs);
	vm = vmem_test_create(test, c->base, c->n * c->q, c->q);

	for (p = 0; p < ARRAY_SIZE(policies); p++) {
		unsigned int flags = policies[p] | VMEM_NOSLEEP;

		bitmap_zero(used, c->n);
		for (count = 0; count <= c->n; count++) {
			ret = vmem_xalloc(vm, c->size, c->align, c->phase,
					  c->nocross, c->minaddr, c->maxaddr,
					  flags, &addr);
			if (ret)
				break;
			KUNIT_ASSERT_TRUE_MSG(test,
					      vmem_test_fits(addr, nq * c->q,
							     c->align, c->phase,
							     c->nocross,
							     c->minaddr,
							     c->maxaddr),
					      "policy %#x: %#lx breaks a constraint",
					      flags, addr);
			KUNIT_ASSERT_GE(test, addr, c->base);
			KUNIT_ASSERT_LE(test, addr - c->base + nq * c->q,
					c->n * c->q);
			i = (addr - c->base) / c->q;
			KUNIT_ASSERT_GE_MSG(test, find_next_bit(used, c->n, i),
					    i + nq,
					    "policy %#x: %#lx overlaps a block",
					    flags, addr);
			bitmap_set(used, i, nq);
			if (c->has_first && !count)
				KUNIT_EXPECT_EQ_MSG(test, addr, c->first,
						    "policy %#x", flags);
			addrs[count] = addr;
		}
		KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "policy %#x", flags);
		KUNIT_EXPECT_FALSE_MSG(test, xcase_feasible(c, used),
				       "policy %#x: -ENOMEM after %lu blocks with a placement left",
				       flags, count);
		KUNIT_EXPECT_EQ(test, vmem_size(vm, VMEM_ALLOC),
				count * nq * c->q);
		VMEM_TEST_CHECK(test, vm);
		/* Free with the size as asked, before rounding. */
		for (i = 0; i < count; i++)
			vmem_xfree(vm, addrs[i], c->size);
		VMEM_TEST_EXPECT_SIZES(test, vm, 0, c->n * c->q);
		KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 1U);
		VMEM_TEST_CHECK(test, vm);
	}
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
}

/* Every phase of an alignment, under every policy. */
static void xalloc_every_phase(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 64, 1);
	struct vmem_test_walk *w;
	unsigned long phase, addr;
	unsigned int p;

	for (p = 0; p < ARRAY_SIZE(policies); p++) {
		for (phase = 0; phase < 8; phase++) {
			KUNIT_ASSERT_EQ(test,
					vmem_xalloc(vm, 3, 8, phase, 0, 0,
						    ULONG_MAX, policies[p] |
						    VMEM_NOSLEEP, &addr), 0);
			KUNIT_EXPECT_EQ_MSG(test, addr & 7, phase,
					    "policy %#x", policies[p]);
		}
		VMEM_TEST_EXPECT_SIZES(test, vm, 24, 40);
		VMEM_TEST_CHECK(test, vm);
		w = vmem_test_walk(test, vm, VMEM_ALLOC);
		KUNIT_EXPECT_EQ(test, w->n, 8U);
		while (w->n--)
			vmem_xfree(vm, w->start[w->n], w->size[w->n]);
		VMEM_TEST_EXPECT_SIZES(test, vm, 0, 64);
	}
}

/* The one free quantum of a full arena is found through a wide window. */
static void xalloc_finds_last_free_quantum(struct kunit *test)
{
	const unsigned long q = 16, base = 0x8000, n = 128;
	struct vmem *vm = vmem_test_create(test, base, n * q, q);
	unsigned long addr, hole = base + 77 * q;
	unsigned int p;

	vmem_test_take(test, vm, base, 77 * q);
	vmem_test_take(test, vm, hole + q, (n - 78) * q);
	for (p = 0; p < ARRAY_SIZE(policies); p++) {
		KUNIT_ASSERT_EQ(test,
				vmem_xalloc(vm, q, 0, 0, 0, VMEM_ADDR_MIN,
					    VMEM_ADDR_MAX, policies[p] |
					    VMEM_NOSLEEP, &addr), 0);
		KUNIT_EXPECT_EQ(test, addr, hole);
		vmem_xfree(vm, addr, q);
		KUNIT_ASSERT_EQ(test,
				vmem_xalloc(vm, q, 32, 16, 0, base, hole + q - 1,
					    policies[p] | VMEM_NOSLEEP, &addr),
				0);
		KUNIT_EXPECT_EQ(test, addr, hole);
		vmem_xfree(vm, addr, q);
		KUNIT_EXPECT_EQ(test,
				vmem_xalloc(vm, q, 32, 0, 0, base, ULONG_MAX,
					    policies[p] | VMEM_NOSLEEP, &addr),
				-ENOMEM);
		KUNIT_EXPECT_EQ(test,
				vmem_xalloc(vm, q, 0, 0, 0, base, hole - 1,
					    policies[p] | VMEM_NOSLEEP, &addr),
				-ENOMEM);
	}
	vmem_free(vm, base, 77 * q);
	vmem_free(vm, hole + q, (n - 78) * q);
	VMEM_TEST_CHECK(test, vm);
}

/* Allocations in a two-span arena never straddle the spans. */
static void xalloc_never_straddles_spans(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0x1000, 0x1000, 0x100);
	unsigned long addr;
	unsigned int p;

	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x2000, 0x1000, VMEM_SLEEP), 0);
	for (p = 0; p < ARRAY_SIZE(policies); p++) {
		KUNIT_EXPECT_EQ(test,
				vmem_xalloc(vm, 0x200, 0, 0, 0, 0x1f00, 0x20ff,
					    policies[p] | VMEM_NOSLEEP, &addr),
				-ENOMEM);
		KUNIT_EXPECT_EQ(test,
				vmem_xalloc(vm, 0x1000, 0x1000, 0x100, 0, 0,
					    ULONG_MAX, policies[p] |
					    VMEM_NOSLEEP, &addr), -ENOMEM);
		KUNIT_ASSERT_EQ(test,
				vmem_xalloc(vm, 0x1000, 0x1000, 0, 0, 0x1800,
					    ULONG_MAX, policies[p] |
					    VMEM_NOSLEEP, &addr), 0);
		KUNIT_EXPECT_EQ(test, addr, 0x2000UL);
		vmem_xfree(vm, addr, 0x1000);
	}
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x2000);
	VMEM_TEST_CHECK(test, vm);
}

struct xbad {
	const char *desc;
	unsigned long size;
	unsigned long align;
	unsigned long phase;
	unsigned long nocross;
	unsigned long minaddr;
	unsigned long maxaddr;
	unsigned int vmflag;
};

#define NS	VMEM_NOSLEEP

/* Against an arena of quantum 16 with the span [0x1000, 0x2000). */
static const struct xbad xbad[] = {
	{ "size 0", 0, 0, 0, 0, 0, ULONG_MAX, NS },
	{ "size overflows the quantum", ULONG_MAX, 0, 0, 0, 0, ULONG_MAX, NS },
	{ "size rounds to 2^BITS", ULONG_MAX - 14, 0, 0, 0, 0, ULONG_MAX, NS },
	{ "align 3", 16, 3, 0, 0, 0, ULONG_MAX, NS },
	{ "align 48", 16, 48, 0, 0, 0, ULONG_MAX, NS },
	{ "align 8 below the quantum", 16, 8, 0, 0, 0, ULONG_MAX, NS },
	{ "align ULONG_MAX", 16, ULONG_MAX, 0, 0, 0, ULONG_MAX, NS },
	{ "phase equal to align", 16, 64, 64, 0, 0, ULONG_MAX, NS },
	{ "phase above align", 16, 64, 128, 0, 0, ULONG_MAX, NS },
	{ "phase of a quantum, align 0", 16, 0, 16, 0, 0, ULONG_MAX, NS },
	{ "phase 8, align 0", 16, 0, 8, 0, 0, ULONG_MAX, NS },
	{ "phase not a multiple of the quantum", 16, 64, 8, 0, 0, ULONG_MAX,
	  NS },
	{ "nocross 48", 16, 0, 0, 48, 0, ULONG_MAX, NS },
	{ "nocross 3", 1, 0, 0, 3, 0, ULONG_MAX, NS },
	{ "nocross ULONG_MAX", 16, 0, 0, ULONG_MAX, 0, ULONG_MAX, NS },
	{ "size above nocross", 128, 0, 0, 64, 0, ULONG_MAX, NS },
	{ "size rounds above nocross", 65, 0, 0, 64, 0, ULONG_MAX, NS },
	{ "nocross below the quantum", 8, 0, 0, 8, 0, ULONG_MAX, NS },
	{ "phase pushes past nocross", 32, 64, 48, 64, 0, ULONG_MAX, NS },
	{ "phase pushes past nocross, align 256", 0x40, 0x100, 0xd0, 0x80, 0,
	  ULONG_MAX, NS },
	{ "minaddr above maxaddr", 16, 0, 0, 0, 0x2000, 0x1fff, NS },
	{ "window smaller than the size", 32, 0, 0, 0, 0x1000, 0x100f, NS },
	{ "window one short", 32, 0, 0, 0, 0x1000, 0x101e, NS },
	{ "window smaller at the top", 32, 0, 0, 0, ULONG_MAX - 15, ULONG_MAX,
	  NS },
	{ "no vmflag", 16, 0, 0, 0, 0, ULONG_MAX, 0 },
	{ "SLEEP and NOSLEEP", 16, 0, 0, 0, 0, ULONG_MAX,
	  VMEM_SLEEP | VMEM_NOSLEEP },
	{ "instant and best fit", 16, 0, 0, 0, 0, ULONG_MAX,
	  NS | VMEM_INSTANTFIT | VMEM_BESTFIT },
	{ "best and next fit", 16, 0, 0, 0, 0, ULONG_MAX,
	  NS | VMEM_BESTFIT | VMEM_NEXTFIT },
	{ "all three policies", 16, 0, 0, 0, 0, ULONG_MAX,
	  NS | VMEM_INSTANTFIT | VMEM_BESTFIT | VMEM_NEXTFIT },
	{ "unknown flag 0x200", 16, 0, 0, 0, 0, ULONG_MAX, NS | 0x200 },
	{ "top-down without a sleep flag", 16, 0, 0, 0, 0, ULONG_MAX,
	  VMEM_TOPDOWN },
	{ "unknown flag 0x80000000", 16, 0, 0, 0, 0, ULONG_MAX,
	  NS | 0x80000000U },
};

KUNIT_ARRAY_PARAM_DESC(xbad, xbad, desc);

static void xalloc_rejects_contradictions(struct kunit *test)
{
	const struct xbad *b = test->param_value;
	struct vmem *vm = vmem_test_create(test, 0x1000, 0x1000, 16);
	struct vmem_test_snap *before;
	unsigned long addr = 0x5a5a;

	vmem_test_take(test, vm, 0x1400, 0x100);
	before = vmem_test_snap(test, vm);
	KUNIT_EXPECT_EQ(test, vmem_xalloc(vm, b->size, b->align, b->phase,
					  b->nocross, b->minaddr, b->maxaddr,
					  b->vmflag, &addr), -EINVAL);
	KUNIT_EXPECT_EQ(test, vm->stats.alloc, before->stats.alloc);
	vmem_test_expect_unchanged(test, vm, before);
	vmem_free(vm, 0x1400, 0x100);
}

struct xnomem {
	const char *desc;
	unsigned long size;
	unsigned long align;
	unsigned long phase;
	unsigned long nocross;
	unsigned long minaddr;
	unsigned long maxaddr;
};

/* Against quantum 16, spans [0x1000, 0x2000) and [0x3010, 0x3030). */
static const struct xnomem xnomem[] = {
	{ "window below every span", 16, 0, 0, 0, 0, 0xfff },
	{ "window between the spans", 16, 0, 0, 0, 0x2000, 0x300f },
	{ "window above every span", 16, 0, 0, 0, 0x3030, ULONG_MAX },
	{ "window too small inside a span", 64, 0, 0, 0, 0xf00, 0x101f },
	{ "larger than every span", 0x1010, 0, 0, 0, 0, ULONG_MAX },
	{ "alignment beyond the spans", 16, 0x10000, 0x2000, 0, 0,
	  ULONG_MAX },
	{ "aligned block too close to the end", 0x800, 0x1000, 0xc00, 0, 0,
	  ULONG_MAX },
	{ "nocross inside the small span", 32, 0, 0, 32, 0x3000, ULONG_MAX },
	{ "phase beyond the small span", 16, 0x100, 0x40, 0, 0x3000,
	  ULONG_MAX },
	{ "held region", 0x100, 0, 0, 0, 0x1400, 0x14ff },
};

KUNIT_ARRAY_PARAM_DESC(xnomem, xnomem, desc);

static void xalloc_unsatisfiable_fails(struct kunit *test)
{
	const struct xnomem *x = test->param_value;
	struct vmem *vm = vmem_test_create(test, 0x1000, 0x1000, 16);
	struct vmem_test_snap *before;
	unsigned long addr;
	unsigned int p;

	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x3010, 0x20, VMEM_SLEEP), 0);
	vmem_test_take(test, vm, 0x1400, 0x100);
	before = vmem_test_snap(test, vm);
	for (p = 0; p < ARRAY_SIZE(policies); p++)
		KUNIT_EXPECT_EQ_MSG(test,
				    vmem_xalloc(vm, x->size, x->align,
						x->phase, x->nocross,
						x->minaddr, x->maxaddr,
						policies[p] | VMEM_NOSLEEP,
						&addr), -ENOMEM,
				    "policy %#x", policies[p]);
	KUNIT_EXPECT_EQ(test, vm->stats.fail,
			before->stats.fail + ARRAY_SIZE(policies));
	vmem_test_expect_unchanged(test, vm, before);
	vmem_free(vm, 0x1400, 0x100);
}

static void xalloc_rejects_null(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0x1000, 0x1000, 16);
	struct vmem_test_snap *before = vmem_test_snap(test, vm);
	unsigned long addr;

	KUNIT_EXPECT_EQ(test, vmem_xalloc(NULL, 16, 0, 0, 0, 0, ULONG_MAX,
					  VMEM_NOSLEEP, &addr), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmem_xalloc(vm, 16, 0, 0, 0, 0, ULONG_MAX,
					  VMEM_NOSLEEP, NULL), -EINVAL);
	vmem_test_expect_unchanged(test, vm, before);
}

static struct kunit_case vmem_xalloc_cases[] = {
	KUNIT_CASE_PARAM(xalloc_constraints, xcases_gen_params),
	KUNIT_CASE(xalloc_every_phase),
	KUNIT_CASE(xalloc_finds_last_free_quantum),
	KUNIT_CASE(xalloc_never_straddles_spans),
	KUNIT_CASE_PARAM(xalloc_rejects_contradictions, xbad_gen_params),
	KUNIT_CASE_PARAM(xalloc_unsatisfiable_fails, xnomem_gen_params),
	KUNIT_CASE(xalloc_rejects_null),
	{}
};

static struct kunit_suite vmem_xalloc_suite = {
	.name = "vmem_xalloc",
	.init = vmem_test_init,
	.test_cases = vmem_xalloc_cases,
};

kunit_test_suite(vmem_xalloc_suite);
