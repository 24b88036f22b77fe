// SPDX-License-Identifier: GPL-2.0
/*
 * Caller mistakes: every bad argument of vmem_alloc() gives -EINVAL and
 * changes nothing; frees of unallocated resources, double frees and frees
 * with the wrong size leave the arena untouched (only stats.bad_free moves)
 * and do not WARN; NULL arenas are ignored by the free and destroy calls;
 * destroying an arena that others import from is refused.
 */
#include <kunit/test.h>
#include <linux/panic.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include "vmem_test.h"

#define Q	0x100UL
#define BASE	0x10000UL

struct abad {
	const char *desc;
	unsigned long size;
	unsigned int vmflag;
};

static const struct abad abad[] = {
	{ "size 0", 0, VMEM_NOSLEEP },
	{ "size ULONG_MAX", ULONG_MAX, VMEM_NOSLEEP },
	{ "size rounding to 2^BITS", ULONG_MAX - Q + 2, VMEM_NOSLEEP },
	{ "size 0, sleep", 0, VMEM_SLEEP },
	{ "no vmflag", Q, 0 },
	{ "only a policy", Q, VMEM_BESTFIT },
	{ "SLEEP and NOSLEEP", Q, VMEM_SLEEP | VMEM_NOSLEEP },
	{ "instant and next fit", Q, VMEM_NOSLEEP | VMEM_INSTANTFIT |
	  VMEM_NEXTFIT },
	{ "best and next fit", Q, VMEM_SLEEP | VMEM_BESTFIT | VMEM_NEXTFIT },
	{ "unknown flag 0x8", Q, VMEM_NOSLEEP | 0x8 },
	{ "unknown flag 0x200", Q, VMEM_NOSLEEP | 0x200 },
	{ "top-down without a sleep flag", Q, VMEM_TOPDOWN },
	{ "unknown flag 0x80000000", Q, VMEM_NOSLEEP | 0x80000000U },
	{ "segment type as flag", Q, VMEM_NOSLEEP | VMEM_SPAN },
};

KUNIT_ARRAY_PARAM_DESC(abad, abad, desc);

static struct vmem *busy_arena(struct kunit *test)
{
	struct vmem *vm = vmem_test_create(test, BASE, 64 * Q, Q);

	vmem_test_take(test, vm, BASE + 4 * Q, 4 * Q);
	vmem_test_take(test, vm, BASE + 8 * Q, Q);
	vmem_test_take(test, vm, BASE + 20 * Q, 2 * Q);
	return vm;
}

static void busy_arena_free(struct vmem *vm)
{
	vmem_free(vm, BASE + 4 * Q, 4 * Q);
	vmem_free(vm, BASE + 8 * Q, Q);
	vmem_free(vm, BASE + 20 * Q, 2 * Q);
}

static void alloc_rejects_bad_arguments(struct kunit *test)
{
	const struct abad *a = test->param_value;
	struct vmem *vm = busy_arena(test);
	struct vmem_test_snap *before = vmem_test_snap(test, vm);
	unsigned long addr = 0x5a5a;

	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, a->size, a->vmflag, &addr),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vm->stats.alloc, before->stats.alloc);
	KUNIT_EXPECT_EQ(test, vm->stats.wait, before->stats.wait);
	vmem_test_expect_unchanged(test, vm, before);
	busy_arena_free(vm);
}

static void alloc_rejects_null(struct kunit *test)
{
	struct vmem *vm = busy_arena(test);
	struct vmem_test_snap *before = vmem_test_snap(test, vm);
	unsigned long addr;

	KUNIT_EXPECT_EQ(test, vmem_alloc(NULL, Q, VMEM_NOSLEEP, &addr),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vmem_alloc(NULL, Q, VMEM_SLEEP, &addr),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, Q, VMEM_NOSLEEP, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmem_alloc(vm, Q, VMEM_SLEEP, NULL), -EINVAL);
	vmem_test_expect_unchanged(test, vm, before);
	busy_arena_free(vm);
}

struct fbad {
	const char *desc;
	unsigned long addr;
	unsigned long size;
	bool free_first;	/* free it properly first: a double free */
};

