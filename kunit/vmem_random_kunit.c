// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized operations against a reference model.  A root arena of a few
 * thousand quanta (spans added as the run goes, some adjacent) and a child
 * importing from it get thousands of mixed operations: vmem_alloc() under
 * every policy, vmem_xalloc() with random valid constraints, frees with
 * either size, vmem_add() (new, repeated and overlapping spans), and
 * arguments that must be rejected.  The model is a per-quantum map of the
 * spans and of who holds each quantum.  After every step: vmem_check() of
 * both arenas, the sizes, the exact allocated and free segments and spans,
 * the constraints of every new block, no overlap with anything live, and no
 * -ENOMEM while the model has room (instant fit included).  Deterministic
 * seeds; a failure names the seed and the step.
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include "vmem_test.h"

#define RQ		8UL			/* root quantum */
#define CQ		(2 * RQ)		/* child quantum */
#define UBASE		0x100000UL		/* first resource of the model */
#define NQ		4096U			/* quanta in the model */
#define STEPS		6000U
#define MAXLIVE		1024U
#define WALKMAX		(2 * NQ + 16)

enum { FREE_Q, ROOT_Q, CHILD_Q };

/* Span slots in quanta: slot 0 is there from the start, 1 is adjacent. */
static const unsigned int slot_start[] = { 0, 2048, 3072, 3584 };
static const unsigned int slot_len[] = { 2048, 512, 256, 512 };

struct live {
	unsigned long addr;
	unsigned long size;	/* rounded */
	unsigned long req;	/* as asked */
	bool child;
};

struct rwalk {
	unsigned int n;
	unsigned long *start;
	unsigned long *size;
};

struct rctx {
	struct kunit *test;
	u32 seed;
	unsigned int step;
	struct rnd_state rnd;
	struct vmem *root;
	struct vmem *child;
	bool added[ARRAY_SIZE(slot_start)];
	u8 *span;		/* slot + 1 per quantum, 0: no span */
	u8 *owner;		/* FREE_Q, ROOT_Q or CHILD_Q */
	u16 *blk;		/* quanta of the block starting here */
	unsigned int *len;	/* free quanta in one span from here on */
	struct live *live;
	unsigned int nlive;
	struct rwalk w;
	/* What the run did, for the log. */
	unsigned int allocs;
	unsigned int enomem;
	unsigned int frees;
	unsigned int child_allocs;
	unsigned int child_enomem;
	unsigned int max_live;
};

#define R_ASSERT(r, cond, fmt, ...) do {				\
	struct rctx *__r = (r);						\
									\
	KUNIT_ASSERT_TRUE_MSG(__r->test, cond, "seed %u step %u: " fmt,	\
			      __r->seed, __r->step, ##__VA_ARGS__);	\
} while (0)

static u32 rnd(struct rctx *r, u32 n)
{
	return prandom_u32_state(&r->rnd) % n;
}

static void rwalk_cb(void *arg, unsigned long addr, unsigned long size)
{
	struct rwalk *w = arg;

	if (w->n < WALKMAX) {
		w->start[w->n] = addr;
		w->size[w->n] = size;
	}
	w->n++;
}

static void rwalk(struct rctx *r, struct vmem *vm, unsigned int mask)
{
	r->w.n = 0;
	vmem_walk(vm, mask, rwalk_cb, &r->w);
	R_ASSERT(r, r->w.n <= WALKMAX, "walk of %u segments", r->w.n);
}

/* Quantum index of @addr, or -1 outside the model. */
static long qidx(unsigned long addr)
{
	if (addr < UBASE || addr >= UBASE + NQ * RQ || (addr & (RQ - 1)))
		return -1;
	return (addr - UBASE) / RQ;
}

/* Does [i, i + nq) lie free in one span? */
static bool run_free(struct rctx *r, unsigned int i, unsigned int nq)
{
	unsigned int j;

	if (i + nq > NQ || !r->span[i])
		return false;
	for (j = i; j < i + nq; j++)
		if (r->span[j] != r->span[i] || r->owner[j] != FREE_Q)
			return false;
	return true;
}

