// SPDX-License-Identifier: GPL-2.0
/*
 * The differential test of the vmem core in userspace: seeded random
 * operations on a world of stacked arenas, each checked against the
 * reference model of vmem_model.c and the arenas' invariants.
 *
 * Usage: vmem_random [-k] [-v] [-f rate] [first-seed [seeds [ops]]]
 *   -k       keep going after a failing seed (for coverage)
 *   -v       print every operation (and every kernel message)
 *   -f rate  fail one bookkeeping allocation in "rate" (fault injection)
 *
 * Every fourth seed runs with fault injection (one in 64) unless -f says
 * otherwise.  On failure the seed and operation are printed, and
 * "vmem_random -v SEED 1 OPS" replays it; the exit status is 1.
 */
#include <unistd.h>
#include <linux/vmem.h>
#include "vmem_internal.h"
#include "vmem_invariants.h"
#include "vmem_model.h"

/*
 * The checker checked: each corruption of an arena's structures, made and
 * undone in turn, must be reported by vmem_check().
 */
#define CORRUPT(field, value)						\
	do {								\
		typeof(field) *p = &(field), saved = *p;		\
		*p = (value);						\
		if (!vmem_check(vm)) {					\
			fprintf(stderr, "FAIL vmem_check() missed %s\n", \
				#value);				\
			bad++;						\
		}							\
		*p = saved;						\
	} while (0)

static int check_the_checker(void)
{
	struct vmem_seg *seg[8], *pos, bogus = { .size = 4 };
	unsigned long a, b;
	struct vmem *vm;
	int n = 0, bad = 0;

	vm = vmem_create("checked", 0x100, 0x100, 4, NULL, NULL, NULL, 0,
			 VMEM_SLEEP);
	if (IS_ERR(vm) || vmem_add(vm, 0x1000, 0x100, VMEM_SLEEP) ||
	    vmem_xalloc(vm, 8, 0, 0, 0, 0x100, 0x107, VMEM_NOSLEEP, &a) ||
	    vmem_xalloc(vm, 8, 0, 0, 0, 0x110, ~0UL,
			VMEM_NOSLEEP | VMEM_NEXTFIT, &b))
		return 1;
	/* span, alloc, free, alloc, free, span, free */
	list_for_each_entry(pos, &vm->segs, seglist) {
		seg[n] = pos;
		if (++n == 8)
			break;
	}
	if (n != 7 || vmem_check(vm))
		return 1;
	CORRUPT(seg[2]->size, 0);
	CORRUPT(seg[2]->start, seg[2]->start + 1);
	CORRUPT(seg[5]->size, ULONG_MAX);
	CORRUPT(seg[1]->type, 7);
	CORRUPT(seg[1]->start, seg[1]->start + 4);
	CORRUPT(seg[6]->size, seg[6]->size + 4);
	CORRUPT(seg[4]->size, seg[4]->size + 4);
	CORRUPT(seg[5]->start, 0x100);
	CORRUPT(seg[3]->type, VMEM_SEG_FREE);
	CORRUPT(seg[2]->type, VMEM_SEG_ALLOC);
	CORRUPT(seg[0]->type, VMEM_SEG_FREE);
	CORRUPT(vm->freemap, vm->freemap ^ BIT(20));
	CORRUPT(vm->nbusy, vm->nbusy + 1);
	CORRUPT(vm->nfree, vm->nfree + 1);
	CORRUPT(vm->mem_inuse, vm->mem_inuse + 4);
	CORRUPT(vm->mem_total, vm->mem_total + 4);
	CORRUPT(vm->mem_import, vm->mem_import + 4);
	CORRUPT(vm->rotor, &bogus);
	CORRUPT(vm->rotor_off, 4096);
	CORRUPT(vm->nreserve, vm->nreserve + 1);
	vmem_free(vm, a, 8);
	vmem_free(vm, b, 8);
	vmem_destroy(vm);
	return bad;
}

/*
 * The hash of an emptied arena: 4096 blocks allocated and freed without
 * sleeping (resizes deferred), then deferred work run: back to its
 * embedded 16 buckets.  It used to stay at 2^24.
 */
static int check_hash_footprint(void)
{
	static unsigned long addr[4096];
	const char *err = NULL;
	struct vmem *vm;
	int i, bad = 0;

	vm = vmem_create("footprint", 0, 1 << 16, 1, NULL, NULL, NULL, 0,
			 VMEM_SLEEP);
	if (IS_ERR(vm))
		return 1;
	for (i = 0; i < ARRAY_SIZE(addr); i++)
		bad += !!vmem_alloc(vm, 1, VMEM_NOSLEEP, &addr[i]);
	shim_flush_work();
	err = vi_check_hash(vm);
	for (i = 0; i < ARRAY_SIZE(addr); i++)
		vmem_free(vm, addr[i], 1);
	shim_flush_work();
	if (!err)
		err = vi_check_hash(vm);
	if (bad || err || vm->hash_bits != 4) {
		fprintf(stderr, "FAIL %d of 4096 allocations failed; %s; %lu buckets at the end\n",
			bad, err ?: "", 1UL << vm->hash_bits);
		bad++;
	}
	vmem_destroy(vm);
	return bad;
}

/*
 * vmem_create() and vmem_destroy() may sleep whatever vmflag says (a mutex,
 * debugfs): each says so with might_sleep(), VMEM_NOSLEEP or not.  It
 * used to say nothing for VMEM_NOSLEEP.
 */
static int check_create_may_sleep(void)
{
	static const unsigned int flags[] = { VMEM_NOSLEEP, VMEM_SLEEP };
	struct vmem *vm;
	long before;
	int i, bad = 0;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		before = READ_ONCE(shim_might_sleeps);
		vm = vmem_create("may-sleep", 0, 64, 1, NULL, NULL, NULL, 0,
				 flags[i]);
		if (IS_ERR(vm) || READ_ONCE(shim_might_sleeps) == before) {
			fprintf(stderr, "FAIL vmem_create(%#x) %s\n", flags[i],
				IS_ERR(vm) ? "failed" : "did not say it may sleep");
			bad++;
		}
		if (IS_ERR(vm))
			continue;
		before = READ_ONCE(shim_might_sleeps);
		vmem_destroy(vm);
		if (READ_ONCE(shim_might_sleeps) == before) {
			fprintf(stderr, "FAIL vmem_destroy() did not say it may sleep\n");
			bad++;
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	unsigned long first = 1, seeds = 100, ops = 2000, seed;
	long rate = -1;
	int opt, failed = 0, keep_going = 0;

	while ((opt = getopt(argc, argv, "kvf:")) != -1) {
		switch (opt) {
		case 'k':
			keep_going = 1;
			break;
		case 'v':
			vt_verbose = 1;
			shim_verbose = 1;
			break;
		case 'f':
			rate = strtol(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-kv] [-f rate] [seed [seeds [ops]]]\n",
				argv[0]);
			return 2;
		}
	}
	if (optind < argc)
		first = strtoul(argv[optind++], NULL, 0);
	if (optind < argc)
		seeds = strtoul(argv[optind++], NULL, 0);
	if (optind < argc)
		ops = strtoul(argv[optind++], NULL, 0);

	if (vmem_core_init() || check_the_checker() || check_hash_footprint() ||
	    check_create_may_sleep())
		return 2;
	for (seed = first; seed < first + seeds; seed++) {
		vt_fail_rate = rate >= 0 ? rate : seed % 4 ? 0 : 64;
		vt_source_seed(seed);
		if (vt_run(ops)) {
			failed++;
			if (!keep_going)
				break;
		}
	}
	if (failed) {
		printf("vmem_random: %d seeds failed\n", failed);
		/* The arenas of a failed run stay: no leak report for them. */
		fflush(NULL);
		if (!keep_going)
			_exit(1);
		return 1;
	}
	vmem_core_exit(0);
	printf("vmem_random: seeds %lu..%lu, %lu operations each: %s\n",
	       first, seed - 1, ops, "ok");
	return 0;
}
