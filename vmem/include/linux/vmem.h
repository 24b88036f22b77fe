/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmem: a general-purpose resource allocator for Linux.
 *
 * Arenas hand out ranges of integers ("resources"): identifiers, device
 * address space, DMA windows, VRAM.  The design and the interface follow
 * Bonwick & Adams, "Magazines and Vmem: Extending the Slab Allocator to Many
 * CPUs and Arbitrary Resources" (USENIX 2001), in Linux conventions:
 * resources are unsigned long, errors are negative errno values, and results
 * come back through an out-parameter so that 0 and ULONG_MAX are ordinary,
 * allocatable resources.
 *
 * A client module adds ``ccflags-y += -I<vmem>/vmem/include``, includes this
 * header, builds with ``KBUILD_EXTRA_SYMBOLS=<vmem>/Module.symvers`` and
 * imports the symbol namespace with ``MODULE_IMPORT_NS(VMEM_NS);``.
 *
 * Contexts: VMEM_NOSLEEP allocation, vmem_add() with VMEM_NOSLEEP and every
 * free work in any context, hard interrupts included.  On PREEMPT_RT, where
 * a spinlock_t is a sleeping lock, they work in any context that may take
 * one (threaded interrupt handlers, softirqs, under a spinlock_t or a
 * local_lock), as the kernel's own allocators do; not in hard interrupt
 * context or with interrupts hard-disabled.  vmem_create() and
 * vmem_destroy() are for process context on every kernel.
 */
#ifndef _LINUX_VMEM_H
#define _LINUX_VMEM_H

#include <linux/types.h>
#include <linux/limits.h>
#include <linux/version.h>

struct vmem;

/*
 * The symbol namespace of every vmem export.  Since 6.13 namespaces are
 * string literals; before, a bare identifier that the kernel stringifies.
 */
#if KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE
#define VMEM_NS "VMEM"
#else
#define VMEM_NS VMEM
#endif

#define VMEM_ADDR_MIN	0UL
#define VMEM_ADDR_MAX	ULONG_MAX

/* vmflag: exactly one of VMEM_SLEEP and VMEM_NOSLEEP ... */
#define VMEM_SLEEP	0x00000001U	/* may block, for memory and for space */
#define VMEM_NOSLEEP	0x00000002U	/* never blocks; see Contexts above */
/* ... and at most one fit policy; none means VMEM_INSTANTFIT. */
#define VMEM_INSTANTFIT	0x00000010U	/* O(1): head of first list that must fit */
#define VMEM_BESTFIT	0x00000020U	/* smallest free segment that fits */
#define VMEM_NEXTFIT	0x00000040U	/* first fit after the last allocation */
/*
 * ... and optionally: place the block at the highest suitable address of
 * the free segment the policy chose (every constraint still holds).  No
 * effect with VMEM_NEXTFIT.  vmem_alloc() then bypasses the quantum caches.
 */
#define VMEM_TOPDOWN	0x00000100U

/* Segment types, for vmem_size() and vmem_walk(). */
#define VMEM_ALLOC	0x01U
#define VMEM_FREE	0x02U
#define VMEM_SPAN	0x04U		/* vmem_walk() only */

/* Arena names are copied and truncated to this many bytes, NUL included. */
#define VMEM_NAME_MAX	32

/* At most this many quantum caches: qcache_max is capped at 16 quanta. */
#define VMEM_QCACHE_MAX	16

typedef int (vmem_import_t)(struct vmem *source, unsigned long size,
			    unsigned int vmflag, unsigned long *addrp);
typedef void (vmem_release_t)(struct vmem *source, unsigned long addr,
			      unsigned long size);

/**
 * typedef vmem_ximport_t - Import a span for vmem_xcreate()'s arena.
 * @arg: &vmem_args.arg.
 * @sizep: In: the size the arena asks for, a multiple of its quantum: what
 *         the request needs, or that rounded up to the import quantum
 *         (then with %VMEM_NOSLEEP; the exact size is asked next if that
 *         fails).  Out: the size imported, at least that and a multiple of
 *         the quantum.
 * @align: Alignment of the request that needs the span (a power of two).
 * @phase: Its phase: the block starts @phase past a multiple of @align.
 * @nocross: Its boundary not to cross, or 0.
 * @minaddr: Its lowest allowed start.
 * @maxaddr: Its highest allowed last resource, inclusive.
 * @vmflag: %VMEM_SLEEP or %VMEM_NOSLEEP, the fit policy and %VMEM_TOPDOWN
 *          of the request.
 * @addrp: The start of the imported span is stored here.
 *
 * A span that lets [*@addrp, *@addrp + *@sizep) meet the constraints as one
 * block serves the request; any other is kept as space all the same (one
 * unused such span at a time; the next goes straight back).  Called without
 * the arena's lock, in the context of the allocation that needs it (with
 * %VMEM_NOSLEEP: any context the allocation may be made in).
 *
 * Return: 0, or a negative errno.  The arena then asks for the exact size
 * if it asked for more, and may ask again after taking back what its
 * quantum caches hold; else the allocation fails with -ENOMEM (-EINTR when
 * that is what the import returned).
 */