/* Is there a free placement of @size bytes meeting the constraints? */
static bool model_feasible(struct rctx *r, unsigned long size,
			   unsigned long align, unsigned long phase,
			   unsigned long nocross, unsigned long minaddr,
			   unsigned long maxaddr)
{
	unsigned int nq = size / RQ, i, run = 0, *len = r->len;

	/* len[i]: free quanta in one span from i on, computed backwards. */
	for (i = NQ; i-- > 0;) {
		if (!r->span[i] || r->owner[i] != FREE_Q)
			run = 0;
		else if (i + 1 < NQ && r->span[i + 1] == r->span[i] &&
			 r->owner[i + 1] == FREE_Q)
			run++;
		else
			run = 1;
		len[i] = run;
	}
	for (i = 0; i < NQ; i++)
		if (len[i] >= nq &&
		    vmem_test_fits(UBASE + i * RQ, size, align, phase, nocross,
				   minaddr, maxaddr))
			return true;
	return false;
}

static unsigned long model_span_total(struct rctx *r)
{
	unsigned long total = 0;
	unsigned int s;

	for (s = 0; s < ARRAY_SIZE(slot_start); s++)
		if (r->added[s])
			total += slot_len[s] * RQ;
	return total;
}

/* Check both arenas against the model, completely. */
static void check_all(struct rctx *r)
{
	const char *why;
	unsigned long root_bytes = 0, child_bytes = 0, child_spans = 0;
	unsigned long span_total = model_span_total(r), free_bytes = 0;
	unsigned int i, j, k, s, nroot = 0, nchild = 0, nblk = 0;
	long idx;

	why = vmem_check(r->root);
	R_ASSERT(r, !why, "vmem_check(root): %s", why);
	why = vmem_check(r->child);
	R_ASSERT(r, !why, "vmem_check(child): %s", why);

	/* Root spans are exactly the slots added. */
	rwalk(r, r->root, VMEM_SPAN);
	for (s = 0, k = 0; s < ARRAY_SIZE(slot_start); s++) {
		if (!r->added[s])
			continue;
		R_ASSERT(r, k < r->w.n, "span of slot %u missing", s);
		R_ASSERT(r, r->w.start[k] == UBASE + slot_start[s] * RQ &&
			 r->w.size[k] == slot_len[s] * RQ,
			 "span %u is [%#lx, +%#lx)", k, r->w.start[k],
			 r->w.size[k]);
		k++;
	}
	R_ASSERT(r, k == r->w.n, "%u spans, model has %u", r->w.n, k);

	/* The child's spans: learn them, they are root blocks. */
	for (i = 0; i < NQ; i++)
		if (r->owner[i] == CHILD_Q)
			r->owner[i] = FREE_Q;
	memset(r->blk, 0, NQ * sizeof(*r->blk));
	for (k = 0; k < r->nlive; k++) {
		struct live *l = &r->live[k];

		if (l->child) {
			child_bytes += l->size;
			nchild++;
			continue;
		}
		root_bytes += l->size;
		nroot++;
		r->blk[qidx(l->addr)] = l->size / RQ;
	}
	rwalk(r, r->child, VMEM_SPAN);
	for (k = 0; k < r->w.n; k++) {
		idx = qidx(r->w.start[k]);
		R_ASSERT(r, idx >= 0 && !(r->w.size[k] & (CQ - 1)) &&
			 !(r->w.start[k] & (CQ - 1)),
			 "child span [%#lx, +%#lx)", r->w.start[k],
			 r->w.size[k]);
		R_ASSERT(r, run_free(r, idx, r->w.size[k] / RQ),
			 "child span [%#lx, +%#lx) overlaps a root block or no span",
			 r->w.start[k], r->w.size[k]);
		memset(r->owner + idx, CHILD_Q, r->w.size[k] / RQ);
		r->blk[idx] = r->w.size[k] / RQ;
		child_spans += r->w.size[k];
		nblk++;
	}
	nblk += nroot;

	/* Root allocated segments: the root blocks and the child spans. */
	rwalk(r, r->root, VMEM_ALLOC);
	R_ASSERT(r, r->w.n == nblk, "root has %u allocated segments, model %u",
		 r->w.n, nblk);
	for (k = 0; k < r->w.n; k++) {
		idx = qidx(r->w.start[k]);
		R_ASSERT(r, idx >= 0 && r->blk[idx] * RQ == r->w.size[k],
			 "root allocated segment [%#lx, +%#lx) unknown",
			 r->w.start[k], r->w.size[k]);
	}
	R_ASSERT(r, vmem_size(r->root, VMEM_ALLOC) == root_bytes + child_spans,
		 "root in use %#lx, model %#lx",
		 vmem_size(r->root, VMEM_ALLOC), root_bytes + child_spans);
	R_ASSERT(r, vmem_size(r->root, VMEM_FREE) ==
		 span_total - root_bytes - child_spans,
		 "root free %#lx, model %#lx", vmem_size(r->root, VMEM_FREE),
		 span_total - root_bytes - child_spans);

	/* Root free segments: exactly the maximal free runs in each span. */
	rwalk(r, r->root, VMEM_FREE);
	for (k = 0; k < r->w.n; k++) {
		unsigned int nq = r->w.size[k] / RQ;

		idx = qidx(r->w.start[k]);
		R_ASSERT(r, idx >= 0 && run_free(r, idx, nq),
			 "root free segment [%#lx, +%#lx) is not free",
			 r->w.start[k], r->w.size[k]);
		R_ASSERT(r, !idx || r->span[idx - 1] != r->span[idx] ||
			 r->owner[idx - 1] != FREE_Q,
			 "free segment [%#lx, +%#lx) not merged with the one below",
			 r->w.start[k], r->w.size[k]);
		R_ASSERT(r, idx + nq == NQ || r->span[idx + nq] != r->span[idx] ||
			 r->owner[idx + nq] != FREE_Q,
			 "free segment [%#lx, +%#lx) not merged with the one above",
			 r->w.start[k], r->w.size[k]);
		free_bytes += r->w.size[k];
	}
	R_ASSERT(r, free_bytes == span_total - root_bytes - child_spans,
		 "free segments hold %#lx bytes", free_bytes);

	/* The child: its blocks, in its spans, and no span wholly free. */
	R_ASSERT(r, vmem_size(r->child, VMEM_ALLOC) == child_bytes,
		 "child in use %#lx, model %#lx",
		 vmem_size(r->child, VMEM_ALLOC), child_bytes);
	R_ASSERT(r, vmem_size(r->child, VMEM_ALLOC | VMEM_FREE) ==
		 child_spans && r->child->mem_import == child_spans,
		 "child total %#lx, import %#lx, spans %#lx",
		 vmem_size(r->child, VMEM_ALLOC | VMEM_FREE),
		 r->child->mem_import, child_spans);
	rwalk(r, r->child, VMEM_ALLOC);
	R_ASSERT(r, r->w.n == nchild, "child has %u allocated segments, model %u",
		 r->w.n, nchild);
	for (k = 0; k < r->w.n; k++) {
		for (i = 0; i < r->nlive; i++)
			if (r->live[i].child &&
			    r->live[i].addr == r->w.start[k] &&
			    r->live[i].size == r->w.size[k])
				break;
		R_ASSERT(r, i < r->nlive,
			 "child allocated segment [%#lx, +%#lx) unknown",
			 r->w.start[k], r->w.size[k]);
	}
	rwalk(r, r->child, VMEM_SPAN | VMEM_ALLOC);
	for (k = 0; k < r->w.n; k = j) {
		/* A span, then the allocated segments in it. */
		for (j = k + 1; j < r->w.n &&
		     r->w.start[j] + r->w.size[j] <=
		     r->w.start[k] + r->w.size[k] &&
		     r->w.start[j] >= r->w.start[k]; j++)
			;
		R_ASSERT(r, j > k + 1,
			 "imported span [%#lx, +%#lx) is wholly free",
			 r->w.start[k], r->w.size[k]);
	}
}

