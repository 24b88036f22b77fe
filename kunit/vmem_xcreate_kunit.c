// SPDX-License-Identifier: GPL-2.0
/*
 * vmem_xcreate(): every bad argument refused with nothing created; the
 * import quantum (N allocations of one quantum cost ceil(N * q /
 * import_quantum) imports, spans still go back when wholly free, nothing
 * fails near exhaustion that an exact import would meet); custom ximport
 * functions (the exact constraints of the request, a size grown by the
 * import, a span that ignores the constraints kept as space, unusable
 * spans given back); VMEM_TOPDOWN placement (the highest fit of the segment
 * the policy chose, every constraint kept, spans ending at ULONG_MAX, the
 * quantum caches bypassed, passed on to a source).
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include "vmem_test.h"

#define ROOT_BASE	0x100000UL
#define ROOT_SIZE	0x100000UL

/* What the custom import function saw and is to do. */
struct ximp {
	struct vmem *source;	/* imports with vmem_xalloc() from here */
	struct vmem *importer;	/* the arena calling, once known */
	bool lock_held;		/* called with its lock held */
	unsigned int imports;
	unsigned int releases;
	unsigned long released;	/* bytes */
	/* The last call's arguments. */
	unsigned long size, align, phase, nocross, minaddr, maxaddr;
	unsigned int vmflag;
	bool honour;		/* meet the constraints, else only quanta */
	unsigned long grow;	/* import this much more than asked */
	unsigned long bad_size;	/* report this size instead */
	unsigned long offset;	/* shift the span by this (misaligned) */
};

static int test_ximport(void *arg, unsigned long *sizep, unsigned long align,
			unsigned long phase, unsigned long nocross,
			unsigned long minaddr, unsigned long maxaddr,
			unsigned int vmflag, unsigned long *addrp)
{
	struct ximp *x = arg;
	unsigned long size = *sizep + x->grow;
	int ret;

	x->imports++;
	if (x->importer && vmem_test_lock_held(x->importer))
		x->lock_held = true;
	x->size = *sizep;
	x->align = align;
	x->phase = phase;
	x->nocross = nocross;
	x->minaddr = minaddr;
	x->maxaddr = maxaddr;
	x->vmflag = vmflag;
	if (x->honour)
		ret = vmem_xalloc(x->source, size, align, phase, nocross,
				  minaddr, maxaddr, vmflag, addrp);
	else
		ret = vmem_xalloc(x->source, size, 0, 0, 0, VMEM_ADDR_MIN,
				  VMEM_ADDR_MAX, vmflag & ~VMEM_TOPDOWN, addrp);
	if (ret)
		return ret;
	*sizep = x->bad_size ?: size;
	*addrp += x->offset;
	return 0;
}

static void test_xrelease(void *arg, unsigned long addr, unsigned long size)
{
	struct ximp *x = arg;

	x->releases++;
	if (x->importer && vmem_test_lock_held(x->importer))
		x->lock_held = true;
	x->released += size;
	vmem_xfree(x->source, addr - x->offset,
		   x->bad_size ? x->size + x->grow : size);
}

static struct vmem *make_root(struct kunit *test, unsigned long q)
{
	return vmem_test_create_full(test, "kunit-root", ROOT_BASE, ROOT_SIZE,
				     q, NULL, NULL, NULL, VMEM_SLEEP);
}

static struct vmem *xcreate(struct kunit *test, const char *name,
			    const struct vmem_args *args)
{
	struct vmem *vm = vmem_xcreate(name, args, VMEM_SLEEP);

	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, vm, "vmem_xcreate(%s)", name);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test,
						  vmem_test_destroy_action,
						  vm));
	return vm;
}

/* A child of @source by vmem_xcreate(), with an import quantum. */
static struct vmem *make_child(struct kunit *test, struct vmem *source,
			       unsigned long q, unsigned long iq)
{
	struct vmem_args args = {
		.quantum = q,
		.source = source,
		.import_quantum = iq,
	};

	return xcreate(test, "kunit-child", &args);
}

/* A child importing through test_ximport() from @x->source. */
static struct vmem *make_xchild(struct kunit *test, struct ximp *x,
				unsigned long q, unsigned long iq)
{
	struct vmem_args args = {
		.quantum = q,
		.ximport = test_ximport,
		.xrelease = test_xrelease,
		.arg = x,
		.import_quantum = iq,
	};

	x->importer = xcreate(test, "kunit-xchild", &args);
	return x->importer;
}

/* === Arguments === */

