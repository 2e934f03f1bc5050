/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private declarations shared by the toe.ko glue files.
 */
#ifndef _TOE_PRIV_H
#define _TOE_PRIV_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/types.h>

/*
 * One application context per open() of /dev/toe: the seed's
 * "application-specific interface layer" instance. Handles that user space
 * passes in are always looked up within the calling context only.
 */
struct toe_ctx {
	u32 id;
	pid_t tgid;
	char comm[TASK_COMM_LEN];
};

extern atomic_t toe_ctx_count;

int toe_ctx_open(struct inode *inode, struct file *file);
int toe_ctx_release(struct inode *inode, struct file *file);
long toe_ctx_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _TOE_PRIV_H */
