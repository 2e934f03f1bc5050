// SPDX-License-Identifier: GPL-2.0
/*
 * toe.ko: module entry points and the /dev/toe misc device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/miscdevice.h>
#include <linux/module.h>

#include <uapi/linux/toe.h>

#include "toe_priv.h"

static const struct file_operations toe_fops = {
	.owner = THIS_MODULE,
	.open = toe_ctx_open,
	.release = toe_ctx_release,
	.unlocked_ioctl = toe_ctx_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* Mode 0660: access is granted through the "toe" group's udev rule. */
static struct miscdevice toe_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = TOE_DEVICE_NAME,
	.fops = &toe_fops,
	.mode = 0660,
};

static int __init toe_init(void)
{
	int err;

	err = misc_register(&toe_miscdev);
	if (err) {
		pr_err("cannot register /dev/%s: %d\n", TOE_DEVICE_NAME, err);
		return err;
	}
	pr_info("loaded, ABI %u.%u\n", TOE_ABI_MAJOR, TOE_ABI_MINOR);
	return 0;
}

static void __exit toe_exit(void)
{
	misc_deregister(&toe_miscdev);
	/* Every context holds a module reference, so none can remain here. */
	if (atomic_read(&toe_ctx_count))
		pr_err("leak: %d contexts left at unload\n",
		       atomic_read(&toe_ctx_count));
	pr_info("unloaded\n");
}

module_init(toe_init);
module_exit(toe_exit);

MODULE_DESCRIPTION("Software TCP offload engine with direct application access");
MODULE_AUTHOR("The toe developers");
MODULE_LICENSE("GPL");
