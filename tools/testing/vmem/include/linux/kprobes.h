/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SHIM_KPROBES_H
#define _SHIM_KPROBES_H

#define NOKPROBE_SYMBOL(fname)

#endif /* _SHIM_KPROBES_H */
