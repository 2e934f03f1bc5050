// SPDX-License-Identifier: GPL-2.0
/*
 * The shared rings of a context: the SQ consumer and the CQ producer, both
 * run by the engine thread under the engine mutex.
 *
 * The rings live in memory the application can write at any time, so the
 * module keeps its own copy of every index it owns, reads the other side's
 * index once per batch, bounds what it implies by the ring size, masks
 * every slot number and copies each entry out once before looking at it.
 *
 * Ordering (the names match the barriers libtoe uses):
 *   "SQ publish"  the application stores its entries, then the tail with
 *                 release; the engine loads the tail with acquire.
 *   "SQ consume"  the engine stores its head with release once it has
 *                 copied the entries, so the slots may be reused.
 *   "CQ publish"  the engine stores an entry, then the tail with release.
 *   "CQ consume"  the application stores its head with release after it
 *                 read the entries; the engine loads it with acquire.
 *
 * CQ overflow: a request is taken from the SQ only while the CQ has a free
 * slot and nothing is parked (backpressure), so a request's own completion
 * always fits. Completions the engine produces on its own (received data,
 * acknowledged sends, peer closes) park on a bounded per-context list when
 * the CQ is full and move into it, in order, as soon as it has room. Their
 * number is bounded by the engine's per-owner resources; the list's hard
 * bound (TOE_CQ_OVERFLOW_MAX) only guards the kernel against a bug.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "toe_priv.h"

static inline u32 *toe_ring_head(const struct toe_ring *ring)
{
	return (u32 *)((u8 *)ring->base + TOE_RING_OFF_HEAD);
}

static inline u32 *toe_ring_tail(const struct toe_ring *ring)
{
	return (u32 *)((u8 *)ring->base + TOE_RING_OFF_TAIL);
}

static inline void *toe_ring_slot(const struct toe_ring *ring, u32 index,
				  size_t entry_size)
{
	return (u8 *)ring->base + TOE_RING_OFF_ENTRIES +
	       (size_t)(index & ring->mask) * entry_size;
}

int toe_ring_alloc(struct toe_ring *ring, u32 entries, size_t entry_size)
{
	size_t size = PAGE_ALIGN(TOE_RING_OFF_ENTRIES + entries * entry_size);

	ring->base = vmalloc_user(size);
	if (!ring->base)
		return -ENOMEM;
	ring->size = size;
	ring->entries = entries;
	ring->mask = entries - 1;
	ring->own = 0;
	*(u32 *)((u8 *)ring->base + TOE_RING_OFF_MASK) = ring->mask;
	*(u32 *)((u8 *)ring->base + TOE_RING_OFF_ENTRY_COUNT) = entries;
	return 0;
}

void toe_ring_free(struct toe_ring *ring)
{
	vfree(ring->base);
	ring->base = NULL;
}

void toe_ring_fill_offsets(struct toe_ring_offsets *off)
{
	memset(off, 0, sizeof(*off));
	off->head = TOE_RING_OFF_HEAD;
	off->tail = TOE_RING_OFF_TAIL;
	off->ring_mask = TOE_RING_OFF_MASK;
	off->ring_entries = TOE_RING_OFF_ENTRY_COUNT;
	off->entries = TOE_RING_OFF_ENTRIES;
}

/* ---- Completion queue ----------------------------------------------------- */

u32 toe_ring_cq_room(struct toe_ctx *ctx)
{
	struct toe_ring *cq = &ctx->cq;
	/* CQ consume: entries below head have been read by the application. */
	u32 head = smp_load_acquire(toe_ring_head(cq));
	u32 used = cq->own - head;

	if (unlikely(used > cq->entries)) {
		/*
		 * A head ahead of the tail, or more than a ring behind:
		 * only this context's completions wait until it is sane.
		 */
		ctx->ctr.cq_bad_head++;
		return 0;
	}
	return cq->entries - used;
}

u32 toe_ring_cq_ready(struct toe_ctx *ctx)
{
	u32 tail = READ_ONCE(ctx->cq.own);
	u32 head = READ_ONCE(*toe_ring_head(&ctx->cq));

	return min(tail - head, ctx->cq.entries);
}

static void toe_ring_write_cqe(struct toe_ctx *ctx, const struct toe_cqe *cqe)
{
	struct toe_ring *cq = &ctx->cq;

	memcpy(toe_ring_slot(cq, cq->own, sizeof(*cqe)), cqe, sizeof(*cqe));
	cq->own++;
	/* CQ publish: the entry is visible before the tail that covers it. */
	smp_store_release(toe_ring_tail(cq), cq->own);
	ctx->ctr.cqes++;
	ctx->cq_dirty = true;
}

