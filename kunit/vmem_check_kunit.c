// SPDX-License-Identifier: GPL-2.0
/*
 * vmem_check(), the invariant check every other suite relies on: a sound
 * arena passes, and each kind of damage done to one (a counter, the
 * freelist bitmap, a segment's size or type, the rotor, the tag reserve)
 * is reported until it is undone.
 */
#include <kunit/test.h>
#include "vmem_test.h"

#define Q	0x10UL
#define BASE	0x1000UL

enum damage {
	D_INUSE, D_TOTAL, D_IMPORT, D_NBUSY, D_NFREE, D_FREEMAP_CLEAR,
	D_FREEMAP_SET, D_FREE_GROWN, D_ALLOC_AS_FREE, D_FREE_AS_ALLOC,
	D_ROTOR_OFF, D_RESERVE, D_SPAN_SHRUNK, D_SEG_MISALIGNED,
};

struct damage_case {
	const char *desc;
	enum damage kind;
};

static const struct damage_case damages[] = {
	{ "mem_inuse off by a quantum", D_INUSE },
	{ "mem_total off by a quantum", D_TOTAL },
	{ "mem_import without imported span", D_IMPORT },
	{ "nbusy off by one", D_NBUSY },
	{ "nfree off by one", D_NFREE },
	{ "freemap bit of a used list cleared", D_FREEMAP_CLEAR },
	{ "freemap bit of an empty list set", D_FREEMAP_SET },
	{ "free segment grown over its neighbour", D_FREE_GROWN },
	{ "allocated segment typed free", D_ALLOC_AS_FREE },
	{ "free segment typed allocated", D_FREE_AS_ALLOC },
	{ "rotor offset past its segment", D_ROTOR_OFF },
	{ "tag reserve count off", D_RESERVE },
	{ "span shrunk", D_SPAN_SHRUNK },
	{ "segment start misaligned", D_SEG_MISALIGNED },
};

KUNIT_ARRAY_PARAM_DESC(damages, damages, desc);

/* The first segment of @type after the first span marker. */
static struct vmem_seg *first_seg(struct vmem *vm, u8 type)
{
	struct vmem_seg *seg;

	list_for_each_entry(seg, &vm->segs, seglist)
		if (seg->type == type)
			return seg;
	return NULL;
}

struct saved {
	struct vmem_seg *seg;
	struct vmem_seg *rotor;
	unsigned long rotor_off;
	unsigned long value;
	u8 type;
};

/* Do (@undo false) or undo (@undo true) the damage @kind to @vm. */
static void damage(struct vmem *vm, enum damage kind, struct saved *s,
		   bool undo)
{
	struct vmem_seg *seg;
	unsigned long flags;
	long d = undo ? -1 : 1;

	spin_lock_irqsave(&vm->lock, flags);
	switch (kind) {
	case D_INUSE:
		vm->mem_inuse += d * Q;
		break;
	case D_TOTAL:
		vm->mem_total -= d * Q;
		break;
	case D_IMPORT:
		vm->mem_import += d * Q;
		break;
	case D_NBUSY:
		vm->nbusy += d;
		break;
	case D_NFREE:
		vm->nfree += d;
		break;
	case D_FREEMAP_CLEAR:
		seg = first_seg(vm, VMEM_SEG_FREE);
		vm->freemap ^= BIT(vmem_freelist_index(seg->size));
		break;
	case D_FREEMAP_SET:
		vm->freemap ^= BIT(BITS_PER_LONG - 2);
		break;
	case D_FREE_GROWN:
		seg = first_seg(vm, VMEM_SEG_FREE);
		seg->size += d * Q;
		break;
	case D_ALLOC_AS_FREE:
	case D_FREE_AS_ALLOC:
		if (!undo) {
			s->seg = first_seg(vm, kind == D_ALLOC_AS_FREE ?
					   VMEM_SEG_ALLOC : VMEM_SEG_FREE);
			s->type = s->seg->type;
			s->seg->type = kind == D_ALLOC_AS_FREE ?
				       VMEM_SEG_FREE : VMEM_SEG_ALLOC;
		} else {
			s->seg->type = s->type;
		}
		break;
	case D_ROTOR_OFF:
		if (!undo) {
			s->rotor = vm->rotor;
			s->rotor_off = vm->rotor_off;
			vm->rotor = first_seg(vm, VMEM_SEG_ALLOC);
			vm->rotor_off = vm->rotor->size + Q;
		} else {
			vm->rotor = s->rotor;
			vm->rotor_off = s->rotor_off;
		}
		break;
	case D_RESERVE:
		vm->nreserve += d;
		break;
	case D_SPAN_SHRUNK:
		seg = first_seg(vm, VMEM_SEG_SPAN);
		seg->size -= d * Q;
		break;
	case D_SEG_MISALIGNED:
		seg = first_seg(vm, VMEM_SEG_ALLOC);
		seg->start += d * 1;
		seg->size -= d * 1;
		break;
	}
	spin_unlock_irqrestore(&vm->lock, flags);
}

