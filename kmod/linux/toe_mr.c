// SPDX-License-Identifier: GPL-2.0
/*
 * Memory regions: application memory pinned for named buffers and sends,
 * and the module-allocated anonymous pool, both presented to the engine as
 * a struct toe_mem (a page array plus the offset of byte 0).
 *
 * Pinning is long-term (FOLL_LONGTERM): the engine writes received payload
 * into the pages and the transmit path attaches them to skbs. Every page is
 * charged to the owning mm's pinned_vm against RLIMIT_MEMLOCK, as RDMA's
 * ib_umem does, unless the caller has CAP_IPC_LOCK.
 *
 * A region's lifetime is its toe_mem reference count: the context's xarray
 * holds one reference, the engine one per posted buffer or send in flight,
 * and the request path a temporary one while it hands the region over.
 * TOE_IOC_DEREG_MR succeeds only when the xarray's reference is the last.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "toe_priv.h"

/*
 * Regions larger than this are refused outright (the memlock limit
 * usually bites far earlier).
 */
#define TOE_MR_MAX_BYTES (16ULL << 30)
/* Pages pinned per call, so a huge region still reschedules. */
#define TOE_MR_PIN_CHUNK 4096u
/* Regions per context. */
#define TOE_MR_MAX_PER_CTX 65536

int toe_account_pinned(struct mm_struct *mm, u64 pages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	u64 pinned = atomic64_add_return(pages, &mm->pinned_vm);

	if (pinned > limit && !capable(CAP_IPC_LOCK)) {
		atomic64_sub(pages, &mm->pinned_vm);
		return -ENOMEM;
	}
	return 0;
}

void toe_unaccount_pinned(struct mm_struct *mm, u64 pages)
{
	atomic64_sub(pages, &mm->pinned_vm);
}

/* The last reference went: unpin or free the pages and uncharge them. */
static void toe_mr_release(struct toe_mem *mem)
{
	struct toe_mr *mr = mem->priv;

	if (mr->kind == TOE_MR_USER) {
		/* The engine may have written received data into any page. */
		unpin_user_pages_dirty_lock(mem->pages, mem->nr_pages, true);
		atomic64_sub(mem->nr_pages, &toe_pinned_pages);
	} else {
		vfree(mr->pool_base);
		atomic64_sub(mem->nr_pages, &toe_ring_pages);
	}
	toe_unaccount_pinned(mr->mm, mr->charged_pages);
	mmdrop(mr->mm);
	kvfree(mem->pages);
	kfree(mr);
}

static struct toe_mr *toe_mr_alloc(struct toe_ctx *ctx, enum toe_mr_kind kind,
				   u64 nr_pages)
{
	struct toe_mr *mr;

	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr)
		return NULL;
	mr->mem.pages =
		kvmalloc_array(nr_pages, sizeof(struct page *), GFP_KERNEL);
	if (!mr->mem.pages) {
		kfree(mr);
		return NULL;
	}
	mr->kind = kind;
	mr->mem.nr_pages = nr_pages;
	mr->mem.release = toe_mr_release;
	mr->mem.priv = mr;
	refcount_set(&mr->mem.refs, 1);
	mr->mm = ctx->mm;
	mmgrab(mr->mm);
	return mr;
}

/*
 * Publishes a new region under a fresh handle; on failure the caller
 * still owns mr.
 */
static int toe_mr_insert(struct toe_ctx *ctx, struct toe_mr *mr)
{
	u32 handle;
	int err;

	if (atomic_inc_return(&ctx->nr_mrs) > TOE_MR_MAX_PER_CTX) {
		atomic_dec(&ctx->nr_mrs);
		return -ENOSPC;
	}
	/*
	 * Cyclic allocation keeps a just-deregistered handle from naming a
	 * new region at once, so a stale handle in a late request fails
	 * instead of hitting someone else's memory.
	 */
	err = xa_alloc_cyclic(&ctx->mrs, &handle, mr, XA_LIMIT(1, INT_MAX),
			      &ctx->mr_next, GFP_KERNEL);
	if (err < 0) {
		atomic_dec(&ctx->nr_mrs);
		return err;
	}
	mr->handle = handle;
	return 0;
}

static int toe_mr_pin(struct toe_mr *mr, unsigned long start)
{
	struct toe_mem *mem = &mr->mem;
	u32 done = 0;

	while (done < mem->nr_pages) {
		int n;

		cond_resched();
		if (fatal_signal_pending(current)) {
			n = -EINTR;
		} else {
			n = pin_user_pages_fast(
				start + ((unsigned long)done << PAGE_SHIFT),
				min_t(u32, mem->nr_pages - done,
				      TOE_MR_PIN_CHUNK),
				FOLL_WRITE | FOLL_LONGTERM, mem->pages + done);
		}
		if (n <= 0) {
			unpin_user_pages(mem->pages, done);
			return n ? n : -EFAULT;
		}
		done += n;
	}
	return 0;
}

