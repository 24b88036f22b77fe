// SPDX-License-Identifier: GPL-2.0
/*
 * vmem_misuse: calls the vmem API wrongly on purpose, for the qemu test.
 *
 * Each case is framed in the kernel log:
 *
 *   vmem_misuse: case NAME: begin
 *   vmem_misuse: expect: <a line vmem must print>      (zero or more)
 *   vmem: ...                                            (what vmem printed)
 *   vmem_misuse: case NAME: end
 *   vmem_misuse: PASS NAME: ...   or   vmem_misuse: FAIL NAME: ...
 *
 * The module checks return values and the arenas' consistency itself (the
 * PASS/FAIL line); the test compares the "vmem: " lines between begin and
 * end with the "expect:" lines, so that each mistake gives exactly the one
 * warning documented.  Nothing here may take the kernel down: a bad free
 * must be reported and ignored, never BUG().
 *
 * The arena "misuse" stays until the module is unloaded, so that the test
 * can compare its debugfs files with the last "arena ..." line.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmem.h>

#define M_BASE		0x1000UL
#define M_SIZE		0x10000UL
#define M_QUANTUM	0x10UL

static struct vmem *arena;		/* "misuse", kept until unload */
/* Held in "misuse" until unload: its owners file names misuse_held_alloc. */
static unsigned long held;
static unsigned long arena_total = M_SIZE;
static unsigned long arena_bad_frees;
static const char *cur;
static bool cur_ok;
static unsigned int npass, nfail;
static DEFINE_SPINLOCK(misuse_lock);

static void case_begin(const char *name)
{
	cur = name;
	cur_ok = true;
	pr_info("case %s: begin\n", name);
}

static void case_end(const char *what)
{
	pr_info("case %s: end\n", cur);
	if (cur_ok)
		npass++;
	else
		nfail++;
	pr_info("%s %s: %s\n", cur_ok ? "PASS" : "FAIL", cur, what);
}

/* A condition of the current case; a false one fails the case. */
static __printf(2, 3) void check(bool ok, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (ok)
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("case %s: wrong: %pV\n", cur, &vaf);
	va_end(args);
	cur_ok = false;
}

static void check_ret(int got, int want, const char *call)
{
	check(got == want, "%s returned %d, not %d", call, got, want);
}

/* A line vmem must print in the current case. */
static __printf(1, 2) void expect(const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info("expect: %pV\n", &vaf);
	va_end(args);
}

static void expect_bad_free(struct vmem *vm, const char *name,
			    unsigned long addr, unsigned long size,
			    unsigned long allocated)
{
	if (allocated)
		expect("vmem: arena '%s': bad free of %#lx size %#lx: allocated size is %#lx",
		       name, addr, size, allocated);
	else
		expect("vmem: arena '%s': bad free of %#lx size %#lx: not allocated",
		       name, addr, size);
	if (vm == arena)
		arena_bad_frees++;
}

static void sum_walk(void *arg, unsigned long addr, unsigned long size)
{
	*(unsigned long *)arg += size;
}

/*
 * The arena adds up: vmem_size() and vmem_walk() agree on @inuse bytes
 * allocated out of @total, and one more allocation succeeds and is freed.
 */
static void check_consistent(struct vmem *vm, unsigned long total,
			     unsigned long inuse)
{
	unsigned long alloc = 0, free = 0, span = 0, addr;
	int ret;

	vmem_walk(vm, VMEM_ALLOC, sum_walk, &alloc);
	vmem_walk(vm, VMEM_FREE, sum_walk, &free);
	vmem_walk(vm, VMEM_SPAN, sum_walk, &span);
	check(vmem_size(vm, VMEM_ALLOC) == inuse && alloc == inuse,
	      "in use: vmem_size %#lx, walk %#lx, want %#lx",
	      vmem_size(vm, VMEM_ALLOC), alloc, inuse);
	check(vmem_size(vm, VMEM_FREE) == total - inuse &&
	      free == total - inuse,
	      "free: vmem_size %#lx, walk %#lx, want %#lx",
	      vmem_size(vm, VMEM_FREE), free, total - inuse);
	check(vmem_size(vm, VMEM_ALLOC | VMEM_FREE) == total && span == total,
	      "total: vmem_size %#lx, spans %#lx, want %#lx",
	      vmem_size(vm, VMEM_ALLOC | VMEM_FREE), span, total);
	ret = vmem_alloc(vm, M_QUANTUM, VMEM_NOSLEEP, &addr);
	check(!ret, "a later allocation failed: %d", ret);
	if (!ret)
		vmem_free(vm, addr, M_QUANTUM);
}

