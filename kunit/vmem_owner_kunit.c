// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation owners (VMEM_ARENA_DEBUG, vmem.debug=1, vmem_owner.c): each
 * live allocation of a debugged arena, cached objects included, carries
 * the stack that allocated it, which survives the coalescing of its
 * neighbours; an arena without the flag records nothing and keeps plain
 * tags; the owners file groups by stack; the leak report of vmem_destroy()
 * names leaked allocations with their stacks, bounded.
 */
#include <kunit/test.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include "vmem_test.h"

#define BASE	0x100000UL
#define SIZE	0x100000UL
#define OWNERS_MAX	64

struct seen {
	unsigned int n;
	unsigned long addr[OWNERS_MAX], size[OWNERS_MAX];
	depot_stack_handle_t owner[OWNERS_MAX];
};

static void seen_one(void *arg, unsigned long addr, unsigned long size,
		     depot_stack_handle_t owner)
{
	struct seen *s = arg;

	if (s->n < OWNERS_MAX) {
		s->addr[s->n] = addr;
		s->size[s->n] = size;
		s->owner[s->n] = owner;
	}
	s->n++;
}

static depot_stack_handle_t owner_of(struct kunit *test, struct vmem *vm,
				     unsigned long addr, unsigned long size)
{
	struct seen *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	vmem_owners_walk(vm, seen_one, s);
	for (i = 0; i < min(s->n, OWNERS_MAX); i++)
		if (s->addr[i] == addr) {
			KUNIT_EXPECT_EQ(test, s->size[i], size);
			return s->owner[i];
		}
	KUNIT_FAIL(test, "%#lx not among the owners of '%s'", addr, vm->name);
	return 0;
}

/* Does the recorded stack go through @fn? */
static bool stack_has(depot_stack_handle_t owner, void *fn)
{
	char name[128], want[128];
	unsigned long *entries;
	unsigned int nr, i;

	snprintf(want, sizeof(want), "%ps", fn);
	nr = vmem_owner_stack(owner, &entries);
	for (i = 0; i < nr; i++) {
		snprintf(name, sizeof(name), "%ps", (void *)entries[i]);
		if (!strcmp(name, want))
			return true;
	}
	return false;
}

/* Two distinct callers, not inlined, so that their stacks differ. */
static noinline unsigned long owner_alloc_a(struct kunit *test,
					    struct vmem *vm, unsigned long size)
{
	return vmem_test_alloc(test, vm, size, VMEM_SLEEP);
}

static noinline unsigned long owner_alloc_b(struct kunit *test,
					    struct vmem *vm, unsigned long size)
{
	unsigned long addr;

	KUNIT_ASSERT_EQ(test, vmem_xalloc(vm, size, 0, 0, 0, VMEM_ADDR_MIN,
					  VMEM_ADDR_MAX, VMEM_SLEEP, &addr), 0);
	return addr;
}

static struct vmem *debug_arena(struct kunit *test, const char *name,
				unsigned long qcache_max)
{
	struct vmem_args args = {
		.base = BASE, .size = SIZE, .quantum = 16,
		.qcache_max = qcache_max, .flags = VMEM_ARENA_DEBUG,
	};

	return vmem_test_adopt(test, vmem_xcreate(name, &args, VMEM_SLEEP));
}

/* Owners exactly when debugging: recorded per segment, plain tags without. */
static void owner_only_when_debugged(struct kunit *test)
{
	struct vmem *plain = vmem_test_create(test, BASE, SIZE, 16);
	struct vmem *vm = debug_arena(test, "kunit-owner", 0);
	struct seen *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned long a, b;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_FALSE(test, vmem_debugged(plain));
	KUNIT_EXPECT_TRUE(test, vmem_debugged(vm));
	owner_alloc_a(test, plain, 0x100);
	KUNIT_EXPECT_EQ(test, vmem_owners_walk(plain, seen_one, s), 0UL);
	KUNIT_EXPECT_EQ(test, s->n, 0U);

	a = owner_alloc_a(test, vm, 0x100);
	b = owner_alloc_b(test, vm, 0x200);
	KUNIT_EXPECT_EQ(test, vmem_owners_walk(vm, seen_one, s), 2UL);
	KUNIT_EXPECT_TRUE(test, stack_has(owner_of(test, vm, a, 0x100),
					  owner_alloc_a));
	KUNIT_EXPECT_FALSE(test, stack_has(owner_of(test, vm, a, 0x100),
					   owner_alloc_b));
	KUNIT_EXPECT_TRUE(test, stack_has(owner_of(test, vm, b, 0x200),
					  owner_alloc_b));
	/* The stack starts in vmem and goes through this test. */
	KUNIT_EXPECT_TRUE(test, stack_has(owner_of(test, vm, b, 0x200),
					  owner_only_when_debugged));
	VMEM_TEST_CHECK(test, vm);
}

