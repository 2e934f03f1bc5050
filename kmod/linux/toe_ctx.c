// SPDX-License-Identifier: GPL-2.0
/*
 * Application contexts: one per open file of /dev/toe.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/linux/toe.h>

#include "toe_priv.h"

atomic_t toe_ctx_count = ATOMIC_INIT(0);
static DEFINE_IDA(toe_ctx_ida);

int toe_ctx_open(struct inode *inode, struct file *file)
{
	struct toe_ctx *ctx;
	int id;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;

	/* Context ids start at 1 so that 0 can mean "none" in the ABI. */
	id = ida_alloc_min(&toe_ctx_ida, 1, GFP_KERNEL);
	if (id < 0) {
		kfree(ctx);
		return id;
	}
	ctx->id = id;
	ctx->tgid = task_tgid_nr(current);
	get_task_comm(ctx->comm, current);

	file->private_data = ctx;
	atomic_inc(&toe_ctx_count);
	return 0;
}

int toe_ctx_release(struct inode *inode, struct file *file)
{
	struct toe_ctx *ctx = file->private_data;

	ida_free(&toe_ctx_ida, ctx->id);
	kfree(ctx);
	atomic_dec(&toe_ctx_count);
	return 0;
}

static long toe_ioctl_get_version(struct toe_ctx *ctx, void __user *uarg)
{
	struct toe_version_info info = {
		.abi_major = TOE_ABI_MAJOR,
		.abi_minor = TOE_ABI_MINOR,
		.features = TOE_FEAT_CONTEXT,
		.context_id = ctx->id,
	};

	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

long toe_ctx_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct toe_ctx *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case TOE_IOC_GET_VERSION:
		return toe_ioctl_get_version(ctx, uarg);
	default:
		return -ENOTTY;
	}
}
