/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Invariants of an arena's footprint, checked by the userspace tests at
 * quiescent points, when no other thread is inside the arena
 * (vmem_invariants.c).  Each returns NULL, or what is wrong.
 */
#ifndef _VMEM_INVARIANTS_H
#define _VMEM_INVARIANTS_H

#include <linux/types.h>

struct vmem;

/*
 * The quantum caches hold no more than they need: every slab has an object
 * held by a client or in a magazine (a slab whose objects are all back in
 * its pool goes back to the arena), the slabs' pools, bitmaps and counts
 * agree, each object is in one place only, and the magazines are bounded
 * by the objects out of the slabs.
 */
const char *vi_check_caches(struct vmem *vm);

/*
 * After deferred work has run (shim_flush_work()): the allocation hash is
 * within a constant factor of the allocated segments, both ways.
 */
const char *vi_check_hash(struct vmem *vm);

/*
 * After every block is freed, importers' included, and the caches purged:
 * nothing is in use, no slab and no imported span is left, and every span
 * can be allocated whole, at once (the blocks are freed again).  Injected
 * faults must be off.
 */
const char *vi_check_drained(struct vmem *vm);

/* Helpers of the threaded tests. */

/* A block a test holds, freed with vmem_xfree() when @x, else vmem_free(). */
struct vi_blk {
	struct vmem *vm;
	unsigned long addr;
	unsigned long size;
	bool x;
};

void vi_blk_free(const struct vi_blk *b);

/* Sorts @blk by arena and address; then NULL, or which two overlap. */
const char *vi_check_disjoint(struct vi_blk *blk, int n);

/* A number below @n (0 for 0) from the xorshift generator *@rng. */
unsigned long vi_rnd(unsigned long long *rng, unsigned long n);

#endif /* _VMEM_INVARIANTS_H */