static void xcreate_bad_args(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct ximp x = { .source = root };
	const struct vmem_args good = {
		.base = 0x1000, .size = 0x1000, .quantum = 16,
		.qcache_max = 64,
	};
	struct {
		const char *what;
		struct vmem_args args;
		unsigned int vmflag;
		long err;
	} bad[] = {
		{ "quantum 0", good, VMEM_SLEEP, -EINVAL },
		{ "quantum 24", good, VMEM_SLEEP, -EINVAL },
		{ "misaligned base", good, VMEM_SLEEP, -EINVAL },
		{ "misaligned size", good, VMEM_SLEEP, -EINVAL },
		{ "wrapping span", good, VMEM_SLEEP, -EINVAL },
		{ "no sleep flag", good, 0, -EINVAL },
		{ "both sleep flags", good, VMEM_SLEEP | VMEM_NOSLEEP,
		  -EINVAL },
		{ "a policy as vmflag", good, VMEM_SLEEP | VMEM_BESTFIT,
		  -EINVAL },
		{ "source and ximport", good, VMEM_SLEEP, -EINVAL },
		{ "source and xrelease", good, VMEM_SLEEP, -EINVAL },
		{ "ximport alone", good, VMEM_SLEEP, -EINVAL },
		{ "xrelease alone", good, VMEM_SLEEP, -EINVAL },
		{ "import quantum of part quanta", good, VMEM_SLEEP, -EINVAL },
		{ "import quantum, no source", good, VMEM_SLEEP, -EINVAL },
		{ "unknown flags", good, VMEM_SLEEP, -EINVAL },
		{ "VMEM_ARENA_DEBUG and an unknown flag", good, VMEM_SLEEP,
		  -EINVAL },
	};
	long tags = vmem_tags_live();
	unsigned long total = vmem_size(root, VMEM_ALLOC | VMEM_FREE);
	struct vmem *vm;
	unsigned int i;

	bad[0].args.quantum = 0;
	bad[1].args.quantum = 24;
	bad[2].args.base = 0x1008;
	bad[3].args.size = 0x1008;
	bad[4].args.base = 0UL - 0x800;
	bad[8].args.source = root;
	bad[8].args.ximport = test_ximport;
	bad[8].args.xrelease = test_xrelease;
	bad[9].args.source = root;
	bad[9].args.xrelease = test_xrelease;
	bad[10].args.ximport = test_ximport;
	bad[11].args.xrelease = test_xrelease;
	bad[12].args.source = root;
	bad[12].args.import_quantum = 0x108;
	bad[13].args.import_quantum = 0x100;
	bad[14].args.flags = 0x2;
	bad[15].args.flags = VMEM_ARENA_DEBUG | 0x4;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		bad[i].args.arg = &x;
		vm = vmem_xcreate("kunit-bad", &bad[i].args, bad[i].vmflag);
		KUNIT_EXPECT_EQ_MSG(test, (long)PTR_ERR_OR_ZERO(vm), bad[i].err,
				    "vmem_xcreate() with %s", bad[i].what);
		if (!IS_ERR(vm))
			vmem_destroy(vm);
	}
	vm = vmem_xcreate("kunit-bad", NULL, VMEM_SLEEP);
	KUNIT_EXPECT_EQ(test, (long)PTR_ERR_OR_ZERO(vm), (long)-EINVAL);
	vm = vmem_xcreate(NULL, &good, VMEM_SLEEP);
	KUNIT_EXPECT_EQ(test, (long)PTR_ERR_OR_ZERO(vm), (long)-EINVAL);
	/* Nothing created, nothing taken, nothing called. */
	KUNIT_EXPECT_EQ(test, vmem_tags_live(), tags);
	KUNIT_EXPECT_EQ(test, x.imports, 0U);
	KUNIT_EXPECT_EQ(test, root->nimporters, 0U);
	KUNIT_EXPECT_EQ(test, vmem_size(root, VMEM_ALLOC | VMEM_FREE), total);

	/* And the good one works, with its options. */
	vm = xcreate(test, "kunit-good", &good);
	KUNIT_EXPECT_EQ(test, vm->qcache_max, 64UL);
	KUNIT_EXPECT_EQ(test, vm->quantum, 16UL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x1000);
}