/* Neighbours freed and merged around a segment leave its owner alone. */
static void owner_survives_coalescing(struct kunit *test)
{
	struct vmem *vm = debug_arena(test, "kunit-owner", 0);
	unsigned long x[5];
	unsigned int i;

	for (i = 0; i < 5; i++)
		x[i] = i == 2 ? owner_alloc_b(test, vm, 0x100) :
			       owner_alloc_a(test, vm, 0x100);
	vmem_free(vm, x[1], 0x100);
	vmem_free(vm, x[3], 0x100);
	vmem_free(vm, x[0], 0x100);
	vmem_free(vm, x[4], 0x100);
	/* x[2] now sits between free segments, merged on both sides. */
	KUNIT_EXPECT_TRUE(test, stack_has(owner_of(test, vm, x[2], 0x100),
					  owner_alloc_b));
	/* Its neighbours' space, allocated again, gets the new owner. */
	x[0] = owner_alloc_b(test, vm, 0x200);
	KUNIT_EXPECT_TRUE(test, stack_has(owner_of(test, vm, x[0], 0x200),
					  owner_alloc_b));
	x[1] = owner_alloc_a(test, vm, 0x100);
	KUNIT_EXPECT_TRUE(test, stack_has(owner_of(test, vm, x[1], 0x100),
					  owner_alloc_a));
	VMEM_TEST_CHECK(test, vm);
}

/* Cached objects have owners; slabs are not listed as allocations. */
static void owner_cached_objects(struct kunit *test)
{
	struct vmem *vm = debug_arena(test, "kunit-owner", 64);
	struct seen *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct vmem_qcache_stats st;
	unsigned long a, b;

	KUNIT_ASSERT_NOT_NULL(test, s);
	a = owner_alloc_a(test, vm, 16);
	b = owner_alloc_b(test, vm, 0x1000);	/* not a cached size */
	/* a is an object of a slab (quantum 16): the cache's first. */
	vmem_qcache_stats(vm->qcache[0], &st);
	KUNIT_EXPECT_EQ(test, st.slabs, 1UL);
	KUNIT_EXPECT_EQ(test, vmem_owners_walk(vm, seen_one, s), 2UL);
	KUNIT_EXPECT_TRUE(test, stack_has(owner_of(test, vm, a, 16),
					  owner_alloc_a));
	KUNIT_EXPECT_TRUE(test, stack_has(owner_of(test, vm, b, 0x1000),
					  owner_alloc_b));
	vmem_free(vm, a, 16);
	s->n = 0;
	KUNIT_EXPECT_EQ(test, vmem_owners_walk(vm, seen_one, s), 1UL);
	KUNIT_EXPECT_EQ(test, s->addr[0], b);
}

/* An importer's span in its source is owned by the importing stack. */
static void owner_of_import(struct kunit *test)
{
	struct vmem *root = debug_arena(test, "kunit-owner-root", 0);
	struct vmem *child = vmem_test_create_child(test, "kunit-owner-child",
						    root, 16);
	struct seen *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	owner_alloc_b(test, child, 0x300);
	KUNIT_EXPECT_EQ(test, vmem_owners_walk(root, seen_one, s), 1UL);
	KUNIT_EXPECT_TRUE(test, stack_has(s->owner[0], owner_alloc_b));
}

/* vmem.debug=1 debugs arenas created from then on. */
static void owner_debug_param(struct kunit *test)
{
	bool was = vmem_debug_all;
	struct vmem *vm;
	unsigned long a;

	vmem_debug_all = true;
	vm = vmem_create("kunit-owner", BASE, SIZE, 16, NULL, NULL, NULL, 0,
			 VMEM_SLEEP);
	vmem_debug_all = was;	/* before any assertion can end the case */
	vmem_test_adopt(test, vm);
	KUNIT_EXPECT_TRUE(test, vmem_debugged(vm));
	a = owner_alloc_a(test, vm, 0x40);
	KUNIT_EXPECT_TRUE(test, stack_has(owner_of(test, vm, a, 0x40),
					  owner_alloc_a));
}

