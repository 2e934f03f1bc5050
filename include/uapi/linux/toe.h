/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * toe: the ABI shared by toe.ko, libtoe and toectl.
 *
 * Every structure here is made of fixed-width types with explicit padding,
 * holds no pointers or longs, and has its size pinned by a static assertion,
 * so that 32- and 64-bit user space and the kernel agree byte for byte.
 * Nobody copies this header: the module, libtoe and the tools include it.
 */
#ifndef _UAPI_LINUX_TOE_H
#define _UAPI_LINUX_TOE_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define TOE_DEVICE_NAME "toe"
#define TOE_DEVICE_PATH "/dev/toe"

/*
 * The major number changes only when an old libtoe could no longer talk to
 * the module; the minor number grows with each compatible addition, and
 * feature bits say which optional parts are present.
 */
#define TOE_ABI_MAJOR 1
#define TOE_ABI_MINOR 0

/* Feature bits reported in toe_version_info.features. */
#define TOE_FEAT_CONTEXT (1ULL << 0) /* per-open application contexts */

struct toe_version_info {
	__u16 abi_major;
	__u16 abi_minor;
	__u32 reserved0; /* zero */
	__u64 features; /* TOE_FEAT_* */
	__u32 context_id; /* the caller's context, as toectl shows it */
	__u32 reserved1; /* zero */
};

#define TOE_IOC_MAGIC 0xE7

/* Returns the ABI version and feature bits; never fails on a valid fd. */
#define TOE_IOC_GET_VERSION _IOR(TOE_IOC_MAGIC, 0x00, struct toe_version_info)

#ifdef __cplusplus
static_assert(sizeof(struct toe_version_info) == 24, "toe ABI");
#elif defined(__KERNEL__) || __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct toe_version_info) == 24, "toe ABI");
#endif

#endif /* _UAPI_LINUX_TOE_H */