/* Against busy_arena(): [4Q, 8Q), [8Q, 9Q) and [20Q, 22Q) allocated. */
static const struct fbad fbad[] = {
	{ "free space", BASE + 12 * Q, Q },
	{ "first quantum, free", BASE, Q },
	{ "span start as whole span", BASE, 64 * Q },
	{ "outside every span", 0x100000, Q },
	{ "just below the span", BASE - Q, Q },
	{ "just past the span", BASE + 64 * Q, Q },
	{ "address 0", 0, Q },
	{ "ULONG_MAX", ULONG_MAX, 1 },
	{ "inside an allocation", BASE + 5 * Q, Q },
	{ "inside an allocation, to its end", BASE + 5 * Q, 3 * Q },
	{ "unaligned address", BASE + 4 * Q + 1, 4 * Q },
	{ "size too small", BASE + 4 * Q, 3 * Q },
	{ "size too large", BASE + 4 * Q, 5 * Q },
	{ "size rounding too large", BASE + 4 * Q, 4 * Q + 1 },
	{ "two allocations as one", BASE + 8 * Q, 13 * Q },
	{ "size 0", BASE + 8 * Q, 0 },
	{ "size ULONG_MAX", BASE + 8 * Q, ULONG_MAX },
	{ "double free", BASE + 8 * Q, Q, true },
	{ "double free, size before rounding", BASE + 20 * Q, Q + 1, true },
};

KUNIT_ARRAY_PARAM_DESC(fbad, fbad, desc);

static void free_bad_leaves_arena_untouched(struct kunit *test)
{
	const struct fbad *f = test->param_value;
	struct vmem *vm = busy_arena(test);
	struct vmem_test_snap *before;
	bool warned = test_taint(TAINT_WARN);

	if (f->free_first)
		vmem_free(vm, f->addr, f->size);
	before = vmem_test_snap(test, vm);
	vmem_free(vm, f->addr, f->size);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, before->stats.bad_free + 1);
	vmem_xfree(vm, f->addr, f->size);
	KUNIT_EXPECT_EQ(test, vm->stats.bad_free, before->stats.bad_free + 2);
	KUNIT_EXPECT_EQ(test, vm->stats.free, before->stats.free);
	KUNIT_EXPECT_EQ(test, vm->stats.alloc, before->stats.alloc);
	vmem_test_expect_unchanged(test, vm, before);
	if (!warned)
		KUNIT_EXPECT_FALSE_MSG(test, test_taint(TAINT_WARN),
				       "a bad free WARNed (a warning line was asked for)");
	/* The arena is still fully usable. */
	if (f->free_first)
		vmem_test_take(test, vm, f->addr, round_up(f->size, Q));
	busy_arena_free(vm);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 64 * Q);
	KUNIT_EXPECT_EQ(test, vmem_test_count(vm, VMEM_FREE), 1U);
	VMEM_TEST_CHECK(test, vm);
}

/* A bad free in an importing arena gives nothing back to the source. */
static void free_bad_in_importer(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, 0x100000, 0x10000, Q);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", root,
						   Q);
	struct vmem_test_snap *lb, *rb;
	unsigned long a;

	a = vmem_test_alloc(test, leaf, 2 * Q, VMEM_NOSLEEP);
	lb = vmem_test_snap(test, leaf);
	rb = vmem_test_snap(test, root);
	vmem_free(leaf, a, Q);
	vmem_free(leaf, a + Q, Q);
	vmem_free(leaf, a, 3 * Q);
	vmem_free(leaf, 0x100000 + 0x8000, Q);
	KUNIT_EXPECT_EQ(test, leaf->stats.bad_free, lb->stats.bad_free + 4);
	KUNIT_EXPECT_EQ(test, leaf->stats.release, lb->stats.release);
	vmem_test_expect_unchanged(test, leaf, lb);
	vmem_test_expect_unchanged(test, root, rb);
	vmem_free(leaf, a, 2 * Q);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, 0x10000);
}

static void free_null_arena_ignored(struct kunit *test)
{
	vmem_free(NULL, 0x1000, 0x100);
	vmem_xfree(NULL, 0x1000, 0x100);
	vmem_free(NULL, 0, 0);
	KUNIT_SUCCEED(test);
}

static void destroy_null_ignored(struct kunit *test)
{
	long tags = vmem_tags_live();

	vmem_destroy(NULL);
	KUNIT_EXPECT_EQ(test, vmem_tags_live(), tags);
}

