/* SPDX-License-Identifier: GPL-2.0 */
#include "../vmem_shim.h"
