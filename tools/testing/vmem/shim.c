// SPDX-License-Identifier: GPL-2.0
/*
 * The shim's allocator and the environment hooks of the core, for the
 * userspace build of vmem/vmem_core.c.
 */
#include <linux/vmem.h>
#include "vmem_internal.h"

long shim_allocs_live;
unsigned long shim_fail_after;
static unsigned long shim_nallocs;

void *shim_alloc(size_t size, bool zero)
{
	void *p;

	shim_nallocs++;
	if (shim_fail_after && shim_nallocs >= shim_fail_after) {
		shim_fail_after = 0;
		return NULL;
	}
	p = zero ? calloc(1, size) : malloc(size);
	if (p)
		shim_allocs_live++;
	return p;
}

void shim_free(void *p)
{
	if (p)
		shim_allocs_live--;
	free(p);
}

struct kmem_cache *shim_cache_create(size_t size)
{
	struct kmem_cache *c = malloc(sizeof(*c));

	if (c)
		c->size = size;
	return c;
}

void vmem_arena_register(struct vmem *vm)
{
}

void vmem_arena_unregister(struct vmem *vm)
{
}