/* vmem_create() and vmem_xcreate() build the same arena. */
static void xcreate_same_as_create(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct vmem *a = vmem_test_create_child(test, "kunit-a", root, 64);
	struct vmem *b = make_child(test, root, 64, 0);
	unsigned long x, y;

	KUNIT_EXPECT_EQ(test, root->nimporters, 2U);
	KUNIT_EXPECT_TRUE(test, a->vmem_source && b->vmem_source);
	KUNIT_EXPECT_PTR_EQ(test, a->ximport, b->ximport);
	KUNIT_EXPECT_PTR_EQ(test, a->xrelease, b->xrelease);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(a, 0x100, 0x1000, 0x40, 0, 0,
					  ULONG_MAX, VMEM_NOSLEEP, &x), 0);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(b, 0x100, 0x1000, 0x40, 0, 0,
					  ULONG_MAX, VMEM_NOSLEEP, &y), 0);
	KUNIT_EXPECT_EQ(test, x & 0xfff, 0x40UL);
	KUNIT_EXPECT_EQ(test, y & 0xfff, 0x40UL);
	KUNIT_EXPECT_EQ(test, a->mem_import, b->mem_import);
	vmem_xfree(a, x, 0x100);
	vmem_xfree(b, y, 0x100);
	VMEM_TEST_EXPECT_SIZES(test, a, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, b, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
}

/* === Import quantum === */

/*
 * N allocations of one quantum cost ceil(N * q / iq) imports, from a vmem
 * source and through ximport alike; each span goes back once wholly free.
 */
static void import_quantum_counts(struct kunit *test)
{
	static const unsigned long iqs[] = { 0, 16 * 256, 5 * 256, 64 * 256 };
	struct vmem *root = make_root(test, 256);
	unsigned long addr[100];
	unsigned int i, k, n = ARRAY_SIZE(addr);

	for (k = 0; k < 2 * ARRAY_SIZE(iqs); k++) {
		unsigned long iq = iqs[k / 2];
		unsigned long want = iq ? DIV_ROUND_UP(n * 256, iq) : n;
		struct ximp x = { .source = root, .honour = true };
		struct vmem *vm = k & 1 ? make_xchild(test, &x, 256, iq) :
				  make_child(test, root, 256, iq);

		for (i = 0; i < n; i++)
			addr[i] = vmem_test_alloc(test, vm, 256, VMEM_NOSLEEP);
		KUNIT_EXPECT_EQ_MSG(test, vm->stats.import, (u64)want,
				    "%u allocations of one quantum, import quantum %#lx, %s",
				    n, iq, k & 1 ? "ximport" : "vmem source");
		if (k & 1)
			KUNIT_EXPECT_EQ(test, x.imports, (unsigned int)want);
		KUNIT_EXPECT_EQ(test, vm->mem_import,
				iq ? want * iq : n * 256UL);
		VMEM_TEST_CHECK(test, vm);
		/* Free all but the last: every span but one goes back. */
		for (i = 0; i + 1 < n; i++)
			vmem_free(vm, addr[i], 256);
		KUNIT_EXPECT_EQ(test, vm->stats.release, (u64)want - 1);
		KUNIT_EXPECT_EQ(test, vm->stats.import - vm->stats.release,
				1ULL);
		vmem_free(vm, addr[n - 1], 256);
		KUNIT_EXPECT_EQ(test, vm->stats.release, (u64)want);
		VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0);
		if (k & 1)
			KUNIT_EXPECT_EQ(test, x.releases, x.imports);
		VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
		vmem_test_destroy(test, vm);
	}
}

/* Near exhaustion the arena imports what it needs, not nothing. */
static void import_quantum_near_exhaustion(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, 0x10000, 3 * 256, 256);
	struct vmem *vm = make_child(test, root, 256, 4 * 256);
	struct ximp x = { .source = root, .honour = true };
	unsigned long a[3], b;
	unsigned int i;

	for (i = 0; i < 3; i++)
		a[i] = vmem_test_alloc(test, vm, 256, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 256, VMEM_NOSLEEP, &b), -ENOMEM);
	for (i = 0; i < 3; i++)
		vmem_free(vm, a[i], 256);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, 3 * 256);
	vmem_test_destroy(test, vm);

	vm = make_xchild(test, &x, 256, 4 * 256);
	for (i = 0; i < 3; i++)
		a[i] = vmem_test_alloc(test, vm, 256, VMEM_SLEEP);
	/* Each: the import quantum without sleeping, then the exact size. */
	KUNIT_EXPECT_EQ(test, x.imports, 6U);
	KUNIT_EXPECT_EQ(test, x.size, 256UL);
	KUNIT_EXPECT_TRUE(test, x.vmflag & VMEM_SLEEP);
	for (i = 0; i < 3; i++)
		vmem_free(vm, a[i], 256);
	KUNIT_EXPECT_EQ(test, x.releases, 3U);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, 3 * 256);
}

