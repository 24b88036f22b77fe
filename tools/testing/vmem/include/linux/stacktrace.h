/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace: the "stack" of the caller is the one frame shim_stack_token,
 * which a test sets before each call, so that it knows which call
 * allocated what.
 */
#ifndef _SHIM_STACKTRACE_H
#define _SHIM_STACKTRACE_H

#include "../vmem_shim.h"

extern __thread unsigned long shim_stack_token;

unsigned int stack_trace_save(unsigned long *store, unsigned int size,
			      unsigned int skipnr);

#endif /* _SHIM_STACKTRACE_H */
