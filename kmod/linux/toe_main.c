// SPDX-License-Identifier: GPL-2.0
/*
 * toe.ko: module entry points, the /dev/toe misc device and the module's
 * parameters.
 *
 * Read-only parameters under /sys/module/toe/parameters/ expose the
 * module-wide counts that must return to zero once every application and
 * engine is gone: pinned_pages (user pages pinned by TOE_IOC_REG_MR),
 * ring_pages (doorbells, rings and anonymous pools), contexts and engines.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "toe_priv.h"

atomic64_t toe_pinned_pages = ATOMIC64_INIT(0);
atomic64_t toe_ring_pages = ATOMIC64_INIT(0);

unsigned int toe_rx_queue_len = 4096;
module_param_named(rx_queue_len, toe_rx_queue_len, uint, 0644);
MODULE_PARM_DESC(
	rx_queue_len,
	"Frames queued from the rx_handler to an engine thread before drops");

static int toe_param_get_atomic64(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(kp->arg));
}

static int toe_param_get_atomic(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(kp->arg));
}

static int toe_param_set_readonly(const char *val,
				  const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops toe_param_atomic64_ops = {
	.set = toe_param_set_readonly,
	.get = toe_param_get_atomic64,
};

static const struct kernel_param_ops toe_param_atomic_ops = {
	.set = toe_param_set_readonly,
	.get = toe_param_get_atomic,
};

module_param_cb(pinned_pages, &toe_param_atomic64_ops, &toe_pinned_pages, 0444);
MODULE_PARM_DESC(pinned_pages,
		 "User pages pinned for memory regions (read-only)");
module_param_cb(ring_pages, &toe_param_atomic64_ops, &toe_ring_pages, 0444);
MODULE_PARM_DESC(ring_pages,
		 "Pages of doorbells, rings and anonymous pools (read-only)");
module_param_cb(contexts, &toe_param_atomic_ops, &toe_ctx_count, 0444);
MODULE_PARM_DESC(contexts, "Open application contexts (read-only)");
module_param_cb(engines, &toe_param_atomic_ops, &toe_dev_count, 0444);
MODULE_PARM_DESC(engines, "Engine instances, attached or draining (read-only)");

static const struct file_operations toe_fops = {
	.owner = THIS_MODULE,
	.open = toe_ctx_open,
	.release = toe_ctx_release,
	.unlocked_ioctl = toe_ctx_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = toe_ctx_mmap,
	.poll = toe_ctx_poll,
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

	err = toe_dev_notifiers_register();
	if (err)
		return err;
	err = misc_register(&toe_miscdev);
	if (err) {
		pr_err("cannot register /dev/%s: %d\n", TOE_DEVICE_NAME, err);
		toe_dev_notifiers_unregister();
		return err;
	}
	err = toe_genl_register();
	if (err) {
		pr_err("cannot register the netlink family: %d\n", err);
		misc_deregister(&toe_miscdev);
		toe_dev_notifiers_unregister();
		return err;
	}
	pr_info("loaded, ABI %u.%u\n", TOE_ABI_MAJOR, TOE_ABI_MINOR);
	return 0;
}

static void __exit toe_exit(void)
{
	toe_genl_unregister();
	misc_deregister(&toe_miscdev);
	toe_dev_notifiers_unregister();
	/* Their destructor is module code. */
	toe_xmit_wait_inflight();
	/*
	 * Every context and every attached engine holds a module
	 * reference, so none can remain here.
	 */
	if (atomic_read(&toe_ctx_count) || atomic_read(&toe_dev_count) ||
	    atomic64_read(&toe_pinned_pages) || atomic64_read(&toe_ring_pages))
		pr_err("leak at unload: %d contexts, %d engines, %lld pinned pages, %lld ring pages\n",
		       atomic_read(&toe_ctx_count), atomic_read(&toe_dev_count),
		       atomic64_read(&toe_pinned_pages),
		       atomic64_read(&toe_ring_pages));
	pr_info("unloaded\n");
}

module_init(toe_init);
module_exit(toe_exit);

MODULE_DESCRIPTION("Software TCP offload engine with direct application access");
MODULE_AUTHOR("The toe developers");
MODULE_LICENSE("GPL");
/* The project version (CMakeLists.txt, dkms.conf): modinfo and DKMS show it. */
MODULE_VERSION("0.1.0");
