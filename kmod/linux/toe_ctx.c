// SPDX-License-Identifier: GPL-2.0
/*
 * Application contexts: one per open file of /dev/toe.
 *
 * TOE_IOC_SETUP sizes the context's doorbell page, request queue (SQ),
 * completion queue (CQ) and optional anonymous pool, allocates them with
 * vmalloc_user, charges them to the caller's RLIMIT_MEMLOCK, and binds the
 * context to the engine attached in the caller's network namespace (or to
 * the first one attached there later, see toe_dev.c). The application then
 * maps each area at its uapi offset.
 *
 * fork(): a context belongs to the address space that opened it. Its
 * mappings are VM_DONTCOPY (a child does not inherit them) and every call
 * that touches its memory or rings from another mm fails with -EPERM, so a
 * child that inherits the file can neither see nor corrupt the parent's
 * rings, regions or sockets; it may open its own context.
 *
 * Release (last close, which includes the process dying) unbinds the
 * context from its engine, which resets its sockets and returns every
 * buffer (toe_owner_release), then drops its regions (unpinning and
 * uncharging them) and frees the rings.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/idr.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "toe_priv.h"

atomic_t toe_ctx_count = ATOMIC_INIT(0);
static DEFINE_IDA(toe_ctx_ida);

#define TOE_ANON_SIZE_ALIGN 2048u

int toe_ctx_open(struct inode *inode, struct file *file)
{
	struct toe_ctx *ctx;
	int id;

	if (!current->mm)
		return -EPERM;
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
	ctx->file = file;
	ctx->mm = current->mm;
	mmgrab(ctx->mm);
	mutex_init(&ctx->setup_lock);
	xa_init_flags(&ctx->mrs, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&ctx->dev_node);
	INIT_LIST_HEAD(&ctx->park_node);
	INIT_LIST_HEAD(&ctx->cq_overflow);
	init_waitqueue_head(&ctx->cq_wait);

	file->private_data = ctx;
	atomic_inc(&toe_ctx_count);
	return 0;
}

static void toe_ctx_free_rings(struct toe_ctx *ctx)
{
	u64 pages = 0;

	if (ctx->db) {
		vfree(ctx->db);
		ctx->db = NULL;
		pages++;
	}
	if (ctx->sq.base) {
		pages += ctx->sq.size >> PAGE_SHIFT;
		toe_ring_free(&ctx->sq);
	}
	if (ctx->cq.base) {
		pages += ctx->cq.size >> PAGE_SHIFT;
		toe_ring_free(&ctx->cq);
	}
	atomic64_sub(pages, &toe_ring_pages);
	toe_unaccount_pinned(ctx->mm, ctx->charged_pages);
	ctx->charged_pages = 0;
}

int toe_ctx_release(struct inode *inode, struct file *file)
{
	struct toe_ctx *ctx = file->private_data;

	toe_dev_unpark_ctx(ctx);
	if (ctx->dev) {
		toe_dev_unbind_ctx(ctx->dev, ctx);
		toe_ring_drop_overflow(ctx);
		toe_dev_put(ctx->dev);
	}
	if (ctx->net) {
		toe_genl_notify_app(ctx, ctx->net, false);
		put_net(ctx->net);
	}
	toe_mr_release_all(ctx);
	toe_ctx_free_rings(ctx);
	mmdrop(ctx->mm);
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
		.features = TOE_FEAT_CONTEXT | TOE_FEAT_RINGS | TOE_FEAT_ANON,
		.context_id = ctx->id,
	};

	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

/* Checks the request and rounds the ring sizes. */
static int toe_setup_check(struct toe_setup *s)
{
	u32 i;

	if (s->flags & ~TOE_SETUP_F_ANON || s->reserved0)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(s->reserved1); i++)
		if (s->reserved1[i])
			return -EINVAL;
	if (!s->sq_entries || s->sq_entries > TOE_SQ_ENTRIES_MAX)
		return -EINVAL;
	s->sq_entries = roundup_pow_of_two(s->sq_entries);
	if (!s->cq_entries)
		s->cq_entries = 2 * s->sq_entries;
	if (s->cq_entries > TOE_CQ_ENTRIES_MAX)
		return -EINVAL;
	s->cq_entries = roundup_pow_of_two(s->cq_entries);
	/* Every request may need a completion slot. */
	if (s->cq_entries < s->sq_entries)
		return -EINVAL;
	if (s->flags & TOE_SETUP_F_ANON) {
		if (!s->anon_count || s->anon_count > TOE_ANON_COUNT_MAX ||
		    !s->anon_size || s->anon_size > TOE_ANON_SIZE_MAX ||
		    s->anon_size % TOE_ANON_SIZE_ALIGN)
			return -EINVAL;
	} else if (s->anon_count || s->anon_size) {
		return -EINVAL;
	}
	return 0;
}

