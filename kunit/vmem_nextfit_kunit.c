// SPDX-License-Identifier: GPL-2.0
/*
 * VMEM_NEXTFIT: identifiers are not reused until the rotor comes round
 * (like PIDs), the rotor wraps at the end and survives the free and the
 * coalescing of the segment it is in, other policies leave it alone, and
 * constrained requests are met in rotor order.  A model of next fit (first
 * fit in circular order from the end of the last next-fit allocation) is
 * checked against random sequences.
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include "vmem_test.h"

#define NF	(VMEM_NEXTFIT | VMEM_NOSLEEP)

static unsigned long nf_alloc(struct kunit *test, struct vmem *vm,
			      unsigned long size)
{
	return vmem_test_alloc(test, vm, size, NF);
}

/* [1, 100]: 1, 2, free 1, then 3 ... 100, and only then 1 again. */
static void nextfit_does_not_reuse_at_once(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 1, 100, 1);
	unsigned long id, i;

	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 1), 1UL);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 1), 2UL);
	vmem_free(vm, 1, 1);
	for (i = 3; i <= 100; i++)
		KUNIT_ASSERT_EQ(test, nf_alloc(test, vm, 1), i);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 1), 1UL);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 1, NF, &id), -ENOMEM);
	/* Free a few: they come back in rotor order, from 1 upward. */
	vmem_free(vm, 50, 1);
	vmem_free(vm, 7, 1);
	vmem_free(vm, 99, 1);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 1), 7UL);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 1), 50UL);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 1), 99UL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 100, 0);
	VMEM_TEST_CHECK(test, vm);
	for (i = 1; i <= 100; i++)
		vmem_free(vm, i, 1);
	VMEM_TEST_CHECK(test, vm);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
}

static void nextfit_wraps_around(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 100, 1);

	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 60), 0UL);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 30), 60UL);
	vmem_free(vm, 0, 60);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 5), 90UL);
	/* 20 does not fit in [95, 100): round to 0. */
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 20), 0UL);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 10), 20UL);
	/* [95, 100) is still free and comes after the rotor. */
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 30), 30UL);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 5), 95UL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 100, 0);
	VMEM_TEST_CHECK(test, vm);
	vmem_free(vm, 0, 20);
	vmem_free(vm, 20, 10);
	vmem_free(vm, 30, 30);
	vmem_free(vm, 60, 30);
	vmem_free(vm, 90, 5);
	vmem_free(vm, 95, 5);
	VMEM_TEST_CHECK(test, vm);
}

/* The rotor stays put when its segment is freed and coalesced. */
static void nextfit_rotor_survives_frees(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 100, 1);

	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 10), 0UL);
	vmem_free(vm, 0, 10);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 1U);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 10), 10UL);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 10), 20UL);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 10), 30UL);
	/* Free the middle, then both neighbours: one free segment again. */
	vmem_free(vm, 20, 10);
	vmem_free(vm, 30, 10);
	vmem_free(vm, 10, 10);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 1U);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 10), 40UL);
	vmem_free(vm, 40, 10);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 1), 50UL);
	/* The rotor at the very end: round to the start. */
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 49), 51UL);
	vmem_free(vm, 50, 1);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 51), 0UL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 100, 0);
	vmem_free(vm, 0, 51);
	vmem_free(vm, 51, 49);
	VMEM_TEST_CHECK(test, vm);
}

/* Instant and best fit neither use nor move the rotor. */
static void nextfit_rotor_ignores_other_policies(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 256, 1);
	unsigned long a, b;

	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 10), 0UL);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 10), 10UL);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 10), 20UL);
	vmem_free(vm, 0, 10);
	/* Instant fit: the 10-hole is the first list that must fit 5. */
	a = vmem_test_alloc(test, vm, 5, VMEM_INSTANTFIT | VMEM_NOSLEEP);
	KUNIT_EXPECT_LT(test, a, 10UL);
	/* Best fit: the rest of the hole, below the rotor. */
	b = vmem_test_alloc(test, vm, 5, VMEM_BESTFIT | VMEM_NOSLEEP);
	KUNIT_EXPECT_LT(test, b, 10UL);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 3), 30UL);
	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 3), 33UL);
	VMEM_TEST_CHECK(test, vm);
	vmem_free(vm, a, 5);
	vmem_free(vm, b, 5);
	vmem_free(vm, 10, 10);
	vmem_free(vm, 20, 10);
	vmem_free(vm, 30, 3);
	vmem_free(vm, 33, 3);
	VMEM_TEST_CHECK(test, vm);
}