/* A larger import is one span, whose rest serves later requests. */
static void import_quantum_one_span(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct vmem *vm = make_child(test, root, 16, 0x1000);
	unsigned long a, b;

	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 0x30, 0x100, 0x10, 0, 0,
					  ULONG_MAX, VMEM_NOSLEEP, &a), 0);
	KUNIT_EXPECT_EQ(test, a & 0xff, 0x10UL);
	KUNIT_EXPECT_EQ(test, vm->stats.import, 1ULL);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_SPAN), 1U);
	KUNIT_EXPECT_GE(test, vm->mem_import, 0x1000UL);
	b = vmem_test_alloc(test, vm, 0x800, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, vm->stats.import, 1ULL);
	vmem_xfree(vm, a, 0x30);
	KUNIT_EXPECT_EQ(test, vm->stats.release, 0ULL);
	vmem_free(vm, b, 0x800);
	KUNIT_EXPECT_EQ(test, vm->stats.release, 1ULL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);

	/*
	 * A boundary not to cross: the import is not enlarged past it (a
	 * block of 0x1000 at phase 0x80 would cross 0x200) ...
	 */
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 0x100, 0x100, 0x80, 0x200, 0,
					  ULONG_MAX, VMEM_NOSLEEP, &a), 0);
	KUNIT_EXPECT_EQ(test, a & 0xff, 0x80UL);
	KUNIT_EXPECT_EQ(test, a / 0x200, (a + 0xff) / 0x200);
	KUNIT_EXPECT_EQ(test, vm->mem_import, 0x100UL);
	vmem_xfree(vm, a, 0x100);
	/* ... but up to it, where the block fits between two boundaries. */
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 0x100, 0, 0, 0x1000, 0,
					  ULONG_MAX, VMEM_NOSLEEP, &a), 0);
	KUNIT_EXPECT_EQ(test, vm->mem_import, 0x1000UL);
	KUNIT_EXPECT_EQ(test, vm->stats.import, 3ULL);
	vmem_xfree(vm, a, 0x100);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
}

/* === Custom imports === */

/* ximport receives the request's size and constraints, exactly. */
static void ximport_gets_constraints(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct ximp x = { .source = root, .honour = true };
	struct vmem *vm = make_xchild(test, &x, 16, 0);
	struct vmem *big;
	unsigned long a;

	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 0x70, 0x400, 0x30, 0x1000,
					  ROOT_BASE + 0x8000,
					  ROOT_BASE + 0x20000 - 1,
					  VMEM_NOSLEEP | VMEM_BESTFIT |
					  VMEM_TOPDOWN, &a), 0);
	KUNIT_EXPECT_EQ(test, x.imports, 1U);
	KUNIT_EXPECT_EQ(test, x.size, 0x70UL);
	KUNIT_EXPECT_EQ(test, x.align, 0x400UL);
	KUNIT_EXPECT_EQ(test, x.phase, 0x30UL);
	KUNIT_EXPECT_EQ(test, x.nocross, 0x1000UL);
	KUNIT_EXPECT_EQ(test, x.minaddr, ROOT_BASE + 0x8000);
	KUNIT_EXPECT_EQ(test, x.maxaddr, ROOT_BASE + 0x20000 - 1);
	KUNIT_EXPECT_EQ(test, x.vmflag, VMEM_NOSLEEP | VMEM_BESTFIT |
					VMEM_TOPDOWN);
	KUNIT_EXPECT_EQ(test, (a - 0x30) & 0x3ff, 0UL);
	KUNIT_EXPECT_EQ(test, a / 0x1000, (a + 0x6f) / 0x1000);
	KUNIT_EXPECT_GE(test, a, ROOT_BASE + 0x8000);
	KUNIT_EXPECT_LE(test, a + 0x6f, ROOT_BASE + 0x20000 - 1);
	vmem_xfree(vm, a, 0x70);
	KUNIT_EXPECT_EQ(test, x.releases, 1U);
	KUNIT_EXPECT_FALSE(test, x.lock_held);

	/* An unconstrained vmem_alloc(): quantum alignment, the full window. */
	a = vmem_test_alloc(test, vm, 0x25, VMEM_SLEEP);
	KUNIT_EXPECT_EQ(test, x.size, 0x30UL);
	KUNIT_EXPECT_EQ(test, x.align, 16UL);
	KUNIT_EXPECT_EQ(test, x.phase, 0UL);
	KUNIT_EXPECT_EQ(test, x.nocross, 0UL);
	KUNIT_EXPECT_EQ(test, x.minaddr, VMEM_ADDR_MIN);
	KUNIT_EXPECT_EQ(test, x.maxaddr, VMEM_ADDR_MAX);
	KUNIT_EXPECT_EQ(test, x.vmflag, VMEM_SLEEP);
	vmem_free(vm, a, 0x25);

	/* With an import quantum: the rounded size, else the exact one. */
	memset(&x, 0, sizeof(x));
	x.source = root;
	x.honour = true;
	big = make_xchild(test, &x, 16, 0x800);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(big, 0x70, 0x400, 0x30, 0, 0,
					  ULONG_MAX, VMEM_SLEEP, &a), 0);
	KUNIT_EXPECT_EQ(test, x.imports, 1U);
	KUNIT_EXPECT_EQ(test, x.size, 0x800UL);
	KUNIT_EXPECT_EQ(test, x.vmflag, VMEM_NOSLEEP);
	vmem_xfree(big, a, 0x70);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(big, 0x70, 0, 0, 0x100, 0,
					  ULONG_MAX, VMEM_SLEEP, &a), 0);
	KUNIT_EXPECT_EQ(test, x.size, 0x70UL);
	KUNIT_EXPECT_EQ(test, x.nocross, 0x100UL);
	KUNIT_EXPECT_EQ(test, x.vmflag, VMEM_SLEEP);
	vmem_xfree(big, a, 0x70);
	KUNIT_EXPECT_EQ(test, x.releases, x.imports);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
}

