/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reference model of the userspace tests of vmem: a world of stacked
 * arenas driven by random or fuzzer-supplied operations, each checked
 * against what the model says and against the arenas' invariants
 * (vmem_model.c).  Used by vmem_random.c and vmem_fuzz.c.
 */
#ifndef _VMEM_MODEL_H
#define _VMEM_MODEL_H

#include <linux/types.h>

/* Decisions come from a seeded generator, or from the fuzzer's bytes. */
void vt_source_seed(unsigned long seed);
void vt_source_bytes(const u8 *data, size_t size);

/* Print every operation as it runs. */
extern int vt_verbose;
/* Fail one bookkeeping allocation in this many (0: never). */
extern unsigned long vt_fail_rate;

/*
 * Build a world, run up to @max_ops operations (until the bytes run out,
 * for the fuzzer), checking after each, then destroy everything and check
 * that nothing leaked.  Returns 0, or -1 after printing the failing seed,
 * operation and check.
 */
int vt_run(unsigned long max_ops);

#endif /* _VMEM_MODEL_H */
