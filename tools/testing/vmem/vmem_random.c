// SPDX-License-Identifier: GPL-2.0
/*
 * A differential test of the vmem core in userspace: random operations on a
 * root arena (spans at 0, in the middle and at the top of the address space)
 * and on a child arena that imports from it, each checked against a
 * reference model and against the arena's own invariants (vmem_check())
 * after every step:
 *
 * - every returned block satisfies its constraints, lies in a span and
 *   overlaps nothing live;
 * - an allocation fails with -ENOMEM only when the model has no placement
 *   that meets the request (so no policy, instant fit included, ever fails
 *   while a fitting free segment exists), and -EINVAL exactly when the
 *   arguments are invalid;
 * - best fit picks a free segment no larger than any other that fits;
 * - sizes, bad frees, vmem_add overlaps and vmem_contains match the model;
 * - after destroying everything, no memory is left allocated.
 *
 * Usage: vmem_random [first-seed [seeds [steps]]].  On failure the seed and
 * step are printed, and the exit status is 1.
 */
#include <stdarg.h>
#include <linux/vmem.h>
#include "vmem_internal.h"

#define MAX_LIVE	512
#define MAX_SPANS	64

struct block {
	unsigned long addr, size;
};

struct model {
	struct vmem *vm;
	unsigned long quantum;
	struct block spans[MAX_SPANS];
	int nspans;
	struct block live[MAX_LIVE];
	int nlive;
};

static unsigned long long rng;
static unsigned long seed, step;
static int failures;

static unsigned long rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned long)rng;
}

static unsigned long rnd_below(unsigned long n)
{
	return n ? rnd() % n : 0;
}

static __printf(1, 2) int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL seed %lu step %lu: ", seed, step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
	return -1;
}

static unsigned long last_of(const struct block *b)
{
	return b->addr + b->size - 1;
}

static bool overlaps(const struct block *a, const struct block *b)
{
	return a->addr <= last_of(b) && b->addr <= last_of(a);
}

static unsigned long live_bytes(const struct model *m)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < m->nlive; i++)
		sum += m->live[i].size;
	return sum;
}