static struct live *add_live(struct rctx *r, unsigned long addr,
			     unsigned long size, unsigned long req,
			     bool child)
{
	struct live *l;

	R_ASSERT(r, r->nlive < MAXLIVE, "too many live blocks");
	l = &r->live[r->nlive++];
	r->max_live = max(r->max_live, r->nlive);
	l->addr = addr;
	l->size = size;
	l->req = req;
	l->child = child;
	return l;
}

static unsigned int rnd_policy(struct rctx *r)
{
	static const unsigned int p[] = {
		0, VMEM_INSTANTFIT, VMEM_BESTFIT, VMEM_NEXTFIT,
	};

	return p[rnd(r, ARRAY_SIZE(p))];
}

/* Random valid constraints for @size (a multiple of @q). */
static void rnd_constraints(struct rctx *r, unsigned long q,
			    unsigned long size, unsigned long *align,
			    unsigned long *phase, unsigned long *nocross,
			    unsigned long *minaddr, unsigned long *maxaddr,
			    bool window)
{
	*align = 0;
	*phase = 0;
	*nocross = 0;
	*minaddr = VMEM_ADDR_MIN;
	*maxaddr = VMEM_ADDR_MAX;
	if (rnd(r, 2)) {
		*align = q << rnd(r, 7);
		*phase = q * rnd(r, *align / q);
	}
	if (!rnd(r, 3)) {
		*nocross = q << (3 + rnd(r, 5));
		if ((*phase & (*nocross - 1)) + size > *nocross)
			*nocross = 0;
	}
	if (window && !rnd(r, 3)) {
		*minaddr = UBASE + RQ * rnd(r, NQ + 64) - 32 * RQ;
		*maxaddr = *minaddr + size - 1 + RQ * rnd(r, 1024);
	}
}