/* Constrained requests start at the rotor and wrap like the others. */
static void nextfit_constraints(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0, 256, 1);
	unsigned long addr;

	KUNIT_EXPECT_EQ(test, nf_alloc(test, vm, 5), 0UL);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 1, 16, 0, 0, 0, ULONG_MAX, NF,
					  &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, 16UL);
	/* Nothing fits above the rotor: wrap, below 16. */
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 1, 0, 0, 0, 0, 15, NF, &addr),
			0);
	KUNIT_EXPECT_EQ(test, addr, 5UL);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 1, 8, 3, 0, 0, ULONG_MAX, NF,
					  &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, 11UL);
	/* From 12: [12, 19] crosses 16, [17, 24] does not. */
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 8, 0, 0, 16, 0, ULONG_MAX, NF,
					  &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, 17UL);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 4, 4, 0, 0, 100, 200, NF,
					  &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, 100UL);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 4, 4, 0, 0, 0, 200, NF,
					  &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, 104UL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 5 + 1 + 1 + 1 + 8 + 4 + 4,
			       256 - 24);
	VMEM_TEST_CHECK(test, vm);
	vmem_free(vm, 0, 5);
	vmem_free(vm, 5, 1);
	vmem_free(vm, 11, 1);
	vmem_free(vm, 16, 1);
	vmem_xfree(vm, 17, 8);
	vmem_xfree(vm, 100, 4);
	vmem_xfree(vm, 104, 4);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 256);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
}

/* Next fit in an importing arena whose spans come and go. */
static void nextfit_importing_arena(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, 0x100000, 0x10000, 16);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", root,
						   16);
	unsigned long addr[8];
	unsigned int round, i;

	for (round = 0; round < 20; round++) {
		for (i = 0; i < 8; i++)
			addr[i] = nf_alloc(test, leaf, 16 * (1 + (i + round) % 3));
		VMEM_TEST_ASSERT_CHECK(test, leaf);
		for (i = 0; i < 8; i++) {
			vmem_free(leaf, addr[(i * 5) % 8],
				  16 * (1 + ((i * 5) % 8 + round) % 3));
			VMEM_TEST_ASSERT_CHECK(test, leaf);
		}
		/* Every span went back: the rotor must not dangle. */
		KUNIT_ASSERT_EQ(test, vmem_size(leaf, VMEM_ALLOC | VMEM_FREE),
				0UL);
	}
	KUNIT_EXPECT_GE(test, leaf->stats.import, 20ULL);
	KUNIT_EXPECT_EQ(test, leaf->stats.import, leaf->stats.release);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, 0x10000);
}

/*
 * The model: @state per quantum (0: no span, 1: free, 2: allocated), span
 * numbers per quantum, and the rotor as a quantum index.
 */
struct nf_model {
	unsigned long base;
	unsigned long q;
	unsigned int n;
	unsigned int rotor;
	u8 *state;
	u8 *span;
};

/* The first placement in circular order from the rotor, or -1. */
static long nf_model_find(const struct nf_model *m, unsigned long size,
			  unsigned long align, unsigned long phase,
			  unsigned long nocross, unsigned long minaddr,
			  unsigned long maxaddr)
{
	unsigned int nq = size / m->q, k, i, j;

	for (k = 0; k < m->n; k++) {
		i = (m->rotor + k) % m->n;
		if (i + nq > m->n)
			continue;
		for (j = i; j < i + nq; j++)
			if (m->state[j] != 1 || m->span[j] != m->span[i])
				break;
		if (j < i + nq)
			continue;
		if (vmem_test_fits(m->base + i * m->q, size, align, phase,
				   nocross, minaddr, maxaddr))
			return i;
	}
	return -1;
}

struct nf_live {
	unsigned long addr;
	unsigned long size;
};

static const u32 nf_seeds[] = { 1, 2, 3, 0xdecafbad };

static void nf_seed_desc(const u32 *seed, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "seed %#x", *seed);
}

KUNIT_ARRAY_PARAM(nf_seeds, nf_seeds, nf_seed_desc);