/* An import may grow the size: one span, given back whole. */
static void ximport_grows_size(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct ximp x = { .source = root, .honour = true, .grow = 0x1000 };
	struct vmem *vm = make_xchild(test, &x, 16, 0);
	unsigned long a, b, c;

	a = vmem_test_alloc(test, vm, 0x100, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, x.imports, 1U);
	KUNIT_EXPECT_EQ(test, vm->mem_import, 0x1100UL);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_SPAN), 1U);
	b = vmem_test_alloc(test, vm, 0x800, VMEM_NOSLEEP);
	c = vmem_test_alloc(test, vm, 0x800, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, x.imports, 1U);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0x1100, 0);
	vmem_free(vm, a, 0x100);
	vmem_free(vm, c, 0x800);
	KUNIT_EXPECT_EQ(test, x.releases, 0U);
	vmem_free(vm, b, 0x800);
	KUNIT_EXPECT_EQ(test, x.releases, 1U);
	KUNIT_EXPECT_EQ(test, x.released, 0x1100UL);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
}

/*
 * A span that does not meet the constraints is kept as space, the request
 * fails cleanly, later requests use the span, and it goes back at destroy.
 */
static void ximport_span_misses_constraints(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct ximp x = { .source = root, .honour = false };
	struct vmem *vm = make_xchild(test, &x, 16, 0);
	unsigned long a, b;

	/* Root's free space starts at ROOT_BASE + 16: misaligned. */
	vmem_test_take(test, root, ROOT_BASE, 16);
	KUNIT_EXPECT_EQ(test, vmem_xalloc(vm, 0x100, 0x10000, 0, 0, 0,
					  ULONG_MAX, VMEM_NOSLEEP, &a),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, x.imports, 1U);
	KUNIT_EXPECT_EQ(test, x.releases, 0U);
	KUNIT_EXPECT_EQ(test, vm->stats.fail, 1ULL);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x100);
	VMEM_TEST_EXPECT_SIZES(test, root, 0x110, ROOT_SIZE - 0x110);
	VMEM_TEST_CHECK(test, vm);

	/* Good space: an unconstrained request takes it, no import. */
	b = vmem_test_alloc(test, vm, 0x100, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, b, ROOT_BASE + 16);
	KUNIT_EXPECT_EQ(test, x.imports, 1U);
	vmem_free(vm, b, 0x100);
	KUNIT_EXPECT_EQ(test, x.releases, 1U);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0);

	/*
	 * Kept again; while it is unused, the next such span goes straight
	 * back: failing requests do not pile spans up.  Destroy gives the
	 * kept one back.
	 */
	KUNIT_EXPECT_EQ(test, vmem_xalloc(vm, 0x100, 0x10000, 0, 0, 0,
					  ULONG_MAX, VMEM_SLEEP, &a),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, x.releases, 1U);
	for (b = 0; b < 20; b++)
		KUNIT_EXPECT_EQ(test, vmem_xalloc(vm, 0x100, 0x10000, 0, 0, 0,
						  ULONG_MAX, VMEM_NOSLEEP, &a),
				-ENOMEM);
	KUNIT_EXPECT_EQ(test, x.imports, 22U);
	KUNIT_EXPECT_EQ(test, x.releases, 21U);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x100);
	KUNIT_EXPECT_FALSE(test, x.lock_held);
	vmem_test_destroy(test, vm);
	KUNIT_EXPECT_EQ(test, x.releases, 22U);
	VMEM_TEST_EXPECT_SIZES(test, root, 16, ROOT_SIZE - 16);
	vmem_free(root, ROOT_BASE, 16);
}