static void case_bad_free(void)
{
	case_begin("bad-free");
	expect_bad_free(arena, "misuse", 0x5000, 0x10, 0);
	vmem_free(arena, 0x5000, 0x10);
	expect_bad_free(arena, "misuse", 0x100000, 0x10, 0);
	vmem_xfree(arena, 0x100000, 0x10);
	check_consistent(arena, arena_total, 0);
	case_end("freeing addresses never allocated: reported, ignored");
}

static void case_double_free(void)
{
	unsigned long a;
	int ret;

	case_begin("double-free");
	ret = vmem_alloc(arena, 0x40, VMEM_SLEEP, &a);
	check_ret(ret, 0, "vmem_alloc");
	if (!ret) {
		vmem_free(arena, a, 0x40);
		expect_bad_free(arena, "misuse", a, 0x40, 0);
		vmem_free(arena, a, 0x40);
	}
	check_consistent(arena, arena_total, 0);
	case_end("the second free is reported and ignored");
}

static void case_wrong_size(void)
{
	unsigned long a, b;
	int ret;

	case_begin("wrong-size-free");
	ret = vmem_alloc(arena, 0x40, VMEM_SLEEP, &a);
	check_ret(ret, 0, "vmem_alloc");
	if (ret)
		goto out;
	expect_bad_free(arena, "misuse", a, 0x80, 0x40);
	vmem_free(arena, a, 0x80);
	expect_bad_free(arena, "misuse", a, 0x20, 0x40);
	vmem_free(arena, a, 0x20);
	expect_bad_free(arena, "misuse", a, 0, 0x40);
	vmem_free(arena, a, 0);
	check_consistent(arena, arena_total, 0x40);
	/* An address inside the allocation is not an allocation. */
	expect_bad_free(arena, "misuse", a + 0x10, 0x30, 0);
	vmem_free(arena, a + 0x10, 0x30);
	check(vmem_contains(arena, a, 0x40), "allocation no longer contained");
	vmem_free(arena, a, 0x40);

	/* Legal: a size that rounds to the allocated one. */
	ret = vmem_alloc(arena, 0x31, VMEM_SLEEP, &b);
	check_ret(ret, 0, "vmem_alloc(0x31)");
	if (!ret)
		vmem_free(arena, b, 0x40);
out:
	check_consistent(arena, arena_total, 0);
	case_end("wrong sizes are reported, the allocation survives; a rounded size frees");
}

static void case_size_zero(void)
{
	unsigned long a;

	case_begin("size-zero");
	check_ret(vmem_alloc(arena, 0, VMEM_SLEEP, &a), -EINVAL,
		  "vmem_alloc(0)");
	check_ret(vmem_xalloc(arena, 0, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
			      VMEM_NOSLEEP, &a), -EINVAL, "vmem_xalloc(0)");
	check_ret(vmem_alloc(arena, ULONG_MAX, VMEM_NOSLEEP, &a), -EINVAL,
		  "vmem_alloc(ULONG_MAX)");
	check_ret(vmem_add(arena, 0x40000, 0, VMEM_SLEEP), -EINVAL,
		  "vmem_add(size 0)");
	check_consistent(arena, arena_total, 0);
	case_end("size 0 and sizes overflowing the quantum give -EINVAL");
}

static void case_bad_flags(void)
{
	unsigned long a;

	case_begin("bad-flags");
	check_ret(vmem_alloc(arena, 0x10, 0, &a), -EINVAL, "no sleep flag");
	check_ret(vmem_alloc(arena, 0x10, VMEM_SLEEP | VMEM_NOSLEEP, &a),
		  -EINVAL, "SLEEP|NOSLEEP");
	check_ret(vmem_alloc(arena, 0x10,
			     VMEM_NOSLEEP | VMEM_BESTFIT | VMEM_NEXTFIT, &a),
		  -EINVAL, "two policies");
	check_ret(vmem_alloc(arena, 0x10, VMEM_NOSLEEP | 0x80000000U, &a),
		  -EINVAL, "unknown flag");
	check_consistent(arena, arena_total, 0);
	case_end("bad flags give -EINVAL");
}