/* vmem_alloc() or vmem_xalloc() on the root, against the model. */
static void op_root_alloc(struct rctx *r, bool constrained)
{
	unsigned long req = 1 + rnd(r, rnd(r, 8) ? 32 * RQ : 300 * RQ);
	unsigned long size = round_up(req, RQ), addr = 0;
	unsigned long align, phase, nocross, minaddr, maxaddr;
	unsigned int flags = rnd_policy(r);
	bool fits;
	long idx;
	int ret;

	rnd_constraints(r, RQ, size, &align, &phase, &nocross, &minaddr,
			&maxaddr, true);
	if (!constrained) {
		align = 0;
		phase = 0;
		nocross = 0;
		minaddr = VMEM_ADDR_MIN;
		maxaddr = VMEM_ADDR_MAX;
	}
	fits = model_feasible(r, size, align, phase, nocross, minaddr,
			      maxaddr);
	/* VMEM_SLEEP only where it must not wait. */
	flags |= fits && rnd(r, 2) ? VMEM_SLEEP : VMEM_NOSLEEP;
	if (constrained)
		ret = vmem_xalloc(r->root, req, align, phase, nocross, minaddr,
				  maxaddr, flags, &addr);
	else
		ret = vmem_alloc(r->root, req, flags, &addr);
	if (!fits) {
		r->enomem++;
		R_ASSERT(r, ret == -ENOMEM,
			 "size %#lx align %#lx phase %#lx nocross %#lx [%#lx, %#lx] flags %#x: %d at %#lx without room in the model",
			 size, align, phase, nocross, minaddr, maxaddr, flags,
			 ret, addr);
		return;
	}
	R_ASSERT(r, !ret,
		 "size %#lx align %#lx phase %#lx nocross %#lx [%#lx, %#lx] flags %#x: %d while the model has room",
		 size, align, phase, nocross, minaddr, maxaddr, flags, ret);
	idx = qidx(addr);
	R_ASSERT(r, idx >= 0 && run_free(r, idx, size / RQ),
		 "[%#lx, +%#lx) overlaps something live or lies outside the spans",
		 addr, size);
	R_ASSERT(r, vmem_test_fits(addr, size, align, phase, nocross, minaddr,
				   maxaddr),
		 "%#lx breaks size %#lx align %#lx phase %#lx nocross %#lx [%#lx, %#lx]",
		 addr, size, align, phase, nocross, minaddr, maxaddr);
	memset(r->owner + idx, ROOT_Q, size / RQ);
	add_live(r, addr, size, req, false);
	r->allocs++;
}