/* vmem_create()'s own import function: the same bound. */
static int plain_import(struct vmem *source, unsigned long size,
			unsigned int vmflag, unsigned long *addrp)
{
	return vmem_alloc(source, size, vmflag, addrp);
}

static void plain_release(struct vmem *source, unsigned long addr,
			  unsigned long size)
{
	vmem_free(source, addr, size);
}

static void create_import_misses_window(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, 0x100000, 0x1000, 16);
	struct vmem *vm = vmem_test_create_qc(test, "kunit-plain", 0, 0, 16,
					      plain_import, plain_release,
					      root, 64, VMEM_SLEEP);
	unsigned long a;
	unsigned int i;

	/* Its import cannot aim at a window: the spans land elsewhere. */
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_EQ(test, vmem_xalloc(vm, 0x100, 0, 0, 0,
						  0x100f00, 0x100fff,
						  VMEM_NOSLEEP, &a),
				-ENOMEM);
	KUNIT_EXPECT_LE(test, vm->mem_import, 0x100UL);
	KUNIT_EXPECT_EQ(test, vm->stats.import - vm->stats.release, 1ULL);
	/* The source is not drained by it. */
	a = vmem_test_alloc(test, root, 0x800, VMEM_NOSLEEP);
	vmem_free(root, a, 0x800);
}

/* Spans an arena cannot use go straight back, with a warning. */
static void ximport_unusable_spans(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct ximp x = { .source = root, .honour = true };
	struct vmem *vm = make_xchild(test, &x, 16, 0);
	unsigned long a;

	x.bad_size = 0x80;	/* less than asked */
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 0x100, VMEM_NOSLEEP, &a),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, x.releases, 1U);
	x.bad_size = 0x108;	/* not whole quanta */
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 0x100, VMEM_NOSLEEP, &a),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, x.releases, 2U);
	x.bad_size = 0;
	x.offset = 8;		/* misaligned */
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, 0x100, VMEM_NOSLEEP, &a),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, x.releases, 3U);
	x.offset = 0;
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
	KUNIT_EXPECT_EQ(test, vm->stats.import, 0ULL);
	a = vmem_test_alloc(test, vm, 0x100, VMEM_NOSLEEP);
	vmem_free(vm, a, 0x100);
	KUNIT_EXPECT_EQ(test, x.releases, 4U);
}

/* === VMEM_TOPDOWN === */

/* The highest fit in [start, last] by brute force, quantum by quantum. */
static bool top_fit(unsigned long start, unsigned long last,
		    unsigned long size, unsigned long align,
		    unsigned long phase, unsigned long nocross,
		    unsigned long minaddr, unsigned long maxaddr,
		    unsigned long q, unsigned long *addrp)
{
	unsigned long a = last - (size - 1);

	for (;; a -= q) {
		if (a >= minaddr && a + (size - 1) <= maxaddr &&
		    !((a - phase) & (align - 1)) &&
		    (!nocross || a / nocross == (a + size - 1) / nocross)) {
			*addrp = a;
			return true;
		}
		if (a < start + q)
			return false;
	}
}