void toe_ring_post_cqe(struct toe_ctx *ctx, const struct toe_cqe *cqe)
{
	struct toe_cqe_overflow *ovf;

	if (!ctx->nr_overflow && toe_ring_cq_room(ctx)) {
		toe_ring_write_cqe(ctx, cqe);
		return;
	}
	if (ctx->nr_overflow >= TOE_CQ_OVERFLOW_MAX) {
		ctx->ctr.cq_dropped++;
		return;
	}
	ovf = kmalloc(sizeof(*ovf), GFP_KERNEL);
	if (!ovf) {
		ctx->ctr.cq_dropped++;
		return;
	}
	ovf->cqe = *cqe;
	list_add_tail(&ovf->node, &ctx->cq_overflow);
	ctx->nr_overflow++;
	ctx->ctr.cq_overflowed++;
}

bool toe_ring_flush_overflow(struct toe_ctx *ctx)
{
	struct toe_cqe_overflow *ovf;
	u32 room;

	if (!ctx->nr_overflow)
		return true;
	room = toe_ring_cq_room(ctx);
	while (room && ctx->nr_overflow) {
		ovf = list_first_entry(&ctx->cq_overflow,
				       struct toe_cqe_overflow, node);
		list_del(&ovf->node);
		ctx->nr_overflow--;
		toe_ring_write_cqe(ctx, &ovf->cqe);
		kfree(ovf);
		room--;
	}
	return !ctx->nr_overflow;
}

void toe_ring_drop_overflow(struct toe_ctx *ctx)
{
	struct toe_cqe_overflow *ovf, *tmp;

	list_for_each_entry_safe(ovf, tmp, &ctx->cq_overflow, node) {
		list_del(&ovf->node);
		kfree(ovf);
	}
	ctx->nr_overflow = 0;
}

void toe_ring_cq_commit(struct toe_ctx *ctx)
{
	if (!ctx->cq_dirty)
		return;
	ctx->cq_dirty = false;
	/*
	 * wq_has_sleeper()'s full barrier orders the tail stores above
	 * before the check; a waiter orders its enqueue before re-reading
	 * the tail (prepare_to_wait), so one of the two sees the other.
	 */
	if (wq_has_sleeper(&ctx->cq_wait))
		wake_up_interruptible_poll(&ctx->cq_wait,
					   EPOLLIN | EPOLLRDNORM);
}

/* ---- Submission queue ------------------------------------------------------ */

/* SQ entries published and not yet consumed, bounded by the ring size. */
static u32 toe_ring_sq_avail(struct toe_ctx *ctx, bool count_bad)
{
	struct toe_ring *sq = &ctx->sq;
	/* SQ publish: the entries below tail are written. */
	u32 avail = smp_load_acquire(toe_ring_tail(sq)) - sq->own;

	if (unlikely(avail > sq->entries)) {
		/*
		 * A tail more than a ring ahead is garbage; a ring's worth of
		 * slots is all there is to read, so that is the bound. Each
		 * such entry completes with its own error.
		 */
		if (count_bad)
			ctx->ctr.sq_bad_tail++;
		avail = sq->entries;
	}
	return avail;
}

u32 toe_ring_sq_fill(struct toe_ctx *ctx)
{
	return toe_ring_sq_avail(ctx, false);
}

bool toe_ring_sq_pending(struct toe_ctx *ctx)
{
	/* Requests blocked on a full CQ are no work until it drains. */
	if (ctx->nr_overflow || !toe_ring_cq_room(ctx))
		return false;
	return toe_ring_sq_avail(ctx, false) != 0;
}

u32 toe_ring_consume_sq(struct toe_ctx *ctx, u32 budget)
{
	struct toe_ring *sq = &ctx->sq;
	struct toe_sqe sqe;
	u32 avail, n = 0;

	if (ctx->nr_overflow)
		return 0;
	avail = toe_ring_sq_avail(ctx, true);
	budget = min(budget, avail);
	while (n < budget && toe_ring_cq_room(ctx)) {
		memcpy(&sqe, toe_ring_slot(sq, sq->own, sizeof(sqe)),
		       sizeof(sqe));
		/*
		 * From here on only the private copy is read: the compiler
		 * may not go back to the shared slot, which the application
		 * can rewrite at any time.
		 */
		barrier();
		sq->own++;
		n++;
		toe_sqe_execute(ctx, &sqe);
		if (ctx->nr_overflow)
			break;
	}
	if (n) {
		/* SQ consume: the slots are copied; the application may reuse them. */
		smp_store_release(toe_ring_head(sq), sq->own);
		ctx->ctr.sqes += n;
	}
	return n;
}

void toe_ring_set_db_flags(struct toe_ctx *ctx, u32 set, u32 clear)
{
	ctx->db_flags = (ctx->db_flags | set) & ~clear;
	WRITE_ONCE(ctx->db->flags, ctx->db_flags);
}