static void case_constraints(void)
{
	unsigned long a;

	case_begin("contradictory-constraints");
	check_ret(vmem_xalloc(arena, 0x10, 0x100, 0x100, 0, VMEM_ADDR_MIN,
			      VMEM_ADDR_MAX, VMEM_NOSLEEP, &a), -EINVAL,
		  "phase == align");
	check_ret(vmem_xalloc(arena, 0x10, 0x30, 0, 0, VMEM_ADDR_MIN,
			      VMEM_ADDR_MAX, VMEM_NOSLEEP, &a), -EINVAL,
		  "align not a power of two");
	check_ret(vmem_xalloc(arena, 0x10, 0x8, 0, 0, VMEM_ADDR_MIN,
			      VMEM_ADDR_MAX, VMEM_NOSLEEP, &a), -EINVAL,
		  "align below the quantum");
	check_ret(vmem_xalloc(arena, 0x10, 0x100, 0x8, 0, VMEM_ADDR_MIN,
			      VMEM_ADDR_MAX, VMEM_NOSLEEP, &a), -EINVAL,
		  "phase not a multiple of the quantum");
	check_ret(vmem_xalloc(arena, 0x10, 0, 0, 0x300, VMEM_ADDR_MIN,
			      VMEM_ADDR_MAX, VMEM_NOSLEEP, &a), -EINVAL,
		  "nocross not a power of two");
	check_ret(vmem_xalloc(arena, 0x200, 0, 0, 0x100, VMEM_ADDR_MIN,
			      VMEM_ADDR_MAX, VMEM_NOSLEEP, &a), -EINVAL,
		  "size above nocross");
	check_ret(vmem_xalloc(arena, 0x10, 0, 0, 0, 0x8000, 0x4000,
			      VMEM_NOSLEEP, &a), -EINVAL, "minaddr > maxaddr");
	check_ret(vmem_xalloc(arena, 0x100, 0, 0, 0, 0x4000, 0x407f,
			      VMEM_NOSLEEP, &a), -EINVAL,
		  "window smaller than the size");
	/* Valid, but no free space satisfies them: -ENOMEM, at once. */
	check_ret(vmem_xalloc(arena, 0x10, 0, 0, 0, 0x100000, 0x200000,
			      VMEM_NOSLEEP, &a), -ENOMEM,
		  "window outside every span");
	check_ret(vmem_alloc(arena, 2 * M_SIZE, VMEM_SLEEP, &a), -ENOMEM,
		  "VMEM_SLEEP larger than every span");
	check_consistent(arena, arena_total, 0);
	case_end("contradictions give -EINVAL, impossible requests -ENOMEM");
}

static void case_overlapping_add(void)
{
	int ret;

	case_begin("overlapping-add");
	check_ret(vmem_add(arena, M_BASE, M_SIZE, VMEM_SLEEP), -EEXIST,
		  "the same span again");
	check_ret(vmem_add(arena, M_BASE + M_SIZE / 2, M_SIZE, VMEM_SLEEP),
		  -EEXIST, "a span overlapping the end");
	check_ret(vmem_add(arena, 0, M_BASE + 0x10, VMEM_SLEEP), -EEXIST,
		  "a span overlapping the start");
	check_ret(vmem_add(arena, 0x40008, 0x100, VMEM_SLEEP), -EINVAL,
		  "a misaligned span");
	check_ret(vmem_add(arena, ULONG_MAX - 0xf, 0x20, VMEM_SLEEP), -EINVAL,
		  "a span past the top");
	ret = vmem_add(arena, M_BASE + M_SIZE, 0x1000, VMEM_SLEEP);
	check_ret(ret, 0, "an adjacent span");
	if (!ret)
		arena_total += 0x1000;
	check_consistent(arena, arena_total, 0);
	case_end("overlapping spans give -EEXIST, bad ones -EINVAL");
}