static void topdown_placement(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0x10000, 0x10000, 16);
	unsigned long a, b, c, hole;

	/* The top of the one free segment. */
	a = vmem_test_alloc(test, vm, 0x100, VMEM_NOSLEEP | VMEM_TOPDOWN);
	KUNIT_EXPECT_EQ(test, a, 0x20000UL - 0x100);
	/* Instant fit's segment is the same as without the flag. */
	hole = vmem_test_alloc(test, vm, 0x1000, VMEM_NOSLEEP);
	KUNIT_EXPECT_EQ(test, hole, 0x10000UL);
	b = vmem_test_alloc(test, vm, 0x10, VMEM_NOSLEEP);
	vmem_free(vm, hole, 0x1000);	/* free: [0x10000, +0x1000) and more */
	c = vmem_test_alloc(test, vm, 0x800,
			    VMEM_NOSLEEP | VMEM_BESTFIT | VMEM_TOPDOWN);
	KUNIT_EXPECT_EQ(test, c, 0x11000UL - 0x800);
	vmem_free(vm, c, 0x800);
	c = vmem_test_alloc(test, vm, 0x800,
			    VMEM_NOSLEEP | VMEM_INSTANTFIT | VMEM_TOPDOWN);
	/* Instant fit: list 12, the 0x1000 hole, before the larger list. */
	KUNIT_EXPECT_EQ(test, c, 0x11000UL - 0x800);
	vmem_free(vm, c, 0x800);
	/* Next fit ignores it: the first fit after the rotor. */
	c = vmem_test_alloc(test, vm, 0x20, VMEM_NOSLEEP | VMEM_NEXTFIT |
					     VMEM_TOPDOWN);
	KUNIT_EXPECT_EQ(test, c, 0x10000UL);
	vmem_free(vm, c, 0x20);
	vmem_free(vm, a, 0x100);
	vmem_free(vm, b, 0x10);

	/* Constraints at the top: align and phase, a boundary, a window. */
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 0x100, 0x1000, 0x30, 0, 0,
					  ULONG_MAX,
					  VMEM_NOSLEEP | VMEM_TOPDOWN, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x1f030UL);
	vmem_xfree(vm, a, 0x100);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 0x300, 0x100, 0, 0x400, 0,
					  0x1f5ff,
					  VMEM_NOSLEEP | VMEM_TOPDOWN, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x1f100UL);	/* 0x1f300 would cross */
	vmem_xfree(vm, a, 0x300);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x10000);
	VMEM_TEST_CHECK(test, vm);
}

/* Random constraints against brute force, in a span at the top. */
static void topdown_random(struct kunit *test)
{
	static const unsigned long bases[] = { 0x10000, 0UL - 0x4000 };
	unsigned long size, align, phase, nocross, minaddr, maxaddr, a, want;
	struct rnd_state rnd;
	struct vmem *vm;
	unsigned int i, k;
	bool fit;
	int ret;

	prandom_seed_state(&rnd, 42);
	for (k = 0; k < ARRAY_SIZE(bases); k++) {
		unsigned long base = bases[k], last = base + 0x3fff;

		vm = vmem_test_create(test, base, 0x4000, 16);
		for (i = 0; i < 2000; i++) {
			size = 16 * (1 + prandom_u32_state(&rnd) % 64);
			align = 16UL << (prandom_u32_state(&rnd) % 9);
			phase = prandom_u32_state(&rnd) % 2 ?
				(prandom_u32_state(&rnd) % align) & ~15UL : 0;
			nocross = prandom_u32_state(&rnd) % 2 ?
				  16UL << (prandom_u32_state(&rnd) % 12) : 0;
			if (nocross && size > nocross - (phase & (nocross - 1)))
				nocross = 0;
			minaddr = prandom_u32_state(&rnd) % 3 ? 0 :
				  base + 16 * (prandom_u32_state(&rnd) % 0x200);
			maxaddr = prandom_u32_state(&rnd) % 3 ? ULONG_MAX :
				  minaddr + size - 1 +
				  16 * (prandom_u32_state(&rnd) % 0x300);
			if (maxaddr < minaddr)	/* wrapped at the top */
				maxaddr = ULONG_MAX;
			fit = top_fit(base, last, size, align, phase, nocross,
				      minaddr, maxaddr, 16, &want);
			ret = vmem_xalloc(vm, size, align, phase, nocross,
					  minaddr, maxaddr,
					  VMEM_NOSLEEP | VMEM_TOPDOWN, &a);
			KUNIT_ASSERT_EQ_MSG(test, ret, fit ? 0 : -ENOMEM,
					    "size %#lx align %#lx phase %#lx nocross %#lx window [%#lx, %#lx]",
					    size, align, phase, nocross,
					    minaddr, maxaddr);
			if (ret)
				continue;
			KUNIT_ASSERT_EQ_MSG(test, a, want,
					    "size %#lx align %#lx phase %#lx nocross %#lx window [%#lx, %#lx]",
					    size, align, phase, nocross,
					    minaddr, maxaddr);
			vmem_xfree(vm, a, size);
		}
		VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x4000);
		vmem_test_destroy(test, vm);
	}
}