/* Allocates and charges the doorbell, the rings and the pool. */
static int toe_setup_alloc(struct toe_ctx *ctx, const struct toe_setup *s)
{
	size_t anon_bytes = (size_t)s->anon_count * s->anon_size;
	u64 anon_pages = PAGE_ALIGN(anon_bytes) >> PAGE_SHIFT;
	u64 ring_pages;
	void *anon;
	int err;

	ctx->db = vmalloc_user(PAGE_SIZE);
	if (!ctx->db)
		return -ENOMEM;
	atomic64_inc(&toe_ring_pages);
	err = toe_ring_alloc(&ctx->sq, s->sq_entries, sizeof(struct toe_sqe));
	if (err)
		return err;
	atomic64_add(ctx->sq.size >> PAGE_SHIFT, &toe_ring_pages);
	err = toe_ring_alloc(&ctx->cq, s->cq_entries, sizeof(struct toe_cqe));
	if (err)
		return err;
	atomic64_add(ctx->cq.size >> PAGE_SHIFT, &toe_ring_pages);

	ring_pages = 1 + ((ctx->sq.size + ctx->cq.size) >> PAGE_SHIFT);
	err = toe_account_pinned(ctx->mm, ring_pages);
	if (err)
		return err;
	ctx->charged_pages = ring_pages;

	if (!(s->flags & TOE_SETUP_F_ANON))
		return 0;
	err = toe_account_pinned(ctx->mm, anon_pages);
	if (err)
		return err;
	anon = vmalloc_user(anon_bytes);
	if (!anon) {
		toe_unaccount_pinned(ctx->mm, anon_pages);
		return -ENOMEM;
	}
	err = toe_mr_add_pool(ctx, anon, anon_bytes, anon_pages, &ctx->anon_mr);
	if (err) {
		vfree(anon);
		toe_unaccount_pinned(ctx->mm, anon_pages);
		return err;
	}
	ctx->anon_count = s->anon_count;
	ctx->anon_size = s->anon_size;
	return 0;
}

static void toe_setup_undo(struct toe_ctx *ctx)
{
	if (ctx->anon_mr) {
		xa_erase(&ctx->mrs, ctx->anon_mr->handle);
		atomic_dec(&ctx->nr_mrs);
		toe_mr_put(ctx->anon_mr);
		ctx->anon_mr = NULL;
		ctx->anon_count = 0;
		ctx->anon_size = 0;
	}
	toe_ctx_free_rings(ctx);
}

