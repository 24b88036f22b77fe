/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace: a stack depot of the stacks shim_stack_token makes (shim.c),
 * deduplicated; handles are never 0.
 */
#ifndef _SHIM_STACKDEPOT_H
#define _SHIM_STACKDEPOT_H

#include "../vmem_shim.h"

typedef u32 depot_stack_handle_t;

int stack_depot_init(void);
depot_stack_handle_t stack_depot_save(unsigned long *entries,
				      unsigned int nr_entries, gfp_t gfp);
unsigned int stack_depot_fetch(depot_stack_handle_t handle,
			       unsigned long **entries);

#endif /* _SHIM_STACKDEPOT_H */