long toe_mr_ioctl_reg(struct toe_ctx *ctx, void __user *uarg)
{
	struct toe_reg_mr req;
	struct toe_mr *mr;
	unsigned long start;
	u64 nr_pages;
	int err;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || !req.len || req.len > TOE_MR_MAX_BYTES)
		return -EINVAL;
	if (req.addr + req.len < req.addr ||
	    req.addr + req.len > TASK_SIZE_MAX ||
	    PAGE_ALIGN(req.addr + req.len) < req.addr + req.len)
		return -EINVAL;

	start = req.addr & PAGE_MASK;
	nr_pages = (PAGE_ALIGN(req.addr + req.len) - start) >> PAGE_SHIFT;

	mr = toe_mr_alloc(ctx, TOE_MR_USER, nr_pages);
	if (!mr)
		return -ENOMEM;
	mr->mem.first_off = req.addr & ~PAGE_MASK;
	mr->mem.len = req.len;

	err = toe_account_pinned(ctx->mm, nr_pages);
	if (err)
		goto err_free;
	mr->charged_pages = nr_pages;

	err = toe_mr_pin(mr, start);
	if (err)
		goto err_unaccount;
	atomic64_add(nr_pages, &toe_pinned_pages);
	atomic64_add(nr_pages, &ctx->pinned_pages);

	err = toe_mr_insert(ctx, mr);
	if (err)
		goto err_release;

	req.handle = mr->handle;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		/* Nobody learnt the handle: take the region back. */
		xa_erase(&ctx->mrs, mr->handle);
		atomic_dec(&ctx->nr_mrs);
		err = -EFAULT;
		goto err_release;
	}
	return 0;

err_release:
	atomic64_sub(nr_pages, &ctx->pinned_pages);
	toe_mr_put(mr); /* unpins and uncharges */
	return err;
err_unaccount:
	toe_unaccount_pinned(ctx->mm, nr_pages);
err_free:
	mmdrop(mr->mm);
	kvfree(mr->mem.pages);
	kfree(mr);
	return err;
}

long toe_mr_ioctl_dereg(struct toe_ctx *ctx, void __user *uarg)
{
	struct toe_dereg_mr req;
	struct toe_mr *mr;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.reserved)
		return -EINVAL;

	/*
	 * The engine takes its references through toe_mr_get(), which
	 * runs under the same lock: once the count is seen at one here,
	 * nobody can reach the region any more after the erase.
	 */
	xa_lock(&ctx->mrs);
	mr = xa_load(&ctx->mrs, req.handle);
	if (!mr) {
		xa_unlock(&ctx->mrs);
		return -ENOENT;
	}
	if (mr->kind == TOE_MR_POOL || refcount_read(&mr->mem.refs) > 1) {
		xa_unlock(&ctx->mrs);
		return -EBUSY;
	}
	__xa_erase(&ctx->mrs, req.handle);
	xa_unlock(&ctx->mrs);

	atomic_dec(&ctx->nr_mrs);
	if (mr->kind == TOE_MR_USER)
		atomic64_sub(mr->mem.nr_pages, &ctx->pinned_pages);
	toe_mr_put(mr);
	return 0;
}

int toe_mr_add_pool(struct toe_ctx *ctx, void *base, size_t bytes,
		    u64 charged_pages, struct toe_mr **out)
{
	u64 nr_pages = PAGE_ALIGN(bytes) >> PAGE_SHIFT;
	struct toe_mr *mr;
	u64 i;
	int err;

	mr = toe_mr_alloc(ctx, TOE_MR_POOL, nr_pages);
	if (!mr)
		return -ENOMEM;
	for (i = 0; i < nr_pages; i++)
		mr->mem.pages[i] =
			vmalloc_to_page((u8 *)base + (i << PAGE_SHIFT));
	mr->mem.len = bytes;
	mr->pool_base = base;
	mr->charged_pages = charged_pages;

	err = toe_mr_insert(ctx, mr);
	if (err) {
		/* The caller keeps the area and the charge. */
		mmdrop(mr->mm);
		kvfree(mr->mem.pages);
		kfree(mr);
		return err;
	}
	atomic64_add(nr_pages, &toe_ring_pages);
	*out = mr;
	return 0;
}

struct toe_mr *toe_mr_get(struct toe_ctx *ctx, u32 handle)
{
	struct toe_mr *mr;

	xa_lock(&ctx->mrs);
	mr = xa_load(&ctx->mrs, handle);
	if (mr)
		toe_os_mem_get(&mr->mem);
	xa_unlock(&ctx->mrs);
	return mr;
}

void toe_mr_release_all(struct toe_ctx *ctx)
{
	struct toe_mr *mr;
	unsigned long handle;

	xa_for_each(&ctx->mrs, handle, mr) {
		xa_erase(&ctx->mrs, handle);
		atomic_dec(&ctx->nr_mrs);
		if (mr->kind == TOE_MR_USER)
			atomic64_sub(mr->mem.nr_pages, &ctx->pinned_pages);
		/*
		 * The engine let go of the context's memory before this
		 * (toe_owner_release or engine destruction); a reference
		 * still held here would be an engine bug, and the region
		 * then lives until that reference goes.
		 */
		if (refcount_read(&mr->mem.refs) > 1)
			pr_err("region %lu of context %u still referenced at release\n",
			       handle, ctx->id);
		toe_mr_put(mr);
	}
	xa_destroy(&ctx->mrs);
}