/* An allocation in the child, which imports from the root. */
static void op_child_alloc(struct rctx *r)
{
	unsigned long req = 1 + rnd(r, 16 * CQ);
	unsigned long size = round_up(req, CQ), addr = 0, k;
	unsigned long align, phase, nocross, minaddr, maxaddr;
	unsigned int flags = rnd_policy(r) | VMEM_NOSLEEP;
	bool roomy;
	int ret;

	rnd_constraints(r, CQ, size, &align, &phase, &nocross, &minaddr,
			&maxaddr, false);
	/* A free run this long in the root holds any import it needs. */
	roomy = model_feasible(r, size + max3(align, nocross, CQ) + 2 * CQ,
			       0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX);
	ret = vmem_xalloc(r->child, req, align, phase, nocross, minaddr,
			  maxaddr, flags, &addr);
	if (ret) {
		r->child_enomem++;
		R_ASSERT(r, ret == -ENOMEM && !roomy,
			 "child size %#lx align %#lx phase %#lx nocross %#lx: %d with room in the root",
			 size, align, phase, nocross, ret);
		return;
	}
	R_ASSERT(r, vmem_test_fits(addr, size, align, phase, nocross, minaddr,
				   maxaddr),
		 "child %#lx breaks size %#lx align %#lx phase %#lx nocross %#lx",
		 addr, size, align, phase, nocross);
	R_ASSERT(r, qidx(addr) >= 0 && qidx(addr + size - RQ) >= 0,
		 "child block [%#lx, +%#lx) outside the model", addr, size);
	for (k = 0; k < r->nlive; k++)
		R_ASSERT(r, addr + size <= r->live[k].addr ||
			 r->live[k].addr + r->live[k].size <= addr,
			 "child block [%#lx, +%#lx) overlaps [%#lx, +%#lx)",
			 addr, size, r->live[k].addr, r->live[k].size);
	add_live(r, addr, size, req, true);
	r->child_allocs++;
}

static void op_free(struct rctx *r, bool child)
{
	struct live *l = NULL;
	unsigned long size;
	unsigned int k, tries;
	long idx;

	for (tries = 0; tries < 8 && r->nlive; tries++) {
		k = rnd(r, r->nlive);
		if (r->live[k].child == child) {
			l = &r->live[k];
			break;
		}
	}
	if (!l)
		return;
	size = rnd(r, 2) ? l->req : l->size;
	if (rnd(r, 2))
		vmem_free(child ? r->child : r->root, l->addr, size);
	else
		vmem_xfree(child ? r->child : r->root, l->addr, size);
	if (!child) {
		idx = qidx(l->addr);
		memset(r->owner + idx, FREE_Q, l->size / RQ);
	}
	*l = r->live[--r->nlive];
	r->frees++;
}

static void op_add(struct rctx *r)
{
	unsigned int s = rnd(r, ARRAY_SIZE(slot_start) + 2), i;
	int ret;

	if (s >= ARRAY_SIZE(slot_start)) {
		/* Overlaps slot 0, which is always there. */
		unsigned long base = s == ARRAY_SIZE(slot_start) ?
				     UBASE + 1024 * RQ : UBASE + 2040 * RQ;

		ret = vmem_add(r->root, base, 16 * RQ, VMEM_NOSLEEP);
		R_ASSERT(r, ret == -EEXIST, "overlapping add: %d", ret);
		return;
	}
	ret = vmem_add(r->root, UBASE + slot_start[s] * RQ, slot_len[s] * RQ,
		       rnd(r, 2) ? VMEM_SLEEP : VMEM_NOSLEEP);
	if (r->added[s]) {
		R_ASSERT(r, ret == -EEXIST, "re-adding slot %u: %d", s, ret);
		return;
	}
	R_ASSERT(r, !ret, "adding slot %u: %d", s, ret);
	r->added[s] = true;
	for (i = slot_start[s]; i < slot_start[s] + slot_len[s]; i++)
		r->span[i] = s + 1;
}

/* Requests that must be rejected, and change nothing. */
static void op_invalid(struct rctx *r)
{
	unsigned long addr;
	int ret;

	switch (rnd(r, 4)) {
	case 0:
		ret = vmem_xalloc(r->root, RQ, 4 * RQ, 4 * RQ, 0, 0, ULONG_MAX,
				  VMEM_NOSLEEP, &addr);
		break;
	case 1:
		ret = vmem_xalloc(r->root, 4 * RQ, 0, 0, 2 * RQ, 0, ULONG_MAX,
				  VMEM_NOSLEEP, &addr);
		break;
	case 2:
		ret = vmem_alloc(r->root, 0, VMEM_NOSLEEP | rnd_policy(r),
				 &addr);
		break;
	default:
		ret = vmem_xalloc(r->child, CQ, 0, 0, 0, UBASE + CQ, UBASE,
				  VMEM_NOSLEEP, &addr);
		break;
	}
	R_ASSERT(r, ret == -EINVAL, "invalid request gave %d", ret);
}