/* Two spans with a gap; random allocations, constrained ones and frees. */
static void nextfit_matches_model(struct kunit *test)
{
	const u32 seed = *(const u32 *)test->param_value;
	const unsigned long q = 4, base = 0x1000;
	const unsigned int n = 512, steps = 4000;
	struct nf_model m = { .base = base, .q = q, .n = n };
	struct nf_live *live;
	unsigned int nlive = 0, step, i;
	struct rnd_state rnd;
	struct vmem *vm;

	m.state = kunit_kzalloc(test, n, GFP_KERNEL);
	m.span = kunit_kzalloc(test, n, GFP_KERNEL);
	live = kunit_kcalloc(test, n, sizeof(*live), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.state);
	KUNIT_ASSERT_NOT_NULL(test, m.span);
	KUNIT_ASSERT_NOT_NULL(test, live);
	/* [0, 200) and [232, 512) in quanta. */
	vm = vmem_test_create(test, base, 200 * q, q);
	KUNIT_ASSERT_EQ(test, vmem_add(vm, base + 232 * q, (n - 232) * q,
				       VMEM_SLEEP), 0);
	for (i = 0; i < n; i++) {
		m.state[i] = i < 200 || i >= 232 ? 1 : 0;
		m.span[i] = i < 200 ? 1 : 2;
	}
	prandom_seed_state(&rnd, seed);

	for (step = 0; step < steps; step++) {
		u32 r = prandom_u32_state(&rnd);

		if (nlive && (r % 100 < 40 || nlive == n)) {
			unsigned int k = prandom_u32_state(&rnd) % nlive;
			unsigned long idx = (live[k].addr - base) / q;

			vmem_free(vm, live[k].addr, live[k].size);
			memset(m.state + idx, 1, live[k].size / q);
			live[k] = live[--nlive];
		} else {
			unsigned long size = q * (1 + r % 13), addr = 0;
			unsigned long align = 0, phase = 0, nocross = 0;
			unsigned long minaddr = 0, maxaddr = ULONG_MAX;
			long want;
			int ret;

			if (r & BIT(20)) {
				align = q << (prandom_u32_state(&rnd) % 5);
				phase = q * (prandom_u32_state(&rnd) % (align / q));
			}
			if (r & BIT(21)) {
				nocross = q << (4 + prandom_u32_state(&rnd) % 3);
				if ((phase & (nocross - 1)) + size > nocross)
					nocross = 0;
			}
			if (r & BIT(22)) {
				minaddr = base + q * (prandom_u32_state(&rnd) % n);
				maxaddr = minaddr + q * 128 - 1;
			}
			want = nf_model_find(&m, size, align, phase, nocross,
					     minaddr, maxaddr);
			ret = vmem_xalloc(vm, size, align, phase, nocross,
					  minaddr, maxaddr, NF, &addr);
			if (want < 0) {
				KUNIT_ASSERT_EQ_MSG(test, ret, -ENOMEM,
						    "seed %#x step %u: got %#lx, model has no place",
						    seed, step, addr);
			} else {
				KUNIT_ASSERT_EQ_MSG(test, ret, 0,
						    "seed %#x step %u: size %#lx align %#lx phase %#lx nocross %#lx [%#lx, %#lx]",
						    seed, step, size, align,
						    phase, nocross, minaddr,
						    maxaddr);
				KUNIT_ASSERT_EQ_MSG(test, addr,
						    base + want * q,
						    "seed %#x step %u: rotor at %#lx, size %#lx align %#lx phase %#lx nocross %#lx [%#lx, %#lx]",
						    seed, step,
						    base + m.rotor * q, size,
						    align, phase, nocross,
						    minaddr, maxaddr);
				memset(m.state + want, 2, size / q);
				m.rotor = (want + size / q) % n;
				live[nlive].addr = addr;
				live[nlive].size = size;
				nlive++;
			}
		}
		VMEM_TEST_ASSERT_CHECK(test, vm);
	}
	while (nlive--)
		vmem_free(vm, live[nlive].addr, live[nlive].size);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, (n - 32) * q);
	VMEM_TEST_CHECK(test, vm);
}

/*
 * The rotor keeps its place when the span holding it goes back to the
 * source, even when spans come and go before the next allocation.
 */
static void nextfit_rotor_survives_span_release(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, 0x200000, 0x1000, 1);
	struct vmem *vm = vmem_test_create_child(test, "kunit-nf-child",
						 root, 1);
	unsigned long a;

	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x100000, 0x100, VMEM_SLEEP), 0);
	a = vmem_test_alloc(test, vm, 0x10, VMEM_NOSLEEP | VMEM_NEXTFIT);
	KUNIT_EXPECT_EQ(test, a, 0x100000UL);
	/* An imported span above, and the rotor after the block in it. */
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 0x10, 0, 0, 0, 0x200000,
					  VMEM_ADDR_MAX,
					  VMEM_NOSLEEP | VMEM_NEXTFIT, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x200000UL);
	vmem_free(vm, a, 0x10);		/* the span goes back to root */
	KUNIT_EXPECT_EQ(test, vmem_size(root, VMEM_ALLOC), 0UL);
	KUNIT_ASSERT_EQ(test, vmem_add(vm, 0x300000, 0x100, VMEM_SLEEP), 0);
	/* Next after 0x200010 is the new span, not the old one's rest. */
	a = vmem_test_alloc(test, vm, 0x10, VMEM_NOSLEEP | VMEM_NEXTFIT);
	KUNIT_EXPECT_EQ(test, a, 0x300000UL);
	VMEM_TEST_CHECK(test, vm);
	vmem_free(vm, a, 0x10);
	vmem_free(vm, 0x100000, 0x10);
}

static struct kunit_case vmem_nextfit_cases[] = {
	KUNIT_CASE(nextfit_rotor_survives_span_release),
	KUNIT_CASE(nextfit_does_not_reuse_at_once),
	KUNIT_CASE(nextfit_wraps_around),
	KUNIT_CASE(nextfit_rotor_survives_frees),
	KUNIT_CASE(nextfit_rotor_ignores_other_policies),
	KUNIT_CASE(nextfit_constraints),
	KUNIT_CASE(nextfit_importing_arena),
	KUNIT_CASE_PARAM(nextfit_matches_model, nf_seeds_gen_params),
	{}
};

static struct kunit_suite vmem_nextfit_suite = {
	.name = "vmem_nextfit",
	.init = vmem_test_init,
	.test_cases = vmem_nextfit_cases,
};

kunit_test_suite(vmem_nextfit_suite);