static void case_create_bad(void)
{
	static const struct {
		unsigned long base, size, quantum;
		bool import;
		const char *what;
	} bad[] = {
		{ 0x1000, 0x1000, 0, false, "quantum 0" },
		{ 0x1000, 0x1000, 0x30, false, "quantum not a power of two" },
		{ 0x1008, 0x1000, 0x10, false, "misaligned base" },
		{ 0x1000, 0x1008, 0x10, false, "misaligned size" },
		{ ULONG_MAX - 0xfff, 0x2000, 0x1000, false, "span past the top" },
		{ 0, 0, 0x10, true, "import without release" },
	};
	struct vmem *vm;
	unsigned long a;
	unsigned int i;
	int ret;

	case_begin("create-bad-args");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		vm = vmem_create("misuse-bad", bad[i].base, bad[i].size,
				 bad[i].quantum,
				 bad[i].import ? vmem_alloc : NULL, NULL,
				 bad[i].import ? arena : NULL, 0, VMEM_SLEEP);
		check(PTR_ERR(vm) == -EINVAL, "%s: got %d", bad[i].what,
		      PTR_ERR_OR_ZERO(vm));
		if (!IS_ERR(vm))
			vmem_destroy(vm);
	}
	vm = vmem_create("misuse-bad", 0, 0x1000, 0x10, NULL, NULL, NULL, 0, 0);
	check(PTR_ERR(vm) == -EINVAL, "no sleep flag: got %d",
	      PTR_ERR_OR_ZERO(vm));
	if (!IS_ERR(vm))
		vmem_destroy(vm);

	/* Legal: a span ending at the top of the address space. */
	vm = vmem_create("misuse-top", ULONG_MAX - 0xfff, 0x1000, 0x1000,
			 NULL, NULL, NULL, 0, VMEM_SLEEP);
	check(!IS_ERR(vm), "span ending at the top: %d", PTR_ERR_OR_ZERO(vm));
	if (!IS_ERR(vm)) {
		ret = vmem_alloc(vm, 0x1000, VMEM_SLEEP, &a);
		check(!ret && a == ULONG_MAX - 0xfff,
		      "top: vmem_alloc %d, addr %#lx", ret, a);
		if (!ret)
			vmem_free(vm, a, 0x1000);
		vmem_destroy(vm);
	}
	case_end("bad vmem_create arguments give -EINVAL; a span ending at the top works");
}

/*
 * The allocations a leak report and an owners file must name (vmem loaded
 * with debug=1): functions of their own, neither inlined nor left by a
 * tail call, outside the init text (freed after init, its frames have no
 * names).
 */
static noinline int misuse_leak_alloc(struct vmem *vm, unsigned long size,
				      unsigned long *addrp)
{
	int ret = vmem_alloc(vm, size, VMEM_SLEEP, addrp);

	barrier();	/* not a tail call: this frame stays on the stack */
	return ret;
}

static noinline int misuse_held_alloc(struct vmem *vm, unsigned long *addrp)
{
	int ret = vmem_alloc(vm, 0x40, VMEM_SLEEP, addrp);

	barrier();	/* not a tail call */
	return ret;
}

static void case_destroy_live(void)
{
	unsigned long a[3];
	struct vmem *vm;
	unsigned int i;
	int ret;

	case_begin("destroy-live");
	vm = vmem_create("misuse-leak", 0x100000, 0x100000, 0x10, NULL, NULL,
			 NULL, 0, VMEM_SLEEP);
	check(!IS_ERR(vm), "vmem_create: %d", PTR_ERR_OR_ZERO(vm));
	if (IS_ERR(vm))
		goto out;
	for (i = 0; i < ARRAY_SIZE(a); i++) {
		ret = misuse_leak_alloc(vm, 0x10 * (i + 1), &a[i]);
		check_ret(ret, 0, "vmem_alloc");
	}
	expect("vmem: vmem_destroy('misuse-leak'): leaked 3 allocations (96 bytes)");
	vmem_destroy(vm);
out:
	case_end("destroying with live allocations: one line, all released");
}

