/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace: the trace events are the no-ops of <linux/tracepoint.h>. */