typedef int (vmem_ximport_t)(void *arg, unsigned long *sizep,
			     unsigned long align, unsigned long phase,
			     unsigned long nocross, unsigned long minaddr,
			     unsigned long maxaddr, unsigned int vmflag,
			     unsigned long *addrp);
/**
 * typedef vmem_xrelease_t - Give back a span a vmem_ximport_t imported.
 * @arg: &vmem_args.arg.
 * @addr: The span's start, as the import returned it.
 * @size: Its size, as the import reported it in *sizep.
 *
 * Called without the arena's lock, from a free that leaves the span wholly
 * free (in any context a free may be called from: it must not sleep), from
 * an allocation that turned out not to need it, and from vmem_destroy().
 */
typedef void (vmem_xrelease_t)(void *arg, unsigned long addr,
			       unsigned long size);

/**
 * struct vmem_args - Every option of vmem_xcreate().
 * @base: Start of the initial span, a multiple of @quantum.
 * @size: Size of the initial span, a multiple of @quantum; 0 for none.
 * @quantum: Unit of allocation, a power of two.
 * @qcache_max: As vmem_create()'s.
 * @source: Arena to import from with vmem_xalloc(), passing constraints on;
 *          or NULL.
 * @ximport: Or else: the function that imports spans, with @xrelease.
 * @xrelease: Gives an imported span back, whole, as @ximport returned it.
 * @arg: Passed to @ximport and @xrelease.
 * @import_quantum: 0, or a multiple of @quantum: the arena asks for
 *                  roundup(need, @import_quantum) first, wherever a block
 *                  that large can meet the request (it fits the window,
 *                  and between two multiples of nocross at its phase), so
 *                  that many small allocations cost the source few calls.
 * @flags: %VMEM_ARENA_* flags.
 */
struct vmem_args {
	unsigned long base, size;
	unsigned long quantum;
	unsigned long qcache_max;
	struct vmem *source;
	vmem_ximport_t *ximport;
	vmem_xrelease_t *xrelease;
	void *arg;
	unsigned long import_quantum;
	unsigned int flags;
};

/*
 * vmem_args.flags: record the allocating stack of every live allocation,
 * cached objects included, in the stack depot; vmem_destroy() names leaks
 * with their stacks, and debugfs <arena>/owners groups the live ones by
 * stack.  The module parameter vmem.debug=1 turns it on for every arena
 * created afterwards.  Costs a stack walk per allocation and tags 8 bytes
 * larger; arenas without it pay nothing.  -EOPNOTSUPP without
 * CONFIG_STACKDEPOT.
 */
#define VMEM_ARENA_DEBUG	0x00000001U

struct vmem *vmem_xcreate(const char *name, const struct vmem_args *args,
			  unsigned int vmflag);
struct vmem *vmem_create(const char *name, unsigned long base,
			 unsigned long size, unsigned long quantum,
			 vmem_import_t *import, vmem_release_t *release,
			 struct vmem *source, unsigned long qcache_max,
			 unsigned int vmflag);
void vmem_destroy(struct vmem *vm);

int vmem_add(struct vmem *vm, unsigned long base, unsigned long size,
	     unsigned int vmflag);

int vmem_alloc(struct vmem *vm, unsigned long size, unsigned int vmflag,
	       unsigned long *addrp);
void vmem_free(struct vmem *vm, unsigned long addr, unsigned long size);

int vmem_xalloc(struct vmem *vm, unsigned long size, unsigned long align,
		unsigned long phase, unsigned long nocross,
		unsigned long minaddr, unsigned long maxaddr,
		unsigned int vmflag, unsigned long *addrp);
void vmem_xfree(struct vmem *vm, unsigned long addr, unsigned long size);

unsigned long vmem_arena_size(struct vmem *vm, unsigned int typemask);
bool vmem_contains(struct vmem *vm, unsigned long addr, unsigned long size);
void vmem_walk(struct vmem *vm, unsigned int typemask,
	       void (*func)(void *arg, unsigned long addr, unsigned long size),
	       void *arg);

/**
 * vmem_size() - Bytes of an arena by segment type.
 * @vm: The arena.
 * @typemask: %VMEM_ALLOC, %VMEM_FREE, or both.
 *
 * An inline wrapper over vmem_arena_size(): OpenZFS's spl.ko exports a
 * symbol named vmem_size, and the kernel refuses a second module exporting
 * the same name, so vmem.ko exports this call under another name.
 *
 * Context: Any context (on PREEMPT_RT, any that may take a spinlock_t).
 * Takes and releases the arena lock.
 * Return: Bytes allocated (%VMEM_ALLOC), free (%VMEM_FREE), or the sum.
 */
static inline unsigned long vmem_size(struct vmem *vm, unsigned int typemask)
{
	return vmem_arena_size(vm, typemask);
}

#endif /* _LINUX_VMEM_H */