static void case_destroy_live_import(void)
{
	struct vmem *src, *child;
	unsigned long a, b;
	int ret;

	case_begin("destroy-live-import");
	src = vmem_create("misuse-src", 0x200000, 0x100000, 0x1000, NULL, NULL,
			  NULL, 0, VMEM_SLEEP);
	check(!IS_ERR(src), "vmem_create(src): %d", PTR_ERR_OR_ZERO(src));
	if (IS_ERR(src))
		goto out;
	child = vmem_create("misuse-child", 0, 0, 0x1000, NULL, NULL, src, 0,
			    VMEM_SLEEP);
	check(!IS_ERR(child), "vmem_create(child): %d",
	      PTR_ERR_OR_ZERO(child));
	if (IS_ERR(child))
		goto out_src;
	ret = vmem_alloc(child, 0x3000, VMEM_SLEEP, &a);
	check_ret(ret, 0, "vmem_alloc(child)");
	ret = vmem_xalloc(child, 0x1000, 0x10000, 0, 0, VMEM_ADDR_MIN,
			  VMEM_ADDR_MAX, VMEM_NOSLEEP, &b);
	check_ret(ret, 0, "vmem_xalloc(child)");

	/* The source still has an importer: refused, and it stays usable. */
	expect("vmem: vmem_destroy('misuse-src'): 1 arenas still import from it; not destroyed");
	vmem_destroy(src);
	check(vmem_size(src, VMEM_ALLOC) >= 0x4000,
	      "source holds %#lx after the refused destroy",
	      vmem_size(src, VMEM_ALLOC));

	expect("vmem: vmem_destroy('misuse-child'): leaked 2 allocations (16384 bytes)");
	vmem_destroy(child);
	check(vmem_size(src, VMEM_ALLOC) == 0,
	      "the child's imports were not given back: %#lx in use",
	      vmem_size(src, VMEM_ALLOC));
	check(vmem_size(src, VMEM_FREE) == 0x100000, "source free %#lx",
	      vmem_size(src, VMEM_FREE));
out_src:
	vmem_destroy(src);
out:
	case_end("a leaking importer gives its spans back; a used source is kept");
}

/* Legal: VMEM_NOSLEEP allocation and free from atomic sections. */
static void case_nosleep_atomic(void)
{
	struct vmem *src, *child;
	unsigned long a[4] = { 0 }, flags;
	int ret[4];
	bool irqs_off;

	case_begin("nosleep-atomic");
	src = vmem_create("misuse-atomic-src", 0x10000000, 0x1000000, 0x1000,
			  NULL, NULL, NULL, 0, VMEM_SLEEP);
	child = vmem_create("misuse-atomic", 0, 0, 0x1000, NULL, NULL,
			    IS_ERR(src) ? NULL : src, 0, VMEM_SLEEP);
	check(!IS_ERR(src) && !IS_ERR(child), "vmem_create");
	if (IS_ERR(src) || IS_ERR(child))
		goto out;

	spin_lock_irqsave(&misuse_lock, flags);
	irqs_off = irqs_disabled();
	ret[0] = vmem_alloc(arena, 0x100, VMEM_NOSLEEP | VMEM_BESTFIT, &a[0]);
	ret[1] = vmem_xalloc(arena, 0x100, 0x1000, 0x10, 0x2000, M_BASE,
			     M_BASE + M_SIZE - 1, VMEM_NOSLEEP | VMEM_NEXTFIT,
			     &a[1]);
	/* The child imports from its source, inside the atomic section. */
	ret[2] = vmem_xalloc(child, 0x4000, 0x10000, 0, 0, VMEM_ADDR_MIN,
			     VMEM_ADDR_MAX, VMEM_NOSLEEP, &a[2]);
	if (!ret[0])
		vmem_free(arena, a[0], 0x100);
	if (!ret[1])
		vmem_xfree(arena, a[1], 0x100);
	if (!ret[2])
		vmem_xfree(child, a[2], 0x4000);
	spin_unlock_irqrestore(&misuse_lock, flags);

	/*
	 * Preemption disabled, or on PREEMPT_RT, where vmem takes spinlock_t
	 * locks that sleep there, only migration: what a caller holding a
	 * local_lock or a spinlock_t has.
	 */
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		migrate_disable();
	else
		preempt_disable();
	rcu_read_lock();
	ret[3] = vmem_alloc(child, 0x1000, VMEM_NOSLEEP, &a[3]);
	if (!ret[3])
		vmem_free(child, a[3], 0x1000);
	rcu_read_unlock();
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		migrate_enable();
	else
		preempt_enable();

	/* spin_lock_irqsave() leaves interrupts enabled on PREEMPT_RT. */
	check(irqs_off != IS_ENABLED(CONFIG_PREEMPT_RT),
	      "interrupts disabled: %d", irqs_off);
	check_ret(ret[0], 0, "vmem_alloc under a spinlock");
	check_ret(ret[1], 0, "vmem_xalloc under a spinlock");
	check(!ret[1] && (a[1] - 0x10) % 0x1000 == 0 &&
	      a[1] / 0x2000 == (a[1] + 0xff) / 0x2000,
	      "constraints broken: %#lx", a[1]);
	check_ret(ret[2], 0, "importing vmem_xalloc under a spinlock");
	check(!ret[2] && a[2] % 0x10000 == 0, "import alignment: %#lx", a[2]);
	check_ret(ret[3], 0, "vmem_alloc with preemption disabled");
	check(vmem_size(src, VMEM_ALLOC) == 0,
	      "imported spans not given back: %#lx", vmem_size(src, VMEM_ALLOC));
	check_consistent(arena, arena_total, 0);
out:
	if (!IS_ERR(child))
		vmem_destroy(child);
	if (!IS_ERR(src))
		vmem_destroy(src);
	case_end("VMEM_NOSLEEP works with interrupts and preemption disabled");
}

