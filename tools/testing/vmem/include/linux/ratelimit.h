/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace: nothing is rate-limited. */
#ifndef _SHIM_RATELIMIT_H
#define _SHIM_RATELIMIT_H

#include "../vmem_shim.h"

#define DEFAULT_RATELIMIT_INTERVAL	(5 * HZ)
#define DEFAULT_RATELIMIT_BURST		10

struct ratelimit_state {
	int interval;
	int burst;
};

static inline void ratelimit_state_init(struct ratelimit_state *rs,
					int interval, int burst)
{
	rs->interval = interval;
	rs->burst = burst;
}

#define __ratelimit(rs)		((void)(rs), 1)

#endif /* _SHIM_RATELIMIT_H */