/* vmem_show_owners() and vmem_show_segments() into a buffer of ours. */
static char *show(struct kunit *test, struct vmem *vm, bool owners)
{
	struct seq_file *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->size = PAGE_SIZE * 4;
	m->buf = kunit_kzalloc(test, m->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	if (owners)
		KUNIT_ASSERT_EQ(test, vmem_show_owners(m, vm), 0);
	else
		vmem_show_segments(m, vm);
	KUNIT_ASSERT_FALSE(test, seq_has_overflowed(m));
	m->buf[m->count] = '\0';
	return m->buf;
}

/* The owners file: by stack, most bytes first; segments name owners. */
static void owner_files(struct kunit *test)
{
	struct vmem *vm = debug_arena(test, "kunit-owner", 64);
	char *text, *a_at, *b_at, want[96];
	unsigned int i, three = 3;
	unsigned long b;

	if (!IS_ENABLED(CONFIG_DEBUG_FS))
		kunit_skip(test, "CONFIG_DEBUG_FS is off");
	/* One call site, however the compiler would unroll a known count. */
	OPTIMIZER_HIDE_VAR(three);
	for (i = 0; i < three; i++)
		owner_alloc_a(test, vm, 32);		/* cached, 96 bytes */
	b = owner_alloc_b(test, vm, 0x2000);		/* a segment */
	text = show(test, vm, true);
	KUNIT_EXPECT_NOT_NULL_MSG(test,
				  strstr(text, "# 4 allocations, 8288 bytes, 2 stacks\n"),
				  "%s", text);
	a_at = strstr(text, "\n3 96 stack 0x");
	b_at = strstr(text, "\n1 8192 stack 0x");
	KUNIT_EXPECT_TRUE_MSG(test, a_at && b_at && b_at < a_at, "%s", text);
	snprintf(want, sizeof(want), "    %ps+", owner_alloc_b);
	KUNIT_EXPECT_TRUE_MSG(test, b_at && strstr(b_at, want) &&
			      (!a_at || strstr(b_at, want) < a_at), "%s", text);

	text = show(test, vm, false);
	snprintf(want, sizeof(want), "alloc %#lx %#lx 8192 %ps+", b,
		 b + 0x1fff, owner_alloc_b);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(text, want), "%s", text);
	/* The cached objects' slab is one segment, marked so. */
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(text, " slab\n"), "%s", text);
}

struct report {
	unsigned int lines;
	char *text;
	size_t len;
};

static void report_line(void *arg, const char *line)
{
	struct report *r = arg;

	r->lines++;
	r->len += scnprintf(r->text + r->len, PAGE_SIZE * 4 - r->len, "%s\n",
			    line);
}

/* The leak report: the first leaks with stacks, then a count. */
static void owner_leak_report(struct kunit *test)
{
	struct vmem *vm = debug_arena(test, "kunit-leaky", 64);
	struct report r = { };
	char want[96];
	unsigned long a;
	unsigned int i;

	r.text = kunit_kzalloc(test, PAGE_SIZE * 4, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r.text);
	vmem_leak_report(vm, report_line, &r);
	KUNIT_EXPECT_EQ(test, r.lines, 0U);

	a = owner_alloc_b(test, vm, 0x1000);
	vmem_leak_report(vm, report_line, &r);
	snprintf(want, sizeof(want),
		 "arena 'kunit-leaky': leaked %#lx-%#lx (size 0x1000), allocated by:\n",
		 a, a + 0xfff);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(r.text, want), "%s", r.text);
	snprintf(want, sizeof(want), "    %ps+", owner_alloc_b);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(r.text, want), "%s", r.text);
	KUNIT_EXPECT_GT(test, r.lines, 2U);

	/* Ten more, cached: eight named in all, then the rest counted. */
	for (i = 0; i < 10; i++)
		owner_alloc_a(test, vm, 32);
	r.len = 0;
	r.lines = 0;
	r.text[0] = 0;
	vmem_leak_report(vm, report_line, &r);
	snprintf(want, sizeof(want),
		 "arena 'kunit-leaky': 3 more leaked allocations not shown\n");
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(r.text, want), "%s", r.text);
	i = 0;
	for (a = 0; a < r.len; a++)
		i += !strncmp(r.text + a, ": leaked ", 9);
	KUNIT_EXPECT_EQ(test, i, (unsigned int)VMEM_LEAKS_SHOWN);
}

static struct kunit_case vmem_owner_cases[] = {
	KUNIT_CASE(owner_only_when_debugged),
	KUNIT_CASE(owner_survives_coalescing),
	KUNIT_CASE(owner_cached_objects),
	KUNIT_CASE(owner_of_import),
	KUNIT_CASE(owner_debug_param),
	KUNIT_CASE(owner_files),
	KUNIT_CASE(owner_leak_report),
	{}
};

static struct kunit_suite vmem_owner_suite = {
	.name = "vmem_owner",
	.init = vmem_test_init,
	.test_cases = vmem_owner_cases,
};

kunit_test_suite(vmem_owner_suite);