static void case_bad_free_atomic(void)
{
	unsigned long flags;

	case_begin("bad-free-atomic");
	/* Interrupts disabled; on PREEMPT_RT, a spinlock_t held. */
	spin_lock_irqsave(&misuse_lock, flags);
	expect_bad_free(arena, "misuse", 0x7770, 0x10, 0);
	vmem_free(arena, 0x7770, 0x10);
	spin_unlock_irqrestore(&misuse_lock, flags);
	check_consistent(arena, arena_total, 0);
	case_end("a bad free with interrupts disabled is reported and ignored");
}

static void case_null(void)
{
	case_begin("null-arena");
	vmem_destroy(NULL);
	vmem_free(NULL, 0x1000, 0x10);
	vmem_xfree(NULL, 0x1000, 0x10);
	check(vmem_size(NULL, VMEM_ALLOC | VMEM_FREE) == 0, "vmem_size(NULL)");
	case_end("NULL arenas are ignored");
}

/* After all that, every free quantum can still be allocated, once. */
static void case_drain(void)
{
	unsigned long *addrs, n = 0, i, max = arena_total / M_QUANTUM;
	unsigned long a;

	case_begin("drain");
	addrs = kvmalloc_array(max, sizeof(*addrs), GFP_KERNEL);
	check(addrs, "no memory");
	if (!addrs)
		goto out;
	while (n < max && !vmem_alloc(arena, M_QUANTUM, VMEM_NOSLEEP, &a))
		addrs[n++] = a;
	check(n == max, "%lu quanta allocated, want %lu", n, max);
	check(vmem_alloc(arena, M_QUANTUM, VMEM_NOSLEEP, &a) == -ENOMEM,
	      "a full arena still allocated");
	check(vmem_size(arena, VMEM_FREE) == 0, "full, yet %#lx free",
	      vmem_size(arena, VMEM_FREE));
	for (i = 0; i < n; i++)
		vmem_free(arena, addrs[i], M_QUANTUM);
	kvfree(addrs);
	check_consistent(arena, arena_total, 0);
out:
	case_end("the arena is whole: every quantum allocated once, then freed");
}

static int __init misuse_init(void)
{
	arena = vmem_create("misuse", M_BASE, M_SIZE, M_QUANTUM, NULL, NULL,
			    NULL, 0, VMEM_SLEEP);
	if (IS_ERR(arena))
		return PTR_ERR(arena);

	case_bad_free();
	case_double_free();
	case_wrong_size();
	case_size_zero();
	case_bad_flags();
	case_constraints();
	case_overlapping_add();
	case_create_bad();
	case_destroy_live();
	case_destroy_live_import();
	case_nosleep_atomic();
	case_bad_free_atomic();
	case_null();
	case_drain();

	if (misuse_held_alloc(arena, &held))
		held = ULONG_MAX;
	pr_info("arena misuse bad_free %lu inuse %lu total %lu\n",
		arena_bad_frees, vmem_size(arena, VMEM_ALLOC),
		vmem_size(arena, VMEM_ALLOC | VMEM_FREE));
	pr_info("done: %u cases passed, %u failed\n", npass, nfail);
	return 0;
}
module_init(misuse_init);

static void __exit misuse_exit(void)
{
	if (held != ULONG_MAX)
		vmem_free(arena, held, 0x40);
	vmem_destroy(arena);
}
module_exit(misuse_exit);

MODULE_IMPORT_NS(VMEM_NS);
MODULE_DESCRIPTION("Test of vmem: the API called wrongly on purpose");
MODULE_LICENSE("GPL");