static long toe_ioctl_setup(struct toe_ctx *ctx, void __user *uarg)
{
	struct toe_setup s;
	int err;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	err = toe_setup_check(&s);
	if (err)
		return err;

	mutex_lock(&ctx->setup_lock);
	if (ctx->ready) {
		err = -EBUSY;
		goto out;
	}
	err = toe_setup_alloc(ctx, &s);
	if (err)
		goto err_undo;
	ctx->net = get_net(current->nsproxy->net_ns);
	err = toe_dev_bind_or_park(ctx);
	if (err) {
		put_net(ctx->net);
		ctx->net = NULL;
		goto err_undo;
	}

	toe_ring_fill_offsets(&s.sq_off);
	toe_ring_fill_offsets(&s.cq_off);
	s.doorbell_size = PAGE_SIZE;
	s.sq_size = ctx->sq.size;
	s.cq_size = ctx->cq.size;
	s.anon_region = ctx->anon_mr ? ctx->anon_mr->handle : 0;
	s.anon_pool_size = ctx->anon_mr ? PAGE_ALIGN(ctx->anon_mr->mem.len) : 0;
	/* mmap and ENTER look at the rings only after this. */
	smp_store_release(&ctx->ready, true);
	mutex_unlock(&ctx->setup_lock);
	toe_genl_notify_app(ctx, ctx->net, true);

	/* The context stays set up even if the answer cannot be written. */
	if (copy_to_user(uarg, &s, sizeof(s)))
		return -EFAULT;
	return 0;

err_undo:
	toe_setup_undo(ctx);
out:
	mutex_unlock(&ctx->setup_lock);
	return err;
}

static bool toe_ctx_ready(struct toe_ctx *ctx)
{
	/* Pairs with SETUP's release store: the rings are initialised. */
	return smp_load_acquire(&ctx->ready);
}

static bool toe_ctx_is_detached(struct toe_ctx *ctx)
{
	struct toe_dev *dev = READ_ONCE(ctx->dev);
	bool detached;

	if (!dev)
		return false;
	mutex_lock(&dev->lock);
	detached = ctx->detached;
	mutex_unlock(&dev->lock);
	return detached;
}

/*
 * Work the engine thread cannot do for a context: move parked completions
 * into a CQ the application just drained (a detached context has no thread
 * any more), and wake a sleeping thread for requests that waited for CQ
 * room.
 */
static void toe_ctx_nudge(struct toe_ctx *ctx)
{
	struct toe_dev *dev = READ_ONCE(ctx->dev);
	bool kick = false;

	if (!dev)
		return;
	mutex_lock(&dev->lock);
	if (ctx->nr_overflow) {
		toe_ring_flush_overflow(ctx);
		toe_ring_cq_commit(ctx);
	}
	if (!ctx->detached && READ_ONCE(dev->sleeping) &&
	    toe_ring_sq_pending(ctx))
		kick = true;
	mutex_unlock(&dev->lock);
	if (kick)
		toe_dev_wake(dev);
}

/* Serves the engine while waiting where it may (toe_inline.c). */
static long toe_ctx_wait(struct toe_ctx *ctx, u32 min_complete, s64 timeout_ns)
{
	struct toe_dev *dev = READ_ONCE(ctx->dev);
	ktime_t expires = timeout_ns < 0 ? KTIME_MAX :
			  ktime_add_ns(ktime_get(), timeout_ns);
	ktime_t left;
	int err = 1;

	if (dev && !READ_ONCE(ctx->detached))
		err = toe_ctx_wait_inline(ctx, dev, min_complete, expires);
	if (err <= 0)
		return err;
	if (timeout_ns < 0)
		return wait_event_interruptible(
			ctx->cq_wait, toe_ctx_wait_done(ctx, min_complete));
	/*
	 * What an inline wait that handed its work off left of the time; never
	 * negative, which the hrtimer would read as an overflow (no time-out).
	 */
	left = max_t(s64, 0, ktime_sub(expires, ktime_get()));
	return wait_event_interruptible_hrtimeout(
		ctx->cq_wait, toe_ctx_wait_done(ctx, min_complete), left);
}