/* The very top of the address space. */
static void topdown_ulong_max(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, 0UL - 0x10000, 0x10000, 16);
	unsigned long a;

	a = vmem_test_alloc(test, vm, 0x40, VMEM_NOSLEEP | VMEM_TOPDOWN);
	KUNIT_EXPECT_EQ(test, a, 0UL - 0x40);
	KUNIT_EXPECT_EQ(test, a + 0x3f, ULONG_MAX);
	vmem_free(vm, a, 0x40);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 0x40, 0x1000, 0x20, 0, 0,
					  ULONG_MAX,
					  VMEM_NOSLEEP | VMEM_TOPDOWN, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0UL - 0x1000 + 0x20);
	vmem_xfree(vm, a, 0x40);
	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, 0x10000, 0, 0, 0, 0, ULONG_MAX,
					  VMEM_NOSLEEP | VMEM_TOPDOWN, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0UL - 0x10000);
	vmem_xfree(vm, a, 0x10000);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 0x10000);
}

/* A cached size with VMEM_TOPDOWN comes from the arena, not a slab. */
static void topdown_bypasses_caches(struct kunit *test)
{
	struct vmem *vm = vmem_test_create_qc(test, "kunit-qc", 0x10000,
					      0x10000, 16, NULL, NULL, NULL,
					      64, VMEM_SLEEP);
	unsigned long a, b;
	unsigned int i;
	u64 hits = 0;

	a = vmem_test_alloc(test, vm, 16, VMEM_NOSLEEP | VMEM_TOPDOWN);
	KUNIT_EXPECT_EQ(test, a, 0x20000UL - 16);
	for (i = 0; i < vm->nqcache; i++)
		KUNIT_EXPECT_EQ(test, vm->qcache[i]->nslabs, 0UL);
	b = vmem_test_alloc(test, vm, 16, VMEM_NOSLEEP);	/* cached */
	KUNIT_EXPECT_EQ(test, vm->qcache[0]->nslabs, 1UL);
	vmem_free(vm, a, 16);
	vmem_free(vm, b, 16);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, 0ULL);
	for (i = 0; i < vm->nqcache; i++) {
		struct vmem_qcache_stats qs;

		vmem_qcache_stats(vm->qcache[i], &qs);
		hits += qs.alloc;
	}
	KUNIT_EXPECT_EQ(test, hits, 1ULL);
	vmem_test_expect_all_back(test, vm);
}

/* The flag reaches a vmem source: imports come from its top. */
static void topdown_through_import(struct kunit *test)
{
	struct vmem *root = make_root(test, 16);
	struct vmem *vm = make_child(test, root, 16, 0x1000);
	unsigned long a;

	a = vmem_test_alloc(test, vm, 0x100, VMEM_NOSLEEP | VMEM_TOPDOWN);
	KUNIT_EXPECT_EQ(test, a, ROOT_BASE + ROOT_SIZE - 0x100);
	KUNIT_EXPECT_TRUE(test, vmem_contains(root, ROOT_BASE + ROOT_SIZE -
					      0x1000, 0x1000));
	vmem_free(vm, a, 0x100);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, ROOT_SIZE);
}

static int xcreate_init(struct kunit *test)
{
	return vmem_test_init(test);
}

static struct kunit_case vmem_xcreate_cases[] = {
	KUNIT_CASE(xcreate_bad_args),
	KUNIT_CASE(xcreate_same_as_create),
	KUNIT_CASE(import_quantum_counts),
	KUNIT_CASE(import_quantum_near_exhaustion),
	KUNIT_CASE(import_quantum_one_span),
	KUNIT_CASE(ximport_gets_constraints),
	KUNIT_CASE(ximport_grows_size),
	KUNIT_CASE(ximport_span_misses_constraints),
	KUNIT_CASE(create_import_misses_window),
	KUNIT_CASE(ximport_unusable_spans),
	KUNIT_CASE(topdown_placement),
	KUNIT_CASE(topdown_random),
	KUNIT_CASE(topdown_ulong_max),
	KUNIT_CASE(topdown_bypasses_caches),
	KUNIT_CASE(topdown_through_import),
	{}
};

static struct kunit_suite vmem_xcreate_suite = {
	.name = "vmem_xcreate",
	.init = xcreate_init,
	.test_cases = vmem_xcreate_cases,
};

kunit_test_suite(vmem_xcreate_suite);