/* An arena that others import from is not destroyed. */
static void destroy_source_refused(struct kunit *test)
{
	struct vmem *root = vmem_test_create(test, 0x100000, 0x10000, Q);
	struct vmem *idle = vmem_test_create_child(test, "kunit-idle", root,
						   Q);
	struct vmem *busy = vmem_test_create_child(test, "kunit-busy", root,
						   Q);
	struct vmem_test_snap *before;
	unsigned long a, b;

	a = vmem_test_alloc(test, busy, Q, VMEM_NOSLEEP);
	before = vmem_test_snap(test, root);
	vmem_destroy(root);
	/* Still there, unchanged and usable, by itself and its importers. */
	KUNIT_EXPECT_STREQ(test, root->name, "kunit");
	vmem_test_expect_unchanged(test, root, before);
	b = vmem_test_alloc(test, root, Q, VMEM_NOSLEEP);
	vmem_free(root, b, Q);
	b = vmem_test_alloc(test, idle, 2 * Q, VMEM_NOSLEEP);
	vmem_free(idle, b, 2 * Q);
	vmem_free(busy, a, Q);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, 0x10000);
	/* Refused while the idle importer lives, without allocations. */
	vmem_test_destroy(test, busy);
	vmem_destroy(root);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, 0x10000);
	VMEM_TEST_CHECK(test, root);
	b = vmem_test_alloc(test, idle, Q, VMEM_NOSLEEP);
	vmem_free(idle, b, Q);
	/* Once the importers are gone it can go: the cleanup does that. */
	vmem_test_destroy(test, idle);
	VMEM_TEST_CHECK(test, root);
}

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

/* Is an arena whose directory (or name) is @name listed in "arenas"? */
static bool arena_listed(struct kunit *test, const char *name)
{
	struct seq_file *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	char *line, *text;
	size_t len = strlen(name);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->size = SZ_64K;
	m->buf = kunit_kzalloc(test, m->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	vmem_show_arenas(m);
	KUNIT_ASSERT_LT(test, m->count, m->size);
	m->buf[m->count] = '\0';
	text = m->buf;
	while ((line = strsep(&text, "\n")))
		if (!strncmp(line, name, len) && line[len] == ' ')
			return true;
	return false;
}

/*
 * The same with custom import and release functions: the importer still
 * imports from the arena named as its source, and would free into it.
 */
static void destroy_source_of_custom_importer_refused(struct kunit *test)
{
	struct vmem *root, *leaf;
	unsigned long a;

	root = vmem_test_create_full(test, "kunit-csrc", 0x100000, 0x10000, Q,
				     NULL, NULL, NULL, VMEM_SLEEP);
	/* No allocation in the leaf: its destroy never touches root. */
	leaf = vmem_test_create_full(test, "kunit-cleaf", 0, 0, Q,
				     plain_import, plain_release, root,
				     VMEM_SLEEP);
	KUNIT_ASSERT_TRUE(test, arena_listed(test, "kunit-csrc"));
	vmem_destroy(root);
	if (!arena_listed(test, "kunit-csrc")) {
		/* It is gone: do not touch it again. */
		kunit_remove_action(test, vmem_test_destroy_action, root);
		KUNIT_FAIL(test,
			   "destroyed an arena that a live arena with custom import/release names as its source");
		return;
	}
	a = vmem_test_alloc(test, leaf, Q, VMEM_NOSLEEP);
	vmem_free(leaf, a, Q);
	VMEM_TEST_EXPECT_SIZES(test, root, 0, 0x10000);
}

static struct kunit_case vmem_bad_input_cases[] = {
	KUNIT_CASE_PARAM(alloc_rejects_bad_arguments, abad_gen_params),
	KUNIT_CASE(alloc_rejects_null),
	KUNIT_CASE_PARAM(free_bad_leaves_arena_untouched, fbad_gen_params),
	KUNIT_CASE(free_bad_in_importer),
	KUNIT_CASE(free_null_arena_ignored),
	KUNIT_CASE(destroy_null_ignored),
	KUNIT_CASE(destroy_source_refused),
	KUNIT_CASE(destroy_source_of_custom_importer_refused),
	{}
};

static struct kunit_suite vmem_bad_input_suite = {
	.name = "vmem_bad_input",
	.init = vmem_test_init,
	.test_cases = vmem_bad_input_cases,
};

kunit_test_suite(vmem_bad_input_suite);