static void check_reports_damage(struct kunit *test)
{
	const struct damage_case *c = test->param_value;
	struct vmem *vm = vmem_test_create(test, BASE, 64 * Q, Q);
	struct saved s = { };
	const char *why;
	unsigned long a;

	/* Allocated and free segments of several sizes, and a rotor. */
	vmem_test_take(test, vm, BASE, 2 * Q);
	vmem_test_take(test, vm, BASE + 5 * Q, Q);
	a = vmem_test_alloc(test, vm, 3 * Q, VMEM_NEXTFIT | VMEM_NOSLEEP);
	VMEM_TEST_ASSERT_CHECK(test, vm);

	damage(vm, c->kind, &s, false);
	why = vmem_check(vm);
	damage(vm, c->kind, &s, true);
	KUNIT_EXPECT_NOT_NULL_MSG(test, why, "vmem_check missed: %s", c->desc);
	if (why)
		kunit_info(test, "%s: \"%s\"\n", c->desc, why);
	VMEM_TEST_CHECK(test, vm);
	vmem_free(vm, BASE, 2 * Q);
	vmem_free(vm, BASE + 5 * Q, Q);
	vmem_free(vm, a, 3 * Q);
	VMEM_TEST_EXPECT_SIZES(test, vm, 0, 64 * Q);
	VMEM_TEST_CHECK(test, vm);
}

/* Sound arenas of every shape pass. */
static void check_passes_sound_arenas(struct kunit *test)
{
	struct vmem *empty = vmem_test_create(test, 0, 0, Q);
	struct vmem *top = vmem_test_create(test, ULONG_MAX - 16 * Q + 1,
					    16 * Q, Q);
	struct vmem *all = vmem_test_create(test, 0, ULONG_MAX, 1);
	struct vmem *leaf = vmem_test_create_child(test, "kunit-leaf", top, Q);
	unsigned long a;

	VMEM_TEST_CHECK(test, empty);
	VMEM_TEST_CHECK(test, top);
	VMEM_TEST_CHECK(test, all);
	VMEM_TEST_CHECK(test, leaf);
	vmem_test_take(test, top, ULONG_MAX - Q + 1, Q);
	vmem_test_take(test, all, ULONG_MAX - 1, 1);
	a = vmem_test_alloc(test, leaf, Q, VMEM_NEXTFIT | VMEM_NOSLEEP);
	VMEM_TEST_CHECK(test, top);
	VMEM_TEST_CHECK(test, all);
	VMEM_TEST_CHECK(test, leaf);
	vmem_free(leaf, a, Q);
	vmem_free(top, ULONG_MAX - Q + 1, Q);
	vmem_free(all, ULONG_MAX - 1, 1);
	VMEM_TEST_CHECK(test, top);
	VMEM_TEST_CHECK(test, all);
	VMEM_TEST_CHECK(test, leaf);
}

static struct kunit_case vmem_check_cases[] = {
	KUNIT_CASE_PARAM(check_reports_damage, damages_gen_params),
	KUNIT_CASE(check_passes_sound_arenas),
	{}
};

static struct kunit_suite vmem_check_suite = {
	.name = "vmem_check",
	.init = vmem_test_init,
	.test_cases = vmem_check_cases,
};

kunit_test_suite(vmem_check_suite);