static const u32 seeds[] = { 1, 42, 0x5eed, 0xfeedface, 20010625 };

static void seed_desc(const u32 *seed, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "seed %u", *seed);
}

KUNIT_ARRAY_PARAM(seeds, seeds, seed_desc);

static void random_against_model(struct kunit *test)
{
	struct rctx *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->test = test;
	r->seed = *(const u32 *)test->param_value;
	prandom_seed_state(&r->rnd, r->seed);
	r->span = kunit_kzalloc(test, NQ, GFP_KERNEL);
	r->owner = kunit_kzalloc(test, NQ, GFP_KERNEL);
	r->blk = kunit_kcalloc(test, NQ, sizeof(*r->blk), GFP_KERNEL);
	r->len = kunit_kcalloc(test, NQ, sizeof(*r->len), GFP_KERNEL);
	r->live = kunit_kcalloc(test, MAXLIVE, sizeof(*r->live), GFP_KERNEL);
	r->w.start = kunit_kcalloc(test, WALKMAX, sizeof(long), GFP_KERNEL);
	r->w.size = kunit_kcalloc(test, WALKMAX, sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->span);
	KUNIT_ASSERT_NOT_NULL(test, r->owner);
	KUNIT_ASSERT_NOT_NULL(test, r->blk);
	KUNIT_ASSERT_NOT_NULL(test, r->len);
	KUNIT_ASSERT_NOT_NULL(test, r->live);
	KUNIT_ASSERT_NOT_NULL(test, r->w.start);
	KUNIT_ASSERT_NOT_NULL(test, r->w.size);

	r->root = vmem_test_create_full(test, "kunit-rnd", UBASE,
					slot_len[0] * RQ, RQ, NULL, NULL,
					NULL, VMEM_SLEEP);
	r->child = vmem_test_create_child(test, "kunit-rnd-child", r->root,
					  CQ);
	r->added[0] = true;
	for (i = 0; i < slot_len[0]; i++)
		r->span[i] = 1;
	check_all(r);

	for (r->step = 0; r->step < STEPS; r->step++) {
		u32 op = rnd(r, 100);

		if (op < 28)
			op_root_alloc(r, false);
		else if (op < 45)
			op_root_alloc(r, true);
		else if (op < 72)
			op_free(r, false);
		else if (op < 75)
			op_add(r);
		else if (op < 77)
			op_invalid(r);
		else if (op < 89)
			op_child_alloc(r);
		else
			op_free(r, true);
		check_all(r);
	}

	kunit_info(test,
		   "seed %u: %u root blocks (%u -ENOMEM), %u child blocks (%u -ENOMEM), %u frees, up to %u live\n",
		   r->seed, r->allocs, r->enomem, r->child_allocs,
		   r->child_enomem, r->frees, r->max_live);
	KUNIT_EXPECT_GT(test, r->allocs, STEPS / 4);
	KUNIT_EXPECT_GT(test, r->enomem, 0U);
	KUNIT_EXPECT_GT(test, r->child_allocs, STEPS / 20);

	/* Free everything: both arenas back to their spans. */
	while (r->nlive) {
		struct live *l = &r->live[--r->nlive];

		vmem_free(l->child ? r->child : r->root, l->addr, l->req);
		if (!l->child)
			memset(r->owner + qidx(l->addr), FREE_Q, l->size / RQ);
	}
	check_all(r);
	VMEM_TEST_EXPECT_SIZES(test, r->child, 0, 0);
	VMEM_TEST_EXPECT_SIZES(test, r->root, 0, model_span_total(r));
	KUNIT_EXPECT_EQ(test, r->root->stats.bad_free, 0ULL);
	KUNIT_EXPECT_EQ(test, r->child->stats.bad_free, 0ULL);
	KUNIT_EXPECT_EQ(test, r->child->stats.import, r->child->stats.release);
}

static struct kunit_case vmem_random_cases[] = {
	KUNIT_CASE_PARAM(random_against_model, seeds_gen_params),
	{}
};

static struct kunit_suite vmem_random_suite = {
	.name = "vmem_random",
	.init = vmem_test_init,
	.test_cases = vmem_random_cases,
};

kunit_test_suite(vmem_random_suite);