static long toe_ioctl_enter(struct toe_ctx *ctx, void __user *uarg)
{
	struct toe_enter req;
	long err;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~(TOE_ENTER_F_KICK | TOE_ENTER_F_WAIT))
		return -EINVAL;
	if (!toe_ctx_ready(ctx))
		return -EINVAL;

	if (req.flags & TOE_ENTER_F_KICK) {
		struct toe_dev *dev = READ_ONCE(ctx->dev);

		if (READ_ONCE(ctx->detached))
			return -ENODEV;
		atomic64_inc(&ctx->kicks);
		WRITE_ONCE(ctx->db->kicks, atomic64_read(&ctx->kicks));
		/* Unbound: the engine takes the queue when it attaches. */
		if (dev && !toe_dev_kick_inline(dev, ctx))
			toe_dev_wake(dev);
	}
	if (!(req.flags & TOE_ENTER_F_WAIT))
		return 0;

	if (req.min_complete > ctx->cq.entries)
		return -EINVAL;
	if (!req.min_complete)
		req.min_complete = 1;
	atomic64_inc(&ctx->waits);
	if (READ_ONCE(ctx->nr_overflow) || !(req.flags & TOE_ENTER_F_KICK))
		toe_ctx_nudge(ctx);

	err = toe_ctx_wait(ctx, req.min_complete, req.timeout_ns);
	if (err)
		return err; /* -ETIME, or -ERESTARTSYS on a signal */
	if (toe_ring_cq_ready(ctx) < req.min_complete &&
	    toe_ctx_is_detached(ctx))
		return -ENODEV;
	return toe_ring_cq_ready(ctx);
}

long toe_ctx_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct toe_ctx *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case TOE_IOC_GET_VERSION:
		return toe_ioctl_get_version(ctx, uarg);
	case TOE_IOC_ATTACH:
		return toe_dev_ioctl_attach(ctx, uarg);
	case TOE_IOC_DETACH:
		return toe_dev_ioctl_detach(ctx, uarg);
	case TOE_IOC_SETUP:
	case TOE_IOC_REG_MR:
	case TOE_IOC_DEREG_MR:
	case TOE_IOC_ENTER:
		break;
	default:
		return -ENOTTY;
	}

	if (!toe_ctx_caller_ok(ctx))
		return -EPERM;
	switch (cmd) {
	case TOE_IOC_SETUP:
		return toe_ioctl_setup(ctx, uarg);
	case TOE_IOC_REG_MR:
		return toe_mr_ioctl_reg(ctx, uarg);
	case TOE_IOC_DEREG_MR:
		return toe_mr_ioctl_dereg(ctx, uarg);
	default:
		return toe_ioctl_enter(ctx, uarg);
	}
}

int toe_ctx_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct toe_ctx *ctx = file->private_data;
	unsigned long off = vma->vm_pgoff << PAGE_SHIFT;
	size_t len = vma->vm_end - vma->vm_start;
	size_t size;
	void *base;

	if (vma->vm_mm != ctx->mm)
		return -EPERM;
	if (!toe_ctx_ready(ctx))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	/*
	 * A private mapping would copy on write and leave the engine
	 * looking at pages the application no longer writes.
	 */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	switch (off) {
	case TOE_MMAP_DOORBELL:
		base = ctx->db;
		size = PAGE_SIZE;
		break;
	case TOE_MMAP_SQ:
		base = ctx->sq.base;
		size = ctx->sq.size;
		break;
	case TOE_MMAP_CQ:
		base = ctx->cq.base;
		size = ctx->cq.size;
		break;
	case TOE_MMAP_ANON:
		if (!ctx->anon_mr)
			return -EINVAL;
		base = ctx->anon_mr->pool_base;
		size = PAGE_ALIGN(ctx->anon_mr->mem.len);
		break;
	default:
		return -EINVAL;
	}
	if (len != size)
		return -EINVAL;

	/*
	 * Not inherited by a child; never executable; VM_IO keeps the
	 * areas out of get_user_pages (they cannot be registered as
	 * regions) and away from madvise(MADV_DOFORK).
	 */
	toe_vma_mod_flags(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP | VM_IO,
			  VM_MAYEXEC);
	return remap_vmalloc_range(vma, base, 0);
}

__poll_t toe_ctx_poll(struct file *file, struct poll_table_struct *wait)
{
	struct toe_ctx *ctx = file->private_data;
	__poll_t mask = 0;

	if (!toe_ctx_ready(ctx))
		return EPOLLERR;
	poll_wait(file, &ctx->cq_wait, wait);
	if (toe_ring_cq_ready(ctx))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(ctx->detached))
		mask |= EPOLLHUP;
	return mask;
}