static int cmp_block(const void *a, const void *b)
{
	const struct block *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void span_cb(void *arg, unsigned long addr, unsigned long size)
{
	struct model *m = arg;

	m->live[m->nlive].addr = addr;
	m->live[m->nlive].size = size;
	m->nlive++;
}

/* Blocks allocated in @m's arena: its own, plus @child's imported spans. */
static int busy_blocks(struct model *m, struct model *child,
		       struct block *out)
{
	struct model tmp = { .nlive = 0 };
	int n = m->nlive;

	memcpy(out, m->live, n * sizeof(*out));
	if (child) {
		vmem_walk(child->vm, VMEM_SPAN, span_cb, &tmp);
		memcpy(out + n, tmp.live, tmp.nlive * sizeof(*out));
		n += tmp.nlive;
	}
	qsort(out, n, sizeof(*out), cmp_block);
	return n;
}

/* Free runs of @m: its spans minus what is busy. */
static int free_runs(struct model *m, struct model *child, struct block *out)
{
	static struct block busy[2 * MAX_LIVE];
	int nbusy = busy_blocks(m, child, busy), nout = 0, i, j;

	for (i = 0; i < m->nspans; i++) {
		unsigned long pos = m->spans[i].addr;
		unsigned long last = last_of(&m->spans[i]);
		bool open = true;

		for (j = 0; j < nbusy && open; j++) {
			if (busy[j].addr > last || last_of(&busy[j]) < pos)
				continue;
			if (busy[j].addr > pos) {
				out[nout].addr = pos;
				out[nout++].size = busy[j].addr - pos;
			}
			if (last_of(&busy[j]) == last)
				open = false;
			else
				pos = last_of(&busy[j]) + 1;
		}
		if (open) {
			out[nout].addr = pos;
			out[nout++].size = last - pos + 1;
		}
	}
	return nout;
}

struct req {
	unsigned long size, align, phase, nocross, minaddr, maxaddr;
};

static const char *req_str(const struct req *r)
{
	static char buf[160];

	snprintf(buf, sizeof(buf),
		 "size %#lx align %#lx phase %#lx nocross %#lx min %#lx max %#lx",
		 r->size, r->align, r->phase, r->nocross, r->minaddr,
		 r->maxaddr);
	return buf;
}

static bool req_valid(const struct req *r, unsigned long q)
{
	unsigned long size, align = r->align ? r->align : q;

	if (!r->size || r->size > ULONG_MAX - (q - 1))
		return false;
	size = (r->size + q - 1) & ~(q - 1);
	if (!is_power_of_2(align) || align % q)
		return false;
	if (r->phase >= align || r->phase % q)
		return false;
	if (r->nocross && (!is_power_of_2(r->nocross) ||
			   (r->phase & (r->nocross - 1)) + size > r->nocross ||
			   (r->phase & (r->nocross - 1)) + size < size))
		return false;
	return r->minaddr <= r->maxaddr && r->maxaddr - r->minaddr >= size - 1;
}

static bool block_meets(const struct req *r, unsigned long q,
			unsigned long addr, unsigned long size)
{
	unsigned long align = r->align ? r->align : q;
	unsigned long last = addr + size - 1;

	if (last < addr || (addr - r->phase) & (align - 1))
		return false;
	if (r->nocross && (addr ^ last) & ~(r->nocross - 1))
		return false;
	return addr >= r->minaddr && last <= r->maxaddr;
}

/* Brute force: does @run hold a placement of @r? */
static bool run_fits(const struct req *r, unsigned long q,
		     const struct block *run, unsigned long size)
{
	unsigned long addr = run->addr;

	for (;;) {
		if (addr < run->addr || addr > last_of(run) ||
		    last_of(run) - addr < size - 1)
			return false;
		if (block_meets(r, q, addr, size))
			return true;
		addr += q;
	}
}

static int check_model(struct model *m, struct model *child)
{
	static struct block busy[2 * MAX_LIVE];
	unsigned long inuse = 0, total = 0;
	const char *err = vmem_check(m->vm);
	int i, n;

	if (err)
		return fail("arena %s: %s", m->vm->name, err);
	n = busy_blocks(m, child, busy);
	for (i = 0; i < n; i++) {
		inuse += busy[i].size;
		if (i && overlaps(&busy[i - 1], &busy[i]))
			return fail("arena %s: blocks [%#lx, +%#lx) and [%#lx, +%#lx) overlap",
			     m->vm->name, busy[i - 1].addr, busy[i - 1].size,
			     busy[i].addr, busy[i].size);
	}
	for (i = 0; i < m->nspans; i++)
		total += m->spans[i].size;
	if (vmem_size(m->vm, VMEM_ALLOC) != inuse)
		return fail("arena %s: vmem_size(ALLOC) %lu, model %lu", m->vm->name,
		     vmem_size(m->vm, VMEM_ALLOC), inuse);
	if (!child && vmem_size(m->vm, VMEM_ALLOC | VMEM_FREE) != total)
		return fail("arena %s: vmem_size total %lu, model %lu", m->vm->name,
		     vmem_size(m->vm, VMEM_ALLOC | VMEM_FREE), total);
	return 0;
}

static void random_req(struct model *m, const struct model *spans,
		       struct req *r, bool constrained)
{
	unsigned long q = m->quantum;
	const struct block *s = &spans->spans[rnd_below(spans->nspans)];

	memset(r, 0, sizeof(*r));
	r->size = 1 + rnd_below(rnd_below(4) ? 4 * q : 40 * q);
	r->maxaddr = VMEM_ADDR_MAX;
	if (!constrained)
		return;
	if (rnd_below(2))
		r->align = q << rnd_below(6);
	if (r->align && rnd_below(2))
		r->phase = rnd_below(r->align / q) * q;
	if (!rnd_below(3))
		r->nocross = q << (2 + rnd_below(6));
	if (!rnd_below(3))
		r->minaddr = s->addr + rnd_below(s->size);
	if (!rnd_below(3))
		r->maxaddr = s->addr + rnd_below(s->size);
	if (!rnd_below(20))	/* now and then, nonsense */
		r->align = rnd_below(8 * q);
}

static int do_alloc(struct model *m, struct model *parent,
		    struct model *child)
{
	static const unsigned int policies[] = {
		0, VMEM_INSTANTFIT, VMEM_BESTFIT, VMEM_NEXTFIT,
	};
	static struct block runs[2 * MAX_LIVE + MAX_SPANS];
	unsigned int policy = policies[rnd_below(4)];
	bool constrained = rnd_below(2);
	unsigned long q = m->quantum, addr = 0xdeadbeef, size;
	struct req r;
	int ret, i, nruns;
	bool valid, fits = false;

	if (m->nlive == MAX_LIVE)
		return 0;
	random_req(m, parent ? parent : m, &r, constrained);
	valid = req_valid(&r, q);
	if (constrained)
		ret = vmem_xalloc(m->vm, r.size, r.align, r.phase, r.nocross,
				  r.minaddr, r.maxaddr,
				  VMEM_NOSLEEP | policy, &addr);
	else
		ret = vmem_alloc(m->vm, r.size, VMEM_NOSLEEP | policy, &addr);

	if (!valid) {
		if (ret != -EINVAL)
			return fail("invalid request (%s) gave %d",
				    req_str(&r), ret);
		return 0;
	}
	if (ret == -EINVAL)
		return fail("valid request (%s) gave -EINVAL", req_str(&r));
	size = (r.size + q - 1) & ~(q - 1);
	if (parent)	/* an importing arena: its source decides */
		goto done;

	nruns = free_runs(m, child, runs);
	for (i = 0; i < nruns && !fits; i++)
		fits = run_fits(&r, q, &runs[i], size);
	if (ret == -ENOMEM && fits)
		return fail("policy %#x failed (%s) though a free run fits",
			    policy, req_str(&r));
	if (!ret && !fits)
		return fail("allocated %#lx though the model has no room", addr);
	if (!ret && policy == VMEM_BESTFIT) {
		unsigned long chosen = 0;

		for (i = 0; i < nruns; i++)
			if (addr >= runs[i].addr && addr <= last_of(&runs[i]))
				chosen = runs[i].size;
		for (i = 0; i < nruns; i++)
			if (runs[i].size < chosen && run_fits(&r, q, &runs[i], size))
				return fail("best fit took a run of %#lx; one of %#lx fits",
				     chosen, runs[i].size);
	}
done:
	if (ret == -ENOMEM)
		return 0;
	if (ret)
		return fail("allocation returned %d", ret);
	if (!block_meets(&r, q, addr, size))
		return fail("block [%#lx, +%#lx) misses its constraints (%s)",
			    addr, size, req_str(&r));
	m->live[m->nlive].addr = addr;
	m->live[m->nlive].size = size;
	m->nlive++;
	return 0;
}

static int do_free(struct model *m)
{
	unsigned long before, size;
	int i;

	if (!m->nlive)
		return 0;
	i = rnd_below(m->nlive);
	if (!rnd_below(10)) {	/* a mistake: not allocated, or wrong size */
		before = vmem_size(m->vm, VMEM_ALLOC);
		if (m->live[i].size > m->quantum && rnd_below(2))
			vmem_free(m->vm, m->live[i].addr + m->quantum,
				  m->quantum);
		else
			vmem_free(m->vm, m->live[i].addr,
				  m->live[i].size + m->quantum);
		if (vmem_size(m->vm, VMEM_ALLOC) != before)
			return fail("a bad free changed the arena");
		return 0;
	}
	size = m->live[i].size;
	if (m->quantum > 1 && rnd_below(2))	/* the size before rounding */
		size -= rnd_below(m->quantum);
	vmem_free(m->vm, m->live[i].addr, size);
	m->live[i] = m->live[--m->nlive];
	return 0;
}

static int do_add(struct model *m)
{
	unsigned long q = m->quantum, base, size;
	struct block b;
	bool overlap = false;
	int i, ret;

	if (m->nspans == MAX_SPANS)
		return 0;
	base = (rnd_below(1UL << 20) + (1UL << 21)) * q;
	size = (1 + rnd_below(64)) * q;
	b.addr = base;
	b.size = size;
	for (i = 0; i < m->nspans; i++)
		overlap |= overlaps(&b, &m->spans[i]);
	ret = vmem_add(m->vm, base, size, VMEM_NOSLEEP);
	if (overlap != (ret == -EEXIST) || (!overlap && ret))
		return fail("vmem_add [%#lx, +%#lx) gave %d, overlap %d", base, size,
		     ret, overlap);
	if (!ret)
		m->spans[m->nspans++] = b;
	return 0;
}

static int do_contains(struct model *m)
{
	const struct block *s = &m->spans[rnd_below(m->nspans)];
	unsigned long addr = s->addr + rnd_below(s->size + 2) - 1;
	unsigned long size = rnd_below(s->size + 2);
	struct block b = { addr, size };
	bool want = false;
	int i;

	for (i = 0; i < m->nspans && size && addr + size - 1 >= addr; i++)
		want |= addr >= m->spans[i].addr &&
			last_of(&b) <= last_of(&m->spans[i]);
	if (vmem_contains(m->vm, addr, size) != want)
		return fail("vmem_contains(%#lx, %#lx) is not %d", addr, size, want);
	return 0;
}

static int run_seed(unsigned long steps)
{
	struct model root = { .nspans = 0 }, child = { .nspans = 0 };
	unsigned long q, cq;
	int i;

	rng = seed * 0x9E3779B97F4A7C15ull + 1;
	q = 1UL << rnd_below(5);
	cq = q << rnd_below(3);
	root.quantum = q;
	root.spans[0] = (struct block){ 0, 128 * q };
	root.spans[1] = (struct block){ 4096 * q, 256 * q };
	root.spans[2] = (struct block){ ULONG_MAX - 128 * q + 1, 128 * q };
	root.nspans = 3;
	root.vm = vmem_create("root", 0, 128 * q, q, NULL, NULL, NULL, 0,
			      VMEM_SLEEP);
	if (IS_ERR(root.vm))
		return fail("vmem_create: %ld", PTR_ERR(root.vm));
	for (i = 1; i < 3; i++)
		if (vmem_add(root.vm, root.spans[i].addr, root.spans[i].size,
			     VMEM_SLEEP))
			return fail("vmem_add of span %d", i);
	child.quantum = cq;
	child.vm = vmem_create("child", 0, 0, cq, NULL, NULL, root.vm, 0,
			       VMEM_SLEEP);
	if (IS_ERR(child.vm))
		return fail("vmem_create child: %ld", PTR_ERR(child.vm));

	for (step = 0; step < steps; step++) {
		unsigned int op = rnd_below(100);
		struct model *m = rnd_below(4) ? &root : &child;

		if (op < 45)
			i = do_alloc(m, m == &child ? &root : NULL,
				     m == &root ? &child : NULL);
		else if (op < 90)
			i = do_free(m);
		else if (op < 93)
			i = do_add(&root);
		else
			i = do_contains(&root);
		if (i || check_model(&root, &child) || vmem_check(child.vm)) {
			if (!i && vmem_check(child.vm))
				fprintf(stderr, "FAIL seed %lu step %lu: child: %s\n",
					seed, step, vmem_check(child.vm));
			return -1;
		}
		if (vmem_size(child.vm, VMEM_ALLOC) != live_bytes(&child))
			return fail("child vmem_size(ALLOC) is off");
	}

	while (child.nlive) {
		child.nlive--;
		vmem_free(child.vm, child.live[child.nlive].addr,
			  child.live[child.nlive].size);
	}
	if (vmem_size(child.vm, VMEM_ALLOC | VMEM_FREE))
		return fail("child still holds %lu after freeing everything",
		     vmem_size(child.vm, VMEM_ALLOC | VMEM_FREE));
	vmem_destroy(child.vm);
	if (vmem_size(root.vm, VMEM_ALLOC) != live_bytes(&root))
		return fail("root holds more than its own blocks after the child went");
	vmem_destroy(root.vm);	/* with leaks: must release everything */
	if (shim_allocs_live)
		return fail("%ld allocations left after destroying every arena",
		     shim_allocs_live);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long first = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
	unsigned long seeds = argc > 2 ? strtoul(argv[2], NULL, 0) : 20;
	unsigned long steps = argc > 3 ? strtoul(argv[3], NULL, 0) : 5000;

	if (vmem_core_init())
		return 2;
	for (seed = first; seed < first + seeds; seed++)
		if (run_seed(steps))
			break;
	vmem_core_exit();
	printf("vmem_random: seeds %lu..%lu, %lu steps each: %s\n", first,
	       seed - 1, steps, failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
